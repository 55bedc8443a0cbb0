//! Delivering one stored submission, as decisions. The app reads the
//! submission from storage, asks [`next_action`] what to do with it, stores
//! the claim it took and reads it back, sends the step, and asks
//! [`after_answer`] what the server's answer means; it only stores, sends
//! and reads the clock and the random source.
//!
//! Two tabs, or a double click, cannot send one submission twice: a tab
//! claims a submission before sending a step (see [`Submission::claimed_by`]),
//! and whichever tab wrote its claim last holds it ([`claim_held`]).

use super::config::TargetConfig;
use super::errors::ServerErrors;
use super::mapping::PlannedRequest;
use super::outbox::{
    classify, upsert_status, Response, StepOutcome, Submission, SubmissionStatus, UpsertOutcome,
};
use super::reconcile::{
    can_look, free_text_field, lookup_request, read_lookup, read_matches_before, Looked,
    MAX_LOOKUP_PAGES,
};

/// How long a tab's claim on a submission lasts: longer than one request.
pub const CLAIM_MS: f64 = 60_000.0;

/// What a tab does next with a submission it was asked to deliver.
#[derive(Clone, Debug, PartialEq)]
pub enum NextAction {
    /// Made under another configuration, or not what this one would plan,
    /// or holding no steps: never sent from here, and never with this
    /// page's credential.
    NotOurs,
    /// Every step has already succeeded: it can be forgotten.
    AlreadySent { record_id: Option<String> },
    /// The server refused the credential and there is still none.
    NeedsSignIn,
    /// Another tab holds a claim on it and is sending it now.
    ElsewhereInProgress,
    /// Not due yet: the next try is in `retry_in_ms`, and `message` is
    /// what the person was last told about it.
    Wait {
        retry_in_ms: f64,
        message: Option<String>,
    },
    /// This tab has claimed it: once the claim is stored and still held,
    /// `step` is sent to `url` (its address with an earlier step's id
    /// filled in).
    Send { step: PlannedRequest, url: String },
    /// As `Send`, but the current step is a create that may already have
    /// made its record: `request` reads a page of the list to find it,
    /// and its answer goes to [`after_look`]. Also before a create found
    /// again by its fields is first sent: then `request` reads who matches
    /// it already.
    Look { request: PlannedRequest },
}

/// Where an answer to one step leaves the submission.
#[derive(Clone, Debug, PartialEq)]
pub enum AfterStep {
    /// The step succeeded and another follows: its progress is stored and
    /// the next step is asked for.
    NextStep,
    /// Every step succeeded: the record's id when the server gave one, and
    /// what an upsert said it did (persons_v1: created, updated, unchanged).
    Sent {
        record_id: Option<String>,
        upsert: Option<UpsertOutcome>,
        /// Other records the same create made (found while looking for it):
        /// duplicates staff should remove.
        duplicates: Vec<String>,
    },
    /// The same step is tried again in `retry_in_ms`, for `reason`.
    Wait { retry_in_ms: f64, reason: String },
    /// The credential was refused or has expired.
    NeedsSignIn,
    /// The server refused the step's request as it is.
    Rejected(Box<(ServerErrors, PlannedRequest)>),
}

/// The submission to work on: the stored copy, which other tabs keep up to
/// date, or the page's own when storage has none (blocked or full storage,
/// or already sent and removed). Storage holds the steps and summary
/// sealed, so a stored copy without steps takes them from the page's memory,
/// where they are open.
pub fn working_copy(stored: Option<Submission>, memory: &Submission) -> Submission {
    let mut submission = stored.unwrap_or_else(|| memory.clone());
    if submission.steps.is_empty() {
        submission.steps = memory.steps.clone();
        submission.summary = memory.summary.clone();
    }
    submission
}

/// Decides what the tab `tab`, running `config`, does with `submission` at
/// `now_ms`; `signed_in` says whether the page holds a credential now.
///
/// A submission that waited for a sign-in is sent again once there is a
/// credential, and a refused one once the person has changed the answers
/// (the page only asks again then). When the answer is
/// [`NextAction::Send`], `submission` carries this tab's claim, to be
/// stored before sending.
pub fn next_action(
    submission: &mut Submission,
    config: &TargetConfig,
    tab: &str,
    signed_in: bool,
    now_ms: f64,
) -> NextAction {
    if submission.steps.is_empty() || !submission.may_be_sent_by(config) {
        return NextAction::NotOurs;
    }
    let step = match submission.current_step() {
        Some(step) if submission.status != SubmissionStatus::Sent => step.clone(),
        _ => {
            return NextAction::AlreadySent {
                record_id: submission.captured_id.clone(),
            }
        }
    };
    match submission.status {
        SubmissionStatus::NeedsSignIn if !signed_in => return NextAction::NeedsSignIn,
        SubmissionStatus::NeedsSignIn | SubmissionStatus::Rejected => {
            submission.status = SubmissionStatus::Pending;
            submission.next_attempt_at_ms = now_ms;
        }
        SubmissionStatus::Pending | SubmissionStatus::Sent => {}
    }
    if !submission.is_due(now_ms, tab) {
        if submission.claim_until_ms > now_ms && !submission.is_claimed_by(tab) {
            return NextAction::ElsewhereInProgress;
        }
        return NextAction::Wait {
            retry_in_ms: (submission.next_attempt_at_ms - now_ms).max(0.0),
            message: submission.last_message.clone(),
        };
    }
    submission.claimed_by = Some(tab.to_string());
    submission.claim_until_ms = now_ms + CLAIM_MS;
    let look = can_look(config, &step)
        && match (free_text_field(config.target), submission.looked_before) {
            // Found by the reference its record carries.
            (Some(_), _) => submission.outcome_unknown,
            // Found by its fields: who matches already is read before the
            // first send. A create already sent without that read (stored
            // by an earlier version) cannot be told apart from people who
            // were there, so it is not looked for.
            (None, false) => !submission.outcome_unknown,
            (None, true) => submission.outcome_unknown && submission.matches_before.is_some(),
        };
    if look {
        return NextAction::Look {
            request: lookup_request(config, &step, submission.lookup_page.as_deref()),
        };
    }
    let url = step.resolved_url(submission.captured_id.as_deref());
    NextAction::Send { step, url }
}

/// Whether an answer leaves a create's outcome unknown: it may have made
/// the record (no answer, a timeout, a 5xx, a success that could not be
/// read) rather than certainly not (a 429 or 425 asks to wait first).
fn outcome_unknown(step: &PlannedRequest, response: &Response, outcome: &StepOutcome) -> bool {
    let is_create = !step.needs_captured_id && !step.conflict_means_done;
    is_create
        && matches!(outcome, StepOutcome::Retry { .. })
        && response
            .status
            .is_none_or(|status| status == 408 || status >= 500 || (200..300).contains(&status))
}

/// Whether `tab` still holds its claim, from the submission as read back
/// after storing the claim: another tab may have claimed it in the same
/// instant, and the last writer holds it. A submission gone from storage
/// meanwhile (sent and removed by the other tab) is not held either.
pub fn claim_held(read_back: Option<&Submission>, tab: &str) -> bool {
    read_back.is_some_and(|stored| stored.is_claimed_by(tab))
}

/// Moves `submission` on by the server's `response` to `step` (the step
/// [`next_action`] gave), received at `now_ms`, and says where that leaves
/// it. `jitter` in 0..1 spreads the retries of many devices (see
/// [`classify`]).
pub fn after_answer(
    submission: &mut Submission,
    step: PlannedRequest,
    response: &Response,
    jitter: f64,
    now_ms: f64,
) -> AfterStep {
    let outcome = classify(&step, response, submission.attempts, jitter);
    let unknown = outcome_unknown(&step, response, &outcome);
    submission.apply(&outcome, now_ms);
    if unknown {
        submission.outcome_unknown = true;
        submission.lookup_page = None;
        submission.lookup_pages = 0;
    }
    report(submission, outcome, step, response)
}

/// Where a step's outcome leaves the submission, once applied.
fn report(
    submission: &Submission,
    outcome: StepOutcome,
    step: PlannedRequest,
    response: &Response,
) -> AfterStep {
    match outcome {
        StepOutcome::Done { .. } if submission.status == SubmissionStatus::Sent => {
            AfterStep::Sent {
                record_id: submission.captured_id.clone(),
                upsert: upsert_status(&response.body),
                duplicates: submission.duplicates.clone(),
            }
        }
        StepOutcome::Done { .. } => AfterStep::NextStep,
        StepOutcome::Retry { delay_ms, reason } => AfterStep::Wait {
            retry_in_ms: delay_ms as f64,
            reason,
        },
        StepOutcome::SignIn => AfterStep::NeedsSignIn,
        StepOutcome::Rejected(errors) => AfterStep::Rejected(Box::new((errors, step))),
    }
}

/// Moves `submission` on by the answer to the list page [`NextAction::Look`]
/// asked for, under `config`, received at `now_ms`.
///
/// The record found: the create is done, with the record's id. Not on this
/// page: the next page is asked for. Not on any page: the create is sent
/// again. A list that cannot be read or reached (a refusal, or more pages
/// than [`MAX_LOOKUP_PAGES`]) cannot settle it, so the create is sent again
/// and a duplicate becomes possible; a failed connection or a 5xx waits
/// and looks again.
pub fn after_look(
    submission: &mut Submission,
    config: &TargetConfig,
    response: &Response,
    jitter: f64,
    now_ms: f64,
) -> AfterStep {
    let Some(step) = submission.current_step().cloned() else {
        return AfterStep::Sent {
            record_id: submission.captured_id.clone(),
            upsert: None,
            duplicates: submission.duplicates.clone(),
        };
    };
    let request = lookup_request(config, &step, submission.lookup_page.as_deref());
    let outcome = classify(&request, response, submission.attempts, jitter);
    let readable = match outcome {
        StepOutcome::Done { .. } => true,
        StepOutcome::Retry { .. } | StepOutcome::SignIn => {
            submission.apply(&outcome, now_ms);
            return report(submission, outcome, step, response);
        }
        StepOutcome::Rejected(_) => false,
    };
    if !submission.outcome_unknown {
        note_matches_before(submission, &step, config, readable, response);
        return AfterStep::NextStep;
    }
    let before = submission.matches_before.as_deref().unwrap_or_default();
    let looked = if readable {
        read_lookup(config, &step, &submission.reference, before, &response.body)
    } else {
        Err("The list could not be read.".into())
    };
    match looked {
        Ok(Looked::Found { id, also }) => {
            let done = StepOutcome::Done {
                captured_id: Some(id),
            };
            submission.duplicates.extend(also);
            submission.apply(&done, now_ms);
            report(submission, done, step, &Response::default())
        }
        Ok(Looked::NextPage(token)) if submission.lookup_pages + 1 < MAX_LOOKUP_PAGES => {
            submission.lookup_pages += 1;
            submission.lookup_page = Some(token);
            AfterStep::NextStep
        }
        Ok(_) | Err(_) => {
            submission.stop_looking();
            AfterStep::NextStep
        }
    }
}

/// Adds one page of the people matching a create before it is first sent
/// (see [`NextAction::Look`]); past the last page, or past
/// [`MAX_LOOKUP_PAGES`], or on an answer that cannot be read, the create
/// is sent, and an unreadable or unfinished list leaves its unknown
/// outcome to be settled by sending it again.
fn note_matches_before(
    submission: &mut Submission,
    step: &PlannedRequest,
    config: &TargetConfig,
    readable: bool,
    response: &Response,
) {
    let page = if readable {
        read_matches_before(config, step, &response.body).ok()
    } else {
        None
    };
    let Some((found, next)) = page else {
        submission.matches_before = None;
        submission.looked_before = true;
        submission.stop_looking();
        return;
    };
    submission
        .matches_before
        .get_or_insert_with(Vec::new)
        .extend(found);
    match next {
        Some(token) if submission.lookup_pages + 1 < MAX_LOOKUP_PAGES => {
            submission.lookup_pages += 1;
            submission.lookup_page = Some(token);
        }
        other => {
            // Past the last page the read is whole; past the bound it is
            // not, and cannot be counted on.
            if other.is_some() {
                submission.matches_before = None;
            }
            submission.looked_before = true;
            submission.stop_looking();
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::targets::{AnswerBody, HttpMethod};

    const TAB: &str = "this-tab";
    const OTHER_TAB: &str = "other-tab";
    const NOW: f64 = 1_000_000.0;

    fn config(mode: &str) -> TargetConfig {
        TargetConfig::from_json(&json!({
            "target": "caspen", "mode": mode, "base_url": "/gateway/caspen/v1",
            "auth": if mode == "widget" { "none" } else { "staff_token" }
        }))
        .unwrap()
        .named("caspen")
    }

    fn widget() -> TargetConfig {
        config("widget")
    }

    /// Creating the client (its id captured), then changing it by that id.
    fn steps() -> Vec<PlannedRequest> {
        let create = PlannedRequest {
            label: "Create the client".into(),
            method: HttpMethod::Post,
            url: "/gateway/caspen/v1/clients".into(),
            headers: Vec::new(),
            body: None,
            conflict_means_done: true,
            capture_id: Some("/data/id".into()),
            error_prefixes: Vec::new(),
            needs_captured_id: false,
        };
        let update = PlannedRequest {
            label: "Add the answers".into(),
            method: HttpMethod::Patch,
            url: "/gateway/caspen/v1/clients/{id}".into(),
            capture_id: None,
            conflict_means_done: false,
            needs_captured_id: true,
            ..create.clone()
        };
        vec![create, update]
    }

    fn submission(steps: Vec<PlannedRequest>) -> Submission {
        Submission::new(
            "ref-1".into(),
            widget().binding(),
            "form".into(),
            "Rosa Diaz".into(),
            steps,
            0.0,
        )
    }

    fn one_step() -> Submission {
        submission(steps()[..1].to_vec())
    }

    fn answer(status: Option<u16>, body: &str) -> Response {
        Response {
            status,
            retry_after: None,
            body: AnswerBody::from_text(body),
        }
    }

    fn send(step: usize, url: &str) -> NextAction {
        NextAction::Send {
            step: steps()[step].clone(),
            url: url.into(),
        }
    }

    const CREATE_URL: &str = "/gateway/caspen/v1/clients";

    #[test]
    fn what_a_tab_does_with_a_stored_submission() {
        struct Case {
            name: &'static str,
            config: TargetConfig,
            change: fn(&mut Submission),
            signed_in: bool,
            action: NextAction,
            status_after: SubmissionStatus,
        }
        let case = |name, change, signed_in, action, status_after| Case {
            name,
            config: widget(),
            change,
            signed_in,
            action,
            status_after,
        };
        let cases = [
            case(
                "a new submission is sent",
                |_| {},
                false,
                send(0, CREATE_URL),
                SubmissionStatus::Pending,
            ),
            Case {
                name: "made under another configuration",
                config: config("staff"),
                ..case(
                    "",
                    |_| {},
                    true,
                    NextAction::NotOurs,
                    SubmissionStatus::Pending,
                )
            },
            case(
                "a step this configuration would not plan",
                |submission| submission.steps[0].url = "https://evil.example/v1/clients".into(),
                false,
                NextAction::NotOurs,
                SubmissionStatus::Pending,
            ),
            case(
                "no steps to send",
                |submission| submission.steps.clear(),
                false,
                NextAction::NotOurs,
                SubmissionStatus::Pending,
            ),
            case(
                "already sent",
                |submission| {
                    submission.status = SubmissionStatus::Sent;
                    submission.captured_id = Some("c-1".into());
                },
                false,
                NextAction::AlreadySent {
                    record_id: Some("c-1".into()),
                },
                SubmissionStatus::Sent,
            ),
            case(
                "every step done",
                |submission| submission.next_step = 1,
                false,
                NextAction::AlreadySent { record_id: None },
                SubmissionStatus::Pending,
            ),
            case(
                "needs a sign-in and there is no credential",
                |submission| submission.status = SubmissionStatus::NeedsSignIn,
                false,
                NextAction::NeedsSignIn,
                SubmissionStatus::NeedsSignIn,
            ),
            case(
                "needs a sign-in and someone has signed in",
                |submission| {
                    submission.status = SubmissionStatus::NeedsSignIn;
                    submission.next_attempt_at_ms = NOW + 5000.0;
                },
                true,
                send(0, CREATE_URL),
                SubmissionStatus::Pending,
            ),
            case(
                "refused, then changed and sent again",
                |submission| {
                    submission.status = SubmissionStatus::Rejected;
                    submission.next_attempt_at_ms = NOW + 5000.0;
                },
                false,
                send(0, CREATE_URL),
                SubmissionStatus::Pending,
            ),
            case(
                "not due yet",
                |submission| {
                    submission.next_attempt_at_ms = NOW + 4000.0;
                    submission.last_message = Some("The server is busy.".into());
                },
                false,
                NextAction::Wait {
                    retry_in_ms: 4000.0,
                    message: Some("The server is busy.".into()),
                },
                SubmissionStatus::Pending,
            ),
            case(
                "claimed by another tab",
                |submission| {
                    submission.claimed_by = Some(OTHER_TAB.into());
                    submission.claim_until_ms = NOW + 1.0;
                },
                false,
                NextAction::ElsewhereInProgress,
                SubmissionStatus::Pending,
            ),
            case(
                "claimed by another tab and not due",
                |submission| {
                    submission.claimed_by = Some(OTHER_TAB.into());
                    submission.claim_until_ms = NOW + 1.0;
                    submission.next_attempt_at_ms = NOW + 4000.0;
                },
                false,
                NextAction::ElsewhereInProgress,
                SubmissionStatus::Pending,
            ),
            case(
                "another tab's claim has lapsed",
                |submission| {
                    submission.claimed_by = Some(OTHER_TAB.into());
                    submission.claim_until_ms = NOW;
                },
                false,
                send(0, CREATE_URL),
                SubmissionStatus::Pending,
            ),
            case(
                "claimed by this tab",
                |submission| {
                    submission.claimed_by = Some(TAB.into());
                    submission.claim_until_ms = NOW + 1.0;
                },
                false,
                send(0, CREATE_URL),
                SubmissionStatus::Pending,
            ),
            case(
                "claimed by this tab and not due",
                |submission| {
                    submission.claimed_by = Some(TAB.into());
                    submission.claim_until_ms = NOW + 1.0;
                    submission.next_attempt_at_ms = NOW + 4000.0;
                },
                false,
                NextAction::Wait {
                    retry_in_ms: 4000.0,
                    message: None,
                },
                SubmissionStatus::Pending,
            ),
            case(
                "resumed at the second step with the captured id",
                |submission| {
                    submission.steps = steps();
                    submission.next_step = 1;
                    submission.captured_id = Some("c 1".into());
                },
                false,
                send(1, "/gateway/caspen/v1/clients/c%201"),
                SubmissionStatus::Pending,
            ),
        ];
        for case in cases {
            let mut submission = one_step();
            (case.change)(&mut submission);
            let action = next_action(&mut submission, &case.config, TAB, case.signed_in, NOW);
            assert_eq!(action, case.action, "{}", case.name);
            assert_eq!(submission.status, case.status_after, "{}", case.name);
            if matches!(action, NextAction::Send { .. }) {
                assert_eq!(
                    (submission.claimed_by.as_deref(), submission.claim_until_ms),
                    (Some(TAB), NOW + CLAIM_MS),
                    "{}: the claim is taken",
                    case.name
                );
            }
        }
    }

    #[test]
    fn the_last_tab_to_store_its_claim_holds_it() {
        let mut ours = one_step();
        let mut theirs = one_step();
        assert!(matches!(
            next_action(&mut ours, &widget(), TAB, false, NOW),
            NextAction::Send { .. }
        ));
        assert!(matches!(
            next_action(&mut theirs, &widget(), OTHER_TAB, false, NOW),
            NextAction::Send { .. }
        ));
        // The other tab wrote after this one: storage holds its claim.
        assert!(!claim_held(Some(&theirs), TAB));
        assert!(claim_held(Some(&theirs), OTHER_TAB));
        assert!(claim_held(Some(&ours), TAB));
        assert!(!claim_held(None, TAB), "removed meanwhile");
        // Read again a moment later, the claim keeps this tab away.
        let mut stored = theirs.clone();
        assert_eq!(
            next_action(&mut stored, &widget(), TAB, false, NOW + 10.0),
            NextAction::ElsewhereInProgress
        );
    }

    #[test]
    fn each_answer_leads_to_its_report() {
        let rejected_errors = |status: u16| {
            crate::targets::normalise_error(status, Some(&json!({"message": "Invalid"})))
        };
        let cases: [(&str, Response, AfterStep, SubmissionStatus); 7] = [
            (
                "created, with the record's id",
                answer(Some(201), r#"{"data":{"id":"c-1"}}"#),
                AfterStep::Sent {
                    record_id: Some("c-1".into()),
                    upsert: None,
                    duplicates: Vec::new(),
                },
                SubmissionStatus::Sent,
            ),
            (
                "an upsert says what it did",
                answer(Some(200), r#"{"status":"updated","data":{"id":7}}"#),
                AfterStep::Sent {
                    record_id: Some("7".into()),
                    upsert: Some(UpsertOutcome::Updated),
                    duplicates: Vec::new(),
                },
                SubmissionStatus::Sent,
            ),
            (
                "a conflict on our own key is done",
                answer(Some(409), ""),
                AfterStep::Sent {
                    record_id: None,
                    upsert: None,
                    duplicates: Vec::new(),
                },
                SubmissionStatus::Sent,
            ),
            (
                "a server error is retried",
                answer(Some(503), ""),
                AfterStep::Wait {
                    retry_in_ms: 1000.0,
                    reason: "The server is busy or down for maintenance.".into(),
                },
                SubmissionStatus::Pending,
            ),
            (
                "a failed connection is retried",
                answer(None, ""),
                AfterStep::Wait {
                    retry_in_ms: 1000.0,
                    reason: "The connection failed before the server answered.".into(),
                },
                SubmissionStatus::Pending,
            ),
            (
                "a refused credential needs a sign-in",
                answer(Some(401), ""),
                AfterStep::NeedsSignIn,
                SubmissionStatus::NeedsSignIn,
            ),
            (
                "refused answers are reported with the step",
                answer(Some(422), r#"{"message":"Invalid"}"#),
                AfterStep::Rejected(Box::new((rejected_errors(422), steps()[0].clone()))),
                SubmissionStatus::Rejected,
            ),
        ];
        for (name, response, report, status) in cases {
            let mut submission = one_step();
            let NextAction::Send { step, .. } =
                next_action(&mut submission, &widget(), TAB, false, NOW)
            else {
                panic!("{name}: not sent");
            };
            assert_eq!(
                after_answer(&mut submission, step, &response, 1.0, NOW + 50.0),
                report,
                "{name}"
            );
            assert_eq!(submission.status, status, "{name}");
            assert_eq!(submission.claimed_by, None, "{name}: the claim is let go");
        }
    }

    #[test]
    fn a_submission_that_needs_a_sign_in_is_sent_again_once_signed_in() {
        let mut submission = one_step();
        let NextAction::Send { step, .. } = next_action(&mut submission, &widget(), TAB, true, NOW)
        else {
            panic!("not sent");
        };
        let report = after_answer(&mut submission, step, &answer(Some(401), ""), 0.0, NOW);
        assert_eq!(report, AfterStep::NeedsSignIn);
        assert_eq!(
            next_action(&mut submission, &widget(), TAB, false, NOW + 1.0),
            NextAction::NeedsSignIn
        );
        assert_eq!(
            next_action(&mut submission, &widget(), TAB, true, NOW + 2.0),
            send(0, CREATE_URL)
        );
    }

    #[test]
    fn a_refused_submission_is_sent_again_at_the_same_step() {
        let mut submission = submission(steps());
        submission.next_step = 1;
        submission.captured_id = Some("c-1".into());
        let NextAction::Send { step, .. } =
            next_action(&mut submission, &widget(), TAB, false, NOW)
        else {
            panic!("not sent");
        };
        let report = after_answer(&mut submission, step, &answer(Some(422), "{}"), 0.0, NOW);
        assert!(matches!(report, AfterStep::Rejected(_)));
        assert_eq!(
            next_action(&mut submission, &widget(), TAB, false, NOW + 1.0),
            send(1, "/gateway/caspen/v1/clients/c-1")
        );
    }

    #[test]
    fn a_submission_resumes_at_the_failed_step_with_the_captured_id() {
        let mut submission = submission(steps());
        let mut now = NOW;
        let send_next = |submission: &mut Submission, now: f64| match next_action(
            submission,
            &widget(),
            TAB,
            false,
            now,
        ) {
            NextAction::Send { step, url } => (step, url),
            other => panic!("not sent: {other:?}"),
        };
        let (step, url) = send_next(&mut submission, now);
        assert_eq!(url, CREATE_URL);
        let created = answer(Some(201), r#"{"data":{"id":"c-1"}}"#);
        assert_eq!(
            after_answer(&mut submission, step, &created, 0.0, now),
            AfterStep::NextStep
        );
        let (step, url) = send_next(&mut submission, now);
        assert_eq!(url, "/gateway/caspen/v1/clients/c-1");
        assert_eq!(
            after_answer(&mut submission, step, &answer(Some(502), ""), 1.0, now),
            AfterStep::Wait {
                retry_in_ms: 1000.0,
                reason: "The server had a problem (HTTP 502).".into()
            }
        );
        // A reload: the page reads the stored copy back under a new tab id.
        let mut stored = Submission::from_json(&submission.to_json()).unwrap();
        now += 400.0;
        assert_eq!(
            next_action(&mut stored, &widget(), "after-reload", false, now),
            NextAction::Wait {
                retry_in_ms: 600.0,
                message: Some("The server had a problem (HTTP 502).".into())
            }
        );
        now += 600.0;
        let (step, url) = send_next(&mut stored, now);
        assert_eq!(
            (step.label.as_str(), url.as_str()),
            ("Add the answers", "/gateway/caspen/v1/clients/c-1")
        );
        assert_eq!(
            after_answer(&mut stored, step, &answer(Some(200), "{}"), 0.0, now),
            AfterStep::Sent {
                record_id: Some("c-1".into()),
                upsert: None,
                duplicates: Vec::new(),
            }
        );
        assert_eq!(
            next_action(&mut stored, &widget(), TAB, false, now),
            NextAction::AlreadySent {
                record_id: Some("c-1".into())
            }
        );
    }

    #[test]
    fn the_working_copy_is_the_stored_one_with_the_steps_held_open_in_memory() {
        let memory = submission(steps());
        let mut stored = memory.clone();
        stored.steps.clear();
        stored.summary.clear();
        stored.next_step = 1;
        stored.sealed = Some("c2VhbGVk".into());
        let copy = working_copy(Some(stored), &memory);
        assert_eq!((copy.next_step, copy.steps.len()), (1, 2));
        assert_eq!(copy.summary, "Rosa Diaz");
        assert_eq!(working_copy(None, &memory), memory);
    }

    /// A one-step staff submission (creating the client) and its configuration.
    fn staff_create() -> (TargetConfig, Submission) {
        let staff = config("staff");
        // Caspen takes no id of ours, so a 409 means nothing here.
        let mut create = steps()[0].clone();
        create.conflict_means_done = false;
        let submission = only_step(&staff, create);
        (staff, submission)
    }

    /// A submission "ref-1" of one step under `config`.
    fn only_step(config: &TargetConfig, step: PlannedRequest) -> Submission {
        Submission::new(
            "ref-1".into(),
            config.binding(),
            "form".into(),
            "Rosa Diaz".into(),
            vec![step],
            0.0,
        )
    }

    /// Sends the create and answers it with `status`.
    fn first_try(
        config: &TargetConfig,
        submission: &mut Submission,
        status: Option<u16>,
    ) -> AfterStep {
        let NextAction::Send { step, .. } = next_action(submission, config, TAB, true, NOW) else {
            panic!("the create is sent first");
        };
        after_answer(submission, step, &answer(status, ""), 0.5, NOW)
    }

    fn look(config: &TargetConfig, submission: &mut Submission, at: f64) -> String {
        match next_action(submission, config, TAB, true, at) {
            NextAction::Look { request } => {
                assert_eq!(request.method, HttpMethod::Get);
                request.url
            }
            other => panic!("expected a look, got {other:?}"),
        }
    }

    fn clients(clients: serde_json::Value, next: Option<&str>) -> Response {
        answer(
            Some(200),
            &json!({"data": clients, "meta": {"next_cursor": next}}).to_string(),
        )
    }

    const LATER: f64 = NOW + 3_600_000.0;

    #[test]
    fn a_create_that_may_have_landed_is_looked_for_page_by_page_and_not_made_again() {
        let (staff, mut submission) = staff_create();
        assert!(matches!(
            first_try(&staff, &mut submission, None),
            AfterStep::Wait { .. }
        ));
        assert!(submission.outcome_unknown);
        assert_eq!(
            look(&staff, &mut submission, LATER),
            "/gateway/caspen/v1/clients?limit=100"
        );
        let someone_else = json!([{"id": "cli_1", "first_name": "A", "last_name": "B", "notes": "Intake reference: ref-2"}]);
        assert_eq!(
            after_look(
                &mut submission,
                &staff,
                &clients(someone_else, Some("c2")),
                0.5,
                LATER
            ),
            AfterStep::NextStep
        );
        assert_eq!(
            look(&staff, &mut submission, LATER),
            "/gateway/caspen/v1/clients?limit=100&cursor=c2"
        );
        let ours = json!([{"id": "cli_9", "first_name": "R", "last_name": "D", "notes": "Needs: food\nIntake reference: ref-1"}]);
        assert_eq!(
            after_look(&mut submission, &staff, &clients(ours, None), 0.5, LATER),
            AfterStep::Sent {
                record_id: Some("cli_9".into()),
                upsert: None,
                duplicates: Vec::new(),
            }
        );
        assert!(!submission.outcome_unknown);
        assert_eq!(submission.status, SubmissionStatus::Sent);
    }

    #[test]
    fn a_create_not_found_on_any_page_goes_again() {
        let (staff, mut submission) = staff_create();
        first_try(&staff, &mut submission, Some(502));
        look(&staff, &mut submission, LATER);
        // The list itself fails: wait and look again.
        assert!(matches!(
            after_look(&mut submission, &staff, &answer(Some(503), ""), 0.5, LATER),
            AfterStep::Wait { .. }
        ));
        assert!(submission.outcome_unknown);
        let again = LATER + 3_600_000.0;
        look(&staff, &mut submission, again);
        assert_eq!(
            after_look(
                &mut submission,
                &staff,
                &clients(json!([]), None),
                0.5,
                again
            ),
            AfterStep::NextStep
        );
        assert!(matches!(
            next_action(&mut submission, &staff, TAB, true, again),
            NextAction::Send { .. }
        ));
    }

    #[test]
    fn a_list_that_cannot_be_read_or_has_no_end_leaves_the_create_to_go_again() {
        let (staff, mut submission) = staff_create();
        first_try(&staff, &mut submission, None);
        look(&staff, &mut submission, LATER);
        after_look(
            &mut submission,
            &staff,
            &answer(Some(404), "{}"),
            0.5,
            LATER,
        );
        assert!(!submission.outcome_unknown);
        let (_, mut endless) = staff_create();
        first_try(&staff, &mut endless, None);
        for page in 1..=MAX_LOOKUP_PAGES {
            look(&staff, &mut endless, LATER);
            let next = format!("c{page}");
            after_look(
                &mut endless,
                &staff,
                &clients(json!([]), Some(&next)),
                0.5,
                LATER,
            );
        }
        assert!(
            !endless.outcome_unknown,
            "gave up after the last page allowed"
        );
        assert!(matches!(
            next_action(&mut endless, &staff, TAB, true, LATER),
            NextAction::Send { .. }
        ));
    }

    #[test]
    fn only_an_answer_that_may_have_stored_the_record_makes_its_outcome_unknown() {
        for (status, unknown) in [
            (None, true),
            (Some(500), true),
            (Some(503), true),
            (Some(408), true),
            (Some(429), false),
            (Some(425), false),
        ] {
            let (staff, mut submission) = staff_create();
            first_try(&staff, &mut submission, status);
            assert_eq!(submission.outcome_unknown, unknown, "{status:?}");
        }
        // A widget cannot read the list: it sends again, as before.
        let mut widget_submission = one_step();
        widget_submission.steps[0].conflict_means_done = false;
        first_try(&widget(), &mut widget_submission, None);
        assert!(widget_submission.outcome_unknown);
        assert!(matches!(
            next_action(&mut widget_submission, &widget(), TAB, false, LATER),
            NextAction::Send { .. }
        ));
    }

    /// Sends the create, loses its answer, and reads a list where two
    /// records carry its reference (the browser sent it again).
    fn made_twice_then_looked(staff: &TargetConfig, submission: &mut Submission) -> AfterStep {
        first_try(staff, submission, None);
        look(staff, submission, LATER);
        let twice = json!([
            {"id": "cli_8", "first_name": "R", "last_name": "D", "notes": "Intake reference: ref-1"},
            {"id": "cli_9", "first_name": "R", "last_name": "D", "notes": "Intake reference: ref-1"}
        ]);
        after_look(submission, staff, &clients(twice, None), 0.5, LATER)
    }

    #[test]
    fn more_than_one_record_found_by_the_reference_is_reported_as_duplicates() {
        let (staff, mut submission) = staff_create();
        assert_eq!(
            made_twice_then_looked(&staff, &mut submission),
            AfterStep::Sent {
                record_id: Some("cli_8".into()),
                upsert: None,
                duplicates: vec!["cli_9".into()]
            }
        );
    }

    #[test]
    fn duplicates_found_by_a_look_are_reported_when_the_last_step_is_done() {
        let (staff, mut submission) = staff_create();
        let mut answers = steps()[1].clone();
        answers.method = HttpMethod::Post;
        submission.steps.push(answers);
        assert_eq!(
            made_twice_then_looked(&staff, &mut submission),
            AfterStep::NextStep
        );
        // Stored and read back between the two steps, as a reload would.
        let mut stored = Submission::from_json(&submission.to_json()).unwrap();
        let NextAction::Send { step, url } = next_action(&mut stored, &staff, TAB, true, LATER)
        else {
            panic!("the answers are sent next");
        };
        assert_eq!(url, "/gateway/caspen/v1/clients/cli_8");
        assert_eq!(
            after_answer(&mut stored, step, &answer(Some(200), "{}"), 0.5, LATER),
            AfterStep::Sent {
                record_id: Some("cli_8".into()),
                upsert: None,
                duplicates: vec!["cli_9".into()]
            }
        );
    }

    /// A Casebook staff create, found again by its fields.
    fn casebook_create() -> (TargetConfig, Submission) {
        let staff =
            TargetConfig::from_json(&json!({"target": "casebook", "mode": "staff"})).unwrap();
        let mut create = PlannedRequest::bare(HttpMethod::Post, "/casebook/people/people");
        create.capture_id = Some("/data/id".into());
        create.body = Some(crate::targets::RequestBody::Json(
            json!({"data": {"type": "people",
            "attributes": {"first_name": "Rosa", "last_name": "Diaz",
                "date_of_birth": "1990-05-06", "email": "rosa@example.org"}}}),
        ));
        let submission = only_step(&staff, create);
        (staff, submission)
    }

    fn people(people: serde_json::Value, next: Option<u32>) -> Response {
        let next = next.map(|page| format!("/casebook/people/people?page[number]={page}"));
        answer(
            Some(200),
            &json!({"data": people, "links": {"next": next}}).to_string(),
        )
    }

    fn person(id: &str, email: &str) -> serde_json::Value {
        json!({"id": id, "type": "people", "attributes": {"first_name": "ROSA", "last_name": "Diaz",
            "date_of_birth": "1990-05-06", "email": email}})
    }

    #[test]
    fn a_create_without_a_reference_reads_who_matches_before_and_finds_the_new_match_after() {
        let (staff, mut submission) = casebook_create();
        // Before the first send: who already matches, on every page.
        let first = look(&staff, &mut submission, NOW);
        assert!(first.starts_with("/casebook/people/people?"), "{first}");
        for part in [
            "filter%5Bfirst_name%5D=Rosa",
            "filter%5Blast_name%5D=Diaz",
            "filter%5Bdate_of_birth%5D=1990-05-06",
        ] {
            assert!(first.contains(part), "{first} lacks {part}");
        }
        let page_one = json!([
            person("7", "rosa@example.org"),
            person("8", "other@example.org")
        ]);
        assert_eq!(
            after_look(
                &mut submission,
                &staff,
                &people(page_one, Some(2)),
                0.5,
                NOW
            ),
            AfterStep::NextStep
        );
        assert!(look(&staff, &mut submission, NOW).contains("page%5Bnumber%5D=2"));
        assert_eq!(
            after_look(&mut submission, &staff, &people(json!([]), None), 0.5, NOW),
            AfterStep::NextStep
        );
        assert_eq!(submission.matches_before, Some(vec!["7".into()]));
        assert!(submission.looked_before);
        // The create goes, and its connection drops: the outcome is unknown.
        assert!(matches!(
            first_try(&staff, &mut submission, None),
            AfterStep::Wait { .. }
        ));
        // After a reload, the stored copy looks again, and the match that
        // was not there before is the record it made; a second new one is
        // a duplicate (the browser's own resend), the old one is neither.
        let mut stored = Submission::from_json(&submission.to_json()).unwrap();
        assert_eq!(look(&staff, &mut stored, LATER), first);
        let after = json!([
            person("7", "rosa@example.org"),
            person("12", "rosa@example.org"),
            person("8", "other@example.org"),
            person("13", "Rosa@Example.org")
        ]);
        assert_eq!(
            after_look(&mut stored, &staff, &people(after, None), 0.5, LATER),
            AfterStep::Sent {
                record_id: Some("12".into()),
                upsert: None,
                duplicates: vec!["13".into()],
            }
        );
    }

    #[test]
    fn a_create_whose_matches_before_could_not_be_read_is_sent_again_after_an_unknown_outcome() {
        let (staff, mut submission) = casebook_create();
        look(&staff, &mut submission, NOW);
        assert_eq!(
            after_look(
                &mut submission,
                &staff,
                &answer(Some(200), "<html>"),
                0.5,
                NOW
            ),
            AfterStep::NextStep
        );
        assert_eq!(submission.matches_before, None);
        assert!(submission.looked_before);
        first_try(&staff, &mut submission, Some(502));
        assert!(matches!(
            next_action(&mut submission, &staff, TAB, true, LATER),
            NextAction::Send { .. }
        ));
        // A create stored by an earlier version, sent without that read, is
        // sent again rather than taken for someone who was there before.
        let (_, mut earlier) = casebook_create();
        earlier.outcome_unknown = true;
        earlier.attempts = 1;
        assert!(matches!(
            next_action(&mut earlier, &staff, TAB, true, LATER),
            NextAction::Send { .. }
        ));
    }
}
