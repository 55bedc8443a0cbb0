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
use intake_engine::targets::{
    intake_forms_url, parse_forms_available, parse_service_types, service_types_from, FormChoice,
    ServiceTypeChoice,
};
use intake_engine::targets::{
    parse_search, person_changes, person_record, plan_search, possible_duplicates, prefill_answers,
    FoundPerson, PersonQuery, PersonRecord, SearchPage,
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
    /// Staff: find the person before anything else.
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
    /// People who may be the one about to be created.
    PossibleDuplicates,
}

/// The stored record a staff member opened, and the person as it was, so
/// an update sends only what changed.
#[derive(Clone)]
struct Editing {
    id: String,
    before: PersonRecord,
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
    /// The form with its built-in sections, once loaded.
    form: StoredValue<Option<Form>, LocalStorage>,
    editing: StoredValue<Option<Editing>, LocalStorage>,
    /// Matches found for a new person; the staff member decides.
    duplicates: RwSignal<Vec<FoundPerson>>,
    /// The new person waiting while duplicates are checked.
    pending_create: StoredValue<Option<(SubmissionInput, Form)>, LocalStorage>,
    duplicates_checked: StoredValue<bool>,
    /// Who the form on screen is about, for the bar that stays in view.
    person_label: RwSignal<Option<String>>,
    /// What an edit changes so far: (label, before, after), shown before saving.
    changes: RwSignal<Vec<(String, String, String)>>,
    /// Unite US staff without a configured form pick one of the group's
    /// intake forms by service type: the choices and the one chosen.
    picks_form: StoredValue<bool>,
    service_types: RwSignal<Vec<ServiceTypeChoice>>,
    form_choices: RwSignal<Vec<FormChoice>>,
    chosen_form: RwSignal<Option<String>>,
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
        service_types = service_types_from(&data["service_types"])
            .into_iter()
            .map(|choice| (choice.id, choice.name))
            .collect();
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
    // Unite US staff without a configured form choose one of the group's
    // intake forms by service type on the find screen; the first form of
    // any service type is ready meanwhile. Without service types the
    // picker still offers every intake form.
    if definition.is_none() && config.target == TargetKind::UniteUs && config.mode == Mode::Staff {
        intake.picks_form.set_value(true);
        if let Some(url) = config.url(Operation::ServiceTypes, &[]) {
            let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
            if let Some(types) = answer
                .status
                .filter(|status| (200..300).contains(status))
                .and_then(|_| parse_service_types(&answer.body).ok())
            {
                intake.service_types.set(types);
            }
        }
        let forms = intake_forms(intake, config, None).await?;
        definition = forms.first().map(|form| form.definition.clone());
        intake
            .chosen_form
            .set(forms.first().map(|form| form.id.clone()));
        intake.form_choices.set(forms);
    }
    let definition = definition.unwrap_or_else(|| person_only_definition(config));
    compose_form(config, &definition, &service_types)
}

/// A definition without questions: the form is then the built-in "About
/// you" alone, and only the person is saved.
fn person_only_definition(config: &TargetConfig) -> Value {
    json!({"id": format!("intake-{}", config.target), "name": config.title.clone().unwrap_or_default(), "sections": []})
}

/// The group's intake forms for one service type, or for any (Unite US).
async fn intake_forms(
    intake: Intake,
    config: &TargetConfig,
    service_type: Option<&str>,
) -> Result<Vec<FormChoice>, String> {
    let url = intake_forms_url(config, service_type).ok_or(
        "This configuration has no path for the group's forms: set paths.forms_available.",
    )?;
    let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
    match answer.status {
        Some(200..=299) => parse_forms_available(&answer.body),
        Some(status) => Err(format!(
            "The group's intake forms could not be loaded (HTTP {status}). Try again, or ask the organisation to check its forms."
        )),
        None => Err(
            "The group's intake forms could not be loaded: check the connection and try again."
                .into(),
        ),
    }
}

/// Puts the chosen intake form (or none: the person alone) on screen for
/// the next person opened or created.
fn choose_form(intake: Intake, form_id: Option<&str>) -> Result<(), String> {
    let Some(config) = intake.config.get_value() else {
        return Ok(());
    };
    let chosen = intake.form_choices.with_untracked(|forms| {
        forms
            .iter()
            .find(|form| Some(form.id.as_str()) == form_id)
            .map(|form| form.definition.clone())
    });
    let definition = chosen.unwrap_or_else(|| person_only_definition(&config));
    let form = compose_form(&config, &definition, &[])?;
    intake.chosen_form.set(form_id.map(str::to_string));
    intake.form.set_value(Some(form));
    Ok(())
}

/// The organisation's definition with the app's own sections: "About you"
/// first, the consent signature last (its display order puts it after the
/// form's sections).
fn compose_form(
    config: &TargetConfig,
    definition: &Value,
    service_types: &[(String, String)],
) -> Result<Form, String> {
    let plain = intake_engine::load_form(definition)
        .ok()
        .map(|loaded| loaded.form);
    let built_in: Vec<Value> = about_you_section(config, plain.as_ref(), service_types)
        .into_iter()
        .chain(consent_section(config, plain.as_ref()))
        .collect();
    let loaded = load_form_with_leading_sections(definition, &built_in)
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
    let reference = intake
        .current
        .with_value(|current| {
            current
                .as_ref()
                .map(|submission| submission.reference.clone())
        })
        .unwrap_or_else(outbox::new_reference);
    let mut input = SubmissionInput::from_state(state, &config, &reference);
    match intake.editing.get_value() {
        Some(editing) => {
            input.existing_id = Some(editing.id.clone());
            let (changed, cleared) = person_changes(&editing.before, &input.person);
            input.changed = Some(changed);
            // Only a field whose question is on screen and was emptied is
            // cleared; a question a condition hid keeps the stored value.
            let form = state.form();
            input.cleared = cleared
                .into_iter()
                .filter(|field| {
                    form.questions.iter().enumerate().any(|(index, question)| {
                        question.field.as_deref() == Some(field.as_str()) && state.is_visible(index)
                    })
                })
                .collect();
        }
        None if config.mode == Mode::Staff && !intake.duplicates_checked.get_value() => {
            intake
                .pending_create
                .set_value(Some((input, state.form().clone())));
            check_duplicates(intake, config);
            return;
        }
        None => {}
    }
    send_input(intake, input, state.form().clone());
}

/// Before creating a person, looks for people with the same name and date
/// of birth with the target's own search; when there are some, the staff
/// member chooses between opening one and creating anyway. A search that
/// fails does not stop the intake: the check is advice, not a gate.
fn check_duplicates(intake: Intake, config: TargetConfig) {
    let Some((input, _)) = intake.pending_create.get_value() else {
        return;
    };
    let query = PersonQuery {
        first_name: input.person.text("person.first_name").unwrap_or_default(),
        last_name: input.person.text("person.last_name").unwrap_or_default(),
        date_of_birth: input.person.text("person.date_of_birth"),
    };
    intake.busy.set(true);
    intake.status.set(Status::Sending);
    spawn_local(async move {
        let outcome = search_people(intake, &config, &query, None).await;
        intake.busy.set(false);
        let found = match outcome {
            Ok(page) => possible_duplicates(&query, &page.people),
            Err(SearchFailure::SignIn) => {
                intake.token.set(None);
                intake.status.set(Status::NeedsSignIn);
                return;
            }
            Err(_) => Vec::new(),
        };
        if found.is_empty() {
            create_now(intake);
        } else {
            intake.duplicates.set(found);
            intake.status.set(Status::PossibleDuplicates);
        }
    });
}

/// Why a search has no people to show.
enum SearchFailure {
    /// The token was refused.
    SignIn,
    /// The server answered with an error status, or not at all (`None`).
    Status(Option<u16>),
    /// The answer could not be read; the message says so.
    Unreadable(String),
}

/// Runs the target's own search with the credential held in memory.
async fn search_people(
    intake: Intake,
    config: &TargetConfig,
    query: &PersonQuery,
    page: Option<&str>,
) -> Result<SearchPage, SearchFailure> {
    let request = plan_search(config, query, page);
    let answer = http::send(&request, &request.url, intake.credential().as_deref()).await;
    match answer.status {
        Some(200..=299) => {
            parse_search(config, query, &answer.body).map_err(SearchFailure::Unreadable)
        }
        Some(401) => Err(SearchFailure::SignIn),
        status => Err(SearchFailure::Status(status)),
    }
}

/// Sends the new person that waited for the duplicate check.
fn create_now(intake: Intake) {
    intake.duplicates_checked.set_value(true);
    intake.duplicates.set(Vec::new());
    if let Some((input, form)) = intake.pending_create.get_value() {
        intake.pending_create.set_value(None);
        send_input(intake, input, form);
    }
}

/// Plans the input, stores the submission, then sends it. A submission the
/// server refused keeps its reference and the steps already done (a created
/// contact is not created again).
fn send_input(intake: Intake, input: SubmissionInput, form: Form) {
    let Some(config) = intake.config.get_value() else {
        return;
    };
    let previous = intake.current.get_value();
    let reference = input.reference.clone();
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
    intake.current_input.set_value(Some((input, form)));
    intake.server_errors.set(PlacedErrors::default());
    intake.status.set(Status::Sending);
    deliver(intake, reference, true);
}

/// Opens a found person's record in the form, prefilled. For Unite US the
/// form comes with the contact's earlier answers ("Contacts: Forms"), so an
/// intake already begun continues where it was.
fn open_person(intake: Intake, found: FoundPerson) {
    let (Some(config), Some(form)) = (intake.config.get_value(), intake.form.get_value()) else {
        return;
    };
    let has_intake_form =
        !intake.picks_form.get_value() || intake.chosen_form.get_untracked().is_some();
    if config.target == TargetKind::UniteUs && config.mode == Mode::Staff && has_intake_form {
        let url = config.url(
            Operation::PersonForm,
            &[("id", &found.id), ("form_id", &form.id)],
        );
        intake.status.set(Status::Sending);
        spawn_local(async move {
            let mut form = form;
            if let Some(url) = url {
                let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
                let with_answers = answer
                    .status
                    .filter(|status| (200..300).contains(status))
                    .and_then(|_| serde_json::from_str::<Value>(&answer.body).ok())
                    .and_then(|body| compose_form(&config, &body, &[]).ok());
                if let Some(with_answers) = with_answers {
                    form = with_answers;
                }
            }
            show_person(intake, &config, form, found);
        });
        return;
    }
    show_person(intake, &config, form, found);
}

/// Shows the form for a found person, their stored values filled in.
fn show_person(intake: Intake, config: &TargetConfig, form: Form, found: FoundPerson) {
    let config = config.clone();
    let answers = prefill_answers(&config, &form, &found);
    let mut state = FormState::new(form.clone());
    let _ = state.set_answers_from_json(&answers);
    let before = person_record(&state, &config.defaults);
    let name = format!("{} {}", found.first_name, found.last_name)
        .trim()
        .to_string();
    intake.editing.set_value(Some(Editing {
        id: found.id.clone(),
        before,
    }));
    intake.duplicates_checked.set_value(true);
    intake.duplicates.set(Vec::new());
    intake.pending_create.set_value(None);
    intake.current.set_value(None);
    intake.status.set(Status::Quiet);
    intake.person_label.set(Some(name));
    intake.changes.set(Vec::new());
    intake.phase.set(Phase::Ready {
        form,
        initial: Some(answers),
        scope: Some(found.id),
    });
}

/// Starts a new person, with what was searched for already filled in.
fn new_person(intake: Intake, query: PersonQuery) {
    let Some(form) = intake.form.get_value() else {
        return;
    };
    let mut answers = serde_json::Map::new();
    for question in &form.questions {
        let value = match question.field.as_deref() {
            Some("person.first_name") => Some(query.first_name.clone()),
            Some("person.last_name") => Some(query.last_name.clone()),
            Some("person.date_of_birth") => query.date_of_birth.clone(),
            _ => None,
        };
        if let Some(value) = value.filter(|value| !value.trim().is_empty()) {
            answers.insert(question.id.clone(), Value::String(value));
        }
    }
    intake.editing.set_value(None);
    intake.duplicates_checked.set_value(false);
    intake.current.set_value(None);
    intake.status.set(Status::Quiet);
    intake.person_label.set(None);
    intake.changes.set(Vec::new());
    intake.phase.set(Phase::Ready {
        form,
        initial: Some(answers),
        scope: Some("new".into()),
    });
}

/// Back to the search, for the next person; the token stays signed in.
fn find_another(intake: Intake) {
    intake.editing.set_value(None);
    intake.duplicates_checked.set_value(false);
    intake.duplicates.set(Vec::new());
    intake.pending_create.set_value(None);
    intake.current.set_value(None);
    intake.status.set(Status::Quiet);
    intake.person_label.set(None);
    intake.changes.set(Vec::new());
    intake.phase.set(Phase::Find);
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
            Delivery::Sent { record_id, upsert } if is_current => {
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
                    upsert,
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
        form: StoredValue::new_local(None),
        editing: StoredValue::new_local(None),
        duplicates: RwSignal::new(Vec::new()),
        pending_create: StoredValue::new_local(None),
        duplicates_checked: StoredValue::new(false),
        person_label: RwSignal::new(None),
        changes: RwSignal::new(Vec::new()),
        picks_form: StoredValue::new(false),
        service_types: RwSignal::new(Vec::new()),
        form_choices: RwSignal::new(Vec::new()),
        chosen_form: RwSignal::new(None),
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
                    if config.mode == Mode::Staff {
                        intake.phase.set(Phase::Find);
                    } else {
                        intake.phase.set(Phase::Ready {
                            form,
                            initial: None,
                            scope: None,
                        });
                    }
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
    // Staff move fast by keyboard: Ctrl+S (or Cmd+S) sends, Alt+Down and
    // Alt+Up move to the next and previous section of the form.
    let shortcuts = window_event_listener(leptos::ev::keydown, move |event| {
        if mode != Mode::Staff {
            return;
        }
        let key = event.key();
        if (event.ctrl_key() || event.meta_key()) && key.eq_ignore_ascii_case("s") {
            event.prevent_default();
            click_first("form.intake-form button[type=submit]");
        } else if event.alt_key() && (key == "ArrowDown" || key == "ArrowUp") {
            event.prevent_default();
            move_between_sections(key == "ArrowDown");
        }
    });
    on_cleanup(move || shortcuts.remove());
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
    // While editing a stored record, the changes so far, listed before saving.
    let list_changes: crate::form_view::ChangeFn = Rc::new(move |state: &FormState| {
        let (Some(editing), Some(config)) = (intake.editing.get_value(), intake.config.get_value())
        else {
            return;
        };
        let now = person_record(state, &config.defaults);
        let (changed, _) = person_changes(&editing.before, &now);
        let label = |field: &str| {
            now.labels
                .get(field)
                .or_else(|| editing.before.labels.get(field))
                .cloned()
                .unwrap_or_else(|| field.to_string())
        };
        let rows: Vec<(String, String, String)> = changed
            .iter()
            .map(|field| {
                (
                    label(field),
                    editing.before.text(field).unwrap_or_default(),
                    now.text(field).unwrap_or_default(),
                )
            })
            .collect();
        if intake.changes.with_untracked(|current| *current != rows) {
            intake.changes.set(rows);
        }
    });
    let list_changes = StoredValue::new_local(list_changes);

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
            Status::PossibleDuplicates => Some(view! {
                <div class="duplicates" role="alert" data-testid="possible-duplicates">
                    <p>{text.possible_duplicates}</p>
                    <ul>
                        {intake.duplicates.get().into_iter().map(|found| {
                            let description = describe(&found);
                            view! { <li><button type="button" class="link-button" on:click=move |_| open_person(intake, found.clone())>{description}</button></li> }
                        }).collect_view()}
                    </ul>
                    <button type="button" class="button secondary" data-testid="create-anyway" on:click=move |_| create_now(intake)>{text.create_anyway}</button>
                </div>
            }.into_any()),
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
        Phase::Find => view! { <FindPerson intake=intake /> }.into_any(),
        Phase::Ready { form, initial, scope } => {
            if let Some(scope) = &scope {
                intake.draft_key.set_value(Some(draft::scoped_key(&form.id, &form.name, Some(scope))));
            }
            view! {
                {move || (intake.pending.get() > 0 && intake.current.with_value(Option::is_none)).then(|| view! {
                    <p class="notice" data-testid="pending-count">{(text().pending_submissions)(intake.pending.get())}</p>
                })}
                {(mode == Mode::Staff).then(|| view! {
                    <div class="person-bar" data-testid="person-bar">
                        <p>{move || match intake.person_label.get() {
                            Some(name) => format!("{} {name}", text().editing_person),
                            None => text().new_person.to_string(),
                        }}</p>
                        <button type="button" class="link-button" on:click=move |_| find_another(intake)>{move || text().find_another}</button>
                    </div>
                })}
                {move || (!intake.changes.get().is_empty()).then(|| view! {
                    <section class="changes" aria-labelledby="changes-title" data-testid="changes">
                        <h2 id="changes-title">{move || text().changes_title}</h2>
                        <ul>
                            {intake.changes.get().into_iter().map(|(label, before, after)| {
                                let before = if before.is_empty() { text().empty_value.to_string() } else { before };
                                let after = if after.is_empty() { text().empty_value.to_string() } else { after };
                                view! { <li><strong>{label}</strong>": "{before}" → "{after}</li> }
                            }).collect_view()}
                        </ul>
                    </section>
                })}
                <FormView form=form keep_draft=true submitter=Some(submitter.get_value()) initial_answers=initial draft_scope=scope
                    on_change=(mode == Mode::Staff).then(|| list_changes.get_value()) />
            }.into_any()
        }
        Phase::Sent { reference, record_id, upsert } => view! {
            <section class="sent" data-testid="submitted" tabindex="-1" aria-labelledby="sent-title">
                <h2 id="sent-title">{move || text().sent_title}</h2>
                <p>{move || text().sent_reference}": "<strong data-testid="reference">{short_reference(&reference)}</strong></p>
                {record_id.map(|id| view! { <p>{move || text().sent_record}": "<strong data-testid="record-id">{id}</strong></p> })}
                {upsert.map(|status| view! { <p data-testid="upsert-status">{move || (text().upsert_status)(&status)}</p> })}
                {match mode {
                    Mode::Widget => view! { <p><a href=move || window().location().href().unwrap_or_default()>{move || text().sent_again}</a></p> }.into_any(),
                    Mode::Staff => view! { <p><button type="button" class="button" on:click=move |_| find_another(intake)>{move || text().find_another}</button></p> }.into_any(),
                }}
            </section>
        }.into_any(),
    }
    };

    let signed_in = move || intake.mode == Mode::Staff && intake.token.get().is_some();
    // Staff: after the configured idle time the screen locks. The token is
    // dropped, the form stays mounted (hidden), so its answers and draft are
    // kept for whoever signs in again.
    let locked = RwSignal::new(false);
    if mode == Mode::Staff {
        let last_activity = StoredValue::new(js_sys::Date::now());
        let touch = move || last_activity.set_value(js_sys::Date::now());
        let keys = window_event_listener(leptos::ev::keydown, move |_| touch());
        let pointer = window_event_listener(leptos::ev::pointerdown, move |_| touch());
        on_cleanup(move || {
            keys.remove();
            pointer.remove();
        });
        let check = set_interval_with_handle(
            move || {
                let Some(config) = intake.config.get_value() else {
                    return;
                };
                let limit = f64::from(config.idle_timeout_minutes) * 60_000.0;
                if intake.token.get_untracked().is_some()
                    && js_sys::Date::now() - last_activity.get_value() > limit
                {
                    intake.token.set(None);
                    locked.set(true);
                }
            },
            std::time::Duration::from_secs(15),
        );
        if let Ok(check) = check {
            on_cleanup(move || check.clear());
        }
    }
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
            {move || locked.get().then(|| view! {
                <section class="locked" aria-labelledby="locked-title" data-testid="locked">
                    <h2 id="locked-title">{move || text().locked_title}</h2>
                    <p>{move || text().locked_intro}</p>
                    <SignInForm intake=intake on_signed_in=move || locked.set(false) />
                </section>
            })}
            <div hidden=move || locked.get()>
                <div role="status" aria-live="polite" data-testid="submission-status" class="submission-status">{status_view}</div>
                {body}
            </div>
        </main>
    }
}

fn click_first(selector: &str) {
    if let Some(element) = document().query_selector(selector).ok().flatten() {
        if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
            element.click();
        }
    }
}

/// Focuses the first field of the next (or previous) shown section.
fn move_between_sections(forward: bool) {
    let Ok(sections) = document().query_selector_all(".form-section:not([hidden])") else {
        return;
    };
    let sections: Vec<web_sys::Element> = (0..sections.length())
        .filter_map(|index| sections.item(index))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        .collect();
    let active = document().active_element();
    let current = sections.iter().position(|section| {
        active
            .as_ref()
            .is_some_and(|active| section.contains(Some(active)))
    });
    let target = match (current, forward) {
        (Some(at), true) => at + 1,
        (Some(0), false) | (None, false) => return,
        (Some(at), false) => at - 1,
        (None, true) => 0,
    };
    let Some(section) = sections.get(target) else {
        return;
    };
    if let Some(field) = section
        .query_selector("input, select, textarea, button")
        .ok()
        .flatten()
    {
        if let Ok(field) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(field) {
            let _ = field.focus();
        }
    }
}

/// One line that tells people apart: name, birth date, email, phone, city.
fn describe(found: &FoundPerson) -> String {
    let mut parts = vec![format!("{} {}", found.first_name, found.last_name)
        .trim()
        .to_string()];
    if let Some(born) = &found.date_of_birth {
        parts.push(format!("born {born}"));
    }
    parts.extend(found.email.clone());
    parts.extend(found.phone.clone());
    parts.extend(found.city.clone());
    if found.inactive {
        parts.push("inactive".into());
    }
    parts.join(", ")
}

/// The staff member's search: name and date of birth, with the target's own
/// search; results are buttons, so Tab and Enter open one.
#[component]
fn FindPerson(intake: Intake) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let born = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Vec<FoundPerson>>);
    let next_page = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let searching = RwSignal::new(false);
    let query = move || PersonQuery {
        first_name: first_name.get_untracked().trim().to_string(),
        last_name: last_name.get_untracked().trim().to_string(),
        date_of_birth: Some(born.get_untracked()).filter(|date| !date.is_empty()),
    };
    let search = move |page: Option<String>| {
        let Some(config) = intake.config.get_value() else {
            return;
        };
        let query = query();
        if query.last_name.is_empty()
            || (config.target == TargetKind::UniteUs && query.first_name.is_empty())
        {
            problem.set(Some(text().search_needs_name.to_string()));
            return;
        }
        problem.set(None);
        searching.set(true);
        spawn_local(async move {
            let outcome = search_people(intake, &config, &query, page.as_deref()).await;
            searching.set(false);
            match outcome {
                Ok(found) => {
                    let mut people = if page.is_some() {
                        results.get_untracked().unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    people.extend(found.people);
                    results.set(Some(people));
                    next_page.set(found.next_page);
                }
                Err(SearchFailure::Unreadable(message)) => problem.set(Some(message)),
                Err(SearchFailure::SignIn) => {
                    intake.token.set(None);
                    intake.phase.set(Phase::SignIn);
                }
                Err(SearchFailure::Status(Some(status))) => {
                    problem.set(Some(format!("{} (HTTP {status})", text().search_failed)))
                }
                Err(SearchFailure::Status(None)) => {
                    problem.set(Some(text().search_failed.to_string()))
                }
            }
        });
    };
    view! {
        <section aria-labelledby="find-title" data-testid="find-person">
            <h2 id="find-title">{move || text().find_title}</h2>
            {intake.picks_form.get_value().then(|| view! { <IntakeFormPicker intake=intake /> })}
            <form class="find" novalidate=true on:submit=move |event| { event.prevent_default(); search(None); }>
                <div class="question">
                    <label for="find-first">{move || text().first_name}</label>
                    <input id="find-first" type="text" autocomplete="off" prop:value=move || first_name.get() on:input=move |event| first_name.set(event_target_value(&event)) />
                </div>
                <div class="question">
                    <label for="find-last">{move || text().last_name}</label>
                    <input id="find-last" type="text" autocomplete="off" prop:value=move || last_name.get() on:input=move |event| last_name.set(event_target_value(&event)) />
                </div>
                <div class="question">
                    <label for="find-born">{move || text().date_of_birth}</label>
                    <input id="find-born" type="date" prop:value=move || born.get() on:input=move |event| born.set(event_target_value(&event)) />
                </div>
                {move || problem.get().map(|message| view! { <p class="error-message" role="alert">{message}</p> })}
                <button type="submit" class="button" aria-disabled=move || searching.get().then_some("true")>{move || text().search}</button>
            </form>
            <div role="status" aria-live="polite" data-testid="search-results">
                {move || results.get().map(|people| {
                    let count = people.len();
                    view! {
                        <p>{(text().results_count)(count)}</p>
                        {(count > 1).then(|| view! { <p class="help">{text().results_hint}</p> })}
                        <ul class="results" on:keydown=move_in_results>
                            {people.into_iter().map(|found| {
                                let description = describe(&found);
                                view! { <li><button type="button" class="link-button" data-person-id=found.id.clone() on:click=move |_| open_person(intake, found.clone())>{description}</button></li> }
                            }).collect_view()}
                        </ul>
                        {move || next_page.get().map(|page| view! {
                            <button type="button" class="button secondary" on:click=move |_| search(Some(page.clone()))>{text().more_results}</button>
                        })}
                        <button type="button" class="button" data-testid="new-person" on:click=move |_| new_person(intake, query())>{text().new_person_button}</button>
                    }
                })}
            </div>
        </section>
    }
}

/// Up and Down (and Home and End) move focus between the people found, as
/// in a list box, so a long list is quick by keyboard; Tab still leaves it.
fn move_in_results(event: leptos::ev::KeyboardEvent) {
    let key = event.key();
    if !matches!(key.as_str(), "ArrowDown" | "ArrowUp" | "Home" | "End") {
        return;
    }
    let Ok(found) = document().query_selector_all("[data-testid=search-results] .results button")
    else {
        return;
    };
    let buttons: Vec<web_sys::HtmlElement> = (0..found.length())
        .filter_map(|index| found.item(index))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(node).ok())
        .collect();
    let Some(last) = buttons.len().checked_sub(1) else {
        return;
    };
    let active = document().active_element();
    let current = buttons.iter().position(|button| {
        let button: &web_sys::Element = button.as_ref();
        active.as_ref() == Some(button)
    });
    let target = match (key.as_str(), current) {
        ("Home", _) => 0,
        ("End", _) => last,
        ("ArrowDown", Some(at)) => (at + 1).min(last),
        ("ArrowUp", Some(at)) => at.saturating_sub(1),
        _ => 0,
    };
    event.prevent_default();
    if let Some(button) = buttons.get(target) {
        let _ = button.focus();
    }
}

/// Unite US: the service type, then one of the group's intake forms for
/// it. The choice stays for every person opened or created after it, so a
/// desk doing one kind of intake chooses once.
#[component]
fn IntakeFormPicker(intake: Intake) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let service_type = RwSignal::new(String::new());
    let loading = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let pick_service_type = move |event: leptos::ev::Event| {
        let id = event_target_value(&event);
        service_type.set(id.clone());
        let Some(config) = intake.config.get_value() else {
            return;
        };
        loading.set(true);
        spawn_local(async move {
            let outcome = intake_forms(intake, &config, Some(&id)).await;
            // A later choice wins over an earlier answer that came late.
            if service_type.get_untracked() != id {
                return;
            }
            loading.set(false);
            let outcome = match outcome {
                Ok(forms) => {
                    let first = forms.first().map(|form| form.id.clone());
                    intake.form_choices.set(forms);
                    choose_form(intake, first.as_deref())
                }
                Err(_) => Err(text().intake_forms_failed.to_string()),
            };
            problem.set(outcome.err());
        });
    };
    let pick_form = move |event: leptos::ev::Event| {
        let id = event_target_value(&event);
        problem.set(choose_form(intake, Some(id.as_str()).filter(|id| !id.is_empty())).err());
    };
    view! {
        <fieldset class="form-choice" data-testid="form-choice" aria-busy=move || loading.get().then_some("true")>
            <legend>{move || text().intake_form_legend}</legend>
            {move || (!intake.service_types.get().is_empty()).then(|| view! {
                <div class="question">
                    <label for="service-type">{move || text().service_type_label}</label>
                    <select id="service-type" on:change=pick_service_type>
                        <option value="">{move || text().any_service_type}</option>
                        {intake.service_types.get().into_iter().map(|choice| {
                            let selected = service_type.get_untracked() == choice.id;
                            view! { <option value=choice.id selected=selected>{choice.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            <div class="question">
                <label for="intake-form">{move || text().intake_form_label}</label>
                <select id="intake-form" aria-describedby="intake-form-status" on:change=pick_form>
                    {move || {
                        let chosen = intake.chosen_form.get();
                        intake.form_choices.get().into_iter().map(|form| {
                            let selected = chosen.as_deref() == Some(form.id.as_str());
                            view! { <option value=form.id selected=selected>{form.name}</option> }
                        }).collect_view()
                    }}
                    <option value="" selected=move || intake.chosen_form.get().is_none()>{move || text().no_intake_form}</option>
                </select>
            </div>
            <p id="intake-form-status" class="help" role="status">{move || problem.get().unwrap_or_else(|| (text().intake_forms_count)(intake.form_choices.get().len()))}</p>
        </fieldset>
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
            // The cheapest call that needs the token and takes no parameters:
            // Unite US's group forms (its search requires names), else the list.
            let url = config
                .url(Operation::FormsAvailable, &[])
                .or_else(|| config.url(Operation::FindPeople, &[]))
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
