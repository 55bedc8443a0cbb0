//! `/gateway/...` on the sandbox's origin is the organisation's gateway,
//! as a deployment's reverse proxy would put it beside the static files:
//! every request under it goes, as it came, to the real `intake-gateway`
//! (`--gateway ADDRESS`, or `POST /__admin/gateway` once one runs), which
//! then calls the vendor routes here like any server would. The sandbox
//! adds nothing but `X-Forwarded-For`; it decides nothing.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

use crate::AppState;

pub const GATEWAY_PREFIX: &str = "/gateway";

/// Whether `path` is under [`GATEWAY_PREFIX`], segment by segment.
pub fn is_gateway_path(path: &str) -> bool {
    path.strip_prefix(GATEWAY_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn unavailable(message: &str) -> Response {
    (StatusCode::BAD_GATEWAY, Json(json!({ "message": message }))).into_response()
}

/// Middleware around everything: passes `/gateway/...` on to the gateway.
pub async fn pass_to_gateway(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !is_gateway_path(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(address) = state.gateway_address() else {
        return unavailable(
            "No gateway runs beside this sandbox: start intake-gateway (cargo xtask run does) and give its address with --gateway.",
        );
    };
    // The browser's address, for the gateway's per-client limits.
    if let Some(peer) = request.extensions().get::<PeerAddress>() {
        if let Ok(value) = HeaderValue::from_str(&peer.0.ip().to_string()) {
            request.headers_mut().append("x-forwarded-for", value);
        }
    }
    match send(address, request).await {
        Ok(response) => response,
        Err(reason) => unavailable(&format!(
            "The gateway at {address} did not answer: {reason}"
        )),
    }
}

/// The connection's peer, put on each request by the server loop.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddress(pub SocketAddr);

async fn send(address: SocketAddr, request: Request) -> Result<Response, String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| error.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| error.to_string())?;
    tokio::spawn(async move {
        // The connection ends with the exchange; its errors reach the sender.
        let _ = connection.await;
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| error.to_string())?;
    Ok(response.map(Body::new))
}
