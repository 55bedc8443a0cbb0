//! Unite US without a configured form: the group's intake forms, chosen by
//! service type on the find screen.

use intake_engine::targets::{
    intake_forms_url, parse_forms_available, parse_service_types, service_types_url, FormChoice,
    TargetConfig, TargetKind,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use super::desk::Staff;
use crate::shared::http;
use crate::shared::intake::{compose_form, person_only_definition};
use crate::shared::language::use_language;
use crate::shared::state::Status;

/// Unite US staff without a configured form choose one of the group's
/// intake forms by service type on the find screen; the first form of any
/// service type is on screen meanwhile. Without service types the picker
/// still offers every intake form. `None`: no intake form (the group has
/// none, or the list could not be loaded, which the picker then says), so
/// the person alone is saved until one is chosen.
pub(super) async fn first_intake_form(intake: Staff, config: &TargetConfig) -> Option<Value> {
    if config.target != TargetKind::UniteUs {
        return None;
    }
    intake.desk.picks_form.set_value(true);
    if let Some(url) = service_types_url(config) {
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

/// The group's intake forms for one service type, or for any (Unite US).
pub(super) async fn intake_forms(
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
pub(super) fn choose_form(
    intake: Staff,
    forms: &[FormChoice],
    form_id: Option<&str>,
) -> Result<(), String> {
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
    intake.form.set_value(Some(std::sync::Arc::new(form)));
    Ok(())
}

/// Unite US: the service type, then one of the group's intake forms for
/// it. The choice stays for every person opened or created after it, so a
/// desk doing one kind of intake chooses once.
#[component]
pub(super) fn IntakeFormPicker(intake: Staff) -> impl IntoView {
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
