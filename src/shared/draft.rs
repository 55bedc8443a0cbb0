//! Drafts: the answers a person has typed, kept in the tab's sessionStorage so
//! a reload or a crash loses nothing. Answers to sensitive questions never
//! reach storage (the engine leaves them out of `draft_answers`). Storage
//! that is full or disabled is not an error: the answers stay in memory.

use serde_json::{Map, Value};

const PREFIX: &str = "intake-draft:";

/// The storage key for a form's draft.
pub fn key_for(form_id: &str, form_name: &str) -> String {
    let identity = if form_id.trim().is_empty() {
        form_name
    } else {
        form_id
    };
    format!("{PREFIX}{identity}")
}

/// The key of one form's draft for one purpose: a person being edited
/// (`Some(id)`) keeps a draft apart from another's and from a new one.
pub fn scoped_key(form_id: &str, form_name: &str, scope: Option<&str>) -> String {
    match scope {
        Some(scope) => format!("{}:{scope}", key_for(form_id, form_name)),
        None => key_for(form_id, form_name),
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The saved answers, if a readable draft exists.
pub fn load(key: &str) -> Option<Map<String, Value>> {
    let text = storage()?.get_item(key).ok()??;
    match intake_engine::json::parse(&text) {
        Ok(Value::Object(answers)) if !answers.is_empty() => Some(answers),
        _ => None,
    }
}

/// Saves the answers, or removes the draft when there are none.
pub fn save(key: &str, answers: &Map<String, Value>) {
    let Some(storage) = storage() else { return };
    if answers.is_empty() {
        let _ = storage.remove_item(key);
        return;
    }
    let text = intake_engine::json::to_text(&Value::Object(answers.clone()));
    let _ = storage.set_item(key, &text);
}

pub fn clear(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}
