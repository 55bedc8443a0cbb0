//! The outbox: submissions kept in localStorage from before their first
//! request until every step has succeeded, and the loop that sends them.
//! The rules (what an answer means, when to retry) are the engine's; this
//! module stores and schedules.
//!
//! Two tabs, or a double click, cannot send one submission twice: a tab
//! claims a submission in storage before sending a step, and every write
//! carries an idempotency key made from the submission's reference, so even
//! a lost race ends in one record where the server honours the key.

use std::cell::{OnceCell, RefCell};

use intake_engine::targets::{
    classify, upsert_status, uuid_v4, PlannedRequest, ServerErrors, StepOutcome, Submission,
    SubmissionStatus, TargetConfig, MAX_KEEP_UNSENT_DAYS,
};

use crate::shared::http;

const STORAGE_KEY: &str = "intake-outbox";
/// How long a tab's claim on a submission lasts: longer than one request.
const CLAIM_MS: f64 = 60_000.0;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Where stored text that could not be read is moved, so that the next
/// write does not overwrite the submissions it may still hold.
const UNREADABLE_KEY: &str = "intake-outbox-unreadable";

/// Every stored submission. Storage that is disabled reads as empty; the
/// page still holds the answers in memory. Stored text that is not JSON
/// (damaged, or written by something else) is set aside under
/// [`UNREADABLE_KEY`] before anything new is written.
pub fn all() -> Vec<Submission> {
    let Some(storage) = storage() else {
        return Vec::new();
    };
    let Some(text) = storage.get_item(STORAGE_KEY).ok().flatten() else {
        return Vec::new();
    };
    match intake_engine::json::parse(&text) {
        Ok(value) => Submission::list_from_json(&value),
        Err(_) => {
            if storage.get_item(UNREADABLE_KEY).ok().flatten().is_none() {
                let _ = storage.set_item(UNREADABLE_KEY, &text);
            }
            Vec::new()
        }
    }
}

/// Whether anything is stored: most visits have nothing waiting, and need
/// not read (or, in the widget, fetch the code that reads) the outbox.
pub fn has_any() -> bool {
    storage().is_some_and(|storage| storage.get_item(STORAGE_KEY).ok().flatten().is_some())
}

fn write(submissions: &[Submission]) -> bool {
    let Some(storage) = storage() else {
        return false;
    };
    if submissions.is_empty() {
        return storage.remove_item(STORAGE_KEY).is_ok();
    }
    let stored = serde_json::Value::Array(submissions.iter().map(Submission::to_json).collect());
    storage
        .set_item(STORAGE_KEY, &intake_engine::json::to_text(&stored))
        .is_ok()
}

/// Stores or replaces a submission. False when the device could not keep
/// it (private mode, full storage, no vault to seal it): it is then sent
/// from memory only. Only a sealed submission is ever written, so storage
/// never holds an answer in plain text.
pub fn put(submission: &Submission) -> bool {
    if submission.sealed.is_none() {
        return false;
    }
    let mut submissions = all();
    match submissions
        .iter_mut()
        .find(|stored| stored.reference == submission.reference)
    {
        Some(stored) => *stored = submission.clone(),
        None => submissions.push(submission.clone()),
    }
    write(&submissions)
}

pub fn get(reference: &str) -> Option<Submission> {
    all()
        .into_iter()
        .find(|submission| submission.reference == reference)
}

pub fn remove(reference: &str) {
    let mut submissions = all();
    submissions.retain(|submission| submission.reference != reference);
    write(&submissions);
}

/// The submissions this page may send: made under its own configuration
/// (see [`Submission::may_be_sent_by`]) and not refused by the server.
/// Entries that waited longer than the configuration keeps them, or longer
/// than any configuration may, are deleted first, as are refused ones from
/// earlier visits: the person saw why when it happened, and what they
/// typed is not kept on the device any longer than it must be.
pub fn waiting_for(config: &TargetConfig) -> Vec<Submission> {
    let now = js_sys::Date::now();
    let binding = config.binding();
    let stored = all();
    let (keep, drop): (Vec<Submission>, Vec<Submission>) =
        stored.into_iter().partition(|submission| {
            let ours = submission.target == binding;
            !(submission.is_expired(now, MAX_KEEP_UNSENT_DAYS)
                || (ours && submission.is_expired(now, config.keep_unsent_days))
                || (ours && submission.status == SubmissionStatus::Rejected))
        });
    if !drop.is_empty() {
        write(&keep);
    }
    keep.into_iter()
        .filter(|submission| submission.may_be_sent_by(config))
        .collect()
}

/// Deletes every stored submission made under `config` (staff sign-out:
/// nothing a signed-in person typed stays on a shared desk).
pub fn remove_all_of(config: &TargetConfig) {
    let binding = config.binding();
    let mut submissions = all();
    let before = submissions.len();
    submissions.retain(|submission| submission.target != binding);
    if submissions.len() != before {
        write(&submissions);
    }
}

/// Seals the submission's steps and summary with the device's key (see
/// [`crate::shared::vault`]) so that it may be stored; false where the browser
/// cannot, and it then stays in memory only.
pub async fn seal(submission: &mut Submission) -> bool {
    let contents = intake_engine::json::to_text(&submission.contents_json());
    submission.sealed = crate::shared::vault::seal(&contents).await;
    submission.sealed.is_some()
}

/// Opens a stored submission's sealed steps into memory; false when this
/// device can no longer open them (its key is gone with cleared storage).
pub async fn open(submission: &mut Submission) -> bool {
    if !submission.steps.is_empty() {
        return true;
    }
    let Some(sealed) = submission.sealed.clone() else {
        return false;
    };
    let Some(text) = crate::shared::vault::open(&sealed).await else {
        return false;
    };
    intake_engine::json::parse(&text).is_ok_and(|contents| submission.restore_contents(&contents))
}

/// A fresh random v4 UUID from the browser's cryptographic generator.
pub fn new_reference() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid_v4(bytes)
}

thread_local! {
    static TAB_ID: OnceCell<String> = const { OnceCell::new() };
    /// References this tab is sending right now: a second delivery of the
    /// same submission (a double click, a timer and a reconnect at once)
    /// waits for the first instead of sending in parallel.
    static IN_FLIGHT: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Marks a reference as being sent by this tab until dropped.
struct InFlight(String);

impl InFlight {
    fn claim(reference: &str) -> Option<InFlight> {
        IN_FLIGHT.with(|sending| {
            let mut sending = sending.borrow_mut();
            if sending.iter().any(|claimed| claimed == reference) {
                return None;
            }
            sending.push(reference.to_string());
            Some(InFlight(reference.to_string()))
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.with(|sending| sending.borrow_mut().retain(|claimed| *claimed != self.0));
    }
}

/// This tab's id, for claims.
fn tab_id() -> String {
    TAB_ID.with(|cell| cell.get_or_init(new_reference).clone())
}

/// Where a delivery attempt left a submission.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Every step succeeded; the record's id when the server gave one, and
    /// what an upsert said it did (persons_v1: created, updated, unchanged).
    Sent {
        record_id: Option<String>,
        upsert: Option<String>,
    },
    /// Not sent yet; the next try is in `retry_in_ms`.
    Waiting {
        retry_in_ms: f64,
        message: Option<String>,
    },
    /// Another tab is sending it now.
    ElsewhereInProgress,
    /// This tab is already sending it; that delivery reports the outcome.
    AlreadySending,
    NeedsSignIn,
    /// The server refused a step's request as it is.
    Rejected(Box<(ServerErrors, PlannedRequest)>),
    /// Made under another configuration than this page's: left alone.
    NotOurs,
}

/// Sends what is left of the submission `reference`, step after step, until
/// it is sent, must wait, needs a sign-in or is refused. `memory` is the
/// submission as the page holds it, used when storage is unavailable.
pub async fn deliver(
    reference: &str,
    config: &TargetConfig,
    credential: Option<String>,
    memory: &mut Submission,
) -> Delivery {
    let tab = tab_id();
    let Some(_in_flight) = InFlight::claim(reference) else {
        return Delivery::AlreadySending;
    };
    loop {
        let stored = get(reference);
        // Where storage is blocked (a third-party iframe, private mode) the
        // submission lives in memory only: retried, but lost on reload.
        let storage_works = storage().is_some();
        // Not in storage: blocked or full storage, or already sent and
        // removed; the copy in memory says which.
        let mut submission = stored.unwrap_or_else(|| memory.clone());
        // Storage holds the steps sealed; the page's memory holds them open.
        if submission.steps.is_empty() {
            submission.steps = memory.steps.clone();
            submission.summary = memory.summary.clone();
        }
        // Made under another configuration, or not what this one would
        // plan: never sent from here, and never with this page's credential.
        if submission.steps.is_empty() || !submission.may_be_sent_by(config) {
            return Delivery::NotOurs;
        }
        if submission.status == SubmissionStatus::Sent
            || submission.next_step >= submission.steps.len()
        {
            remove(reference);
            return Delivery::Sent {
                record_id: submission.captured_id,
                upsert: None,
            };
        }
        let now = js_sys::Date::now();
        if submission.status == SubmissionStatus::NeedsSignIn && credential.is_some() {
            submission.status = SubmissionStatus::Pending;
            submission.next_attempt_at_ms = now;
        }
        if submission.status == SubmissionStatus::NeedsSignIn {
            return Delivery::NeedsSignIn;
        }
        if submission.status == SubmissionStatus::Rejected {
            submission.status = SubmissionStatus::Pending;
            submission.next_attempt_at_ms = now;
        }
        if !submission.is_due(now, &tab) {
            if submission.claim_until_ms > now && submission.claimed_by.as_deref() != Some(&tab) {
                return Delivery::ElsewhereInProgress;
            }
            return Delivery::Waiting {
                retry_in_ms: (submission.next_attempt_at_ms - now).max(0.0),
                message: submission.last_message.clone(),
            };
        }
        submission.claimed_by = Some(tab.clone());
        submission.claim_until_ms = now + CLAIM_MS;
        // Another tab may have claimed it in the same instant; the last writer
        // holds the claim. Storage that cannot take the write (full) leaves
        // the submission to this tab's memory.
        if storage_works
            && put(&submission)
            && get(reference).and_then(|stored| stored.claimed_by) != Some(tab.clone())
        {
            return Delivery::ElsewhereInProgress;
        }
        let Some(step) = submission.current_step().cloned() else {
            remove(reference);
            return Delivery::Sent {
                record_id: submission.captured_id,
                upsert: None,
            };
        };
        let url = step.resolved_url(submission.captured_id.as_deref());
        let response = http::send(&step, &url, credential.as_deref()).await;
        let outcome = classify(
            &step,
            &response,
            submission.attempts,
            js_sys::Math::random(),
        );
        submission.apply(&outcome, js_sys::Date::now());
        *memory = submission.clone();
        match outcome {
            StepOutcome::Done { .. } if submission.status == SubmissionStatus::Sent => {
                remove(reference);
                return Delivery::Sent {
                    record_id: submission.captured_id,
                    upsert: upsert_status(&response.body),
                };
            }
            StepOutcome::Done { .. } => {
                if storage_works {
                    put(&submission);
                }
            }
            StepOutcome::Retry { delay_ms, reason } => {
                if storage_works {
                    put(&submission);
                }
                return Delivery::Waiting {
                    retry_in_ms: delay_ms as f64,
                    message: Some(reason),
                };
            }
            StepOutcome::SignIn => {
                if storage_works {
                    put(&submission);
                }
                return Delivery::NeedsSignIn;
            }
            StepOutcome::Rejected(errors) => {
                if storage_works {
                    put(&submission);
                }
                return Delivery::Rejected(Box::new((errors, step)));
            }
        }
    }
}
