//! persons_v1: a person API whose writes are upserts, under `/persons_v1/api/v1/persons`.
//!
//! `PUT /persons/{id}` and `PUT /persons` (a list) create a person that does not exist and
//! change only the fields given on one that does, answering `created`, `updated` or
//! `unchanged` per person. A list is checked whole before anything is stored: one bad
//! person stores nobody. `DELETE` is permanent as far as the API can tell (the admin view
//! keeps a tombstone flagged `deleted`); the vendor recommends `active: false` instead.
//! Errors: `{"message": "...", "errors": {"data.firstName": ["..."]}}` with status 400.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::body::{json_object, BodyError};
use crate::error::{ApiError, FieldError};
use crate::store::{Records, SeedRecord, StoreError};
use crate::target::Target;
use crate::AppState;

const TARGET: Target = Target::PersonsV1;
const KIND: &str = "person";
const STRING_FIELDS: [&str; 4] = ["firstName", "lastName", "userName", "information"];
/// A person needs a name to exist; later upserts may leave it out.
const REQUIRED_ON_CREATE: [&str; 2] = ["firstName", "lastName"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/persons_v1/api/v1/persons",
            get(list_persons).put(upsert_many),
        )
        .route(
            "/persons_v1/api/v1/persons/{id}",
            get(get_person).put(upsert_one).delete(delete_person),
        )
}

pub fn seed_records() -> Vec<SeedRecord> {
    let people = [
        (
            1,
            "Maria",
            "Garcia",
            "maria.garcia",
            "Born 1985-04-12",
            true,
        ),
        (2, "John", "Smith", "john.smith", "Born 1970-01-30", true),
        (3, "Aisha", "Khan", "aisha.khan", "Born 1992-11-03", true),
        (4, "Wei", "Chen", "wei.chen", "Born 1978-07-21", true),
        (
            5,
            "Olumide",
            "Adeyemi",
            "olumide.adeyemi",
            "Born 2001-02-14",
            false,
        ),
    ];
    people
        .into_iter()
        .map(|(id, first, last, user, information, active)| SeedRecord {
            target: TARGET,
            kind: KIND,
            id: id.to_string(),
            body: json!({
                "personId": id,
                "firstName": first,
                "lastName": last,
                "userName": user,
                "information": information,
                "active": active,
            }),
        })
        .collect()
}

/// What an upsert did to one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsertStatus {
    Created,
    Updated,
    Unchanged,
}

impl UpsertStatus {
    fn name(self) -> &'static str {
        match self {
            UpsertStatus::Created => "created",
            UpsertStatus::Updated => "updated",
            UpsertStatus::Unchanged => "unchanged",
        }
    }
}

fn invalid(problems: Vec<FieldError>) -> ApiError {
    ApiError::invalid(TARGET, StatusCode::BAD_REQUEST, problems)
}

fn parse_person_id(text: &str) -> Result<u64, ApiError> {
    text.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            invalid(vec![FieldError::path(
                "id",
                "invalid",
                format!("id must be a positive whole number, got {text:?}"),
            )])
        })
}

fn read_body(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    json_object(body).map_err(|error| match error {
        BodyError::Malformed(reason) => ApiError::bad_request(
            TARGET,
            format!("The request body is not valid JSON: {reason}"),
        ),
        BodyError::NotAnObject => ApiError::bad_request(
            TARGET,
            "The request body must be a JSON object with a data member",
        ),
    })
}

async fn list_persons(State(state): State<AppState>) -> Result<Response, ApiError> {
    let persons = state
        .store
        .read(|records| records.list_live(TARGET, KIND))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    let data: Vec<Value> = persons.into_iter().map(|person| person.body).collect();
    Ok(Json(json!({ "data": data })).into_response())
}

async fn get_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let person_id = parse_person_id(&id)?;
    let person = state
        .store
        .read(|records| records.get_live(TARGET, KIND, &person_id.to_string()))
        .map_err(|error| ApiError::internal(TARGET, error))?
        .ok_or_else(|| ApiError::not_found(TARGET, format!("Person {person_id} not found")))?;
    Ok(Json(json!({ "data": person.body })).into_response())
}

async fn delete_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let person_id = parse_person_id(&id)?;
    let deleted = state
        .store
        .write(|records| records.soft_delete(TARGET, KIND, &person_id.to_string()))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    if deleted {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(
            TARGET,
            format!("Person {person_id} not found"),
        ))
    }
}

/// One person of a request, checked for shape but not yet for existence.
struct Incoming {
    /// Where the person sits in the request, for error paths: `data` or `data.2`.
    path: String,
    person_id: Option<u64>,
    fields: Map<String, Value>,
}

/// Checks field types; `personId`, when present, must be a positive integer.
fn read_person(path: String, value: &Value, problems: &mut Vec<FieldError>) -> Option<Incoming> {
    let Value::Object(object) = value else {
        problems.push(FieldError::body(path, "invalid", "must be a person object"));
        return None;
    };
    let mut fields = Map::new();
    let mut person_id = None;
    let before = problems.len();
    for (name, value) in object {
        let field_path = format!("{path}.{name}");
        match name.as_str() {
            "personId" => match value.as_u64().filter(|id| *id > 0) {
                Some(id) => person_id = Some(id),
                None => problems.push(FieldError::body(
                    field_path,
                    "invalid",
                    "personId must be a positive whole number",
                )),
            },
            "active" => {
                if value.is_boolean() {
                    fields.insert(name.clone(), value.clone());
                } else {
                    problems.push(FieldError::body(field_path, "invalid", "active must be true or false"));
                }
            }
            known if STRING_FIELDS.contains(&known) => {
                if value.is_string() {
                    fields.insert(name.clone(), value.clone());
                } else {
                    problems.push(FieldError::body(
                        field_path,
                        "invalid",
                        format!("{name} must be a string"),
                    ));
                }
            }
            _ => problems.push(FieldError::body(
                field_path,
                "unknown_field",
                format!("{name} is not a person field (personId, firstName, lastName, userName, information, active)"),
            )),
        }
    }
    (problems.len() == before).then_some(Incoming {
        path,
        person_id,
        fields,
    })
}

/// The person after the upsert and what happened; `Err` lists what a new person lacks.
fn merge(
    person_id: u64,
    existing: Option<&Value>,
    incoming: &Incoming,
) -> Result<(Value, UpsertStatus), Vec<FieldError>> {
    match existing {
        None => {
            let missing: Vec<FieldError> = REQUIRED_ON_CREATE
                .iter()
                .filter(|name| {
                    incoming
                        .fields
                        .get(**name)
                        .and_then(Value::as_str)
                        .is_none_or(|text| text.trim().is_empty())
                })
                .map(|name| {
                    FieldError::body(
                        format!("{}.{name}", incoming.path),
                        "required",
                        format!("{name} is required to create a person"),
                    )
                })
                .collect();
            if !missing.is_empty() {
                return Err(missing);
            }
            let mut person = Map::new();
            person.insert("personId".into(), json!(person_id));
            person.insert("firstName".into(), json!(""));
            person.insert("lastName".into(), json!(""));
            person.insert("userName".into(), json!(""));
            person.insert("information".into(), json!(""));
            person.insert("active".into(), json!(true));
            person.extend(incoming.fields.clone());
            Ok((Value::Object(person), UpsertStatus::Created))
        }
        Some(existing) => {
            let mut person = existing.as_object().cloned().unwrap_or_default();
            person.extend(incoming.fields.clone());
            person.insert("personId".into(), json!(person_id));
            let person = Value::Object(person);
            let status = if &person == existing {
                UpsertStatus::Unchanged
            } else {
                UpsertStatus::Updated
            };
            Ok((person, status))
        }
    }
}

/// Failure inside the upsert transaction: either the request is wrong or the store is.
enum UpsertFailure {
    Invalid(Vec<FieldError>),
    Store(StoreError),
}

impl From<StoreError> for UpsertFailure {
    fn from(error: StoreError) -> Self {
        UpsertFailure::Store(error)
    }
}

impl From<UpsertFailure> for ApiError {
    fn from(failure: UpsertFailure) -> Self {
        match failure {
            UpsertFailure::Invalid(problems) => invalid(problems),
            UpsertFailure::Store(error) => ApiError::internal(TARGET, error),
        }
    }
}

/// Decides every person's outcome first and writes only if all are valid.
fn upsert_all(
    records: &Records<'_>,
    people: &[Incoming],
) -> Result<Vec<(u64, UpsertStatus)>, UpsertFailure> {
    // New ids come after every stored id and every id this request names, so they never collide.
    let largest_named_id = people
        .iter()
        .filter_map(|person| person.person_id)
        .max()
        .unwrap_or(0);
    let largest_stored_id = records.max_numeric_id(TARGET, KIND)?.max(0) as u64;
    let mut next_new_id = largest_stored_id.max(largest_named_id) + 1;
    let mut planned = Vec::with_capacity(people.len());
    let mut problems = Vec::new();
    for person in people {
        let person_id = match person.person_id {
            Some(id) => id,
            None => {
                next_new_id += 1;
                next_new_id - 1
            }
        };
        let existing = records.get_live(TARGET, KIND, &person_id.to_string())?;
        match merge(
            person_id,
            existing.as_ref().map(|record| &record.body),
            person,
        ) {
            Ok((body, status)) => planned.push((person_id, body, status)),
            Err(mut missing) => problems.append(&mut missing),
        }
    }
    if !problems.is_empty() {
        return Err(UpsertFailure::Invalid(problems));
    }
    let mut outcomes = Vec::with_capacity(planned.len());
    for (person_id, body, status) in planned {
        if status != UpsertStatus::Unchanged {
            records.put(TARGET, KIND, &person_id.to_string(), &body)?;
        }
        outcomes.push((person_id, status));
    }
    Ok(outcomes)
}

async fn upsert_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let person_id = parse_person_id(&id)?;
    let body = read_body(&body)?;
    let mut problems = Vec::new();
    let incoming = match body.get("data") {
        Some(data) => read_person("data".into(), data, &mut problems),
        None => {
            problems.push(FieldError::body("data", "required", "data is required"));
            None
        }
    };
    let Some(mut incoming) = incoming else {
        return Err(invalid(problems));
    };
    if incoming
        .person_id
        .is_some_and(|body_id| body_id != person_id)
    {
        return Err(invalid(vec![FieldError::body(
            "data.personId",
            "invalid",
            format!("personId must match the URL ({person_id})"),
        )]));
    }
    incoming.person_id = Some(person_id);
    let outcomes = state
        .store
        .write(|records| upsert_all(records, std::slice::from_ref(&incoming)))
        .map_err(ApiError::from)?;
    let status = outcomes
        .first()
        .map_or(UpsertStatus::Unchanged, |(_, status)| *status);
    Ok(Json(json!({
        "status": status.name(),
        "data": {"personId": person_id},
    }))
    .into_response())
}

async fn upsert_many(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let body = read_body(&body)?;
    let Some(Value::Array(list)) = body.get("data") else {
        return Err(invalid(vec![FieldError::body(
            "data",
            "invalid",
            "data must be a list of persons",
        )]));
    };
    let mut problems = Vec::new();
    let mut people = Vec::with_capacity(list.len());
    let mut seen_ids = HashSet::new();
    for (index, value) in list.iter().enumerate() {
        if let Some(person) = read_person(format!("data.{index}"), value, &mut problems) {
            if let Some(id) = person.person_id {
                if !seen_ids.insert(id) {
                    problems.push(FieldError::body(
                        format!("data.{index}.personId"),
                        "duplicate",
                        format!("personId {id} appears more than once in this request"),
                    ));
                }
            }
            people.push(person);
        }
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let outcomes = state
        .store
        .write(|records| upsert_all(records, &people))
        .map_err(ApiError::from)?;
    let ids_with = |wanted: UpsertStatus| -> Vec<u64> {
        outcomes
            .iter()
            .filter(|(_, status)| *status == wanted)
            .map(|(id, _)| *id)
            .collect()
    };
    let data: Vec<Value> = outcomes
        .iter()
        .map(|(id, _)| json!({"personId": id}))
        .collect();
    Ok(Json(json!({
        "status": {
            "created": ids_with(UpsertStatus::Created),
            "updated": ids_with(UpsertStatus::Updated),
            "unchanged": ids_with(UpsertStatus::Unchanged),
        },
        "data": data,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(fields: Value) -> Incoming {
        Incoming {
            path: "data".into(),
            person_id: Some(9),
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn sending_the_same_values_again_is_unchanged() {
        let existing = json!({"personId": 9, "firstName": "A", "lastName": "B", "userName": "", "information": "", "active": true});
        let (_, status) =
            merge(9, Some(&existing), &incoming(json!({"firstName": "A"}))).expect("valid");
        assert_eq!(status, UpsertStatus::Unchanged);
        let (person, status) =
            merge(9, Some(&existing), &incoming(json!({"active": false}))).expect("valid");
        assert_eq!(status, UpsertStatus::Updated);
        assert_eq!(person["firstName"], "A");
    }

    #[test]
    fn a_new_person_needs_both_names() {
        let missing = merge(9, None, &incoming(json!({"firstName": "A"}))).expect_err("invalid");
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].source,
            crate::error::FieldSource::Body("data.lastName".into())
        );
    }
}
