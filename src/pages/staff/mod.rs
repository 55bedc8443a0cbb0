//! Staff intake: signing in, the idle lock, finding the person first,
//! editing with only what changed listed before saving, the duplicate
//! check, and (Unite US) the intake form chosen by service type. Only the
//! full build has it: the public widget's build leaves it out, so no phone
//! downloads it. The staff token lives in [`DeskState`], in memory only.

mod desk;
mod edit;
mod find;
mod forms;
mod sign_in;

use std::future::Future;
use std::pin::Pin;

use intake_engine::targets::{Mode, SubmissionInput, TargetConfig};
use intake_engine::FormState;
use leptos::prelude::*;
use serde_json::Value;

use crate::shared::intake::{IntakePage, IntakePageProps};
use crate::shared::state::{Desk, DeskParts, Intake, Status};
use desk::DeskState;
use edit::{change_lister, duplicates_view, next_person_button, person_header, prepare_input};
use find::find_view;
use forms::first_intake_form;
use sign_in::{idle_lock, sign_in_again_view, sign_in_view, Session};

/// What the staff page adds to the intake page.
impl Desk for DeskState {
    fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    fn forget_token(&self) {
        self.token.set(None);
    }

    fn prepare_input(
        &self,
        intake: Intake,
        config: &TargetConfig,
        state: &FormState,
        input: SubmissionInput,
    ) -> Option<SubmissionInput> {
        prepare_input(self.at(intake), config, state, input)
    }

    fn first_form<'a>(
        &'a self,
        intake: Intake,
        config: &'a TargetConfig,
    ) -> Pin<Box<dyn Future<Output = Option<Value>> + 'a>> {
        Box::pin(first_intake_form(self.at(intake), config))
    }

    fn install(&self, intake: Intake) -> DeskParts {
        let staff = self.at(intake);
        install_shortcuts();
        let locked = idle_lock(staff);
        DeskParts {
            locked,
            on_change: change_lister(staff),
            session: view! { <Session intake=staff locked=locked /> }.into_any(),
        }
    }

    fn sign_in_view(&self, intake: Intake) -> AnyView {
        sign_in_view(self.at(intake))
    }

    fn find_view(&self, intake: Intake) -> AnyView {
        find_view(self.at(intake))
    }

    fn person_header(&self, intake: Intake) -> AnyView {
        person_header(self.at(intake))
    }

    fn status_view(&self, intake: Intake, status: &Status) -> AnyView {
        match status {
            Status::NeedsSignIn => sign_in_again_view(self.at(intake)),
            Status::PossibleDuplicates => duplicates_view(self.at(intake)),
            _ => ().into_any(),
        }
    }

    fn after_sent(&self, intake: Intake) -> AnyView {
        next_person_button(self.at(intake))
    }
}

/// Staff intake at `/staff`: the intake page with the staff desk.
#[component]
pub fn StaffPage() -> impl IntoView {
    IntakePage(IntakePageProps {
        mode: Mode::Staff,
        desk: Some(DeskState::new()),
    })
}

/// Whether the control a key went to opens something on Alt+Down or
/// Alt+Up itself: a list, a field with suggestions, or a date or time
/// field's picker.
fn opens_on_alt_arrow(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) =
        target.and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
    else {
        return false;
    };
    element
        .matches(
            "select, input[list], input[type=date], input[type=time], \
             input[type=datetime-local], input[type=month], input[type=week], \
             [role=combobox], [role=listbox]",
        )
        .unwrap_or(false)
}

fn click_first(selector: &str) {
    if let Some(element) = document().query_selector(selector).ok().flatten() {
        if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
            element.click();
        }
    }
}

/// Focuses the first field of the next (or previous) shown section.
fn move_between_sections(forward: bool) {
    let Ok(sections) = document().query_selector_all(".form-section:not([hidden])") else {
        return;
    };
    let sections: Vec<web_sys::Element> = (0..sections.length())
        .filter_map(|index| sections.item(index))
        .filter_map(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok())
        .collect();
    let active = document().active_element();
    let current = sections.iter().position(|section| {
        active
            .as_ref()
            .is_some_and(|active| section.contains(Some(active)))
    });
    let target = match (current, forward) {
        (Some(at), true) => at + 1,
        (Some(0), false) | (None, false) => return,
        (Some(at), false) => at - 1,
        (None, true) => 0,
    };
    let Some(section) = sections.get(target) else {
        return;
    };
    if let Some(field) = section
        .query_selector("input, select, textarea, button")
        .ok()
        .flatten()
    {
        if let Ok(field) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(field) {
            let _ = field.focus();
        }
    }
}

/// Ctrl+S (or Cmd+S) sends, Alt+Down and Alt+Up move to the next and
/// previous section of the form: staff move fast by keyboard. A control
/// that has its own use for Alt+Down (a list opens, a date picker opens)
/// keeps it.
pub(crate) fn install_shortcuts() {
    let shortcuts = window_event_listener(leptos::ev::keydown, move |event| {
        let key = event.key();
        if (event.ctrl_key() || event.meta_key()) && key.eq_ignore_ascii_case("s") {
            event.prevent_default();
            click_first("form.intake-form button[type=submit]");
        } else if event.alt_key()
            && (key == "ArrowDown" || key == "ArrowUp")
            && !event.default_prevented()
            && !opens_on_alt_arrow(event.target())
        {
            event.prevent_default();
            move_between_sections(key == "ArrowDown");
        }
    });
    on_cleanup(move || shortcuts.remove());
}
