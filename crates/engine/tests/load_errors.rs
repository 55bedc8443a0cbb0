//! Definitions the engine must refuse, each with one clear message, and large
//! or deep inputs it must survive.

use intake_engine::{load_form_str, FormState, LoadError};

#[test]
fn text_that_is_not_json_names_the_line_and_column() {
    let error = load_form_str("{\n  \"sections\": [,]\n}").unwrap_err();
    assert!(
        matches!(error, LoadError::NotJson { line: 2, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("line 2"), "{error}");
}

#[test]
fn a_json_value_that_is_not_an_object_is_refused() {
    let error = load_form_str("[1, 2, 3]").unwrap_err();
    assert_eq!(error, LoadError::NotAnObject { found: "a list" });
    assert!(error.to_string().contains("is a list"));
}

#[test]
fn a_definition_without_questions_is_refused() {
    for text in [
        "{}",
        r#"{"sections": []}"#,
        r#"{"sections": [{"id": "s", "questions": []}]}"#,
        r#"{"data": {"form": {"sections": null}}}"#,
        r#"{"questions": null}"#,
    ] {
        assert_eq!(
            load_form_str(text).unwrap_err(),
            LoadError::NoQuestions,
            "{text}"
        );
    }
}

#[test]
fn duplicate_question_ids_are_refused_with_both_paths() {
    let text = r#"{"sections": [
        {"id": "a", "questions": [{"id": "q", "input_type": "text"}]},
        {"id": "b", "questions": [{"id": "q", "input_type": "number"}]}]}"#;
    match load_form_str(text).unwrap_err() {
        LoadError::DuplicateQuestionId {
            id,
            first_path,
            second_path,
        } => {
            assert_eq!(id, "q");
            assert_eq!(first_path, "sections[0].questions[0]");
            assert_eq!(second_path, "sections[1].questions[0]");
        }
        other => panic!("expected a duplicate id error, got {other:?}"),
    }
}

#[test]
fn absurd_nesting_is_refused_without_overflowing_the_stack() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(load_form_str(&text).unwrap_err(), LoadError::TooDeep);
    let text = format!(
        r#"{{"sections": {}{}}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    assert_eq!(load_form_str(&text).unwrap_err(), LoadError::TooDeep);
}

#[test]
fn a_chain_of_conditions_as_long_as_a_form_may_be_loads_and_evaluates() {
    let count = intake_engine::MAX_QUESTIONS;
    let last = count - 1;
    let mut questions = Vec::new();
    for index in 0..count {
        let display = if index == 0 {
            "null".to_string()
        } else {
            format!(
                r#"{{"show_or_hide": "show", "and_conditions": [{{"question_id": "q{}", "operator": "is_not_blank"}}]}}"#,
                index - 1
            )
        };
        questions.push(format!(r#"{{"id": "q{index}", "input_type": "text", "label_text": "Q{index}", "conditional_display": {display}}}"#));
    }
    let text = format!(
        r#"{{"sections": [{{"id": "s", "questions": [{}]}}]}}"#,
        questions.join(",")
    );
    let loaded = load_form_str(&text).unwrap();
    assert!(
        loaded.problems.is_empty(),
        "{:?}",
        &loaded.problems[..3.min(loaded.problems.len())]
    );
    let mut state = FormState::new(loaded.form);
    assert!(!state.is_visible(last));
    for index in 0..count {
        state.set_answer_by_id(
            &format!("q{index}"),
            Some(intake_engine::Answer::Text("yes".into())),
        );
    }
    assert!(state.is_visible(last));
    // Clearing the first answer hides the whole chain at once.
    let changes = state.set_answer_by_id("q0", None).unwrap();
    assert_eq!(changes.len(), last);
    assert!(!state.is_visible(last));
}

#[test]
fn answers_read_back_as_a_person_would_say_them() {
    let text = r#"{"sections": [{"id": "s", "questions": [
        {"id": "pick", "input_type": "checkbox", "input_options": [{"id": "a", "option_label": "Apples"}, {"id": "b", "option_label": "Bananas"}]},
        {"id": "ok", "input_type": "checkbox"},
        {"id": "span", "input_type": "duration"},
        {"id": "empty", "input_type": "text"}]}]}"#;
    let mut state = FormState::new(load_form_str(text).unwrap().form);
    state.set_answer_by_id(
        "pick",
        Some(intake_engine::Answer::Choices(vec!["b".into(), "a".into()])),
    );
    state.set_answer_by_id("ok", Some(intake_engine::Answer::Flag(true)));
    state.set_answer_by_id(
        "span",
        Some(intake_engine::Answer::Duration {
            start: "2024-01-01".into(),
            end: "2024-02-01".into(),
        }),
    );
    assert_eq!(state.answer_text(0).as_deref(), Some("Bananas, Apples"));
    assert_eq!(state.answer_text(1).as_deref(), Some("Yes"));
    assert_eq!(
        state.answer_text(2).as_deref(),
        Some("2024-01-01 to 2024-02-01")
    );
    assert_eq!(state.answer_text(3), None);
}
