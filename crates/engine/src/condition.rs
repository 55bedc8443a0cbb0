//! The nine condition operators, applied to the value a condition reads.

use crate::answer::Answer;
use crate::model::{Condition, ConditionalDisplay, Operator, Question, ShowOrHide};

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

/// Parses a finite decimal number, ignoring surrounding white space.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    // Rust's parser also accepts "inf" and "NaN", which no person means as a number.
    if trimmed.is_empty()
        || trimmed
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    parse_decimal(trimmed).filter(|number| number.is_finite())
}

/// Exact powers of ten: every one up to 10^22 is an `f64` without rounding.
pub(crate) const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads a decimal number as Rust's `f64` parser would, for the grammar it
/// accepts: an optional sign, digits with an optional fraction (`3`, `3.5`,
/// `.5`, `5.`) and an optional exponent (`1e3`, `2.5E-2`).
///
/// Why not `str::parse`: its correctly rounded algorithm carries a table of
/// powers of five (about 20 KB) into the widget's wasm. This reading is
/// exact (the same `f64`) whenever the significant digits fit in 2^53 and
/// the decimal exponent is within ±22, which covers every amount, age or
/// count a person types; beyond that it may differ in the last bit or two,
/// which no validation bound or condition notices.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut position = 0;
    let negative = read_sign(bytes, &mut position);
    let mut mantissa: u64 = 0;
    // The decimal exponent of the mantissa's last digit.
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut seen_point = false;
    // Adds one digit; past 19 digits, digits before the point only scale
    // the number and digits after it are dropped.
    let mut push = |digit: u64, after_point: bool| {
        if mantissa < 1_000_000_000_000_000_000 {
            mantissa = mantissa * 10 + digit;
            if after_point {
                exponent -= 1;
            }
        } else if !after_point {
            exponent += 1;
        }
    };
    // Zeros wait until a non-zero digit follows, so trailing zeros
    // (`1.500`, `1200`) never use up the digits that keep a number on the
    // exact path below: (zeros before the point, zeros after it).
    let mut pending_zeros: (i64, i64) = (0, 0);
    while let Some(&byte) = bytes.get(position) {
        match byte {
            b'0' => {
                digits += 1;
                if seen_point {
                    pending_zeros.1 += 1;
                } else {
                    pending_zeros.0 += 1;
                }
            }
            b'1'..=b'9' => {
                digits += 1;
                for _ in 0..pending_zeros.0 {
                    push(0, false);
                }
                for _ in 0..pending_zeros.1 {
                    push(0, true);
                }
                pending_zeros = (0, 0);
                push(u64::from(byte - b'0'), seen_point);
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        position += 1;
    }
    // Whole-number zeros that no digit followed scale the number; fraction
    // zeros change nothing.
    if mantissa != 0 {
        exponent += pending_zeros.0;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(position) {
        position += 1;
        let exponent_negative = read_sign(bytes, &mut position);
        let start = position;
        let mut written: i64 = 0;
        while let Some(&byte) = bytes.get(position).filter(|byte| byte.is_ascii_digit()) {
            written = (written * 10 + i64::from(byte - b'0')).min(100_000);
            position += 1;
        }
        if position == start {
            return None;
        }
        exponent += if exponent_negative { -written } else { written };
    }
    if position != bytes.len() {
        return None;
    }
    let magnitude = mantissa as f64;
    let value = if mantissa == 0 {
        0.0
    } else if mantissa <= 1 << 53 && exponent.unsigned_abs() <= 22 {
        // Both operands are exact, so the one rounding is the correct one.
        let power = EXACT_POWERS_OF_TEN[exponent.unsigned_abs() as usize];
        if exponent < 0 {
            magnitude / power
        } else {
            magnitude * power
        }
    } else {
        scale_by_power_of_ten(magnitude, exponent)
    };
    Some(if negative { -value } else { value })
}

/// Steps past an optional `-` or `+`; true for `-`.
fn read_sign(bytes: &[u8], position: &mut usize) -> bool {
    match bytes.get(*position) {
        Some(sign @ (b'-' | b'+')) => {
            *position += 1;
            *sign == b'-'
        }
        _ => false,
    }
}

/// `magnitude × 10^exponent` in steps of at most 10^22, so neither the power
/// nor a partial product overflows or vanishes before the result would.
pub(crate) fn scale_by_power_of_ten(mut magnitude: f64, mut exponent: i64) -> f64 {
    while exponent != 0 && magnitude != 0.0 && magnitude.is_finite() {
        let step = exponent.clamp(-22, 22);
        let power = EXACT_POWERS_OF_TEN[step.unsigned_abs() as usize];
        if step < 0 {
            magnitude /= power;
        } else {
            magnitude *= power;
        }
        exponent -= step;
    }
    magnitude
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

#[cfg(test)]
mod decimal_tests {
    use super::parse_decimal;

    /// A small deterministic generator: the same strings on every run.
    struct Strings(u64);

    impl Strings {
        fn next(&mut self, alphabet: &[u8], max_len: u64) -> String {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (self.0 >> 33) % (max_len + 1);
            (0..len)
                .map(|_| {
                    self.0 = self
                        .0
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[((self.0 >> 33) % alphabet.len() as u64) as usize] as char
                })
                .collect()
        }
    }

    #[test]
    fn accepts_exactly_what_the_standard_parser_accepts() {
        let mut strings = Strings(7);
        for _ in 0..200_000 {
            let text = strings.next(b"0123456789.+-eE", 9);
            let ours = parse_decimal(&text);
            let standard = text.parse::<f64>().ok();
            assert_eq!(ours.is_some(), standard.is_some(), "{text:?}");
            if let (Some(ours), Some(standard)) = (ours, standard) {
                let close = ours == standard
                    || (ours - standard).abs() <= standard.abs() * 4.0 * f64::EPSILON;
                assert!(close, "{text:?}: {ours} against {standard}");
            }
        }
    }

    #[test]
    fn numbers_people_type_are_read_to_the_same_bit() {
        let mut strings = Strings(11);
        for _ in 0..200_000 {
            let whole = strings.next(b"0123456789", 9);
            let fraction = strings.next(b"0123456789", 6);
            for text in [
                format!("{whole}.{fraction}"),
                format!("-{whole}"),
                format!("{whole}e-{}", fraction.len()),
                format!(".{fraction}"),
            ] {
                if let Ok(standard) = text.parse::<f64>() {
                    assert_eq!(
                        parse_decimal(&text).map(f64::to_bits),
                        Some(standard.to_bits()),
                        "{text:?}"
                    );
                }
            }
        }
        // Trailing zeros do not push a number off the exact path.
        for text in [
            "1.000000000000003000",
            "1200",
            "100.5",
            "0.0050",
            "000",
            "1.50e-0010",
            "9007199254740991.000000",
        ] {
            let standard: f64 = text.parse().unwrap();
            assert_eq!(
                parse_decimal(text).map(f64::to_bits),
                Some(standard.to_bits()),
                "{text}"
            );
        }
        for (text, expected) in [
            ("0.1", 0.1),
            ("2.675", 2.675),
            ("1e22", 1e22),
            ("9007199254740993", 9007199254740992.0),
            ("-0", -0.0),
        ] {
            assert_eq!(parse_decimal(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn extreme_numbers_stay_close_overflow_and_vanish_as_the_standard_parser_does() {
        for text in [
            "123456789012345678901234567890",
            "0.000000000000000000000000000001234567",
            "1.7976931348623157e308",
            "2.2250738585072014e-308",
            "1e400",
            "1e-400",
            "4.9e-324",
            "1e99999999999999999999",
        ] {
            let standard: f64 = text.parse().unwrap();
            let ours = parse_decimal(text).unwrap();
            let close =
                ours == standard || (ours - standard).abs() <= standard.abs() * 8.0 * f64::EPSILON;
            assert!(close, "{text}: {ours} against {standard}");
        }
    }
}
