//! Unite US intake forms by service type: which service types a group
//! offers, and which of its forms are available for intake with one of them
//! ("Groups: Forms Available for Use", `q[use_type]=intake`,
//! `q[service_type_ids][]`). The staff page asks these before it opens a
//! person, so the form on screen is the one the organisation uses for the
//! service the person needs.

use serde_json::Value;

use super::config::{Operation, TargetConfig};
use super::outbox::AnswerBody;
use super::percent;

/// One service type a person can be helped with. A sub-type's name carries
/// its parent's ("Food Assistance: Meals"), so a flat list stays readable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceTypeChoice {
    pub id: String,
    pub name: String,
}

/// One form the group may use for intake.
#[derive(Clone, Debug, PartialEq)]
pub struct FormChoice {
    pub id: String,
    pub name: String,
    /// The definition as the API gave it, for the form loader.
    pub definition: Value,
}

/// Flattens a service type tree (`[{id, name, children: [{id, name}]}]`),
/// parents first, each followed by its children. Entries without an id are
/// skipped: they could not be asked for.
pub fn service_types_from(tree: &Value) -> Vec<ServiceTypeChoice> {
    let mut flat = Vec::new();
    for service_type in tree.as_array().into_iter().flatten() {
        let name = service_type["name"].as_str().unwrap_or_default();
        if let Some(id) = id_text(&service_type["id"]) {
            flat.push(ServiceTypeChoice {
                id,
                name: name.to_string(),
            });
        }
        for child in service_type["children"].as_array().into_iter().flatten() {
            if let (Some(id), Some(child_name)) = (id_text(&child["id"]), child["name"].as_str()) {
                flat.push(ServiceTypeChoice {
                    id,
                    name: format!("{name}: {child_name}"),
                });
            }
        }
    }
    flat
}

/// Reads the group's service types from a `{"data": [...]}` answer.
pub fn parse_service_types(body: &AnswerBody) -> Result<Vec<ServiceTypeChoice>, String> {
    let value = body
        .json()
        .ok_or("The service types could not be read: the answer is not JSON.")?;
    match value.get("data") {
        Some(tree @ Value::Array(_)) => Ok(service_types_from(tree)),
        _ => Err("The service types could not be read: the answer has no list of them.".into()),
    }
}

/// What the Unite US widget's form configuration
/// ([`Operation::AssistanceRequestFormConfig`]) gives the page.
#[derive(Clone, Debug, PartialEq)]
pub struct FormConfig {
    /// The organisation's form definition; `None` when the group has none
    /// and the form is the built-in sections alone.
    pub form: Option<Value>,
    /// The group's service types as (id, name), parents first (see
    /// [`service_types_from`]); empty when the answer lists none.
    pub service_types: Vec<(String, String)>,
}

/// Why a form configuration answer could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormConfigProblem {
    /// The body is empty or not JSON.
    NotJson,
    /// The JSON has no `data`.
    NoData,
}

/// Reads the answer to [`Operation::AssistanceRequestFormConfig`]:
/// `{"data": {"form": {...}, "service_types": [...]}}`. A missing or null
/// form, or missing service types, is not a problem: the form is then the
/// built-in sections, without a service type question.
pub fn read_form_config(body: &AnswerBody) -> Result<FormConfig, FormConfigProblem> {
    let data = body
        .json()
        .ok_or(FormConfigProblem::NotJson)?
        .get("data")
        .ok_or(FormConfigProblem::NoData)?;
    Ok(FormConfig {
        form: Some(&data["form"]).filter(|form| !form.is_null()).cloned(),
        service_types: service_types_from(&data["service_types"])
            .into_iter()
            .map(|choice| (choice.id, choice.name))
            .collect(),
    })
}

/// The URL listing the intake forms available for one service type, or for
/// any when `service_type_id` is `None`, within the configuration's program
/// when it names one ("Groups: Forms Available for Use", `q[program_id]`).
/// Every form fits on one page: a group has tens of forms, not thousands.
pub fn intake_forms_url(config: &TargetConfig, service_type_id: Option<&str>) -> Option<String> {
    let mut url = config.url(Operation::FormsAvailable, &[])?;
    url.push_str("?q%5Buse_type%5D=intake&per=100");
    if let Some(id) = service_type_id.filter(|id| !id.is_empty()) {
        url.push_str("&q%5Bservice_type_ids%5D%5B%5D=");
        url.push_str(&percent::encode_segment(id));
    }
    push_program(&mut url, config);
    Some(url)
}

/// The URL listing the service types the group offers, within the
/// configuration's program when it names one ("Groups: Service Types
/// Offered", `q[program_id]`).
pub fn service_types_url(config: &TargetConfig) -> Option<String> {
    let mut url = config.url(Operation::ServiceTypes, &[])?;
    push_program(&mut url, config);
    Some(url)
}

/// Adds `q[program_id]` when the configuration names a program.
fn push_program(url: &mut String, config: &TargetConfig) {
    if let Some(program) = config
        .program_id
        .as_deref()
        .filter(|id| !id.trim().is_empty())
    {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("q%5Bprogram_id%5D=");
        url.push_str(&percent::encode_segment(program.trim()));
    }
}

/// Reads the forms from a `{"data": [form, ...]}` answer, in the server's
/// order. A form without an id is skipped (its answers could not be saved);
/// one without a name is called by its id.
pub fn parse_forms_available(body: &AnswerBody) -> Result<Vec<FormChoice>, String> {
    let value = body
        .json()
        .ok_or("The intake forms could not be read: the answer is not JSON.")?;
    let Some(forms) = value.get("data").and_then(Value::as_array) else {
        return Err("The intake forms could not be read: the answer has no list of forms.".into());
    };
    Ok(forms
        .iter()
        .filter_map(|form| {
            let id = id_text(&form["id"])?;
            let name = form["name"]
                .as_str()
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .unwrap_or(&id)
                .to_string();
            Some(FormChoice {
                id,
                name,
                definition: form.clone(),
            })
        })
        .collect())
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(id) if !id.trim().is_empty() => Some(id.trim().to_string()),
        Value::Number(id) => Some(crate::json_number_text(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn staff_config() -> TargetConfig {
        TargetConfig::from_json(&json!({
            "target": "unite_us", "mode": "staff", "auth": "staff_token",
            "base_url": "https://api.example.org/v3", "group_id": "group 1"
        }))
        .unwrap()
    }

    #[test]
    fn service_types_are_flattened_parents_first_and_children_named_with_parents() {
        let tree = json!([
            {"id": "food", "name": "Food", "children": [{"id": "meals", "name": "Meals"}, {"name": "no id"}]},
            {"name": "no id either"},
            {"id": 7, "name": "Transport", "children": []}
        ]);
        let names: Vec<(String, String)> = service_types_from(&tree)
            .into_iter()
            .map(|choice| (choice.id, choice.name))
            .collect();
        assert_eq!(
            names,
            [
                ("food".into(), "Food".into()),
                ("meals".into(), "Food: Meals".into()),
                ("7".into(), "Transport".into())
            ]
        );
    }

    #[test]
    fn service_types_answer_without_a_list_is_refused_with_a_reason() {
        assert!(parse_service_types(&AnswerBody::from_text("<html>"))
            .unwrap_err()
            .contains("not JSON"));
        assert!(
            parse_service_types(&AnswerBody::from_text(r#"{"data": {}}"#))
                .unwrap_err()
                .contains("no list")
        );
        assert_eq!(
            parse_service_types(&AnswerBody::from_text(r#"{"data": []}"#)),
            Ok(Vec::new())
        );
    }

    #[test]
    fn the_form_configuration_gives_the_form_and_the_service_types() {
        let read = |text: &str| read_form_config(&AnswerBody::from_text(text));
        let good = read(
            r#"{"data": {"form": {"id": "f1", "sections": []},
                "service_types": [{"id": "food", "name": "Food", "children": [{"id": 3, "name": "Meals"}]}]}}"#,
        )
        .unwrap();
        assert_eq!(good.form, Some(json!({"id": "f1", "sections": []})));
        assert_eq!(
            good.service_types,
            [
                ("food".to_string(), "Food".to_string()),
                ("3".to_string(), "Food: Meals".to_string())
            ]
        );
        assert_eq!(
            read(r#"{"data": {"form": {"id": "f1"}}}"#).unwrap(),
            FormConfig {
                form: Some(json!({"id": "f1"})),
                service_types: Vec::new()
            },
            "service types missing"
        );
        let without_form = FormConfig {
            form: None,
            service_types: Vec::new(),
        };
        assert_eq!(
            read(r#"{"data": {"form": null, "service_types": []}}"#),
            Ok(without_form.clone())
        );
        assert_eq!(read(r#"{"data": {}}"#), Ok(without_form.clone()));
        // Read as an empty configuration, as the page always has.
        assert_eq!(read(r#"{"data": null}"#), Ok(without_form));
    }

    #[test]
    fn a_form_configuration_without_data_is_refused() {
        let read = |text: &str| read_form_config(&AnswerBody::from_text(text));
        assert_eq!(read(r#"{"form": {}}"#), Err(FormConfigProblem::NoData));
        assert_eq!(read("[]"), Err(FormConfigProblem::NoData));
        assert_eq!(read("<html>"), Err(FormConfigProblem::NotJson));
        assert_eq!(read(""), Err(FormConfigProblem::NotJson));
    }

    #[test]
    fn intake_forms_url_asks_for_intake_use_and_encodes_the_service_type() {
        let config = staff_config();
        assert_eq!(
            intake_forms_url(&config, None).unwrap(),
            "https://api.example.org/v3/groups/group%201/forms/available_for_use?q%5Buse_type%5D=intake&per=100"
        );
        assert_eq!(
            intake_forms_url(&config, Some("a&b=c")).unwrap(),
            "https://api.example.org/v3/groups/group%201/forms/available_for_use?q%5Buse_type%5D=intake&per=100&q%5Bservice_type_ids%5D%5B%5D=a%26b%3Dc"
        );
        assert_eq!(
            intake_forms_url(&config, Some("")),
            intake_forms_url(&config, None)
        );
    }

    #[test]
    fn a_configured_program_narrows_the_forms_and_the_service_types() {
        let mut config = staff_config();
        assert_eq!(
            service_types_url(&config).unwrap(),
            "https://api.example.org/v3/groups/group%201/service_types"
        );
        config.program_id = Some(" prog 7 ".into());
        assert_eq!(
            service_types_url(&config).unwrap(),
            "https://api.example.org/v3/groups/group%201/service_types?q%5Bprogram_id%5D=prog%207"
        );
        assert_eq!(
            intake_forms_url(&config, Some("st-1")).unwrap(),
            "https://api.example.org/v3/groups/group%201/forms/available_for_use?q%5Buse_type%5D=intake&per=100&q%5Bservice_type_ids%5D%5B%5D=st-1&q%5Bprogram_id%5D=prog%207"
        );
    }

    #[test]
    fn forms_are_read_in_order_skipping_those_without_an_id() {
        let body = json!({"data": [
            {"id": "f1", "name": " Food intake ", "sections": []},
            {"name": "no id"},
            {"id": 12, "sections": []}
        ]})
        .to_string();
        let forms = parse_forms_available(&AnswerBody::from_text(&body)).unwrap();
        let names: Vec<(&str, &str)> = forms
            .iter()
            .map(|form| (form.id.as_str(), form.name.as_str()))
            .collect();
        assert_eq!(names, [("f1", "Food intake"), ("12", "12")]);
        assert_eq!(forms[0].definition["sections"], json!([]));
    }

    #[test]
    fn a_forms_answer_that_is_not_a_list_is_refused_with_a_reason() {
        assert!(parse_forms_available(&AnswerBody::from_text(""))
            .unwrap_err()
            .contains("not JSON"));
        assert!(
            parse_forms_available(&AnswerBody::from_text(r#"{"data": null}"#))
                .unwrap_err()
                .contains("no list of forms")
        );
    }
}
