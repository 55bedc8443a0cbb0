//! Prints what one answer change costs on forms of 50, 1,000 and 10,000
//! questions: the incremental update against a full re-evaluation, and the
//! one-off costs of loading and of computing the form_response.
//!
//! Run with `cargo bench -p intake-engine` (or `cargo xtask bench`). It prints
//! figures rather than asserting them: timings depend on the machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use intake_engine::{load_form_str, Answer, FormState};

/// A generated form like a large real intake form: sections of ten questions
/// of mixed types, about a quarter of them conditional on an earlier
/// question (AND and OR), with one "toggle" question that about a tenth of
/// the conditions read.
fn generated_form(question_count: usize) -> String {
    let mut sections = Vec::new();
    let mut questions = Vec::new();
    for index in 0..question_count {
        let input = match index % 5 {
            0 => r#""input_type": "radio", "input_options": [{"id": "y", "option_label": "Yes"}, {"id": "n", "option_label": "No"}]"#.to_string(),
            1 => r#""input_type": "number", "validators": [{"validation_type": "numericality", "greater_than_or_equal_to": 0}]"#.to_string(),
            2 => r#""input_type": "checkbox", "input_options": [{"id": "a", "option_label": "A"}, {"id": "b", "option_label": "B"}]"#.to_string(),
            3 => r#""input_type": "date""#.to_string(),
            _ => r#""input_type": "text", "is_required": true"#.to_string(),
        };
        let condition = if index > 0 && index % 4 == 0 {
            let source = if index % 40 == 0 {
                0
            } else {
                index - 1 - (index % 7).min(index - 1)
            };
            if index % 8 == 0 {
                format!(
                    r#", "conditional_display": {{"show_or_hide": "show", "and_conditions": [], "or_conditions": [{{"question_id": "q{source}", "operator": "is", "operator_value": "Yes"}}, {{"question_id": "q0", "operator": "is", "operator_value": "Yes"}}]}}"#
                )
            } else {
                format!(
                    r#", "conditional_display": {{"show_or_hide": "hide", "and_conditions": [{{"question_id": "q{source}", "operator": "is_not_blank"}}, {{"question_id": "q0", "operator": "is", "operator_value": "No"}}]}}"#
                )
            }
        } else {
            String::new()
        };
        questions.push(format!(
            r#"{{"id": "q{index}", "label_text": "Question {index}", {input}{condition}}}"#
        ));
        if questions.len() == 10 || index + 1 == question_count {
            sections.push(format!(
                r#"{{"id": "s{}", "questions": [{}]}}"#,
                sections.len(),
                questions.join(",")
            ));
            questions.clear();
        }
    }
    format!(r#"{{"sections": [{}]}}"#, sections.join(","))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    let samples = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn format_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{:.2} ms", micros / 1000.0)
    }
}

fn main() {
    println!("intake-engine: cost of one answer change (median of repeated runs, release build)");
    println!();
    println!("| questions | load | typing into a question nobody reads | toggling the question every conditional question reads | full re-evaluation | form_response |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for question_count in [50, 1_000, 10_000] {
        let text = generated_form(question_count);
        let runs = if question_count > 5_000 { 15 } else { 101 };
        let load = time(runs.min(21), || {
            load_form_str(&text).map(|loaded| loaded.form.questions.len())
        });
        let Ok(loaded) = load_form_str(&text) else {
            eprintln!("the generated form did not load");
            std::process::exit(1);
        };
        let mut state = FormState::new(loaded.form);
        let leaf = question_count - 1;
        let mut keystroke = 0u32;
        let typing = time(runs * 10, || {
            keystroke += 1;
            state.set_answer(leaf, Some(Answer::Text(format!("typed {keystroke}"))))
        });
        let mut toggle = false;
        let toggling = time(runs, || {
            toggle = !toggle;
            let choice = if toggle { "y" } else { "n" };
            state.set_answer(0, Some(Answer::Choice(choice.into())))
        });
        let full = time(runs, || state.evaluate_all());
        let response = time(runs, || state.form_response().len());
        println!(
            "| {question_count} | {} | {} | {} | {} | {} |",
            format_duration(load),
            format_duration(typing),
            format_duration(toggling),
            format_duration(full),
            format_duration(response)
        );
    }
}
