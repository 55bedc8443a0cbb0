//! CORS, as the vendors' documents allow it: no document says a browser may call any of
//! the five APIs, and the brief calls only the Unite US widget routes browser-facing (a
//! public token, embedded in other sites). So cross-origin requests are answered on those
//! routes and on the static files (`/gateway/...` is passed to the real gateway, which
//! answers its own CORS); every other vendor route answers no CORS headers and refuses
//! preflights, as a server-to-server API would. A staff page on another origin than the
//! API therefore fails here as it would in production, until a gateway or the vendor
//! allows it. Credentials travel in the Authorization header, never in cookies, so
//! `Access-Control-Allow-Origin: *` is enough where CORS is allowed.
//!
//! The `/__admin` routes get no CORS headers at all, preflights included, and answer
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
use crate::target::Target;

pub const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
pub const ALLOWED_HEADERS: &str =
    "Authorization, Content-Type, Accept, X-Requested-With, Idempotency-Key";
/// Exposed so the app can honour Retry-After and read where a created record lives.
pub const EXPOSED_HEADERS: &str =
    "Retry-After, Location, X-RateLimit-Limit, X-RateLimit-Remaining, WWW-Authenticate";

/// Whether browsers on other origins may call `path`: the Unite US widget routes and
/// everything that is not a vendor API (the app, forms, the demo host). The gateway's
/// paths never come here: the gateway answers for them.
pub fn browser_may_call(path: &str) -> bool {
    match Target::from_path(path) {
        Some(Target::UniteUs) => path.starts_with(UNITE_US_WIDGET_ROUTES),
        Some(_) => false,
        None => true,
    }
}

/// The Unite US routes a widget on another site calls with its public token.
const UNITE_US_WIDGET_ROUTES: &str = "/unite_us/v3/widgets/";

/// Middleware: answers every OPTIONS preflight itself and adds CORS headers to every answer
/// on a path browsers may call ([`browser_may_call`]); refuses preflights elsewhere and
/// passes `/__admin` on untouched.
pub async fn allow_any_origin(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_admin_path(path) {
        return next.run(request).await;
    }
    if !browser_may_call(path) {
        if request.method() == Method::OPTIONS {
            let message = format!(
                "No vendor document allows browsers to call {path} from another origin; call it from a server (the organisation's gateway), or from the same origin."
            );
            return (
                StatusCode::FORBIDDEN,
                axum::Json(serde_json::json!({ "message": message })),
            )
                .into_response();
        }
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

#[cfg(test)]
mod tests {
    use super::browser_may_call;

    #[test]
    fn browsers_may_call_the_widget_routes_and_the_static_files_only() {
        for path in [
            "/unite_us/v3/widgets/assistance_requests",
            "/unite_us/v3/widgets/assistance_requests/form_config",
            "/forms/person.json",
            "/",
        ] {
            assert!(browser_may_call(path), "{path}");
        }
        for path in [
            "/unite_us/v3/groups/g/contacts",
            "/unite_us/v3/widgetsx",
            "/casebook/people/people",
            "/caspen/v1/clients",
            "/charity_crm/api/v1/persons",
            "/persons_v1/api/v1/persons",
        ] {
            assert!(!browser_may_call(path), "{path}");
        }
    }
}
