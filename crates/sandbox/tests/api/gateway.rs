//! `/gateway/...`: the organisation's own gateway, which adds the staff
//! credential to creates and refuses everything else.

use serde_json::json;

use crate::support::{Sandbox, STAFF};

#[test]
fn the_gateway_adds_the_credential_to_creates_only() {
    let sandbox = Sandbox::start();
    let created = sandbox.send(
        "POST",
        "/gateway/caspen/v1/clients",
        None,
        &json!({"first_name": "Ada", "last_name": "Byron"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        sandbox
            .get(&format!("/caspen/v1/clients/{id}"), Some(STAFF))
            .json()["first_name"],
        "Ada",
        "the record is the target's own"
    );

    let upsert = sandbox.send(
        "PUT",
        "/gateway/persons_v1/api/v1/persons",
        None,
        &json!({"data": [{"firstName": "Ada", "lastName": "Byron"}]}),
    );
    assert_eq!(upsert.status, 200, "{}", upsert.text);
    assert_eq!(
        upsert.json()["status"]["created"].as_array().map(Vec::len),
        Some(1)
    );
    let overwrite = sandbox.send(
        "PUT",
        "/gateway/persons_v1/api/v1/persons",
        None,
        &json!({"data": [{"personId": 1, "firstName": "Mallory"}]}),
    );
    assert_eq!(overwrite.status, 403, "an upsert naming someone is refused");
    assert_eq!(
        sandbox
            .send(
                "PUT",
                "/gateway/persons_v1/api/v1/persons/1",
                None,
                &json!({"data": {"firstName": "Mallory"}})
            )
            .status,
        403
    );

    for (method, path) in [
        ("GET", "/gateway/caspen/v1/clients"),
        ("GET", &format!("/gateway/caspen/v1/clients/{id}") as &str),
        ("PATCH", &format!("/gateway/caspen/v1/clients/{id}")),
        ("DELETE", &format!("/gateway/caspen/v1/clients/{id}")),
        ("POST", "/gateway/unite_us/v3/widgets/assistance_requests"),
        // A POST that updates, one that searches everyone, and Unite US,
        // whose widget has a public token of its own.
        ("POST", &format!("/gateway/caspen/v1/clients/{id}")),
        (
            "POST",
            "/gateway/unite_us/v3/groups/demo-group/search/global_contacts",
        ),
        ("POST", "/gateway/unite_us/v3/groups/demo-group/contacts"),
    ] {
        let refused = match method {
            "GET" | "DELETE" => sandbox
                .try_request(method, path, None, None)
                .expect("request completes"),
            _ => sandbox.send(method, path, None, &json!({})),
        };
        assert_eq!(refused.status, 403, "{method} {path}: {}", refused.text);
    }
    assert_eq!(
        sandbox
            .send("POST", "/gateway/elsewhere", None, &json!({}))
            .status,
        404
    );
}
