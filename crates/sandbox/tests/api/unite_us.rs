use serde_json::{json, Value};

use crate::support::{error_keys, Sandbox, STAFF, WIDGET};

const WIDGET_REQUESTS: &str = "/unite_us/v3/widgets/assistance_requests";
const WIDGET_CONFIG: &str = "/unite_us/v3/widgets/assistance_requests/form_config";
const GROUP: &str = "/unite_us/v3/groups/demo-group";
const MARIA: &str = "5f0c8a3e-1d2b-4c6a-9e7f-000000000001";
const MARIA_BORN: i64 = 482_112_000;

fn assistance_request() -> Value {
    json!({"assistance_request": {
        "service_type_id": "st-emergency-food",
        "description": "We need groceries this week.",
        "requestor": {
            "first_name": "Rosa", "last_name": "Diaz", "date_of_birth": 631_152_000,
            "gender": "female", "ethnicity": "hispanic-or-latino", "title": "Ms.",
            "phone_number": {"phone_number": "(512) 555-0199", "phone_type": "mobile", "can_sms": true},
            "address": {"line_1": "1 Main St", "city": "Austin", "state": "TX", "postal_code": "78701",
                        "country": "US", "address_type": "home"},
            "email_address": {"email_address": "rosa@example.org", "is_primary": true},
            "military": {"affiliation": "spouse", "entry_date": 946_684_800},
            "form_response": {"form_id": "food-intake", "data": [
                {"question_id": "household_size", "response_value": "4"},
                {"question_id": "needs", "response_value": ["groceries"]}
            ]}
        },
        "consent": {"signature_image": "iVBORw0KGgo="}
    }})
}

fn submit(sandbox: &Sandbox) -> Value {
    let reply = sandbox.send("POST", WIDGET_REQUESTS, Some(WIDGET), &assistance_request());
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["data"].clone()
}

fn create_contact(sandbox: &Sandbox, contact: Value) -> Value {
    let reply = sandbox.send("POST", &format!("{GROUP}/contacts"), Some(STAFF), &contact);
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()["data"].clone()
}

#[test]
fn unite_us_widget_form_config_wants_only_the_widget_token() {
    let sandbox = Sandbox::start();
    let reply = sandbox.get(WIDGET_CONFIG, Some(WIDGET));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let config = reply.json()["data"].clone();
    assert_eq!(config["group"]["id"], "demo-group");
    assert_eq!(config["form"]["id"], "food-intake");
    assert_eq!(config["service_types"][0]["children"][1]["id"], "st-meals");
    assert!(config["requestor"]["required"]
        .as_array()
        .is_some_and(|required| required.contains(&json!("address.postal_code"))));
    assert_eq!(config["requestor"]["enums"]["gender"][3], "non-binary");

    for token in [None, Some(STAFF), Some("nope")] {
        let refused = sandbox.get(WIDGET_CONFIG, token);
        assert_eq!(refused.status, 401, "{token:?}");
        assert_eq!(
            refused.json(),
            json!({"errors": ["Invalid or missing widget token"]})
        );
    }
    let staff_view = sandbox.get(
        &format!("{GROUP}/assistance_request_form_config"),
        Some(STAFF),
    );
    assert_eq!(staff_view.json()["data"], config);
    assert_eq!(
        sandbox
            .get(
                &format!("{GROUP}/assistance_request_form_config"),
                Some(WIDGET)
            )
            .status,
        401
    );
}

#[test]
fn unite_us_widget_assistance_request_is_stored_with_the_requestor_normalised() {
    let sandbox = Sandbox::start();
    let stored = submit(&sandbox);
    assert_eq!(
        stored["service_type"],
        json!({"id": "st-emergency-food", "name": "Emergency Food"})
    );
    let requestor = &stored["requestor"];
    assert_eq!(requestor["first_name"], "Rosa");
    assert_eq!(requestor["date_of_birth"], 631_152_000);
    assert_eq!(requestor["phone_numbers"][0]["phone_number"], "5125550199");
    assert_eq!(requestor["phone_numbers"][0]["country_code"], "1");
    assert_eq!(requestor["addresses"][0]["postal_code"], "78701");
    assert_eq!(
        requestor["email_addresses"][0]["email_address"],
        "rosa@example.org"
    );
    assert_eq!(requestor["military"]["affiliation"], "spouse");
    assert_eq!(
        stored["form_response"]["responses"][1]["response_value"],
        json!(["groceries"])
    );
    assert_eq!(stored["consent"]["signature_image"], "iVBORw0KGgo=");

    let records = sandbox.records("unite_us");
    let record = records
        .iter()
        .find(|record| record["id"] == stored["id"])
        .expect("stored");
    assert_eq!(record["kind"], "assistance_request");
    assert_eq!(record["body"], stored);
}

#[test]
fn unite_us_widget_accepts_rails_bracket_keys_as_json_or_form_encoding() {
    let sandbox = Sandbox::start();
    let flat = [
        ("assistance_request[service_type_id]", "st-employment"),
        ("assistance_request[description]", "Looking for work"),
        ("assistance_request[requestor][first_name]", "Sam"),
        ("assistance_request[requestor][last_name]", "Lee"),
        ("assistance_request[requestor][date_of_birth]", "631152000"),
        (
            "assistance_request[requestor][phone_number][phone_number]",
            "512-555-0123",
        ),
        (
            "assistance_request[requestor][phone_number][can_sms]",
            "true",
        ),
        (
            "assistance_request[requestor][address][line_1]",
            "2 Main St",
        ),
        ("assistance_request[requestor][address][city]", "Austin"),
        ("assistance_request[requestor][address][state]", "TX"),
        (
            "assistance_request[requestor][address][postal_code]",
            "78702",
        ),
        ("assistance_request[requestor][address][country]", "US"),
        (
            "assistance_request[requestor][address][address_type]",
            "mailing",
        ),
        (
            "assistance_request[requestor][email_address][email_address]",
            "sam@example.org",
        ),
    ];
    let as_json: serde_json::Map<String, Value> = flat
        .iter()
        .map(|(key, value)| (key.to_string(), json!(value)))
        .collect();
    let reply = sandbox.send(
        "POST",
        WIDGET_REQUESTS,
        Some(WIDGET),
        &Value::Object(as_json),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.json()["data"]["requestor"]["date_of_birth"],
        631_152_000
    );

    let form_encoded = serde_urlencoded_pairs(&flat);
    let reply = sandbox.send_raw(
        "POST",
        WIDGET_REQUESTS,
        Some(WIDGET),
        "application/x-www-form-urlencoded",
        &form_encoded,
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let requestor = reply.json()["data"]["requestor"].clone();
    assert_eq!(requestor["phone_numbers"][0]["can_sms"], true);
    assert_eq!(requestor["addresses"][0]["address_type"], "mailing");
}

/// `a=b&c=d`, percent-encoding what form encoding must.
fn serde_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (byte as char).to_string()
                }
                b' ' => "+".to_string(),
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn unite_us_widget_reports_every_missing_required_field() {
    let sandbox = Sandbox::start();
    let reply = sandbox.send(
        "POST",
        WIDGET_REQUESTS,
        Some(WIDGET),
        &json!({"assistance_request": {}}),
    );
    assert_eq!(reply.status, 422);
    let body = reply.json();
    assert_eq!(
        error_keys(&body),
        [
            "description",
            "requestor.address.address_type",
            "requestor.address.city",
            "requestor.address.country",
            "requestor.address.line_1",
            "requestor.address.postal_code",
            "requestor.address.state",
            "requestor.email_address.email_address",
            "requestor.first_name",
            "requestor.last_name",
            "requestor.phone_number.phone_number",
            "service_type_id",
        ]
    );
    assert_eq!(
        body["errors"]["requestor.first_name"],
        json!(["can't be blank"])
    );
}

#[test]
fn unite_us_widget_checks_enums_phone_digits_postal_codes_and_references() {
    let sandbox = Sandbox::start();
    let mut body = assistance_request();
    let request = &mut body["assistance_request"];
    request["service_type_id"] = json!("st-unknown");
    request["requestor"]["gender"] = json!("unknown");
    request["requestor"]["marital_status"] = json!("single");
    request["requestor"]["suffix"] = json!("Jr");
    request["requestor"]["date_of_birth"] = json!("yesterday");
    request["requestor"]["phone_number"]["phone_number"] = json!("555-01");
    request["requestor"]["phone_number"]["phone_type"] = json!("pager");
    request["requestor"]["address"]["postal_code"] = json!("787");
    request["requestor"]["address"]["address_type"] = json!("castle");
    request["requestor"]["email_address"]["email_address"] = json!("rosa-at-example");
    request["requestor"]["military"]["branch"] = json!("space_force");
    request["requestor"]["form_response"]["form_id"] = json!("no-such-form");
    let reply = sandbox.send("POST", WIDGET_REQUESTS, Some(WIDGET), &body);
    assert_eq!(reply.status, 422);
    let errors = reply.json();
    assert_eq!(
        error_keys(&errors),
        [
            "requestor.address.address_type",
            "requestor.address.postal_code",
            "requestor.date_of_birth",
            "requestor.email_address.email_address",
            "requestor.form_response.form_id",
            "requestor.gender",
            "requestor.marital_status",
            "requestor.military.branch",
            "requestor.phone_number.phone_number",
            "requestor.phone_number.phone_type",
            "requestor.suffix",
            "service_type_id",
        ]
    );
    assert_eq!(
        errors["errors"]["requestor.phone_number.phone_number"],
        json!(["is too short (minimum is 7 digits)"])
    );
    assert_eq!(
        errors["errors"]["requestor.address.postal_code"],
        json!(["is too short (minimum is 5 characters)"])
    );
    assert_eq!(
        errors["errors"]["requestor.gender"],
        json!(["is not included in the list"])
    );

    let mut long_postal_code = assistance_request();
    long_postal_code["assistance_request"]["requestor"]["address"]["postal_code"] =
        json!("1234567890123456");
    long_postal_code["assistance_request"]["requestor"]["form_response"]["data"][0]
        ["question_id"] = json!("shoe_size");
    let reply = sandbox.send("POST", WIDGET_REQUESTS, Some(WIDGET), &long_postal_code);
    assert_eq!(
        error_keys(&reply.json()),
        [
            "requestor.address.postal_code",
            "requestor.form_response.data.0.question_id"
        ]
    );
    assert!(sandbox
        .records("unite_us")
        .iter()
        .all(|record| record["kind"] == "contact"));
}

#[test]
fn unite_us_widget_answers_rails_errors_for_missing_parameters_and_bad_bodies() {
    let sandbox = Sandbox::start();
    let missing = sandbox.send(
        "POST",
        WIDGET_REQUESTS,
        Some(WIDGET),
        &json!({"requestor": {}}),
    );
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json(),
        json!({"errors": ["param is missing or the value is empty: assistance_request"]})
    );
    let malformed = sandbox.send_raw(
        "POST",
        WIDGET_REQUESTS,
        Some(WIDGET),
        "application/json",
        "{\"assistance_request\":",
    );
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["errors"][0]
        .as_str()
        .is_some_and(|message| message.starts_with("Malformed request body")));
    for token in [None, Some(STAFF)] {
        assert_eq!(
            sandbox
                .send("POST", WIDGET_REQUESTS, token, &assistance_request())
                .status,
            401
        );
    }
}

#[test]
fn unite_us_service_types_come_as_a_tree_or_flattened() {
    let sandbox = Sandbox::start();
    let tree = sandbox
        .get("/unite_us/v3/service_types", Some(STAFF))
        .json();
    assert_eq!(tree["data"].as_array().map(Vec::len), Some(5));
    assert_eq!(tree["data"][1]["children"][0]["name"], "Emergency Housing");
    let flat = sandbox
        .get("/unite_us/v3/service_types?flattened=true", Some(STAFF))
        .json();
    assert_eq!(flat["data"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        flat["data"][1],
        json!({"id": "st-emergency-food", "name": "Emergency Food", "parent_id": "st-food-assistance"})
    );
    let offered = sandbox
        .get(&format!("{GROUP}/service_types"), Some(STAFF))
        .json();
    assert_eq!(offered["data"], tree["data"]);
    let unknown = sandbox.get("/unite_us/v3/groups/other-group/service_types", Some(STAFF));
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json(),
        json!({"errors": ["Group other-group not found"]})
    );
    assert_eq!(
        sandbox
            .get("/unite_us/v3/service_types", Some(WIDGET))
            .status,
        401
    );
}

#[test]
fn unite_us_staff_create_a_contact_and_fetch_it() {
    let sandbox = Sandbox::start();
    let contact = create_contact(
        &sandbox,
        json!({"contact": {
            "first_name": "Lena", "last_name": "Park", "date_of_birth": 700_000_000, "race": "asian",
            "email": "lena@example.org", "preferred_communication_method": "sms", "nicknames": ["Lee"],
            "phone_numbers": [{"phone_number": "512 555 0111", "phone_type": "home"}],
            "addresses": [{"city": "Austin", "state": "TX", "postal_code": "78701-1234", "address_type": "home"}]
        }, "network_id": "net-1"}),
    );
    let id = contact["id"].as_str().expect("id");
    assert_eq!(contact["group_id"], "demo-group");
    assert_eq!(contact["network_id"], "net-1");
    assert_eq!(contact["phone_numbers"][0]["phone_number"], "5125550111");
    assert_eq!(contact["phone_numbers"][0]["is_primary"], true);
    assert_eq!(
        contact["email_addresses"][0]["email_address"],
        "lena@example.org"
    );
    assert_eq!(contact["addresses"][0]["line_1"], Value::Null);
    let fetched = sandbox.get(&format!("{GROUP}/contacts/{id}"), Some(STAFF));
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json()["data"], contact);
    assert_eq!(
        sandbox
            .get(&format!("{GROUP}/contacts/nobody"), Some(STAFF))
            .status,
        404
    );
}

#[test]
fn unite_us_contact_validation_names_each_field() {
    let sandbox = Sandbox::start();
    let reply = sandbox.send(
        "POST",
        &format!("{GROUP}/contacts"),
        Some(STAFF),
        &json!({"contact": {
            "first_name": "Lena", "gender": "unknown", "preferred_communication_time_of_day": "noon",
            "phone_numbers": [{"phone_number": "12345"}],
            "addresses": [{"city": "Austin", "state": "TX", "postal_code": "7870112345678901", "address_type": "home"}],
            "email_addresses": [{"email_address": "nope"}]
        }}),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        error_keys(&reply.json()),
        [
            "addresses.0.postal_code",
            "email_addresses.0.email_address",
            "gender",
            "last_name",
            "phone_numbers.0.phone_number",
            "preferred_communication_time_of_day",
        ]
    );
    let missing = sandbox.send(
        "POST",
        &format!("{GROUP}/contacts"),
        Some(STAFF),
        &json!({"first_name": "Lena"}),
    );
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json(),
        json!({"errors": ["param is missing or the value is empty: contact"]})
    );
    for token in [None, Some(WIDGET)] {
        let refused = sandbox.send(
            "POST",
            &format!("{GROUP}/contacts"),
            token,
            &json!({"contact": {"first_name": "A", "last_name": "B"}}),
        );
        assert_eq!(refused.status, 401);
        assert_eq!(
            refused.json(),
            json!({"errors": ["Invalid or missing access token"]})
        );
    }
}

#[test]
fn unite_us_contact_from_an_assistance_request_takes_the_requestors_details_and_answers() {
    let sandbox = Sandbox::start();
    let request = submit(&sandbox);
    let contact = create_contact(
        &sandbox,
        json!({"contact": {"first_name": "Rosa", "last_name": "Diaz"}, "assistance_request_id": request["id"]}),
    );
    assert_eq!(contact["date_of_birth"], 631_152_000);
    assert_eq!(contact["phone_numbers"][0]["phone_number"], "5125550199");
    assert_eq!(contact["addresses"][0]["city"], "Austin");
    assert_eq!(
        contact["email_addresses"][0]["email_address"],
        "rosa@example.org"
    );

    let id = contact["id"].as_str().expect("id");
    let form = sandbox
        .get(
            &format!("{GROUP}/contacts/{id}/forms/food-intake"),
            Some(STAFF),
        )
        .json();
    let questions = &form["data"]["sections"][0]["questions"];
    assert_eq!(questions[0]["response"], json!({"response_value": "4"}));
    assert_eq!(
        questions[1]["response"],
        json!({"response_value": ["groceries"]})
    );
    let linked = sandbox
        .records("unite_us")
        .into_iter()
        .find(|record| record["id"] == request["id"])
        .expect("request kept");
    assert_eq!(linked["body"]["contact_id"], id);

    let unknown = sandbox.send(
        "POST",
        &format!("{GROUP}/contacts"),
        Some(STAFF),
        &json!({"contact": {"first_name": "A", "last_name": "B"}, "assistance_request_id": "nope"}),
    );
    assert_eq!(unknown.status, 422);
    assert_eq!(error_keys(&unknown.json()), ["assistance_request_id"]);
}

#[test]
fn unite_us_contact_update_changes_only_the_fields_sent() {
    let sandbox = Sandbox::start();
    let path = format!("{GROUP}/contacts/{MARIA}");
    let reply = sandbox.send(
        "PATCH",
        &path,
        Some(STAFF),
        &json!({"contact": {"marital_status": "married-civil-union"}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let contact = reply.json()["data"].clone();
    assert_eq!(contact["marital_status"], "married-civil-union");
    assert_eq!(contact["first_name"], "Maria");
    assert_eq!(contact["phone_numbers"][0]["phone_number"], "5125550101");
    let blank = sandbox.send(
        "PUT",
        &path,
        Some(STAFF),
        &json!({"contact": {"last_name": ""}}),
    );
    assert_eq!(blank.status, 422);
    assert_eq!(error_keys(&blank.json()), ["last_name"]);
    let missing = sandbox.send(
        "PATCH",
        &format!("{GROUP}/contacts/nobody"),
        Some(STAFF),
        &json!({"contact": {}}),
    );
    assert_eq!(missing.status, 404);
}

#[test]
fn unite_us_search_finds_global_contacts_by_name_and_date_of_birth() {
    let sandbox = Sandbox::start();
    let search = format!("{GROUP}/search/global_contacts");
    let by_body = sandbox.send(
        "POST",
        &search,
        Some(STAFF),
        &json!({"q": {"first_name": "maria", "last_name": "GARCIA", "date_of_birth": MARIA_BORN.to_string()}}),
    );
    assert_eq!(by_body.status, 200, "{}", by_body.text);
    let found = by_body.json();
    assert_eq!(found["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(found["data"][0]["id"], MARIA);
    assert_eq!(found["paging"]["total_count"], 1);

    let by_query = sandbox.get(
        &format!(
            "{search}?q[first_name]=Maria&q[last_name]=Garcia&q[date_of_birth]={}",
            MARIA_BORN + 3600
        ),
        Some(STAFF),
    );
    assert_eq!(by_query.json()["data"][0]["id"], MARIA);
    let bracket_body = sandbox.send(
        "POST",
        &search,
        Some(STAFF),
        &json!({"q[first_name]": "John", "q[last_name]": "Smith"}),
    );
    assert_eq!(bracket_body.json()["data"][0]["first_name"], "John");

    let other_birthday = sandbox.send(
        "POST",
        &search,
        Some(STAFF),
        &json!({"q": {"first_name": "Maria", "last_name": "Garcia", "date_of_birth": MARIA_BORN + 86_400}}),
    );
    assert_eq!(other_birthday.json()["data"], json!([]));

    let incomplete = sandbox.send(
        "POST",
        &search,
        Some(STAFF),
        &json!({"q": {"last_name": "Garcia", "date_of_birth": "soon"}}),
    );
    assert_eq!(incomplete.status, 422);
    assert_eq!(
        error_keys(&incomplete.json()),
        ["date_of_birth", "first_name"]
    );
    assert_eq!(
        sandbox
            .send("POST", &search, Some(WIDGET), &json!({"q": {}}))
            .status,
        401
    );
}

#[test]
fn unite_us_forms_available_for_use_filter_by_use_type_and_page() {
    let sandbox = Sandbox::start();
    let path = format!("{GROUP}/forms/available_for_use");
    let all = sandbox.get(&path, Some(STAFF)).json();
    let ids: Vec<&str> = all["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|form| form["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["exit-survey", "food-intake"],
        "files that are not forms are skipped"
    );
    assert_eq!(all["paging"]["total_count"], 2);

    let exit = sandbox
        .get(&format!("{path}?q[use_type]=exit"), Some(STAFF))
        .json();
    assert_eq!(exit["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(exit["data"][0]["questions"][0]["id"], 101);

    let paged = sandbox
        .get(&format!("{path}?per=1&page=2"), Some(STAFF))
        .json();
    assert_eq!(paged["data"][0]["id"], "food-intake");
    assert_eq!(
        paged["paging"],
        json!({"current_page": 2, "per_page": 1, "next_page": null, "prev_page": 1, "total_count": 2, "total_pages": 2})
    );

    // The food form names Food Assistance, so it suits that and its
    // sub-types; the exit survey names no service type, so it suits any.
    let ids_for = |query: &str| -> Vec<String> {
        sandbox.get(&format!("{path}?{query}"), Some(STAFF)).json()["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|form| form["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        ids_for("q[use_type]=intake&q[service_type_ids][]=st-food-assistance"),
        ["food-intake"]
    );
    assert_eq!(
        ids_for("q%5Bservice_type_ids%5D%5B%5D=st-meals"),
        ["exit-survey", "food-intake"]
    );
    assert_eq!(
        ids_for("q[service_type_ids][]=st-employment"),
        ["exit-survey"]
    );
    assert_eq!(
        ids_for("q[service_type_ids]=st-employment,st-food-assistance"),
        ["exit-survey", "food-intake"]
    );

    let bad = sandbox.get(&format!("{path}?q[use_type]=survey"), Some(STAFF));
    assert_eq!(bad.status, 400);
    assert_eq!(error_keys(&bad.json()), ["q[use_type]"]);
    assert_eq!(
        sandbox.get(&format!("{path}?per=500"), Some(STAFF)).status,
        400
    );
}

#[test]
fn unite_us_respond_to_form_is_an_upsert_and_the_form_shows_the_answers() {
    let sandbox = Sandbox::start();
    let respond = format!("{GROUP}/contacts/{MARIA}/forms/food-intake/respond");
    let first = sandbox.send(
        "POST",
        &respond,
        Some(STAFF),
        &json!({"data": [{"question_id": "household_size", "response_value": "3"}]}),
    );
    assert_eq!(first.status, 201, "{}", first.text);
    let response_id = first.json()["data"]["id"].clone();

    let second = sandbox.send(
        "PUT",
        &respond,
        Some(STAFF),
        &json!({"data": [{"question_id": "household_size", "response_value": "5"}, {"question_id": "needs", "response_value": ["meals"]}]}),
    );
    assert_eq!(second.status, 200);
    assert_eq!(second.json()["data"]["id"], response_id);

    let form = sandbox
        .get(
            &format!("{GROUP}/contacts/{MARIA}/forms/food-intake"),
            Some(STAFF),
        )
        .json();
    let questions = &form["data"]["sections"][0]["questions"];
    assert_eq!(questions[0]["response"]["response_value"], "5");
    assert_eq!(questions[1]["response"]["response_value"], json!(["meals"]));
    assert_eq!(form["meta"]["form_response"]["id"], response_id);
    let stored: Vec<Value> = sandbox
        .records("unite_us")
        .into_iter()
        .filter(|record| record["kind"] == "form_response")
        .collect();
    assert_eq!(stored.len(), 1);

    let untouched = sandbox
        .get(
            &format!("{GROUP}/contacts/{MARIA}/forms/exit-survey"),
            Some(STAFF),
        )
        .json();
    assert_eq!(untouched["data"]["questions"][0]["response"], Value::Null);
    assert_eq!(untouched["meta"]["form_response"], Value::Null);
    let listed = sandbox
        .get(&format!("{GROUP}/contacts/{MARIA}/forms"), Some(STAFF))
        .json();
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(2));
}

#[test]
fn unite_us_respond_to_form_refuses_unknown_questions_forms_and_contacts() {
    let sandbox = Sandbox::start();
    let respond = format!("{GROUP}/contacts/{MARIA}/forms/food-intake/respond");
    let unknown_question = sandbox.send(
        "POST",
        &respond,
        Some(STAFF),
        &json!({"data": [{"question_id": "favourite_food", "response_value": "x"}, {"question_id": "needs"}]}),
    );
    assert_eq!(unknown_question.status, 422);
    assert_eq!(
        error_keys(&unknown_question.json()),
        ["data.0.question_id", "data.1.response_value"]
    );
    let not_a_list = sandbox.send(
        "POST",
        &respond,
        Some(STAFF),
        &json!({"data": {"needs": "x"}}),
    );
    assert_eq!(not_a_list.status, 422);
    assert_eq!(error_keys(&not_a_list.json()), ["data"]);
    let no_data = sandbox.send("POST", &respond, Some(STAFF), &json!({}));
    assert_eq!(no_data.status, 400);

    let unknown_form = sandbox.send(
        "POST",
        &format!("{GROUP}/contacts/{MARIA}/forms/nope/respond"),
        Some(STAFF),
        &json!({"data": []}),
    );
    assert_eq!(unknown_form.status, 404);
    assert_eq!(
        unknown_form.json(),
        json!({"errors": ["Form nope not found"]})
    );
    let unknown_contact = sandbox.send(
        "POST",
        &format!("{GROUP}/contacts/nobody/forms/food-intake/respond"),
        Some(STAFF),
        &json!({"data": []}),
    );
    assert_eq!(unknown_contact.status, 404);
    assert_eq!(
        sandbox
            .get(
                &format!("{GROUP}/contacts/nobody/forms/food-intake"),
                Some(STAFF)
            )
            .status,
        404
    );
    assert_eq!(
        sandbox
            .get(&format!("{GROUP}/contacts/{MARIA}/forms/nope"), Some(STAFF))
            .status,
        404
    );
    assert!(sandbox
        .records("unite_us")
        .iter()
        .all(|record| record["kind"] != "form_response"));
}

#[test]
fn unite_us_works_without_any_forms() {
    let sandbox = Sandbox::start_with(|config| config.forms_dir = config.forms_dir.join("missing"));
    let config = sandbox.get(WIDGET_CONFIG, Some(WIDGET)).json();
    assert_eq!(config["data"]["form"], Value::Null);
    let forms = sandbox
        .get(&format!("{GROUP}/forms/available_for_use"), Some(STAFF))
        .json();
    assert_eq!(forms["data"], json!([]));
    assert_eq!(forms["paging"]["total_count"], 0);
    let mut request = assistance_request();
    request["assistance_request"]["requestor"]
        .as_object_mut()
        .map(|requestor| requestor.remove("form_response"));
    assert_eq!(
        sandbox
            .send("POST", WIDGET_REQUESTS, Some(WIDGET), &request)
            .status,
        201
    );
}
