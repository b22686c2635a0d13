//! The SQLite store: every SQL statement of the crate.

pub mod migrations;
pub mod outbox;
