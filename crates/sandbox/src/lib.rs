//! `intake-sandbox`: a local stand-in for the five vendor APIs the intake app submits to,
//! over real HTTP with real storage, plus the built app and the demo forms on the same origin.
//!
//! Architecture: one module per target maps the vendor's routes and semantics onto the
//! shared [`store`]; [`auth`], [`faults`], [`idempotency`] and [`cors`] are middleware
//! around all of them; [`static_files`] answers everything that is not an API path. The
//! server loop is our own (not `axum::serve`) because the `drop` fault has to close a
//! connection without answering.

pub mod admin;
pub mod auth;
pub mod body;
pub mod casebook;
pub mod caspen;
pub mod charity_crm;
pub mod config;
pub mod cors;
pub mod dates;
pub mod error;
pub mod faults;
pub mod gateway_proxy;
pub mod idempotency;
pub mod persons_v1;
pub mod rate_limit;
pub mod static_files;
pub mod store;
pub mod target;
pub mod unite_us;
pub mod unite_us_forms;
pub mod unite_us_people;
pub mod validate;
pub mod vendor_fields;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower_service::Service;

pub use config::{Config, Invocation};
pub use store::{Store, StoreError};
pub use target::Target;

use crate::faults::{ConnectionKiller, FaultBoard};
use crate::idempotency::InFlight;
use crate::rate_limit::RateLimiter;
use crate::vendor_fields::DroppedLog;

/// Everything a handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub faults: Arc<FaultBoard>,
    pub caspen_rate_limiter: Arc<RateLimiter>,
    /// Idempotency keys whose first request is still running.
    pub idempotency_in_flight: Arc<InFlight>,
    /// The targets whose writes are replayed by their `Idempotency-Key` now
    /// (the configuration's list, changed by `POST /__admin/idempotency`).
    pub honoured_keys: Arc<std::sync::Mutex<Vec<Target>>>,
    /// Fields accepted writes carried that their vendor's document does not list.
    pub dropped: Arc<DroppedLog>,
    /// The key charity_crm verifies a service account's signed tokens with.
    pub charity_key: Option<Arc<jsonwebtoken::DecodingKey>>,
    /// Where the organisation's gateway listens, once one runs.
    pub gateway: Arc<std::sync::Mutex<Option<SocketAddr>>>,
    pub config: Arc<Config>,
}

/// Why the sandbox could not start.
#[derive(Debug)]
pub enum StartError {
    Store(StoreError),
    Bind { port: u16, source: std::io::Error },
    Runtime(std::io::Error),
    ThreadEnded,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Store(error) => write!(formatter, "cannot open the store: {error}"),
            StartError::Bind { port, source } => {
                write!(formatter, "cannot listen on 127.0.0.1:{port}: {source}")
            }
            StartError::Runtime(error) => {
                write!(formatter, "cannot start the async runtime: {error}")
            }
            StartError::ThreadEnded => {
                write!(formatter, "the server thread ended before it was ready")
            }
        }
    }
}

impl std::error::Error for StartError {}

/// The seed of every target: what a new data directory and `POST /__admin/reset` start from.
pub fn seed_records() -> Vec<store::SeedRecord> {
    let mut seed = Vec::new();
    seed.extend(casebook::seed_records());
    seed.extend(persons_v1::seed_records());
    seed.extend(charity_crm::seed_records());
    seed.extend(caspen::seed_records());
    seed.extend(unite_us::seed_records());
    seed
}

impl AppState {
    /// Whether `target`'s writes are replayed by their `Idempotency-Key` now.
    pub fn honours_keys(&self, target: Target) -> bool {
        match self.honoured_keys.lock() {
            Ok(targets) => targets.contains(&target),
            Err(poisoned) => poisoned.into_inner().contains(&target),
        }
    }

    /// Where the gateway listens, if one runs.
    pub fn gateway_address(&self) -> Option<SocketAddr> {
        match self.gateway.lock() {
            Ok(address) => *address,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Passes `/gateway/...` to `address` from now on.
    pub fn use_gateway(&self, address: SocketAddr) {
        match self.gateway.lock() {
            Ok(mut gateway) => *gateway = Some(address),
            Err(poisoned) => *poisoned.into_inner() = Some(address),
        }
    }

    /// Replays writes by their key for exactly `targets` from now on.
    pub fn honour_keys_for(&self, targets: Vec<Target>) {
        match self.honoured_keys.lock() {
            Ok(mut honoured) => *honoured = targets,
            Err(poisoned) => *poisoned.into_inner() = targets,
        }
    }

    pub fn new(config: Config) -> Result<AppState, StoreError> {
        let store = Store::open(&config.data_dir, seed_records())?;
        Ok(AppState {
            store: Arc::new(store),
            faults: Arc::new(FaultBoard::default()),
            caspen_rate_limiter: Arc::new(RateLimiter::new(config.caspen_rate_limit)),
            idempotency_in_flight: Arc::new(InFlight::default()),
            dropped: Arc::new(DroppedLog::default()),
            gateway: Arc::new(std::sync::Mutex::new(config.gateway)),
            charity_key: auth::read_charity_key(&config.charity_public_key).map(Arc::new),
            honoured_keys: Arc::new(std::sync::Mutex::new(
                config.honour_idempotency_keys.clone(),
            )),
            config: Arc::new(config),
        })
    }
}

/// The whole application: vendor routes, admin routes, static files, and the middleware around them.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(casebook::routes())
        .merge(persons_v1::routes())
        .merge(charity_crm::routes())
        .merge(caspen::routes())
        .merge(unite_us::routes())
        .merge(admin::routes())
        .fallback(static_files::serve)
        .layer(from_fn_with_state(
            state.clone(),
            vendor_fields::record_undocumented,
        ))
        // Layers run outside-in from the last added: faults first, then credentials, then
        // idempotency keys, then the check against the documents, then the handler, so an injected fault happens whatever the token,
        // a real 401 still needs a real request, a replay needs the right token, and the `drop`
        // and `malformed_json` faults (which let the handler run) still remember the answer.
        .layer(from_fn_with_state(
            state.clone(),
            idempotency::replay_or_remember,
        ))
        .layer(from_fn_with_state(state.clone(), auth::require_credentials))
        .layer(from_fn_with_state(state.clone(), faults::apply_faults))
        .with_state(state.clone());
    // CORS wraps everything, routing included, so preflights never meet a 405 or a 401;
    // it leaves `/__admin` alone, which answers same-origin requests only (see admin.rs).
    // Inside it, the request size limit reads every body before anything else does (the
    // gateway and the idempotency layer included), and refuses one that is too big with
    // CORS headers a browser can read. `/gateway/...` is the real gateway's, passed on
    // before any of it (the gateway answers its own CORS and limits).
    Router::new()
        .fallback_service(routes)
        .layer(from_fn(body::limit_request_body))
        .layer(from_fn(cors::allow_any_origin))
        .layer(from_fn_with_state(state, gateway_proxy::pass_to_gateway))
}

/// Opens the store and binds 127.0.0.1:PORT; the caller prints the listening line and calls [`serve`].
pub async fn bind(config: Config) -> Result<(TcpListener, AppState), StartError> {
    let port = config.port;
    unite_us_forms::warn_about_unusable_forms(&config.forms_dir);
    let state = AppState::new(config).map_err(StartError::Store)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|source| StartError::Bind { port, source })?;
    Ok((listener, state))
}

/// The line scripts and tests wait for.
pub fn listening_line(address: SocketAddr) -> String {
    format!("intake-sandbox listening on http://{address}")
}

/// Serves HTTP/1.1 connections until the listener fails for good.
///
/// Each connection gets a [`ConnectionKiller`]; the `drop` fault notifies it and the
/// connection is then dropped mid-request, which closes the socket without an answer.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let app = app(state);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Running out of file descriptors is passing; back off instead of spinning or quitting.
                eprintln!("intake-sandbox: accept failed: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let killer = Arc::new(Notify::new());
            let killer_for_requests = Arc::clone(&killer);
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request
                        .extensions_mut()
                        .insert(ConnectionKiller(Arc::clone(&killer_for_requests)));
                    request
                        .extensions_mut()
                        .insert(gateway_proxy::PeerAddress(peer));
                    let mut app = app.clone();
                    async move { app.call(request.map(axum::body::Body::new)).await }
                },
            );
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                // Connection errors are the client's business (it hung up, sent garbage); nothing to report.
                _finished = connection => {}
                () = killer.notified() => {}
            }
        });
    }
}

/// A sandbox running on its own thread and runtime, for tests and tools that want one in-process.
/// Dropping it stops the server.
pub struct BackgroundServer {
    address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundServer {
    /// Starts the sandbox and returns once it is listening.
    pub fn start(config: Config) -> Result<BackgroundServer, StartError> {
        let (ready_sender, ready_receiver) = std::sync::mpsc::channel();
        let (shutdown_sender, shutdown_receiver) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_sender.send(Err(StartError::Runtime(error)));
                    return;
                }
            };
            runtime.block_on(async move {
                let (listener, state) = match bind(config).await {
                    Ok(bound) => bound,
                    Err(error) => {
                        let _ = ready_sender.send(Err(error));
                        return;
                    }
                };
                let address = match listener.local_addr() {
                    Ok(address) => address,
                    Err(error) => {
                        let _ = ready_sender.send(Err(StartError::Runtime(error)));
                        return;
                    }
                };
                let _ = ready_sender.send(Ok(address));
                tokio::select! {
                    result = serve(listener, state) => {
                        if let Err(error) = result {
                            eprintln!("intake-sandbox: server stopped: {error}");
                        }
                    }
                    _ = shutdown_receiver => {}
                }
            });
        });
        let address = ready_receiver
            .recv()
            .map_err(|_| StartError::ThreadEnded)??;
        Ok(BackgroundServer {
            address,
            shutdown: Some(shutdown_sender),
            thread: Some(thread),
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
