//! Unite US people: the requestor of a widget assistance request and the contacts staff create.
//!
//! Both are read into one stored shape (the contact's: contact methods as `phone_numbers`,
//! `addresses` and `email_addresses` lists), checked against the v3 document's rules:
//! required fields, the documented enums, phone numbers of at least 7 digits (only the
//! digits are stored), postal codes of 5 to 15 characters, dates as Unix epoch seconds.
//! Problems are Rails-style messages keyed by dotted paths (`requestor.address.postal_code`).

use serde_json::{json, Map, Value};

use crate::error::FieldError;
use crate::validate::{digits_of, is_email};

pub const MIN_PHONE_DIGITS: usize = 7;
pub const POSTAL_CODE_LENGTHS: std::ops::RangeInclusive<usize> = 5..=15;

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
const YES_NO: &[&str] = &["yes", "no", "prefer_not_to_disclose"];

/// Enumerated person fields shared by contacts and requestors.
pub const PERSON_ENUMS: [(&str, &[&str]); 7] = [
    ("title", TITLES),
    ("suffix", SUFFIXES),
    ("gender", GENDERS),
    ("race", RACES),
    ("ethnicity", ETHNICITIES),
    ("citizenship", CITIZENSHIPS),
    ("marital_status", MARITAL_STATUSES),
];
pub const MILITARY_ENUMS: [(&str, &[&str]); 11] = [
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
pub const MILITARY_MORE_ENUMS: [(&str, &[&str]); 2] = [
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

pub(crate) fn rails(path: impl Into<String>, code: &'static str, message: &str) -> FieldError {
    FieldError::body(path, code, message)
}

pub(crate) fn blank(path: impl Into<String>) -> FieldError {
    rails(path, "blank", "can't be blank")
}

pub(crate) fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Text as sent; numbers count as text because phone numbers and postal codes arrive both ways.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A boolean, also from the strings a form-encoded body carries.
pub(crate) fn flag_of(value: &Value) -> Option<bool> {
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
pub(crate) fn epoch_of(value: &Value) -> Option<i64> {
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

// ---------------------------------------------------------------- people: contacts and requestors

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
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

pub(crate) fn read_person(
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
}
