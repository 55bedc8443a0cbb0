//! Server errors in every target's style, normalised, then put back on the
//! questions that caused them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::catalogue::catalogue;
use super::config::TargetConfig;
use super::mapping::PlannedRequest;
use super::person::PersonRecord;
use crate::fold::fold_case;
use crate::model::Form;
use crate::response::FormResponseEntry;

/// An error answer, normalised: messages per field path as the server
/// wrote it, and messages about the whole request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerErrors {
    pub status: u16,
    pub fields: Vec<(String, Vec<String>)>,
    pub general: Vec<String>,
}

/// Reads an error body in any of the styles the targets use: JSON:API
/// `errors[].source.pointer`; Laravel `{message, errors: {path: [...]}}`;
/// Rails `{errors: {path: [...]}}` or `{errors: ["..."]}`; a plain
/// `message` string or list; or no usable body at all.
/// `body` is the answer read as JSON, when it was JSON.
pub fn normalise_error(status: u16, body: Option<&Value>) -> ServerErrors {
    let mut errors = ServerErrors {
        status,
        ..ServerErrors::default()
    };
    let as_messages = |value: &Value| -> Vec<String> {
        match value {
            Value::String(text) => vec![text.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|item| match item {
                    Value::String(text) => Some(text.clone()),
                    Value::Object(object) => object
                        .get("message")
                        .or_else(|| object.get("detail"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    if let Some(Value::Object(object)) = body {
        match object.get("errors") {
            Some(Value::Array(items)) if items.iter().any(Value::is_object) => {
                // JSON:API.
                for item in items {
                    let detail = item
                        .get("detail")
                        .or_else(|| item.get("title"))
                        .and_then(Value::as_str)
                        .unwrap_or("is not valid")
                        .to_string();
                    let source = item.get("source");
                    match source
                        .and_then(|source| source.get("pointer"))
                        .and_then(Value::as_str)
                    {
                        Some(pointer) if !pointer.is_empty() && pointer != "/data" => {
                            push_field(&mut errors.fields, pointer, detail)
                        }
                        _ => match source
                            .and_then(|source| source.get("parameter"))
                            .and_then(Value::as_str)
                        {
                            Some(parameter) => {
                                errors.general.push(format!("{parameter}: {detail}"))
                            }
                            None => errors.general.push(detail),
                        },
                    }
                }
            }
            Some(Value::Object(fields)) => {
                for (path, messages) in fields {
                    let messages = as_messages(messages);
                    if !messages.is_empty() {
                        errors.fields.push((path.clone(), messages));
                    }
                }
            }
            Some(other) => errors.general.extend(as_messages(other)),
            None => {}
        }
        // Laravel's message repeats the first field's; keep it only alone.
        if errors.fields.is_empty() && errors.general.is_empty() {
            for key in ["message", "error", "detail", "title"] {
                if let Some(value) = object.get(key) {
                    errors.general.extend(as_messages(value));
                }
            }
        }
    }
    if errors.fields.is_empty() && errors.general.is_empty() {
        errors.general.push(default_message(status));
    }
    errors
}

fn push_field(fields: &mut Vec<(String, Vec<String>)>, path: &str, message: String) {
    match fields.iter_mut().find(|(existing, _)| existing == path) {
        Some((_, messages)) => messages.push(message),
        None => fields.push((path.to_string(), vec![message])),
    }
}

fn default_message(status: u16) -> String {
    match status {
        400 => "The server could not read the request (HTTP 400).".into(),
        401 => "The server did not accept the sign-in (HTTP 401).".into(),
        403 => "This sign-in is not allowed to do that (HTTP 403).".into(),
        404 => "The server does not know this address or record (HTTP 404).".into(),
        409 => "The server says this conflicts with a record it has (HTTP 409).".into(),
        422 => "The server did not accept some answers (HTTP 422).".into(),
        _ => format!("The server answered with an error (HTTP {status})."),
    }
}

/// Server errors placed for the person: messages per question id, and the
/// rest for the error summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacedErrors {
    pub by_question: BTreeMap<String, Vec<String>>,
    pub general: Vec<String>,
}

/// Puts each field error on the question that gave the field: the error's
/// path, less the step's prefix, is matched to a catalogue wire path (or a
/// form response entry), then to the model field, then to the question
/// bound to it. Whatever finds no question goes to `general`, with its path
/// in words so it still says what is wrong.
pub fn place_errors(
    config: &TargetConfig,
    step: &PlannedRequest,
    errors: &ServerErrors,
    person: &PersonRecord,
    form_response: &[FormResponseEntry],
    form: &Form,
) -> PlacedErrors {
    let specs = catalogue(config.target, config.mode);
    let mut placed = PlacedErrors {
        general: errors.general.clone(),
        ..PlacedErrors::default()
    };
    for (path, messages) in &errors.fields {
        let dotted = if path.starts_with('/') {
            path.trim_start_matches('/').replace('/', ".")
        } else {
            path.clone()
        };
        let relative: Vec<String> = step
            .error_prefixes
            .iter()
            .map(|prefix| {
                let prefix = if prefix.starts_with('/') {
                    prefix.trim_start_matches('/').replace('/', ".")
                } else {
                    prefix.clone()
                };
                dotted.strip_prefix(&prefix).unwrap_or(&dotted).to_string()
            })
            .collect();
        let question = relative.iter().find_map(|relative| {
            response_entry(relative, form_response).or_else(|| {
                specs
                    .iter()
                    .find(|spec| {
                        spec.wire == relative || spec.wire.starts_with(&format!("{relative}."))
                    })
                    .and_then(|spec| {
                        // The question bound to the field, answered or not:
                        // "can't be blank" is about a question left empty.
                        person.sources.get(spec.field).cloned().or_else(|| {
                            form.questions
                                .iter()
                                .find(|question| question.field.as_deref() == Some(spec.field))
                                .map(|question| question.id.clone())
                        })
                    })
            })
        });
        match question.and_then(|id| form.question(&id).map(|q| (id, q))) {
            Some((id, definition)) => {
                let label = &definition.label_text;
                let leaf = relative
                    .first()
                    .and_then(|relative| relative.rsplit('.').next())
                    .unwrap_or_default()
                    .to_string();
                let entry = placed.by_question.entry(id).or_default();
                entry.extend(
                    messages
                        .iter()
                        .map(|message| readable(label, &leaf, message)),
                );
            }
            None => {
                // A field with no question on screen (a default, say) is
                // named as the catalogue names it; an unknown path as words.
                let spec_label = relative.iter().find_map(|relative| {
                    specs
                        .iter()
                        .find(|spec| spec.wire == relative)
                        .map(|spec| spec.label.to_string())
                });
                let place = spec_label.unwrap_or_else(|| dotted.replace(['.', '_'], " "));
                placed.general.extend(
                    messages
                        .iter()
                        .map(|message| format!("{}: {message}", place.trim())),
                );
            }
        }
    }
    placed
}

/// The question of a form response error path such as
/// `requestor.form_response.data.2.response_value` or `data.2`.
fn response_entry(path: &str, entries: &[FormResponseEntry]) -> Option<String> {
    let segments: Vec<&str> = path.split('.').collect();
    let position = segments.iter().position(|segment| *segment == "data")?;
    if position > 0 && segments[position - 1] != "form_response" {
        return None;
    }
    let index: usize = segments.get(position + 1)?.parse().ok()?;
    entries.get(index).map(|entry| entry.question_id.clone())
}

/// A server message made readable beside its question: "last_name can't be
/// blank" → "Last name can't be blank"; "can't be blank" → "Last name can't
/// be blank"; a message that already names the field is kept.
fn readable(label: &str, leaf: &str, message: &str) -> String {
    let trimmed = message.trim();
    if !leaf.is_empty() {
        if let Some(rest) = trimmed.strip_prefix(leaf) {
            return format!("{label}{rest}");
        }
    }
    let lower = fold_case(trimmed);
    let words = fold_case(&leaf.replace('_', " "));
    if (!words.is_empty() && lower.contains(&words)) || lower.contains(&fold_case(label)) {
        return trimmed.to_string();
    }
    if trimmed.starts_with(|c: char| c.is_lowercase()) {
        format!("{label} {trimmed}")
    } else {
        format!("{label}: {trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalise_text(status: u16, body: &str) -> ServerErrors {
        normalise_error(status, serde_json::from_str(body).ok().as_ref())
    }

    #[test]
    fn a_message_naming_its_field_in_another_case_is_kept() {
        assert_eq!(
            readable(
                "Número de teléfono",
                "phone",
                "NÚMERO DE TELÉFONO is invalid"
            ),
            "NÚMERO DE TELÉFONO is invalid",
            "a message naming its field in another case is kept"
        );
    }

    #[test]
    fn json_api_pointers_become_field_paths() {
        let errors = normalise_text(
            422,
            r#"{"errors":[{"status":"422","detail":"last_name can't be blank","source":{"pointer":"/data/attributes/last_name"}},{"detail":"bad","source":{"parameter":"page[size]"}}]}"#,
        );
        assert_eq!(
            errors.fields,
            vec![(
                "/data/attributes/last_name".into(),
                vec!["last_name can't be blank".into()]
            )]
        );
        assert_eq!(errors.general, vec!["page[size]: bad".to_string()]);
    }

    #[test]
    fn laravel_message_is_dropped_when_fields_say_it() {
        let errors = normalise_text(
            422,
            r#"{"message":"The first name field is required. (and 1 more error)","errors":{"first_name":["The first name field is required."],"address.line1":["x"]}}"#,
        );
        assert_eq!(errors.fields.len(), 2);
        assert!(errors.general.is_empty());
    }

    #[test]
    fn rails_list_and_plain_message_and_empty_body_are_general() {
        assert_eq!(
            normalise_text(400, r#"{"errors":["param is missing"]}"#).general,
            vec!["param is missing".to_string()]
        );
        assert_eq!(
            normalise_text(409, r#"{"message":"Person already exists"}"#).general,
            vec!["Person already exists".to_string()]
        );
        assert_eq!(
            normalise_text(500, "").general,
            vec!["The server answered with an error (HTTP 500).".to_string()]
        );
        assert_eq!(normalise_text(502, "<html>").general.len(), 1);
    }

    #[test]
    fn readable_names_the_field_once() {
        assert_eq!(
            readable("Last name", "last_name", "last_name can't be blank"),
            "Last name can't be blank"
        );
        assert_eq!(
            readable("Last name", "last_name", "can't be blank"),
            "Last name can't be blank"
        );
        assert_eq!(
            readable(
                "First name",
                "first_name",
                "The first name field is required."
            ),
            "The first name field is required."
        );
        assert_eq!(
            readable("Postcode", "postal_code", "Too short"),
            "Postcode: Too short"
        );
    }
}
