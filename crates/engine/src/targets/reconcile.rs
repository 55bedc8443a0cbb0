//! Exactly once without the vendor's help. No vendor document promises to
//! honour an `Idempotency-Key`, so when a create's outcome is unknown (the
//! connection dropped after sending, a timeout, a 5xx, an answer that could
//! not be read) sending it again may make a second record. Where the create
//! writes the submission's reference into the record (persons_v1
//! `information`, Caspen `notes`, both documented free-text fields), the
//! record can be looked for instead: staff can read the vendor's list, so
//! before the create goes again the list is read, page by page, for a
//! record carrying the reference. Found, the step is done with that
//! record's id; not found on any page, the create goes again.
//!
//! Unite US contacts and Casebook people have no free text of ours, so a
//! staff create on them is found again by its fields instead: the person
//! the create names (names, birth date, email, phone). Before the create is
//! first sent, the target's own search is read for the people who already
//! match it; after an unknown outcome, a match that was not there before is
//! the record the create made. The one gap is someone else making the same
//! person between that first read and the create.

use serde_json::{json, Map, Value};

use super::config::{Mode, Operation, TargetConfig, TargetKind};
use super::mapping::{PlannedRequest, RequestBody};
use super::outbox::AnswerBody;
use super::percent::decode_form;
use super::search::{plan_search, read_page, FoundPerson, PersonQuery, SearchPage};
use crate::fold::{fold_case, loose};

/// The most list pages read looking for one record. Past it the create is
/// sent again, and a duplicate becomes possible.
pub const MAX_LOOKUP_PAGES: u32 = 50;

/// The line a create writes into the record's free text, by which a later
/// look finds it.
pub fn reference_line(reference: &str) -> String {
    format!("Intake reference: {reference}")
}

/// The record's free text: where a target's create writes
/// [`reference_line`], and the `label: answer` lines of answers without a
/// field of their own.
pub(crate) fn free_text_field(target: TargetKind) -> Option<&'static str> {
    match target {
        TargetKind::PersonsV1 => Some("information"),
        TargetKind::Caspen => Some("notes"),
        // charity_crm takes our own uuid (a repeat is a 409); Unite US and
        // Casebook creates have no free text of ours to find.
        TargetKind::UniteUs | TargetKind::Casebook | TargetKind::CharityCrm => None,
    }
}

/// Whether an unknown outcome of `step` can be settled by looking under
/// `config`: a create (no id of an earlier step in its address) by staff
/// (a public widget cannot read the vendor's list), with a list route
/// configured, on a target whose create writes the reference or whose
/// create names a person its search can find ([`sent_person`]).
pub fn can_look(config: &TargetConfig, step: &PlannedRequest) -> bool {
    config.mode == Mode::Staff
        && !step.needs_captured_id
        && step.capture_id.is_some()
        && config.url(Operation::FindPeople, &[]).is_some()
        && (free_text_field(config.target).is_some() || sent_person(config, step).is_some())
}

/// The person a Unite US or Casebook create names, read from its body as
/// the target's search answer would show it; `None` for other targets, or
/// when the create lacks a first or last name (Unite US searches by both).
/// A Unite US body sent as a form gives its top-level fields only, so its
/// email and phone are not compared.
pub(crate) fn sent_person(config: &TargetConfig, step: &PlannedRequest) -> Option<FoundPerson> {
    let (root, wrap): (&str, fn(Value) -> Value) = match config.target {
        TargetKind::UniteUs => ("contact", |mut record| {
            record["id"] = json!("sent");
            json!({ "data": [record] })
        }),
        TargetKind::Casebook => (
            "data",
            |record| json!({ "data": [{"id": "sent", "attributes": record}] }),
        ),
        TargetKind::PersonsV1 | TargetKind::CharityCrm | TargetKind::Caspen => return None,
    };
    let record = match step.body.as_ref()? {
        RequestBody::Json(body) => match config.target {
            TargetKind::Casebook => body.pointer("/data/attributes")?.clone(),
            _ => body.get(root)?.clone(),
        },
        RequestBody::Form(text) => {
            let prefix = format!("{root}[");
            let fields: Map<String, Value> = text
                .split('&')
                .filter_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    let key = decode_form(key);
                    let name = key.strip_prefix(&prefix)?.strip_suffix(']')?;
                    (!name.contains('[')).then(|| (name.to_string(), json!(decode_form(value))))
                })
                .collect();
            Value::Object(fields)
        }
    };
    if !record.is_object() {
        return None;
    }
    let page = read_page(config, &AnswerBody::Json(wrap(record))).ok()?;
    page.people.into_iter().next().filter(|person| {
        !loose(&person.first_name).is_empty() && !loose(&person.last_name).is_empty()
    })
}

/// Whether `found` is the person `sent` names: the same names (case and
/// punctuation aside), and the same birth date, email and phone wherever
/// the create sent one.
fn same_person(sent: &FoundPerson, found: &FoundPerson) -> bool {
    let agree = |ours: &Option<String>, theirs: &Option<String>, fold: fn(&str) -> String| {
        ours.as_deref().is_none_or(|ours| {
            theirs
                .as_deref()
                .is_some_and(|theirs| fold(ours) == fold(theirs))
        })
    };
    let digits = |text: &str| {
        text.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    };
    loose(&sent.first_name) == loose(&found.first_name)
        && loose(&sent.last_name) == loose(&found.last_name)
        && agree(&sent.date_of_birth, &found.date_of_birth, str::to_string)
        && agree(&sent.email, &found.email, fold_case)
        && agree(&sent.phone, &found.phone, digits)
}

/// The read of one page of the list that may hold the record `step` made,
/// `page` being the token the previous page gave (`None` for the first):
/// the whole list where the record carries the reference, else the search
/// for the person the create names.
pub fn lookup_request(
    config: &TargetConfig,
    step: &PlannedRequest,
    page: Option<&str>,
) -> PlannedRequest {
    match sent_person(config, step) {
        Some(person) if free_text_field(config.target).is_none() => {
            let query = PersonQuery {
                first_name: person.first_name,
                last_name: person.last_name,
                date_of_birth: person.date_of_birth,
            };
            let mut request = plan_search(config, &query, page);
            request.label = "Check whether the record was already made".into();
            request
        }
        _ => list_request(config, page),
    }
}

/// The read of one page of the whole list, for a record by its reference.
pub fn list_request(config: &TargetConfig, page: Option<&str>) -> PlannedRequest {
    let mut request = plan_search(config, &PersonQuery::default(), page);
    request.label = "Check whether the record was already made".into();
    request
}

/// The people on one page of [`lookup_request`]'s answer who match the
/// create `step` before it is first sent, and the next page's token.
pub fn read_matches_before(
    config: &TargetConfig,
    step: &PlannedRequest,
    body: &AnswerBody,
) -> Result<(Vec<String>, Option<String>), String> {
    let sent = sent_person(config, step).ok_or("The create names no person to look for.")?;
    let page = read_page(config, body)?;
    let ids = page
        .people
        .iter()
        .filter(|person| same_person(&sent, person))
        .map(|person| person.id.clone())
        .collect();
    Ok((ids, page.next_page))
}

/// How many records a step can make or change when its outcome is unknown
/// and it is tried again: what the preview and the README say per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    /// A repeat is harmless: our own id (a repeat is refused as a
    /// conflict), an update that sets the same values again, or an upsert.
    Once,
    /// A create the app looks for by the reference it wrote before sending
    /// it again; only the browser's own resend of a request whose
    /// connection dropped can still make a second record, which the look
    /// then finds and reports.
    LookedForFirst,
    /// A create the app cannot look for: a retry after an unknown outcome
    /// may make a second record unless the server honours the
    /// `Idempotency-Key` (the organisation's gateway does).
    AtLeastOnce,
}

impl Guarantee {
    /// The name the golden files use.
    pub fn as_str(self) -> &'static str {
        match self {
            Guarantee::Once => "once",
            Guarantee::LookedForFirst => "looked_for_first",
            Guarantee::AtLeastOnce => "at_least_once",
        }
    }
}

/// For each of `steps`, what a retry after an unknown outcome can do: what
/// the preview says per request. Not part of [`super::mapping::plan`], so
/// that the public widget, which plans but never shows this, does not carry
/// the search readers [`can_look`] needs.
pub fn guarantees(
    config: &TargetConfig,
    updating: bool,
    steps: &[PlannedRequest],
) -> Vec<Guarantee> {
    steps
        .iter()
        .map(|step| guarantee(config, updating, step))
        .collect()
}

/// The guarantee of `step` of a submission under `config`; `updating` says
/// whether the submission changes a record that exists.
pub fn guarantee(config: &TargetConfig, updating: bool, step: &PlannedRequest) -> Guarantee {
    if step.conflict_means_done || updating || step.needs_captured_id {
        Guarantee::Once
    } else if can_look(config, step) {
        Guarantee::LookedForFirst
    } else {
        Guarantee::AtLeastOnce
    }
}

/// What one page of the list says about the record a create may have made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Looked {
    /// The record carrying the reference: its id, and the ids of any other
    /// records on the page that carry it too (the browser itself may send
    /// a create again when its connection drops before any answer).
    Found { id: String, also: Vec<String> },
    /// Not on this page; the next page's token.
    NextPage(String),
    /// Not on this page, and this was the last.
    NotFound,
}

/// Reads one page of the list for the record `reference`'s create `step`
/// made. The reference must stand as its own line, so one reference never
/// matches a longer one. Where records carry no reference, the record is a
/// person matching the create who is not among `before` (the matches read
/// before it was first sent).
pub fn read_lookup(
    config: &TargetConfig,
    step: &PlannedRequest,
    reference: &str,
    before: &[String],
    body: &AnswerBody,
) -> Result<Looked, String> {
    let Some(field) = free_text_field(config.target) else {
        let sent = sent_person(config, step).ok_or_else(|| {
            format!(
                "{} records carry no reference.",
                config.target.display_name()
            )
        })?;
        let page = read_page(config, body)?;
        return Ok(look_in(page, |person| {
            !before.contains(&person.id) && same_person(&sent, person)
        }));
    };
    read_reference(config, field, reference, body)
}

/// Reads one page of the list for the record whose free text `field`
/// carries `reference` on a line of its own.
pub fn read_reference(
    config: &TargetConfig,
    field: &str,
    reference: &str,
    body: &AnswerBody,
) -> Result<Looked, String> {
    let page = read_page(config, body)?;
    let wanted = reference_line(reference);
    Ok(look_in(page, |person| {
        person
            .record
            .get(field)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|text| text.lines().any(|line| line.trim() == wanted))
    }))
}

/// What one page says about the record `is_it` recognises: the first such
/// person and any others, else the next page or the end of the list.
pub(crate) fn look_in(page: SearchPage, mut is_it: impl FnMut(&FoundPerson) -> bool) -> Looked {
    let mut found = page.people.into_iter().filter(|person| is_it(person));
    match (found.next(), page.next_page) {
        (Some(person), _) => Looked::Found {
            id: person.id,
            also: found.map(|person| person.id).collect(),
        },
        (None, Some(next)) => Looked::NextPage(next),
        (None, None) => Looked::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::targets::HttpMethod;

    fn config(target: &str, mode: &str) -> TargetConfig {
        TargetConfig::from_json(&json!({"target": target, "mode": mode})).unwrap()
    }

    fn create() -> PlannedRequest {
        let mut step = PlannedRequest::bare(HttpMethod::Post, "/caspen/v1/clients");
        step.capture_id = Some("/id".into());
        step
    }

    const REFERENCE: &str = "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6f";

    #[test]
    fn only_staff_creates_on_targets_that_carry_the_reference_are_looked_for() {
        assert!(can_look(&config("caspen", "staff"), &create()));
        assert!(can_look(&config("persons_v1", "staff"), &create()));
        assert!(!can_look(&config("caspen", "widget"), &create()));
        assert!(!can_look(&config("casebook", "staff"), &create()));
        assert!(!can_look(&config("charity_crm", "staff"), &create()));
        let mut update = create();
        update.needs_captured_id = true;
        assert!(!can_look(&config("caspen", "staff"), &update));
    }

    #[test]
    fn the_record_is_found_by_its_reference_line_on_any_page() {
        let caspen = config("caspen", "staff");
        let page = |clients: serde_json::Value, next: Option<&str>| {
            AnswerBody::from_text(
                &json!({"data": clients, "meta": {"next_cursor": next}}).to_string(),
            )
        };
        let ours = json!({"id": "cli_2", "first_name": "A", "last_name": "B",
            "notes": format!("Needs: food\n{}", reference_line(REFERENCE))});
        let longer = json!({"id": "cli_3", "first_name": "A", "last_name": "B",
            "notes": format!("{}-2", reference_line(REFERENCE))});
        let other = json!({"id": "cli_1", "first_name": "C", "last_name": "D", "notes": null});
        assert_eq!(
            read_lookup(
                &caspen,
                &create(),
                REFERENCE,
                &[],
                &page(json!([other, ours]), Some("c2"))
            ),
            Ok(Looked::Found {
                id: "cli_2".into(),
                also: Vec::new()
            })
        );
        assert_eq!(
            read_lookup(
                &caspen,
                &create(),
                REFERENCE,
                &[],
                &page(json!([other, longer]), Some("c2"))
            ),
            Ok(Looked::NextPage("c2".into()))
        );
        assert_eq!(
            read_lookup(
                &caspen,
                &create(),
                REFERENCE,
                &[],
                &page(json!([other]), None)
            ),
            Ok(Looked::NotFound)
        );
        assert!(read_lookup(
            &caspen,
            &create(),
            REFERENCE,
            &[],
            &AnswerBody::from_text("<html>")
        )
        .is_err());
        let mut again = ours.clone();
        again["id"] = json!("cli_4");
        assert_eq!(
            read_lookup(
                &caspen,
                &create(),
                REFERENCE,
                &[],
                &page(json!([ours, other, again]), None)
            ),
            Ok(Looked::Found {
                id: "cli_2".into(),
                also: vec!["cli_4".into()]
            })
        );
    }

    #[test]
    fn persons_v1_is_read_from_its_one_list() {
        let persons = config("persons_v1", "staff");
        let body = AnswerBody::from_text(
            &json!({"data": [{"personId": 7, "firstName": "A", "lastName": "B",
                "information": format!("Born 1990-05-06\n{}", reference_line(REFERENCE))}]})
            .to_string(),
        );
        assert_eq!(
            read_lookup(&persons, &create(), REFERENCE, &[], &body),
            Ok(Looked::Found {
                id: "7".into(),
                also: Vec::new()
            })
        );
        let request = lookup_request(&persons, &create(), None);
        assert_eq!(request.method, HttpMethod::Get);
        assert_eq!(request.url, "/persons_v1/api/v1/persons");
        let caspen = lookup_request(&config("caspen", "staff"), &create(), Some("c2"));
        assert_eq!(caspen.url, "/caspen/v1/clients?limit=100&cursor=c2");
    }

    #[test]
    fn the_person_a_unite_us_create_names_is_read_from_json_and_from_a_form() {
        let staff = TargetConfig::from_json(
            &json!({"target": "unite_us", "mode": "staff", "group_id": "g"}),
        )
        .unwrap();
        let widget = TargetConfig::from_json(&json!({"target": "unite_us", "mode": "widget",
            "auth": "widget_token", "widget_token": "wt"}))
        .unwrap();
        let mut step = create();
        step.body = Some(RequestBody::Json(json!({"contact": {"first_name": "Rosa",
            "last_name": "Diaz", "date_of_birth": 641952000,
            "email_addresses": [{"email_address": "rosa@example.org"}],
            "phone_numbers": [{"phone_number": "512-555-0199"}]}})));
        let person = sent_person(&staff, &step).unwrap();
        assert_eq!(
            (
                person.first_name.as_str(),
                person.date_of_birth.as_deref(),
                person.email.as_deref(),
                person.phone.as_deref()
            ),
            (
                "Rosa",
                Some("1990-05-06"),
                Some("rosa@example.org"),
                Some("512-555-0199")
            )
        );
        step.body = Some(RequestBody::Form(
            "contact%5Bfirst_name%5D=Rosa+Mar%C3%ADa&contact%5Blast_name%5D=Diaz&contact%5Bdate_of_birth%5D=641952000&contact%5Bemail_addresses%5D%5B%5D%5Bemail_address%5D=rosa%40example.org".into(),
        ));
        let person = sent_person(&staff, &step).unwrap();
        assert_eq!(
            (
                person.first_name.as_str(),
                person.date_of_birth.as_deref(),
                person.email
            ),
            ("Rosa María", Some("1990-05-06"), None)
        );
        assert!(can_look(&staff, &step) && free_text_field(TargetKind::UniteUs).is_none());
        let query = lookup_request(&staff, &step, None).url;
        assert!(
            query.contains("q%5Bfirst_name%5D=Rosa%20Mar%C3%ADa"),
            "{query}"
        );
        // Without a first name the search cannot be run, so it is not looked for.
        step.body = Some(RequestBody::Form("contact%5Blast_name%5D=Diaz".into()));
        assert!(sent_person(&staff, &step).is_none() && !can_look(&staff, &step));
        step.body = Some(RequestBody::Form(
            "contact%5Bfirst_name%5D=Rosa&contact%5Blast_name%5D=Diaz".into(),
        ));
        assert!(can_look(&staff, &step) && !can_look(&widget, &step));
    }
}
