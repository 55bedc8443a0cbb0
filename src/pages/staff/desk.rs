//! What only staff have, beside the intake page's state, and what several
//! of the staff screens use: searching for people and describing a match.

use intake_engine::targets::{
    parse_search, plan_search, FormChoice, FoundPerson, PersonQuery, PersonRecord, SearchPage,
    ServiceTypeChoice, SubmissionInput, TargetConfig, MAX_RECORDS_SEARCHED,
};
use intake_engine::Form;
use leptos::prelude::*;
use serde_json::{Map, Value};

use crate::shared::http;
use crate::shared::state::Intake;

/// The stored record a staff member opened, and the person as it was, so
/// an update sends only what changed.
#[derive(Clone)]
pub(super) struct Editing {
    pub(super) id: String,
    pub(super) before: PersonRecord,
    /// The record's free text (persons_v1 `information`, Caspen `notes`),
    /// which an update adds to.
    pub(super) notes: Option<String>,
}

/// What only staff have, beside the intake page's state (all Copy).
#[derive(Clone, Copy)]
pub(super) struct DeskState {
    /// The staff member's token: memory only, dropped on sign-out.
    pub(super) token: RwSignal<Option<String>, LocalStorage>,
    /// A SHA-256 digest of the token that signed in: the lock screen
    /// reopens the same session only for the same token, without keeping
    /// the token itself while locked.
    pub(super) token_digest: StoredValue<Option<String>, LocalStorage>,
    /// The answers on screen, sensitive ones too, updated on every change:
    /// while locked the form is off the screen and out of storage, and
    /// this memory is all that keeps them.
    pub(super) answers_now: StoredValue<Option<Map<String, Value>>, LocalStorage>,
    /// What the person should know about their session (a locked one
    /// closed because another token signed in).
    pub(super) session_notice: RwSignal<Option<&'static str>>,
    pub(super) editing: StoredValue<Option<Editing>, LocalStorage>,
    /// Matches found for a new person; the staff member decides.
    pub(super) duplicates: RwSignal<Vec<FoundPerson>>,
    /// The new person waiting while duplicates are checked.
    pub(super) pending_create: StoredValue<Option<(SubmissionInput, Form)>, LocalStorage>,
    pub(super) duplicates_checked: StoredValue<bool>,
    /// Who the form on screen is about, for the bar that stays in view.
    pub(super) person_label: RwSignal<Option<String>>,
    /// What an edit changes so far: (label, before, after), shown before saving.
    pub(super) changes: RwSignal<Vec<(String, String, String)>>,
    /// Unite US without a configured form: the staff member picks one of
    /// the group's intake forms by service type.
    pub(super) picks_form: StoredValue<bool>,
    pub(super) service_types: RwSignal<Vec<ServiceTypeChoice>>,
    pub(super) form_choices: RwSignal<Vec<FormChoice>>,
    pub(super) chosen_form: RwSignal<Option<String>>,
    /// Kept here rather than in the picker, which is rebuilt each time the
    /// find screen shows, so the choice and its list stay together.
    pub(super) chosen_service_type: RwSignal<String>,
    pub(super) forms_loading: RwSignal<bool>,
    pub(super) forms_problem: RwSignal<Option<String>>,
    /// When the staff member last did something the page can see (see
    /// [`super::sign_in::idle_lock`]), in the browser's milliseconds.
    pub(super) last_activity: StoredValue<f64>,
    /// The warning that the screen is about to lock is showing.
    pub(super) idle_warning: RwSignal<bool>,
}

impl DeskState {
    pub(super) fn new() -> DeskState {
        DeskState {
            token: RwSignal::new_local(None),
            token_digest: StoredValue::new_local(None),
            answers_now: StoredValue::new_local(None),
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
            last_activity: StoredValue::new(js_sys::Date::now()),
            idle_warning: RwSignal::new(false),
        }
    }
}

/// The intake page's state with what staff add; it reads as the page's own
/// (`Deref`), so staff code reaches both the same way.
#[derive(Clone, Copy)]
pub struct Staff {
    pub(super) intake: Intake,
    pub(super) desk: DeskState,
}

impl std::ops::Deref for Staff {
    type Target = Intake;

    fn deref(&self) -> &Intake {
        &self.intake
    }
}

impl DeskState {
    /// The staff member did something: the idle time starts again and the
    /// warning goes.
    pub(super) fn note_activity(self) {
        self.last_activity.set_value(js_sys::Date::now());
        self.idle_warning.set(false);
    }

    pub(super) fn at(self, intake: Intake) -> Staff {
        Staff { intake, desk: self }
    }
}

impl Staff {
    /// Titles the page with a staff screen's name, then the deployment's
    /// title (the page heading's), in `language`.
    pub(super) fn title_screen(&self, screen: &str, language: &crate::shared::i18n::Language) {
        let deployment = self
            .config
            .get_value()
            .and_then(|config| config.title.clone())
            .unwrap_or_else(|| language.text().staff_title.to_string());
        crate::shared::dom::set_title(screen, Some(&deployment));
    }
}

/// Why a search has no people to show.
pub(super) enum SearchFailure {
    /// The token was refused.
    SignIn,
    /// The server answered with an error status, or not at all (`None`).
    Status(Option<u16>),
    /// The answer could not be read; the message says so.
    Unreadable(String),
}

/// Runs the target's own search with the credential held in memory.
pub(super) async fn search_people(
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

/// What a search of a whole list (a target without a name filter) found.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct ListSearch {
    pub(super) people: Vec<FoundPerson>,
    /// Records read, matching or not.
    pub(super) searched: usize,
    /// Every page was read.
    pub(super) whole: bool,
}

/// Reads a target's whole list page by page, keeping the people who match
/// `query`, until the last page, [`MAX_RECORDS_SEARCHED`] records, or
/// `stop()` says to stop; `progress` hears the count after every page.
pub(super) async fn search_whole_list(
    intake: Staff,
    config: &TargetConfig,
    query: &PersonQuery,
    progress: impl Fn(usize),
    stop: impl Fn() -> bool,
) -> Result<ListSearch, SearchFailure> {
    let mut found = ListSearch::default();
    let mut page: Option<String> = None;
    loop {
        let answer = search_people(intake, config, query, page.as_deref()).await?;
        found.searched += answer.searched;
        found.people.extend(answer.people);
        progress(found.searched);
        match answer.next_page {
            // A server that gives the same page again has no more to give.
            None => {
                found.whole = true;
                return Ok(found);
            }
            Some(next) if page.as_deref() == Some(next.as_str()) => {
                found.whole = true;
                return Ok(found);
            }
            Some(_) if found.searched >= MAX_RECORDS_SEARCHED || stop() => return Ok(found),
            Some(next) => page = Some(next),
        }
    }
}

/// One line that tells people apart: name, birth date, email, phone, city.
pub(super) fn describe(found: &FoundPerson) -> String {
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
