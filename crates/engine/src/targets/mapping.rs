//! From the person model and form responses to the ordered requests each
//! target needs. One function per target; each is pure and golden-tested.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::catalogue::{catalogue, FieldFormat, FieldSpec};
use super::config::{Mode, Operation, TargetConfig, TargetKind, UniteUsEncoding};
use super::encode::{rails_form_encode, set_path};
use super::person::{person_record, FieldValue, PersonRecord};
use crate::date::iso_date_to_epoch_seconds;
use crate::fold::loose;
use crate::json::object;
use crate::model::{Form, InputType, QuestionTranslation};
use crate::response::FormResponseEntry;
use crate::state::FormState;

/// The id of the built-in "About you" section; its questions' answers are
/// the person's, never part of an organisation's form response.
pub const ABOUT_YOU_SECTION_ID: &str = "intake-about-you";

/// The id of the built-in consent section (a signature), placed last.
pub const CONSENT_SECTION_ID: &str = "intake-consent";

/// Whether a section is one the app adds (its answers are not the form's).
fn is_built_in(section_id: &str) -> bool {
    section_id == ABOUT_YOU_SECTION_ID || section_id == CONSENT_SECTION_ID
}

/// Everything one submission sends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubmissionInput {
    /// The client-made id of this submission (a v4 UUID). It is the
    /// idempotency key, and charity_crm's person uuid.
    pub reference: String,
    pub person: PersonRecord,
    pub form_id: String,
    /// The organisation form's responses (the "About you" questions left out).
    pub form_response: Vec<FormResponseEntry>,
    /// Update this record instead of creating one (staff).
    pub existing_id: Option<String>,
    /// On an update, the model fields whose value changed; `None` sends all.
    pub changed: Option<BTreeSet<String>>,
    /// On an update, model fields the person emptied, to clear on the server.
    pub cleared: Vec<String>,
    /// On an update, the free text the record already holds where answers
    /// without a field of their own are written (persons_v1 `information`,
    /// Caspen `notes`), as it was read when the record was opened: the new
    /// lines are added after it, so nothing staff wrote there is lost.
    pub existing_notes: Option<String>,
}

impl SubmissionInput {
    /// A new submission of everything `state` holds: the person from the
    /// `field` bindings (with the deployment's defaults), and the form
    /// response of the organisation's own questions.
    pub fn from_state(
        state: &FormState,
        config: &TargetConfig,
        reference: &str,
    ) -> SubmissionInput {
        let form = state.form();
        let about_you: Vec<&str> = form
            .sections
            .iter()
            .filter(|section| is_built_in(&section.id))
            .flat_map(|section| section.questions.iter())
            .map(|&index| form.questions[index].id.as_str())
            .collect();
        SubmissionInput {
            reference: reference.to_string(),
            person: person_record(state, &config.defaults),
            form_id: form.id.clone(),
            form_response: state
                .form_response()
                .into_iter()
                .filter(|entry| !about_you.contains(&entry.question_id.as_str()))
                .collect(),
            ..SubmissionInput::default()
        }
    }
}

/// A request body, already encoded the way the target reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestBody {
    Json(Value),
    /// `application/x-www-form-urlencoded` text.
    Form(String),
}

impl RequestBody {
    /// The body as the preview shows it: JSON as JSON, form text as a string.
    pub fn to_preview(&self) -> Value {
        match self {
            RequestBody::Json(value) => value.clone(),
            RequestBody::Form(text) => Value::String(text.clone()),
        }
    }

    /// The body as stored with its submission: `{"kind", "content"}`.
    pub fn to_json(&self) -> Value {
        match self {
            RequestBody::Json(value) => json!({"kind": "json", "content": value}),
            RequestBody::Form(text) => json!({"kind": "form", "content": text}),
        }
    }

    /// Reads what [`RequestBody::to_json`] wrote.
    pub fn from_json(value: &Value) -> Option<RequestBody> {
        match (value.get("kind")?.as_str()?, value.get("content")?) {
            ("json", content) => Some(RequestBody::Json(content.clone())),
            ("form", Value::String(text)) => Some(RequestBody::Form(text.clone())),
            _ => None,
        }
    }
}

/// A text field of a stored record; `None` when missing or not text.
pub(super) fn stored_text(record: &Value, key: &str) -> Option<String> {
    record.get(key)?.as_str().map(str::to_string)
}

/// An optional text field of a stored record: `Some(None)` for null,
/// `None` when missing or of another kind.
pub(super) fn stored_optional_text(record: &Value, key: &str) -> Option<Option<String>> {
    match record.get(key)? {
        Value::Null => Some(None),
        Value::String(text) => Some(Some(text.clone())),
        _ => None,
    }
}

/// The HTTP method of a planned request. A stored submission holds it as
/// its name (`"POST"`), the text it held before this type existed, so
/// submissions already waiting on a device still read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    /// The method's name as HTTP writes it, in upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// The method [`HttpMethod::as_str`] names; `None` for any other text,
    /// lower case included.
    pub fn from_name(name: &str) -> Option<HttpMethod> {
        [
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete,
        ]
        .into_iter()
        .find(|method| method.as_str() == name)
    }
}

/// One request of a plan, complete except for the credential and for an
/// `{id}` placeholder that an earlier step's answer fills.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedRequest {
    /// What the step does, for people: "Create the contact".
    pub label: String,
    pub method: HttpMethod,
    pub url: String,
    /// Headers without any credential.
    pub headers: Vec<(String, String)>,
    pub body: Option<RequestBody>,
    /// A 409 means this exact record already exists (our own uuid).
    pub conflict_means_done: bool,
    /// JSON pointer into a successful answer whose value later steps use as
    /// `{id}`, and the success screen as the record's reference.
    pub capture_id: Option<String>,
    /// What a server error path starts with for this step's record, so
    /// errors can be matched to catalogue wire paths.
    pub error_prefixes: Vec<String>,
    /// Whether `{id}` in the URL waits for an earlier step.
    pub needs_captured_id: bool,
}

impl PlannedRequest {
    /// A request with nothing but its method and address, for tests.
    #[cfg(test)]
    pub(crate) fn bare(method: HttpMethod, url: &str) -> PlannedRequest {
        PlannedRequest {
            label: String::new(),
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            conflict_means_done: false,
            capture_id: None,
            error_prefixes: Vec::new(),
            needs_captured_id: false,
        }
    }

    /// The request as stored with its submission.
    pub fn to_json(&self) -> Value {
        json!({
            "label": self.label,
            "method": self.method.as_str(),
            "url": self.url,
            "headers": self.headers.iter().map(|(name, value)| json!([name, value])).collect::<Vec<Value>>(),
            "body": self.body.as_ref().map(RequestBody::to_json),
            "conflict_means_done": self.conflict_means_done,
            "capture_id": self.capture_id,
            "error_prefixes": self.error_prefixes,
            "needs_captured_id": self.needs_captured_id,
        })
    }

    /// Reads what [`PlannedRequest::to_json`] wrote; `None` when anything
    /// is missing or of the wrong kind.
    pub fn from_json(value: &Value) -> Option<PlannedRequest> {
        let text = |key: &str| stored_text(value, key);
        let optional_text = |key: &str| stored_optional_text(value, key);
        let texts = |items: &Value| -> Option<Vec<String>> {
            items
                .as_array()?
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect()
        };
        let headers = value
            .get("headers")?
            .as_array()?
            .iter()
            .map(|pair| match texts(pair)?.as_slice() {
                [name, value] => Some((name.clone(), value.clone())),
                _ => None,
            })
            .collect::<Option<Vec<(String, String)>>>()?;
        let body = match value.get("body")? {
            Value::Null => None,
            body => Some(RequestBody::from_json(body)?),
        };
        Some(PlannedRequest {
            label: text("label")?,
            method: HttpMethod::from_name(&text("method")?)?,
            url: text("url")?,
            headers,
            body,
            conflict_means_done: value.get("conflict_means_done")?.as_bool()?,
            capture_id: optional_text("capture_id")?,
            error_prefixes: texts(value.get("error_prefixes")?)?,
            needs_captured_id: value.get("needs_captured_id")?.as_bool()?,
        })
    }

    /// A write step whose URL is complete and whose 409 is a real
    /// conflict; a step that differs sets those two fields on the result.
    fn write(
        label: String,
        method: HttpMethod,
        url: String,
        headers: Vec<(String, String)>,
        body: RequestBody,
        capture_id: &str,
        error_prefixes: &[&str],
    ) -> PlannedRequest {
        PlannedRequest {
            label,
            method,
            url,
            headers,
            body: Some(body),
            conflict_means_done: false,
            capture_id: Some(capture_id.to_string()),
            error_prefixes: error_prefixes
                .iter()
                .map(|prefix| prefix.to_string())
                .collect(),
            needs_captured_id: false,
        }
    }

    /// The URL with `{id}` filled from an earlier step's answer.
    pub fn resolved_url(&self, captured_id: Option<&str>) -> String {
        match captured_id {
            Some(id) if self.needs_captured_id => self
                .url
                .replace("{id}", &super::percent::encode_segment(id)),
            _ => self.url.clone(),
        }
    }
}

/// The ordered requests of one submission.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<PlannedRequest>,
    /// Answers this target cannot store: (question id, why). Not sent.
    pub unstorable: Vec<(String, String)>,
}

/// What a form, answered so far, gives and misses for a target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Required model fields no question fills and no default gives:
    /// (field, English label).
    pub missing_required: Vec<(String, String)>,
    /// Questions whose answers the target cannot store: (question id, why).
    pub unstorable: Vec<(String, String)>,
}

/// Model fields this deployment requires: the target's own and the
/// configuration's `require`.
fn required_fields(config: &TargetConfig) -> Vec<&str> {
    catalogue(config.target, config.mode)
        .iter()
        .filter(|spec| spec.required || config.require.iter().any(|field| field == spec.field))
        .map(|spec| spec.field)
        .collect()
}

/// Whether the target keeps answers that have no `field`: in a form
/// response (Unite US) or folded into a note (persons_v1, Caspen).
fn keeps_unbound_answers(target: TargetKind) -> bool {
    matches!(
        target,
        TargetKind::UniteUs | TargetKind::PersonsV1 | TargetKind::Caspen
    )
}

/// Which required fields `form` leaves unfilled and which of its questions'
/// answers the target cannot store, judged from the bindings alone
/// (values are judged by [`plan`]).
pub fn coverage(config: &TargetConfig, form: &Form) -> Coverage {
    let specs = catalogue(config.target, config.mode);
    let bound: Vec<&str> = form
        .questions
        .iter()
        .filter_map(|question| question.field.as_deref())
        .collect();
    let missing_required = specs
        .iter()
        .filter(|spec| required_fields(config).contains(&spec.field))
        .filter(|spec| !bound.contains(&spec.field) && !config.defaults.contains_key(spec.field))
        .map(|spec| (spec.field.to_string(), spec.label.to_string()))
        .collect();
    let mut unstorable = Vec::new();
    for question in &form.questions {
        if question.input_type == InputType::Block {
            continue;
        }
        // A target that keeps unbound answers (Unite US's form response,
        // persons_v1's and Caspen's notes) keeps those of unknown fields too.
        match &question.field {
            Some(field)
                if !specs.iter().any(|spec| spec.field == field)
                    && !keeps_unbound_answers(config.target) =>
            {
                unstorable.push((
                    question.id.clone(),
                    format!("{} has no field {field}.", config.target.display_name()),
                ));
            }
            Some(_) => {}
            None if !keeps_unbound_answers(config.target) => unstorable.push((
                question.id.clone(),
                format!(
                    "the question has no field, and {} keeps only the fields of a person.",
                    config.target.display_name()
                ),
            )),
            None => {}
        }
    }
    Coverage {
        missing_required,
        unstorable,
    }
}

/// The built-in "About you" section as form-definition JSON: one question
/// per field the target or deployment requires (or the configuration asks
/// for) that `form` does not already fill and no default gives. `None`
/// when there is nothing to ask. Service types come from the API, so the
/// caller passes them: `(id, name)`.
pub fn about_you_section(
    config: &TargetConfig,
    form: Option<&Form>,
    service_types: &[(String, String)],
) -> Option<Value> {
    let bound: Vec<&str> = form
        .map(|form| {
            form.questions
                .iter()
                .filter_map(|question| question.field.as_deref())
                .collect()
        })
        .unwrap_or_default();
    let required = required_fields(config);
    let mut questions = Vec::new();
    for spec in catalogue(config.target, config.mode) {
        let wanted = required.contains(&spec.field) || config.ask.iter().any(|f| f == spec.field);
        if !wanted || bound.contains(&spec.field) || config.defaults.contains_key(spec.field) {
            continue;
        }
        // Signatures have their own consent step in the widget.
        if spec.format == FieldFormat::Image {
            continue;
        }
        let id = format!("intake.{}", spec.field);
        let mut question = object([
            ("id", Value::from(id)),
            ("label_text", Value::from(spec.label)),
            ("field", Value::from(spec.field)),
            ("is_required", Value::from(required.contains(&spec.field))),
            ("display_order", Value::from(questions.len() + 1)),
        ]);
        let options: Vec<(String, String)> = if spec.field == "request.service_type_id" {
            service_types.to_vec()
        } else {
            spec.values
                .iter()
                .map(|value| ((*value).to_string(), humanise(value)))
                .collect()
        };
        let input_type = match spec.format {
            _ if !options.is_empty() && options.len() <= 5 => "radio",
            _ if !options.is_empty() => "select",
            FieldFormat::Email => "email",
            FieldFormat::IsoDate | FieldFormat::IsoDateTime | FieldFormat::EpochDate => "date",
            FieldFormat::Phone | FieldFormat::InternationalPhone => "tel",
            FieldFormat::Flag | FieldFormat::Consent => "checkbox",
            _ if spec.field == "request.description" => "textarea",
            _ => "text",
        };
        question["input_type"] = Value::from(input_type);
        if !options.is_empty() {
            question["input_options"] = Value::Array(
                options
                    .iter()
                    .enumerate()
                    .map(|(order, (id, label))| {
                        object([
                            ("id", Value::from(id.as_str())),
                            ("option_label", Value::from(label.as_str())),
                            ("display_order", Value::from(order + 1)),
                        ])
                    })
                    .collect(),
            );
        }
        questions.push(question);
    }
    if questions.is_empty() {
        return None;
    }
    // GOV.UK's order asks the name first, then the rest of a person's
    // details together. When the form asks the name itself, what this
    // section adds (an address, say) takes the display order of the form's
    // section that asks it, and the loader sorts it right after that one;
    // otherwise it leads. A fractional order is taken whole, which can put
    // it one section early.
    let beside = form
        .filter(|_| bound.contains(&"person.first_name"))
        .and_then(|form| {
            form.sections
                .iter()
                .find(|section| {
                    section.questions.iter().any(|&index| {
                        form.questions.get(index).and_then(|q| q.field.as_deref())
                            == Some("person.first_name")
                    })
                })?
                .display_order
        });
    let name = match config.mode {
        Mode::Widget => "Your details",
        Mode::Staff => "The person",
    };
    Some(object([
        ("id", Value::from(ABOUT_YOU_SECTION_ID)),
        ("name", Value::from(name)),
        // Beside the form's own section about the person, it goes on under
        // that section's heading rather than add a second one.
        ("display_name", Value::from(beside.is_none())),
        ("section_type", Value::from("form_group")),
        (
            "display_order",
            Value::from(beside.map_or(-1_000_000, |order| order as i64)),
        ),
        ("questions", Value::Array(questions)),
    ]))
}

/// The interface's words for the built-in sections in a language other
/// than English (whose words are the catalogue's and the sections' own).
/// The app's catalogue gives them.
pub trait BuiltInWords {
    /// The "About you" section's title for a page in `mode`.
    fn details_title(&self, mode: Mode) -> &'static str;
    /// The consent section's title.
    fn consent_title(&self) -> &'static str;
    /// The signature's label.
    fn signature_label(&self) -> &'static str;
    /// What signing agrees to, and how to sign.
    fn signature_help(&self) -> &'static str;
    /// A catalogue field's label, given its English one.
    fn field_label(&self, english: &str) -> Option<&'static str>;
    /// An enum value's label, given the value.
    fn value_label(&self, value: &str) -> Option<&'static str>;
}

/// Gives the built-in sections of a composed form their words in
/// `language`, as translations: the page then shows them in that language,
/// and switching language needs no new form. Written into the loaded form
/// rather than its definition, which would take code to build in the
/// widget's first load.
pub fn translate_built_in(
    form: &mut Form,
    config: &TargetConfig,
    language: &str,
    words: &dyn BuiltInWords,
) {
    let specs = catalogue(config.target, config.mode);
    let Form {
        sections,
        questions,
        ..
    } = form;
    for section in sections.iter_mut() {
        let title = match section.id.as_str() {
            ABOUT_YOU_SECTION_ID => words.details_title(config.mode),
            CONSENT_SECTION_ID => words.consent_title(),
            _ => continue,
        };
        section
            .translations
            .insert(language.to_string(), title.to_string());
        for &index in &section.questions {
            let Some(question) = questions.get_mut(index) else {
                continue;
            };
            let mut translation = QuestionTranslation::default();
            if section.id == CONSENT_SECTION_ID {
                translation.label_text = Some(words.signature_label().to_string());
                translation.help_text = Some(words.signature_help().to_string());
            } else if let Some(spec) = specs
                .iter()
                .find(|spec| question.field.as_deref() == Some(spec.field))
            {
                translation.label_text = words.field_label(spec.label).map(str::to_string);
                for value in spec.values {
                    if let Some(label) = words.value_label(value) {
                        translation
                            .options
                            .insert((*value).to_string(), label.to_string());
                    }
                }
            }
            question
                .translations
                .insert(language.to_string(), translation);
        }
    }
}

/// The built-in consent section: a signature bound to
/// `consent.signature_image`, when the target stores one, the configuration
/// asks or requires it and the form does not already have it.
pub fn consent_section(config: &TargetConfig, form: Option<&Form>) -> Option<Value> {
    let spec = catalogue(config.target, config.mode)
        .iter()
        .find(|spec| spec.format == FieldFormat::Image)?;
    let required = config.require.iter().any(|field| field == spec.field);
    let asked = required || config.ask.iter().any(|field| field == spec.field);
    let bound = form.is_some_and(|form| {
        form.questions
            .iter()
            .any(|question| question.field.as_deref() == Some(spec.field))
    });
    if !asked || bound {
        return None;
    }
    let signature = object([
        ("id", Value::from(format!("intake.{}", spec.field))),
        ("label_text", Value::from("Your signature")),
        ("help_text", Value::from("Sign to agree that the organisation may contact you and share your request with the services that can help. Draw with a mouse, pen or finger, or type your full name instead.")),
        ("help_text_position", Value::from("before_input")),
        ("input_type", Value::from("signature")),
        ("field", Value::from(spec.field)),
        ("is_required", Value::from(required)),
    ]);
    // No heading of its own: the signature's legend and help say what it
    // is, and a form that has a consent section of its own (most do) would
    // otherwise show two headed "Consent", one after the other.
    Some(object([
        ("id", Value::from(CONSENT_SECTION_ID)),
        ("name", Value::from("Consent")),
        ("display_name", Value::from(false)),
        ("section_type", Value::from("form_group")),
        ("display_order", Value::from(1_000_000)),
        ("questions", Value::Array(vec![signature])),
    ]))
}

/// An enum value as a label: `non-binary` → "Non-binary",
/// `single/never-married` → "Single/never married".
fn humanise(value: &str) -> String {
    let text = value.replace(['_'], " ");
    let text = if text.contains(' ') || text.matches('-').count() > 1 {
        text.replace('-', " ")
    } else {
        text
    };
    let mut characters = text.chars();
    match characters.next() {
        // Wire names and enum values are ASCII; Unicode's case tables would
        // cost the widget about 16 KB gzip.
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(characters)
            .collect(),
        None => text,
    }
}

/// The wire value of one model value, or why the target cannot take it.
fn wire_value(spec: &FieldSpec, value: &FieldValue) -> Result<Value, String> {
    let text = value.text();
    match spec.format {
        FieldFormat::Text | FieldFormat::Email | FieldFormat::Phone => Ok(Value::String(text)),
        FieldFormat::InternationalPhone => {
            let compact: String = text
                .chars()
                .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
                .collect();
            Ok(Value::String(match compact.strip_prefix("00") {
                Some(rest) => format!("+{rest}"),
                None => compact,
            }))
        }
        FieldFormat::IsoDate => iso_date_to_epoch_seconds(&text)
            .map(|_| Value::String(text.clone()))
            .ok_or_else(|| format!("\"{text}\" is not a date.")),
        FieldFormat::Unseparated => Ok(Value::String(
            text.chars().filter(char::is_ascii_alphanumeric).collect(),
        )),
        FieldFormat::LanguageCode => {
            let code = text.trim().to_ascii_lowercase();
            if code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_lowercase()) {
                Ok(Value::String(code))
            } else {
                Err(format!(
                    "\"{text}\" is not a two-letter language code (ISO 639-1), such as nl or en."
                ))
            }
        }
        FieldFormat::IsoDateTime => iso_date_to_epoch_seconds(&text)
            .map(|_| Value::String(format!("{text}T00:00:00Z")))
            .ok_or_else(|| format!("\"{text}\" is not a date.")),
        FieldFormat::EpochDate => iso_date_to_epoch_seconds(&text)
            .map(Value::from)
            .ok_or_else(|| format!("\"{text}\" is not a date.")),
        FieldFormat::Enum => {
            let candidates: Vec<String> = match value {
                FieldValue::Choice { label, id, base_id } => {
                    let mut list = vec![id.clone(), label.clone()];
                    list.extend(base_id.clone());
                    list
                }
                other => vec![other.text()],
            };
            spec.values
                .iter()
                .find(|allowed| candidates.iter().any(|c| loose(c) == loose(allowed)))
                .map(|allowed| Value::String((*allowed).to_string()))
                .ok_or_else(|| {
                    format!(
                        "\"{text}\" is not one of the values it accepts ({}).",
                        spec.values.join(", ")
                    )
                })
        }
        FieldFormat::Flag | FieldFormat::Consent => {
            let flag = match value {
                FieldValue::Flag(flag) => Some(*flag),
                other => match loose(&other.text()).as_str() {
                    "yes" | "true" | "y" | "1" | "accepted" | "accept" | "iagree" => Some(true),
                    "no" | "false" | "n" | "0" | "rejected" | "reject" => Some(false),
                    _ => None,
                },
            };
            let flag = flag.ok_or_else(|| format!("\"{text}\" is not a yes or no."))?;
            Ok(if spec.format == FieldFormat::Consent {
                Value::String(if flag { "accepted" } else { "rejected" }.into())
            } else {
                Value::Bool(flag)
            })
        }
        FieldFormat::OptionId => Ok(Value::String(match value {
            FieldValue::Choice { id, .. } => id.clone(),
            other => other.text(),
        })),
        FieldFormat::Image => Ok(Value::String(
            text.strip_prefix("data:image/png;base64,")
                .unwrap_or(&text)
                .to_string(),
        )),
    }
}

/// The record body a target receives, built from the catalogue's wire
/// paths, and the answers it could not take.
struct Mapped {
    record: Value,
    unstorable: Vec<(String, String)>,
    /// Model values the catalogue has no wire path for, as "Label: text".
    extra_lines: Vec<String>,
}

fn map_record(config: &TargetConfig, input: &SubmissionInput) -> Mapped {
    let specs = catalogue(config.target, config.mode);
    let mut record = Value::Object(Map::new());
    let mut unstorable = Vec::new();
    let mut extra_lines = Vec::new();
    // A list item (an address in `addresses.0`) is replaced as a whole by
    // the servers that take lists, so a change to one of its members sends
    // all of its members the person has.
    let changed: Option<Vec<&str>> = input.changed.as_ref().map(|changed| {
        let items: Vec<&str> = specs
            .iter()
            .filter(|spec| changed.contains(spec.field))
            .filter_map(|spec| list_item(spec.wire))
            .collect();
        specs
            .iter()
            .filter(|spec| {
                changed.contains(spec.field)
                    || list_item(spec.wire).is_some_and(|item| items.contains(&item))
            })
            .map(|spec| spec.field)
            .chain(changed.iter().map(String::as_str))
            .collect()
    });
    // Display order, so folded notes read like the form.
    for (field, value) in input
        .person
        .order
        .iter()
        .filter_map(|field| Some((field, input.person.values.get(field)?)))
    {
        let question = input.person.sources.get(field).cloned().unwrap_or_default();
        // An update sends only what changed, in its field or in the notes.
        if let Some(changed) = &changed {
            if !changed.contains(&field.as_str()) {
                continue;
            }
        }
        let Some(spec) = specs.iter().find(|spec| spec.field == field) else {
            if config.target == TargetKind::PersonsV1 && field == "person.date_of_birth" {
                // persons_v1 has no birth date field: the line is written the
                // one way its search reads back ("Born YYYY-MM-DD"), whatever
                // the question calls it, so the duplicate check can compare.
                extra_lines.push(format!("Born {}", value.text()));
                continue;
            }
            let label = input
                .person
                .labels
                .get(field)
                .cloned()
                .unwrap_or_else(|| field_label(field));
            extra_lines.push(format!("{label}: {}", value.text()));
            // Unite US keeps the answer in the form response, persons_v1 and
            // Caspen in the notes.
            if !keeps_unbound_answers(config.target) {
                unstorable.push((
                    question,
                    format!("{} has no field {field}.", config.target.display_name()),
                ));
            }
            continue;
        };
        match wire_value(spec, value) {
            Ok(wire) => set_path(&mut record, spec.wire, wire),
            Err(reason) => unstorable.push((
                question,
                format!(
                    "{} cannot store this answer: {reason}",
                    config.target.display_name()
                ),
            )),
        }
    }
    if input.existing_id.is_some() {
        // persons_v1's document shows an empty field as `""` and never `null`.
        let cleared = match config.target {
            TargetKind::PersonsV1 => Value::String(String::new()),
            _ => Value::Null,
        };
        for field in &input.cleared {
            if let Some(spec) = specs.iter().find(|spec| spec.field == field) {
                set_path(&mut record, spec.wire, cleared.clone());
            }
        }
    }
    Mapped {
        record,
        unstorable,
        extra_lines,
    }
}

/// The list item a wire path is inside (`addresses.0` for
/// `addresses.0.city`), if any.
fn list_item(wire: &str) -> Option<&str> {
    let mut end = 0;
    for segment in wire.split('.') {
        end += segment.len();
        if segment.parse::<usize>().is_ok() {
            return Some(&wire[..end]);
        }
        end += 1;
    }
    None
}

/// A model path as words, for notes: `person.address.city` → "Address city".
fn field_label(field: &str) -> String {
    let field = field.replace("[0]", "");
    let words = field
        .split_once('.')
        .map_or(field.as_str(), |(_, rest)| rest)
        .replace(['.', '_'], " ");
    humanise(&words)
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

fn json_headers(reference: &str, step: usize, media_type: &str) -> Vec<(String, String)> {
    vec![
        header("Accept", media_type),
        header("Content-Type", media_type),
        header("Idempotency-Key", &format!("{reference}-{step}")),
    ]
}

/// The requests `input` needs on `config`'s target, in order.
pub fn plan(config: &TargetConfig, input: &SubmissionInput) -> Plan {
    let mapped = map_record(config, input);
    let steps = match config.target {
        TargetKind::UniteUs => unite_us(config, input, mapped.record.clone()),
        TargetKind::Casebook => casebook(config, input, mapped.record.clone()),
        TargetKind::PersonsV1 => persons_v1(config, input, &mapped),
        TargetKind::CharityCrm => charity_crm(config, input, mapped.record.clone()),
        TargetKind::Caspen => caspen(config, input, &mapped),
    };
    let mut unstorable = mapped.unstorable;
    if !keeps_unbound_answers(config.target) {
        for answer in &input.person.unbound {
            unstorable.push((
                answer.question_id.clone(),
                format!(
                    "the question has no field, and {} keeps only the fields of a person.",
                    config.target.display_name()
                ),
            ));
        }
    }
    Plan { steps, unstorable }
}

fn unite_us(config: &TargetConfig, input: &SubmissionInput, record: Value) -> Vec<PlannedRequest> {
    // The body under its root key, nested JSON or Rails bracket keys; the
    // answer is JSON either way.
    let encode = |step: usize, root: &str, inner: Value| -> (RequestBody, Vec<(String, String)>) {
        let body = json!({ root: inner });
        let (body, media_type) = match config.encoding {
            UniteUsEncoding::NestedJson => (RequestBody::Json(body), "application/json"),
            UniteUsEncoding::RailsForm => (
                RequestBody::Form(rails_form_encode(&body)),
                "application/x-www-form-urlencoded",
            ),
        };
        let mut headers = json_headers(&input.reference, step, media_type);
        headers[0] = header("Accept", "application/json");
        (body, headers)
    };
    let responses = || {
        Value::Array(
            input
                .form_response
                .iter()
                .map(|entry| json!({"question_id": entry.question_id, "response_value": entry.response_value}))
                .collect(),
        )
    };
    match config.mode {
        Mode::Widget => {
            let mut request = record;
            if !input.form_response.is_empty() {
                set_path(
                    &mut request,
                    "requestor.form_response",
                    json!({"form_id": input.form_id, "data": responses()}),
                );
            }
            let (body, headers) = encode(1, "assistance_request", request);
            vec![PlannedRequest::write(
                "Send the assistance request".into(),
                HttpMethod::Post,
                config
                    .url(Operation::SubmitAssistanceRequest, &[])
                    .unwrap_or_default(),
                headers,
                body,
                "/data/id",
                &["assistance_request.", ""],
            )]
        }
        Mode::Staff => {
            let (body, headers) = encode(1, "contact", record);
            let (label, method, url) = create_or_update(config, input, "contact");
            let mut steps = vec![PlannedRequest::write(
                label,
                method,
                url,
                headers,
                body,
                "/data/id",
                &["contact.", ""],
            )];
            if !input.form_response.is_empty() && !input.form_id.is_empty() {
                let (body, headers) = encode(2, "data", responses());
                let url = match &input.existing_id {
                    Some(id) => config.url(
                        Operation::RespondToForm,
                        &[("id", id), ("form_id", &input.form_id)],
                    ),
                    None => config.url(Operation::RespondToForm, &[("form_id", &input.form_id)]),
                };
                let mut respond = PlannedRequest::write(
                    "Save the form's answers".into(),
                    HttpMethod::Post,
                    url.unwrap_or_default(),
                    headers,
                    body,
                    "/data/id",
                    &["form_response.", ""],
                );
                // A new contact's id comes from the first step's answer.
                respond.needs_captured_id = input.existing_id.is_none();
                steps.push(respond);
            }
            steps
        }
    }
}

/// The label, method and URL of the step that creates the record, or
/// updates it when the submission names an existing one.
/// The verb each target's write takes: what the plans send, and what a
/// deployment's check asks a preflight about. `None` for reads.
pub fn write_method(target: TargetKind, operation: Operation) -> Option<HttpMethod> {
    match operation {
        Operation::SubmitAssistanceRequest | Operation::RespondToForm => Some(HttpMethod::Post),
        // persons_v1 creates by upserting a list.
        Operation::CreatePerson => Some(match target {
            TargetKind::PersonsV1 => HttpMethod::Put,
            _ => HttpMethod::Post,
        }),
        Operation::UpdatePerson => Some(match target {
            TargetKind::UniteUs | TargetKind::Casebook => HttpMethod::Patch,
            TargetKind::PersonsV1 | TargetKind::CharityCrm => HttpMethod::Put,
            // Caspen's update is not documented; the sandbox takes a POST.
            TargetKind::Caspen => HttpMethod::Post,
        }),
        Operation::AssistanceRequestFormConfig
        | Operation::GetPerson
        | Operation::FindPeople
        | Operation::ServiceTypes
        | Operation::FormsAvailable
        | Operation::PersonForm => None,
    }
}

fn create_or_update(
    config: &TargetConfig,
    input: &SubmissionInput,
    noun: &str,
) -> (String, HttpMethod, String) {
    let method = |operation| write_method(config.target, operation).unwrap_or(HttpMethod::Post);
    match &input.existing_id {
        None => (
            format!("Create the {noun}"),
            method(Operation::CreatePerson),
            config.url(Operation::CreatePerson, &[]).unwrap_or_default(),
        ),
        Some(id) => (
            format!("Update the {noun}"),
            method(Operation::UpdatePerson),
            config
                .url(Operation::UpdatePerson, &[("id", id)])
                .unwrap_or_default(),
        ),
    }
}

fn casebook(
    config: &TargetConfig,
    input: &SubmissionInput,
    attributes: Value,
) -> Vec<PlannedRequest> {
    const MEDIA_TYPE: &str = "application/vnd.api+json";
    let document = match &input.existing_id {
        None => json!({"data": {"type": "people", "attributes": attributes}}),
        Some(id) => json!({"data": {"type": "people", "id": id, "attributes": attributes}}),
    };
    let (label, method, url) = create_or_update(config, input, "person");
    vec![PlannedRequest::write(
        label,
        method,
        url,
        json_headers(&input.reference, 1, MEDIA_TYPE),
        RequestBody::Json(document),
        "/data/id",
        &["/data/attributes/"],
    )]
}

/// Lines for a free-text note: model values the target has no field for,
/// then unbound answers, then our reference.
fn note_lines(mapped: &Mapped, input: &SubmissionInput) -> Vec<String> {
    let mut lines = mapped.extra_lines.clone();
    lines.extend(
        input
            .person
            .unbound
            .iter()
            .map(|answer| format!("{}: {}", answer.label, answer.text)),
    );
    lines
}

/// The free text (persons_v1 `information`, Caspen `notes`) a submission
/// writes, or `None` when it has nothing to add: a new record gets its lines
/// and our reference; an update adds them after the text the record already
/// holds, as neither document offers a way to append, and a field that is
/// sent replaces what was there.
fn free_text(mapped: &Mapped, input: &SubmissionInput) -> Option<String> {
    let mut lines = note_lines(mapped, input);
    if input.existing_id.is_some() && lines.is_empty() {
        return None;
    }
    lines.push(super::reconcile::reference_line(&input.reference));
    let block = lines.join("\n");
    Some(
        match input
            .existing_notes
            .as_deref()
            .map(str::trim_end)
            .filter(|text| !text.is_empty() && input.existing_id.is_some())
        {
            Some(earlier) => format!("{earlier}\n\n{block}"),
            None => block,
        },
    )
}

fn persons_v1(
    config: &TargetConfig,
    input: &SubmissionInput,
    mapped: &Mapped,
) -> Vec<PlannedRequest> {
    let mut person = mapped.record.clone();
    if let Some(information) = free_text(mapped, input) {
        set_path(&mut person, "information", Value::String(information));
    }
    // The document does not say whether a new person is active; say so.
    if input.existing_id.is_none() {
        set_path(&mut person, "active", Value::Bool(true));
    }
    // A new person goes in a one-person list upsert, which lets the server
    // choose the personId; an update is the single-person upsert.
    let (document, capture_id, error_prefixes): (Value, &str, &[&str]) = match &input.existing_id {
        None => (
            json!({"data": [person]}),
            "/data/0/personId",
            &["data.0.", "data."],
        ),
        Some(_) => (json!({ "data": person }), "/data/personId", &["data."]),
    };
    let (label, method, url) = create_or_update(config, input, "person");
    vec![PlannedRequest::write(
        label,
        method,
        url,
        json_headers(&input.reference, 1, "application/json"),
        RequestBody::Json(document),
        capture_id,
        error_prefixes,
    )]
}

fn charity_crm(
    config: &TargetConfig,
    input: &SubmissionInput,
    mut person: Value,
) -> Vec<PlannedRequest> {
    let creating = input.existing_id.is_none();
    if creating {
        set_path(&mut person, "uuid", Value::String(input.reference.clone()));
    }
    let (label, method, url) = create_or_update(config, input, "person");
    let mut step = PlannedRequest::write(
        label,
        method,
        url,
        json_headers(&input.reference, 1, "application/json"),
        RequestBody::Json(person),
        "/uuid",
        &[""],
    );
    // The uuid is ours: a 409 on create means our earlier attempt landed.
    step.conflict_means_done = creating;
    vec![step]
}

fn caspen(config: &TargetConfig, input: &SubmissionInput, mapped: &Mapped) -> Vec<PlannedRequest> {
    let mut client = mapped.record.clone();
    if let Some(notes) = free_text(mapped, input) {
        set_path(&mut client, "notes", Value::String(notes));
    }
    let (label, method, url) = create_or_update(config, input, "client");
    vec![PlannedRequest::write(
        label,
        method,
        url,
        json_headers(&input.reference, 1, "application/json"),
        RequestBody::Json(client),
        "/id",
        &[""],
    )]
}

/// The preview's JSON for a plan: `[{method, url, headers, body}]`.
pub(crate) fn preview_json(plan: &Plan) -> Value {
    Value::Array(
        plan.steps
            .iter()
            .map(|step| {
                let headers: BTreeMap<&str, &str> = step
                    .headers
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                json!({
                    "method": step.method.as_str(),
                    "url": step.url,
                    "headers": headers,
                    "body": step.body.as_ref().map_or(Value::Null, RequestBody::to_preview),
                })
            })
            .collect(),
    )
}

impl Plan {
    /// The exact requests, as the preview shows them: a list of
    /// `{method, url, headers, body}`, headers without any credential.
    pub fn to_preview_json(&self) -> Value {
        preview_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charity_crm_gets_its_documented_formats() {
        let spec = |wire: &str| {
            *catalogue(TargetKind::CharityCrm, Mode::Staff)
                .iter()
                .find(|spec| spec.wire == wire)
                .unwrap()
        };
        let text = |value: &str| FieldValue::Text(value.into());
        assert_eq!(
            wire_value(&spec("socialSecurityNumber"), &text("123.456.789-01")),
            Ok(Value::from("12345678901"))
        );
        assert_eq!(
            wire_value(&spec("language"), &text(" NL ")),
            Ok(Value::from("nl"))
        );
        for wrong in ["Dutch", "n", "n1"] {
            let refused = wire_value(&spec("language"), &text(wrong)).unwrap_err();
            assert!(refused.contains("two-letter language code"), "{refused}");
        }
    }

    #[test]
    fn humanise_makes_enum_values_readable() {
        assert_eq!(humanise("non-binary"), "Non-binary");
        assert_eq!(humanise("single/never-married"), "Single/never-married");
        assert_eq!(humanise("phone_call"), "Phone call");
        assert_eq!(humanise("hispanic-or-latino"), "Hispanic or latino");
    }

    #[test]
    fn a_method_is_stored_as_the_name_it_had_as_text() {
        for (method, name) in [
            (HttpMethod::Get, "GET"),
            (HttpMethod::Post, "POST"),
            (HttpMethod::Put, "PUT"),
            (HttpMethod::Patch, "PATCH"),
            (HttpMethod::Delete, "DELETE"),
        ] {
            assert_eq!(method.as_str(), name);
            assert_eq!(HttpMethod::from_name(name), Some(method));
            let request = PlannedRequest::bare(method, "/x");
            let stored = request.to_json();
            assert_eq!(stored["method"], Value::from(name));
            assert_eq!(PlannedRequest::from_json(&stored), Some(request));
        }
        for other in ["post", "Post", "OPTIONS", ""] {
            assert_eq!(HttpMethod::from_name(other), None, "{other}");
        }
    }
}

#[cfg(test)]
mod list_item_tests {
    use super::list_item;

    #[test]
    fn list_item_names_the_indexed_part_of_a_wire_path() {
        assert_eq!(list_item("addresses.0.city"), Some("addresses.0"));
        assert_eq!(list_item("requestor.address.city"), None);
        assert_eq!(list_item("phone_numbers.0.number"), Some("phone_numbers.0"));
    }
}
