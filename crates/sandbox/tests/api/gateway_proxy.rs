//! `/gateway/...` goes to the real gateway, untouched but for
//! `X-Forwarded-For`; and charity_crm takes a service account's RS256 token
//! as the vendor does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::support::Sandbox;

#[test]
fn without_a_gateway_the_gateway_paths_say_so() {
    let sandbox = Sandbox::start();
    let reply = sandbox.send(
        "POST",
        "/gateway/caspen/v1/clients",
        None,
        &json!({"first_name": "Ada", "last_name": "Byron"}),
    );
    assert_eq!(reply.status, 502, "{}", reply.text);
    assert!(reply.json()["message"]
        .as_str()
        .is_some_and(|message| message.contains("intake-gateway")));
    assert!(
        sandbox
            .records("caspen")
            .iter()
            .all(|record| record["body"]["first_name"] != "Ada"),
        "nothing reached the vendor routes"
    );
}

#[test]
fn gateway_paths_go_to_the_gateway_as_they_came_with_the_clients_address() {
    // A stand-in gateway that answers one request and keeps what it read.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let seen = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("line");
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("length");
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        stream
            .write_all(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n\r\n{\"id\":\"gw-1\"}")
            .expect("answer");
        (head, String::from_utf8(body).expect("utf-8"))
    });
    let sandbox = Sandbox::start();
    let set = sandbox.send(
        "POST",
        "/__admin/gateway",
        None,
        &json!({"address": address.to_string()}),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json()["address"], address.to_string());
    let reply = sandbox
        .try_send_with_headers(
            "POST",
            "/gateway/caspen/v1/clients",
            None,
            &json!({"first_name": "Ada"}),
            &[("idempotency-key", "k-1")],
        )
        .expect("answer");
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["id"], "gw-1");
    let (head, body) = seen.join().expect("the gateway thread");
    let head = head.to_ascii_lowercase();
    assert!(
        head.starts_with("post /gateway/caspen/v1/clients http/1.1"),
        "{head}"
    );
    assert!(head.contains("idempotency-key: k-1"), "{head}");
    assert!(head.contains("x-forwarded-for: 127.0.0.1"), "{head}");
    assert_eq!(body, r#"{"first_name":"Ada"}"#);
}

fn signed(issuer: &str, expires_in: i64, key_file: &str) -> String {
    let pem = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(key_file)).expect("key");
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("an RSA key");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &json!({"iss": issuer, "sub": issuer, "iat": now, "exp": now + expires_in}),
        &key,
    )
    .expect("signed")
}

#[test]
fn charity_crm_takes_a_token_its_service_account_signed_and_nothing_like_it() {
    let sandbox = Sandbox::start();
    let demo_key = "../../dev/gateway/charity-crm-demo-key.pem";
    let other_key = "../gateway/tests/fixtures/test-rsa-key.pem";
    let create = |token: &str, uuid: &str| {
        sandbox.send(
            "POST",
            "/charity_crm/api/v1/persons",
            Some(token),
            &json!({"uuid": uuid, "name": {"firstName": "Ada", "lastName": "Byron"}}),
        )
    };
    let good = signed("intake-demo-service-account", 60, demo_key);
    assert_eq!(
        create(&good, "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e61").status,
        201
    );
    for (why, token) in [
        ("another issuer", signed("someone-else", 60, demo_key)),
        (
            "expired",
            signed("intake-demo-service-account", -120, demo_key),
        ),
        (
            "another key",
            signed("intake-demo-service-account", 60, other_key),
        ),
        ("not a token", "eyJhbGciOiJub25lIn0.e30.".to_string()),
    ] {
        let reply = create(&token, "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e62");
        assert_eq!(reply.status, 401, "{why}: {}", reply.text);
    }
    // The token opens charity_crm only.
    assert_eq!(sandbox.get("/caspen/v1/clients", Some(&good)).status, 401);
}
