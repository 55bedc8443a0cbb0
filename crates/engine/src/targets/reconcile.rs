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

use super::config::{Mode, Operation, TargetConfig, TargetKind};
use super::mapping::PlannedRequest;
use super::outbox::AnswerBody;
use super::search::{plan_search, read_page, FoundPerson, PersonQuery, SearchPage};

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
/// `config`: a create (no id of an earlier step in its address) on a target
/// whose create writes the reference, by staff (a public widget cannot read
/// the vendor's list), with a list route configured.
pub fn can_look(config: &TargetConfig, step: &PlannedRequest) -> bool {
    config.mode == Mode::Staff
        && free_text_field(config.target).is_some()
        && !step.needs_captured_id
        && step.capture_id.is_some()
        && config.url(Operation::FindPeople, &[]).is_some()
}

/// The read of one page of the list, `page` being the token the previous
/// page gave (`None` for the first).
pub fn lookup_request(config: &TargetConfig, page: Option<&str>) -> PlannedRequest {
    let mut request = plan_search(config, &PersonQuery::default(), page);
    request.label = "Check whether the record was already made".into();
    request
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

/// Reads one page of the list for the record `reference`'s create made.
/// The reference must stand as its own line, so one reference never
/// matches a longer one.
pub fn read_lookup(
    config: &TargetConfig,
    reference: &str,
    body: &AnswerBody,
) -> Result<Looked, String> {
    let field = free_text_field(config.target).ok_or_else(|| {
        format!(
            "{} records carry no reference.",
            config.target.display_name()
        )
    })?;
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
            read_lookup(&caspen, REFERENCE, &page(json!([other, ours]), Some("c2"))),
            Ok(Looked::Found {
                id: "cli_2".into(),
                also: Vec::new()
            })
        );
        assert_eq!(
            read_lookup(
                &caspen,
                REFERENCE,
                &page(json!([other, longer]), Some("c2"))
            ),
            Ok(Looked::NextPage("c2".into()))
        );
        assert_eq!(
            read_lookup(&caspen, REFERENCE, &page(json!([other]), None)),
            Ok(Looked::NotFound)
        );
        assert!(read_lookup(&caspen, REFERENCE, &AnswerBody::from_text("<html>")).is_err());
        let mut again = ours.clone();
        again["id"] = json!("cli_4");
        assert_eq!(
            read_lookup(&caspen, REFERENCE, &page(json!([ours, other, again]), None)),
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
            read_lookup(&persons, REFERENCE, &body),
            Ok(Looked::Found {
                id: "7".into(),
                also: Vec::new()
            })
        );
        let request = lookup_request(&persons, None);
        assert_eq!(request.method, HttpMethod::Get);
        assert_eq!(request.url, "/persons_v1/api/v1/persons");
        let caspen = lookup_request(&config("caspen", "staff"), Some("c2"));
        assert_eq!(caspen.url, "/caspen/v1/clients?limit=100&cursor=c2");
    }
}
