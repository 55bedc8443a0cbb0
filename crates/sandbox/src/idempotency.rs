//! Idempotency keys: a retried write answers what the first one did instead of writing twice.
//!
//! The contract of the IETF draft `draft-ietf-httpapi-idempotency-key-header`, as the
//! sandbox's stand-in for whatever the real gateway or vendor offers. A `POST`, `PUT` or
//! `PATCH` to a vendor API route that carries `Idempotency-Key: <key>` (1 to 200 printable
//! characters; the draft's quoted form `"<key>"` is read as the key inside the quotes) is
//! scoped by token, method and path:
//!
//! - the first request with a key runs normally; when it succeeds (2xx) its status,
//!   `Content-Type`, `Location` and body are remembered in SQLite;
//! - the same key again, with the same query string and body, gets that answer back
//!   (with `Idempotent-Replayed: true`) and the handler does not run, so nothing is
//!   written twice;
//! - the same key with a different query string or body is a 422;
//! - the same key while the first request is still running is a 409;
//! - failed answers are not remembered, so a retry after a 4xx or 5xx runs normally.
//!
//! This middleware sits inside the fault layer, so the `drop` and `malformed_json`
//! faults (which let the handler run) still remember the real, whole answer, and the
//! injected 500/503/429/401 faults (which never reach the handler) remember nothing.
//! It sits inside the credentials layer too, so a replay needs the right token and counts
//! against Caspen's rate limit like any request. The request size limit
//! ([`crate::body::limit_request_body`]) is outside them all, so a body this layer reads is
//! never bigger than a handler would read. The token is kept only as its hash
//! ([`crate::auth::token_hash`]).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{bearer_token, token_hash};
use crate::body::MAX_REQUEST_BYTES;
use crate::error::ApiError;
use crate::store::{IdempotencyScope, RememberedAnswer, RequestFingerprint};
use crate::target::Target;
use crate::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that was replayed from an earlier request rather than produced now.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub const MAX_KEY_LENGTH: usize = 200;
/// The most answer bytes read to remember them; the answers to writes are a few kilobytes.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

pub const REUSED_KEY_MESSAGE: &str = "Idempotency-Key reused with a different request";
pub const IN_FLIGHT_MESSAGE: &str =
    "A request with this Idempotency-Key is still being processed; retry later";

/// The keys whose first request is still running, so a concurrent duplicate cannot write twice.
#[derive(Default)]
pub struct InFlight {
    scopes: Mutex<HashSet<IdempotencyScope>>,
}

impl InFlight {
    /// Marks the scope as running, or `None` when it already is. The mark goes when the claim
    /// is dropped, also when the request's future is dropped half-way (the client hung up).
    fn claim(self: &Arc<Self>, scope: &IdempotencyScope) -> Option<Claim> {
        let newly_added = self.lock().insert(scope.clone());
        newly_added.then(|| Claim {
            in_flight: Arc::clone(self),
            scope: scope.clone(),
        })
    }

    /// Every update is one insert or one remove, so a poisoned lock is safe to keep using.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<IdempotencyScope>> {
        self.scopes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

struct Claim {
    in_flight: Arc<InFlight>,
    scope: IdempotencyScope,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.in_flight.lock().remove(&self.scope);
    }
}

/// The key a request carries: `Ok(None)` without the header, `Err` with why it is unusable.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, String> {
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("Invalid Idempotency-Key: send the header once".into());
    }
    let text = value
        .to_str()
        .map_err(|_| "Invalid Idempotency-Key: use printable ASCII characters only".to_string())?
        .trim();
    // The draft writes the key as a Structured Field string ("..."); a bare value is the key as it is.
    let key = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text);
    if key.is_empty() || key.len() > MAX_KEY_LENGTH {
        return Err(format!(
            "Invalid Idempotency-Key: it must be 1 to {MAX_KEY_LENGTH} characters"
        ));
    }
    Ok(Some(key.to_string()))
}

/// Middleware: replays the remembered answer for a known key, or runs the request and
/// remembers its answer when it succeeds.
pub async fn replay_or_remember(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    let Some(target) = Target::from_path(&path) else {
        return next.run(request).await;
    };
    // No vendor documents the header: unless asked to, the sandbox ignores it as they may.
    if !state.honours_keys(target) {
        return next.run(request).await;
    }
    if !matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    ) {
        return next.run(request).await;
    }
    let key = match idempotency_key(request.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => return next.run(request).await,
        Err(message) => return ApiError::bad_request(target, message).into_response(),
    };
    let scope = IdempotencyScope {
        token_hash: token_hash(bearer_token(request.headers()).unwrap_or_default()),
        method: request.method().as_str().to_string(),
        path,
        key,
    };
    let (parts, body) = request.into_parts();
    // The size limit's layer has already refused a bigger body; the same limit here keeps
    // this read bounded even if the layers are rearranged.
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError::new(
                target,
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large or could not be read",
            )
            .into_response()
        }
    };
    let fingerprint = RequestFingerprint {
        query: parts.uri.query().unwrap_or_default().to_string(),
        body: body.to_vec(),
    };

    let Some(_claim) = state.idempotency_in_flight.claim(&scope) else {
        return ApiError::new(target, StatusCode::CONFLICT, IN_FLIGHT_MESSAGE).into_response();
    };
    match state
        .store
        .read(|records| records.remembered_answer(&scope))
    {
        Err(error) => return ApiError::internal(target, error).into_response(),
        Ok(Some(remembered)) if remembered.request != fingerprint => {
            return ApiError::new(target, StatusCode::UNPROCESSABLE_ENTITY, REUSED_KEY_MESSAGE)
                .into_response()
        }
        Ok(Some(remembered)) => return replay(remembered),
        Ok(None) => {}
    }

    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, MAX_ANSWER_BYTES).await {
        Ok(body) => body,
        Err(error) => {
            // The write has happened, but its answer is lost; say so rather than send half of it.
            return ApiError::internal(target, format!("cannot read the answer: {error}"))
                .into_response();
        }
    };
    let header_text = |name: &HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let answer = RememberedAnswer {
        request: fingerprint,
        status: parts.status.as_u16(),
        content_type: header_text(&CONTENT_TYPE),
        location: header_text(&LOCATION),
        body: body.to_vec(),
    };
    if let Err(error) = state
        .store
        .write(|records| records.remember_answer(&scope, &answer))
    {
        // The write itself succeeded, so the client still gets its answer; only a retry would write again.
        eprintln!(
            "intake-sandbox: cannot remember Idempotency-Key {:?} on {} {}: {error}",
            scope.key, scope.method, scope.path
        );
    }
    Response::from_parts(parts, Body::from(body))
}

/// The remembered answer, with the headers that matter and a note that it is a replay.
fn replay(answer: RememberedAnswer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in [
        (CONTENT_TYPE, answer.content_type),
        (LOCATION, answer.location),
    ] {
        if let Some(value) = value.and_then(|value| HeaderValue::from_str(&value).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(IDEMPOTENCY_KEY, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_key_is_read_bare_or_quoted_and_must_be_1_to_200_characters() {
        assert_eq!(idempotency_key(&headers(&[])), Ok(None));
        assert_eq!(
            idempotency_key(&headers(&["abc-123"])),
            Ok(Some("abc-123".into()))
        );
        assert_eq!(
            idempotency_key(&headers(&["\"8e03978e-40d5\""])),
            Ok(Some("8e03978e-40d5".into()))
        );
        assert!(idempotency_key(&headers(&[""])).is_err());
        assert!(idempotency_key(&headers(&["a", "b"])).is_err());
        let longest = "k".repeat(MAX_KEY_LENGTH);
        let mut map = HeaderMap::new();
        map.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(&longest).expect("ascii"),
        );
        assert_eq!(idempotency_key(&map), Ok(Some(longest.clone())));
        map.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(&format!("{longest}k")).expect("ascii"),
        );
        assert!(idempotency_key(&map).is_err());
    }

    #[test]
    fn a_scope_can_be_claimed_once_until_the_claim_is_dropped() {
        let in_flight = Arc::new(InFlight::default());
        let scope = IdempotencyScope {
            token_hash: token_hash("t"),
            method: "POST".into(),
            path: "/caspen/v1/clients".into(),
            key: "k".into(),
        };
        let claim = in_flight.claim(&scope);
        assert!(claim.is_some());
        assert!(in_flight.claim(&scope).is_none());
        drop(claim);
        assert!(in_flight.claim(&scope).is_some());
    }
}
