//! The deliveries: one row per revision × destination, its state, attempts,
//! next attempt time and audit trail.

use super::outbox;
use super::time::Time;
use crate::error::Error;
use crate::model::delivery::{DeliveryState, Destination};
use crate::model::draft::Draft;
use crate::model::i18n::{DEFAULT_LOCALE, Message, render};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

/// One delivery row, as the engine handles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub submission_id: String,
    pub revision: u32,
    /// State before the pass touched it.
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// Send alone.
    pub solo: bool,
    pub form_id: String,
    /// Facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
    /// Canonical content.
    pub content: String,
    /// When the revision was recorded.
    pub recorded_at: DateTime<Utc>,
    /// An earlier request may have been applied without an answer.
    pub unknown_outcome: bool,
}

/// A delivery row with its next attempt time.
pub type QueuedRow = (DueRow, Option<DateTime<Utc>>);

/// The latest-revision deliveries of `dest` in one of `states`, oldest form
/// first, each with its next attempt time; with `due_at`, only those due then.
pub fn delivery_rows(
    conn: &Connection,
    dest: Destination,
    states: &[DeliveryState],
    due_at: Option<DateTime<Utc>>,
    select: RowSelect<'_>,
) -> Result<Vec<QueuedRow>, Error> {
    let list = states
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    // Without content the revision's row is still read (its time), but the
    // content column is not copied out.
    let content = if select.content { "v.content" } else { "''" };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT d.submission_id, d.revision, d.state, d.attempts, d.solo, s.form_id, s.facility, s.period,
                {content}, v.created_at, d.unknown_outcome, d.next_attempt_at
         FROM deliveries d
         JOIN submissions s ON s.id = d.submission_id
         JOIN revisions v ON v.submission_id = d.submission_id AND v.revision = d.revision
         WHERE d.destination = ?1 AND d.state IN ({list}) AND d.revision = s.latest_revision
           AND (?2 IS NULL OR d.next_attempt_at IS NULL OR d.next_attempt_at <= ?2)
           AND d.submission_id > ?3
         ORDER BY d.submission_id
         LIMIT ?4"
    ))?;
    let limit = select.limit.map_or(-1, |l| l as i64);
    let rows = stmt.query_map(
        params![
            dest.as_str(),
            due_at.map(Time),
            select.after.unwrap_or(""),
            limit
        ],
        |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                ),
                (
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, Time>(9)?,
                    r.get::<_, bool>(10)?,
                    r.get::<_, Option<Time>>(11)?,
                ),
            ))
        },
    )?;
    let mut out = Vec::new();
    for r in rows {
        let (
            (submission_id, revision, state, attempts, solo, form_id),
            (facility, period, content, created, unknown_outcome, next),
        ) = r?;
        out.push((
            DueRow {
                submission_id,
                revision,
                state: state.parse()?,
                attempts,
                solo,
                form_id,
                facility,
                period,
                content,
                recorded_at: created.0,
                unknown_outcome,
            },
            next.map(|t| t.0),
        ));
    }
    Ok(out)
}

/// Which delivery rows to read and how much of them.
#[derive(Debug, Clone, Copy)]
pub struct RowSelect<'a> {
    /// Read the canonical content (the largest column).
    pub content: bool,
    /// Only rows of submissions after this id (a cursor; ids sort by time).
    pub after: Option<&'a str>,
    /// At most this many rows.
    pub limit: Option<usize>,
}

impl RowSelect<'_> {
    /// Every row, with its content.
    pub const ALL: RowSelect<'static> = RowSelect {
        content: true,
        after: None,
        limit: None,
    };
}

/// The deliveries of `dest` that are due at `now`, oldest form first.
pub fn due_rows(
    conn: &Connection,
    dest: Destination,
    now: DateTime<Utc>,
    select: RowSelect<'_>,
) -> Result<Vec<DueRow>, Error> {
    Ok(delivery_rows(
        conn,
        dest,
        &[DeliveryState::Pending, DeliveryState::InFlight],
        Some(now),
        select,
    )?
    .into_iter()
    .map(|(row, _)| row)
    .collect())
}

/// Changes the state of a delivery and writes the audit row. `last_error`
/// is text without a message (stored with none; read back as it is):
/// prefer [`set_state_msg`].
#[allow(clippy::too_many_arguments)]
pub fn set_state(
    tx: &Transaction,
    now: DateTime<Utc>,
    key: (&str, u32, Destination),
    to: DeliveryState,
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<&str>,
    event: &str,
    detail: Option<&str>,
) -> Result<(), Error> {
    let error = last_error.map(|t| (t.to_string(), None));
    write_state(tx, now, key, (to, next_attempt_at, error), event, detail)
}

/// [`set_state`] with the last error as a message: its id and arguments
/// are stored (schema 7, read back in the agent's language) next to its
/// English text (for logs and older readers).
#[allow(clippy::too_many_arguments)]
pub fn set_state_msg(
    tx: &Transaction,
    now: DateTime<Utc>,
    key: (&str, u32, Destination),
    to: DeliveryState,
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<&Message>,
    event: &str,
    detail: Option<&str>,
) -> Result<(), Error> {
    let error = match last_error {
        Some(m) => Some((render(m, DEFAULT_LOCALE), Some(serde_json::to_string(m)?))),
        None => None,
    };
    write_state(tx, now, key, (to, next_attempt_at, error), event, detail)
}

/// A delivery's next state, next attempt and last error (English text and
/// the message's JSON).
type NextState = (
    DeliveryState,
    Option<DateTime<Utc>>,
    Option<(String, Option<String>)>,
);

/// [`set_state`] with both the English text to store (for logs and older
/// readers) and the message, when the text says more than the message
/// (`will retry: ...`).
pub(crate) fn set_state_text_msg(
    tx: &Transaction,
    now: DateTime<Utc>,
    key: (&str, u32, Destination),
    (to, next_attempt_at): (DeliveryState, Option<DateTime<Utc>>),
    (text, msg): (&str, &Message),
    event: &str,
    detail: Option<&str>,
) -> Result<(), Error> {
    let error = Some((text.to_string(), Some(serde_json::to_string(msg)?)));
    write_state(tx, now, key, (to, next_attempt_at, error), event, detail)
}

fn write_state(
    tx: &Transaction,
    now: DateTime<Utc>,
    key: (&str, u32, Destination),
    (to, next_attempt_at, error): NextState,
    event: &str,
    detail: Option<&str>,
) -> Result<(), Error> {
    let (last_error, last_error_msg) = match error {
        Some((text, msg)) => (Some(text), msg),
        None => (None, None),
    };
    let (id, rev, dest) = key;
    let from: String = tx
        .prepare_cached(
            "SELECT state FROM deliveries WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
        )?
        .query_row(params![id, rev, dest.as_str()], |r| r.get(0))?;
    let from: DeliveryState = from.parse()?;
    if !from.can_go_to(to) {
        return Err(Error::Invariant(format!(
            "delivery {id} revision {rev} to {dest} cannot go from {from} to {to} ({event})"
        )));
    }
    tx.prepare_cached(
        "UPDATE deliveries SET state = ?4, next_attempt_at = ?5, last_error = ?6, updated_at = ?7,
             last_error_msg = ?8
         WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
    )?
    .execute(params![
        id,
        rev,
        dest.as_str(),
        to.as_str(),
        next_attempt_at.map(Time),
        last_error,
        Time(now),
        last_error_msg
    ])?;
    outbox::audit(
        tx,
        now,
        id,
        Some(rev),
        Some(dest),
        event,
        (Some(from), Some(to)),
        detail,
    )?;
    Ok(())
}

/// Marks rows in flight (attempts + 1) before a request, in one durable
/// transaction.
pub fn mark_in_flight(
    conn: &mut Connection,
    now: DateTime<Utc>,
    dest: Destination,
    rows: &[&DueRow],
) -> Result<(), Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    mark_in_flight_tx(&tx, now, dest, rows)?;
    tx.commit()?;
    Ok(())
}

/// Counts one more attempt of a delivery without changing its state.
pub fn count_attempt(
    tx: &Transaction,
    (id, rev, dest): (&str, u32, Destination),
) -> Result<(), Error> {
    tx.prepare_cached(
        "UPDATE deliveries SET attempts = attempts + 1 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
    )?
    .execute(params![id, rev, dest.as_str()])?;
    Ok(())
}

/// [`mark_in_flight`] inside the caller's transaction.
pub fn mark_in_flight_tx(
    tx: &Transaction,
    now: DateTime<Utc>,
    dest: Destination,
    rows: &[&DueRow],
) -> Result<(), Error> {
    for r in rows {
        tx.prepare_cached(
            "UPDATE deliveries SET attempts = attempts + 1 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
        )?
        .execute(params![r.submission_id, r.revision, dest.as_str()])?;
        set_state(
            tx,
            now,
            (&r.submission_id, r.revision, dest),
            DeliveryState::InFlight,
            None,
            None,
            "sending",
            None,
        )?;
    }
    Ok(())
}

/// Puts the refused deliveries of a submission's latest revision back in the
/// queue (the period was reopened, the server's configuration was fixed).
/// Returns how many were requeued.
pub fn requeue_rejected(conn: &mut Connection, id: &str, now: DateTime<Utc>) -> Result<u64, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(u32, String)> = tx
        .prepare(
            "SELECT d.revision, d.destination FROM deliveries d JOIN submissions s ON s.id = d.submission_id
             WHERE d.submission_id = ?1 AND d.revision = s.latest_revision AND d.state = 'rejected'",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (rev, dest) in &rows {
        let dest: Destination = dest.parse()?;
        tx.execute(
            "UPDATE deliveries SET solo = 1 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
            params![id, rev, dest.as_str()],
        )?;
        set_state(
            &tx,
            now,
            (id, *rev, dest),
            DeliveryState::Pending,
            None,
            None,
            "requeued",
            Some("sent again at the user's request"),
        )?;
    }
    tx.commit()?;
    Ok(rows.len() as u64)
}

/// Items of a destination still to deliver, and the earliest due time.
pub(crate) fn queue_state(
    conn: &Connection,
    dest: Destination,
) -> Result<(u64, Option<DateTime<Utc>>, bool), Error> {
    let (n, next, now_due): (i64, Option<Time>, i64) = conn.query_row(
        "SELECT COUNT(*), MIN(d.next_attempt_at),
                SUM(d.state IN ('pending', 'in_flight') AND d.next_attempt_at IS NULL)
         FROM deliveries d JOIN submissions s ON s.id = d.submission_id AND s.latest_revision = d.revision
         WHERE d.destination = ?1 AND d.state IN ('pending', 'in_flight', 'waiting')",
        [dest.as_str()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<i64>>(2)?.unwrap_or(0))),
    )?;
    Ok((n as u64, next.map(|t| t.0), now_due > 0))
}

/// Sets or clears a delivery's "unknown outcome" mark: set, its request may
/// have reached the server and it is looked up before any resend.
pub(crate) fn set_unknown_outcome(
    conn: &Connection,
    (id, rev, dest): (&str, u32, Destination),
    unknown: bool,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE deliveries SET unknown_outcome = ?4 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
    )?
    .execute(params![id, rev, dest.as_str(), unknown])?;
    Ok(())
}

/// Clears the mark of an event armed but not sent (left as it is when the
/// delivery is in flight: that one was sent).
pub(crate) fn disarm(
    conn: &Connection,
    (id, rev, dest): (&str, u32, Destination),
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE deliveries SET unknown_outcome = 0 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3 AND state != 'in_flight'",
    )?
    .execute(params![id, rev, dest.as_str()])?;
    Ok(())
}

/// A delivery's state and its last error ('' when none).
pub(crate) fn state_and_error(
    conn: &Connection,
    (id, rev, dest): (&str, u32, Destination),
) -> Result<(DeliveryState, String), Error> {
    let (state, error): (String, String) = conn.query_row(
        "SELECT state, COALESCE(last_error, '') FROM deliveries WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
        params![id, rev, dest.as_str()],
        |x| Ok((x.get(0)?, x.get(1)?)),
    )?;
    Ok((state.parse()?, error))
}

/// A delivery's state, when its revision is still the submission's latest.
pub(crate) fn state_if_latest(
    conn: &Connection,
    (id, rev, dest): (&str, u32, Destination),
) -> Result<Option<DeliveryState>, Error> {
    let state: Option<String> = conn
        .prepare_cached(
            "SELECT d.state FROM deliveries d JOIN submissions s ON s.id = d.submission_id
             WHERE d.submission_id = ?1 AND d.revision = ?2 AND d.destination = ?3 AND d.revision = s.latest_revision",
        )?
        .query_row(params![id, rev, dest.as_str()], |r| r.get(0))
        .optional()?;
    Ok(state.map(|s| s.parse()).transpose()?)
}

/// An earlier revision of a submission, as its delivery stands.
#[derive(Debug, Clone)]
pub(crate) struct EarlierRevision {
    pub revision: u32,
    pub state: DeliveryState,
    /// Marked unknown outcome, or in flight: it may have been applied.
    pub maybe_applied: bool,
    pub content: String,
}

/// The revisions of submission `id` before `revision`, in order, with their
/// delivery to `dest`.
pub(crate) fn earlier_revisions(
    conn: &Connection,
    dest: Destination,
    id: &str,
    revision: u32,
) -> Result<Vec<EarlierRevision>, Error> {
    let rows: Vec<(u32, String, bool, String)> = conn
        .prepare_cached(
            "SELECT d.revision, d.state, d.unknown_outcome OR d.state = 'in_flight', v.content FROM deliveries d
             JOIN revisions v ON v.submission_id = d.submission_id AND v.revision = d.revision
             WHERE d.submission_id = ?1 AND d.destination = ?3 AND d.revision < ?2
               AND v.compacted_at IS NULL ORDER BY d.revision",
        )?
        .query_map(params![id, revision, dest.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(revision, state, maybe_applied, content)| {
            Ok(EarlierRevision {
                revision,
                state: state.parse()?,
                maybe_applied,
                content,
            })
        })
        .collect()
}

/// Marks a DHIS2 delivery to be sent in a batch of its own (an answer that
/// could not say which form of its batch was at fault) and returns the row
/// to plan again in this pass.
pub(crate) fn mark_send_alone(
    tx: &Transaction,
    now: DateTime<Utc>,
    dest: Destination,
    row: &DueRow,
    why: &str,
) -> Result<DueRow, Error> {
    tx.execute(
        "UPDATE deliveries SET solo = 1 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
        params![row.submission_id, row.revision, dest.as_str()],
    )?;
    set_state(
        tx,
        now,
        (&row.submission_id, row.revision, dest),
        DeliveryState::Pending,
        None,
        None,
        "send alone",
        Some(why),
    )?;
    let mut r = row.clone();
    r.solo = true;
    r.attempts += 1;
    Ok(r)
}

/// Earlier revisions whose values DHIS2 may hold: delivered ones, and ones
/// sent with an unknown outcome.
pub(crate) fn earlier_sent(
    conn: &Connection,
    dest: Destination,
    id: &str,
    revision: u32,
) -> Result<Vec<Draft>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.content FROM revisions v JOIN deliveries d
           ON d.submission_id = v.submission_id AND d.revision = v.revision AND d.destination = ?3
         WHERE v.submission_id = ?1 AND v.revision < ?2 AND (d.state = 'delivered' OR d.attempts > 0)
           AND v.compacted_at IS NULL
         ORDER BY v.revision",
    )?;
    let rows = stmt.query_map(params![id, revision, dest.as_str()], |r| {
        r.get::<_, String>(0)
    })?;
    let mut out = Vec::new();
    for c in rows {
        out.push(serde_json::from_str(&c?)?);
    }
    Ok(out)
}

/// An older revision left in flight by a killed pass, when a newer revision
/// exists: for DHIS2 the newer one carries the whole form, so the old one is
/// superseded (its values are deleted if the newer revision dropped them).
pub(crate) fn supersede_stale_in_flight(
    conn: &mut Connection,
    now: DateTime<Utc>,
    dest: Destination,
) -> Result<(), Error> {
    let stale: Vec<(String, u32)> = conn
        .prepare(
            "SELECT d.submission_id, d.revision FROM deliveries d JOIN submissions s ON s.id = d.submission_id
             WHERE d.destination = ?1 AND d.state = 'in_flight' AND d.revision < s.latest_revision",
        )?
        .query_map([dest.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if stale.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for (id, rev) in stale {
        set_state(
            &tx,
            now,
            (&id, rev, dest),
            DeliveryState::Superseded,
            None,
            None,
            "superseded",
            Some("a newer revision is sent instead"),
        )?;
    }
    tx.commit()?;
    Ok(())
}
