//! Property test of the loader: whatever the input, loading returns a form or
//! an error and never panics, and a loaded form can be evaluated with any
//! answers. Inputs come from a seeded generator, so a failure is reproducible:
//! the message names the seed and case.

use intake_engine::{load_form, load_form_str, FormState};
use serde_json::{json, Map, Value};

/// xorshift64*: tiny, deterministic, good enough to explore shapes.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const KEYS: &[&str] = &[
    "id",
    "sections",
    "questions",
    "section_id",
    "display_order",
    "section_type",
    "display_name",
    "label_text",
    "input_type",
    "input_options",
    "option_label",
    "validators",
    "validation_type",
    "message",
    "only_integer",
    "greater_than",
    "less_than",
    "equal_to",
    "conditional_display",
    "show_or_hide",
    "and_conditions",
    "or_conditions",
    "question_id",
    "operator",
    "operator_value",
    "show_or_hide_question_id",
    "response",
    "response_value",
    "min_selections",
    "max_selections",
    "is_required",
    "help_text",
    "help_text_position",
    "translations",
    "form",
    "data",
    "start",
    "end",
];
const WORDS: &[&str] = &[
    "q1",
    "q2",
    "q3",
    "s1",
    "o1",
    "text",
    "select",
    "checkbox",
    "radio",
    "date",
    "duration",
    "number",
    "block",
    "BREAK",
    "form_group",
    "show",
    "hide",
    "is",
    "=",
    "contains",
    "is_blank",
    "greater_than",
    "presence",
    "numericality",
    "1",
    "-3",
    "1e309",
    "",
    "☃",
    "<script>",
    "2024-02-30",
    "20",
];

fn scalar(random: &mut Random) -> Value {
    match random.below(6) {
        0 => Value::Null,
        1 => Value::Bool(random.below(2) == 0),
        2 => json!(random.next() as i64 % 100_000),
        3 => json!((random.next() % 1000) as f64 / 7.0),
        _ => Value::String(random.pick(WORDS).to_string()),
    }
}

fn value(random: &mut Random, depth: usize) -> Value {
    if depth == 0 || random.below(3) == 0 {
        return scalar(random);
    }
    if random.below(2) == 0 {
        (0..random.below(4))
            .map(|_| value(random, depth - 1))
            .collect()
    } else {
        let mut object = Map::new();
        for _ in 0..random.below(6) {
            object.insert(random.pick(KEYS).to_string(), value(random, depth - 1));
        }
        Value::Object(object)
    }
}

/// Form-shaped JSON: mostly the right keys, with every kind of wrong value.
fn form_like(random: &mut Random) -> Value {
    let question_ids = ["q1", "q2", "q3", "q4"];
    let mut sections = Vec::new();
    for section in 0..random.below(3) + 1 {
        let mut questions = Vec::new();
        for _ in 0..random.below(4) {
            let mut question = Map::new();
            question.insert("id".into(), json!(random.pick(&question_ids)));
            question.insert(
                "input_type".into(),
                json!(random.pick(&[
                    "text", "select", "checkbox", "radio", "date", "duration", "number", "block",
                    "Email", "x"
                ])),
            );
            for _ in 0..random.below(5) {
                question.insert(random.pick(KEYS).to_string(), value(random, 3));
            }
            if random.below(2) == 0 {
                question.insert("conditional_display".into(), json!({
                    "show_or_hide": random.pick(&["show", "hide", "HIDE", ""]),
                    "and_conditions": [{"question_id": random.pick(&question_ids), "operator": random.pick(&["is", "contains", "greater_than", "is_not_blank", "?"]), "operator_value": scalar(random)}],
                    "or_conditions": [{"question_id": random.pick(&question_ids), "operator": random.pick(&["is_blank", "less_than", "does_not_contain"]), "operator_value": scalar(random)}],
                }));
            }
            if random.below(2) == 0 {
                question.insert(
                    "input_options".into(),
                    json!([{"id": "o1", "option_label": scalar(random)}, {"id": scalar(random)}]),
                );
            }
            questions.push(Value::Object(question));
        }
        sections.push(json!({"id": format!("s{section}"), "section_type": random.pick(&["form_group", "break", "BREAK", "odd"]), "questions": questions}));
    }
    let form = json!({"id": "f", "sections": sections});
    match random.below(3) {
        0 => json!({"form": form}),
        1 => json!({"data": {"form": form}}),
        _ => form,
    }
}

fn exercise(form: &Value, random: &mut Random) {
    let Ok(loaded) = load_form(form) else { return };
    let mut state = FormState::new(loaded.form);
    let ids: Vec<String> = state
        .form()
        .questions
        .iter()
        .map(|question| question.id.clone())
        .collect();
    for _ in 0..8 {
        let mut answers = Map::new();
        answers.insert(random.pick(&ids).clone(), value(random, 2));
        let _ = state.set_answers_from_json(&answers);
        let _ = state.evaluate();
    }
}

/// With `INTAKE_FUZZ_SECONDS=N` (the test command's fuzz audit sets it) the
/// properties keep drawing cases until N seconds have passed, beyond the
/// fixed minimum every plain `cargo test` runs.
fn keep_going(case: u64, minimum: u64, started: std::time::Instant) -> bool {
    let budget = std::env::var("INTAKE_FUZZ_SECONDS")
        .ok()
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .map(std::time::Duration::from_secs);
    case < minimum || budget.is_some_and(|budget| started.elapsed() < budget)
}

#[test]
fn loading_and_evaluating_random_definitions_never_panics() {
    let seed = 0x1A7A_4E5E_ED00_0001;
    let mut random = Random(seed);
    let started = std::time::Instant::now();
    let mut case = 0u64;
    while keep_going(case, 4_000, started) {
        let form = if case.is_multiple_of(2) {
            form_like(&mut random)
        } else {
            value(&mut random, 6)
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exercise(&form, &mut Random(seed ^ case))
        }));
        assert!(
            outcome.is_ok(),
            "seed {seed:#x}, case {case}: panicked on {form}"
        );
        case += 1;
    }
    println!("fuzz: {case} random definitions loaded and evaluated, 0 panics");
}

#[test]
fn mutated_fixture_text_never_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let fixture: Value = serde_json::from_str(&text).unwrap();
        texts.push(fixture["form"].to_string().into_bytes());
    }
    let mut random = Random(0xF1_0A7);
    let started = std::time::Instant::now();
    let mut case = 0u64;
    while keep_going(case, 3_000, started) {
        let mut bytes = random.pick(&texts).clone();
        for _ in 0..random.below(4) + 1 {
            let at = random.below(bytes.len());
            match random.below(4) {
                0 => bytes.truncate(at),
                1 => bytes[at] = *random.pick(b"{}[]\",:0-9aZ\\ \x00\xff"),
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, *random.pick(b"{}[]\",:")),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let text = String::from_utf8_lossy(&bytes).to_string();
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(loaded) = load_form_str(&text) {
                FormState::new(loaded.form).evaluate();
            }
        });
        assert!(outcome.is_ok(), "case {case}: panicked on {text}");
        case += 1;
    }
    println!("fuzz: {case} mutated definition texts loaded, 0 panics");
}
