//! Reading request bodies and query strings, and the limit on a request body's size.
//!
//! Handlers take the raw bytes and parse them here, so that a malformed body is
//! answered in the vendor's error style rather than by the framework's default.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::target::Target;

/// The largest request body the sandbox reads: 2 MiB, the limit axum's `Bytes` extractor
/// gives the handlers, named here so that every layer that reads a body first is held to
/// it too. An intake is a few kilobytes (a drawn signature, the largest part, some tens).
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;

/// Middleware around everything but CORS: a request whose body is over
/// [`MAX_REQUEST_BYTES`] is answered 413 (in the target's error style on an API path)
/// before any other layer or handler sees it, so the idempotency layer never reads or
/// remembers it. A declared `Content-Length` over the limit is refused without reading
/// anything; a body without one is read up to the limit and no further.
///
/// Every other body is read whole here, before anything answers. An answer that does not
/// need the body (an injected fault, a 401, a refused origin) would otherwise let the
/// server close the connection while the client may still be sending it, and a client
/// that reuses kept-alive connections then finds its next request cut off.
pub async fn limit_request_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_REQUEST_BYTES as u64) {
        return body_too_large(request.uri().path());
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => {
            let request = Request::from_parts(parts, Body::from(bytes));
            next.run(request).await
        }
        Err(_) => body_too_large(parts.uri.path()),
    }
}

/// The 413 answer: in the target's error style on an API path, `{"message": ...}`
/// elsewhere.
fn body_too_large(path: &str) -> Response {
    let message = format!(
        "The request body is over the {MAX_REQUEST_BYTES}-byte ({} MiB) limit, or it could not be read whole; nothing was stored. Send a smaller body.",
        MAX_REQUEST_BYTES / (1024 * 1024)
    );
    match Target::from_path(path) {
        Some(target) => {
            ApiError::new(target, StatusCode::PAYLOAD_TOO_LARGE, message).into_response()
        }
        None => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({ "message": message })),
        )
            .into_response(),
    }
}

/// Why a body could not be read as a JSON object.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// The bytes are not JSON (or not UTF-8, or not form-encoded).
    Malformed(String),
    /// The JSON is valid but is not an object.
    NotAnObject,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::Malformed(reason) => write!(formatter, "malformed request body: {reason}"),
            BodyError::NotAnObject => write!(formatter, "the request body must be a JSON object"),
        }
    }
}

/// Parses a JSON body that must be an object. An empty body is an error too.
pub fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, BodyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Malformed("the body is empty".into()));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(BodyError::NotAnObject),
        Err(error) => Err(BodyError::Malformed(error.to_string())),
    }
}

/// Reads a Unite US body: nested JSON, JSON with Rails bracket keys
/// (`{"contact[first_name]": "Ann"}`), or a form-urlencoded body with bracket keys
/// (`Content-Type: application/x-www-form-urlencoded`).
/// All three come out as the same nested object.
pub fn rails_object(headers: &HeaderMap, bytes: &[u8]) -> Result<Map<String, Value>, BodyError> {
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    // curl and some HTTP clients label any `-d` body as a form; a body that opens like a
    // JSON object is read as JSON whatever its label says.
    let looks_like_json = bytes
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'{');
    if is_form && !looks_like_json {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
            .map_err(|error| BodyError::Malformed(error.to_string()))?;
        let entries = pairs
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)));
        return Ok(expand_bracket_keys(entries));
    }
    let flat = json_object(bytes)?;
    Ok(expand_bracket_keys(flat))
}

/// Turns `a[b][c] = v` into `{"a": {"b": {"c": v}}}`; `a[] = v` appends to a list.
/// Objects whose keys are all numbers (`a[0][x]`, `a[1][x]`) become lists in index order.
pub fn expand_bracket_keys(
    entries: impl IntoIterator<Item = (String, Value)>,
) -> Map<String, Value> {
    let mut root = Value::Object(Map::new());
    let mut saw_bracket_key = false;
    for (key, value) in entries {
        let segments = bracket_segments(&key);
        saw_bracket_key |= segments.len() > 1;
        insert_at(&mut root, &segments, value);
    }
    // Only bracket keys can spell lists as numbered objects; plain nested JSON is left as sent,
    // so an object keyed by numeric question ids stays an object.
    if saw_bracket_key {
        root = numeric_objects_to_lists(root);
    }
    match root {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn bracket_segments(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else {
        return vec![key.to_string()];
    };
    let mut segments = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            // An unbalanced bracket is kept as part of a literal key, as Rack does.
            segments.push(stripped.to_string());
            return segments;
        };
        segments.push(stripped[..close].to_string());
        rest = &stripped[close + 1..];
    }
    segments
}

fn insert_at(node: &mut Value, segments: &[String], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        *node = value;
        return;
    };
    if first.is_empty() {
        // `[]` appends to a list.
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        if let Value::Array(list) = node {
            let mut element = Value::Null;
            insert_at(&mut element, rest, value);
            list.push(element);
        }
        return;
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Value::Object(map) = node {
        let child = map.entry(first.clone()).or_insert(Value::Null);
        insert_at(child, rest, value);
    }
}

fn numeric_objects_to_lists(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let all_numeric = !map.is_empty() && map.keys().all(|key| key.parse::<usize>().is_ok());
            if all_numeric {
                let mut indexed: Vec<(usize, Value)> = map
                    .into_iter()
                    .filter_map(|(key, child)| {
                        key.parse::<usize>()
                            .ok()
                            .map(|index| (index, numeric_objects_to_lists(child)))
                    })
                    .collect();
                indexed.sort_by_key(|(index, _)| *index);
                Value::Array(indexed.into_iter().map(|(_, child)| child).collect())
            } else {
                Value::Object(
                    map.into_iter()
                        .map(|(key, child)| (key, numeric_objects_to_lists(child)))
                        .collect(),
                )
            }
        }
        Value::Array(list) => {
            Value::Array(list.into_iter().map(numeric_objects_to_lists).collect())
        }
        other => other,
    }
}

/// The query string as ordered pairs, percent-decoded.
pub fn query_pairs(raw_query: Option<&str>) -> Result<Vec<(String, String)>, String> {
    match raw_query {
        None | Some("") => Ok(Vec::new()),
        Some(query) => serde_urlencoded::from_str(query).map_err(|error| error.to_string()),
    }
}

/// The last value given for a query parameter.
pub fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `http://HOST` from the request's Host header, or nothing without one, so that
/// `origin + path` is absolute when it can be and still resolves against the origin when not.
pub fn origin(headers: &HeaderMap) -> String {
    headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .map(|host| format!("http://{host}"))
        .unwrap_or_default()
}

/// An absolute URL on this server for a path and query (see [`origin`]).
pub fn absolute_url(headers: &HeaderMap, path: &str, query: &[(String, String)]) -> String {
    let mut url = format!("{}{path}", origin(headers));
    if !query.is_empty() {
        if let Ok(encoded) = serde_urlencoded::to_string(query) {
            url.push('?');
            url.push_str(&encoded);
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bracket_keys_expand_into_nested_objects() {
        let expanded = expand_bracket_keys([
            (
                "assistance_request[requestor][first_name]".to_string(),
                json!("Ann"),
            ),
            (
                "assistance_request[requestor][address][city]".to_string(),
                json!("Austin"),
            ),
            ("assistance_request[description]".to_string(), json!("Food")),
            ("plain".to_string(), json!(1)),
        ]);
        assert_eq!(
            Value::Object(expanded),
            json!({
                "assistance_request": {
                    "requestor": {"first_name": "Ann", "address": {"city": "Austin"}},
                    "description": "Food"
                },
                "plain": 1
            })
        );
    }

    #[test]
    fn bracket_lists_and_indexed_objects_become_lists() {
        let expanded = expand_bracket_keys([
            ("contact[nicknames][]".to_string(), json!("Annie")),
            ("contact[nicknames][]".to_string(), json!("A")),
            (
                "contact[phone_numbers][1][phone_number]".to_string(),
                json!("5125550101"),
            ),
            (
                "contact[phone_numbers][0][phone_number]".to_string(),
                json!("5125550100"),
            ),
        ]);
        assert_eq!(
            Value::Object(expanded),
            json!({"contact": {
                "nicknames": ["Annie", "A"],
                "phone_numbers": [{"phone_number": "5125550100"}, {"phone_number": "5125550101"}]
            }})
        );
    }

    #[test]
    fn nested_json_passes_through_unchanged() {
        let headers = HeaderMap::new();
        let body = br#"{"contact": {"first_name": "Ann", "phone_numbers": [{"phone_number": "5125550100"}]}}"#;
        let parsed = rails_object(&headers, body).expect("valid body");
        assert_eq!(
            parsed["contact"]["phone_numbers"][0]["phone_number"],
            "5125550100"
        );
    }

    #[test]
    fn json_labelled_as_a_form_is_still_read_as_json() {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let parsed = rails_object(&headers, br#" {"q": {"first_name": "Ann"}}"#).expect("json");
        assert_eq!(parsed["q"]["first_name"], "Ann");
        let form = rails_object(&headers, b"q%5Bfirst_name%5D=Ann+Lee").expect("form");
        assert_eq!(form["q"]["first_name"], "Ann Lee");
    }

    #[test]
    fn empty_and_non_object_bodies_are_refused() {
        assert!(matches!(json_object(b""), Err(BodyError::Malformed(_))));
        assert_eq!(json_object(b"[1]"), Err(BodyError::NotAnObject));
        assert!(matches!(json_object(b"{"), Err(BodyError::Malformed(_))));
    }
}
