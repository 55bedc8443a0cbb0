//! Everything that turns answers into a submission, stores and sends it,
//! and tells the person how it went: planning and mapping (the engine),
//! the outbox's delivery loop, the server's errors put back on questions,
//! the status line and the "Sent" screen. None of it is needed to show the
//! form, so it reaches the pages only through [`crate::shared::later::Later`] and
//! the widget's build fetches it once the form is on screen.

use intake_engine::targets::{
    place_errors, plan, PlacedErrors, Submission, SubmissionInput, SubmissionStatus, UpsertOutcome,
};
use intake_engine::{Form, FormState};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::shared::draft;
use crate::shared::language::use_language;
use crate::shared::outbox::{self, Delivery};
use crate::shared::state::{short_reference, Intake, Phase, Status};

/// Turns the answers on screen into a submission, stores it, then sends
/// it. A submission the server refused keeps its reference and the steps
/// already done (a created contact is not created again).
pub(crate) fn submit(intake: Intake, state: FormState) {
    let Some(config) = intake.config.get_value() else {
        intake.busy.set(false);
        return;
    };
    let reference = intake
        .current
        .with_value(|current| {
            current
                .as_ref()
                .map(|submission| submission.reference.clone())
        })
        .unwrap_or_else(outbox::new_reference);
    let input = SubmissionInput::from_state(&state, &config, &reference);
    // Staff: an edit sends only what changed, and a new person waits for
    // the duplicate check, which then sends it.
    let input = match intake.desk() {
        Some(desk) => desk.prepare_input(intake, &config, &state, input),
        None => Some(input),
    };
    let Some(input) = input else {
        intake.busy.set(false);
        return;
    };
    send_input(intake, input, state.form().clone());
}

/// The requests that send `input`, as a submission, stored before the
/// first of them goes (where storage is unavailable it is sent from the
/// page's memory). A submission sent before under the same reference keeps
/// the steps it already did (a created contact is not created again).
async fn stored_submission(intake: Intake, input: &SubmissionInput) -> Option<Submission> {
    let config = intake.config.get_value()?;
    let planned = plan(&config, input);
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
        config.binding(),
        input.form_id.clone(),
        summary,
        planned.steps,
        js_sys::Date::now(),
    );
    if let Some(previous) = intake.current.get_value() {
        submission.next_step = previous.next_step.min(submission.steps.len());
        submission.captured_id = previous.captured_id.clone();
        // A create that may already have landed is still looked for first.
        submission.outcome_unknown = previous.outcome_unknown;
    }
    // Sealed before it is stored: no answer reaches storage in plain text.
    if outbox::seal(&mut submission).await {
        let _ = outbox::put(&submission);
    }
    Some(submission)
}

/// Plans the input, stores the submission, then sends it.
pub(crate) fn send_input(intake: Intake, input: SubmissionInput, form: Form) {
    intake.busy.set(true);
    intake.status.set(Status::Sending);
    spawn_local(async move {
        let Some(submission) = stored_submission(intake, &input).await else {
            intake.busy.set(false);
            intake.status.set(Status::Quiet);
            return;
        };
        let reference = submission.reference.clone();
        intake.current.set_value(Some(submission));
        intake.current_input.set_value(Some((input, form)));
        intake.server_errors.set(PlacedErrors::default());
        deliver(intake, reference, true);
    });
}

/// Sends one stored submission and tells the person how it went; schedules
/// the next try when it must wait.
fn deliver(intake: Intake, reference: String, is_current: bool) {
    if is_current {
        intake.busy.set(true);
    }
    // Staff submissions wait while nobody is signed in (the lock, a
    // refused token): they are sent again once someone is.
    if intake.desk().is_some_and(|desk| desk.token().is_none()) {
        if is_current {
            intake.busy.set(false);
        }
        return;
    }
    spawn_local(async move {
        let Some(config) = intake.config.get_value() else {
            if is_current {
                intake.busy.set(false);
            }
            return;
        };
        // The page's copy when it has one (storage may be unavailable), else the stored one.
        let memory = is_current
            .then(|| intake.current.get_value())
            .flatten()
            .or_else(|| outbox::get(&reference));
        let Some(mut submission) = memory else {
            // Neither stored nor on the page: sent and removed meanwhile.
            if is_current {
                intake.busy.set(false);
            }
            return;
        };
        // From storage, its steps are sealed: open them into memory. One
        // this device can no longer open waits until it expires.
        if !outbox::open(&mut submission).await {
            if is_current {
                intake.busy.set(false);
            }
            return;
        }
        let delivery =
            outbox::deliver(&reference, &config, intake.credential(), &mut submission).await;
        let stored = outbox::get(&reference).is_some();
        if is_current {
            intake.current.set_value(Some(submission));
            intake.busy.set(false);
        }
        intake.pending.set(outbox::waiting_for(&config).len());
        match delivery {
            Delivery::Sent {
                record_id,
                upsert,
                duplicates,
            } if is_current => {
                if let Some(key) = intake.draft_key.get_value() {
                    draft::clear(&key);
                }
                intake.current.set_value(None);
                intake.status.set(Status::Quiet);
                if let Some(host) = crate::shared::embed::host_origin() {
                    crate::shared::embed::report_submitted(&host, &short_reference(&reference));
                }
                intake.phase.set(Phase::Sent {
                    reference,
                    record_id,
                    upsert,
                    duplicates,
                });
                crate::shared::dom::focus_when_drawn("[data-testid=submitted]");
            }
            Delivery::Sent { duplicates, .. } => intake.status.set(Status::EarlierSent {
                reference,
                duplicates,
            }),
            Delivery::Waiting { retry_in_ms, .. } => {
                let offline = !window().navigator().on_line();
                if is_current {
                    intake.status.set(Status::Waiting {
                        seconds: (retry_in_ms / 1000.0).ceil() as u64,
                        offline,
                        saved: stored,
                    });
                }
                set_timeout(
                    move || deliver(intake, reference, is_current),
                    std::time::Duration::from_millis(retry_in_ms.max(250.0) as u64),
                );
            }
            Delivery::AlreadySending | Delivery::NotOurs => {}
            Delivery::ElsewhereInProgress => {
                if is_current {
                    intake.status.set(Status::Elsewhere);
                }
                set_timeout(
                    move || deliver(intake, reference, is_current),
                    std::time::Duration::from_secs(5),
                );
            }
            Delivery::NeedsSignIn if intake.desk().is_some() => {
                if let Some(desk) = intake.desk() {
                    desk.forget_token();
                }
                intake.status.set(Status::NeedsSignIn);
            }
            // A widget cannot sign in: its token was refused, which the
            // organisation must fix. Keep the answers and try later.
            Delivery::NeedsSignIn => {
                intake.status.set(Status::Waiting {
                    seconds: 60,
                    offline: false,
                    saved: true,
                });
                if let Some(mut stored) = outbox::get(&reference) {
                    stored.status = SubmissionStatus::Pending;
                    stored.next_attempt_at_ms = js_sys::Date::now() + 60_000.0;
                    outbox::put(&stored);
                }
                set_timeout(
                    move || deliver(intake, reference, is_current),
                    std::time::Duration::from_secs(60),
                );
            }
            // The page has moved on (the submission was sent meanwhile).
            Delivery::Rejected(_) if is_current && intake.current.with_value(Option::is_none) => {}
            Delivery::Rejected(rejection) => {
                let (errors, step) = *rejection;
                if let (Some(config), Some((input, form))) =
                    (intake.config.get_value(), intake.current_input.get_value())
                {
                    intake.server_errors.set(place_errors(
                        &config,
                        &step,
                        &errors,
                        &input.person,
                        &input.form_response,
                        &form,
                    ));
                }
                intake.status.set(Status::Rejected);
                // The person now sees why on the page; the device keeps
                // nothing more. The page's own copy keeps the reference and
                // the steps already done, so a corrected send resumes them.
                outbox::remove(&reference);
            }
        }
    });
}

/// Sends every submission of this deployment left from earlier visits, and
/// the one on screen when storage could not keep it.
pub(crate) fn deliver_waiting(intake: Intake) {
    let Some(config) = intake.config.get_value() else {
        return;
    };
    let current = intake
        .current
        .get_value()
        .map(|submission| submission.reference);
    let waiting: Vec<String> = outbox::waiting_for(&config)
        .into_iter()
        .map(|submission| submission.reference)
        .collect();
    intake.pending.set(waiting.len());
    // The submission on screen is sent even when storage could not keep it.
    if let Some(current) = &current {
        if !waiting.contains(current) {
            deliver(intake, current.clone(), true);
        }
    }
    for reference in waiting {
        let is_current = current.as_deref() == Some(reference.as_str());
        deliver(intake, reference, is_current);
    }
}

/// Counts what waits from earlier visits, for the notice.
pub(crate) fn count_waiting(intake: Intake) {
    if let Some(config) = intake.config.get_value() {
        intake.pending.set(outbox::waiting_for(&config).len());
    }
}

/// What the person is told about the submission in progress (the status
/// line's content for every status but the quiet one).
pub(crate) fn status_view(intake: Intake, status: Status) -> AnyView {
    let language = use_language().get();
    let (text, later) = (language.text(), language.later_text());
    match status {
        Status::Quiet => ().into_any(),
        Status::Sending | Status::Elsewhere => view! { <p>{text.sending}</p> }.into_any(),
        Status::Waiting { seconds, offline, saved } => view! {
            <p>{if offline { later.waiting_for_connection.to_string() } else { (later.retrying)(seconds) }}</p>
            {if saved {
                view! { <p data-testid="saved-on-device">{later.saved_on_device}</p> }.into_any()
            } else {
                view! { <p data-testid="kept-in-page">{later.kept_in_page}</p> }.into_any()
            }}
        }
        .into_any(),
        Status::NeedsSignIn | Status::PossibleDuplicates => match intake.desk() {
            Some(desk) => desk.status_view(intake, &status),
            None => ().into_any(),
        },
        Status::Rejected => view! { <p>{later.rejected_intro}</p> }.into_any(),
        Status::EarlierSent {
            reference,
            duplicates,
        } => view! {
            <p>{format!("{} {}: {}", later.sent_title, later.sent_reference.to_ascii_lowercase(), short_reference(&reference))}</p>
            {duplicates_note(&duplicates)}
        }
        .into_any(),
    }
}

/// The "Sent" screen: the reference to keep, the record number and what
/// an upsert did when the server says, and the way on.
pub(crate) fn sent_view(
    intake: Intake,
    reference: String,
    record_id: Option<String>,
    upsert: Option<UpsertOutcome>,
    duplicates: Vec<String>,
) -> AnyView {
    let language = use_language();
    let later = move || language.get().later_text();
    let after_sent = match intake.desk() {
        Some(desk) => desk.after_sent(intake),
        None => start_again_link(),
    };
    let reference = short_reference(&reference);
    // The title and the panel's heading both carry the reference, as
    // GOV.UK's confirmation page does: it is what the person must keep.
    let title_reference = reference.clone();
    Effect::new(move |_| {
        let later = later();
        let first = format!(
            "{} – {}: {title_reference}",
            later.sent_title, later.sent_reference
        );
        crate::shared::dom::set_title(&first, None);
    });
    view! {
        <section data-testid="submitted" tabindex="-1" aria-labelledby="sent-title">
            <h2 id="sent-title" class="panel">
                {move || later().sent_title}
                <span class="panel-reference">{move || later().sent_reference}": "<strong data-testid="reference">{reference}</strong></span>
            </h2>
            {record_id.map(|id| view! { <p>{move || later().sent_record}": "<strong data-testid="record-id">{id}</strong></p> })}
            {upsert.map(|status| view! { <p data-testid="upsert-status">{move || (later().upsert_status)(&status)}</p> })}
            {duplicates_note(&duplicates)}
            {after_sent}
        </section>
    }
    .into_any()
}

/// The other records a create made when the browser sent it again after a
/// dropped connection: which to remove, so the person is not on file twice.
fn duplicates_note(duplicates: &[String]) -> Option<AnyView> {
    if duplicates.is_empty() {
        return None;
    }
    let language = use_language();
    let ids = duplicates.join(", ");
    Some(
        view! {
            <p class="notice" role="alert" data-testid="duplicates-made">
                {move || (language.get().later_text().sent_duplicates)(&ids)}
            </p>
        }
        .into_any(),
    )
}

fn start_again_link() -> AnyView {
    let language = use_language();
    view! { <p><a href=move || window().location().href().unwrap_or_default()>{move || language.get().later_text().sent_again}</a></p> }.into_any()
}
