//! What Trunk's post-build hook runs (`[[hooks]]` in `Trunk.toml`), on the
//! staging folder Trunk is about to make `dist`: so `trunk build` itself,
//! and not a step after it, leaves a finished release, and a failed step
//! leaves the last good `dist` in place.
//!
//! For a release build:
//! - the widget's wasm is split and its glue tightened (see `split`), when
//!   the page built is `widget.html`;
//! - the inline start-up script moves into a file of its own, for the
//!   Content-Security-Policy (see `csp`).
//!
//! A debug build (`cargo xtask dev`, `trunk serve`) is left as Trunk wrote
//! it: the policy is not served there, and `trunk serve` adds inline
//! script of its own.

use std::path::PathBuf;

use crate::{csp, split, Result};

/// Set by `cargo xtask build` for the widget's build (see
/// `setup::WIDGET_BUILD_ENVIRONMENT`), whose compiler and linker flags the
/// split needs.
pub const WIDGET_BUILD_MARKER: &str = "INTAKE_WIDGET_BUILD";

pub fn run() -> Result {
    let variable = |name: &str| {
        std::env::var(name).map_err(|_| {
            format!("`cargo xtask after-trunk` is Trunk's post-build hook: {name} is not set")
        })
    };
    if variable("TRUNK_PROFILE")? != "release" {
        return Ok(());
    }
    let staging = PathBuf::from(variable("TRUNK_STAGING_DIR")?);
    let public_url = variable("TRUNK_PUBLIC_URL")?;
    let page = PathBuf::from(variable("TRUNK_HTML_FILE")?);
    if page.file_name().is_some_and(|name| name == "widget.html") {
        if std::env::var_os(WIDGET_BUILD_MARKER).is_none() {
            return Err(
                "the widget's release build needs the pinned nightly and the linker's relocations: build it with `cargo xtask build`"
                    .into(),
            );
        }
        split::split_widget(&staging)?;
    }
    csp::externalise_start_script(&staging, &public_url)
}
