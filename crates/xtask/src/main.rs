//! Developer commands for intake, run as `cargo xtask <command>`:
//!
//! - `setup`: installs whatever the project needs and the machine lacks; quiet
//!   when everything is there.
//! - `run [--port N]`: setup, a release build of the app, then the sandbox
//!   serving the app, the demo forms and the stand-in APIs on one origin,
//!   with the organisation's gateway (`intake-gateway`) behind `/gateway/`.
//! - `dev [--port N]`: the same with a debug build of the full app that
//!   Trunk rebuilds on every change (reload the page to see it); the widget
//!   is the full app's `/widget` page, not its own split build.
//! - `test`: setup, formatting, lints (host and wasm32), host tests, browser
//!   tests of the app, then end-to-end journeys on the release build.
//! - `build`: the release build of the app into `dist/` and of the widget
//!   into `dist/widget/`, ready for the strict Content-Security-Policy (no
//!   inline script). The widget is built with a pinned nightly compiler that
//!   rebuilds the standard library for size (see `setup::WIDGET_TOOLCHAIN`),
//!   and its wasm is split so the submission path comes after the form
//!   (see `split`), by Trunk's post-build hook (`after-trunk`, see
//!   `after_trunk`), which refuses a widget release Trunk was not started
//!   for by this command.
//! - `bench`: the engine's host benchmark, then our release build against
//!   SurveyJS and Form.io in headless Chromium (writes docs/benchmarks.md).
//!
//! The standard library, the engine (the build reads the deployment's
//! configurations with the engine's rules) and the wasm reader and writer
//! the widget's build uses, so it compiles in seconds on a fresh machine.

mod after_trunk;
mod bench;
mod csp;
mod glue;
mod policy;
mod setup;
mod split;
#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match arguments.first().map(String::as_str) {
        Some("setup") => setup::ensure_tools(),
        Some("run") => run(&arguments[1..]),
        Some("test") => test(),
        Some("build") => setup::ensure_tools().and_then(|()| build_release_app()),
        Some("bench") => bench(),
        Some("dev") => dev(&arguments[1..]),
        Some("after-trunk") => after_trunk::run(),
        _ => Err(
            "usage: cargo xtask <setup | run [--port N] | dev [--port N] | build | test | bench>"
                .into(),
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: xtask lives in `crates/xtask`.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Runs a command from the repository root, failing loudly with the command
/// line when it fails.
pub(crate) fn step(
    title: &str,
    program: &str,
    arguments: &[&str],
    environment: &[(&str, &str)],
) -> Result {
    eprintln!("==> {title}");
    let status = Command::new(program)
        .args(arguments)
        .envs(environment.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|error| format!("could not start `{program}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{title} failed: `{program} {}` exited with {status}",
            arguments.join(" ")
        ))
    }
}

/// The full app into `dist/`, then the widget's own, smaller build into
/// `dist/widget/` (served at `/widget`), then the deployment's
/// Content-Security-Policy into `dist/_headers`. Trunk's post-build hook
/// finishes each build (see `after_trunk`): the widget's split, and no
/// inline script left.
fn build_release_app() -> Result {
    step(
        "release build of the app (trunk)",
        "trunk",
        &["build", "--release"],
        &[],
    )?;
    step(
        "release build of the widget (trunk, pinned nightly, standard library rebuilt for size)",
        "trunk",
        &[
            "build",
            "widget.html",
            "--release",
            // Its stylesheet and page minified (its glue is minified by
            // `split`, which replaces Trunk's).
            "--minify",
            "--dist",
            "dist/widget",
            "--public-url",
            "/widget/",
        ],
        &setup::WIDGET_BUILD_ENVIRONMENT,
    )?;
    policy::write_headers(&root().join("dist"))
}

/// The port `--port N` names, 8080 without it.
fn port_argument(arguments: &[String], command: &str) -> Result<String> {
    match arguments {
        [] => Ok("8080".to_string()),
        [flag, port] if flag == "--port" && port.parse::<u16>().is_ok() => Ok(port.clone()),
        _ => Err(format!("usage: cargo xtask {command} [--port N]")),
    }
}

fn run(arguments: &[String]) -> Result {
    setup::ensure_tools()?;
    let port = port_argument(arguments, "run")?;
    build_release_app()?;
    serve(&port, "dist")
}

/// Where `cargo xtask dev` builds: apart from the release build in `dist/`.
const DEV_DIST: &str = "target/dev-dist";

fn dev(arguments: &[String]) -> Result {
    setup::ensure_tools()?;
    let port = port_argument(arguments, "dev")?;
    step(
        "debug build of the app (trunk)",
        "trunk",
        &["build", "--dist", DEV_DIST],
        &[],
    )?;
    // Trunk rebuilds on every change under these paths while the sandbox
    // serves what it writes; both stop with Ctrl-C.
    let mut watcher = Command::new("trunk")
        .args(["watch", "--dist", DEV_DIST])
        .args(["--watch", "src", "--watch", "style", "--watch", "public"])
        .args(["--watch", "index.html", "--watch", "crates/engine/src"])
        .current_dir(root())
        .spawn()
        .map_err(|error| format!("could not start `trunk watch`: {error}"))?;
    let served = serve(&port, DEV_DIST);
    let _ = watcher.kill();
    served
}

/// The debug builds of the sandbox and the gateway, which `run` and the
/// journeys start.
fn build_servers(title: &str) -> Result {
    step(
        title,
        "cargo",
        &[
            "build",
            "--quiet",
            "--package",
            "intake-sandbox",
            "--package",
            "intake-gateway",
        ],
        &[],
    )
}

/// The demo gateway's configuration, for the sandbox's default port.
const DEMO_GATEWAY: &str = "dev/gateway/demo.toml";

/// The credential the demo gateway adds for the public: the sandbox's staff
/// token (a deployment puts the vendor's own token in this variable).
const DEMO_VENDOR_TOKEN: (&str, &str) = ("INTAKE_DEMO_VENDOR_TOKEN", "demo-staff-token");

/// The demo gateway's configuration for a sandbox on `port`: the demo file
/// itself on the default port, else a copy in `target/` with the port and
/// the file's relative paths made whole.
fn gateway_configuration(port: &str) -> Result<PathBuf> {
    let demo = root().join(DEMO_GATEWAY);
    if port == "8080" {
        return Ok(demo);
    }
    let text = std::fs::read_to_string(&demo)
        .map_err(|error| format!("cannot read {}: {error}", demo.display()))?;
    let folder = root().join("dev/gateway");
    let text = text
        .replace(":8080", &format!(":{port}"))
        .replace("\"127.0.0.1:8081\"", "\"127.0.0.1:0\"")
        .replace("\"../../", &format!("\"{}/", root().display()))
        .replace(
            "\"charity-crm-demo-key.pem\"",
            &format!("\"{}/charity-crm-demo-key.pem\"", folder.display()),
        );
    let written = root().join(format!("target/xtask/gateway-{port}.toml"));
    std::fs::create_dir_all(root().join("target/xtask"))
        .and_then(|()| std::fs::write(&written, text))
        .map_err(|error| format!("cannot write {}: {error}", written.display()))?;
    Ok(written)
}

/// The sandbox serving the app in `dist`, the demo forms and the stand-in
/// APIs on one origin, with the organisation's gateway (`intake-gateway`
/// on the demo configuration) behind its `/gateway/...`; it prints the
/// address to open and runs until Ctrl-C.
fn serve(port: &str, dist: &str) -> Result {
    build_servers("sandbox and gateway binaries")?;
    let binaries = std::env::var_os("CARGO_TARGET_DIR")
        .map(|folder| root().join(folder))
        .unwrap_or_else(|| root().join("target"))
        .join("debug");
    let configuration = gateway_configuration(port)?;
    eprintln!(
        "==> the organisation's gateway ({})",
        configuration.display()
    );
    let mut gateway = Command::new(binaries.join("intake-gateway"))
        .args(["--config".as_ref(), configuration.as_os_str()])
        .env(DEMO_VENDOR_TOKEN.0, DEMO_VENDOR_TOKEN.1)
        .stdout(std::process::Stdio::piped())
        .current_dir(root())
        .spawn()
        .map_err(|error| format!("could not start intake-gateway: {error}"))?;
    // Its first line names the address it listens on.
    let mut line = String::new();
    if let Some(stdout) = gateway.stdout.take() {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
    }
    let Some(address) = line
        .trim()
        .strip_prefix("intake-gateway listening on http://")
    else {
        let _ = gateway.kill();
        return Err(format!(
            "intake-gateway did not start (see its message above); {DEMO_GATEWAY} is its configuration"
        ));
    };
    let address = address.to_string();
    let served = step(
        "sandbox server (stop with Ctrl-C)",
        &binaries.join("intake-sandbox").display().to_string(),
        &[
            "--port",
            port,
            "--data",
            ".sandbox-data",
            "--dist",
            dist,
            "--forms",
            "public/forms",
            "--demo-host",
            "dev/embed",
            "--gateway",
            &address,
        ],
        &[],
    );
    let _ = gateway.kill();
    served
}

fn test() -> Result {
    setup::ensure_tools()?;
    step("formatting", "cargo", &["fmt", "--all", "--check"], &[])?;
    step(
        "lints (host crates)",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    // The app lints for the browser twice: the full app with its tests, and
    // the widget's own build, which has code paths of its own.
    for (title, selection) in [
        ("lints (app, wasm32)", &["--all-targets"][..]),
        (
            "lints (the widget's own build, wasm32)",
            &["--no-default-features", "--lib", "--bins"][..],
        ),
    ] {
        let mut arguments = vec![
            "clippy",
            "--package",
            "intake-app",
            "--target",
            "wasm32-unknown-unknown",
        ];
        arguments.extend_from_slice(selection);
        arguments.extend_from_slice(&["--quiet", "--", "-D", "warnings"]);
        step(title, "cargo", &arguments, &[])?;
    }
    step(
        "host tests",
        "cargo",
        &["test", "--workspace", "--quiet"],
        &[],
    )?;
    // The widget's build reads definitions without the engine's `problems`
    // feature: the fixtures and golden requests must come out the same.
    // (`staff` stays on: the golden requests include staff intake's.)
    step(
        "engine tests without the problems feature (as the widget builds it)",
        "cargo",
        &[
            "test",
            "--quiet",
            "--package",
            "intake-engine",
            "--no-default-features",
            "--features",
            "staff",
            "--test",
            "fixtures",
            "--test",
            "targets",
        ],
        &[],
    )?;
    // The definition loader fuzzed for a bounded time, printing its counts.
    step(
        "fuzz audit: the definition loader for 15 s",
        "cargo",
        &[
            "test",
            "--quiet",
            "--package",
            "intake-engine",
            "--test",
            "loader_properties",
            "--",
            "--nocapture",
        ],
        &[("INTAKE_FUZZ_SECONDS", "15")],
    )?;
    step(
        "browser tests of the app (wasm-bindgen-test, headless Chromium)",
        "cargo",
        // No --quiet: cargo would pass it on to wasm-bindgen-test-runner, which refuses it.
        &[
            "test",
            "--package",
            "intake-app",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "browser",
        ],
        &[
            ("CHROMEDRIVER", "/usr/bin/chromedriver"),
            ("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        ],
    )?;
    build_release_app()?;
    // The budget that matters most: what a phone downloads before the
    // widget's first question shows, counted as the benchmark counts it.
    step(
        "the widget's first load within its budget",
        "node",
        &["bench/first-load.mjs"],
        &[],
    )?;
    // The submission journeys start the sandbox and gateway binaries themselves.
    build_servers("sandbox and gateway binaries for the journeys")?;
    step(
        "end-to-end journeys (Chromium through Playwright; Firefox ESR and WebKitGTK through tests/e2e/engines)",
        "node",
        &["--test", "--test-concurrency=1", "tests/e2e/"],
        &[],
    )
}

fn bench() -> Result {
    bench::run()
}
