//! What every page uses: the form view, the words of the interface, the
//! one module that does HTTP, the outbox's browser storage, and the intake
//! page that the widget and the staff page both are. Nothing here imports
//! a page: a page that adds to the intake page (the staff page) does so
//! through [`intake::Desk`], and the parts fetched later are reached only
//! through [`later::Later`].

pub mod dom;
pub mod draft;
pub mod embed;
pub(crate) mod failure;
pub(crate) mod form_later;
pub mod form_view;
pub mod http;
pub mod i18n;
pub mod intake;
pub mod language;
pub mod later;
pub(crate) mod later_parts;
pub mod outbox;
pub(crate) mod sending;
pub(crate) mod state;
mod vault;
