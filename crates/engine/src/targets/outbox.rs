//! The outbox's rules: a submission's state, and what each answer from the
//! server means for it. The app stores [`Submission`]s on the device before
//! the first request and sends them; the decisions are made here.

use serde_json::{json, Value};

use super::config::TargetConfig;
use super::errors::{normalise_error, ServerErrors};
use super::mapping::{stored_optional_text, stored_text, PlannedRequest};
use super::trust::step_fits;

/// One day in milliseconds, for expiry.
const DAY_MS: f64 = 86_400_000.0;

/// The longest any configuration lets an unsent submission wait; entries
/// older than this are deleted whatever configuration made them.
pub const MAX_KEEP_UNSENT_DAYS: u32 = 30;

/// Where a stored submission stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubmissionStatus {
    /// Waiting to be sent, now or after `next_attempt_at_ms`.
    Pending,
    /// The server refused the credential; nothing more is sent until the
    /// person signs in again.
    NeedsSignIn,
    /// The server refused the answers; the person must change them.
    Rejected,
    /// Every step succeeded.
    Sent,
}

/// One submission as stored on the device. It holds no credential.
///
/// It is written and read by hand ([`Submission::to_json`],
/// [`Submission::list_from_json`]), not with serde's derives: the derived
/// `Deserialize` (with the adjacently tagged [`RequestBody`]) linked a JSON
/// text parser and its visitors into the widget's wasm, about 20 KB, and
/// the derived `Serialize` a float formatter, for this one store.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// The client-made id; also the idempotency key's stem.
    pub reference: String,
    pub target: String,
    pub form_id: String,
    /// Who it is about, for the person's own list ("Rosa Diaz").
    pub summary: String,
    pub created_at_ms: f64,
    pub steps: Vec<PlannedRequest>,
    /// The first step not yet done: a resumed submission starts here, so a
    /// contact created by step 0 is never created twice.
    pub next_step: usize,
    /// The id an earlier step created, for `{id}` in later steps.
    pub captured_id: Option<String>,
    pub attempts: u32,
    pub next_attempt_at_ms: f64,
    pub status: SubmissionStatus,
    /// What the person was last told about it.
    pub last_message: Option<String>,
    /// The tab sending it now, and until when that claim holds; another
    /// tab leaves it alone meanwhile.
    pub claimed_by: Option<String>,
    pub claim_until_ms: f64,
    /// The steps and the summary, encrypted by the device (the app's
    /// vault): when set, storage gets this instead of them, so no answer,
    /// sensitive answer or signature is written in plain text. The steps
    /// come back into memory when the device opens it.
    pub sealed: Option<String>,
    /// The current step is a create whose outcome is unknown (no answer,
    /// a 5xx, an unreadable answer): it may have made the record, so where
    /// that can be checked it is looked for before it is sent again.
    pub outcome_unknown: bool,
    /// While looking: the token of the list page to read next.
    pub lookup_page: Option<String>,
    /// While looking: the pages read so far.
    pub lookup_pages: u32,
    /// For a create found again by its fields (see
    /// [`super::reconcile::sent_person`]): the records that already
    /// matched it before it was first sent, as far as the list has been
    /// read; `None` before the first page, or when the list could not be
    /// read (then an unknown outcome is settled by sending again).
    pub matches_before: Option<Vec<String>>,
    /// The read of [`Submission::matches_before`] has ended, whole or not.
    pub looked_before: bool,
    /// Other records a create made, found while looking for it (the
    /// browser's own resend of a dropped request): reported once every
    /// step is done, for staff to remove.
    pub duplicates: Vec<String>,
}

impl SubmissionStatus {
    const NAMES: [(SubmissionStatus, &'static str); 4] = [
        (SubmissionStatus::Pending, "pending"),
        (SubmissionStatus::NeedsSignIn, "needs_sign_in"),
        (SubmissionStatus::Rejected, "rejected"),
        (SubmissionStatus::Sent, "sent"),
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(status, _)| *status == self)
            .map_or("pending", |(_, name)| name)
    }

    fn from_json(value: &Value) -> Option<SubmissionStatus> {
        let name = value.as_str()?;
        Self::NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(status, _)| *status)
    }
}

impl Submission {
    /// Reads what serializing a list of submissions wrote. A stored entry
    /// that cannot be read (written by another version, say) is skipped,
    /// so the others are still sent.
    pub fn list_from_json(value: &Value) -> Vec<Submission> {
        value
            .as_array()
            .map(|items| items.iter().filter_map(Submission::from_json).collect())
            .unwrap_or_default()
    }

    /// The submission as stored on the device: with [`Submission::sealed`]
    /// set, its steps and summary are written only in that sealed form.
    pub fn to_json(&self) -> Value {
        let (summary, steps) = match self.sealed {
            Some(_) => ("", Vec::new()),
            None => (
                self.summary.as_str(),
                self.steps.iter().map(PlannedRequest::to_json).collect(),
            ),
        };
        json!({
            "reference": self.reference,
            "target": self.target,
            "form_id": self.form_id,
            "summary": summary,
            "created_at_ms": self.created_at_ms,
            "sealed": self.sealed,
            "steps": steps,
            "next_step": self.next_step,
            "captured_id": self.captured_id,
            "attempts": self.attempts,
            "next_attempt_at_ms": self.next_attempt_at_ms,
            "status": self.status.as_str(),
            "last_message": self.last_message,
            "claimed_by": self.claimed_by,
            "claim_until_ms": self.claim_until_ms,
            "outcome_unknown": self.outcome_unknown,
            "lookup_page": self.lookup_page,
            "lookup_pages": self.lookup_pages,
            "matches_before": self.matches_before,
            "looked_before": self.looked_before,
            "duplicates": self.duplicates,
        })
    }

    /// Reads what [`Submission::to_json`] wrote.
    pub fn from_json(value: &Value) -> Option<Submission> {
        let text = |key: &str| stored_text(value, key);
        let optional_text = |key: &str| stored_optional_text(value, key);
        let number = |key: &str| value.get(key)?.as_f64();
        // A field written by a later version than some stored entries:
        // absent there, and read as none.
        let later_text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        let later_ids = |key: &str| -> Option<Vec<String>> {
            let ids = value.get(key)?.as_array()?;
            Some(
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            )
        };
        Some(Submission {
            reference: text("reference")?,
            target: text("target")?,
            form_id: text("form_id")?,
            summary: text("summary")?,
            created_at_ms: number("created_at_ms")?,
            steps: value
                .get("steps")?
                .as_array()?
                .iter()
                .map(PlannedRequest::from_json)
                .collect::<Option<Vec<PlannedRequest>>>()?,
            next_step: usize::try_from(value.get("next_step")?.as_u64()?).ok()?,
            captured_id: optional_text("captured_id")?,
            attempts: u32::try_from(value.get("attempts")?.as_u64()?).ok()?,
            next_attempt_at_ms: number("next_attempt_at_ms")?,
            status: SubmissionStatus::from_json(value.get("status")?)?,
            last_message: optional_text("last_message")?,
            claimed_by: optional_text("claimed_by")?,
            claim_until_ms: number("claim_until_ms")?,
            // Written before the device sealed submissions: none.
            sealed: later_text("sealed"),
            // Written before creates were looked for: not looking.
            outcome_unknown: value
                .get("outcome_unknown")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            lookup_page: later_text("lookup_page"),
            lookup_pages: value
                .get("lookup_pages")
                .and_then(Value::as_u64)
                .and_then(|pages| u32::try_from(pages).ok())
                .unwrap_or(0),
            matches_before: later_ids("matches_before"),
            looked_before: value
                .get("looked_before")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            duplicates: later_ids("duplicates").unwrap_or_default(),
        })
    }

    /// The steps and summary as the device seals them (see
    /// [`Submission::sealed`]).
    pub fn contents_json(&self) -> Value {
        json!({
            "summary": self.summary,
            "steps": self.steps.iter().map(PlannedRequest::to_json).collect::<Vec<Value>>(),
        })
    }

    /// Puts back what [`Submission::contents_json`] wrote, once opened;
    /// false when it is not that shape.
    pub fn restore_contents(&mut self, contents: &Value) -> bool {
        let steps = contents
            .get("steps")
            .and_then(Value::as_array)
            .and_then(|steps| {
                steps
                    .iter()
                    .map(PlannedRequest::from_json)
                    .collect::<Option<Vec<PlannedRequest>>>()
            });
        match (steps, contents.get("summary").and_then(Value::as_str)) {
            (Some(steps), Some(summary)) => {
                self.steps = steps;
                self.summary = summary.to_string();
                true
            }
            _ => false,
        }
    }

    pub fn new(
        reference: String,
        target: String,
        form_id: String,
        summary: String,
        steps: Vec<PlannedRequest>,
        now_ms: f64,
    ) -> Submission {
        Submission {
            reference,
            target,
            form_id,
            summary,
            created_at_ms: now_ms,
            steps,
            next_step: 0,
            captured_id: None,
            attempts: 0,
            next_attempt_at_ms: now_ms,
            status: SubmissionStatus::Pending,
            last_message: None,
            claimed_by: None,
            claim_until_ms: 0.0,
            sealed: None,
            outcome_unknown: false,
            lookup_page: None,
            lookup_pages: 0,
            matches_before: None,
            looked_before: false,
            duplicates: Vec::new(),
        }
    }

    /// Whether a page running `config` may send this submission: it was
    /// made under that same configuration (name, content, mode and
    /// credential kind, see [`TargetConfig::binding`]) and every step is a
    /// request that configuration would plan. Anything else, such as a
    /// widget's submission on the staff page (which would add the staff
    /// token) or an entry edited in storage, is never sent.
    pub fn may_be_sent_by(&self, config: &TargetConfig) -> bool {
        self.target == config.binding() && self.steps.iter().all(|step| step_fits(config, step))
    }

    /// Whether it has waited on the device longer than `keep_days`.
    pub fn is_expired(&self, now_ms: f64, keep_days: u32) -> bool {
        now_ms - self.created_at_ms > f64::from(keep_days) * DAY_MS
    }

    /// Whether this tab may send it now.
    pub fn is_due(&self, now_ms: f64, tab: &str) -> bool {
        self.status == SubmissionStatus::Pending
            && self.next_attempt_at_ms <= now_ms
            && (self.claim_until_ms <= now_ms || self.is_claimed_by(tab))
    }

    /// Whether the tab `tab` wrote the latest claim on it.
    pub fn is_claimed_by(&self, tab: &str) -> bool {
        self.claimed_by.as_deref() == Some(tab)
    }

    /// The step to send next, if any.
    pub fn current_step(&self) -> Option<&PlannedRequest> {
        self.steps.get(self.next_step)
    }

    /// Forgets an unknown outcome and the look for it.
    pub fn stop_looking(&mut self) {
        self.outcome_unknown = false;
        self.lookup_page = None;
        self.lookup_pages = 0;
    }

    /// Moves the submission on by what the server said about the current step.
    pub fn apply(&mut self, outcome: &StepOutcome, now_ms: f64) {
        match outcome {
            StepOutcome::Done { captured_id } => {
                self.stop_looking();
                // The first id is the record's (a contact before its form
                // answers); later steps only use it.
                if self.captured_id.is_none() {
                    self.captured_id = captured_id.clone();
                }
                self.next_step += 1;
                self.attempts = 0;
                self.last_message = None;
                self.status = if self.next_step >= self.steps.len() {
                    SubmissionStatus::Sent
                } else {
                    SubmissionStatus::Pending
                };
                self.next_attempt_at_ms = now_ms;
            }
            StepOutcome::Retry { delay_ms, reason } => {
                self.attempts += 1;
                self.next_attempt_at_ms = now_ms + *delay_ms as f64;
                self.last_message = Some(reason.clone());
                self.status = SubmissionStatus::Pending;
            }
            StepOutcome::SignIn => {
                self.status = SubmissionStatus::NeedsSignIn;
                self.last_message = None;
            }
            StepOutcome::Rejected(_) => {
                self.status = SubmissionStatus::Rejected;
                self.last_message = None;
            }
        }
        self.claimed_by = None;
        self.claim_until_ms = 0.0;
    }
}

/// What came back for one request: no status when the connection failed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    pub body: AnswerBody,
}

/// An answer's body, read once where it was received.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum AnswerBody {
    /// Nothing, or white space only.
    #[default]
    Empty,
    Json(Value),
    /// Text that is not JSON, such as a proxy's HTML error page.
    NotJson,
}

impl AnswerBody {
    /// Reads an answer's body text.
    pub fn from_text(text: &str) -> AnswerBody {
        if text.trim().is_empty() {
            return AnswerBody::Empty;
        }
        crate::json::parse(text).map_or(AnswerBody::NotJson, AnswerBody::Json)
    }

    pub fn json(&self) -> Option<&Value> {
        match self {
            AnswerBody::Json(value) => Some(value),
            _ => None,
        }
    }
}

/// What an answer means for the step that got it.
#[derive(Clone, Debug, PartialEq)]
pub enum StepOutcome {
    Done {
        captured_id: Option<String>,
    },
    /// Try the same step again after a while; the idempotency key makes a
    /// repeat of a write that did land harmless.
    Retry {
        delay_ms: u64,
        reason: String,
    },
    /// The credential was refused or has expired.
    SignIn,
    /// The server refused the request as it is; sending it again cannot help.
    Rejected(ServerErrors),
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF_MS: u64 = 5 * 60 * 1000;

/// Exponential backoff with jitter: about 1 s, 2 s, 4 s ... up to five
/// minutes, each scaled by a factor from 0.5 to 1 drawn by the caller
/// (`jitter` in 0..1), so many devices coming back online do not retry in step.
pub fn backoff_delay_ms(attempts: u32, jitter: f64) -> u64 {
    let base = 1000u64.saturating_mul(1u64 << attempts.min(20));
    let capped = base.min(MAX_BACKOFF_MS) as f64;
    (capped * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as u64
}

/// `Retry-After` in milliseconds, from delay-seconds; an HTTP date (rare,
/// and dependent on clocks agreeing) is left to the backoff.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(|seconds| seconds.min(3600) * 1000)
}

/// Decides what `response` means for `step` after `attempts` earlier tries.
pub fn classify(
    step: &PlannedRequest,
    response: &Response,
    attempts: u32,
    jitter: f64,
) -> StepOutcome {
    let backoff = backoff_delay_ms(attempts, jitter);
    let Some(status) = response.status else {
        return StepOutcome::Retry {
            delay_ms: backoff,
            reason: "The connection failed before the server answered.".into(),
        };
    };
    let retry_after = response.retry_after.as_deref().and_then(parse_retry_after);
    match status {
        200..=299 => {
            let captured_id = match (&step.capture_id, response.body.json()) {
                (Some(pointer), Some(body)) => {
                    body.pointer(pointer).and_then(|value| match value {
                        Value::String(text) => Some(text.clone()),
                        Value::Number(number) => Some(crate::json_number_text(number)),
                        _ => None,
                    })
                }
                _ => None,
            };
            // The write landed but its answer was unreadable; a later step
            // needs the id, so ask again: the idempotency key makes the
            // server answer with the same record instead of a second one.
            if response.body == AnswerBody::NotJson
                && step.capture_id.is_some()
                && captured_id.is_none()
            {
                return StepOutcome::Retry {
                    delay_ms: backoff,
                    reason: "The server's answer could not be read.".into(),
                };
            }
            StepOutcome::Done { captured_id }
        }
        409 if step.conflict_means_done => StepOutcome::Done { captured_id: None },
        401 => StepOutcome::SignIn,
        408 | 425 | 429 | 500..=599 => StepOutcome::Retry {
            delay_ms: retry_after.map_or(backoff, |after| after.max(250)),
            reason: match status {
                429 => "The server asked us to slow down.".into(),
                503 => "The server is busy or down for maintenance.".into(),
                _ => format!("The server had a problem (HTTP {status})."),
            },
        },
        _ => StepOutcome::Rejected(normalise_error(status, response.body.json())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{HttpMethod, RequestBody};

    fn step(capture: bool, conflict: bool) -> PlannedRequest {
        PlannedRequest {
            label: "Create".into(),
            method: HttpMethod::Post,
            url: "/x".into(),
            headers: Vec::new(),
            body: None,
            conflict_means_done: conflict,
            capture_id: capture.then(|| "/data/id".to_string()),
            error_prefixes: Vec::new(),
            needs_captured_id: false,
        }
    }

    fn answer(status: Option<u16>, body: &str, retry_after: Option<&str>) -> Response {
        Response {
            status,
            retry_after: retry_after.map(str::to_string),
            body: AnswerBody::from_text(body),
        }
    }

    /// What the previous version stored (serde's derives), waiting on a
    /// device when the new version arrives: it must still be sent.
    #[test]
    fn a_submission_stored_by_the_previous_version_is_read() {
        let stored = r#"[{"reference":"r-1","target":"caspen","form_id":"f","summary":"Rosa Diaz","created_at_ms":1700000000123.0,"steps":[{"label":"Create the client","method":"POST","url":"/clients","headers":[["Idempotency-Key","r-1-0"]],"body":{"kind":"json","content":{"first_name":"Rosa","age":41.5}},"conflict_means_done":true,"capture_id":"/data/id","error_prefixes":["data"],"needs_captured_id":false},{"label":"Note","method":"POST","url":"/clients/{id}/notes","headers":[],"body":{"kind":"form","content":"a=1"},"conflict_means_done":false,"capture_id":null,"error_prefixes":[],"needs_captured_id":true}],"next_step":1,"captured_id":"c-9","attempts":2,"next_attempt_at_ms":1700000005000.0,"status":"needs_sign_in","last_message":null,"claimed_by":null,"claim_until_ms":0.0}]"#;
        let submissions = Submission::list_from_json(&crate::json::parse(stored).unwrap());
        assert_eq!(submissions.len(), 1);
        let submission = &submissions[0];
        assert_eq!(submission.status, SubmissionStatus::NeedsSignIn);
        assert_eq!((submission.next_step, submission.attempts), (1, 2));
        assert_eq!(submission.captured_id.as_deref(), Some("c-9"));
        assert_eq!(submission.created_at_ms, 1_700_000_000_123.0);
        assert_eq!(submission.steps[0].method, HttpMethod::Post);
        assert_eq!(
            submission.steps[0].headers,
            vec![("Idempotency-Key".to_string(), "r-1-0".to_string())]
        );
        assert_eq!(
            submission.steps[0].body,
            Some(RequestBody::Json(
                serde_json::json!({"first_name": "Rosa", "age": 41.5})
            ))
        );
        assert_eq!(
            submission.steps[1].body,
            Some(RequestBody::Form("a=1".into()))
        );
        assert!(submission.steps[1].needs_captured_id);
    }

    #[test]
    fn a_stored_submission_reads_back_as_it_was_written() {
        let mut form_step = step(true, true);
        form_step.body = Some(RequestBody::Form("a=1&b=%20".into()));
        form_step.headers = vec![("Idempotency-Key".into(), "r-0".into())];
        form_step.error_prefixes = vec!["data.attributes".into()];
        let mut json_step = step(false, false);
        json_step.body = Some(RequestBody::Json(
            serde_json::json!({"n": [1, 2.5, null, "é\n\u{1}"]}),
        ));
        json_step.needs_captured_id = true;
        let mut submission = Submission::new(
            "r".into(),
            "caspen".into(),
            "f".into(),
            "Rosa Diaz".into(),
            vec![form_step, json_step],
            1_700_000_000_123.0,
        );
        submission.next_step = 1;
        submission.captured_id = Some("c-1".into());
        submission.attempts = 3;
        submission.status = SubmissionStatus::NeedsSignIn;
        submission.last_message = Some("Sign in".into());
        submission.claimed_by = Some("tab".into());
        submission.claim_until_ms = 2.5;
        let written = Value::Array(vec![submission.to_json(), submission.to_json()]);
        // Written as text and read back with the engine's JSON, as the app
        // stores it.
        let written = crate::json::parse(&crate::json::to_text(&written)).unwrap();
        assert_eq!(
            Submission::list_from_json(&written),
            vec![submission.clone(), submission.clone()]
        );
        // An entry that cannot be read is skipped, not the whole list.
        let mut damaged = written.clone();
        damaged[0]["steps"][0]["body"] = serde_json::json!({"kind": "xml"});
        assert_eq!(Submission::list_from_json(&damaged), vec![submission]);
        assert!(Submission::list_from_json(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn a_sealed_submission_is_stored_without_its_steps_or_summary() {
        let mut submission = Submission::new(
            "ref-1".into(),
            "binding".into(),
            "form".into(),
            "Rosa Diaz".into(),
            vec![step(false, false)],
            1.0,
        );
        let contents = submission.contents_json();
        submission.sealed = Some("c2VhbGVk".into());
        let stored = crate::json::to_text(&submission.to_json());
        assert!(!stored.contains("Rosa"), "{stored}");
        assert!(!stored.contains("Create"), "{stored}");
        let mut read = Submission::from_json(&crate::json::parse(&stored).unwrap()).unwrap();
        assert!(read.steps.is_empty());
        assert_eq!(read.sealed.as_deref(), Some("c2VhbGVk"));
        assert!(read.restore_contents(&contents));
        assert_eq!(read.steps, submission.steps);
        assert_eq!(read.summary, "Rosa Diaz");
        assert!(!read.restore_contents(&serde_json::json!({"steps": [1]})));
    }

    #[test]
    fn a_submission_expires_and_is_sent_only_under_its_own_configuration() {
        let widget = TargetConfig::from_json(&serde_json::json!({
            "target": "caspen", "base_url": "/gateway/caspen/v1", "auth": "none"
        }))
        .unwrap()
        .named("caspen-widget");
        let staff = TargetConfig::from_json(&serde_json::json!({
            "target": "caspen", "mode": "staff", "base_url": "/gateway/caspen/v1"
        }))
        .unwrap()
        .named("caspen-widget");
        let mut create = step(true, false);
        create.url = "/gateway/caspen/v1/clients".into();
        let submission = Submission::new(
            "ref-2".into(),
            widget.binding(),
            "form".into(),
            String::new(),
            vec![create.clone()],
            0.0,
        );
        assert!(submission.may_be_sent_by(&widget));
        assert!(
            !submission.may_be_sent_by(&staff),
            "never with a staff token"
        );
        let mut elsewhere = submission.clone();
        elsewhere.steps[0].url = "https://evil.example/v1/clients".into();
        assert!(
            !elsewhere.may_be_sent_by(&widget),
            "only steps it would plan"
        );
        let day = 86_400_000.0;
        assert!(!submission.is_expired(7.0 * day, 7));
        assert!(submission.is_expired(7.0 * day + 1.0, 7));
        assert!(!submission.is_expired(7.0 * day + 1.0, MAX_KEEP_UNSENT_DAYS));
    }

    #[test]
    fn network_failure_and_server_errors_retry_with_growing_backoff() {
        let first = classify(&step(false, false), &answer(None, "", None), 0, 1.0);
        let later = classify(&step(false, false), &answer(Some(502), "", None), 3, 1.0);
        assert_eq!(
            first,
            StepOutcome::Retry {
                delay_ms: 1000,
                reason: "The connection failed before the server answered.".into()
            }
        );
        assert!(matches!(later, StepOutcome::Retry { delay_ms: 8000, .. }));
        assert_eq!(backoff_delay_ms(30, 1.0), MAX_BACKOFF_MS);
        assert_eq!(backoff_delay_ms(0, 0.0), 500);
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_503() {
        for status in [429, 503] {
            let outcome = classify(
                &step(false, false),
                &answer(Some(status), "", Some("7")),
                0,
                0.0,
            );
            assert!(
                matches!(outcome, StepOutcome::Retry { delay_ms: 7000, .. }),
                "{status}"
            );
        }
    }

    #[test]
    fn conflict_on_our_own_uuid_counts_as_done() {
        assert_eq!(
            classify(
                &step(false, true),
                &answer(Some(409), r#"{"message":"Person already exists"}"#, None),
                0,
                0.0
            ),
            StepOutcome::Done { captured_id: None }
        );
        assert!(matches!(
            classify(&step(false, false), &answer(Some(409), "", None), 0, 0.0),
            StepOutcome::Rejected(_)
        ));
    }

    #[test]
    fn unauthorised_asks_to_sign_in_and_validation_is_rejected() {
        assert_eq!(
            classify(&step(false, false), &answer(Some(401), "", None), 0, 0.0),
            StepOutcome::SignIn
        );
        assert!(matches!(
            classify(&step(false, false), &answer(Some(422), "{}", None), 0, 0.0),
            StepOutcome::Rejected(_)
        ));
    }

    #[test]
    fn success_captures_the_id_and_an_unreadable_success_is_asked_again_when_needed() {
        assert_eq!(
            classify(
                &step(true, false),
                &answer(Some(201), r#"{"data":{"id":"c-1"}}"#, None),
                0,
                0.0
            ),
            StepOutcome::Done {
                captured_id: Some("c-1".into())
            }
        );
        assert!(matches!(
            classify(
                &step(true, false),
                &answer(Some(201), r#"{"data":"#, None),
                0,
                0.0
            ),
            StepOutcome::Retry { .. }
        ));
        assert_eq!(
            classify(
                &step(false, false),
                &answer(Some(201), r#"{"data":"#, None),
                0,
                0.0
            ),
            StepOutcome::Done { captured_id: None }
        );
    }

    #[test]
    fn a_submission_resumes_at_the_failed_step_with_the_captured_id() {
        let mut submission = Submission::new(
            "r".into(),
            "unite_us".into(),
            "f".into(),
            "Ann".into(),
            vec![step(true, false), step(true, false)],
            0.0,
        );
        submission.apply(
            &StepOutcome::Done {
                captured_id: Some("c-1".into()),
            },
            10.0,
        );
        submission.apply(
            &StepOutcome::Retry {
                delay_ms: 500,
                reason: "x".into(),
            },
            20.0,
        );
        assert_eq!(
            (
                submission.next_step,
                submission.captured_id.as_deref(),
                submission.status
            ),
            (1, Some("c-1"), SubmissionStatus::Pending)
        );
        assert!(!submission.is_due(100.0, "tab"));
        assert!(submission.is_due(520.0, "tab"));
        submission.apply(
            &StepOutcome::Done {
                captured_id: Some("resp-1".into()),
            },
            600.0,
        );
        assert_eq!(
            (submission.status, submission.captured_id.as_deref()),
            (SubmissionStatus::Sent, Some("c-1"))
        );
    }
}

/// What an upsert did, as the server said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created,
    Updated,
    Unchanged,
    /// A status the documents do not name, shown as the server wrote it.
    Other(String),
}

impl UpsertOutcome {
    fn from_name(name: &str) -> UpsertOutcome {
        match name {
            "created" => UpsertOutcome::Created,
            "updated" => UpsertOutcome::Updated,
            "unchanged" => UpsertOutcome::Unchanged,
            other => UpsertOutcome::Other(other.to_string()),
        }
    }
}

/// What an upsert says it did, from persons_v1's answer: `created`,
/// `updated` or `unchanged`, for a single person (`{"status": "updated"}`)
/// or the first person of a list (`{"status": {"created": [6], ...}}`).
/// `None` for any other answer.
pub fn upsert_status(body: &AnswerBody) -> Option<UpsertOutcome> {
    match body.json()?.get("status")? {
        Value::String(status) => Some(UpsertOutcome::from_name(status)),
        Value::Object(groups) => ["created", "updated", "unchanged"]
            .into_iter()
            .find(|group| {
                groups
                    .get(*group)
                    .and_then(Value::as_array)
                    .is_some_and(|ids| !ids.is_empty())
            })
            .map(UpsertOutcome::from_name),
        _ => None,
    }
}

#[cfg(test)]
mod upsert_status_tests {
    use super::{AnswerBody, UpsertOutcome};

    fn upsert_status(text: &str) -> Option<UpsertOutcome> {
        super::upsert_status(&AnswerBody::from_text(text))
    }

    #[test]
    fn the_upsert_status_is_read_from_single_and_list_answers() {
        assert_eq!(
            upsert_status(r#"{"status":"unchanged","data":{"personId":1}}"#),
            Some(UpsertOutcome::Unchanged)
        );
        assert_eq!(
            upsert_status(
                r#"{"status":{"created":[6],"updated":[],"unchanged":[]},"data":[{"personId":6}]}"#
            ),
            Some(UpsertOutcome::Created)
        );
        assert_eq!(
            upsert_status(r#"{"status":"merged"}"#),
            Some(UpsertOutcome::Other("merged".into()))
        );
        assert_eq!(upsert_status(r#"{"data":{"id":"1"}}"#), None);
        assert_eq!(upsert_status("not json"), None);
    }
}
