//! The outbox: submissions kept in localStorage from before their first
//! request until every step has succeeded, and the loop that sends them.
//! The rules (whether a submission may be sent from here, which step, what
//! an answer means, when to retry, who holds a claim) are the engine's;
//! this module stores, sends and schedules.
//!
//! Two tabs, or a double click, cannot send one submission twice: a tab
//! claims a submission in storage before sending a step, and every write
//! carries an idempotency key made from the submission's reference, so even
//! a lost race ends in one record where the server honours the key.

use std::cell::{OnceCell, RefCell};

use intake_engine::targets::{
    after_answer, after_look, claim_held, next_action, uuid_v4, working_copy, AfterStep,
    NextAction, PlannedRequest, ServerErrors, Submission, SubmissionStatus, TargetConfig,
    UpsertOutcome, MAX_KEEP_UNSENT_DAYS,
};

use crate::shared::http;

const STORAGE_KEY: &str = "intake-outbox";

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
    let held = HELD.with(|held| {
        let mut held = held.borrow_mut();
        held.as_mut().map(|held| replace_or_add(held, submission))
    });
    if held.is_some() {
        return true;
    }
    let mut submissions = all();
    replace_or_add(&mut submissions, submission);
    write(&submissions)
}

/// Puts `submission` in the place of the one with its reference, or last.
fn replace_or_add(submissions: &mut Vec<Submission>, submission: &Submission) {
    match submissions
        .iter_mut()
        .find(|stored| stored.reference == submission.reference)
    {
        Some(stored) => *stored = submission.clone(),
        None => submissions.push(submission.clone()),
    }
}

pub fn get(reference: &str) -> Option<Submission> {
    let held = HELD.with(|held| {
        held.borrow()
            .as_ref()?
            .iter()
            .find(|submission| submission.reference == reference)
            .cloned()
    });
    held.or_else(|| {
        all()
            .into_iter()
            .find(|submission| submission.reference == reference)
    })
}

pub fn remove(reference: &str) {
    HELD.with(|held| {
        if let Some(held) = held.borrow_mut().as_mut() {
            held.retain(|submission| submission.reference != reference);
        }
    });
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

/// Moves every stored submission made under `config` from storage into
/// this page's memory, and keeps every later write there too, until
/// [`release_held`] (the staff lock: nothing a signed-in person typed stays
/// in storage on a shared desk while nobody is signed in). A send still in
/// flight, or a retry whose timer fires, then updates or removes the held
/// copy instead of writing the submission back to storage. Sign-out holds
/// and reloads, which drops what is held.
pub fn hold_in_memory(config: &TargetConfig) {
    let binding = config.binding();
    let (ours, others): (Vec<Submission>, Vec<Submission>) = all()
        .into_iter()
        .partition(|submission| submission.target == binding);
    if !ours.is_empty() {
        write(&others);
    }
    HELD.with(|held| held.borrow_mut().get_or_insert_with(Vec::new).extend(ours));
}

/// Writes what [`hold_in_memory`] held back to storage, as it is now, and
/// stores again from here on.
pub fn release_held() {
    for submission in HELD
        .with(|held| held.borrow_mut().take())
        .unwrap_or_default()
    {
        put(&submission);
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
    /// Submissions kept in memory instead of storage while the desk is
    /// locked (see [`hold_in_memory`]); `None` when storage is written.
    static HELD: RefCell<Option<Vec<Submission>>> = const { RefCell::new(None) };
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
        upsert: Option<UpsertOutcome>,
        /// Other records the same create made, for staff to remove.
        duplicates: Vec<String>,
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
/// submission as the page holds it, used when storage is unavailable. What
/// to do at each turn is the engine's decision ([`next_action`],
/// [`after_answer`]); this stores, sends and reads the clock.
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
        // Where storage is blocked (a third-party iframe, private mode) the
        // submission lives in memory only: retried, but lost on reload.
        let storage_works = storage().is_some();
        let mut submission = working_copy(get(reference), memory);
        let now = js_sys::Date::now();
        let (step, url, looking) =
            match next_action(&mut submission, config, &tab, credential.is_some(), now) {
                NextAction::Send { step, url } => (step, url, false),
                NextAction::Look { request } => {
                    let url = request.url.clone();
                    (request, url, true)
                }
                NextAction::NotOurs => return Delivery::NotOurs,
                NextAction::AlreadySent { record_id } => {
                    remove(reference);
                    return Delivery::Sent {
                        record_id,
                        upsert: None,
                        duplicates: Vec::new(),
                    };
                }
                NextAction::NeedsSignIn => return Delivery::NeedsSignIn,
                NextAction::ElsewhereInProgress => return Delivery::ElsewhereInProgress,
                NextAction::Wait {
                    retry_in_ms,
                    message,
                } => {
                    return Delivery::Waiting {
                        retry_in_ms,
                        message,
                    }
                }
            };
        // The claim is stored and read back: another tab may have claimed it
        // in the same instant. Storage that cannot take the write (full)
        // leaves the submission to this tab's memory.
        if storage_works && put(&submission) && !claim_held(get(reference).as_ref(), &tab) {
            return Delivery::ElsewhereInProgress;
        }
        let response = http::send(&step, &url, credential.as_deref()).await;
        let report = if looking {
            after_look(
                &mut submission,
                config,
                &response,
                js_sys::Math::random(),
                js_sys::Date::now(),
            )
        } else {
            after_answer(
                &mut submission,
                step,
                &response,
                js_sys::Math::random(),
                js_sys::Date::now(),
            )
        };
        *memory = submission.clone();
        let stop = match report {
            AfterStep::Sent {
                record_id,
                upsert,
                duplicates,
            } => {
                remove(reference);
                return Delivery::Sent {
                    record_id,
                    upsert,
                    duplicates,
                };
            }
            AfterStep::NextStep => None,
            AfterStep::Wait {
                retry_in_ms,
                reason,
            } => Some(Delivery::Waiting {
                retry_in_ms,
                message: Some(reason),
            }),
            AfterStep::NeedsSignIn => Some(Delivery::NeedsSignIn),
            AfterStep::Rejected(rejection) => Some(Delivery::Rejected(rejection)),
        };
        if storage_works {
            put(&submission);
        }
        if let Some(delivery) = stop {
            return delivery;
        }
    }
}
