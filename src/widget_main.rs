fn main() {
    intake_app::mount_widget();
}
