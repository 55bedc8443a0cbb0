fn main() {
    intake_app::mount();
}
