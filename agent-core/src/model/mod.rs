//! Plain data and pure functions: no I/O, nothing from the crate outside `model`.

pub mod canonical;
pub mod delivery;
pub mod draft;
pub mod form;
pub mod i18n;
pub mod key;
pub mod mapping;
pub mod matching;
pub mod period;
pub mod resupply;
