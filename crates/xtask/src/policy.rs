//! The deployment's Content-Security-Policy, written by the release build.
//!
//! The policy follows from the configurations the build ships in
//! `dist/config/`: `connect-src` lists this site and exactly the API and
//! form origins they name, so no link, definition or server answer can
//! make a page send anywhere else. Staff intake, the preview and the start
//! page cannot be framed; the widget can, since organisations embed it.
//! The authors' preview reads definitions from any `https:` origin that
//! allows it, because it sends nothing.
//!
//! The policy is written to `dist/_headers`, the format Netlify and
//! Cloudflare Pages read (the README shows the same headers for nginx and
//! Caddy), and the sandbox and the journeys serve that same file, so every
//! journey runs under what production gets.

use std::fs;
use std::path::Path;

use intake_engine::targets::TargetConfig;

/// Where the build writes the headers.
pub const HEADERS_FILE: &str = "_headers";

/// Everything but `connect-src` and `frame-ancestors`: scripts and styles
/// only from the site's own files (no inline code, no `eval`; wasm compiles
/// under `'wasm-unsafe-eval'`), images also from `data:` (a drawn
/// signature), no plugins, no `<base>`, no form posts.
const FIXED: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; object-src 'none'";

/// The paths of each page, as the app's router and the static host see them.
const WIDGET_PATHS: &[&str] = &["/widget", "/widget/", "/widget/index.html"];
const STAFF_PATHS: &[&str] = &["/staff", "/staff/"];
const PREVIEW_PATHS: &[&str] = &["/preview", "/preview/"];
const START_PATHS: &[&str] = &["/", "/index.html"];

/// Headers every file gets.
const EVERY_FILE: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
];

/// The origins the configurations in `config_dir` name, sorted; a
/// configuration that cannot be read stops the build with its file and key.
pub fn connect_origins(config_dir: &Path) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    let entries = fs::read_dir(config_dir)
        .map_err(|error| format!("cannot read {}: {error}", config_dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let config = TargetConfig::from_json_str(&text)
            .map_err(|error| format!("{}: {error}", path.display()))?;
        origins.extend(config.connect_origins());
    }
    origins.sort();
    origins.dedup();
    Ok(origins)
}

/// The policy of one kind of page.
fn policy(connect: &str, frame_ancestors: &str) -> String {
    format!("{FIXED}; connect-src {connect}; frame-ancestors {frame_ancestors}")
}

/// The `_headers` text for a deployment whose configurations name
/// `origins`. Each page's policy is on its own exact paths: hosts combine
/// the headers of every rule a path matches, and two policies would both
/// apply (the widget would then refuse to be framed).
pub fn headers_text(origins: &[String]) -> String {
    let sending = std::iter::once("'self'".to_string())
        .chain(origins.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let pages: [(&[&str], String); 4] = [
        (WIDGET_PATHS, policy(&sending, "*")),
        (STAFF_PATHS, policy(&sending, "'none'")),
        (PREVIEW_PATHS, policy("'self' https:", "'none'")),
        (START_PATHS, policy("'self'", "'none'")),
    ];
    let mut text = String::from(
        "# Written by `cargo xtask build` from the configurations in config/; do not edit.\n",
    );
    text.push_str("/*\n");
    for (name, value) in EVERY_FILE {
        text.push_str(&format!("  {name}: {value}\n"));
    }
    for (paths, policy) in pages {
        for path in paths {
            text.push_str(&format!("{path}\n  Content-Security-Policy: {policy}\n"));
        }
    }
    text
}

/// Writes `dist/_headers` from `dist/config/`.
pub fn write_headers(dist: &Path) -> Result<(), String> {
    let origins = connect_origins(&dist.join("config"))?;
    let path = dist.join(HEADERS_FILE);
    fs::write(&path, headers_text(&origins))
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(String, Vec<String>)> {
        let mut rules: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            if let Some(header) = line.strip_prefix("  ") {
                rules.last_mut().unwrap().1.push(header.to_string());
            } else {
                rules.push((line.to_string(), Vec::new()));
            }
        }
        rules
    }

    #[test]
    fn connect_src_lists_exactly_the_named_origins_and_only_the_widget_is_framable() {
        let text = headers_text(&["https://api.example.org".to_string()]);
        for (path, headers) in rules(&text) {
            let csp = headers
                .iter()
                .find_map(|header| header.strip_prefix("Content-Security-Policy: "));
            let Some(csp) = csp else {
                assert_eq!(path, "/*");
                continue;
            };
            assert!(!csp.contains("connect-src *"), "{path}: {csp}");
            if path.starts_with("/widget") {
                assert!(csp.ends_with("frame-ancestors *"), "{path}: {csp}");
                assert!(
                    csp.contains("connect-src 'self' https://api.example.org;"),
                    "{csp}"
                );
            } else {
                assert!(csp.ends_with("frame-ancestors 'none'"), "{path}: {csp}");
            }
            if path.starts_with("/staff") {
                assert!(
                    csp.contains("connect-src 'self' https://api.example.org;"),
                    "{csp}"
                );
            }
        }
    }

    #[test]
    fn the_demo_configurations_name_no_other_origin() {
        let origins = connect_origins(&crate::root().join("public/config")).unwrap();
        assert!(origins.is_empty(), "{origins:?}");
    }

    #[test]
    fn a_configuration_that_cannot_work_stops_the_build() {
        let dir = std::env::temp_dir().join(format!("intake-policy-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("bad.json"),
            r#"{"target": "caspen", "base_url": "https://x.org/v1?api_key=1"}"#,
        )
        .unwrap();
        let error = connect_origins(&dir).unwrap_err();
        assert!(
            error.contains("bad.json") && error.contains("base_url"),
            "{error}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
