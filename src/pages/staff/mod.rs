//! Staff intake: signing in, the idle lock, finding the person first,
//! editing with only what changed listed before saving, the duplicate
//! check, and (Unite US) the intake form chosen by service type. Only the
//! full build has it: the public widget's build leaves it out, so no phone
//! downloads it. The staff token lives in [`DeskState`], in memory only.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use intake_engine::targets::{
    intake_forms_url, parse_forms_available, parse_search, parse_service_types, person_changes,
    person_record, plan_search, possible_duplicates, prefill_answers, read_sign_in_check,
    sign_in_check_url, FormChoice, FoundPerson, Mode, Operation, PersonQuery, PersonRecord,
    SearchPage, ServiceTypeChoice, SignInCheck, Submission, SubmissionInput, TargetConfig,
    TargetKind,
};
use intake_engine::{Form, FormState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Map, Value};

use crate::shared::form_view::ChangeFn;
use crate::shared::intake::{
    compose_form, deliver_waiting, load_form, person_only_definition, IntakePage, IntakePageProps,
};
use crate::shared::language::use_language;
use crate::shared::state::{Desk, DeskParts, Intake, Phase, Status};
use crate::shared::{http, outbox};

/// The stored record a staff member opened, and the person as it was, so
/// an update sends only what changed.
#[derive(Clone)]
struct Editing {
    id: String,
    before: PersonRecord,
}

/// What only staff have, beside the intake page's state (all Copy).
#[derive(Clone, Copy)]
pub(crate) struct DeskState {
    /// The staff member's token: memory only, dropped on sign-out.
    pub(crate) token: RwSignal<Option<String>, LocalStorage>,
    /// A SHA-256 digest of the token that signed in: the lock screen
    /// reopens the same session only for the same token, without keeping
    /// the token itself while locked.
    token_digest: StoredValue<Option<String>, LocalStorage>,
    /// The answers on screen, sensitive ones too, updated on every change:
    /// while locked the form is off the screen and out of storage, and
    /// this memory is all that keeps them.
    answers_now: StoredValue<Option<Map<String, Value>>, LocalStorage>,
    /// Submissions of this deployment taken out of storage while locked.
    held: StoredValue<Vec<Submission>, LocalStorage>,
    /// What the person should know about their session (a locked one
    /// closed because another token signed in).
    session_notice: RwSignal<Option<&'static str>>,
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
    /// Unite US without a configured form: the staff member picks one of
    /// the group's intake forms by service type.
    picks_form: StoredValue<bool>,
    service_types: RwSignal<Vec<ServiceTypeChoice>>,
    form_choices: RwSignal<Vec<FormChoice>>,
    chosen_form: RwSignal<Option<String>>,
    /// Kept here rather than in the picker, which is rebuilt each time the
    /// find screen shows, so the choice and its list stay together.
    chosen_service_type: RwSignal<String>,
    forms_loading: RwSignal<bool>,
    forms_problem: RwSignal<Option<String>>,
}

impl DeskState {
    pub(crate) fn new() -> DeskState {
        DeskState {
            token: RwSignal::new_local(None),
            token_digest: StoredValue::new_local(None),
            answers_now: StoredValue::new_local(None),
            held: StoredValue::new_local(Vec::new()),
            session_notice: RwSignal::new(None),
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
            chosen_service_type: RwSignal::new(String::new()),
            forms_loading: RwSignal::new(false),
            forms_problem: RwSignal::new(None),
        }
    }
}

/// The intake page's state with what staff add; it reads as the page's own
/// (`Deref`), so staff code reaches both the same way.
#[derive(Clone, Copy)]
pub struct Staff {
    intake: Intake,
    desk: DeskState,
}

impl std::ops::Deref for Staff {
    type Target = Intake;

    fn deref(&self) -> &Intake {
        &self.intake
    }
}

impl DeskState {
    fn at(self, intake: Intake) -> Staff {
        Staff { intake, desk: self }
    }
}

/// What the staff page adds to the intake page.
impl Desk for DeskState {
    fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    fn forget_token(&self) {
        self.token.set(None);
    }

    fn prepare_input(
        &self,
        intake: Intake,
        config: &TargetConfig,
        state: &FormState,
        input: SubmissionInput,
    ) -> Option<SubmissionInput> {
        prepare_input(self.at(intake), config, state, input)
    }

    fn first_form<'a>(
        &'a self,
        intake: Intake,
        config: &'a TargetConfig,
    ) -> Pin<Box<dyn Future<Output = Option<Value>> + 'a>> {
        Box::pin(first_intake_form(self.at(intake), config))
    }

    fn install(&self, intake: Intake) -> DeskParts {
        let staff = self.at(intake);
        install_shortcuts();
        let locked = idle_lock(staff);
        DeskParts {
            locked,
            on_change: change_lister(staff),
            session: view! { <Session intake=staff locked=locked /> }.into_any(),
        }
    }

    fn sign_in_view(&self, intake: Intake) -> AnyView {
        sign_in_view(self.at(intake))
    }

    fn find_view(&self, intake: Intake) -> AnyView {
        find_view(self.at(intake))
    }

    fn person_header(&self, intake: Intake) -> AnyView {
        person_header(self.at(intake))
    }

    fn status_view(&self, intake: Intake, status: &Status) -> AnyView {
        match status {
            Status::NeedsSignIn => sign_in_again_view(self.at(intake)),
            Status::PossibleDuplicates => duplicates_view(self.at(intake)),
            _ => ().into_any(),
        }
    }

    fn after_sent(&self, intake: Intake) -> AnyView {
        next_person_button(self.at(intake))
    }
}

/// Staff intake at `/staff`: the intake page with the staff desk.
#[component]
pub fn StaffPage() -> impl IntoView {
    IntakePage(IntakePageProps {
        mode: Mode::Staff,
        desk: Some(DeskState::new()),
    })
}

/// Unite US staff without a configured form choose one of the group's
/// intake forms by service type on the find screen; the first form of any
/// service type is on screen meanwhile. Without service types the picker
/// still offers every intake form. `None`: no intake form (the group has
/// none, or the list could not be loaded, which the picker then says), so
/// the person alone is saved until one is chosen.
pub(crate) async fn first_intake_form(intake: Staff, config: &TargetConfig) -> Option<Value> {
    if config.target != TargetKind::UniteUs {
        return None;
    }
    intake.desk.picks_form.set_value(true);
    if let Some(url) = config.url(Operation::ServiceTypes, &[]) {
        let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
        if let Some(types) = answer
            .status
            .filter(|status| (200..300).contains(status))
            .and_then(|_| parse_service_types(&answer.body).ok())
        {
            intake.desk.service_types.set(types);
        }
    }
    match intake_forms(intake, config, None).await {
        Ok(forms) => {
            let first = forms.first();
            let definition = first.map(|form| form.definition.clone());
            intake
                .desk
                .chosen_form
                .set(first.map(|form| form.id.clone()));
            intake.desk.form_choices.set(forms);
            definition
        }
        Err(message) => {
            intake.desk.forms_problem.set(Some(message));
            None
        }
    }
}

/// Staff changes to a submission before it is sent: an edit sends only what
/// changed (and clears only emptied fields on screen); a new person first
/// waits for the duplicate check, which sends it (`None`: not now).
pub(crate) fn prepare_input(
    intake: Staff,
    config: &TargetConfig,
    state: &FormState,
    mut input: SubmissionInput,
) -> Option<SubmissionInput> {
    match intake.desk.editing.get_value() {
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
        None if config.mode == Mode::Staff && !intake.desk.duplicates_checked.get_value() => {
            intake
                .desk
                .pending_create
                .set_value(Some((input, state.form().clone())));
            check_duplicates(intake, config.clone());
            return None;
        }
        None => {}
    }
    Some(input)
}

/// The group's intake forms for one service type, or for any (Unite US).
async fn intake_forms(
    intake: Staff,
    config: &TargetConfig,
    service_type: Option<&str>,
) -> Result<Vec<FormChoice>, String> {
    let url = intake_forms_url(config, service_type).ok_or(
        "This configuration has no path for the group's forms: set paths.forms_available.",
    )?;
    let answer = http::get_with_credential(&url, intake.credential().as_deref()).await;
    match answer.status {
        Some(200..=299) => parse_forms_available(&answer.body),
        Some(401) => {
            intake.desk.token.set(None);
            intake.status.set(Status::NeedsSignIn);
            Err("The sign-in has ended: sign in again, then choose the form again.".into())
        }
        Some(status) => Err(format!(
            "The group's intake forms could not be loaded (HTTP {status}). Try again, or ask the organisation to check its forms."
        )),
        None => Err(
            "The group's intake forms could not be loaded: check the connection and try again."
                .into(),
        ),
    }
}

/// Puts the chosen intake form of `forms` (or none: the person alone) on
/// screen for the next person opened or created.
fn choose_form(intake: Staff, forms: &[FormChoice], form_id: Option<&str>) -> Result<(), String> {
    let Some(config) = intake.config.get_value() else {
        return Ok(());
    };
    let definition = forms
        .iter()
        .find(|form| Some(form.id.as_str()) == form_id)
        .map_or_else(
            || person_only_definition(&config),
            |form| form.definition.clone(),
        );
    let form = compose_form(&config, &definition, &[]).map_err(|error| error.to_string())?;
    intake.desk.chosen_form.set(form_id.map(str::to_string));
    intake.form.set_value(Some(form));
    Ok(())
}

/// Before creating a person, looks for people with the same name and date
/// of birth with the target's own search; when there are some, the staff
/// member chooses between opening one and creating anyway. A search that
/// fails does not stop the intake: the check is advice, not a gate.
fn check_duplicates(intake: Staff, config: TargetConfig) {
    let Some((input, _)) = intake.desk.pending_create.get_value() else {
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
                intake.desk.token.set(None);
                intake.status.set(Status::NeedsSignIn);
                return;
            }
            Err(_) => Vec::new(),
        };
        if found.is_empty() {
            create_now(intake);
        } else {
            intake.desk.duplicates.set(found);
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
    intake: Staff,
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
fn create_now(intake: Staff) {
    intake.desk.duplicates_checked.set_value(true);
    intake.desk.duplicates.set(Vec::new());
    if let Some((input, form)) = intake.desk.pending_create.get_value() {
        intake.desk.pending_create.set_value(None);
        // Through the door every caller uses; the full app has the parts
        // from the start.
        if let Some(parts) = intake.later.get_untracked() {
            (parts.send_input)(*intake, input, form);
        }
    }
}

/// Opens a found person's record in the form, prefilled. For Unite US the
/// form comes with the contact's earlier answers ("Contacts: Forms"), so an
/// intake already begun continues where it was.
fn open_person(intake: Staff, found: FoundPerson) {
    let (Some(config), Some(form)) = (intake.config.get_value(), intake.form.get_value()) else {
        return;
    };
    let has_intake_form =
        !intake.desk.picks_form.get_value() || intake.desk.chosen_form.get_untracked().is_some();
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
                    .and_then(|_| answer.body.json())
                    .and_then(|body| compose_form(&config, body, &[]).ok());
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
fn show_person(intake: Staff, config: &TargetConfig, form: Form, found: FoundPerson) {
    let config = config.clone();
    let answers = prefill_answers(&config, &form, &found);
    let mut state = FormState::new(form.clone());
    let _ = state.set_answers_from_json(&answers);
    let before = person_record(&state, &config.defaults);
    let name = format!("{} {}", found.first_name, found.last_name)
        .trim()
        .to_string();
    intake.desk.editing.set_value(Some(Editing {
        id: found.id.clone(),
        before,
    }));
    intake.desk.duplicates_checked.set_value(true);
    intake.desk.duplicates.set(Vec::new());
    intake.desk.pending_create.set_value(None);
    intake.current.set_value(None);
    intake.status.set(Status::Quiet);
    intake.desk.person_label.set(Some(name));
    intake.desk.changes.set(Vec::new());
    intake.phase.set(Phase::Ready {
        form,
        initial: Some(answers),
        scope: Some(found.id),
    });
}

/// Starts a new person, with what was searched for already filled in.
fn new_person(intake: Staff, query: PersonQuery) {
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
    intake.desk.editing.set_value(None);
    intake.desk.duplicates_checked.set_value(false);
    intake.current.set_value(None);
    intake.status.set(Status::Quiet);
    intake.desk.person_label.set(None);
    intake.desk.changes.set(Vec::new());
    intake.phase.set(Phase::Ready {
        form,
        initial: Some(answers),
        scope: Some("new".into()),
    });
}

/// Back to the search, for the next person; the token stays signed in.
fn find_another(intake: Staff) {
    intake.desk.editing.set_value(None);
    intake.desk.duplicates_checked.set_value(false);
    intake.desk.duplicates.set(Vec::new());
    intake.desk.pending_create.set_value(None);
    intake.current.set_value(None);
    intake.status.set(Status::Quiet);
    intake.desk.person_label.set(None);
    intake.desk.changes.set(Vec::new());
    intake.phase.set(Phase::Find);
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
fn FindPerson(intake: Staff) -> impl IntoView {
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
            problem.set(Some(text().full_app.search_needs_name.to_string()));
            return;
        }
        problem.set(None);
        searching.set(true);
        spawn_local(async move {
            let outcome = search_people(intake, &config, &query, page.as_deref()).await;
            // The find screen may be gone by now (a person was opened).
            if searching.try_set(false).is_some() {
                return;
            }
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
                    intake.desk.token.set(None);
                    intake.phase.set(Phase::SignIn);
                }
                Err(SearchFailure::Status(Some(status))) => problem.set(Some(format!(
                    "{} (HTTP {status})",
                    text().full_app.search_failed
                ))),
                Err(SearchFailure::Status(None)) => {
                    problem.set(Some(text().full_app.search_failed.to_string()))
                }
            }
        });
    };
    view! {
        <section aria-labelledby="find-title" data-testid="find-person">
            <h2 id="find-title">{move || text().full_app.find_title}</h2>
            {intake.desk.picks_form.get_value().then(|| view! { <IntakeFormPicker intake=intake /> })}
            <form class="find" novalidate=true on:submit=move |event| { event.prevent_default(); search(None); }>
                <div class="question">
                    <label for="find-first">{move || text().full_app.first_name}</label>
                    <input id="find-first" type="text" autocomplete="off" prop:value=move || first_name.get() on:input=move |event| first_name.set(event_target_value(&event)) />
                </div>
                <div class="question">
                    <label for="find-last">{move || text().full_app.last_name}</label>
                    <input id="find-last" type="text" autocomplete="off" prop:value=move || last_name.get() on:input=move |event| last_name.set(event_target_value(&event)) />
                </div>
                <div class="question">
                    <label for="find-born">{move || text().full_app.date_of_birth}</label>
                    <input id="find-born" type="date" prop:value=move || born.get() on:input=move |event| born.set(event_target_value(&event)) />
                </div>
                {move || problem.get().map(|message| view! { <p class="error-message" role="alert">{message}</p> })}
                <button type="submit" class="button" aria-disabled=move || searching.get().then_some("true")>{move || text().full_app.search}</button>
            </form>
            <div role="status" aria-live="polite" data-testid="search-results">
                {move || results.get().map(|people| {
                    let count = people.len();
                    view! {
                        <p>{(text().full_app.results_count)(count)}</p>
                        {(count > 1).then(|| view! { <p class="help">{text().full_app.results_hint}</p> })}
                        <ul class="results" on:keydown=move_in_results>
                            {people.into_iter().map(|found| {
                                let description = describe(&found);
                                view! { <li><button type="button" class="link-button" data-person-id=found.id.clone() on:click=move |_| open_person(intake, found.clone())>{description}</button></li> }
                            }).collect_view()}
                        </ul>
                        {move || next_page.get().map(|page| view! {
                            <button type="button" class="button secondary" on:click=move |_| search(Some(page.clone()))>{text().full_app.more_results}</button>
                        })}
                        <button type="button" class="button" data-testid="new-person" on:click=move |_| new_person(intake, query())>{text().full_app.new_person_button}</button>
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
fn IntakeFormPicker(intake: Staff) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let desk = intake.desk;
    let pick_service_type = move |event: leptos::ev::Event| {
        let id = event_target_value(&event);
        desk.chosen_service_type.set(id.clone());
        let Some(config) = intake.config.get_value() else {
            return;
        };
        desk.forms_loading.set(true);
        spawn_local(async move {
            let outcome = intake_forms(intake, &config, Some(&id)).await;
            // A later choice wins over an earlier answer that came late.
            if desk.chosen_service_type.get_untracked() != id {
                return;
            }
            desk.forms_loading.set(false);
            let outcome = outcome.and_then(|forms| {
                let first = forms.first().map(|form| form.id.clone());
                // The choice first, then the list: the list's options read
                // the choice when they are built.
                let chosen = choose_form(intake, &forms, first.as_deref());
                desk.form_choices.set(forms);
                chosen
            });
            desk.forms_problem.set(outcome.err());
        });
    };
    let pick_form = move |event: leptos::ev::Event| {
        let id = event_target_value(&event);
        let outcome = desk.form_choices.with_untracked(|forms| {
            choose_form(intake, forms, Some(id.as_str()).filter(|id| !id.is_empty()))
        });
        desk.forms_problem.set(outcome.err());
    };
    view! {
        <fieldset class="form-choice" data-testid="form-choice" aria-busy=move || desk.forms_loading.get().then_some("true")>
            <legend>{move || text().full_app.intake_form_legend}</legend>
            {move || (!desk.service_types.get().is_empty()).then(|| view! {
                <div class="question">
                    <label for="service-type">{move || text().full_app.service_type_label}</label>
                    <select id="service-type" on:change=pick_service_type>
                        <option value="">{move || text().full_app.any_service_type}</option>
                        {desk.service_types.get().into_iter().map(|choice| {
                            let selected = desk.chosen_service_type.get_untracked() == choice.id;
                            view! { <option value=choice.id selected=selected>{choice.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            <div class="question">
                <label for="intake-form">{move || text().full_app.intake_form_label}</label>
                // The options are built again only when the list changes, not
                // on each choice, so arrowing through them is undisturbed.
                <select id="intake-form" aria-describedby="intake-form-status" on:change=pick_form>
                    {move || {
                        let chosen = desk.chosen_form.get_untracked();
                        let forms = desk.form_choices.get();
                        let none_chosen = chosen.is_none();
                        view! {
                            {forms.into_iter().map(|form| {
                                let selected = chosen.as_deref() == Some(form.id.as_str());
                                view! { <option value=form.id selected=selected>{form.name}</option> }
                            }).collect_view()}
                            <option value="" selected=none_chosen>{move || text().full_app.no_intake_form}</option>
                        }
                    }}
                </select>
            </div>
            <p id="intake-form-status" class="help" role="status">{move || {
                desk.forms_problem.get().unwrap_or_else(|| (text().full_app.intake_forms_count)(desk.form_choices.get().len()))
            }}</p>
        </fieldset>
    }
}

/// A labelled token field. The token is checked with the target's
/// cheapest authenticated call and kept only in memory.
#[component]
fn SignInForm(intake: Staff, on_signed_in: impl Fn(bool) + Copy + 'static) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let value = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    let sign_in = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let token = value.get_untracked().trim().to_string();
        if token.is_empty() || checking.get_untracked() {
            problem.set(Some(text().full_app.token_refused.to_string()));
            return;
        }
        checking.set(true);
        spawn_local(async move {
            let Some(config) = intake.config.get_value() else {
                return;
            };
            let url = sign_in_check_url(&config).unwrap_or_default();
            let answer = http::get_with_credential(&url, Some(&token)).await;
            checking.set(false);
            match read_sign_in_check(&config, &answer) {
                SignInCheck::Refused => {
                    problem.set(Some(text().full_app.token_refused.to_string()))
                }
                SignInCheck::Unchecked(what) => {
                    problem.set(Some((text().full_app.token_unchecked)(&what)));
                }
                SignInCheck::Accepted => {
                    let digest = token_digest(&token).await;
                    problem.set(None);
                    value.set(String::new());
                    let same_session =
                        digest.is_some() && intake.desk.token_digest.get_value() == digest;
                    intake.desk.token_digest.set_value(digest);
                    intake.desk.token.set(Some(token));
                    intake.status.set(Status::Quiet);
                    on_signed_in(same_session);
                }
            }
        });
    };
    view! {
        <form class="sign-in" novalidate=true on:submit=sign_in data-testid="sign-in">
            <p>{move || text().full_app.sign_in_intro}</p>
            <div class="question" class:has-error=move || problem.get().is_some()>
                <label for="staff-token">{move || text().full_app.token_label}</label>
                <p class="help" id="staff-token-help">{move || text().full_app.token_hint}</p>
                {move || problem.get().map(|message| view! { <p class="error-message" id="staff-token-error" role="alert">{message}</p> })}
                <input id="staff-token" type="password" autocomplete="one-time-code" spellcheck="false"
                    aria-describedby=move || if problem.get().is_some() { "staff-token-help staff-token-error" } else { "staff-token-help" }
                    aria-invalid=move || problem.get().is_some().then_some("true")
                    prop:value=move || value.get() on:input=move |event| value.set(event_target_value(&event)) />
            </div>
            <button type="submit" class="button" aria-disabled=move || checking.get().then_some("true")>{move || text().full_app.sign_in}</button>
        </form>
    }
}

/// Ctrl+S (or Cmd+S) sends, Alt+Down and Alt+Up move to the next and
/// previous section of the form: staff move fast by keyboard.
pub(crate) fn install_shortcuts() {
    let shortcuts = window_event_listener(leptos::ev::keydown, move |event| {
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
}

/// While editing a stored record, lists the changes so far, to be shown
/// before saving.
pub(crate) fn change_lister(intake: Staff) -> ChangeFn {
    Rc::new(move |state: &FormState| {
        intake
            .desk
            .answers_now
            .set_value(Some(state.answers_json(true)));
        let (Some(editing), Some(config)) =
            (intake.desk.editing.get_value(), intake.config.get_value())
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
        if intake
            .desk
            .changes
            .with_untracked(|current| *current != rows)
        {
            intake.desk.changes.set(rows);
        }
    })
}

/// The status line when the token was refused mid-send: sign in again and
/// what waits is sent.
pub(crate) fn sign_in_again_view(intake: Staff) -> AnyView {
    let text = use_language().get_untracked().text();
    view! {
        <p>{text.full_app.session_expired}</p>
        <SignInForm intake=intake on_signed_in=move |_| deliver_waiting(*intake) />
    }
    .into_any()
}

/// People who may be the one about to be created: open one, or create anyway.
pub(crate) fn duplicates_view(intake: Staff) -> AnyView {
    let text = use_language().get_untracked().text();
    view! {
        <div class="duplicates" role="alert" data-testid="possible-duplicates">
            <p>{text.full_app.possible_duplicates}</p>
            <ul>
                {intake.desk.duplicates.get().into_iter().map(|found| {
                    let description = describe(&found);
                    view! { <li><button type="button" class="link-button" on:click=move |_| open_person(intake, found.clone())>{description}</button></li> }
                }).collect_view()}
            </ul>
            <button type="button" class="button secondary" data-testid="create-anyway" on:click=move |_| create_now(intake)>{text.full_app.create_anyway}</button>
        </div>
    }
    .into_any()
}

/// The first screen of a staff deployment.
pub(crate) fn sign_in_view(intake: Staff) -> AnyView {
    let on_signed_in = move |_same_session: bool| load_form(*intake);
    let language = use_language();
    let text = move || language.get().text();
    view! {
        <section aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">{move || text().full_app.sign_in_title}</h2>
            {move || (intake.pending.get() > 0).then(|| view! { <p data-testid="pending-count">{(text().pending_submissions)(intake.pending.get_untracked())}</p> })}
            <SignInForm intake=intake on_signed_in=on_signed_in />
        </section>
    }
    .into_any()
}

/// The search, before anyone's form is opened.
pub(crate) fn find_view(intake: Staff) -> AnyView {
    view! { <FindPerson intake=intake /> }.into_any()
}

/// Above the form: whose record it is (with the way back to the search),
/// and what an edit changes so far.
pub(crate) fn person_header(intake: Staff) -> AnyView {
    let language = use_language();
    let text = move || language.get().text();
    view! {
        <div class="person-bar" data-testid="person-bar">
            <p>{move || match intake.desk.person_label.get() {
                Some(name) => format!("{} {name}", text().full_app.editing_person),
                None => text().full_app.new_person.to_string(),
            }}</p>
            <button type="button" class="link-button" on:click=move |_| find_another(intake)>{move || text().full_app.find_another}</button>
        </div>
        {move || (!intake.desk.changes.get().is_empty()).then(|| view! {
            <section class="changes" aria-labelledby="changes-title" data-testid="changes">
                <h2 id="changes-title">{move || text().full_app.changes_title}</h2>
                <ul>
                    {intake.desk.changes.get().into_iter().map(|(label, before, after)| {
                        let before = if before.is_empty() { text().full_app.empty_value.to_string() } else { before };
                        let after = if after.is_empty() { text().full_app.empty_value.to_string() } else { after };
                        view! { <li><strong>{label}</strong>": "{before}" → "{after}</li> }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
    .into_any()
}

/// After a save: on to the next person.
pub(crate) fn next_person_button(intake: Staff) -> AnyView {
    let language = use_language();
    let text = move || language.get().text();
    view! { <p><button type="button" class="button" on:click=move |_| find_another(intake)>{move || text().full_app.find_another}</button></p> }
        .into_any()
}

/// After the configured idle time the screen locks: the token is dropped,
/// the form and the person's record leave the page and the browser's
/// storage (drafts, the tab's session storage, this deployment's waiting
/// submissions), and only memory keeps them until the same token signs in
/// again. The signal says whether it is locked.
pub(crate) fn idle_lock(intake: Staff) -> RwSignal<bool> {
    let locked = RwSignal::new(false);
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
            if intake.desk.token.get_untracked().is_some()
                && js_sys::Date::now() - last_activity.get_value() > limit
            {
                lock(intake, locked, &config);
            }
        },
        std::time::Duration::from_secs(15),
    );
    if let Ok(check) = check {
        on_cleanup(move || check.clear());
    }
    locked
}

/// Locks the screen (see [`idle_lock`]).
fn lock(intake: Staff, locked: RwSignal<bool>, config: &TargetConfig) {
    intake.desk.token.set(None);
    locked.set(true);
    // The form is about to leave the page: it comes back from these answers.
    if let Some(answers) = intake.desk.answers_now.get_value() {
        intake.phase.update(|phase| {
            if let Phase::Ready { initial, .. } = phase {
                *initial = Some(answers);
            }
        });
    }
    intake.desk.held.set_value(outbox::waiting_for(config));
    outbox::remove_all_of(config);
    clear_session_storage();
    crate::shared::dom::focus_when_drawn("#locked-title");
}

/// Opens the lock: the same token gets its session back; another token
/// starts from the search, and the submissions waiting are sent with it.
fn unlock(intake: Staff, locked: RwSignal<bool>, same_session: bool) {
    for submission in intake.desk.held.get_value() {
        let _ = outbox::put(&submission);
    }
    intake.desk.held.set_value(Vec::new());
    if !same_session {
        intake.desk.answers_now.set_value(None);
        find_another(intake);
        intake.desk.session_notice.set(Some(
            use_language()
                .get_untracked()
                .text()
                .full_app
                .other_token_after_lock,
        ));
    }
    locked.set(false);
    deliver_waiting(*intake);
}

/// Empties the tab's session storage: drafts and anything else a page of
/// this site kept there.
fn clear_session_storage() {
    if let Some(storage) = window().session_storage().ok().flatten() {
        let _ = storage.clear();
    }
}

/// A SHA-256 digest of the token, hex; `None` where the browser has no
/// WebCrypto (then no locked session can be reopened, only a new one).
async fn token_digest(token: &str) -> Option<String> {
    let subtle = window().crypto().ok()?.subtle();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", token.as_bytes())
        .ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Some(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Who is signed in (with sign-out), and the lock screen when idle.
#[component]
pub(crate) fn Session(intake: Staff, locked: RwSignal<bool>) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    view! {
        {move || intake.desk.token.with(Option::is_some).then(|| view! {
            <p class="signed-in">
                {move || text().full_app.signed_in_as}" "
                <button type="button" class="link-button" data-testid="sign-out" on:click=move |_| {
                    // Nothing a signed-in person typed stays on the desk:
                    // the token, drafts, the tab's session storage and this
                    // deployment's waiting submissions go, and the reload
                    // drops every answer in memory.
                    intake.desk.token.set(None);
                    if let Some(config) = intake.config.get_value() {
                        outbox::remove_all_of(&config);
                    }
                    clear_session_storage();
                    let _ = window().location().reload();
                }>{move || text().full_app.sign_out}</button>
            </p>
        })}
        {move || intake.desk.session_notice.get().map(|notice| view! {
            <p class="notice" role="status" data-testid="session-notice">{notice}</p>
        })}
        {move || locked.get().then(|| view! {
            <section class="locked" aria-labelledby="locked-title" data-testid="locked">
                <h2 id="locked-title" tabindex="-1">{move || text().full_app.locked_title}</h2>
                <p>{move || text().full_app.locked_intro}</p>
                <SignInForm intake=intake on_signed_in=move |same_session| unlock(intake, locked, same_session) />
            </section>
        })}
    }
}
