// The widget shows no definition check, so its build must read definitions
// without recording problems: a workspace member that asks for the engine's
// `problems` feature while Trunk builds the widget would add their text back.
#[cfg(not(feature = "full"))]
const _: () = assert!(
    !intake_engine::RECORDS_PROBLEMS,
    "the widget's build links the engine's problem messages: see default-members in Cargo.toml"
);

fn main() {
    intake_app::mount_widget();
}
