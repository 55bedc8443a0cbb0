//! Opening a found person's record, editing it with what changes listed
//! before saving, creating a new person after the duplicate check, and
//! moving on to the next person.

use std::rc::Rc;
use std::sync::Arc;

use intake_engine::targets::{
    existing_notes, person_changes, person_record, possible_duplicates, prefill_answers,
    searches_whole_list, FoundPerson, Mode, Operation, PersonQuery, SubmissionInput, TargetConfig,
    TargetKind,
};
use intake_engine::{Form, FormState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use super::desk::{describe, search_people, search_whole_list, Editing, SearchFailure, Staff};
use crate::shared::form_view::ChangeFn;
use crate::shared::http;
use crate::shared::intake::compose_form;
use crate::shared::language::use_language;
use crate::shared::state::{Phase, Status};

/// Staff changes to a submission before it is sent: an edit sends only what
/// changed (and clears only emptied fields on screen); a new person first
/// waits for the duplicate check, which sends it (`None`: not now).
pub(super) fn prepare_input(
    intake: Staff,
    config: &TargetConfig,
    state: &FormState,
    mut input: SubmissionInput,
) -> Option<SubmissionInput> {
    match intake.desk.editing.get_value() {
        Some(editing) => {
            input.existing_id = Some(editing.id.clone());
            input.existing_notes = editing.notes.clone();
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

/// Before creating a person, looks for people with the same name and date
/// of birth with the target's own search; when there are some, the staff
/// member chooses between opening one and creating anyway. A search that
/// fails does not stop the intake: the check is advice, not a gate.
pub(super) fn check_duplicates(intake: Staff, config: TargetConfig) {
    let Some((input, _)) = intake.desk.pending_create.get_value() else {
        return;
    };
    // A deployment without a search (switched off) cannot check: the find
    // screen already said so, and staff chose to create.
    if config.url(Operation::FindPeople, &[]).is_none() {
        create_now(intake);
        return;
    }
    let query = PersonQuery {
        first_name: input.person.text("person.first_name").unwrap_or_default(),
        last_name: input.person.text("person.last_name").unwrap_or_default(),
        date_of_birth: input.person.text("person.date_of_birth"),
    };
    intake.busy.set(true);
    intake.status.set(Status::Sending);
    spawn_local(async move {
        // Without a name filter the whole list is read, so an older record
        // is not missed because it sits on a later page.
        let outcome = if searches_whole_list(config.target) {
            search_whole_list(intake, &config, &query, |_| {}, || false)
                .await
                .map(|found| found.people)
        } else {
            search_people(intake, &config, &query, None)
                .await
                .map(|page| page.people)
        };
        intake.busy.set(false);
        let found = match outcome {
            Ok(people) => possible_duplicates(&query, &people),
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

/// Sends the new person that waited for the duplicate check.
pub(super) fn create_now(intake: Staff) {
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
pub(super) fn open_person(intake: Staff, found: FoundPerson) {
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
                    form = Arc::new(with_answers);
                }
            }
            show_person(intake, &config, form, found);
        });
        return;
    }
    show_person(intake, &config, form, found);
}

/// Shows the form for a found person, their stored values filled in.
pub(super) fn show_person(
    intake: Staff,
    config: &TargetConfig,
    form: Arc<Form>,
    found: FoundPerson,
) {
    let config = config.clone();
    let answers = prefill_answers(&config, &form, &found);
    let mut state = FormState::from_shared(form.clone());
    let _ = state.set_answers_from_json(&answers);
    let before = person_record(&state, &config.defaults);
    let name = format!("{} {}", found.first_name, found.last_name)
        .trim()
        .to_string();
    intake.desk.editing.set_value(Some(Editing {
        id: found.id.clone(),
        before,
        notes: existing_notes(config.target, &found),
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
pub(super) fn new_person(intake: Staff, query: PersonQuery) {
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
pub(super) fn find_another(intake: Staff) {
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

/// While editing a stored record, lists the changes so far, to be shown
/// before saving.
pub(super) fn change_lister(intake: Staff) -> ChangeFn {
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

/// People who may be the one about to be created: open one, or create anyway.
pub(super) fn duplicates_view(intake: Staff) -> AnyView {
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

/// Above the form: whose record it is (with the way back to the search),
/// and what an edit changes so far.
pub(super) fn person_header(intake: Staff) -> AnyView {
    let language = use_language();
    let text = move || language.get().text();
    // The form screen has just come (a person opened, a new one started,
    // the lock opened): say whose form it is.
    crate::shared::dom::focus_when_drawn("#person-title");
    view! {
        <div class="person-bar" data-testid="person-bar">
            <h2 id="person-title" tabindex="-1">{move || match intake.desk.person_label.get() {
                Some(name) => format!("{} {name}", text().full_app.editing_person),
                None => text().full_app.new_person.to_string(),
            }}</h2>
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
pub(super) fn next_person_button(intake: Staff) -> AnyView {
    let language = use_language();
    let text = move || language.get().text();
    view! { <p><button type="button" class="button" on:click=move |_| find_another(intake)>{move || text().full_app.find_another}</button></p> }
        .into_any()
}
