//! The sync engine: one bounded pass over each destination's queue.
//!
//! The core owns no timers or threads: [`run_pass`] does what the budget
//! allows and returns a report that says when to call again. Only one pass
//! runs per database at a time (a lease that expires). Before each request the
//! items it carries are persisted as `in_flight`; after it, the outcome is
//! applied in one transaction. Destinations take turns request by request, so
//! a slow or failing one never starves the other.
//!
//! Each destination is a [`Route`]; the DHIS2 route lives here, the LMIS
//! route in its own module.

use crate::clock::Clock;
use crate::credentials::{CredentialProvider, Credentials};
/// Holds and field problems are stored with the deliveries.
pub use crate::delivery::NoteKind;
use crate::dhis2::{self, Dhis2Item, FieldProblem, Rows, Verdict};
use crate::draft::Draft;
use crate::error::Error;
use crate::form::FormSet;
use crate::http::{HttpRequest, HttpResponse, Transport, TransportError, basic_auth};
use crate::mapping::FacilityMap;
use crate::outbox::{self, DeliveryState, Destination, parse_ts, ts};
pub use crate::outbox::{HoldKind, problems_of, store_problems};
use crate::retry;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How much one pass may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncBudget {
    /// Wall time for the pass; no request starts after it.
    pub max_duration: Duration,
    /// Most requests in the pass: no step starts once they are spent. A
    /// step that started finishes its few dependent requests (reference
    /// data, a look-up: bounded, at most about a dozen), so that a small
    /// budget still makes progress instead of fetching the same first
    /// requests in every pass. Time and cancel stop every request.
    pub max_requests: u32,
}

impl SyncBudget {
    /// A budget of `d` and any number of requests.
    pub fn time(d: Duration) -> SyncBudget {
        SyncBudget {
            max_duration: d,
            max_requests: u32::MAX,
        }
    }
}

/// A delivered or queued item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ItemRef {
    /// Submission id.
    pub id: String,
    /// Revision.
    pub revision: u32,
}

/// A form a destination refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Rejection {
    /// Submission id.
    pub id: String,
    /// Revision.
    pub revision: u32,
    /// True when nothing of the form was stored; false when only some values were refused.
    pub whole: bool,
    /// Per field.
    pub problems: Vec<FieldProblem>,
}

/// What a pass did for one destination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationReport {
    /// The destination.
    pub destination: Option<Destination>,
    /// Delivered in this pass.
    pub delivered: Vec<ItemRef>,
    /// Refused in this pass.
    pub rejected: Vec<Rejection>,
    /// Still waiting to be delivered after the pass.
    pub queued: u64,
    /// When the next attempt is due (absent: now, or nothing queued).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the destination is held (credentials refused, configuration), if it is.
    pub held: Option<String>,
    /// What kind of hold it is, when `held` is set: what the app should ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_kind: Option<HoldKind>,
    /// Anything else the user should know (not configured...).
    pub note: Option<String>,
    /// What `note` is about, when it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_kind: Option<crate::delivery::NoteKind>,
    /// Requests made.
    pub requests: u32,
    /// Requests that were retries of items already attempted.
    pub retries: u32,
    /// Bytes sent (bodies as sent, after compression).
    pub bytes_sent: u64,
    /// Bytes received (bodies).
    pub bytes_received: u64,
    /// Failures met (transient), in plain words.
    pub failures: Vec<String>,
    /// LMIS: stock events sent (first sends and resends).
    pub events_sent: u32,
    /// LMIS: look-ups made for requests whose outcome was unknown.
    pub lookups: u32,
    /// LMIS: forms found already applied by a look-up (resends avoided).
    pub found_by_lookup: u32,
    /// LMIS: resends the server refused as already applied (resourceId seen).
    pub already_applied: u32,
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Per destination.
    pub destinations: Vec<DestinationReport>,
    /// True only when nothing is queued for any destination.
    pub done: bool,
    /// When to call again (absent when done, or when only held destinations remain).
    pub call_again_at: Option<DateTime<Utc>>,
    /// The pass was cancelled.
    pub cancelled: bool,
    /// The pass stopped because its budget ran out.
    pub out_of_budget: bool,
}

impl SyncReport {
    /// The report of one destination.
    pub fn destination(&self, d: Destination) -> Option<&DestinationReport> {
        self.destinations.iter().find(|r| r.destination == Some(d))
    }
}

/// Settings of the DHIS2 route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dhis2Settings {
    /// Base URL, without a trailing slash.
    pub url: String,
    /// Most values per request.
    pub batch_max_values: usize,
    /// Most bytes per request (before compression).
    pub batch_max_bytes: usize,
    /// Compress bodies: `None` = probe once and remember.
    pub gzip: Option<bool>,
}

/// What a pass has done so far for one destination, told to a
/// [`SyncObserver`] after each step that sent something (one DHIS2 batch
/// with its follow-ups, one LMIS event with its sign-in and look-ups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncProgress {
    /// The destination.
    pub destination: Destination,
    /// Forms delivered to it in this pass so far.
    pub delivered: u32,
    /// Forms it refused in this pass so far.
    pub rejected: u32,
    /// Requests made to it in this pass so far.
    pub requests: u32,
    /// LMIS: stock events sent in this pass so far.
    pub events_sent: u32,
    /// Forms still waiting for this destination when the pass started.
    pub queued_at_start: u64,
}

/// Watches a pass from outside (the app's progress bar and its stop
/// signal). Both methods are called on the syncing thread and must return
/// quickly.
pub trait SyncObserver: Send + Sync {
    /// After each step of the pass that sent something: at least once per
    /// DHIS2 batch or LMIS event (a step may make several requests).
    fn on_progress(&self, progress: &SyncProgress);
    /// Polled before every request (and before the first): `true` stops
    /// the pass as `cancel_sync` does. Because the engine asks, a stop
    /// decided before the pass started is not lost.
    fn is_cancelled(&self) -> bool;
}

/// The shared state of one pass.
pub struct Pass<'a> {
    /// The pass's own connection (not the UI's).
    pub conn: Connection,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// The transport.
    pub transport: &'a dyn Transport,
    /// Forms.
    pub forms: &'a FormSet,
    /// Facilities.
    pub facilities: &'a FacilityMap,
    cancel: &'a AtomicBool,
    observer: Option<&'a dyn SyncObserver>,
    deadline: Instant,
    requests_left: u32,
    /// Randomness for jitter.
    pub rng: fastrand::Rng,
    lease_holder: String,
    lease_until: Instant,
    /// Secrets in use (passwords, tokens), scrubbed from logged answers.
    secrets: Vec<String>,
    /// A request was not sent because the budget ran out.
    budget_hit: bool,
}

impl std::fmt::Debug for Pass<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pass")
            .field("lease_holder", &self.lease_holder)
            .finish_non_exhaustive()
    }
}

/// What a route's step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It sent something; call again.
    Sent,
    /// Nothing is due.
    Idle,
    /// The destination is failing or held: no more this pass.
    Stop,
}

/// One destination's queue.
pub trait Route {
    /// The destination.
    fn destination(&self) -> Destination;
    /// Sends the next unit of due work and applies its outcome.
    fn step(&mut self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<Step, Error>;
    /// Called once when the pass ends, however it ends (idle, stopped, out
    /// of budget, cancelled), to undo what was prepared and not used.
    fn finish(&mut self, _pass: &mut Pass<'_>) -> Result<(), Error> {
        Ok(())
    }
}

const LEASE: &str = "sync";
const LEASE_MARGIN: Duration = Duration::from_secs(60);

fn acquire_lease(
    conn: &mut Connection,
    holder: &str,
    now: DateTime<Utc>,
    hold_for: Duration,
) -> Result<bool, Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: Option<(String, String)> = tx
        .query_row(
            "SELECT holder, expires_at FROM sync_lease WHERE name = ?1",
            [LEASE],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((h, until)) = current
        && h != holder
        && parse_ts(&until)? > now
        && !holder_is_dead(&h)
    {
        return Ok(false);
    }
    let until = now + chrono::Duration::from_std(hold_for).unwrap_or(chrono::Duration::hours(1));
    tx.execute(
        "INSERT INTO sync_lease (name, holder, expires_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
        params![LEASE, holder, ts(until)],
    )?;
    tx.commit()?;
    Ok(true)
}

/// A lease holder is `<process id>:<uuid>`. A holder whose process no longer
/// exists on this device (checked through `/proc` where there is one: Linux,
/// Android) left its lease behind when it was killed: it may be taken at
/// once instead of waiting for it to expire. Elsewhere, expiry decides.
fn holder_is_dead(holder: &str) -> bool {
    let Some(pid) = holder.split(':').next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    if pid == std::process::id() {
        return false;
    }
    let proc_root = std::path::Path::new("/proc/self");
    proc_root.exists() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn release_lease(conn: &Connection, holder: &str) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM sync_lease WHERE name = ?1 AND holder = ?2",
        params![LEASE, holder],
    )?;
    Ok(())
}

impl Pass<'_> {
    /// Whether another request may start.
    pub fn may_send(&self) -> bool {
        !self.cancelled() && Instant::now() < self.deadline && self.requests_left > 0
    }

    /// Whether the pass was asked to stop (`cancel_sync`, or the observer).
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst) || self.observer.is_some_and(|o| o.is_cancelled())
    }

    fn renew_lease(&mut self) -> Result<(), Error> {
        if Instant::now() + LEASE_MARGIN / 2 > self.lease_until {
            let hold = self.deadline.saturating_duration_since(Instant::now()) + LEASE_MARGIN;
            acquire_lease(&mut self.conn, &self.lease_holder, self.clock.now(), hold)?;
            self.lease_until = Instant::now() + hold;
        }
        Ok(())
    }

    /// Remembers secrets in use, so that no logged answer holds them.
    pub fn add_secrets(&mut self, secrets: Vec<String>) {
        // Very short values would blank ordinary words; none is a real
        // password or token.
        self.secrets
            .extend(secrets.into_iter().filter(|s| s.chars().count() >= 4));
    }

    /// Sends a request, counts it in the report and logs the exchange,
    /// linked to the items it carried. The log is written without waiting
    /// for the disk ([`outbox::commit_relaxed`]): it is a record, and the
    /// request was durably marked before it left.
    ///
    /// Every request checks the pass's budget and cancel flag: when they
    /// are spent, nothing is sent and the answer is a
    /// [`TransportErrorKind::NotStarted`](crate::http::TransportErrorKind)
    /// error. A request that starts is bounded by the time left.
    pub fn send(
        &mut self,
        dest: Destination,
        req: &HttpRequest,
        logged_body: &[u8],
        items: &[&DueRow],
        report: &mut DestinationReport,
    ) -> Result<Result<HttpResponse, TransportError>, Error> {
        // Time and cancel bound every request; the request count bounds
        // steps (`may_send`, checked before each step).
        if self.cancelled() || Instant::now() >= self.deadline {
            self.budget_hit = true;
            return Ok(Err(TransportError {
                kind: crate::http::TransportErrorKind::NotStarted,
                maybe_sent: false,
                message: if self.cancelled() {
                    "the sync was cancelled before this request".into()
                } else {
                    "the time allowed to this sync ran out; the rest continues in the next sync"
                        .into()
                },
            }));
        }
        self.requests_left = self.requests_left.saturating_sub(1);
        let started = Instant::now();
        let at = self.clock.now();
        let left = self.deadline.saturating_duration_since(started);
        let result = self.transport.send_within(req, Some(left));
        let ms = started.elapsed().as_millis() as i64;
        report.requests += 1;
        report.bytes_sent += req.body.len() as u64;
        let (status, body, err, received) = match &result {
            Ok(r) => {
                report.bytes_received += r.wire_bytes;
                let logged = cap_text(&without_tokens(&r.body), 64 * 1024);
                (
                    Some(r.status),
                    Some(self.scrub(logged, req)),
                    None,
                    r.wire_bytes as i64,
                )
            }
            Err(e) => (None, None, Some(e.message.clone()), 0),
        };
        outbox::commit_relaxed(&mut self.conn, |tx| {
            tx.prepare_cached(
                "INSERT INTO exchanges (at, destination, method, url, request_body, status, response_body, error,
                                        bytes_sent, bytes_received, duration_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                ts(at),
                dest.as_str(),
                req.method,
                req.url,
                (!logged_body.is_empty()).then(|| cap_text(logged_body, 256 * 1024)),
                status,
                body,
                err,
                req.body.len() as i64,
                received,
                ms
            ])?;
            link_exchange(tx, tx.last_insert_rowid(), items)
        })?;
        Ok(result)
    }
}

impl Pass<'_> {
    /// A logged text without the secrets in use: those the credentials
    /// hold and the one the request carried in its `Authorization` header.
    fn scrub(&self, mut text: String, req: &HttpRequest) -> String {
        let carried = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .filter_map(|(_, v)| v.split_once(' ').map(|(_, t)| t.trim().to_string()))
            .filter(|t| t.chars().count() >= 4);
        for s in self.secrets.iter().cloned().chain(carried) {
            if text.contains(&s) {
                text = text.replace(&s, "(secret, not logged)");
            }
        }
        text
    }
}

/// An answer as it may be logged: the values of OAuth token fields (a
/// sign-in's answer) are replaced, so no token reaches the exchange log.
fn without_tokens(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const SECRET_KEYS: [&str; 3] = ["access_token", "refresh_token", "id_token"];
    let mentions = |k: &str| body.windows(k.len()).any(|w| w == k.as_bytes());
    if !SECRET_KEYS.iter().any(|k| mentions(k)) {
        return std::borrow::Cow::Borrowed(body);
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut map)) => {
            for k in SECRET_KEYS {
                if let Some(v) = map.get_mut(k) {
                    *v = serde_json::Value::String("(not logged)".into());
                }
            }
            std::borrow::Cow::Owned(serde_json::to_vec(&map).unwrap_or_default())
        }
        // Not an object that can be cleaned: nothing of it is logged.
        _ => std::borrow::Cow::Owned(b"(an answer holding a token; not logged)".to_vec()),
    }
}

fn cap_text(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    if bytes.len() > max {
        format!("{s}… ({} bytes in all)", bytes.len())
    } else {
        s
    }
}

/// One delivery row, as the engine handles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    /// Submission id.
    pub submission_id: String,
    /// Revision.
    pub revision: u32,
    /// State before the pass touched it.
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// Send alone.
    pub solo: bool,
    /// Form id.
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
            due_at.map(ts),
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
                    r.get::<_, String>(9)?,
                    r.get::<_, bool>(10)?,
                    r.get::<_, Option<String>>(11)?,
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
                recorded_at: parse_ts(&created)?,
                unknown_outcome,
            },
            next.as_deref().map(parse_ts).transpose()?,
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

/// Changes the state of a delivery and writes the audit row.
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
    let (id, rev, dest) = key;
    let from: String = tx
        .prepare_cached(
            "SELECT state FROM deliveries WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
        )?
        .query_row(params![id, rev, dest.as_str()], |r| r.get(0))?;
    tx.prepare_cached(
        "UPDATE deliveries SET state = ?4, next_attempt_at = ?5, last_error = ?6, updated_at = ?7
         WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
    )?
    .execute(params![
        id,
        rev,
        dest.as_str(),
        to.as_str(),
        next_attempt_at.map(ts),
        last_error,
        ts(now)
    ])?;
    outbox::audit(
        tx,
        now,
        id,
        Some(rev),
        Some(dest),
        event,
        (Some(from.parse()?), Some(to)),
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

/// How long the exchange log keeps a request and its answer (bodies
/// included). The audit trail and the data use per pass are kept for good.
pub const EXCHANGE_RETENTION_DAYS: i64 = 90;

/// Deletes the exchanges older than [`EXCHANGE_RETENTION_DAYS`], so that the
/// log of a device reporting for years stays the size of its last months.
/// Exchange ids grow with time, so the old ones are the first ones: the cost
/// is the rows aged out since the last pass (at most a few thousand per
/// call; the next pass takes the rest). Returns how many were deleted.
pub fn prune_exchanges(conn: &mut Connection, now: DateTime<Utc>) -> Result<u64, Error> {
    const STEP: i64 = 2_000;
    let cutoff = ts(now - chrono::Duration::days(EXCHANGE_RETENTION_DAYS));
    let first: Option<String> = conn
        .prepare_cached("SELECT at FROM exchanges ORDER BY id LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if first.is_none_or(|at| at >= cutoff) {
        return Ok(0);
    }
    let oldest: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, at FROM exchanges ORDER BY id LIMIT ?1")?
        .query_map([STEP], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let Some(through) = oldest
        .iter()
        .take_while(|(_, at)| *at < cutoff)
        .map(|(id, _)| *id)
        .last()
    else {
        return Ok(0);
    };
    outbox::commit_relaxed(conn, |tx| {
        tx.prepare_cached("DELETE FROM exchange_items WHERE exchange_id <= ?1")?
            .execute([through])?;
        Ok(tx
            .prepare_cached("DELETE FROM exchanges WHERE id <= ?1")?
            .execute([through])? as u64)
    })
}

/// Links an exchange to the items it carried.
pub fn link_exchange(tx: &Transaction, exchange: i64, rows: &[&DueRow]) -> Result<(), Error> {
    for r in rows {
        tx.prepare_cached("INSERT OR IGNORE INTO exchange_items (submission_id, revision, exchange_id) VALUES (?1, ?2, ?3)")?
            .execute(params![r.submission_id, r.revision, exchange])?;
    }
    Ok(())
}

/// Per-destination state: hold, backoff and learned facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestinationState {
    /// Why it is held.
    pub hold: Option<String>,
    /// No request before this.
    pub backoff_until: Option<DateTime<Utc>>,
    /// Consecutive failures.
    pub failures: u32,
    /// Learned facts.
    pub facts: BTreeMap<String, serde_json::Value>,
}

/// Reads a destination's state.
pub fn destination_state(conn: &Connection, dest: Destination) -> Result<DestinationState, Error> {
    let row: Option<(Option<String>, Option<String>, u32, String)> = conn
        .query_row(
            "SELECT hold, backoff_until, failures, facts FROM destinations WHERE destination = ?1",
            [dest.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((hold, backoff, failures, facts)) = row else {
        return Ok(DestinationState::default());
    };
    Ok(DestinationState {
        hold,
        backoff_until: backoff.as_deref().map(parse_ts).transpose()?,
        failures,
        facts: serde_json::from_str(&facts).unwrap_or_default(),
    })
}

fn ensure_destination(conn: &Connection, dest: Destination) -> Result<(), Error> {
    conn.prepare_cached("INSERT OR IGNORE INTO destinations (destination) VALUES (?1)")?
        .execute([dest.as_str()])?;
    Ok(())
}

const HOLD_KIND: &str = "hold.kind";
/// The time a server's `Retry-After` asked us to wait until (a fact).
const RETRY_AFTER_UNTIL: &str = "retry_after.until";
const HOLD_CREDENTIALS: &str = "hold.credentials";
const HOLD_URL: &str = "hold.url";

/// Holds a destination until released (see [`HoldKind`]). The hold and
/// its kind are one statement: a process killed in between must not leave
/// a hold without its kind (read as a credentials hold, which a network
/// change does not release).
fn hold_destination(
    conn: &Connection,
    dest: Destination,
    why: &str,
    now: DateTime<Utc>,
    kind: HoldKind,
) -> Result<(), Error> {
    ensure_destination(conn, dest)?;
    conn.execute(
        "UPDATE destinations SET hold = ?2, held_at = ?3,
             facts = json_set(CASE WHEN json_valid(facts) THEN facts ELSE '{}' END, '$.\"hold.kind\"', ?4)
         WHERE destination = ?1",
        params![dest.as_str(), why, ts(now), kind.as_str()],
    )?;
    Ok(())
}

/// The kind of a destination's hold (an old hold without one: credentials).
fn hold_kind(state: &DestinationState) -> HoldKind {
    HoldKind::from_stored(state.facts.get(HOLD_KIND).and_then(|v| v.as_str()))
}

/// A fingerprint of credentials that lets a later sync tell whether they
/// changed without storing them: Argon2id with a random salt, so that the
/// database file does not let anyone test guesses of a password quickly.
fn credentials_fingerprint(c: &Credentials) -> Option<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    // A unique salt: a UUIDv7 (time and 74 random bits).
    let salt = SaltString::encode_b64(uuid::Uuid::now_v7().as_bytes()).ok()?;
    argon2::Argon2::default()
        .hash_password(c.fingerprint_material().as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

/// Whether credentials are the ones a fingerprint was made of.
fn same_credentials(c: &Credentials, fingerprint: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(fingerprint).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(c.fingerprint_material().as_bytes(), &h)
            .is_ok()
    })
}

/// Holds a destination and leaves the items of the request that met the
/// cause pending, with the reason and no next attempt. `maybe_applied`:
/// the request may have reached the server, so it is looked up before any
/// resend.
pub fn hold_items(
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    dest: Destination,
    rows: &[&DueRow],
    (kind, why): (HoldKind, &str),
    maybe_applied: bool,
) -> Result<(), Error> {
    let now = pass.clock.now();
    // One transaction: killed halfway, neither the hold nor the items'
    // "maybe applied" mark is left without the other.
    let tx = pass
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    hold_destination(&tx, dest, why, now, kind)?;
    report.held = Some(why.to_string());
    for r in rows {
        if maybe_applied {
            tx.prepare_cached(
                "UPDATE deliveries SET unknown_outcome = 1 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
            )?
            .execute(params![r.submission_id, r.revision, dest.as_str()])?;
        }
        set_state(
            &tx,
            now,
            (&r.submission_id, r.revision, dest),
            DeliveryState::Pending,
            None,
            Some(why),
            "held",
            None,
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Puts the items of a request that was not sent (the pass's budget ran
/// out, or it was cancelled) back in the queue as they were, due at once.
pub fn not_sent(
    pass: &mut Pass<'_>,
    dest: Destination,
    rows: &[&DueRow],
    why: &str,
) -> Result<(), Error> {
    let now = pass.clock.now();
    let tx = pass
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    for r in rows {
        set_state(
            &tx,
            now,
            (&r.submission_id, r.revision, dest),
            DeliveryState::Pending,
            None,
            None,
            "not sent",
            Some(why),
        )?;
    }
    tx.commit()?;
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
            .and_then(|s| parse_ts(s).ok())
            .filter(|until| *until > now);
        tx.execute(
            "UPDATE destinations SET failures = 0, backoff_until = ?2 WHERE destination = ?1",
            params![dest, server_until.map(ts)],
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
        [ts(now)],
    )?;
    tx.commit()?;
    Ok(n as u64)
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

/// Releases a hold (after new credentials or a configuration fix).
pub fn release_hold(conn: &Connection, dest: Destination) -> Result<(), Error> {
    let mut facts = destination_state(conn, dest)?.facts;
    for k in [HOLD_KIND, HOLD_CREDENTIALS, HOLD_URL] {
        facts.remove(k);
    }
    conn.execute(
        "UPDATE destinations SET hold = NULL, held_at = NULL, facts = ?2 WHERE destination = ?1",
        params![dest.as_str(), serde_json::to_string(&facts)?],
    )?;
    Ok(())
}

/// Records a failure without an answer; returns the destination's backoff.
pub fn destination_failed(
    pass: &mut Pass<'_>,
    dest: Destination,
    retry_after: Option<Duration>,
) -> Result<DateTime<Utc>, Error> {
    ensure_destination(&pass.conn, dest)?;
    let failures: u32 = pass.conn.query_row(
        "UPDATE destinations SET failures = failures + 1 WHERE destination = ?1 RETURNING failures",
        [dest.as_str()],
        |r| r.get(0),
    )?;
    let wait = retry::backoff(failures, retry_after, &mut pass.rng);
    let now = pass.clock.now();
    let until = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
    pass.conn.execute(
        "UPDATE destinations SET backoff_until = ?2 WHERE destination = ?1",
        params![dest.as_str(), ts(until)],
    )?;
    if let Some(ra) = retry_after {
        // The server's own time, kept apart from our jitter so that
        // `reset_backoff` (a network change) keeps it.
        let server_until = now
            + chrono::Duration::from_std(ra.min(retry::MAX_RETRY_AFTER))
                .unwrap_or(chrono::Duration::hours(1));
        let mut facts = destination_state(&pass.conn, dest)?.facts;
        facts.insert(RETRY_AFTER_UNTIL.into(), ts(server_until).into());
        pass.conn.execute(
            "UPDATE destinations SET facts = ?2 WHERE destination = ?1",
            params![dest.as_str(), serde_json::to_string(&facts)?],
        )?;
    }
    Ok(until)
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

/// Items of a destination still to deliver, and the earliest due time.
fn queue_state(
    conn: &Connection,
    dest: Destination,
) -> Result<(u64, Option<DateTime<Utc>>, bool), Error> {
    let (n, next, now_due): (i64, Option<String>, i64) = conn.query_row(
        "SELECT COUNT(*), MIN(d.next_attempt_at),
                SUM(d.state IN ('pending', 'in_flight') AND d.next_attempt_at IS NULL)
         FROM deliveries d JOIN submissions s ON s.id = d.submission_id AND s.latest_revision = d.revision
         WHERE d.destination = ?1 AND d.state IN ('pending', 'in_flight', 'waiting')",
        [dest.as_str()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<i64>>(2)?.unwrap_or(0))),
    )?;
    Ok((
        n as u64,
        next.as_deref().map(parse_ts).transpose()?,
        now_due > 0,
    ))
}

/// Everything a pass needs from the agent.
pub struct PassInputs<'a> {
    /// The database file.
    pub db_path: &'a std::path::Path,
    /// Clock.
    pub clock: &'a dyn Clock,
    /// Transport.
    pub transport: &'a dyn Transport,
    /// Forms.
    pub forms: &'a FormSet,
    /// Facilities.
    pub facilities: &'a FacilityMap,
    /// Cancel flag, checked between requests.
    pub cancel: &'a AtomicBool,
    /// Told of progress, and asked whether to stop, before every request.
    pub observer: Option<&'a dyn SyncObserver>,
    /// Credentials.
    pub credentials: &'a dyn CredentialProvider,
    /// DHIS2 settings, when configured.
    pub dhis2: Option<&'a Dhis2Settings>,
    /// The LMIS, when configured: its address and how to build its route
    /// with the credentials of this pass (the facade builds it, so the
    /// engine never imports a destination's route).
    pub lmis: Option<LmisRouteMaker<'a>>,
    /// Release held destinations before the pass (new credentials were given).
    pub retry_held: bool,
}

/// The LMIS as the engine sees it: an address (for holds) and a builder of
/// its route.
#[derive(Clone, Copy)]
pub struct LmisRouteMaker<'a> {
    /// Base URL.
    pub url: &'a str,
    /// Builds the route with these credentials.
    pub make: &'a dyn Fn(Credentials) -> Box<dyn Route>,
}

impl std::fmt::Debug for PassInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassInputs")
            .field("db_path", &self.db_path)
            .finish_non_exhaustive()
    }
}

/// Runs one bounded pass. `Ok(None)` when another pass holds the lease.
pub fn run_pass(inputs: PassInputs<'_>, budget: SyncBudget) -> Result<Option<SyncReport>, Error> {
    let mut conn = Connection::open(inputs.db_path)?;
    outbox::configure(&conn)?;
    let holder = format!("{}:{}", std::process::id(), uuid::Uuid::now_v7());
    let hold_for = budget.max_duration + LEASE_MARGIN;
    if !acquire_lease(&mut conn, &holder, inputs.clock.now(), hold_for)? {
        return Ok(None);
    }
    let started_at = inputs.clock.now();
    let mut pass = Pass {
        conn,
        clock: inputs.clock,
        transport: inputs.transport,
        forms: inputs.forms,
        facilities: inputs.facilities,
        cancel: inputs.cancel,
        observer: inputs.observer,
        deadline: Instant::now() + budget.max_duration,
        requests_left: budget.max_requests,
        rng: fastrand::Rng::new(),
        lease_holder: holder.clone(),
        lease_until: Instant::now() + hold_for,
        secrets: Vec::new(),
        budget_hit: false,
    };
    // A panic inside the pass (a bug; the bindings turn it into an
    // exception) must not leave the lease held: the holder is this live
    // process, so the next sync would be refused as busy until it expired.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_routes(&mut pass, &inputs, started_at)
    }));
    let released = release_lease(&pass.conn, &holder);
    let report = match result {
        Ok(r) => r?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    released?;
    Ok(Some(report))
}

/// Runs a task that talks to a destination outside a sync pass (a
/// configuration check, a metadata pull): same connection rules, exchanges
/// logged, no lease (it changes no delivery).
pub fn run_task<T>(
    inputs: &PassInputs<'_>,
    budget: SyncBudget,
    task: impl FnOnce(&mut Pass<'_>, &mut DestinationReport) -> Result<T, Error>,
) -> Result<T, Error> {
    let conn = Connection::open(inputs.db_path)?;
    outbox::configure(&conn)?;
    let mut pass = Pass {
        conn,
        clock: inputs.clock,
        transport: inputs.transport,
        forms: inputs.forms,
        facilities: inputs.facilities,
        cancel: inputs.cancel,
        observer: inputs.observer,
        deadline: Instant::now() + budget.max_duration,
        requests_left: budget.max_requests,
        rng: fastrand::Rng::new(),
        lease_holder: String::new(),
        lease_until: Instant::now() + budget.max_duration,
        secrets: Vec::new(),
        budget_hit: false,
    };
    for dest in Destination::ALL {
        if let Ok(Some(c)) = inputs.credentials.credentials(dest) {
            pass.add_secrets(c.secrets());
        }
    }
    let mut report = DestinationReport::default();
    task(&mut pass, &mut report)
}

/// The route of a destination, or why it cannot run (not configured, no
/// credentials), in words for the report.
fn make_route(
    pass: &mut Pass<'_>,
    inputs: &PassInputs<'_>,
    dest: Destination,
    creds: Credentials,
) -> Result<Box<dyn Route>, String> {
    let (configured, name) = match dest {
        Destination::Dhis2 => (
            inputs.dhis2.is_some(),
            "DHIS2 is not configured (no [dhis2] section)",
        ),
        Destination::Lmis => (
            inputs.lmis.is_some(),
            "the LMIS is not configured (no [lmis] section)",
        ),
    };
    if !configured {
        return Err(name.to_string());
    }
    pass.add_secrets(creds.secrets());
    Ok(match (dest, inputs.dhis2, inputs.lmis) {
        (Destination::Dhis2, Some(settings), _) => {
            Box::new(Dhis2Route::new(settings.clone(), creds))
        }
        (Destination::Lmis, _, Some(lmis)) => (lmis.make)(creds),
        _ => return Err(name.to_string()),
    })
}

fn run_routes(
    pass: &mut Pass<'_>,
    inputs: &PassInputs<'_>,
    started_at: DateTime<Utc>,
) -> Result<SyncReport, Error> {
    let now = pass.clock.now();
    let mut reports: BTreeMap<Destination, DestinationReport> = Destination::ALL
        .into_iter()
        .map(|d| {
            (
                d,
                DestinationReport {
                    destination: Some(d),
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut routes: Vec<Box<dyn Route>> = Vec::new();
    let mut used: BTreeMap<Destination, Credentials> = BTreeMap::new();
    for dest in Destination::ALL {
        let Some(report) = reports.get_mut(&dest) else {
            continue;
        };
        let creds = match inputs.credentials.credentials(dest) {
            Ok(Some(c)) => c,
            Ok(None) => {
                report.note = Some(format!(
                    "no {} credentials are configured",
                    dest.as_str().to_uppercase()
                ));
                report.note_kind = Some(NoteKind::NoCredentials);
                continue;
            }
            Err(why) => {
                report.note = Some(why);
                report.note_kind = Some(NoteKind::CredentialsUnavailable);
                continue;
            }
        };
        let state = destination_state(&pass.conn, dest)?;
        if let Some(h) = &state.hold {
            let url = match dest {
                Destination::Dhis2 => inputs.dhis2.map(|s| s.url.as_str()),
                Destination::Lmis => inputs.lmis.map(|l| l.url),
            };
            let fact = |k: &str| state.facts.get(k).and_then(|v| v.as_str());
            let moved = fact(HOLD_URL).is_some_and(|u| Some(u) != url);
            let changed = moved
                || (hold_kind(&state) == HoldKind::Credentials
                    && fact(HOLD_CREDENTIALS).is_some_and(|f| !same_credentials(&creds, f)));
            if !(inputs.retry_held || changed) {
                report.held = Some(h.clone());
                continue;
            }
            release_hold(&pass.conn, dest)?;
            if changed {
                report.note = Some(if moved {
                    "the address changed: trying again".into()
                } else {
                    "the credentials changed: trying again".into()
                });
                report.note_kind = Some(if moved {
                    NoteKind::AddressChanged
                } else {
                    NoteKind::CredentialsChanged
                });
            }
        }
        used.insert(dest, creds.clone());
        let route = match make_route(pass, inputs, dest, creds) {
            Ok(route) => route,
            Err(why) => {
                report.note = Some(why);
                report.note_kind = Some(NoteKind::NotConfigured);
                continue;
            }
        };
        if let Some(until) = state.backoff_until
            && until > now
        {
            report.next_attempt_at = Some(until);
            report.note = Some(format!(
                "waiting after failures until {}",
                until.format("%Y-%m-%d %H:%M:%S UTC")
            ));
            report.note_kind = Some(NoteKind::BackingOff);
            continue;
        }
        routes.push(route);
    }
    let mut queued_at_start: BTreeMap<Destination, u64> = BTreeMap::new();
    if inputs.observer.is_some() {
        for route in &routes {
            let d = route.destination();
            queued_at_start.insert(d, queue_state(&pass.conn, d)?.0);
        }
    }
    let mut active: VecDeque<Box<dyn Route>> = routes.into();
    let mut ended: Vec<Box<dyn Route>> = Vec::new();
    let mut cancelled = false;
    let mut out_of_budget = false;
    let stepped = (|| -> Result<(), Error> {
        while let Some(mut route) = active.pop_front() {
            if pass.cancelled() {
                cancelled = true;
                active.push_front(route);
                break;
            }
            if !pass.may_send() {
                out_of_budget = true;
                active.push_front(route);
                break;
            }
            pass.renew_lease()?;
            let dest = route.destination();
            let Some(report) = reports.get_mut(&dest) else {
                continue;
            };
            let requests_before = report.requests;
            let step = route.step(pass, report);
            if let Some(o) = pass.observer
                && report.requests != requests_before
            {
                o.on_progress(&SyncProgress {
                    destination: dest,
                    delivered: report.delivered.len() as u32,
                    rejected: report.rejected.len() as u32,
                    requests: report.requests,
                    events_sent: report.events_sent,
                    queued_at_start: queued_at_start.get(&dest).copied().unwrap_or(0),
                });
            }
            match step {
                Ok(Step::Sent) => active.push_back(route),
                Ok(Step::Idle | Step::Stop) => ended.push(route),
                Err(e) => {
                    ended.push(route);
                    return Err(e);
                }
            }
        }
        Ok(())
    })();
    // Every route finishes, even after an error in another.
    let mut finished_all = Ok(());
    for route in ended.iter_mut().chain(active.iter_mut()) {
        if let Err(e) = route.finish(pass) {
            finished_all = Err(e);
        }
    }
    stepped?;
    finished_all?;
    // A hold placed in this pass remembers what would release it.
    for (dest, creds) in &used {
        let state = destination_state(&pass.conn, *dest)?;
        if state.hold.is_none() {
            continue;
        }
        if hold_kind(&state) == HoldKind::Credentials
            && !state.facts.contains_key(HOLD_CREDENTIALS)
            && let Some(f) = credentials_fingerprint(creds)
        {
            set_fact(&pass.conn, *dest, HOLD_CREDENTIALS, f.into())?;
        }
        let url = match dest {
            Destination::Dhis2 => inputs.dhis2.map(|s| s.url.clone()),
            Destination::Lmis => inputs.lmis.map(|l| l.url.to_string()),
        };
        if !state.facts.contains_key(HOLD_URL)
            && let Some(u) = url
        {
            set_fact(&pass.conn, *dest, HOLD_URL, u.into())?;
        }
    }
    if pass.budget_hit {
        if pass.cancelled() {
            cancelled = true;
        } else {
            out_of_budget = true;
        }
    }
    // Queue state after the pass, per destination.
    let finished = pass.clock.now();
    let mut done = true;
    let mut call_again: Option<DateTime<Utc>> = None;
    for (dest, report) in reports.iter_mut() {
        let (queued, next_item, due_now) = queue_state(&pass.conn, *dest)?;
        let state = destination_state(&pass.conn, *dest)?;
        report.queued = queued;
        if state.hold.is_some() && report.held.is_none() {
            report.held = state.hold.clone();
        }
        if report.held.is_some() && state.hold.is_some() {
            report.held_kind = Some(hold_kind(&state));
        }
        if queued > 0 {
            done = false;
            let backoff = state.backoff_until.filter(|b| *b > finished);
            let next = match (due_now, next_item, backoff) {
                (_, _, Some(b)) => Some(b),
                (true, _, None) => Some(finished),
                (false, n, None) => n,
            };
            // A held destination has no next attempt: it waits for a person.
            report.next_attempt_at = if report.held.is_some() { None } else { next };
            let runnable = report.held.is_none()
                && report
                    .note
                    .as_deref()
                    .is_none_or(|n| n.starts_with("waiting"));
            if runnable && let Some(n) = next {
                call_again = Some(call_again.map_or(n, |c: DateTime<Utc>| c.min(n)));
            }
        }
        pass.conn.execute(
            "INSERT INTO sync_runs (started_at, finished_at, destination, requests, bytes_sent, bytes_received, delivered, rejected)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                ts(started_at),
                ts(finished),
                dest.as_str(),
                report.requests,
                report.bytes_sent as i64,
                report.bytes_received as i64,
                report.delivered.len() as i64,
                report.rejected.len() as i64
            ],
        )?;
    }
    prune_exchanges(&mut pass.conn, finished)?;
    Ok(SyncReport {
        destinations: reports.into_values().collect(),
        done,
        call_again_at: if done { None } else { call_again },
        cancelled,
        out_of_budget,
    })
}

/// The DHIS2 route: batches of forms per data set, upserts (safe to resend),
/// deletions for values removed by corrections, completion registrations.
pub struct Dhis2Route {
    settings: Dhis2Settings,
    credentials: Credentials,
    plan: Option<VecDeque<Vec<DueRow>>>,
    /// The last form planned: the next chunk starts after it.
    cursor: Option<String>,
    /// The last chunk was full: more may be due after the cursor.
    more: bool,
}

/// Forms planned at a time: the plan holds their contents and values in
/// memory, so a long queue is planned in chunks (each costs at most one
/// partly filled batch per data set).
const PLAN_CHUNK: usize = 2_000;

impl std::fmt::Debug for Dhis2Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dhis2Route")
            .field("url", &self.settings.url)
            .finish_non_exhaustive()
    }
}

/// What to do with a batch after its exchange.
enum BatchOutcome {
    /// Per item verdicts.
    Judged(Vec<Verdict>),
    /// No usable answer: retry later.
    Retry {
        why: String,
        retry_after: Option<Duration>,
    },
    /// The destination must be held.
    Hold(HoldKind, String),
    /// Every item must be sent alone (or rejected when already alone).
    Split(String),
    /// Not sent (the pass's budget ran out, or it was cancelled): the
    /// items wait for the next pass as they were.
    NotSent(String),
}

impl Dhis2Route {
    /// A route with settings and credentials.
    pub fn new(settings: Dhis2Settings, credentials: Credentials) -> Dhis2Route {
        Dhis2Route {
            settings,
            credentials,
            plan: None,
            cursor: None,
            more: false,
        }
    }

    fn auth_header(&self) -> (String, String) {
        let v = match &self.credentials {
            Credentials::Basic { username, password } => basic_auth(username, password),
            Credentials::ApiToken { token } => format!("ApiToken {token}"),
            Credentials::OAuthPassword {
                username, password, ..
            } => basic_auth(username, password),
        };
        ("Authorization".into(), v)
    }

    /// A GET request to DHIS2 with the route's credentials.
    pub fn get_request(&self, path_and_query: &str) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url: format!("{}{path_and_query}", self.settings.url),
            headers: vec![
                self.auth_header(),
                ("Accept".into(), "application/json".into()),
            ],
            body: vec![],
        }
    }

    fn request(&self, path_and_query: &str, body: Vec<u8>) -> HttpRequest {
        HttpRequest {
            method: "POST",
            url: format!("{}{path_and_query}", self.settings.url),
            headers: vec![
                self.auth_header(),
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body,
        }
    }

    /// Builds the item for a due row, or says why it cannot be sent.
    fn item(&self, pass: &Pass<'_>, row: &DueRow) -> Result<Dhis2Item, String> {
        let def = pass.forms.get(&row.form_id).ok_or_else(|| {
            format!(
                "the form '{}' is no longer defined on this device",
                row.form_id
            )
        })?;
        let facility = pass.facilities.get(&row.facility).ok_or_else(|| {
            format!(
                "facility '{}' is no longer in the facility map",
                row.facility
            )
        })?;
        let current: Draft = serde_json::from_str(&row.content)
            .map_err(|e| format!("stored form unreadable: {e}"))?;
        let earlier = earlier_sent(&pass.conn, &row.submission_id, row.revision)
            .map_err(|e| e.to_string())?;
        let mut item = dhis2::build_item(
            def,
            facility,
            &row.submission_id,
            row.revision,
            &row.period,
            &row.recorded_at.format("%Y-%m-%d").to_string(),
            &current,
            None,
        )?;
        // Values sent by earlier revisions (delivered, or sent with an
        // unknown outcome) that this revision no longer has are deleted.
        let keep: BTreeSet<(String, Option<String>)> = item
            .values
            .iter()
            .map(|r| (r.data_element.clone(), r.category_option_combo.clone()))
            .collect();
        let mut seen = BTreeSet::new();
        for old in earlier {
            let (rows, _) = dhis2::values_of(def, &old);
            for r in rows {
                let k = (r.data_element.clone(), r.category_option_combo.clone());
                if !keep.contains(&k) && seen.insert(k) {
                    item.deletions.push(r);
                }
            }
        }
        Ok(item)
    }

    fn plan(&mut self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<(), Error> {
        let now = pass.clock.now();
        supersede_stale_in_flight(&mut pass.conn, now, Destination::Dhis2)?;
        let rows = due_rows(
            &pass.conn,
            Destination::Dhis2,
            now,
            RowSelect {
                content: true,
                after: self.cursor.as_deref(),
                limit: Some(PLAN_CHUNK),
            },
        )?;
        self.more = rows.len() == PLAN_CHUNK;
        self.cursor = rows.last().map(|r| r.submission_id.clone());
        let mut items = Vec::new();
        let mut kept = Vec::new();
        for row in rows {
            match self.item(pass, &row) {
                Ok(it) => {
                    items.push((it, row.solo));
                    kept.push(row);
                }
                Err(why) => {
                    let tx = pass.conn.transaction()?;
                    let problems = vec![FieldProblem {
                        field: "form".into(),
                        code: None,
                        server_message: String::new(),
                        advice: why.clone(),
                    }];
                    store_problems(
                        &tx,
                        (&row.submission_id, row.revision, Destination::Dhis2),
                        &problems,
                    )?;
                    set_state(
                        &tx,
                        now,
                        (&row.submission_id, row.revision, Destination::Dhis2),
                        DeliveryState::Rejected,
                        None,
                        Some(&why),
                        "rejected",
                        Some("cannot be built"),
                    )?;
                    tx.commit()?;
                    report.rejected.push(Rejection {
                        id: row.submission_id.clone(),
                        revision: row.revision,
                        whole: true,
                        problems,
                    });
                }
            }
        }
        let batches = dhis2::plan_batches(
            &items,
            self.settings.batch_max_values,
            self.settings.batch_max_bytes,
        );
        self.plan = Some(
            batches
                .into_iter()
                .map(|b| b.into_iter().map(|i| kept[i].clone()).collect())
                .collect(),
        );
        Ok(())
    }

    /// Learns once per server whether it takes gzip bodies (a dry run).
    fn gzip(&self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<bool, Error> {
        if let Some(g) = self.settings.gzip {
            return Ok(g);
        }
        let key = format!("gzip:{}", self.settings.url);
        if let Some(v) = destination_state(&pass.conn, Destination::Dhis2)?
            .facts
            .get(&key)
            .and_then(|v| v.as_bool())
        {
            return Ok(v);
        }
        let probe = gzip_bytes(br#"{"dataValues":[]}"#);
        let req = self.request("/api/dataValueSets?dryRun=true", probe);
        let result = pass.send(
            Destination::Dhis2,
            &req,
            b"(gzip probe, dry run)",
            &[],
            report,
        )?;
        let answer = match result {
            // An empty dry run that was understood is a success; a server
            // that did not inflate the body fails to parse it (an ERROR
            // summary on old versions, a 400 on new ones).
            // Only DHIS2's own answer decides; a portal's page, a proxy's
            // error or a lost answer leaves it open, probed again next time.
            Ok(r) if (r.status == 200 || r.status == 409) && !r.truncated => {
                dhis2::parse_import_summary(&r.body)
                    .ok()
                    .map(|s| s.status != dhis2::ImportStatus::Error)
            }
            Ok(r)
                if (400..500).contains(&r.status)
                    && !matches!(r.status, 401 | 403 | 404 | 408 | 413 | 429)
                    && dhis2::is_web_message(&r.body) =>
            {
                Some(false)
            }
            Ok(_) | Err(_) => None,
        };
        if let Some(a) = answer {
            set_fact(
                &pass.conn,
                Destination::Dhis2,
                &key,
                serde_json::Value::Bool(a),
            )?;
        }
        Ok(answer.unwrap_or(false))
    }

    /// Posts a body, gzip'd when the server takes it, and classifies the answer.
    fn post(
        &self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        path: &str,
        body: Vec<u8>,
        gzip: bool,
        rows: &[&DueRow],
    ) -> Result<Result<HttpResponse, BatchOutcome>, Error> {
        let wire = if gzip {
            gzip_bytes(&body)
        } else {
            body.clone()
        };
        let req = self.request(path, wire);
        let result = pass.send(Destination::Dhis2, &req, &body, rows, report)?;
        let now = pass.clock.now();
        let dhis2_said = |r: &HttpResponse| dhis2::is_web_message(&r.body);
        Ok(match result {
            Err(e) if e.kind == crate::http::TransportErrorKind::NotStarted => {
                Err(BatchOutcome::NotSent(e.message))
            }
            // The server's certificate is not trusted: nothing was sent, and
            // retrying will not help until the configuration changes.
            Err(e) if e.kind == crate::http::TransportErrorKind::Tls && !e.maybe_sent => {
                Err(BatchOutcome::Hold(HoldKind::Configuration, e.message))
            }
            Err(e) => Err(BatchOutcome::Retry { why: e.message, retry_after: None }),
            Ok(r) => match r.status {
                200 | 201 | 204 | 409 => Ok(r),
                401 => Err(BatchOutcome::Hold(
                    HoldKind::Credentials,
                    "DHIS2 refused the username and password (or token). Correct them in the settings; the next sync tries again once they changed.".into(),
                )),
                403 if dhis2_said(&r) => Err(BatchOutcome::Hold(
                    HoldKind::Credentials,
                    "The DHIS2 user may not enter data (missing authority). Ask the DHIS2 administrator.".into(),
                )),
                404 if dhis2_said(&r) => Err(BatchOutcome::Hold(HoldKind::Configuration, format!(
                    "The DHIS2 address {} does not lead to DHIS2's data entry API (HTTP 404). Check the address in the settings.",
                    self.settings.url
                ))),
                413 if rows.len() > 1 => Err(BatchOutcome::Split(format!(
                    "the request was too large for DHIS2 or a proxy in front of it ({})",
                    crate::http::foreign_answer(&r)
                ))),
                413 => Err(BatchOutcome::Hold(HoldKind::Intercepted, format!(
                    "one form is too large for DHIS2 or for a proxy in front of it ({}); ask the DHIS2 administrator to accept larger requests",
                    crate::http::foreign_answer(&r)
                ))),
                429 | 500..=599 | 408 => Err(BatchOutcome::Retry {
                    why: format!("DHIS2 is busy or failing (HTTP {})", r.status),
                    retry_after: r.retry_after(now),
                }),
                // DHIS2's own refusal (a WebMessage): find the form at fault.
                400..=499 if dhis2_said(&r) => Err(BatchOutcome::Split(format!(
                    "DHIS2 refused the request (HTTP {}): {}",
                    r.status,
                    cap_text(&r.body, 300)
                ))),
                // A redirect, or an error page that is not DHIS2's own.
                _ => Err(BatchOutcome::Hold(HoldKind::Intercepted, not_dhis2(&r))),
            },
        })
    }

    fn send_batch(
        &self,
        pass: &mut Pass<'_>,
        report: &mut DestinationReport,
        batch: &[DueRow],
    ) -> Result<BatchOutcome, Error> {
        let items: Vec<Dhis2Item> = batch
            .iter()
            .filter_map(|r| self.item(pass, r).ok())
            .collect();
        if items.len() != batch.len() {
            return Ok(BatchOutcome::Retry {
                why: "the forms changed while sending".into(),
                retry_after: None,
            });
        }
        let refs: Vec<&Dhis2Item> = items.iter().collect();
        let rows: Vec<&DueRow> = batch.iter().collect();
        let gzip = self.gzip(pass, report)?;
        let (body, row_refs) = dhis2::data_value_set(&refs, Rows::Values);
        let resp = match self.post(pass, report, "/api/dataValueSets", body, gzip, &rows)? {
            Ok(r) => r,
            Err(outcome) => return Ok(outcome),
        };
        // Not DHIS2's import summary (a portal's page, a cut answer):
        // nothing is known, the batch is sent again later (upserts).
        let summary = match dhis2::parse_import_summary(&resp.body) {
            _ if resp.truncated => {
                return Ok(BatchOutcome::Retry {
                    why: "the answer from DHIS2 was too large".into(),
                    retry_after: None,
                });
            }
            Ok(s) => s,
            Err(bad) => {
                return Ok(BatchOutcome::Retry {
                    why: bad.0,
                    retry_after: None,
                });
            }
        };
        let mut verdicts = dhis2::judge(&summary, &row_refs, refs.len());
        // Deletions, for the forms whose values were stored.
        let deleting: Vec<usize> = (0..refs.len())
            .filter(|&i| verdicts[i] != Verdict::SendAlone && !refs[i].deletions.is_empty())
            .collect();
        if !deleting.is_empty() {
            let del_items: Vec<&Dhis2Item> = deleting.iter().map(|&i| refs[i]).collect();
            let (body, _) = dhis2::data_value_set(&del_items, Rows::Deletions);
            let del_rows: Vec<&DueRow> = deleting.iter().map(|&i| &batch[i]).collect();
            match self.post(
                pass,
                report,
                "/api/dataValueSets?importStrategy=DELETE",
                body,
                gzip,
                &del_rows,
            )? {
                Ok(r) if dhis2::parse_import_summary(&r.body).is_ok() => {}
                Ok(_) => {
                    return Ok(BatchOutcome::Retry {
                        why: "DHIS2 did not confirm the deletion of removed values".into(),
                        retry_after: None,
                    });
                }
                Err(outcome) => return Ok(outcome),
            }
        }
        // Completion, when several forms went in bulk form.
        if refs.len() > 1 {
            let done: Vec<usize> = (0..refs.len())
                .filter(|&i| verdicts[i] == Verdict::Delivered)
                .collect();
            if !done.is_empty() {
                let body =
                    dhis2::completion_body(&done.iter().map(|&i| refs[i]).collect::<Vec<_>>());
                let done_rows: Vec<&DueRow> = done.iter().map(|&i| &batch[i]).collect();
                match self.post(
                    pass,
                    report,
                    "/api/completeDataSetRegistrations",
                    body,
                    gzip,
                    &done_rows,
                )? {
                    Ok(r) if dhis2::parse_import_summary(&r.body).is_ok() => {}
                    Ok(_) => {
                        return Ok(BatchOutcome::Retry {
                            why: "DHIS2 did not confirm the completion of the forms".into(),
                            retry_after: None,
                        });
                    }
                    Err(outcome) => return Ok(outcome),
                }
            }
        }
        if refs.len() == 1 && verdicts[0] == Verdict::SendAlone {
            verdicts[0] = Verdict::Rejected {
                whole: true,
                problems: vec![],
            };
        }
        Ok(BatchOutcome::Judged(verdicts))
    }
}

impl Route for Dhis2Route {
    fn destination(&self) -> Destination {
        Destination::Dhis2
    }

    fn step(&mut self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<Step, Error> {
        if self.plan.is_none() {
            self.plan(pass, report)?;
        }
        let mut batch = self.plan.as_mut().and_then(VecDeque::pop_front);
        while batch.is_none() && self.more {
            self.plan(pass, report)?;
            batch = self.plan.as_mut().and_then(VecDeque::pop_front);
        }
        let Some(batch) = batch else {
            return Ok(Step::Idle);
        };
        let now = pass.clock.now();
        let dest = Destination::Dhis2;
        let rows: Vec<&DueRow> = batch.iter().collect();
        report.retries += u32::from(batch.iter().any(|r| r.attempts > 0));
        mark_in_flight(&mut pass.conn, now, dest, &rows)?;
        let outcome = self.send_batch(pass, report, &batch)?;
        let now = pass.clock.now();
        match outcome {
            BatchOutcome::Judged(verdicts) => {
                destination_answered(&pass.conn, dest)?;
                let tx = pass
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut alone = Vec::new();
                for (row, verdict) in batch.iter().zip(verdicts) {
                    let key = (row.submission_id.as_str(), row.revision, dest);
                    match verdict {
                        Verdict::Delivered => {
                            store_problems(&tx, key, &[])?;
                            set_state(
                                &tx,
                                now,
                                key,
                                DeliveryState::Delivered,
                                None,
                                None,
                                "delivered",
                                None,
                            )?;
                            report.delivered.push(ItemRef {
                                id: row.submission_id.clone(),
                                revision: row.revision,
                            });
                        }
                        Verdict::Rejected { whole, problems } => {
                            store_problems(&tx, key, &problems)?;
                            let summary = rejection_summary(whole, &problems);
                            set_state(
                                &tx,
                                now,
                                key,
                                DeliveryState::Rejected,
                                None,
                                Some(&summary),
                                "rejected",
                                None,
                            )?;
                            report.rejected.push(Rejection {
                                id: row.submission_id.clone(),
                                revision: row.revision,
                                whole,
                                problems,
                            });
                        }
                        Verdict::SendAlone => {
                            alone.push(mark_send_alone(
                                &tx,
                                now,
                                row,
                                "the answer did not say which form of the batch was at fault",
                            )?);
                        }
                    }
                }
                tx.commit()?;
                if let Some(plan) = self.plan.as_mut() {
                    for r in alone {
                        plan.push_back(vec![r]);
                    }
                }
                Ok(Step::Sent)
            }
            BatchOutcome::Retry { why, retry_after } => {
                report.failures.push(why.clone());
                let until = destination_failed(pass, dest, retry_after)?;
                let tx = pass
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                for row in &batch {
                    let key = (row.submission_id.as_str(), row.revision, dest);
                    let wait = retry::backoff(row.attempts + 1, retry_after, &mut pass.rng);
                    let next = (now
                        + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)))
                    .max(until);
                    set_state(
                        &tx,
                        now,
                        key,
                        DeliveryState::Pending,
                        Some(next),
                        Some(&format!("will retry: {why}")),
                        "retry later",
                        Some(&why),
                    )?;
                }
                tx.commit()?;
                Ok(Step::Stop)
            }
            BatchOutcome::NotSent(why) => {
                not_sent(pass, dest, &rows, &why)?;
                Ok(Step::Stop)
            }
            BatchOutcome::Hold(kind, why) => {
                hold_items(pass, report, dest, &rows, (kind, &why), false)?;
                Ok(Step::Stop)
            }
            BatchOutcome::Split(why) => {
                destination_answered(&pass.conn, dest)?;
                let tx = pass
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut alone = Vec::new();
                for row in &batch {
                    let key = (row.submission_id.as_str(), row.revision, dest);
                    if batch.len() > 1 {
                        alone.push(mark_send_alone(&tx, now, row, &why)?);
                    } else {
                        let problems = vec![FieldProblem {
                            field: "form".into(),
                            code: None,
                            server_message: why.clone(),
                            advice: "DHIS2 refused this form. Read the server's message; ask your supervisor if it is unclear.".into(),
                        }];
                        store_problems(&tx, key, &problems)?;
                        set_state(
                            &tx,
                            now,
                            key,
                            DeliveryState::Rejected,
                            None,
                            Some(&why),
                            "rejected",
                            None,
                        )?;
                        report.rejected.push(Rejection {
                            id: row.submission_id.clone(),
                            revision: row.revision,
                            whole: true,
                            problems,
                        });
                    }
                }
                tx.commit()?;
                if let Some(plan) = self.plan.as_mut() {
                    for r in alone {
                        plan.push_back(vec![r]);
                    }
                }
                Ok(Step::Sent)
            }
        }
    }
}

/// Plain words for an answer that did not come from DHIS2.
fn not_dhis2(r: &HttpResponse) -> String {
    format!(
        "something between this device and DHIS2 answered instead of it: {}. If this device reaches the internet through a hotspot or a proxy, open a web browser and sign in to it; if the DHIS2 address is wrong, correct it",
        crate::http::foreign_answer(r)
    )
}

/// Marks a DHIS2 delivery to be sent in a batch of its own (an answer that
/// could not say which form of its batch was at fault) and returns the row
/// to plan again in this pass.
fn mark_send_alone(
    tx: &Transaction,
    now: DateTime<Utc>,
    row: &DueRow,
    why: &str,
) -> Result<DueRow, Error> {
    let dest = Destination::Dhis2;
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

/// The short reason stored as `last_error` for a rejection: the advice once
/// per distinct reason, with the fields it concerns (counted when many).
pub fn rejection_summary(whole: bool, problems: &[FieldProblem]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for p in problems {
        match groups.iter_mut().find(|(a, _)| *a == p.advice) {
            Some((_, fields)) => fields.push(&p.field),
            None => groups.push((&p.advice, vec![&p.field])),
        }
    }
    groups.sort_by_key(|(advice, _)| advice.starts_with("Not stored"));
    let parts: Vec<String> = groups
        .iter()
        .map(|(advice, fields)| {
            if fields.len() > 3 {
                format!("{} fields: {advice}", fields.len())
            } else {
                format!("{}: {advice}", fields.join(", "))
            }
        })
        .collect();
    let text = if parts.is_empty() {
        "DHIS2 refused the form.".to_string()
    } else {
        parts.join(" ")
    };
    if whole {
        format!("refused as a whole; {text}")
    } else {
        format!("some values refused, the others were stored; {text}")
    }
}

/// Earlier revisions whose values DHIS2 may hold: delivered ones, and ones
/// sent with an unknown outcome.
fn earlier_sent(conn: &Connection, id: &str, revision: u32) -> Result<Vec<Draft>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.content FROM revisions v JOIN deliveries d
           ON d.submission_id = v.submission_id AND d.revision = v.revision AND d.destination = 'dhis2'
         WHERE v.submission_id = ?1 AND v.revision < ?2 AND (d.state = 'delivered' OR d.attempts > 0)
         ORDER BY v.revision",
    )?;
    let rows = stmt.query_map(params![id, revision], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for c in rows {
        out.push(serde_json::from_str(&c?)?);
    }
    Ok(out)
}

/// An older revision left in flight by a killed pass, when a newer revision
/// exists: for DHIS2 the newer one carries the whole form, so the old one is
/// superseded (its values are deleted if the newer revision dropped them).
fn supersede_stale_in_flight(
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

/// gzip-compresses a body.
pub fn gzip_bytes(body: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 32),
        flate2::Compression::default(),
    );
    if enc.write_all(body).is_err() {
        return body.to_vec();
    }
    enc.finish().unwrap_or_else(|_| body.to_vec())
}

#[cfg(test)]
mod tests;
