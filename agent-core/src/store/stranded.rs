//! Forms still to send, counted per form, facility and destination: what
//! the agent checks at start-up against the current form definitions and
//! facility map, so that an administrator's change never leaves a form
//! unsent without saying so (issue 17).

use crate::error::Error;
use crate::model::delivery::Destination;
use rusqlite::Connection;

/// The forms whose latest revision still has a delivery to make (pending,
/// in flight, waiting, or refused and kept for a resend), per form id,
/// facility code and destination, with their number.
pub fn undelivered_groups(
    conn: &Connection,
) -> Result<Vec<(String, String, Destination, u64)>, Error> {
    let mut stmt = conn.prepare(
        "SELECT s.form_id, s.facility, d.destination, COUNT(*) FROM deliveries d
         JOIN submissions s ON s.id = d.submission_id AND d.revision = s.latest_revision
         WHERE d.state IN ('pending', 'in_flight', 'waiting', 'rejected')
         GROUP BY s.form_id, s.facility, d.destination",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (form, facility, dest, n) = r?;
        out.push((form, facility, dest.parse()?, u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

/// The submissions counted by [`undelivered_groups`] for these (form,
/// facility) pairs: their number (a form counted once however many
/// destinations it still waits for).
pub fn count_submissions(conn: &Connection, pairs: &[(String, String)]) -> Result<u64, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT COUNT(DISTINCT s.id) FROM deliveries d
         JOIN submissions s ON s.id = d.submission_id AND d.revision = s.latest_revision
         WHERE d.state IN ('pending', 'in_flight', 'waiting', 'rejected')
           AND s.form_id = ?1 AND s.facility = ?2",
    )?;
    let mut total = 0u64;
    for (form, facility) in pairs {
        let n: i64 = stmt.query_row([form, facility], |r| r.get(0))?;
        total += u64::try_from(n).unwrap_or(0);
    }
    Ok(total)
}

/// The audit detail of a delivery set `waiting` because this device cannot
/// build it (its form definition, destination part or facility is gone):
/// what tells this wait from the others (a period not complete, earlier
/// reports first), whatever the reason's text.
pub const CANNOT_BUILD: &str = "cannot be built";

/// The audit detail of a delivery set `waiting` because its stored content
/// cannot be read: it waits for a person (the export), never released by
/// itself.
pub const UNREADABLE: &str = "cannot be read";

/// The audit detail of an LMIS delivery set `waiting` because the LMIS's
/// reference data does not match its form definition or the facility map
/// (issue 17): released by itself once they match again.
pub const REFERENCE_MISMATCH: &str = "reference data mismatch";

/// Whether a delivery waits and the detail of its latest change of state
/// is `detail` (what it was set aside for, whatever the reason's text).
/// Audit rows that change no state (an escrow export's mark) are passed
/// over: exporting a waiting form must not keep it waiting.
pub fn waits_for(
    conn: &Connection,
    (id, rev, dest): (&str, u32, Destination),
    detail: &str,
) -> Result<bool, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT COUNT(*) FROM deliveries d
         WHERE d.submission_id = ?1 AND d.revision = ?2 AND d.destination = ?3
           AND d.state = 'waiting'
           AND (SELECT a.detail FROM audit a
                WHERE a.submission_id = d.submission_id AND a.revision = d.revision
                  AND a.destination = d.destination AND a.to_state IS NOT NULL
                ORDER BY a.id DESC LIMIT 1) = ?4",
    )?;
    let n: i64 = stmt.query_row(rusqlite::params![id, rev, dest.as_str(), detail], |r| {
        r.get(0)
    })?;
    Ok(n > 0)
}

/// A delivery this device could not build, as the routes re-plan it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbuildable {
    pub submission_id: String,
    pub revision: u32,
    pub form_id: String,
    pub facility: String,
}

/// The latest-revision deliveries of `dest` set aside because this device
/// could not build them ([`CANNOT_BUILD`] is their latest audit detail):
/// waiting ones, and refused ones from agents that marked them `rejected`
/// locally before a server ever saw them. The routes release each whose
/// definition, part and facility are back ([`release`]).
pub fn unbuildable(conn: &Connection, dest: Destination) -> Result<Vec<Unbuildable>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.submission_id, d.revision, s.form_id, s.facility FROM deliveries d
         JOIN submissions s ON s.id = d.submission_id AND d.revision = s.latest_revision
         WHERE d.destination = ?1 AND d.state IN ('waiting', 'rejected')
           AND (SELECT a.detail FROM audit a
                WHERE a.submission_id = d.submission_id AND a.revision = d.revision
                  AND a.destination = d.destination AND a.to_state IS NOT NULL
                ORDER BY a.id DESC LIMIT 1) = ?2
         ORDER BY d.submission_id",
    )?;
    let rows = stmt.query_map(rusqlite::params![dest.as_str(), CANNOT_BUILD], |r| {
        Ok(Unbuildable {
            submission_id: r.get(0)?,
            revision: r.get(1)?,
            form_id: r.get(2)?,
            facility: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sets a delivery this device cannot build `waiting` with `why` (the
/// reason, the export command; `detail`: [`CANNOT_BUILD`] or
/// [`UNREADABLE`]), clearing its field problems (nothing to correct in the
/// form). Writes nothing when it already waits for that reason, so that
/// re-planning each pass adds no audit rows. Returns whether it changed.
pub fn wait_unbuildable(
    tx: &rusqlite::Transaction,
    now: chrono::DateTime<chrono::Utc>,
    key: (&str, u32, Destination),
    why: &crate::model::i18n::Message,
    detail: &str,
) -> Result<bool, Error> {
    let (state, current) = super::deliveries::state_and_error(tx, key)?;
    let text = crate::model::i18n::render(why, crate::model::i18n::DEFAULT_LOCALE);
    if state == crate::model::delivery::DeliveryState::Waiting && current == text {
        return Ok(false);
    }
    super::outbox::store_problems(tx, key, &[])?;
    super::deliveries::set_state_text_msg(
        tx,
        now,
        key,
        (crate::model::delivery::DeliveryState::Waiting, None),
        (&text, why),
        "waiting",
        Some(detail),
    )?;
    Ok(true)
}

/// Puts a delivery set aside by [`wait_unbuildable`] back in the queue:
/// its form definition, part and facility are back on this device.
pub fn release(
    tx: &rusqlite::Transaction,
    now: chrono::DateTime<chrono::Utc>,
    key: (&str, u32, Destination),
) -> Result<(), Error> {
    release_because(
        tx,
        now,
        key,
        "its form definition, part and facility are back on this device",
    )
}

/// [`release`] with the audit detail saying what changed.
pub fn release_because(
    tx: &rusqlite::Transaction,
    now: chrono::DateTime<chrono::Utc>,
    key: (&str, u32, Destination),
    detail: &str,
) -> Result<(), Error> {
    super::outbox::store_problems(tx, key, &[])?;
    super::deliveries::set_state(
        tx,
        now,
        key,
        crate::model::delivery::DeliveryState::Pending,
        None,
        None,
        "released",
        Some(detail),
    )
}
