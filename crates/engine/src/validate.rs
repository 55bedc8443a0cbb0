//! Validation of one visible question's answer. Hidden questions are never
//! validated: [`crate::FormState`] only calls this for shown ones.

use crate::answer::{Answer, AnswerKind};
use crate::date::iso_date_to_epoch_seconds;
use crate::model::{InputType, Question, ValidatorKind};
use crate::number::parse_number;
use serde::Serialize;

/// Why an answer is not acceptable. The engine words nothing itself: the
/// interface's catalogue says each kind in the person's language, and the
/// `intake evaluate` command prints the kind as it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum IssueKind {
    Required,
    NotANumber,
    NotAWholeNumber,
    GreaterThan(f64),
    GreaterThanOrEqualTo(f64),
    EqualTo(f64),
    NotEqualTo(f64),
    LessThan(f64),
    LessThanOrEqualTo(f64),
    TooFewSelections(u32),
    TooManySelections(u32),
    InvalidEmail,
    InvalidDate,
    IncompleteDuration,
    DurationEndsBeforeStart,
    UnknownOption(String),
}

/// One problem with an answer: its kind, and the form author's own wording
/// for it when the definition's validator gives one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Issue {
    #[serde(flatten)]
    pub kind: IssueKind,
    /// The author's message, after the question's label when it reads as
    /// the end of a sentence ("is required" → "First name is required"), as
    /// the reference does. It is in the definition's language: a
    /// definition's `translations` have no place for validator messages.
    #[serde(rename = "message", skip_serializing_if = "Option::is_none")]
    pub author_message: Option<String>,
}

/// A numericality bound, the test an answer must pass against it, and the
/// issue when it does not.
type BoundCheck = (Option<f64>, fn(f64, f64) -> bool, fn(f64) -> IssueKind);

fn author_message(question: &Question, message: &str) -> String {
    let message = message.trim();
    // The definition's own label: the author's message is in its language.
    let label = question.label_in_message("");
    if !label.is_empty() && message.chars().next().is_some_and(char::is_lowercase) {
        format!("{label} {message}")
    } else {
        message.to_string()
    }
}

/// A plausible email address: one `@`, something before it, a dotted domain
/// after it, and no spaces. Deliberately loose, like the HTML email input.
pub(crate) fn looks_like_email(text: &str) -> bool {
    let text = text.trim();
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && text.len() <= 254
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
}

/// Every issue with `answer` to `question`, in a stable order.
pub(crate) fn validate(question: &Question, answer: Option<&Answer>) -> Vec<Issue> {
    let kind = AnswerKind::of(question);
    if kind == AnswerKind::NoAnswer {
        return Vec::new();
    }
    let presence_message = question
        .validators
        .iter()
        .find_map(|validator| match validator.kind {
            ValidatorKind::Presence => Some(validator.message.clone()),
            _ => None,
        });
    let mut issues: Vec<Issue> = Vec::new();
    // One message once: an author who gives two rules the same message
    // ("a whole number from 1 to 20") means one problem.
    let mut push = |kind: IssueKind, author: Option<&str>| {
        let issue = Issue {
            kind,
            author_message: author.map(|message| author_message(question, message)),
        };
        let repeated = issues.iter().any(|known| match &issue.author_message {
            Some(message) => known.author_message.as_ref() == Some(message),
            None => known.kind == issue.kind,
        });
        if !repeated {
            issues.push(issue);
        }
    };
    let Some(answer) = answer.filter(|answer| !answer.is_blank()) else {
        if question.required() {
            push(IssueKind::Required, presence_message.flatten().as_deref());
        }
        return issues;
    };
    match answer {
        Answer::Text(text) => {
            let numeric = question
                .validators
                .iter()
                .filter(|validator| matches!(validator.kind, ValidatorKind::Numericality { .. }))
                .collect::<Vec<_>>();
            if kind == AnswerKind::Number || !numeric.is_empty() {
                match parse_number(text) {
                    None => {
                        let message = numeric
                            .iter()
                            .find_map(|validator| validator.message.as_deref());
                        push(IssueKind::NotANumber, message);
                    }
                    Some(number) => {
                        for validator in numeric {
                            let ValidatorKind::Numericality {
                                only_integer,
                                greater_than,
                                greater_than_or_equal_to,
                                equal_to,
                                not_equal_to,
                                less_than,
                                less_than_or_equal_to,
                            } = &validator.kind
                            else {
                                continue;
                            };
                            let message = validator.message.as_deref();
                            if *only_integer && number.fract() != 0.0 {
                                push(IssueKind::NotAWholeNumber, message);
                            }
                            let checks: [BoundCheck; 6] = [
                                (*greater_than, |n, b| n > b, IssueKind::GreaterThan),
                                (
                                    *greater_than_or_equal_to,
                                    |n, b| n >= b,
                                    IssueKind::GreaterThanOrEqualTo,
                                ),
                                (*equal_to, |n, b| n == b, IssueKind::EqualTo),
                                (*not_equal_to, |n, b| n != b, IssueKind::NotEqualTo),
                                (*less_than, |n, b| n < b, IssueKind::LessThan),
                                (
                                    *less_than_or_equal_to,
                                    |n, b| n <= b,
                                    IssueKind::LessThanOrEqualTo,
                                ),
                            ];
                            for (bound, holds, issue) in checks {
                                if let Some(bound) = bound {
                                    if !holds(number, bound) {
                                        push(issue(bound), message);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if question.input_type == InputType::Email && !looks_like_email(text) {
                push(IssueKind::InvalidEmail, None);
            }
            if kind == AnswerKind::Date && iso_date_to_epoch_seconds(text).is_none() {
                push(IssueKind::InvalidDate, None);
            }
        }
        Answer::Duration { start, end } => {
            let start_date = iso_date_to_epoch_seconds(start);
            let end_date = iso_date_to_epoch_seconds(end);
            if start.trim().is_empty() || end.trim().is_empty() {
                push(IssueKind::IncompleteDuration, None);
            } else if start_date.is_none() || end_date.is_none() {
                push(IssueKind::InvalidDate, None);
            } else if end_date < start_date {
                push(IssueKind::DurationEndsBeforeStart, None);
            }
        }
        Answer::Choice(id) => {
            if question.option(id).is_none() {
                push(IssueKind::UnknownOption(id.clone()), None);
            }
        }
        Answer::Choices(ids) => {
            for id in ids.iter().filter(|id| question.option(id).is_none()) {
                push(IssueKind::UnknownOption(id.clone()), None);
            }
            let count = ids.len() as u32;
            if question.min_selections > 0 && count < question.min_selections {
                push(IssueKind::TooFewSelections(question.min_selections), None);
            }
            if question.max_selections > 0 && count > question.max_selections {
                push(IssueKind::TooManySelections(question.max_selections), None);
            }
        }
        Answer::Flag(_) => {}
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::looks_like_email;

    #[test]
    fn email_shapes() {
        for good in [
            "a@b.co",
            "first.last+tag@example.org",
            " maria@example.com ",
        ] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@b.", "a@-b.co",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
