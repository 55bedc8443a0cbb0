use serde_json::{json, Value};

use crate::support::{error_keys, Sandbox, STAFF, WIDGET};

const PERSONS: &str = "/persons_v1/api/v1/persons";

#[test]
fn persons_v1_put_creates_then_answers_unchanged_then_updated() {
    let sandbox = Sandbox::start();
    let body = json!({"data": {"firstName": "John", "lastName": "Doe", "userName": "john.doe", "active": true}});
    let created = sandbox.send("PUT", &format!("{PERSONS}/100"), Some(STAFF), &body);
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(
        created.json(),
        json!({"status": "created", "data": {"personId": 100}})
    );

    let repeated = sandbox.send("PUT", &format!("{PERSONS}/100"), Some(STAFF), &body);
    assert_eq!(repeated.json()["status"], "unchanged");

    let changed = sandbox.send(
        "PUT",
        &format!("{PERSONS}/100"),
        Some(STAFF),
        &json!({"data": {"information": "prefers mornings"}}),
    );
    assert_eq!(changed.json()["status"], "updated");
    let stored = sandbox.get(&format!("{PERSONS}/100"), Some(STAFF)).json();
    assert_eq!(
        stored["data"],
        json!({"personId": 100, "firstName": "John", "lastName": "Doe", "userName": "john.doe",
               "information": "prefers mornings", "active": true})
    );
}

#[test]
fn persons_v1_list_upsert_reports_each_persons_status() {
    let sandbox = Sandbox::start();
    let body = json!({"data": [
        {"personId": 1, "firstName": "Maria"},
        {"personId": 2, "active": false},
        {"firstName": "New", "lastName": "Person"},
        {"personId": 40, "firstName": "Chosen", "lastName": "Id"}
    ]});
    let reply = sandbox.send("PUT", PERSONS, Some(STAFF), &body);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({
            "status": {"created": [41, 40], "updated": [2], "unchanged": [1]},
            "data": [{"personId": 1}, {"personId": 2}, {"personId": 41}, {"personId": 40}]
        })
    );
    let john = sandbox.get(&format!("{PERSONS}/2"), Some(STAFF)).json();
    assert_eq!(john["data"]["active"], false);
    assert_eq!(john["data"]["firstName"], "John");
    let listed = sandbox.get(PERSONS, Some(STAFF)).json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(7));
}

#[test]
fn persons_v1_an_invalid_list_stores_nobody() {
    let sandbox = Sandbox::start();
    let body = json!({"data": [
        {"personId": 1, "firstName": "Changed"},
        {"personId": 50, "firstName": 3, "lastName": "X"},
        {"personId": 51, "lastName": "NoFirstName"}
    ]});
    let reply = sandbox.send("PUT", PERSONS, Some(STAFF), &body);
    assert_eq!(reply.status, 400);
    let errors = reply.json();
    assert_eq!(error_keys(&errors), ["data.1.firstName"]);
    assert!(errors["message"].is_string());
    assert_eq!(
        sandbox.get(&format!("{PERSONS}/1"), Some(STAFF)).json()["data"]["firstName"],
        "Maria"
    );

    let missing_name = json!({"data": [{"personId": 1, "firstName": "Changed"}, {"personId": 51, "lastName": "NoFirstName"}]});
    let reply = sandbox.send("PUT", PERSONS, Some(STAFF), &missing_name);
    assert_eq!(reply.status, 400);
    assert_eq!(error_keys(&reply.json()), ["data.1.firstName"]);
    assert_eq!(
        sandbox.get(&format!("{PERSONS}/1"), Some(STAFF)).json()["data"]["firstName"],
        "Maria"
    );
    assert_eq!(
        sandbox.get(&format!("{PERSONS}/51"), Some(STAFF)).status,
        404
    );
}

#[test]
fn persons_v1_a_new_person_needs_both_names() {
    let sandbox = Sandbox::start();
    let reply = sandbox.send(
        "PUT",
        &format!("{PERSONS}/77"),
        Some(STAFF),
        &json!({"data": {"userName": "x"}}),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        error_keys(&reply.json()),
        ["data.firstName", "data.lastName"]
    );
}

#[test]
fn persons_v1_refuses_unknown_fields_bad_types_and_bad_ids() {
    let sandbox = Sandbox::start();
    let cases: [(&str, Value, &[&str]); 5] = [
        (
            "/persons_v1/api/v1/persons/1",
            json!({"data": {"nickname": "Mari", "active": "yes"}}),
            &["data.active", "data.nickname"],
        ),
        (
            "/persons_v1/api/v1/persons/abc",
            json!({"data": {"firstName": "A"}}),
            &["id"],
        ),
        (
            "/persons_v1/api/v1/persons/1",
            json!({"data": {"personId": 2}}),
            &["data.personId"],
        ),
        (
            "/persons_v1/api/v1/persons/1",
            json!({"person": {}}),
            &["data"],
        ),
        (
            "/persons_v1/api/v1/persons",
            json!({"data": {"personId": 1}}),
            &["data"],
        ),
    ];
    for (path, body, keys) in cases {
        let reply = sandbox.send("PUT", path, Some(STAFF), &body);
        assert_eq!(reply.status, 400, "{path} {body}");
        assert_eq!(error_keys(&reply.json()), keys, "{body}");
    }
    let duplicate = sandbox.send(
        "PUT",
        PERSONS,
        Some(STAFF),
        &json!({"data": [{"personId": 1}, {"personId": 1}]}),
    );
    assert_eq!(error_keys(&duplicate.json()), ["data.1.personId"]);
    let malformed = sandbox.send_raw("PUT", PERSONS, Some(STAFF), "application/json", "[");
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["message"]
        .as_str()
        .is_some_and(|message| message.contains("not valid JSON")));
}

#[test]
fn persons_v1_gets_the_list_and_one_person() {
    let sandbox = Sandbox::start();
    let listed = sandbox.get(PERSONS, Some(STAFF)).json();
    let names: Vec<&str> = listed["data"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|person| person["lastName"].as_str())
        .collect();
    assert_eq!(names, ["Garcia", "Smith", "Khan", "Chen", "Adeyemi"]);
    let aisha = sandbox.get(&format!("{PERSONS}/3"), Some(STAFF));
    assert_eq!(aisha.json()["data"]["firstName"], "Aisha");
    let missing = sandbox.get(&format!("{PERSONS}/999"), Some(STAFF));
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json(), json!({"message": "Person 999 not found"}));
}

#[test]
fn persons_v1_delete_is_permanent_for_the_api_and_kept_for_the_admin_view() {
    let sandbox = Sandbox::start();
    assert_eq!(
        sandbox.delete(&format!("{PERSONS}/4"), Some(STAFF)).status,
        204
    );
    assert_eq!(
        sandbox.get(&format!("{PERSONS}/4"), Some(STAFF)).status,
        404
    );
    assert_eq!(
        sandbox.delete(&format!("{PERSONS}/4"), Some(STAFF)).status,
        404
    );
    let listed = sandbox.get(PERSONS, Some(STAFF)).json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(4));
    let tombstone = sandbox
        .records("persons_v1")
        .into_iter()
        .find(|record| record["id"] == "4")
        .expect("tombstone");
    assert_eq!(tombstone["deleted"], true);

    let again = sandbox.send(
        "PUT",
        &format!("{PERSONS}/4"),
        Some(STAFF),
        &json!({"data": {"firstName": "Wei", "lastName": "Chen"}}),
    );
    assert_eq!(again.json()["status"], "created");
    assert_eq!(
        sandbox.get(&format!("{PERSONS}/4"), Some(STAFF)).json()["data"]["information"],
        ""
    );
}

#[test]
fn persons_v1_wants_the_staff_token() {
    let sandbox = Sandbox::start();
    for token in [None, Some("demo-staff-token-x"), Some(WIDGET)] {
        let reply = sandbox.send(
            "PUT",
            &format!("{PERSONS}/1"),
            token,
            &json!({"data": {"active": false}}),
        );
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json(), json!({"message": "Unauthorized"}));
        assert_eq!(sandbox.get(PERSONS, token).status, 401);
    }
    assert_eq!(
        sandbox.get(&format!("{PERSONS}/1"), Some(STAFF)).json()["data"]["active"],
        true
    );
}
