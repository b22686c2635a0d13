//! The agent's core: the combined monthly form, its validation at entry, the
//! durable SQLite outbox, and (in later modules) the payload builders,
//! destination clients and the sync engine.
//!
//! Everything a user can do goes through [`Agent`]; the Android bindings and
//! the `cli-sim` simulator are thin shells over it.

#![warn(missing_docs)]

// The layers (ARCHITECTURE.md, "Dependency rules"; enforced by
// tests/layers.rs). Only what the shells use is public, below.
pub mod agent;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod diagnose;
pub mod error;
pub mod escrow;
pub mod files;
mod model;
mod net;
mod routes;
mod store;
pub mod sync;
pub mod validate;

pub use agent::{Agent, Receipt, Validation};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::AgentConfig;
pub use error::{AgentError, Result};
pub use model::draft::{Draft, StockEntry};
pub use model::form::{FindingTarget, FormDefinition, FormSet};
pub use model::i18n::Message;
pub use model::key::OutboxKey;
pub use model::mapping::FacilityMap;
pub use model::period::{Period, PeriodType};
pub use validate::{Finding, Severity};

// The plain data of `model` is public as it is, at its old paths.
pub use model::resupply::{ConsumptionPeriod, ResupplyAdvice, ResupplySettings};
pub use model::{canonical, draft, form, i18n, mapping, matching, period, resupply};

/// Where each part of a form goes and how far it got; what the outbox
/// reports.
pub mod outbox {
    pub use crate::model::delivery::{DeliveryState, Destination, LastErrorKind, NoteKind};
    pub use crate::model::delivery::{
        FAILURE_IDS, dhis2_advice_id, failure_message, last_error_message, plain_text,
    };
    pub use crate::store::outbox::{
        DamagedCopy, DataUse, DestinationStatus, OpenNotice, OutboxHealth, StateCount,
        SubmissionStatus,
    };
}

/// DHIS2: its settings, and the data values a form gives it (the shells'
/// independent checks compare with them).
pub mod dhis2 {
    pub use crate::model::delivery::FieldProblem;
    pub use crate::routes::dhis2::route::{Dhis2Settings, gzip_bytes};
    pub use crate::routes::dhis2::{advice_for, values_of};
}

/// Setting up forms from the servers: what a stock pull changed.
pub mod metadata {
    pub use crate::routes::openlmis::masters::StockReport;
}

/// The LMIS (OpenLMIS): its settings and the stock events' resource ids.
pub mod lmis {
    pub use crate::routes::openlmis::lmis::{LmisSettings, event_resource_id};
}

/// The HTTP transport, for shells and tests that put something between
/// the agent and a server.
pub mod http {
    pub use crate::net::http::{
        Endpoint, ExtraRoots, HttpRequest, HttpResponse, Timeouts, Transport, TransportError,
        TransportErrorKind, UreqTransport, basic_auth, encode_query, platform_verifier_initialised,
        platform_verifier_usable,
    };
}

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub use net::http::AGENT_NAME;
