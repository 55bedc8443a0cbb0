//! CORS for any origin, so the app can be served from elsewhere (Trunk's dev server, a test page)
//! and still call the sandbox. Credentials travel in the Authorization header, never in cookies,
//! so `Access-Control-Allow-Origin: *` is enough.
//!
//! The `/__admin` routes are the exception: they need no token, so no other site may call them
//! from a browser. They get no CORS headers at all, preflights included, and answer
//! same-origin requests only (see [`crate::admin`]).

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::admin::is_admin_path;

pub const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
pub const ALLOWED_HEADERS: &str =
    "Authorization, Content-Type, Accept, X-Requested-With, Idempotency-Key";
/// Exposed so the app can honour Retry-After and read where a created record lives.
pub const EXPOSED_HEADERS: &str =
    "Retry-After, Location, X-RateLimit-Limit, X-RateLimit-Remaining, WWW-Authenticate";

/// Middleware: answers every OPTIONS preflight itself and adds CORS headers to every answer,
/// except under `/__admin`, which it passes on untouched.
pub async fn allow_any_origin(request: Request, next: Next) -> Response {
    if is_admin_path(request.uri().path()) {
        return next.run(request).await;
    }
    if request.method() == Method::OPTIONS {
        let requested_headers = request
            .headers()
            .get(ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned();
        let mut response = StatusCode::NO_CONTENT.into_response();
        add_headers(response.headers_mut());
        // Echoing what the browser asks for also admits headers a client adds that we did not foresee.
        if let Some(requested) = requested_headers {
            response
                .headers_mut()
                .insert(ACCESS_CONTROL_ALLOW_HEADERS, requested);
        }
        response
            .headers_mut()
            .insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return response;
    }
    let mut response = next.run(request).await;
    add_headers(response.headers_mut());
    response
}

fn add_headers(headers: &mut HeaderMap) {
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
}
