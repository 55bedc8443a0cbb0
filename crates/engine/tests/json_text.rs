//! The engine's JSON reader and writer against serde_json: on random values,
//! on every JSON file in the repository, and on many broken versions of
//! them, both must accept and refuse the same texts and read the same values.

use intake_engine::json::{parse, to_pretty_text, to_text};
use serde_json::{Map, Number, Value};

/// A small deterministic generator: the same cases on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const STRING_PIECES: &[&str] = &[
    "a", "Zoë", "\"", "\\", "/", "\n", "\t", "\r", "\u{8}", "\u{c}", "\u{1}", "\u{1f}", "\u{7f}",
    "é", "日本", "😀", " ", "{", "]", ":", ",", "\u{2028}", "",
];

fn random_string(random: &mut Random) -> String {
    (0..random.below(6))
        .map(|_| *random.pick(STRING_PIECES))
        .collect()
}

fn random_number(random: &mut Random) -> Number {
    match random.below(6) {
        0 => Number::from(random.below(1000)),
        1 => Number::from(-(random.below(1_000_000) as i64)),
        2 => Number::from(u64::MAX - random.below(10)),
        3 => Number::from(i64::MIN + random.below(10) as i64),
        4 => Number::from_f64((random.below(100_000) as f64) / 1000.0 - 50.0).unwrap(),
        _ => Number::from_f64(f64::from_bits(random.next() << 31 | random.next()))
            .unwrap_or_else(|| Number::from(0)),
    }
}

fn random_value(random: &mut Random, depth: u32) -> Value {
    let kinds = if depth > 4 { 4 } else { 6 };
    match random.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(random.below(2) == 0),
        2 => Value::Number(random_number(random)),
        3 => Value::String(random_string(random)),
        4 => Value::Array(
            (0..random.below(4))
                .map(|_| random_value(random, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..random.below(4))
                .map(|_| (random_string(random), random_value(random, depth + 1)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

/// Equal, integers as integers and floats as floats, with floats equal to
/// within a few units in the last place (the reader is exact for typed
/// numbers, not for every float).
fn same(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) if a.is_f64() != b.is_f64() => false,
        (Value::Number(a), Value::Number(b)) => {
            match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
                (Some(a), Some(b), _, _) => a == b,
                (_, _, Some(a), Some(b)) => a == b,
                _ => {
                    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                    a == b || (a - b).abs() <= a.abs().max(b.abs()) * 8.0 * f64::EPSILON
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => left == right,
    }
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(entries) => entries.values().any(has_float),
        _ => false,
    }
}

/// Both readers accept `text` or both refuse it; accepted, the values agree.
fn agree(text: &str) {
    let ours = parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => assert!(same(ours, theirs), "{text:?}: {ours} against {theirs}"),
        (Err(_), Err(_)) => {}
        _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
}

#[test]
fn random_values_read_and_write_as_serde_json_does() {
    let mut random = Random(3);
    for _ in 0..20_000 {
        let value = random_value(&mut random, 0);
        let compact = serde_json::to_string(&value).unwrap();
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        agree(&compact);
        agree(&pretty);
        assert!(same(&parse(&compact).unwrap(), &value), "{compact}");
        // What we write, serde_json reads back as the same value ...
        let written = to_text(&value);
        let read_back: Value = serde_json::from_str(&written).unwrap();
        assert!(same(&read_back, &value), "{written}");
        let read_back: Value = serde_json::from_str(&to_pretty_text(&value)).unwrap();
        assert!(same(&read_back, &value));
        // ... and without floats, it is the same text to the byte.
        if !has_float(&value) {
            assert_eq!(written, compact);
            assert_eq!(to_pretty_text(&value), pretty);
        }
    }
}

#[test]
fn the_repositorys_json_files_and_broken_versions_of_them_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut texts = Vec::new();
    for folder in [
        "public/forms",
        "public/config",
        "crates/engine/tests/fixtures",
        "crates/engine/tests/targets",
        "crates/engine/tests/search",
    ] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                texts.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    assert!(texts.len() > 20, "found only {} JSON files", texts.len());
    let alphabet: Vec<char> = "{}[]\":,.-+eE0123456789 \n\\utrfnal\u{1}é"
        .chars()
        .collect();
    let mut random = Random(5);
    for text in &texts {
        agree(text);
        let characters: Vec<char> = text.chars().collect();
        for _ in 0..300 {
            let mut mutated = characters.clone();
            for _ in 0..=random.below(3) {
                let at = random.below(mutated.len() as u64 + 1) as usize;
                match random.below(3) {
                    0 if at < mutated.len() => {
                        mutated.remove(at);
                    }
                    1 if at < mutated.len() => mutated[at] = *random.pick(&alphabet),
                    _ => mutated.insert(at, *random.pick(&alphabet)),
                }
            }
            agree(&mutated.into_iter().collect::<String>());
        }
    }
}

#[test]
fn edge_cases_agree_with_serde_json() {
    for text in [
        "",
        " ",
        "0",
        "-0",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "1E-2",
        "-1.5e3",
        "1e400",
        "1e-400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "true",
        "tru",
        "nul",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83dx\"",
        "\"\\u12\"",
        "\"\\x\"",
        "\"a\nb\"",
        "\"\u{7f}\"",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1:2}",
        "[1] x",
        "[1] ",
        "{\"a\":1,\"a\":2}",
        "\u{feff}1",
        "[[[[]]]]",
    ] {
        agree(text);
    }
    let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    agree(&deep(127));
    agree(&deep(128));
    assert!(parse(&deep(127)).is_ok());
    let error = parse(&deep(128)).unwrap_err();
    assert_eq!(error.kind, intake_engine::json::JsonErrorKind::TooDeep);
}

#[test]
fn errors_say_where_on_which_line() {
    let error = parse("{\n  \"a\": 1,\n  \"b\": x\n}").unwrap_err();
    assert_eq!((error.line, error.column), (3, 8));
    assert_eq!(error.to_string(), "unexpected character at line 3 column 8");
    let error = parse("[\"é\", tru]").unwrap_err();
    assert_eq!((error.line, error.column), (1, 10));
}
