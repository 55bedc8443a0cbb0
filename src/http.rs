//! The one module that talks HTTP. Every failure becomes a message a person
//! can act on.

use std::fmt;

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer at all: offline, blocked by CORS, or the server is down.
    Network { url: String },
    /// The server answered with an error status.
    Status { url: String, status: u16 },
    /// The answer's body could not be read as text.
    Body { url: String },
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
        }
    }
}

/// GETs `url` and returns its body as text.
pub async fn get_text(url: &str) -> Result<String, FetchError> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|_| FetchError::Network {
            url: url.to_string(),
        })?;
    if !response.ok() {
        return Err(FetchError::Status {
            url: url.to_string(),
            status: response.status(),
        });
    }
    response.text().await.map_err(|_| FetchError::Body {
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
    use gloo_net::http::{Method, RequestBuilder};
    use intake_engine::targets::{RequestBody, Response};
    let method = match request.method.as_str() {
        "GET" => Method::GET,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => Method::POST,
    };
    let mut builder = RequestBuilder::new(url).method(method);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(token) = credential {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let built = match &request.body {
        Some(RequestBody::Json(value)) => builder.body(crate::json::stringify(value)),
        Some(RequestBody::Form(text)) => builder.body(text.clone()),
        None => builder.build(),
    };
    let Ok(built) = built else {
        return Response::default();
    };
    let Ok(answer) = built.send().await else {
        return Response::default();
    };
    let status = answer.status();
    let retry_after = answer.headers().get("retry-after");
    match answer.text().await {
        Ok(body) => Response {
            status: Some(status),
            retry_after,
            body: crate::json::answer_body(&body),
        },
        Err(_) => Response::default(),
    }
}

/// GETs JSON from an API with the credential; the answer's status and body
/// as they came, or no status when the connection failed.
pub async fn get_with_credential(
    url: &str,
    credential: Option<&str>,
) -> intake_engine::targets::Response {
    let request = intake_engine::targets::PlannedRequest {
        label: String::new(),
        method: "GET".into(),
        url: url.to_string(),
        headers: vec![("Accept".into(), "application/json".into())],
        body: None,
        conflict_means_done: false,
        capture_id: None,
        error_prefixes: Vec::new(),
        needs_captured_id: false,
    };
    send(&request, url, credential).await
}
