//! Body encodings: dotted paths into nested JSON, and Rails bracket keys.

use serde_json::{Map, Value};

use super::percent;

/// Sets `value` at a dotted `path` inside `root`, creating objects, and
/// lists where a segment is a number (`phone_numbers.0.number`).
pub(crate) fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut node = root;
    let segments: Vec<&str> = path.split('.').collect();
    for (position, segment) in segments.iter().enumerate() {
        let last = position + 1 == segments.len();
        let next_is_index = segments
            .get(position + 1)
            .is_some_and(|next| next.parse::<usize>().is_ok());
        let empty_child = || {
            if next_is_index {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            }
        };
        if let Ok(index) = segment.parse::<usize>() {
            if !node.is_array() {
                *node = Value::Array(Vec::new());
            }
            let Value::Array(list) = node else { return };
            while list.len() <= index {
                list.push(Value::Null);
            }
            if last {
                list[index] = value;
                return;
            }
            if list[index].is_null() {
                list[index] = empty_child();
            }
            node = &mut list[index];
        } else {
            if !node.is_object() {
                *node = Value::Object(Map::new());
            }
            let Value::Object(object) = node else { return };
            if last {
                object.insert((*segment).to_string(), value);
                return;
            }
            node = object
                .entry((*segment).to_string())
                .or_insert_with(empty_child);
        }
    }
}

/// Writes a JSON object as `application/x-www-form-urlencoded` with Rails
/// bracket keys: `contact[first_name]=Ann&contact[phone_numbers][0][phone_number]=...`.
/// Lists of objects are indexed; lists of plain values use `[]`. `null`
/// becomes an empty value, which Rails reads as nil.
pub fn rails_form_encode(value: &Value) -> String {
    let mut pairs = Vec::new();
    if let Value::Object(object) = value {
        for (key, child) in object {
            collect(key.clone(), child, &mut pairs);
        }
    }
    pairs
        .iter()
        .map(|(key, value)| {
            format!(
                "{}={}",
                percent::encode_form(key),
                percent::encode_form(value)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn collect(prefix: String, value: &Value, pairs: &mut Vec<(String, String)>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                collect(format!("{prefix}[{key}]"), child, pairs);
            }
        }
        Value::Array(list) => {
            let scalars = list
                .iter()
                .all(|item| !item.is_object() && !item.is_array());
            for (index, item) in list.iter().enumerate() {
                if scalars {
                    collect(format!("{prefix}[]"), item, pairs);
                } else {
                    collect(format!("{prefix}[{index}]"), item, pairs);
                }
            }
        }
        Value::Null => pairs.push((prefix, String::new())),
        Value::String(text) => pairs.push((prefix, text.clone())),
        Value::Bool(flag) => pairs.push((prefix, flag.to_string())),
        Value::Number(number) => pairs.push((prefix, crate::json_number_text(number))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_path_builds_objects_and_indexed_lists() {
        let mut root = json!({});
        set_path(&mut root, "a.b", json!(1));
        set_path(&mut root, "list.0.number", json!("555"));
        set_path(&mut root, "list.0.type", json!("home"));
        assert_eq!(
            root,
            json!({"a": {"b": 1}, "list": [{"number": "555", "type": "home"}]})
        );
    }

    #[test]
    fn rails_encoding_brackets_nested_keys_and_lists() {
        let body = json!({"contact": {"first_name": "Ann Lee", "phone_numbers": [{"phone_number": "555 0100"}],
            "nicknames": ["A&B"], "date_of_birth": 86400, "title": null}});
        assert_eq!(
            rails_form_encode(&body),
            "contact%5Bdate_of_birth%5D=86400&contact%5Bfirst_name%5D=Ann+Lee&contact%5Bnicknames%5D%5B%5D=A%26B&contact%5Bphone_numbers%5D%5B0%5D%5Bphone_number%5D=555+0100&contact%5Btitle%5D="
        );
    }
}
