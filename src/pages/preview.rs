//! The form authors' preview: a definition shown as people will see it,
//! what it validates, and exactly what a target would be sent. Nothing
//! typed here is sent.

use intake_engine::{load_form_str, LoadedForm, Severity};
use leptos::prelude::*;
use leptos::task::spawn_local;

use std::rc::Rc;

use intake_engine::targets::{
    coverage, guarantees, plan, Coverage, Guarantee, SubmissionInput, TargetConfig,
};

use crate::shared::form_view::{draw_in_slices, ChangeFn, FormView};
use crate::shared::http::{get_text, FetchError};
use crate::shared::i18n::{FailureKind, Language};
use crate::shared::language::{use_language, LanguageSwitch};
use intake_engine::LoadError;

/// Why a definition could not be shown.
#[derive(Clone)]
enum Failure {
    Fetch(FetchError),
    Load(LoadError),
}

impl Failure {
    /// The message in the interface language: English comes from the error
    /// types themselves; other languages from the catalogue.
    fn message(&self, language: &Language) -> String {
        match (language.later_text().failure, self) {
            (Some(translate), Failure::Fetch(error)) => translate(&FailureKind::Fetch(error)),
            (Some(translate), Failure::Load(error)) => translate(&FailureKind::Load(error)),
            (None, Failure::Fetch(error)) => error.to_string(),
            (None, Failure::Load(error)) => error.to_string(),
        }
    }
}

/// What the preview page has to show.
#[derive(Clone)]
enum Loaded {
    Nothing,
    Loading(String),
    Failed(Failure),
    Ready(LoadedForm),
}

fn form_url_parameter() -> Option<String> {
    let search = window().location().search().ok()?;
    let parameters = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    parameters.get("form").filter(|url| !url.trim().is_empty())
}

/// `?per_step=N` splits long forms into steps of at most N questions.
fn questions_per_step() -> Option<usize> {
    let search = window().location().search().ok()?;
    let parameters = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    parameters
        .get("per_step")?
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|limit| *limit > 0)
}

/// The target the preview plans requests for: `?target=KIND` (with
/// `&mode=staff` for Unite US staff operations), or `?config=URL`'s target.
/// The preview sends nothing, so no credential is involved.
fn preview_target() -> Option<Result<TargetConfig, String>> {
    let kind =
        crate::shared::dom::url_parameter("target").filter(|kind| !kind.trim().is_empty())?;
    let mode = crate::shared::dom::url_parameter("mode").unwrap_or_else(|| {
        if kind == "unite_us" {
            "widget"
        } else {
            "staff"
        }
        .to_string()
    });
    let mut config = serde_json::json!({"target": kind, "mode": mode});
    if kind == "unite_us" && mode == "widget" {
        config["widget_token"] = "public-widget-token".into();
    }
    if kind == "unite_us" && mode == "staff" {
        config["group_id"] = crate::shared::dom::url_parameter("group_id")
            .unwrap_or_else(|| "demo-group".into())
            .into();
    }
    Some(TargetConfig::from_json(&config).map_err(|error| error.to_string()))
}

/// The reference the preview's planned requests carry; a real submission
/// makes a fresh one.
const PREVIEW_REFERENCE: &str = "00000000-0000-4000-8000-000000000000";

fn load_text(text: &str) -> Loaded {
    match load_form_str(text) {
        Ok(loaded) => Loaded::Ready(loaded),
        Err(error) => Loaded::Failed(Failure::Load(error)),
    }
}

/// Form authors' page: loads a definition from `?form=URL` or from pasted
/// JSON, renders it live, lists the loader's problems and shows the
/// `form_response` that would be sent. It never submits.
#[component]
pub fn Preview() -> impl IntoView {
    let language = use_language();
    let loaded = RwSignal::new(Loaded::Nothing);
    if let Some(url) = form_url_parameter() {
        loaded.set(Loaded::Loading(url.clone()));
        spawn_local(async move {
            let outcome = match get_text(&url).await {
                Ok(text) => load_text(&text),
                Err(error) => Loaded::Failed(Failure::Fetch(error)),
            };
            loaded.set(outcome);
        });
    }
    let pasted = RwSignal::new(String::new());
    // A JSON file dropped on the paste box is read and rendered at once.
    let render_dropped = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        let Some(file) = event
            .data_transfer()
            .and_then(|transfer| transfer.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|text| text.as_string());
            match text {
                Some(text) => {
                    pasted.set(text.clone());
                    loaded.set(load_text(&text));
                }
                None => loaded.set(load_text("")),
            }
        });
    };
    let render_pasted = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        loaded.set(load_text(&pasted.get_untracked()));
    };
    view! {
        <main id="main" class="page preview">
            <LanguageSwitch />
            <h1>{move || language.get().text().full_app.preview_title}</h1>
            <p class="notice" data-testid="preview-sends-nothing">{move || language.get().text().full_app.preview_sends_nothing}</p>
            {move || match loaded.get() {
                Loaded::Nothing => ().into_any(),
                Loaded::Loading(url) => view! { <p role="status" title=url>{move || language.get().text().loading}</p> }.into_any(),
                Loaded::Failed(failure) => view! {
                    <div class="load-error" role="alert" data-testid="load-error">
                        <h2>{move || language.get().text().full_app.unusable_definition}</h2>
                        <p>{move || failure.message(&language.get())}</p>
                    </div>
                }.into_any(),
                Loaded::Ready(loaded) => {
                    let problems = loaded.problems.clone();
                    let (target_panel, config) = match preview_target() {
                        None => (None, None),
                        Some(Err(message)) => (Some(view! { <p class="load-error" role="alert" data-testid="target-error">{message}</p> }.into_any()), None),
                        Some(Ok(config)) => {
                            let coverage = coverage(&config, &loaded.form);
                            (Some(view! { <TargetPanel coverage=coverage form=loaded.form.clone() /> }.into_any()), Some(config))
                        }
                    };
                    let panel = ResponsePanel::new(config);
                    view! {
                        <ProblemsPanel problems=problems />
                        {target_panel}
                        <div class="preview-layout">
                            <FormView form=std::sync::Arc::new(loaded.form) keep_draft=true max_questions_per_step=questions_per_step()
                                on_change=Some(panel.on_change()) draw_later=Some(draw_in_slices)
                                valid_note=|language: &Language| language.text().full_app.preview_valid />
                            {panel.view()}
                        </div>
                    }.into_any()
                }
            }}
            <form class="paste" on:submit=render_pasted>
                <label for="pasted-definition">{move || language.get().text().full_app.paste_label}</label>
                <textarea id="pasted-definition" rows="6" prop:value=move || pasted.get()
                    on:dragover=move |event: leptos::ev::DragEvent| event.prevent_default() on:drop=render_dropped
                    on:input=move |event| pasted.set(event_target_value(&event))></textarea>
                <button type="submit" class="button secondary">{move || language.get().text().full_app.paste_button}</button>
            </form>
        </main>
    }
}

/// Beside the previewed form: its form_response as JSON and, with a target,
/// the exact requests that target would get, both following every answer.
#[derive(Clone, Copy)]
pub struct ResponsePanel {
    response_json: RwSignal<String>,
    payload_json: RwSignal<Option<String>>,
    /// Each request's label and what a retry after an unknown outcome can do.
    guarantees: RwSignal<Vec<(String, Guarantee)>>,
    config: StoredValue<Option<TargetConfig>>,
}

impl ResponsePanel {
    pub fn new(config: Option<TargetConfig>) -> ResponsePanel {
        ResponsePanel {
            response_json: RwSignal::new(String::new()),
            payload_json: RwSignal::new(None),
            guarantees: RwSignal::new(Vec::new()),
            config: StoredValue::new(config),
        }
    }

    /// Recomputes both from the answers, on every change.
    pub fn on_change(self) -> ChangeFn {
        Rc::new(move |state| {
            self.response_json.set(intake_engine::json::to_pretty_text(
                &serde_json::to_value(state.form_response()).unwrap_or_default(),
            ));
            let planned = self.config.with_value(|config| {
                config.as_ref().map(|config| {
                    let input = SubmissionInput::from_state(state, config, PREVIEW_REFERENCE);
                    let planned = plan(config, &input);
                    let guarantees =
                        guarantees(config, input.existing_id.is_some(), &planned.steps);
                    (planned, guarantees)
                })
            });
            self.payload_json.set(planned.as_ref().map(|(planned, _)| {
                intake_engine::json::to_pretty_text(&planned.to_preview_json())
            }));
            self.guarantees.set(
                planned
                    .map(|(planned, guarantees)| {
                        planned
                            .steps
                            .iter()
                            .map(|step| step.label.clone())
                            .zip(guarantees)
                            .collect()
                    })
                    .unwrap_or_default(),
            );
        })
    }

    pub fn view(self) -> impl IntoView {
        let language = use_language();
        let text = move || language.get().text();
        view! {
            <aside class="response-panel" aria-labelledby="response-title">
                <h2 id="response-title">{move || text().full_app.response_title}</h2>
                <p class="hint">{move || text().full_app.response_hint}</p>
                <pre data-testid="form-response">{move || self.response_json.get()}</pre>
                {move || self.payload_json.get().map(|payload| view! {
                    <h2 id="payload-title">{move || text().full_app.payload_title}</h2>
                    <p class="hint">{move || text().full_app.payload_hint}</p>
                    <pre data-testid="payload" aria-labelledby="payload-title">{payload}</pre>
                    <h3 id="delivery-title">{move || text().full_app.delivery_title}</h3>
                    <ul data-testid="delivery" aria-labelledby="delivery-title">
                        {move || self.guarantees.get().into_iter().map(|(label, guarantee)| view! {
                            <li data-guarantee=guarantee.as_str()><strong>{label}</strong>": "{move || (text().full_app.guarantee)(guarantee)}</li>
                        }).collect_view()}
                    </ul>
                })}
            </aside>
        }
    }
}

/// What the previewed form gives and misses for the chosen target.
#[component]
fn TargetPanel(coverage: Coverage, form: intake_engine::Form) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let missing = coverage.missing_required.clone();
    let unstorable: Vec<(String, String)> = coverage
        .unstorable
        .iter()
        .map(|(id, why)| {
            let label = form
                .question(id)
                .map_or(id.clone(), |question| question.label_text.clone());
            (label, why.clone())
        })
        .collect();
    let list = |items: Vec<String>, empty: &'static str| {
        if items.is_empty() {
            view! { <p>{empty}</p> }.into_any()
        } else {
            view! { <ul>{items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul> }.into_any()
        }
    };
    view! {
        <section class="problems" data-testid="target-coverage" aria-labelledby="coverage-required">
            <h2 id="coverage-required">{move || text().full_app.target_requires}</h2>
            <div data-testid="missing-required">{move || list(missing.iter().map(|(field, label)| format!("{label} ({field})")).collect(), text().full_app.nothing_missing)}</div>
            <h2>{move || text().full_app.target_cannot_store}</h2>
            <div data-testid="unstorable">{move || list(unstorable.iter().map(|(label, why)| format!("{label}: {why}")).collect(), text().full_app.nothing_missing)}</div>
        </section>
    }
}

#[component]
fn ProblemsPanel(problems: Vec<intake_engine::Problem>) -> impl IntoView {
    let warnings = problems
        .iter()
        .filter(|problem| problem.severity == Severity::Warning)
        .count();
    let notices = problems.len() - warnings;
    let language = use_language();
    let summary = move || (language.get().text().full_app.definition_check)(warnings, notices);
    // Open by default only when something needs the author's attention.
    let has_warnings = warnings > 0;
    view! {
        <details class="problems" data-testid="lint-problems" open=has_warnings>
            <summary>{summary}</summary>
            <ul>
                {problems
                    .into_iter()
                    .map(|problem| view! { <li class=problem.severity.as_str()>{problem.to_string()}</li> })
                    .collect_view()}
            </ul>
        </details>
    }
}
