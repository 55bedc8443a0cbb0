use serde_json::{json, Value};

use crate::support::{Reply, Sandbox, TempDir, STAFF, WIDGET};

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
    let sandbox = Sandbox::start();
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
        second.header("access-control-allow-origin").as_deref(),
        Some("*")
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
    let sandbox = Sandbox::start();
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
        let sandbox = Sandbox::start_with(|config| config.data_dir = data_dir.clone());
        send_keyed(&sandbox, "POST", PEOPLE, STAFF, &body, "k-restart")
    };
    assert_eq!(first.status, 201);

    let sandbox = Sandbox::start_with(|config| config.data_dir = data_dir.clone());
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

#[test]
fn preflights_allow_the_idempotency_key_header() {
    let sandbox = Sandbox::start();
    let preflight = sandbox
        .try_request("OPTIONS", CLIENTS, None, None)
        .expect("preflight");
    assert_eq!(preflight.status, 204);
    assert!(preflight
        .header("access-control-allow-headers")
        .is_some_and(|headers| headers.contains("Idempotency-Key")));
}
