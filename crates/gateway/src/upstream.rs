//! The one module that talks to vendors. Redirects are not followed (a
//! redirect could carry the credential elsewhere), and each request has
//! the configuration's timeout, connection included.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// A vendor's answer, with the headers the browser may see.
#[derive(Debug)]
pub struct UpstreamAnswer {
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub retry_after: Option<HeaderValue>,
    pub body: Bytes,
}

/// Why no answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No connection was made: nothing reached the vendor.
    Unreachable,
    /// The request went (or may have gone) and no whole answer came back.
    NoAnswer,
    /// No answer within the timeout.
    TimedOut,
}

impl UpstreamFailure {
    /// Whether the vendor may have acted on the request.
    pub fn outcome_unknown(self) -> bool {
        !matches!(self, UpstreamFailure::Unreachable)
    }
}

#[derive(Clone)]
pub struct Upstream {
    client: reqwest::Client,
}

impl Upstream {
    pub fn new(timeout: Duration) -> Result<Upstream, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("intake-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Upstream { client })
    }

    /// Sends one request; `headers` are all it carries besides the body.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: Bytes,
    ) -> Result<UpstreamAnswer, UpstreamFailure> {
        let mut header_map = HeaderMap::new();
        for (name, value) in headers {
            header_map.insert(name, value);
        }
        let mut request = self.client.request(method, url).headers(header_map);
        if !body.is_empty() {
            request = request.body(body);
        }
        let answer = request.send().await.map_err(classify)?;
        let status = answer.status();
        let content_type = answer.headers().get("content-type").cloned();
        let retry_after = answer.headers().get("retry-after").cloned();
        let body = answer.bytes().await.map_err(classify)?;
        Ok(UpstreamAnswer {
            status,
            content_type,
            retry_after,
            body,
        })
    }
}

fn classify(error: reqwest::Error) -> UpstreamFailure {
    if error.is_timeout() {
        UpstreamFailure::TimedOut
    } else if error.is_connect() {
        UpstreamFailure::Unreachable
    } else {
        UpstreamFailure::NoAnswer
    }
}
