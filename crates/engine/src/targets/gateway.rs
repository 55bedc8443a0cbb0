//! What an organisation's gateway decides about public requests, as pure
//! functions: which requests a widget configuration lets the public make
//! (exactly the creates the widget itself plans, nothing hand-listed),
//! whether a body sent to one of them is the create the widget would have
//! made with the form's required answers in it (a public endpoint never
//! relies on the browser's checks), and how a create whose outcome the
//! gateway does not know is settled without making a second record.

use std::fmt;

use serde_json::{Map, Value};

use super::catalogue::catalogue;
use super::config::{Mode, TargetConfig, TargetKind, UniteUsEncoding};
use super::mapping::{plan, HttpMethod, PlannedRequest, SubmissionInput};
use super::outbox::AnswerBody;
use super::reconcile;
pub use super::reconcile::Looked;
use super::search::{plan_search, read_page, value_at, PersonQuery};
use crate::model::Form;
use crate::response::FormResponseEntry;

/// One request the public may make through the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicCreate {
    pub method: HttpMethod,
    /// The whole path the widget sends to, base URL's path included
    /// (`/gateway/caspen/v1/clients`).
    pub path: String,
    /// JSON pointer to the new record's id in a successful answer.
    pub capture_id: Option<String>,
}

/// The path of an address: an absolute URL's part after its host, a
/// relative address as it is. A query is not part of it.
pub fn path_of(url: &str) -> &str {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    match without_query.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |slash| &rest[slash..]),
        None => without_query,
    }
}

/// The creates a widget under `config` sends: what its own planning makes
/// for a submission with every kind of answer. Empty for a staff
/// configuration, which the public may not use.
pub fn public_creates(config: &TargetConfig) -> Vec<PublicCreate> {
    if config.mode != Mode::Widget {
        return Vec::new();
    }
    let input = SubmissionInput {
        reference: "00000000-0000-4000-8000-000000000000".into(),
        form_id: "form".into(),
        form_response: vec![FormResponseEntry {
            question_id: "question".into(),
            response_value: Value::String("answer".into()),
        }],
        ..SubmissionInput::default()
    };
    let mut creates: Vec<PublicCreate> = Vec::new();
    for step in plan(config, &input).steps {
        // A step that needs an earlier step's id changes a record that
        // exists; the public never does.
        if step.needs_captured_id || step.url.is_empty() {
            continue;
        }
        let create = PublicCreate {
            method: step.method,
            path: path_of(&step.url).to_string(),
            capture_id: step.capture_id,
        };
        if !creates.contains(&create) {
            creates.push(create);
        }
    }
    creates
}

/// Why a public create was refused before it reached the vendor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicBodyProblem {
    /// The body is not JSON.
    NotJson,
    /// The body is JSON, but not the create this target's widget sends.
    Shape(&'static str),
    /// A required answer is missing or empty: the question's label.
    Missing(String),
    /// An answer names a question the form does not have.
    UnknownQuestion(String),
}

impl fmt::Display for PublicBodyProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicBodyProblem::NotJson => formatter.write_str("The request body is not JSON."),
            PublicBodyProblem::Shape(what) => write!(
                formatter,
                "The request is not a new record as this form sends one: {what}"
            ),
            PublicBodyProblem::Missing(label) => {
                write!(formatter, "A required answer is missing: {label}.")
            }
            PublicBodyProblem::UnknownQuestion(id) => write!(
                formatter,
                "An answer names a question the form does not have: {id}."
            ),
        }
    }
}

impl std::error::Error for PublicBodyProblem {}

/// The record inside a create's body, where the target's create carries it.
/// The record as a JSON object.
fn record_of(target: TargetKind, body: &Value) -> Result<&Value, PublicBodyProblem> {
    use PublicBodyProblem::Shape;
    let root = body
        .as_object()
        .ok_or(Shape("the body is not an object."))?;
    let record = match target {
        TargetKind::UniteUs => {
            if root.len() != 1 {
                return Err(Shape("the body holds more than the assistance request."));
            }
            root.get("assistance_request")
                .ok_or(Shape("there is no assistance_request."))?
        }
        TargetKind::Casebook => {
            let data = root
                .get("data")
                .and_then(Value::as_object)
                .ok_or(Shape("there is no data object."))?;
            if data.get("type").and_then(Value::as_str) != Some("people") {
                return Err(Shape("data.type is not people."));
            }
            if data.contains_key("id") {
                return Err(Shape("it names an existing record."));
            }
            data.get("attributes")
                .ok_or(Shape("there are no data.attributes."))?
        }
        TargetKind::PersonsV1 => {
            let people = root
                .get("data")
                .and_then(Value::as_array)
                .ok_or(Shape("data is not a list."))?;
            let [person] = people.as_slice() else {
                return Err(Shape("data does not hold exactly one person."));
            };
            // An upsert naming a personId would change someone's record.
            if person.get("personId").is_some() {
                return Err(Shape("it names an existing record."));
            }
            person
        }
        TargetKind::CharityCrm => {
            let uuid = root.get("uuid").and_then(Value::as_str).unwrap_or_default();
            if !is_uuid(uuid) {
                return Err(Shape("uuid is not a UUID."));
            }
            body
        }
        TargetKind::Caspen => {
            if root.contains_key("id") {
                return Err(Shape("it names an existing record."));
            }
            body
        }
    };
    match record.is_object() {
        true => Ok(record),
        false => Err(Shape("the record is not an object.")),
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|group| group.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(fields)) => fields.is_empty(),
        Some(Value::Bool(_) | Value::Number(_)) => false,
    }
}

/// Checks a public create's body as the widget under `config` would have
/// made it: shaped as the target's create, naming no existing record, with
/// every field the target or the deployment requires, and, when the form
/// is known, an answer to each of its required questions that is always
/// shown. A question shown only on a condition is not required of the
/// body, as the gateway cannot tell whether it was shown; nor is an
/// answer the target does not keep (Casebook and charity_crm keep only a
/// person's fields). A Unite US body in Rails form encoding is not read.
pub fn check_public_create(
    config: &TargetConfig,
    form: Option<&Form>,
    body: &[u8],
) -> Result<(), PublicBodyProblem> {
    if config.target == TargetKind::UniteUs && config.encoding == UniteUsEncoding::RailsForm {
        return Ok(());
    }
    let body: Value = serde_json::from_slice(body).map_err(|_| PublicBodyProblem::NotJson)?;
    let record = record_of(config.target, &body)?;
    let specs = catalogue(config.target, Mode::Widget);
    for spec in specs {
        let required = spec.required || config.require.iter().any(|field| field == spec.field);
        if required && is_empty(value_at(record, spec.wire)) {
            return Err(PublicBodyProblem::Missing(spec.label.to_string()));
        }
    }
    let Some(form) = form else { return Ok(()) };
    let responses: Vec<(&str, &Value)> = value_at(record, "requestor.form_response.data")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|entry| {
                    let id = entry.get("question_id").and_then(Value::as_str);
                    (
                        id.unwrap_or_default(),
                        entry.get("response_value").unwrap_or(&Value::Null),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some((id, _)) = responses.iter().find(|(id, _)| form.question(id).is_none()) {
        return Err(PublicBodyProblem::UnknownQuestion(id.to_string()));
    }
    let notes = reconcile::free_text_field(config.target)
        .and_then(|field| record.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default();
    for question in &form.questions {
        if !question.required() || question.conditional_display.is_some() {
            continue;
        }
        let answered = match &question.field {
            Some(field) => match specs.iter().find(|spec| spec.field == field) {
                Some(spec) => !is_empty(value_at(record, spec.wire)),
                // A field the target has no place for goes to the notes
                // (or is not stored): nothing to hold the body to.
                None => true,
            },
            None => match config.target {
                TargetKind::UniteUs => responses
                    .iter()
                    .any(|(id, value)| *id == question.id && !is_empty(Some(value))),
                TargetKind::PersonsV1 | TargetKind::Caspen => {
                    // A `label: answer` line, the label in any of the
                    // form's languages.
                    let mut labels = std::iter::once(question.label_text.as_str()).chain(
                        question
                            .translations
                            .values()
                            .filter_map(|translation| translation.label_text.as_deref()),
                    );
                    labels.any(|label| {
                        notes.lines().any(|line| {
                            line.strip_prefix(label)
                                .and_then(|rest| rest.strip_prefix(':'))
                                .is_some_and(|answer| !answer.trim().is_empty())
                        })
                    })
                }
                TargetKind::Casebook | TargetKind::CharityCrm => true,
            },
        };
        if !answered {
            return Err(PublicBodyProblem::Missing(question.label_text.clone()));
        }
    }
    Ok(())
}

/// How a gateway settles a create it forwarded without learning the
/// outcome (the connection dropped, the vendor timed out), when the same
/// create comes again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// Sending it again cannot make a second record: charity_crm's create
    /// carries our own uuid, and a repeat is refused as a conflict.
    SendAgain,
    /// Read the vendor's list for the record first (see [`settle_lookup`]).
    LookFirst,
    /// Nothing in the record can be found again: sending it again may
    /// make a second record.
    SendAgainMayRepeat,
}

/// How an unknown outcome of a create on `config`'s target is settled.
pub fn settle(config: &TargetConfig) -> Settle {
    match config.target {
        TargetKind::CharityCrm => Settle::SendAgain,
        TargetKind::PersonsV1 | TargetKind::Caspen | TargetKind::Casebook => Settle::LookFirst,
        TargetKind::UniteUs => Settle::SendAgainMayRepeat,
    }
}

/// The read of one page of the vendor's list that may hold the record a
/// create of `body` made (`page` being the token the previous page gave):
/// the whole list for targets whose record carries the submission's
/// reference, the people of the same last name on Casebook.
pub fn settle_lookup(config: &TargetConfig, body: &[u8], page: Option<&str>) -> PlannedRequest {
    let staff = TargetConfig {
        mode: Mode::Staff,
        ..config.clone()
    };
    let query = match config.target {
        TargetKind::Casebook => PersonQuery {
            last_name: serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|body| {
                    body.pointer("/data/attributes/last_name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_default(),
            ..PersonQuery::default()
        },
        _ => PersonQuery::default(),
    };
    if query.last_name.is_empty() {
        return reconcile::list_request(&staff, page);
    }
    plan_search(&staff, &query, page)
}

/// Reads one page of the list [`settle_lookup`] asked for: the record the
/// create of `body` made, by the reference its free text carries
/// (persons_v1, Caspen), or on Casebook by every attribute the create sent
/// being the record's (no field of Casebook's carries a reference, so two
/// identical creates are taken for one).
pub fn read_settle_lookup(
    config: &TargetConfig,
    body: &[u8],
    answer: &AnswerBody,
) -> Result<Looked, String> {
    let staff = TargetConfig {
        mode: Mode::Staff,
        ..config.clone()
    };
    let sent: Value =
        serde_json::from_slice(body).map_err(|_| "The create is not JSON.".to_string())?;
    match config.target {
        TargetKind::Casebook => {
            let attributes = sent
                .pointer("/data/attributes")
                .and_then(Value::as_object)
                .ok_or("The create has no attributes.")?;
            let page = read_page(&staff, answer)?;
            Ok(reconcile::look_in(page, |person| {
                let stored = person
                    .record
                    .pointer("/attributes")
                    .unwrap_or(&person.record);
                attributes
                    .iter()
                    .all(|(name, value)| stored.get(name) == Some(value))
            }))
        }
        _ => {
            let field = reconcile::free_text_field(config.target)
                .ok_or("This target's records carry no reference.")?;
            let record = match config.target {
                TargetKind::PersonsV1 => sent.pointer("/data/0"),
                _ => Some(&sent),
            };
            let reference = record
                .and_then(|record| record.get(field))
                .and_then(Value::as_str)
                .and_then(|text| {
                    text.lines().find_map(|line| {
                        line.trim()
                            .strip_prefix(reconcile::reference_line("").as_str())
                    })
                })
                .ok_or("The create carries no reference.")?;
            reconcile::read_reference(&staff, field, reference.trim(), answer)
        }
    }
}

/// The answer a gateway gives for a create it found already made: the id
/// where the widget reads it (`capture_id`, a JSON pointer), as the
/// vendor's own answer would carry it.
pub fn found_answer(capture_id: Option<&str>, id: &str) -> Value {
    let mut answer = Value::Object(Map::new());
    let Some(pointer) = capture_id.and_then(|pointer| pointer.strip_prefix('/')) else {
        return serde_json::json!({ "id": id });
    };
    let dotted = pointer.replace('/', ".");
    super::encode::set_path(&mut answer, &dotted, Value::String(id.to_string()));
    answer
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::targets::HttpMethod::{Post, Put};

    fn widget(target: &str, base_url: &str) -> TargetConfig {
        let mut config = json!({"target": target, "mode": "widget", "base_url": base_url});
        if target == "unite_us" {
            config["auth"] = json!("widget_token");
            config["widget_token"] = json!("wt_public");
        } else {
            config["auth"] = json!("none");
        }
        TargetConfig::from_json(&config).unwrap()
    }

    fn routes(config: &TargetConfig) -> Vec<(HttpMethod, String)> {
        public_creates(config)
            .into_iter()
            .map(|create| (create.method, create.path))
            .collect()
    }

    #[test]
    fn the_public_may_make_exactly_the_creates_the_widget_plans() {
        assert_eq!(
            routes(&widget("caspen", "/gateway/caspen/v1")),
            [(Post, "/gateway/caspen/v1/clients".to_string())]
        );
        assert_eq!(
            routes(&widget(
                "persons_v1",
                "https://gw.example.org/persons/api/v1"
            )),
            [(Put, "/persons/api/v1/persons".to_string())]
        );
        assert_eq!(
            routes(&widget("casebook", "/gateway/casebook")),
            [(Post, "/gateway/casebook/people/people".to_string())]
        );
        assert_eq!(
            routes(&widget("charity_crm", "/gateway/charity_crm/api/v1")),
            [(Post, "/gateway/charity_crm/api/v1/persons".to_string())]
        );
        assert_eq!(routes(&widget("unite_us", "/unite_us/v3")).len(), 1);
        let staff = TargetConfig::from_json(
            &json!({"target": "caspen", "mode": "staff", "base_url": "/caspen/v1"}),
        )
        .unwrap();
        assert!(public_creates(&staff).is_empty());
    }

    #[test]
    fn paths_of_addresses() {
        assert_eq!(
            path_of("/gateway/caspen/v1/clients?x=1"),
            "/gateway/caspen/v1/clients"
        );
        assert_eq!(path_of("https://gw.example.org/v1/clients"), "/v1/clients");
        assert_eq!(path_of("https://gw.example.org"), "");
    }

    fn check(target: &str, body: Value) -> Result<(), PublicBodyProblem> {
        check_public_create(
            &widget(target, "/gateway/x"),
            None,
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn a_create_must_be_shaped_as_the_widget_makes_it() {
        let person = json!({"firstName": "Ada", "lastName": "Byron"});
        assert_eq!(check("persons_v1", json!({"data": [person]})), Ok(()));
        assert_eq!(
            check(
                "persons_v1",
                json!({"data": [{"personId": 7, "firstName": "Ada", "lastName": "B"}]})
            ),
            Err(PublicBodyProblem::Shape("it names an existing record."))
        );
        assert!(check("persons_v1", json!({"data": [person, person]})).is_err());
        assert!(check(
            "caspen",
            json!({"id": "cli_1", "first_name": "A", "last_name": "B"})
        )
        .is_err());
        assert!(check(
            "casebook",
            json!({"data": {"type": "people", "id": "1", "attributes": {}}})
        )
        .is_err());
        assert!(check("charity_crm", json!({"uuid": "not-a-uuid"})).is_err());
        assert_eq!(
            check_public_create(&widget("caspen", "/g"), None, b"first_name=Ada"),
            Err(PublicBodyProblem::NotJson)
        );
    }

    #[test]
    fn a_field_the_target_requires_must_hold_an_answer() {
        assert!(matches!(
            check(
                "persons_v1",
                json!({"data": [{"firstName": "Ada", "lastName": " "}]})
            ),
            Err(PublicBodyProblem::Missing(_))
        ));
    }

    #[test]
    fn the_forms_required_questions_that_are_always_shown_must_be_answered() {
        let form = crate::load_form(&json!({
            "id": "f", "name": "F",
            "sections": [{"id": "s", "name": "S", "questions": [
                {"id": "need", "label_text": "What do you need?", "input_type": "text", "is_required": true,
                 "translations": {"es": {"label_text": "¿Qué necesita?"}}},
                {"id": "pets", "label_text": "Pets", "input_type": "text", "is_required": true,
                 "conditional_display": {"show_or_hide": "show", "and_conditions": [
                     {"question_id": "need", "operator": "is", "operator_value": "x"}], "or_conditions": []}}
            ]}]
        }))
        .unwrap()
        .form;
        let config = widget("caspen", "/g");
        let body = |notes: &str| {
            json!({"first_name": "Ada", "last_name": "Byron", "notes": notes})
                .to_string()
                .into_bytes()
        };
        assert_eq!(
            check_public_create(&config, Some(&form), &body("Intake reference: r")),
            Err(PublicBodyProblem::Missing("What do you need?".into()))
        );
        assert_eq!(
            check_public_create(
                &config,
                Some(&form),
                &body("¿Qué necesita?: comida\nIntake reference: r")
            ),
            Ok(())
        );
        let unite_us = widget("unite_us", "/u");
        let request = |entries: Value| {
            let mut request =
                json!({"requestor": {"form_response": {"form_id": "f", "data": entries}}});
            for spec in catalogue(TargetKind::UniteUs, Mode::Widget) {
                if spec.required {
                    super::super::encode::set_path(&mut request, spec.wire, json!("given"));
                }
            }
            json!({ "assistance_request": request })
                .to_string()
                .into_bytes()
        };
        assert!(matches!(
            check_public_create(
                &unite_us,
                Some(&form),
                &request(json!([{"question_id": "other", "response_value": "x"}]))
            ),
            Err(PublicBodyProblem::UnknownQuestion(_))
        ));
        assert_eq!(
            check_public_create(
                &unite_us,
                Some(&form),
                &request(json!([{"question_id": "need", "response_value": "food"}]))
            ),
            Ok(())
        );
    }

    #[test]
    fn a_found_record_is_answered_where_the_widget_reads_its_id() {
        assert_eq!(found_answer(Some("/id"), "cli_1"), json!({"id": "cli_1"}));
        assert_eq!(
            found_answer(Some("/data/0/personId"), "7"),
            json!({"data": [{"personId": "7"}]})
        );
        assert_eq!(
            found_answer(Some("/data/id"), "9"),
            json!({"data": {"id": "9"}})
        );
    }

    #[test]
    fn unknown_outcomes_are_settled_by_the_targets_own_means() {
        assert_eq!(settle(&widget("charity_crm", "/g")), Settle::SendAgain);
        assert_eq!(settle(&widget("caspen", "/g")), Settle::LookFirst);
        let caspen = widget("caspen", "/gateway/caspen/v1");
        let lookup = settle_lookup(&caspen, b"{}", None);
        assert_eq!(lookup.method, HttpMethod::Get);
        assert!(
            lookup.url.starts_with("/gateway/caspen/v1/clients"),
            "{}",
            lookup.url
        );
        let casebook = widget("casebook", "/gateway/casebook");
        let sent = json!({"data": {"type": "people", "attributes": {"first_name": "Ada", "last_name": "O'Neil"}}});
        let lookup = settle_lookup(&casebook, sent.to_string().as_bytes(), None);
        assert!(
            lookup.url.contains("filter%5Blast_name%5D=O")
                || lookup.url.contains("filter[last_name]=O"),
            "{}",
            lookup.url
        );
    }
}
