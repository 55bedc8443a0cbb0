//! Small helpers over the page the app runs in.

use leptos::prelude::*;

/// A parameter of the page's own URL (`?config=`, `?lang=`).
pub(crate) fn url_parameter(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
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
