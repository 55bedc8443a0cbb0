//! Casebook people: JSON:API documents under `/casebook/people/people`.
//!
//! Semantics kept from the vendor: `application/vnd.api+json` documents of type `people`;
//! `filter[attribute]=value` and `page[number]`/`page[size]` (default size 10) on the list;
//! `fields[people]=a,b` sparse fieldsets; PATCH changes only the attributes sent; DELETE is a
//! soft delete that hides the person from lists and gets; errors are JSON:API `errors[]`
//! whose `source.pointer` names the attribute (`/data/attributes/last_name`).
//! Casebook configures required fields per customer; the sandbox requires `first_name` and `last_name`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use crate::body::{absolute_url, json_object, origin, query_pairs, BodyError};
use crate::dates::CivilDate;
use crate::error::{ApiError, FieldError, JSON_API_CONTENT_TYPE};
use crate::store::{Record, SeedRecord};
use crate::target::Target;
use crate::validate::is_email;
use crate::AppState;

const TARGET: Target = Target::Casebook;
const KIND: &str = "person";
const RESOURCE_TYPE: &str = "people";
const COLLECTION_PATH: &str = "/casebook/people/people";
pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 100;
pub const REQUIRED_ATTRIBUTES: [&str; 2] = ["first_name", "last_name"];
pub const HISPANIC_OR_LATINO_VALUES: [&str; 4] = ["yes", "no", "unable to determine", "unknown"];
/// Attributes whose type the sandbox checks; any other attribute is stored as sent.
const STRING_ATTRIBUTES: [&str; 12] = [
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "preferred_name",
    "email",
    "phone_number",
    "gender",
    "sex",
    "race",
    "primary_language",
    "date_of_birth",
];
/// Attributes the server owns; a client that sends them is ignored rather than obeyed.
const READ_ONLY_ATTRIBUTES: [&str; 2] = ["created_at", "updated_at"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(COLLECTION_PATH, get(list_people).post(create_person))
        .route(
            "/casebook/people/people/{id}",
            get(get_person).patch(update_person).delete(delete_person),
        )
}

pub fn seed_records() -> Vec<SeedRecord> {
    let people = [
        (
            "1",
            "Maria",
            "Garcia",
            "1985-04-12",
            "yes",
            "maria.garcia@example.org",
        ),
        (
            "2",
            "John",
            "Smith",
            "1970-01-30",
            "no",
            "john.smith@example.org",
        ),
        (
            "3",
            "Aisha",
            "Khan",
            "1992-11-03",
            "no",
            "aisha.khan@example.org",
        ),
        (
            "4",
            "Wei",
            "Chen",
            "1978-07-21",
            "unknown",
            "wei.chen@example.org",
        ),
        (
            "5",
            "Olumide",
            "Adeyemi",
            "2001-02-14",
            "no",
            "olumide.adeyemi@example.org",
        ),
    ];
    people
        .into_iter()
        .map(|(id, first, last, born, hispanic, email)| SeedRecord {
            target: TARGET,
            kind: KIND,
            id: id.to_string(),
            body: json!({
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "hispanic_or_latino": hispanic,
                "email": email,
            }),
        })
        .collect()
}

/// A JSON:API answer with the JSON:API media type.
fn document(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(JSON_API_CONTENT_TYPE),
    );
    response
}

/// One person as a JSON:API resource; `origin` makes its self link absolute.
fn resource(record: &Record, fields: Option<&[String]>, origin: &str) -> Value {
    let mut attributes = match &record.body {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    attributes.insert("created_at".into(), json!(record.created_at));
    attributes.insert("updated_at".into(), json!(record.updated_at));
    if let Some(fields) = fields {
        attributes.retain(|name, _| fields.iter().any(|field| field == name));
    }
    json!({
        "type": RESOURCE_TYPE,
        "id": record.id,
        "attributes": attributes,
        "links": {"self": format!("{origin}{COLLECTION_PATH}/{}", record.id)},
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(TARGET, format!("Person {id} not found"))
}

fn bad_query(error: String) -> ApiError {
    ApiError::bad_request(TARGET, format!("Malformed query string: {error}"))
}

/// `fields[people]=first_name,last_name`, if given.
fn sparse_fields(pairs: &[(String, String)]) -> Option<Vec<String>> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == "fields[people]")
        .map(|(_, value)| {
            value
                .split(',')
                .map(|field| field.trim().to_string())
                .filter(|field| !field.is_empty())
                .collect()
        })
}

async fn list_people(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw_query.as_deref()).map_err(bad_query)?;
    let mut problems = Vec::new();
    let page_number = page_parameter(&pairs, "page[number]", 1, usize::MAX, &mut problems);
    let page_size = page_parameter(
        &pairs,
        "page[size]",
        DEFAULT_PAGE_SIZE,
        MAX_PAGE_SIZE,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(ApiError::invalid(TARGET, StatusCode::BAD_REQUEST, problems));
    }
    let filters: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(key, value)| {
            let attribute = key.strip_prefix("filter[")?.strip_suffix(']')?;
            Some((attribute, value.as_str()))
        })
        .collect();
    let people = state
        .store
        .read(|records| records.list_live(TARGET, KIND))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    let matching: Vec<&Record> = people
        .iter()
        .filter(|person| {
            filters
                .iter()
                .all(|(attribute, wanted)| attribute_matches(person, attribute, wanted))
        })
        .collect();
    let total = matching.len();
    let page_count = total.div_ceil(page_size).max(1);
    let fields = sparse_fields(&pairs);
    let data: Vec<Value> = matching
        .iter()
        .skip(page_number.saturating_sub(1).saturating_mul(page_size))
        .take(page_size)
        .map(|person| resource(person, fields.as_deref(), &origin(&headers)))
        .collect();
    let link_to = |number: usize| {
        let mut query: Vec<(String, String)> = pairs
            .iter()
            .filter(|(key, _)| !key.starts_with("page["))
            .cloned()
            .collect();
        query.push(("page[number]".into(), number.to_string()));
        query.push(("page[size]".into(), page_size.to_string()));
        absolute_url(&headers, COLLECTION_PATH, &query)
    };
    let links = json!({
        "self": link_to(page_number),
        "first": link_to(1),
        "last": link_to(page_count),
        "prev": (page_number > 1).then(|| link_to((page_number - 1).min(page_count))),
        "next": (page_number < page_count).then(|| link_to(page_number + 1)),
    });
    Ok(document(
        StatusCode::OK,
        json!({
            "data": data,
            "meta": {"record_count": total, "page_count": page_count},
            "links": links,
        }),
    ))
}

/// Reads a positive page parameter, noting a JSON:API error (`source.parameter`) when it is not one.
fn page_parameter(
    pairs: &[(String, String)],
    name: &str,
    default: usize,
    max: usize,
    problems: &mut Vec<FieldError>,
) -> usize {
    let Some(text) = crate::body::query_value(pairs, name) else {
        return default;
    };
    match text.parse::<usize>() {
        Ok(value) if (1..=max).contains(&value) => value,
        _ => {
            let range = if max == usize::MAX {
                "a positive whole number".to_string()
            } else {
                format!("a whole number from 1 to {max}")
            };
            problems.push(FieldError::query(
                name,
                "invalid",
                format!("{name} must be {range}, got {text:?}"),
            ));
            default
        }
    }
}

/// Filters compare case-insensitively with the attribute's text; `filter[id]` matches the id.
fn attribute_matches(person: &Record, attribute: &str, wanted: &str) -> bool {
    if attribute == "id" {
        return person.id == wanted;
    }
    match person.body.get(attribute) {
        Some(Value::String(text)) => text.eq_ignore_ascii_case(wanted),
        Some(Value::Null) | None => false,
        Some(other) => other.to_string().eq_ignore_ascii_case(wanted),
    }
}

async fn get_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw_query.as_deref()).map_err(bad_query)?;
    let person = state
        .store
        .read(|records| records.get_live(TARGET, KIND, &id))
        .map_err(|error| ApiError::internal(TARGET, error))?
        .ok_or_else(|| not_found(&id))?;
    let fields = sparse_fields(&pairs);
    Ok(document(
        StatusCode::OK,
        json!({ "data": resource(&person, fields.as_deref(), &origin(&headers)) }),
    ))
}

async fn create_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let attributes = read_document(&body, None)?;
    let problems = validate_attributes(&attributes, true);
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            TARGET,
            StatusCode::UNPROCESSABLE_ENTITY,
            problems,
        ));
    }
    let person = state
        .store
        .write(|records| {
            let id = (records.max_numeric_id(TARGET, KIND)? + 1).to_string();
            records.insert(TARGET, KIND, &id, &Value::Object(attributes))
        })
        .map_err(|error| ApiError::internal(TARGET, error))?;
    let mut response = document(
        StatusCode::CREATED,
        json!({ "data": resource(&person, None, &origin(&headers)) }),
    );
    if let Ok(location) = HeaderValue::from_str(&format!("{COLLECTION_PATH}/{}", person.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

async fn update_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let changes = read_document(&body, Some(&id))?;
    let problems = validate_attributes(&changes, false);
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            TARGET,
            StatusCode::UNPROCESSABLE_ENTITY,
            problems,
        ));
    }
    let updated = state.store.write(|records| {
        let Some(existing) = records.get_live(TARGET, KIND, &id)? else {
            return Ok(None);
        };
        let mut attributes = match existing.body {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        // Only the attributes sent change; JSON:API PATCH semantics.
        for (name, value) in changes {
            attributes.insert(name, value);
        }
        records
            .put(TARGET, KIND, &id, &Value::Object(attributes))
            .map(Some)
    });
    match updated {
        Ok(Some(person)) => Ok(document(
            StatusCode::OK,
            json!({ "data": resource(&person, None, &origin(&headers)) }),
        )),
        Ok(None) => Err(not_found(&id)),
        Err(error) => Err(ApiError::internal(TARGET, error)),
    }
}

async fn delete_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let deleted = state
        .store
        .write(|records| records.soft_delete(TARGET, KIND, &id))
        .map_err(|error| ApiError::internal(TARGET, error))?;
    if deleted {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(&id))
    }
}

/// Checks the JSON:API envelope and returns the attributes to store (read-only ones removed).
fn read_document(body: &[u8], path_id: Option<&str>) -> Result<Map<String, Value>, ApiError> {
    let document = json_object(body).map_err(|error| match error {
        BodyError::Malformed(reason) => ApiError::bad_request(
            TARGET,
            format!("The request body is not valid JSON: {reason}"),
        ),
        BodyError::NotAnObject => {
            structure_error("", "The request body must be a JSON:API document object")
        }
    })?;
    let data = match document.get("data") {
        Some(Value::Object(data)) => data,
        _ => return Err(structure_error("/data", "data must be a resource object")),
    };
    match data.get("type") {
        Some(Value::String(kind)) if kind == RESOURCE_TYPE => {}
        Some(Value::String(kind)) => {
            // JSON:API answers a type that does not match the endpoint with 409 Conflict.
            return Err(ApiError::invalid(
                TARGET,
                StatusCode::CONFLICT,
                vec![FieldError::body(
                    "/data/type",
                    "type_mismatch",
                    format!("type must be \"{RESOURCE_TYPE}\", not {kind:?}"),
                )],
            ));
        }
        _ => return Err(structure_error("/data/type", "type is required")),
    }
    if let (Some(path_id), Some(body_id)) = (path_id, data.get("id")) {
        if body_id.as_str() != Some(path_id) {
            return Err(ApiError::invalid(
                TARGET,
                StatusCode::CONFLICT,
                vec![FieldError::body(
                    "/data/id",
                    "id_mismatch",
                    format!("id must match the URL ({path_id})"),
                )],
            ));
        }
    }
    let mut attributes = match data.get("attributes") {
        Some(Value::Object(attributes)) => attributes.clone(),
        None => Map::new(),
        Some(_) => {
            return Err(structure_error(
                "/data/attributes",
                "attributes must be an object",
            ))
        }
    };
    attributes.retain(|name, _| !READ_ONLY_ATTRIBUTES.contains(&name.as_str()));
    Ok(attributes)
}

fn structure_error(pointer: &str, message: &str) -> ApiError {
    if pointer.is_empty() {
        return ApiError::bad_request(TARGET, message);
    }
    ApiError::invalid(
        TARGET,
        StatusCode::BAD_REQUEST,
        vec![FieldError::body(pointer, "invalid", message)],
    )
}

/// Attribute rules; on create the required attributes must be present, on PATCH only what is sent is checked.
pub fn validate_attributes(attributes: &Map<String, Value>, creating: bool) -> Vec<FieldError> {
    let mut problems = Vec::new();
    let pointer = |name: &str| format!("/data/attributes/{name}");
    for name in REQUIRED_ATTRIBUTES {
        let value = attributes.get(name);
        let blank = match value {
            None => creating,
            Some(Value::Null) => true,
            Some(Value::String(text)) => text.trim().is_empty(),
            Some(_) => false,
        };
        if blank {
            problems.push(FieldError::body(
                pointer(name),
                "blank",
                format!("{name} can't be blank"),
            ));
        }
    }
    for (name, value) in attributes {
        let is_string_attribute =
            STRING_ATTRIBUTES.contains(&name.as_str()) || name == "hispanic_or_latino";
        if is_string_attribute && !value.is_string() && !value.is_null() {
            problems.push(FieldError::body(
                pointer(name),
                "invalid",
                format!("{name} must be a string"),
            ));
            continue;
        }
        let Some(text) = value.as_str() else { continue };
        if text.is_empty() {
            continue;
        }
        match name.as_str() {
            "date_of_birth" if CivilDate::parse(text).is_none() => {
                problems.push(FieldError::body(
                    pointer(name),
                    "invalid",
                    format!("date_of_birth must be a date written YYYY-MM-DD, got {text:?}"),
                ));
            }
            "email" if !is_email(text) => problems.push(FieldError::body(
                pointer(name),
                "invalid",
                format!("email is not a valid email address: {text:?}"),
            )),
            "hispanic_or_latino" if !HISPANIC_OR_LATINO_VALUES.contains(&text) => {
                problems.push(FieldError::body(
                    pointer(name),
                    "inclusion",
                    format!(
                        "hispanic_or_latino must be one of {}, got {text:?}",
                        HISPANIC_OR_LATINO_VALUES.join(", ")
                    ),
                ));
            }
            _ => {}
        }
    }
    problems
}
