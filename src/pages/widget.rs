//! The public assistance-request widget: the intake page with nothing added,
//! which an organisation embeds in its own website. The widget's own build
//! has this page alone.

use intake_engine::targets::Mode;
use leptos::prelude::*;

use crate::shared::intake::{IntakePage, IntakePageProps};
use crate::shared::state::NoDesk;

#[component]
pub fn WidgetPage() -> impl IntoView {
    IntakePage(IntakePageProps {
        mode: Mode::Widget,
        desk: None::<NoDesk>,
    })
}
