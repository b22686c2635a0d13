//! The agent's core: the combined monthly form, its validation at entry, the
//! durable SQLite outbox, and (in later modules) the payload builders,
//! destination clients and the sync engine.
//!
//! Everything a user can do goes through [`Agent`]; the Android bindings and
//! the `cli-sim` simulator are thin shells over it.

#![warn(missing_docs)]

pub mod agent;
pub mod canonical;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod delivery;
pub mod dhis2;
pub mod diagnose;
pub mod draft;
pub mod error;
pub mod escrow;
pub mod files;
pub mod form;
pub mod http;
pub mod lmis;
pub mod mapping;
pub mod metadata;
pub mod migrations;
pub mod openlmis;
pub mod outbox;
pub mod period;
pub mod requisition;
pub mod retry;
pub mod sync;
pub mod validate;

pub use agent::{Agent, Receipt};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::AgentConfig;
pub use draft::{Draft, StockEntry};
pub use error::{AgentError, Result};
pub use form::{FormDefinition, FormSet};
pub use mapping::FacilityMap;
pub use period::{Period, PeriodType};
pub use validate::{Finding, Severity};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

/// The agent's name and version, as sent in User-Agent headers and shown in `status`.
pub const AGENT_NAME: &str = concat!("health-sync-agent/", env!("CARGO_PKG_VERSION"));
