//! Renders a form from the engine's state. Each question has its own
//! visibility and error signals, so an answer re-renders only the questions
//! whose visibility or messages it changes.

use intake_engine::targets::autofill_token;
use intake_engine::Navigator;
use intake_engine::{
    date_parts, date_with_part, Answer, AnswerKind, Form, FormState, HelpTextPosition, InputType,
    Question, QuestionIndex,
};
use leptos::prelude::*;
use std::rc::Rc;
use std::sync::Arc;

use crate::shared::draft;
use crate::shared::i18n::{Language, Text};
use crate::shared::language::{use_language, LanguageContext};
use crate::shared::later::{self, use_later};
pub use crate::shared::state::{ChangeFn, Submitter};
use crate::shared::state::{FormContext, Pages, QuestionSignals};

/// How long typing must pause before the draft is written.
const DRAFT_DELAY: std::time::Duration = std::time::Duration::from_millis(400);

impl FormContext {
    pub(crate) fn signals(&self, question: QuestionIndex) -> QuestionSignals {
        self.questions.with_value(|signals| signals[question])
    }

    pub(crate) fn answer(&self, question: QuestionIndex) -> Option<Answer> {
        self.state
            .with_value(|state| state.answer(question).cloned())
    }

    /// Gives the answer to the engine and updates only what changed.
    pub(crate) fn set_answer(&self, question: QuestionIndex, answer: Option<Answer>) {
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
                std::iter::once(question)
                    .chain(changes.iter().map(|change| change.question))
                    .collect(),
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
        let (state, parts) = (self.state, self.later);
        // Writing comes with the later parts (the JSON writer is no part of
        // the widget's first load); they are on their way once the form
        // shows, and a draft asked for before they arrive is written then.
        let handle = set_timeout_with_handle(
            move || {
                later::with_later(
                    parts,
                    move |parts| {
                        state.try_with_value(|state| (parts.save_draft)(&key, state));
                    },
                    || {},
                );
            },
            DRAFT_DELAY,
        );
        self.draft_timer.set_value(handle.ok());
    }

    /// Recomputes the errors of `questions` and the summary (the checking
    /// comes later, with the parts that need it; errors only show after a
    /// first check, which brought those parts).
    pub(crate) fn refresh_errors(&self, questions: Vec<QuestionIndex>) {
        if let Some(parts) = self.later.get_untracked() {
            (parts.refresh_errors)(*self, questions);
        }
    }

    /// Whether a question is shown now (without tracking it).
    pub(crate) fn shown_now(&self, question: QuestionIndex) -> bool {
        self.signals(question).visible.get_untracked()
    }

    pub(crate) fn go_to(&self, target: usize) {
        self.pages.page.set(target);
        self.scope.set_value(
            self.pages
                .navigator
                .with_value(|pages| pages.questions_on(target)),
        );
        if self.attempted.get_untracked() {
            self.refresh_errors(Vec::new());
        }
    }

    fn back(&self) {
        let current = self.pages.page.get_untracked();
        let previous = self
            .pages
            .navigator
            .with_value(|pages| pages.back(current, |question| self.shown_now(question)));
        if let Some(previous) = previous {
            self.pages.finished.set(false);
            self.go_to(previous);
            self.focus_progress_later();
        }
    }

    /// Moves focus to the step's progress line once the new step is drawn,
    /// so a screen reader says where the person is now (after Back here,
    /// and after a check in the later parts' `focus_later`).
    pub(crate) fn focus_progress_later(&self) {
        let progress = self.pages.progress_ref;
        request_animation_frame(move || {
            if let Some(progress) = progress.get() {
                let _ = progress.focus();
            }
        });
    }

    /// Tells the page of the answers now (the preview's panel, the staff
    /// page's list of changes).
    fn refresh_response(&self) {
        if let Some(on_change) = self.on_change.get_value() {
            self.state.with_value(|state| on_change(state));
        }
    }
}

pub(crate) fn input_id(question: QuestionIndex) -> String {
    format!("q-{question}")
}

pub(crate) fn error_id(question: QuestionIndex) -> String {
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
    form: Arc<Form>,
    #[prop(optional)] keep_draft: bool,
    /// Splits long steps so none holds more than this many questions.
    #[prop(optional_no_strip)]
    max_questions_per_step: Option<usize>,
    /// Sends the answers: without it the form is a preview that never sends.
    #[prop(optional_no_strip)]
    submitter: Option<Submitter>,
    /// Said in the form's status line once the last check passed, on a
    /// form that does not send (the preview).
    #[prop(optional)]
    valid_note: Option<fn(&Language) -> &'static str>,
    /// Answers to start from, e.g. a stored record opened for editing.
    #[prop(optional_no_strip)]
    initial_answers: Option<serde_json::Map<String, serde_json::Value>>,
    /// Separates drafts of one form, e.g. per person being edited.
    #[prop(optional_no_strip)]
    draft_scope: Option<String>,
    /// Called with the state after every change of answer.
    #[prop(optional_no_strip)]
    on_change: Option<ChangeFn>,
    /// The person answers about themselves (the widget): fields bound to
    /// the person name their autofill token. Staff type someone else's
    /// details, which the browser's own must not fill.
    #[prop(optional)]
    about_themselves: bool,
    /// Makes the questions' views after the first ones a slice at a time
    /// (`draw_in_slices`); without it every view is made at once.
    #[prop(optional_no_strip)]
    draw_later: Option<fn(Vec<RwSignal<bool>>)>,
) -> impl IntoView {
    let language = use_language();
    // The document claims a language the catalogue lacks only while a form
    // that has its words is on screen (see `LanguageContext`).
    if let Some(LanguageContext(_, speaks)) = use_context() {
        speaks.set(form.speaks(&language.get_untracked().code));
        on_cleanup(move || speaks.set(false));
    }
    let draft_key =
        keep_draft.then(|| draft::scoped_key(&form.id, &form.name, draft_scope.as_deref()));
    let mut state = FormState::from_shared(form);
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
            drawn: RwSignal::new(draw_later.is_none() || question < FIRST_SLICE_QUESTIONS),
        })
        .collect();
    if let Some(draw_later) = draw_later {
        draw_later(signals.iter().map(|signals| signals.drawn).collect());
    }
    let form = state.shared_form();

    let navigator = Navigator::new(&form, max_questions_per_step);
    let step_count = navigator.step_count();
    let review_page = navigator.review_page();
    let last_page = navigator.last_page();
    let step_of_section: Vec<usize> = (0..form.sections.len())
        .map(|section| navigator.step_of_section(section))
        .collect();
    let pages = Pages {
        page: RwSignal::new(0),
        finished: RwSignal::new(false),
        navigator: StoredValue::new(navigator),
        summary_ref: NodeRef::new(),
        progress_ref: NodeRef::new(),
    };
    let submits = submitter.is_some();
    let busy = submitter
        .as_ref()
        .map_or(Signal::derive(|| false), |submitter| submitter.busy);
    let incoming_server_errors = submitter.as_ref().map(|submitter| submitter.server_errors);
    let context = FormContext {
        state: StoredValue::new(state),
        questions: StoredValue::new(signals),
        attempted: RwSignal::new(false),
        summary: RwSignal::new(Vec::new()),
        scope: StoredValue::new(Vec::new()),
        draft_key: StoredValue::new(draft_key),
        draft_timer: StoredValue::new(None),
        server_errors: RwSignal::new(Vec::new()),
        server_general: RwSignal::new(Vec::new()),
        on_change: StoredValue::new_local(on_change),
        submitter: StoredValue::new_local(submitter),
        pages,
        later: use_later(),
        later_unavailable: RwSignal::new(false),
        awaiting_later: RwSignal::new(false),
        about_themselves,
    };
    context.refresh_response();
    context
        .scope
        .set_value(pages.navigator.with_value(|pages| pages.questions_on(0)));
    provide_context(context);

    let advance = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if context.awaiting_later.get_untracked() {
            return;
        }
        context.later_unavailable.set(false);
        if context.later.get_untracked().is_none() {
            context.awaiting_later.set(true);
        }
        later::with_later(
            context.later,
            move |parts| {
                context.awaiting_later.set(false);
                (parts.advance)(context);
            },
            move || {
                context.awaiting_later.set(false);
                context.later_unavailable.set(true);
            },
        );
    };

    // Server errors arrive after a send (which brought the later parts):
    // they go on their questions, and focus moves to the summary.
    if let Some(incoming) = incoming_server_errors {
        Effect::new(move |_| {
            let placed = incoming.get();
            if placed.by_question.is_empty() && placed.general.is_empty() {
                return;
            }
            if let Some(parts) = context.later.get_untracked() {
                (parts.place_server_errors)(context, &placed);
            }
        });
    }

    let progress_text = {
        move || {
            let current = pages.page.get();
            // Reading visibility of every step keeps the count right as answers hide steps.
            pages.navigator.with_value(|pages| {
                pages.progress(current, |question| context.signals(question).visible.get())
            })
        }
    };

    let title_form = form.clone();
    let title = move || title_form.name_in(language.get().primary()).to_string();
    let has_title = !form.name.trim().is_empty();
    let sections = form
        .sections
        .iter()
        .enumerate()
        .map(|(section_index, section)| {
            let questions: Vec<QuestionIndex> = section.questions.clone();
            // The heading follows the language when the section has translations.
            let heading = (section.display_name && !section.name.trim().is_empty()).then(|| {
                let section = section.clone();
                move || section.name_in(language.get().primary()).to_string()
            });
            let section_step = step_of_section[section_index];
            let any_visible = {
                let questions = questions.clone();
                move || {
                    questions
                        .iter()
                        .any(|&question| context.signals(question).visible.get())
                }
            };
            let rendered = questions
                .iter()
                .map(|&question| question_view(form.clone(), question))
                .collect_view();
            view! {
                <section class="form-section" data-section-index=section_index
                    hidden=move || pages.page.get() != section_step || !any_visible()>
                    // Under the form's title (h2), below the page's h1.
                    {heading.map(|heading| view! { <h3>{heading}</h3> })}
                    {rendered}
                </section>
            }
        })
        .collect_view();

    // The review page: reached only through a check, which brought the parts that draw it.
    let review = move || {
        (review_page == Some(pages.page.get()))
            .then(|| context.later.get().map(|parts| (parts.review)(context)))
    };

    // The last check passed, on a form that does not send.
    let valid_note = move || {
        pages
            .finished
            .get()
            .then_some(valid_note)
            .flatten()
            .map(|note| note(&language.get()))
    };
    let primary_label = move || {
        let current = pages.page.get();
        let last = current >= last_page;
        if context.awaiting_later.get() {
            language.get().text().checking
        } else if last && submits && busy.get() {
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
                {has_title.then(|| view! { <h2 class="form-title">{title}</h2> })}
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
                <p class="progress" tabindex="-1" node_ref=pages.progress_ref data-testid="progress" hidden=step_count < 2>
                    {move || { let (position, total) = progress_text(); (language.get().text().step_of)(position, total) }}
                </p>
                {(step_count > 1).then(|| view! {
                    <progress class="progress-bar" aria-hidden="true" max=move || progress_text().1 value=move || progress_text().0></progress>
                })}
                {move || context.later.get().map(|parts| (parts.error_summary)(context))}
                {sections}
                {review}
                <p class="status" role="status" data-testid="form-status">
                    {valid_note}
                    // Until the parts come: the background fetch may bring them first.
                    {move || (context.later_unavailable.get() && context.later.with(Option::is_none)).then(|| language.get().text().part_unavailable)}
                </p>
                <div class="form-actions">
                    {move || (pages.page.get() > 0).then(|| {
                        view! { <button type="button" class="button secondary" on:click=move |_| context.back()>{move || language.get().text().back}</button> }
                    })}
                    <button type="submit" class="button" aria-disabled=move || (busy.get() || context.awaiting_later.get()).then_some("true")>{primary_label}</button>
                </div>
            </form>
        </div>
    }
}

/// How many questions are drawn at once when the rest come in slices: a
/// screenful and more.
const FIRST_SLICE_QUESTIONS: usize = 24;
/// How many questions each later slice draws: a few milliseconds of work,
/// so a person's click or key never waits long behind one.
const SLICE_QUESTIONS: usize = 12;

/// Draws the questions not drawn yet (`drawn`, in the form's order) after
/// the first frame, a slice at a time, each after whatever the browser has
/// waiting (a frame, a click): a long form then shows its first question
/// without waiting for its last. Answers, conditions, checks, drafts and
/// the review are the engine's, which has the whole form from the start.
/// Every page passes it to `FormView`; without it (the component tests)
/// every question is drawn at once.
pub fn draw_in_slices(drawn: Vec<RwSignal<bool>>) {
    request_animation_frame(move || draw_slice(drawn, FIRST_SLICE_QUESTIONS));
}

fn draw_slice(drawn: Vec<RwSignal<bool>>, from: usize) {
    if from >= drawn.len() {
        return;
    }
    set_timeout(
        move || {
            for signal in drawn.iter().skip(from).take(SLICE_QUESTIONS) {
                // The form is gone: nothing is left to draw.
                if signal.try_set(true).is_some() {
                    return;
                }
            }
            draw_slice(drawn, from + SLICE_QUESTIONS);
        },
        std::time::Duration::ZERO,
    );
}

/// One question: label, help before or after the input, error, input.
/// Its view is made once (again only when the language changes): while its
/// conditions hide it, it stays in the DOM, `hidden`, so it is out of the
/// accessibility tree and the tab order, and showing it again only clears
/// the attribute instead of building every element anew.
fn question_view(form: Arc<Form>, index: QuestionIndex) -> impl IntoView {
    let context = expect_context::<FormContext>();
    let language = use_language();
    let signals = context.signals(index);
    let question_id = form.questions[index].id.clone();
    let is_block = form.questions[index].input_type == InputType::Block;
    let has_error = move || {
        signals.errors.with(|errors| !errors.is_empty())
            || context
                .server_errors
                .with(|errors| errors.iter().any(|(question, _)| *question == index))
    };
    let class = move || {
        if is_block {
            "question block"
        } else if has_error() {
            "question has-error"
        } else {
            "question"
        }
    };
    let content = move || {
        // Reading the language here re-renders the question in a new language;
        // its input is rebuilt from the engine's answer, so nothing is lost.
        let lang = language.get();
        if !signals.drawn.get() {
            return ().into_any();
        }
        let question = &form.questions[index];
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
        // Errors show only after a check, which brought the parts that word them.
        let form_for_errors = form.clone();
        let error = move || {
            has_error()
                .then(|| context.later.get())
                .flatten()
                .map(|parts| (parts.question_error)(context, index, form_for_errors.clone()))
        };
        let (help_before, help_after) = match question.help_text_position {
            HelpTextPosition::BeforeInput => (help, None),
            HelpTextPosition::AfterInput => (None, help),
        };
        let required = question.required();
        let grouped = matches!(
            AnswerKind::of(question),
            AnswerKind::SingleChoice
                | AnswerKind::MultipleChoice
                | AnswerKind::Duration
                | AnswerKind::Date
        ) && question.input_type != InputType::Select
            || question.is_multi_select()
            || question.input_type == InputType::Signature;
        // Radios are one choice, so the group is what is required: a
        // screen reader hears it on the group (aria-required means
        // nothing on a plain fieldset, and `required` on a radio makes
        // Chromium call it invalid before anything was chosen).
        let required_radios =
            required && grouped && AnswerKind::of(question) == AnswerKind::SingleChoice;
        let star = move || {
            required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })
        };
        let label_text = question.label(&lang.code).to_string();
        if is_block {
            view! { <p>{label_text}</p> }.into_any()
        } else if grouped {
            // A required group other than radios says so to a screen
            // reader in words (the style sheet adds them, unseen, to its
            // name): the star is hidden from it, and a group cannot be
            // marked required.
            let required_word = if required && !required_radios {
                lang.text().required_group
            } else {
                ""
            }
            .to_string();
            let input = input_for(question, index, context, &lang, described_by, has_error);
            view! {
                <fieldset aria-describedby=described_by role=required_radios.then_some("radiogroup")
                    aria-required=required_radios.then_some("true")>
                    <legend data-required=required_word>{label_text}{star()}</legend>
                    {help_before}{error}{input}{help_after}
                </fieldset>
            }
            .into_any()
        } else {
            let input = input_for(question, index, context, &lang, described_by, has_error);
            view! {
                <label for=input_id(index)>{label_text}{star()}</label>
                {help_before}{error}{input}{help_after}
            }
            .into_any()
        }
    };
    view! {
        <div class=class data-question-id=question_id hidden=move || !signals.visible.get()>
            {content}
        </div>
    }
}

/// One of the fields that together give one answer: a date's day, month
/// or year, a duration's start or end.
struct PartField {
    /// What `on_input` is told this field is.
    place: usize,
    label: &'static str,
    value: String,
    autocomplete: Option<&'static str>,
}

/// A date's fields: the day, the month and the year, in the order the
/// language writes them, each a numeric field with its own label and
/// `autocomplete` (by the part's place in `date_parts`: day, month, year).
/// `on_input` is told which part changed, by that place, and what it holds.
pub(crate) fn date_fields(
    id: String,
    value: &str,
    text: &'static Text,
    autocomplete: [Option<&'static str>; 3],
    invalid: impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static,
    on_input: Rc<dyn Fn(usize, String)>,
) -> AnyView {
    let typed = date_parts(value);
    let fields = text
        .date_order
        .iter()
        .zip(text.date_labels)
        .map(|(&position, label)| PartField {
            place: position,
            label,
            value: typed[position].to_string(),
            autocomplete: autocomplete[position],
        })
        .collect();
    part_fields(id, fields, "text", invalid, on_input)
}

/// Labelled fields that together give one answer; `on_input` is told which
/// field changed (its `place`) and what it holds now. The first field's id
/// is `id`, for the error summary's link; the others add their position to
/// it. One view for every such question, so the widget's first load
/// carries its code once.
fn part_fields(
    id: String,
    fields: Vec<PartField>,
    input_type: &'static str,
    invalid: impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static,
    on_input: Rc<dyn Fn(usize, String)>,
) -> AnyView {
    // A date's parts are typed as numbers; a duration's are date fields.
    let (class, input_mode) = match input_type {
        "text" => ("date-part", Some("numeric")),
        _ => ("duration-part", None),
    };
    fields
        .into_iter()
        .enumerate()
        .map(|(position, field)| {
            let on_input = on_input.clone();
            let id = if position == 0 { id.clone() } else { format!("{id}-{position}") };
            view! {
                <div class=class>
                    <label for=id.clone()>{field.label}</label>
                    <input type=input_type id=id inputmode=input_mode autocomplete=field.autocomplete
                        aria-invalid=invalid prop:value=field.value
                        on:input=move |event| on_input(field.place, event_target_value(&event)) />
                </div>
            }
        })
        .collect_view()
        .into_any()
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
    // A person's own details are named for the browser's autofill (WCAG
    // 1.3.5), a birth date too. Nothing else is: an email or phone question
    // not bound to the person may be someone else's, and browsers neither
    // offer nor remember what a private answer holds.
    let autofill = question
        .field
        .as_deref()
        .filter(|_| context.about_themselves)
        .and_then(autofill_token);
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
            let fields = vec![
                PartField { place: 0, label: text.start_date, value: start, autocomplete: None },
                PartField { place: 1, label: text.end_date, value: end, autocomplete: None },
            ];
            part_fields(id, fields, "date", invalid, Rc::new(move |position, typed| {
                let (mut start, mut end) = match context.answer(index) {
                    Some(Answer::Duration { start, end }) => (start, end),
                    _ => (String::new(), String::new()),
                };
                *if position == 0 { &mut start } else { &mut end } = typed;
                let answer = (!start.is_empty() || !end.is_empty()).then_some(Answer::Duration { start, end });
                context.set_answer(index, answer);
            }))
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
        // GOV.UK's date input: the day, the month and the year, in the
        // order the language writes them, each a numeric field with its own
        // label and autofill token. A browser's date field speaks the
        // browser's language and order, not the page's, and turns what it
        // cannot read into nothing; these keep what was typed, for the
        // engine to call it not a real date.
        (_, AnswerKind::Date) => {
            let autocomplete = if autofill == Some("bday") {
                ["bday-day", "bday-month", "bday-year"].map(Some)
            } else {
                [question.is_sensitive.then_some("off"); 3]
            };
            date_fields(id, &current_text, text, autocomplete, invalid, Rc::new(move |position, typed| {
                let answer = match context.answer(index) {
                    Some(Answer::Text(text)) => text,
                    _ => String::new(),
                };
                context.set_answer(index, date_with_part(&answer, position, &typed).map(Answer::Text));
            }))
        }
        // The signature pad comes with the later parts, fetched as soon as
        // the form is on screen; it is at the end of the form.
        (InputType::Signature, _) => {
            let invalid = Signal::derive(has_error);
            (move || match context.later.get() {
                Some(parts) => (parts.signature)(context, index, invalid),
                None => view! { <p class="hint">{text.signature_loading}</p> }.into_any(),
            })
            .into_any()
        }
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
                (InputType::Number, _) => "text".to_string(),
                (InputType::Email | InputType::Tel | InputType::Url | InputType::Time, _) => input_type.as_str().to_string(),
                // A definition's password question is asked as text: a
                // password field makes browsers offer saved passwords (a
                // staff member's token among them) to fill in.
                (InputType::OtherHtml(name), _) if name.eq_ignore_ascii_case("password") => "text".to_string(),
                (InputType::OtherHtml(name), _) => name.clone(),
                _ => "text".to_string(),
            };
            let private = question.is_sensitive
                || matches!(input_type, InputType::OtherHtml(name) if name.eq_ignore_ascii_case("password"));
            // Numbers use a text input with a numeric keyboard: type=number
            // silently drops what it cannot parse, which would lose typing.
            let input_mode = (*input_type == InputType::Number).then_some("decimal");
            let autocomplete = autofill.or(private.then_some("off"));
            view! {
                <input type=html_type id=id placeholder=placeholder inputmode=input_mode autocomplete=autocomplete
                    aria-required=required.then_some("true") aria-invalid=invalid aria-describedby=described_by
                    prop:value=current_text
                    on:input=move |event| context.set_answer(index, text_answer(event_target_value(&event))) />
            }.into_any()
        }
    }
}
