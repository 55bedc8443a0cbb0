//! The intake single-page app. Components render what the engine
//! (`intake-engine`) computes and hold no form rules of their own.
//!
//! The crate has two layers, and imports run one way: the pages
//! ([`pages`]: the widget, staff intake, the preview, the start page) over
//! what they share ([`shared`]: the intake page, the form view, the words of
//! the interface, the one module that does HTTP, the outbox). This root is
//! the router: the only place that names a page.
//!
//! Two builds share this crate. The full app (feature `full`, the default;
//! binary `intake-app`) has every page. The widget's own build (binary
//! `intake-widget`, without default features) has only the widget, so a
//! phone embedding it downloads no staff or preview code; feature `full`
//! marks which page modules a build contains, not lines inside them.

pub mod pages;
pub mod shared;

use leptos::prelude::*;

use shared::language::provide_language;
use shared::{later, later_parts};

// What component tests and the binaries use.
pub use shared::language::LanguageContext;
pub use shared::{form_view, i18n};

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

/// Makes the parts that check and send reachable (see [`shared::later`]):
/// linked in for the full app, a chunk of their own for the widget. Mounting
/// does this; a component test that mounts a form calls it first.
pub fn install_later_parts() {
    later::install(later_parts::source());
}

/// Mounts the full app on `<body>`; the page is chosen by the URL path, and
/// the server falls back to `index.html` for every app path.
#[cfg(feature = "full")]
pub fn mount() {
    report_panics();
    remove_boot_message();
    install_later_parts();
    leptos::mount::mount_to_body(App);
}

/// Mounts the public widget alone on `<body>`, whatever the path.
pub fn mount_widget() {
    report_panics();
    remove_boot_message();
    install_later_parts();
    leptos::mount::mount_to_body(|| {
        provide_language();
        later::provide_later();
        view! { <pages::widget::WidgetPage /> }
    });
}

#[cfg(feature = "full")]
#[component]
pub fn App() -> impl IntoView {
    provide_language();
    later::provide_later();
    let path = window().location().pathname().unwrap_or_default();
    match path.trim_end_matches('/') {
        "" | "/index.html" => pages::home::Home().into_any(),
        "/preview" => pages::preview::Preview().into_any(),
        "/widget" => pages::widget::WidgetPage().into_any(),
        "/staff" => pages::staff::StaffPage().into_any(),
        _ => pages::home::NotFound().into_any(),
    }
}
