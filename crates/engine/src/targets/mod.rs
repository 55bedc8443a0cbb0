//! Submitting to the five target APIs, as pure functions.
//!
//! Everything here is data in, data out: a [`TargetConfig`] read from JSON,
//! the [`PersonRecord`] read from a form's `field` bindings, the ordered
//! [`PlannedRequest`]s each target needs, what an answer from the server means
//! ([`StepOutcome`]), and server errors put back on the questions that caused
//! them. The app's one HTTP module sends what is planned here; nothing in this
//! module knows about browsers or sockets.
//!
//! # Invariants
//!
//! - A configuration that cannot work is refused when it is read, naming the
//!   key that is wrong; a widget configuration never holds a secret.
//! - Planning never fails on answers: what a target cannot store is reported
//!   by [`coverage`], not dropped silently and not sent.
//! - Planned headers never hold a credential; the sender adds it at the last
//!   moment from memory, so a stored submission holds no token.
//! - No create is sent again on the hope that the server honours a key: no
//!   vendor document promises it. Each create still carries an idempotency
//!   key made from the submission's client-made reference (a gateway that
//!   honours it makes every create exactly once), charity_crm creates carry
//!   our own uuid (a repeat is a 409), and persons_v1 and Caspen creates
//!   write the reference into the record, so after an unknown outcome staff
//!   look for it before creating again ([`after_look`]). Where none of
//!   these holds (Unite US and Casebook creates) a retry may make a second
//!   record, and the README's target table says so.

mod catalogue;
mod config;
mod delivery;
mod encode;
mod errors;
mod forms;
pub mod gateway;
mod mapping;
mod outbox;
mod percent;
mod person;
pub mod probe;
mod reconcile;
pub use reconcile::{guarantees, Guarantee};
mod search;
mod trust;

pub use catalogue::{autofill_token, catalogue, FieldFormat, FieldSpec};
pub use config::{
    AuthMode, ConfigError, ConfigProblem, Mode, Operation, TargetConfig, TargetKind,
    UniteUsEncoding,
};
pub use delivery::{
    after_answer, after_look, claim_held, next_action, working_copy, AfterStep, NextAction,
    CLAIM_MS,
};
pub use encode::rails_form_encode;
pub use errors::{normalise_error, place_errors, PlacedErrors, ServerErrors};
pub use forms::{
    intake_forms_url, parse_forms_available, parse_service_types, read_form_config,
    service_types_from, service_types_url, FormChoice, FormConfig, FormConfigProblem,
    ServiceTypeChoice,
};
pub use mapping::{
    about_you_section, consent_section, coverage, plan, translate_built_in, write_method,
    BuiltInWords, Coverage, HttpMethod, Plan, PlannedRequest, RequestBody, SubmissionInput,
    ABOUT_YOU_SECTION_ID, CONSENT_SECTION_ID,
};
pub use outbox::{
    backoff_delay_ms, classify, parse_retry_after, upsert_status, AnswerBody, Response,
    StepOutcome, Submission, SubmissionStatus, UpsertOutcome, MAX_KEEP_UNSENT_DAYS,
};
pub use person::{person_record, uuid_v4, PersonRecord};
pub use search::{
    existing_notes, parse_search, person_changes, plan_search, possible_duplicates,
    prefill_answers, searches_whole_list, FoundPerson, PersonQuery, SearchPage, SearchRefusal,
    MAX_RECORDS_SEARCHED,
};
pub use trust::{
    check_path_template, configuration_path, fingerprint, parse_address, read_sign_in_check,
    refuse_deployment_parameters, secret_word_in, sign_in_check_url, step_fits, Address,
    AddressProblem, LinkRefusal, SignInCheck, CONFIG_FOLDER, DEPLOYMENT_PARAMETERS,
};
