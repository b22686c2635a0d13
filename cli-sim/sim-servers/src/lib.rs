//! Simulated destination servers for tests, chaos runs and field testers: a
//! small fault-injecting HTTP/1.1 server ([`http`], [`faults`], [`hostile`],
//! [`tls`]) and, on top of it, a simulated DHIS2 ([`dhis2`]) and a simulated
//! OpenLMIS v3 ([`openlmis`]) that behave like the contracts in
//! `shared/contracts/`.
//!
//! This crate imports nothing from agent-core: periods, uids and UUIDs are
//! checked with its own code written from the contracts ([`period`]), so
//! the servers judge what the agent sends instead of agreeing with it by
//! construction. Server metadata is built from hand-written values or JSON
//! (`Dhis2MockConfig::from_data_sets`); the adapter from the agent's form
//! definitions lives in cli-sim (its `from_forms` module).

pub mod cli;
pub mod dhis2;
pub mod faults;
pub mod hostile;
pub mod http;
pub mod message;
pub mod openlmis;
pub mod period;
pub mod tls;
