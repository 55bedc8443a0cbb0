//! The form's parts that are not needed to show it and answer it: checking
//! answers, the error summary and each question's error message, moving
//! between steps after a check, the review page and the signature pad. They
//! reach the form only through [`crate::shared::later::Later`], so the widget's
//! build fetches them once the form is on screen (see `crate::shared::later`).

use intake_engine::targets::PlacedErrors;
use intake_engine::{Answer, Form, FormState, InputType, Issue, Onward, QuestionIndex};
use leptos::prelude::*;
use std::sync::Arc;

use crate::shared::form_view::{error_id, input_id};
use crate::shared::i18n::issue_message;
use crate::shared::language::use_language;
use crate::shared::state::FormContext;

/// Recomputes the errors of `questions` and the error summary of the
/// current scope.
pub(crate) fn refresh_errors(context: FormContext, questions: Vec<QuestionIndex>) {
    for question in questions {
        let messages: Vec<Issue> = context.state.with_value(|state| state.issues(question));
        let signals = context.signals(question);
        if signals
            .errors
            .with_untracked(|current| *current != messages)
        {
            signals.errors.set(messages);
        }
    }
    let scope = context.scope.get_value();
    let summary: Vec<(QuestionIndex, Issue)> = context.state.with_value(|state| {
        state
            .issues_among(scope)
            .into_iter()
            .flat_map(|(question, issues)| issues.into_iter().map(move |issue| (question, issue)))
            .collect()
    });
    if context
        .summary
        .with_untracked(|current| *current != summary)
    {
        context.summary.set(summary);
    }
}

/// The person pressed Continue, Check answers or Send: check the step,
/// then move on, finish the preview or hand the answers to the submitter.
pub(crate) fn advance(context: FormContext) {
    let pages = context.pages;
    context.attempted.set(true);
    refresh_errors(context, context.scope.get_value());
    if !context.summary.with_untracked(Vec::is_empty) {
        context.focus_later(FocusTarget::Summary);
        return;
    }
    let current = pages.page.get_untracked();
    let onward = pages
        .navigator
        .with_value(|navigator| navigator.onward(current, |question| context.shown_now(question)));
    let next = match onward {
        Onward::Page(next) => next,
        Onward::Finish => {
            finish(context);
            return;
        }
    };
    // Errors show for the step the person tried to leave, not for the
    // questions of the next one, which they have not seen yet.
    context.attempted.set(false);
    context.go_to(next);
    context.focus_later(FocusTarget::Progress);
}

/// The last page passed its check: hand the answers to the submitter, or
/// (the preview) say they are valid.
fn finish(context: FormContext) {
    match context.submitter.get_value() {
        Some(submitter) => {
            if !submitter.busy.get_untracked() {
                context
                    .state
                    .with_value(|state| (submitter.on_submit)(state));
            }
        }
        None => {
            context.pages.finished.set(true);
            context.focus_later(FocusTarget::Progress);
        }
    }
}

/// Puts the server's refusal on its questions, shows the review (or the
/// only step) and moves focus to the summary.
pub(crate) fn place_server_errors(context: FormContext, placed: &PlacedErrors) {
    let mut by_index: Vec<(QuestionIndex, Vec<String>)> = context.state.with_value(|state| {
        placed
            .by_question
            .iter()
            .filter_map(|(id, messages)| Some((state.form().question_index(id)?, messages.clone())))
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
    if let Some(review) = context
        .pages
        .navigator
        .with_value(|navigator| navigator.review_page())
    {
        context.go_to(review);
    }
    context.focus_later(FocusTarget::Summary);
}

/// The error summary: every problem of the step (or, on the review page, of
/// the form) and the server's, each linking to its question. It takes focus
/// after a check that found problems.
pub(crate) fn error_summary(context: FormContext) -> AnyView {
    let language = use_language();
    // The page's title says where the person is and, first, whether
    // something needs fixing (GOV.UK's "Error: "), in their language: a
    // screen reader reads it when the page changes, and a tab shows it.
    Effect::new(move |_| {
        let language = language.get();
        let errors = !(context.summary.with(Vec::is_empty)
            && context.server_errors.with(Vec::is_empty)
            && context.server_general.with(Vec::is_empty));
        let current = context.pages.page.get();
        let (position, total) = context.pages.navigator.with_value(|pages| {
            pages.progress(current, |question| context.signals(question).visible.get())
        });
        let name = context
            .state
            .with_value(|state| state.form().name_in(language.primary()).trim().to_string());
        let mut first = String::new();
        if errors {
            first.push_str(language.later_text().title_error);
        }
        if total > 1 {
            first.push_str(&(language.text().step_of)(position, total));
        }
        crate::shared::dom::set_title(first.trim_end(), Some(&name));
    });
    view! {
        <div class="error-summary" data-testid="error-summary" tabindex="-1" node_ref=context.pages.summary_ref
            aria-labelledby="error-summary-title"
            hidden=move || context.summary.with(Vec::is_empty) && context.server_errors.with(Vec::is_empty) && context.server_general.with(Vec::is_empty)>
            <h2 id="error-summary-title">{move || language.get().later_text().error_summary_title}</h2>
            <ul>
                {move || { let language = language.get(); context.summary.get().into_iter().map(|(question, issue)| {
                    let message = context.state.with_value(|state| issue_message(&issue, &state.form().questions[question], &language, context.about_themselves));
                    let href = format!("#{}", input_id(question));
                    view! { <li><a href=href on:click=move |event| { event.prevent_default(); context.show_question(question); }>{message}</a></li> }
                }).collect_view() }}
                {move || context.server_errors.get().into_iter().flat_map(|(question, messages)| {
                    messages.into_iter().map(move |message| {
                        let href = format!("#{}", input_id(question));
                        view! { <li data-server-error="true"><a href=href on:click=move |event| { event.prevent_default(); context.show_question(question); }>{message}</a></li> }
                    })
                }).collect_view()}
                {move || context.server_general.get().into_iter().map(|message| view! { <li data-server-error="true">{message}</li> }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// One question's error message: the engine's issues in the interface
/// language, then what the server said about it.
pub(crate) fn question_error(
    context: FormContext,
    index: QuestionIndex,
    form: Arc<Form>,
) -> AnyView {
    let language = use_language();
    let signals = context.signals(index);
    view! {
        <p class="error-message" id=error_id(index)>
            {move || {
                let language = language.get();
                let mut messages: Vec<String> = signals
                    .errors
                    .get()
                    .iter()
                    .map(|issue| issue_message(issue, &form.questions[index], &language, context.about_themselves))
                    .collect();
                messages.extend(context.server_errors.with(|errors| {
                    errors
                        .iter()
                        .filter(|(question, _)| *question == index)
                        .flat_map(|(_, messages)| messages.clone())
                        .collect::<Vec<_>>()
                }));
                messages.join(" ")
            }}
        </p>
    }
    .into_any()
}

/// "Check your answers": every shown answer with a Change link to its question.
pub(crate) fn review(context: FormContext) -> AnyView {
    let language = use_language();
    let rows = context.state.with_value(|state| {
        let form = state.form();
        form.questions
            .iter()
            .enumerate()
            .filter(|(index, question)| {
                question.input_type != InputType::Block && context.signals(*index).visible.get_untracked()
            })
            .map(|(index, question)| {
                let answer = state
                    .answer_text(index)
                    .unwrap_or_else(|| language.get_untracked().later_text().not_answered.into());
                let label = question.label(&language.get_untracked().code).to_string();
                view! {
                    <div class="review-row" data-review-question=question.id.clone()>
                        <dt>{label.clone()}</dt>
                        <dd>{answer}</dd>
                        <dd>
                            <button type="button" class="link-button" on:click=move |_| context.show_question(index)>
                                {language.get_untracked().later_text().change}<span class="visually-hidden">" " {label.clone()}</span>
                            </button>
                        </dd>
                    </div>
                }
            })
            .collect_view()
    });
    view! {
        <section class="review" data-testid="review">
            <h3>{move || language.get().later_text().review_title}</h3>
            <dl>{rows}</dl>
        </section>
    }
    .into_any()
}

/// The signature pad of question `index` (see [`SignatureInput`]).
pub(crate) fn signature(
    context: FormContext,
    index: QuestionIndex,
    invalid: Signal<bool>,
) -> AnyView {
    view! { <SignatureInput index=index context=context invalid=invalid /> }.into_any()
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
    let later = move || language.get().later_text();
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
            announcement.set(later().signature_drawn.to_string());
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
        announcement.set(later().signature_cleared.to_string());
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
    // The typed field carries the question's id: the error summary's link
    // and the checks' focus go to a control that can take focus, which the
    // canvas cannot.
    let typed_id = input_id(index);
    view! {
        <div class="signature">
            <canvas node_ref=canvas_ref class="signature-pad" width=SIGNATURE_WIDTH height=SIGNATURE_HEIGHT
                role="img" aria-label=move || later().signature_pad_label aria-invalid=move || invalid.get().then_some("true")
                data-testid="signature-pad"
                on:pointerdown=start on:pointermove=extend on:pointerup=finish on:pointercancel=finish></canvas>
            <p class="hint">{move || if signed.get() { later().signature_done } else { later().signature_hint }}</p>
            <button type="button" class="button secondary" on:click=clear>{move || later().signature_clear}</button>
            <label for=typed_id.clone() class="signature-typed-label">{move || later().signature_type_instead}</label>
            <input type="text" id=typed_id autocomplete="name" prop:value=move || typed.get()
                aria-invalid=move || invalid.get().then_some("true")
                on:input=move |event| write_typed(event_target_value(&event)) />
            <p class="visually-hidden" role="status" aria-live="polite">{move || announcement.get()}</p>
        </div>
    }
}

/// Writes the draft: every answer but sensitive ones and signatures.
pub(crate) fn save_draft(key: &str, state: &FormState) {
    crate::shared::draft::save(key, &state.draft_answers());
}

/// Where focus goes after the screen changes.
#[derive(Clone, Copy)]
pub(crate) enum FocusTarget {
    Summary,
    Progress,
    Question(QuestionIndex),
}

// Moving focus after a check, and to a question from the error summary or
// the review, is only done by the later parts, so it is kept with them,
// out of the first load.
impl FormContext {
    /// Moves focus once the screen has changed.
    pub(crate) fn focus_later(&self, target: FocusTarget) {
        match target {
            FocusTarget::Progress => self.focus_progress_later(),
            FocusTarget::Summary => {
                let summary = self.pages.summary_ref;
                request_animation_frame(move || {
                    if let Some(summary) = summary.get() {
                        let _ = summary.focus();
                    }
                });
            }
            FocusTarget::Question(question) => request_animation_frame(move || {
                if let Some(element) = document().get_element_by_id(&input_id(question)) {
                    if let Ok(element) =
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element)
                    {
                        let _ = element.focus();
                    }
                }
            }),
        }
    }

    /// Goes to the step of `question` and puts focus on its input.
    pub(crate) fn show_question(&self, question: QuestionIndex) {
        let step = self
            .pages
            .navigator
            .with_value(|pages| pages.page_of(question));
        self.pages.finished.set(false);
        if self.pages.page.get_untracked() != step {
            self.go_to(step);
        }
        self.focus_later(FocusTarget::Question(question));
    }
}
