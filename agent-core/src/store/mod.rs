//! The SQLite store: every SQL statement of the crate.

pub mod deliveries;
pub mod destinations;
pub mod diagnose;
pub mod escrow;
pub mod exchanges;
pub mod lease;
pub mod migrations;
pub mod outbox;
pub mod requisitions;
pub mod retention;
pub mod stranded;
pub mod time;
