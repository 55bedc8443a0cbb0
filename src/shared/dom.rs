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

thread_local! {
    /// The form's name in the person's language, the end of every title.
    static TITLE_BASE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Sets the page's title to `first`, then the form's name (`base`, when
/// given, becomes that name). Set through `Reflect` rather than
/// `Document::set_title`, which would add an import to the script every
/// first load downloads.
pub(crate) fn set_title(first: &str, base: Option<&str>) {
    let base = TITLE_BASE.with(|kept| {
        if let Some(base) = base {
            *kept.borrow_mut() = base.to_string();
        }
        kept.borrow().clone()
    });
    let title = match (first.is_empty(), base.is_empty()) {
        (true, _) => base,
        (false, true) => first.to_string(),
        (false, false) => format!("{first} – {base}"),
    };
    let _ = js_sys::Reflect::set(&document(), &"title".into(), &title.into());
}
