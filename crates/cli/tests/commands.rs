//! The `intake` binary as a form author's pipeline runs it.

use std::process::Command;

fn intake(arguments: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(arguments)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

fn scratch(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("intake-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().to_string()
}

const FORM: &str = r#"{"form": {"sections": [{"id": "s", "questions": [
  {"id": "q1", "input_type": "radio", "label_text": "Housing?", "is_required": true,
   "input_options": [{"id": "yes", "option_label": "Yes"}, {"id": "no", "option_label": "No"}]},
  {"id": "q2", "input_type": "date", "label_text": "Since when?",
   "conditional_display": {"show_or_hide": "show", "and_conditions": [{"question_id": "q1", "operator": "is", "operator_value": "Yes"}]}},
  {"id": "q3", "input_type": "text", "label_text": "Other", "conditional_display": {"show_or_hide": "show", "and_conditions": [{"question_id": "zz", "operator": "is", "operator_value": "x"}]}}
]}]}}"#;

#[test]
fn lint_prints_one_problem_per_line_and_exits_zero_for_a_usable_form() {
    let (code, stdout, _) = intake(&["lint", &scratch("form.json", FORM)]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(lines[0].starts_with("warning: form.sections[0].questions[2].conditional_display.and_conditions[0].question_id (question q3)"), "{stdout}");
}

#[test]
fn lint_exits_one_with_a_clear_message_for_an_unusable_form() {
    let (code, stdout, stderr) = intake(&["lint", &scratch("broken.json", "{\"sections\": [")]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("not valid JSON"), "{stderr}");
    let (code, _, stderr) = intake(&["lint", &scratch("empty.json", "{\"sections\": []}")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("has no questions"), "{stderr}");
}

#[test]
fn evaluate_prints_visibility_errors_and_form_response() {
    let form = scratch("form2.json", FORM);
    let answers = scratch("answers.json", r#"{"q1": "yes", "q2": "2024-03-05"}"#);
    let (code, stdout, stderr) = intake(&["evaluate", &form, "--answers", &answers]);
    assert_eq!(code, 0, "{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        result,
        serde_json::json!({
            "visible": ["q1", "q2"],
            "hidden": ["q3"],
            "errors": {},
            "form_response": [{"question_id": "q1", "response_value": "yes"}, {"question_id": "q2", "response_value": 1709596800}]
        })
    );
}

#[test]
fn evaluate_without_answers_reports_required_questions() {
    let (code, stdout, _) = intake(&["evaluate", &scratch("form3.json", FORM)]);
    assert_eq!(code, 0);
    let result: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        result["errors"],
        serde_json::json!({"q1": ["Housing?: select an answer"]})
    );
}

#[test]
fn evaluate_refuses_answers_that_do_not_fit_the_form() {
    let form = scratch("form4.json", FORM);
    let answers = scratch("bad-answers.json", r#"{"nope": "x", "q1": ["yes", "no"]}"#);
    let (code, _, stderr) = intake(&["evaluate", &form, "--answers", &answers]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no question with id \"nope\""), "{stderr}");
    assert!(
        stderr.contains("question q1 should be an option id"),
        "{stderr}"
    );
}

#[test]
fn unknown_commands_print_usage_and_exit_two() {
    let (code, _, stderr) = intake(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("usage:"));
}
