//! Per destination: hold (and its kind), failures and backoff, learned facts.

use super::outbox::HoldKind;
use super::time::Time;
use crate::error::Error;
use crate::model::delivery::{Destination, plain_text};
use crate::model::i18n::{DEFAULT_LOCALE, Message, render};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::BTreeMap;

/// Per-destination state: hold, backoff and learned facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationState {
    /// Why it is held (English text).
    pub hold: Option<String>,
    /// Why it is held, as a message (schema 7; absent for an older hold,
    /// see [`DestinationState::hold_message`]).
    pub hold_msg: Option<Message>,
    /// No request before this.
    pub backoff_until: Option<DateTime<Utc>>,
    /// Consecutive failures.
    pub failures: u32,
    /// Learned facts.
    pub facts: BTreeMap<String, serde_json::Value>,
}

/// Reads a destination's state.
pub fn destination_state(conn: &Connection, dest: Destination) -> Result<DestinationState, Error> {
    // hold, backoff_until, failures, facts, hold_msg
    type Row = (Option<String>, Option<Time>, u32, String, Option<String>);
    let row: Option<Row> = conn
        .query_row(
            "SELECT hold, backoff_until, failures, facts, hold_msg FROM destinations WHERE destination = ?1",
            [dest.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((hold, backoff, failures, facts, hold_msg)) = row else {
        return Ok(DestinationState::default());
    };
    Ok(DestinationState {
        hold_msg: hold.as_ref().and(Message::from_stored(hold_msg.as_deref())),
        hold,
        backoff_until: backoff.map(|t| t.0),
        failures,
        facts: serde_json::from_str(&facts).unwrap_or_default(),
    })
}

impl DestinationState {
    /// Why it is held, as a message: the stored one, or (a hold placed
    /// before schema 7) its English text as it is.
    pub fn hold_message(&self) -> Option<Message> {
        self.hold_msg
            .clone()
            .or_else(|| self.hold.as_deref().map(plain_text))
    }
}

fn ensure_destination(conn: &Connection, dest: Destination) -> Result<(), Error> {
    conn.prepare_cached("INSERT OR IGNORE INTO destinations (destination) VALUES (?1)")?
        .execute([dest.as_str()])?;
    Ok(())
}

pub(crate) const HOLD_KIND: &str = "hold.kind";
/// The time a server's `Retry-After` asked us to wait until (a fact).
pub(crate) const RETRY_AFTER_UNTIL: &str = "retry_after.until";
pub(crate) const HOLD_CREDENTIALS: &str = "hold.credentials";
pub(crate) const HOLD_URL: &str = "hold.url";

/// Holds a destination until released (see [`HoldKind`]). The hold and
/// its kind are one statement: a process killed in between must not leave
/// a hold without its kind (read as a credentials hold, which a network
/// change does not release).
pub(crate) fn hold_destination(
    conn: &Connection,
    dest: Destination,
    why: &Message,
    now: DateTime<Utc>,
    kind: HoldKind,
) -> Result<(), Error> {
    ensure_destination(conn, dest)?;
    // The English text for logs and older readers, and the message.
    conn.execute(
        "UPDATE destinations SET hold = ?2, held_at = ?3, hold_msg = ?5,
             facts = json_set(CASE WHEN json_valid(facts) THEN facts ELSE '{}' END, '$.\"hold.kind\"', ?4)
         WHERE destination = ?1",
        params![
            dest.as_str(),
            render(why, DEFAULT_LOCALE),
            Time(now),
            kind.as_str(),
            serde_json::to_string(why)?
        ],
    )?;
    Ok(())
}

/// Forgets the backoff of every destination and makes waiting items due now:
/// the shell calls it when connectivity comes back, a real signal that the
/// earlier failures may be over.
///
/// A server's own `Retry-After` is not ours to forget: a destination whose
/// backoff came from one that is still in the future keeps waiting until
/// that time (a new network does not make a busy server free).
pub fn reset_backoff(conn: &mut Connection, now: DateTime<Utc>) -> Result<u64, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(String, String)> = tx
        .prepare("SELECT destination, facts FROM destinations")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (dest, facts) in rows {
        let facts: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&facts).unwrap_or_default();
        let server_until = facts
            .get(RETRY_AFTER_UNTIL)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Time>().ok())
            .map(|t| t.0)
            .filter(|until| *until > now);
        tx.execute(
            "UPDATE destinations SET failures = 0, backoff_until = ?2 WHERE destination = ?1",
            params![dest, server_until.map(Time)],
        )?;
    }
    // A new network may not have the portal or proxy that answered instead
    // of the server.
    let intercepted: Vec<String> = tx
        .prepare("SELECT destination FROM destinations WHERE hold IS NOT NULL AND json_extract(facts, '$.\"hold.kind\"') = 'intercepted'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for d in intercepted {
        release_hold(&tx, d.parse()?)?;
    }
    let n = tx.execute(
        "UPDATE deliveries SET next_attempt_at = NULL, updated_at = ?1
         WHERE state = 'pending' AND next_attempt_at IS NOT NULL",
        [Time(now)],
    )?;
    tx.commit()?;
    Ok(n as u64)
}

/// Releases a hold (after new credentials or a configuration fix).
pub fn release_hold(conn: &Connection, dest: Destination) -> Result<(), Error> {
    let mut facts = destination_state(conn, dest)?.facts;
    for k in [HOLD_KIND, HOLD_CREDENTIALS, HOLD_URL] {
        facts.remove(k);
    }
    conn.execute(
        "UPDATE destinations SET hold = NULL, held_at = NULL, hold_msg = NULL, facts = ?2 WHERE destination = ?1",
        params![dest.as_str(), serde_json::to_string(&facts)?],
    )?;
    Ok(())
}

/// Records that a destination answered: failures and backoff are cleared.
/// When the destination was failing, the items that waited because of it
/// (not because of themselves) become due again, so that they travel
/// together in the next batches instead of trickling out on their own
/// jittered times.
pub fn destination_answered(conn: &Connection, dest: Destination) -> Result<(), Error> {
    ensure_destination(conn, dest)?;
    let recovered = conn
        .prepare_cached(
            "UPDATE destinations SET failures = 0, backoff_until = NULL,
                 facts = CASE WHEN json_valid(facts) THEN json_remove(facts, '$.\"retry_after.until\"') ELSE facts END
             WHERE destination = ?1 AND (failures > 0 OR backoff_until IS NOT NULL)",
        )?
        .execute([dest.as_str()])?;
    if recovered > 0 {
        conn.execute(
            "UPDATE deliveries SET next_attempt_at = NULL
             WHERE destination = ?1 AND state = 'pending' AND next_attempt_at IS NOT NULL",
            [dest.as_str()],
        )?;
    }
    Ok(())
}

/// Stores a learned fact about a destination's server.
pub fn set_fact(
    conn: &Connection,
    dest: Destination,
    key: &str,
    value: serde_json::Value,
) -> Result<(), Error> {
    ensure_destination(conn, dest)?;
    let mut facts = destination_state(conn, dest)?.facts;
    facts.insert(key.to_string(), value);
    conn.execute(
        "UPDATE destinations SET facts = ?2 WHERE destination = ?1",
        params![dest.as_str(), serde_json::to_string(&facts)?],
    )?;
    Ok(())
}

/// Counts one more failure without an answer; returns the count.
pub(crate) fn count_failure(conn: &Connection, dest: Destination) -> Result<u32, Error> {
    ensure_destination(conn, dest)?;
    Ok(conn.query_row(
        "UPDATE destinations SET failures = failures + 1 WHERE destination = ?1 RETURNING failures",
        [dest.as_str()],
        |r| r.get(0),
    )?)
}

/// No request to `dest` before `until`.
pub(crate) fn set_backoff(
    conn: &Connection,
    dest: Destination,
    until: DateTime<Utc>,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE destinations SET backoff_until = ?2 WHERE destination = ?1",
        params![dest.as_str(), Time(until)],
    )?;
    Ok(())
}
