//! Test controls under `/__admin`: stored records, reset to the seed, faults, and the
//! fields writes carried that the vendors' documents do not list.
//! These routes need no token and are never faulted, so a test can always recover.
//!
//! Because they need no token, they answer same-origin requests only: they carry no CORS
//! headers (the CORS layer leaves them alone), and a request whose `Origin` is not the
//! sandbox's own is refused with 403 before it does anything, so a page on another site
//! cannot wipe or fault the sandbox through a visitor's browser. Requests without an
//! `Origin` (curl, the API tests, Node's `fetch` in the end-to-end tests) are not browsers
//! acting for a page, and pass.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::body::{query_pairs, query_value};
use crate::config::read_targets;
use crate::faults::FaultRequest;
use crate::store::StoreError;
use crate::target::Target;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/__admin/records/{target}",
            get(list_records).post(add_records),
        )
        .route("/__admin/reset", post(reset))
        .route("/__admin/gateway", get(gateway).post(set_gateway))
        .route("/__admin/dropped", get(list_dropped).delete(clear_dropped))
        .route(
            "/__admin/idempotency",
            get(honoured_keys).post(set_honoured_keys),
        )
        .route(
            "/__admin/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__admin/{*rest}", axum::routing::any(unknown_admin_route))
        // `layer`, not `route_layer`: the 405 of a method a route lacks is refused too.
        .layer(from_fn(same_origin_only))
}

/// Whether a path is under `/__admin`, read the way [`Target::from_path`] reads prefixes.
pub fn is_admin_path(path: &str) -> bool {
    path.trim_start_matches('/').split('/').next() == Some("__admin")
}

/// Middleware on the admin routes: a request with an `Origin` other than `http://<Host>`
/// (or with more than one `Origin`) is refused with 403; one without `Origin` passes.
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    match foreign_origin(request.headers()) {
        None => next.run(request).await,
        Some(origin) => admin_error(
            StatusCode::FORBIDDEN,
            format!(
                "Refused: /__admin answers only the sandbox's own pages, and this request comes from {origin}. Call it from curl, a test or a page the sandbox serves."
            ),
        ),
    }
}

/// The request's origin when it is not the sandbox's own, as it was sent (or a
/// description of it); `None` when the request has no `Origin` or the sandbox's own.
fn foreign_origin(headers: &HeaderMap) -> Option<String> {
    let mut origins = headers.get_all(ORIGIN).iter();
    let origin = origins.next()?;
    if origins.next().is_some() {
        return Some("more than one origin".into());
    }
    let Ok(origin) = origin.to_str() else {
        return Some("an origin that is not ASCII text".into());
    };
    let host = headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .filter(|host| !host.is_empty());
    // Browsers write an origin in lower case; a Host header may be in any case.
    let own = host.is_some_and(|host| origin.eq_ignore_ascii_case(&format!("http://{host}")));
    (!own).then(|| format!("the origin {origin:?}"))
}

/// Admin errors are plain `{"message": ...}`.
fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "message": message.into() }))).into_response()
}

fn store_failure(error: StoreError) -> Response {
    eprintln!("intake-sandbox: admin store error: {error}");
    admin_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal server error: {error}"),
    )
}

/// `GET /__admin/records/{target}[?kind=...]`: every stored record, soft-deleted ones flagged.
async fn list_records(
    State(state): State<AppState>,
    Path(target_name): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> Response {
    let Some(target) = Target::from_name(&target_name) else {
        let known: Vec<&str> = Target::ALL.iter().map(|target| target.name()).collect();
        return admin_error(
            StatusCode::NOT_FOUND,
            format!(
                "Unknown target {target_name:?}; known targets: {}",
                known.join(", ")
            ),
        );
    };
    let pairs = query_pairs(raw_query.as_deref()).unwrap_or_default();
    let wanted_kind = query_value(&pairs, "kind").map(str::to_string);
    let records = match state.store.read(|records| records.list_everything(target)) {
        Ok(records) => records,
        Err(error) => return store_failure(error),
    };
    let records: Vec<Value> = records
        .into_iter()
        .filter(|record| {
            wanted_kind
                .as_deref()
                .is_none_or(|kind| kind == record.kind)
        })
        .map(|record| {
            json!({
                "kind": record.kind,
                "id": record.id,
                "deleted": record.deleted,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
                "body": record.body,
            })
        })
        .collect();
    Json(json!({ "target": target.name(), "records": records })).into_response()
}

/// The most records one `POST /__admin/records/{target}` adds.
const MAX_ADDED_RECORDS: usize = 10_000;

/// `POST /__admin/records/{target}` with `{"kind": "client", "records": [{"id": "...",
/// "body": {...}}]}`: stores the records as they are, after every earlier one, as a test's
/// crowd of people (the vendor's own routes would take minutes, behind Caspen's rate
/// limit). The bodies must be in the shape the target answers with; nothing checks it.
async fn add_records(
    State(state): State<AppState>,
    Path(target_name): Path<String>,
    body: Bytes,
) -> Response {
    let Some(target) = Target::from_name(&target_name) else {
        return admin_error(
            StatusCode::NOT_FOUND,
            format!("Unknown target {target_name:?}"),
        );
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => return admin_error(StatusCode::BAD_REQUEST, format!("Not JSON: {error}")),
    };
    let (Some(kind), Some(records)) = (
        request.get("kind").and_then(Value::as_str),
        request.get("records").and_then(Value::as_array),
    ) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "Expected {\"kind\": \"...\", \"records\": [{\"id\": \"...\", \"body\": {...}}]}",
        );
    };
    if records.len() > MAX_ADDED_RECORDS {
        return admin_error(
            StatusCode::BAD_REQUEST,
            format!("At most {MAX_ADDED_RECORDS} records at once"),
        );
    }
    let mut entries = Vec::with_capacity(records.len());
    for record in records {
        match (record.get("id").and_then(Value::as_str), record.get("body")) {
            (Some(id), Some(body)) if body.is_object() => {
                entries.push((id.to_string(), body.clone()))
            }
            _ => {
                return admin_error(
                    StatusCode::BAD_REQUEST,
                    "Each record needs a text \"id\" and an object \"body\"",
                )
            }
        }
    }
    let added = state.store.write(|store| {
        for (id, body) in &entries {
            store.insert(target, kind, id, body)?;
        }
        Ok::<usize, StoreError>(entries.len())
    });
    match added {
        Ok(added) => (StatusCode::CREATED, Json(json!({ "added": added }))).into_response(),
        Err(StoreError::AlreadyExists { id, .. }) => admin_error(
            StatusCode::CONFLICT,
            format!("A record {id:?} exists already"),
        ),
        Err(error) => store_failure(error),
    }
}

/// `POST /__admin/reset`: the seed comes back, and faults and rate-limit counters are forgotten.
async fn reset(State(state): State<AppState>) -> Response {
    if let Err(error) = state.store.reset() {
        return store_failure(error);
    }
    state.faults.clear();
    state.caspen_rate_limiter.reset();
    state.dropped.clear();
    state.honour_keys_for(state.config.honour_idempotency_keys.clone());
    Json(json!({ "reset": true })).into_response()
}

/// `GET /__admin/dropped`: every field an accepted write carried that its vendor's
/// document does not list (see `docs/vendor-fields.txt`), since the last reset.
async fn list_dropped(State(state): State<AppState>) -> Response {
    Json(json!({ "dropped": state.dropped.list() })).into_response()
}

async fn clear_dropped(State(state): State<AppState>) -> Response {
    state.dropped.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /__admin/idempotency`: `{"honour": [targets]}`, the targets whose writes are
/// replayed by their `Idempotency-Key` now.
async fn honoured_keys(State(state): State<AppState>) -> Response {
    let honour: Vec<&str> = Target::ALL
        .into_iter()
        .filter(|target| state.honours_keys(*target))
        .map(Target::name)
        .collect();
    Json(json!({ "honour": honour })).into_response()
}

/// `POST /__admin/idempotency` with `{"honour": ["caspen", ...]}` (or `"all"`, `"none"`):
/// until the next reset, which goes back to the `--honour-idempotency-keys` flag.
/// `GET /__admin/gateway`: `{"address": "127.0.0.1:PORT"}` or `{"address": null}`.
async fn gateway(State(state): State<AppState>) -> Response {
    Json(json!({ "address": state.gateway_address().map(|address| address.to_string()) }))
        .into_response()
}

/// `POST /__admin/gateway` with `{"address": "127.0.0.1:PORT"}`: passes
/// `/gateway/...` there from now on (a test starts the gateway after the
/// sandbox, whose port it needs).
async fn set_gateway(State(state): State<AppState>, body: Bytes) -> Response {
    let address = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|value| {
            value
                .get("address")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .and_then(|text| text.parse::<std::net::SocketAddr>().ok());
    match address {
        Some(address) => {
            state.use_gateway(address);
            gateway(State(state)).await
        }
        None => admin_error(
            StatusCode::BAD_REQUEST,
            "expected {\"address\": \"127.0.0.1:PORT\"}".to_string(),
        ),
    }
}

async fn set_honoured_keys(State(state): State<AppState>, body: Bytes) -> Response {
    let wanted = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|value| value.get("honour").cloned());
    let targets = match wanted {
        Some(Value::String(text)) => read_targets(&text),
        Some(Value::Array(names)) => {
            let names: Option<Vec<&str>> = names.iter().map(Value::as_str).collect();
            match names {
                Some(names) if names.is_empty() => Ok(Vec::new()),
                Some(names) => read_targets(&names.join(",")),
                None => Err("the list holds something other than target names".into()),
            }
        }
        _ => Err("expected {\"honour\": [\"caspen\", ...]}, or \"all\" or \"none\"".into()),
    };
    match targets {
        Ok(targets) => {
            state.honour_keys_for(targets);
            honoured_keys(State(state)).await
        }
        Err(message) => admin_error(
            StatusCode::BAD_REQUEST,
            format!("Invalid setting: {message}"),
        ),
    }
}

async fn list_faults(State(state): State<AppState>) -> Response {
    Json(json!({ "faults": state.faults.list() })).into_response()
}

/// `POST /__admin/faults` with `{"route": "POST /caspen/v1/clients", "fault": "503", "count": 2, ...}`.
async fn add_fault(State(state): State<AppState>, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "Invalid fault: {error}. Expected {{\"route\": \"<METHOD> <path prefix>\", \"fault\": \"latency\"|\"500\"|\"503\"|\"429\"|\"401\"|\"drop\"|\"malformed_json\", \"count\": N, \"latency_ms\": N, \"retry_after\": N}}"
                ),
            )
        }
    };
    match state.faults.add(request) {
        Ok(fault) => (
            StatusCode::CREATED,
            Json(json!({ "fault": fault, "faults": state.faults.list() })),
        )
            .into_response(),
        Err(message) => admin_error(StatusCode::BAD_REQUEST, format!("Invalid fault: {message}")),
    }
}

async fn clear_faults(State(state): State<AppState>) -> Response {
    state.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn unknown_admin_route() -> Response {
    admin_error(
        StatusCode::NOT_FOUND,
        "Unknown admin route; see GET|POST /__admin/records/{target}, POST /__admin/reset, GET|DELETE /__admin/dropped, GET|POST /__admin/idempotency, GET|POST|DELETE /__admin/faults",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// `foreign_origin` of a request with this Host and these Origin headers.
    fn foreign(host: Option<&'static str>, origins: &[&'static str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(HOST, HeaderValue::from_static(host));
        }
        for origin in origins {
            headers.append(ORIGIN, HeaderValue::from_static(origin));
        }
        foreign_origin(&headers)
    }

    #[test]
    fn only_the_sandboxs_own_origin_or_none_passes() {
        let host = Some("127.0.0.1:8080");
        assert_eq!(foreign(host, &[]), None);
        assert_eq!(foreign(host, &["http://127.0.0.1:8080"]), None);
        assert_eq!(
            foreign(Some("LocalHost:8080"), &["http://localhost:8080"]),
            None
        );
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
            "null",
            "",
        ] {
            assert!(foreign(host, &[origin]).is_some(), "{origin}");
        }
        assert!(foreign(None, &["http://"]).is_some());
        assert!(foreign(host, &["http://127.0.0.1:8080", "http://evil.example"]).is_some());
    }

    #[test]
    fn admin_paths_are_those_whose_first_segment_is_admin() {
        assert!(is_admin_path("/__admin/reset"));
        assert!(is_admin_path("/__admin"));
        assert!(!is_admin_path("/__administrator"));
        assert!(!is_admin_path("/caspen/__admin"));
    }
}
