//! The end-to-end tests, one test binary (one link of agent-core, SQLCipher,
//! OpenSSL and the simulated servers instead of one per file). Each file
//! is a module; a test's name is `<file>::<test>`, so
//! `cargo test -p e2e-tests --test e2e escrow::` runs one file's tests.
//! The set-up several files share (the simulated servers, the example
//! forms and facility map, credentials, a device) is in `support`.
//!
//! `tests/crash.rs` stays a binary of its own: it SIGKILLs a child
//! process over and over and needs enough submits to return between
//! kills, which other tests running beside it in the same process would
//! make depend on the machine's load.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod admin_actions;
mod bad_answers;
mod bandwidth;
mod country_setup;
mod dhis2_e2e;
mod dhis2_fidelity;
mod encryption_drill;
mod escrow;
mod field_trust;
mod lmis_chaos;
mod lmis_e2e;
mod lmis_paths;
mod oracles;
mod requisition_e2e;
mod retention;
mod support;
