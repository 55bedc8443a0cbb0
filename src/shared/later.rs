//! The one door to what is not needed to show the form and answer it:
//! checking answers and showing errors, the review page, the signature pad
//! ([`crate::shared::form_later`]), and planning, storing, sending and reporting a
//! submission ([`crate::shared::sending`]). Pages reach those parts only through
//! [`Later`], a table of their entry points, which
//! [`crate::shared::later_parts`] fills in; this module never names them,
//! so the form view can use the door without importing what is behind it.
//!
//! In the widget's build the table comes from a wasm chunk of its own
//! (`cargo xtask build` splits it off with `wasm-split-cli` at the one
//! split point in `later_parts`), fetched as soon as the form is on screen, so a phone
//! downloads less before it can show the first question. A person who acts
//! before it has come waits for it; if it cannot be fetched (the connection
//! dropped), they are told, nothing they typed is lost, and the next action
//! tries again. The full app has the table from the start.

use leptos::prelude::*;
use leptos::task::spawn_local;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use crate::shared::state::{CodeUnavailable, Later, LaterContext};

/// Where the table comes from, chosen once by the router for the build it
/// is in (see [`crate::shared::later_parts`]).
#[derive(Clone, Copy)]
pub enum LaterSource {
    /// Linked into the module that runs (the full app).
    Linked(fn() -> Later),
    /// A chunk of its own, fetched when first needed (the widget).
    Chunk(fn() -> ChunkFetch),
}

/// The fetch of the widget's chunk, resolving to the table.
pub type ChunkFetch = Pin<Box<dyn Future<Output = Result<Later, CodeUnavailable>>>>;

thread_local! {
    static SOURCE: Cell<Option<LaterSource>> = const { Cell::new(None) };
}

/// Sets where the table comes from; the router calls this before mounting.
pub fn install(source: LaterSource) {
    SOURCE.with(|cell| cell.set(Some(source)));
}

fn initial() -> Option<Later> {
    match SOURCE.with(Cell::get) {
        Some(LaterSource::Linked(parts)) => Some(parts()),
        _ => None,
    }
}

/// Shares the table with every page.
pub fn provide_later() {
    provide_context(LaterContext(RwSignal::new(initial())));
}

/// The page's table; a table of its own when none was provided (tests).
pub fn use_later() -> RwSignal<Option<Later>> {
    use_context::<LaterContext>().map_or_else(|| RwSignal::new(initial()), |context| context.0)
}

/// The table, fetching the chunk first when it has not come yet.
pub async fn load(slot: RwSignal<Option<Later>>) -> Result<Later, CodeUnavailable> {
    if let Some(parts) = slot.get_untracked() {
        return Ok(parts);
    }
    let parts = match SOURCE.with(Cell::get) {
        Some(LaterSource::Linked(parts)) => parts(),
        Some(LaterSource::Chunk(fetch)) => fetch().await?,
        // Nothing installed (a component test without the router).
        None => return Err(CodeUnavailable),
    };
    // Several callers may have waited for the same fetch: the first one in
    // shares the table, so the parts it brings are drawn once.
    if slot.with_untracked(Option::is_none) {
        slot.set(Some(parts));
    }
    Ok(parts)
}

/// Runs `act` with the table: at once when it is here, else once the chunk
/// has come; `unavailable` when it cannot be fetched.
pub fn with_later(
    slot: RwSignal<Option<Later>>,
    act: impl FnOnce(Later) + 'static,
    unavailable: impl FnOnce() + 'static,
) {
    if let Some(parts) = slot.get_untracked() {
        act(parts);
        return;
    }
    spawn_local(async move {
        match load(slot).await {
            Ok(parts) => act(parts),
            Err(CodeUnavailable) => unavailable(),
        }
    });
}

/// Fetches the later parts ahead of need, right after the form is on
/// screen, so a person whose connection drops while they answer can still
/// check and send (the outbox then keeps the submission until it is back).
/// A failure is tried again after 2, 4, 8… seconds (at most a minute
/// apart); meanwhile anything that needs the parts fetches them itself.
pub fn fetch_ahead(slot: RwSignal<Option<Later>>) {
    fetch_ahead_after_failures(slot, 0);
}

fn fetch_ahead_after_failures(slot: RwSignal<Option<Later>>, failures: u32) {
    spawn_local(async move {
        if load(slot).await.is_err() {
            let wait = std::time::Duration::from_secs((2u64 << failures.min(5)).min(60));
            set_timeout(move || fetch_ahead_after_failures(slot, failures + 1), wait);
        }
    });
}
