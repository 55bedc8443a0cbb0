//! `intake-gateway`: the organisation's own server between the intake app
//! and a vendor's API.
//!
//! - **Public routes** (one per widget configuration the site serves) let
//!   anybody make exactly the creates that widget plans, derived from the
//!   engine's own planning ([`intake_engine::targets::gateway`]), checked as
//!   the widget would make them, with the vendor credential added here.
//!   Everything else under them is refused with 403.
//! - **Staff routes** pass a staff member's own `Authorization` through
//!   unchanged; the gateway holds no staff credential. They exist for
//!   vendors that do not answer CORS.
//! - Every write that carries an `Idempotency-Key` is made once
//!   ([`idempotency`]), whatever the vendor does with the header (it is not
//!   passed on: no vendor documents it).
//!
//! Only [`upstream`] does HTTP. Logs carry method, path, status, latency
//! and the idempotency key; never a body, a query, a token or an answer.

pub mod credential;
pub mod idempotency;
pub mod settings;
pub mod upstream;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, RETRY_AFTER, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use intake_engine::targets::gateway::{
    check_public_create, found_answer, read_settle_lookup, settle, settle_lookup, Settle,
};
use intake_engine::targets::AnswerBody;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::idempotency::{Claim, IdempotencyStore, StoredAnswer};
use crate::settings::{within, PublicRoute, Settings, StaffRoute};
use crate::upstream::{Upstream, UpstreamAnswer};

/// The most list pages read when settling an unknown outcome. Past it the
/// create goes again.
const MAX_SETTLE_PAGES: u32 = 50;

/// The longest idempotency key taken.
const MAX_KEY_LENGTH: usize = 255;

/// Headers that ask a server to take a request as another method.
const METHOD_OVERRIDES: &[&str] = &[
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// The running gateway: its settings, its key store, its client and its limiter.
pub struct Gateway {
    pub settings: Settings,
    store: Arc<dyn IdempotencyStore>,
    upstream: Upstream,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl Gateway {
    pub fn new(settings: Settings, store: Arc<dyn IdempotencyStore>) -> Result<Gateway, String> {
        let limits = &settings.limits;
        let per_minute = NonZeroU32::new(limits.public_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.public_burst).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst));
        let upstream = Upstream::new(limits.upstream_timeout)?;
        Ok(Gateway {
            settings,
            store,
            upstream,
            limiter,
        })
    }

    fn stale_after_ms(&self) -> u64 {
        millis(self.settings.limits.upstream_timeout) * 3
    }

    fn kept_ms(&self) -> u64 {
        millis(self.settings.limits.keys_kept)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(millis)
        .unwrap_or_default()
}

/// The gateway's routes: `/healthz`, then every configured prefix. A body
/// over `max_body_bytes` is refused where it is read ([`read_body`]), so
/// that the refusal carries the route's CORS headers and a JSON message.
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(handle)
        .with_state(gateway)
}

/// Serves until `shutdown` resolves, forgetting expired keys each hour.
pub async fn serve(
    listener: tokio::net::TcpListener,
    gateway: Arc<Gateway>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purging = Arc::clone(&gateway);
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(60 * 60));
        loop {
            hourly.tick().await;
            // Clients that have not been seen for a while leave the limiter.
            purging.limiter.retain_recent();
            match purging.store.purge(now_ms(), purging.kept_ms()) {
                Ok(count) => {
                    tracing::info!(forgotten = count, "expired idempotency keys forgotten")
                }
                Err(error) => {
                    tracing::warn!(%error, "expired idempotency keys could not be forgotten")
                }
            }
        }
    });
    let service = router(gateway).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn healthz(State(gateway): State<Arc<Gateway>>) -> Response {
    // The store answering is what a write needs besides the vendor.
    match gateway.store.purge(0, u64::MAX) {
        Ok(_) => Json(json!({"status": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the idempotency store does not answer");
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "The idempotency store does not answer.",
            )
        }
    }
}

/// A JSON error a person or a developer can act on: `{"message": ...}`,
/// the plain shape every target's error reader takes.
fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    // The request is served by a task of its own, which runs to its end
    // even when the client goes away: a write already sent upstream must
    // still keep its answer under its key, for the client's repeat.
    let serving = Arc::clone(&gateway);
    let response = match tokio::spawn(async move { dispatch(&serving, peer, request).await }).await
    {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "a request's task failed");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The gateway failed. Try again in a moment.",
            )
        }
    };
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        idempotency_key = key.as_deref().unwrap_or("-"),
        "request"
    );
    response
}

async fn dispatch(gateway: &Gateway, peer: SocketAddr, request: Request) -> Response {
    let path = request.uri().path();
    if let Some(route) = gateway
        .settings
        .public
        .iter()
        .find(|route| within(path, &route.prefix))
    {
        public(gateway, route, peer, request).await
    } else if let Some(route) = gateway
        .settings
        .staff
        .iter()
        .find(|route| within(path, &route.prefix))
    {
        staff(gateway, route, request).await
    } else {
        error_response(StatusCode::NOT_FOUND, "The gateway serves no such path.")
    }
}

/// What a request's `Origin` says about CORS.
enum Origin {
    /// No `Origin`: not a cross-origin browser request.
    Absent,
    Allowed(HeaderValue),
    Refused,
}

fn origin_of(headers: &HeaderMap, allowed: &[String]) -> Origin {
    match headers.get(ORIGIN) {
        None => Origin::Absent,
        Some(origin) => match origin.to_str() {
            Ok(text) if allowed.iter().any(|allowed| allowed == text) => {
                Origin::Allowed(origin.clone())
            }
            _ => Origin::Refused,
        },
    }
}

fn with_cors(mut response: Response, origin: &Origin) -> Response {
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Origin"));
    if let Origin::Allowed(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Retry-After"),
        );
    }
    response
}

fn preflight(origin: &Origin, methods: &str, headers: &'static str) -> Response {
    let Origin::Allowed(_) = origin else {
        return error_response(
            StatusCode::FORBIDDEN,
            "This page's origin may not call the gateway.",
        );
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    let response_headers = response.headers_mut();
    if let Ok(methods) = HeaderValue::from_str(methods) {
        response_headers.insert(ACCESS_CONTROL_ALLOW_METHODS, methods);
    }
    response_headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(headers),
    );
    response_headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    with_cors(response, origin)
}

fn is_preflight(request: &Request) -> bool {
    request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key("access-control-request-method")
}

/// The client's address: the peer's, or, behind a trusted proxy, the last
/// address `X-Forwarded-For` gives.
fn client_ip(gateway: &Gateway, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if !gateway.settings.trusted_proxies.contains(&peer.ip()) {
        return peer.ip();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|address| address.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer.ip())
}

// The refusal is the answer itself, made once per request: boxing it buys nothing.
#[allow(clippy::result_large_err)]
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if !key.is_empty()
                && key.len() <= MAX_KEY_LENGTH
                && key.bytes().all(|byte| byte.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_string()))
        }
        _ => Err(error_response(
            StatusCode::BAD_REQUEST,
            "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )),
    }
}

/// The body, up to `limit` bytes: a larger one is refused with 413, before
/// anything is read when its `Content-Length` says so.
async fn read_body(request: Request, limit: usize) -> Result<Bytes, Response> {
    let refused = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request is larger than the gateway takes, or was cut off.",
        )
    };
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(refused());
    }
    to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| refused())
}

/// A write's identity: its method, path and body, hashed.
fn fingerprint(method: &Method, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [
        method.as_str().as_bytes(),
        b"\0",
        path.as_bytes(),
        b"\0",
        body,
    ] {
        hash.update(part);
    }
    hex(&hash.finalize())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

async fn public(
    gateway: &Gateway,
    route: &PublicRoute,
    peer: SocketAddr,
    request: Request,
) -> Response {
    let origin = origin_of(request.headers(), &route.allowed_origins);
    let methods = {
        let mut methods: Vec<&str> = route
            .creates
            .iter()
            .map(|create| create.method.as_str())
            .collect();
        methods.dedup();
        methods.join(", ")
    };
    let client = client_ip(gateway, peer, request.headers());
    if let Err(not_until) = gateway.limiter.check_key(&client) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests from this address. Wait a moment and send again; nothing you typed is lost.",
        );
        return with_cors(with_retry_after(response, wait.as_secs() + 1), &origin);
    }
    if let Origin::Refused = origin {
        return error_response(
            StatusCode::FORBIDDEN,
            "This page's origin may not call the gateway.",
        );
    }
    if is_preflight(&request) {
        return preflight(&origin, &methods, "accept, content-type, idempotency-key");
    }
    let refused = || {
        with_cors(
            error_response(
                StatusCode::FORBIDDEN,
                "The gateway lets the public create records only.",
            ),
            &origin,
        )
    };
    let overridden = METHOD_OVERRIDES
        .iter()
        .any(|name| request.headers().contains_key(*name));
    if overridden || request.uri().query().is_some() {
        return refused();
    }
    let path = request.uri().path().to_string();
    let Some(create) = route
        .creates
        .iter()
        .find(|create| create.method.as_str() == request.method().as_str() && create.path == path)
    else {
        return refused();
    };
    let key = match idempotency_key(request.headers()) {
        Ok(Some(key)) => key,
        Ok(None) => {
            return with_cors(
                error_response(
                    StatusCode::BAD_REQUEST,
                    "A create needs an Idempotency-Key, so that it is made once.",
                ),
                &origin,
            )
        }
        Err(response) => return with_cors(response, &origin),
    };
    let method = request.method().clone();
    let content_type = request.headers().get(CONTENT_TYPE).cloned();
    let accept = request.headers().get(ACCEPT).cloned();
    let body = match read_body(request, gateway.settings.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(response) => return with_cors(response, &origin),
    };
    if let Err(problem) = check_public_create(&route.config, route.form.as_ref(), &body) {
        return with_cors(
            error_response(StatusCode::UNPROCESSABLE_ENTITY, &problem.to_string()),
            &origin,
        );
    }
    let authorization = match route.credential.authorization() {
        Ok(value) => value,
        Err(error) => {
            tracing::error!(%error, prefix = %route.prefix, "the credential cannot be made");
            return with_cors(
                error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The gateway cannot sign in to the organisation's records system. Try again later; the organisation has been told.",
                ),
                &origin,
            );
        }
    };
    let mut headers = vec![(AUTHORIZATION, authorization)];
    headers.extend(content_type.map(|value| (CONTENT_TYPE, value)));
    headers.extend(accept.map(|value| (ACCEPT, value)));
    let write = Write {
        scope: format!("public {method} {path}"),
        key,
        fingerprint: fingerprint(&method, &path, &body),
        method,
        url: format!("{}{}", route.upstream, &path[route.prefix.len()..]),
        headers,
        body,
    };
    let settled = Settling::Public {
        route,
        capture_id: create.capture_id.as_deref(),
    };
    with_cors(exactly_once(gateway, &write, &settled).await, &origin)
}

async fn staff(gateway: &Gateway, route: &StaffRoute, request: Request) -> Response {
    let origin = origin_of(request.headers(), &route.allowed_origins);
    if let Origin::Refused = origin {
        return error_response(
            StatusCode::FORBIDDEN,
            "This page's origin may not call the gateway.",
        );
    }
    if is_preflight(&request) {
        return preflight(
            &origin,
            "GET, POST, PUT, PATCH, DELETE",
            "accept, authorization, content-type, idempotency-key",
        );
    }
    let method = request.method().clone();
    if ![
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ]
    .contains(&method)
    {
        return with_cors(
            error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "The gateway passes on GET, POST, PUT, PATCH and DELETE.",
            ),
            &origin,
        );
    }
    let path = request.uri().path().to_string();
    let rest = &path[route.prefix.len()..];
    let lower = rest.to_ascii_lowercase();
    let escapes = rest
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("%5c")
        || rest.contains('\\');
    if escapes {
        return with_cors(
            error_response(StatusCode::BAD_REQUEST, "The path leaves the vendor's API."),
            &origin,
        );
    }
    let key = match idempotency_key(request.headers()) {
        Ok(key) => key,
        Err(response) => return with_cors(response, &origin),
    };
    let url = match request.uri().query() {
        Some(query) => format!("{}{rest}?{query}", route.upstream),
        None => format!("{}{rest}", route.upstream),
    };
    let mut headers = Vec::new();
    for name in [AUTHORIZATION, CONTENT_TYPE, ACCEPT] {
        if let Some(value) = request.headers().get(&name) {
            let mut value = value.clone();
            if name == AUTHORIZATION {
                value.set_sensitive(true);
            }
            headers.push((name, value));
        }
    }
    let staff_member = request
        .headers()
        .get(AUTHORIZATION)
        .map(|value| sha256_hex(value.as_bytes()))
        .unwrap_or_default();
    let body = match read_body(request, gateway.settings.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(response) => return with_cors(response, &origin),
    };
    let write = Write {
        // One staff member's keys are theirs alone.
        scope: format!("staff {method} {path} {staff_member}"),
        key: key.clone().unwrap_or_default(),
        fingerprint: fingerprint(&method, &path, &body),
        method: method.clone(),
        url,
        headers,
        body,
    };
    let response = if key.is_some() && method != Method::GET && method != Method::DELETE {
        exactly_once(gateway, &write, &Settling::SendAgain).await
    } else {
        match write.send(gateway).await {
            Ok(answer) => pass_back(&answer),
            Err(failure) => no_answer_response(failure.outcome_unknown()),
        }
    };
    with_cors(response, &origin)
}

/// One write, as it goes upstream.
struct Write {
    scope: String,
    key: String,
    fingerprint: String,
    method: Method,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Write {
    async fn send(&self, gateway: &Gateway) -> Result<UpstreamAnswer, upstream::UpstreamFailure> {
        gateway
            .upstream
            .send(
                self.method.clone(),
                &self.url,
                self.headers.clone(),
                self.body.clone(),
            )
            .await
    }
}

/// How a write whose earlier outcome is unknown is settled.
enum Settling<'a> {
    /// Sent again (the staff app looks before it sends a create again).
    SendAgain,
    /// As the target allows (see [`settle`]).
    Public {
        route: &'a PublicRoute,
        capture_id: Option<&'a str>,
    },
}

async fn exactly_once(gateway: &Gateway, write: &Write, settling: &Settling<'_>) -> Response {
    // A repeat while the first is in flight waits for it, a little longer
    // than the first can take.
    let deadline =
        Instant::now() + gateway.settings.limits.upstream_timeout + Duration::from_secs(2);
    loop {
        let claim = gateway.store.claim(
            &write.scope,
            &write.key,
            &write.fingerprint,
            now_ms(),
            gateway.stale_after_ms(),
            gateway.kept_ms(),
        );
        let claim = match claim {
            Ok(claim) => claim,
            Err(error) => {
                tracing::error!(%error, "idempotency store");
                return with_retry_after(
                    error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "The gateway cannot make sure this is sent once just now. Try again in a moment; nothing was sent.",
                    ),
                    5,
                );
            }
        };
        match claim {
            Claim::First => return forward(gateway, write).await,
            Claim::Replay(answer) => return replay(&answer),
            Claim::Mismatch => {
                return error_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "This Idempotency-Key was used for another request. Each submission needs a key of its own.",
                )
            }
            Claim::Unknown => return settle_unknown(gateway, write, settling).await,
            Claim::InFlight if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Claim::InFlight => {
                return with_retry_after(
                    error_response(
                        StatusCode::CONFLICT,
                        "The same request is still being sent. Try again in a moment.",
                    ),
                    2,
                )
            }
        }
    }
}

/// Sends a claimed write and keeps what it learned under its key.
async fn forward(gateway: &Gateway, write: &Write) -> Response {
    let store = &gateway.store;
    let result = write.send(gateway).await;
    let kept = match &result {
        // The vendor turned it away before acting on it (the gateway's own
        // credential refused, a rate limit, a pause): a repeat goes as new,
        // so a mended credential or a quieter moment lets it through.
        Ok(answer) if matches!(answer.status.as_u16(), 401 | 403 | 429 | 503) => {
            store.release(&write.scope, &write.key)
        }
        // A server error may come after the write was stored.
        Ok(answer) if answer.status.is_server_error() => {
            store.mark_unknown(&write.scope, &write.key)
        }
        Ok(answer) => store.complete(
            &write.scope,
            &write.key,
            &StoredAnswer {
                status: answer.status.as_u16(),
                content_type: answer
                    .content_type
                    .as_ref()
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_string),
                body: answer.body.to_vec(),
            },
        ),
        Err(failure) if failure.outcome_unknown() => store.mark_unknown(&write.scope, &write.key),
        Err(_) => store.release(&write.scope, &write.key),
    };
    if let Err(error) = kept {
        tracing::error!(%error, "idempotency store: an answer could not be kept");
    }
    match result {
        Ok(answer) => pass_back(&answer),
        Err(failure) => no_answer_response(failure.outcome_unknown()),
    }
}

async fn settle_unknown(gateway: &Gateway, write: &Write, settling: &Settling<'_>) -> Response {
    let Settling::Public { route, capture_id } = settling else {
        return forward(gateway, write).await;
    };
    match settle(&route.config) {
        Settle::SendAgain | Settle::SendAgainMayRepeat => forward(gateway, write).await,
        Settle::LookFirst => {
            let mut page: Option<String> = None;
            for _ in 0..MAX_SETTLE_PAGES {
                // Still at work: a repeat waits rather than taking the key over.
                if let Err(error) = gateway.store.hold(&write.scope, &write.key, now_ms()) {
                    tracing::error!(%error, "idempotency store");
                }
                let lookup = settle_lookup(&route.config, &write.body, page.as_deref());
                let Some(rest) = lookup.url.strip_prefix(route.config.base_url.as_str()) else {
                    break;
                };
                let mut headers = match route.credential.authorization() {
                    Ok(value) => vec![(AUTHORIZATION, value)],
                    Err(_) => Vec::new(),
                };
                for (name, value) in &lookup.headers {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(name.as_bytes()),
                        HeaderValue::from_str(value),
                    ) {
                        headers.push((name, value));
                    }
                }
                let url = format!("{}{rest}", route.upstream);
                let answer = gateway
                    .upstream
                    .send(Method::GET, &url, headers, Bytes::new())
                    .await;
                let looked = match answer {
                    Ok(answer) if answer.status.is_success() => {
                        let text = String::from_utf8_lossy(&answer.body);
                        read_settle_lookup(
                            &route.config,
                            &write.body,
                            &AnswerBody::from_text(&text),
                        )
                    }
                    Ok(answer) => Err(format!("the list answered {}", answer.status)),
                    Err(failure) => Err(format!("the list did not answer ({failure:?})")),
                };
                match looked {
                    Ok(intake_engine::targets::gateway::Looked::Found { id, .. }) => {
                        let answer = StoredAnswer {
                            status: 201,
                            content_type: Some("application/json".into()),
                            body: found_answer(*capture_id, &id).to_string().into_bytes(),
                        };
                        if let Err(error) =
                            gateway.store.complete(&write.scope, &write.key, &answer)
                        {
                            tracing::error!(%error, "idempotency store: a found record could not be kept");
                        }
                        tracing::info!(key = %write.key, "an earlier attempt had made the record");
                        return replay(&answer);
                    }
                    Ok(intake_engine::targets::gateway::Looked::NextPage(next)) => {
                        page = Some(next)
                    }
                    Ok(intake_engine::targets::gateway::Looked::NotFound) => {
                        return forward(gateway, write).await
                    }
                    Err(reason) => {
                        tracing::warn!(%reason, key = %write.key, "could not look for an earlier attempt");
                        if let Err(error) = gateway.store.mark_unknown(&write.scope, &write.key) {
                            tracing::error!(%error, "idempotency store");
                        }
                        return with_retry_after(
                            error_response(
                                StatusCode::BAD_GATEWAY,
                                "The gateway could not check whether an earlier attempt arrived. Try again in a moment; nothing you typed is lost.",
                            ),
                            5,
                        );
                    }
                }
            }
            forward(gateway, write).await
        }
    }
}

fn replay(answer: &StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body.clone()).into_response();
    if let Some(content_type) = answer
        .content_type
        .as_deref()
        .and_then(|text| HeaderValue::from_str(text).ok())
    {
        response.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    response
}

fn pass_back(answer: &UpstreamAnswer) -> Response {
    let mut response = (answer.status, answer.body.clone()).into_response();
    let headers = response.headers_mut();
    if let Some(content_type) = &answer.content_type {
        headers.insert(CONTENT_TYPE, content_type.clone());
    }
    if let Some(retry_after) = &answer.retry_after {
        headers.insert(RETRY_AFTER, retry_after.clone());
    }
    response
}

fn no_answer_response(outcome_unknown: bool) -> Response {
    if outcome_unknown {
        error_response(
            StatusCode::GATEWAY_TIMEOUT,
            "The organisation's records system did not answer. Try again: the gateway makes sure nothing is made twice.",
        )
    } else {
        with_retry_after(
            error_response(
                StatusCode::BAD_GATEWAY,
                "The organisation's records system cannot be reached. Try again in a moment; nothing was sent.",
            ),
            5,
        )
    }
}
