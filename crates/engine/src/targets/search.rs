//! Finding the person first (staff), as pure functions: the GET each
//! target's own search needs, its list answer read into [`FoundPerson`]s,
//! a form prefilled from the person chosen, and what an update changes.
//!
//! Unite US and Casebook filter by name on the server. charity_crm,
//! persons_v1 and Caspen have no name filter, so their lists are paged
//! through and matched here, by the same rule for all three.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::catalogue::{catalogue, FieldFormat, FieldSpec};
use super::config::{Mode, Operation, TargetConfig, TargetKind};
use super::mapping::{HttpMethod, PlannedRequest};
use super::outbox::AnswerBody;
use super::percent;
use super::person::{FieldValue, PersonRecord};
use crate::answer::{Answer, AnswerKind};
use crate::date::{epoch_seconds_to_iso_date, iso_date_to_epoch_seconds};
use crate::fold::loose;
use crate::model::{Form, Question};

/// Page size for the targets that filter by name: a page of namesakes is
/// rarely longer than this.
const FILTERED_PAGE_SIZE: &str = "25";

/// Page size for the targets matched here: their maximum, so that as few
/// pages as possible are fetched to see everyone.
const UNFILTERED_PAGE_SIZE: &str = "100";

/// Epoch values above this are taken to be milliseconds, as in stored
/// answers: as seconds they would be after the year 5000.
const MILLISECONDS_THRESHOLD: u64 = 100_000_000_000;

/// Who staff are looking for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonQuery {
    pub first_name: String,
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
}

/// One person a search found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoundPerson {
    /// The target's own id, as text (`UpdatePerson`'s `{id}`).
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
    /// The target marks the person as no longer active (persons_v1's
    /// `active: false`).
    pub inactive: bool,
    /// The record as the target shapes it (a whole JSON:API resource for
    /// Casebook, a flattened person for charity_crm), for prefilling.
    pub record: Value,
}

/// One page of a search's answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    /// The people on this page who match the query.
    pub people: Vec<FoundPerson>,
    /// The token [`plan_search`] takes for the next page: a page number or
    /// a cursor. `None` on the last page.
    pub next_page: Option<String>,
    /// How many records the page held, matching or not: for a target
    /// without a name filter, what "searched N records" counts.
    pub searched: usize,
}

/// The most records read for one search of a target without a name filter
/// (charity_crm, persons_v1, Caspen), which is matched on the device page
/// by page: enough for an organisation's whole list, bounded so a search
/// cannot run for ever.
pub const MAX_RECORDS_SEARCHED: usize = 5_000;

/// Whether `target`'s search has no name filter, so that finding someone
/// means reading the whole list, page by page, and matching on the device.
pub fn searches_whole_list(target: TargetKind) -> bool {
    matches!(
        target,
        TargetKind::CharityCrm | TargetKind::PersonsV1 | TargetKind::Caspen
    )
}

/// Why a query cannot be searched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchRefusal {
    /// Every target's search needs the last name.
    NoLastName,
    /// Unite US refuses a search without a first name ("can't be blank").
    NoFirstName,
}

impl PersonQuery {
    /// Why `target`'s search cannot be run for this query, or `None` when
    /// it can: staff are asked for the missing name before any request is
    /// made. Names of white space only count as missing.
    pub fn search_refusal(&self, target: TargetKind) -> Option<SearchRefusal> {
        if self.last_name.trim().is_empty() {
            return Some(SearchRefusal::NoLastName);
        }
        if target == TargetKind::UniteUs && self.first_name.trim().is_empty() {
            return Some(SearchRefusal::NoFirstName);
        }
        None
    }
}

/// The GET request that searches `config`'s target for `query`; `page` is
/// a [`SearchPage::next_page`] token, `None` for the first page.
///
/// An empty first name is left out where the target filters by name, so it
/// matches everyone; a date of birth that is not a real `YYYY-MM-DD` date is
/// left out too, so a typing slip widens the search rather than emptying it.
pub fn plan_search(
    config: &TargetConfig,
    query: &PersonQuery,
    page: Option<&str>,
) -> PlannedRequest {
    let first_name = query.first_name.trim();
    let last_name = query.last_name.trim();
    let born = iso_date(query.date_of_birth.as_deref().unwrap_or_default());
    let page = page.map(str::trim).filter(|page| !page.is_empty());
    let mut parameters: Vec<(&str, String)> = Vec::new();
    let mut accept = "application/json";
    let mut error_prefixes = vec![String::new()];
    match config.target {
        TargetKind::UniteUs => {
            // Both names are required by Unite US, so an empty one is sent
            // and the server's "can't be blank" reaches the person.
            parameters.push(("q[first_name]", first_name.to_string()));
            parameters.push(("q[last_name]", last_name.to_string()));
            if let Some(seconds) = born.as_deref().and_then(iso_date_to_epoch_seconds) {
                parameters.push(("q[date_of_birth]", seconds.to_string()));
            }
            parameters.push(("page", page.unwrap_or("1").to_string()));
            parameters.push(("per", FILTERED_PAGE_SIZE.to_string()));
            error_prefixes = vec!["q.".into(), String::new()];
        }
        TargetKind::Casebook => {
            if !first_name.is_empty() {
                parameters.push(("filter[first_name]", first_name.to_string()));
            }
            parameters.push(("filter[last_name]", last_name.to_string()));
            if let Some(born) = born {
                parameters.push(("filter[date_of_birth]", born));
            }
            parameters.push(("page[number]", page.unwrap_or("1").to_string()));
            parameters.push(("page[size]", FILTERED_PAGE_SIZE.to_string()));
            accept = "application/vnd.api+json";
        }
        TargetKind::CharityCrm => {
            parameters.push(("first", UNFILTERED_PAGE_SIZE.to_string()));
            if let Some(cursor) = page {
                parameters.push(("after", cursor.to_string()));
            }
        }
        // persons_v1 answers everyone in one list.
        TargetKind::PersonsV1 => {}
        TargetKind::Caspen => {
            parameters.push(("limit", UNFILTERED_PAGE_SIZE.to_string()));
            if let Some(cursor) = page {
                parameters.push(("cursor", cursor.to_string()));
            }
        }
    }
    let mut url = config.url(Operation::FindPeople, &[]).unwrap_or_default();
    if !parameters.is_empty() {
        // A path template may already carry a query of its own.
        url.push(if url.contains('?') { '&' } else { '?' });
        let pairs: Vec<String> = parameters
            .iter()
            .map(|(name, value)| {
                format!(
                    "{}={}",
                    percent::encode_segment(name),
                    percent::encode_segment(value)
                )
            })
            .collect();
        url.push_str(&pairs.join("&"));
    }
    PlannedRequest {
        label: "Search for the person".into(),
        method: HttpMethod::Get,
        url,
        headers: vec![("Accept".into(), accept.into())],
        body: None,
        conflict_means_done: false,
        capture_id: None,
        error_prefixes,
        needs_captured_id: false,
    }
}

/// Reads one page of `config`'s target's search answer. For the targets
/// without a name filter, only the people matching `query` are kept: the
/// last name must match (case and surrounding spaces ignored), an empty
/// first name matches everyone, and birth dates must agree when both are
/// known. List items that are not records with an id are skipped, since
/// nobody could pick them.
pub fn parse_search(
    config: &TargetConfig,
    query: &PersonQuery,
    body: &AnswerBody,
) -> Result<SearchPage, String> {
    let mut page = read_page(config, body)?;
    if searches_whole_list(config.target) {
        page.people.retain(|person| matches_query(query, person));
    }
    Ok(page)
}

/// Reads one page of `config`'s target's search or list answer, everyone
/// on it kept.
pub(crate) fn read_page(config: &TargetConfig, body: &AnswerBody) -> Result<SearchPage, String> {
    let name = config.target.display_name();
    let unreadable = |reason: &str| {
        format!(
            "The search answer from {name} could not be read. {reason} Try again; if it keeps happening, check that the configuration's base_url points at {name}."
        )
    };
    let value = body.json().ok_or_else(|| unreadable("It is not JSON."))?;
    let page = match config.target {
        TargetKind::UniteUs => read_unite_us(value),
        TargetKind::Casebook => read_casebook(value),
        TargetKind::CharityCrm => read_charity_crm(value),
        TargetKind::PersonsV1 => read_persons_v1(value),
        TargetKind::Caspen => read_caspen(value),
    };
    let mut page = page.ok_or_else(|| {
        unreadable(&format!(
            "It does not hold a list of people where {name} puts one."
        ))
    })?;
    page.searched = page.people.len();
    Ok(page)
}

/// The free text a found record holds where the mapping writes answers
/// without a field of their own (persons_v1 `information`, Caspen `notes`),
/// so that an update can add to it instead of replacing it; `None` for the
/// targets that have no such field.
pub fn existing_notes(target: TargetKind, found: &FoundPerson) -> Option<String> {
    let key = match target {
        TargetKind::PersonsV1 => "information",
        TargetKind::Caspen => "notes",
        TargetKind::UniteUs | TargetKind::Casebook | TargetKind::CharityCrm => return None,
    };
    found
        .record
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Answers for `form` from a found person, question id → answer JSON in the
/// shape [`crate::FormState::set_answers_from_json`] reads: one for every
/// question whose `field` the target stores and the record has a value for.
/// A value no option of a choice question matches is skipped, and so is any
/// answer the question would not accept, so prefilling never reports a
/// problem.
pub fn prefill_answers(
    config: &TargetConfig,
    form: &Form,
    found: &FoundPerson,
) -> Map<String, Value> {
    // Search answers are contacts even when the deployment is a widget, so
    // Unite US records are read with the contact's wire paths.
    let mode = match config.target {
        TargetKind::UniteUs => Mode::Staff,
        _ => config.mode,
    };
    let specs = catalogue(config.target, mode);
    let root = match config.target {
        TargetKind::Casebook => found
            .record
            .get("attributes")
            .filter(|attributes| attributes.is_object())
            .unwrap_or(&found.record),
        _ => &found.record,
    };
    let mut answers = Map::new();
    for question in &form.questions {
        let Some(field) = question.field.as_deref() else {
            continue;
        };
        let Some(spec) = specs.iter().find(|spec| spec.field == field) else {
            continue;
        };
        let Some(value) = record_value(config.target, root, spec.wire) else {
            continue;
        };
        let Some(answer) = answer_json(question, spec, value) else {
            continue;
        };
        if matches!(Answer::from_json(question, &answer), Ok(Some(_))) {
            answers.insert(question.id.clone(), answer);
        }
    }
    answers
}

/// What an update should send: the model fields whose value differs from
/// `before` (or is new), and those `before` had and `after` has not (an
/// answer erased, or its question now hidden), in `before`'s order.
pub fn person_changes(
    before: &PersonRecord,
    after: &PersonRecord,
) -> (BTreeSet<String>, Vec<String>) {
    let changed = after
        .values
        .iter()
        .filter(|(field, value)| {
            before
                .values
                .get(*field)
                .is_none_or(|old| !same_value(old, value))
        })
        .map(|(field, _)| field.clone())
        .collect();
    let mut emptied: Vec<String> = Vec::new();
    let fields = before.order.iter().chain(before.values.keys());
    for field in fields {
        if before.values.contains_key(field)
            && !after.values.contains_key(field)
            && !emptied.contains(field)
        {
            emptied.push(field.clone());
        }
    }
    (changed, emptied)
}

/// The people who look like the one being created: the same first and last
/// name (case and surrounding spaces ignored) and, when both have one, the
/// same date of birth.
pub fn possible_duplicates(query: &PersonQuery, people: &[FoundPerson]) -> Vec<FoundPerson> {
    let first_name = name_key(&query.first_name);
    let last_name = name_key(&query.last_name);
    people
        .iter()
        .filter(|person| {
            name_key(&person.last_name) == last_name
                && name_key(&person.first_name) == first_name
                && birth_dates_agree(
                    query.date_of_birth.as_deref(),
                    person.date_of_birth.as_deref(),
                )
        })
        .cloned()
        .collect()
}

// ---------------------------------------------------------------- matching

/// A name as compared: trimmed, inner spaces collapsed, lower case.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Two birth dates agree unless both are known and differ.
fn birth_dates_agree(wanted: Option<&str>, found: Option<&str>) -> bool {
    match (wanted.and_then(iso_date), found.and_then(iso_date)) {
        (Some(wanted), Some(found)) => wanted == found,
        _ => true,
    }
}

/// The client-side match: the last name must match, an empty first name
/// matches everyone, and known birth dates must agree.
fn matches_query(query: &PersonQuery, person: &FoundPerson) -> bool {
    let first_name = name_key(&query.first_name);
    name_key(&person.last_name) == name_key(&query.last_name)
        && (first_name.is_empty() || name_key(&person.first_name) == first_name)
        && birth_dates_agree(
            query.date_of_birth.as_deref(),
            person.date_of_birth.as_deref(),
        )
}

/// Whether two model values are the same answer. A choice is the same
/// option even when its label is shown in another language.
fn same_value(old: &FieldValue, new: &FieldValue) -> bool {
    match (old, new) {
        (FieldValue::Choice { id: old, .. }, FieldValue::Choice { id: new, .. }) => old == new,
        _ => old == new,
    }
}

// ---------------------------------------------------------------- reading values

/// `YYYY-MM-DD` from a date or a date-time text, when it is a real date.
fn iso_date(text: &str) -> Option<String> {
    let date = text.trim().get(..10)?;
    iso_date_to_epoch_seconds(date).map(|_| date.to_string())
}

/// A date from JSON: epoch seconds (Unite US, also as text), or a date or
/// date-time text.
fn date_value(value: &Value) -> Option<String> {
    let from_epoch = |seconds: i64| {
        // `unsigned_abs`, because `abs` of the smallest i64 overflows.
        let seconds = if seconds.unsigned_abs() > MILLISECONDS_THRESHOLD {
            seconds / 1000
        } else {
            seconds
        };
        epoch_seconds_to_iso_date(seconds)
    };
    match value {
        Value::Number(number) => from_epoch(number.as_i64()?),
        Value::String(text) => iso_date(text).or_else(|| from_epoch(text.trim().parse().ok()?)),
        _ => None,
    }
}

/// A non-empty text or number, as text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(crate::json_number_text(number)),
        _ => None,
    }
}

fn text_of(object: &Map<String, Value>, key: &str) -> String {
    object.get(key).and_then(scalar_text).unwrap_or_default()
}

fn optional_text(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(scalar_text)
}

/// An id as text: ids are strings or numbers depending on the target.
fn id_of(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(scalar_text)
        .filter(|id| !id.trim().is_empty())
}

/// `key` of the primary item of the list `list`, else of its first item
/// that has one.
fn primary_item_text(object: &Map<String, Value>, list: &str, key: &str) -> Option<String> {
    let items = object.get(list)?.as_array()?;
    let value_of = |item: &Value| item.get(key).and_then(scalar_text);
    items
        .iter()
        .filter(|item| item.get("is_primary") == Some(&Value::Bool(true)))
        .find_map(value_of)
        .or_else(|| items.iter().find_map(value_of))
}

/// Whether a record says it is no longer in use.
fn is_inactive(object: &Map<String, Value>) -> bool {
    object.get("active") == Some(&Value::Bool(false))
        || object.get("archived") == Some(&Value::Bool(true))
        || object.get("inactive") == Some(&Value::Bool(true))
}

/// The value at a dotted path; a number indexes a list.
pub(crate) fn value_at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = root;
    for segment in path.split('.') {
        node = match node {
            Value::Object(object) => object.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The value of one query parameter of a URL, decoded.
fn query_parameter(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent::decode_form(key) == name).then(|| percent::decode_form(value))
    })
}

/// A paging token from JSON: a positive page number or a non-empty cursor.
fn page_token(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .filter(|page| *page > 0)
            .map(|page| page.to_string()),
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------- each target's list

/// Unite US: `{data: [contact], paging: {next_page}}`, dates in epoch seconds.
fn read_unite_us(value: &Value) -> Option<SearchPage> {
    let object = value.as_object()?;
    let contacts = object.get("data")?.as_array()?;
    let people = contacts
        .iter()
        .filter_map(|contact| {
            let fields = contact.as_object()?;
            Some(FoundPerson {
                id: id_of(fields, "id")?,
                first_name: text_of(fields, "first_name"),
                last_name: text_of(fields, "last_name"),
                date_of_birth: fields.get("date_of_birth").and_then(date_value),
                email: primary_item_text(fields, "email_addresses", "email_address")
                    .or_else(|| optional_text(fields, "email"))
                    .or_else(|| optional_text(fields, "email_address")),
                phone: primary_item_text(fields, "phone_numbers", "phone_number"),
                city: primary_item_text(fields, "addresses", "city"),
                inactive: is_inactive(fields),
                record: contact.clone(),
            })
        })
        .collect();
    let next_page = object
        .get("paging")
        .and_then(|paging| paging.get("next_page"))
        .and_then(page_token);
    Some(SearchPage {
        people,
        next_page,
        searched: 0,
    })
}

/// Casebook: JSON:API `{data: [{id, attributes}], links: {self, next}, meta: {page_count}}`.
fn read_casebook(value: &Value) -> Option<SearchPage> {
    let object = value.as_object()?;
    let resources = object.get("data")?.as_array()?;
    let no_attributes = Map::new();
    let people = resources
        .iter()
        .filter_map(|resource| {
            let fields = resource.as_object()?;
            let attributes = fields
                .get("attributes")
                .and_then(Value::as_object)
                .unwrap_or(&no_attributes);
            Some(FoundPerson {
                id: id_of(fields, "id")?,
                first_name: text_of(attributes, "first_name"),
                last_name: text_of(attributes, "last_name"),
                date_of_birth: attributes.get("date_of_birth").and_then(date_value),
                email: optional_text(attributes, "email"),
                phone: optional_text(attributes, "phone_number"),
                city: optional_text(attributes, "city"),
                inactive: is_inactive(attributes),
                record: resource.clone(),
            })
        })
        .collect();
    Some(SearchPage {
        people,
        next_page: casebook_next_page(object),
        searched: 0,
    })
}

/// The next page number: from `links.next`, or, when the answer has no
/// such link, the page after `links.self`'s while `meta.page_count` allows.
/// A `null` next link is the server saying this is the last page.
fn casebook_next_page(object: &Map<String, Value>) -> Option<String> {
    let links = object.get("links");
    let page_in = |link: &Value| {
        link.as_str()
            .and_then(|url| query_parameter(url, "page[number]"))
            .and_then(|page| page.trim().parse::<u64>().ok())
            .filter(|page| *page > 0)
    };
    let from_page_count = || {
        let current = page_in(links?.get("self")?)?;
        let page_count = object.get("meta")?.get("page_count")?.as_u64()?;
        (current < page_count).then(|| (current + 1).to_string())
    };
    match links.and_then(|links| links.get("next")) {
        Some(Value::Null) => None,
        Some(next) => page_in(next)
            .map(|page| page.to_string())
            .or_else(from_page_count),
        None => from_page_count(),
    }
}

/// charity_crm: `{edges: [{node, cursor}], pageInfo: {hasNextPage, endCursor}}`,
/// persons flattened.
fn read_charity_crm(value: &Value) -> Option<SearchPage> {
    let object = value.as_object()?;
    let edges = object.get("edges")?.as_array()?;
    let people = edges
        .iter()
        .filter_map(|edge| {
            let node = edge.get("node")?;
            let fields = node.as_object()?;
            Some(FoundPerson {
                id: id_of(fields, "uuid")?,
                first_name: text_of(fields, "firstName"),
                last_name: text_of(fields, "lastName"),
                date_of_birth: fields.get("dateOfBirth").and_then(date_value),
                email: optional_text(fields, "email"),
                phone: optional_text(fields, "phoneNumber")
                    .or_else(|| optional_text(fields, "mobilePhoneNumber")),
                city: value_at(node, "address.city").and_then(scalar_text),
                inactive: is_inactive(fields),
                record: node.clone(),
            })
        })
        .collect();
    let page_info = object.get("pageInfo");
    let has_next = page_info.and_then(|info| info.get("hasNextPage")) == Some(&Value::Bool(true));
    let next_page = has_next
        .then(|| {
            page_info
                .and_then(|info| info.get("endCursor"))
                .and_then(page_token)
                // The last edge's cursor is the end cursor when the server leaves it out.
                .or_else(|| edges.last()?.get("cursor").and_then(page_token))
        })
        .flatten();
    Some(SearchPage {
        people,
        next_page,
        searched: 0,
    })
}

/// persons_v1: `{data: [person]}`, everyone at once; the birth date, when
/// known, is in `information` as "Born YYYY-MM-DD".
fn read_persons_v1(value: &Value) -> Option<SearchPage> {
    let persons = value.as_object()?.get("data")?.as_array()?;
    let people = persons
        .iter()
        .filter_map(|person| {
            let fields = person.as_object()?;
            Some(FoundPerson {
                id: id_of(fields, "personId")?,
                first_name: text_of(fields, "firstName"),
                last_name: text_of(fields, "lastName"),
                date_of_birth: fields
                    .get("information")
                    .and_then(Value::as_str)
                    .and_then(born_in),
                email: None,
                phone: None,
                city: None,
                inactive: is_inactive(fields),
                record: person.clone(),
            })
        })
        .collect();
    Some(SearchPage {
        people,
        next_page: None,
        searched: 0,
    })
}

/// The date after "Born" (any case, an optional colon) in free text.
fn born_in(information: &str) -> Option<String> {
    // ASCII lower-casing keeps every byte where it was, so the positions
    // found in the copy are valid in the original.
    let lower = information.to_ascii_lowercase();
    lower.match_indices("born").find_map(|(position, word)| {
        let rest = information.get(position + word.len()..)?;
        iso_date(rest.trim_start_matches([' ', ':']))
    })
}

/// Caspen: `{data: [client], meta: {next_cursor}, links: {next}}`.
fn read_caspen(value: &Value) -> Option<SearchPage> {
    let object = value.as_object()?;
    let clients = object.get("data")?.as_array()?;
    let people = clients
        .iter()
        .filter_map(|client| {
            let fields = client.as_object()?;
            Some(FoundPerson {
                id: id_of(fields, "id")?,
                first_name: text_of(fields, "first_name"),
                last_name: text_of(fields, "last_name"),
                date_of_birth: fields.get("date_of_birth").and_then(date_value),
                email: optional_text(fields, "email"),
                // The primary number, else the first additional one.
                phone: optional_text(fields, "phone_number")
                    .or_else(|| value_at(client, "phone_numbers.0.number").and_then(scalar_text)),
                city: value_at(client, "address.city").and_then(scalar_text),
                inactive: is_inactive(fields),
                record: client.clone(),
            })
        })
        .collect();
    let next_page = value_at(value, "meta.next_cursor")
        .and_then(page_token)
        .or_else(|| {
            value_at(value, "links.next")
                .and_then(Value::as_str)
                .and_then(|url| query_parameter(url, "cursor"))
                .filter(|cursor| !cursor.trim().is_empty())
        });
    Some(SearchPage {
        people,
        next_page,
        searched: 0,
    })
}

// ---------------------------------------------------------------- prefill

/// A catalogue wire path's value in a found record. charity_crm sends
/// `name.firstName` and `optIns.email` but answers flattened `firstName`
/// and `optInEmail`, so those are read flattened first.
fn record_value<'a>(target: TargetKind, root: &'a Value, wire: &str) -> Option<&'a Value> {
    let present = |value: &&Value| !value.is_null();
    if target == TargetKind::CharityCrm {
        let flattened = if let Some(rest) = wire.strip_prefix("name.") {
            Some(rest.to_string())
        } else {
            wire.strip_prefix("optIns.").map(|rest| {
                let mut characters = rest.chars();
                let capitalised: String = characters
                    .next()
                    .map(|first| first.to_uppercase().chain(characters).collect())
                    .unwrap_or_default();
                format!("optIn{capitalised}")
            })
        };
        if let Some(value) = flattened
            .and_then(|path| value_at(root, &path))
            .filter(present)
        {
            return Some(value);
        }
    }
    // Unite US takes the primary email as `email_address` and answers with
    // it among `email_addresses` (assumed), the primary one first.
    if target == TargetKind::UniteUs && wire == "email_address" {
        let listed = root
            .get("email_addresses")
            .and_then(Value::as_array)
            .and_then(|emails| {
                let primary = emails.iter().find(|email| email["is_primary"] == true);
                primary.or(emails.first())
            })
            .and_then(|email| email.get("email_address"))
            .filter(present);
        if let Some(value) = value_at(root, wire).filter(present).or(listed) {
            return Some(value);
        }
    }
    value_at(root, wire).filter(present)
}

/// The id of the option of `question` whose id, base id or label matches
/// one of `candidates` loosely.
fn matching_option(question: &Question, candidates: &[String]) -> Option<String> {
    let wanted: Vec<String> = candidates
        .iter()
        .map(|candidate| loose(candidate))
        .filter(|candidate| !candidate.is_empty())
        .collect();
    question
        .input_options
        .iter()
        .find(|option| {
            let names = [
                Some(option.id.as_str()),
                option.base_input_option_id.as_deref(),
                Some(option.option_label.as_str()),
            ];
            names
                .into_iter()
                .flatten()
                .any(|name| wanted.contains(&loose(name)))
        })
        .map(|option| option.id.clone())
}

/// A stored value as the answer JSON of `question`, or `None` when it does
/// not fit.
fn answer_json(question: &Question, spec: &FieldSpec, value: &Value) -> Option<Value> {
    let kind = AnswerKind::of(question);
    if kind == AnswerKind::NoAnswer || spec.format == FieldFormat::Image {
        return None;
    }
    let flag = match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if spec.format == FieldFormat::Consent => {
            match text.trim().to_ascii_lowercase().as_str() {
                "accepted" => Some(true),
                "rejected" => Some(false),
                _ => None,
            }
        }
        _ => None,
    };
    let text = || match spec.format {
        FieldFormat::EpochDate | FieldFormat::IsoDate | FieldFormat::IsoDateTime => {
            date_value(value)
        }
        _ => scalar_text(value),
    };
    // A flag offered as choices is matched by the words people use for it.
    let candidates = |item: &Value| -> Vec<String> {
        match (flag, item) {
            (Some(true), _) => vec!["yes".into(), "true".into(), "accepted".into()],
            (Some(false), _) => vec!["no".into(), "false".into(), "rejected".into()],
            (None, item) => scalar_text(item).into_iter().collect(),
        }
    };
    match kind {
        AnswerKind::Flag => flag.map(Value::Bool),
        AnswerKind::SingleChoice => {
            matching_option(question, &candidates(value)).map(Value::String)
        }
        AnswerKind::MultipleChoice => {
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            let ids: Vec<Value> = items
                .into_iter()
                .filter_map(|item| matching_option(question, &candidates(item)))
                .map(Value::String)
                .collect();
            (!ids.is_empty()).then_some(Value::Array(ids))
        }
        _ => match flag {
            // The words a person reads for a flag, as the person model writes them.
            Some(flag) if spec.format == FieldFormat::Flag || value.is_boolean() => {
                Some(Value::String(if flag { "Yes" } else { "No" }.into()))
            }
            _ => text().map(Value::String),
        },
    }
}
