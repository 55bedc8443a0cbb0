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
