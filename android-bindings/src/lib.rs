//! uniffi bindings over agent-core for the Android shell.
//!
//! Only the scaffolding exists so far; the typed `Agent` object arrives with
//! the Android bindings issue. The plain data types that will cross the FFI
//! (findings, severities, destinations, delivery states) already derive their
//! uniffi traits in agent-core behind its `uniffi` feature.

uniffi::setup_scaffolding!();
