//! The intake form engine.
//!
//! It turns a Unite US form definition and a person's answers into everything a
//! renderer or a submitter needs: which questions are shown, what is wrong with
//! the answers, and the `form_response` list that would be sent. It has no
//! browser, HTTP or UI dependency, so the app, the `intake` command line and the
//! sandbox server all share exactly the same rules.
//!
//! # Invariants
//!
//! - Loading never panics. It returns the form plus a list of [`Problem`]s, or
//!   one [`LoadError`] when the definition is unusable as a whole.
//! - A hidden question's answer reads as blank for every condition, so hiding
//!   cascades; cycles of conditions are reported and still evaluate the same way
//!   on every run (inside a cycle, questions read each other's raw answers).
//! - Hidden questions are never validated and never submitted, but their answers
//!   stay in the [`FormState`] so showing the question again brings them back.
//! - Changing one answer re-evaluates only the questions whose conditions read
//!   it, directly or through a cascade of visibility changes.

mod answer;
mod condition;
mod date;
mod fold;
mod graph;
pub mod json;
#[cfg(feature = "problems")]
mod lint;
mod load;
mod model;
mod navigate;
mod number;
mod problem;
mod response;
mod state;
pub mod targets;
mod validate;

pub use answer::{Answer, AnswerError, AnswerKind};
pub use condition::ConditionValue;
pub use date::{
    civil_from_days, date_from_parts, date_parts, date_with_part, days_from_civil,
    epoch_seconds_to_iso_date, iso_date_to_epoch_seconds,
};
pub use load::{
    load_form, load_form_str, load_form_with_leading_sections, parse_definition, LoadedForm,
    MAX_DEFINITION_BYTES, MAX_NESTING_DEPTH, MAX_OPTIONS_PER_QUESTION, MAX_OPTIONS_TOTAL,
    MAX_QUESTIONS,
};
pub use model::{
    Condition, ConditionalDisplay, Form, HelpTextPosition, InputOption, InputType, Operator,
    Question, QuestionIndex, QuestionTranslation, Section, SectionType, ShowOrHide, Step,
    Validator, ValidatorKind,
};
pub use navigate::{Navigator, Onward};
pub use number::{json_number_text, number_text};
pub use problem::{LoadError, Problem, Severity};
pub use response::FormResponseEntry;
pub use state::{Evaluation, FormState, VisibilityChange};
pub use validate::{Issue, IssueKind};

/// Whether `load` records problems (the `problems` feature).
pub const RECORDS_PROBLEMS: bool = cfg!(feature = "problems");
