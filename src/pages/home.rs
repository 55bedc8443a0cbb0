//! The full app's start page, and the page for paths it does not have.

use leptos::prelude::*;

use crate::shared::language::{use_language, LanguageSwitch};

/// The demo forms shipped in `public/forms/`.
pub const DEMO_FORMS: &[(&str, &str)] = &[
    ("assistance-request.json", "Request assistance"),
    ("housing-food-screener.json", "Housing and food screener"),
    ("every-input-type.json", "Every input type and validator"),
];

#[component]
pub fn Home() -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    view! {
        <main id="main" class="page">
            <LanguageSwitch />
            <h1>"intake"</h1>
            <p>{move || text().full_app.home_intro}</p>
            <h2>{move || text().full_app.preview_demo}</h2>
            <ul class="link-list">
                {DEMO_FORMS
                    .iter()
                    .map(|(file, title)| {
                        let href = format!("/preview?form=/forms/{file}");
                        view! { <li><a href=href>{*title}</a></li> }
                    })
                    .collect_view()}
            </ul>
            <p><a href="/preview">{move || text().full_app.preview_own}</a></p>
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let language = use_language();
    view! {
        <main id="main" class="page">
            <h1>{move || language.get().text().full_app.not_found}</h1>
            <p><a href="/">{move || language.get().text().full_app.go_home}</a></p>
        </main>
    }
}
