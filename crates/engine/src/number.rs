//! Numbers as people type them and as people read them: one reader and
//! one writer for validation, conditions, the definition loader and the
//! JSON module, so every one of them agrees on what a number is.
//!
//! Both are written here instead of using the standard library's float
//! parsing and `Display`, whose correctly rounded algorithms carry large
//! tables into the widget's wasm; each function says how close it stays.

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
const EXACT_POWERS_OF_TEN: [f64; 23] = [
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
fn scale_by_power_of_ten(mut magnitude: f64, mut exponent: i64) -> f64 {
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
    for (places, &power) in EXACT_POWERS_OF_TEN.iter().enumerate().take(18).skip(1) {
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
        while magnitude * EXACT_POWERS_OF_TEN[leading_zeros + 1] < 1.0 {
            leading_zeros += 1;
        }
        let places = 17 - whole_digits + leading_zeros;
        let scaled = (magnitude * EXACT_POWERS_OF_TEN[places]).round() as u64;
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
        mantissa = scale_by_power_of_ten(magnitude, -i64::from(exponent + 1));
        exponent += 1;
    }
    while mantissa < 1.0 {
        mantissa = scale_by_power_of_ten(magnitude, -i64::from(exponent - 1));
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
    fn numbers_read_as_people_write_them() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-12.0), "-12");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(1e18), "1000000000000000000");
        assert_eq!(number_text(1e20), "1e20");
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
