//! Component tests in headless Chromium: mount a form, act as a person would
//! (type, click), let the reactive system settle, then read the DOM.

#![cfg(target_arch = "wasm32")]

use intake_app::form_view::{draw_in_slices, FormView};
use intake_app::pages::preview::ResponsePanel;
use intake_engine::load_form_str;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `definition` in a fresh container and returns the container.
fn mount(definition: &str) -> HtmlElement {
    mount_with_draft(definition, false)
}

/// Lets effects run and the browser paint a frame.
async fn settle() {
    leptos::task::tick().await;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    leptos::task::tick().await;
}

fn find(container: &HtmlElement, selector: &str) -> Option<HtmlElement> {
    container
        .query_selector(selector)
        .unwrap()
        .map(|element| element.unchecked_into())
}

fn question(container: &HtmlElement, id: &str) -> Option<HtmlElement> {
    find(container, &format!("[data-question-id=\"{id}\"]"))
}

/// Whether a question is shown: in the DOM and not `hidden` (a question its
/// conditions hide keeps its view, hidden, out of the accessibility tree
/// and the tab order).
fn shown(container: &HtmlElement, id: &str) -> bool {
    question(container, id).is_some_and(|question| !question.hidden())
}

fn type_into(input: &HtmlElement, text: &str) {
    let input: HtmlInputElement = input.clone().unchecked_into();
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
}

fn submit(container: &HtmlElement) {
    find(container, "button[type=submit]").unwrap().click();
}

/// A form of `count` text questions in sections of ten.
fn long_form(count: usize) -> String {
    let sections: Vec<String> = (0..count.div_ceil(10))
        .map(|section| {
            let questions: Vec<String> = (section * 10..(section * 10 + 10).min(count))
                .map(|question| {
                    format!(
                        r#"{{"id": "q{question}", "label_text": "Question {question}", "input_type": "text", "display_order": "{question}"}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"id": "s{section}", "name": "Section {section}", "display_order": "{section}", "section_type": "form_group", "questions": [{}]}}"#,
                questions.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"data": {{"form": {{"id": "long", "name": "Long form", "sections": [{}]}}}}}}"#,
        sections.join(",")
    )
}

/// Whether a question's view is made: its label is there.
fn drawn(container: &HtmlElement, id: &str) -> bool {
    find(container, &format!("[data-question-id=\"{id}\"] label")).is_some()
}

#[wasm_bindgen_test]
async fn a_long_form_draws_its_first_questions_at_once_and_the_rest_in_slices_after() {
    let (form, container) = prepare(&long_form(200));
    let mounted = container.clone();
    leptos::mount::mount_to(mounted, move || {
        view! { <FormView form=std::sync::Arc::new(form.clone()) draw_later=Some(draw_in_slices) /> }
    })
    .forget();
    // At the first frame: the first questions are there, the last not yet.
    settle().await;
    assert!(drawn(&container, "q0"));
    assert!(drawn(&container, "q23"));
    assert!(!drawn(&container, "q199"));
    // An answer typed while the rest are coming stays: a slice makes only
    // the questions not drawn yet.
    let first = find(&container, "[data-question-id=\"q0\"] input").unwrap();
    type_into(&first, "typed before the rest came");
    // Then every slice, each after the browser had its turn.
    for _ in 0..100 {
        if drawn(&container, "q199") {
            break;
        }
        settle().await;
    }
    assert!(
        drawn(&container, "q199"),
        "the last question is drawn in the end"
    );
    let first: HtmlInputElement = find(&container, "[data-question-id=\"q0\"] input")
        .unwrap()
        .unchecked_into();
    assert_eq!(first.value(), "typed before the rest came");
    container.remove();
}

const EVERY_INPUT: &str = include_str!("../public/forms/every-input-type.json");

#[wasm_bindgen_test]
async fn every_input_kind_renders_with_a_label_tied_to_its_input() {
    let container = mount(EVERY_INPUT);
    settle().await;
    let form = load_form_str(EVERY_INPUT).unwrap().form;
    for question_definition in &form.questions {
        let wrapper = question(&container, &question_definition.id)
            .unwrap_or_else(|| panic!("{} is not rendered", question_definition.id));
        if question_definition.input_type == intake_engine::InputType::Block {
            assert!(wrapper
                .text_content()
                .unwrap()
                .contains(&question_definition.label_text));
            continue;
        }
        let named = wrapper
            .query_selector("legend")
            .unwrap()
            .or(wrapper.query_selector("label").unwrap())
            .unwrap();
        assert!(
            named
                .text_content()
                .unwrap()
                .contains(&question_definition.label_text),
            "{}",
            question_definition.id
        );
        let inputs = wrapper
            .query_selector_all("input, select, textarea")
            .unwrap();
        assert!(
            inputs.length() > 0,
            "{} has no input",
            question_definition.id
        );
        for position in 0..inputs.length() {
            let input: HtmlElement = inputs.item(position).unwrap().unchecked_into();
            let label = wrapper
                .query_selector(&format!("label[for=\"{}\"]", input.id()))
                .unwrap();
            assert!(
                label.is_some(),
                "{}: input #{} has no label",
                question_definition.id,
                input.id()
            );
        }
    }
    // Radios and checkbox lists are grouped with a legend.
    assert!(find(&container, "[data-question-id=\"radio\"] fieldset legend").is_some());
    assert!(find(
        &container,
        "[data-question-id=\"multi-select\"] fieldset legend"
    )
    .is_some());
    container.remove();
}

const SCREENER: &str = include_str!("../public/forms/housing-food-screener.json");

#[wasm_bindgen_test]
async fn a_conditional_question_shows_and_hides_with_its_condition() {
    let container = mount(SCREENER);
    settle().await;
    assert!(!shown(&container, "where-sleeping"));
    let no_home = find(
        &container,
        "[data-question-id=\"housing-situation\"] input[value=\"none\"]",
    )
    .unwrap();
    no_home.click();
    settle().await;
    assert!(shown(&container, "where-sleeping"));
    // The "hide" condition hides the housing problems question.
    assert!(!shown(&container, "housing-problems"));
    choose(&container, "housing-situation", "stable");
    settle().await;
    assert!(!shown(&container, "where-sleeping"));
    assert!(shown(&container, "housing-problems"));
    // A hidden question is out of the layout (so out of the accessibility
    // tree and the tab order), not merely out of sight.
    let hidden = question(&container, "where-sleeping").unwrap();
    assert!(hidden.hidden());
    assert_eq!(hidden.offset_height(), 0);
    container.remove();
}

#[wasm_bindgen_test]
async fn the_error_summary_takes_focus_links_to_fields_and_clears_as_they_are_fixed() {
    let container = mount(EVERY_INPUT);
    settle().await;
    let summary = find(&container, "[data-testid=\"error-summary\"]").unwrap();
    assert!(
        summary.hidden(),
        "no error is shown before the first attempt"
    );
    assert!(find(&container, "[aria-invalid=\"true\"]").is_none());

    submit(&container);
    settle().await;
    assert!(!summary.hidden());
    assert_eq!(
        document()
            .active_element()
            .map(|element| element.get_attribute("data-testid")),
        Some(Some("error-summary".into()))
    );
    let text_input = find(&container, "[data-question-id=\"text\"] input").unwrap();
    assert_eq!(
        text_input.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    let described_by = text_input.get_attribute("aria-describedby").unwrap();
    let message = document()
        .get_element_by_id(&described_by)
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(message, "Text is required");
    let link = find(&summary, &format!("a[href=\"#{}\"]", text_input.id())).unwrap();
    assert_eq!(link.text_content().unwrap(), "Text is required");

    type_into(&text_input, "fixed");
    settle().await;
    assert_eq!(text_input.get_attribute("aria-invalid"), None);
    assert!(find(&summary, &format!("a[href=\"#{}\"]", text_input.id())).is_none());
    container.remove();
}

#[wasm_bindgen_test]
async fn the_previews_form_response_panel_follows_the_answers() {
    let (form, container) = prepare(EVERY_INPUT);
    leptos::mount::mount_to(container.clone(), move || {
        let panel = ResponsePanel::new(None);
        view! { <FormView form=std::sync::Arc::new(form.clone()) on_change=Some(panel.on_change()) /> {panel.view()} }
    })
    .forget();
    settle().await;
    type_into(
        &find(&container, "[data-question-id=\"text\"] input").unwrap(),
        "hello",
    );
    settle().await;
    let panel = find(&container, "[data-testid=\"form-response\"]")
        .unwrap()
        .text_content()
        .unwrap();
    let response: serde_json::Value = serde_json::from_str(&panel).unwrap();
    assert_eq!(
        response,
        serde_json::json!([{"question_id": "text", "response_value": "hello"}])
    );
    container.remove();
}

#[wasm_bindgen_test]
async fn hostile_text_in_a_definition_is_shown_literally_and_runs_nothing() {
    let hostile = r#"{"name": "<script>window.__pwned = 1</script>", "sections": [{"id": "s", "name": "<b>bold</b>", "display_name": true, "questions": [
        {"id": "q", "input_type": "radio", "label_text": "<img src=x onerror=\"window.__pwned=1\">",
         "help_text": "<a href=\"javascript:window.__pwned=1\">help</a>",
         "input_options": [{"id": "o", "option_label": "<svg onload=\"window.__pwned=1\"></svg>"}]},
        {"id": "q2", "input_type": "text", "label_text": "Plain", "placeholder_text": "\"><img src=x onerror=window.__pwned=1>"}]}]}"#;
    let container = mount(hostile);
    settle().await;
    assert!(container
        .query_selector("img, svg, script, b, [onerror], [onload]")
        .unwrap()
        .is_none());
    assert!(container
        .text_content()
        .unwrap()
        .contains("<img src=x onerror=\"window.__pwned=1\">"));
    assert!(container
        .text_content()
        .unwrap()
        .contains("<svg onload=\"window.__pwned=1\"></svg>"));
    let pwned = js_sys::Reflect::get(&window(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined(), "a script from the definition ran");
    container.remove();
}

fn checked(container: &HtmlElement, selector: &str) -> bool {
    find(container, selector)
        .map(|input| input.unchecked_into::<HtmlInputElement>().checked())
        .unwrap_or(false)
}

fn section_hidden(container: &HtmlElement, question_id: &str) -> bool {
    question(container, question_id)
        .and_then(|wrapper| wrapper.closest("section").unwrap())
        .map(|section| section.has_attribute("hidden"))
        .unwrap_or(true)
}

#[wasm_bindgen_test]
async fn break_sections_make_steps_that_validate_alone_keep_answers_and_end_in_a_review() {
    let container = mount(SCREENER);
    settle().await;
    let progress = || {
        find(&container, "[data-testid=\"progress\"]")
            .unwrap()
            .text_content()
            .unwrap()
    };
    assert_eq!(progress(), "Step 1 of 3");
    assert!(!section_hidden(&container, "housing-situation"));
    assert!(
        section_hidden(&container, "food-worry"),
        "the food step is not shown yet"
    );

    // Continue validates only this step.
    submit(&container);
    settle().await;
    let summary = find(&container, "[data-testid=\"error-summary\"]").unwrap();
    let summary_text = summary.text_content().unwrap();
    assert!(
        summary_text.contains("What is your living situation today?"),
        "{summary_text}"
    );
    assert!(
        !summary_text.contains("household"),
        "the next step's questions are not validated yet: {summary_text}"
    );
    assert_eq!(progress(), "Step 1 of 3");

    choose(&container, "housing-situation", "stable");
    settle().await;
    assert!(
        summary.hidden(),
        "the summary clears when the step's errors are fixed"
    );
    submit(&container);
    settle().await;
    assert_eq!(progress(), "Step 2 of 3");
    assert!(section_hidden(&container, "housing-situation"));
    assert!(!section_hidden(&container, "food-worry"));

    // Back keeps the answer.
    find(&container, ".form-actions button[type=button]")
        .unwrap()
        .click();
    settle().await;
    assert_eq!(progress(), "Step 1 of 3");
    assert!(checked(
        &container,
        "[data-question-id=\"housing-situation\"] input[value=\"stable\"]"
    ));
    submit(&container);
    settle().await;

    find(
        &container,
        "[data-question-id=\"food-worry\"] input[value=\"never\"]",
    )
    .unwrap()
    .click();
    type_into(
        &find(&container, "[data-question-id=\"household-size\"] input").unwrap(),
        "3",
    );
    settle().await;
    submit(&container);
    settle().await;
    assert_eq!(progress(), "Step 3 of 3");
    let review = find(&container, "[data-testid=\"review\"]").unwrap();
    let row = find(&review, "[data-review-question=\"housing-situation\"]").unwrap();
    assert!(row
        .text_content()
        .unwrap()
        .contains("I have a steady place to live"));
    assert!(find(&review, "[data-review-question=\"household-size\"]")
        .unwrap()
        .text_content()
        .unwrap()
        .contains('3'));
    assert!(
        find(&review, "[data-review-question=\"eviction-date\"]").is_none(),
        "hidden questions are not reviewed"
    );

    // Change goes back to the question's step.
    find(&row, "button").unwrap().click();
    settle().await;
    assert_eq!(progress(), "Step 1 of 3");
    assert!(find(&container, "[data-testid=\"review\"]").is_none());
    container.remove();
}

#[wasm_bindgen_test]
async fn answers_are_kept_as_a_draft_without_sensitive_ones_and_restored_on_the_next_visit() {
    let definition = r#"{"id": "draft-test", "sections": [{"id": "s", "questions": [
        {"id": "name", "input_type": "text", "label_text": "Name"},
        {"id": "ssn", "input_type": "text", "label_text": "Social security number", "is_sensitive": true}]}]}"#;
    let storage = window().session_storage().unwrap().unwrap();
    storage.remove_item("intake-draft:draft-test").unwrap();

    let first = mount_with_draft(definition, true);
    settle().await;
    assert!(
        find(&first, "[data-testid=\"draft-notice\"]").is_none(),
        "no notice without a draft"
    );
    type_into(
        &find(&first, "[data-question-id=\"name\"] input").unwrap(),
        "Ana",
    );
    type_into(
        &find(&first, "[data-question-id=\"ssn\"] input").unwrap(),
        "123-45-6789",
    );
    sleep(700).await;
    let saved = storage
        .get_item("intake-draft:draft-test")
        .unwrap()
        .expect("a draft is saved after typing pauses");
    assert!(saved.contains("Ana"), "{saved}");
    assert!(
        !saved.contains("123-45-6789"),
        "a sensitive answer reached storage: {saved}"
    );
    first.remove();

    let second = mount_with_draft(definition, true);
    settle().await;
    assert!(find(&second, "[data-testid=\"draft-notice\"]").is_some());
    let name: HtmlInputElement = find(&second, "[data-question-id=\"name\"] input")
        .unwrap()
        .unchecked_into();
    assert_eq!(name.value(), "Ana");
    let ssn: HtmlInputElement = find(&second, "[data-question-id=\"ssn\"] input")
        .unwrap()
        .unchecked_into();
    assert_eq!(ssn.value(), "");
    second.remove();
    storage.remove_item("intake-draft:draft-test").unwrap();
}

/// The parts that check installed, the form loaded, and an empty element
/// on the page to mount it in.
fn prepare(definition: &str) -> (intake_engine::Form, HtmlElement) {
    intake_app::install_later_parts();
    let form = load_form_str(definition)
        .expect("the test definition loads")
        .form;
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    (form, container)
}

fn mount_with_draft(definition: &str, keep_draft: bool) -> HtmlElement {
    let (form, container) = prepare(definition);
    leptos::mount::mount_to(
        container.clone(),
        move || view! { <FormView form=std::sync::Arc::new(form.clone()) keep_draft=keep_draft /> },
    )
    .forget();
    container
}

async fn sleep(milliseconds: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

const ASSISTANCE: &str = include_str!("../public/forms/assistance-request.json");

#[wasm_bindgen_test]
async fn the_spanish_interface_uses_the_catalogue_and_the_definitions_translations() {
    let form = load_form_str(ASSISTANCE).unwrap().form;
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    let language = RwSignal::new(intake_app::i18n::Language::new("es"));
    intake_app::install_later_parts();
    leptos::mount::mount_to(container.clone(), move || {
        provide_context(intake_app::LanguageContext(language, RwSignal::new(false)));
        view! { <FormView form=std::sync::Arc::new(form.clone()) /> }
    })
    .forget();
    settle().await;
    let label = find(&container, "[data-question-id=\"first-name\"] label")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(label.starts_with("Nombre"), "{label}");
    submit(&container);
    settle().await;
    let summary = find(&container, "[data-testid=\"error-summary\"]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(summary.contains("Hay un problema"), "{summary}");
    assert!(summary.contains("Escriba su nombre"), "{summary}");
    assert!(
        !summary.contains("Enter"),
        "an English message in the Spanish interface: {summary}"
    );
    assert_eq!(
        find(&container, ".intake-form button[type=submit]")
            .unwrap()
            .text_content()
            .unwrap(),
        "Revisar respuestas"
    );

    // Switching back to English keeps the answers and speaks English.
    type_into(
        &find(&container, "[data-question-id=\"first-name\"] input").unwrap(),
        "Ana",
    );
    language.set(intake_app::i18n::Language::new("en"));
    settle().await;
    let input: HtmlInputElement = find(&container, "[data-question-id=\"first-name\"] input")
        .unwrap()
        .unchecked_into();
    assert_eq!(input.value(), "Ana");
    assert!(find(&container, "[data-question-id=\"first-name\"] label")
        .unwrap()
        .text_content()
        .unwrap()
        .starts_with("First name"));
    container.remove();
}

/// Clicks the option with `value` of the question `question_id`.
fn choose(container: &HtmlElement, question_id: &str, value: &str) {
    find(
        container,
        &format!("[data-question-id=\"{question_id}\"] input[value=\"{value}\"]"),
    )
    .unwrap()
    .click();
}
