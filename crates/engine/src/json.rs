//! JSON text to [`Value`] and back, written here for the widget's size.
//!
//! serde_json's own reader is built on serde's visitor machinery and, with
//! its messages, was about 30 KB of the widget's wasm; its writer brings the
//! ryu float formatter, and `str::parse::<f64>` a 20 KB table. The browser's
//! `JSON.parse` would cost nothing to ship, but copying its result into a
//! `Value` across the JavaScript boundary took five times as long as reading
//! the text in wasm (measured on a 1,000-question definition). This reader
//! and writer are a few kilobytes, as fast as serde_json's, and give the
//! same values: a test compares them with serde_json on many random and
//! broken texts.
//!
//! Differences from serde_json, all deliberate: a float is read exactly
//! whenever its significant digits fit in 2^53 and its decimal exponent is
//! within ±22 (see [`crate::number::parse_decimal`]) and may differ in
//! the last bit beyond; floats are written by [`crate::number_text`], so a
//! whole float has no `.0` (`100`, not `100.0`; `-0.0` is `0`) and one far
//! from any typed number has an exponent with 17 significant digits. Both
//! read back as the same or a neighbouring float.

use std::fmt;

use serde_json::{Map, Number, Value};

use crate::number::{json_number_text, parse_decimal};

/// How deeply arrays and objects may nest: 127 levels, as serde_json allows
/// (its limit of 128 counts one more). A hostile or broken text cannot
/// exhaust the stack.
pub const MAX_DEPTH: usize = 127;

/// Why text is not JSON, and where (1-based line and column, as editors count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub kind: JsonErrorKind,
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    UnexpectedCharacter,
    /// A number that JSON does not allow, such as `01`, `1.` or `.5`.
    InvalidNumber,
    /// A backslash escape that JSON does not allow, or a lone surrogate.
    InvalidEscape,
    /// A raw control character (such as a line break) inside a string.
    ControlCharacterInString,
    /// Arrays or objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More text after the value.
    TrailingCharacters,
}

impl JsonErrorKind {
    fn describe(self) -> &'static str {
        match self {
            JsonErrorKind::UnexpectedEnd => "the text ends in the middle of a value",
            JsonErrorKind::UnexpectedCharacter => "unexpected character",
            JsonErrorKind::InvalidNumber => "invalid number",
            JsonErrorKind::InvalidEscape => "invalid escape in a string",
            JsonErrorKind::ControlCharacterInString => {
                "a control character (such as a line break) inside a string"
            }
            JsonErrorKind::TooDeep => "arrays and objects nest too deeply",
            JsonErrorKind::TrailingCharacters => "more text after the JSON value",
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.kind.describe(),
            self.line,
            self.column
        )
    }
}

impl JsonError {
    /// What is wrong, without the position.
    pub fn description(&self) -> &'static str {
        self.kind.describe()
    }
}

impl std::error::Error for JsonError {}

/// Reads JSON text.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        position: 0,
    };
    reader.skip_white_space();
    let value = reader.value(0)?;
    reader.skip_white_space();
    if reader.position < reader.bytes.len() {
        return Err(reader.error(JsonErrorKind::TrailingCharacters));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
}

impl Reader<'_> {
    fn error(&self, kind: JsonErrorKind) -> JsonError {
        let end = self.position.min(self.bytes.len());
        let before = &self.bytes[..end];
        let line = 1 + before.iter().filter(|&&byte| byte == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |index| index + 1);
        // Columns count characters, not bytes: UTF-8 continuation bytes
        // are not counted.
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&byte| byte & 0xC0 != 0x80)
            .count();
        JsonError { kind, line, column }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_white_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.position += 1;
        }
    }

    /// Steps over `expected`, or says why the text does not have it here.
    fn consume(&mut self, expected: u8) -> Result<(), JsonError> {
        match self.peek() {
            Some(byte) if byte == expected => {
                self.position += 1;
                Ok(())
            }
            Some(_) => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
            None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
        }
    }

    fn expect_word(&mut self, word: &[u8], value: Value) -> Result<Value, JsonError> {
        for &expected in word {
            self.consume(expected)?;
        }
        Ok(value)
    }

    /// Steps into an array or object; true when it closes at once (`[]`).
    fn open(&mut self, close: u8, depth: usize) -> Result<bool, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error(JsonErrorKind::TooDeep));
        }
        self.position += 1;
        self.skip_white_space();
        let empty = self.peek() == Some(close);
        if empty {
            self.position += 1;
        }
        Ok(empty)
    }

    /// After an item of an array or object: true at its closing byte, false
    /// after a comma.
    fn item_end(&mut self, close: u8) -> Result<bool, JsonError> {
        self.skip_white_space();
        if self.peek() == Some(close) {
            self.position += 1;
            return Ok(true);
        }
        self.consume(b',').map(|()| false)
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        match self.peek() {
            None => Err(self.error(JsonErrorKind::UnexpectedEnd)),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.expect_word(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_word(b"false", Value::Bool(false)),
            Some(b'n') => self.expect_word(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error(JsonErrorKind::UnexpectedCharacter)),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut items = Vec::new();
        if self.open(b']', depth)? {
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_white_space();
            items.push(self.value(depth)?);
            if self.item_end(b']')? {
                return Ok(Value::Array(items));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut entries = Map::new();
        if self.open(b'}', depth)? {
            return Ok(Value::Object(entries));
        }
        loop {
            self.skip_white_space();
            let key = self.string()?;
            self.skip_white_space();
            self.consume(b':')?;
            self.skip_white_space();
            let value = self.value(depth)?;
            // A repeated key keeps its last value, as serde_json does.
            entries.insert(key, value);
            if self.item_end(b'}')? {
                return Ok(Value::Object(entries));
            }
        }
    }

    /// A string, from its opening quote to past its closing one.
    fn string(&mut self) -> Result<String, JsonError> {
        self.consume(b'"')?;
        let mut out = String::new();
        let mut run_start = self.position;
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error(JsonErrorKind::UnexpectedEnd));
            };
            match byte {
                b'"' => {
                    // Quotes and backslashes are ASCII, so these slices
                    // always fall on character boundaries.
                    out.push_str(&self.text[run_start..self.position]);
                    self.position += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run_start..self.position]);
                    self.position += 1;
                    self.escape(&mut out)?;
                    run_start = self.position;
                }
                0x00..=0x1F => return Err(self.error(JsonErrorKind::ControlCharacterInString)),
                _ => self.position += 1,
            }
        }
    }

    /// One escape after its backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let Some(byte) = self.peek() else {
            return Err(self.error(JsonErrorKind::UnexpectedEnd));
        };
        self.position += 1;
        let character = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex_unit()?;
                let code = match first {
                    0xD800..=0xDBFF => {
                        // A leading surrogate must be followed by `\u` and
                        // a trailing one.
                        if self.bytes.get(self.position..self.position + 2) != Some(b"\\u") {
                            return Err(self.error(JsonErrorKind::InvalidEscape));
                        }
                        self.position += 2;
                        let second = self.hex_unit()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error(JsonErrorKind::InvalidEscape));
                        }
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.error(JsonErrorKind::InvalidEscape)),
                    code => code,
                };
                char::from_u32(code).ok_or_else(|| self.error(JsonErrorKind::InvalidEscape))?
            }
            _ => {
                self.position -= 1;
                return Err(self.error(JsonErrorKind::InvalidEscape));
            }
        };
        out.push(character);
        Ok(())
    }

    /// Four hex digits of a `\u` escape.
    fn hex_unit(&mut self) -> Result<u32, JsonError> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(byte @ b'0'..=b'9') => byte - b'0',
                Some(byte @ b'a'..=b'f') => byte - b'a' + 10,
                Some(byte @ b'A'..=b'F') => byte - b'A' + 10,
                Some(_) => return Err(self.error(JsonErrorKind::InvalidEscape)),
                None => return Err(self.error(JsonErrorKind::UnexpectedEnd)),
            };
            unit = unit * 16 + u32::from(digit);
            self.position += 1;
        }
        Ok(unit)
    }

    /// A number: whole numbers that fit become integers (unsigned when not
    /// negative), as serde_json reads them; anything else a float.
    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.position;
        let digits = |reader: &mut Self| {
            let from = reader.position;
            while let Some(b'0'..=b'9') = reader.peek() {
                reader.position += 1;
            }
            reader.position - from
        };
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        let leading_zero = self.peek() == Some(b'0');
        let whole_digits = digits(self);
        if whole_digits == 0 || (leading_zero && whole_digits > 1) {
            return Err(self.error(JsonErrorKind::InvalidNumber));
        }
        let mut is_integer = true;
        if self.peek() == Some(b'.') {
            self.position += 1;
            is_integer = false;
            if digits(self) == 0 {
                return Err(self.error(JsonErrorKind::InvalidNumber));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.position += 1;
            is_integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.position += 1;
            }
            if digits(self) == 0 {
                return Err(self.error(JsonErrorKind::InvalidNumber));
            }
        }
        let text = &self.text[start..self.position];
        if is_integer {
            if let Some(magnitude) = text.strip_prefix('-') {
                if let Ok(whole) = magnitude.parse::<u64>() {
                    if whole == 0 {
                        // serde_json reads `-0` as the float -0.0.
                        return Number::from_f64(-0.0)
                            .map(Value::Number)
                            .ok_or_else(|| self.error(JsonErrorKind::InvalidNumber));
                    }
                    if let Some(negative) = 0i64.checked_sub_unsigned(whole) {
                        return Ok(Value::Number(Number::from(negative)));
                    }
                }
            } else if let Ok(whole) = text.parse::<u64>() {
                return Ok(Value::Number(Number::from(whole)));
            }
        }
        // A float too large for `f64` is refused, as serde_json refuses it.
        parse_decimal(text)
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| self.error(JsonErrorKind::InvalidNumber))
    }
}

/// An object from its members, in order of their keys. Building values
/// this way, rather than with `serde_json::json!`, keeps serde's serializer
/// out of the code that builds the form (the `json!` macro converts each
/// member with `serde_json::to_value`).
/// Members are inserted one by one: collecting them would bring the
/// map's bulk build and a sort into the widget's first load.
pub fn object<'a>(members: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let mut object = Map::new();
    for (key, value) in members {
        object.insert(key.to_string(), value);
    }
    Value::Object(object)
}

/// Writes compact JSON text.
pub fn to_text(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0);
    out
}

/// Writes JSON text indented by two spaces, laid out as serde_json's
/// `to_string_pretty` lays it out.
pub fn to_pretty_text(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some(2), 0);
    out
}

fn new_line(out: &mut String, indent: Option<usize>, level: usize) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * level));
    }
}

fn write_value(out: &mut String, value: &Value, indent: Option<usize>, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&json_number_text(number)),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                new_line(out, indent, level + 1);
                write_value(out, item, indent, level + 1);
            }
            if !items.is_empty() {
                new_line(out, indent, level);
            }
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (index, (key, item)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                new_line(out, indent, level + 1);
                write_string(out, key);
                out.push_str(if indent.is_some() { ": " } else { ":" });
                write_value(out, item, indent, level + 1);
            }
            if !entries.is_empty() {
                new_line(out, indent, level);
            }
            out.push('}');
        }
    }
}

/// A string with the escapes serde_json writes: quotes, backslashes and
/// control characters; everything else as it is.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    let mut run_start = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&text[run_start..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        } else {
            out.push_str(escape);
        }
        run_start = index + 1;
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}
