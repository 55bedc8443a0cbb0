//! JSON text to [`Value`] and back with the browser's own `JSON.parse` and
//! `JSON.stringify`.
//!
//! Both are already in every browser, so the wasm ships no JSON parser or
//! writer of its own: serde_json's parser and its error messages were about
//! 30 KB of the widget's wasm, and its writer brought the ryu float
//! formatter and its tables. The engine reads and builds `Value`s, never
//! text, so this is the one place the app turns text into JSON and back.
//! Host builds (the app's unit tests) have no browser and use serde_json.

use serde_json::{Number, Value};

/// How deep arrays and objects may nest, as serde_json allows: a hostile or
/// broken definition cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

/// Why text could not be read as JSON, in words for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// The text is not JSON; the browser's message says where.
    Syntax(String),
    /// Arrays or objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::Syntax(detail) => f.write_str(detail),
            JsonError::TooDeep => write!(f, "it nests more than {MAX_DEPTH} levels deep"),
        }
    }
}

/// Parses JSON text.
#[cfg(target_arch = "wasm32")]
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let parsed = js_sys::JSON::parse(text).map_err(|error| {
        JsonError::Syntax(
            wasm_bindgen::JsCast::dyn_ref::<js_sys::Error>(&error)
                .map(|error| String::from(error.message()))
                .unwrap_or_else(|| "it is not JSON".into()),
        )
    })?;
    from_js(&parsed, 0)
}

/// Parses JSON text (host builds, which have no browser: serde_json).
#[cfg(not(target_arch = "wasm32"))]
pub fn parse(text: &str) -> Result<Value, JsonError> {
    serde_json::from_str(text).map_err(|error| {
        if error.to_string().contains("recursion limit") {
            JsonError::TooDeep
        } else {
            JsonError::Syntax(error.to_string())
        }
    })
}

/// Writes JSON text, compact.
pub fn stringify(value: &Value) -> String {
    write(value, false)
}

/// Writes JSON text indented by two spaces, for people to read.
pub fn stringify_pretty(value: &Value) -> String {
    write(value, true)
}

#[cfg(target_arch = "wasm32")]
fn write(value: &Value, pretty: bool) -> String {
    let indent = if pretty {
        wasm_bindgen::JsValue::from_f64(2.0)
    } else {
        wasm_bindgen::JsValue::UNDEFINED
    };
    // JSON.stringify only fails on cycles and BigInts, which `to_js` never
    // makes; "null" would then be the honest text of nothing.
    js_sys::JSON::stringify_with_replacer_and_space(
        &to_js(value),
        &wasm_bindgen::JsValue::NULL,
        &indent,
    )
    .ok()
    .and_then(|text| text.as_string())
    .unwrap_or_else(|| "null".into())
}

#[cfg(not(target_arch = "wasm32"))]
fn write(value: &Value, pretty: bool) -> String {
    let written = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    written.unwrap_or_else(|_| "null".into())
}

/// Builds the JavaScript value JSON.stringify writes. Objects have no
/// prototype, so a key such as `__proto__` is written as a plain key.
#[cfg(target_arch = "wasm32")]
fn to_js(value: &Value) -> wasm_bindgen::JsValue {
    use wasm_bindgen::{JsCast, JsValue};
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(flag) => JsValue::from_bool(*flag),
        Value::Number(number) => JsValue::from_f64(number.as_f64().unwrap_or(0.0)),
        Value::String(text) => JsValue::from_str(text),
        Value::Array(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
        Value::Object(entries) => {
            let object: js_sys::Object =
                js_sys::Object::create(JsValue::NULL.unchecked_ref::<js_sys::Object>());
            for (key, item) in entries {
                let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &to_js(item));
            }
            object.into()
        }
    }
}

/// An answer body as the engine reads it: blank, JSON, or something else
/// (an HTML error page, say).
pub fn answer_body(text: &str) -> intake_engine::targets::AnswerBody {
    intake_engine::targets::AnswerBody::read(text, |text| parse(text).ok())
}

/// Copies what `JSON.parse` made into a [`Value`]. Only JSON's own types can
/// come out of `JSON.parse`, so anything else reads as null.
#[cfg(target_arch = "wasm32")]
fn from_js(value: &wasm_bindgen::JsValue, depth: usize) -> Result<Value, JsonError> {
    use wasm_bindgen::JsCast;
    if let Some(text) = value.as_string() {
        return Ok(Value::String(text));
    }
    if let Some(number) = value.as_f64() {
        return Ok(number_value(number));
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    // `depth` counts the arrays and objects around this value.
    if depth >= MAX_DEPTH && value.is_object() {
        return Err(JsonError::TooDeep);
    }
    if let Some(items) = value.dyn_ref::<js_sys::Array>() {
        return items
            .iter()
            .map(|item| from_js(&item, depth + 1))
            .collect::<Result<Vec<Value>, JsonError>>()
            .map(Value::Array);
    }
    if let Some(object) = value.dyn_ref::<js_sys::Object>() {
        let mut map = serde_json::Map::new();
        for entry in js_sys::Object::entries(object).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            if let Some(key) = pair.get(0).as_string() {
                map.insert(key, from_js(&pair.get(1), depth + 1)?);
            }
        }
        return Ok(Value::Object(map));
    }
    Ok(Value::Null)
}

/// A JavaScript number as JSON: whole numbers become integers, as serde_json
/// reads them, so ids and counts keep their form (`3`, not `3.0`) and read
/// back with `as_u64`. Whole numbers beyond 2^53 were already rounded by
/// `JSON.parse`.
pub fn number_value(number: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if number.fract() == 0.0 && number.abs() <= EXACT {
        Value::Number(Number::from(number as i64))
    } else {
        Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_read_as_integers_and_fractions_as_floats() {
        assert_eq!(number_value(3.0), serde_json::json!(3));
        assert_eq!(number_value(-0.0), serde_json::json!(0));
        assert_eq!(number_value(2.5), serde_json::json!(2.5));
        assert_eq!(number_value(1e300), serde_json::json!(1e300));
        assert_eq!(number_value(f64::NAN), Value::Null);
    }
}
