//! Error answers in each vendor's own style.
//!
//! Handlers describe what went wrong once (status, message, the fields at fault) and
//! this module renders it the way the vendor would, so the app's error normaliser
//! meets the same shapes it will meet in production.

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::target::Target;

pub const JSON_API_CONTENT_TYPE: &str = "application/vnd.api+json";

/// Where in the request a field error points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldSource {
    /// A path into the request body: a JSON pointer for Casebook, a dotted path elsewhere.
    Body(String),
    /// A query parameter, such as `page[size]`.
    Query(String),
    /// A path segment, such as the id in `/persons/{id}`.
    Path(String),
}

impl FieldSource {
    fn key(&self) -> &str {
        match self {
            FieldSource::Body(key) | FieldSource::Query(key) | FieldSource::Path(key) => key,
        }
    }
}

/// One thing wrong with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub source: FieldSource,
    /// The message as the vendor words it (Rails: "can't be blank"; Laravel: "The first name field is required.").
    pub message: String,
    /// A short machine code; only Casebook's JSON:API errors carry it.
    pub code: &'static str,
}

impl FieldError {
    pub fn body(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            source: FieldSource::Body(path.into()),
            message: message.into(),
            code,
        }
    }

    pub fn query(name: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            source: FieldSource::Query(name.into()),
            message: message.into(),
            code,
        }
    }

    pub fn path(name: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            source: FieldSource::Path(name.into()),
            message: message.into(),
            code,
        }
    }
}

/// An error answer for one target.
#[derive(Debug)]
pub struct ApiError {
    pub target: Target,
    pub status: StatusCode,
    pub message: String,
    pub fields: Vec<FieldError>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(target: Target, status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            target,
            status,
            message: message.into(),
            fields: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A validation failure; the summary message is derived from the first field error.
    pub fn invalid(target: Target, status: StatusCode, fields: Vec<FieldError>) -> Self {
        let message = summary_of(&fields);
        ApiError {
            fields,
            ..ApiError::new(target, status, message)
        }
    }

    pub fn not_found(target: Target, message: impl Into<String>) -> Self {
        ApiError::new(target, StatusCode::NOT_FOUND, message)
    }

    pub fn bad_request(target: Target, message: impl Into<String>) -> Self {
        ApiError::new(target, StatusCode::BAD_REQUEST, message)
    }

    /// Missing or wrong credentials, worded as each vendor does.
    pub fn unauthorized(target: Target) -> Self {
        let message = match target {
            Target::Casebook => "Missing or invalid bearer token",
            Target::PersonsV1 => "Unauthorized",
            Target::CharityCrm => "Service account not properly authenticated",
            Target::Caspen => "Unauthenticated.",
            Target::UniteUs => "Invalid or missing access token",
        };
        ApiError::new(target, StatusCode::UNAUTHORIZED, message)
            .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// A failure of the sandbox itself (storage, most often); the cause goes to stderr and the answer is a 500.
    pub fn internal(target: Target, cause: impl std::fmt::Display) -> Self {
        eprintln!(
            "intake-sandbox: internal error on {}: {cause}",
            target.name()
        );
        ApiError::new(
            target,
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal server error: {cause}"),
        )
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn with_retry_after(self, seconds: u64) -> Self {
        self.with_header(RETRY_AFTER, HeaderValue::from(seconds))
    }

    fn body(&self) -> Value {
        match self.target {
            Target::Casebook => self.json_api_body(),
            Target::UniteUs => self.rails_body(),
            Target::Caspen | Target::PersonsV1 | Target::CharityCrm => self.message_body(),
        }
    }

    /// JSON:API: `{"errors": [{status, code, title, detail, source: {pointer | parameter}}]}`.
    fn json_api_body(&self) -> Value {
        let status = self.status.as_u16().to_string();
        let title = self.status.canonical_reason().unwrap_or("Error");
        if self.fields.is_empty() {
            return json!({"errors": [{"status": status, "title": title, "detail": self.message}]});
        }
        let errors: Vec<Value> = self
            .fields
            .iter()
            .map(|field| {
                let source = match &field.source {
                    FieldSource::Body(pointer) => json!({"pointer": pointer}),
                    FieldSource::Query(name) | FieldSource::Path(name) => {
                        json!({"parameter": name})
                    }
                };
                json!({
                    "status": status,
                    "code": field.code,
                    "title": title,
                    "detail": field.message,
                    "source": source,
                })
            })
            .collect();
        json!({ "errors": errors })
    }

    /// Rails: `{"errors": {"field": ["message"]}}` for field errors, `{"errors": ["message"]}` otherwise.
    fn rails_body(&self) -> Value {
        if self.fields.is_empty() {
            return json!({ "errors": [self.message] });
        }
        json!({ "errors": self.fields_by_key() })
    }

    /// Laravel: `{"message": "...", "errors": {"field": ["message"]}}`; `errors` only when fields are at fault.
    fn message_body(&self) -> Value {
        let mut body = Map::new();
        body.insert("message".into(), Value::String(self.message.clone()));
        if !self.fields.is_empty() {
            body.insert("errors".into(), Value::Object(self.fields_by_key()));
        }
        Value::Object(body)
    }

    fn fields_by_key(&self) -> Map<String, Value> {
        let mut by_key = Map::new();
        for field in &self.fields {
            let messages = by_key
                .entry(field.source.key().to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = messages {
                list.push(Value::String(field.message.clone()));
            }
        }
        by_key
    }
}

/// Laravel's summary: the first message, plus "(and N more errors)".
fn summary_of(fields: &[FieldError]) -> String {
    match fields {
        [] => "The given data was invalid.".to_string(),
        [only] => only.message.clone(),
        [first, rest @ ..] => {
            let noun = if rest.len() == 1 { "error" } else { "errors" };
            format!("{} (and {} more {noun})", first.message, rest.len())
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let content_type = match self.target {
            Target::Casebook => JSON_API_CONTENT_TYPE,
            _ => "application/json",
        };
        let body = self.body().to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_summary_counts_the_other_errors() {
        let fields = vec![
            FieldError::body("first_name", "blank", "The first name field is required."),
            FieldError::body("last_name", "blank", "The last name field is required."),
            FieldError::body(
                "email",
                "invalid",
                "The email field must be a valid email address.",
            ),
        ];
        let error = ApiError::invalid(Target::Caspen, StatusCode::UNPROCESSABLE_ENTITY, fields);
        assert_eq!(
            error.message,
            "The first name field is required. (and 2 more errors)"
        );
        let body = error.body();
        assert_eq!(
            body["errors"]["email"][0],
            "The email field must be a valid email address."
        );
    }

    #[test]
    fn rails_body_groups_messages_by_field() {
        let fields = vec![
            FieldError::body("first_name", "blank", "can't be blank"),
            FieldError::body("first_name", "too_long", "is too long"),
        ];
        let error = ApiError::invalid(Target::UniteUs, StatusCode::UNPROCESSABLE_ENTITY, fields);
        assert_eq!(
            error.body(),
            json!({"errors": {"first_name": ["can't be blank", "is too long"]}})
        );
    }

    #[test]
    fn json_api_body_points_at_the_attribute() {
        let fields = vec![FieldError::body(
            "/data/attributes/last_name",
            "blank",
            "last_name can't be blank",
        )];
        let error = ApiError::invalid(Target::Casebook, StatusCode::UNPROCESSABLE_ENTITY, fields);
        let body = error.body();
        assert_eq!(
            body["errors"][0]["source"]["pointer"],
            "/data/attributes/last_name"
        );
        assert_eq!(body["errors"][0]["status"], "422");
    }
}
