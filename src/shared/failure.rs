//! Why a page cannot show a form, and what the person is told. The type is
//! part of the first load; its words come with the later parts (see
//! [`crate::shared::later`]): a failure is rare, and every phone would otherwise
//! download messages it almost never shows.

use intake_engine::targets::{ConfigError, LinkRefusal, Mode};
use intake_engine::LoadError;

use crate::shared::http::FetchError;
use crate::shared::i18n::FailureKind;
use leptos::prelude::Get;

use crate::shared::language::use_language;

/// Why the widget or staff page shows no form.
#[derive(Clone, Debug)]
pub(crate) enum PageFailure {
    /// The link tried to choose something only the deployment may.
    Link(LinkRefusal),
    /// The configuration or the form definition could not be fetched.
    Fetch(FetchError),
    /// The configuration cannot work.
    Config(ConfigError),
    /// The form definition cannot be used.
    Definition(LoadError),
    /// The configuration is for the other page; this page is `Mode`.
    WrongMode(Mode),
    /// Unite US's form configuration answered with an error status, or no
    /// answer came.
    FormConfig(Option<u16>),
    /// Unite US's form configuration came, but not in its documented shape.
    FormConfigUnreadable,
}

/// The message, in the interface language (read reactively, so a change of
/// language rewrites it).
pub(crate) fn message(failure: &PageFailure) -> String {
    let language = use_language().get();
    let translate = language.later_text().failure;
    let kind = match failure {
        PageFailure::Link(refusal) => Some(FailureKind::Link(refusal)),
        PageFailure::Fetch(error) => Some(FailureKind::Fetch(error)),
        PageFailure::Definition(error) => Some(FailureKind::Load(error)),
        _ => None,
    };
    if let (Some(translate), Some(kind)) = (translate, &kind) {
        return translate(kind);
    }
    match failure {
        PageFailure::Link(refusal) => refusal.to_string(),
        PageFailure::Fetch(error) => error.to_string(),
        PageFailure::Config(error) => error.to_string(),
        PageFailure::Definition(error) => error.to_string(),
        PageFailure::WrongMode(Mode::Widget) => {
            "This configuration is for staff intake: open it at /staff.".into()
        }
        PageFailure::WrongMode(Mode::Staff) => {
            "This configuration is for the public widget: open it at /widget.".into()
        }
        PageFailure::FormConfig(Some(status)) => format!(
            "The organisation's form could not be loaded (HTTP {status}). Try again later."
        ),
        PageFailure::FormConfig(None) => "The organisation's form could not be loaded: check your connection and reload the page.".into(),
        PageFailure::FormConfigUnreadable => {
            "The organisation's form configuration could not be read.".into()
        }
    }
}
