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
use crate::validate::{digits_of, is_email};
use crate::AppState;

const TARGET: Target = Target::UniteUs;
pub const GROUP_ID: &str = "demo-group";
pub const GROUP_NAME: &str = "Demo Community Services";
const CONTACT: &str = "contact";
const ASSISTANCE_REQUEST: &str = "assistance_request";
const FORM_RESPONSE: &str = "form_response";
pub const DEFAULT_PER_PAGE: usize = 25;
pub const MAX_PER_PAGE: usize = 100;
pub const MIN_PHONE_DIGITS: usize = 7;
pub const POSTAL_CODE_LENGTHS: std::ops::RangeInclusive<usize> = 5..=15;

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

pub const GENDERS: &[&str] = &["male", "female", "undisclosed", "non-binary", "other"];
pub const CITIZENSHIPS: &[&str] = &[
    "us-citizen",
    "us-national",
    "lawful-permanent-resident",
    "other",
    "undisclosed",
];
pub const ETHNICITIES: &[&str] = &[
    "hispanic-or-latino",
    "not-hispanic-or-latino",
    "undisclosed",
];
pub const MARITAL_STATUSES: &[&str] = &[
    "divorced",
    "domestic_partner",
    "married-civil-union",
    "single/never-married",
    "separated",
    "undisclosed",
    "widowed",
];
pub const RACES: &[&str] = &[
    "american-indian-alaska-native",
    "asian",
    "black-african-american",
    "native-hawaiian-or-pacific-islander",
    "other-race",
    "undisclosed",
    "white",
];
pub const TITLES: &[&str] = &["Mr.", "Miss", "Mrs.", "Ms.", "Dr."];
pub const SUFFIXES: &[&str] = &["Jr.", "Sr.", "III", "IV", "V", "Esq.", "Ph.D"];
pub const ADDRESS_TYPES: &[&str] = &["home", "mailing", "work", "unknown"];
pub const PHONE_TYPES: &[&str] = &["mobile", "home", "work", "fax", "unknown"];
pub const COMMUNICATION_METHODS: &[&str] = &["phone_call", "sms", "email", "no_preference"];
pub const COMMUNICATION_TIMES: &[&str] = &["any_time", "morning", "afternoon", "evening"];
pub const FORM_USE_TYPES: &[&str] = &["intake", "exit", "general", "screening", "any"];
const YES_NO: &[&str] = &["yes", "no", "prefer_not_to_disclose"];

/// Enumerated person fields shared by contacts and requestors.
const PERSON_ENUMS: [(&str, &[&str]); 7] = [
    ("title", TITLES),
    ("suffix", SUFFIXES),
    ("gender", GENDERS),
    ("race", RACES),
    ("ethnicity", ETHNICITIES),
    ("citizenship", CITIZENSHIPS),
    ("marital_status", MARITAL_STATUSES),
];
const MILITARY_ENUMS: [(&str, &[&str]); 11] = [
    (
        "affiliation",
        &[
            "military_member_or_veteran",
            "spouse",
            "widow",
            "family_member",
            "caregiver",
            "prefer_not_to_disclose",
        ],
    ),
    (
        "current_status",
        &[
            "active_duty",
            "national_guard",
            "reserve",
            "retiree",
            "veteran",
            "prefer_not_to_disclose",
        ],
    ),
    (
        "currently_transitioning",
        &[
            "yes_12mos_before",
            "yes_12mos_after",
            "no",
            "prefer_not_to_disclose",
        ],
    ),
    ("at_least_one_day_active_duty", YES_NO),
    (
        "branch",
        &[
            "air_force",
            "army",
            "coast_guard",
            "marines",
            "navy",
            "prefer_not_to_disclose",
        ],
    ),
    (
        "service_era",
        &[
            "post_911",
            "persian_gulf",
            "post_vietnam",
            "vietnam",
            "post_korean",
            "korean_war",
            "pre_korean",
            "ww2",
            "merchant_marine",
            "ww1",
            "prefer_not_to_disclose",
        ],
    ),
    ("deployed", YES_NO),
    (
        "discharge_type",
        &[
            "honorable",
            "general",
            "other_than_honorable",
            "bad_conduct",
            "dishonorable",
            "uncharacterized",
            "other",
            "prefer_not_to_disclose",
        ],
    ),
    ("discharged_due_to_disability", YES_NO),
    ("service_connected_disability", YES_NO),
    ("proof_of_veteran_status", YES_NO),
];
const MILITARY_MORE_ENUMS: [(&str, &[&str]); 2] = [
    (
        "service_connected_disability_rating",
        &[
            "0",
            "10",
            "20",
            "30",
            "40",
            "50",
            "60",
            "70",
            "80",
            "90",
            "100",
            "prefer_not_to_disclose",
        ],
    ),
    (
        "proof_type",
        &[
            "dd214",
            "va_id",
            "statement_of_service",
            "retiree_id",
            "drivers_license",
            "military_id",
            "other",
            "prefer_not_to_disclose",
        ],
    ),
];
const MILITARY_DATES: [&str; 4] = [
    "entry_date",
    "exit_date",
    "deployment_starts_at",
    "deployment_ends_at",
];
/// The requestor fields the widget must send, as paths inside `requestor`.
pub const REQUIRED_REQUESTOR_FIELDS: [&str; 10] = [
    "first_name",
    "last_name",
    "email_address.email_address",
    "phone_number.phone_number",
    "address.line_1",
    "address.city",
    "address.state",
    "address.postal_code",
    "address.country",
    "address.address_type",
];
/// Contacts: Addresses requires fewer address fields than the widget's requestor address.
const REQUIRED_CONTACT_ADDRESS_FIELDS: [&str; 4] = ["city", "state", "postal_code", "address_type"];
const REQUIRED_REQUESTOR_ADDRESS_FIELDS: [&str; 6] = [
    "line_1",
    "city",
    "state",
    "postal_code",
    "country",
    "address_type",
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

fn rails(path: impl Into<String>, code: &'static str, message: &str) -> FieldError {
    FieldError::body(path, code, message)
}

fn blank(path: impl Into<String>) -> FieldError {
    rails(path, "blank", "can't be blank")
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

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Text as sent; numbers count as text because phone numbers and postal codes arrive both ways.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A boolean, also from the strings a form-encoded body carries.
fn flag_of(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Unix epoch seconds, from a number or a numeric string.
fn epoch_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|seconds| seconds as i64)),
        Value::String(text) => {
            let text = text.trim();
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().map(|seconds| seconds as i64))
        }
        _ => None,
    }
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

// ---------------------------------------------------------------- people: contacts and requestors

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A contact created or updated by staff.
    Contact,
    /// The person behind a widget assistance request.
    Requestor,
}

/// Reads the person fields of a contact or requestor into the stored contact shape
/// (contact methods as `email_addresses`, `phone_numbers` and `addresses` lists).
/// On update (`creating == false`) only the fields sent come back.
struct PersonReader<'a> {
    input: &'a Map<String, Value>,
    role: Role,
    creating: bool,
    prefix: &'a str,
    problems: &'a mut Vec<FieldError>,
    person: Map<String, Value>,
}

impl PersonReader<'_> {
    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn read(mut self) -> Map<String, Value> {
        self.names();
        for name in ["middle_name_initial", "preferred_first_name"] {
            self.optional_text(name);
        }
        for (name, allowed) in PERSON_ENUMS {
            self.optional_enum(name, allowed);
        }
        if self.role == Role::Contact {
            self.optional_enum("preferred_communication_method", COMMUNICATION_METHODS);
            self.optional_enum("preferred_communication_time_of_day", COMMUNICATION_TIMES);
            self.text_list("nicknames");
            self.text_list("insurance_ids");
        }
        self.date_of_birth();
        self.military();
        match self.role {
            Role::Requestor => self.requestor_contact_methods(),
            Role::Contact => self.contact_contact_methods(),
        }
        self.person
    }

    fn names(&mut self) {
        for name in ["first_name", "last_name"] {
            match self.input.get(name) {
                Some(value) if !is_blank(value) => match text_of(value) {
                    Some(text) => {
                        self.person.insert(name.into(), json!(text));
                    }
                    None => {
                        self.problems
                            .push(rails(self.path(name), "invalid", "must be a string"))
                    }
                },
                Some(_) => self.problems.push(blank(self.path(name))),
                None if self.creating => self.problems.push(blank(self.path(name))),
                None => {}
            }
        }
    }

    fn optional_text(&mut self, name: &str) {
        let Some(value) = self.input.get(name) else {
            return;
        };
        if is_blank(value) {
            self.person.insert(name.into(), Value::Null);
            return;
        }
        match text_of(value) {
            Some(text) => {
                self.person.insert(name.into(), json!(text));
            }
            None => self
                .problems
                .push(rails(self.path(name), "invalid", "must be a string")),
        }
    }

    fn optional_enum(&mut self, name: &str, allowed: &[&str]) {
        let Some(value) = self.input.get(name) else {
            return;
        };
        if is_blank(value) {
            self.person.insert(name.into(), Value::Null);
            return;
        }
        match value.as_str() {
            Some(text) if allowed.contains(&text) => {
                self.person.insert(name.into(), json!(text));
            }
            _ => self.problems.push(rails(
                self.path(name),
                "inclusion",
                "is not included in the list",
            )),
        }
    }

    fn text_list(&mut self, name: &str) {
        let Some(value) = self.input.get(name) else {
            return;
        };
        match value {
            Value::Null => {
                self.person.insert(name.into(), json!([]));
            }
            Value::Array(items) => {
                let texts: Option<Vec<String>> = items.iter().map(text_of).collect();
                match texts {
                    Some(texts) => {
                        self.person.insert(name.into(), json!(texts));
                    }
                    None => self.problems.push(rails(
                        self.path(name),
                        "invalid",
                        "must be a list of strings",
                    )),
                }
            }
            _ => self
                .problems
                .push(rails(self.path(name), "invalid", "must be an array")),
        }
    }

    fn date_of_birth(&mut self) {
        let Some(value) = self.input.get("date_of_birth") else {
            return;
        };
        if is_blank(value) {
            self.person.insert("date_of_birth".into(), Value::Null);
            return;
        }
        match epoch_of(value) {
            Some(seconds) => {
                self.person.insert("date_of_birth".into(), json!(seconds));
            }
            None => self.problems.push(rails(
                self.path("date_of_birth"),
                "not_a_number",
                "must be a Unix timestamp (seconds)",
            )),
        }
    }

    fn military(&mut self) {
        let Some(value) = self.input.get("military") else {
            return;
        };
        let military = match value {
            Value::Null => {
                self.person.insert("military".into(), Value::Null);
                return;
            }
            Value::Object(military) => military,
            _ => {
                self.problems
                    .push(rails(self.path("military"), "invalid", "must be an object"));
                return;
            }
        };
        let mut stored = Map::new();
        for (name, allowed) in MILITARY_ENUMS.iter().chain(MILITARY_MORE_ENUMS.iter()) {
            let Some(value) = military.get(*name) else {
                continue;
            };
            if is_blank(value) {
                continue;
            }
            match value.as_str() {
                Some(text) if allowed.contains(&text) => {
                    stored.insert((*name).into(), json!(text));
                }
                _ => self.problems.push(rails(
                    self.path(&format!("military.{name}")),
                    "inclusion",
                    "is not included in the list",
                )),
            }
        }
        for name in MILITARY_DATES {
            let Some(value) = military.get(name) else {
                continue;
            };
            if is_blank(value) {
                continue;
            }
            match epoch_of(value) {
                Some(seconds) => {
                    stored.insert(name.into(), json!(seconds));
                }
                None => self.problems.push(rails(
                    self.path(&format!("military.{name}")),
                    "not_a_number",
                    "must be a Unix timestamp (seconds)",
                )),
            }
        }
        self.person.insert("military".into(), Value::Object(stored));
    }

    /// The widget sends one `phone_number`, one `address` and one `email_address`, all required.
    fn requestor_contact_methods(&mut self) {
        let phone = match self.input.get("phone_number") {
            Some(value) if !is_blank(value) => {
                read_phone(&self.path("phone_number"), value, true, self.problems)
            }
            _ => {
                self.problems
                    .push(blank(self.path("phone_number.phone_number")));
                None
            }
        };
        let address = match self.input.get("address") {
            Some(value) if !is_blank(value) => read_address(
                &self.path("address"),
                value,
                &REQUIRED_REQUESTOR_ADDRESS_FIELDS,
                self.problems,
            ),
            _ => {
                for field in REQUIRED_REQUESTOR_ADDRESS_FIELDS {
                    self.problems
                        .push(blank(self.path(&format!("address.{field}"))));
                }
                None
            }
        };
        let mut emails = Vec::new();
        match self.input.get("email_address") {
            Some(value) if !is_blank(value) => {
                if let Some(email) =
                    read_email(&self.path("email_address"), value, true, self.problems)
                {
                    emails.push(email);
                }
            }
            _ => self
                .problems
                .push(blank(self.path("email_address.email_address"))),
        }
        if let Some(value) = self.input.get("email").filter(|value| !is_blank(value)) {
            let already_listed = emails.iter().any(|email| email["email_address"] == *value);
            if let Some(email) =
                read_email(&self.path("email"), value, emails.is_empty(), self.problems)
            {
                if !already_listed {
                    emails.push(email);
                }
            }
        }
        self.person.insert(
            "phone_numbers".into(),
            json!(phone.into_iter().collect::<Vec<_>>()),
        );
        self.person.insert(
            "addresses".into(),
            json!(address.into_iter().collect::<Vec<_>>()),
        );
        self.person.insert("email_addresses".into(), json!(emails));
    }

    /// Staff send lists (`phone_numbers`, `addresses`, `email_addresses`) and/or `email`/`email_address` strings.
    fn contact_contact_methods(&mut self) {
        if let Some(value) = self.input.get("phone_numbers") {
            let phones = self.list("phone_numbers", value, |path, item, index, problems| {
                read_phone(path, item, index == 0, problems)
            });
            if let Some(phones) = phones {
                self.person.insert("phone_numbers".into(), json!(phones));
            }
        }
        if let Some(value) = self.input.get("addresses") {
            let addresses = self.list("addresses", value, |path, item, _, problems| {
                read_address(path, item, &REQUIRED_CONTACT_ADDRESS_FIELDS, problems)
            });
            if let Some(addresses) = addresses {
                self.person.insert("addresses".into(), json!(addresses));
            }
        }
        let mut emails: Option<Vec<Value>> = None;
        if let Some(value) = self.input.get("email_addresses") {
            emails = self.list("email_addresses", value, |path, item, index, problems| {
                read_email(path, item, index == 0, problems)
            });
        }
        for name in ["email_address", "email"] {
            let Some(value) = self.input.get(name).filter(|value| !is_blank(value)) else {
                continue;
            };
            let list = emails.get_or_insert_with(Vec::new);
            let already_listed = list.iter().any(|email| email["email_address"] == *value);
            if let Some(email) = read_email(&self.path(name), value, list.is_empty(), self.problems)
            {
                if !already_listed {
                    list.push(email);
                }
            }
        }
        if let Some(emails) = emails {
            self.person.insert("email_addresses".into(), json!(emails));
        }
    }

    fn list(
        &mut self,
        name: &str,
        value: &Value,
        read_item: impl Fn(&str, &Value, usize, &mut Vec<FieldError>) -> Option<Value>,
    ) -> Option<Vec<Value>> {
        match value {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => {
                let before = self.problems.len();
                let read: Vec<Value> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(index, item)| {
                        read_item(
                            &self.path(&format!("{name}.{index}")),
                            item,
                            index,
                            self.problems,
                        )
                    })
                    .collect();
                (self.problems.len() == before).then_some(read)
            }
            _ => {
                self.problems
                    .push(rails(self.path(name), "invalid", "must be an array"));
                None
            }
        }
    }
}

fn read_person(
    input: &Map<String, Value>,
    role: Role,
    creating: bool,
    prefix: &str,
    problems: &mut Vec<FieldError>,
) -> Map<String, Value> {
    PersonReader {
        input,
        role,
        creating,
        prefix,
        problems,
        person: Map::new(),
    }
    .read()
}

/// A phone number object (or a bare number): at least 7 digits, only digits stored.
fn read_phone(
    path: &str,
    value: &Value,
    primary_by_default: bool,
    problems: &mut Vec<FieldError>,
) -> Option<Value> {
    let object = match value {
        Value::Object(object) => object.clone(),
        Value::String(_) | Value::Number(_) => {
            let mut object = Map::new();
            object.insert("phone_number".into(), value.clone());
            object
        }
        _ => {
            problems.push(rails(path, "invalid", "must be an object"));
            return None;
        }
    };
    let before = problems.len();
    let number_path = format!("{path}.phone_number");
    let digits = match object
        .get("phone_number")
        .filter(|value| !is_blank(value))
        .and_then(text_of)
    {
        Some(text) => {
            let digits = digits_of(&text);
            if digits.len() < MIN_PHONE_DIGITS {
                problems.push(rails(
                    &number_path,
                    "too_short",
                    "is too short (minimum is 7 digits)",
                ));
            }
            digits
        }
        None => {
            problems.push(blank(&number_path));
            String::new()
        }
    };
    let phone_type = optional_enum_member(path, &object, "phone_type", PHONE_TYPES, problems);
    let country_code = object
        .get("country_code")
        .filter(|value| !is_blank(value))
        .and_then(text_of)
        .unwrap_or_else(|| "1".to_string());
    let is_primary = optional_flag(path, &object, "is_primary", primary_by_default, problems);
    let can_sms = optional_flag(path, &object, "can_sms", false, problems);
    (problems.len() == before).then(|| {
        json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "phone_number": digits,
            "country_code": country_code,
            "phone_type": phone_type,
            "can_sms": can_sms,
            "is_primary": is_primary,
        })
    })
}

/// An address object; the postal code must be 5 to 15 characters.
fn read_address(
    path: &str,
    value: &Value,
    required: &[&str],
    problems: &mut Vec<FieldError>,
) -> Option<Value> {
    let Value::Object(object) = value else {
        problems.push(rails(path, "invalid", "must be an object"));
        return None;
    };
    let before = problems.len();
    let mut address = Map::new();
    address.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
    for field in [
        "line_1",
        "line_2",
        "city",
        "state",
        "postal_code",
        "country",
    ] {
        let field_path = format!("{path}.{field}");
        match object.get(field).filter(|value| !is_blank(value)) {
            Some(value) => match text_of(value) {
                Some(text) => {
                    address.insert(field.into(), json!(text));
                }
                None => problems.push(rails(&field_path, "invalid", "must be a string")),
            },
            None if required.contains(&field) => problems.push(blank(&field_path)),
            None => {
                address.insert(field.into(), Value::Null);
            }
        }
    }
    if let Some(postal_code) = address.get("postal_code").and_then(Value::as_str) {
        let length = postal_code.chars().count();
        let field_path = format!("{path}.postal_code");
        if length < *POSTAL_CODE_LENGTHS.start() {
            problems.push(rails(
                &field_path,
                "too_short",
                "is too short (minimum is 5 characters)",
            ));
        } else if length > *POSTAL_CODE_LENGTHS.end() {
            problems.push(rails(
                &field_path,
                "too_long",
                "is too long (maximum is 15 characters)",
            ));
        }
    }
    let address_type = optional_enum_member(path, object, "address_type", ADDRESS_TYPES, problems);
    if address_type.is_null()
        && required.contains(&"address_type")
        && !problems.iter().any(|problem| {
            problem.source == crate::error::FieldSource::Body(format!("{path}.address_type"))
        })
    {
        problems.push(blank(format!("{path}.address_type")));
    }
    address.insert("address_type".into(), address_type);
    let is_mailing_address = optional_flag(path, object, "is_mailing_address", false, problems);
    address.insert("is_mailing_address".into(), json!(is_mailing_address));
    (problems.len() == before).then_some(Value::Object(address))
}

/// An email address object (or a bare address).
fn read_email(
    path: &str,
    value: &Value,
    primary_by_default: bool,
    problems: &mut Vec<FieldError>,
) -> Option<Value> {
    let (address, object) = match value {
        Value::Object(object) => (object.get("email_address").cloned(), object.clone()),
        Value::String(_) => (Some(value.clone()), Map::new()),
        _ => {
            problems.push(rails(path, "invalid", "must be an object"));
            return None;
        }
    };
    let address_path = if value.is_object() {
        format!("{path}.email_address")
    } else {
        path.to_string()
    };
    let before = problems.len();
    let address = match address
        .as_ref()
        .filter(|value| !is_blank(value))
        .and_then(Value::as_str)
    {
        Some(address) if is_email(address.trim()) => address.trim().to_string(),
        Some(_) => {
            problems.push(rails(
                &address_path,
                "invalid",
                "is not a valid email address",
            ));
            String::new()
        }
        None => {
            problems.push(blank(&address_path));
            String::new()
        }
    };
    let is_primary = optional_flag(path, &object, "is_primary", primary_by_default, problems);
    (problems.len() == before).then(|| {
        json!({"id": uuid::Uuid::new_v4().to_string(), "email_address": address, "is_primary": is_primary})
    })
}

fn optional_enum_member(
    path: &str,
    object: &Map<String, Value>,
    name: &str,
    allowed: &[&str],
    problems: &mut Vec<FieldError>,
) -> Value {
    match object.get(name).filter(|value| !is_blank(value)) {
        None => Value::Null,
        Some(value) => match value.as_str() {
            Some(text) if allowed.contains(&text) => json!(text),
            _ => {
                problems.push(rails(
                    format!("{path}.{name}"),
                    "inclusion",
                    "is not included in the list",
                ));
                Value::Null
            }
        },
    }
}

fn optional_flag(
    path: &str,
    object: &Map<String, Value>,
    name: &str,
    default: bool,
    problems: &mut Vec<FieldError>,
) -> bool {
    match object.get(name).filter(|value| !is_blank(value)) {
        None => default,
        Some(value) => flag_of(value).unwrap_or_else(|| {
            problems.push(rails(
                format!("{path}.{name}"),
                "invalid",
                "must be true or false",
            ));
            default
        }),
    }
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

/// Groups: Forms Available for Use, filtered by `q[use_type]` and paged with `page`/`per`.
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
    let (page, per) = pagination(&pairs)?;
    let forms: Vec<Value> = load_forms(&state.config.forms_dir)
        .into_iter()
        .filter(|form| match (use_type, form.use_type()) {
            (None | Some("any"), _) | (_, None) => true,
            (Some(wanted), Some(actual)) => wanted == actual,
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

    fn requestor(fields: Value) -> (Map<String, Value>, Vec<FieldError>) {
        let mut problems = Vec::new();
        let input = fields.as_object().cloned().unwrap_or_default();
        let person = read_person(&input, Role::Requestor, true, "requestor.", &mut problems);
        (person, problems)
    }

    fn paths(problems: &[FieldError]) -> Vec<String> {
        problems
            .iter()
            .map(|problem| match &problem.source {
                crate::error::FieldSource::Body(path) => path.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn an_empty_requestor_lacks_every_required_field() {
        let (_, problems) = requestor(json!({}));
        let mut expected: Vec<String> = REQUIRED_REQUESTOR_FIELDS
            .iter()
            .map(|field| format!("requestor.{field}"))
            .collect();
        let mut found = paths(&problems);
        expected.sort();
        found.sort();
        assert_eq!(found, expected);
    }

    #[test]
    fn phone_digits_are_kept_and_short_numbers_refused() {
        let mut problems = Vec::new();
        let phone = read_phone(
            "phone_number",
            &json!({"phone_number": "(512) 555-0100"}),
            true,
            &mut problems,
        );
        assert_eq!(phone.expect("valid")["phone_number"], "5125550100");
        let short = read_phone(
            "phone_number",
            &json!({"phone_number": "555-010"}),
            true,
            &mut problems,
        );
        assert!(short.is_none());
        assert_eq!(paths(&problems), ["phone_number.phone_number"]);
    }

    #[test]
    fn postal_codes_must_be_five_to_fifteen_characters() {
        let address = |postal_code: &str| {
            let mut problems = Vec::new();
            read_address(
                "address",
                &json!({"city": "Austin", "state": "TX", "postal_code": postal_code, "address_type": "home"}),
                &REQUIRED_CONTACT_ADDRESS_FIELDS,
                &mut problems,
            );
            problems
                .into_iter()
                .map(|problem| problem.message)
                .collect::<Vec<_>>()
        };
        assert!(address("78701").is_empty());
        assert!(address("123456789012345").is_empty());
        assert_eq!(address("7870"), ["is too short (minimum is 5 characters)"]);
        assert_eq!(
            address("1234567890123456"),
            ["is too long (maximum is 15 characters)"]
        );
    }

    #[test]
    fn enums_outside_the_documented_lists_are_refused() {
        let (_, problems) = requestor(
            json!({"gender": "unknown", "title": "Mr.", "military": {"branch": "space_force"}}),
        );
        let found = paths(&problems);
        assert!(found.contains(&"requestor.gender".to_string()));
        assert!(!found.contains(&"requestor.title".to_string()));
        assert!(found.contains(&"requestor.military.branch".to_string()));
    }

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
