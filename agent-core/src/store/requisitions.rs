//! Requisitions (OpenLMIS requisition mode): one row per facility, program
//! and LMIS period, with its ids, idempotency keys, status and the hash of
//! what was submitted.

use super::time::Time;
use crate::error::Error;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// The stored state of one requisition.
#[derive(Debug, Clone)]
pub(crate) struct RequisitionRow {
    pub period_id: Option<String>,
    pub requisition_id: Option<String>,
    pub initiate_key: String,
    pub submit_key: String,
    pub send_incomplete: bool,
    pub submitted_hash: Option<String>,
    /// `initiate` or `submit` while the answer of that request is unknown.
    pub unknown_outcome: Option<String>,
}

/// A column of a requisition row that the requisition step writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    PeriodId,
    RequisitionId,
    InitiateKey,
    SubmitKey,
    SubmittedHash,
    UnknownOutcome,
    Status,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::PeriodId => "period_id",
            Column::RequisitionId => "requisition_id",
            Column::InitiateKey => "initiate_key",
            Column::SubmitKey => "submit_key",
            Column::SubmittedHash => "submitted_hash",
            Column::UnknownOutcome => "unknown_outcome",
            Column::Status => "status",
        }
    }
}

/// The row of (facility, program, period start), if there is one.
pub(crate) fn find(
    conn: &Connection,
    facility: &str,
    program: &str,
    period_start: &str,
) -> Result<Option<RequisitionRow>, Error> {
    Ok(conn
        .query_row(
            "SELECT period_id, requisition_id, initiate_key, submit_key, send_incomplete, submitted_hash, unknown_outcome
             FROM requisitions WHERE facility = ?1 AND program_id = ?2 AND period_start = ?3",
            params![facility, program, period_start],
            |r| {
                Ok(RequisitionRow {
                    period_id: r.get(0)?,
                    requisition_id: r.get(1)?,
                    initiate_key: r.get(2)?,
                    submit_key: r.get(3)?,
                    send_incomplete: r.get(4)?,
                    submitted_hash: r.get(5)?,
                    unknown_outcome: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// Stores a new row (its keys; the rest starts empty).
pub(crate) fn insert(
    conn: &Connection,
    (facility, program, period_start): (&str, &str, &str),
    period_end: &str,
    row: &RequisitionRow,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO requisitions (facility, program_id, period_start, period_end, initiate_key, submit_key, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![facility, program, period_start, period_end, row.initiate_key, row.submit_key, Time(now)],
    )?;
    Ok(())
}

/// Sets one column of a row.
pub(crate) fn set(
    conn: &Connection,
    (facility, program, period_start): (&str, &str, &str),
    column: Column,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    // The column name comes from `Column`, never from input.
    let sql = format!(
        "UPDATE requisitions SET {} = ?4, updated_at = ?5 WHERE facility = ?1 AND program_id = ?2 AND period_start = ?3",
        column.name()
    );
    conn.execute(
        &sql,
        params![facility, program, period_start, value, Time(now)],
    )?;
    Ok(())
}

/// Marks a requisition period to be sent although months are missing (the
/// user chose to, after the period ended).
pub fn send_incomplete(
    conn: &Connection,
    facility: &str,
    program: &str,
    period_start: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let n = conn.execute(
        "UPDATE requisitions SET send_incomplete = 1, updated_at = ?4 WHERE facility = ?1 AND program_id = ?2 AND period_start = ?3",
        params![facility, program, period_start.to_string(), Time(now)],
    )?;
    Ok(n > 0)
}

/// The content of the latest revision of a form for a facility and period
/// (DHIS2 period id), if one was recorded.
pub(crate) fn latest_content(
    conn: &Connection,
    facility: &str,
    period: &str,
    form: &str,
) -> Result<Option<String>, Error> {
    Ok(conn
        .query_row(
            "SELECT v.content FROM submissions s JOIN revisions v ON v.submission_id = s.id AND v.revision = s.latest_revision
             WHERE s.facility = ?1 AND s.period = ?2 AND s.form_id = ?3 AND v.compacted_at IS NULL",
            params![facility, period, form],
            |r| r.get(0),
        )
        .optional()?)
}
