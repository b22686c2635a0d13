//! Every SQL statement of the escrow export and import (issue 17), as
//! functions with typed arguments. Writers take a `&Transaction`, readers a
//! `&Connection`. Kept apart from `escrow` so that it can join the storage
//! layer when agent-core is split into folders.

use crate::error::Error;
use crate::model::delivery::{DeliveryState, Destination};
use crate::store::time::Time;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// One stored revision with what the escrow manifest says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRow {
    pub submission_id: String,
    /// Revision number.
    pub revision: u32,
    /// Form id.
    pub form: String,
    /// Form definition version the revision was recorded with.
    pub form_version: u32,
    /// Local facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
    /// First day of the period (yyyy-mm-dd).
    pub period_start: String,
    /// Last day of the period (yyyy-mm-dd).
    pub period_end: String,
    /// When the submission was first recorded (stored text).
    pub submission_created_at: String,
    /// When this revision was recorded (stored text).
    pub recorded_at: String,
    /// sha256 hex of `content`.
    pub content_hash: String,
    /// The confirmed warnings, JSON text.
    pub warnings: String,
    /// Canonical JSON of the draft.
    pub content: String,
}

/// Calls `each` for every revision to export, ordered by submission and
/// revision: every revision of each submission that has a delivery still to
/// make (`all`: every revision in the outbox that still holds its content;
/// retention's compacted ones, delivered long ago, have none). Rows are
/// read one at a time.
pub fn for_each_revision(
    conn: &Connection,
    all: bool,
    mut each: impl FnMut(RevisionRow) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut stmt = conn.prepare(
        "SELECT s.id, v.revision, s.form_id, v.form_version, s.facility, s.period,
                s.period_start, s.period_end, s.created_at, v.created_at,
                v.content_hash, v.warnings, v.content
         FROM submissions s JOIN revisions v ON v.submission_id = s.id
         WHERE v.compacted_at IS NULL AND (?1 OR EXISTS (SELECT 1 FROM deliveries d WHERE d.submission_id = s.id
                             AND d.state IN ('pending', 'in_flight', 'waiting', 'rejected')))
         ORDER BY s.id, v.revision",
    )?;
    let mut rows = stmt.query(params![all])?;
    while let Some(r) = rows.next()? {
        each(RevisionRow {
            submission_id: r.get(0)?,
            revision: r.get(1)?,
            form: r.get(2)?,
            form_version: r.get(3)?,
            facility: r.get(4)?,
            period: r.get(5)?,
            period_start: r.get(6)?,
            period_end: r.get(7)?,
            submission_created_at: r.get(8)?,
            recorded_at: r.get(9)?,
            content_hash: r.get(10)?,
            warnings: r.get(11)?,
            content: r.get(12)?,
        })?;
    }
    Ok(())
}

/// The deliveries of one revision: destination, state, and whether it may
/// have arrived (in flight, or marked for a look-up before any resend).
pub fn deliveries_of(
    conn: &Connection,
    submission_id: &str,
    revision: u32,
) -> Result<Vec<(Destination, DeliveryState, bool)>, Error> {
    let rows: Vec<(String, String, bool)> = conn
        .prepare_cached(
            "SELECT destination, state, unknown_outcome != 0 OR state = 'in_flight' FROM deliveries
             WHERE submission_id = ?1 AND revision = ?2 ORDER BY destination",
        )?
        .query_map(params![submission_id, revision], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(d, s, u)| Ok((d.parse()?, s.parse()?, u)))
        .collect()
}

/// After an export: every LMIS delivery still to make is marked "look up
/// before sending", since the device that imports the file may deliver it
/// first (the LMIS look-up by `resourceId` then finds it and nothing is sent
/// twice). Returns the (submission, revision) pairs marked.
pub fn mark_exported_lmis(tx: &Transaction) -> Result<Vec<(String, u32)>, Error> {
    let marked: Vec<(String, u32)> = tx
        .prepare(
            "UPDATE deliveries SET unknown_outcome = 1
             WHERE destination = 'lmis' AND unknown_outcome = 0
               AND state IN ('pending', 'in_flight', 'waiting', 'rejected')
             RETURNING submission_id, revision",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(marked)
}

/// A submission already in this outbox: its form, facility, period and latest revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSubmission {
    /// Submission id.
    pub id: String,
    /// Form id.
    pub form: String,
    /// Facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
    pub latest_revision: u32,
}

fn local_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LocalSubmission> {
    Ok(LocalSubmission {
        id: r.get(0)?,
        form: r.get(1)?,
        facility: r.get(2)?,
        period: r.get(3)?,
        latest_revision: r.get(4)?,
    })
}

/// The submission with this id, if this outbox has it.
pub fn submission_by_id(conn: &Connection, id: &str) -> Result<Option<LocalSubmission>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT id, form_id, facility, period, latest_revision FROM submissions WHERE id = ?1",
        )?
        .query_row(params![id], local_from_row)
        .optional()?)
}

/// The submission for this form, facility and period, if this outbox has one.
pub fn submission_by_key(
    conn: &Connection,
    form: &str,
    facility: &str,
    period: &str,
) -> Result<Option<LocalSubmission>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT id, form_id, facility, period, latest_revision FROM submissions
             WHERE form_id = ?1 AND facility = ?2 AND period = ?3",
        )?
        .query_row(params![form, facility, period], local_from_row)
        .optional()?)
}

/// The content hash of a stored revision, if this outbox has it.
pub fn revision_hash(conn: &Connection, id: &str, revision: u32) -> Result<Option<String>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT content_hash FROM revisions WHERE submission_id = ?1 AND revision = ?2",
        )?
        .query_row(params![id, revision], |r| r.get(0))
        .optional()?)
}

/// A new submission row, with its final latest revision (set before its
/// revisions and deliveries are inserted, so the totals' triggers count them).
pub fn insert_submission(
    tx: &Transaction,
    row: &RevisionRow,
    latest_revision: u32,
) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO submissions (id, form_id, facility, period, period_start, period_end, created_at, latest_revision)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        row.submission_id,
        row.form,
        row.facility,
        row.period,
        row.period_start,
        row.period_end,
        row.submission_created_at,
        latest_revision
    ])?;
    Ok(())
}

/// Makes `revision` the latest of a submission already here.
pub fn set_latest_revision(tx: &Transaction, id: &str, revision: u32) -> Result<(), Error> {
    tx.prepare_cached("UPDATE submissions SET latest_revision = ?2 WHERE id = ?1")?
        .execute(params![id, revision])?;
    Ok(())
}

/// A revision as it was recorded on the other device (its time kept).
pub fn insert_revision(tx: &Transaction, row: &RevisionRow) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO revisions (submission_id, revision, form_version, content, content_hash, warnings, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        row.submission_id,
        row.revision,
        row.form_version,
        row.content,
        row.content_hash,
        row.warnings,
        row.recorded_at
    ])?;
    Ok(())
}

/// One delivery of an imported revision.
#[allow(clippy::too_many_arguments)]
pub fn insert_delivery(
    tx: &Transaction,
    id: &str,
    revision: u32,
    destination: Destination,
    state: DeliveryState,
    look_up_first: bool,
    idempotency_key: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO deliveries (submission_id, revision, destination, state, unknown_outcome, idempotency_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    )?
    .execute(params![
        id,
        revision,
        destination.as_str(),
        state.as_str(),
        look_up_first,
        idempotency_key,
        Time(now)
    ])?;
    Ok(())
}

/// Deliveries of revisions older than `latest` that were still waiting to be
/// sent become superseded (as a correction recorded here would do), except
/// those that may have arrived (the LMIS route looks them up first).
/// Returns each (revision, destination).
pub fn supersede_older(
    tx: &Transaction,
    id: &str,
    latest: u32,
    now: DateTime<Utc>,
) -> Result<Vec<(u32, Destination)>, Error> {
    let rows: Vec<(u32, String)> = tx
        .prepare_cached(
            "UPDATE deliveries SET state = 'superseded', updated_at = ?3
             WHERE submission_id = ?1 AND revision < ?2 AND state IN ('pending', 'waiting')
               AND unknown_outcome = 0
             RETURNING revision, destination",
        )?
        .query_map(params![id, latest, Time(now)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|(r, d)| Ok((r, d.parse()?))).collect()
}
