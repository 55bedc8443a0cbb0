//! The pages. Only the router (`crate`'s root) names them, and they import
//! only what is beneath them ([`crate::shared`]), never one another.

#[cfg(feature = "full")]
pub mod home;
#[cfg(feature = "full")]
pub mod preview;
#[cfg(feature = "full")]
pub mod staff;
pub mod widget;
