//! Renders a form from the engine's state. Each question has its own
//! visibility and error signals, so an answer re-renders only the questions
//! whose visibility or messages it changes.

use intake_engine::{
    Answer, AnswerKind, Form, FormState, HelpTextPosition, InputType, Question, QuestionIndex,
};
use intake_engine::{Issue, Step};
use leptos::prelude::*;

use std::rc::Rc;

use intake_engine::targets::PlacedErrors;

use crate::draft;
use crate::i18n::{issue_message, Language};
use crate::use_language;

/// The reactive view of one question: what the engine says about it now.
#[derive(Clone, Copy)]
struct QuestionSignals {
    visible: RwSignal<bool>,
    errors: RwSignal<Vec<Issue>>,
}

/// Shared by every question component of one form.
#[derive(Clone, Copy)]
struct FormContext {
    state: StoredValue<FormState>,
    questions: StoredValue<Vec<QuestionSignals>>,
    /// Errors show only after the first attempt to check or submit.
    attempted: RwSignal<bool>,
    summary: RwSignal<Vec<(QuestionIndex, Issue)>>,
    /// The questions the error summary covers: the current step's, or all of
    /// them on the review page.
    scope: StoredValue<Vec<QuestionIndex>>,
    /// The form_response as JSON text, kept only where the preview panel
    /// shows it (`None` on pages that submit: no work on every keystroke).
    response_json: Option<RwSignal<String>>,
    /// Where the draft is kept, when this form keeps one.
    draft_key: StoredValue<Option<String>>,
    /// The pending debounced draft save, replaced on every answer.
    draft_timer: StoredValue<Option<TimeoutHandle>>,
    /// Messages from the server about the last submission, per question;
    /// a question's clear when its answer changes.
    /// In the form's order; a plain list, since a submission has few.
    server_errors: RwSignal<Vec<(QuestionIndex, Vec<String>)>>,
    /// Messages from the server about the submission as a whole.
    server_general: RwSignal<Vec<String>>,
    /// Computes the exact requests a target would get, for the preview.
    payload: StoredValue<Option<PayloadFn>, LocalStorage>,
    /// Told of every change, e.g. to list what an edit changes.
    on_change: StoredValue<Option<ChangeFn>, LocalStorage>,
    payload_json: RwSignal<String>,
}

/// Turns the engine's state into the preview's JSON of planned requests.
pub type PayloadFn = Rc<dyn Fn(&FormState) -> String>;

/// Hears the engine's state after every change of answer.
pub type ChangeFn = Rc<dyn Fn(&FormState)>;

/// What a page that sends answers gives the form.
#[derive(Clone)]
pub struct Submitter {
    /// Called with the engine's state when the person sends valid answers.
    pub on_submit: Rc<dyn Fn(&FormState)>,
    /// What the server said was wrong, by question id; the form shows it on
    /// the questions and in the error summary, and takes focus there.
    pub server_errors: RwSignal<PlacedErrors>,
    /// True while a submission is being sent: the send button waits.
    pub busy: Signal<bool>,
}

/// How long typing must pause before the draft is written.
const DRAFT_DELAY: std::time::Duration = std::time::Duration::from_millis(400);

impl FormContext {
    fn signals(&self, question: QuestionIndex) -> QuestionSignals {
        self.questions.with_value(|signals| signals[question])
    }

    fn answer(&self, question: QuestionIndex) -> Option<Answer> {
        self.state
            .with_value(|state| state.answer(question).cloned())
    }

    /// Gives the answer to the engine and updates only what changed.
    fn set_answer(&self, question: QuestionIndex, answer: Option<Answer>) {
        let changes = self
            .state
            .try_update_value(|state| state.set_answer(question, answer))
            .unwrap_or_default();
        for change in &changes {
            self.signals(change.question).visible.set(change.visible);
        }
        if self
            .server_errors
            .with_untracked(|errors| errors.iter().any(|(index, _)| *index == question))
        {
            self.server_errors.update(|errors| {
                errors.retain(|(index, _)| *index != question);
            });
        }
        if self.attempted.get_untracked() {
            self.refresh_errors(
                std::iter::once(question).chain(changes.iter().map(|change| change.question)),
            );
        }
        self.refresh_response();
        self.schedule_draft_save();
    }

    /// Saves the draft once typing pauses, so a keystroke costs no storage write.
    fn schedule_draft_save(&self) {
        let Some(key) = self.draft_key.get_value() else {
            return;
        };
        if let Some(pending) = self.draft_timer.try_update_value(Option::take).flatten() {
            pending.clear();
        }
        let state = self.state;
        let handle = set_timeout_with_handle(
            move || {
                if let Some(answers) = state.try_with_value(FormState::draft_answers) {
                    draft::save(&key, &answers);
                }
            },
            DRAFT_DELAY,
        );
        self.draft_timer.set_value(handle.ok());
    }

    fn refresh_errors(&self, questions: impl Iterator<Item = QuestionIndex>) {
        for question in questions {
            let messages: Vec<Issue> = self.state.with_value(|state| state.issues(question));
            let signals = self.signals(question);
            if signals
                .errors
                .with_untracked(|current| *current != messages)
            {
                signals.errors.set(messages);
            }
        }
        let scope = self.scope.get_value();
        let summary: Vec<(QuestionIndex, Issue)> = self.state.with_value(|state| {
            state
                .issues_among(scope)
                .into_iter()
                .flat_map(|(question, issues)| {
                    issues.into_iter().map(move |issue| (question, issue))
                })
                .collect()
        });
        if self.summary.with_untracked(|current| *current != summary) {
            self.summary.set(summary);
        }
    }

    fn refresh_response(&self) {
        if let Some(response_json) = self.response_json {
            let json = self.state.with_value(|state| {
                intake_engine::json::to_pretty_text(
                    &serde_json::to_value(state.form_response()).unwrap_or_default(),
                )
            });
            response_json.set(json);
        }
        if let Some(payload) = self.payload.get_value() {
            let json = self.state.with_value(|state| payload(state));
            self.payload_json.set(json);
        }
        if let Some(on_change) = self.on_change.get_value() {
            self.state.with_value(|state| on_change(state));
        }
    }
}

fn input_id(question: QuestionIndex) -> String {
    format!("q-{question}")
}

fn error_id(question: QuestionIndex) -> String {
    format!("q-{question}-error")
}

fn help_id(question: QuestionIndex) -> String {
    format!("q-{question}-help")
}

/// The whole form with an error summary, its sections and questions, and the
/// live `form_response` an author would send.
///
/// With `keep_draft`, answers are saved in sessionStorage as the person types
/// and restored, with a notice and a way to start over, when the page loads.
#[component]
pub fn FormView(
    form: Form,
    #[prop(optional)] keep_draft: bool,
    /// Splits long steps so none holds more than this many questions.
    #[prop(optional_no_strip)]
    max_questions_per_step: Option<usize>,
    /// Sends the answers: without it the form is a preview that never sends.
    #[prop(optional_no_strip)]
    submitter: Option<Submitter>,
    /// Shows the exact requests a target would get, beside the form.
    #[prop(optional_no_strip)]
    payload: Option<PayloadFn>,
    /// Answers to start from, e.g. a stored record opened for editing.
    #[prop(optional_no_strip)]
    initial_answers: Option<serde_json::Map<String, serde_json::Value>>,
    /// Separates drafts of one form, e.g. per person being edited.
    #[prop(optional_no_strip)]
    draft_scope: Option<String>,
    /// Called with the state after every change of answer.
    #[prop(optional_no_strip)]
    on_change: Option<ChangeFn>,
) -> impl IntoView {
    let language = use_language();
    let draft_key =
        keep_draft.then(|| draft::scoped_key(&form.id, &form.name, draft_scope.as_deref()));
    let mut state = FormState::new(form);
    // A record opened for editing starts from its stored values; a draft
    // typed since then wins over them.
    if let Some(answers) = &initial_answers {
        let _ = state.set_answers_from_json(answers);
    }
    let restored = match draft_key.as_deref().and_then(draft::load) {
        // Answers that no longer fit the form (it changed since) are dropped.
        Some(answers) => {
            let _ = state.set_answers_from_json(&answers);
            true
        }
        None => false,
    };
    let signals: Vec<QuestionSignals> = (0..state.form().questions.len())
        .map(|question| QuestionSignals {
            visible: RwSignal::new(state.is_visible(question)),
            errors: RwSignal::new(Vec::new()),
        })
        .collect();
    let form = state.form().clone();
    let context = FormContext {
        state: StoredValue::new(state),
        questions: StoredValue::new(signals),
        attempted: RwSignal::new(false),
        summary: RwSignal::new(Vec::new()),
        scope: StoredValue::new(Vec::new()),
        response_json: submitter.is_none().then(|| RwSignal::new(String::new())),
        draft_key: StoredValue::new(draft_key),
        draft_timer: StoredValue::new(None),
        server_errors: RwSignal::new(Vec::new()),
        server_general: RwSignal::new(Vec::new()),
        payload: StoredValue::new_local(payload),
        on_change: StoredValue::new_local(on_change),
        payload_json: RwSignal::new(String::new()),
    };
    context.refresh_response();
    provide_context(context);

    let steps: Vec<Step> = match max_questions_per_step {
        Some(limit) => form.steps_with_limit(limit),
        None => form.steps(),
    };
    let step_count = steps.len();
    let has_review = step_count > 1;
    let step_of_section: Vec<usize> = {
        let mut owner = vec![0; form.sections.len()];
        for (step_index, step) in steps.iter().enumerate() {
            for &section in &step.sections {
                owner[section] = step_index;
            }
        }
        owner
    };
    // Stored values are Copy, so the closures below that read them are too.
    let step_questions: StoredValue<Vec<Vec<QuestionIndex>>> = StoredValue::new(
        steps
            .iter()
            .map(|step| step.question_indices(&form).collect())
            .collect(),
    );
    let all_questions: StoredValue<Vec<QuestionIndex>> =
        StoredValue::new((0..form.questions.len()).collect());
    // Pages are the steps, then the review page when there is more than one step.
    let page = RwSignal::new(0usize);
    let finished = RwSignal::new(false);
    let step_visible = move |step: usize| {
        step_questions.with_value(|steps| {
            steps[step]
                .iter()
                .any(|&question| context.signals(question).visible.get_untracked())
        })
    };
    let scope_of = move |page: usize| {
        if page < step_count {
            step_questions.with_value(|steps| steps[page].clone())
        } else {
            all_questions.get_value()
        }
    };
    context.scope.set_value(scope_of(0));

    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let progress_ref = NodeRef::<leptos::html::P>::new();
    let focus_later = move |target: FocusTarget| {
        request_animation_frame(move || match target {
            FocusTarget::Summary => {
                if let Some(summary) = summary_ref.get() {
                    let _ = summary.focus();
                }
            }
            FocusTarget::Progress => {
                if let Some(progress) = progress_ref.get() {
                    let _ = progress.focus();
                }
            }
            FocusTarget::Question(question) => {
                if let Some(element) = document().get_element_by_id(&input_id(question)) {
                    if let Ok(element) =
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element)
                    {
                        let _ = element.focus();
                    }
                }
            }
        });
    };
    let go_to = {
        move |target: usize| {
            page.set(target);
            context.scope.set_value(scope_of(target));
            if context.attempted.get_untracked() {
                context.refresh_errors(std::iter::empty());
            }
        }
    };
    let submitter_for_advance = submitter.clone();
    let advance = {
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            context.attempted.set(true);
            let scope = context.scope.get_value();
            context.refresh_errors(scope.into_iter());
            if !context.summary.with_untracked(Vec::is_empty) {
                focus_later(FocusTarget::Summary);
                return;
            }
            let current = page.get_untracked();
            let last_page = if has_review {
                step_count
            } else {
                step_count - 1
            };
            if current >= last_page {
                match &submitter_for_advance {
                    Some(submitter) => {
                        if !submitter.busy.get_untracked() {
                            context
                                .state
                                .with_value(|state| (submitter.on_submit)(state));
                        }
                    }
                    None => {
                        finished.set(true);
                        focus_later(FocusTarget::Progress);
                    }
                }
                return;
            }
            let next = (current + 1..step_count)
                .find(|&step| step_visible(step))
                .unwrap_or(step_count);
            go_to(next.min(last_page));
            focus_later(FocusTarget::Progress);
        }
    };
    let back = {
        move |_| {
            let current = page.get_untracked();
            if let Some(previous) = (0..current).rev().find(|&step| step_visible(step)) {
                finished.set(false);
                go_to(previous);
                focus_later(FocusTarget::Progress);
            }
        }
    };
    let step_of_question: Vec<usize> = form
        .questions
        .iter()
        .map(|question| step_of_section[question.section])
        .collect();
    let step_of_question = StoredValue::new(step_of_question);
    let show_question = {
        move |question: QuestionIndex| {
            let step = step_of_question.with_value(|steps| steps[question]);
            finished.set(false);
            if page.get_untracked() != step {
                go_to(step);
            }
            focus_later(FocusTarget::Question(question));
        }
    };

    // Server errors arrive after a send: put them on their questions, show
    // the review (or the only step) and move focus to the summary.
    if let Some(submitter) = &submitter {
        let incoming = submitter.server_errors;
        Effect::new(move |_| {
            let placed = incoming.get();
            if placed.by_question.is_empty() && placed.general.is_empty() {
                return;
            }
            let mut by_index: Vec<(QuestionIndex, Vec<String>)> =
                context.state.with_value(|state| {
                    placed
                        .by_question
                        .iter()
                        .filter_map(|(id, messages)| {
                            Some((state.form().question_index(id)?, messages.clone()))
                        })
                        .collect()
                });
            let mut general = placed.general.clone();
            // A message for a question that is not on the screen still reaches the person.
            for (id, messages) in &placed.by_question {
                if context
                    .state
                    .with_value(|state| state.form().question_index(id).is_none())
                {
                    general.extend(messages.iter().cloned());
                }
            }
            by_index.sort_unstable_by_key(|(index, _)| *index);
            context.server_errors.set(by_index);
            context.server_general.set(general);
            if has_review {
                go_to(step_count);
            }
            focus_later(FocusTarget::Summary);
        });
    }

    let progress_text = {
        move || {
            let current = page.get();
            // Reading visibility of every step keeps the count right as answers hide steps.
            let shown: Vec<usize> = (0..step_count)
                .filter(|&step| {
                    step_questions.with_value(|steps| {
                        steps[step]
                            .iter()
                            .any(|&question| context.signals(question).visible.get())
                    })
                })
                .collect();
            let total = shown.len() + usize::from(has_review);
            let position = if current >= step_count {
                total
            } else {
                shown
                    .iter()
                    .position(|&step| step == current)
                    .map_or(1, |at| at + 1)
            };
            (position, total.max(1))
        }
    };

    let title = form.name.clone();
    let sections = form
        .sections
        .iter()
        .enumerate()
        .map(|(section_index, section)| {
            let questions: Vec<QuestionIndex> = section.questions.clone();
            let heading = (section.display_name && !section.name.trim().is_empty()).then(|| section.name.clone());
            let section_step = step_of_section[section_index];
            let any_visible = {
                let questions = questions.clone();
                move || questions.iter().any(|&question| context.signals(question).visible.get())
            };
            let rendered = questions
                .iter()
                .map(|&question| view! { <QuestionView question=form.questions[question].clone() index=question /> })
                .collect_view();
            view! {
                <section class="form-section" data-section-index=section_index
                    hidden=move || page.get() != section_step || !any_visible()>
                    {heading.map(|heading| view! { <h2>{heading}</h2> })}
                    {rendered}
                </section>
            }
        })
        .collect_view();

    let review = {
        let form = form.clone();
        move || {
            (has_review && page.get() == step_count).then(|| {
                let rows = form
                    .questions
                    .iter()
                    .enumerate()
                    .filter(|(index, question)| {
                        question.input_type != InputType::Block && context.signals(*index).visible.get_untracked()
                    })
                    .map(|(index, question)| {
                        let answer = context.state.with_value(|state| state.answer_text(index)).unwrap_or_else(|| language.get_untracked().text().not_answered.into());
                        let label = question.label(&language.get_untracked().code).to_string();
                        view! {
                            <div class="review-row" data-review-question=question.id.clone()>
                                <dt>{label.clone()}</dt>
                                <dd>{answer}</dd>
                                <dd>
                                    <button type="button" class="link-button" on:click=move |_| show_question(index)>
                                        {language.get_untracked().text().change}<span class="visually-hidden">" " {label.clone()}</span>
                                    </button>
                                </dd>
                            </div>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="review" data-testid="review">
                        <h2>{move || language.get().text().review_title}</h2>
                        <dl>{rows}</dl>
                    </section>
                }
            })
        }
    };

    let submits = submitter.is_some();
    let has_payload = context.payload.with_value(Option::is_some);
    let busy = submitter
        .as_ref()
        .map_or(Signal::derive(|| false), |submitter| submitter.busy);
    let primary_label = move || {
        let current = page.get();
        let last =
            (has_review && current == step_count) || (!has_review && current + 1 >= step_count);
        if last && submits && busy.get() {
            language.get().text().sending
        } else if last && submits {
            language.get().text().send
        } else if last {
            language.get().text().check_answers
        } else {
            language.get().text().continue_button
        }
    };

    view! {
        <div class="form-layout">
            <form class="intake-form" novalidate=true on:submit=advance>
                {(!title.trim().is_empty()).then(|| view! { <h2 class="form-title">{title}</h2> })}
                {restored.then(|| view! {
                    <div class="notice" role="status" data-testid="draft-notice">
                        <p>{move || language.get().text().draft_restored}</p>
                        <button type="button" class="button secondary" on:click=move |_| {
                            if let Some(key) = context.draft_key.get_value() {
                                draft::clear(&key);
                            }
                            // A fresh page is the surest way back to the form's starting answers.
                            let _ = window().location().reload();
                        }>{move || language.get().text().start_over}</button>
                    </div>
                })}
                <p class="progress" tabindex="-1" node_ref=progress_ref data-testid="progress" hidden=step_count < 2>
                    {move || { let (position, total) = progress_text(); (language.get().text().step_of)(position, total) }}
                </p>
                {(step_count > 1).then(|| view! {
                    <progress class="progress-bar" aria-hidden="true" max=move || progress_text().1 value=move || progress_text().0></progress>
                })}
                <div class="error-summary" data-testid="error-summary" tabindex="-1" node_ref=summary_ref
                    aria-labelledby="error-summary-title"
                    hidden=move || context.summary.with(Vec::is_empty) && context.server_errors.with(Vec::is_empty) && context.server_general.with(Vec::is_empty)>
                    <h2 id="error-summary-title">{move || language.get().text().error_summary_title}</h2>
                    <ul>
                        {move || { let language = language.get(); context.summary.get().into_iter().map(|(question, issue)| {
                            let message = context.state.with_value(|state| issue_message(&issue, &state.form().questions[question], &language));
                            let href = format!("#{}", input_id(question));
                            view! { <li><a href=href on:click=move |event| { event.prevent_default(); show_question(question); }>{message}</a></li> }
                        }).collect_view() }}
                        {move || context.server_errors.get().into_iter().flat_map(|(question, messages)| {
                            messages.into_iter().map(move |message| {
                                let href = format!("#{}", input_id(question));
                                view! { <li data-server-error="true"><a href=href on:click=move |event| { event.prevent_default(); show_question(question); }>{message}</a></li> }
                            })
                        }).collect_view()}
                        {move || context.server_general.get().into_iter().map(|message| view! { <li data-server-error="true">{message}</li> }).collect_view()}
                    </ul>
                </div>
                {sections}
                {review}
                <p class="status" role="status" data-testid="form-status">
                    {move || finished.get().then(|| language.get().text().preview_valid)}
                </p>
                <div class="form-actions">
                    {move || (page.get() > 0).then(|| {
                        view! { <button type="button" class="button secondary" on:click=back>{move || language.get().text().back}</button> }
                    })}
                    <button type="submit" class="button" aria-disabled=move || busy.get().then_some("true")>{primary_label}</button>
                </div>
            </form>
            {(!submits).then(|| view! {
                <aside class="response-panel" aria-labelledby="response-title">
                    <h2 id="response-title">{move || language.get().text().response_title}</h2>
                    <p class="hint">{move || language.get().text().response_hint}</p>
                    <pre data-testid="form-response">{move || context.response_json.map(|json| json.get())}</pre>
                    {has_payload.then(|| view! {
                        <h2 id="payload-title">{move || language.get().text().payload_title}</h2>
                        <p class="hint">{move || language.get().text().payload_hint}</p>
                        <pre data-testid="payload" aria-labelledby="payload-title">{move || context.payload_json.get()}</pre>
                    })}
                </aside>
            })}
        </div>
    }
}

/// Where focus goes after the screen changes.
#[derive(Clone, Copy)]
enum FocusTarget {
    Summary,
    Progress,
    Question(QuestionIndex),
}

/// One question: label, help before or after the input, error, input. It is
/// not in the DOM while hidden.
#[component]
fn QuestionView(question: Question, index: QuestionIndex) -> impl IntoView {
    let context = expect_context::<FormContext>();
    let language = use_language();
    let signals = context.signals(index);
    let question_id = question.id.clone();
    move || {
        // Reading the language here re-renders the question in a new language;
        // its input is rebuilt from the engine's answer, so nothing is lost.
        let lang = language.get();
        signals.visible.get().then(|| {
            let question = question.clone();
            let has_error = move || {
                signals.errors.with(|errors| !errors.is_empty())
                    || context.server_errors.with(|errors| errors.iter().any(|(question, _)| *question == index))
            };
            let help = question.help(&lang.code).map(str::to_string).map(|text| {
                view! { <p class="help" id=help_id(index)>{text}</p> }
            });
            let has_help = question.help_text.is_some();
            let described_by = move || {
                let mut ids = Vec::new();
                if has_help {
                    ids.push(help_id(index));
                }
                if has_error() {
                    ids.push(error_id(index));
                }
                (!ids.is_empty()).then(|| ids.join(" "))
            };
            let question_for_errors = question.clone();
            let error = move || {
                let question = question_for_errors.clone();
                has_error().then(|| {
                    view! {
                        <p class="error-message" id=error_id(index)>
                            {
                                move || {
                                    let language = language.get();
                                    let mut messages: Vec<String> = signals
                                        .errors
                                        .get()
                                        .iter()
                                        .map(|issue| issue_message(issue, &question, &language))
                                        .collect();
                                    messages.extend(context.server_errors.with(|errors| errors.iter().filter(|(question, _)| *question == index).flat_map(|(_, messages)| messages.clone()).collect::<Vec<_>>()));
                                    messages.join(" ")
                                }
                            }
                        </p>
                    }
                })
            };
            let (help_before, help_after) = match question.help_text_position {
                HelpTextPosition::BeforeInput => (help, None),
                HelpTextPosition::AfterInput => (None, help),
            };
            let required = question.required();
            let grouped = matches!(AnswerKind::of(&question), AnswerKind::SingleChoice | AnswerKind::MultipleChoice | AnswerKind::Duration)
                && question.input_type != InputType::Select
                || question.is_multi_select()
                || question.input_type == InputType::Signature;
            let label_text = question.label(&lang.code).to_string();
            let input = input_for(&question, index, context, &lang, described_by, has_error);
            let class = move || if has_error() { "question has-error" } else { "question" };
            if question.input_type == InputType::Block {
                view! { <div class="question block" data-question-id=question_id.clone()><p>{label_text}</p></div> }.into_any()
            } else if grouped {
                view! {
                    <div class=class data-question-id=question_id.clone()>
                        <fieldset aria-describedby=described_by>
                            <legend>{label_text}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</legend>
                            {help_before}{error}{input}{help_after}
                        </fieldset>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class=class data-question-id=question_id.clone()>
                        <label for=input_id(index)>{label_text}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
                        {help_before}{error}{input}{help_after}
                    </div>
                }.into_any()
            }
        })
    }
}

fn text_answer(value: String) -> Option<Answer> {
    (!value.is_empty()).then_some(Answer::Text(value))
}

/// The bare input for a question, wired to the engine.
fn input_for(
    question: &Question,
    index: QuestionIndex,
    context: FormContext,
    lang: &Language,
    described_by: impl Fn() -> Option<String> + Clone + Send + Sync + 'static,
    has_error: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> AnyView {
    let id = input_id(index);
    let required = question.required();
    let invalid = move || has_error().then_some("true");
    let current_text = match context.answer(index) {
        Some(Answer::Text(text)) => text,
        _ => String::new(),
    };
    let placeholder = question.placeholder(&lang.code).map(str::to_string);
    let text = lang.text();
    match (&question.input_type, AnswerKind::of(question)) {
        (_, AnswerKind::NoAnswer) => ().into_any(),
        (InputType::Textarea, _) => view! {
            <textarea id=id rows="4" placeholder=placeholder aria-required=required.then_some("true") aria-invalid=invalid
                aria-describedby=described_by prop:value=current_text
                on:input=move |event| context.set_answer(index, text_answer(event_target_value(&event)))></textarea>
        }.into_any(),
        (_, AnswerKind::Duration) => {
            let (start, end) = match context.answer(index) {
                Some(Answer::Duration { start, end }) => (start, end),
                _ => (String::new(), String::new()),
            };
            let start = RwSignal::new(start);
            let end = RwSignal::new(end);
            let update = move || {
                let (start, end) = (start.get_untracked(), end.get_untracked());
                let answer = (!start.is_empty() || !end.is_empty()).then_some(Answer::Duration { start, end });
                context.set_answer(index, answer);
            };
            view! {
                <div class="duration">
                    <label for=id.clone()>{text.start_date}</label>
                    <input type="date" id=id prop:value=move || start.get() aria-invalid=invalid
                        on:change=move |event| { start.set(event_target_value(&event)); update(); } />
                    <label for=format!("q-{index}-end")>{text.end_date}</label>
                    <input type="date" id=format!("q-{index}-end") prop:value=move || end.get() aria-invalid=invalid
                        on:change=move |event| { end.set(event_target_value(&event)); update(); } />
                </div>
            }.into_any()
        }
        (_, AnswerKind::SingleChoice) if question.input_type == InputType::Select => {
            let chosen = match context.answer(index) {
                Some(Answer::Choice(id)) => id,
                _ => String::new(),
            };
            let options = question.input_options.iter().map(|option| {
                let selected = option.id == chosen;
                view! { <option value=option.id.clone() selected=selected>{question.option_label(option, &lang.code).to_string()}</option> }
            }).collect_view();
            view! {
                <select id=id aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described_by
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        context.set_answer(index, (!value.is_empty()).then_some(Answer::Choice(value)));
                    }>
                    <option value="">{text.choose}</option>
                    {options}
                </select>
            }.into_any()
        }
        (_, AnswerKind::SingleChoice) => {
            let chosen = match context.answer(index) {
                Some(Answer::Choice(id)) => id,
                _ => String::new(),
            };
            let name = format!("q-{index}-choice");
            question.input_options.iter().enumerate().map(|(position, option)| {
                let option_id = option.id.clone();
                // The first radio carries the question's id so the error summary can link to it.
                let element_id = if position == 0 { input_id(index) } else { format!("q-{index}-option-{position}") };
                view! {
                    <div class="choice">
                        <input type="radio" id=element_id.clone() name=name.clone() value=option.id.clone() checked=option.id == chosen
                            aria-invalid=invalid
                            on:change=move |_| context.set_answer(index, Some(Answer::Choice(option_id.clone()))) />
                        <label for=element_id>{question.option_label(option, &lang.code).to_string()}</label>
                    </div>
                }
            }).collect_view().into_any()
        }
        (_, AnswerKind::MultipleChoice) => {
            // Multi-selects are shown as checkboxes: easier with a keyboard,
            // touch or screen reader than a <select multiple>.
            question.input_options.iter().enumerate().map(|(position, option)| {
                let option_id = option.id.clone();
                let checked = matches!(context.answer(index), Some(Answer::Choices(ids)) if ids.contains(&option.id));
                let element_id = if position == 0 { input_id(index) } else { format!("q-{index}-option-{position}") };
                view! {
                    <div class="choice">
                        <input type="checkbox" id=element_id.clone() value=option.id.clone() checked=checked aria-invalid=invalid
                            on:change=move |event| {
                                let mut ids = match context.answer(index) {
                                    Some(Answer::Choices(ids)) => ids,
                                    _ => Vec::new(),
                                };
                                ids.retain(|id| *id != option_id);
                                if event_target_checked(&event) {
                                    ids.push(option_id.clone());
                                }
                                context.set_answer(index, (!ids.is_empty()).then_some(Answer::Choices(ids)));
                            } />
                        <label for=element_id>{question.option_label(option, &lang.code).to_string()}</label>
                    </div>
                }
            }).collect_view().into_any()
        }
        (InputType::Signature, _) => view! {
            <SignatureInput index=index context=context invalid=Signal::derive(has_error) />
        }.into_any(),
        (_, AnswerKind::Flag) => {
            let checked = matches!(context.answer(index), Some(Answer::Flag(true)));
            view! {
                <input type="checkbox" id=id checked=checked aria-required=required.then_some("true") aria-invalid=invalid
                    aria-describedby=described_by
                    on:change=move |event| context.set_answer(index, event_target_checked(&event).then_some(Answer::Flag(true))) />
            }.into_any()
        }
        (input_type, kind) => {
            let html_type = match (input_type, kind) {
                (_, AnswerKind::Date) => "date".to_string(),
                (InputType::Number, _) => "text".to_string(),
                (InputType::Email | InputType::Tel | InputType::Url | InputType::Time, _) => input_type.as_str().to_string(),
                (InputType::OtherHtml(name), _) => name.clone(),
                _ => "text".to_string(),
            };
            // Numbers use a text input with a numeric keyboard: type=number
            // silently drops what it cannot parse, which would lose typing.
            let input_mode = (*input_type == InputType::Number).then_some("decimal");
            let autocomplete = match input_type {
                InputType::Email => Some("email"),
                InputType::Tel => Some("tel"),
                _ => None,
            };
            view! {
                <input type=html_type id=id placeholder=placeholder inputmode=input_mode autocomplete=autocomplete
                    aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described_by
                    prop:value=current_text
                    on:input=move |event| context.set_answer(index, text_answer(event_target_value(&event))) />
            }.into_any()
        }
    }
}

/// The canvas's drawing size in pixels; CSS scales it to the column.
const SIGNATURE_WIDTH: u32 = 600;
const SIGNATURE_HEIGHT: u32 = 180;

fn canvas_context(
    canvas: &web_sys::HtmlCanvasElement,
) -> Option<web_sys::CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|context| wasm_bindgen::JsCast::dyn_into(context).ok())
}

/// A signature: drawn on a canvas with mouse, pen or finger (pointer
/// events), or typed, for people who cannot draw: the typed name is
/// written onto the canvas, so the answer is a PNG either way. What happens
/// is announced in a live region; the canvas itself is an image to screen
/// readers, and the typed field is the keyboard's way in.
#[component]
fn SignatureInput(
    index: QuestionIndex,
    context: FormContext,
    invalid: Signal<bool>,
) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let drawing = StoredValue::new(false);
    let drawn_anything = StoredValue::new(false);
    let announcement = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let signed = RwSignal::new(
        matches!(context.answer(index), Some(Answer::Text(ref image)) if !image.is_empty()),
    );

    let prepare = move |canvas: &web_sys::HtmlCanvasElement| {
        if let Some(pen) = canvas_context(canvas) {
            pen.set_fill_style_str("#ffffff");
            pen.fill_rect(
                0.0,
                0.0,
                f64::from(SIGNATURE_WIDTH),
                f64::from(SIGNATURE_HEIGHT),
            );
            pen.set_stroke_style_str("#1b1b1b");
            pen.set_line_width(3.0);
            pen.set_line_cap("round");
            pen.set_line_join("round");
        }
    };
    let commit = move || {
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        if let Ok(image) = canvas.to_data_url_with_type("image/png") {
            context.set_answer(index, Some(Answer::Text(image)));
            signed.set(true);
        }
    };
    // Paint the white background, and an earlier signature when there is one.
    Effect::new(move |_| {
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        prepare(&canvas);
        if let Some(Answer::Text(image)) = context.answer(index) {
            if let Ok(picture) = web_sys::HtmlImageElement::new() {
                let target = canvas.clone();
                let loaded = picture.clone();
                let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
                    if let Some(pen) = canvas_context(&target) {
                        let _ = pen.draw_image_with_html_image_element(&loaded, 0.0, 0.0);
                    }
                });
                picture.set_onload(Some(wasm_bindgen::JsCast::unchecked_ref(&onload)));
                picture.set_src(&image);
            }
        }
    });
    let point = move |event: &web_sys::PointerEvent| -> Option<(f64, f64)> {
        let canvas = canvas_ref.get_untracked()?;
        let width = f64::from(canvas.client_width().max(1));
        let height = f64::from(canvas.client_height().max(1));
        Some((
            f64::from(event.offset_x()) * f64::from(SIGNATURE_WIDTH) / width,
            f64::from(event.offset_y()) * f64::from(SIGNATURE_HEIGHT) / height,
        ))
    };
    let start = move |event: web_sys::PointerEvent| {
        event.prevent_default();
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        let _ = canvas.set_pointer_capture(event.pointer_id());
        if let (Some(pen), Some((x, y))) = (canvas_context(&canvas), point(&event)) {
            if !drawn_anything.get_value() {
                // A typed signature is replaced by a drawn one.
                prepare(&canvas);
                typed.set(String::new());
            }
            pen.begin_path();
            pen.move_to(x, y);
            pen.line_to(x + 0.1, y + 0.1);
            pen.stroke();
            drawing.set_value(true);
            drawn_anything.set_value(true);
        }
    };
    let extend = move |event: web_sys::PointerEvent| {
        if !drawing.get_value() {
            return;
        }
        event.prevent_default();
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        if let (Some(pen), Some((x, y))) = (canvas_context(&canvas), point(&event)) {
            pen.line_to(x, y);
            pen.stroke();
        }
    };
    let finish = move |_: web_sys::PointerEvent| {
        if drawing.get_value() {
            drawing.set_value(false);
            commit();
            announcement.set(text().signature_drawn.to_string());
        }
    };
    let clear = move |_| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            prepare(&canvas);
        }
        drawn_anything.set_value(false);
        typed.set(String::new());
        signed.set(false);
        context.set_answer(index, None);
        announcement.set(text().signature_cleared.to_string());
    };
    let write_typed = move |name: String| {
        typed.set(name.clone());
        let Some(canvas) = canvas_ref.get_untracked() else {
            return;
        };
        prepare(&canvas);
        drawn_anything.set_value(false);
        if name.trim().is_empty() {
            signed.set(false);
            context.set_answer(index, None);
            return;
        }
        if let Some(pen) = canvas_context(&canvas) {
            pen.set_fill_style_str("#1b1b1b");
            pen.set_font("italic 44px 'Segoe Script', 'Brush Script MT', cursive");
            let _ = pen.fill_text(name.trim(), 24.0, f64::from(SIGNATURE_HEIGHT) * 0.62);
        }
        commit();
    };
    let typed_id = format!("q-{index}-typed");
    view! {
        <div class="signature">
            <canvas id=input_id(index) node_ref=canvas_ref class="signature-pad" width=SIGNATURE_WIDTH height=SIGNATURE_HEIGHT
                role="img" aria-label=move || text().signature_pad_label aria-invalid=move || invalid.get().then_some("true")
                data-testid="signature-pad"
                on:pointerdown=start on:pointermove=extend on:pointerup=finish on:pointercancel=finish></canvas>
            <p class="hint">{move || if signed.get() { text().signature_done } else { text().signature_hint }}</p>
            <button type="button" class="button secondary" on:click=clear>{move || text().signature_clear}</button>
            <label for=typed_id.clone() class="signature-typed-label">{move || text().signature_type_instead}</label>
            <input type="text" id=typed_id autocomplete="name" prop:value=move || typed.get()
                on:input=move |event| write_typed(event_target_value(&event)) />
            <p class="visually-hidden" role="status" aria-live="polite">{move || announcement.get()}</p>
        </div>
    }
}
