//! agent-core's tests through its public API, one test binary (SQLCipher
//! and OpenSSL linked once instead of once per file). Each file is a
//! module: `cargo test -p agent-core --test integration i18n_sync::`.
//!
//! `schemas.rs` and `layers.rs` stay binaries of their own, under the
//! names the house rules give them (`--test schemas`, `--test layers`);
//! layers.rs links no agent-core at all.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod encryption;
mod form_labels;
mod i18n_locale_dir;
mod i18n_sync;
