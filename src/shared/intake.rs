//! The intake page, which the widget (`/widget`, the public assistance
//! request) and the staff page (`/staff`) both are: it reads a deployment's
//! configuration, builds the form with the built-in "About you" section the
//! target needs, and sends through the outbox. What only staff need
//! (sign-in, finding the person, editing, choosing the form) the staff page
//! adds through [`Desk`]; the widget's own build has no staff page.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use intake_engine::targets::{
    about_you_section, configuration_path, consent_section, read_form_config,
    refuse_deployment_parameters, translate_built_in, AuthMode, LinkRefusal, Mode, Operation,
    PlacedErrors, TargetConfig, TargetKind, CONFIG_FOLDER,
};
use intake_engine::{load_form_with_leading_sections, Form, FormState, LoadError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::shared::dom::url_parameter;
use crate::shared::failure::PageFailure;
use crate::shared::form_view::{draw_in_slices, FormView, Submitter};
use crate::shared::i18n::SPANISH_BUILT_IN;
use crate::shared::language::{use_language, LanguageSwitch};
use crate::shared::later;
use crate::shared::outbox;
use crate::shared::state::{Desk, DeskParts, Intake, Phase, Status};
use crate::shared::{draft, http};

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
        if !matches!(answer.status, Some(200..=299)) {
            return Err(PageFailure::FormConfig(answer.status));
        }
        let form_config =
            read_form_config(&answer.body).map_err(|_| PageFailure::FormConfigUnreadable)?;
        service_types = form_config.service_types;
        if config.form.is_none() {
            definition = form_config.form;
        }
    }
    if let Some(url) = &config.form {
        let text = http::get_text(url).await.map_err(PageFailure::Fetch)?;
        definition = Some(intake_engine::parse_definition(&text).map_err(PageFailure::Definition)?);
    }
    if definition.is_none() {
        if let Some(desk) = intake.desk() {
            definition = desk.first_form(intake, config).await;
        }
    }
    let definition = definition.unwrap_or_else(|| person_only_definition(config));
    compose_form(config, &definition, &service_types).map_err(PageFailure::Definition)
}

/// A definition without questions: the form is then the built-in "About
/// you" alone, and only the person is saved.
pub(crate) fn person_only_definition(config: &TargetConfig) -> Value {
    let mut translations = serde_json::Map::new();
    for (language, title) in &config.title_translations {
        translations.insert(
            language.clone(),
            intake_engine::json::object([("name", Value::from(title.as_str()))]),
        );
    }
    intake_engine::json::object([
        ("id", Value::from(format!("intake-{}", config.target))),
        (
            "name",
            Value::from(config.title.clone().unwrap_or_default()),
        ),
        ("translations", Value::Object(translations)),
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
    let mut form = load_form_with_leading_sections(definition, &built_in)?.form;
    // The sections the app adds speak every interface language, as the
    // definition's own questions do through their translations.
    translate_built_in(&mut form, config, "es", &SPANISH_BUILT_IN);
    Ok(form)
}

/// Shows why the page has no form. The message's words come with the later
/// parts, so they are fetched now.
fn fail(intake: Intake, failure: PageFailure) {
    intake.phase.set(Phase::Failed { failure });
    later::fetch_ahead(intake.later);
}

/// Hands the valid answers to the later parts, which plan, store and send
/// them (see [`crate::shared::sending`]). Only their own check calls this, through
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

/// Reads the form and shows it (staff: the find screen first). The staff
/// page calls this once someone has signed in.
pub(crate) fn load_form(intake: Intake) {
    spawn_local(async move {
        let Some(config) = intake.config.get_value() else {
            return;
        };
        match read_form(intake, &config).await {
            Ok(form) => {
                intake
                    .draft_key
                    .set_value(Some(draft::key_for(&form.id, &form.name)));
                let form = Arc::new(form);
                intake.form.set_value(Some(form.clone()));
                deliver_waiting(intake);
                // The parts that check and send come now, while the
                // person reads the form.
                later::fetch_ahead(intake.later);
                // Staff find the person before any form is opened.
                if intake.mode == Mode::Staff {
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
}

/// The intake page in `mode`; `desk` is what the staff page adds (`None`
/// for the widget, whose [`NoDesk`] type leaves out every line that would
/// call one).
#[component]
pub(crate) fn IntakePage<D: Desk + Copy + Send + Sync + 'static>(
    mode: Mode,
    desk: Option<D>,
) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let intake = Intake {
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
        desk: StoredValue::new_local(desk.map(|desk| Rc::new(desk) as Rc<dyn Desk>)),
    };

    // The deployment's title and its translations.
    let title = RwSignal::new(None::<(String, BTreeMap<String, String>)>);
    spawn_local(async move {
        match read_configuration(mode).await {
            Ok(config) => {
                if let Some(code) = &config.language {
                    if url_parameter("lang").is_none() {
                        language.set(crate::shared::i18n::Language::new(code));
                    }
                }
                let signs_in = config.auth == AuthMode::StaffToken;
                title.set(
                    config
                        .title
                        .clone()
                        .map(|title| (title, config.title_translations.clone())),
                );
                intake.config.set_value(Some(Rc::new(config)));
                count_waiting(intake);
                if signs_in {
                    intake.phase.set(Phase::SignIn);
                    return;
                }
                load_form(intake);
            }
            Err(failure) => fail(intake, failure),
        }
    });
    if let Some(host) = crate::shared::embed::host_origin() {
        crate::shared::embed::report_height(host);
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
    let (on_change, locked, session) = match desk {
        Some(desk) => {
            let DeskParts {
                locked,
                on_change,
                session,
            } = desk.install(intake);
            (Some(on_change), Some(locked), Some(session))
        }
        None => (None, None, None),
    };
    let on_change = StoredValue::new_local(on_change);
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
        Phase::SignIn => match desk {
            Some(desk) => desk.sign_in_view(intake),
            None => ().into_any(),
        },
        Phase::Find => match desk {
            Some(desk) => desk.find_view(intake),
            None => ().into_any(),
        },
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
                {desk.map(|desk| desk.person_header(intake))}
                <FormView form=form keep_draft=true submitter=Some(submitter.get_value()) initial_answers=initial draft_scope=scope
                    on_change=on_change.get_value() about_themselves=mode == Mode::Widget draw_later=Some(draw_in_slices) />
            }.into_any()
        }
        Phase::Sent {
            reference,
            record_id,
            upsert,
            duplicates,
        } => match intake.later.get() {
            Some(parts) => (parts.sent_view)(intake, reference, record_id, upsert, duplicates),
            None => ().into_any(),
        },
    };

    let heading = move || {
        let language = language.get();
        title.with(|title| match title {
            Some((title, translations)) => translations
                .get(language.primary())
                .unwrap_or(title)
                .clone(),
            None => match mode {
                Mode::Widget => language.text().widget_title,
                Mode::Staff => language.text().staff_title,
            }
            .to_string(),
        })
    };
    let content = move || {
        view! {
            // The status follows the screen, so what happened to a send
            // (waiting on this device, refused, sign in again) is beside
            // the Send button that caused it, not a page above it.
            <div>
                {body}
                <div role="status" aria-live="polite" data-testid="submission-status" class="submission-status">{status_view}</div>
            </div>
        }
    };
    // Locked (staff), the form and the person's record leave the page, not
    // just the screen; they come back from memory on unlocking. A page that
    // cannot lock (the widget) draws its content once.
    let content = match locked {
        Some(locked) => (move || (!locked.get()).then(content)).into_any(),
        None => content().into_any(),
    };
    view! {
        <main id="main" class="page intake-page">
            <LanguageSwitch />
            <h1>{heading}</h1>
            {session}
            {content}
        </main>
    }
}
