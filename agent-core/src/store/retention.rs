//! Retention: the contents of revisions delivered long ago are dropped, so a
//! device reporting for years keeps the size of its last months; their ids,
//! hashes and delivery states stay (schema 6, `revisions.compacted_at`).
//!
//! A revision is compacted only when every delivery of it is `delivered` or
//! `superseded`, none has an unknown outcome, the last of them was settled
//! more than the retention age ago, and no delivery of any revision of the
//! same form is still to make (a correction waiting to go may need the
//! earlier content). Undelivered revisions are never touched.
//!
//! What stays true of a compacted form: saving identical content again is
//! still a double tap (the hash is kept); a correction is still the next
//! revision of the same form and supersedes nothing delivered. What is lost
//! with the content: reading it (`inspect` shows an empty content,
//! `latest_draft` refuses), the resupply history of those months, and, for a
//! correction, the values the earlier revision held (DHIS2: values the
//! correction leaves empty are not deleted; the LMIS: the correction is sent
//! whole, a physical count of every line).

use super::outbox::{cache_get, cache_put};
use super::time::Time;
use crate::error::Error;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// The metadata-cache key holding when compaction last ran.
const LAST_RUN_KEY: &str = "retention:last_run";

/// Revisions compacted per transaction (a hub's first run after an upgrade
/// takes a few transactions; each is short).
const STEP: i64 = 2_000;

/// Transactions per run at most (so a run is bounded: 100,000 revisions).
const MAX_STEPS: usize = 50;

/// Compacts the revisions delivered more than `keep_days` days before
/// `now` (see the module's doc). Returns how many were compacted.
pub fn compact_delivered(
    conn: &mut Connection,
    now: DateTime<Utc>,
    keep_days: u32,
) -> Result<u64, Error> {
    let cutoff = Time(now - chrono::Duration::days(i64::from(keep_days)));
    let at = Time(now);
    let mut total = 0u64;
    for _ in 0..MAX_STEPS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let keys: Vec<(String, u32)> = tx
            .prepare_cached(
                "SELECT v.submission_id, v.revision FROM revisions v
                 WHERE v.compacted_at IS NULL
                   AND EXISTS (SELECT 1 FROM deliveries d
                               WHERE d.submission_id = v.submission_id AND d.revision = v.revision)
                   AND NOT EXISTS (SELECT 1 FROM deliveries d
                                   WHERE d.submission_id = v.submission_id AND d.revision = v.revision
                                     AND (d.state NOT IN ('delivered', 'superseded')
                                          OR d.unknown_outcome OR d.updated_at >= ?1))
                   AND NOT EXISTS (SELECT 1 FROM deliveries d
                                   WHERE d.submission_id = v.submission_id
                                     AND (d.state NOT IN ('delivered', 'superseded') OR d.unknown_outcome))
                 LIMIT ?2",
            )?
            .query_map(params![cutoff, STEP], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, revision) in &keys {
            tx.prepare_cached(
                "UPDATE revisions SET content = '', warnings = '[]', compacted_at = ?3
                 WHERE submission_id = ?1 AND revision = ?2",
            )?
            .execute(params![id, revision, at])?;
        }
        tx.commit()?;
        total += keys.len() as u64;
        if (keys.len() as i64) < STEP {
            break;
        }
    }
    Ok(total)
}

/// Whether compaction last ran less than a day before `now` (it runs at
/// most once a day: its look-up reads every revision still holding content).
pub fn ran_today(conn: &Connection, now: DateTime<Utc>) -> Result<bool, Error> {
    Ok(match cache_get(conn, LAST_RUN_KEY)? {
        Some(at) => at
            .parse::<Time>()
            .is_ok_and(|Time(t)| t <= now && now - t < chrono::Duration::days(1)),
        None => false,
    })
}

/// Notes that compaction ran at `now`.
pub fn mark_ran(conn: &Connection, now: DateTime<Utc>) -> Result<(), Error> {
    cache_put(conn, LAST_RUN_KEY, now, &Time(now).to_string())
}

/// Whether a revision's content was dropped by retention.
pub fn is_compacted(conn: &Connection, id: &str, revision: u32) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT compacted_at IS NOT NULL FROM revisions WHERE submission_id = ?1 AND revision = ?2",
        )?
        .query_row(params![id, revision], |r| r.get(0))?)
}
