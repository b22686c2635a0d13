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
use crate::error::Error;
use crate::model::delivery::FieldProblem;
/// What a report's note is about.
pub use crate::model::delivery::NoteKind;
use crate::model::form::FormSet;
use crate::model::i18n::{DEFAULT_LOCALE, Message, render};
use crate::model::mapping::FacilityMap;
use crate::net::http::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::net::retry;
use crate::store::deliveries::{self, DueRow, queue_state, set_state};
use crate::store::destinations::{
    self, DestinationState, HOLD_CREDENTIALS, HOLD_KIND, HOLD_URL, RETRY_AFTER_UNTIL,
    destination_state, hold_destination, set_fact,
};
/// Holds and field problems are stored with the deliveries.
pub use crate::store::outbox::HoldKind;
pub(crate) use crate::store::outbox::store_problems;
use crate::store::outbox::{self, DeliveryState, Destination};
use crate::store::{self, exchanges, lease};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
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
    /// `held` as a message, to show in the user's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_message: Option<Message>,
    /// Anything else the user should know (not configured...).
    pub note: Option<String>,
    /// `note` as messages, to show in the user's language: one per part of
    /// the note, in its order (a clear-text warning comes first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note_messages: Vec<Message>,
    /// What `note` is about, when it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_kind: Option<NoteKind>,
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
    /// When to call again. Absent when done, when only held destinations
    /// remain, or when the only forms left wait without a time of their
    /// own (for a form definition, facility or mapping to be put right, or
    /// for the LMIS's reference data to change): those are re-checked by
    /// the app's own periodic sync (once a day is enough), not by this.
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
pub(crate) struct Pass<'a> {
    /// The pass's own connection (not the UI's).
    pub conn: Connection,
    pub clock: &'a dyn Clock,
    pub transport: &'a dyn Transport,
    pub forms: &'a FormSet,
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
    /// When set, [`Pass::send`] keeps its exchanges here instead of logging
    /// them: the caller logs them with the states the answers decide.
    held: Option<Vec<exchanges::HeldExchange>>,
}

#[cfg(test)]
impl<'a> Pass<'a> {
    /// A pass for a route's unit tests: no lease, no observer, ten requests.
    pub(crate) fn for_test(
        conn: Connection,
        clock: &'a dyn Clock,
        transport: &'a dyn Transport,
        forms: &'a FormSet,
        facilities: &'a FacilityMap,
        cancel: &'a AtomicBool,
    ) -> Pass<'a> {
        Pass {
            conn,
            clock,
            transport,
            forms,
            facilities,
            cancel,
            observer: None,
            deadline: Instant::now() + Duration::from_secs(60),
            requests_left: 10,
            rng: fastrand::Rng::with_seed(1),
            lease_holder: "test".into(),
            lease_until: Instant::now() + Duration::from_secs(60),
            secrets: Vec::new(),
            budget_hit: false,
            held: None,
        }
    }
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
pub(crate) enum Step {
    /// It sent something; call again.
    Sent,
    /// Nothing is due.
    Idle,
    /// The destination is failing or held: no more this pass.
    Stop,
}

/// One destination's queue.
pub(crate) trait Route {
    fn destination(&self) -> Destination;
    /// Sends the next unit of due work and applies its outcome.
    fn step(&mut self, pass: &mut Pass<'_>, report: &mut DestinationReport) -> Result<Step, Error>;
    /// Called once when the pass ends, however it ends (idle, stopped, out
    /// of budget, cancelled), to undo what was prepared and not used.
    fn finish(&mut self, _pass: &mut Pass<'_>) -> Result<(), Error> {
        Ok(())
    }
}

const LEASE_MARGIN: Duration = Duration::from_secs(60);

fn acquire_lease(
    conn: &mut Connection,
    holder: &str,
    now: DateTime<Utc>,
    hold_for: Duration,
) -> Result<bool, Error> {
    let until = now + chrono::Duration::from_std(hold_for).unwrap_or(chrono::Duration::hours(1));
    lease::acquire(conn, holder, now, until, holder_is_dead)
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
    /// [`TransportErrorKind::NotStarted`](crate::net::http::TransportErrorKind)
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
                kind: crate::net::http::TransportErrorKind::NotStarted,
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
        let logged = exchanges::Exchange {
            at,
            destination: dest,
            method: req.method,
            url: &req.url,
            request_body: (!logged_body.is_empty()).then(|| cap_text(logged_body, 256 * 1024)),
            status,
            response_body: body,
            error: err,
            bytes_sent: req.body.len() as i64,
            bytes_received: received,
            duration_ms: ms,
        };
        match self.held.as_mut() {
            Some(held) => held.push(exchanges::HeldExchange::new(logged, items)),
            None => {
                outbox::commit_relaxed(&mut self.conn, |tx| exchanges::log(tx, &logged, items))?
            }
        }
        Ok(result)
    }

    /// From now on, [`Pass::send`] holds its exchanges back until
    /// [`Pass::take_held`]: the caller logs them in its own transaction.
    pub(crate) fn hold_exchanges(&mut self) {
        self.held.get_or_insert_with(Vec::new);
    }

    /// The exchanges held back since [`Pass::hold_exchanges`]; `send` logs
    /// its exchanges itself again.
    pub(crate) fn take_held(&mut self) -> Vec<exchanges::HeldExchange> {
        self.held.take().unwrap_or_default()
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

pub(crate) fn cap_text(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    if bytes.len() > max {
        format!("{s}… ({} bytes in all)", bytes.len())
    } else {
        s
    }
}

impl DestinationReport {
    /// Sets the note: its English text and its message.
    pub fn set_note(&mut self, kind: NoteKind, msg: Message) {
        self.note = Some(render(&msg, DEFAULT_LOCALE));
        self.note_messages = vec![msg];
        self.note_kind = Some(kind);
    }
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

/// Why an exchange gave no per-item answer: the one classification of
/// failure that every route returns to the engine, applied to the items
/// by [`apply_failure`] (both destinations the same way). A route's own
/// answers about items (DHIS2's verdicts and splits, the LMIS's
/// refusals) are judged by the route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No usable answer (no connection, a server failure, an answer not
    /// understood): the destination and each item back off.
    Retry {
        /// Plain words, as a message (stored with the items).
        why: Message,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
        /// The request may have been applied: look it up before resending.
        maybe_sent: bool,
    },
    /// The destination is held until what `kind` names is fixed.
    Hold {
        /// What releases the hold.
        kind: HoldKind,
        /// Plain words, as a message (stored with the hold).
        why: Message,
        /// The request may have been applied: look it up before resending.
        maybe_sent: bool,
    },
    /// Not sent (the pass's time ran out or it was cancelled): the items
    /// wait for the next pass as they were.
    NotSent(String),
}

/// Applies a failure to the items of the request that met it. The pass
/// stops for this destination after it.
pub(crate) fn apply_failure(
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    dest: Destination,
    rows: &[&DueRow],
    failure: Failure,
) -> Result<(), Error> {
    match failure {
        Failure::Retry {
            why,
            retry_after,
            maybe_sent,
        } => {
            let now = pass.clock.now();
            let text = render(&why, DEFAULT_LOCALE);
            report.failures.push(text.clone());
            let until = destination_failed(pass, dest, retry_after)?;
            let tx = pass
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            for r in rows {
                let key = (r.submission_id.as_str(), r.revision, dest);
                let wait = retry::backoff(r.attempts + 1, retry_after, &mut pass.rng);
                let next = (now
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1)))
                .max(until);
                if maybe_sent {
                    deliveries::set_unknown_outcome(&tx, key, true)?;
                }
                // The text keeps saying it is retried (older readers); the
                // message is the failure, its kind (failed) says the rest.
                deliveries::set_state_text_msg(
                    &tx,
                    now,
                    key,
                    (DeliveryState::Pending, Some(next)),
                    (&format!("will retry: {text}"), &why),
                    "retry later",
                    Some(&text),
                )?;
            }
            tx.commit()?;
        }
        Failure::Hold {
            kind,
            why,
            maybe_sent,
        } => hold_items(pass, report, dest, rows, (kind, &why), maybe_sent)?,
        Failure::NotSent(why) => not_sent(pass, dest, rows, &why)?,
    }
    Ok(())
}

/// Holds a destination and leaves the items of the request that met the
/// cause pending, with the reason and no next attempt. `maybe_applied`:
/// the request may have reached the server, so it is looked up before any
/// resend.
fn hold_items(
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    dest: Destination,
    rows: &[&DueRow],
    (kind, why): (HoldKind, &Message),
    maybe_applied: bool,
) -> Result<(), Error> {
    let now = pass.clock.now();
    // One transaction: killed halfway, neither the hold nor the items'
    // "maybe applied" mark is left without the other.
    let tx = pass
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    hold_destination(&tx, dest, why, now, kind)?;
    report.held = Some(render(why, DEFAULT_LOCALE));
    report.held_message = Some(why.clone());
    for r in rows {
        if maybe_applied {
            deliveries::set_unknown_outcome(&tx, (&r.submission_id, r.revision, dest), true)?;
        }
        deliveries::set_state_msg(
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
fn not_sent(
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

/// Records a failure without an answer; returns the destination's backoff.
fn destination_failed(
    pass: &mut Pass<'_>,
    dest: Destination,
    retry_after: Option<Duration>,
) -> Result<DateTime<Utc>, Error> {
    let failures = destinations::count_failure(&pass.conn, dest)?;
    let wait = retry::backoff(failures, retry_after, &mut pass.rng);
    let now = pass.clock.now();
    let until = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
    destinations::set_backoff(&pass.conn, dest, until)?;
    if let Some(ra) = retry_after {
        // The server's own time, kept apart from our jitter so that
        // `reset_backoff` (a network change) keeps it.
        let server_until = now
            + chrono::Duration::from_std(ra.min(retry::MAX_RETRY_AFTER))
                .unwrap_or(chrono::Duration::hours(1));
        set_fact(
            &pass.conn,
            dest,
            RETRY_AFTER_UNTIL,
            store::time::Time(server_until).to_string().into(),
        )?;
    }
    Ok(until)
}

/// Everything a pass needs from the agent.
pub(crate) struct PassInputs<'a> {
    /// The database file.
    pub db_path: &'a std::path::Path,
    /// The outbox's encryption key, when it is encrypted.
    pub key: Option<&'a crate::model::key::OutboxKey>,
    pub clock: &'a dyn Clock,
    pub transport: &'a dyn Transport,
    pub forms: &'a FormSet,
    pub facilities: &'a FacilityMap,
    /// Cancel flag, checked between requests.
    pub cancel: &'a AtomicBool,
    /// Told of progress, and asked whether to stop, before every request.
    pub observer: Option<&'a dyn SyncObserver>,
    pub credentials: &'a dyn CredentialProvider,
    /// DHIS2, when configured: its address and how to build its route with
    /// the credentials of this pass (the facade builds the routes, so the
    /// engine never imports a destination).
    pub dhis2: Option<RouteMaker<'a>>,
    /// The LMIS, when configured, as for DHIS2.
    pub lmis: Option<RouteMaker<'a>>,
    /// Release held destinations before the pass (new credentials were given).
    pub retry_held: bool,
    /// Days the exchange log keeps an exchange (`[storage] keep_exchanges_days`).
    pub keep_exchanges_days: u32,
}

/// A destination as the engine sees it: an address (for holds) and a
/// builder of its route.
#[derive(Clone, Copy)]
pub(crate) struct RouteMaker<'a> {
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
pub(crate) fn run_pass(
    inputs: PassInputs<'_>,
    budget: SyncBudget,
) -> Result<Option<SyncReport>, Error> {
    let mut conn = outbox::connect(inputs.db_path, inputs.key)?;
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
        held: None,
    };
    // A panic inside the pass (a bug; the bindings turn it into an
    // exception) must not leave the lease held: the holder is this live
    // process, so the next sync would be refused as busy until it expired.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_routes(&mut pass, &inputs, started_at)
    }));
    let released = lease::release(&pass.conn, &holder);
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
pub(crate) fn run_task<T>(
    inputs: &PassInputs<'_>,
    budget: SyncBudget,
    task: impl FnOnce(&mut Pass<'_>, &mut DestinationReport) -> Result<T, Error>,
) -> Result<T, Error> {
    let conn = outbox::connect(inputs.db_path, inputs.key)?;
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
        held: None,
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
/// credentials), as a message for the report.
fn make_route(
    pass: &mut Pass<'_>,
    inputs: &PassInputs<'_>,
    dest: Destination,
    creds: Credentials,
) -> Result<Box<dyn Route>, Message> {
    let configured = match dest {
        Destination::Dhis2 => inputs.dhis2.is_some(),
        Destination::Lmis => inputs.lmis.is_some(),
    };
    let name = Message::new("sync-note-not-configured")
        .text("destination", dest.as_str().to_uppercase())
        .text("section", format!("[{}]", dest.as_str()));
    if !configured {
        return Err(name);
    }
    pass.add_secrets(creds.secrets());
    Ok(match (dest, inputs.dhis2, inputs.lmis) {
        (Destination::Dhis2, Some(dhis2), _) => (dhis2.make)(creds),
        (Destination::Lmis, _, Some(lmis)) => (lmis.make)(creds),
        _ => return Err(name),
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
                report.set_note(
                    NoteKind::NoCredentials,
                    Message::new("sync-note-no-credentials")
                        .text("destination", dest.as_str().to_uppercase()),
                );
                continue;
            }
            Err(why) => {
                // The app's own words, inside the agent's sentence.
                report.set_note(
                    NoteKind::CredentialsUnavailable,
                    Message::new("sync-note-credentials-unavailable").text("reason", why),
                );
                continue;
            }
        };
        let state = destination_state(&pass.conn, dest)?;
        if let Some(h) = &state.hold {
            let url = match dest {
                Destination::Dhis2 => inputs.dhis2.map(|s| s.url),
                Destination::Lmis => inputs.lmis.map(|l| l.url),
            };
            let fact = |k: &str| state.facts.get(k).and_then(|v| v.as_str());
            let moved = fact(HOLD_URL).is_some_and(|u| Some(u) != url);
            let changed = moved
                || (hold_kind(&state) == HoldKind::Credentials
                    && fact(HOLD_CREDENTIALS).is_some_and(|f| !same_credentials(&creds, f)));
            if !(inputs.retry_held || changed) {
                report.held = Some(h.clone());
                report.held_message = state.hold_message();
                continue;
            }
            destinations::release_hold(&pass.conn, dest)?;
            if changed {
                if moved {
                    report.set_note(
                        NoteKind::AddressChanged,
                        Message::new("sync-note-address-changed"),
                    );
                } else {
                    report.set_note(
                        NoteKind::CredentialsChanged,
                        Message::new("sync-note-credentials-changed"),
                    );
                }
            }
        }
        used.insert(dest, creds.clone());
        let route = match make_route(pass, inputs, dest, creds) {
            Ok(route) => route,
            Err(why) => {
                report.set_note(NoteKind::NotConfigured, why);
                continue;
            }
        };
        if let Some(until) = state.backoff_until
            && until > now
        {
            report.next_attempt_at = Some(until);
            report.set_note(
                NoteKind::BackingOff,
                Message::new("sync-note-backing-off")
                    .text("until", until.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            );
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
            Destination::Dhis2 => inputs.dhis2.map(|s| s.url.to_string()),
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
            report.held_message = state.hold_message();
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
        exchanges::record_run(
            &pass.conn,
            &exchanges::RunRow {
                started_at,
                finished_at: finished,
                destination: *dest,
                requests: report.requests,
                bytes_sent: report.bytes_sent,
                bytes_received: report.bytes_received,
                delivered: report.delivered.len(),
                rejected: report.rejected.len(),
            },
        )?;
    }
    exchanges::prune_exchanges(&mut pass.conn, finished, inputs.keep_exchanges_days)?;
    Ok(SyncReport {
        destinations: reports.into_values().collect(),
        done,
        call_again_at: if done { None } else { call_again },
        cancelled,
        out_of_budget,
    })
}

#[cfg(test)]
mod tests;
