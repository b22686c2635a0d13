//! Every SQL statement of the diagnostics bundle that the outbox module does
//! not already offer, as functions with typed arguments (readers only). Kept
//! apart from `diagnose` so that it can join the storage layer when
//! agent-core is split into folders.

use crate::error::Error;
use rusqlite::{Connection, params};

/// Deliveries of every revision (not only the latest), per destination,
/// state and "look up before sending".
pub fn delivery_counts(conn: &Connection) -> Result<Vec<(String, String, bool, u64)>, Error> {
    let rows = conn
        .prepare(
            "SELECT destination, state, unknown_outcome != 0, COUNT(*) FROM deliveries
             GROUP BY destination, state, unknown_outcome != 0 ORDER BY 1, 2, 3",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, i64>(3)?.max(0) as u64,
            ))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One row of the `destinations` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationRow {
    /// `dhis2` or `lmis`.
    pub destination: String,
    /// Why it is held, in plain words.
    pub hold: Option<String>,
    /// Since when.
    pub held_at: Option<String>,
    /// No request before this.
    pub backoff_until: Option<String>,
    /// Consecutive failures without an answer.
    pub failures: u32,
    /// Learned facts, JSON text.
    pub facts: String,
}

/// Every destination's hold, backoff and learned facts.
pub fn destinations(conn: &Connection) -> Result<Vec<DestinationRow>, Error> {
    let rows = conn
        .prepare(
            "SELECT destination, hold, held_at, backoff_until, failures, facts FROM destinations
             ORDER BY destination",
        )?
        .query_map([], |r| {
            Ok(DestinationRow {
                destination: r.get(0)?,
                hold: r.get(1)?,
                held_at: r.get(2)?,
                backoff_until: r.get(3)?,
                failures: r.get(4)?,
                facts: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A delivery still to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDelivery {
    /// Submission id.
    pub id: String,
    pub revision: u32,
    /// Form id.
    pub form: String,
    /// Facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
    /// `dhis2` or `lmis`.
    pub destination: String,
    /// Its state.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before this.
    pub next_attempt_at: Option<String>,
    /// The last error, in plain words.
    pub last_error: Option<String>,
    /// Looked up before any resend.
    pub unknown_outcome: bool,
    /// Last change.
    pub updated_at: String,
}

/// The number of deliveries still to make, and the first `limit` of them:
/// refused first, then waiting, in flight, retried, and the oldest.
pub fn open_deliveries(conn: &Connection, limit: u32) -> Result<(u64, Vec<OpenDelivery>), Error> {
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'in_flight', 'waiting', 'rejected')",
        [],
        |r| r.get(0),
    )?;
    let rows = conn
        .prepare(
            "SELECT d.submission_id, d.revision, s.form_id, s.facility, s.period, d.destination,
                    d.state, d.attempts, d.next_attempt_at, d.last_error, d.unknown_outcome != 0, d.updated_at
             FROM deliveries d JOIN submissions s ON s.id = d.submission_id
             WHERE d.state IN ('pending', 'in_flight', 'waiting', 'rejected')
             ORDER BY CASE d.state WHEN 'rejected' THEN 0 WHEN 'waiting' THEN 1 WHEN 'in_flight' THEN 2 ELSE 3 END,
                      d.attempts DESC, d.submission_id, d.revision, d.destination
             LIMIT ?1",
        )?
        .query_map(params![limit], |r| {
            Ok(OpenDelivery {
                id: r.get(0)?,
                revision: r.get(1)?,
                form: r.get(2)?,
                facility: r.get(3)?,
                period: r.get(4)?,
                destination: r.get(5)?,
                state: r.get(6)?,
                attempts: r.get(7)?,
                next_attempt_at: r.get(8)?,
                last_error: r.get(9)?,
                unknown_outcome: r.get(10)?,
                updated_at: r.get(11)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok((total.max(0) as u64, rows))
}

/// One logged exchange, bodies whole (as stored, already capped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRow {
    /// When (UTC).
    pub at: String,
    /// HTTP method.
    pub method: String,
    pub url: String,
    /// Body sent.
    pub request_body: Option<String>,
    /// HTTP status, if answered.
    pub status: Option<u16>,
    /// Answer.
    pub response_body: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Duration.
    pub duration_ms: u64,
    /// Forms it carried.
    pub items: u32,
}

/// The last `limit` exchanges with `destination`, newest first.
pub fn last_exchanges(
    conn: &Connection,
    destination: &str,
    limit: u32,
) -> Result<Vec<ExchangeRow>, Error> {
    let rows = conn
        .prepare(
            "SELECT e.at, e.method, e.url, e.request_body, e.status, e.response_body, e.error,
                    e.bytes_sent, e.bytes_received, e.duration_ms,
                    (SELECT COUNT(*) FROM exchange_items i WHERE i.exchange_id = e.id)
             FROM exchanges e WHERE e.destination = ?1 ORDER BY e.id DESC LIMIT ?2",
        )?
        .query_map(params![destination, limit], |r| {
            Ok(ExchangeRow {
                at: r.get(0)?,
                method: r.get(1)?,
                url: r.get(2)?,
                request_body: r.get(3)?,
                status: r.get(4)?,
                response_body: r.get(5)?,
                error: r.get(6)?,
                bytes_sent: r.get::<_, i64>(7)?.max(0) as u64,
                bytes_received: r.get::<_, i64>(8)?.max(0) as u64,
                duration_ms: r.get::<_, i64>(9)?.max(0) as u64,
                items: r.get(10)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// When the last pass ended and when a form was last delivered (stored text).
pub fn last_sync(conn: &Connection) -> Result<(Option<String>, Option<String>), Error> {
    Ok(conn.query_row(
        "SELECT (SELECT MAX(finished_at) FROM sync_runs),
                (SELECT MAX(updated_at) FROM deliveries WHERE state = 'delivered')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
