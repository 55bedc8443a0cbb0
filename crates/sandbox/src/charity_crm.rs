//! charity_crm persons: `POST /api/v1/persons`, cursor-paged `GET /api/v1/persons`,
//! and `PUT /api/v1/persons/{uuid}/actions/update`, under `/charity_crm`.
//!
//! Semantics kept from the vendor: the client may choose the person's v4 `uuid`, and posting
//! the same uuid again answers 409 without storing anything, so a retried create is safe;
//! the list is newest first, paged with `first`/`after` (and `last`/`before`) into `edges`
//! and `pageInfo`; an update changes the fields sent, clears the ones sent as `null` and
//! keeps the ones left out (inside `name`, `address`, `optIns` and `mandate` too).
//! Requests come in with `name{...}` and `optIns{...}`; persons go out flattened
//! (`firstName`, `optInEmail`, ...), as the vendor's examples show.
//! Errors: 400 `{"message": "...", "errors": {"name.lastName": ["This value should not be blank."]}}`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::body::{json_object, query_pairs, query_value, BodyError};
use crate::dates::{self, CivilDate};
use crate::error::{ApiError, FieldError};
use crate::store::{SeedRecord, StoreError};
use crate::target::Target;
use crate::validate::{digits_of, is_email, is_iban, is_uuid_v4, normalize_iban};
use crate::AppState;

const TARGET: Target = Target::CharityCrm;
const KIND: &str = "person";
pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 100;
pub const DEFAULT_ORGANIZATION_UUID: &str = "2fcc7d41-a72a-4f38-94ff-8a0484b8fc4c";
pub const DEFAULT_ORGANIZATION_NAME: &str = "Good Cause Charity";
pub const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

/// How a field's value is checked and normalised.
#[derive(Clone, Copy)]
enum Rule {
    Text,
    Digits,
    Phone,
    Email,
    Gender,
    Language,
    Iban,
    Date,
    DateTime,
    Country,
    Flag,
}

/// Fields sent at the top level or inside `name`/`optIns`, and the flat key each becomes.
const SCALAR_FIELDS: [(&str, Option<&str>, &str, Rule); 17] = [
    ("academicTitle", None, "academicTitle", Rule::Text),
    ("initials", Some("name"), "initials", Rule::Text),
    ("firstName", Some("name"), "firstName", Rule::Text),
    ("lastNamePrefix", Some("name"), "lastNamePrefix", Rule::Text),
    ("lastName", Some("name"), "lastName", Rule::Text),
    ("dateOfBirth", None, "dateOfBirth", Rule::Date),
    (
        "socialSecurityNumber",
        None,
        "socialSecurityNumber",
        Rule::Digits,
    ),
    ("gender", None, "gender", Rule::Gender),
    ("phoneNumber", None, "phoneNumber", Rule::Phone),
    ("mobilePhoneNumber", None, "mobilePhoneNumber", Rule::Phone),
    ("email", None, "email", Rule::Email),
    ("language", None, "language", Rule::Language),
    ("iban", None, "iban", Rule::Iban),
    ("email", Some("optIns"), "optInEmail", Rule::Flag),
    ("mail", Some("optIns"), "optInMail", Rule::Flag),
    ("phone", Some("optIns"), "optInPhone", Rule::Flag),
    ("sms", Some("optIns"), "optInSms", Rule::Flag),
];

/// Objects stored as objects, with their members.
const ADDRESS_FIELDS: [(&str, Rule); 6] = [
    ("street", Rule::Text),
    ("houseNumber", Rule::Text),
    ("houseNumberExtension", Rule::Text),
    ("zipCode", Rule::Text),
    ("city", Rule::Text),
    ("country", Rule::Country),
];
const MANDATE_FIELDS: [(&str, Rule); 2] = [("id", Rule::Text), ("createdAt", Rule::DateTime)];
/// Accepted only when creating: who the person is and who owns or recruited them.
const CREATE_ONLY_FIELDS: [&str; 3] = [
    "uuid",
    "owningOrganizationUuid",
    "recruitingOrganizationUuid",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/charity_crm/api/v1/persons",
            get(list_persons).post(create_person),
        )
        .route(
            "/charity_crm/api/v1/persons/{uuid}/actions/update",
            put(update_person),
        )
}

pub fn seed_records() -> Vec<SeedRecord> {
    let people = [
        (
            "0b9a4c64-8d53-4f0e-9d0a-3f6f6b1c2a01",
            "M.",
            "Maria",
            None,
            "Garcia",
            "1985-04-12",
            "female",
            "NL91ABNA0417164300",
            "Utrecht",
        ),
        (
            "6c1e2f7a-1b2c-4d3e-8f40-5a6b7c8d9e02",
            "J.",
            "John",
            None,
            "Smith",
            "1970-01-30",
            "male",
            "NL02ABNA0123456789",
            "Breda",
        ),
        (
            "a4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e03",
            "A.",
            "Aisha",
            None,
            "Khan",
            "1992-11-03",
            "female",
            "DE89370400440532013000",
            "Arnhem",
        ),
        (
            "d7e8f9a0-b1c2-4d3e-a4f5-a6b7c8d9e004",
            "W.",
            "Wei",
            None,
            "Chen",
            "1978-07-21",
            "male",
            "GB82WEST12345698765432",
            "Delft",
        ),
        (
            "f1a2b3c4-d5e6-4f70-b819-2a3b4c5d6e05",
            "O.",
            "Olumide",
            Some("van"),
            "Adeyemi",
            "2001-02-14",
            "male",
            "NL20INGB0001234567",
            "Leiden",
        ),
    ];
    people
        .into_iter()
        .enumerate()
        .map(|(index, (uuid, initials, first, prefix, last, born, gender, iban, city))| {
            let mut node = empty_person(uuid);
            node.insert("initials".into(), json!(initials));
            node.insert("firstName".into(), json!(first));
            node.insert("lastNamePrefix".into(), json!(prefix));
            node.insert("lastName".into(), json!(last));
            node.insert("dateOfBirth".into(), json!(born));
            node.insert("gender".into(), json!(gender));
            node.insert("iban".into(), json!(iban));
            node.insert("language".into(), json!("nl"));
            node.insert("optInEmail".into(), json!(true));
            node.insert(
                "address".into(),
                json!({"street": "Kerkstraat", "houseNumber": (index + 1).to_string(), "houseNumberExtension": null, "zipCode": "3031LS", "city": city, "country": "NL"}),
            );
            node.insert(
                "createdAt".into(),
                json!(format!("2024-01-0{}T09:00:00Z", index + 1)),
            );
            SeedRecord {
                target: TARGET,
                kind: KIND,
                id: uuid.to_string(),
                body: Value::Object(node),
            }
        })
        .collect()
}

/// A person with every field present and empty, owned by the default organisation.
fn empty_person(uuid: &str) -> Map<String, Value> {
    let mut node = Map::new();
    node.insert("uuid".into(), json!(uuid));
    for (_, _, key, _) in SCALAR_FIELDS.iter() {
        node.insert((*key).into(), Value::Null);
    }
    node.insert("address".into(), Value::Null);
    node.insert("mandate".into(), Value::Null);
    node.insert("createdAt".into(), json!(dates::rfc3339_now()));
    node.insert(
        "owningOrganization".into(),
        json!({"uuid": DEFAULT_ORGANIZATION_UUID, "name": DEFAULT_ORGANIZATION_NAME}),
    );
    node.insert("recruitingOrganization".into(), Value::Null);
    node
}

fn invalid(problems: Vec<FieldError>) -> ApiError {
    ApiError::invalid(TARGET, StatusCode::BAD_REQUEST, problems)
}

fn read_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    json_object(body).map_err(|error| match error {
        BodyError::Malformed(reason) => ApiError::bad_request(
            TARGET,
            format!("The request body is not valid JSON: {reason}"),
        ),
        BodyError::NotAnObject => {
            ApiError::bad_request(TARGET, "The request body must be a JSON object")
        }
    })
}

/// Checks one value against its rule and returns what to store.
fn check(rule: Rule, value: &Value) -> Result<Value, &'static str> {
    if let Rule::Flag = rule {
        return if value.is_boolean() {
            Ok(value.clone())
        } else {
            Err("This value should be of type bool.")
        };
    }
    let Some(text) = value.as_str() else {
        return Err("This value should be of type string.");
    };
    let accepted = match rule {
        Rule::Text | Rule::Flag => true,
        Rule::Digits => !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()),
        Rule::Phone => {
            text.starts_with('+')
                && (8..=15).contains(&digits_of(text).len())
                && text[1..]
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || byte == b' ')
        }
        Rule::Email => is_email(text),
        Rule::Gender => GENDERS.contains(&text),
        Rule::Language => text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_lowercase()),
        Rule::Country => text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_uppercase()),
        Rule::Iban => is_iban(text),
        Rule::Date | Rule::DateTime => CivilDate::parse_date_or_datetime(text).is_some(),
    };
    if !accepted {
        return Err(match rule {
            Rule::Digits => "This value should contain digits only.",
            Rule::Phone => "This value is not a valid international phone number.",
            Rule::Email => "This value is not a valid email address.",
            Rule::Gender => "The value you selected is not a valid choice.",
            Rule::Language => "This value is not a valid ISO 639-1 language code.",
            Rule::Country => "This value is not a valid ISO 3166-1 alpha-2 country code.",
            Rule::Iban => "This is not a valid International Bank Account Number (IBAN).",
            Rule::Date | Rule::DateTime => "This value is not a valid date.",
            Rule::Text | Rule::Flag => "This value is not valid.",
        });
    }
    Ok(match rule {
        Rule::Iban => json!(normalize_iban(text)),
        Rule::Date => json!(CivilDate::parse_date_or_datetime(text)
            .map(|date| date.to_string())
            .unwrap_or_default()),
        _ => value.clone(),
    })
}

/// Applies a create or update body to a stored person: values set, `null` clears, absent keeps.
fn apply_changes(
    input: &Map<String, Value>,
    node: &mut Map<String, Value>,
    creating: bool,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    for (name, value) in input {
        match name.as_str() {
            "name" | "optIns" => apply_group(name, value, node, &mut problems),
            "address" => apply_object(name, value, &ADDRESS_FIELDS, node, &mut problems),
            "mandate" => apply_object(name, value, &MANDATE_FIELDS, node, &mut problems),
            create_only if CREATE_ONLY_FIELDS.contains(&create_only) => {
                if !creating {
                    problems.push(FieldError::body(
                        name,
                        "unexpected",
                        "This field was not expected.",
                    ));
                }
            }
            _ => match scalar_field(None, name) {
                Some((key, rule)) => apply_scalar(name, key, rule, value, node, &mut problems),
                None => problems.push(FieldError::body(
                    name,
                    "unexpected",
                    "This field was not expected.",
                )),
            },
        }
    }
    let last_name_blank = node
        .get("lastName")
        .and_then(Value::as_str)
        .is_none_or(|text| text.trim().is_empty());
    if last_name_blank
        && !problems.iter().any(|problem| {
            problem.source == crate::error::FieldSource::Body("name.lastName".into())
        })
    {
        problems.push(FieldError::body(
            "name.lastName",
            "blank",
            "This value should not be blank.",
        ));
    }
    problems
}

fn scalar_field(group: Option<&str>, name: &str) -> Option<(&'static str, Rule)> {
    SCALAR_FIELDS
        .iter()
        .find(|(input, in_group, _, _)| *input == name && *in_group == group)
        .map(|(_, _, key, rule)| (*key, *rule))
}

fn apply_scalar(
    path: &str,
    key: &str,
    rule: Rule,
    value: &Value,
    node: &mut Map<String, Value>,
    problems: &mut Vec<FieldError>,
) {
    if value.is_null() {
        node.insert(key.into(), Value::Null);
        return;
    }
    match check(rule, value) {
        Ok(stored) => {
            node.insert(key.into(), stored);
        }
        Err(message) => problems.push(FieldError::body(path, "invalid", message)),
    }
}

/// `name` and `optIns` arrive grouped but are stored flat; `null` clears the whole group.
fn apply_group(
    group: &str,
    value: &Value,
    node: &mut Map<String, Value>,
    problems: &mut Vec<FieldError>,
) {
    match value {
        Value::Null => {
            for (_, in_group, key, _) in SCALAR_FIELDS.iter() {
                if *in_group == Some(group) {
                    node.insert((*key).into(), Value::Null);
                }
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let path = format!("{group}.{name}");
                match scalar_field(Some(group), name) {
                    Some((key, rule)) => apply_scalar(&path, key, rule, member, node, problems),
                    None => problems.push(FieldError::body(
                        path,
                        "unexpected",
                        "This field was not expected.",
                    )),
                }
            }
        }
        _ => problems.push(FieldError::body(
            group,
            "invalid",
            "This value should be of type object.",
        )),
    }
}

/// `address` and `mandate` are stored as objects; members merge with the same null-clears rule.
fn apply_object(
    name: &str,
    value: &Value,
    members: &[(&str, Rule)],
    node: &mut Map<String, Value>,
    problems: &mut Vec<FieldError>,
) {
    match value {
        Value::Null => {
            node.insert(name.into(), Value::Null);
        }
        Value::Object(sent) => {
            let mut stored = match node.get(name) {
                Some(Value::Object(existing)) => existing.clone(),
                _ => members
                    .iter()
                    .map(|(member, _)| ((*member).to_string(), Value::Null))
                    .collect(),
            };
            for (member, member_value) in sent {
                let path = format!("{name}.{member}");
                match members.iter().find(|(known, _)| known == member) {
                    Some((_, rule)) => {
                        apply_scalar(&path, member, *rule, member_value, &mut stored, problems)
                    }
                    None => problems.push(FieldError::body(
                        path,
                        "unexpected",
                        "This field was not expected.",
                    )),
                }
            }
            node.insert(name.into(), Value::Object(stored));
        }
        _ => problems.push(FieldError::body(
            name,
            "invalid",
            "This value should be of type object.",
        )),
    }
}

/// Reads an optional organisation uuid field of a create body.
fn organization_uuid(
    input: &Map<String, Value>,
    name: &str,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    match input.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(uuid)) if is_uuid_v4(uuid) => Some(uuid.to_lowercase()),
        Some(_) => {
            problems.push(FieldError::body(
                name,
                "invalid",
                "This is not a valid UUID (version 4).",
            ));
            None
        }
    }
}

enum CreateOutcome {
    Created(Value),
    AlreadyExists,
}

async fn create_person(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let input = read_body(&body)?;
    let mut problems = Vec::new();
    let uuid = match input.get("uuid") {
        None | Some(Value::Null) => uuid::Uuid::new_v4().to_string(),
        Some(Value::String(uuid)) if is_uuid_v4(uuid) => uuid.to_lowercase(),
        Some(_) => {
            problems.push(FieldError::body(
                "uuid",
                "invalid",
                "This is not a valid UUID (version 4).",
            ));
            String::new()
        }
    };
    let owning = organization_uuid(&input, "owningOrganizationUuid", &mut problems);
    let recruiting = organization_uuid(&input, "recruitingOrganizationUuid", &mut problems);
    let mut node = empty_person(&uuid);
    problems.extend(apply_changes(&input, &mut node, true));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    if let Some(owning) = owning {
        let name = if owning == DEFAULT_ORGANIZATION_UUID {
            json!(DEFAULT_ORGANIZATION_NAME)
        } else {
            Value::Null
        };
        node.insert(
            "owningOrganization".into(),
            json!({"uuid": owning, "name": name}),
        );
    }
    if let Some(recruiting) = recruiting {
        node.insert("recruitingOrganization".into(), json!({"uuid": recruiting}));
    }
    let node = Value::Object(node);
    let outcome = state
        .store
        .write(|records| -> Result<CreateOutcome, StoreError> {
            if records.get(TARGET, KIND, &uuid)?.is_some() {
                return Ok(CreateOutcome::AlreadyExists);
            }
            records.insert(TARGET, KIND, &uuid, &node)?;
            Ok(CreateOutcome::Created(node.clone()))
        })
        .map_err(|error| ApiError::internal(TARGET, error))?;
    match outcome {
        CreateOutcome::Created(person) => Ok((StatusCode::CREATED, Json(person)).into_response()),
        CreateOutcome::AlreadyExists => Err(ApiError::new(
            TARGET,
            StatusCode::CONFLICT,
            "Person already exists",
        )),
    }
}

async fn update_person(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input = read_body(&body)?;
    let uuid = uuid.to_lowercase();
    let updated = state.store.write(
        |records| -> Result<Result<Value, Vec<FieldError>>, StoreError> {
            let Some(existing) = records.get_live(TARGET, KIND, &uuid)? else {
                return Ok(Err(Vec::new()));
            };
            let mut node = existing.body.as_object().cloned().unwrap_or_default();
            let problems = apply_changes(&input, &mut node, false);
            if !problems.is_empty() {
                return Ok(Err(problems));
            }
            let node = Value::Object(node);
            records.put(TARGET, KIND, &uuid, &node)?;
            Ok(Ok(node))
        },
    );
    match updated {
        Ok(Ok(person)) => Ok(Json(person).into_response()),
        Ok(Err(problems)) if problems.is_empty() => Err(ApiError::not_found(
            TARGET,
            "Person with this Uuid not found",
        )),
        Ok(Err(problems)) => Err(invalid(problems)),
        Err(error) => Err(ApiError::internal(TARGET, error)),
    }
}

/// A count parameter (`first`, `last`), between 1 and the maximum page size.
fn count_parameter(
    pairs: &[(String, String)],
    name: &str,
    problems: &mut Vec<FieldError>,
) -> Option<usize> {
    let text = query_value(pairs, name)?;
    match text.parse::<usize>() {
        Ok(count) if (1..=MAX_PAGE_SIZE).contains(&count) => Some(count),
        _ => {
            problems.push(FieldError::query(
                name,
                "invalid",
                format!("This value should be a whole number between 1 and {MAX_PAGE_SIZE}."),
            ));
            None
        }
    }
}

async fn list_persons(
    State(state): State<AppState>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw_query.as_deref()).map_err(|error| {
        ApiError::bad_request(TARGET, format!("Malformed query string: {error}"))
    })?;
    let mut problems = Vec::new();
    let first = count_parameter(&pairs, "first", &mut problems);
    let last = count_parameter(&pairs, "last", &mut problems);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let iban = query_value(&pairs, "iban").map(normalize_iban);
    let organizations: Vec<String> = pairs
        .iter()
        .filter(|(key, _)| key == "owningOrganizationUuids" || key == "owningOrganizationUuids[]")
        .flat_map(|(_, value)| value.split(',').map(|uuid| uuid.trim().to_lowercase()))
        .filter(|uuid| !uuid.is_empty())
        .collect();
    let stored = state
        .store
        .read(|records| records.list_live(TARGET, KIND))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    // Newest first, as the vendor sorts by creation datetime descending.
    let persons: Vec<Value> = stored
        .into_iter()
        .rev()
        .map(|record| record.body)
        .filter(|person| {
            iban.as_ref()
                .is_none_or(|iban| person["iban"].as_str() == Some(iban.as_str()))
        })
        .filter(|person| {
            organizations.is_empty()
                || person["owningOrganization"]["uuid"]
                    .as_str()
                    .is_some_and(|uuid| organizations.iter().any(|wanted| wanted == uuid))
        })
        .collect();
    let position_of = |name: &str, problems: &mut Vec<FieldError>| -> Option<usize> {
        let cursor = query_value(&pairs, name)?;
        let position = persons
            .iter()
            .position(|person| person["uuid"].as_str() == Some(cursor));
        if position.is_none() {
            problems.push(FieldError::query(
                name,
                "invalid",
                format!("Unknown cursor {cursor:?}."),
            ));
        }
        position
    };
    let after = position_of("after", &mut problems);
    let before = position_of("before", &mut problems);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let backwards = (before.is_some() || last.is_some()) && first.is_none() && after.is_none();
    let (start, end) = if backwards {
        let end = before.unwrap_or(persons.len());
        (end.saturating_sub(last.unwrap_or(DEFAULT_PAGE_SIZE)), end)
    } else {
        let start = after.map_or(0, |position| position + 1);
        (
            start,
            (start + first.unwrap_or(DEFAULT_PAGE_SIZE)).min(persons.len()),
        )
    };
    let edges: Vec<Value> = persons[start..end]
        .iter()
        .map(|person| json!({"node": person, "cursor": person["uuid"]}))
        .collect();
    let page_info = json!({
        "startCursor": edges.first().map(|edge| edge["cursor"].clone()),
        "endCursor": edges.last().map(|edge| edge["cursor"].clone()),
        "hasPreviousPage": start > 0,
        "hasNextPage": end < persons.len(),
    });
    Ok(Json(json!({"edges": edges, "pageInfo": page_info})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_clears_and_absent_keeps_inside_groups_and_objects() {
        let mut node = empty_person("0b9a4c64-8d53-4f0e-9d0a-3f6f6b1c2a01");
        let create = json!({"name": {"firstName": "Peter", "lastName": "Plas", "initials": "P."},
                            "address": {"street": "Kerkstraat", "city": "Arnhem"},
                            "optIns": {"email": true, "sms": false}});
        assert!(apply_changes(create.as_object().expect("object"), &mut node, true).is_empty());
        let update =
            json!({"name": {"initials": null}, "address": {"city": "Breda"}, "optIns": null});
        assert!(apply_changes(update.as_object().expect("object"), &mut node, false).is_empty());
        assert_eq!(node["firstName"], "Peter");
        assert_eq!(node["initials"], Value::Null);
        assert_eq!(node["address"]["street"], "Kerkstraat");
        assert_eq!(node["address"]["city"], "Breda");
        assert_eq!(node["optInEmail"], Value::Null);
        assert_eq!(node["optInSms"], Value::Null);
    }

    #[test]
    fn the_last_name_cannot_be_cleared() {
        let mut node = empty_person("0b9a4c64-8d53-4f0e-9d0a-3f6f6b1c2a01");
        node.insert("lastName".into(), json!("Plas"));
        let problems = apply_changes(
            json!({"name": {"lastName": null}})
                .as_object()
                .expect("object"),
            &mut node,
            false,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].source,
            crate::error::FieldSource::Body("name.lastName".into())
        );
    }

    #[test]
    fn seeded_ibans_are_valid() {
        for seed in seed_records() {
            assert!(
                is_iban(seed.body["iban"].as_str().unwrap_or_default()),
                "{}",
                seed.body["iban"]
            );
            assert!(is_uuid_v4(&seed.id), "{}", seed.id);
        }
    }
}
