//! The state the pages and the parts fetched later share: the form's
//! ([`FormContext`]), the intake page's ([`Intake`]) and the table of the
//! later parts' entry points ([`Later`]) through which the one reaches the
//! other. They refer to one another, so they live together here; what they
//! do lives in the modules that use them (`form_view`, `intake`, `later`).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use intake_engine::targets::{
    AuthMode, Mode, PlacedErrors, Submission, SubmissionInput, TargetConfig, UpsertOutcome,
};
use intake_engine::{Form, FormState, Issue, Navigator, QuestionIndex};
use leptos::prelude::*;
use serde_json::Value;

use crate::shared::failure::PageFailure;

/// The reactive view of one question: what the engine says about it now.
#[derive(Clone, Copy)]
pub(crate) struct QuestionSignals {
    pub(crate) visible: RwSignal<bool>,
    pub(crate) errors: RwSignal<Vec<Issue>>,
    /// Whether its view is made yet (see `form_view::draw_in_slices`).
    pub(crate) drawn: RwSignal<bool>,
}

/// Shared by every question component of one form, and by the form's parts
/// that come later (see [`crate::shared::later`]), which is why every field is
/// reachable from the crate.
#[derive(Clone, Copy)]
pub(crate) struct FormContext {
    /// The person answers about themselves (see `FormView`).
    pub(crate) about_themselves: bool,
    pub(crate) state: StoredValue<FormState>,
    pub(crate) questions: StoredValue<Vec<QuestionSignals>>,
    /// Errors show only after the first attempt to check or submit.
    pub(crate) attempted: RwSignal<bool>,
    pub(crate) summary: RwSignal<Vec<(QuestionIndex, Issue)>>,
    /// The questions the error summary covers: the current step's, or all of
    /// them on the review page.
    pub(crate) scope: StoredValue<Vec<QuestionIndex>>,
    /// Where the draft is kept, when this form keeps one.
    pub(crate) draft_key: StoredValue<Option<String>>,
    /// The pending debounced draft save, replaced on every answer.
    pub(crate) draft_timer: StoredValue<Option<TimeoutHandle>>,
    /// Messages from the server about the last submission, per question;
    /// a question's clear when its answer changes.
    /// In the form's order; a plain list, since a submission has few.
    pub(crate) server_errors: RwSignal<Vec<(QuestionIndex, Vec<String>)>>,
    /// Messages from the server about the submission as a whole.
    pub(crate) server_general: RwSignal<Vec<String>>,
    /// Told of every change, e.g. to list what an edit changes.
    pub(crate) on_change: StoredValue<Option<ChangeFn>, LocalStorage>,
    /// Sends the answers; `None` on the preview.
    pub(crate) submitter: StoredValue<Option<Submitter>, LocalStorage>,
    pub(crate) pages: Pages,
    /// The parts that check answers, show errors and send (see [`crate::shared::later`]).
    pub(crate) later: RwSignal<Option<Later>>,
    /// Those parts could not be downloaded when the person needed them.
    pub(crate) later_unavailable: RwSignal<bool>,
    /// A press of Continue or Send waits for those parts: further presses
    /// are ignored until it is done, so none is queued behind it.
    pub(crate) awaiting_later: RwSignal<bool>,
}

/// The form's steps and where the person is among them.
#[derive(Clone, Copy)]
pub(crate) struct Pages {
    /// The steps, then the review page when there is more than one step.
    pub(crate) page: RwSignal<usize>,
    /// The preview's last check passed.
    pub(crate) finished: RwSignal<bool>,
    /// The engine's rules for moving between them.
    pub(crate) navigator: StoredValue<Navigator>,
    pub(crate) summary_ref: NodeRef<leptos::html::Div>,
    pub(crate) progress_ref: NodeRef<leptos::html::P>,
}

/// Hears the engine's state after every change of answer.
pub type ChangeFn = Rc<dyn Fn(&FormState)>;

/// What a page that sends answers gives the form.
#[derive(Clone)]
pub struct Submitter {
    /// Called with the engine's state when the person sends valid answers.
    pub on_submit: Rc<dyn Fn(&FormState)>,
    /// What the server said was wrong, by question id; the form shows it on
    /// the questions and in the error summary, and takes focus there.
    pub server_errors: RwSignal<PlacedErrors>,
    /// True while a submission is being sent: the send button waits.
    pub busy: Signal<bool>,
}

/// The later parts could not be downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeUnavailable;

impl From<leptos::wasm_split::SplitLoaderError> for CodeUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        CodeUnavailable
    }
}

/// Draws the "Sent" screen: the reference, the record's id, what an upsert
/// did, and other records the same create made.
pub(crate) type SentView =
    fn(Intake, String, Option<String>, Option<UpsertOutcome>, Vec<String>) -> AnyView;

/// The entry points of the later parts. Plain function pointers: the page
/// calls them, and in the widget's build their code is in the chunk.
#[derive(Clone, Copy)]
pub struct Later {
    pub(crate) refresh_errors: fn(FormContext, Vec<QuestionIndex>),
    pub(crate) advance: fn(FormContext),
    pub(crate) place_server_errors: fn(FormContext, &PlacedErrors),
    pub(crate) error_summary: fn(FormContext) -> AnyView,
    pub(crate) question_error: fn(FormContext, QuestionIndex, Arc<Form>) -> AnyView,
    pub(crate) review: fn(FormContext) -> AnyView,
    pub(crate) signature: fn(FormContext, QuestionIndex, Signal<bool>) -> AnyView,
    pub(crate) submit: fn(Intake, FormState),
    /// Plans, stores and sends an input already prepared (the staff
    /// page's, once the duplicate check is done).
    #[cfg_attr(
        not(feature = "full"),
        expect(dead_code, reason = "only the staff page sends a prepared input")
    )]
    pub(crate) send_input: fn(Intake, SubmissionInput, Form),
    pub(crate) deliver_waiting: fn(Intake),
    pub(crate) count_waiting: fn(Intake),
    pub(crate) status_view: fn(Intake, Status) -> AnyView,
    pub(crate) sent_view: SentView,
    /// Why the page has no form, in words (see [`crate::shared::failure`]).
    pub(crate) failure_message: fn(&PageFailure) -> String,
    /// Writes the draft of the answers under a key (see [`crate::shared::draft`]).
    pub(crate) save_draft: fn(&str, &FormState),
}

/// The page's copy of the table, shared through context: `None` until the
/// widget's chunk has come.
#[derive(Clone, Copy)]
pub struct LaterContext(pub RwSignal<Option<Later>>);

/// What the page shows.
#[derive(Clone)]
pub(crate) enum Phase {
    Loading,
    Failed {
        failure: PageFailure,
    },
    /// Staff: sign in first.
    SignIn,
    /// Staff: find the person before anything else.
    Find,
    Ready {
        form: Arc<Form>,
        /// A stored record's values, when one was opened for editing.
        initial: Option<serde_json::Map<String, Value>>,
        /// Keeps this person's draft apart from others'.
        scope: Option<String>,
    },
    Sent {
        reference: String,
        record_id: Option<String>,
        /// What an upsert did, as the server said (persons_v1).
        upsert: Option<UpsertOutcome>,
        /// Other records the same create made (see `sending::duplicates_note`).
        duplicates: Vec<String>,
    },
}

/// What the person is told about the submission in progress.
#[derive(Clone, PartialEq)]
pub enum Status {
    Quiet,
    Sending,
    Waiting {
        seconds: u64,
        offline: bool,
        saved: bool,
    },
    Elsewhere,
    /// Staff: the server refused the token.
    NeedsSignIn,
    Rejected,
    EarlierSent {
        reference: String,
        duplicates: Vec<String>,
    },
    /// Staff: people who may be the one about to be created.
    PossibleDuplicates,
}

/// The page's state, shared by the free functions below (all Copy).
#[derive(Clone, Copy)]
pub struct Intake {
    /// Widget or staff.
    pub(crate) mode: Mode,
    pub(crate) phase: RwSignal<Phase>,
    pub(crate) status: RwSignal<Status>,
    pub(crate) busy: RwSignal<bool>,
    /// Shared, not copied: reading it is frequent and a copy is large.
    pub(crate) config: StoredValue<Option<Rc<TargetConfig>>, LocalStorage>,
    pub(crate) server_errors: RwSignal<PlacedErrors>,
    /// The submission of the answers on screen, as last sent.
    pub(crate) current: StoredValue<Option<Submission>, LocalStorage>,
    /// What it was planned from, to put server errors on questions.
    pub(crate) current_input: StoredValue<Option<(SubmissionInput, Form)>, LocalStorage>,
    pub(crate) draft_key: StoredValue<Option<String>, LocalStorage>,
    pub(crate) pending: RwSignal<usize>,
    /// The form with its built-in sections, once loaded.
    pub(crate) form: StoredValue<Option<Arc<Form>>, LocalStorage>,
    /// The parts that send (see [`crate::shared::later`]).
    pub(crate) later: RwSignal<Option<Later>>,
    /// What a page that signs people in adds (the staff page); `None` on
    /// the widget.
    pub(crate) desk: StoredValue<Option<Rc<dyn Desk>>, LocalStorage>,
}

impl Intake {
    pub(crate) fn credential(&self) -> Option<String> {
        let config = self.config.get_value()?;
        match config.auth {
            AuthMode::None => None,
            AuthMode::WidgetToken => config.widget_token.clone(),
            AuthMode::StaffToken => self
                .desk
                .with_value(|desk| desk.as_ref().and_then(|desk| desk.token())),
        }
    }

    /// The staff page's part, when this page has one.
    pub(crate) fn desk(&self) -> Option<Rc<dyn Desk>> {
        self.desk.get_value()
    }
}

/// What a page that signs people in adds to the intake page. The staff page
/// implements it (`crate::pages::staff`); the widget has none. Shared code
/// reaches what only staff do through it, so it never imports a page.
pub trait Desk {
    /// The signed-in staff member's token, memory only.
    fn token(&self) -> Option<String>;
    /// The server refused the token: it is forgotten until someone signs in.
    fn forget_token(&self);
    /// Runs before a submission is planned: an edit sends only what
    /// changed, and a new person waits for the duplicate check, which then
    /// sends it. `None`: nothing is sent now.
    fn prepare_input(
        &self,
        intake: Intake,
        config: &TargetConfig,
        state: &FormState,
        input: SubmissionInput,
    ) -> Option<SubmissionInput>;
    /// The definition to open when the configuration names no form.
    fn first_form<'a>(
        &'a self,
        intake: Intake,
        config: &'a TargetConfig,
    ) -> Pin<Box<dyn Future<Output = Option<Value>> + 'a>>;
    /// Sets up what stays for the page's life: shortcuts, the idle lock and
    /// the session bar, and what hears every change of answer.
    fn install(&self, intake: Intake) -> DeskParts;
    /// The sign-in screen ([`Phase::SignIn`]).
    fn sign_in_view(&self, intake: Intake) -> AnyView;
    /// The find-the-person screen ([`Phase::Find`]).
    fn find_view(&self, intake: Intake) -> AnyView;
    /// Whose record the form on screen is, above it.
    fn person_header(&self, intake: Intake) -> AnyView;
    /// What the status line says for the statuses only staff meet
    /// ([`Status::NeedsSignIn`], [`Status::PossibleDuplicates`]).
    fn status_view(&self, intake: Intake, status: &Status) -> AnyView;
    /// The way on from the "Sent" screen.
    fn after_sent(&self, intake: Intake) -> AnyView;
}

/// The widget's desk: there is none. A type with no values, so a page
/// built with it has none of the code that calls a desk.
#[derive(Clone, Copy)]
pub enum NoDesk {}

impl Desk for NoDesk {
    fn token(&self) -> Option<String> {
        match *self {}
    }
    fn forget_token(&self) {
        match *self {}
    }
    fn prepare_input(
        &self,
        _: Intake,
        _: &TargetConfig,
        _: &FormState,
        _: SubmissionInput,
    ) -> Option<SubmissionInput> {
        match *self {}
    }
    fn first_form<'a>(
        &'a self,
        _: Intake,
        _: &'a TargetConfig,
    ) -> Pin<Box<dyn Future<Output = Option<Value>> + 'a>> {
        match *self {}
    }
    fn install(&self, _: Intake) -> DeskParts {
        match *self {}
    }
    fn sign_in_view(&self, _: Intake) -> AnyView {
        match *self {}
    }
    fn find_view(&self, _: Intake) -> AnyView {
        match *self {}
    }
    fn person_header(&self, _: Intake) -> AnyView {
        match *self {}
    }
    fn status_view(&self, _: Intake, _: &Status) -> AnyView {
        match *self {}
    }
    fn after_sent(&self, _: Intake) -> AnyView {
        match *self {}
    }
}

/// What [`Desk::install`] gives the intake page.
pub struct DeskParts {
    /// True while the page is locked: the form leaves the page.
    pub(crate) locked: RwSignal<bool>,
    /// Hears every change of answer.
    pub(crate) on_change: ChangeFn,
    /// Who is signed in, and the way out.
    pub(crate) session: AnyView,
}

/// The first characters of a reference, upper-case, as people read them out.
/// References are hex, so ASCII case is exact; Unicode's case tables would
/// cost the widget about 16 KB gzip.
pub(crate) fn short_reference(reference: &str) -> String {
    reference
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase()
}
