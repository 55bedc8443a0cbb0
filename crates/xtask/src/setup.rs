//! Installs what the project needs and the machine lacks. Each check runs
//! before its install, so a second run on the same machine takes seconds and
//! prints nothing; each install failure stops everything with its reason.

use std::path::Path;
use std::process::Command;

use crate::{root, step, Result};

/// Trunk 0.22 needs a newer compiler than this project's machines have.
const TRUNK_VERSION: &str = "0.21";

/// The binaryen release whose wasm-opt Trunk uses (pinned in Trunk.toml).
/// Debian's binaryen 108 breaks modules that use reference types, which
/// rustc emits by default: the optimised app then fails at start-up with
/// "WebAssembly.Table.set(): Argument 1 is invalid".
const WASM_OPT_VERSION: &str = "116";
const WASM_OPT_CRATE_VERSION: &str = "0.116.1";

/// The widget's wasm splitter (see `split`).
const WASM_SPLIT_CLI_VERSION: &str = "0.2.4";

/// The compiler of the widget's release build: a pinned nightly, because
/// only nightly can rebuild the standard library with the widget's own
/// profile. Measured on the widget's wasm (gzip -9): stable 287 KB; nightly
/// with `build-std` and panics that abort without a message 263 KB; plus
/// the standard library's `optimize_for_size` (smaller sorts and formatting)
/// 253 KB. Everything else (lints, tests, the full app) uses stable.
pub const WIDGET_TOOLCHAIN: &str = "nightly-2026-05-20";

/// The environment Trunk's `cargo build` of the widget runs in. The linker
/// keeps its relocations, which `wasm-split-cli` needs (see `split`). Panics abort
/// at once (no message, no unwinding or formatting machinery shipped): the
/// widget's code has no `unwrap`, and a panic would stop the page either way.
/// The `erase_components` flag repeats `.cargo/config.toml`, which this
/// variable replaces for the build. The last variable tells Trunk's
/// post-build hook that this is the widget's own build (see `after_trunk`).
pub const WIDGET_BUILD_ENVIRONMENT: [(&str, &str); 5] = [
    ("RUSTUP_TOOLCHAIN", WIDGET_TOOLCHAIN),
    ("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort"),
    ("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size"),
    (
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
        "--cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Clink-args=--emit-relocs",
    ),
    (crate::after_trunk::WIDGET_BUILD_MARKER, "1"),
];

pub fn ensure_tools() -> Result {
    ensure_wasm_target()?;
    ensure_widget_toolchain()?;
    ensure_debian_packages()?;
    ensure_trunk()?;
    ensure_wasm_bindgen_cli()?;
    ensure_wasm_opt()?;
    ensure_wasm_split_cli()?;
    ensure_node_packages()
}

fn output(program: &str, arguments: &[&str]) -> Option<String> {
    let output = Command::new(program).args(arguments).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn ensure_wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step(
        "install the wasm32 target",
        "rustup",
        &["target", "add", "wasm32-unknown-unknown"],
        &[],
    )
}

/// The pinned nightly with the standard library's source (for `build-std`)
/// and the wasm32 target: about 15 seconds to download, once.
fn ensure_widget_toolchain() -> Result {
    let toolchain = format!("+{WIDGET_TOOLCHAIN}");
    let components =
        output("rustup", &[&toolchain, "component", "list", "--installed"]).unwrap_or_default();
    let has = |name: &str| components.lines().any(|line| line.starts_with(name));
    if has("rust-src") && has("rust-std-wasm32-unknown-unknown") {
        return Ok(());
    }
    step(
        &format!("install the widget's compiler, {WIDGET_TOOLCHAIN}"),
        "rustup",
        &[
            "toolchain",
            "install",
            WIDGET_TOOLCHAIN,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
            "--target",
            "wasm32-unknown-unknown",
        ],
        &[],
    )
}

/// The browsers the tests run in, from Debian (browser builds cannot be
/// downloaded on these machines): Chromium and ChromeDriver, Firefox ESR
/// (driven over WebDriver BiDi, which it speaks itself), and WebKitGTK's
/// WebDriver with its MiniBrowser, which needs a display: Xvfb, and xauth
/// for `xvfb-run`.
fn ensure_debian_packages() -> Result {
    let wanted = [
        ("chromium", "/usr/bin/chromium"),
        ("chromium-driver", "/usr/bin/chromedriver"),
        ("firefox-esr", "/usr/bin/firefox-esr"),
        ("webkit2gtk-driver", "/usr/bin/WebKitWebDriver"),
        ("xvfb", "/usr/bin/xvfb-run"),
        ("xauth", "/usr/bin/xauth"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, path)| !Path::new(path).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|uid| uid == "0");
    let (program, prefix): (&str, Vec<&str>) = if is_root {
        ("apt-get", vec![])
    } else {
        ("sudo", vec!["apt-get"])
    };
    let mut update = prefix.clone();
    update.extend(["update", "-qq"]);
    step("refresh Debian package lists", program, &update, &[])?;
    let mut install = prefix;
    install.extend(["install", "-y", "-qq", "--no-install-recommends"]);
    install.extend(missing.iter().copied());
    step(
        &format!("install {}", missing.join(", ")),
        program,
        &install,
        &[("DEBIAN_FRONTEND", "noninteractive")],
    )
}

fn ensure_trunk() -> Result {
    let version = output("trunk", &["--version"]).unwrap_or_default();
    if version.starts_with(&format!("trunk {TRUNK_VERSION}.")) {
        return Ok(());
    }
    let requirement = format!("~{TRUNK_VERSION}");
    step(
        "install Trunk (about 10 minutes on 2 cores)",
        "cargo",
        &["install", "trunk", "--version", &requirement, "--locked"],
        &[],
    )
}

/// The wasm-bindgen command line must equal the library version in
/// Cargo.lock, or Trunk tries to download its own and fails.
fn ensure_wasm_bindgen_cli() -> Result {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|error| format!("cannot read Cargo.lock: {error}"))?;
    let version =
        locked_version(&lock, "wasm-bindgen").ok_or("Cargo.lock has no wasm-bindgen entry")?;
    let installed = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if installed == format!("wasm-bindgen {version}") && on_path("wasm-bindgen-test-runner") {
        return Ok(());
    }
    let requirement = format!("={version}");
    // Without --locked: the CLI's own lock file pins a yanked crate.
    step(
        &format!("install wasm-bindgen-cli {version}"),
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &requirement,
            "--force",
        ],
        &[],
    )
}

fn locked_version(lock: &str, package: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"") {
            let version = lines
                .next()?
                .trim()
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            return Some(version.to_string());
        }
    }
    None
}

/// wasm-opt from the `wasm-opt` crate, which builds binaryen from source
/// (several minutes, once). It goes to ~/.cargo/bin, ahead of any older
/// Debian copy on PATH.
fn ensure_wasm_opt() -> Result {
    let installed = output("wasm-opt", &["--version"]).unwrap_or_default();
    if installed.starts_with(&format!("wasm-opt version {WASM_OPT_VERSION}")) {
        return Ok(());
    }
    step(
        &format!("install wasm-opt (binaryen {WASM_OPT_VERSION}; about 8 minutes on 2 cores)"),
        "cargo",
        &[
            "install",
            "wasm-opt",
            "--version",
            &format!("={WASM_OPT_CRATE_VERSION}"),
            "--locked",
        ],
        &[],
    )
}

/// `wasm-split-cli`, which splits the widget's wasm at the points Leptos's
/// `wasm_split` marks (about a minute to build, once). Its version matches
/// the `wasm_split_helpers` runtime in Cargo.lock.
fn ensure_wasm_split_cli() -> Result {
    let installed = output("cargo", &["install", "--list"]).unwrap_or_default();
    if installed.contains(&format!(
        "wasm_split_cli_support v{WASM_SPLIT_CLI_VERSION}:"
    )) && on_path("wasm-split-cli")
    {
        return Ok(());
    }
    step(
        &format!("install wasm-split-cli {WASM_SPLIT_CLI_VERSION}"),
        "cargo",
        &[
            "install",
            "wasm_split_cli_support",
            "--version",
            &format!("={WASM_SPLIT_CLI_VERSION}"),
            "--features",
            "build-binary",
            "--locked",
        ],
        &[],
    )
}

/// The Node packages of the end-to-end journeys (`tests/e2e`) and of the
/// release build (`tools`: the widget's JavaScript minifier), each from its
/// lock file; a folder whose install is newer than its lock file is skipped.
fn ensure_node_packages() -> Result {
    for (folder, title) in [
        ("tests/e2e", "install end-to-end test packages (npm ci)"),
        ("tools", "install the build's Node packages (npm ci)"),
    ] {
        let lock = root().join(folder).join("package-lock.json");
        let marker = root().join(folder).join("node_modules/.package-lock.json");
        let modified = |path: &Path| {
            std::fs::metadata(path)
                .and_then(|metadata| metadata.modified())
                .ok()
        };
        if let (Some(lock_time), Some(marker_time)) = (modified(&lock), modified(&marker)) {
            if marker_time >= lock_time {
                continue;
            }
        }
        step(
            title,
            "npm",
            &[
                "ci",
                "--prefix",
                folder,
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ],
            &[],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn finds_the_locked_version_of_a_package() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"9\"\n\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "leptos"), None);
    }
}
