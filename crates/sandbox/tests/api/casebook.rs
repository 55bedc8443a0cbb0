use serde_json::{json, Value};

use crate::support::{pointers, Sandbox, STAFF, WIDGET};

const PEOPLE: &str = "/casebook/people/people";

fn person(first: &str, last: &str) -> Value {
    json!({"data": {"type": "people", "attributes": {"first_name": first, "last_name": last}}})
}

fn create(sandbox: &Sandbox, first: &str, last: &str) -> String {
    let reply = sandbox.send("POST", PEOPLE, Some(STAFF), &person(first, last));
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["data"]["id"].as_str().expect("id").to_string()
}

#[test]
fn casebook_create_answers_a_json_api_document_that_can_be_fetched() {
    let sandbox = Sandbox::start();
    let body = json!({"data": {"type": "people", "attributes": {
        "first_name": "Ann", "last_name": "Lee", "date_of_birth": "1990-05-06",
        "hispanic_or_latino": "unable to determine", "email": "ann@example.org", "favourite_colour": "green"
    }}});
    let reply = sandbox.send("POST", PEOPLE, Some(STAFF), &body);
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/vnd.api+json")
    );
    let created = reply.json();
    let id = created["data"]["id"].as_str().expect("id");
    assert_eq!(created["data"]["type"], "people");
    assert_eq!(created["data"]["attributes"]["last_name"], "Lee");
    assert_eq!(created["data"]["attributes"]["favourite_colour"], "green");
    assert_eq!(reply.header("location"), Some(format!("{PEOPLE}/{id}")));
    assert_eq!(
        created["data"]["links"]["self"],
        sandbox.url(&format!("{PEOPLE}/{id}"))
    );

    let fetched = sandbox.get(&format!("{PEOPLE}/{id}"), Some(STAFF));
    assert_eq!(fetched.status, 200);
    assert_eq!(
        fetched.json()["data"]["attributes"]["date_of_birth"],
        "1990-05-06"
    );
}

#[test]
fn casebook_create_without_required_attributes_points_at_each_one() {
    let sandbox = Sandbox::start();
    let reply = sandbox.send(
        "POST",
        PEOPLE,
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"first_name": "  "}}}),
    );
    assert_eq!(reply.status, 422);
    let body = reply.json();
    assert_eq!(
        pointers(&body),
        ["/data/attributes/first_name", "/data/attributes/last_name"]
    );
    assert_eq!(body["errors"][0]["code"], "blank");
    assert_eq!(body["errors"][0]["status"], "422");
}

#[test]
fn casebook_create_with_invalid_values_names_each_attribute() {
    let sandbox = Sandbox::start();
    let body = json!({"data": {"type": "people", "attributes": {
        "first_name": 5, "last_name": "Lee", "date_of_birth": "12/04/1985",
        "hispanic_or_latino": "maybe", "email": "not-an-email"
    }}});
    let reply = sandbox.send("POST", PEOPLE, Some(STAFF), &body);
    assert_eq!(reply.status, 422);
    let body = reply.json();
    assert_eq!(
        pointers(&body),
        [
            "/data/attributes/date_of_birth",
            "/data/attributes/email",
            "/data/attributes/first_name",
            "/data/attributes/hispanic_or_latino",
        ]
    );
    let inclusion = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|error| error["source"]["pointer"] == "/data/attributes/hispanic_or_latino")
        .expect("hispanic_or_latino error");
    assert_eq!(inclusion["code"], "inclusion");
    assert!(sandbox.records("casebook").len() == 5, "nothing stored");
}

#[test]
fn casebook_refuses_documents_of_the_wrong_shape() {
    let sandbox = Sandbox::start();
    let no_data = sandbox.send("POST", PEOPLE, Some(STAFF), &json!({"first_name": "Ann"}));
    assert_eq!(no_data.status, 400);
    assert_eq!(pointers(&no_data.json()), ["/data"]);

    let wrong_type = sandbox.send(
        "POST",
        PEOPLE,
        Some(STAFF),
        &json!({"data": {"type": "cases", "attributes": {"first_name": "A", "last_name": "B"}}}),
    );
    assert_eq!(wrong_type.status, 409);
    assert_eq!(pointers(&wrong_type.json()), ["/data/type"]);

    let bad_attributes = sandbox.send(
        "POST",
        PEOPLE,
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": ["Ann"]}}),
    );
    assert_eq!(bad_attributes.status, 400);
    assert_eq!(pointers(&bad_attributes.json()), ["/data/attributes"]);

    let malformed = sandbox.send_raw(
        "POST",
        PEOPLE,
        Some(STAFF),
        "application/vnd.api+json",
        "{\"data\":",
    );
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["errors"][0]["detail"]
        .as_str()
        .is_some_and(|detail| detail.contains("not valid JSON")));
}

#[test]
fn casebook_list_filters_by_attribute_without_regard_to_case() {
    let sandbox = Sandbox::start();
    let garcia = sandbox.get(&format!("{PEOPLE}?filter[last_name]=garcia"), Some(STAFF));
    assert_eq!(garcia.status, 200);
    let body = garcia.json();
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["data"][0]["attributes"]["first_name"], "Maria");
    assert_eq!(body["data"][0]["attributes"]["date_of_birth"], "1985-04-12");

    let both = sandbox.get(
        &format!("{PEOPLE}?filter[first_name]=Maria&filter[last_name]=Smith"),
        Some(STAFF),
    );
    assert_eq!(both.json()["data"], json!([]));
    let by_birth = sandbox.get(
        &format!("{PEOPLE}?filter[date_of_birth]=1970-01-30"),
        Some(STAFF),
    );
    assert_eq!(
        by_birth.json()["data"][0]["attributes"]["last_name"],
        "Smith"
    );
}

#[test]
fn casebook_list_pages_ten_at_a_time_by_default() {
    let sandbox = Sandbox::start();
    for index in 0..8 {
        create(&sandbox, &format!("Extra{index}"), "Person");
    }
    let first = sandbox.get(PEOPLE, Some(STAFF)).json();
    assert_eq!(first["data"].as_array().map(Vec::len), Some(10));
    assert_eq!(first["meta"]["record_count"], 13);
    assert_eq!(first["meta"]["page_count"], 2);
    assert_eq!(first["links"]["prev"], Value::Null);
    let next = first["links"]["next"].as_str().expect("next link");
    assert!(next.starts_with("http://127.0.0.1:"), "{next}");

    let client = crate::support::client();
    let second = crate::support::request(&client, next, "GET", Some(STAFF), None)
        .expect("next page")
        .json();
    assert_eq!(second["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(second["links"]["next"], Value::Null);
    assert!(second["links"]["prev"].is_string());

    let small = sandbox
        .get(
            &format!("{PEOPLE}?page[size]=5&page[number]=3"),
            Some(STAFF),
        )
        .json();
    assert_eq!(small["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(small["data"][0]["attributes"]["first_name"], "Extra5");
}

#[test]
fn casebook_bad_page_parameters_are_reported_as_parameters() {
    let sandbox = Sandbox::start();
    for query in ["page[size]=0", "page[size]=101", "page[number]=first"] {
        let reply = sandbox.get(&format!("{PEOPLE}?{query}"), Some(STAFF));
        assert_eq!(reply.status, 400, "{query}");
        let parameter = query.split('=').next().unwrap_or_default();
        assert_eq!(reply.json()["errors"][0]["source"]["parameter"], parameter);
    }
}

#[test]
fn casebook_patch_keeps_unsent_attributes() {
    let sandbox = Sandbox::start();
    let reply = sandbox.send(
        "PATCH",
        &format!("{PEOPLE}/1"),
        Some(STAFF),
        &json!({"data": {"type": "people", "id": "1", "attributes": {"last_name": "Garcia-Lopez"}}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let attributes = reply.json()["data"]["attributes"].clone();
    assert_eq!(attributes["last_name"], "Garcia-Lopez");
    assert_eq!(attributes["first_name"], "Maria");
    assert_eq!(attributes["date_of_birth"], "1985-04-12");
    let fetched = sandbox.get(&format!("{PEOPLE}/1"), Some(STAFF)).json();
    assert_eq!(fetched["data"]["attributes"]["last_name"], "Garcia-Lopez");
}

#[test]
fn casebook_patch_checks_what_is_sent() {
    let sandbox = Sandbox::start();
    let blanked = sandbox.send(
        "PATCH",
        &format!("{PEOPLE}/2"),
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"first_name": null, "email": "nope"}}}),
    );
    assert_eq!(blanked.status, 422);
    assert_eq!(
        pointers(&blanked.json()),
        ["/data/attributes/email", "/data/attributes/first_name"]
    );
    let other_id = sandbox.send(
        "PATCH",
        &format!("{PEOPLE}/2"),
        Some(STAFF),
        &json!({"data": {"type": "people", "id": "3", "attributes": {}}}),
    );
    assert_eq!(other_id.status, 409);
    assert_eq!(pointers(&other_id.json()), ["/data/id"]);
    let missing = sandbox.send(
        "PATCH",
        &format!("{PEOPLE}/999"),
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"last_name": "X"}}}),
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["errors"][0]["status"], "404");
}

#[test]
fn casebook_soft_delete_hides_the_person_but_keeps_the_record() {
    let sandbox = Sandbox::start();
    let id = create(&sandbox, "Gone", "Soon");
    let deleted = sandbox.delete(&format!("{PEOPLE}/{id}"), Some(STAFF));
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "");

    assert_eq!(
        sandbox.get(&format!("{PEOPLE}/{id}"), Some(STAFF)).status,
        404
    );
    let listed = sandbox
        .get(&format!("{PEOPLE}?filter[last_name]=Soon"), Some(STAFF))
        .json();
    assert_eq!(listed["data"], json!([]));
    assert_eq!(listed["meta"]["record_count"], 0);
    let patched = sandbox.send(
        "PATCH",
        &format!("{PEOPLE}/{id}"),
        Some(STAFF),
        &json!({"data": {"type": "people", "attributes": {"first_name": "Back"}}}),
    );
    assert_eq!(patched.status, 404);
    assert_eq!(
        sandbox
            .delete(&format!("{PEOPLE}/{id}"), Some(STAFF))
            .status,
        404
    );

    let stored = sandbox.records("casebook");
    let record = stored
        .iter()
        .find(|record| record["id"] == id)
        .expect("kept");
    assert_eq!(record["deleted"], true);
    assert_eq!(record["body"]["first_name"], "Gone");
    // A new person never reuses a deleted person's id.
    let next_id = create(&sandbox, "Next", "Person");
    assert_ne!(next_id, id);
}

#[test]
fn casebook_sparse_fieldsets_limit_the_attributes() {
    let sandbox = Sandbox::start();
    let reply = sandbox.get(
        &format!("{PEOPLE}/3?fields[people]=first_name,last_name"),
        Some(STAFF),
    );
    let attributes = reply.json()["data"]["attributes"].clone();
    assert_eq!(
        attributes,
        json!({"first_name": "Aisha", "last_name": "Khan"})
    );
}

#[test]
fn casebook_wants_the_staff_token() {
    let sandbox = Sandbox::start();
    for token in [None, Some("wrong"), Some(WIDGET)] {
        let reply = sandbox.get(PEOPLE, token);
        assert_eq!(reply.status, 401, "{token:?}");
        assert_eq!(reply.header("www-authenticate").as_deref(), Some("Bearer"));
        assert_eq!(reply.json()["errors"][0]["status"], "401");
        let write = sandbox.send("POST", PEOPLE, token, &person("No", "Token"));
        assert_eq!(write.status, 401);
    }
    assert_eq!(sandbox.records("casebook").len(), 5);
}
