//! The intake single-page app. Components here render what the engine
//! (`intake-engine`) computes and hold no form rules of their own; the only
//! module that does HTTP is [`http`].
//!
//! Two builds share this crate. The full app (feature `full`, the default;
//! binary `intake-app`) has every page: start, preview, staff and widget.
//! The widget's own build (binary `intake-widget`, without default
//! features) has only the public widget, so a phone embedding it downloads
//! no staff or preview code.

pub mod draft;
pub mod embed;
mod failure;
mod form_later;
pub mod form_view;
pub mod http;
pub mod i18n;
pub mod intake;
pub mod later;
pub mod outbox;
#[cfg(feature = "full")]
pub mod pages;
mod sending;
#[cfg(feature = "full")]
mod staff;
mod vault;

use leptos::prelude::*;

use i18n::{Language, INTERFACE_LANGUAGES};

/// The HTML says "Loading…" until the wasm has arrived (a while on a slow
/// connection, and a blank page would say nothing to a screen reader); the
/// app takes that line away as it mounts.
fn remove_boot_message() {
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
}

/// A bug must leave a readable line in the console, not a bare
/// "unreachable" trap; the message names where it happened.
fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("intake stopped: {info}").into());
    }));
}

/// Mounts the full app on `<body>`; the page is chosen by the URL path, and
/// the server falls back to `index.html` for every app path.
#[cfg(feature = "full")]
pub fn mount() {
    report_panics();
    remove_boot_message();
    leptos::mount::mount_to_body(App);
}

/// Mounts the public widget alone on `<body>`, whatever the path.
pub fn mount_widget() {
    report_panics();
    remove_boot_message();
    leptos::mount::mount_to_body(|| {
        provide_language();
        later::provide_later();
        view! { <intake::IntakePage mode=intake_engine::targets::Mode::Widget /> }
    });
}

/// Moves focus to the element `selector` names once the screen that holds
/// it is drawn, so a screen reader says where the person is after the
/// screen changed.
pub(crate) fn focus_when_drawn(selector: &'static str) {
    request_animation_frame(move || {
        let element = document().query_selector(selector).ok().flatten();
        if let Some(Ok(element)) =
            element.map(wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>)
        {
            let _ = element.focus();
        }
    });
}

/// The interface language, shared by every page through context.
#[derive(Clone, Copy)]
pub struct LanguageContext(pub RwSignal<i18n::Language>);

/// The current language; English when no context was provided (tests).
pub fn use_language() -> RwSignal<i18n::Language> {
    use_context::<LanguageContext>().map_or_else(
        || RwSignal::new(i18n::Language::new("en")),
        |context| context.0,
    )
}

pub(crate) fn url_parameter(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

fn browser_languages() -> Vec<String> {
    window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|code| code.as_string())
        .collect()
}

/// Chooses the language and shares it with every page through context.
fn provide_language() {
    let language = RwSignal::new(i18n::initial_language(
        url_parameter("lang"),
        &browser_languages(),
    ));
    provide_context(LanguageContext(language));
    // The document's lang and dir follow the choice, so screen readers
    // pronounce it right and right-to-left languages lay out mirrored.
    Effect::new(move |_| {
        let language = language.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", &language.code);
            let _ = root.set_attribute("dir", language.direction());
        }
    });
}

/// The visible language switch: one button per interface language, the
/// current one marked pressed. Each is labelled in its own language.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let language = use_language();
    view! {
        <nav class="language-switch" aria-label=move || language.get().text().language_switch>
            {INTERFACE_LANGUAGES.iter().map(|(code, name)| {
                // Regional variants such as es-MX press the button of their catalogue.
                let pressed = move || std::ptr::eq(language.get().text(), Language::new(code).text()).to_string();
                view! {
                    <button type="button" class="link-button" lang=*code aria-pressed=pressed
                        on:click=move |_| language.set(Language::new(code))>{*name}</button>
                }
            }).collect_view()}
        </nav>
    }
}

#[cfg(feature = "full")]
#[component]
pub fn App() -> impl IntoView {
    provide_language();
    later::provide_later();
    let path = window().location().pathname().unwrap_or_default();
    match path.trim_end_matches('/') {
        "" | "/index.html" => pages::Home().into_any(),
        "/preview" => pages::Preview().into_any(),
        "/widget" => {
            view! { <intake::IntakePage mode=intake_engine::targets::Mode::Widget /> }.into_any()
        }
        "/staff" => {
            view! { <intake::IntakePage mode=intake_engine::targets::Mode::Staff /> }.into_any()
        }
        _ => pages::NotFound().into_any(),
    }
}
