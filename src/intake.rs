//! The pages that send answers: `/widget` (the public assistance request)
//! and `/staff` (intake by signed-in staff). Both read a deployment's
//! configuration, build the form with the built-in "About you" section the
//! target needs, and send through the outbox. What only staff need (sign-in,
//! finding the person, editing, choosing the form) is in [`crate::staff`],
//! which the widget's own build leaves out (feature `full`).

use std::rc::Rc;

use intake_engine::targets::{
    about_you_section, configuration_path, consent_section, refuse_deployment_parameters,
    service_types_from, AuthMode, LinkRefusal, Mode, Operation, PlacedErrors, Submission,
    SubmissionInput, TargetConfig, TargetKind, CONFIG_FOLDER,
};
use intake_engine::{load_form_with_leading_sections, Form, FormState, LoadError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::failure::PageFailure;
use crate::form_view::{FormView, Submitter};
use crate::later::{self, Later};
use crate::outbox;
#[cfg(feature = "full")]
use crate::staff;
use crate::{draft, http, url_parameter, use_language, LanguageSwitch};

/// What the page shows.
#[derive(Clone)]
pub(crate) enum Phase {
    Loading,
    Failed {
        failure: PageFailure,
    },
    #[cfg(feature = "full")]
    SignIn,
    /// Staff: find the person before anything else.
    #[cfg(feature = "full")]
    Find,
    Ready {
        form: Form,
        /// A stored record's values, when one was opened for editing.
        initial: Option<serde_json::Map<String, Value>>,
        /// Keeps this person's draft apart from others'.
        scope: Option<String>,
    },
    Sent {
        reference: String,
        record_id: Option<String>,
        /// What an upsert did, as the server said (persons_v1).
        upsert: Option<String>,
    },
}

/// What the person is told about the submission in progress.
#[derive(Clone, PartialEq)]
pub(crate) enum Status {
    Quiet,
    Sending,
    Waiting {
        seconds: u64,
        offline: bool,
        saved: bool,
    },
    Elsewhere,
    #[cfg(feature = "full")]
    NeedsSignIn,
    Rejected,
    EarlierSent {
        reference: String,
    },
    /// People who may be the one about to be created.
    #[cfg(feature = "full")]
    PossibleDuplicates,
}

/// The page's state, shared by the free functions below (all Copy).
#[derive(Clone, Copy)]
pub(crate) struct Intake {
    /// Widget or staff; only the full build has staff pages.
    #[cfg(feature = "full")]
    pub(crate) mode: Mode,
    pub(crate) phase: RwSignal<Phase>,
    pub(crate) status: RwSignal<Status>,
    pub(crate) busy: RwSignal<bool>,
    pub(crate) config: StoredValue<Option<TargetConfig>, LocalStorage>,
    pub(crate) server_errors: RwSignal<PlacedErrors>,
    /// The submission of the answers on screen, as last sent.
    pub(crate) current: StoredValue<Option<Submission>, LocalStorage>,
    /// What it was planned from, to put server errors on questions.
    pub(crate) current_input: StoredValue<Option<(SubmissionInput, Form)>, LocalStorage>,
    pub(crate) draft_key: StoredValue<Option<String>, LocalStorage>,
    pub(crate) pending: RwSignal<usize>,
    /// The form with its built-in sections, once loaded.
    pub(crate) form: StoredValue<Option<Form>, LocalStorage>,
    /// The parts that send (see [`crate::later`]).
    pub(crate) later: RwSignal<Option<Later>>,
    /// What only staff have: the token, the person being edited, the form choice.
    #[cfg(feature = "full")]
    pub(crate) desk: staff::Desk,
}

impl Intake {
    pub(crate) fn credential(&self) -> Option<String> {
        let config = self.config.get_value()?;
        match config.auth {
            AuthMode::None => None,
            AuthMode::WidgetToken => config.widget_token,
            #[cfg(feature = "full")]
            AuthMode::StaffToken => self.desk.token.get_untracked(),
            // Without the staff pages no one can sign in.
            #[cfg(not(feature = "full"))]
            AuthMode::StaffToken => None,
        }
    }
}

/// The configuration this page runs. The deployment decides: its
/// configurations are files in the site's own `/config/` folder, and a link
/// may only name one of them (`?config=caspen-widget`); without it, the
/// page's default. A link that tries to set where answers go (`?base_url=`,
/// `?target=`, ...) or names anything else is refused before any request
/// is made. From then on the page talks only to this site and the origins
/// the configuration names (see [`http::allow_only`]).
async fn read_configuration(mode: Mode) -> Result<TargetConfig, PageFailure> {
    http::allow_only(&[]);
    refuse_deployment_parameters(|name| url_parameter(name).is_some())
        .map_err(PageFailure::Link)?;
    let default_name = match mode {
        Mode::Widget => "unite-us-widget",
        Mode::Staff => "unite-us-staff",
    };
    let path = configuration_path(url_parameter("config").as_deref(), default_name)
        .map_err(PageFailure::Link)?;
    let body = http::get_text(&path).await.map_err(|error| match error {
        // The site has no such configuration: the link is wrong, not the network.
        http::FetchError::Status { status: 404, .. } => {
            PageFailure::Link(LinkRefusal::UnknownConfiguration)
        }
        error => PageFailure::Fetch(error),
    })?;
    let name = path
        .trim_start_matches(CONFIG_FOLDER)
        .trim_end_matches(".json");
    let config = TargetConfig::from_json_str(&body)
        .map_err(PageFailure::Config)?
        .named(name);
    if config.mode != mode {
        return Err(PageFailure::WrongMode(mode));
    }
    http::allow_only(&config.connect_origins());
    Ok(config)
}

/// The organisation's form definition and, for the Unite US widget, the
/// group's service types, from the API's form configuration.
async fn read_form(intake: Intake, config: &TargetConfig) -> Result<Form, PageFailure> {
    let mut definition: Option<Value> = None;
    let mut service_types: Vec<(String, String)> = Vec::new();
    if config.target == TargetKind::UniteUs && config.mode == Mode::Widget {
        let url = config
            .url(Operation::AssistanceRequestFormConfig, &[])
            .unwrap_or_default();
        let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
        let body: Option<Value> = match answer.status {
            Some(200..=299) => answer.body.json().cloned(),
            status => return Err(PageFailure::FormConfig(status)),
        };
        let data = body
            .as_ref()
            .and_then(|body| body.get("data"))
            .cloned()
            .ok_or(PageFailure::FormConfigUnreadable)?;
        service_types = service_types_from(&data["service_types"])
            .into_iter()
            .map(|choice| (choice.id, choice.name))
            .collect();
        if !data["form"].is_null() && config.form.is_none() {
            definition = Some(data["form"].clone());
        }
    }
    if let Some(url) = &config.form {
        let text = http::get_text(url).await.map_err(PageFailure::Fetch)?;
        definition = Some(intake_engine::parse_definition(&text).map_err(PageFailure::Definition)?);
    }
    #[cfg(feature = "full")]
    if definition.is_none() && config.target == TargetKind::UniteUs && config.mode == Mode::Staff {
        definition = staff::first_intake_form(intake, config).await;
    }
    let definition = definition.unwrap_or_else(|| person_only_definition(config));
    compose_form(config, &definition, &service_types).map_err(PageFailure::Definition)
}

/// A definition without questions: the form is then the built-in "About
/// you" alone, and only the person is saved.
pub(crate) fn person_only_definition(config: &TargetConfig) -> Value {
    intake_engine::json::object([
        ("id", Value::from(format!("intake-{}", config.target))),
        (
            "name",
            Value::from(config.title.clone().unwrap_or_default()),
        ),
        ("sections", Value::Array(Vec::new())),
    ])
}

/// The organisation's definition with the app's own sections: "About you"
/// first, the consent signature last (its display order puts it after the
/// form's sections).
pub(crate) fn compose_form(
    config: &TargetConfig,
    definition: &Value,
    service_types: &[(String, String)],
) -> Result<Form, LoadError> {
    let plain = intake_engine::load_form(definition)
        .ok()
        .map(|loaded| loaded.form);
    let built_in: Vec<Value> = about_you_section(config, plain.as_ref(), service_types)
        .into_iter()
        .chain(consent_section(config, plain.as_ref()))
        .collect();
    let loaded = load_form_with_leading_sections(definition, &built_in)?;
    Ok(loaded.form)
}

/// Shows why the page has no form. The message's words come with the later
/// parts, so they are fetched now.
fn fail(intake: Intake, failure: PageFailure) {
    intake.phase.set(Phase::Failed { failure });
    later::fetch_ahead(intake.later);
}

/// Hands the valid answers to the later parts, which plan, store and send
/// them (see [`crate::sending`]). Only their own check calls this, through
/// the form's submitter, so they are always here by then.
fn submit(intake: Intake, state: &FormState) {
    if let Some(parts) = intake.later.get_untracked() {
        intake.busy.set(true);
        (parts.submit)(intake, state.clone());
    }
}

/// How soon the page tries again to send what waits from earlier visits
/// when the parts that send could not be downloaded.
const CODE_RETRY: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends every submission of this deployment left from earlier visits, and
/// the one on screen when storage could not keep it.
pub(crate) fn deliver_waiting(intake: Intake) {
    // Most visits have nothing stored: the parts that send are not needed yet.
    if !outbox::has_any() && intake.current.with_value(Option::is_none) {
        intake.pending.set(0);
        return;
    }
    later::with_later(
        intake.later,
        move |parts| (parts.deliver_waiting)(intake),
        move || set_timeout(move || deliver_waiting(intake), CODE_RETRY),
    );
}

/// Counts what waits from earlier visits, for the notice.
fn count_waiting(intake: Intake) {
    if !outbox::has_any() {
        intake.pending.set(0);
        return;
    }
    later::with_later(
        intake.later,
        move |parts| (parts.count_waiting)(intake),
        || {},
    );
}

#[component]
pub fn IntakePage(mode: Mode) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let intake = Intake {
        #[cfg(feature = "full")]
        mode,
        phase: RwSignal::new(Phase::Loading),
        status: RwSignal::new(Status::Quiet),
        busy: RwSignal::new(false),
        config: StoredValue::new_local(None),
        server_errors: RwSignal::new(PlacedErrors::default()),
        current: StoredValue::new_local(None),
        current_input: StoredValue::new_local(None),
        draft_key: StoredValue::new_local(None),
        pending: RwSignal::new(0),
        form: StoredValue::new_local(None),
        later: later::use_later(),
        #[cfg(feature = "full")]
        desk: staff::Desk::new(),
    };

    let title = RwSignal::new(None::<String>);
    let load_form = move || {
        spawn_local(async move {
            let Some(config) = intake.config.get_value() else {
                return;
            };
            match read_form(intake, &config).await {
                Ok(form) => {
                    intake
                        .draft_key
                        .set_value(Some(draft::key_for(&form.id, &form.name)));
                    intake.form.set_value(Some(form.clone()));
                    deliver_waiting(intake);
                    // The parts that check and send come now, while the
                    // person reads the form.
                    later::fetch_ahead(intake.later);
                    // Staff find the person before any form is opened.
                    #[cfg(feature = "full")]
                    if mode == Mode::Staff {
                        intake.phase.set(Phase::Find);
                        return;
                    }
                    intake.phase.set(Phase::Ready {
                        form,
                        initial: None,
                        scope: None,
                    });
                }
                Err(failure) => fail(intake, failure),
            }
        });
    };
    spawn_local(async move {
        match read_configuration(mode).await {
            Ok(config) => {
                if let Some(code) = &config.language {
                    if url_parameter("lang").is_none() {
                        language.set(crate::i18n::Language::new(code));
                    }
                }
                #[cfg(feature = "full")]
                let signs_in = config.auth == AuthMode::StaffToken;
                title.set(config.title.clone());
                intake.config.set_value(Some(config));
                count_waiting(intake);
                #[cfg(feature = "full")]
                if signs_in {
                    intake.phase.set(Phase::SignIn);
                    return;
                }
                load_form();
            }
            Err(failure) => fail(intake, failure),
        }
    });
    if let Some(host) = crate::embed::host_origin() {
        crate::embed::report_height(host);
    }
    // Back online: send what waits now rather than at the next timer.
    let online = window_event_listener(leptos::ev::online, move |_| deliver_waiting(intake));
    on_cleanup(move || online.remove());

    let submitter = Submitter {
        on_submit: Rc::new(move |state: &FormState| submit(intake, state)),
        server_errors: intake.server_errors,
        busy: intake.busy.into(),
    };
    // Stored so the view's closures, which must be Send, can reach it.
    let submitter = StoredValue::new_local(submitter);

    // What staff have on top of the widget: keyboard shortcuts, the idle
    // lock, who is signed in, whose record is open and what changes.
    #[cfg(feature = "full")]
    let (on_change, locked, session) = if mode == Mode::Staff {
        staff::install_shortcuts();
        let locked = staff::idle_lock(intake);
        (
            Some(staff::change_lister(intake)),
            locked,
            Some(view! { <staff::Session intake=intake locked=locked /> }),
        )
    } else {
        (None, RwSignal::new(false), None)
    };
    #[cfg(not(feature = "full"))]
    let (on_change, locked, session) = (None, (), ());
    let on_change = StoredValue::new_local(on_change);
    let person_header = move || {
        #[cfg(feature = "full")]
        if mode == Mode::Staff {
            return Some(staff::person_header(intake));
        }
        None::<AnyView>
    };
    let status_view = move || match intake.status.get() {
        Status::Quiet => None,
        status => intake
            .later
            .get()
            .map(|parts| (parts.status_view)(intake, status)),
    };

    let body = move || match intake.phase.get() {
        Phase::Loading => view! { <p role="status">{move || text().loading}</p> }.into_any(),
        Phase::Failed { failure } => view! {
            <div class="error-summary" role="alert" data-testid="intake-error">
                <h2>{move || text().unusable_configuration}</h2>
                // The words come with the later parts, fetched on failing.
                {move || intake.later.get().map(|parts| view! {
                    <p data-testid="intake-error-message">{(parts.failure_message)(&failure)}</p>
                })}
            </div>
        }
        .into_any(),
        #[cfg(feature = "full")]
        Phase::SignIn => staff::sign_in_view(intake, load_form),
        #[cfg(feature = "full")]
        Phase::Find => staff::find_view(intake),
        Phase::Ready {
            form,
            initial,
            scope,
        } => {
            if let Some(scope) = &scope {
                intake.draft_key.set_value(Some(draft::scoped_key(
                    &form.id,
                    &form.name,
                    Some(scope),
                )));
            }
            view! {
                {move || (intake.pending.get() > 0 && intake.current.with_value(Option::is_none)).then(|| view! {
                    <p class="notice" data-testid="pending-count">{(text().pending_submissions)(intake.pending.get())}</p>
                })}
                {person_header()}
                <FormView form=form keep_draft=true submitter=Some(submitter.get_value()) initial_answers=initial draft_scope=scope
                    on_change=on_change.get_value() />
            }.into_any()
        }
        Phase::Sent {
            reference,
            record_id,
            upsert,
        } => match intake.later.get() {
            Some(parts) => (parts.sent_view)(intake, reference, record_id, upsert),
            None => ().into_any(),
        },
    };

    let heading = move || {
        title.get().unwrap_or_else(|| {
            match mode {
                Mode::Widget => text().widget_title,
                Mode::Staff => text().staff_title,
            }
            .to_string()
        })
    };
    // Locked (staff), the form and the person's record leave the page, not
    // just the screen; they come back from memory on unlocking. The widget
    // never locks, and ships no code for it.
    #[cfg(feature = "full")]
    let page = view! {
        <main id="main" class="page intake-page">
            <LanguageSwitch />
            <h1>{heading}</h1>
            {session}
            {move || (!locked.get()).then(|| view! {
                <div>
                    <div role="status" aria-live="polite" data-testid="submission-status" class="submission-status">{status_view}</div>
                    {body}
                </div>
            })}
        </main>
    };
    #[cfg(not(feature = "full"))]
    let page = {
        let () = locked;
        view! {
            <main id="main" class="page intake-page">
                <LanguageSwitch />
                <h1>{heading}</h1>
                {session}
                <div>
                    <div role="status" aria-live="polite" data-testid="submission-status" class="submission-status">{status_view}</div>
                    {body}
                </div>
            </main>
        }
    };
    page
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
