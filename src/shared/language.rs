//! The interface language: chosen once, shared with every page through
//! context, and switched by the visible language switch.

use leptos::prelude::*;

use crate::shared::dom::url_parameter;
use crate::shared::i18n::{self, Language, INTERFACE_LANGUAGES};

/// The interface language, shared by every page through context, and
/// whether the form on screen has words of its own in it (its
/// `translations`): a language the catalogue lacks is claimed for the
/// document only then.
#[derive(Clone, Copy)]
pub struct LanguageContext(pub RwSignal<i18n::Language>, pub RwSignal<bool>);

/// The current language; English when no context was provided (tests).
pub fn use_language() -> RwSignal<i18n::Language> {
    use_context::<LanguageContext>().map_or_else(
        || RwSignal::new(i18n::Language::new("en")),
        |context| context.0,
    )
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
pub(crate) fn provide_language() {
    let language = RwSignal::new(i18n::initial_language(
        url_parameter("lang"),
        &browser_languages(),
    ));
    let form_speaks = RwSignal::new(false);
    provide_context(LanguageContext(language, form_speaks));
    // The document's lang and dir follow the words it shows, so screen
    // readers pronounce them right and right-to-left languages lay out
    // mirrored: the chosen language where the catalogue or the form on
    // screen has its words, English (the catalogue's fallback) otherwise.
    Effect::new(move |_| {
        let chosen = language.get();
        let shown = if chosen.has_catalogue() || form_speaks.get() {
            chosen
        } else {
            Language::new("en")
        };
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", &shown.code);
            let _ = root.set_attribute("dir", shown.direction());
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
