use serde_json::{json, Value};

use crate::support::{client, error_keys, request, Sandbox, STAFF, WIDGET};

const CLIENTS: &str = "/caspen/v1/clients";

fn create(sandbox: &Sandbox, first: &str, last: &str) -> Value {
    let reply = sandbox.send(
        "POST",
        CLIENTS,
        Some(STAFF),
        &json!({"first_name": first, "last_name": last}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

#[test]
fn caspen_create_answers_the_client_resource() {
    let sandbox = Sandbox::start();
    let body = json!({
        "first_name": "Helen", "last_name": "Keller", "email": "helen@example.org",
        "date_of_birth": "1987-06-27T00:00:00Z", "privacy_policy_consent": "accepted",
        "referral_type_id": 12, "tag_ids": [3, 4], "intolerances": ["Gluten"],
        "address": {"line1": "123 Sample Street", "city": "Sydney", "state": "NSW", "postal_code": "2000", "country_code": "AU"},
        "medications": [{"name": "Aspirin", "dosage": "100mg"}],
        "phone_numbers": [{"number": "400123456", "code": "+61", "type": "mobile"}],
        "shoe_size": 39
    });
    let reply = sandbox.send("POST", CLIENTS, Some(STAFF), &body);
    assert_eq!(reply.status, 201, "{}", reply.text);
    let client = reply.json();
    let id = client["id"].as_str().expect("id");
    assert!(id.starts_with("cli_") && id.len() == 30, "{id}");
    assert_eq!(reply.header("location"), Some(format!("{CLIENTS}/{id}")));
    assert_eq!(client["date_of_birth"], "1987-06-27");
    assert_eq!(client["referral_type_id"], "12");
    assert_eq!(client["tag_ids"], json!(["3", "4"]));
    assert_eq!(client["address"]["line2"], Value::Null);
    assert_eq!(client["medications"][0]["dosage"], "100mg");
    assert!(client["phone_numbers"][0]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("pho_")));
    assert_eq!(client["notes"], Value::Null);
    assert!(
        client.get("shoe_size").is_none(),
        "unknown keys are dropped"
    );
    assert_eq!(
        sandbox.get(&format!("{CLIENTS}/{id}"), Some(STAFF)).json(),
        client
    );
}

#[test]
fn caspen_invalid_bodies_get_a_laravel_422() {
    let sandbox = Sandbox::start();
    let body = json!({
        "last_name": "", "email": "helen", "date_of_birth": "yesterday",
        "privacy_policy_consent": "maybe", "alert": "x".repeat(501), "referral_type_id": "twelve",
        "tag_ids": [1, "x"], "intolerances": "gluten", "medications": [{"dosage": "1mg"}],
        "phone_numbers": [{"type": "pager"}], "address": {"country_code": "Australia"}
    });
    let reply = sandbox.send("POST", CLIENTS, Some(STAFF), &body);
    assert_eq!(reply.status, 422);
    let errors = reply.json();
    assert_eq!(
        error_keys(&errors),
        [
            "address.country_code",
            "alert",
            "date_of_birth",
            "email",
            "first_name",
            "intolerances",
            "last_name",
            "medications.0.name",
            "phone_numbers.0.number",
            "phone_numbers.0.type",
            "privacy_policy_consent",
            "referral_type_id",
            "tag_ids.1",
        ]
    );
    assert_eq!(
        errors["message"],
        "The first name field is required. (and 12 more errors)"
    );
    assert_eq!(
        errors["errors"]["email"][0],
        "The email field must be a valid email address."
    );
    assert_eq!(
        errors["errors"]["alert"][0],
        "The alert field must not be greater than 500 characters."
    );
    assert_eq!(
        errors["errors"]["privacy_policy_consent"][0],
        "The selected privacy policy consent is invalid."
    );
    assert_eq!(sandbox.records("caspen").len(), 5);
}

#[test]
fn caspen_a_body_that_is_not_a_json_object_is_422() {
    let sandbox = Sandbox::start();
    for body in ["first_name=Helen", "[]", ""] {
        let reply = sandbox.send_raw("POST", CLIENTS, Some(STAFF), "application/json", body);
        assert_eq!(reply.status, 422, "{body:?}");
        assert!(reply.json()["message"].is_string());
    }
}

#[test]
fn caspen_update_by_post_changes_only_the_fields_sent() {
    let sandbox = Sandbox::start();
    let maria = "cli_01HQFQ9QWTNNPY58FZ8CB3FW01";
    let reply = sandbox.send(
        "POST",
        &format!("{CLIENTS}/{maria}"),
        Some(STAFF),
        &json!({"notes": "Prefers mornings", "email": null}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let client = reply.json();
    assert_eq!(client["notes"], "Prefers mornings");
    assert_eq!(client["email"], Value::Null);
    assert_eq!(client["first_name"], "Maria");
    assert_eq!(client["date_of_birth"], "1985-04-12");

    let blank = sandbox.send(
        "POST",
        &format!("{CLIENTS}/{maria}"),
        Some(STAFF),
        &json!({"first_name": ""}),
    );
    assert_eq!(blank.status, 422);
    assert_eq!(error_keys(&blank.json()), ["first_name"]);
    assert_eq!(
        sandbox
            .get(&format!("{CLIENTS}/{maria}"), Some(STAFF))
            .json()["first_name"],
        "Maria"
    );

    let missing = sandbox.send(
        "POST",
        &format!("{CLIENTS}/cli_nope"),
        Some(STAFF),
        &json!({"notes": "x"}),
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json(), json!({"message": "Client not found."}));
    assert_eq!(
        sandbox
            .get(&format!("{CLIENTS}/cli_nope"), Some(STAFF))
            .status,
        404
    );
}

#[test]
fn caspen_list_pages_with_opaque_cursors_both_ways() {
    let sandbox = Sandbox::start();
    for last in ["Six", "Seven", "Eight"] {
        create(&sandbox, "Extra", last);
    }
    let agent = client();
    let first = sandbox
        .get(&format!("{CLIENTS}?limit=3"), Some(STAFF))
        .json();
    let names = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|client| client["last_name"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(names(&first), ["Garcia", "Smith", "Khan"]);
    assert_eq!(first["links"]["prev"], Value::Null);
    assert_eq!(first["meta"]["per_page"], 3);

    let next = first["links"]["next"].as_str().expect("next");
    let second = request(&agent, next, "GET", Some(STAFF), None)
        .expect("page")
        .json();
    assert_eq!(names(&second), ["Chen", "Adeyemi", "Six"]);
    let third_url = second["links"]["next"].as_str().expect("next").to_string();
    let third = request(&agent, &third_url, "GET", Some(STAFF), None)
        .expect("page")
        .json();
    assert_eq!(names(&third), ["Seven", "Eight"]);
    assert_eq!(third["links"]["next"], Value::Null);
    assert_eq!(third["meta"]["next_cursor"], Value::Null);

    let back = third["links"]["prev"].as_str().expect("prev");
    let back_page = request(&agent, back, "GET", Some(STAFF), None)
        .expect("page")
        .json();
    assert_eq!(names(&back_page), ["Chen", "Adeyemi", "Six"]);

    let default_limit = sandbox.get(CLIENTS, Some(STAFF)).json();
    assert_eq!(default_limit["data"].as_array().map(Vec::len), Some(8));
}

#[test]
fn caspen_list_refuses_bad_limits_and_cursors() {
    let sandbox = Sandbox::start();
    let limit = sandbox.get(&format!("{CLIENTS}?limit=0"), Some(STAFF));
    assert_eq!(limit.status, 422);
    assert_eq!(
        limit.json()["errors"]["limit"][0],
        "The limit field must be between 1 and 100."
    );
    let cursor = sandbox.get(&format!("{CLIENTS}?cursor=not-a-cursor"), Some(STAFF));
    assert_eq!(cursor.status, 422);
    assert_eq!(error_keys(&cursor.json()), ["cursor"]);
}

#[test]
fn caspen_answers_429_with_retry_after_over_its_rate_limit() {
    let sandbox = Sandbox::start_with(|config| config.caspen_rate_limit = 3);
    for remaining in ["2", "1", "0"] {
        let reply = sandbox.get(CLIENTS, Some(STAFF));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(
            reply.header("x-ratelimit-remaining").as_deref(),
            Some(remaining)
        );
    }
    let limited = sandbox.send(
        "POST",
        CLIENTS,
        Some(STAFF),
        &json!({"first_name": "A", "last_name": "B"}),
    );
    assert_eq!(limited.status, 429);
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.json(), json!({"message": "Too Many Attempts."}));
    assert_eq!(
        sandbox.records("caspen").len(),
        5,
        "a refused create stores nothing"
    );
    // Other targets have no such limit.
    assert_eq!(
        sandbox
            .get("/persons_v1/api/v1/persons", Some(STAFF))
            .status,
        200
    );

    let reset = sandbox.send("POST", "/__admin/reset", None, &json!({}));
    assert_eq!(reset.status, 200);
    assert_eq!(sandbox.get(CLIENTS, Some(STAFF)).status, 200);
}

#[test]
fn caspen_wants_the_staff_token() {
    let sandbox = Sandbox::start();
    for token in [None, Some("nope"), Some(WIDGET)] {
        let reply = sandbox.send(
            "POST",
            CLIENTS,
            token,
            &json!({"first_name": "A", "last_name": "B"}),
        );
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json(), json!({"message": "Unauthenticated."}));
        assert_eq!(sandbox.get(CLIENTS, token).status, 401);
    }
    assert_eq!(sandbox.records("caspen").len(), 5);
}
