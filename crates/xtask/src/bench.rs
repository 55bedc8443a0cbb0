//! `cargo xtask bench`: the engine's host benchmark, then the side-by-side
//! browser benchmark (`bench/run.mjs`) of our release build against SurveyJS
//! and Form.io on the same generated forms, which prints a table and writes
//! `docs/benchmarks.md`.

use std::path::Path;
use std::time::SystemTime;

use crate::{build_release_app, root, setup, step, Result};

/// Set to `1` to measure the release build already in `dist/` rather than
/// building one first (for example while another build is using the CPU).
const REUSE_DIST: &str = "INTAKE_BENCH_REUSE_DIST";

pub fn run() -> Result {
    step(
        "engine benchmark (host)",
        "cargo",
        &["bench", "--quiet", "--package", "intake-engine"],
        &[],
    )?;
    // Chromium and the app's build tools; quiet when they are installed.
    setup::ensure_tools()?;
    if std::env::var_os(REUSE_DIST).is_some_and(|value| value == "1") {
        if !root().join("dist/index.html").is_file() {
            return Err(format!(
                "{REUSE_DIST}=1 but dist/ holds no release build: run `trunk build --release`, or leave {REUSE_DIST} unset"
            ));
        }
    } else {
        // The figures must be of the app as it is now, not of an older build.
        build_release_app()?;
    }
    ensure_bench_packages()?;
    step(
        "browser benchmark: ours, SurveyJS and Form.io (headless Chromium)",
        "node",
        &["bench/run.mjs"],
        &[],
    )
}

/// SurveyJS, Form.io and playwright-core from `bench/package-lock.json`,
/// reinstalled only when the lock file changed since the last install, as
/// setup does for the end-to-end packages.
fn ensure_bench_packages() -> Result {
    let bench = root().join("bench");
    let modified = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|metadata| metadata.modified())
            .ok()
    };
    let lock_time = modified(&bench.join("package-lock.json"));
    let installed_time = modified(&bench.join("node_modules/.package-lock.json"));
    if installed_matches_lock(lock_time, installed_time) {
        return Ok(());
    }
    step(
        "install benchmark packages (npm ci)",
        "npm",
        &[
            "ci",
            "--prefix",
            "bench",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ],
        &[],
    )
}

/// npm writes `node_modules/.package-lock.json` at the end of an install, so
/// an install at least as new as the lock file installed that lock file.
fn installed_matches_lock(lock: Option<SystemTime>, installed: Option<SystemTime>) -> bool {
    matches!((lock, installed), (Some(lock), Some(installed)) if installed >= lock)
}

#[cfg(test)]
mod tests {
    use super::installed_matches_lock;
    use std::time::{Duration, SystemTime};

    #[test]
    fn packages_are_reinstalled_only_when_the_lock_file_is_newer_or_nothing_is_installed() {
        let lock = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let later = lock + Duration::from_secs(1);
        let earlier = lock - Duration::from_secs(1);
        assert!(installed_matches_lock(Some(lock), Some(later)));
        assert!(installed_matches_lock(Some(lock), Some(lock)));
        assert!(!installed_matches_lock(Some(lock), Some(earlier)));
        assert!(!installed_matches_lock(Some(lock), None));
        assert!(!installed_matches_lock(None, Some(later)));
    }
}
