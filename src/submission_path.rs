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
    TargetConfig,
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
    /// The requests that send `input`, as a submission to store before the
    /// first of them. A submission sent before under the same reference
    /// keeps the steps it already did (a created contact is not created again).
    fn planned_submission(
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
        submission
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

/// Where one delivery attempt left the submission, and the submission as
/// it is now (the page's copy, for when storage is unavailable).
pub struct Delivered {
    pub submission: Submission,
    pub delivery: Delivery,
}

/// Sends what is left of the submission `reference` (see [`outbox::deliver`]).
pub async fn deliver(
    reference: String,
    credential: Option<String>,
    memory: Submission,
) -> Result<Delivered, CodeUnavailable> {
    #[cfg(not(feature = "full"))]
    return deliver_in_chunk(reference, credential, memory).await;
    #[cfg(feature = "full")]
    return Ok(deliver_now(reference, credential, memory).await);
}

async fn deliver_now(
    reference: String,
    credential: Option<String>,
    mut memory: Submission,
) -> Delivered {
    let delivery = outbox::deliver(&reference, credential, &mut memory).await;
    Delivered {
        submission: memory,
        delivery,
    }
}

/// A split point cannot be async itself: it returns the started delivery,
/// which the generated wrapper awaits once the chunk is in.
#[cfg(not(feature = "full"))]
type StartedDelivery = std::pin::Pin<Box<dyn std::future::Future<Output = Delivered>>>;

#[cfg(not(feature = "full"))]
#[leptos::wasm_split::wasm_split(
    submission,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(fetch_submission_chunk),
    return_wrapper(let started = _; { Ok(started?.await) } -> Result<Delivered, CodeUnavailable>)
)]
fn deliver_in_chunk(
    reference: String,
    credential: Option<String>,
    memory: Submission,
) -> Result<StartedDelivery, CodeUnavailable> {
    Ok(Box::pin(deliver_now(reference, credential, memory)))
}

/// Fetches the submission path ahead of the first send, so that a person
/// whose connection drops while they answer can still send (the outbox
/// then keeps it until the connection is back). A failure here is left for
/// the first send to meet and report.
pub async fn fetch_ahead() {
    #[cfg(not(feature = "full"))]
    let _ = fetch_submission_chunk().await;
}
