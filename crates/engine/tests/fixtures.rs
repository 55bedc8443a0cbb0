//! Data-driven engine tests. Each file in `tests/fixtures/` holds a form
//! definition and cases of answers with what must follow: which questions are
//! visible or hidden, which errors, which `form_response`; and optionally the
//! load problems that must be reported. Only the keys a case names are checked.

use std::path::{Path, PathBuf};

use intake_engine::{load_form, FormState, Severity};
use serde_json::{json, Map, Value};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Loads `name.json` and checks everything it states, panicking with every
/// mismatch at once.
fn check(name: &str) {
    let path = fixtures_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let fixture: Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{name}.json is not JSON: {error}"));
    let loaded = load_form(&fixture["form"])
        .unwrap_or_else(|error| panic!("{name}: the form did not load: {error}"));
    let mut failures = Vec::new();

    // Without the `problems` feature (the widget's build) the same form
    // loads and nothing is recorded; everything below must hold either way.
    if !intake_engine::RECORDS_PROBLEMS {
        assert!(
            loaded.problems.is_empty(),
            "{name}: problems recorded without the feature"
        );
    }
    let expected_problems = fixture["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|_| intake_engine::RECORDS_PROBLEMS);
    for expected in expected_problems {
        let contains = expected["contains"].as_str().unwrap_or_default();
        let found = loaded.problems.iter().any(|problem| {
            problem.message.contains(contains)
                && expected["path"]
                    .as_str()
                    .is_none_or(|path| problem.path == path)
                && expected["question_id"]
                    .as_str()
                    .is_none_or(|id| problem.question_id.as_deref() == Some(id))
        });
        if !found {
            failures.push(format!(
                "expected a problem {expected}, got:\n    {}",
                problem_lines(&loaded.problems)
            ));
        }
    }
    if fixture["expect_no_warnings"] == json!(true) {
        let warnings: Vec<_> = loaded
            .problems
            .iter()
            .filter(|problem| problem.severity == Severity::Warning)
            .cloned()
            .collect();
        if !warnings.is_empty() {
            failures.push(format!(
                "expected no warnings, got:\n    {}",
                problem_lines(&warnings)
            ));
        }
    }
    if let Some(expected) = fixture.get("expect_form") {
        let form = &loaded.form;
        let actual = json!({
            "id": form.id,
            "question_order": form.questions.iter().map(|question| question.id.clone()).collect::<Vec<_>>(),
            "section_order": form.sections.iter().map(|section| section.id.clone()).collect::<Vec<_>>(),
        });
        compare("form", expected, &actual, &mut failures);
    }

    for case in fixture["cases"].as_array().into_iter().flatten() {
        let case_name = case["name"].as_str().unwrap_or("unnamed case");
        let mut state = FormState::new(loaded.form.clone());
        let answer_problems =
            state.set_answers_from_json(case["answers"].as_object().unwrap_or(&Map::new()));
        if !answer_problems.is_empty() {
            failures.push(format!(
                "{case_name}: answers not usable: {answer_problems:?}"
            ));
        }
        compare(
            case_name,
            &case["expect"],
            &serde_json::to_value(state.evaluate()).unwrap_or_default(),
            &mut failures,
        );
    }

    // A sequence applies answers one step at a time to the same state, so it
    // exercises incremental updates; each step is also compared with a state
    // evaluated from scratch.
    for sequence in fixture["sequences"].as_array().into_iter().flatten() {
        let sequence_name = sequence["name"].as_str().unwrap_or("unnamed sequence");
        let mut state = FormState::new(loaded.form.clone());
        for (step_number, step) in sequence["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let problems =
                state.set_answers_from_json(step["set"].as_object().unwrap_or(&Map::new()));
            assert!(problems.is_empty(), "{sequence_name}: {problems:?}");
            let label = format!("{sequence_name}, step {}", step_number + 1);
            let actual = serde_json::to_value(state.evaluate()).unwrap_or_default();
            compare(&label, &step["expect"], &actual, &mut failures);
            let mut fresh = state.clone();
            fresh.evaluate_all();
            if fresh.evaluate() != state.evaluate() {
                failures.push(format!(
                    "{label}: incremental visibility differs from a full evaluation"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}.json:\n  {}",
        failures.join("\n  ")
    );
}

fn problem_lines(problems: &[intake_engine::Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n    ")
}

fn compare(label: &str, expected: &Value, actual: &Value, failures: &mut Vec<String>) {
    let Some(expected) = expected.as_object() else {
        return;
    };
    for (key, expected_value) in expected {
        let actual_value = &actual[key];
        if actual_value != expected_value {
            failures.push(format!(
                "{label}: `{key}`\n    expected {expected_value}\n    actual   {actual_value}"
            ));
        }
    }
}

macro_rules! fixture_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
        const LISTED: &[&str] = &[$(stringify!($name)),*];
    };
}

fixture_tests!(
    reference_readme_sample,
    condition_operators,
    condition_and_or_show_hide,
    hidden_answers_cascade,
    condition_cycles,
    validation_rules,
    form_response_shapes,
    messy_flat_shape,
    lint_findings,
);

#[test]
fn every_fixture_file_is_listed() {
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            if !LISTED.contains(&stem.as_str()) {
                unlisted.push(stem);
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "fixture files not run by any test: {unlisted:?}"
    );
}
