use serde_json::{json, Value};

use crate::support::{error_keys, Sandbox, STAFF, WIDGET};

const PERSONS: &str = "/charity_crm/api/v1/persons";
const PETER: &str = "82b431f0-f401-4afd-b6db-9d1d751232d9";

fn peter() -> Value {
    json!({
        "uuid": PETER,
        "academicTitle": "Dr.",
        "name": {"initials": "P.", "firstName": "Peter", "lastNamePrefix": "van der", "lastName": "Plas"},
        "dateOfBirth": "1978-05-01T00:00:00.000Z",
        "socialSecurityNumber": "12345678901",
        "gender": "male",
        "phoneNumber": "+31312345678",
        "mobilePhoneNumber": "+31612345678",
        "email": "peter@example.org",
        "address": {"street": "Kerkstraat", "houseNumber": "1", "houseNumberExtension": "a",
                    "zipCode": "3031LS", "city": "Arnhem", "country": "NL"},
        "language": "nl",
        "iban": "NL91 ABNA 0417 1643 00",
        "optIns": {"email": true, "mail": true, "phone": false, "sms": null},
        "mandate": {"id": "skd-39", "createdAt": "2019-01-01T21:00:21+00:00"}
    })
}

#[test]
fn charity_crm_create_with_a_client_uuid_stores_once_and_a_repeat_is_409() {
    let sandbox = Sandbox::start();
    let created = sandbox.send("POST", PERSONS, Some(STAFF), &peter());
    assert_eq!(created.status, 201, "{}", created.text);
    let person = created.json();
    assert_eq!(person["uuid"], PETER);
    assert_eq!(person["firstName"], "Peter");
    assert_eq!(person["lastNamePrefix"], "van der");
    assert_eq!(person["dateOfBirth"], "1978-05-01");
    assert_eq!(person["iban"], "NL91ABNA0417164300");
    assert_eq!(person["optInEmail"], true);
    assert_eq!(person["optInPhone"], false);
    assert_eq!(person["optInSms"], Value::Null);
    assert_eq!(person["address"]["houseNumberExtension"], "a");
    assert_eq!(person["owningOrganization"]["name"], "Good Cause Charity");
    assert!(person["createdAt"].is_string());

    let mut changed = peter();
    changed["name"]["firstName"] = json!("Someone else");
    let repeat = sandbox.send("POST", PERSONS, Some(STAFF), &changed);
    assert_eq!(repeat.status, 409);
    assert_eq!(repeat.json(), json!({"message": "Person already exists"}));
    let stored: Vec<Value> = sandbox
        .records("charity_crm")
        .into_iter()
        .filter(|record| record["id"] == PETER)
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["body"]["firstName"], "Peter");
}

#[test]
fn charity_crm_create_without_a_uuid_gets_a_generated_one() {
    let sandbox = Sandbox::start();
    let created = sandbox.send(
        "POST",
        PERSONS,
        Some(STAFF),
        &json!({"name": {"lastName": "Jansen"}}),
    );
    assert_eq!(created.status, 201);
    let uuid = created.json()["uuid"].as_str().expect("uuid").to_string();
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4");
}

#[test]
fn charity_crm_validation_errors_name_each_field() {
    let sandbox = Sandbox::start();
    let body = json!({
        "uuid": "not-a-uuid",
        "name": {"firstName": "Peter", "middleName": "X"},
        "iban": "NL00INGB0000000000",
        "email": "peter-at-example",
        "gender": "robot",
        "phoneNumber": "0612345678",
        "dateOfBirth": "01-05-1978",
        "address": {"country": "Netherlands"},
        "optIns": {"email": "yes"},
        "favouriteColour": "green"
    });
    let reply = sandbox.send("POST", PERSONS, Some(STAFF), &body);
    assert_eq!(reply.status, 400);
    let errors = reply.json();
    assert_eq!(
        error_keys(&errors),
        [
            "address.country",
            "dateOfBirth",
            "email",
            "favouriteColour",
            "gender",
            "iban",
            "name.lastName",
            "name.middleName",
            "optIns.email",
            "phoneNumber",
            "uuid",
        ]
    );
    assert_eq!(
        errors["errors"]["name.lastName"][0],
        "This value should not be blank."
    );
    assert_eq!(sandbox.records("charity_crm").len(), 5);
}

#[test]
fn charity_crm_update_sets_sent_fields_clears_nulls_and_keeps_the_rest() {
    let sandbox = Sandbox::start();
    assert_eq!(
        sandbox.send("POST", PERSONS, Some(STAFF), &peter()).status,
        201
    );
    let update = json!({
        "name": {"firstName": "Petra", "initials": null},
        "email": null,
        "address": {"city": "Breda", "houseNumberExtension": null},
        "optIns": {"sms": true}
    });
    let reply = sandbox.send(
        "PUT",
        &format!("{PERSONS}/{PETER}/actions/update"),
        Some(STAFF),
        &update,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let person = reply.json();
    assert_eq!(person["firstName"], "Petra");
    assert_eq!(person["initials"], Value::Null);
    assert_eq!(person["lastName"], "Plas");
    assert_eq!(person["email"], Value::Null);
    assert_eq!(person["mobilePhoneNumber"], "+31612345678");
    assert_eq!(person["address"]["city"], "Breda");
    assert_eq!(person["address"]["street"], "Kerkstraat");
    assert_eq!(person["address"]["houseNumberExtension"], Value::Null);
    assert_eq!(person["optInSms"], true);
    assert_eq!(person["optInEmail"], true);

    let listed = sandbox
        .get(&format!("{PERSONS}?first=1"), Some(STAFF))
        .json();
    assert_eq!(listed["edges"][0]["node"], person);
}

#[test]
fn charity_crm_update_refuses_unknown_uuids_cleared_last_names_and_create_only_fields() {
    let sandbox = Sandbox::start();
    let unknown = sandbox.send(
        "PUT",
        &format!("{PERSONS}/{PETER}/actions/update"),
        Some(STAFF),
        &json!({"email": "a@example.org"}),
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.json(),
        json!({"message": "Person with this Uuid not found"})
    );

    let maria = "0b9a4c64-8d53-4f0e-9d0a-3f6f6b1c2a01";
    let cleared = sandbox.send(
        "PUT",
        &format!("{PERSONS}/{maria}/actions/update"),
        Some(STAFF),
        &json!({"name": {"lastName": null}, "uuid": PETER, "iban": "NL91ABNA0417164301"}),
    );
    assert_eq!(cleared.status, 400);
    assert_eq!(
        error_keys(&cleared.json()),
        ["iban", "name.lastName", "uuid"]
    );
    let kept = sandbox
        .get(&format!("{PERSONS}?iban=NL91ABNA0417164300"), Some(STAFF))
        .json();
    assert_eq!(kept["edges"][0]["node"]["lastName"], "Garcia");
}

#[test]
fn charity_crm_list_is_newest_first_and_pages_by_cursor() {
    let sandbox = Sandbox::start();
    for last_name in ["First", "Second", "Third"] {
        let reply = sandbox.send(
            "POST",
            PERSONS,
            Some(STAFF),
            &json!({"name": {"lastName": last_name}}),
        );
        assert_eq!(reply.status, 201);
    }
    let page = sandbox
        .get(&format!("{PERSONS}?first=3"), Some(STAFF))
        .json();
    let names: Vec<&str> = page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|edge| edge["node"]["lastName"].as_str())
        .collect();
    assert_eq!(names, ["Third", "Second", "First"]);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["pageInfo"]["startCursor"], page["edges"][0]["cursor"]);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let query = match &after {
            Some(cursor) => format!("{PERSONS}?first=3&after={cursor}"),
            None => format!("{PERSONS}?first=3"),
        };
        let page = sandbox.get(&query, Some(STAFF)).json();
        for edge in page["edges"].as_array().expect("edges") {
            seen.push(
                edge["node"]["lastName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(
        seen,
        ["Third", "Second", "First", "Adeyemi", "Chen", "Khan", "Smith", "Garcia"]
    );

    let khan_cursor = "a4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e03";
    let before = sandbox
        .get(
            &format!("{PERSONS}?last=2&before={khan_cursor}"),
            Some(STAFF),
        )
        .json();
    let names: Vec<&str> = before["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|edge| edge["node"]["lastName"].as_str())
        .collect();
    assert_eq!(names, ["Adeyemi", "Chen"]);
    assert_eq!(before["pageInfo"]["hasNextPage"], true);
    assert_eq!(before["pageInfo"]["hasPreviousPage"], true);

    let default_size = sandbox.get(PERSONS, Some(STAFF)).json();
    assert_eq!(default_size["edges"].as_array().map(Vec::len), Some(8));
}

#[test]
fn charity_crm_list_refuses_bad_counts_and_unknown_cursors_and_filters_by_iban() {
    let sandbox = Sandbox::start();
    let bad = sandbox.get(&format!("{PERSONS}?first=0&after=nope"), Some(STAFF));
    assert_eq!(bad.status, 400);
    assert_eq!(error_keys(&bad.json()), ["first"]);
    let unknown = sandbox.get(&format!("{PERSONS}?after={PETER}"), Some(STAFF));
    assert_eq!(unknown.status, 400);
    assert_eq!(error_keys(&unknown.json()), ["after"]);
    let by_iban = sandbox
        .get(
            &format!("{PERSONS}?iban=de89370400440532013000"),
            Some(STAFF),
        )
        .json();
    assert_eq!(by_iban["edges"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_iban["edges"][0]["node"]["firstName"], "Aisha");
    let none = sandbox.get(
        &format!("{PERSONS}?owningOrganizationUuids[]=a3c2a57e-2797-4159-8700-8ad55bf8150e"),
        Some(STAFF),
    );
    assert_eq!(none.json()["edges"], json!([]));
}

#[test]
fn charity_crm_wants_the_staff_token() {
    let sandbox = Sandbox::start();
    for token in [None, Some("nope"), Some(WIDGET)] {
        let reply = sandbox.send("POST", PERSONS, token, &peter());
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.json(),
            json!({"message": "Service account not properly authenticated"})
        );
        assert_eq!(sandbox.get(PERSONS, token).status, 401);
    }
    assert_eq!(sandbox.records("charity_crm").len(), 5);
}
