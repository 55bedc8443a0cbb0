//! The Unite US `form_response` list: one entry per answered, visible question.

use serde::Serialize;
use serde_json::Value;

use crate::answer::{Answer, AnswerKind};
use crate::date::iso_date_to_epoch_seconds;
use crate::model::Question;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormResponseEntry {
    pub question_id: String,
    pub response_value: Value,
}

/// The value Unite US expects for `answer`, or `None` when there is nothing
/// to send: blank answers, and answers that cannot be converted (which
/// validation reports, so they never reach a real submission).
///
/// Radio and single select send the option id; multi-select and checkbox
/// lists send a list of ids; dates send epoch seconds at UTC midnight;
/// durations send `[start, end]` in the same unit; the rest send text.
pub(crate) fn response_value(question: &Question, answer: &Answer) -> Option<Value> {
    if answer.is_blank() {
        return None;
    }
    let kind = AnswerKind::of(question);
    match (kind, answer) {
        (AnswerKind::NoAnswer, _) => None,
        (AnswerKind::Date, Answer::Text(text)) => iso_date_to_epoch_seconds(text).map(Value::from),
        (AnswerKind::Duration, Answer::Duration { start, end }) => {
            let start = iso_date_to_epoch_seconds(start)?;
            let end = iso_date_to_epoch_seconds(end)?;
            Some(Value::Array(vec![Value::from(start), Value::from(end)]))
        }
        (AnswerKind::Number, Answer::Text(text)) => Some(Value::String(text.trim().to_string())),
        (AnswerKind::SingleChoice, Answer::Choice(id)) => question
            .option(id)
            .map(|option| Value::String(option.id.clone())),
        (AnswerKind::MultipleChoice, Answer::Choices(ids)) => {
            let known: Vec<Value> = ids
                .iter()
                .filter(|id| question.option(id).is_some())
                .map(|id| Value::String(id.clone()))
                .collect();
            (!known.is_empty()).then_some(Value::Array(known))
        }
        (AnswerKind::Flag, Answer::Flag(true)) => Some(Value::String("true".into())),
        (AnswerKind::Text, Answer::Text(text)) => Some(Value::String(text.clone())),
        // An answer of the wrong shape for its question (possible only through
        // the API, never through the UI) is not sent.
        _ => None,
    }
}
