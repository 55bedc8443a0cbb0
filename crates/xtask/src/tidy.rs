//! The codebase's invariants, checked by reading its sources, as
//! rust-analyzer's tidy tests do. They run with the host tests
//! (`cargo test --workspace`, part of `cargo xtask test`); each failure says
//! what is wrong and how to put it right.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The source without comments, and without its `#[cfg(test)]` modules
/// (which by convention close a file): what ships.
pub fn shipped_code(source: &str) -> String {
    let mut code = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        code.push_str(strip_line_comment(line));
        code.push('\n');
    }
    code
}

/// A line without its `//` comment; a `//` inside a string literal (a URL)
/// is kept.
fn strip_line_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (position, &byte) in bytes.iter().enumerate() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(position + 1) == Some(&b'/') => {
                return &line[..position];
            }
            _ => {}
        }
    }
    line
}

/// The module path of an app source file: `src/shared/intake.rs` is
/// `shared::intake`, `src/pages/staff/mod.rs` is `pages::staff`, and
/// `src/lib.rs` is the crate root, "".
pub fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    match stem {
        "lib" if parts.is_empty() => {}
        "mod" => {}
        _ => parts.push(stem.to_string()),
    }
    Some(parts.join("::"))
}

/// The paths a file names through `crate::` (in `use` lists, braces
/// expanded, and inline), as written after `crate::`.
pub fn crate_paths(code: &str) -> Vec<String> {
    paths_after(code, "crate::")
}

/// The paths named after `prefix` (`crate::`, `super::`, `child::`), as
/// written after it.
pub fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(found) = rest.find(prefix) {
        let before = rest[..found].chars().next_back();
        rest = &rest[found + prefix.len()..];
        // `intake_crate::` or `some_crate::` are other names.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let (tree, _) = take_use_tree(rest);
        expand(&tree, "", &mut paths);
    }
    paths
}

/// The child modules a file declares (`mod desk;`).
pub fn child_modules(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub(crate) mod ")
                .or_else(|| line.strip_prefix("pub mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            rest.strip_suffix(';').map(str::to_string)
        })
        .collect()
}

/// The path or brace tree at the start of `text`.
fn take_use_tree(text: &str) -> (String, usize) {
    let mut depth = 0usize;
    for (position, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':') => {
                return (text[..position].to_string(), position);
            }
            _ => {}
        }
    }
    (text.to_string(), text.len())
}

fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    match tree.find('{') {
        None => {
            let path = format!("{prefix}{tree}");
            let path = path.trim_end_matches("::").to_string();
            if !path.is_empty() && path != "self" {
                out.push(path.trim_end_matches("::self").to_string());
            }
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = tree[open + 1..]
                .strip_suffix('}')
                .unwrap_or(&tree[open + 1..]);
            let mut depth = 0usize;
            let mut start = 0;
            let mut items = Vec::new();
            for (position, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        items.push(&inner[start..position]);
                        start = position + 1;
                    }
                    _ => {}
                }
            }
            items.push(&inner[start..]);
            for item in items.into_iter().filter(|item| !item.is_empty()) {
                if item == "self" {
                    out.push(format!("{prefix}{}", head.trim_end_matches("::")));
                } else {
                    expand(item, &format!("{prefix}{head}"), out);
                }
            }
        }
    }
}

/// The module a path names: its longest prefix that is a module.
pub fn target_module(path: &str, modules: &BTreeSet<String>) -> String {
    let parts: Vec<&str> = path.split("::").collect();
    for length in (1..=parts.len()).rev() {
        let candidate = parts[..length].join("::");
        if modules.contains(&candidate) {
            return candidate;
        }
    }
    String::new()
}

/// The app's import graph: each module and the modules it names.
pub fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(src);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|file| module_of(src, file))
        .collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(src, file) else {
            continue;
        };
        let code = shipped_code(&fs::read_to_string(file).unwrap_or_default());
        let mut targets: BTreeSet<String> = crate_paths(&code)
            .iter()
            .map(|path| target_module(path, &modules))
            .collect();
        // `super::x` names a sibling (or the parent itself).
        let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
        for path in paths_after(&code, "super::") {
            let full = if parent.is_empty() {
                path
            } else {
                format!("{parent}::{path}")
            };
            let target = target_module(&full, &modules);
            targets.insert(if target.is_empty() {
                parent.to_string()
            } else {
                target
            });
        }
        // `child::x` and `self::child::x` name a module this file declares.
        for child in child_modules(&code) {
            let full = if module.is_empty() {
                child.clone()
            } else {
                format!("{module}::{child}")
            };
            let named = !paths_after(&code, &format!("{child}::")).is_empty();
            if named {
                targets.insert(full);
            }
        }
        targets.remove(&module);
        graph.insert(module, targets);
    }
    graph
}

/// A cycle in the graph, as the modules along it, if there is one.
pub fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = stack.iter().position(|entry| entry == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

/// The page a module belongs to (`pages::staff::find` is in
/// `pages::staff`); `None` for modules outside `pages`.
pub fn page_of(module: &str) -> Option<String> {
    let mut parts = module.split("::");
    match (parts.next(), parts.next()) {
        (Some("pages"), Some(page)) => Some(format!("pages::{page}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The sources that ship: the app and every crate's `src/`, not tests.
    fn shipped_sources() -> Vec<PathBuf> {
        let root = root();
        let mut files = rust_files(&root.join("src"));
        for krate in ["engine", "cli", "gateway", "sandbox", "xtask"] {
            files.extend(rust_files(&root.join("crates").join(krate).join("src")));
        }
        files
    }

    fn relative(file: &Path) -> String {
        file.strip_prefix(root())
            .unwrap_or(file)
            .display()
            .to_string()
    }

    #[test]
    fn reading_use_trees_finds_every_module_named() {
        let code = "use crate::shared::{draft, http::{self, FetchError}};\nlet x = crate::shared::dom::url_parameter(\"a\");\nuse intake_crate::x;";
        assert_eq!(
            crate_paths(code),
            vec![
                "shared::draft",
                "shared::http",
                "shared::http::FetchError",
                "shared::dom::url_parameter"
            ]
        );
        assert_eq!(
            shipped_code("let a = \"http://x\"; // crate::pages\n#[cfg(test)]\nmod tests {\nuse crate::pages;\n}"),
            "let a = \"http://x\"; \n"
        );
        let modules: BTreeSet<String> = ["shared", "shared::http"].map(String::from).into();
        assert_eq!(
            target_module("shared::http::FetchError", &modules),
            "shared::http"
        );
        let graph: BTreeMap<String, BTreeSet<String>> = [
            ("a".to_string(), ["b".to_string()].into()),
            ("b".to_string(), ["c".to_string()].into()),
            ("c".to_string(), ["a".to_string()].into()),
        ]
        .into();
        assert_eq!(
            find_cycle(&graph),
            Some(
                vec!["a", "b", "c", "a"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
    }

    #[test]
    fn the_apps_modules_import_one_way() {
        let graph = import_graph(&root().join("src"));
        assert!(
            graph.contains_key("shared::intake"),
            "the app's modules were not found"
        );
        if let Some(cycle) = find_cycle(&graph) {
            panic!(
                "src/ has an import cycle: {}. Imports run one way: pages over \
                 shared over the engine. Move what both sides need into a module \
                 beneath them (see docs/architecture.md).",
                cycle.join(" -> ")
            );
        }
    }

    #[test]
    fn pages_are_reached_only_from_the_router() {
        let graph = import_graph(&root().join("src"));
        let mut wrong = Vec::new();
        for (module, targets) in &graph {
            for target in targets {
                let Some(target_page) = page_of(target) else {
                    continue;
                };
                let allowed = module.is_empty()
                    || module == "pages"
                    || page_of(module).as_deref() == Some(target_page.as_str());
                if !allowed {
                    wrong.push(format!("{module} imports {target}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "only the router (src/lib.rs) names a page, and a page imports no other page: {}. \
             Move what they share into src/shared/, or reach staff behaviour through \
             shared::state::Desk.",
            wrong.join("; ")
        );
    }

    #[test]
    fn no_unwrap_expect_or_panic_outside_tests() {
        let forbidden = [
            ".unwrap()",
            ".expect(",
            "panic!(",
            "unreachable!(",
            "todo!(",
            "unimplemented!(",
        ];
        let mut found = Vec::new();
        for file in shipped_sources() {
            let code = shipped_code(&fs::read_to_string(&file).unwrap_or_default());
            for (number, line) in code.lines().enumerate() {
                if let Some(word) = forbidden.iter().find(|word| line.contains(**word)) {
                    found.push(format!("{}:{} {word}", relative(&file), number + 1));
                }
            }
        }
        assert!(
            found.is_empty(),
            "code that ships must not panic on bad input: return a typed error with a \
             message a person can act on instead of {}",
            found.join(", ")
        );
    }

    #[test]
    fn only_the_http_module_does_http() {
        let http = root().join("src/shared/http.rs");
        let doors = [
            "fetch_with_request",
            "fetch_with_str",
            "Request::new",
            "XmlHttpRequest",
            "send_beacon",
            "WebSocket",
            "EventSource",
        ];
        let mut found = Vec::new();
        for file in rust_files(&root().join("src")) {
            if file == http {
                continue;
            }
            let code = shipped_code(&fs::read_to_string(&file).unwrap_or_default());
            for door in doors.iter().filter(|door| code.contains(**door)) {
                found.push(format!("{} uses {door}", relative(&file)));
            }
        }
        assert!(
            found.is_empty(),
            "only src/shared/http.rs talks to the network (it checks every address \
             against the deployment's allowed origins): {}",
            found.join(", ")
        );
    }

    #[test]
    fn only_the_gateways_upstream_module_calls_vendors() {
        let upstream = root().join("crates/gateway/src/upstream.rs");
        let mut found = Vec::new();
        for file in rust_files(&root().join("crates/gateway/src")) {
            let code = shipped_code(&fs::read_to_string(&file).unwrap_or_default());
            if file != upstream && code.contains("reqwest::Client") {
                found.push(relative(&file));
            }
        }
        assert!(
            found.is_empty(),
            "only crates/gateway/src/upstream.rs talks to vendors (no redirects, one timeout): {}",
            found.join(", ")
        );
    }

    #[test]
    fn the_engine_has_no_browser_dependency() {
        let browser = [
            "wasm-bindgen",
            "web-sys",
            "js-sys",
            "leptos",
            "gloo",
            "wasm-bindgen-futures",
        ];
        let manifest = fs::read_to_string(root().join("crates/engine/Cargo.toml")).unwrap();
        let named: Vec<&str> = browser
            .iter()
            .copied()
            .filter(|name| {
                manifest.lines().any(|line| {
                    line.trim_start().starts_with(&format!("{name} "))
                        || line.trim_start().starts_with(&format!("{name}="))
                })
            })
            .collect();
        assert!(
            named.is_empty(),
            "the engine is plain Rust tested on the host; crates/engine/Cargo.toml names {named:?}: \
             keep browser code in the app's src/"
        );
        let mut found = Vec::new();
        for file in rust_files(&root().join("crates/engine/src")) {
            let code = shipped_code(&fs::read_to_string(&file).unwrap_or_default());
            for name in ["wasm_bindgen", "web_sys", "js_sys", "leptos"] {
                if code.contains(&format!("{name}::")) {
                    found.push(format!("{} uses {name}", relative(&file)));
                }
            }
        }
        assert!(
            found.is_empty(),
            "the engine imports browser code: {}",
            found.join(", ")
        );
    }
}
