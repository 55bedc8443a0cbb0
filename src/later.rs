//! The one door to what is not needed to show the form and answer it:
//! checking answers and showing errors, the review page, the signature pad
//! ([`crate::form_later`]), and planning, storing, sending and reporting a
//! submission ([`crate::sending`]). Pages reach those parts only through
//! [`Later`], a table of their entry points.
//!
//! In the widget's build the table comes from a wasm chunk of its own
//! (`cargo xtask build` splits it off with `wasm-split-cli` at the one
//! split point here), fetched as soon as the form is on screen, so a phone
//! downloads less before it can show the first question. A person who acts
//! before it has come waits for it; if it cannot be fetched (the connection
//! dropped), they are told, nothing they typed is lost, and the next action
//! tries again. The full app has the table from the start.

use intake_engine::targets::PlacedErrors;
use intake_engine::{FormState, Question, QuestionIndex};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::failure::{self, PageFailure};
use crate::form_view::FormContext;
use crate::intake::{Intake, Status};
use crate::{form_later, sending};

/// The later parts could not be downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeUnavailable;

impl From<leptos::wasm_split::SplitLoaderError> for CodeUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        CodeUnavailable
    }
}

/// The entry points of the later parts. Plain function pointers: the page
/// calls them, and in the widget's build their code is in the chunk.
#[derive(Clone, Copy)]
pub struct Later {
    pub(crate) refresh_errors: fn(FormContext, Vec<QuestionIndex>),
    pub(crate) advance: fn(FormContext),
    pub(crate) place_server_errors: fn(FormContext, &PlacedErrors),
    pub(crate) error_summary: fn(FormContext) -> AnyView,
    pub(crate) question_error: fn(FormContext, QuestionIndex, Question) -> AnyView,
    pub(crate) review: fn(FormContext) -> AnyView,
    pub(crate) signature: fn(FormContext, QuestionIndex, Signal<bool>) -> AnyView,
    pub(crate) submit: fn(Intake, FormState),
    pub(crate) deliver_waiting: fn(Intake),
    pub(crate) count_waiting: fn(Intake),
    pub(crate) status_view: fn(Intake, Status) -> AnyView,
    pub(crate) sent_view: fn(Intake, String, Option<String>, Option<String>) -> AnyView,
    /// Why the page has no form, in words (see [`crate::failure`]).
    pub(crate) failure_message: fn(&PageFailure) -> String,
    /// Writes the draft of the answers under a key (see [`crate::draft`]).
    pub(crate) save_draft: fn(&str, &FormState),
}

/// The table itself. In the widget's build only the split point below
/// calls this, so everything it names goes to the chunk.
fn parts() -> Later {
    Later {
        refresh_errors: form_later::refresh_errors,
        advance: form_later::advance,
        place_server_errors: form_later::place_server_errors,
        error_summary: form_later::error_summary,
        question_error: form_later::question_error,
        review: form_later::review,
        signature: form_later::signature,
        submit: sending::submit,
        deliver_waiting: sending::deliver_waiting,
        count_waiting: sending::count_waiting,
        status_view: sending::status_view,
        sent_view: sending::sent_view,
        failure_message: failure::message,
        save_draft: form_later::save_draft,
    }
}

#[cfg(not(feature = "full"))]
#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn parts_from_chunk() -> Result<Later, CodeUnavailable> {
    Ok(parts())
}

/// The page's copy of the table, shared through context: `None` until the
/// widget's chunk has come.
#[derive(Clone, Copy)]
pub struct LaterContext(pub RwSignal<Option<Later>>);

fn initial() -> Option<Later> {
    #[cfg(feature = "full")]
    return Some(parts());
    #[cfg(not(feature = "full"))]
    None
}

/// Shares the table with every page.
pub fn provide_later() {
    provide_context(LaterContext(RwSignal::new(initial())));
}

/// The page's table; a table of its own when none was provided (tests).
pub fn use_later() -> RwSignal<Option<Later>> {
    use_context::<LaterContext>().map_or_else(|| RwSignal::new(initial()), |context| context.0)
}

/// The table, fetching the chunk first when it has not come yet.
pub async fn load(slot: RwSignal<Option<Later>>) -> Result<Later, CodeUnavailable> {
    if let Some(parts) = slot.get_untracked() {
        return Ok(parts);
    }
    #[cfg(feature = "full")]
    let parts = parts();
    #[cfg(not(feature = "full"))]
    let parts = parts_from_chunk().await?;
    // Several callers may have waited for the same fetch: the first one in
    // shares the table, so the parts it brings are drawn once.
    if slot.with_untracked(Option::is_none) {
        slot.set(Some(parts));
    }
    Ok(parts)
}

/// Runs `act` with the table: at once when it is here, else once the chunk
/// has come; `unavailable` when it cannot be fetched.
pub fn with_later(
    slot: RwSignal<Option<Later>>,
    act: impl FnOnce(Later) + 'static,
    unavailable: impl FnOnce() + 'static,
) {
    if let Some(parts) = slot.get_untracked() {
        act(parts);
        return;
    }
    spawn_local(async move {
        match load(slot).await {
            Ok(parts) => act(parts),
            Err(CodeUnavailable) => unavailable(),
        }
    });
}

/// Fetches the later parts ahead of need, right after the form is on
/// screen, so a person whose connection drops while they answer can still
/// check and send (the outbox then keeps the submission until it is back).
/// A failure is tried again after 2, 4, 8… seconds (at most a minute
/// apart); meanwhile anything that needs the parts fetches them itself.
pub fn fetch_ahead(slot: RwSignal<Option<Later>>) {
    fetch_ahead_after_failures(slot, 0);
}

fn fetch_ahead_after_failures(slot: RwSignal<Option<Later>>, failures: u32) {
    spawn_local(async move {
        if load(slot).await.is_err() {
            let wait = std::time::Duration::from_secs((2u64 << failures.min(5)).min(60));
            set_timeout(move || fetch_ahead_after_failures(slot, failures + 1), wait);
        }
    });
}
