//! Makes the release build work under a strict Content-Security-Policy.
//!
//! Trunk writes the start-up code (import the JS glue, instantiate the wasm)
//! as an inline `<script type="module">` in `index.html`, which a policy of
//! `script-src 'self'` refuses. This moves that code into its own file next
//! to the glue and points a `<script src>` at it, so no inline script is left.

use std::fs;
use std::path::Path;

/// The inline start-up script's opening tag, as Trunk writes it and as
/// its HTML minifier (`--minify`, the widget's build) writes it.
const OPENINGS: [&str; 2] = ["<script type=\"module\">", "<script type=module>"];
const CLOSE: &str = "</script>";

/// Rewrites `dist/index.html` in place; an index without inline script is
/// left alone. `public_url` is where `dist` is served (`/`, `/widget/`).
pub fn externalise_start_script(dist: &Path, public_url: &str) -> Result<(), String> {
    let index_path = dist.join("index.html");
    let html = fs::read_to_string(&index_path)
        .map_err(|error| format!("cannot read {}: {error}", index_path.display()))?;
    let Some((start, opening)) = OPENINGS
        .iter()
        .find_map(|opening| html.find(opening).map(|start| (start, opening)))
    else {
        return refuse_inline_script(&index_path, &html);
    };
    let body_start = start + opening.len();
    let Some(body_length) = html[body_start..].find(CLOSE) else {
        return Err(format!(
            "{}: an inline script is not closed",
            index_path.display()
        ));
    };
    let script = html[body_start..body_start + body_length]
        .trim()
        .to_string();
    // The name carries a hash of the content, like Trunk's own files, so
    // caches never serve an old start script with a new module.
    let name = format!("start-{:016x}.js", fnv1a(script.as_bytes()));
    fs::write(dist.join(&name), format!("{script}\n"))
        .map_err(|error| format!("cannot write {name}: {error}"))?;
    let replaced = format!(
        "{}<script type=\"module\" src=\"{public_url}{name}\"></script>{}",
        &html[..start],
        &html[body_start + body_length + CLOSE.len()..]
    );
    refuse_inline_script(&index_path, &replaced)?;
    fs::write(&index_path, replaced)
        .map_err(|error| format!("cannot write {}: {error}", index_path.display()))
}

/// Fails when a `<script>` without `src` is left (one written in a way
/// [`OPENINGS`] does not know): the policy would block it, and the page
/// would not start.
fn refuse_inline_script(index_path: &Path, html: &str) -> Result<(), String> {
    let inline = html.match_indices("<script").any(|(start, _)| {
        let tag = &html[start
            ..html[start..]
                .find('>')
                .map_or(html.len(), |end| start + end)];
        !tag.contains(" src=")
    });
    if inline {
        return Err(format!(
            "{} still has an inline script, which `script-src 'self'` blocks",
            index_path.display()
        ));
    }
    Ok(())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A dist folder of its own holding `index.html` with `html`.
    fn page(name: &str, html: &str) -> PathBuf {
        let dist = std::env::temp_dir().join(format!("intake-csp-{name}-{}", std::process::id()));
        fs::create_dir_all(&dist).unwrap();
        fs::write(dist.join("index.html"), html).unwrap();
        dist
    }

    #[test]
    fn the_inline_start_script_moves_to_its_own_file() {
        let dist = page(
            "test",
            "<head>\n<script type=\"module\">\nimport init from '/app.js';\nawait init();\n</script>\n</head>",
        );
        externalise_start_script(&dist, "/widget/").unwrap();
        let html = fs::read_to_string(dist.join("index.html")).unwrap();
        assert!(!html.contains("import init"), "{html}");
        let name = html
            .split("src=\"/widget/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(
            fs::read_to_string(dist.join(name)).unwrap(),
            "import init from '/app.js';\nawait init();\n"
        );
        fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn an_inline_script_written_another_way_stops_the_build() {
        let dist = page(
            "other",
            "<script type=module async>import init from '/w.js';</script>",
        );
        let error = externalise_start_script(&dist, "/").unwrap_err();
        assert!(error.contains("inline script"), "{error}");
        fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn a_minified_page_has_its_start_script_moved_too() {
        let dist = page(
            "min",
            "<title>x</title><script type=module>import init from '/w.js';\nawait init();</script><p>",
        );
        externalise_start_script(&dist, "/widget/").unwrap();
        let html = fs::read_to_string(dist.join("index.html")).unwrap();
        assert!(!html.contains("import init"), "{html}");
        assert!(
            html.contains("<script type=\"module\" src=\"/widget/start-"),
            "{html}"
        );
        fs::remove_dir_all(&dist).unwrap();
    }
}
