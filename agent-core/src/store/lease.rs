//! The sync lease: one pass per database at a time.

use super::time::Time;
use crate::error::Error;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

const LEASE: &str = "sync";

/// Takes (or renews) the lease for `holder` until `until`, unless another
/// holder has it and it has not expired and `is_dead` does not say its
/// process is gone. Returns whether `holder` has it now.
pub(crate) fn acquire(
    conn: &mut Connection,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    is_dead: impl Fn(&str) -> bool,
) -> Result<bool, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: Option<(String, Time)> = tx
        .query_row(
            "SELECT holder, expires_at FROM sync_lease WHERE name = ?1",
            [LEASE],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((h, held_until)) = current
        && h != holder
        && held_until.0 > now
        && !is_dead(&h)
    {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO sync_lease (name, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
        params![LEASE, holder, Time(until)],
    )?;
    tx.commit()?;
    Ok(true)
}

/// Gives the lease back (only if `holder` has it).
pub(crate) fn release(conn: &Connection, holder: &str) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM sync_lease WHERE name = ?1 AND holder = ?2",
        params![LEASE, holder],
    )?;
    Ok(())
}
