use serde_json::{json, Value};

use intake_sandbox::Target;

use crate::support::{Reply, Sandbox, TempDir, STAFF, WIDGET};

/// A sandbox that replays writes by their key, as the vendors are not documented to.
fn honouring() -> Sandbox {
    Sandbox::start_with(|config| config.honour_idempotency_keys = Target::ALL.to_vec())
}

const PEOPLE: &str = "/casebook/people/people";
const CLIENTS: &str = "/caspen/v1/clients";
const CONTACTS: &str = "/unite_us/v3/groups/demo-group/contacts";
const WIDGET_REQUESTS: &str = "/unite_us/v3/widgets/assistance_requests";
const CHARITY_PERSONS: &str = "/charity_crm/api/v1/persons";
const PERSONS_V1: &str = "/persons_v1/api/v1/persons";

fn casebook_person(last_name: &str) -> Value {
    json!({"data": {"type": "people", "attributes": {"first_name": "Ida", "last_name": last_name}}})
}

fn caspen_client(last_name: &str) -> Value {
    json!({"first_name": "Ida", "last_name": last_name})
}

fn assistance_request() -> Value {
    json!({"assistance_request": {
        "service_type_id": "st-meals",
        "description": "Meals please",
        "requestor": {
            "first_name": "Rosa", "last_name": "Diaz",
            "phone_number": {"phone_number": "512-555-0199"},
            "address": {"line_1": "1 Main St", "city": "Austin", "state": "TX", "postal_code": "78701",
                        "country": "US", "address_type": "home"},
            "email_address": {"email_address": "rosa@example.org"}
        }
    }})
}

/// Sends `body` with `Idempotency-Key: key` and expects an answer.
fn send_keyed(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    token: &str,
    body: &Value,
    key: &str,
) -> Reply {
    sandbox
        .try_send_with_headers(method, path, Some(token), body, &[("Idempotency-Key", key)])
        .expect("request completes")
}

fn count_kind(sandbox: &Sandbox, target: &str, kind: &str) -> usize {
    sandbox
        .records(target)
        .iter()
        .filter(|record| record["kind"] == kind)
        .count()
}

#[test]
fn the_same_idempotency_key_twice_creates_one_record_and_answers_the_same_body() {
    let sandbox = honouring();
    let body = casebook_person("Once");
    let first = send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "key-casebook-1");
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);

    let second = send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "key-casebook-1");
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(second.text, first.text, "the very same body");
    assert_eq!(second.header("content-type"), first.header("content-type"));
    assert!(first.header("location").is_some());
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(
        second.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(
        second.header("access-control-allow-origin"),
        first.header("access-control-allow-origin")
    );

    let people = sandbox.records("casebook");
    assert_eq!(people.len(), 6, "the seed's five and one more");
    assert_eq!(
        people
            .iter()
            .filter(|record| record["body"]["last_name"] == "Once")
            .count(),
        1
    );
}

#[test]
fn a_dropped_create_retried_with_the_same_key_gives_one_record_and_the_first_id() {
    let sandbox = honouring();
    sandbox.add_fault(json!({"route": "POST /caspen/v1/clients", "fault": "drop"}));
    let body = caspen_client("Dropped");
    let dropped = sandbox.try_send_with_headers(
        "POST",
        CLIENTS,
        Some(STAFF),
        &body,
        &[("Idempotency-Key", "k-drop")],
    );
    assert!(dropped.is_err(), "the connection closes without an answer");
    let stored: Vec<Value> = sandbox
        .records("caspen")
        .into_iter()
        .filter(|record| record["body"]["last_name"] == "Dropped")
        .collect();
    assert_eq!(stored.len(), 1, "the write happened before the drop");

    let retried = send_keyed(&sandbox, "POST", CLIENTS, STAFF, &body, "k-drop");
    assert_eq!(retried.status, 201, "{}", retried.text);
    assert_eq!(
        retried.json()["id"],
        stored[0]["id"],
        "the first request's id"
    );
    assert_eq!(
        retried.header("location"),
        Some(format!(
            "{CLIENTS}/{}",
            stored[0]["id"].as_str().unwrap_or_default()
        ))
    );
    assert_eq!(sandbox.records("caspen").len(), 6, "still one new client");
}

#[test]
fn a_malformed_json_create_retried_with_the_same_key_answers_the_whole_first_body() {
    let sandbox = honouring();
    sandbox.add_fault(json!({"route": "POST /casebook", "fault": "malformed_json"}));
    let body = casebook_person("Cut");
    let cut = send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "k-cut");
    assert_eq!(cut.status, 201);
    assert!(
        serde_json::from_str::<Value>(&cut.text).is_err(),
        "{}",
        cut.text
    );

    let retried = send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "k-cut");
    assert_eq!(retried.status, 201);
    let person = retried.json();
    assert_eq!(person["data"]["attributes"]["last_name"], "Cut");
    assert!(
        retried.text.starts_with(&cut.text),
        "the cut body was half of this one"
    );
    assert_eq!(sandbox.records("casebook").len(), 6);
}

#[test]
fn the_same_key_with_a_different_body_is_422_in_the_targets_style() {
    let sandbox = honouring();
    let contact = json!({"contact": {"first_name": "Ann", "last_name": "Lee"}});
    let first = send_keyed(&sandbox, "POST", CONTACTS, STAFF, &contact, "k-reused");
    assert_eq!(first.status, 201, "{}", first.text);
    let other = json!({"contact": {"first_name": "Ann", "last_name": "Other"}});
    let reused = send_keyed(&sandbox, "POST", CONTACTS, STAFF, &other, "k-reused");
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert_eq!(
        reused.json(),
        json!({"errors": ["Idempotency-Key reused with a different request"]}),
        "Rails style for Unite US"
    );
    assert_eq!(count_kind(&sandbox, "unite_us", "contact"), 6);

    let casebook_first = send_keyed(
        &sandbox,
        "POST",
        PEOPLE,
        STAFF,
        &casebook_person("A"),
        "k-cb",
    );
    assert_eq!(casebook_first.status, 201);
    let casebook_reused = send_keyed(
        &sandbox,
        "POST",
        PEOPLE,
        STAFF,
        &casebook_person("B"),
        "k-cb",
    );
    assert_eq!(casebook_reused.status, 422);
    assert_eq!(
        casebook_reused.json()["errors"][0]["detail"],
        "Idempotency-Key reused with a different request",
        "JSON:API style for Casebook"
    );
    assert_eq!(sandbox.records("casebook").len(), 6);
}

#[test]
fn a_503_faulted_create_then_a_retry_with_the_same_key_creates_exactly_one_record() {
    let sandbox = honouring();
    sandbox
        .add_fault(json!({"route": "POST /unite_us/v3/widgets", "fault": "503", "retry_after": 2}));
    let body = assistance_request();
    let refused = send_keyed(&sandbox, "POST", WIDGET_REQUESTS, WIDGET, &body, "k-503");
    assert_eq!(refused.status, 503);
    assert_eq!(count_kind(&sandbox, "unite_us", "assistance_request"), 0);

    let retried = send_keyed(&sandbox, "POST", WIDGET_REQUESTS, WIDGET, &body, "k-503");
    assert_eq!(retried.status, 201, "a failed answer was not remembered");
    assert_eq!(retried.header("idempotent-replayed"), None);
    let again = send_keyed(&sandbox, "POST", WIDGET_REQUESTS, WIDGET, &body, "k-503");
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["data"]["id"], retried.json()["data"]["id"]);
    assert_eq!(count_kind(&sandbox, "unite_us", "assistance_request"), 1);
}

#[test]
fn a_refused_create_is_not_remembered_so_a_corrected_retry_with_the_same_key_runs() {
    let sandbox = honouring();
    let invalid = json!({"first_name": "Ida"});
    let refused = send_keyed(&sandbox, "POST", CLIENTS, STAFF, &invalid, "k-fix");
    assert_eq!(refused.status, 422);
    let fixed = send_keyed(
        &sandbox,
        "POST",
        CLIENTS,
        STAFF,
        &caspen_client("Fixed"),
        "k-fix",
    );
    assert_eq!(fixed.status, 201, "{}", fixed.text);
    assert_eq!(sandbox.records("caspen").len(), 6);
}

#[test]
fn without_an_idempotency_key_the_same_create_twice_makes_two_records() {
    let sandbox = honouring();
    let body = caspen_client("Twice");
    let first = sandbox.send("POST", CLIENTS, Some(STAFF), &body);
    let second = sandbox.send("POST", CLIENTS, Some(STAFF), &body);
    assert_eq!((first.status, second.status), (201, 201));
    assert_ne!(first.json()["id"], second.json()["id"]);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(sandbox.records("caspen").len(), 7);
}

#[test]
fn a_key_is_scoped_by_path_and_token() {
    let sandbox = honouring();
    let body = json!({"data": {"firstName": "Jo", "lastName": "Doe"}});
    for id in [100, 101] {
        let reply = send_keyed(
            &sandbox,
            "PUT",
            &format!("{PERSONS_V1}/{id}"),
            STAFF,
            &body,
            "k-path",
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(
            reply.json()["status"],
            "created",
            "another path is another request"
        );
    }
    assert_eq!(sandbox.records("persons_v1").len(), 7);

    let peter = json!({"name": {"firstName": "Peter", "lastName": "Plas"}});
    let staff = send_keyed(&sandbox, "POST", CHARITY_PERSONS, STAFF, &peter, "k-token");
    assert_eq!(staff.status, 201, "{}", staff.text);
    let widget = send_keyed(&sandbox, "POST", CHARITY_PERSONS, WIDGET, &peter, "k-token");
    assert_eq!(widget.status, 401, "a replay still needs the right token");
}

#[test]
fn a_key_longer_than_200_characters_is_refused_with_400() {
    let sandbox = honouring();
    let long = "k".repeat(201);
    let reply = send_keyed(
        &sandbox,
        "POST",
        CLIENTS,
        STAFF,
        &caspen_client("Long"),
        &long,
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(reply.json()["message"]
        .as_str()
        .is_some_and(|message| message.starts_with("Invalid Idempotency-Key")));
    assert_eq!(sandbox.records("caspen").len(), 5);
    let longest = "k".repeat(200);
    let reply = send_keyed(
        &sandbox,
        "POST",
        CLIENTS,
        STAFF,
        &caspen_client("Long"),
        &longest,
    );
    assert_eq!(reply.status, 201);
}

#[test]
fn idempotency_keys_survive_a_restart_and_reset_forgets_them() {
    let data = TempDir::new("idempotency-restart");
    let data_dir = data.path().to_path_buf();
    let body = casebook_person("Kept");
    let first = {
        let sandbox = Sandbox::start_with(|config| {
            config.data_dir = data_dir.clone();
            config.honour_idempotency_keys = Target::ALL.to_vec();
        });
        send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "k-restart")
    };
    assert_eq!(first.status, 201);

    let sandbox = Sandbox::start_with(|config| {
        config.data_dir = data_dir.clone();
        config.honour_idempotency_keys = Target::ALL.to_vec();
    });
    let replayed = send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "k-restart");
    assert_eq!(replayed.text, first.text);
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(sandbox.records("casebook").len(), 6);

    let reset = sandbox.send("POST", "/__admin/reset", None, &json!({}));
    assert_eq!(reset.status, 200);
    let after_reset = send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "k-restart");
    assert_eq!(after_reset.status, 201);
    assert_eq!(after_reset.header("idempotent-replayed"), None);
    assert_eq!(
        sandbox.records("casebook").len(),
        6,
        "the seed and the new one"
    );
}

/// A Caspen client whose JSON text is exactly `length` bytes, padded in a note.
fn caspen_client_of_length(length: usize) -> String {
    let frame = |padding: &str| {
        format!(r#"{{"first_name": "Ida", "last_name": "Large", "notes": "{padding}"}}"#)
    };
    let text = frame(&"x".repeat(length - frame("").len()));
    assert_eq!(text.len(), length);
    text
}

/// Sends `head` (a request line and headers, ending in an empty line) and `body` over a
/// new connection, and returns the answer's status and body. A test client of our own, so
/// that the answer can be read when the sandbox refuses before reading the whole body
/// (ureq sends the whole body first and then meets a closed connection).
fn raw_exchange(sandbox: &Sandbox, head: &str, body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(sandbox.server.address()).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(head.as_bytes()).expect("send head");
    stream.write_all(body).expect("send body");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = answer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|length| length.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|status| status.parse().ok())
                    .unwrap_or(0);
                let text = String::from_utf8_lossy(&answer[end + 4..end + 4 + length]);
                return (status, text.to_string());
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) => panic!("the connection closed mid-answer: {answer:?}"),
            Ok(read) => answer.extend_from_slice(&buffer[..read]),
            Err(error) => panic!("reading the answer: {error}"),
        }
    }
}

fn keyed_head(sandbox: &Sandbox, key: &str, framing: &str) -> String {
    format!(
        "POST {CLIENTS} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {STAFF}\r\n\
         Idempotency-Key: {key}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n",
        sandbox.server.address()
    )
}

#[test]
fn a_body_over_the_size_limit_with_a_key_is_refused_with_413_and_nothing_is_stored() {
    let sandbox = honouring();
    let limit = intake_sandbox::body::MAX_REQUEST_BYTES;
    // The declared length alone is refused: the answer comes before any body is sent.
    let head = keyed_head(
        &sandbox,
        "k-large",
        &format!("Content-Length: {}", limit + 1),
    );
    let (status, text) = raw_exchange(&sandbox, &head, b"");
    assert_eq!(status, 413, "{text}");
    let message: Value = serde_json::from_str(&text).expect("a JSON answer");
    assert!(
        message["message"]
            .as_str()
            .is_some_and(|message| message.contains(&format!("{limit}-byte"))),
        "in Caspen's own error style: {text}"
    );
    assert_eq!(count_kind(&sandbox, "caspen", "client"), 5);

    // The key was not remembered: with a body the handler takes, it runs as a first use,
    // and only then replays.
    let small = caspen_client("Small");
    let first = send_keyed(&sandbox, "POST", CLIENTS, STAFF, &small, "k-large");
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = send_keyed(&sandbox, "POST", CLIENTS, STAFF, &small, "k-large");
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(count_kind(&sandbox, "caspen", "client"), 6);

    // A body at the limit is read, and reaches the handler.
    let at_limit = caspen_client_of_length(limit);
    let reply = sandbox
        .try_request_with_headers(
            "POST",
            CLIENTS,
            Some(STAFF),
            Some(("application/json", &at_limit)),
            &[("Idempotency-Key", "k-at-limit")],
        )
        .expect("request completes");
    assert_ne!(reply.status, 413, "{}", reply.text);
}

#[test]
fn a_chunked_body_over_the_size_limit_is_cut_off_at_the_limit_with_413() {
    let sandbox = honouring();
    let limit = intake_sandbox::body::MAX_REQUEST_BYTES;
    let body = caspen_client_of_length(limit + 1);
    // No Content-Length: the size is known only by reading. The one chunk is sent without
    // its closing line or the empty last chunk, so the sandbox has read everything sent
    // when it answers.
    let head = keyed_head(&sandbox, "k-chunked", "Transfer-Encoding: chunked");
    let head = format!("{head}{:x}\r\n", body.len());
    let (status, text) = raw_exchange(&sandbox, &head, body.as_bytes());
    assert_eq!(status, 413, "{text}");
    assert_eq!(count_kind(&sandbox, "caspen", "client"), 5);
    let first = send_keyed(
        &sandbox,
        "POST",
        CLIENTS,
        STAFF,
        &caspen_client("Small"),
        "k-chunked",
    );
    assert_eq!(first.header("idempotent-replayed"), None);
}

#[test]
fn tokens_are_stored_only_as_their_sha256_hash() {
    let sandbox = honouring();
    let reply = send_keyed(
        &sandbox,
        "POST",
        CLIENTS,
        STAFF,
        &caspen_client("Hashed"),
        "k-hash",
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let database = sandbox
        .dir
        .path()
        .join("data")
        .join(intake_sandbox::store::DATABASE_FILE_NAME);
    let bytes = std::fs::read(&database).expect("read the database file");
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|window| window == needle);
    assert!(
        contains(b"k-hash"),
        "the key itself is stored, so the search can find stored text"
    );
    assert!(!contains(STAFF.as_bytes()), "the token is not stored");
    assert!(contains(intake_sandbox::auth::token_hash(STAFF).as_bytes()));
    // Filed under the hash, the key still replays.
    let again = send_keyed(
        &sandbox,
        "POST",
        CLIENTS,
        STAFF,
        &caspen_client("Hashed"),
        "k-hash",
    );
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
}

#[test]
fn preflights_allow_the_idempotency_key_header() {
    let sandbox = honouring();
    let preflight = sandbox
        .try_request(
            "OPTIONS",
            "/unite_us/v3/widgets/assistance_requests",
            None,
            None,
        )
        .expect("preflight");
    assert_eq!(preflight.status, 204);
    assert!(preflight
        .header("access-control-allow-headers")
        .is_some_and(|headers| headers.contains("Idempotency-Key")));
}

#[test]
fn by_default_a_key_is_ignored_as_no_vendor_documents_it_until_an_admin_asks() {
    let sandbox = Sandbox::start();
    let key = "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6f-1";
    for _ in 0..2 {
        let reply = send_keyed(
            &sandbox,
            "POST",
            CLIENTS,
            STAFF,
            &caspen_client("Twice"),
            key,
        );
        assert_eq!(reply.status, 201);
    }
    assert_eq!(
        count_kind(&sandbox, "caspen", "client"),
        5 + 2,
        "a repeated create makes a second record"
    );
    let set = sandbox.send(
        "POST",
        "/__admin/idempotency",
        None,
        &json!({"honour": ["caspen"]}),
    );
    assert_eq!(set.json(), json!({"honour": ["caspen"]}));
    let other = "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6f-2";
    for _ in 0..2 {
        send_keyed(
            &sandbox,
            "POST",
            CLIENTS,
            STAFF,
            &caspen_client("Once"),
            other,
        );
    }
    assert_eq!(count_kind(&sandbox, "caspen", "client"), 5 + 3);
    let refused = sandbox.send(
        "POST",
        "/__admin/idempotency",
        None,
        &json!({"honour": ["nobody"]}),
    );
    assert_eq!(refused.status, 400);
    sandbox.send("POST", "/__admin/reset", None, &json!({}));
    assert_eq!(
        sandbox.get("/__admin/idempotency", None).json(),
        json!({"honour": []})
    );
}
