//! The app's own person / request / consent model, read from the answers of
//! questions that carry a `field` path.

use std::collections::BTreeMap;

use crate::answer::{Answer, AnswerKind};
use crate::state::FormState;

/// One model value, as the person gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// Text as typed (trimmed), a number, or a `YYYY-MM-DD` date.
    Text(String),
    /// A chosen option: its label, id and base id, all tried when the
    /// target wants one of its own enum values.
    Choice {
        label: String,
        id: String,
        base_id: Option<String>,
    },
    /// Several chosen options' labels.
    Choices(Vec<String>),
    Flag(bool),
}

impl FieldValue {
    /// The value as a person reads it.
    pub fn text(&self) -> String {
        match self {
            FieldValue::Text(text) => text.clone(),
            FieldValue::Choice { label, .. } => label.clone(),
            FieldValue::Choices(labels) => labels.join(", "),
            FieldValue::Flag(true) => "Yes".into(),
            FieldValue::Flag(false) => "No".into(),
        }
    }
}

/// An answer with no `field`, kept for targets that fold them into a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnboundAnswer {
    pub question_id: String,
    pub label: String,
    pub text: String,
}

/// The person, request and consent a form's answers describe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonRecord {
    /// Model path (`person.first_name`) to value, for shown, answered
    /// questions; the deployment's defaults fill the gaps.
    pub values: BTreeMap<String, FieldValue>,
    /// Which question gave each model path, so server errors find their way back.
    pub sources: BTreeMap<String, String>,
    /// The model paths in the order of the questions that gave them, then
    /// the defaults.
    pub order: Vec<String>,
    /// The label of the question that gave each model path.
    pub labels: BTreeMap<String, String>,
    /// Shown, answered questions without a `field`, in display order.
    pub unbound: Vec<UnboundAnswer>,
}

impl PersonRecord {
    pub fn text(&self, field: &str) -> Option<String> {
        self.values.get(field).map(FieldValue::text)
    }
}

/// Reads the model from the form's shown answers. `defaults` fill fields no
/// answer gives (e.g. a deployment's country).
pub fn person_record(state: &FormState, defaults: &BTreeMap<String, String>) -> PersonRecord {
    let mut record = PersonRecord::default();
    let form = state.form();
    for (index, question) in form.questions.iter().enumerate() {
        if !state.is_visible(index) || AnswerKind::of(question) == AnswerKind::NoAnswer {
            continue;
        }
        let Some(answer) = state.answer(index).filter(|answer| !answer.is_blank()) else {
            continue;
        };
        let value = match answer {
            Answer::Text(text) => FieldValue::Text(text.trim().to_string()),
            Answer::Duration { start, end } => FieldValue::Text(format!("{start} to {end}")),
            Answer::Choice(id) => match question.option(id) {
                Some(option) => FieldValue::Choice {
                    label: option.option_label.clone(),
                    id: option.id.clone(),
                    base_id: option.base_input_option_id.clone(),
                },
                None => continue,
            },
            Answer::Choices(ids) => FieldValue::Choices(
                ids.iter()
                    .filter_map(|id| question.option(id))
                    .map(|option| option.option_label.clone())
                    .collect(),
            ),
            Answer::Flag(flag) => FieldValue::Flag(*flag),
        };
        match &question.field {
            Some(field) => {
                if !record.order.contains(field) {
                    record.order.push(field.clone());
                }
                record.sources.insert(field.clone(), question.id.clone());
                record
                    .labels
                    .insert(field.clone(), question.label_text.clone());
                record.values.insert(field.clone(), value);
            }
            None => record.unbound.push(UnboundAnswer {
                question_id: question.id.clone(),
                label: question.label_text.clone(),
                text: state.answer_text(index).unwrap_or_else(|| value.text()),
            }),
        }
    }
    for (field, value) in defaults {
        if !record.values.contains_key(field) {
            record.order.push(field.clone());
            record
                .values
                .insert(field.clone(), FieldValue::Text(value.clone()));
        }
    }
    record
}

/// A version 4 UUID from 16 random bytes (the caller brings the randomness,
/// from the browser's `crypto.getRandomValues`).
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_sets_version_and_variant_bits() {
        let uuid = uuid_v4([0xff; 16]);
        assert_eq!(uuid, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
