//! The cli-sim tests, one test binary (agent-core, SQLCipher, OpenSSL and
//! the simulated servers linked once instead of once per file). Each file
//! is a module; a test's name is `<file>::<test>`, so
//! `cargo test -p cli-sim --test sim storage::` runs one file's tests.
//!
//! `tests/interactive.rs` stays a binary of its own: it opens
//! pseudo-terminals whose file descriptors are inherited by any child
//! process started meanwhile in the same process (not close-on-exec), and
//! a child of another test that held one open would keep its terminal
//! from ever closing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod chaos;
mod cli;
mod demo_languages;
mod diagnose;
mod encryption;
mod fleet;
mod hostile;
mod lang_check;
mod mock_dhis2;
mod mock_openlmis;
mod storage;
mod sync_dhis2;
mod tools_languages;
