//! Problems found while loading a definition, and the one error that makes a
//! definition unusable.

use std::fmt;

/// How much a problem matters to the person filling in the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Untidy data that was read without changing its meaning, such as a
    /// number written as a string or an enum in upper case.
    Notice,
    /// Something was ignored, guessed or will behave surprisingly: an unknown
    /// operator, a condition naming a missing question, a cycle.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Notice => "notice",
            Severity::Warning => "warning",
        }
    }
}

/// One thing the loader or the linter noticed, located by JSON path and, when
/// it belongs to a question, by that question's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// A JSON path into the definition as given, e.g. `sections[0].questions[2].max_selections`.
    pub path: String,
    pub question_id: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.as_str(), self.path)?;
        if let Some(id) = &self.question_id {
            write!(f, " (question {id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a definition cannot be used at all. Each message says what is wrong and
/// where, in words a form author can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    NotJson {
        line: usize,
        column: usize,
        detail: String,
    },
    TooDeep,
    NotAnObject {
        found: &'static str,
    },
    NoQuestions,
    DuplicateQuestionId {
        id: String,
        first_path: String,
        second_path: String,
    },
    /// The definition's text is longer than [`crate::MAX_DEFINITION_BYTES`].
    DefinitionTooLarge {
        bytes: usize,
    },
    /// The form has more questions than [`crate::MAX_QUESTIONS`], counting
    /// every entry of every question list.
    TooManyQuestions {
        count: usize,
    },
    /// One question has more options than [`crate::MAX_OPTIONS_PER_QUESTION`].
    TooManyOptions {
        /// The question's id as written, when it has one.
        question_id: Option<String>,
        /// The JSON path of its `input_options` list.
        path: String,
        count: usize,
    },
    /// The questions' options together are more than [`crate::MAX_OPTIONS_TOTAL`].
    TooManyOptionsInForm {
        count: usize,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotJson {
                line,
                column,
                detail,
            } => write!(
                f,
                "The form definition is not valid JSON (line {line}, column {column}): {detail}."
            ),
            LoadError::TooDeep => write!(
                f,
                "The form definition is nested more than {} levels deep; a real form never is, so it was not read.",
                crate::load::MAX_NESTING_DEPTH
            ),
            LoadError::NotAnObject { found } => write!(
                f,
                "The form definition must be a JSON object with `sections` or `questions`, but it is {found}."
            ),
            LoadError::NoQuestions => write!(
                f,
                "The form definition has no questions: expected `sections[].questions[]` or a top-level `questions` list (optionally inside `form` or `data`)."
            ),
            LoadError::DuplicateQuestionId {
                id,
                first_path,
                second_path,
            } => write!(
                f,
                "Two questions share the id \"{id}\" (at {first_path} and {second_path}); every question needs its own id so answers cannot be mixed up."
            ),
            LoadError::DefinitionTooLarge { bytes } => write!(
                f,
                "The form definition is {bytes} bytes, {} more than the {} ({} MiB) a form may be, so it was not read; check that this is the right file, or split the form into smaller ones.",
                bytes.saturating_sub(crate::MAX_DEFINITION_BYTES),
                crate::MAX_DEFINITION_BYTES,
                crate::MAX_DEFINITION_BYTES / (1024 * 1024)
            ),
            LoadError::TooManyQuestions { count } => write!(
                f,
                "The form has {count} questions, {} more than the {} a form may have, so it was not read; split it into smaller forms.",
                count.saturating_sub(crate::MAX_QUESTIONS),
                crate::MAX_QUESTIONS
            ),
            LoadError::TooManyOptions {
                question_id,
                path,
                count,
            } => {
                write!(f, "The question ")?;
                if let Some(id) = question_id {
                    write!(f, "\"{id}\" ")?;
                }
                write!(
                    f,
                    "at {path} has {count} options, {} more than the {} one question may have, so the form was not read; offer fewer options, or ask for the answer as text.",
                    count.saturating_sub(crate::MAX_OPTIONS_PER_QUESTION),
                    crate::MAX_OPTIONS_PER_QUESTION
                )
            }
            LoadError::TooManyOptionsInForm { count } => write!(
                f,
                "The form's questions have {count} options together, {} more than the {} a form may have, so it was not read; offer fewer options, or split the form into smaller ones.",
                count.saturating_sub(crate::MAX_OPTIONS_TOTAL),
                crate::MAX_OPTIONS_TOTAL
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<crate::json::JsonError> for LoadError {
    fn from(error: crate::json::JsonError) -> LoadError {
        match error.kind {
            crate::json::JsonErrorKind::TooDeep => LoadError::TooDeep,
            _ => LoadError::NotJson {
                line: error.line,
                column: error.column,
                detail: error.description().to_string(),
            },
        }
    }
}
