//! The gateway on the host, between a real HTTP client and a stub vendor:
//! what the public may do, what reaches the vendor, and that every keyed
//! create is made once.
//!
//! Each test starts its own stub upstream (axum on 127.0.0.1:0, recording
//! every request it receives and answering as the test says) and its own
//! gateway (settings parsed from TOML written into a temporary folder, an
//! in-memory key store, `intake_gateway::serve` on 127.0.0.1:0).
//!
//! That the log never holds a token, a body or an answer is checked end to
//! end (`tests/e2e/gateway.test.mjs` greps the gateway's captured log).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use intake_engine::targets::{plan, RequestBody, SubmissionInput, TargetConfig};
use intake_gateway::idempotency::SqliteStore;
use intake_gateway::settings::Settings;
use intake_gateway::Gateway;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ------------------------------------------------------------ the stub vendor

/// One request the stub vendor received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the stub received JSON")
    }
}

/// How the stub vendor answers one request.
enum Reply {
    Answer {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
        delay: Duration,
    },
    /// Close the connection without answering, after the request was read
    /// (the vendor may have acted on it).
    Drop,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply::Answer {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    fn after(mut self, wait: Duration) -> Reply {
        if let Reply::Answer { delay, .. } = &mut self {
            *delay = wait;
        }
        self
    }

    fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Reply::Answer { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }
}

/// Decides the answer to a request, given it and every request so far (it
/// included, last).
type Responder = dyn Fn(&Seen, &[Seen]) -> Reply + Send + Sync;

struct StubState {
    seen: Mutex<Vec<Seen>>,
    responder: Box<Responder>,
}

struct Stub {
    /// `http://127.0.0.1:PORT`.
    base: String,
    state: Arc<StubState>,
}

impl Stub {
    async fn start(responder: impl Fn(&Seen, &[Seen]) -> Reply + Send + Sync + 'static) -> Stub {
        let state = Arc::new(StubState {
            seen: Mutex::new(Vec::new()),
            responder: Box::new(responder),
        });
        let app = Router::new()
            .fallback(stub_handler)
            .with_state(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Stub {
            base: format!("http://{address}"),
            state,
        }
    }

    /// A vendor that makes every create: 201 `{"id":"cli_1"}`.
    async fn creating() -> Stub {
        Stub::start(|_, _| Reply::json(201, json!({"id": "cli_1"}))).await
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    fn count(&self, method: &str) -> usize {
        self.seen()
            .iter()
            .filter(|seen| seen.method == method)
            .count()
    }
}

async fn stub_handler(State(state): State<Arc<StubState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body: to_bytes(body, usize::MAX).await.unwrap_or_default(),
    };
    let reply = {
        let mut all = state.seen.lock().unwrap();
        all.push(seen.clone());
        (state.responder)(&seen, &all)
    };
    match reply {
        Reply::Answer {
            status,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let mut response =
                (StatusCode::from_u16(status).unwrap(), Body::from(body)).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        // Unwinding out of the handler ends the connection's task, so the
        // socket closes with no answer. `resume_unwind` skips the panic hook:
        // nothing is printed, and the test does not fail (the task is the
        // stub server's, not the test's).
        Reply::Drop => std::panic::resume_unwind(Box::new("the stub drops the connection")),
    }
}

// ---------------------------------------------------------------- the gateway

const ORIGIN: &str = "https://help.example.org";
const CREATE: &str = "/gateway/caspen/v1/clients";
const CASPEN_CONFIG: &str =
    r#"{"target":"caspen","mode":"widget","base_url":"/gateway/caspen/v1","auth":"none"}"#;
const CASPEN_TOKEN: &str = "caspen-token-from-the-file";
const CHARITY_CONFIG: &str = r#"{"target":"charity_crm","mode":"widget","base_url":"/gateway/charity_crm/api/v1","auth":"none"}"#;
const REFERENCE: &str = "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6f";

/// Limits that no test meets by accident.
const GENEROUS: &str =
    "upstream_timeout_seconds = 5\npublic_requests_per_minute = 10000\npublic_burst = 1000";

/// A running gateway, and the folder its settings' files are in.
struct Running {
    address: SocketAddr,
    _folder: TempDir,
}

fn folder_with(files: &[(&str, &str)]) -> TempDir {
    let folder = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(folder.path().join(name), text).unwrap();
    }
    folder
}

async fn start(folder: TempDir, settings: &str) -> Running {
    let settings = match Settings::parse(settings, folder.path()) {
        Ok(settings) => settings,
        Err(error) => panic!("the test's settings are refused: {error}"),
    };
    let gateway = Gateway::new(settings, Arc::new(SqliteStore::in_memory().unwrap())).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(intake_gateway::serve(
        listener,
        Arc::new(gateway),
        std::future::pending(),
    ));
    Running {
        address,
        _folder: folder,
    }
}

/// Settings for the Caspen widget's route, to a vendor at `vendor`
/// (`http://127.0.0.1:PORT`).
fn caspen_settings(vendor: &str, limits: &str) -> String {
    format!(
        r#"
[limits]
{limits}

[[public]]
configuration = "caspen.json"
upstream = "{vendor}/caspen/v1"
allowed_origins = ["{ORIGIN}"]
credential = {{ bearer_token_file = "caspen-token" }}
"#,
    )
}

fn caspen_folder() -> TempDir {
    folder_with(&[
        ("caspen.json", CASPEN_CONFIG),
        ("caspen-token", &format!("{CASPEN_TOKEN}\n")),
    ])
}

async fn caspen_gateway(stub: &Stub) -> Running {
    caspen_gateway_with(stub, GENEROUS).await
}

async fn caspen_gateway_with(stub: &Stub, limits: &str) -> Running {
    start(caspen_folder(), &caspen_settings(&stub.base, limits)).await
}

/// The body and headers of the first request the widget under `config`
/// plans for a submission of `reference` with no answers.
fn widget_create(config: &str, reference: &str) -> (Vec<(String, String)>, Value) {
    let config = TargetConfig::from_json_str(config).unwrap();
    let input = SubmissionInput {
        reference: reference.into(),
        form_id: "form".into(),
        ..SubmissionInput::default()
    };
    let step = plan(&config, &input).steps.into_iter().next().unwrap();
    let Some(RequestBody::Json(body)) = step.body else {
        panic!("the widget's create is not JSON");
    };
    (step.headers, body)
}

/// A Caspen create as the widget makes it, with a first and last name.
fn caspen_body(reference: &str) -> String {
    let (_, mut body) = widget_create(CASPEN_CONFIG, reference);
    body["first_name"] = json!("Ada");
    body["last_name"] = json!("Byron");
    body.to_string()
}

/// A charity_crm create as the widget makes it, with a last name.
fn charity_body(reference: &str) -> String {
    let (_, mut body) = widget_create(CHARITY_CONFIG, reference);
    body["name"] = json!({"firstName": "Ada", "lastName": "Byron"});
    body.to_string()
}

// ----------------------------------------------------------------- the client

/// An answer from the gateway, read whole.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The `message` of a gateway's own error answer.
    fn message(&self) -> String {
        match self.json().get("message").and_then(Value::as_str) {
            Some(message) if !message.is_empty() => message.to_string(),
            _ => panic!(
                "{} has no JSON message: {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            ),
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.unwrap(),
    }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A POST to `path` as the widget on the allowed origin sends it.
    fn post(&self, path: &str, key: &str, body: &str) -> reqwest::RequestBuilder {
        client()
            .post(self.url(path))
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("idempotency-key", key)
            .body(body.to_string())
    }

    async fn create(&self, key: &str, body: &str) -> Answer {
        send(self.post(CREATE, key, body)).await
    }

    /// Sends `head` (request line and headers, each line ending in CRLF,
    /// without the blank line) and `body` over a plain socket, for request
    /// targets an HTTP client would tidy (`/./`, `/../`).
    async fn raw(&self, head: &str, body: &str) -> Answer {
        let mut stream = TcpStream::connect(self.address).await.unwrap();
        let request = format!(
            "{head}Host: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        parse_answer(&answer)
    }
}

/// Reads an HTTP/1.1 answer whose body is whole (the gateway's own answers
/// carry a Content-Length).
fn parse_answer(bytes: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            axum::http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            value.trim().parse().unwrap(),
        );
    }
    Answer {
        status,
        headers,
        body: Bytes::from(body.to_string()),
    }
}

// ---------------------------------------------------------- 1. exactly once

#[tokio::test]
async fn a_repeated_create_gets_the_stored_answer_without_a_second_upstream_call() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);
    // Exactly the headers the widget plans (Accept, Content-Type and its
    // Idempotency-Key, `<reference>-1`).
    let (headers, _) = widget_create(CASPEN_CONFIG, REFERENCE);
    let widget_send = || {
        let mut request = client()
            .post(gateway.url(CREATE))
            .header("origin", ORIGIN)
            .body(body.clone());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        request
    };
    assert!(headers
        .iter()
        .any(|(name, value)| name == "Idempotency-Key" && *value == format!("{REFERENCE}-1")));

    let first = send(widget_send()).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.json(), json!({"id": "cli_1"}));
    assert_eq!(first.header("content-type"), Some("application/json"));

    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/caspen/v1/clients");
    assert_eq!(seen[0].query, None);
    assert_eq!(seen[0].body, body.as_bytes(), "the body goes as sent");
    assert_eq!(seen[0].header("content-type"), Some("application/json"));

    let again = send(widget_send()).await;
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("content-type"), Some("application/json"));
    assert_eq!(stub.seen().len(), 1, "the repeat never reached the vendor");

    // Another key is another create.
    let other = gateway
        .create(
            "another-key",
            &caspen_body("6a1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8"),
        )
        .await;
    assert_eq!(other.status, 201);
    assert_eq!(stub.count("POST"), 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_with_422_and_not_sent() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    assert_eq!(
        gateway
            .create(REFERENCE, &caspen_body(REFERENCE))
            .await
            .status,
        201
    );
    let mut changed: Value = serde_json::from_str(&caspen_body(REFERENCE)).unwrap();
    changed["first_name"] = json!("Augusta");

    let answer = gateway.create(REFERENCE, &changed.to_string()).await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.message().contains("Idempotency-Key"),
        "{}",
        answer.message()
    );
    assert_eq!(stub.count("POST"), 1);
}

#[tokio::test]
async fn concurrent_repeats_of_a_slow_create_go_upstream_once_and_share_its_answer() {
    let stub = Stub::start(|_, _| {
        Reply::json(201, json!({"id": "cli_1"})).after(Duration::from_millis(500))
    })
    .await;
    let gateway = Arc::new(caspen_gateway(&stub).await);
    let body = caspen_body(REFERENCE);

    let mut repeats = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let gateway = Arc::clone(&gateway);
        let body = body.clone();
        repeats.spawn(async move { gateway.create(REFERENCE, &body).await });
    }
    let answers = repeats.join_all().await;

    assert_eq!(stub.count("POST"), 1, "one create reached the vendor");
    for answer in &answers {
        assert_eq!(answer.status, 201, "{answer:?}");
        assert_eq!(answer.json(), json!({"id": "cli_1"}));
    }
}

#[tokio::test]
async fn a_create_whose_browser_went_away_mid_flight_is_still_kept_under_its_key() {
    // The vendor makes the record, slowly; its list would not show it, so
    // only a kept answer avoids a second record.
    let stub = Stub::start(|request, all| match request.method.as_str() {
        "POST" => Reply::json(201, json!({"id": format!("cli_{}", all.len())}))
            .after(Duration::from_millis(600)),
        _ => Reply::json(200, json!({"data": [], "links": {"next": null}})),
    })
    .await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);

    // The phone's connection drops while the gateway waits for the vendor.
    let mut phone = TcpStream::connect(gateway.address).await.unwrap();
    let request = format!(
        "POST {CREATE} HTTP/1.1\r\nHost: {}\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\nIdempotency-Key: {REFERENCE}\r\nContent-Length: {}\r\n\r\n{body}",
        gateway.address,
        body.len()
    );
    phone.write_all(request.as_bytes()).await.unwrap();
    let waiting = Instant::now();
    while stub.count("POST") == 0 {
        assert!(waiting.elapsed() < Duration::from_secs(5), "never sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(phone);

    // The widget sends the same create again: it waits for the first to
    // finish and gets its answer.
    let again = gateway.create(REFERENCE, &body).await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.json(), json!({"id": "cli_1"}));
    assert_eq!(stub.count("POST"), 1, "{:?}", stub.seen());
}

// ------------------------------------------------------- 4. creates only

#[tokio::test]
async fn the_public_may_not_read_search_update_delete_or_use_another_path() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);
    let with = |request: reqwest::RequestBuilder| {
        request
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .header("idempotency-key", REFERENCE)
    };
    let c = client();
    let requests = vec![
        ("GET the create path", with(c.get(gateway.url(CREATE)))),
        (
            "a search",
            with(c.get(gateway.url("/gateway/caspen/v1/clients?limit=100"))),
        ),
        (
            "a read",
            with(c.get(gateway.url("/gateway/caspen/v1/clients/cli_1"))),
        ),
        (
            "an update by POST",
            with(c.post(gateway.url("/gateway/caspen/v1/clients/cli_1"))).body(body.clone()),
        ),
        (
            "PATCH",
            with(c.patch(gateway.url("/gateway/caspen/v1/clients/cli_1"))).body(body.clone()),
        ),
        (
            "PUT",
            with(c.put(gateway.url("/gateway/caspen/v1/clients/cli_1"))).body(body.clone()),
        ),
        (
            "PATCH on the create path",
            with(c.patch(gateway.url(CREATE))).body(body.clone()),
        ),
        (
            "DELETE",
            with(c.delete(gateway.url("/gateway/caspen/v1/clients/cli_1"))),
        ),
        (
            "a trailing slash",
            with(c.post(gateway.url("/gateway/caspen/v1/clients/"))).body(body.clone()),
        ),
        (
            "an escaped letter",
            with(c.post(gateway.url("/gateway/caspen/v1/%63lients"))).body(body.clone()),
        ),
        (
            "the prefix itself",
            with(c.post(gateway.url("/gateway/caspen/v1"))).body(body.clone()),
        ),
        (
            "another path under the prefix",
            with(c.post(gateway.url("/gateway/caspen/v1/cases"))).body(body.clone()),
        ),
        (
            "X-HTTP-Method-Override",
            with(c.post(gateway.url(CREATE)))
                .header("x-http-method-override", "GET")
                .body(body.clone()),
        ),
        (
            "X-HTTP-Method",
            with(c.post(gateway.url(CREATE)))
                .header("x-http-method", "DELETE")
                .body(body.clone()),
        ),
        (
            "X-Method-Override",
            with(c.post(gateway.url(CREATE)))
                .header("x-method-override", "PATCH")
                .body(body.clone()),
        ),
        (
            "a query string",
            with(c.post(gateway.url("/gateway/caspen/v1/clients?limit=100"))).body(body.clone()),
        ),
        (
            "OPTIONS that is no preflight",
            with(c.request(reqwest::Method::OPTIONS, gateway.url(CREATE))),
        ),
    ];
    for (what, request) in requests {
        let answer = send(request).await;
        assert_eq!(answer.status, 403, "{what}: {answer:?}");
        assert!(answer.message().contains("create"), "{what}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ORIGIN),
            "{what}: the widget can read the refusal"
        );
    }
    let head = send(with(c.head(gateway.url(CREATE)))).await;
    assert_eq!(head.status, 403, "HEAD");

    // Request targets an HTTP client would tidy before sending.
    for target in [
        "/gateway/caspen/v1/./clients",
        "/gateway/caspen/v1/../v1/clients",
        "/gateway/caspen/v1//clients",
        "/gateway/caspen/v1/clients/.",
        "/gateway/caspen/v1/clients%2F",
        "/gateway/caspen/v1/clients;id=1",
        "/gateway/caspen/v1/clients?",
    ] {
        let head = format!(
            "POST {target} HTTP/1.1\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\nIdempotency-Key: {REFERENCE}\r\n"
        );
        let answer = gateway.raw(&head, &body).await;
        assert_eq!(answer.status, 403, "{target}: {answer:?}");
        answer.message();
    }
    assert!(stub.seen().is_empty(), "{:?}", stub.seen());
}

// ------------------------------------------------------- 5. the credential

#[tokio::test]
async fn the_browsers_authorization_is_replaced_by_the_gateways_and_keys_and_cookies_stay_behind() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let answer = send(
        gateway
            .post(CREATE, REFERENCE, &caspen_body(REFERENCE))
            .header("authorization", "Bearer the-browsers-own")
            .header("cookie", "session=abc; other=1")
            .header("x-forwarded-for", "203.0.113.9")
            .header("x-custom", "nosy"),
    )
    .await;
    assert_eq!(answer.status, 201);

    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    let headers = &seen[0].headers;
    let authorizations: Vec<_> = headers.get_all("authorization").iter().collect();
    assert_eq!(authorizations.len(), 1, "{headers:?}");
    assert_eq!(
        authorizations[0].to_str().unwrap(),
        format!("Bearer {CASPEN_TOKEN}"),
        "the file's token, trimmed"
    );
    for name in [
        "idempotency-key",
        "cookie",
        "origin",
        "x-forwarded-for",
        "x-custom",
    ] {
        assert!(!headers.contains_key(name), "{name} went upstream");
    }
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(seen[0].header("accept"), Some("application/json"));
}

// -------------------------------------------------------------------- 6. CORS

#[tokio::test]
async fn cors_preflights_are_answered_for_the_configured_origin_only() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let preflight = |origin: &str| {
        client()
            .request(reqwest::Method::OPTIONS, gateway.url(CREATE))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, idempotency-key",
            )
    };

    let allowed = send(preflight(ORIGIN)).await;
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
    let methods = allowed.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = allowed
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("idempotency-key") && headers.contains("content-type"),
        "{headers}"
    );
    assert!(allowed.header("vary").unwrap().contains("Origin"));

    let foreign = send(preflight("https://evil.example")).await;
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.header("access-control-allow-origin"), None);

    let posted = send(
        client()
            .post(gateway.url(CREATE))
            .header("origin", "https://evil.example")
            .header("content-type", "application/json")
            .header("idempotency-key", REFERENCE)
            .body(caspen_body(REFERENCE)),
    )
    .await;
    assert_eq!(posted.status, 403);
    assert_eq!(posted.header("access-control-allow-origin"), None);
    posted.message();
    assert!(stub.seen().is_empty());

    // From the allowed origin the answer, and its replay, can be read.
    let made = gateway.create(REFERENCE, &caspen_body(REFERENCE)).await;
    assert_eq!(made.status, 201);
    assert_eq!(made.header("access-control-allow-origin"), Some(ORIGIN));
    let replayed = gateway.create(REFERENCE, &caspen_body(REFERENCE)).await;
    assert_eq!(replayed.status, 201);
    assert_eq!(replayed.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(stub.count("POST"), 1);
}

// ---------------------------------------------------------------- 7. size

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_before_it_reaches_the_vendor() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let large = format!(
        r#"{{"first_name":"Ada","last_name":"Byron","notes":"{}"}}"#,
        "x".repeat(3 * 1024 * 1024)
    );

    // With a Content-Length.
    let answer = gateway.create(REFERENCE, &large).await;
    assert_eq!(answer.status, 413);
    // The widget can read why (without CORS headers a browser reports a
    // network failure, and the widget would try again and again).
    answer.message();
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));

    // Chunked, so the size is learned only while reading.
    let mut stream = TcpStream::connect(gateway.address).await.unwrap();
    let (mut reading, mut writing) = stream.split();
    let head = format!(
        "POST {CREATE} HTTP/1.1\r\nHost: {}\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\nIdempotency-Key: {REFERENCE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        gateway.address
    );
    let write = async {
        writing.write_all(head.as_bytes()).await?;
        for chunk in large.as_bytes().chunks(64 * 1024) {
            writing
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writing.write_all(chunk).await?;
            writing.write_all(b"\r\n").await?;
        }
        writing.write_all(b"0\r\n\r\n").await
    };
    let read = async {
        let mut answer = Vec::new();
        // The gateway may close while the rest is still being sent: what
        // arrived before that is the answer.
        let mut buffer = [0u8; 4096];
        loop {
            match reading.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(count) => answer.extend_from_slice(&buffer[..count]),
            }
        }
        answer
    };
    let (_, answer) = tokio::join!(write, read);
    let answer = parse_answer(&answer);
    assert_eq!(answer.status, 413, "{answer:?}");
    answer.message();
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(stub.seen().is_empty());

    // A chunked body within the limit is read whole and goes.
    let body = caspen_body(REFERENCE);
    let (first, rest) = body.split_at(10);
    let chunked = format!(
        "POST {CREATE} HTTP/1.1\r\nHost: {}\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\nIdempotency-Key: {REFERENCE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{first}\r\n{:x}\r\n{rest}\r\n0\r\n\r\n",
        gateway.address,
        first.len(),
        rest.len()
    );
    let mut stream = TcpStream::connect(gateway.address).await.unwrap();
    stream.write_all(chunked.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = parse_answer(&answer);
    assert_eq!(answer.status, 201, "{answer:?}");
    assert_eq!(stub.seen().len(), 1);
    assert_eq!(stub.seen()[0].body, body.as_bytes());
}

// --------------------------------------------------------------- 8. flood

#[tokio::test]
async fn a_flood_from_one_address_is_refused_with_429_and_retry_after() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway_with(
        &stub,
        "upstream_timeout_seconds = 5\npublic_requests_per_minute = 5\npublic_burst = 2",
    )
    .await;
    for (index, key) in ["key-1", "key-2"].iter().enumerate() {
        let reference = format!("0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6{index}");
        let answer = gateway.create(key, &caspen_body(&reference)).await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }
    let third = gateway.create("key-3", &caspen_body(REFERENCE)).await;
    assert_eq!(third.status, 429);
    third.message();
    let wait: u64 = third.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(third.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(stub.count("POST"), 2);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let stub = Stub::creating().await;
    let limits = "public_requests_per_minute = 1\npublic_burst = 1";
    let settings = format!(
        "trusted_proxies = [\"127.0.0.1\"]\n{}",
        caspen_settings(&stub.base, limits)
    );
    let gateway = start(caspen_folder(), &settings).await;
    let from = |client: &str, key: &str| {
        gateway
            .post(CREATE, key, &caspen_body(REFERENCE))
            .header("x-forwarded-for", format!("198.51.100.77, {client}"))
    };
    assert_eq!(send(from("203.0.113.1", "key-1")).await.status, 201);
    assert_eq!(send(from("203.0.113.2", "key-2")).await.status, 201);
    assert_eq!(send(from("203.0.113.1", "key-3")).await.status, 429);
    assert_eq!(stub.count("POST"), 2);

    // Without trusted proxies the header is not believed.
    let stub = Stub::creating().await;
    let gateway = caspen_gateway_with(&stub, limits).await;
    let from = |client: &str, key: &str| {
        gateway
            .post(CREATE, key, &caspen_body(REFERENCE))
            .header("x-forwarded-for", client.to_string())
    };
    assert_eq!(send(from("203.0.113.1", "key-1")).await.status, 201);
    assert_eq!(send(from("203.0.113.2", "key-2")).await.status, 429);
    assert_eq!(stub.count("POST"), 1);
}

#[tokio::test]
async fn an_idempotency_key_that_is_not_visible_ascii_is_refused_with_400() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    for key in ["", "two words", &"k".repeat(256)] {
        let answer = gateway.create(key, &caspen_body(REFERENCE)).await;
        assert_eq!(answer.status, 400, "{key:?}");
        answer.message();
    }
    let longest = "k".repeat(255);
    assert_eq!(
        gateway
            .create(&longest, &caspen_body(REFERENCE))
            .await
            .status,
        201
    );
    assert_eq!(stub.count("POST"), 1);
}

// ------------------------------------------------------ 9. bodies checked

#[tokio::test]
async fn a_create_the_widget_would_not_make_is_refused_with_422_and_not_sent() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let good: Value = serde_json::from_str(&caspen_body(REFERENCE)).unwrap();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        change(&mut body);
        body.to_string()
    };
    let bodies = [
        ("not JSON", "first_name=Ada&last_name=Byron".to_string()),
        ("empty", String::new()),
        ("a list", json!([good]).to_string()),
        ("naming a record", with(&|body| body["id"] = json!("cli_1"))),
        (
            "without last_name",
            with(&|body| {
                body.as_object_mut().unwrap().remove("last_name");
            }),
        ),
        (
            "a blank last_name",
            with(&|body| body["last_name"] = json!("  ")),
        ),
        (
            "without first_name",
            with(&|body| {
                body.as_object_mut().unwrap().remove("first_name");
            }),
        ),
    ];
    for (what, body) in bodies {
        let answer = gateway.create(REFERENCE, &body).await;
        assert_eq!(answer.status, 422, "{what}: {answer:?}");
        answer.message();
        assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    }
    assert!(stub.seen().is_empty());

    // A refused body did not take the key: the good body still goes.
    let answer = gateway.create(REFERENCE, &good.to_string()).await;
    assert_eq!(answer.status, 201);
    assert_eq!(stub.count("POST"), 1);

    // Nor does a create without a key.
    let keyless = send(
        client()
            .post(gateway.url(CREATE))
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .body(good.to_string()),
    )
    .await;
    assert_eq!(keyless.status, 400);
    keyless.message();
    assert_eq!(stub.count("POST"), 1);
}

#[tokio::test]
async fn a_form_named_in_the_settings_holds_creates_to_its_required_questions() {
    let stub = Stub::creating().await;
    let form = json!({
        "id": "food", "name": "Food",
        "sections": [{"id": "s", "name": "S", "questions": [
            {"id": "need", "label_text": "What do you need?", "input_type": "text", "is_required": true}
        ]}]
    });
    let folder = folder_with(&[
        ("caspen.json", CASPEN_CONFIG),
        ("caspen-token", CASPEN_TOKEN),
        ("food.json", &form.to_string()),
    ]);
    let settings = caspen_settings(&stub.base, GENEROUS).replace(
        "configuration = \"caspen.json\"",
        "configuration = \"caspen.json\"\nform = \"food.json\"",
    );
    let gateway = start(folder, &settings).await;
    let mut body: Value = serde_json::from_str(&caspen_body(REFERENCE)).unwrap();

    let unanswered = gateway.create(REFERENCE, &body.to_string()).await;
    assert_eq!(unanswered.status, 422);
    assert!(
        unanswered.message().contains("What do you need?"),
        "{unanswered:?}"
    );
    assert!(stub.seen().is_empty());

    body["notes"] = json!(format!(
        "What do you need?: groceries\nIntake reference: {REFERENCE}"
    ));
    let answered = gateway.create(REFERENCE, &body.to_string()).await;
    assert_eq!(answered.status, 201, "{answered:?}");
    assert_eq!(stub.count("POST"), 1);
}

// ------------------------------------------------- 10. vendor refusals

#[tokio::test]
async fn a_503_with_retry_after_is_passed_back_and_releases_the_key() {
    let stub = Stub::start(|_, all| {
        if all.len() == 1 {
            Reply::json(503, json!({"error": "maintenance"})).with_header("retry-after", "30")
        } else {
            Reply::json(201, json!({"id": "cli_1"}))
        }
    })
    .await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);

    let first = gateway.create(REFERENCE, &body).await;
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), Some("30"));
    assert_eq!(first.json(), json!({"error": "maintenance"}));

    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.status, 201, "the key was released: it went again");
    assert_eq!(stub.count("POST"), 2);

    let third = gateway.create(REFERENCE, &body).await;
    assert_eq!(third.status, 201);
    assert_eq!(third.json(), json!({"id": "cli_1"}));
    assert_eq!(stub.count("POST"), 2, "and now it is kept");
}

#[tokio::test]
async fn a_vendor_that_cannot_be_reached_gets_502_and_the_key_is_released() {
    // A port nobody listens on: bound, then let go.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let settings = caspen_settings(&format!("http://{closed}"), GENEROUS);
    let gateway = start(caspen_folder(), &settings).await;
    let body = caspen_body(REFERENCE);
    let first = gateway.create(REFERENCE, &body).await;
    assert_eq!(first.status, 502, "{first:?}");
    assert!(first.header("retry-after").is_some());
    assert!(first.message().contains("nothing was sent"), "{first:?}");
    // Nothing was sent: the repeat is tried as new, not looked for (a look
    // that failed would say it could not check).
    let again = gateway.create(REFERENCE, &body).await;
    assert_eq!(again.status, 502, "{again:?}");
    assert!(again.message().contains("nothing was sent"), "{again:?}");
}

#[tokio::test]
async fn a_vendors_422_is_kept_and_replayed() {
    let stub =
        Stub::start(|_, _| Reply::json(422, json!({"errors": {"last_name": ["is too long"]}})))
            .await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);
    let first = gateway.create(REFERENCE, &body).await;
    assert_eq!(first.status, 422);
    let again = gateway.create(REFERENCE, &body).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.body, first.body);
    assert_eq!(
        again.json(),
        json!({"errors": {"last_name": ["is too long"]}})
    );
    assert_eq!(stub.count("POST"), 1);
}

// ------------------------------------------- 11. unknown outcomes settled

/// A Caspen vendor that keeps every create, lists them, and drops the
/// connection of the creates `drops` says (by their count, from 1).
async fn caspen_vendor(drops: fn(usize) -> bool, lists_what_it_made: bool) -> Stub {
    Stub::start(move |request, all| {
        let posts: Vec<&Seen> = all.iter().filter(|seen| seen.method == "POST").collect();
        match request.method.as_str() {
            "POST" if drops(posts.len()) => Reply::Drop,
            "POST" => Reply::json(201, json!({"id": format!("cli_{}", posts.len() + 1)})),
            _ => {
                let mut clients = vec![json!({
                    "id": "cli_1", "first_name": "Grace", "last_name": "Hopper",
                    "notes": "Intake reference: 11111111-2222-4333-8444-555555555555"
                })];
                if lists_what_it_made {
                    for (index, post) in posts.iter().enumerate() {
                        let mut client = post.json();
                        client["id"] = json!(format!("cli_{}", index + 9));
                        clients.push(client);
                    }
                }
                Reply::json(200, json!({"data": clients, "links": {"next": null}}))
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_dropped_create_is_found_by_its_reference_and_not_made_again() {
    let stub = caspen_vendor(|count| count == 1, true).await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);
    assert!(
        body.contains(&format!("Intake reference: {REFERENCE}")),
        "the widget writes the reference into notes: {body}"
    );

    let first = gateway.create(REFERENCE, &body).await;
    assert_eq!(first.status, 504, "{first:?}");
    first.message();

    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.status, 201, "{second:?}");
    assert_eq!(second.json(), json!({"id": "cli_9"}));

    let seen = stub.seen();
    assert_eq!(stub.count("POST"), 1, "{seen:?}");
    let looks: Vec<&Seen> = seen.iter().filter(|seen| seen.method == "GET").collect();
    assert_eq!(looks.len(), 1);
    assert_eq!(looks[0].path, "/caspen/v1/clients");
    assert_eq!(looks[0].query.as_deref(), Some("limit=100"));
    assert_eq!(
        looks[0].header("authorization"),
        Some(format!("Bearer {CASPEN_TOKEN}").as_str())
    );

    // Settled, it is kept: a third go reaches nobody.
    let third = gateway.create(REFERENCE, &body).await;
    assert_eq!(third.status, 201);
    assert_eq!(third.json(), json!({"id": "cli_9"}));
    assert_eq!(stub.seen().len(), 2);
}

#[tokio::test]
async fn a_dropped_create_the_list_does_not_hold_is_made_again() {
    let stub = caspen_vendor(|count| count == 1, false).await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);

    assert_eq!(gateway.create(REFERENCE, &body).await.status, 504);
    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.status, 201, "{second:?}");
    assert_eq!(second.json(), json!({"id": "cli_3"}));
    assert_eq!(stub.count("GET"), 1);
    assert_eq!(stub.count("POST"), 2);
}

#[tokio::test]
async fn the_look_reads_every_page_of_the_list() {
    let stub = Stub::start(|request, all| match request.method.as_str() {
        "POST" if all.len() == 1 => Reply::Drop,
        "POST" => Reply::json(201, json!({"id": "cli_new"})),
        _ if request.query.as_deref() == Some("limit=100") => Reply::json(
            200,
            json!({"data": [{"id": "cli_1", "first_name": "Grace", "last_name": "Hopper", "notes": null}],
                   "meta": {"next_cursor": "c2"}}),
        ),
        _ => {
            let mut made = all[0].json();
            made["id"] = json!("cli_7");
            Reply::json(200, json!({"data": [made], "meta": {"next_cursor": null}}))
        }
    })
    .await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);
    assert_eq!(gateway.create(REFERENCE, &body).await.status, 504);
    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.json(), json!({"id": "cli_7"}), "{second:?}");
    let queries: Vec<Option<String>> = stub
        .seen()
        .into_iter()
        .filter(|seen| seen.method == "GET")
        .map(|seen| seen.query)
        .collect();
    assert_eq!(
        queries,
        [
            Some("limit=100".to_string()),
            Some("limit=100&cursor=c2".to_string())
        ]
    );
    assert_eq!(stub.count("POST"), 1);
}

#[tokio::test]
async fn a_create_that_times_out_or_gets_a_500_is_looked_for_before_it_goes_again() {
    // Timed out: the vendor answers after the gateway stopped waiting.
    let stub = Stub::start(|request, all| match request.method.as_str() {
        "POST" => Reply::json(201, json!({"id": "cli_slow"})).after(Duration::from_secs(3)),
        _ => {
            let mut made = all[0].json();
            made["id"] = json!("cli_slow");
            Reply::json(200, json!({"data": [made], "links": {"next": null}}))
        }
    })
    .await;
    let gateway = caspen_gateway_with(
        &stub,
        "upstream_timeout_seconds = 1\npublic_requests_per_minute = 10000\npublic_burst = 1000",
    )
    .await;
    let body = caspen_body(REFERENCE);
    let started = Instant::now();
    let first = gateway.create(REFERENCE, &body).await;
    assert_eq!(first.status, 504);
    assert!(started.elapsed() < Duration::from_millis(2500));
    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.json(), json!({"id": "cli_slow"}));
    assert_eq!(stub.count("POST"), 1);

    // A 500: the vendor may have stored it before failing.
    let stub = Stub::start(|request, all| match request.method.as_str() {
        "POST" => Reply::json(500, json!({"message": "oops"})),
        _ => {
            let mut made = all[0].json();
            made["id"] = json!("cli_500");
            Reply::json(200, json!({"data": [made], "links": {"next": null}}))
        }
    })
    .await;
    let gateway = caspen_gateway(&stub).await;
    let first = gateway.create(REFERENCE, &body).await;
    assert_eq!(first.status, 500);
    assert_eq!(first.json(), json!({"message": "oops"}));
    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.json(), json!({"id": "cli_500"}));
    assert_eq!(stub.count("POST"), 1);
}

#[tokio::test]
async fn a_list_that_cannot_be_read_leaves_the_outcome_unknown_and_sends_nothing() {
    let stub = Stub::start(|request, all| match request.method.as_str() {
        "POST" if all.len() == 1 => Reply::Drop,
        "POST" => Reply::json(201, json!({"id": "cli_2"})),
        _ => Reply::json(500, json!({"message": "list broken"})),
    })
    .await;
    let gateway = caspen_gateway(&stub).await;
    let body = caspen_body(REFERENCE);
    assert_eq!(gateway.create(REFERENCE, &body).await.status, 504);
    let second = gateway.create(REFERENCE, &body).await;
    assert_eq!(second.status, 502, "{second:?}");
    assert!(second.header("retry-after").is_some());
    assert_eq!(stub.count("POST"), 1, "nothing was sent again blind");
    // Still unknown: the next repeat looks again.
    assert_eq!(gateway.create(REFERENCE, &body).await.status, 502);
    assert_eq!(stub.count("GET"), 2);
    assert_eq!(stub.count("POST"), 1);
}

// ------------------------------------------------------ 12. charity_crm

#[derive(serde::Deserialize, Debug)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    iat: u64,
    exp: u64,
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

async fn charity_gateway(stub: &Stub) -> Running {
    let folder = folder_with(&[("charity.json", CHARITY_CONFIG)]);
    let settings = format!(
        r#"
[limits]
{GENEROUS}

[[public]]
configuration = "charity.json"
upstream = "{}/charity/api/v1"
allowed_origins = ["{ORIGIN}"]
credential = {{ jwt_key_file = "{}", jwt_issuer = "intake-gateway@charity.example", jwt_audience = "https://crm.charity.example", jwt_lifetime_seconds = 120 }}
"#,
        stub.base,
        fixture("test-rsa-key.pem").display()
    );
    start(folder, &settings).await
}

#[tokio::test]
async fn charity_crm_gets_a_fresh_rs256_token_signed_with_the_service_accounts_key() {
    let stub =
        Stub::start(|request, _| Reply::json(201, json!({"uuid": request.json()["uuid"]}))).await;
    let gateway = charity_gateway(&stub).await;
    let path = "/gateway/charity_crm/api/v1/persons";
    let body = charity_body(REFERENCE);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["uuid"],
        json!(REFERENCE)
    );

    let answer = send(
        gateway
            .post(path, REFERENCE, &body)
            .header("authorization", "Bearer the-browsers-own"),
    )
    .await;
    assert_eq!(answer.status, 201, "{answer:?}");
    assert_eq!(answer.json(), json!({"uuid": REFERENCE}));

    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/charity/api/v1/persons");
    let token = seen[0]
        .header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap();
    let public_key = std::fs::read(fixture("test-rsa-key.pub.pem")).unwrap();
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(&public_key).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&["intake-gateway@charity.example"]);
    validation.set_audience(&["https://crm.charity.example"]);
    validation.leeway = 0;
    let decoded = jsonwebtoken::decode::<Claims>(token, &key, &validation).unwrap();
    assert_eq!(decoded.header.alg, jsonwebtoken::Algorithm::RS256);
    let claims = decoded.claims;
    assert_eq!(claims.iss, "intake-gateway@charity.example");
    assert_eq!(claims.sub, "intake-gateway@charity.example");
    assert_eq!(claims.aud, "https://crm.charity.example");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(claims.exp - claims.iat, 120);
    assert!(claims.exp > now && claims.exp <= now + 120, "{claims:?}");

    // A token from another key does not verify against this one.
    let other = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"iss": "intake-gateway@charity.example", "exp": now + 60}),
        &jsonwebtoken::EncodingKey::from_secret(b"not the key"),
    )
    .unwrap();
    assert!(jsonwebtoken::decode::<Value>(&other, &key, &validation).is_err());

    // The charity body must carry a uuid.
    let mut no_uuid: Value = serde_json::from_str(&body).unwrap();
    no_uuid["uuid"] = json!("not-a-uuid");
    let refused = send(gateway.post(path, "key-2", &no_uuid.to_string())).await;
    assert_eq!(refused.status, 422);
    refused.message();
    assert_eq!(stub.count("POST"), 1);
}

#[tokio::test]
async fn a_charity_crm_create_of_unknown_outcome_goes_again_with_its_own_uuid() {
    let stub = Stub::start(|_, all| {
        if all.len() == 1 {
            Reply::Drop
        } else {
            Reply::json(409, json!({"message": "A person with this uuid exists."}))
        }
    })
    .await;
    let gateway = charity_gateway(&stub).await;
    let path = "/gateway/charity_crm/api/v1/persons";
    let body = charity_body(REFERENCE);
    assert_eq!(send(gateway.post(path, REFERENCE, &body)).await.status, 504);
    let second = send(gateway.post(path, REFERENCE, &body)).await;
    assert_eq!(second.status, 409, "{second:?}");
    let seen = stub.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|seen| seen.method == "POST"));
    assert_eq!(seen[0].body, seen[1].body, "the same uuid went again");
}

// ------------------------------------------------------------- 13. staff

async fn staff_gateway(stub: &Stub) -> Running {
    let settings = format!(
        r#"
[[staff]]
prefix = "/staff/caspen/v1/"
upstream = "{}/caspen/v1"
allowed_origins = ["https://staff.example.org"]
"#,
        stub.base
    );
    start(folder_with(&[]), &settings).await
}

#[tokio::test]
async fn staff_requests_pass_through_with_the_staff_members_own_authorization() {
    let stub = Stub::start(|request, _| match request.method.as_str() {
        "GET" => Reply::json(200, json!({"data": [], "links": {"next": null}})),
        _ => Reply::json(201, json!({"id": "cli_5"})),
    })
    .await;
    let gateway = staff_gateway(&stub).await;

    let answer = send(
        client()
            .get(gateway.url("/staff/caspen/v1/clients?limit=100&cursor=c%202"))
            .header("origin", "https://staff.example.org")
            .header("authorization", "Bearer staff-member-7")
            .header("accept", "application/json")
            .header("cookie", "session=abc"),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), json!({"data": [], "links": {"next": null}}));
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://staff.example.org")
    );
    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/caspen/v1/clients");
    assert_eq!(seen[0].query.as_deref(), Some("limit=100&cursor=c%202"));
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer staff-member-7")
    );
    assert_eq!(seen[0].header("accept"), Some("application/json"));
    assert!(!seen[0].headers.contains_key("cookie"));

    // Staff may update, with their own sign-in.
    let update = send(
        client()
            .patch(gateway.url("/staff/caspen/v1/clients/cli_5"))
            .header("authorization", "Bearer staff-member-7")
            .header("content-type", "application/json")
            .body(r#"{"first_name":"Ada"}"#),
    )
    .await;
    assert_eq!(update.status, 201);
    assert_eq!(stub.seen()[1].method, "PATCH");
    assert_eq!(stub.seen()[1].path, "/caspen/v1/clients/cli_5");
    assert_eq!(stub.seen()[1].body, r#"{"first_name":"Ada"}"#.as_bytes());

    // The staff app's page may ask first, and send its own Authorization.
    let preflight = send(
        client()
            .request(
                reqwest::Method::OPTIONS,
                gateway.url("/staff/caspen/v1/clients"),
            )
            .header("origin", "https://staff.example.org")
            .header("access-control-request-method", "PATCH")
            .header("access-control-request-headers", "authorization"),
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://staff.example.org")
    );
    assert!(preflight
        .header("access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));

    // A foreign page may not use a staff member's browser.
    let foreign = send(
        client()
            .get(gateway.url("/staff/caspen/v1/clients"))
            .header("origin", "https://evil.example")
            .header("authorization", "Bearer staff-member-7"),
    )
    .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(stub.seen().len(), 2);
}

#[tokio::test]
async fn a_staff_create_with_a_key_is_made_once_per_staff_member() {
    let stub = Stub::creating().await;
    let gateway = staff_gateway(&stub).await;
    let create = |token: &str| {
        client()
            .post(gateway.url("/staff/caspen/v1/clients"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", REFERENCE)
            .body(caspen_body(REFERENCE))
    };
    assert_eq!(send(create("staff-member-7")).await.status, 201);
    let again = send(create("staff-member-7")).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), json!({"id": "cli_1"}));
    assert_eq!(stub.count("POST"), 1);
    // Another staff member's key of the same name is theirs.
    assert_eq!(send(create("staff-member-8")).await.status, 201);
    assert_eq!(stub.count("POST"), 2);
    assert!(stub
        .seen()
        .iter()
        .all(|seen| !seen.headers.contains_key("idempotency-key")));
}

#[tokio::test]
async fn a_staff_path_that_leaves_the_vendors_api_is_refused_with_400() {
    let stub = Stub::creating().await;
    let gateway = staff_gateway(&stub).await;
    for target in [
        "/staff/caspen/v1/../../admin",
        "/staff/caspen/v1/clients/../../../etc",
        "/staff/caspen/v1/./clients",
        "/staff/caspen/v1/%2e%2e/admin",
        "/staff/caspen/v1/%2E%2E/admin",
        "/staff/caspen/v1/clients%2F..%2F..%2Fadmin",
        "/staff/caspen/v1/..%5cadmin",
    ] {
        let head = format!("GET {target} HTTP/1.1\r\nAuthorization: Bearer staff-member-7\r\n");
        let answer = gateway.raw(&head, "").await;
        assert_eq!(answer.status, 400, "{target}: {answer:?}");
        answer.message();
    }
    assert!(stub.seen().is_empty(), "{:?}", stub.seen());
}

// ---------------------------------------------------------- 14. the rest

#[tokio::test]
async fn healthz_answers_ok_and_an_unknown_path_404() {
    let stub = Stub::creating().await;
    let gateway = caspen_gateway(&stub).await;
    let health = send(client().get(gateway.url("/healthz"))).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok"}));
    for path in [
        "/",
        "/gateway",
        "/gateway/caspen",
        "/gateway/caspen/v2/clients",
        "/admin",
    ] {
        let unknown = send(client().get(gateway.url(path))).await;
        assert_eq!(unknown.status, 404, "{path}");
        unknown.message();
    }
    assert!(stub.seen().is_empty());
}

// ----------------------------------------------------- 15. settings refused

fn refusal(settings: &str, folder: &TempDir) -> intake_gateway::settings::SettingsError {
    match Settings::parse(settings, folder.path()) {
        Ok(_) => panic!("the settings were taken:\n{settings}"),
        Err(error) => error,
    }
}

fn public_entry(upstream: &str, credential: &str, origins: &str) -> String {
    format!(
        r#"
[[public]]
configuration = "caspen.json"
upstream = "{upstream}"
allowed_origins = [{origins}]
credential = {{ {credential} }}
"#
    )
}

#[test]
fn a_credential_variable_that_is_not_set_is_refused_by_its_key() {
    let folder = caspen_folder();
    let error = refusal(
        &public_entry(
            "https://api.caspen.example/v1",
            r#"bearer_token_env = "INTAKE_GATEWAY_TEST_NEVER_SET_7F3A""#,
            "",
        ),
        &folder,
    );
    assert_eq!(error.key, "public[0].credential.bearer_token_env");
    assert!(error.message.contains("INTAKE_GATEWAY_TEST_NEVER_SET_7F3A"));
}

#[test]
fn a_credential_from_the_environment_is_taken() {
    std::env::set_var("INTAKE_GATEWAY_TEST_TOKEN_2B9C", "from-the-environment");
    let folder = caspen_folder();
    let settings = public_entry(
        "https://api.caspen.example/v1",
        r#"bearer_token_env = "INTAKE_GATEWAY_TEST_TOKEN_2B9C""#,
        "",
    );
    let settings = match Settings::parse(&settings, folder.path()) {
        Ok(settings) => settings,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(
        settings.public[0].credential.authorization().unwrap(),
        "Bearer from-the-environment"
    );
    // The credential's Debug form never shows it.
    let shown = format!("{:?}", settings.public[0].credential);
    assert!(!shown.contains("from-the-environment"), "{shown}");
}

#[test]
fn plain_http_to_another_machine_is_refused_by_its_key() {
    let folder = caspen_folder();
    for upstream in [
        "http://api.caspen.example/v1",
        "http://10.0.0.5/v1",
        "ftp://api.caspen.example/v1",
        "https://api.caspen.example/v1?key=1",
        "https://user@api.caspen.example/v1",
    ] {
        let error = refusal(
            &public_entry(upstream, r#"bearer_token_file = "caspen-token""#, ""),
            &folder,
        );
        assert_eq!(error.key, "public[0].upstream", "{upstream}");
    }
    for upstream in [
        "http://127.0.0.1:9000/v1",
        "http://localhost:9000/v1",
        "http://[::1]:9000/v1",
        "https://api.caspen.example/v1/",
    ] {
        let settings = public_entry(upstream, r#"bearer_token_file = "caspen-token""#, "");
        assert!(
            Settings::parse(&settings, folder.path()).is_ok(),
            "{upstream}"
        );
    }
}

#[test]
fn a_staff_configuration_under_public_is_refused_by_its_key() {
    let folder = folder_with(&[
        (
            "caspen.json",
            r#"{"target":"caspen","mode":"staff","base_url":"/gateway/caspen/v1"}"#,
        ),
        ("caspen-token", CASPEN_TOKEN),
    ]);
    let error = refusal(
        &public_entry(
            "https://api.caspen.example/v1",
            r#"bearer_token_file = "caspen-token""#,
            "",
        ),
        &folder,
    );
    assert_eq!(error.key, "public[0].configuration");
}

#[test]
fn an_origin_with_a_path_is_refused_by_its_key() {
    let folder = caspen_folder();
    for (origins, key) in [
        (
            r#""https://help.example.org/intake""#,
            "public[0].allowed_origins[0]",
        ),
        (
            r#""https://help.example.org", "*""#,
            "public[0].allowed_origins[1]",
        ),
        (
            r#""https://help.example.org/""#,
            "public[0].allowed_origins[0]",
        ),
        (r#""help.example.org""#, "public[0].allowed_origins[0]"),
    ] {
        let error = refusal(
            &public_entry(
                "https://api.caspen.example/v1",
                r#"bearer_token_file = "caspen-token""#,
                origins,
            ),
            &folder,
        );
        assert_eq!(error.key, key, "{origins}");
    }
}

#[test]
fn an_unknown_key_is_refused() {
    let folder = caspen_folder();
    let good = public_entry(
        "https://api.caspen.example/v1",
        r#"bearer_token_file = "caspen-token""#,
        "",
    );
    assert!(Settings::parse(&good, folder.path()).is_ok());
    for (settings, name) in [
        (format!("listne = \"127.0.0.1:1\"\n{good}"), "listne"),
        (
            format!("[limits]\nmax_body_byte = 10\n{good}"),
            "max_body_byte",
        ),
        (good.replace("upstream =", "upstreams ="), "upstreams"),
        (
            good.replace("bearer_token_file", "bearer_token_fil"),
            "bearer_token_fil",
        ),
    ] {
        let error = refusal(&settings, &folder);
        assert!(
            error.to_string().contains(name),
            "{name} is not named: {error}"
        );
    }
}

#[test]
fn jwt_credentials_and_limits_are_refused_by_their_keys() {
    let folder = caspen_folder();
    std::fs::write(folder.path().join("not-a-key.pem"), "not a key").unwrap();
    let key = fixture("test-rsa-key.pem").display().to_string();
    let upstream = "https://api.caspen.example/v1";
    let cases = [
        (
            format!(r#"jwt_key_file = "{key}""#),
            "public[0].credential.jwt_issuer",
        ),
        (
            format!(r#"jwt_key_file = "{key}", jwt_issuer = "a", jwt_lifetime_seconds = 0"#),
            "public[0].credential.jwt_lifetime_seconds",
        ),
        (
            format!(r#"jwt_key_file = "{key}", jwt_issuer = "a", jwt_lifetime_seconds = 3601"#),
            "public[0].credential.jwt_lifetime_seconds",
        ),
        (
            r#"jwt_key_file = "not-a-key.pem", jwt_issuer = "a""#.to_string(),
            "public[0].credential.jwt_key_file",
        ),
        (
            r#"jwt_key_file = "missing.pem", jwt_issuer = "a""#.to_string(),
            "public[0].credential.jwt_key_file",
        ),
        (
            r#"bearer_token_file = "caspen-token", jwt_issuer = "a""#.to_string(),
            "public[0].credential.jwt_issuer",
        ),
        (
            r#"bearer_token_file = "caspen-token", bearer_token_env = "X""#.to_string(),
            "public[0].credential",
        ),
        (String::new(), "public[0].credential"),
        (
            r#"bearer_token_file = "missing-token""#.to_string(),
            "public[0].credential.bearer_token_file",
        ),
    ];
    for (credential, expected) in cases {
        let error = refusal(&public_entry(upstream, &credential, ""), &folder);
        assert_eq!(error.key, expected, "{credential}: {error}");
    }
    let public = public_entry(upstream, r#"bearer_token_file = "caspen-token""#, "");
    for (settings, expected) in [
        (
            format!("[limits]\npublic_burst = 0\n{public}"),
            "limits.public_burst",
        ),
        (
            format!("[limits]\nmax_body_bytes = 0\n{public}"),
            "limits.max_body_bytes",
        ),
        (format!("listen = \"nowhere\"\n{public}"), "listen"),
        (
            format!("trusted_proxies = [\"10.0.0.1\", \"proxy.local\"]\n{public}"),
            "trusted_proxies[1]",
        ),
        (
            "[[staff]]\nprefix = \"/healthz\"\nupstream = \"https://x.example\"\n".to_string(),
            "staff[0].prefix",
        ),
        (
            "[[staff]]\nprefix = \"staff/caspen\"\nupstream = \"https://x.example\"\n".to_string(),
            "staff[0].prefix",
        ),
        (String::new(), "the file"),
    ] {
        let error = refusal(&settings, &folder);
        assert_eq!(error.key, expected, "{settings}: {error}");
    }
}

#[test]
fn overlapping_prefixes_are_refused() {
    let folder = caspen_folder();
    let public = public_entry(
        "https://api.caspen.example/v1",
        r#"bearer_token_file = "caspen-token""#,
        "",
    );
    let twice = format!("{public}{public}");
    assert_eq!(refusal(&twice, &folder).key, "public[1].configuration");
    let staff_above = format!(
        "{public}\n[[staff]]\nprefix = \"/gateway/caspen\"\nupstream = \"https://api.caspen.example\"\n"
    );
    assert_eq!(refusal(&staff_above, &folder).key, "staff[0].prefix");
    let staff_below = format!(
        "{public}\n[[staff]]\nprefix = \"/gateway/caspen/v1/clients\"\nupstream = \"https://api.caspen.example\"\n"
    );
    assert_eq!(refusal(&staff_below, &folder).key, "staff[0].prefix");
    // A neighbour that only shares the first letters is another path.
    let neighbour = format!(
        "{public}\n[[staff]]\nprefix = \"/gateway/caspen/v10\"\nupstream = \"https://api.caspen.example\"\n"
    );
    assert!(Settings::parse(&neighbour, folder.path()).is_ok());
}
