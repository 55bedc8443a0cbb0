//! Typed answers, and reading them from JSON (stored responses, the command
//! line's answer files, drafts).

use serde_json::Value;

use crate::date::{epoch_seconds_to_iso_date, iso_date_to_epoch_seconds};
use crate::model::{InputType, Question};

/// The shape of answer a question takes, derived from its input type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerKind {
    /// Display-only block text.
    NoAnswer,
    Text,
    Number,
    /// `YYYY-MM-DD`.
    Date,
    Duration,
    SingleChoice,
    MultipleChoice,
    /// A single yes/no checkbox.
    Flag,
}

impl AnswerKind {
    pub fn of(question: &Question) -> AnswerKind {
        match question.input_type {
            InputType::Block => AnswerKind::NoAnswer,
            InputType::Number => AnswerKind::Number,
            InputType::Date => AnswerKind::Date,
            InputType::Duration => AnswerKind::Duration,
            InputType::Radio => AnswerKind::SingleChoice,
            InputType::Select if question.is_multi_select() => AnswerKind::MultipleChoice,
            InputType::Select => AnswerKind::SingleChoice,
            InputType::Checkbox if question.is_single_checkbox() => AnswerKind::Flag,
            InputType::Checkbox => AnswerKind::MultipleChoice,
            _ => AnswerKind::Text,
        }
    }
}

/// One question's answer as the person gave it. Text is kept exactly as typed;
/// blankness and number parsing are decided where the answer is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Text, a number as typed, or a `YYYY-MM-DD` date.
    Text(String),
    /// Start and end dates, `YYYY-MM-DD` each; either may be empty while typing.
    Duration {
        start: String,
        end: String,
    },
    /// The chosen option's id.
    Choice(String),
    /// The chosen options' ids, in the order chosen.
    Choices(Vec<String>),
    Flag(bool),
}

impl Answer {
    /// True when the answer holds nothing: empty or white-space text, no
    /// option, an unticked box, or a duration with neither date.
    pub fn is_blank(&self) -> bool {
        match self {
            Answer::Text(text) | Answer::Choice(text) => text.trim().is_empty(),
            Answer::Duration { start, end } => start.trim().is_empty() && end.trim().is_empty(),
            Answer::Choices(ids) => ids.is_empty(),
            Answer::Flag(checked) => !checked,
        }
    }

    /// The answer as JSON in the shape [`Answer::from_json`] reads: drafts and
    /// the command line use this shape.
    pub fn to_json(&self) -> Value {
        match self {
            Answer::Text(text) | Answer::Choice(text) => Value::String(text.clone()),
            Answer::Duration { start, end } => {
                serde_json::json!({ "start": start, "end": end })
            }
            Answer::Choices(ids) => Value::Array(ids.iter().cloned().map(Value::String).collect()),
            Answer::Flag(checked) => Value::Bool(*checked),
        }
    }

    /// Reads an answer for `question` from JSON, accepting every shape seen in
    /// stored Unite US responses and in answer files: strings or numbers for
    /// text, epoch seconds or `YYYY-MM-DD` for dates, `{start, end}` or
    /// `[start, end]` for durations, an id, `{id}` or a one-item list for a
    /// single choice, a list (or one id) for multiple choices. `null` reads as
    /// no answer.
    pub fn from_json(question: &Question, value: &Value) -> Result<Option<Answer>, AnswerError> {
        if value.is_null() {
            return Ok(None);
        }
        let kind = AnswerKind::of(question);
        let wrong = |expected: &'static str| AnswerError {
            question_id: question.id.clone(),
            expected,
            found: describe(value),
        };
        let answer = match kind {
            AnswerKind::NoAnswer => return Err(wrong("no answer (it is display-only text)")),
            AnswerKind::Text | AnswerKind::Number => {
                Answer::Text(scalar_text(value).ok_or_else(|| wrong("a string"))?)
            }
            AnswerKind::Date => Answer::Text(
                date_text(value).ok_or_else(|| wrong("a date as YYYY-MM-DD or epoch seconds"))?,
            ),
            AnswerKind::Duration => {
                let (start, end) = match value {
                    Value::Object(map) => (map.get("start"), map.get("end")),
                    Value::Array(items) if items.len() == 2 => (items.first(), items.get(1)),
                    _ => return Err(wrong("{\"start\", \"end\"}")),
                };
                let side = |side: Option<&Value>| match side {
                    None | Some(Value::Null) => Some(String::new()),
                    Some(value) => date_text(value),
                };
                Answer::Duration {
                    start: side(start).ok_or_else(|| wrong("{\"start\", \"end\"} dates"))?,
                    end: side(end).ok_or_else(|| wrong("{\"start\", \"end\"} dates"))?,
                }
            }
            AnswerKind::SingleChoice => {
                let id = match value {
                    Value::Array(items) if items.len() <= 1 => match items.first() {
                        Some(item) => option_id(item),
                        None => return Ok(None),
                    },
                    other => option_id(other),
                };
                Answer::Choice(id.ok_or_else(|| wrong("an option id"))?)
            }
            AnswerKind::MultipleChoice => match value {
                Value::Array(items) => Answer::Choices(
                    items
                        .iter()
                        .map(option_id)
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| wrong("a list of option ids"))?,
                ),
                other => Answer::Choices(vec![
                    option_id(other).ok_or_else(|| wrong("a list of option ids"))?
                ]),
            },
            AnswerKind::Flag => match value {
                Value::Bool(checked) => Answer::Flag(*checked),
                Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" | "on" => Answer::Flag(true),
                    "false" | "no" | "0" | "off" | "" => Answer::Flag(false),
                    _ => return Err(wrong("true or false")),
                },
                _ => return Err(wrong("true or false")),
            },
        };
        Ok(Some(answer))
    }
}

/// An answer in JSON that does not fit its question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerError {
    pub question_id: String,
    pub expected: &'static str,
    pub found: String,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "The answer to question {} should be {}, but it is {}.",
            self.question_id, self.expected, self.found
        )
    }
}

impl std::error::Error for AnswerError {}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(number) => format!("the number {}", crate::json_number_text(number)),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(crate::json_number_text(number)),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Epoch values above this are taken to be milliseconds: as seconds they would
/// be after the year 5000.
const MILLISECONDS_THRESHOLD: f64 = 1e11;

fn date_text(value: &Value) -> Option<String> {
    let from_epoch = |seconds: f64| -> Option<String> {
        if !seconds.is_finite() {
            return None;
        }
        let seconds = if seconds.abs() > MILLISECONDS_THRESHOLD {
            seconds / 1000.0
        } else {
            seconds
        };
        epoch_seconds_to_iso_date(seconds.floor() as i64)
    };
    match value {
        Value::Number(number) => from_epoch(number.as_f64()?),
        Value::String(text) => {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                Some(String::new())
            } else if iso_date_to_epoch_seconds(trimmed).is_some() {
                Some(trimmed.to_string())
            } else if let Some(date) = trimmed.get(..10).filter(|prefix| {
                // Accept full timestamps such as 2024-01-31T00:00:00Z by their date part.
                trimmed.len() > 10 && iso_date_to_epoch_seconds(prefix).is_some()
            }) {
                Some(date.to_string())
            } else if let Ok(seconds) = trimmed.parse::<i64>() {
                // Stored Unite US dates are epoch numbers, sometimes as strings.
                from_epoch(seconds as f64)
            } else {
                // Keep what was typed so validation can say it is not a date.
                Some(text.clone())
            }
        }
        _ => None,
    }
}

fn option_id(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Number(number) => Some(crate::json_number_text(number)),
        Value::Object(map) => map.get("id").and_then(|id| match id {
            Value::String(id) => Some(id.clone()),
            Value::Number(number) => Some(crate::json_number_text(number)),
            _ => None,
        }),
        _ => None,
    }
}
