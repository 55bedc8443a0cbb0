use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{Sandbox, STAFF};

const CLIENTS: &str = "/caspen/v1/clients";
const PEOPLE: &str = "/casebook/people/people";

#[test]
fn a_503_fault_answers_the_next_count_matching_requests_with_retry_after() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(
        json!({"route": "GET /casebook/people", "fault": "503", "count": 2, "retry_after": 7}),
    );
    for _ in 0..2 {
        let reply = sandbox.get(PEOPLE, Some(STAFF));
        assert_eq!(reply.status, 503);
        assert_eq!(reply.header("retry-after").as_deref(), Some("7"));
        assert_eq!(
            reply.json()["errors"][0]["status"],
            "503",
            "in Casebook's own error style"
        );
        assert_eq!(
            reply.header("access-control-allow-origin"),
            None,
            "Casebook is a server-to-server API"
        );
    }
    assert_eq!(sandbox.get(PEOPLE, Some(STAFF)).status, 200);
}

#[test]
fn a_500_fault_answers_in_the_targets_style_and_only_for_its_method() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "POST /caspen/v1/clients", "fault": "500"}));
    assert_eq!(
        sandbox.get(CLIENTS, Some(STAFF)).status,
        200,
        "a GET does not match a POST fault"
    );
    let reply = sandbox.send(
        "POST",
        CLIENTS,
        Some(STAFF),
        &json!({"first_name": "A", "last_name": "B"}),
    );
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.json(),
        json!({"message": "Injected fault: internal server error"})
    );
    assert_eq!(
        sandbox.records("caspen").len(),
        5,
        "a 500 fault stores nothing"
    );
    let retried = sandbox.send(
        "POST",
        CLIENTS,
        Some(STAFF),
        &json!({"first_name": "A", "last_name": "B"}),
    );
    assert_eq!(retried.status, 201);
}

#[test]
fn a_429_fault_carries_retry_after_and_a_401_fault_refuses_a_good_token() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "* /unite_us/", "fault": "429", "retry_after": 3}));
    sandbox.add_fault(json!({"route": "/persons_v1", "fault": "401"}));
    let limited = sandbox.get("/unite_us/v3/service_types", Some(STAFF));
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after").as_deref(), Some("3"));
    assert_eq!(
        limited.json(),
        json!({"errors": ["Injected fault: too many requests"]})
    );

    let expired = sandbox.get("/persons_v1/api/v1/persons", Some(STAFF));
    assert_eq!(expired.status, 401);
    assert_eq!(expired.json(), json!({"message": "Unauthorized"}));
    assert_eq!(
        sandbox
            .get("/persons_v1/api/v1/persons", Some(STAFF))
            .status,
        200
    );
    assert_eq!(
        sandbox
            .get("/unite_us/v3/service_types", Some(STAFF))
            .status,
        200
    );
}

#[test]
fn a_latency_fault_delays_the_answer_and_then_answers_normally() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "GET /charity_crm", "fault": "latency", "latency_ms": 300}));
    let started = Instant::now();
    let reply = sandbox.get("/charity_crm/api/v1/persons", Some(STAFF));
    assert_eq!(reply.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(
        sandbox
            .get("/charity_crm/api/v1/persons", Some(STAFF))
            .status,
        200
    );
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[test]
fn a_drop_fault_stores_the_write_then_closes_the_connection_without_an_answer() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "POST /caspen/v1/clients", "fault": "drop"}));
    let body = json!({"first_name": "Dropped", "last_name": "Answer"}).to_string();
    let outcome = sandbox.try_request(
        "POST",
        CLIENTS,
        Some(STAFF),
        Some(("application/json", &body)),
    );
    assert!(outcome.is_err(), "the connection closes without an answer");
    let stored = sandbox.records("caspen");
    assert!(
        stored
            .iter()
            .any(|record| record["body"]["first_name"] == "Dropped"),
        "the write happened before the drop"
    );
    assert_eq!(
        sandbox.get(CLIENTS, Some(STAFF)).status,
        200,
        "the server carries on"
    );
}

#[test]
fn a_drop_fault_on_a_read_closes_the_connection_too() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "GET /persons_v1", "fault": "drop"}));
    assert!(sandbox
        .try_request("GET", "/persons_v1/api/v1/persons", Some(STAFF), None)
        .is_err());
    assert_eq!(
        sandbox
            .get("/persons_v1/api/v1/persons", Some(STAFF))
            .status,
        200
    );
}

#[test]
fn a_malformed_json_fault_stores_the_write_and_cuts_the_answer() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "POST /casebook", "fault": "malformed_json"}));
    let reply = sandbox.send(
        "POST",
        PEOPLE,
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"first_name": "Cut", "last_name": "Short"}}}),
    );
    assert_eq!(reply.status, 201);
    assert!(
        serde_json::from_str::<Value>(&reply.text).is_err(),
        "{}",
        reply.text
    );
    assert!(reply.text.starts_with("{\"data\""), "{}", reply.text);
    assert!(sandbox
        .records("casebook")
        .iter()
        .any(|record| record["body"]["last_name"] == "Short"));

    sandbox.add_fault(json!({"route": "DELETE /casebook", "fault": "malformed_json"}));
    let deleted = sandbox.delete(&format!("{PEOPLE}/5"), Some(STAFF));
    assert!(
        serde_json::from_str::<Value>(&deleted.text).is_err(),
        "an empty answer gets a broken body too"
    );
}

#[test]
fn faults_can_be_listed_and_cleared_and_bad_ones_are_refused() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "GET /casebook", "fault": "500", "count": 3}));
    sandbox.add_fault(json!({"route": "GET /caspen", "fault": "latency"}));
    let listed = sandbox.get("/__admin/faults", None).json();
    assert_eq!(listed["faults"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["faults"][0]["remaining"], 3);
    assert_eq!(listed["faults"][1]["latency_ms"], 1000);

    assert_eq!(sandbox.delete("/__admin/faults", None).status, 204);
    assert_eq!(
        sandbox.get("/__admin/faults", None).json()["faults"],
        json!([])
    );
    assert_eq!(sandbox.get(PEOPLE, Some(STAFF)).status, 200);

    for bad in [
        json!({"route": "GET /casebook", "fault": "teapot"}),
        json!({"route": "casebook", "fault": "500"}),
        json!({"route": "GET /casebook", "fault": "500", "count": 0}),
        json!({"fault": "500"}),
    ] {
        let reply = sandbox.send("POST", "/__admin/faults", None, &bad);
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.json()["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("Invalid fault")));
    }
}

#[test]
fn faults_never_touch_the_admin_routes() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "/", "fault": "500", "count": 50}));
    assert_eq!(sandbox.get("/__admin/records/casebook", None).status, 200);
    assert_eq!(sandbox.get("/__admin/faults", None).status, 200);
    assert_eq!(sandbox.get(PEOPLE, Some(STAFF)).status, 500);
    assert_eq!(
        sandbox
            .send("POST", "/__admin/reset", None, &json!({}))
            .status,
        200
    );
    assert_eq!(
        sandbox.get(PEOPLE, Some(STAFF)).status,
        200,
        "reset clears faults"
    );
}

#[test]
fn admin_records_list_every_record_of_a_target_with_its_bookkeeping() {
    let sandbox = Sandbox::start();
    let records = sandbox.records("unite_us");
    assert_eq!(records.len(), 5);
    let first = &records[0];
    assert_eq!(first["kind"], "contact");
    assert_eq!(first["deleted"], false);
    assert!(first["created_at"].is_string() && first["updated_at"].is_string());
    assert_eq!(first["body"]["first_name"], "Maria");
    let filtered = sandbox
        .get("/__admin/records/unite_us?kind=assistance_request", None)
        .json();
    assert_eq!(filtered["records"], json!([]));
    let unknown = sandbox.get("/__admin/records/salesforce", None);
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["message"]
        .as_str()
        .is_some_and(|message| message.contains("casebook")));
    assert_eq!(sandbox.get("/__admin/nothing-here", None).status, 404);
}

#[test]
fn admin_reset_restores_the_seed() {
    let sandbox = Sandbox::start();
    let created = sandbox.send(
        "POST",
        PEOPLE,
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"first_name": "Temp", "last_name": "Person"}}}),
    );
    assert_eq!(created.status, 201);
    assert_eq!(
        sandbox.delete(&format!("{PEOPLE}/1"), Some(STAFF)).status,
        204
    );
    assert_eq!(sandbox.records("casebook").len(), 6);

    let reset = sandbox.send("POST", "/__admin/reset", None, &json!({}));
    assert_eq!(reset.status, 200);
    let records = sandbox.records("casebook");
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|record| record["deleted"] == false));
    assert_eq!(sandbox.get(&format!("{PEOPLE}/1"), Some(STAFF)).status, 200);
}

#[test]
fn cors_headers_come_only_on_routes_browsers_may_call_and_preflights_need_no_token() {
    let sandbox = Sandbox::start();
    for path in ["/unite_us/v3/widgets/assistance_requests", "/anything"] {
        let preflight = sandbox
            .try_request("OPTIONS", path, None, None)
            .expect("preflight");
        assert_eq!(preflight.status, 204, "{path}");
        assert_eq!(
            preflight.header("access-control-allow-origin").as_deref(),
            Some("*")
        );
        let methods = preflight
            .header("access-control-allow-methods")
            .unwrap_or_default();
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(methods.contains(method), "{methods}");
        }
        let headers = preflight
            .header("access-control-allow-headers")
            .unwrap_or_default();
        assert!(
            headers.contains("Authorization") && headers.contains("Content-Type"),
            "{headers}"
        );
    }
    let refused = sandbox.get("/unite_us/v3/widgets/assistance_requests/form_config", None);
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    // No document lets a browser call the other vendors, or Unite US's staff routes.
    for path in [
        PEOPLE,
        "/caspen/v1/clients",
        "/charity_crm/api/v1/persons",
        "/persons_v1/api/v1/persons",
        "/unite_us/v3/groups/demo-group/contacts",
    ] {
        let preflight = sandbox
            .try_request("OPTIONS", path, None, None)
            .expect("preflight");
        assert_eq!(preflight.status, 403, "{path}");
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            None,
            "{path}"
        );
        let answer = sandbox.get(path, Some(STAFF));
        assert_eq!(answer.header("access-control-allow-origin"), None, "{path}");
    }
    assert!(refused
        .header("access-control-expose-headers")
        .is_some_and(|exposed| exposed.contains("Retry-After")));
}

#[test]
fn admin_routes_answer_their_own_origin_or_none_without_cors_headers() {
    let sandbox = Sandbox::start();
    let own = sandbox.server.base_url();
    // Without an Origin, as curl, these tests and Node's fetch send them, and from a page
    // the sandbox serves itself.
    for headers in [vec![], vec![("Origin", own.as_str())]] {
        let listed = sandbox
            .try_request_with_headers("GET", "/__admin/faults", None, None, &headers)
            .expect("request completes");
        assert_eq!(listed.status, 200, "{headers:?}: {}", listed.text);
        let reset = sandbox
            .try_request_with_headers("POST", "/__admin/reset", None, None, &headers)
            .expect("request completes");
        assert_eq!(reset.status, 200, "{headers:?}: {}", reset.text);
        let cleared = sandbox
            .try_request_with_headers("DELETE", "/__admin/faults", None, None, &headers)
            .expect("request completes");
        assert_eq!(cleared.status, 204, "{headers:?}");
        for reply in [&listed, &reset, &cleared] {
            let cors: Vec<_> = reply
                .headers
                .keys()
                .filter(|name| name.as_str().starts_with("access-control-"))
                .collect();
            assert!(cors.is_empty(), "{headers:?}: {cors:?}");
        }
    }
}

#[test]
fn admin_routes_refuse_another_origin_with_403_and_do_nothing() {
    let sandbox = Sandbox::start();
    sandbox.add_fault(json!({"route": "GET /casebook", "fault": "500", "count": 5}));
    let created = sandbox.send(
        "POST",
        PEOPLE,
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"first_name": "Kept", "last_name": "Person"}}}),
    );
    assert_eq!(created.status, 201);
    let own_port = sandbox.server.address().port();
    let other_port = format!("http://127.0.0.1:{}", own_port.wrapping_add(1));
    for origin in [
        "http://evil.example",
        "null",
        other_port.as_str(),
        &format!("https://127.0.0.1:{own_port}"),
    ] {
        let origin_header = [("Origin", origin)];
        for (method, path) in [
            ("POST", "/__admin/reset"),
            ("DELETE", "/__admin/faults"),
            ("GET", "/__admin/records/casebook"),
            ("GET", "/__admin/nothing-here"),
        ] {
            let reply = sandbox
                .try_request_with_headers(method, path, None, None, &origin_header)
                .expect("request completes");
            assert_eq!(reply.status, 403, "{origin} {method} {path}");
            assert!(
                reply.json()["message"]
                    .as_str()
                    .is_some_and(|message| message.contains(origin)),
                "{}",
                reply.text
            );
            assert_eq!(reply.header("access-control-allow-origin"), None);
        }
        // A preflight gets no CORS headers either, so a browser never sends the request.
        let preflight = sandbox
            .try_request_with_headers(
                "OPTIONS",
                "/__admin/reset",
                None,
                None,
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "POST"),
                ],
            )
            .expect("preflight");
        assert_eq!(preflight.status, 403, "{origin}");
        assert_eq!(preflight.header("access-control-allow-origin"), None);
        assert_eq!(preflight.header("access-control-allow-methods"), None);
    }
    let add = sandbox
        .try_request_with_headers(
            "POST",
            "/__admin/faults",
            None,
            Some((
                "application/json",
                r#"{"route": "GET /caspen", "fault": "503"}"#,
            )),
            &[("Origin", "http://evil.example")],
        )
        .expect("request completes");
    assert_eq!(add.status, 403);

    // Nothing was reset, cleared or added.
    let faults = sandbox.get("/__admin/faults", None).json();
    assert_eq!(faults["faults"].as_array().map(Vec::len), Some(1));
    assert_eq!(faults["faults"][0]["route"], "GET /casebook");
    assert_eq!(sandbox.records("casebook").len(), 6);
    // The widget's vendor routes still allow any origin.
    let preflight = sandbox
        .try_request_with_headers(
            "OPTIONS",
            "/unite_us/v3/widgets/assistance_requests",
            None,
            None,
            &[
                ("Origin", "http://evil.example"),
                ("Access-Control-Request-Method", "POST"),
            ],
        )
        .expect("preflight");
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
}

#[test]
fn unknown_api_paths_answer_404_in_the_targets_style() {
    let sandbox = Sandbox::start();
    let casebook = sandbox.get("/casebook/people/households", Some(STAFF));
    assert_eq!(casebook.status, 404);
    assert_eq!(casebook.json()["errors"][0]["status"], "404");
    let caspen = sandbox.get("/caspen/v2/clients", Some(STAFF));
    assert_eq!(caspen.status, 404);
    assert!(caspen.json()["message"].is_string());
}

#[test]
fn a_field_the_document_does_not_list_is_recorded_as_dropped_until_a_reset() {
    let sandbox = Sandbox::start();
    let dropped = || sandbox.get("/__admin/dropped", None).json()["dropped"].clone();
    assert_eq!(dropped(), json!([]));
    // Refused (no last name): nothing stored, so nothing dropped either.
    let refused = sandbox.send(
        "POST",
        CLIENTS,
        Some(STAFF),
        &json!({"first_name": "A", "middle_name": "B"}),
    );
    assert_eq!(refused.status, 422);
    assert_eq!(dropped(), json!([]));
    let accepted = sandbox.send(
        "POST",
        CLIENTS,
        Some(STAFF),
        &json!({"first_name": "A", "last_name": "C", "middle_name": "B", "address": {"line1": "1 Main St"}}),
    );
    assert_eq!(accepted.status, 201);
    let entries = dropped();
    let fields: Vec<&str> = entries
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["field"].as_str())
        .collect();
    assert_eq!(fields, ["middle_name"], "{entries}");
    assert_eq!(entries[0]["path"], CLIENTS);
    assert_eq!(
        sandbox
            .send("POST", "/__admin/reset", None, &json!({}))
            .status,
        200
    );
    assert_eq!(dropped(), json!([]));
}
