//! Checks of a loaded form that need the whole form: cycles of conditions,
//! contradictory limits, choice questions with nothing to choose.

use crate::graph::Dependencies;
use crate::model::{Form, InputType};
use crate::problem::{Problem, Severity};

pub(crate) fn lint(form: &Form, paths: &[String], problems: &mut Vec<Problem>) {
    let mut warn = |index: usize, suffix: &str, message: String| {
        problems.push(Problem {
            severity: Severity::Warning,
            path: format!("{}{suffix}", paths[index]),
            question_id: Some(form.questions[index].id.clone()),
            message,
        });
    };
    for (index, question) in form.questions.iter().enumerate() {
        let choice = matches!(question.input_type, InputType::Select | InputType::Radio);
        if choice && question.input_options.is_empty() {
            warn(
                index,
                ".input_options",
                "a choice question with no options cannot be answered".into(),
            );
        }
        if question.min_selections > 0
            && question.max_selections > 0
            && question.min_selections > question.max_selections
        {
            warn(
                index,
                ".min_selections",
                format!(
                    "min_selections ({}) is more than max_selections ({}), so no answer can be valid",
                    question.min_selections, question.max_selections
                ),
            );
        }
        let options = question.input_options.len() as u32;
        if matches!(question.input_type, InputType::Select | InputType::Checkbox)
            && options > 0
            && question.min_selections > options
        {
            warn(
                index,
                ".min_selections",
                format!("min_selections ({}) is more than the {options} options offered, so no answer can be valid", question.min_selections),
            );
        }
        if let Some(display) = &question.conditional_display {
            for condition in display.conditions() {
                if let Some(source) = condition.source {
                    if form.questions[source].input_type == InputType::Block {
                        warn(
                            index,
                            ".conditional_display",
                            format!("a condition reads \"{}\", which is display-only text and never has an answer", condition.question_id),
                        );
                    }
                }
            }
        }
    }
    for cycle in Dependencies::build(form).cycles {
        let ids: Vec<&str> = cycle
            .iter()
            .map(|&index| form.questions[index].id.as_str())
            .collect();
        let first = cycle[0];
        warn(
            first,
            ".conditional_display",
            format!(
                "conditions form a cycle through {}; inside the cycle each question reads the others' answers as if they were shown",
                ids.join(" → ")
            ),
        );
    }
}
