//! Numbered schema migrations. The schema version lives in `PRAGMA
//! user_version`; shipped migrations are never edited, a change is a new file.
//! A database newer than this build is refused, untouched.

use crate::error::Error;
use rusqlite::Connection;

/// The migrations, in order; migration `i` brings the schema to version `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_outbox",
        include_str!("../../migrations/0001_outbox.sql"),
    ),
    ("0002_sync", include_str!("../../migrations/0002_sync.sql")),
    ("0003_lmis", include_str!("../../migrations/0003_lmis.sql")),
    (
        "0004_totals",
        include_str!("../../migrations/0004_totals.sql"),
    ),
    (
        "0005_damaged_copies",
        include_str!("../../migrations/0005_damaged_copies.sql"),
    ),
    (
        "0006_retention",
        include_str!("../../migrations/0006_retention.sql"),
    ),
    (
        "0007_messages",
        include_str!("../../migrations/0007_messages.sql"),
    ),
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The schema version of an open database.
pub fn version(conn: &Connection) -> Result<i64, Error> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the database up to [`latest_version`], each step in its own
/// transaction, or refuses a database newer than this build.
pub fn migrate(conn: &mut Connection) -> Result<(), Error> {
    migrate_to(conn, latest_version())
}

/// Brings the database up to `target` (used by tests that build old schemas).
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), Error> {
    let current = version(conn)?;
    if current > latest_version() {
        return Err(Error::DatabaseTooNew {
            found: current,
            supported: latest_version(),
        });
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let v = i as i64 + 1;
        if v <= current || v > target {
            continue;
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)
            .map_err(|e| Error::Invariant(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", v)?;
        tx.commit()?;
        tracing::info!(migration = name, version = v, "database migrated");
    }
    Ok(())
}
