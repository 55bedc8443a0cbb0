//! Misbehaviour on request, so tests can see how the app copes with a bad network and a bad vendor.
//!
//! A fault is registered through `POST /__admin/faults` and applies to the next `count`
//! requests whose method and path match its route. Faults apply only to the vendor API
//! routes (never to `/__admin`, static files or CORS preflights), so a test can always
//! clear them and a browser can always read the faulty answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::error::ApiError;
use crate::target::Target;
use crate::AppState;

/// The most body bytes the malformed_json fault reads back before cutting the answer in half.
const MAX_BODY_BYTES_TO_MANGLE: usize = 16 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait `latency_ms`, then answer normally.
    Latency,
    #[serde(rename = "500")]
    InternalServerError,
    /// Answer 503 with `Retry-After: retry_after`.
    #[serde(rename = "503")]
    ServiceUnavailable,
    /// Answer 429 with `Retry-After: retry_after`.
    #[serde(rename = "429")]
    TooManyRequests,
    /// Answer 401 as if the token had expired.
    #[serde(rename = "401")]
    Unauthorized,
    /// Handle the request (a write is stored), then close the connection without answering.
    Drop,
    /// Handle the request (a write is stored), then answer with the body cut in half.
    MalformedJson,
}

/// What a test posts to `/__admin/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// `"<METHOD> <path prefix>"`; `*` (or no method at all) matches any method.
    pub route: String,
    pub fault: FaultKind,
    pub count: Option<u32>,
    pub latency_ms: Option<u64>,
    pub retry_after: Option<u64>,
}

/// A registered fault, as the admin endpoints show it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Fault {
    pub id: u64,
    pub route: String,
    pub fault: FaultKind,
    /// How many more matching requests it applies to.
    pub remaining: u32,
    pub latency_ms: u64,
    pub retry_after: u64,
    #[serde(skip)]
    method: Option<Method>,
    #[serde(skip)]
    path_prefix: String,
}

impl Fault {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|wanted| wanted == method)
            && path.starts_with(&self.path_prefix)
    }
}

#[derive(Default)]
struct Board {
    faults: Vec<Fault>,
    next_id: u64,
}

/// The faults waiting to happen, shared by all connections.
#[derive(Default)]
pub struct FaultBoard {
    board: Mutex<Board>,
}

impl FaultBoard {
    pub fn add(&self, request: FaultRequest) -> Result<Fault, String> {
        let (method, path_prefix) = parse_route(&request.route)?;
        let count = request.count.unwrap_or(1);
        if count == 0 {
            return Err("count must be at least 1".into());
        }
        let default_latency = if request.fault == FaultKind::Latency {
            1000
        } else {
            0
        };
        let mut board = self.lock();
        board.next_id += 1;
        let fault = Fault {
            id: board.next_id,
            route: request.route.trim().to_string(),
            fault: request.fault,
            remaining: count,
            latency_ms: request.latency_ms.unwrap_or(default_latency),
            retry_after: request.retry_after.unwrap_or(1),
            method,
            path_prefix,
        };
        board.faults.push(fault.clone());
        Ok(fault)
    }

    pub fn list(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    pub fn clear(&self) {
        self.lock().faults.clear();
    }

    /// The first registered fault that matches, counted as used once.
    fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        self.take_where(method, path, |_| true)
    }

    /// Like `take`, for `latency` faults only (the one kind a static file takes).
    fn take_latency(&self, method: &Method, path: &str) -> Option<Fault> {
        self.take_where(method, path, |fault| fault.fault == FaultKind::Latency)
    }

    fn take_where(
        &self,
        method: &Method,
        path: &str,
        kind: impl Fn(&Fault) -> bool,
    ) -> Option<Fault> {
        let mut board = self.lock();
        let index = board
            .faults
            .iter()
            .position(|fault| fault.matches(method, path) && kind(fault))?;
        let fault = board.faults[index].clone();
        board.faults[index].remaining -= 1;
        if board.faults[index].remaining == 0 {
            board.faults.remove(index);
        }
        Some(fault)
    }

    /// A panic elsewhere cannot leave the board half-updated (every update is one push or
    /// one decrement), so a poisoned lock is safe to keep using.
    fn lock(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn parse_route(route: &str) -> Result<(Option<Method>, String), String> {
    let route = route.trim();
    let (method, path) = match route.split_once(char::is_whitespace) {
        Some((method, path)) => (Some(method), path.trim()),
        None => (None, route),
    };
    if !path.starts_with('/') {
        return Err(format!(
            "route must be \"<METHOD> <path prefix>\" with a path starting with /, got {route:?}"
        ));
    }
    let method = match method {
        None | Some("*") => None,
        Some(name) => Some(
            Method::from_bytes(name.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("{name:?} is not an HTTP method"))?,
        ),
    };
    Ok((method, path.to_string()))
}

/// Closes the connection a request came in on. The server loop puts one in every request's extensions.
#[derive(Clone)]
pub struct ConnectionKiller(pub Arc<Notify>);

/// Middleware: applies the first matching fault, if any, around the real handler.
pub async fn apply_faults(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let Some(target) = Target::from_path(&path) else {
        // A static file (the app's later chunk, say) takes only a delay: a
        // slow connection for one file.
        if !crate::admin::is_admin_path(&path) {
            if let Some(fault) = state.faults.take_latency(request.method(), &path) {
                tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
            }
        }
        return next.run(request).await;
    };
    let Some(fault) = state.faults.take(request.method(), &path) else {
        return next.run(request).await;
    };
    if fault.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
    }
    match fault.fault {
        FaultKind::Latency => next.run(request).await,
        FaultKind::InternalServerError => ApiError::new(
            target,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Injected fault: internal server error",
        )
        .into_response(),
        FaultKind::ServiceUnavailable => ApiError::new(
            target,
            StatusCode::SERVICE_UNAVAILABLE,
            "Injected fault: service unavailable",
        )
        .with_retry_after(fault.retry_after)
        .into_response(),
        FaultKind::TooManyRequests => ApiError::new(
            target,
            StatusCode::TOO_MANY_REQUESTS,
            "Injected fault: too many requests",
        )
        .with_retry_after(fault.retry_after)
        .into_response(),
        FaultKind::Unauthorized => ApiError::unauthorized(target).into_response(),
        FaultKind::Drop => drop_connection_after(request, next, target).await,
        FaultKind::MalformedJson => {
            let response = next.run(request).await;
            cut_body_in_half(response).await
        }
    }
}

/// Lets the handler finish (so a write is stored), then closes the connection with no answer:
/// the nasty real case where the client cannot tell whether its write happened.
async fn drop_connection_after(request: Request, next: Next, target: Target) -> Response {
    let Some(killer) = request.extensions().get::<ConnectionKiller>().cloned() else {
        return ApiError::new(
            target,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The drop fault needs the sandbox's own server loop",
        )
        .into_response();
    };
    let _handled = next.run(request).await;
    killer.0.notify_one();
    // The connection task drops this future together with the connection; nothing is ever sent.
    std::future::pending::<Response>().await
}

async fn cut_body_in_half(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES_TO_MANGLE)
        .await
        .unwrap_or_default();
    // A strict prefix of a JSON object or array is never valid JSON; an empty answer gets a fixed stub.
    let mangled = if bytes.len() >= 2 {
        bytes.slice(..bytes.len() / 2)
    } else {
        Bytes::from_static(b"{\"data\":")
    };
    parts.headers.remove(CONTENT_LENGTH);
    if parts.status == StatusCode::NO_CONTENT {
        parts.status = StatusCode::OK;
    }
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(mangled))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(route: &str, fault: FaultKind, count: Option<u32>) -> FaultRequest {
        FaultRequest {
            route: route.into(),
            fault,
            count,
            latency_ms: None,
            retry_after: None,
        }
    }

    #[test]
    fn a_fault_applies_to_the_next_count_matching_requests_only() {
        let board = FaultBoard::default();
        board
            .add(request(
                "POST /caspen/v1/clients",
                FaultKind::ServiceUnavailable,
                Some(2),
            ))
            .expect("valid fault");
        assert!(board.take(&Method::GET, "/caspen/v1/clients").is_none());
        assert!(board
            .take(&Method::POST, "/casebook/people/people")
            .is_none());
        assert!(board.take(&Method::POST, "/caspen/v1/clients").is_some());
        assert!(board
            .take(&Method::POST, "/caspen/v1/clients/cli_1")
            .is_some());
        assert!(board.take(&Method::POST, "/caspen/v1/clients").is_none());
        assert!(board.list().is_empty());
    }

    #[test]
    fn a_route_without_method_or_with_star_matches_any_method() {
        let board = FaultBoard::default();
        board
            .add(request(
                "/unite_us",
                FaultKind::InternalServerError,
                Some(1),
            ))
            .expect("valid fault");
        board
            .add(request(
                "* /casebook",
                FaultKind::InternalServerError,
                Some(1),
            ))
            .expect("valid fault");
        assert!(board.take(&Method::DELETE, "/unite_us/v3/x").is_some());
        assert!(board
            .take(&Method::PATCH, "/casebook/people/people/1")
            .is_some());
    }

    #[test]
    fn bad_routes_and_counts_are_refused() {
        let board = FaultBoard::default();
        assert!(board
            .add(request("POST caspen", FaultKind::Drop, None))
            .is_err());
        assert!(board
            .add(request("P@ST /caspen", FaultKind::Drop, None))
            .is_err());
        assert!(board
            .add(request("POST /caspen", FaultKind::Drop, Some(0)))
            .is_err());
    }

    #[test]
    fn latency_defaults_to_one_second_and_other_faults_to_none() {
        let board = FaultBoard::default();
        let latency = board
            .add(request("GET /caspen", FaultKind::Latency, None))
            .expect("valid fault");
        let drop = board
            .add(request("GET /caspen", FaultKind::Drop, None))
            .expect("valid fault");
        assert_eq!((latency.latency_ms, drop.latency_ms), (1000, 0));
        assert_eq!(latency.remaining, 1);
    }
}
