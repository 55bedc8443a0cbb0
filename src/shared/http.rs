//! The one module that talks HTTP. Every failure becomes a message a person
//! can act on.
//!
//! The pages that send (the widget and staff intake) first say which
//! origins their deployment allows ([`allow_only`]): this site's own and
//! those its configuration names. From then on a request to any other
//! origin is refused here, before the browser is asked, whatever a URL, a
//! definition or a server answer says; the Content-Security-Policy the
//! build ships refuses the same requests again in the browser.

use std::cell::RefCell;
use std::fmt;

thread_local! {
    /// The origins requests may go to; `None` until a page restricts them
    /// (the authors' preview, which sends nothing, reads definitions from
    /// any origin that allows it).
    static ALLOWED_ORIGINS: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// This page's own origin (`https://intake.example.org`).
fn page_origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

/// The origin `url` resolves to from this page, as the browser resolves it
/// (so `/\evil.example` counts as the other site it is).
fn origin_of(url: &str) -> Option<String> {
    web_sys::Url::new_with_base(url, &page_origin())
        .ok()
        .map(|parsed| parsed.origin())
}

/// From now on, requests go only to this page's origin and `origins`.
pub fn allow_only(origins: &[String]) {
    let mut allowed = vec![page_origin()];
    allowed.extend(origins.iter().cloned());
    ALLOWED_ORIGINS.with(|cell| *cell.borrow_mut() = Some(allowed));
}

/// Whether a request to `url` may leave this page.
fn allowed(url: &str) -> bool {
    ALLOWED_ORIGINS.with(|cell| match &*cell.borrow() {
        None => true,
        Some(allowed) => origin_of(url).is_some_and(|origin| allowed.contains(&origin)),
    })
}

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer at all: offline, blocked by CORS, or the server is down.
    Network { url: String },
    /// The server answered with an error status.
    Status { url: String, status: u16 },
    /// The answer's body could not be read as text.
    Body { url: String },
    /// The address is on a site this deployment does not send to; nothing
    /// was requested.
    NotAllowed { url: String },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Network { url } => write!(
                f,
                "Could not reach {url}. Check your connection; if the file is on another site, that site must allow cross-origin requests (CORS)."
            ),
            FetchError::Status { url, status: 404 } => write!(f, "{url} was not found (HTTP 404). Check the address."),
            FetchError::Status { url, status } => write!(f, "{url} answered with an error (HTTP {status}). Try again later."),
            FetchError::Body { url } => write!(f, "The answer from {url} could not be read."),
            FetchError::NotAllowed { url } => write!(f, "{url} is on a site this organisation's configuration does not name, so nothing was requested from it."),
        }
    }
}

/// The browser's `fetch`, awaited: the answer, or `None` when there was
/// none (offline, refused by CORS, the server down).
async fn fetch(request: &web_sys::Request) -> Option<web_sys::Response> {
    let window = web_sys::window()?;
    let answer = wasm_bindgen_futures::JsFuture::from(window.fetch_with_request(request))
        .await
        .ok()?;
    wasm_bindgen::JsCast::dyn_into(answer).ok()
}

/// The answer's body as text, or `None` when it was cut off.
async fn body_text(answer: &web_sys::Response) -> Option<String> {
    let text = answer.text().ok()?;
    wasm_bindgen_futures::JsFuture::from(text)
        .await
        .ok()?
        .as_string()
}

/// GETs `url` and returns its body as text.
pub async fn get_text(url: &str) -> Result<String, FetchError> {
    let network = || FetchError::Network {
        url: url.to_string(),
    };
    if !allowed(url) {
        return Err(FetchError::NotAllowed {
            url: url.to_string(),
        });
    }
    let request = web_sys::Request::new_with_str(url).map_err(|_| network())?;
    let answer = fetch(&request).await.ok_or_else(network)?;
    if !answer.ok() {
        return Err(FetchError::Status {
            url: url.to_string(),
            status: answer.status(),
        });
    }
    body_text(&answer).await.ok_or_else(|| FetchError::Body {
        url: url.to_string(),
    })
}

/// Sends one planned request, adding the credential (kept in memory, never
/// in the plan) as a bearer token. A failure to connect, or an answer cut
/// off before its body could be read, comes back without a status: the
/// caller cannot know whether the write happened and must retry safely.
pub async fn send(
    request: &intake_engine::targets::PlannedRequest,
    url: &str,
    credential: Option<&str>,
) -> intake_engine::targets::Response {
    use intake_engine::targets::RequestBody;
    let body = match &request.body {
        Some(RequestBody::Json(value)) => Some(intake_engine::json::to_text(value)),
        Some(RequestBody::Form(text)) => Some(text.clone()),
        None => None,
    };
    exchange(request, body, url, credential).await
}

/// One request and its answer; the body is already written. Reads (which
/// have none) come here directly, so the first load of the widget, which
/// only reads, holds no JSON writer.
async fn exchange(
    request: &intake_engine::targets::PlannedRequest,
    body: Option<String>,
    url: &str,
    credential: Option<&str>,
) -> intake_engine::targets::Response {
    use intake_engine::targets::Response;
    let Some(built) = build_request(request, body, url, credential) else {
        return Response::default();
    };
    let Some(answer) = fetch(&built).await else {
        return Response::default();
    };
    let status = answer.status();
    let retry_after = answer.headers().get("retry-after").ok().flatten();
    match body_text(&answer).await {
        Some(body) => Response {
            status: Some(status),
            retry_after,
            body: intake_engine::targets::AnswerBody::from_text(&body),
        },
        None => Response::default(),
    }
}

/// The browser request for a planned one: its method, headers, body and
/// the bearer token.
fn build_request(
    request: &intake_engine::targets::PlannedRequest,
    body: Option<String>,
    url: &str,
    credential: Option<&str>,
) -> Option<web_sys::Request> {
    // Refused before the browser is asked: the answer reads as no answer,
    // so nothing is marked sent.
    if !allowed(url) {
        return None;
    }
    let headers = web_sys::Headers::new().ok()?;
    for (name, value) in &request.headers {
        headers.append(name, value).ok()?;
    }
    if let Some(token) = credential {
        headers
            .append("Authorization", &format!("Bearer {token}"))
            .ok()?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(match request.method.as_str() {
        "GET" | "PUT" | "PATCH" | "DELETE" => request.method.as_str(),
        _ => "POST",
    });
    init.set_headers(&headers);
    // A redirect could carry the body to a place the deployment did not
    // name; an API that redirects a write is treated as unreachable.
    init.set_redirect(web_sys::RequestRedirect::Error);
    if let Some(body) = body {
        init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    }
    web_sys::Request::new_with_str_and_init(url, &init).ok()
}

/// GETs JSON from an API with the credential; the answer's status and body
/// as they came, or no status when the connection failed.
pub async fn get_with_credential(
    url: &str,
    credential: Option<&str>,
) -> intake_engine::targets::Response {
    let request = intake_engine::targets::PlannedRequest {
        label: String::new(),
        method: intake_engine::targets::HttpMethod::Get,
        url: url.to_string(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: None,
        conflict_means_done: false,
        capture_id: None,
        error_prefixes: Vec::new(),
        needs_captured_id: false,
    };
    exchange(&request, None, url, credential).await
}
