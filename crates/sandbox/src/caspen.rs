//! Caspen clients: `POST /v1/clients`, `GET /v1/clients?cursor=&limit=`, `GET /v1/clients/{id}`
//! and update by `POST /v1/clients/{id}`, under `/caspen`.
//!
//! Semantics kept from the vendor: Laravel validation, answered with 422
//! `{"message": "The first name field is required. (and 1 more error)", "errors": {"first_name": [...]}}`;
//! keys it does not know are dropped, as Laravel's `validated()` does; ids look like
//! `cli_01HQ...`; the list is cursor-paged as `{data, links: {prev, next}, meta}`; an update
//! changes only the fields sent. Every Caspen route counts against the per-token rate limit
//! (60 a minute unless `--caspen-rate-limit` says otherwise), answered with 429 and `Retry-After`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::body::{absolute_url, json_object, query_pairs, query_value, BodyError};
use crate::dates::{self, CivilDate};
use crate::error::{ApiError, FieldError};
use crate::store::{SeedRecord, StoreError};
use crate::target::Target;
use crate::validate::is_email;
use crate::AppState;

const TARGET: Target = Target::Caspen;
const KIND: &str = "client";
const COLLECTION_PATH: &str = "/caspen/v1/clients";
pub const DEFAULT_PAGE_SIZE: usize = 15;
pub const MAX_PAGE_SIZE: usize = 100;
pub const CONSENT_VALUES: [&str; 2] = ["accepted", "rejected"];
pub const PHONE_TYPES: [&str; 4] = ["mobile", "home", "work", "other"];
const NULLABLE_STRING_FIELDS: [&str; 13] = [
    "title",
    "preferred_name",
    "profession",
    "sex",
    "gender_identity",
    "pronouns",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "notes",
    "referral_description",
    "referred_by_id",
    "phone_number",
];
const ADDRESS_FIELDS: [&str; 6] = [
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "country_code",
];
const MAX_NAME_LENGTH: usize = 255;
const MAX_ALERT_LENGTH: usize = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(COLLECTION_PATH, get(list_clients).post(create_client))
        .route(
            "/caspen/v1/clients/{id}",
            get(get_client).post(update_client),
        )
}

pub fn seed_records() -> Vec<SeedRecord> {
    let clients = [
        (
            "cli_01HQFQ9QWTNNPY58FZ8CB3FW01",
            "Maria",
            "Garcia",
            "1985-04-12",
            "female",
            "maria.garcia@example.org",
        ),
        (
            "cli_01HQFQ9QWTNNPY58FZ8CB3FW02",
            "John",
            "Smith",
            "1970-01-30",
            "male",
            "john.smith@example.org",
        ),
        (
            "cli_01HQFQ9QWTNNPY58FZ8CB3FW03",
            "Aisha",
            "Khan",
            "1992-11-03",
            "female",
            "aisha.khan@example.org",
        ),
        (
            "cli_01HQFQ9QWTNNPY58FZ8CB3FW04",
            "Wei",
            "Chen",
            "1978-07-21",
            "male",
            "wei.chen@example.org",
        ),
        (
            "cli_01HQFQ9QWTNNPY58FZ8CB3FW05",
            "Olumide",
            "Adeyemi",
            "2001-02-14",
            "male",
            "olumide.adeyemi@example.org",
        ),
    ];
    clients
        .into_iter()
        .map(|(id, first, last, born, sex, email)| {
            let mut client = empty_client(id);
            client.insert("first_name".into(), json!(first));
            client.insert("last_name".into(), json!(last));
            client.insert("date_of_birth".into(), json!(born));
            client.insert("sex".into(), json!(sex));
            client.insert("email".into(), json!(email));
            client.insert("privacy_policy_consent".into(), json!("accepted"));
            client.insert("created_at".into(), json!("2024-01-01T12:00:00Z"));
            SeedRecord {
                target: TARGET,
                kind: KIND,
                id: id.to_string(),
                body: Value::Object(client),
            }
        })
        .collect()
}

/// A client resource with every field present and empty.
fn empty_client(id: &str) -> Map<String, Value> {
    let mut client = Map::new();
    client.insert("id".into(), json!(id));
    for name in NULLABLE_STRING_FIELDS.iter().chain(&[
        "first_name",
        "last_name",
        "email",
        "date_of_birth",
        "privacy_policy_consent",
        "alert",
    ]) {
        client.insert((*name).into(), Value::Null);
    }
    for name in [
        "referral_type_id",
        "intolerances",
        "address",
        "medications",
        "allergies",
    ] {
        client.insert(name.into(), Value::Null);
    }
    client.insert("tag_ids".into(), json!([]));
    client.insert("phone_numbers".into(), json!([]));
    client.insert("created_at".into(), json!(dates::rfc3339_now()));
    client
}

/// A new id in Caspen's style: a prefix and a ULID (48 bits of milliseconds, 80 random bits).
pub fn new_id(prefix: &str) -> String {
    const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or(0);
    let random = u128::from_be_bytes(*uuid::Uuid::new_v4().as_bytes()) & ((1u128 << 80) - 1);
    let value = ((millis & ((1u128 << 48) - 1)) << 80) | random;
    let encoded: String = (0..26)
        .rev()
        .map(|index| CROCKFORD[((value >> (index * 5)) & 31) as usize] as char)
        .collect();
    format!("{prefix}_{encoded}")
}

/// Laravel's attribute wording: `first_name` -> "first name", `address.line1` stays dotted.
fn attribute(path: &str) -> String {
    path.replace('_', " ")
}

fn required(path: &str) -> FieldError {
    FieldError::body(
        path,
        "required",
        format!("The {} field is required.", attribute(path)),
    )
}

fn must_be(path: &str, what: &str) -> FieldError {
    FieldError::body(
        path,
        "invalid",
        format!("The {} field must be {what}.", attribute(path)),
    )
}

fn too_long(path: &str, max: usize) -> FieldError {
    FieldError::body(
        path,
        "max",
        format!(
            "The {} field must not be greater than {max} characters.",
            attribute(path)
        ),
    )
}

fn not_in_list(path: &str) -> FieldError {
    FieldError::body(
        path,
        "in",
        format!("The selected {} is invalid.", attribute(path)),
    )
}

fn nullable_string(
    path: &str,
    value: &Value,
    max: Option<usize>,
    problems: &mut Vec<FieldError>,
) -> Option<Value> {
    match value {
        Value::Null => Some(Value::Null),
        Value::String(text) if max.is_some_and(|max| text.chars().count() > max) => {
            problems.push(too_long(path, max.unwrap_or_default()));
            None
        }
        Value::String(_) => Some(value.clone()),
        _ => {
            problems.push(must_be(path, "a string"));
            None
        }
    }
}

/// Checks one sent field and returns the value the resource stores, or records why not.
fn check_field(name: &str, value: &Value, problems: &mut Vec<FieldError>) -> Option<Value> {
    match name {
        "first_name" | "last_name" => match value {
            Value::String(text) if !text.trim().is_empty() => {
                nullable_string(name, value, Some(MAX_NAME_LENGTH), problems)
            }
            Value::Null | Value::String(_) => {
                problems.push(required(name));
                None
            }
            _ => {
                problems.push(must_be(name, "a string"));
                None
            }
        },
        "email" => match value {
            Value::String(text) if !is_email(text) => {
                problems.push(must_be(name, "a valid email address"));
                None
            }
            _ => nullable_string(name, value, Some(MAX_NAME_LENGTH), problems),
        },
        "date_of_birth" => match value {
            Value::Null => Some(Value::Null),
            Value::String(text) => match CivilDate::parse_date_or_datetime(text) {
                Some(date) => Some(json!(date.to_string())),
                None => {
                    problems.push(must_be(name, "a valid date"));
                    None
                }
            },
            _ => {
                problems.push(must_be(name, "a valid date"));
                None
            }
        },
        "privacy_policy_consent" => match value {
            Value::Null => Some(Value::Null),
            Value::String(text) if CONSENT_VALUES.contains(&text.as_str()) => Some(value.clone()),
            _ => {
                problems.push(not_in_list(name));
                None
            }
        },
        "alert" => nullable_string(name, value, Some(MAX_ALERT_LENGTH), problems),
        "referral_type_id" => match value {
            Value::Null => Some(Value::Null),
            Value::Number(number) if number.is_i64() || number.is_u64() => {
                Some(json!(number.to_string()))
            }
            _ => {
                problems.push(must_be(name, "an integer"));
                None
            }
        },
        "tag_ids" => check_list(
            name,
            value,
            false,
            problems,
            |path, item, problems| match item {
                Value::Number(number) if number.is_i64() || number.is_u64() => {
                    Some(json!(number.to_string()))
                }
                _ => {
                    problems.push(must_be(path, "an integer"));
                    None
                }
            },
        ),
        "intolerances" => check_list(
            name,
            value,
            true,
            problems,
            |path, item, problems| match item {
                Value::String(_) => Some(item.clone()),
                _ => {
                    problems.push(must_be(path, "a string"));
                    None
                }
            },
        ),
        "medications" => check_list(name, value, true, problems, |path, item, problems| {
            check_named_item(path, item, "dosage", problems)
        }),
        "allergies" => check_list(name, value, true, problems, |path, item, problems| {
            check_named_item(path, item, "reaction", problems)
        }),
        "phone_numbers" => check_list(name, value, false, problems, check_phone_number),
        "address" => check_address(value, problems),
        known if NULLABLE_STRING_FIELDS.contains(&known) => {
            nullable_string(name, value, None, problems)
        }
        // Laravel drops what it does not validate; so does the sandbox.
        _ => None,
    }
}

fn check_list(
    name: &str,
    value: &Value,
    nullable: bool,
    problems: &mut Vec<FieldError>,
    check_item: impl Fn(&str, &Value, &mut Vec<FieldError>) -> Option<Value>,
) -> Option<Value> {
    match value {
        Value::Null if nullable => Some(Value::Null),
        Value::Array(items) => {
            let before = problems.len();
            let checked: Vec<Value> = items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| check_item(&format!("{name}.{index}"), item, problems))
                .collect();
            (problems.len() == before).then_some(Value::Array(checked))
        }
        _ => {
            problems.push(must_be(name, "an array"));
            None
        }
    }
}

/// A medication (`name`, `dosage`) or allergy (`name`, `reaction`).
fn check_named_item(
    path: &str,
    item: &Value,
    detail: &str,
    problems: &mut Vec<FieldError>,
) -> Option<Value> {
    let Value::Object(object) = item else {
        problems.push(must_be(path, "an array"));
        return None;
    };
    let name_path = format!("{path}.name");
    let name = match object.get("name") {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(json!(text)),
        _ => {
            problems.push(required(&name_path));
            None
        }
    };
    let detail_value = nullable_string(
        &format!("{path}.{detail}"),
        object.get(detail).unwrap_or(&Value::Null),
        None,
        problems,
    );
    Some(json!({"name": name?, detail: detail_value?}))
}

fn check_phone_number(path: &str, item: &Value, problems: &mut Vec<FieldError>) -> Option<Value> {
    let Value::Object(object) = item else {
        problems.push(must_be(path, "an array"));
        return None;
    };
    let number = match object.get("number") {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(json!(text)),
        _ => {
            problems.push(required(&format!("{path}.number")));
            None
        }
    };
    let code = nullable_string(
        &format!("{path}.code"),
        object.get("code").unwrap_or(&Value::Null),
        None,
        problems,
    );
    let kind = match object.get("type") {
        None | Some(Value::Null) => Some(Value::Null),
        Some(Value::String(text)) if PHONE_TYPES.contains(&text.as_str()) => Some(json!(text)),
        Some(_) => {
            problems.push(not_in_list(&format!("{path}.type")));
            None
        }
    };
    Some(json!({"id": new_id("pho"), "code": code?, "number": number?, "type": kind?}))
}

fn check_address(value: &Value, problems: &mut Vec<FieldError>) -> Option<Value> {
    let object = match value {
        Value::Null => return Some(Value::Null),
        Value::Object(object) => object,
        _ => {
            problems.push(must_be("address", "an array"));
            return None;
        }
    };
    let before = problems.len();
    let mut address = Map::new();
    for field in ADDRESS_FIELDS {
        let path = format!("address.{field}");
        let sent = object.get(field).unwrap_or(&Value::Null);
        if let Some(checked) = nullable_string(&path, sent, Some(MAX_NAME_LENGTH), problems) {
            address.insert(field.into(), checked);
        }
    }
    if let Some(Value::String(country)) = object.get("country_code") {
        if country.len() != 2 || !country.bytes().all(|byte| byte.is_ascii_alphabetic()) {
            problems.push(FieldError::body(
                "address.country_code",
                "size",
                "The address.country code field must be 2 characters.",
            ));
        }
    }
    (problems.len() == before).then_some(Value::Object(address))
}

/// Applies the sent fields to a client; on create the names are required.
fn apply(
    input: &Map<String, Value>,
    client: &mut Map<String, Value>,
    creating: bool,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if creating {
        for name in ["first_name", "last_name"] {
            if !input.contains_key(name) {
                problems.push(required(name));
            }
        }
    }
    for (name, value) in input {
        if let Some(checked) = check_field(name, value, &mut problems) {
            client.insert(name.clone(), checked);
        }
    }
    problems
}

fn invalid(problems: Vec<FieldError>) -> ApiError {
    ApiError::invalid(TARGET, StatusCode::UNPROCESSABLE_ENTITY, problems)
}

/// Caspen answers every unreadable body with 422, as Laravel treats it as empty input.
fn read_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    json_object(body).map_err(|error| {
        let reason = match error {
            BodyError::Malformed(reason) => format!("The request body is not valid JSON: {reason}"),
            BodyError::NotAnObject => "The request body must be a JSON object.".to_string(),
        };
        ApiError::new(TARGET, StatusCode::UNPROCESSABLE_ENTITY, reason)
    })
}

fn not_found() -> ApiError {
    ApiError::not_found(TARGET, "Client not found.")
}

async fn create_client(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let input = read_body(&body)?;
    let id = new_id("cli");
    let mut client = empty_client(&id);
    let problems = apply(&input, &mut client, true);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let client = Value::Object(client);
    state
        .store
        .write(|records| records.insert(TARGET, KIND, &id, &client))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    let mut response = (StatusCode::CREATED, Json(client)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("{COLLECTION_PATH}/{id}")) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

async fn get_client(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let client = state
        .store
        .read(|records| records.get_live(TARGET, KIND, &id))
        .map_err(|error| ApiError::internal(TARGET, error))?
        .ok_or_else(not_found)?;
    Ok(Json(client.body).into_response())
}

async fn update_client(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = read_body(&body)?;
    let updated = state
        .store
        .write(
            |records| -> Result<Option<Result<Value, Vec<FieldError>>>, StoreError> {
                let Some(existing) = records.get_live(TARGET, KIND, &id)? else {
                    return Ok(None);
                };
                let mut client = existing.body.as_object().cloned().unwrap_or_default();
                let problems = apply(&input, &mut client, false);
                if !problems.is_empty() {
                    return Ok(Some(Err(problems)));
                }
                let client = Value::Object(client);
                records.put(TARGET, KIND, &id, &client)?;
                Ok(Some(Ok(client)))
            },
        )
        .map_err(|error| ApiError::internal(TARGET, error))?;
    match updated {
        Some(Ok(client)) => Ok(Json(client).into_response()),
        Some(Err(problems)) => Err(invalid(problems)),
        None => Err(not_found()),
    }
}

/// Which way a cursor points from the client it names.
#[derive(Debug, PartialEq, Eq)]
enum Cursor {
    After(String),
    Before(String),
}

impl Cursor {
    /// Cursors are opaque to clients: hex of `next:<id>` or `prev:<id>`.
    fn encode(&self) -> String {
        let plain = match self {
            Cursor::After(id) => format!("next:{id}"),
            Cursor::Before(id) => format!("prev:{id}"),
        };
        plain.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    fn decode(text: &str) -> Option<Cursor> {
        if !text.len().is_multiple_of(2) {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(text.get(index..index + 2)?, 16).ok())
            .collect();
        let plain = String::from_utf8(bytes?).ok()?;
        if let Some(id) = plain.strip_prefix("next:") {
            Some(Cursor::After(id.to_string()))
        } else {
            plain
                .strip_prefix("prev:")
                .map(|id| Cursor::Before(id.to_string()))
        }
    }
}

async fn list_clients(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw_query.as_deref()).map_err(|error| {
        ApiError::bad_request(TARGET, format!("Malformed query string: {error}"))
    })?;
    let mut problems = Vec::new();
    let limit = match query_value(&pairs, "limit") {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => limit,
            _ => {
                problems.push(FieldError::query(
                    "limit",
                    "between",
                    format!("The limit field must be between 1 and {MAX_PAGE_SIZE}."),
                ));
                DEFAULT_PAGE_SIZE
            }
        },
    };
    let cursor = match query_value(&pairs, "cursor").filter(|text| !text.is_empty()) {
        None => None,
        Some(text) => {
            let decoded = Cursor::decode(text);
            if decoded.is_none() {
                problems.push(FieldError::query(
                    "cursor",
                    "invalid",
                    "The cursor is invalid.",
                ));
            }
            decoded
        }
    };
    let clients = state
        .store
        .read(|records| records.list_live(TARGET, KIND))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    let position = |id: &str, problems: &mut Vec<FieldError>| {
        let found = clients.iter().position(|client| client.id == id);
        if found.is_none() {
            problems.push(FieldError::query(
                "cursor",
                "invalid",
                "The cursor is invalid.",
            ));
        }
        found.unwrap_or(0)
    };
    let (start, end) = match &cursor {
        None => (0, limit.min(clients.len())),
        Some(Cursor::After(id)) => {
            let start = position(id, &mut problems) + 1;
            (start, (start + limit).min(clients.len()))
        }
        Some(Cursor::Before(id)) => {
            let end = position(id, &mut problems);
            (end.saturating_sub(limit), end)
        }
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let page = &clients[start..end];
    let next_cursor = (end < clients.len())
        .then(|| {
            page.last()
                .map(|client| Cursor::After(client.id.clone()).encode())
        })
        .flatten();
    let prev_cursor = (start > 0)
        .then(|| {
            page.first()
                .map(|client| Cursor::Before(client.id.clone()).encode())
        })
        .flatten();
    let link = |cursor: &Option<String>| {
        cursor.as_ref().map(|cursor| {
            absolute_url(
                &headers,
                COLLECTION_PATH,
                &[
                    ("cursor".into(), cursor.clone()),
                    ("limit".into(), limit.to_string()),
                ],
            )
        })
    };
    let data: Vec<Value> = page.iter().map(|client| client.body.clone()).collect();
    Ok(Json(json!({
        "data": data,
        "links": {"first": null, "last": null, "prev": link(&prev_cursor), "next": link(&next_cursor)},
        "meta": {
            "path": absolute_url(&headers, COLLECTION_PATH, &[]),
            "per_page": limit,
            "next_cursor": next_cursor,
            "prev_cursor": prev_cursor,
        },
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor::After("cli_01HQ".into());
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("zz"), None);
        assert_eq!(Cursor::decode("abc"), None);
        assert_eq!(Cursor::decode("6e6f7065"), None);
    }

    #[test]
    fn ids_are_prefixed_ulids() {
        let id = new_id("cli");
        assert_eq!(id.len(), 30);
        assert!(id.starts_with("cli_0"));
        assert_ne!(new_id("cli"), new_id("cli"));
    }

    #[test]
    fn laravel_messages_name_the_attribute_in_words() {
        let mut client = empty_client("cli_x");
        let problems = apply(
            json!({"last_name": "Keller", "privacy_policy_consent": "maybe", "tag_ids": [1, "x"]})
                .as_object()
                .expect("object"),
            &mut client,
            true,
        );
        let messages: Vec<&str> = problems
            .iter()
            .map(|problem| problem.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "The first name field is required.",
                "The selected privacy policy consent is invalid.",
                "The tag ids.1 field must be an integer.",
            ]
        );
    }
}
