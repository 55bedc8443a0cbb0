//! A stand-in for an organisation's own gateway, the way a public widget
//! reaches a target that has no public token of its own (Casebook,
//! persons_v1, charity_crm, Caspen): the organisation runs a small server
//! that holds the credential and lets the public create records, nothing
//! else. `/gateway/<target path>` is that: the create routes alone
//! ([`CREATE_ROUTES`]; persons_v1's bulk upsert only when no entry names a
//! `personId`) are passed on to `<target path>` with the staff token added;
//! every other method and path is refused with 403, so the public can
//! neither read nor search nor change anyone's record through it. (A real
//! gateway would also have its own credential, and so its own rate limit;
//! here public creates count against the staff token's Caspen limit.)

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::STAFF_TOKEN;
use crate::error::ApiError;
use crate::target::Target;

pub const GATEWAY_PREFIX: &str = "/gateway";

/// persons_v1's bulk upsert, the one `PUT` that can create.
const PERSONS_V1_UPSERT: &str = "/persons_v1/api/v1/persons";

/// Every route the gateway passes on, exactly: the targets' creates. A
/// `POST` elsewhere may update (Caspen's `POST /clients/{id}`) or search
/// (Unite US's global contacts), so the method alone is not enough. Unite
/// US is not here: its widget has a public token of its own.
pub const CREATE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/casebook/people/people"),
    ("POST", "/caspen/v1/clients"),
    ("POST", "/charity_crm/api/v1/persons"),
    ("PUT", PERSONS_V1_UPSERT),
];

/// Larger bodies are refused: the limit of every API route (see
/// [`crate::body::MAX_REQUEST_BYTES`]), read here before routing.
const BODY_LIMIT: usize = crate::body::MAX_REQUEST_BYTES;

/// Middleware around the whole router (it rewrites the path before routing).
pub async fn forward_creates(mut request: Request, next: Next) -> Response {
    let Some(rest) = request
        .uri()
        .path()
        .strip_prefix(GATEWAY_PREFIX)
        .filter(|rest| rest.starts_with('/'))
        .map(str::to_string)
    else {
        return next.run(request).await;
    };
    let Some(target) = Target::from_path(&rest) else {
        return (
            StatusCode::NOT_FOUND,
            "The gateway passes on API paths only.\n",
        )
            .into_response();
    };
    let refused = || {
        ApiError::new(
            target,
            StatusCode::FORBIDDEN,
            "The gateway lets the public create records only.",
        )
        .into_response()
    };
    let method = request.method().as_str();
    if !CREATE_ROUTES
        .iter()
        .any(|(allowed_method, path)| *allowed_method == method && *path == rest)
    {
        return refused();
    }
    if request.method() == Method::PUT {
        // An upsert naming a personId could overwrite someone's record.
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
            return (
                StatusCode::BAD_REQUEST,
                "The body could not be read whole (over 2 MB, or cut off).\n",
            )
                .into_response();
        };
        let names_someone = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|body| body.get("data").and_then(|data| data.as_array()).cloned())
            .is_some_and(|people| people.iter().any(|person| person.get("personId").is_some()));
        if names_someone {
            return refused();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest,
    };
    let Ok(uri) = path_and_query.parse::<Uri>() else {
        return (StatusCode::BAD_REQUEST, "Bad path\n").into_response();
    };
    let Ok(credential) = HeaderValue::from_str(&format!("Bearer {STAFF_TOKEN}")) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    *request.uri_mut() = uri;
    request.headers_mut().insert(AUTHORIZATION, credential);
    next.run(request).await
}
