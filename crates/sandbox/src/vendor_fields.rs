//! What each vendor's document lists for each write, read from `docs/vendor-fields.txt`,
//! and the record of every field a write carried that its document does not list.
//!
//! A real server drops (or refuses) a field it does not know, so an app that sends a
//! wrong name loses the answer without an error. The stand-ins here were written from
//! the same reading of the documents as the app, so they cannot be trusted to notice;
//! the table is transcribed from the documents alone, and [`record_undocumented`]
//! holds every accepted write to it. The end-to-end journeys read the record
//! (`GET /__admin/dropped`) and fail on any entry.

use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::body::{json_object, rails_object};
use crate::target::Target;
use crate::AppState;

/// The table, as written from the documents.
pub const TABLE: &str = include_str!("../../../docs/vendor-fields.txt");

/// One documented (or assumed) write.
#[derive(Debug, Clone)]
pub struct Operation {
    pub target: Target,
    pub method: Method,
    /// The route relative to the vendor's base URL, with `{name}` segments.
    pub route: String,
    /// `None` when the document shows the route and verb; why not otherwise.
    pub route_assumed: Option<String>,
    pub source: String,
    pub fields: Vec<Field>,
}

/// One body field of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// `a.b[].c`: `.` into an object, `[]` into a list's items.
    pub path: String,
    /// Anything inside the field is accepted (the document does not describe its inside).
    pub any: bool,
    /// `None` when a document lists the field; why we send it anyway otherwise.
    pub assumed: Option<String>,
}

/// Why the table could not be read: the line and what is wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub struct TableError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for TableError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "docs/vendor-fields.txt line {}: {}",
            self.line, self.message
        )
    }
}

/// Reads the table's text (see the file's header for the format).
pub fn parse(text: &str) -> Result<Vec<Operation>, TableError> {
    let mut operations: Vec<Operation> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let fail = |message: String| TableError {
            line: line_number,
            message,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let (target, method, route) = read_header(header).map_err(fail)?;
            if operations.iter().any(|known| {
                known.target == target && known.method == method && known.route == route
            }) {
                return Err(fail(format!("[{header}] is listed twice")));
            }
            operations.push(Operation {
                target,
                method,
                route,
                route_assumed: None,
                source: String::new(),
                fields: Vec::new(),
            });
            continue;
        }
        let Some(current) = operations.len().checked_sub(1) else {
            return Err(fail(
                "a line before the first [target METHOD /route]".into(),
            ));
        };
        if let Some(route) = line.strip_prefix("route:") {
            let route = route.trim();
            operations[current].route_assumed = if route == "documented" {
                None
            } else if let Some(why) = route.strip_prefix("assumed:") {
                Some(why.trim().to_string())
            } else {
                return Err(fail(format!(
                    "`route:` is `documented` or `assumed: why`, not {route:?}"
                )));
            };
        } else if let Some(source) = line.strip_prefix("source:") {
            operations[current].source = source.trim().to_string();
        } else if let Some(other) = line.strip_prefix("same as:") {
            let (target, method, route) = read_header(other.trim()).map_err(fail)?;
            let Some(fields) = operations[..current]
                .iter()
                .find(|known| {
                    known.target == target && known.method == method && known.route == route
                })
                .map(|known| known.fields.clone())
            else {
                return Err(fail(format!(
                    "`same as: {}` names no operation listed above it",
                    other.trim()
                )));
            };
            operations[current].fields.extend(fields);
        } else {
            let field = read_field(line).map_err(fail)?;
            if operations[current]
                .fields
                .iter()
                .any(|known| known.path == field.path)
            {
                return Err(fail(format!("{} is listed twice", field.path)));
            }
            operations[current].fields.push(field);
        }
    }
    Ok(operations)
}

fn read_header(header: &str) -> Result<(Target, Method, String), String> {
    let mut words = header.split_whitespace();
    let (Some(target), Some(method), Some(route), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(format!("[{header}] is not [target METHOD /route]"));
    };
    let target = Target::from_name(target).ok_or_else(|| format!("{target:?} is not a target"))?;
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("{method:?} is not an HTTP method"))?;
    if !route.starts_with('/') {
        return Err(format!("the route {route:?} does not start with /"));
    }
    Ok((target, method, route.to_string()))
}

fn read_field(line: &str) -> Result<Field, String> {
    let (path, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let valid = !path.is_empty()
        && path.split('.').all(|segment| {
            let name = segment.strip_suffix("[]").unwrap_or(segment);
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if !valid {
        return Err(format!("{path:?} is not a field path such as a.b[].c"));
    }
    let mut rest = rest.trim();
    let any = match rest.strip_prefix("any") {
        Some(after) if after.is_empty() || after.starts_with(char::is_whitespace) => {
            rest = after.trim();
            true
        }
        _ => false,
    };
    let assumed = if rest.is_empty() {
        None
    } else if let Some(why) = rest.strip_prefix("assumed:") {
        Some(why.trim().to_string())
    } else {
        return Err(format!(
            "after the path comes `any`, `assumed: why`, or nothing, not {rest:?}"
        ));
    };
    Ok(Field {
        path: path.to_string(),
        any,
        assumed,
    })
}

/// The table in the binary. Its own test (and the sandbox's start) proves that it reads.
pub fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| match parse(TABLE) {
        Ok(operations) => operations,
        Err(error) => {
            // A broken table would make every write look undocumented; say which line.
            eprintln!("intake-sandbox: {error}; no write is checked against the documents");
            Vec::new()
        }
    })
}

/// The base URL under which the sandbox serves a vendor, as the table's routes are relative to it.
pub fn sandbox_base(target: Target) -> &'static str {
    match target {
        Target::Casebook => "/casebook",
        Target::PersonsV1 => "/persons_v1/api/v1",
        Target::CharityCrm => "/charity_crm/api/v1",
        Target::Caspen => "/caspen/v1",
        Target::UniteUs => "/unite_us/v3",
    }
}

/// Whether a route template (`/persons/{id}`) matches a path (`/persons/42`).
fn route_matches(route: &str, path: &str) -> bool {
    let mut routes = route.trim_matches('/').split('/');
    let mut paths = path.trim_matches('/').split('/');
    loop {
        match (routes.next(), paths.next()) {
            (None, None) => return true,
            (Some(expected), Some(actual)) => {
                let is_parameter = expected.starts_with('{') && expected.ends_with('}');
                if actual.is_empty() || (!is_parameter && expected != actual) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The operation a write to `path` (relative to the vendor's base) is, if the table has it.
pub fn find(target: Target, method: &Method, path: &str) -> Option<&'static Operation> {
    operations().iter().find(|operation| {
        operation.target == target
            && operation.method == *method
            && route_matches(&operation.route, path)
    })
}

/// Every leaf of a body as a field path: `a.b[].c`. Keys that are all digits (a list
/// written as a numbered object) count as list items; an empty object or list is a leaf.
pub fn leaf_paths(value: &Value) -> Vec<String> {
    fn walk(value: &Value, path: &mut String, out: &mut Vec<String>) {
        let length = path.len();
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, inner) in map {
                    if !key.is_empty() && key.bytes().all(|byte| byte.is_ascii_digit()) {
                        path.push_str("[]");
                    } else {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(key);
                    }
                    walk(inner, path, out);
                    path.truncate(length);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                path.push_str("[]");
                for item in items {
                    walk(item, path, out);
                }
                path.truncate(length);
            }
            _ => {
                if !out.contains(path) {
                    out.push(path.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out);
    out
}

impl Operation {
    /// The field a leaf path falls under, if the operation lists one.
    pub fn field_for(&self, leaf: &str) -> Option<&Field> {
        let inside = |outer: &str, inner: &str| {
            inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        self.fields.iter().find(|field| {
            field.path == leaf
                || (field.any && inside(&field.path, leaf))
                // An empty object or list standing where the document lists fields inside it.
                || inside(leaf, &field.path)
        })
    }

    /// The leaf paths of a body that the operation does not list, in body order.
    pub fn undocumented(&self, body: &Value) -> Vec<String> {
        leaf_paths(body)
            .into_iter()
            .filter(|leaf| self.field_for(leaf).is_none())
            .collect()
    }

    /// `POST /clients` (relative to the vendor's base).
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.target.name(), self.method, self.route)
    }
}

/// One field an accepted write carried that its vendor's document does not list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DroppedField {
    pub target: &'static str,
    pub method: String,
    pub path: String,
    pub field: String,
    /// Why: the field is not listed for the operation, or the route is not in the table.
    pub reason: String,
}

/// Every dropped field since the last reset.
#[derive(Default)]
pub struct DroppedLog {
    entries: Mutex<Vec<DroppedField>>,
}

impl DroppedLog {
    pub fn list(&self) -> Vec<DroppedField> {
        match self.entries.lock() {
            Ok(entries) => entries.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn clear(&self) {
        match self.entries.lock() {
            Ok(mut entries) => entries.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
    }

    fn add(&self, dropped: Vec<DroppedField>) {
        for entry in &dropped {
            eprintln!(
                "intake-sandbox: dropped {} from {} {}: {}",
                entry.field, entry.method, entry.path, entry.reason
            );
        }
        match self.entries.lock() {
            Ok(mut entries) => entries.extend(dropped),
            Err(poisoned) => poisoned.into_inner().extend(dropped),
        }
    }
}

/// What a write's body says that its document does not, as [`DroppedField`]s; empty
/// for a read, a path outside the vendors, or a body the handler will refuse anyway.
pub fn check_write(target: Target, method: &Method, path: &str, body: &Value) -> Vec<DroppedField> {
    let relative = path.strip_prefix(sandbox_base(target)).unwrap_or(path);
    let entry = |field: String, reason: String| DroppedField {
        target: target.name(),
        method: method.to_string(),
        path: path.to_string(),
        field,
        reason,
    };
    match find(target, method, relative) {
        Some(operation) => operation
            .undocumented(body)
            .into_iter()
            .map(|field| {
                let reason = format!(
                    "the document lists no such field for {} ({})",
                    operation.describe(),
                    operation.source
                );
                entry(field, reason)
            })
            .collect(),
        None => leaf_paths(body)
            .into_iter()
            .map(|field| {
                entry(
                    field,
                    format!(
                        "no document shows {method} {relative} with a body (docs/vendor-fields.txt)"
                    ),
                )
            })
            .collect(),
    }
}

/// Middleware inside the routes: after a write to a vendor path is accepted (2xx),
/// every field of its body that the document does not list is recorded as dropped.
/// A refused write stored nothing, so it dropped nothing either.
pub async fn record_undocumented(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let target = Target::from_path(&path);
    let is_write = matches!(method, Method::POST | Method::PUT | Method::PATCH);
    let (Some(target), true) = (target, is_write) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    // The body-size layer has already read the whole body into memory.
    let bytes = match axum::body::to_bytes(body, crate::body::MAX_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return next.run(Request::from_parts(parts, Body::empty())).await,
    };
    let parsed = match target {
        Target::UniteUs => rails_object(&parts.headers, &bytes),
        _ => json_object(&bytes),
    };
    let dropped = match parsed {
        Ok(object) => check_write(target, &method, &path, &Value::Object(object)),
        Err(_) => Vec::new(),
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status().is_success() && !dropped.is_empty() {
        state.dropped.add(dropped);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_reads_and_every_route_is_the_sandboxs() {
        let operations = parse(TABLE).unwrap_or_else(|error| panic!("{error}"));
        assert!(operations.len() >= 12);
        for operation in &operations {
            assert!(
                !operation.source.is_empty(),
                "{} has no source",
                operation.describe()
            );
            assert!(
                !operation.fields.is_empty(),
                "{} has no fields",
                operation.describe()
            );
        }
    }

    #[test]
    fn broken_tables_name_the_line() {
        let cases = [
            ("first_name\n", 1, "before the first"),
            ("[nobody POST /x]\n", 1, "not a target"),
            ("[caspen POST clients]\n", 1, "does not start with /"),
            ("[caspen POST /clients]\nroute: maybe\n", 2, "`route:`"),
            ("[caspen POST /clients]\nfirst name\n", 2, "after the path"),
            ("[caspen POST /clients]\na..b\n", 2, "not a field path"),
            (
                "[caspen POST /clients]\nsame as: caspen PUT /x\n",
                2,
                "names no operation",
            ),
            ("[caspen POST /clients]\na\na\n", 3, "listed twice"),
        ];
        for (text, line, words) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.line, line, "{text}");
            assert!(error.message.contains(words), "{text}: {}", error.message);
        }
    }

    #[test]
    fn leaf_paths_walk_objects_lists_and_numbered_objects() {
        let body = json!({
            "a": {"b": 1, "c": [{"d": 2}, {"d": 3, "e": null}], "f": []},
            "g": {"0": {"h": "x"}},
            "i": ["x", "y"],
        });
        assert_eq!(
            leaf_paths(&body),
            ["a.b", "a.c[].d", "a.c[].e", "a.f", "g[].h", "i[]"]
        );
    }

    #[test]
    fn a_wrong_name_is_dropped_and_a_documented_one_is_not() {
        let body = json!({"contact": {"first_name": "Ann", "middle_name": "B", "addresses": []}});
        let dropped = check_write(
            Target::UniteUs,
            &Method::POST,
            "/unite_us/v3/groups/g-1/contacts",
            &body,
        );
        let fields: Vec<&str> = dropped.iter().map(|entry| entry.field.as_str()).collect();
        assert_eq!(fields, ["contact.middle_name"]);
        assert!(
            dropped[0].reason.contains("Contacts"),
            "{}",
            dropped[0].reason
        );
    }

    #[test]
    fn a_field_marked_any_takes_whatever_is_inside_it() {
        let body = json!({"data": [{"question_id": "q", "response_value": {"nested": [1, 2]}}]});
        let path = "/unite_us/v3/groups/g/contacts/c/forms/f/respond";
        assert!(check_write(Target::UniteUs, &Method::POST, path, &body).is_empty());
        let body = json!({"data": [{"question_id": {"nested": 1}}]});
        assert_eq!(
            check_write(Target::UniteUs, &Method::POST, path, &body).len(),
            1
        );
    }

    #[test]
    fn a_write_to_a_route_no_document_shows_drops_everything() {
        let dropped = check_write(
            Target::Caspen,
            &Method::PATCH,
            "/caspen/v1/clients/cli_1",
            &json!({"notes": "x"}),
        );
        assert_eq!(dropped.len(), 1);
        assert!(dropped[0]
            .reason
            .contains("no document shows PATCH /clients/cli_1"));
    }

    #[test]
    fn route_templates_match_whole_segments() {
        assert!(route_matches("/persons/{id}", "/persons/42"));
        assert!(!route_matches("/persons/{id}", "/persons"));
        assert!(!route_matches("/persons/{id}", "/persons/"));
        assert!(!route_matches("/persons", "/persons/42"));
        assert!(route_matches("/people/people", "/people/people"));
    }
}
