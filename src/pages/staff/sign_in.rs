//! Signing in, the idle lock, and who is signed in (with sign-out). The
//! token lives in memory only.

use intake_engine::targets::{read_sign_in_check, sign_in_check_url, SignInCheck, TargetConfig};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::desk::Staff;
use super::edit::find_another;
use crate::shared::i18n::FullAppText;
use crate::shared::intake::{deliver_waiting, load_form};
use crate::shared::language::use_language;
use crate::shared::state::{Phase, Status};
use crate::shared::{http, outbox};

/// A labelled token field. The token is checked with the target's
/// cheapest authenticated call and kept only in memory.
#[component]
pub(super) fn SignInForm(
    intake: Staff,
    on_signed_in: impl Fn(bool) + Copy + 'static,
    /// The screen's name, for the page's title.
    screen: fn(&FullAppText) -> &'static str,
) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let value = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    // The title names the screen and the deployment, "Error: " first when
    // the token was refused.
    Effect::new(move |_| {
        let language = language.get();
        let screen = screen(&language.text().full_app);
        let first = match problem.with(Option::is_some) {
            true => format!("{}{screen}", language.later_text().title_error),
            false => screen.to_string(),
        };
        intake.title_screen(&first, &language);
    });
    let sign_in = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let token = value.get_untracked().trim().to_string();
        if token.is_empty() || checking.get_untracked() {
            problem.set(Some(text().full_app.token_refused.to_string()));
            return;
        }
        checking.set(true);
        spawn_local(async move {
            let Some(config) = intake.config.get_value() else {
                return;
            };
            let url = sign_in_check_url(&config).unwrap_or_default();
            let answer = http::get_with_credential(&url, Some(&token)).await;
            checking.set(false);
            match read_sign_in_check(&config, &answer) {
                SignInCheck::Refused => {
                    problem.set(Some(text().full_app.token_refused.to_string()))
                }
                SignInCheck::Unchecked(what) => {
                    problem.set(Some((text().full_app.token_unchecked)(&what)));
                }
                SignInCheck::Accepted => {
                    let digest = token_digest(&token).await;
                    problem.set(None);
                    value.set(String::new());
                    let same_session =
                        digest.is_some() && intake.desk.token_digest.get_value() == digest;
                    intake.desk.token_digest.set_value(digest);
                    intake.desk.token.set(Some(token));
                    intake.status.set(Status::Quiet);
                    on_signed_in(same_session);
                }
            }
        });
    };
    view! {
        <form class="sign-in" novalidate=true on:submit=sign_in data-testid="sign-in">
            <p>{move || text().full_app.sign_in_intro}</p>
            <div class="question" class:has-error=move || problem.get().is_some()>
                <label for="staff-token">{move || text().full_app.token_label}</label>
                <p class="help" id="staff-token-help">{move || text().full_app.token_hint}</p>
                {move || problem.get().map(|message| view! { <p class="error-message" id="staff-token-error" role="alert">{message}</p> })}
                <input id="staff-token" type="password" autocomplete="one-time-code" spellcheck="false"
                    aria-describedby=move || if problem.get().is_some() { "staff-token-help staff-token-error" } else { "staff-token-help" }
                    aria-invalid=move || problem.get().is_some().then_some("true")
                    prop:value=move || value.get() on:input=move |event| value.set(event_target_value(&event)) />
            </div>
            <button type="submit" class="button" aria-disabled=move || checking.get().then_some("true")>{move || text().full_app.sign_in}</button>
        </form>
    }
}

/// The status line when the token was refused mid-send: sign in again and
/// what waits is sent.
pub(super) fn sign_in_again_view(intake: Staff) -> AnyView {
    let text = use_language().get_untracked().text();
    view! {
        <p>{text.full_app.session_expired}</p>
        <SignInForm intake=intake on_signed_in=move |_| deliver_waiting(*intake) screen=|text| text.sign_in_title />
    }
    .into_any()
}

/// The first screen of a staff deployment.
pub(super) fn sign_in_view(intake: Staff) -> AnyView {
    let on_signed_in = move |_same_session: bool| load_form(*intake);
    let language = use_language();
    let text = move || language.get().text();
    view! {
        <section aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">{move || text().full_app.sign_in_title}</h2>
            {move || (intake.pending.get() > 0).then(|| view! { <p data-testid="pending-count">{(text().pending_submissions)(intake.pending.get_untracked())}</p> })}
            <SignInForm intake=intake on_signed_in=on_signed_in screen=|text| text.sign_in_title />
        </section>
    }
    .into_any()
}

/// After the configured idle time the screen locks: the token is dropped,
/// the form and the person's record leave the page and the browser's
/// storage (drafts, the tab's session storage, this deployment's waiting
/// submissions), and only memory keeps them until the same token signs in
/// again. A minute before (half the time, when that is shorter) a dialog
/// says so and offers to stay signed in (WCAG 2.2.1). The signal says
/// whether it is locked.
///
/// Activity is a key, a pointer, and also focus moving or the page
/// scrolling: a screen reader's reading mode moves focus and scrolls
/// without any key the page sees. While the warning shows, only a key, a
/// pointer or its button count, since opening it moves focus itself.
pub(super) fn idle_lock(intake: Staff) -> RwSignal<bool> {
    let locked = RwSignal::new(false);
    let desk = intake.desk;
    let stay = move || desk.note_activity();
    let reading = move || {
        if !desk.idle_warning.get_untracked() {
            desk.last_activity.set_value(js_sys::Date::now());
        }
    };
    let listeners = [
        window_event_listener(leptos::ev::keydown, move |_| stay()),
        window_event_listener(leptos::ev::pointerdown, move |_| stay()),
        window_event_listener(leptos::ev::focusin, move |_| reading()),
        window_event_listener(leptos::ev::scroll, move |_| reading()),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|listener| listener.remove()));
    let check = set_interval_with_handle(
        move || {
            let Some(config) = intake.config.get_value() else {
                return;
            };
            if intake.desk.token.get_untracked().is_none() {
                desk.idle_warning.set(false);
                return;
            }
            let limit = f64::from(config.idle_timeout_minutes) * 60_000.0;
            let idle = js_sys::Date::now() - desk.last_activity.get_value();
            if idle > limit {
                desk.idle_warning.set(false);
                lock(intake, locked, &config);
            } else if idle > limit - (limit / 2.0).min(IDLE_WARNING_MS) {
                desk.idle_warning.set(true);
            }
        },
        std::time::Duration::from_millis(IDLE_CHECK_MS),
    );
    if let Ok(check) = check {
        on_cleanup(move || check.clear());
    }
    locked
}

/// How long before the lock the warning shows (at most).
const IDLE_WARNING_MS: f64 = 60_000.0;

/// How often the idle time is checked: often enough that the warning comes
/// close to a minute before the lock.
const IDLE_CHECK_MS: u64 = 5_000;

/// The warning that the screen is about to lock: a modal dialog, so a
/// screen reader says it at once and focus is on "Stay signed in"; Escape
/// stays signed in too.
#[component]
fn IdleWarning(intake: Staff) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let desk = intake.desk;
    Effect::new(move |_| {
        let showing = desk.idle_warning.get();
        let Some(dialog) = dialog.get() else {
            return;
        };
        if showing && !dialog.open() {
            let _ = dialog.show_modal();
        } else if !showing && dialog.open() {
            dialog.close();
        }
    });
    let stay = move || desk.note_activity();
    view! {
        <dialog node_ref=dialog role="alertdialog" class="idle-warning" aria-labelledby="idle-warning-title"
            aria-describedby="idle-warning-text" data-testid="idle-warning"
            on:cancel=move |event: web_sys::Event| { event.prevent_default(); stay(); }>
            <h2 id="idle-warning-title">{move || text().full_app.idle_warning_title}</h2>
            <p id="idle-warning-text">{move || text().full_app.idle_warning_text}</p>
            <button type="button" class="button" on:click=move |_| stay()>{move || text().full_app.stay_signed_in}</button>
        </dialog>
    }
}

/// Locks the screen (see [`idle_lock`]).
pub(super) fn lock(intake: Staff, locked: RwSignal<bool>, config: &TargetConfig) {
    intake.desk.token.set(None);
    locked.set(true);
    // The form is about to leave the page: it comes back from these answers.
    if let Some(answers) = intake.desk.answers_now.get_value() {
        intake.phase.update(|phase| {
            if let Phase::Ready { initial, .. } = phase {
                *initial = Some(answers);
            }
        });
    }
    outbox::hold_in_memory(config);
    clear_session_storage();
    crate::shared::dom::focus_when_drawn("#locked-title");
}

/// Opens the lock: the same token gets its session back; another token
/// starts from the search, and the submissions waiting are sent with it.
pub(super) fn unlock(intake: Staff, locked: RwSignal<bool>, same_session: bool) {
    outbox::release_held();
    if !same_session {
        intake.desk.answers_now.set_value(None);
        find_another(intake);
        intake.desk.session_notice.set(Some(
            use_language()
                .get_untracked()
                .text()
                .full_app
                .other_token_after_lock,
        ));
    }
    locked.set(false);
    deliver_waiting(*intake);
}

/// Empties the tab's session storage: drafts and anything else a page of
/// this site kept there.
pub(super) fn clear_session_storage() {
    if let Some(storage) = window().session_storage().ok().flatten() {
        let _ = storage.clear();
    }
}

/// A SHA-256 digest of the token, hex; `None` where the browser has no
/// WebCrypto (then no locked session can be reopened, only a new one).
pub(super) async fn token_digest(token: &str) -> Option<String> {
    let subtle = window().crypto().ok()?.subtle();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", token.as_bytes())
        .ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Some(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Who is signed in (with sign-out), and the lock screen when idle.
#[component]
pub(super) fn Session(intake: Staff, locked: RwSignal<bool>) -> impl IntoView {
    let language = use_language();
    let text = move || language.get().text();
    view! {
        {move || intake.desk.token.with(Option::is_some).then(|| view! {
            <p class="signed-in">
                {move || text().full_app.signed_in_as}" "
                <button type="button" class="link-button" data-testid="sign-out" on:click=move |_| {
                    // Nothing a signed-in person typed stays on the desk:
                    // the token, drafts, the tab's session storage and this
                    // deployment's waiting submissions go, and the reload
                    // drops every answer in memory.
                    intake.desk.token.set(None);
                    if let Some(config) = intake.config.get_value() {
                        outbox::hold_in_memory(&config);
                    }
                    clear_session_storage();
                    let _ = window().location().reload();
                }>{move || text().full_app.sign_out}</button>
            </p>
        })}
        <IdleWarning intake=intake />
        {move || intake.desk.session_notice.get().map(|notice| view! {
            <p class="notice" role="status" data-testid="session-notice">{notice}</p>
        })}
        {move || locked.get().then(|| view! {
            <section class="locked" aria-labelledby="locked-title" data-testid="locked">
                <h2 id="locked-title" tabindex="-1">{move || text().full_app.locked_title}</h2>
                <p>{move || text().full_app.locked_intro}</p>
                <SignInForm intake=intake on_signed_in=move |same_session| unlock(intake, locked, same_session)
                    screen=|text| text.locked_title />
            </section>
        })}
    }
}
