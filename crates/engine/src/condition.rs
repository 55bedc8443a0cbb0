//! The nine condition operators, applied to the value a condition reads.

use crate::answer::Answer;
use crate::model::{Condition, ConditionalDisplay, Operator, Question, ShowOrHide};
use crate::number::parse_number;

/// What a condition sees of an answer: text, and option labels (not ids) for
/// choice questions. One chosen label is plain text, several are a list, as in
/// Unite US's reference renderer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionValue {
    Blank,
    One(String),
    Many(Vec<String>),
}

impl ConditionValue {
    /// Reads `answer` (to `question`) the way conditions see it.
    pub fn of(question: &Question, answer: Option<&Answer>) -> ConditionValue {
        let Some(answer) = answer.filter(|answer| !answer.is_blank()) else {
            return ConditionValue::Blank;
        };
        let label = |id: &str| {
            question
                .option(id)
                .map(|option| option.option_label.clone())
        };
        match answer {
            Answer::Text(text) => ConditionValue::One(text.clone()),
            // ISO 8601 writes an interval as start/end.
            Answer::Duration { start, end } => ConditionValue::One(format!("{start}/{end}")),
            Answer::Choice(id) => label(id).map_or(ConditionValue::Blank, ConditionValue::One),
            Answer::Choices(ids) => {
                let mut labels: Vec<String> = ids.iter().filter_map(|id| label(id)).collect();
                match labels.len() {
                    0 => ConditionValue::Blank,
                    1 => ConditionValue::One(labels.remove(0)),
                    _ => ConditionValue::Many(labels),
                }
            }
            Answer::Flag(_) => ConditionValue::One("true".into()),
        }
    }

    /// Text equality compares against this, as the reference does with
    /// lodash's `toString`: blank is empty, a list is its items joined by commas.
    fn as_text(&self) -> String {
        match self {
            ConditionValue::Blank => String::new(),
            ConditionValue::One(text) => text.clone(),
            ConditionValue::Many(items) => items.join(","),
        }
    }

    fn as_number(&self) -> Option<f64> {
        match self {
            ConditionValue::One(text) => parse_number(text),
            _ => None,
        }
    }
}

/// Whether one condition holds for the value it reads.
///
/// `greater_than` and `less_than` are false when either side is not a number.
/// The reference coerces a blank answer to 0, so "less than 5" holds before
/// anything is typed; we deliberately do not.
pub fn condition_holds(condition: &Condition, value: &ConditionValue) -> bool {
    let expected = condition.operator_value.as_str();
    match &condition.operator {
        Operator::Equals | Operator::Is => value.as_text() == expected,
        Operator::IsNot => value.as_text() != expected,
        Operator::GreaterThan => match (value.as_number(), parse_number(expected)) {
            (Some(answer), Some(bound)) => answer > bound,
            _ => false,
        },
        Operator::LessThan => match (value.as_number(), parse_number(expected)) {
            (Some(answer), Some(bound)) => answer < bound,
            _ => false,
        },
        Operator::Contains => contains(value, expected),
        Operator::DoesNotContain => !contains(value, expected),
        Operator::IsBlank => *value == ConditionValue::Blank,
        Operator::IsNotBlank => *value != ConditionValue::Blank,
        Operator::Unknown(_) => false,
    }
}

/// Substring for text, membership for a list, false for blank.
fn contains(value: &ConditionValue, expected: &str) -> bool {
    match value {
        ConditionValue::Blank => false,
        ConditionValue::One(text) => text.contains(expected),
        ConditionValue::Many(items) => items.iter().any(|item| item == expected),
    }
}

/// Whether a question with this conditional display is shown, given a way to
/// read the value each condition looks at.
///
/// All AND conditions must hold (an empty list holds). When they do not, or
/// when the AND list is empty and the OR list is not, the result is whether any
/// OR condition holds. `show` shows on a true result; `hide` hides on it.
pub fn is_shown(
    display: &ConditionalDisplay,
    mut read: impl FnMut(&Condition) -> ConditionValue,
) -> bool {
    let mut result = display
        .and_conditions
        .iter()
        .all(|condition| condition_holds(condition, &read(condition)));
    if !result || (display.and_conditions.is_empty() && !display.or_conditions.is_empty()) {
        result = display
            .or_conditions
            .iter()
            .any(|condition| condition_holds(condition, &read(condition)));
    }
    match display.show_or_hide {
        ShowOrHide::Show => result,
        ShowOrHide::Hide => !result,
    }
}
