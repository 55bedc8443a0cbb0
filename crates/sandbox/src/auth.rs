//! Credentials: which token each route wants, and Caspen's per-token rate limit.
//!
//! Staff operations take `Authorization: Bearer demo-staff-token`. The Unite US widget
//! operations (`/unite_us/v3/widgets/...`) take only the public widget token,
//! `Authorization: Bearer demo-widget-token`, because Unite US identifies the widget's
//! group "by the provided access token"; the widget token never opens a staff route and
//! the staff token never opens a widget route, so a page that leaks one learns nothing more.
//!
//! A token a client sends is never kept: what the sandbox remembers per token (idempotency
//! keys in SQLite, the rate limit's windows and the keys in flight in memory) is filed
//! under [`token_hash`], so a copied data directory or a memory dump gives no token away.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::rate_limit::Decision;
use crate::target::Target;
use crate::AppState;

pub const STAFF_TOKEN: &str = "demo-staff-token";
pub const WIDGET_TOKEN: &str = "demo-widget-token";
pub const UNITE_US_WIDGET_PREFIX: &str = "/unite_us/v3/widgets/";

/// The token a route accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Staff,
    Widget,
}

impl Credential {
    fn token(self) -> &'static str {
        match self {
            Credential::Staff => STAFF_TOKEN,
            Credential::Widget => WIDGET_TOKEN,
        }
    }
}

/// The target and credential a path needs; `None` for paths open to all (static files, `/__admin`).
pub fn required_credential(path: &str) -> Option<(Target, Credential)> {
    let target = Target::from_path(path)?;
    let credential = if path.starts_with(UNITE_US_WIDGET_PREFIX) {
        Credential::Widget
    } else {
        Credential::Staff
    };
    Some((target, credential))
}

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// The SHA-256 hash of a token in lower-case hex: how anything kept per token is filed.
/// Bearer tokens are long and random in real use, so a hash without a salt is enough to
/// make a stored one useless to whoever reads it, and equal tokens still file together.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Middleware: refuses requests without the right token, then applies Caspen's rate limit.
pub async fn require_credentials(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some((target, credential)) = required_credential(request.uri().path()) else {
        return next.run(request).await;
    };
    let token = bearer_token(request.headers()).map(str::to_string);
    let service_account = target == Target::CharityCrm
        && credential == Credential::Staff
        && token
            .as_deref()
            .is_some_and(|token| signed_by_service_account(&state, token));
    if token.as_deref() != Some(credential.token()) && !service_account {
        let mut error = ApiError::unauthorized(target);
        if credential == Credential::Widget {
            error.message = "Invalid or missing widget token".into();
        }
        return error.into_response();
    }
    if target != Target::Caspen {
        return next.run(request).await;
    }
    let token = token.unwrap_or_default();
    match state.caspen_rate_limiter.check(&token, Instant::now()) {
        Decision::Allowed { limit, remaining } => {
            let mut response = next.run(request).await;
            if limit > 0 {
                let headers = response.headers_mut();
                headers.insert(RATE_LIMIT_LIMIT, HeaderValue::from(limit));
                headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from(remaining));
            }
            response
        }
        Decision::Limited {
            limit,
            retry_after_seconds,
        } => ApiError::new(target, StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.")
            .with_retry_after(retry_after_seconds)
            .with_header(RATE_LIMIT_LIMIT, HeaderValue::from(limit))
            .with_header(RATE_LIMIT_REMAINING, HeaderValue::from(0u32))
            .into_response(),
    }
}

/// The service account whose signed tokens charity_crm takes: the demo
/// gateway's `jwt_issuer`.
pub const CHARITY_SERVICE_ACCOUNT: &str = "intake-demo-service-account";

/// Reads the public key charity_crm verifies signed tokens with; `None`
/// (and a warning) when the file is missing or not a key.
pub fn read_charity_key(path: &std::path::Path) -> Option<jsonwebtoken::DecodingKey> {
    let pem = std::fs::read(path).ok()?;
    match jsonwebtoken::DecodingKey::from_rsa_pem(&pem) {
        Ok(key) => Some(key),
        Err(error) => {
            eprintln!(
                "intake-sandbox: {} is not an RSA public key ({error}); charity_crm takes the staff token only",
                path.display()
            );
            None
        }
    }
}

/// Whether `token` is a JWT signed with RS256 by the demo service
/// account's key, unexpired. The document shows only `Authorization:
/// Bearer`; the claims (`iss`, `exp`) are the usual ones, assumed.
fn signed_by_service_account(state: &AppState, token: &str) -> bool {
    let Some(key) = &state.charity_key else {
        return false;
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[CHARITY_SERVICE_ACCOUNT]);
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation.leeway = 5;
    jsonwebtoken::decode::<serde_json::Value>(token, key, &validation).is_ok()
}

const RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_routes_want_the_widget_token_and_the_rest_the_staff_token() {
        assert_eq!(
            required_credential("/unite_us/v3/widgets/assistance_requests"),
            Some((Target::UniteUs, Credential::Widget))
        );
        assert_eq!(
            required_credential("/unite_us/v3/groups/demo-group/contacts"),
            Some((Target::UniteUs, Credential::Staff))
        );
        assert_eq!(
            required_credential("/caspen/v1/clients"),
            Some((Target::Caspen, Credential::Staff))
        );
        assert_eq!(required_credential("/__admin/reset"), None);
        assert_eq!(required_credential("/index.html"), None);
    }

    #[test]
    fn a_token_hash_is_the_hex_sha256_of_the_token() {
        // The SHA-256 test vector for "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(token_hash(STAFF_TOKEN).len(), 64);
        assert!(!token_hash(STAFF_TOKEN).contains(STAFF_TOKEN));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_token_is_required() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&headers), None);
    }
}
