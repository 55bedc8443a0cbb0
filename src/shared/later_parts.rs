//! Fills in the table of the later parts' entry points ([`Later`]) and, in
//! the widget's build, marks the one split point: `cargo xtask build` cuts
//! everything only [`parts`] reaches into a wasm chunk of its own. The
//! router chooses which of the two [`source`] gives.

use crate::shared::later::LaterSource;
#[cfg(not(feature = "full"))]
use crate::shared::state::CodeUnavailable;
use crate::shared::state::Later;
use crate::shared::{failure, form_later, sending};

/// The table itself. In the widget's build only the split point below
/// calls this, so everything it names goes to the chunk.
fn parts() -> Later {
    Later {
        refresh_errors: form_later::refresh_errors,
        advance: form_later::advance,
        place_server_errors: form_later::place_server_errors,
        error_summary: form_later::error_summary,
        question_error: form_later::question_error,
        review: form_later::review,
        signature: form_later::signature,
        submit: sending::submit,
        send_input: sending::send_input,
        deliver_waiting: sending::deliver_waiting,
        count_waiting: sending::count_waiting,
        status_view: sending::status_view,
        sent_view: sending::sent_view,
        failure_message: failure::message,
        save_draft: form_later::save_draft,
    }
}

// The split point: a build without the staff pages is the widget's, whose
// later parts are a chunk of their own.
#[cfg(not(feature = "full"))]
#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn parts_from_chunk() -> Result<Later, CodeUnavailable> {
    Ok(parts())
}

/// Where this build's table comes from: linked in for the full app, a
/// chunk fetched when first needed for the widget.
pub fn source() -> LaterSource {
    #[cfg(feature = "full")]
    return LaterSource::Linked(parts);
    #[cfg(not(feature = "full"))]
    LaterSource::Chunk(|| Box::pin(parts_from_chunk()))
}
