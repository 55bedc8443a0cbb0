//! The widget's side of being embedded in an organisation's page by the
//! loader in `public/embed/intake-embed.js`: it tells the host page its
//! height and that a request was sent (a reference, never an answer), and
//! only ever to the origin the loader named. It listens to nothing, so the
//! host page cannot drive or read the form.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The host page's origin when this page runs inside the loader's iframe:
/// `?embed=1&host=ORIGIN`, with ORIGIN a plain `scheme://host[:port]`.
pub fn host_origin() -> Option<String> {
    if crate::shared::dom::url_parameter("embed").as_deref() != Some("1") {
        return None;
    }
    let origin = crate::shared::dom::url_parameter("host")?;
    let window = web_sys::window()?;
    let parent = window.parent().ok()??;
    // Not framed: there is nobody to tell.
    if parent == window {
        return None;
    }
    let parsed = web_sys::Url::new(&origin).ok()?;
    (parsed.origin() == origin && (origin.starts_with("https://") || origin.starts_with("http://")))
        .then_some(origin)
}

fn post(host: &str, kind: &str, field: &str, value: JsValue) {
    let Some(parent) = web_sys::window().and_then(|window| window.parent().ok().flatten()) else {
        return;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &kind.into());
    let _ = js_sys::Reflect::set(&message, &field.into(), &value);
    let _ = parent.post_message(&message, host);
}

/// Keeps the host's iframe as tall as the content, for the page's lifetime.
pub fn report_height(host: String) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let send = {
        let host = host.clone();
        move || {
            let height = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.document_element())
                .map_or(0, |root| root.scroll_height());
            post(&host, "intake:height", "height", JsValue::from(height));
        }
    };
    send();
    let callback = Closure::<dyn FnMut()>::new(send);
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&body);
    }
    // The observer lives as long as the page.
    callback.forget();
}

/// Tells the host page a request was sent, with the reference the person
/// was shown.
pub fn report_submitted(host: &str, reference: &str) {
    post(
        host,
        "intake:submitted",
        "reference",
        JsValue::from(reference),
    );
}
