//! Finding the person before any form is opened.

use intake_engine::targets::{searches_whole_list, FoundPerson, Operation, PersonQuery};
use intake_engine::{date_with_part, iso_date_to_epoch_seconds};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

use super::desk::{describe, search_people, search_whole_list, SearchFailure, Staff};
use super::edit::{new_person, open_person};
use super::forms::IntakeFormPicker;
use crate::shared::form_view::date_fields;
use crate::shared::language::use_language;
use crate::shared::state::Phase;

/// The staff member's search: name and date of birth, with the target's own
/// search; results are buttons, so Tab and Enter open one.
#[component]
pub(super) fn FindPerson(intake: Staff) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let born = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Vec<FoundPerson>>);
    let next_page = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let searching = RwSignal::new(false);
    // A whole-list search: records read so far while it runs, then how many
    // were read and whether that was all; the stop button sets `stop`.
    let records_read = RwSignal::new(None::<usize>);
    let searched = RwSignal::new(None::<String>);
    let stop = StoredValue::new(false);
    Effect::new(move |_| {
        let language = language.get();
        intake.title_screen(language.text().full_app.find_title, &language);
    });
    let query = move || PersonQuery {
        first_name: first_name.get_untracked().trim().to_string(),
        last_name: last_name.get_untracked().trim().to_string(),
        date_of_birth: Some(born.get_untracked()).filter(|date| !date.is_empty()),
    };
    let show_failure = move |failure: SearchFailure| match failure {
        SearchFailure::Unreadable(message) => problem.set(Some(message)),
        SearchFailure::SignIn => {
            intake.desk.token.set(None);
            intake.phase.set(Phase::SignIn);
        }
        SearchFailure::Status(Some(status)) => problem.set(Some(format!(
            "{} (HTTP {status})",
            text().full_app.search_failed
        ))),
        SearchFailure::Status(None) => problem.set(Some(text().full_app.search_failed.to_string())),
    };
    let search = move |page: Option<String>| {
        let Some(config) = intake.config.get_value() else {
            return;
        };
        let query = query();
        if query.search_refusal(config.target).is_some() {
            problem.set(Some(text().full_app.search_needs_name.to_string()));
            return;
        }
        // A date of birth that is not a real date is left out, so a slip
        // widens the search rather than emptying it; the staff member is told.
        let born_left_out = query
            .date_of_birth
            .as_deref()
            .is_some_and(|born| iso_date_to_epoch_seconds(born).is_none());
        problem.set(born_left_out.then(|| text().full_app.born_left_out.to_string()));
        searched.set(None);
        searching.set(true);
        if searches_whole_list(config.target) {
            stop.set_value(false);
            records_read.set(Some(0));
            // The last search's people go, so nobody opens one of them
            // thinking it came from this search.
            results.set(None);
            spawn_local(async move {
                let outcome = search_whole_list(
                    intake,
                    &config,
                    &query,
                    |count| {
                        let _ = records_read.try_set(Some(count));
                    },
                    || stop.try_get_value().unwrap_or(true),
                )
                .await;
                if searching.try_set(false).is_some() {
                    return;
                }
                records_read.set(None);
                match outcome {
                    Ok(found) => {
                        let words = &text().full_app;
                        searched.set(Some(if found.whole || !stop.get_value() {
                            (words.records_searched)(found.searched, found.whole)
                        } else {
                            (words.records_search_stopped)(found.searched)
                        }));
                        next_page.set(None);
                        results.set(Some(found.people));
                    }
                    Err(failure) => show_failure(failure),
                }
            });
            return;
        }
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
                Err(failure) => show_failure(failure),
            }
        });
    };
    // Operations a deployment switched off (their routes are only assumed):
    // say what cannot be done here, rather than fail when it is tried.
    let (can_search, can_update, vendor) = intake
        .config
        .with_value(|config| {
            config.as_ref().map(|config| {
                (
                    config.url(Operation::FindPeople, &[]).is_some(),
                    config
                        .url(Operation::UpdatePerson, &[("id", "-")])
                        .is_some(),
                    config.target.display_name(),
                )
            })
        })
        .unwrap_or((true, true, ""));
    if !can_search {
        return view! {
            <section aria-labelledby="find-title" data-testid="find-person">
                <h2 id="find-title" tabindex="-1">{move || text().full_app.find_title}</h2>
                {intake.desk.picks_form.get_value().then(|| view! { <IntakeFormPicker intake=intake /> })}
                <p data-testid="search-switched-off">{move || (text().full_app.search_switched_off)(vendor)}</p>
                <button type="button" class="button" data-testid="new-person" on:click=move |_| new_person(intake, PersonQuery::default())>{move || text().full_app.new_person_button}</button>
            </section>
        }
        .into_any();
    }
    view! {
        <section aria-labelledby="find-title" data-testid="find-person">
            <h2 id="find-title" tabindex="-1">{move || text().full_app.find_title}</h2>
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
                // The date of birth as the forms ask it: day, month and year
                // in the language's order, every word the page's own.
                <fieldset class="question">
                    <legend>{move || text().full_app.date_of_birth}</legend>
                    {move || date_fields("find-born".into(), &born.get_untracked(), text(), [Some("off"); 3], || None,
                        Rc::new(move |position, typed| {
                            born.update(|born| *born = date_with_part(born, position, &typed).unwrap_or_default());
                        }))}
                </fieldset>
                {move || problem.get().map(|message| view! { <p class="error-message" role="alert">{message}</p> })}
                <button type="submit" class="button" aria-disabled=move || searching.get().then_some("true")>{move || text().full_app.search}</button>
            </form>
            {move || records_read.get().map(|count| view! {
                <div class="searching" data-testid="search-progress">
                    <p role="status">{(text().full_app.records_searching)(count)}</p>
                    <button type="button" class="button secondary" on:click=move |_| stop.set_value(true)>{text().full_app.stop_search}</button>
                </div>
            })}
            <div role="status" aria-live="polite" data-testid="search-results">
                {move || results.get().map(|people| {
                    let count = people.len();
                    view! {
                        {move || searched.get().map(|line| view! { <p data-testid="records-searched">{line}</p> })}
                        <p>{(text().full_app.results_count)(count)}</p>
                        {(count > 1 && can_update).then(|| view! { <p class="help">{text().full_app.results_hint}</p> })}
                        {(count > 0 && !can_update).then(|| view! { <p data-testid="update-switched-off">{(text().full_app.update_switched_off)(vendor)}</p> })}
                        <ul class="results" on:keydown=move_in_results>
                            {people.into_iter().map(|found| {
                                let description = describe(&found);
                                if can_update {
                                    view! { <li><button type="button" class="link-button" data-person-id=found.id.clone() on:click=move |_| open_person(intake, found.clone())>{description}</button></li> }.into_any()
                                } else {
                                    view! { <li data-person-id=found.id.clone()>{description}</li> }.into_any()
                                }
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
    .into_any()
}

/// Up and Down (and Home and End) move focus between the people found, as
/// in a list box, so a long list is quick by keyboard; Tab still leaves it.
pub(super) fn move_in_results(event: leptos::ev::KeyboardEvent) {
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

/// The search, before anyone's form is opened. It comes after signing in
/// or after a person's form, so focus moves to its heading.
pub(super) fn find_view(intake: Staff) -> AnyView {
    crate::shared::dom::focus_when_drawn("#find-title");
    view! { <FindPerson intake=intake /> }.into_any()
}
