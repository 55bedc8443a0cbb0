//! The demo forms, read from the forms directory and served as Unite US forms.
//!
//! Every `*.json` file there that holds a form definition (bare, or in a `{form}`,
//! `{data}` or `{data: {form}}` envelope, with `sections` or `questions`) is a form
//! available for use in the demo group. The directory is read on each request, so an
//! edited demo form shows without a restart; files that are not forms are skipped.

use std::path::Path;

use serde_json::{Map, Value};

/// One usable form from the forms directory.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoForm {
    pub id: String,
    pub file_name: String,
    /// The form object itself, envelope removed, with `id` filled in from the file name if it had none.
    pub definition: Value,
}

impl DemoForm {
    /// The form's `use_type` (intake, exit, general, screening); a form without one suits any use.
    pub fn use_type(&self) -> Option<&str> {
        self.definition.get("use_type").and_then(Value::as_str)
    }

    /// The service types the form is used for (`service_type_ids`); a form
    /// without them suits every service type.
    pub fn service_type_ids(&self) -> Vec<&str> {
        self.definition
            .get("service_type_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }
}

/// Why a file in the forms directory is not served as a form.
#[derive(Debug)]
pub struct SkippedFile {
    pub file_name: String,
    pub reason: String,
}

/// The usable forms, sorted by file name, and the files that were skipped with the reason.
pub fn read_forms(dir: &Path) -> (Vec<DemoForm>, Vec<SkippedFile>) {
    let mut forms = Vec::new();
    let mut skipped = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (forms, skipped);
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    paths.sort();
    for path in paths {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed = std::fs::read(&path)
            .map_err(|error| error.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<Value>(&bytes).map_err(|error| error.to_string())
            });
        match parsed {
            Ok(value) => match form_object(value) {
                Some(mut definition) => {
                    let id = match definition.get("id") {
                        Some(Value::String(id)) if !id.is_empty() => id.clone(),
                        Some(Value::Number(id)) => id.to_string(),
                        _ => {
                            definition.insert("id".into(), Value::String(stem.clone()));
                            stem
                        }
                    };
                    forms.push(DemoForm {
                        id,
                        file_name,
                        definition: Value::Object(definition),
                    });
                }
                None => skipped.push(SkippedFile {
                    file_name,
                    reason: "no form definition (an object with sections or questions) in it"
                        .into(),
                }),
            },
            Err(reason) => skipped.push(SkippedFile { file_name, reason }),
        }
    }
    (forms, skipped)
}

pub fn load_forms(dir: &Path) -> Vec<DemoForm> {
    read_forms(dir).0
}

/// Tells stderr, once at startup, about a missing forms directory or files that are not forms.
pub fn warn_about_unusable_forms(dir: &Path) {
    if !dir.is_dir() {
        eprintln!(
            "intake-sandbox: no forms directory at {}; Unite US will offer no forms",
            dir.display()
        );
        return;
    }
    for skipped in read_forms(dir).1 {
        eprintln!(
            "intake-sandbox: not serving {} as a Unite US form: {}",
            skipped.file_name, skipped.reason
        );
    }
}

/// The form inside the accepted envelopes, if the value is a form at all.
fn form_object(value: Value) -> Option<Map<String, Value>> {
    let Value::Object(mut object) = value else {
        return None;
    };
    for envelope in ["form", "data"] {
        if !is_form(&object) {
            if let Some(Value::Object(inner)) = object.remove(envelope) {
                return form_object(Value::Object(inner));
            }
        }
    }
    is_form(&object).then_some(object)
}

fn is_form(object: &Map<String, Value>) -> bool {
    object.get("sections").is_some_and(Value::is_array)
        || object.get("questions").is_some_and(Value::is_array)
}

/// A question id as text, whether the form wrote it as a string or a number.
fn question_id(question: &Value) -> Option<String> {
    match question.get("id")? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Every question object of a form, nested (`sections[].questions[]`) or flat (`questions[]`).
fn questions_mut(form: &mut Value) -> Vec<&mut Value> {
    let mut found = Vec::new();
    let Value::Object(object) = form else {
        return found;
    };
    for (key, value) in object.iter_mut() {
        match (key.as_str(), value) {
            ("questions", Value::Array(questions)) => found.extend(questions.iter_mut()),
            ("sections", Value::Array(sections)) => {
                for section in sections.iter_mut() {
                    if let Some(Value::Array(questions)) = section.get_mut("questions") {
                        found.extend(questions.iter_mut());
                    }
                }
            }
            _ => {}
        }
    }
    found
}

pub fn question_ids(form: &Value) -> Vec<String> {
    let mut copy = form.clone();
    questions_mut(&mut copy)
        .into_iter()
        .filter_map(|question| question_id(question))
        .collect()
}

/// The form with each stored answer spliced into its question as `response: {response_value}`.
pub fn with_responses(form: &Value, responses: &Map<String, Value>) -> Value {
    let mut spliced = form.clone();
    for question in questions_mut(&mut spliced) {
        let Some(id) = question_id(question) else {
            continue;
        };
        let response = match responses.get(&id) {
            Some(value) => serde_json::json!({ "response_value": value }),
            None => Value::Null,
        };
        if let Value::Object(object) = question {
            object.insert("response".into(), response);
        }
    }
    spliced
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_are_removed_and_non_forms_refused() {
        let nested = json!({"data": {"form": {"id": "f1", "sections": []}}});
        assert_eq!(
            form_object(nested).and_then(|form| form.get("id").cloned()),
            Some(json!("f1"))
        );
        assert!(form_object(json!({"forms": ["a.json"]})).is_none());
        assert!(form_object(json!(["a.json"])).is_none());
    }

    #[test]
    fn responses_are_spliced_into_nested_and_flat_questions() {
        let form = json!({
            "id": "f1",
            "sections": [{"questions": [{"id": "q1"}, {"id": 2}]}],
            "questions": [{"id": "q3"}]
        });
        assert_eq!(question_ids(&form), ["q3", "q1", "2"]);
        let answers = json!({"q1": "yes", "2": ["a", "b"]});
        let spliced = with_responses(&form, answers.as_object().expect("object"));
        assert_eq!(
            spliced["sections"][0]["questions"][0]["response"]["response_value"],
            "yes"
        );
        assert_eq!(
            spliced["sections"][0]["questions"][1]["response"]["response_value"],
            json!(["a", "b"])
        );
        assert_eq!(spliced["questions"][0]["response"], Value::Null);
    }
}
