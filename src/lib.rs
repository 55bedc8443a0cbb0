//! The intake single-page app. Components here render what the engine
//! (`intake-engine`) computes and hold no form rules of their own; the only
//! module that does HTTP is [`http`].

pub mod draft;
pub mod form_view;
pub mod http;
pub mod pages;

use leptos::prelude::*;

/// Mounts the app on `<body>`; the page is chosen by the URL path, and the
/// server falls back to `index.html` for every app path.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let path = window().location().pathname().unwrap_or_default();
    match path.trim_end_matches('/') {
        "" | "/index.html" => pages::Home().into_any(),
        "/preview" => pages::Preview().into_any(),
        _ => pages::NotFound().into_any(),
    }
}
