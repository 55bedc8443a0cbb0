//! The pages that send answers: `/widget` (the public assistance request)
//! and `/staff` (intake by signed-in staff). Both read a deployment's
//! configuration, build the form with the built-in "About you" section the
//! target needs, and send through the outbox. The staff token lives in this
//! module's memory only.

use std::rc::Rc;

use intake_engine::targets::{
    about_you_section, consent_section, place_errors, plan, AuthMode, Mode, Operation,
    PlacedErrors, Submission, SubmissionInput, TargetConfig, TargetKind,
};
use intake_engine::{load_form_with_leading_sections, Form, FormState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::form_view::{FormView, Submitter};
use crate::i18n::FailureKind;
use crate::outbox::{self, Delivery};
use crate::pages::LanguageSwitch;
use crate::{draft, http, url_parameter, use_language};

/// What the page shows.
#[derive(Clone)]
enum Phase {
    Loading,
    Failed {
        message: String,
    },
    SignIn,
    Ready {
        form: Form,
    },
    Sent {
        reference: String,
        record_id: Option<String>,
    },
}

/// What the person is told about the submission in progress.
#[derive(Clone, PartialEq)]
enum Status {
    Quiet,
    Sending,
    Waiting {
        seconds: u64,
        offline: bool,
        saved: bool,
    },
    Elsewhere,
    NeedsSignIn,
    Rejected,
    EarlierSent {
        reference: String,
    },
}

/// The page's state, shared by the free functions below (all Copy).
#[derive(Clone, Copy)]
struct Intake {
    mode: Mode,
    phase: RwSignal<Phase>,
    status: RwSignal<Status>,
    busy: RwSignal<bool>,
    /// The staff member's token: memory only, dropped on sign-out.
    token: RwSignal<Option<String>, LocalStorage>,
    config: StoredValue<Option<TargetConfig>, LocalStorage>,
    server_errors: RwSignal<PlacedErrors>,
    /// The submission of the answers on screen, as last sent.
    current: StoredValue<Option<Submission>, LocalStorage>,
    /// What it was planned from, to put server errors on questions.
    current_input: StoredValue<Option<(SubmissionInput, Form)>, LocalStorage>,
    draft_key: StoredValue<Option<String>, LocalStorage>,
    pending: RwSignal<usize>,
}

impl Intake {
    fn credential(&self) -> Option<String> {
        let config = self.config.get_value()?;
        match config.auth {
            AuthMode::None => None,
            AuthMode::WidgetToken => config.widget_token,
            AuthMode::StaffToken => self.token.get_untracked(),
        }
    }

    /// The outbox groups submissions by target and base URL.
    fn deployment(&self) -> String {
        self.config
            .get_value()
            .map(|config| format!("{} {}", config.target, config.base_url))
            .unwrap_or_default()
    }
}

/// Where the configuration comes from: `?config=URL`, else parameters
/// (`?target=...&base_url=...`), else the demo configuration for the mode.
async fn read_configuration(mode: Mode) -> Result<TargetConfig, String> {
    let language = use_language().get_untracked();
    let text = language.text();
    if let Some(target) = url_parameter("target").filter(|_| url_parameter("config").is_none()) {
        let mut object = serde_json::Map::new();
        object.insert("target".into(), json!(target));
        object.insert(
            "mode".into(),
            json!(if mode == Mode::Staff {
                "staff"
            } else {
                "widget"
            }),
        );
        for key in [
            "base_url",
            "widget_token",
            "form",
            "group_id",
            "language",
            "title",
        ] {
            if let Some(value) = url_parameter(key) {
                object.insert(key.into(), json!(value));
            }
        }
        return TargetConfig::from_json(&Value::Object(object)).map_err(|error| error.to_string());
    }
    let url = url_parameter("config").unwrap_or_else(|| {
        match mode {
            Mode::Widget => "/config/unite-us-widget.json",
            Mode::Staff => "/config/unite-us-staff.json",
        }
        .to_string()
    });
    let body = http::get_text(&url)
        .await
        .map_err(|error| match text.failure {
            Some(translate) => translate(&FailureKind::Fetch(&error)),
            None => error.to_string(),
        })?;
    let config = TargetConfig::from_json_str(&body).map_err(|error| error.to_string())?;
    if config.mode != mode {
        return Err(match mode {
            Mode::Widget => "This configuration is for staff intake: open it at /staff.".into(),
            Mode::Staff => {
                "This configuration is for the public widget: open it at /widget.".into()
            }
        });
    }
    Ok(config)
}

/// The organisation's form definition and, for the Unite US widget, the
/// group's service types, from the API's form configuration.
async fn read_form(intake: Intake, config: &TargetConfig) -> Result<Form, String> {
    let mut definition: Option<Value> = None;
    let mut service_types: Vec<(String, String)> = Vec::new();
    if config.target == TargetKind::UniteUs && config.mode == Mode::Widget {
        let url = config
            .url(Operation::AssistanceRequestFormConfig, &[])
            .unwrap_or_default();
        let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
        let body: Option<Value> = match answer.status {
            Some(200..=299) => serde_json::from_str(&answer.body).ok(),
            Some(status) => {
                return Err(format!(
                    "The organisation's form could not be loaded (HTTP {status}). Try again later."
                ))
            }
            None => return Err("The organisation's form could not be loaded: check your connection and reload the page.".into()),
        };
        let data = body
            .as_ref()
            .and_then(|body| body.get("data"))
            .cloned()
            .ok_or("The organisation's form configuration could not be read.")?;
        for service_type in data["service_types"].as_array().into_iter().flatten() {
            let name = service_type["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if let Some(id) = service_type["id"].as_str() {
                service_types.push((id.to_string(), name.clone()));
            }
            for child in service_type["children"].as_array().into_iter().flatten() {
                if let (Some(id), Some(child_name)) = (child["id"].as_str(), child["name"].as_str())
                {
                    service_types.push((id.to_string(), format!("{name}: {child_name}")));
                }
            }
        }
        if !data["form"].is_null() && config.form.is_none() {
            definition = Some(data["form"].clone());
        }
    }
    if let Some(url) = &config.form {
        let text = http::get_text(url)
            .await
            .map_err(|error| error.to_string())?;
        definition = Some(
            serde_json::from_str(&text)
                .map_err(|error| format!("The form definition at {url} is not JSON ({error})."))?,
        );
    }
    let definition = definition.unwrap_or_else(|| {
        json!({"id": format!("intake-{}", config.target), "name": config.title.clone().unwrap_or_default(), "sections": []})
    });
    let plain = intake_engine::load_form(&definition)
        .ok()
        .map(|loaded| loaded.form);
    // The app's own sections: "About you" first, the consent signature last
    // (its display order puts it after the form's sections).
    let built_in: Vec<Value> = about_you_section(config, plain.as_ref(), &service_types)
        .into_iter()
        .chain(consent_section(config, plain.as_ref()))
        .collect();
    let loaded = load_form_with_leading_sections(&definition, &built_in)
        .map_err(|error| error.to_string())?;
    Ok(loaded.form)
}

/// Plans the answers on screen, stores the submission, then sends it. A
/// submission the server refused keeps its reference and the steps already
/// done (a created contact is not created again).
fn submit(intake: Intake, state: &FormState) {
    let Some(config) = intake.config.get_value() else {
        return;
    };
    let previous = intake.current.get_value();
    let reference = previous
        .as_ref()
        .map(|submission| submission.reference.clone())
        .unwrap_or_else(outbox::new_reference);
    let input = SubmissionInput::from_state(state, &config, &reference);
    let planned = plan(&config, &input);
    let summary = [
        input.person.text("person.first_name"),
        input.person.text("person.last_name"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let mut submission = Submission::new(
        reference.clone(),
        intake.deployment(),
        input.form_id.clone(),
        summary,
        planned.steps,
        js_sys::Date::now(),
    );
    if let Some(previous) = previous {
        submission.next_step = previous.next_step.min(submission.steps.len());
        submission.captured_id = previous.captured_id;
    }
    // Stored before the first request. Where storage is unavailable it is
    // sent from memory, and a wait says it is not saved on the device.
    let _ = outbox::put(&submission);
    intake.current.set_value(Some(submission));
    intake
        .current_input
        .set_value(Some((input, state.form().clone())));
    intake.server_errors.set(PlacedErrors::default());
    intake.status.set(Status::Sending);
    deliver(intake, reference, true);
}

/// Sends one stored submission and tells the person how it went; schedules
/// the next try when it must wait.
fn deliver(intake: Intake, reference: String, is_current: bool) {
    if is_current {
        intake.busy.set(true);
    }
    spawn_local(async move {
        let mut memory = match (is_current, intake.current.get_value()) {
            (true, Some(current)) => current,
            _ => match outbox::get(&reference) {
                Some(stored) => stored,
                None => return,
            },
        };
        let delivery = outbox::deliver(&reference, intake.credential(), &mut memory).await;
        if is_current {
            intake.current.set_value(Some(memory));
            intake.busy.set(false);
        }
        intake
            .pending
            .set(outbox::waiting_for(&intake.deployment()).len());
        match delivery {
            Delivery::Sent { record_id } if is_current => {
                if let Some(key) = intake.draft_key.get_value() {
                    draft::clear(&key);
                }
                intake.current.set_value(None);
                intake.status.set(Status::Quiet);
                if let Some(host) = crate::embed::host_origin() {
                    crate::embed::report_submitted(&host, &short_reference(&reference));
                }
                intake.phase.set(Phase::Sent {
                    reference,
                    record_id,
                });
                request_animation_frame(|| {
                    if let Some(element) = document()
                        .query_selector("[data-testid=submitted]")
                        .ok()
                        .flatten()
                    {
                        if let Ok(element) =
                            wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element)
                        {
                            let _ = element.focus();
                        }
                    }
                });
            }
            Delivery::Sent { .. } => intake.status.set(Status::EarlierSent { reference }),
            Delivery::Waiting { retry_in_ms, .. } => {
                let offline = !window().navigator().on_line();
                if is_current {
                    intake.status.set(Status::Waiting {
                        seconds: (retry_in_ms / 1000.0).ceil() as u64,
                        offline,
                        saved: outbox::get(&reference).is_some(),
                    });
                }
                set_timeout(
                    move || deliver(intake, reference, is_current),
                    std::time::Duration::from_millis(retry_in_ms.max(250.0) as u64),
                );
            }
            Delivery::AlreadySending => {}
            Delivery::ElsewhereInProgress => {
                if is_current {
                    intake.status.set(Status::Elsewhere);
                }
                set_timeout(
                    move || deliver(intake, reference, is_current),
                    std::time::Duration::from_secs(5),
                );
            }
            Delivery::NeedsSignIn => {
                if intake.mode == Mode::Staff {
                    intake.token.set(None);
                    intake.status.set(Status::NeedsSignIn);
                } else {
                    // A widget cannot sign in: its token was refused, which the
                    // organisation must fix. Keep the answers and try later.
                    intake.status.set(Status::Waiting {
                        seconds: 60,
                        offline: false,
                        saved: true,
                    });
                    if let Some(mut stored) = outbox::get(&reference) {
                        stored.status = intake_engine::targets::SubmissionStatus::Pending;
                        stored.next_attempt_at_ms = js_sys::Date::now() + 60_000.0;
                        outbox::put(&stored);
                    }
                    set_timeout(
                        move || deliver(intake, reference, is_current),
                        std::time::Duration::from_secs(60),
                    );
                }
            }
            // The page has moved on (the submission was sent meanwhile).
            Delivery::Rejected(_) if is_current && intake.current.with_value(Option::is_none) => {}
            Delivery::Rejected(rejection) => {
                let (errors, step) = *rejection;
                if let (Some(config), Some((input, form))) =
                    (intake.config.get_value(), intake.current_input.get_value())
                {
                    let placed = place_errors(
                        &config,
                        &step,
                        &errors,
                        &input.person,
                        &input.form_response,
                        &form,
                    );
                    intake.server_errors.set(placed);
                }
                intake.status.set(Status::Rejected);
            }
        }
    });
}

/// Sends every submission of this deployment left from earlier visits.
fn deliver_waiting(intake: Intake) {
    let current = intake
        .current
        .get_value()
        .map(|submission| submission.reference);
    let waiting = outbox::waiting_for(&intake.deployment());
    intake.pending.set(waiting.len());
    // The submission on screen is sent even when storage could not keep it.
    if let Some(current) = &current {
        if !waiting
            .iter()
            .any(|submission| &submission.reference == current)
        {
            deliver(intake, current.clone(), true);
        }
    }
    for submission in waiting {
        let is_current = current.as_deref() == Some(submission.reference.as_str());
        deliver(intake, submission.reference, is_current);
    }
}

#[component]
pub fn IntakePage(mode: Mode) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let intake = Intake {
        mode,
        phase: RwSignal::new(Phase::Loading),
        status: RwSignal::new(Status::Quiet),
        busy: RwSignal::new(false),
        token: RwSignal::new_local(None),
        config: StoredValue::new_local(None),
        server_errors: RwSignal::new(PlacedErrors::default()),
        current: StoredValue::new_local(None),
        current_input: StoredValue::new_local(None),
        draft_key: StoredValue::new_local(None),
        pending: RwSignal::new(0),
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
                    intake.phase.set(Phase::Ready { form });
                    deliver_waiting(intake);
                }
                Err(message) => intake.phase.set(Phase::Failed { message }),
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
                let staff = config.auth == AuthMode::StaffToken;
                title.set(config.title.clone());
                intake.config.set_value(Some(config));
                intake
                    .pending
                    .set(outbox::waiting_for(&intake.deployment()).len());
                if staff {
                    intake.phase.set(Phase::SignIn);
                } else {
                    load_form();
                }
            }
            Err(message) => intake.phase.set(Phase::Failed { message }),
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

    let status_view = move || {
        let text = text();
        match intake.status.get() {
            Status::Quiet => None,
            Status::Sending => Some(view! { <p>{text.sending}</p> }.into_any()),
            Status::Waiting { seconds, offline, saved } => Some(view! {
                <p>{if offline { text.waiting_for_connection.to_string() } else { (text.retrying)(seconds) }}</p>
                {saved.then(|| view! { <p data-testid="saved-on-device">{text.saved_on_device}</p> })}
            }.into_any()),
            Status::Elsewhere => Some(view! { <p>{text.sending}</p> }.into_any()),
            Status::NeedsSignIn => Some(view! {
                <p>{text.session_expired}</p>
                <SignInForm intake=intake on_signed_in=move || deliver_waiting(intake) />
            }.into_any()),
            Status::Rejected => Some(view! { <p>{text.rejected_intro}</p> }.into_any()),
            Status::EarlierSent { reference } => Some(view! {
                <p>{format!("{} {}: {}", text.sent_title, text.sent_reference.to_lowercase(), short_reference(&reference))}</p>
            }.into_any()),
        }
    };

    let body = move || {
        match intake.phase.get() {
        Phase::Loading => view! { <p role="status">{move || text().loading}</p> }.into_any(),
        Phase::Failed { message } => view! {
            <div class="error-summary" role="alert" data-testid="intake-error">
                <h2>{move || text().unusable_configuration}</h2>
                <p>{message}</p>
            </div>
        }.into_any(),
        Phase::SignIn => view! {
            <section aria-labelledby="sign-in-title">
                <h2 id="sign-in-title">{move || text().sign_in_title}</h2>
                {move || (intake.pending.get() > 0).then(|| view! { <p data-testid="pending-count">{(text().pending_submissions)(intake.pending.get_untracked())}</p> })}
                <SignInForm intake=intake on_signed_in=load_form />
            </section>
        }.into_any(),
        Phase::Ready { form } => view! {
            {move || (intake.pending.get() > 0 && intake.current.with_value(Option::is_none)).then(|| view! {
                <p class="notice" data-testid="pending-count">{(text().pending_submissions)(intake.pending.get())}</p>
            })}
            <FormView form=form keep_draft=true submitter=Some(submitter.get_value()) />
        }.into_any(),
        Phase::Sent { reference, record_id } => view! {
            <section class="sent" data-testid="submitted" tabindex="-1" aria-labelledby="sent-title">
                <h2 id="sent-title">{move || text().sent_title}</h2>
                <p>{move || text().sent_reference}": "<strong data-testid="reference">{short_reference(&reference)}</strong></p>
                {record_id.map(|id| view! { <p>{move || text().sent_record}": "<strong data-testid="record-id">{id}</strong></p> })}
                <p><a href=move || window().location().href().unwrap_or_default()>{move || text().sent_again}</a></p>
            </section>
        }.into_any(),
    }
    };

    let signed_in = move || intake.mode == Mode::Staff && intake.token.get().is_some();
    view! {
        <main id="main" class="page intake-page">
            <LanguageSwitch />
            <h1>{move || {
                title.get().unwrap_or_else(|| match mode { Mode::Widget => text().widget_title, Mode::Staff => text().staff_title }.to_string())
            }}</h1>
            {move || signed_in().then(|| view! {
                <p class="signed-in">
                    {move || text().signed_in_as}" "
                    <button type="button" class="link-button" data-testid="sign-out" on:click=move |_| {
                        // Dropping the token and every answer in memory: a reload
                        // starts from the sign-in screen.
                        intake.token.set(None);
                        let _ = window().location().reload();
                    }>{move || text().sign_out}</button>
                </p>
            })}
            <div role="status" aria-live="polite" data-testid="submission-status" class="submission-status">{status_view}</div>
            {body}
        </main>
    }
}

/// The first characters of a reference, upper-case, as people read them out.
fn short_reference(reference: &str) -> String {
    reference.chars().take(8).collect::<String>().to_uppercase()
}

/// A labelled token field. The token is checked with the target's
/// cheapest authenticated call and kept only in memory.
#[component]
fn SignInForm(intake: Intake, on_signed_in: impl Fn() + Copy + 'static) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let value = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    let sign_in = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let token = value.get_untracked().trim().to_string();
        if token.is_empty() || checking.get_untracked() {
            problem.set(Some(text().token_refused.to_string()));
            return;
        }
        checking.set(true);
        spawn_local(async move {
            let Some(config) = intake.config.get_value() else {
                return;
            };
            let url = config
                .url(Operation::FindPeople, &[])
                .or_else(|| config.url(Operation::CreatePerson, &[]))
                .unwrap_or_default();
            let answer = http::get_with_credential(&url, Some(&token)).await;
            checking.set(false);
            match answer.status {
                Some(401 | 403) => problem.set(Some(text().token_refused.to_string())),
                None => problem.set(Some(http::FetchError::Network { url }.to_string())),
                Some(_) => {
                    problem.set(None);
                    value.set(String::new());
                    intake.token.set(Some(token));
                    intake.status.set(Status::Quiet);
                    on_signed_in();
                }
            }
        });
    };
    view! {
        <form class="sign-in" novalidate=true on:submit=sign_in data-testid="sign-in">
            <p>{move || text().sign_in_intro}</p>
            <div class="question" class:has-error=move || problem.get().is_some()>
                <label for="staff-token">{move || text().token_label}</label>
                <p class="help" id="staff-token-help">{move || text().token_hint}</p>
                {move || problem.get().map(|message| view! { <p class="error-message" id="staff-token-error" role="alert">{message}</p> })}
                <input id="staff-token" type="password" autocomplete="off" spellcheck="false"
                    aria-describedby=move || if problem.get().is_some() { "staff-token-help staff-token-error" } else { "staff-token-help" }
                    aria-invalid=move || problem.get().is_some().then_some("true")
                    prop:value=move || value.get() on:input=move |event| value.set(event_target_value(&event)) />
            </div>
            <button type="submit" class="button" aria-disabled=move || checking.get().then_some("true")>{move || text().sign_in}</button>
        </form>
    }
}
