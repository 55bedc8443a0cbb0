//! Golden tests of the mapping to each target. Each file in `tests/targets/`
//! names a configuration, a form, answers and (for updates) an existing
//! record; the exact requests, headers and bodies that must be planned are
//! in the file's `expect` object. Run with `INTAKE_BLESS=1` to rewrite
//! `expect` from what the code plans now, then read the diff.

use std::path::{Path, PathBuf};

use intake_engine::targets::{
    about_you_section, coverage, guarantees, plan, step_fits, SubmissionInput, TargetConfig,
};
use intake_engine::{load_form_with_leading_sections, FormState};
use serde_json::{json, Value};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/targets")
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// Plans the fixture `name` and compares with its `expect`.
fn check(name: &str) {
    let path = dir().join(format!("{name}.json"));
    let mut fixture = read(&path);
    let config = TargetConfig::from_json(&fixture["config"])
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let definition = read(&dir().join(fixture["form"].as_str().unwrap_or("person-form.json")));
    let plain = load_form_with_leading_sections(&definition, &[]).expect("the form loads");
    let service_types: Vec<(String, String)> = vec![("st-meals".into(), "Meals".into())];
    let about_you: Vec<Value> = about_you_section(&config, Some(&plain.form), &service_types)
        .into_iter()
        .collect();
    let loaded = load_form_with_leading_sections(&definition, &about_you).expect("the form loads");
    let mut state = FormState::new(loaded.form.clone());
    let problems =
        state.set_answers_from_json(&fixture["answers"].as_object().cloned().unwrap_or_default());
    assert!(problems.is_empty(), "{name}: answers: {problems:?}");
    let mut input =
        SubmissionInput::from_state(&state, &config, "0d8f7b9e-6c1a-4b2d-9e3f-1a2b3c4d5e6f");
    input.existing_id = fixture["existing_id"].as_str().map(str::to_string);
    input.existing_notes = fixture["existing_notes"].as_str().map(str::to_string);
    if let Some(changed) = fixture["changed"].as_array() {
        input.changed = Some(
            changed
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        );
    }
    input.cleared = fixture["cleared"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let planned = plan(&config, &input);
    // A stored submission is sent only when its configuration would plan
    // each step: every plan must pass that check, before and after the
    // id an earlier step captures is filled in.
    for step in &planned.steps {
        for filled in [step.clone(), {
            let mut resolved = step.clone();
            resolved.url = step.resolved_url(Some("rec 42/x"));
            resolved
        }] {
            assert!(
                step_fits(&config, &filled),
                "{name}: {} {} does not fit its own configuration",
                filled.method.as_str(),
                filled.url
            );
        }
    }
    let statically = coverage(&config, &plain.form);
    let actual = json!({
        "about_you": about_you.first().map(|section| section["questions"].as_array().map(|questions| questions.iter().map(|q| q["field"].clone()).collect::<Vec<_>>())),
        "requests": planned.to_preview_json(),
        "unstorable": planned.unstorable.iter().map(|(question, why)| json!([question, why])).collect::<Vec<_>>(),
        "guarantees": guarantees(&config, input.existing_id.is_some(), &planned.steps).iter().map(|guarantee| guarantee.as_str()).collect::<Vec<_>>(),
        "missing_required_without_about_you": statically.missing_required.iter().map(|(field, _)| field.clone()).collect::<Vec<_>>(),
    });
    if std::env::var_os("INTAKE_BLESS").is_some() {
        fixture["expect"] = actual;
        let text = serde_json::to_string_pretty(&fixture).expect("JSON writes") + "\n";
        std::fs::write(&path, text).expect("the fixture is writable");
        return;
    }
    assert_eq!(
        serde_json::to_string_pretty(&actual).expect("JSON writes"),
        serde_json::to_string_pretty(&fixture["expect"]).expect("JSON writes"),
        "{name}: the planned requests differ from the golden ones (INTAKE_BLESS=1 rewrites them)"
    );
}

#[test]
fn unite_us_widget_sends_one_assistance_request_with_requestor_form_response_and_consent() {
    check("unite-us-widget");
}

#[test]
fn unite_us_widget_can_send_rails_bracket_keys_form_encoded() {
    check("unite-us-widget-form-encoded");
}

#[test]
fn unite_us_staff_creates_the_contact_then_responds_to_the_form() {
    check("unite-us-staff-create");
}

#[test]
fn unite_us_staff_update_patches_the_contact_and_responds_for_it() {
    check("unite-us-staff-update");
}

#[test]
fn casebook_creates_a_json_api_person_and_cannot_store_unbound_answers() {
    check("casebook-create");
}

#[test]
fn casebook_update_patches_only_changed_attributes() {
    check("casebook-update");
}

#[test]
fn persons_v1_upserts_with_unbound_answers_folded_into_information() {
    check("persons-v1-create");
}

#[test]
fn persons_v1_update_adds_to_the_information_already_there_and_clears_with_empty_text() {
    check("persons-v1-update");
}

#[test]
fn caspen_update_adds_to_the_notes_already_there() {
    check("caspen-update");
}

#[test]
fn charity_crm_creates_with_our_uuid_and_nested_name() {
    check("charity-crm-create");
}

#[test]
fn charity_crm_update_clears_emptied_fields_with_null() {
    check("charity-crm-update");
}

#[test]
fn caspen_creates_a_client_with_unbound_answers_folded_into_notes() {
    check("caspen-create");
}

#[test]
fn hidden_answers_are_never_sent() {
    check("hidden-answer-not-sent");
}

#[test]
fn server_errors_land_on_the_question_bound_to_the_field() {
    use intake_engine::targets::{normalise_error, person_record, place_errors};
    let definition = read(&dir().join("person-form.json"));
    let form = load_form_with_leading_sections(&definition, &[])
        .expect("the form loads")
        .form;
    let mut state = FormState::new(form.clone());
    state.set_answers_from_json(
        &json!({"q-first": "Rosa", "q-last": "Diaz", "q-postcode": "1", "q-household": "3"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    let cases = [
        // A question left unanswered still gets its message.
        (
            json!({"target": "casebook", "mode": "staff"}),
            r#"{"errors":[{"detail":"email can't be blank","source":{"pointer":"/data/attributes/email"}}]}"#,
            "q-email",
            "Email can't be blank",
        ),
        (
            json!({"target": "casebook", "mode": "staff"}),
            r#"{"errors":[{"detail":"last_name can't be blank","source":{"pointer":"/data/attributes/last_name"}},{"detail":"Something else broke"}]}"#,
            "q-last",
            "Last name can't be blank",
        ),
        (
            json!({"target": "caspen", "mode": "staff"}),
            r#"{"message":"x","errors":{"address.postal_code":["The address.postal code field must be 5 characters."]}}"#,
            "q-postcode",
            "The address.postal code field must be 5 characters.",
        ),
        (
            json!({"target": "unite_us", "widget_token": "t"}),
            r#"{"errors":{"requestor.address.postal_code":["is too short (minimum is 5 characters)"]}}"#,
            "q-postcode",
            "Postal code is too short (minimum is 5 characters)",
        ),
        (
            json!({"target": "persons_v1", "mode": "staff"}),
            r#"{"message":"m","errors":{"data.0.firstName":["firstName must be a string"]}}"#,
            "q-first",
            "First name must be a string",
        ),
        (
            json!({"target": "charity_crm", "mode": "staff"}),
            r#"{"message":"m","errors":{"name.lastName":["This value should not be blank."]}}"#,
            "q-last",
            "Last name: This value should not be blank.",
        ),
    ];
    for (config, body, question, message) in cases {
        let config = TargetConfig::from_json(&config).expect("config");
        let input = SubmissionInput::from_state(&state, &config, "r");
        let planned = plan(&config, &input);
        let errors = normalise_error(422, serde_json::from_str(body).ok().as_ref());
        let placed = place_errors(
            &config,
            &planned.steps[0],
            &errors,
            &person_record(&state, &Default::default()),
            &input.form_response,
            &form,
        );
        assert_eq!(
            placed.by_question.get(question),
            Some(&vec![message.to_string()]),
            "{config:?}: {placed:?}"
        );
    }
    // A Unite US form response error finds its question by position.
    let config = TargetConfig::from_json(&json!({"target": "unite_us", "widget_token": "t"}))
        .expect("config");
    let input = SubmissionInput::from_state(&state, &config, "r");
    let planned = plan(&config, &input);
    let errors = normalise_error(
        422,
        Some(
            &json!({"errors":{"requestor.form_response.data.3.response_value":["is not a number"],"nonsense.path":["odd"]}}),
        ),
    );
    let placed = place_errors(
        &config,
        &planned.steps[0],
        &errors,
        &input.person,
        &input.form_response,
        &form,
    );
    assert_eq!(
        placed.by_question.get("q-household"),
        Some(&vec![
            "How many people live with you? is not a number".to_string()
        ])
    );
    assert_eq!(placed.general, vec!["nonsense path: odd".to_string()]);
}

/// GOV.UK's order: the name first, then the rest of the person's details
/// together. What the built-in section adds goes right after the form's
/// section that asks the name, under that section's heading, when the form
/// asks the name, and leads, with its own heading, when it does not.
#[test]
fn built_in_details_follow_the_forms_own_questions_about_the_person() {
    let definition = json!({"id": "f", "name": "F", "sections": [
        {"id": "need", "name": "Your request", "display_order": 2, "display_name": true, "questions": [
            {"id": "q-need", "label_text": "What do you need?", "input_type": "text", "display_order": 1}]},
        {"id": "you", "name": "About you", "display_order": 1, "display_name": true, "questions": [
            {"id": "q-first", "label_text": "First name", "input_type": "text", "field": "person.first_name", "display_order": 1},
            {"id": "q-last", "label_text": "Last name", "input_type": "text", "field": "person.last_name", "display_order": 2}]}
    ]});
    let sections_with = |config: &TargetConfig, definition: &Value| {
        let plain = load_form_with_leading_sections(definition, &[]).expect("the form loads");
        let built_in: Vec<Value> = about_you_section(config, Some(&plain.form), &[])
            .into_iter()
            .collect();
        let loaded = load_form_with_leading_sections(definition, &built_in).expect("it loads");
        // A section whose name is not shown is written in brackets.
        loaded
            .form
            .sections
            .iter()
            .map(|section| match section.display_name {
                true => section.name.clone(),
                false => format!("({})", section.name),
            })
            .collect::<Vec<_>>()
    };
    let caspen = TargetConfig::from_json(&json!({"target": "caspen", "mode": "widget",
        "base_url": "/gateway/caspen/v1", "auth": "none", "require": ["person.address.city"]}))
    .expect("the configuration reads");
    assert_eq!(
        sections_with(&caspen, &definition),
        ["About you", "(Your details)", "Your request"]
    );
    // A form that does not ask the name: the built-in section asks it, first.
    let mut nameless = definition.clone();
    nameless["sections"][1]["questions"] = json!([
        {"id": "q-born", "label_text": "Date of birth", "input_type": "date", "field": "person.date_of_birth", "display_order": 1}]);
    assert_eq!(
        sections_with(&caspen, &nameless),
        ["Your details", "About you", "Your request"]
    );
}
