//! Unite US: the widget's assistance requests and the staff operations the app uses, under `/unite_us`.
//!
//! The real v3 paths are not public, so these are modelled on the v3 document's resource
//! names (see the crate README for the table). The widget routes live under
//! `/unite_us/v3/widgets/` and take the public widget token; everything else takes the
//! staff token and sits under the group, `/unite_us/v3/groups/demo-group/...`.
//!
//! Bodies may be nested JSON (`{"contact": {"first_name": ...}}`), JSON with Rails bracket
//! keys (`{"contact[first_name]": ...}`) or form-urlencoded bracket keys; all read the same.
//! Validation follows the document's lists: required fields, enums, phone numbers of at
//! least 7 digits (only digits are stored), postal codes of 5 to 15 characters, dates as
//! Unix epoch seconds. Errors are Rails-style: 422 `{"errors": {"requestor.first_name": ["can't be blank"]}}`,
//! keyed by the dotted path inside the top-level object (`assistance_request`, `contact`, `q`),
//! and `{"errors": ["message"]}` when no field is at fault.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::body::{expand_bracket_keys, query_pairs, query_value, rails_object, BodyError};
use crate::dates::{unix_now, CivilDate};
use crate::error::{ApiError, FieldError};
use crate::store::{Records, SeedRecord, StoreError};
use crate::target::Target;
use crate::unite_us_forms::{load_forms, question_ids, with_responses, DemoForm};
use crate::unite_us_people::{
    blank, epoch_of, is_blank, rails, read_person, text_of, Role, ADDRESS_TYPES, MILITARY_ENUMS,
    MILITARY_MORE_ENUMS, MIN_PHONE_DIGITS, PERSON_ENUMS, PHONE_TYPES, POSTAL_CODE_LENGTHS,
    REQUIRED_REQUESTOR_FIELDS,
};
use crate::AppState;

const TARGET: Target = Target::UniteUs;
pub const GROUP_ID: &str = "demo-group";
pub const GROUP_NAME: &str = "Demo Community Services";
const CONTACT: &str = "contact";
const ASSISTANCE_REQUEST: &str = "assistance_request";
const FORM_RESPONSE: &str = "form_response";
pub const DEFAULT_PER_PAGE: usize = 25;
pub const MAX_PER_PAGE: usize = 100;
pub const FORM_USE_TYPES: &[&str] = &["intake", "exit", "general", "screening", "any"];

/// A service type the demo group offers, with its sub-types as `(id, name)`.
pub struct ServiceType {
    pub id: &'static str,
    pub name: &'static str,
    pub sub_types: &'static [(&'static str, &'static str)],
}

pub const SERVICE_TYPES: [ServiceType; 5] = [
    ServiceType {
        id: "st-food-assistance",
        name: "Food Assistance",
        sub_types: &[
            ("st-emergency-food", "Emergency Food"),
            ("st-meals", "Meals"),
        ],
    },
    ServiceType {
        id: "st-housing-shelter",
        name: "Housing & Shelter",
        sub_types: &[
            ("st-emergency-housing", "Emergency Housing"),
            ("st-rental-assistance", "Rental Assistance"),
        ],
    },
    ServiceType {
        id: "st-employment",
        name: "Employment",
        sub_types: &[],
    },
    ServiceType {
        id: "st-benefits-navigation",
        name: "Benefits Navigation",
        sub_types: &[],
    },
    ServiceType {
        id: "st-transportation",
        name: "Transportation",
        sub_types: &[],
    },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/unite_us/v3/widgets/assistance_requests/form_config",
            get(widget_form_config),
        )
        .route(
            "/unite_us/v3/widgets/assistance_requests",
            post(submit_assistance_request),
        )
        .route("/unite_us/v3/service_types", get(all_service_types))
        .route(
            "/unite_us/v3/groups/{group_id}/service_types",
            get(group_service_types),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/assistance_request_form_config",
            get(group_form_config),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/contacts",
            post(create_contact),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/contacts/{contact_id}",
            get(get_contact).patch(update_contact).put(update_contact),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/search/global_contacts",
            get(search_global_contacts).post(search_global_contacts),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/forms/available_for_use",
            get(forms_available_for_use),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/contacts/{contact_id}/forms",
            get(contact_forms),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/contacts/{contact_id}/forms/{form_id}",
            get(contact_form_with_responses),
        )
        .route(
            "/unite_us/v3/groups/{group_id}/contacts/{contact_id}/forms/{form_id}/respond",
            post(respond_to_form).put(respond_to_form),
        )
}

pub fn seed_records() -> Vec<SeedRecord> {
    let people = [
        (
            "5f0c8a3e-1d2b-4c6a-9e7f-000000000001",
            "Maria",
            "Garcia",
            "1985-04-12",
            "female",
            "5125550101",
            "78701",
        ),
        (
            "5f0c8a3e-1d2b-4c6a-9e7f-000000000002",
            "John",
            "Smith",
            "1970-01-30",
            "male",
            "5125550102",
            "78702",
        ),
        (
            "5f0c8a3e-1d2b-4c6a-9e7f-000000000003",
            "Aisha",
            "Khan",
            "1992-11-03",
            "female",
            "5125550103",
            "78703",
        ),
        (
            "5f0c8a3e-1d2b-4c6a-9e7f-000000000004",
            "Wei",
            "Chen",
            "1978-07-21",
            "male",
            "5125550104",
            "78704",
        ),
        (
            "5f0c8a3e-1d2b-4c6a-9e7f-000000000005",
            "Olumide",
            "Adeyemi",
            "2001-02-14",
            "male",
            "5125550105",
            "78705",
        ),
    ];
    people
        .into_iter()
        .map(|(id, first, last, born, gender, phone, postal_code)| {
            let mut contact = empty_contact(id, 1_704_067_200);
            let email = format!("{}.{}@example.org", first.to_lowercase(), last.to_lowercase());
            let born = CivilDate::parse(born).map(CivilDate::unix_seconds);
            contact.insert("first_name".into(), json!(first));
            contact.insert("last_name".into(), json!(last));
            contact.insert("date_of_birth".into(), json!(born));
            contact.insert("gender".into(), json!(gender));
            contact.insert(
                "email_addresses".into(),
                json!([{"id": format!("{id}-email"), "email_address": email, "is_primary": true}]),
            );
            contact.insert(
                "phone_numbers".into(),
                json!([{"id": format!("{id}-phone"), "phone_number": phone, "country_code": "1", "phone_type": "mobile", "can_sms": true, "is_primary": true}]),
            );
            contact.insert(
                "addresses".into(),
                json!([{"id": format!("{id}-address"), "line_1": "100 Congress Ave", "line_2": null, "city": "Austin", "state": "TX", "postal_code": postal_code, "country": "US", "address_type": "home", "is_mailing_address": true}]),
            );
            SeedRecord {
                target: TARGET,
                kind: CONTACT,
                id: id.to_string(),
                body: Value::Object(contact),
            }
        })
        .collect()
}

/// A contact with every field present and empty.
fn empty_contact(id: &str, now: i64) -> Map<String, Value> {
    let mut contact = Map::new();
    contact.insert("id".into(), json!(id));
    for name in [
        "first_name",
        "last_name",
        "middle_name_initial",
        "preferred_first_name",
        "date_of_birth",
        "preferred_communication_method",
        "preferred_communication_time_of_day",
        "military",
        "network_id",
    ] {
        contact.insert(name.into(), Value::Null);
    }
    for (name, _) in PERSON_ENUMS {
        contact.insert(name.into(), Value::Null);
    }
    for name in [
        "nicknames",
        "insurance_ids",
        "email_addresses",
        "phone_numbers",
        "addresses",
    ] {
        contact.insert(name.into(), json!([]));
    }
    contact.insert("group_id".into(), json!(GROUP_ID));
    contact.insert("created_at".into(), json!(now));
    contact.insert("updated_at".into(), json!(now));
    contact
}

// ---------------------------------------------------------------- errors and small readers

fn invalid(problems: Vec<FieldError>) -> ApiError {
    ApiError::invalid(TARGET, StatusCode::UNPROCESSABLE_ENTITY, problems)
}

/// Rails answers a missing top-level parameter with 400 and this wording.
fn parameter_missing(name: &str) -> ApiError {
    ApiError::bad_request(
        TARGET,
        format!("param is missing or the value is empty: {name}"),
    )
}

fn read_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    rails_object(headers, body).map_err(|error| match error {
        BodyError::Malformed(reason) => {
            ApiError::bad_request(TARGET, format!("Malformed request body: {reason}"))
        }
        BodyError::NotAnObject => {
            ApiError::bad_request(TARGET, "The request body must be an object")
        }
    })
}

fn check_group(group_id: &str) -> Result<(), ApiError> {
    if group_id == GROUP_ID {
        Ok(())
    } else {
        Err(ApiError::not_found(
            TARGET,
            format!("Group {group_id} not found"),
        ))
    }
}

fn store_failure(error: StoreError) -> ApiError {
    ApiError::internal(TARGET, error)
}

fn pagination(pairs: &[(String, String)]) -> Result<(usize, usize), ApiError> {
    let mut problems = Vec::new();
    let mut read = |name: &str, default: usize, max: usize| match query_value(pairs, name) {
        None => default,
        Some(text) => match text.parse::<usize>() {
            Ok(value) if (1..=max).contains(&value) => value,
            _ => {
                problems.push(FieldError::query(
                    name,
                    "invalid",
                    if max == usize::MAX {
                        "must be a positive whole number".to_string()
                    } else {
                        format!("must be a whole number from 1 to {max}")
                    },
                ));
                default
            }
        },
    };
    let page = read("page", 1, usize::MAX);
    let per = read("per", DEFAULT_PER_PAGE, MAX_PER_PAGE);
    if problems.is_empty() {
        Ok((page, per))
    } else {
        Err(ApiError::invalid(TARGET, StatusCode::BAD_REQUEST, problems))
    }
}

/// One page of items and Unite US's `paging` object.
fn page_of(items: Vec<Value>, page: usize, per: usize) -> (Vec<Value>, Value) {
    let total = items.len();
    let total_pages = total.div_ceil(per).max(1);
    let data: Vec<Value> = items
        .into_iter()
        .skip(page.saturating_sub(1).saturating_mul(per))
        .take(per)
        .collect();
    let paging = json!({
        "current_page": page,
        "per_page": per,
        "next_page": (page < total_pages).then_some(page + 1),
        "prev_page": (page > 1).then(|| (page - 1).min(total_pages)),
        "total_count": total,
        "total_pages": total_pages,
    });
    (data, paging)
}

fn query_of(raw_query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    query_pairs(raw_query)
        .map_err(|error| ApiError::bad_request(TARGET, format!("Malformed query string: {error}")))
}

// ---------------------------------------------------------------- service types and form configuration

fn service_types_tree() -> Value {
    let types: Vec<Value> = SERVICE_TYPES
        .iter()
        .map(|service_type| {
            let children: Vec<Value> = service_type
                .sub_types
                .iter()
                .map(|(id, name)| json!({"id": id, "name": name, "parent_id": service_type.id}))
                .collect();
            json!({"id": service_type.id, "name": service_type.name, "parent_id": null, "children": children})
        })
        .collect();
    Value::Array(types)
}

fn service_types_flat() -> Value {
    let mut flat = Vec::new();
    for service_type in &SERVICE_TYPES {
        flat.push(json!({"id": service_type.id, "name": service_type.name, "parent_id": null}));
        for (id, name) in service_type.sub_types {
            flat.push(json!({"id": id, "name": name, "parent_id": service_type.id}));
        }
    }
    Value::Array(flat)
}

/// The parent of a sub-type, or `None` for a top-level or unknown id.
fn parent_service_type(wanted: &str) -> Option<&'static str> {
    SERVICE_TYPES.iter().find_map(|service_type| {
        service_type
            .sub_types
            .iter()
            .any(|(id, _)| *id == wanted)
            .then_some(service_type.id)
    })
}

/// `(id, name)` of any service type or sub-type the group offers.
fn find_service_type(wanted: &str) -> Option<(&'static str, &'static str)> {
    SERVICE_TYPES.iter().find_map(|service_type| {
        if service_type.id == wanted {
            Some((service_type.id, service_type.name))
        } else {
            service_type
                .sub_types
                .iter()
                .find(|(id, _)| *id == wanted)
                .copied()
        }
    })
}

async fn all_service_types(RawQuery(raw_query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_of(raw_query.as_deref())?;
    let flattened =
        query_value(&pairs, "flattened").is_some_and(|value| value == "true" || value == "1");
    let data = if flattened {
        service_types_flat()
    } else {
        service_types_tree()
    };
    Ok(Json(json!({ "data": data })).into_response())
}

async fn group_service_types(Path(group_id): Path<String>) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    Ok(Json(json!({ "data": service_types_tree() })).into_response())
}

/// The assistance request form configuration: group, service types, the intake form, and the requestor rules.
fn form_configuration(state: &AppState) -> Value {
    let form = load_forms(&state.config.forms_dir)
        .into_iter()
        .find(|form| {
            form.use_type()
                .is_none_or(|use_type| use_type == "intake" || use_type == "any")
        })
        .map(|form| form.definition);
    let mut enums = Map::new();
    for (name, allowed) in PERSON_ENUMS {
        enums.insert(name.into(), json!(allowed));
    }
    enums.insert("address.address_type".into(), json!(ADDRESS_TYPES));
    enums.insert("phone_number.phone_type".into(), json!(PHONE_TYPES));
    for (name, allowed) in MILITARY_ENUMS.iter().chain(MILITARY_MORE_ENUMS.iter()) {
        enums.insert(format!("military.{name}"), json!(allowed));
    }
    json!({
        "group": {"id": GROUP_ID, "name": GROUP_NAME},
        "service_types": service_types_tree(),
        "form": form,
        "requestor": {
            "required": REQUIRED_REQUESTOR_FIELDS,
            "enums": enums,
            "phone_number_min_digits": MIN_PHONE_DIGITS,
            "postal_code_length": {"min": POSTAL_CODE_LENGTHS.start(), "max": POSTAL_CODE_LENGTHS.end()},
            "date_format": "unix_seconds",
        },
        "required": ["service_type_id", "description"],
        "consent": {"signature_image": "optional, base64"},
    })
}

async fn widget_form_config(State(state): State<AppState>) -> Response {
    Json(json!({ "data": form_configuration(&state) })).into_response()
}

async fn group_form_config(
    State(state): State<AppState>,
    Path(group_id): Path<String>,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    Ok(Json(json!({ "data": form_configuration(&state) })).into_response())
}

// ---------------------------------------------------------------- form responses

/// Reads `[{question_id, response_value}, ...]` against a form's questions.
fn read_responses(
    path: &str,
    value: Option<&Value>,
    form: &DemoForm,
    problems: &mut Vec<FieldError>,
) -> Vec<Value> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            problems.push(rails(
                path,
                "invalid",
                "must be an array of {question_id, response_value}",
            ));
            return Vec::new();
        }
    };
    let known = question_ids(&form.definition);
    let mut responses = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}.{index}");
        let Value::Object(object) = item else {
            problems.push(rails(
                &item_path,
                "invalid",
                "must be an object with question_id and response_value",
            ));
            continue;
        };
        let question_id = object.get("question_id").and_then(text_of);
        match &question_id {
            None => problems.push(blank(format!("{item_path}.question_id"))),
            Some(id) if !known.contains(id) => problems.push(rails(
                format!("{item_path}.question_id"),
                "invalid",
                "is not a question of this form",
            )),
            Some(_) => {}
        }
        if !object.contains_key("response_value") {
            problems.push(blank(format!("{item_path}.response_value")));
        }
        if let (Some(question_id), Some(value)) = (question_id, object.get("response_value")) {
            responses.push(json!({"question_id": question_id, "response_value": value}));
        }
    }
    responses
}

fn responses_by_question(responses: &Value) -> Map<String, Value> {
    responses
        .as_array()
        .map(|responses| {
            responses
                .iter()
                .filter_map(|response| {
                    Some((
                        response.get("question_id").and_then(text_of)?,
                        response
                            .get("response_value")
                            .cloned()
                            .unwrap_or(Value::Null),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn form_response_key(contact_id: &str, form_id: &str) -> String {
    format!("{contact_id}/{form_id}")
}

/// Stores a contact's answers to a form, replacing earlier ones; answers whether it was new.
fn upsert_form_response(
    records: &Records<'_>,
    contact_id: &str,
    form_id: &str,
    responses: Vec<Value>,
    now: i64,
) -> Result<(Value, bool), StoreError> {
    let key = form_response_key(contact_id, form_id);
    let existing = records.get_live(TARGET, FORM_RESPONSE, &key)?;
    let created = existing.is_none();
    let (id, created_at) = match &existing {
        Some(record) => (record.body["id"].clone(), record.body["created_at"].clone()),
        None => (json!(uuid::Uuid::new_v4().to_string()), json!(now)),
    };
    let body = json!({
        "id": id,
        "form_id": form_id,
        "contact_id": contact_id,
        "responses": responses,
        "created_at": created_at,
        "updated_at": now,
    });
    records.put(TARGET, FORM_RESPONSE, &key, &body)?;
    Ok((body, created))
}

// ---------------------------------------------------------------- widget: assistance requests

async fn submit_assistance_request(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = read_body(&headers, &body)?;
    let Some(Value::Object(request)) = body.get(ASSISTANCE_REQUEST) else {
        return Err(parameter_missing(ASSISTANCE_REQUEST));
    };
    let mut problems = Vec::new();
    let service_type = match request
        .get("service_type_id")
        .filter(|value| !is_blank(value))
        .and_then(text_of)
    {
        Some(id) => match find_service_type(&id) {
            Some((id, name)) => Some(json!({"id": id, "name": name})),
            None => {
                problems.push(rails(
                    "service_type_id",
                    "inclusion",
                    "is not a service type of this group",
                ));
                None
            }
        },
        None => {
            problems.push(blank("service_type_id"));
            None
        }
    };
    let description = match request
        .get("description")
        .filter(|value| !is_blank(value))
        .and_then(text_of)
    {
        Some(text) => text,
        None => {
            problems.push(blank("description"));
            String::new()
        }
    };
    let empty = Map::new();
    let requestor_input = match request.get("requestor") {
        Some(Value::Object(requestor)) => requestor,
        _ => &empty,
    };
    let requestor = read_person(
        requestor_input,
        Role::Requestor,
        true,
        "requestor.",
        &mut problems,
    );
    let form_response = match requestor_input
        .get("form_response")
        .or_else(|| request.get("form_response"))
    {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(form_response)) => {
            let forms = load_forms(&state.config.forms_dir);
            match form_response.get("form_id").and_then(text_of) {
                None => {
                    problems.push(blank("requestor.form_response.form_id"));
                    Value::Null
                }
                Some(form_id) => match forms.iter().find(|form| form.id == form_id) {
                    None => {
                        problems.push(rails(
                            "requestor.form_response.form_id",
                            "inclusion",
                            "is not a form available to this group",
                        ));
                        Value::Null
                    }
                    Some(form) => {
                        let responses = read_responses(
                            "requestor.form_response.data",
                            form_response.get("data"),
                            form,
                            &mut problems,
                        );
                        json!({"form_id": form_id, "responses": responses})
                    }
                },
            }
        }
        Some(_) => {
            problems.push(rails(
                "requestor.form_response",
                "invalid",
                "must be an object",
            ));
            Value::Null
        }
    };
    let now = unix_now();
    let consent = match request.get("consent") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(consent)) => match consent.get("signature_image") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(image)) if !image.trim().is_empty() => {
                json!({"signature_image": image, "signed_at": now})
            }
            Some(_) => {
                problems.push(rails(
                    "consent.signature_image",
                    "invalid",
                    "must be a base64 image",
                ));
                Value::Null
            }
        },
        Some(_) => {
            problems.push(rails("consent", "invalid", "must be an object"));
            Value::Null
        }
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let assistance_request = json!({
        "id": id,
        "group_id": GROUP_ID,
        "service_type": service_type,
        "description": description,
        "requestor": requestor,
        "form_response": form_response,
        "consent": consent,
        "contact_id": null,
        "created_at": now,
        "updated_at": now,
    });
    state
        .store
        .write(|records| records.insert(TARGET, ASSISTANCE_REQUEST, &id, &assistance_request))
        .map_err(store_failure)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": assistance_request })),
    )
        .into_response())
}

// ---------------------------------------------------------------- staff: contacts

fn contact_not_found(contact_id: &str) -> ApiError {
    ApiError::not_found(TARGET, format!("Contact {contact_id} not found"))
}

/// Fills the contact's empty fields from an assistance request's requestor, as the vendor describes.
fn fill_from_requestor(contact: &mut Map<String, Value>, requestor: &Map<String, Value>) {
    for (name, value) in requestor {
        let empty = match contact.get(name) {
            None | Some(Value::Null) => true,
            Some(Value::Array(list)) => list.is_empty(),
            Some(_) => false,
        };
        if empty {
            contact.insert(name.clone(), value.clone());
        }
    }
}

enum ContactWrite {
    Done(Value),
    Invalid(Vec<FieldError>),
    NotFound,
}

async fn create_contact(
    State(state): State<AppState>,
    Path(group_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    let body = read_body(&headers, &body)?;
    let Some(Value::Object(input)) = body.get(CONTACT) else {
        return Err(parameter_missing(CONTACT));
    };
    let mut problems = Vec::new();
    let fields = read_person(input, Role::Contact, true, "", &mut problems);
    let assistance_request_id = body
        .get("assistance_request_id")
        .filter(|value| !is_blank(value))
        .and_then(text_of);
    let network_id = body
        .get("network_id")
        .filter(|value| !is_blank(value))
        .and_then(text_of);
    let now = unix_now();
    let id = uuid::Uuid::new_v4().to_string();
    let mut contact = empty_contact(&id, now);
    contact.extend(fields);
    contact.insert("network_id".into(), json!(network_id));
    let written = state
        .store
        .write(|records| -> Result<ContactWrite, StoreError> {
            let request = match &assistance_request_id {
                None => None,
                Some(request_id) => {
                    let found = records.get_live(TARGET, ASSISTANCE_REQUEST, request_id)?;
                    if found.is_none() {
                        problems.push(rails(
                            "assistance_request_id",
                            "invalid",
                            "is not an assistance request of this group",
                        ));
                    }
                    found
                }
            };
            if !problems.is_empty() {
                return Ok(ContactWrite::Invalid(std::mem::take(&mut problems)));
            }
            if let Some(request) = request {
                if let Some(requestor) = request.body.get("requestor").and_then(Value::as_object) {
                    fill_from_requestor(&mut contact, requestor);
                }
                let form_response = &request.body["form_response"];
                if let Some(form_id) = form_response["form_id"].as_str() {
                    let key = form_response_key(&id, form_id);
                    if records.get_live(TARGET, FORM_RESPONSE, &key)?.is_none() {
                        let responses = form_response["responses"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        upsert_form_response(records, &id, form_id, responses, now)?;
                    }
                }
                let mut linked = request.body.clone();
                linked["contact_id"] = json!(id);
                records.put(TARGET, ASSISTANCE_REQUEST, &request.id, &linked)?;
            }
            let contact = Value::Object(contact);
            records.insert(TARGET, CONTACT, &id, &contact)?;
            Ok(ContactWrite::Done(contact))
        })
        .map_err(store_failure)?;
    match written {
        ContactWrite::Done(contact) => {
            Ok((StatusCode::CREATED, Json(json!({ "data": contact }))).into_response())
        }
        ContactWrite::Invalid(problems) => Err(invalid(problems)),
        ContactWrite::NotFound => Err(contact_not_found(&id)),
    }
}

async fn get_contact(
    State(state): State<AppState>,
    Path((group_id, contact_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    let contact = state
        .store
        .read(|records| records.get_live(TARGET, CONTACT, &contact_id))
        .map_err(store_failure)?
        .ok_or_else(|| contact_not_found(&contact_id))?;
    Ok(Json(json!({ "data": contact.body })).into_response())
}

async fn update_contact(
    State(state): State<AppState>,
    Path((group_id, contact_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    let body = read_body(&headers, &body)?;
    let Some(Value::Object(input)) = body.get(CONTACT) else {
        return Err(parameter_missing(CONTACT));
    };
    let mut problems = Vec::new();
    let changes = read_person(input, Role::Contact, false, "", &mut problems);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let written = state
        .store
        .write(|records| -> Result<ContactWrite, StoreError> {
            let Some(existing) = records.get_live(TARGET, CONTACT, &contact_id)? else {
                return Ok(ContactWrite::NotFound);
            };
            let mut contact = existing.body.as_object().cloned().unwrap_or_default();
            contact.extend(changes);
            contact.insert("updated_at".into(), json!(unix_now()));
            let contact = Value::Object(contact);
            records.put(TARGET, CONTACT, &contact_id, &contact)?;
            Ok(ContactWrite::Done(contact))
        })
        .map_err(store_failure)?;
    match written {
        ContactWrite::Done(contact) => Ok(Json(json!({ "data": contact })).into_response()),
        ContactWrite::Invalid(problems) => Err(invalid(problems)),
        ContactWrite::NotFound => Err(contact_not_found(&contact_id)),
    }
}

/// Groups: Search -> Global Contacts. `q[first_name]` and `q[last_name]` are required and match
/// without regard to case; `q[date_of_birth]` (Unix seconds) matches the same calendar day (UTC).
/// The query may come in the query string (GET or POST) or in a POST body.
async fn search_global_contacts(
    State(state): State<AppState>,
    Path(group_id): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(raw_query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    let pairs = query_of(raw_query.as_deref())?;
    let mut criteria =
        expand_bracket_keys(pairs.iter().map(|(key, value)| (key.clone(), json!(value))));
    if method == Method::POST && !body.iter().all(u8::is_ascii_whitespace) {
        criteria.extend(read_body(&headers, &body)?);
    }
    let empty = Map::new();
    let q = match criteria.get("q") {
        Some(Value::Object(q)) => q,
        _ => &empty,
    };
    let mut problems = Vec::new();
    let mut required_text = |name: &str| match q
        .get(name)
        .filter(|value| !is_blank(value))
        .and_then(text_of)
    {
        Some(text) => text,
        None => {
            problems.push(blank(name));
            String::new()
        }
    };
    let first_name = required_text("first_name");
    let last_name = required_text("last_name");
    let born = match q.get("date_of_birth").filter(|value| !is_blank(value)) {
        None => None,
        Some(value) => {
            let day = epoch_of(value)
                .map(CivilDate::from_unix_seconds)
                .or_else(|| value.as_str().and_then(CivilDate::parse));
            if day.is_none() {
                problems.push(rails(
                    "date_of_birth",
                    "not_a_number",
                    "must be a Unix timestamp (seconds)",
                ));
            }
            day
        }
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let (page, per) = pagination(&pairs)?;
    let contacts = state
        .store
        .read(|records| records.list_live(TARGET, CONTACT))
        .map_err(store_failure)?;
    let same_name = |value: &Value, wanted: &str| {
        value
            .as_str()
            .is_some_and(|name| name.trim().eq_ignore_ascii_case(wanted))
    };
    let matches: Vec<Value> = contacts
        .into_iter()
        .map(|record| record.body)
        .filter(|contact| {
            same_name(&contact["first_name"], &first_name)
                && same_name(&contact["last_name"], &last_name)
        })
        .filter(|contact| {
            born.is_none_or(|born| {
                epoch_of(&contact["date_of_birth"]).map(CivilDate::from_unix_seconds) == Some(born)
            })
        })
        .collect();
    let (data, paging) = page_of(matches, page, per);
    Ok(Json(json!({ "data": data, "paging": paging })).into_response())
}

// ---------------------------------------------------------------- staff: forms

fn form_not_found(form_id: &str) -> ApiError {
    ApiError::not_found(TARGET, format!("Form {form_id} not found"))
}

/// Groups: Forms Available for Use, filtered by `q[use_type]` and by
/// `q[service_type_ids][]` (repeated, or one comma-separated
/// `q[service_type_ids]`), and paged with `page`/`per`. A form suits a
/// service type it names, or a sub-type of one it names; a form that names
/// none suits every service type.
async fn forms_available_for_use(
    State(state): State<AppState>,
    Path(group_id): Path<String>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    let pairs = query_of(raw_query.as_deref())?;
    let use_type = query_value(&pairs, "q[use_type]").filter(|value| !value.is_empty());
    if let Some(use_type) = use_type {
        if !FORM_USE_TYPES.contains(&use_type) {
            return Err(ApiError::invalid(
                TARGET,
                StatusCode::BAD_REQUEST,
                vec![FieldError::query(
                    "q[use_type]",
                    "inclusion",
                    "is not included in the list",
                )],
            ));
        }
    }
    let wanted_service_types: Vec<&str> = pairs
        .iter()
        .filter(|(key, _)| key == "q[service_type_ids][]" || key == "q[service_type_ids]")
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    let (page, per) = pagination(&pairs)?;
    let forms: Vec<Value> = load_forms(&state.config.forms_dir)
        .into_iter()
        .filter(|form| match (use_type, form.use_type()) {
            (None | Some("any"), _) | (_, None) => true,
            (Some(wanted), Some(actual)) => wanted == actual,
        })
        .filter(|form| {
            let suits = form.service_type_ids();
            wanted_service_types.is_empty()
                || suits.is_empty()
                || wanted_service_types.iter().any(|wanted| {
                    suits.contains(wanted)
                        || parent_service_type(wanted).is_some_and(|parent| suits.contains(&parent))
                })
        })
        .map(|form| form.definition)
        .collect();
    let (data, paging) = page_of(forms, page, per);
    Ok(Json(json!({ "data": data, "paging": paging })).into_response())
}

fn require_contact(state: &AppState, contact_id: &str) -> Result<(), ApiError> {
    state
        .store
        .read(|records| records.get_live(TARGET, CONTACT, contact_id))
        .map_err(store_failure)?
        .map(|_| ())
        .ok_or_else(|| contact_not_found(contact_id))
}

/// Contacts: Forms — the forms available to the contact (all of the group's forms).
async fn contact_forms(
    State(state): State<AppState>,
    Path((group_id, contact_id)): Path<(String, String)>,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    require_contact(&state, &contact_id)?;
    let pairs = query_of(raw_query.as_deref())?;
    let (page, per) = pagination(&pairs)?;
    let forms: Vec<Value> = load_forms(&state.config.forms_dir)
        .into_iter()
        .map(|form| form.definition)
        .collect();
    let (data, paging) = page_of(forms, page, per);
    Ok(Json(json!({ "data": data, "paging": paging })).into_response())
}

/// Contacts: Forms — one form with the contact's stored answers spliced into its questions.
async fn contact_form_with_responses(
    State(state): State<AppState>,
    Path((group_id, contact_id, form_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    require_contact(&state, &contact_id)?;
    let form = load_forms(&state.config.forms_dir)
        .into_iter()
        .find(|form| form.id == form_id)
        .ok_or_else(|| form_not_found(&form_id))?;
    let stored = state
        .store
        .read(|records| {
            records.get_live(
                TARGET,
                FORM_RESPONSE,
                &form_response_key(&contact_id, &form_id),
            )
        })
        .map_err(store_failure)?;
    let responses = stored
        .as_ref()
        .map(|record| responses_by_question(&record.body["responses"]))
        .unwrap_or_default();
    let form_response = stored.map(|record| {
        json!({"id": record.body["id"], "created_at": record.body["created_at"], "updated_at": record.body["updated_at"]})
    });
    Ok(Json(json!({
        "data": with_responses(&form.definition, &responses),
        "meta": {"form_response": form_response},
    }))
    .into_response())
}

/// Contacts: Respond to Form — an upsert of the contact's answers: 201 the first time, 200 after.
async fn respond_to_form(
    State(state): State<AppState>,
    Path((group_id, contact_id, form_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_group(&group_id)?;
    let body = read_body(&headers, &body)?;
    require_contact(&state, &contact_id)?;
    let form = load_forms(&state.config.forms_dir)
        .into_iter()
        .find(|form| form.id == form_id)
        .ok_or_else(|| form_not_found(&form_id))?;
    let mut problems = Vec::new();
    let responses = match body.get("data") {
        Some(Value::Array(_)) => read_responses("data", body.get("data"), &form, &mut problems),
        Some(_) => {
            problems.push(rails(
                "data",
                "invalid",
                "must be an array of {question_id, response_value}",
            ));
            Vec::new()
        }
        None => return Err(parameter_missing("data")),
    };
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let (form_response, created) = state
        .store
        .write(|records| {
            upsert_form_response(records, &contact_id, &form_id, responses, unix_now())
        })
        .map_err(store_failure)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({ "data": form_response }))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_sub_types_are_found_by_id() {
        assert_eq!(find_service_type("st-meals"), Some(("st-meals", "Meals")));
        assert_eq!(
            find_service_type("st-employment"),
            Some(("st-employment", "Employment"))
        );
        assert_eq!(find_service_type("nope"), None);
    }
}
