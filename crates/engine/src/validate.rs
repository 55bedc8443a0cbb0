//! Validation of one visible question's answer. Hidden questions are never
//! validated: [`crate::FormState`] only calls this for shown ones.

use crate::answer::{Answer, AnswerKind};
use crate::condition::parse_number;
use crate::date::iso_date_to_epoch_seconds;
use crate::model::{InputType, Question, ValidatorKind};

/// Why an answer is not acceptable, so a UI can pick its own wording when the
/// form's author gave none.
#[derive(Clone, Debug, PartialEq)]
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

/// One problem with an answer and the English message to show for it: the
/// author's validator message when there is one, otherwise our own.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub kind: IssueKind,
    pub message: String,
    /// True when `message` is the form author's own wording; a UI shows that
    /// as it is and may translate only the engine's default messages.
    pub from_author: bool,
}

/// A numericality bound, the test an answer must pass against it, and the
/// issue when it does not.
type BoundCheck = (Option<f64>, fn(f64, f64) -> bool, fn(f64) -> IssueKind);

/// A JSON number as text: integers exactly, floats as [`number_text`]
/// writes them. serde_json's own `Display` for numbers would link its float
/// formatter and tables into the widget's wasm. The text differs from
/// serde_json's for floats: a whole float has no `.0` (`2`, not `2.0`, which
/// servers read as the same number; `-0.0` is `0`), and floats far from any
/// typed number are written with an exponent to 17 significant digits.
pub fn json_number_text(number: &serde_json::Number) -> String {
    if let Some(whole) = number.as_i64() {
        whole.to_string()
    } else if let Some(whole) = number.as_u64() {
        whole.to_string()
    } else {
        number.as_f64().map(number_text).unwrap_or_default()
    }
}

/// Formats a number for people: whole numbers without a trailing `.0`,
/// other numbers with the fewest decimals that read back as the same
/// number (`0.1`, `2.675`, `0.3333333333333333`), as Rust's `Display`
/// writes them. Written here because `Display` for floats carries its
/// own formatting tables into the widget's wasm (about 6 KB gzip).
/// Numbers no person types (from about 10^15 with a fraction, beyond 10^19,
/// or below 10^-3 with more than 17 decimals) are written with an exponent to 17 significant digits,
/// which read back within a few units in the last place.
/// The app's Spanish messages use it too, so both languages agree.
pub fn number_text(number: f64) -> String {
    if number.is_nan() {
        return "NaN".into();
    }
    if number.is_infinite() {
        return if number > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if number < 0.0 { "-" } else { "" };
    let magnitude = number.abs();
    if magnitude.fract() == 0.0 && magnitude < 1.8e19 {
        return format!("{sign}{}", magnitude as u64);
    }
    // The fewest decimals whose scaled integer, divided back, is the same
    // float: both operands of that division are exact, so it is also what
    // any correct reader makes of the text.
    for places in 1..=17 {
        let power = crate::condition::EXACT_POWERS_OF_TEN[places];
        let scaled = (magnitude * power).round();
        if scaled < 9_007_199_254_740_992.0 && scaled / power == magnitude {
            let scaled = scaled as u64;
            let power = 10u64.pow(places as u32);
            return format!(
                "{sign}{}.{:0places$}",
                scaled / power,
                scaled % power,
                places = places
            );
        }
    }
    // Up to 17 significant digits (beyond what 2^53 holds exactly), as
    // `0.30000000000000004`.
    if (1e-3..1e15).contains(&magnitude) {
        let whole_digits = if magnitude >= 1.0 {
            (magnitude as u64).to_string().len()
        } else {
            0
        };
        let mut leading_zeros = 0;
        while magnitude * crate::condition::EXACT_POWERS_OF_TEN[leading_zeros + 1] < 1.0 {
            leading_zeros += 1;
        }
        let places = 17 - whole_digits + leading_zeros;
        let scaled = (magnitude * crate::condition::EXACT_POWERS_OF_TEN[places]).round() as u64;
        let power = 10u64.pow(places as u32);
        let fraction = format!("{:0places$}", scaled % power, places = places);
        let fraction = fraction.trim_end_matches('0');
        let point = if fraction.is_empty() { "" } else { "." };
        return format!("{sign}{}{point}{fraction}", scaled / power);
    }
    scientific_text(sign, magnitude)
}

/// `d.ddde±n` with up to 17 significant digits, for numbers far from any a
/// person types.
fn scientific_text(sign: &str, magnitude: f64) -> String {
    let mut exponent: i32 = 0;
    let mut mantissa = magnitude;
    while mantissa >= 10.0 {
        mantissa = crate::condition::scale_by_power_of_ten(magnitude, -i64::from(exponent + 1));
        exponent += 1;
    }
    while mantissa < 1.0 {
        mantissa = crate::condition::scale_by_power_of_ten(magnitude, -i64::from(exponent - 1));
        exponent -= 1;
    }
    let mut digits = (mantissa * 1e16).round() as u64;
    if digits >= 100_000_000_000_000_000 {
        digits /= 10;
        exponent += 1;
    }
    let text = digits.to_string();
    let (first, rest) = text.split_at(1);
    let rest = rest.trim_end_matches('0');
    let point = if rest.is_empty() { "" } else { "." };
    format!("{sign}{first}{point}{rest}e{exponent}")
}

fn label_of(question: &Question) -> String {
    let label = question
        .label_text
        .trim()
        .trim_end_matches([':', '*'])
        .trim();
    if label.is_empty() {
        "This question".to_string()
    } else {
        label.to_string()
    }
}

/// The author's message, placed after the label when it reads as the end of
/// a sentence ("is required" → "First name is required"), as the reference does.
fn author_message(question: &Question, message: &str) -> String {
    let message = message.trim();
    if message.chars().next().is_some_and(char::is_lowercase) {
        format!("{} {message}", label_of(question))
    } else {
        message.to_string()
    }
}

fn default_message(question: &Question, kind: &IssueKind) -> String {
    let label = label_of(question);
    match kind {
        IssueKind::Required => match AnswerKind::of(question) {
            AnswerKind::SingleChoice | AnswerKind::MultipleChoice | AnswerKind::Flag => {
                format!("{label}: select an answer")
            }
            _ => format!("{label} is required"),
        },
        IssueKind::NotANumber => format!("{label} must be a number"),
        IssueKind::NotAWholeNumber => format!("{label} must be a whole number"),
        IssueKind::GreaterThan(bound) => {
            format!("{label} must be greater than {}", number_text(*bound))
        }
        IssueKind::GreaterThanOrEqualTo(bound) => {
            format!("{label} must be {} or more", number_text(*bound))
        }
        IssueKind::EqualTo(bound) => format!("{label} must be {}", number_text(*bound)),
        IssueKind::NotEqualTo(bound) => format!("{label} must not be {}", number_text(*bound)),
        IssueKind::LessThan(bound) => format!("{label} must be less than {}", number_text(*bound)),
        IssueKind::LessThanOrEqualTo(bound) => {
            format!("{label} must be {} or less", number_text(*bound))
        }
        IssueKind::TooFewSelections(minimum) => format!("{label}: select at least {minimum}"),
        IssueKind::TooManySelections(maximum) => format!("{label}: select no more than {maximum}"),
        IssueKind::InvalidEmail => {
            format!("{label} must be an email address, like name@example.com")
        }
        IssueKind::InvalidDate => format!("{label} must be a real date"),
        IssueKind::IncompleteDuration => format!("{label}: enter both a start and an end date"),
        IssueKind::DurationEndsBeforeStart => {
            format!("{label}: the end date must be on or after the start date")
        }
        IssueKind::UnknownOption(id) => format!("{label}: \"{id}\" is not one of the choices"),
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
    let mut push = |kind: IssueKind, author: Option<&str>| {
        let message = match author {
            Some(message) => author_message(question, message),
            None => default_message(question, &kind),
        };
        if !issues.iter().any(|issue| issue.message == message) {
            issues.push(Issue {
                kind,
                message,
                from_author: author.is_some(),
            });
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
    use super::{looks_like_email, number_text};

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-12.0), "-12");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(1e18), "1000000000000000000");
        assert_eq!(number_text(1e20), "1e20");
    }

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

#[cfg(test)]
mod number_text_tests {
    use super::number_text;

    /// The same generator as the decimal reader's tests.
    fn next(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *state >> 11
    }

    #[test]
    fn numbers_people_type_are_written_as_rusts_display_writes_them() {
        let mut state = 1;
        for _ in 0..200_000 {
            let digits = next(&mut state) % 100_000_000;
            let places = (next(&mut state) % 8) as i32;
            let number = digits as f64 / 10f64.powi(places);
            for number in [number, -number] {
                assert_eq!(number_text(number), format!("{number}"), "{number:?}");
            }
        }
        for number in [
            0.1 + 0.2,
            1.0 / 3.0,
            2.0 / 3.0,
            1e-6,
            0.000123,
            123456.789,
            1e14 + 0.5,
        ] {
            assert_eq!(number_text(number), format!("{number}"), "{number:?}");
        }
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(f64::NAN), "NaN");
        assert_eq!(number_text(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn any_float_is_written_so_that_it_reads_back_close() {
        let mut state = 2;
        for _ in 0..200_000 {
            let number = f64::from_bits(next(&mut state) << 11 ^ next(&mut state));
            if !number.is_finite() {
                continue;
            }
            let text = number_text(number);
            let read: f64 = text
                .parse()
                .unwrap_or_else(|_| panic!("{number:?} as {text}"));
            let close = read == number
                || (read - number).abs() <= number.abs() * 4.0 * f64::EPSILON
                || (number.abs() < 1e-300 && (read - number).abs() < 1e-300);
            assert!(close, "{number:?} was written {text}");
        }
        // Far from typed numbers the text has an exponent and may be off in
        // the last digit or two.
        for (number, start) in [(1e300, "1"), (f64::MAX, "1.79769313486231")] {
            let text = number_text(number);
            assert!(text.starts_with(start) && text.contains('e'), "{text}");
        }
        assert_eq!(number_text(1.5e-10), "0.00000000015");
    }
}
