//! The code that turns answers into a submission, sends it and reads the
//! server's answer: the engine's planning, mapping and error placing, and
//! the outbox's delivery loop. None of it is needed to show the form, so
//! the widget's build fetches it as a wasm chunk of its own once the form is
//! on screen (`cargo xtask build` splits it off with `wasm-split-cli`); the
//! full app has it in its one module and calls it directly.
//!
//! Every function here is async and fails only with [`CodeUnavailable`]:
//! the chunk could not be fetched (the connection dropped before it came).
//! Nothing is lost then: the answers stay on screen and in the draft, and a
//! stored submission stays in the outbox for the next try.

use intake_engine::targets::{
    place_errors, plan, PlacedErrors, PlannedRequest, ServerErrors, Submission, SubmissionInput,
    SubmissionStatus, TargetConfig,
};
use intake_engine::{Form, FormState};

use crate::outbox::{self, Delivery};

/// The part of the page that sends answers could not be downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeUnavailable;

impl From<leptos::wasm_split::SplitLoaderError> for CodeUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        CodeUnavailable
    }
}

/// Declares one function of the submission path: in the widget's build a
/// split point (its body goes to the `submission` chunk, and a call first
/// fetches the chunk), in the full build a plain async function. Both have
/// the same signature, so callers do not know which build they are in.
macro_rules! submission_path_fn {
    ($(#[doc = $doc:literal])* fn $name:ident($($argument:ident: $type:ty),* $(,)?) -> $output:ty $body:block) => {
        $(#[doc = $doc])*
        #[cfg(not(feature = "full"))]
        #[leptos::wasm_split::wasm_split(submission, wasm_split_path = ::leptos::wasm_split, fallible)]
        pub fn $name($($argument: $type),*) -> Result<$output, CodeUnavailable> {
            Ok($body)
        }

        $(#[doc = $doc])*
        #[cfg(feature = "full")]
        pub async fn $name($($argument: $type),*) -> Result<$output, CodeUnavailable> {
            Ok($body)
        }
    };
}

submission_path_fn! {
    /// The answers as the target's person and form response.
    fn input_from_state(state: &FormState, config: &TargetConfig, reference: &str) -> SubmissionInput {
        SubmissionInput::from_state(state, config, reference)
    }
}

submission_path_fn! {
    /// The requests that send `input`, as a submission, stored before the
    /// first of them goes (where storage is unavailable it is sent from the
    /// page's memory). A submission sent before under the same reference
    /// keeps the steps it already did (a created contact is not created again).
    fn stored_submission(
        config: &TargetConfig,
        input: &SubmissionInput,
        deployment: &str,
        previous: Option<&Submission>,
    ) -> Submission {
        let planned = plan(config, input);
        let summary = [
            input.person.text("person.first_name"),
            input.person.text("person.last_name"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let mut submission = Submission::new(
            input.reference.clone(),
            deployment.to_string(),
            input.form_id.clone(),
            summary,
            planned.steps,
            js_sys::Date::now(),
        );
        if let Some(previous) = previous {
            submission.next_step = previous.next_step.min(submission.steps.len());
            submission.captured_id = previous.captured_id.clone();
        }
        let _ = outbox::put(&submission);
        submission
    }
}

submission_path_fn! {
    /// The references of the submissions stored for one deployment that
    /// still wait to be sent (see [`outbox::waiting_for`]).
    fn waiting_references(deployment: &str) -> Vec<String> {
        outbox::waiting_for(deployment)
            .into_iter()
            .map(|submission| submission.reference)
            .collect()
    }
}

submission_path_fn! {
    /// Puts off the next try of a stored submission until `until_ms`.
    fn postpone(reference: &str, until_ms: f64) -> () {
        if let Some(mut stored) = outbox::get(reference) {
            stored.status = SubmissionStatus::Pending;
            stored.next_attempt_at_ms = until_ms;
            outbox::put(&stored);
        }
    }
}

submission_path_fn! {
    /// The server's refusal put on the questions it names.
    fn placed_errors(
        config: &TargetConfig,
        step: &PlannedRequest,
        errors: &ServerErrors,
        input: &SubmissionInput,
        form: &Form,
    ) -> PlacedErrors {
        place_errors(config, step, errors, &input.person, &input.form_response, form)
    }
}

/// Where one delivery attempt left the submission.
pub struct Delivered {
    /// The submission as it is now: the page's copy, for when storage is
    /// unavailable.
    pub submission: Submission,
    pub delivery: Delivery,
    /// Whether the device keeps it (false where storage is unavailable).
    pub stored: bool,
    /// How many submissions of the deployment still wait, this one included.
    pub waiting: usize,
}

/// Sends what is left of the submission `reference` (see
/// [`outbox::deliver`]): the page's copy in `memory` when it has one, else
/// the stored one. `None` when neither has it (sent and removed meanwhile).
pub async fn deliver(
    reference: String,
    credential: Option<String>,
    memory: Option<Submission>,
    deployment: String,
) -> Result<Option<Delivered>, CodeUnavailable> {
    #[cfg(not(feature = "full"))]
    return deliver_in_chunk(reference, credential, memory, deployment).await;
    #[cfg(feature = "full")]
    return Ok(deliver_now(reference, credential, memory, deployment).await);
}

async fn deliver_now(
    reference: String,
    credential: Option<String>,
    memory: Option<Submission>,
    deployment: String,
) -> Option<Delivered> {
    let mut memory = memory.or_else(|| outbox::get(&reference))?;
    let delivery = outbox::deliver(&reference, credential, &mut memory).await;
    Some(Delivered {
        submission: memory,
        delivery,
        stored: outbox::get(&reference).is_some(),
        waiting: outbox::waiting_for(&deployment).len(),
    })
}

/// A split point cannot be async itself: it returns the started delivery,
/// which the generated wrapper awaits once the chunk is in.
#[cfg(not(feature = "full"))]
type StartedDelivery = std::pin::Pin<Box<dyn std::future::Future<Output = Option<Delivered>>>>;

#[cfg(not(feature = "full"))]
#[leptos::wasm_split::wasm_split(
    submission,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(fetch_submission_chunk),
    return_wrapper(let started = _; { Ok(started?.await) } -> Result<Option<Delivered>, CodeUnavailable>)
)]
fn deliver_in_chunk(
    reference: String,
    credential: Option<String>,
    memory: Option<Submission>,
    deployment: String,
) -> Result<StartedDelivery, CodeUnavailable> {
    Ok(Box::pin(deliver_now(
        reference, credential, memory, deployment,
    )))
}

/// Fetches the submission path ahead of the first send, so that a person
/// whose connection drops while they answer can still send (the outbox
/// then keeps it until the connection is back). A failure here is left for
/// the first send to meet and report.
pub async fn fetch_ahead() {
    #[cfg(not(feature = "full"))]
    let _ = fetch_submission_chunk().await;
}
