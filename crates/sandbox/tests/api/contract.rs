//! The app's requests against the vendors' documents, as `docs/vendor-fields.txt`
//! transcribes them: every golden request the engine plans, and every field a
//! target's catalogue can emit, must be a field the document lists (or one the
//! table marks as assumed, with the reason). The golden files are pinned to the
//! engine's planning by the engine's own tests.

use std::path::Path;

use axum::http::Method;
use intake_engine::targets::{catalogue, Mode, TargetKind};
use intake_sandbox::vendor_fields::{find, leaf_paths, operations, sandbox_base, Operation};
use intake_sandbox::Target;
use serde_json::Value;

fn sandbox_target(kind: TargetKind) -> Target {
    match kind {
        TargetKind::UniteUs => Target::UniteUs,
        TargetKind::Casebook => Target::Casebook,
        TargetKind::PersonsV1 => Target::PersonsV1,
        TargetKind::CharityCrm => Target::CharityCrm,
        TargetKind::Caspen => Target::Caspen,
    }
}

/// The operation a planned request is, found by its method and the end of its URL
/// (a fixture may use a base URL of its own).
fn operation_for(target: Target, method: &str, url: &str) -> Option<&'static Operation> {
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let path = url.split('?').next().unwrap_or(url);
    let path = path.split_once("://").map_or(path, |(_, rest)| {
        rest.find('/').map_or("", |slash| &rest[slash..])
    });
    let relative = path.strip_prefix(sandbox_base(target)).unwrap_or(path);
    let segments: Vec<&str> = relative.trim_matches('/').split('/').collect();
    // Try the shortest suffix that a route of the table matches.
    (0..segments.len()).rev().find_map(|start| {
        let tail = format!("/{}", segments[start..].join("/"));
        find(target, &method, &tail)
    })
}

/// A form-encoded Unite US body, read back into the nested object it spells.
fn form_body(text: &str) -> Value {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).expect("a form body");
    Value::Object(intake_sandbox::body::expand_bracket_keys(
        pairs
            .into_iter()
            .map(|(key, value)| (key, Value::String(value))),
    ))
}

#[test]
fn every_golden_request_carries_only_documented_fields() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/targets");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("the golden directory") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a golden file");
        let fixture: Value = serde_json::from_str(&text).expect("JSON");
        let Some(target_name) = fixture["config"]["target"].as_str() else {
            continue; // a form, not a fixture
        };
        let target = Target::from_name(target_name).expect("a known target");
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("?");
        for request in fixture["expect"]["requests"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let method = request["method"].as_str().expect("a method");
            let url = request["url"].as_str().expect("a url");
            let operation = operation_for(target, method, url).unwrap_or_else(|| {
                panic!("{name}: {method} {url} is not a write any document shows")
            });
            let body = match &request["body"] {
                Value::String(form) => form_body(form),
                other => other.clone(),
            };
            let undocumented = operation.undocumented(&body);
            assert!(
                undocumented.is_empty(),
                "{name}: {method} {url} sends {undocumented:?}, which {} does not list",
                operation.describe()
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} golden requests were found");
}

/// Where a catalogue's wire paths sit in the body of each write that carries them.
fn writes(kind: TargetKind, mode: Mode) -> Vec<(&'static str, &'static str, &'static str)> {
    match (kind, mode) {
        (TargetKind::UniteUs, Mode::Widget) => {
            vec![(
                "POST",
                "/widgets/assistance_requests",
                "assistance_request.",
            )]
        }
        (TargetKind::UniteUs, Mode::Staff) => vec![
            ("POST", "/groups/{group_id}/contacts", "contact."),
            (
                "PATCH",
                "/groups/{group_id}/contacts/{contact_id}",
                "contact.",
            ),
        ],
        (TargetKind::Casebook, _) => vec![
            ("POST", "/people/people", "data.attributes."),
            ("PATCH", "/people/people/{id}", "data.attributes."),
        ],
        (TargetKind::PersonsV1, _) => vec![
            ("PUT", "/persons", "data[]."),
            ("PUT", "/persons/{id}", "data."),
        ],
        (TargetKind::CharityCrm, _) => vec![
            ("POST", "/persons", ""),
            ("PUT", "/persons/{uuid}/actions/update", ""),
        ],
        (TargetKind::Caspen, _) => vec![("POST", "/clients", ""), ("POST", "/clients/{id}", "")],
    }
}

#[test]
fn every_catalogue_field_is_one_its_document_lists() {
    for kind in TargetKind::ALL {
        let target = sandbox_target(kind);
        for mode in [Mode::Widget, Mode::Staff] {
            for (method, route, prefix) in writes(kind, mode) {
                let operation = operations()
                    .iter()
                    .find(|operation| {
                        operation.target == target
                            && operation.method.as_str() == method
                            && operation.route == route
                    })
                    .unwrap_or_else(|| panic!("the table has no {target:?} {method} {route}"));
                for spec in catalogue(kind, mode) {
                    // A list index in the catalogue (`phone_numbers.0.number`) is any item.
                    let wire = spec.wire.replace(".0.", "[].");
                    let leaf = format!("{prefix}{wire}");
                    assert!(
                        operation.field_for(&leaf).is_some(),
                        "{kind:?} ({mode:?}) maps {} to {leaf}, which {} does not list",
                        spec.field,
                        operation.describe()
                    );
                }
            }
        }
    }
}

#[test]
fn leaf_paths_of_a_form_encoded_body_are_those_of_its_json() {
    let form = form_body("a%5Bb%5D%5B0%5D%5Bc%5D=1&a%5Bb%5D%5B1%5D%5Bc%5D=2&a%5Bd%5D=x");
    assert_eq!(leaf_paths(&form), ["a.b[].c", "a.d"]);
}
