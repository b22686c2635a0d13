//! The exchange log (every request and answer, without secrets) and the
//! data use per pass.

use super::deliveries::DueRow;
use super::outbox;
use super::time::Time;
use crate::error::Error;
use crate::model::delivery::Destination;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// One request and its answer, as logged (the caller has taken the
/// secrets out and capped the bodies).
#[derive(Debug)]
pub(crate) struct Exchange<'a> {
    pub at: DateTime<Utc>,
    pub destination: Destination,
    pub method: &'a str,
    pub url: &'a str,
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub bytes_sent: i64,
    pub bytes_received: i64,
    pub duration_ms: i64,
}

/// An exchange not logged yet, with the items it carried: logged later in
/// the same transaction as the states its answer decided (one commit for
/// several stock events instead of three each).
#[derive(Debug, Clone)]
pub(crate) struct HeldExchange {
    pub at: DateTime<Utc>,
    pub destination: Destination,
    pub method: String,
    pub url: String,
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub bytes_sent: i64,
    pub bytes_received: i64,
    pub duration_ms: i64,
    pub items: Vec<DueRow>,
}

impl HeldExchange {
    /// Holds an exchange and the items it carried.
    pub(crate) fn new(e: Exchange<'_>, items: &[&DueRow]) -> HeldExchange {
        HeldExchange {
            at: e.at,
            destination: e.destination,
            method: e.method.to_string(),
            url: e.url.to_string(),
            request_body: e.request_body,
            status: e.status,
            response_body: e.response_body,
            error: e.error,
            bytes_sent: e.bytes_sent,
            bytes_received: e.bytes_received,
            duration_ms: e.duration_ms,
            items: items.iter().map(|r| (*r).clone()).collect(),
        }
    }

    /// Logs it, linked to its items.
    pub(crate) fn log(&self, tx: &Transaction) -> Result<(), Error> {
        let items: Vec<&DueRow> = self.items.iter().collect();
        log(
            tx,
            &Exchange {
                at: self.at,
                destination: self.destination,
                method: &self.method,
                url: &self.url,
                request_body: self.request_body.clone(),
                status: self.status,
                response_body: self.response_body.clone(),
                error: self.error.clone(),
                bytes_sent: self.bytes_sent,
                bytes_received: self.bytes_received,
                duration_ms: self.duration_ms,
            },
            &items,
        )
    }
}

/// Logs an exchange, linked to the items it carried.
pub(crate) fn log(tx: &Transaction, e: &Exchange<'_>, items: &[&DueRow]) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO exchanges (at, destination, method, url, request_body, status, response_body, error,
                                bytes_sent, bytes_received, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        Time(e.at),
        e.destination.as_str(),
        e.method,
        e.url,
        e.request_body,
        e.status,
        e.response_body,
        e.error,
        e.bytes_sent,
        e.bytes_received,
        e.duration_ms
    ])?;
    link_exchange(tx, tx.last_insert_rowid(), items)
}

/// What one destination did in a pass (data use, outcomes), kept for good.
#[derive(Debug)]
pub(crate) struct RunRow {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub destination: Destination,
    pub requests: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub delivered: usize,
    pub rejected: usize,
}

/// Records what a destination did in a pass.
pub(crate) fn record_run(conn: &Connection, r: &RunRow) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO sync_runs (started_at, finished_at, destination, requests, bytes_sent, bytes_received, delivered, rejected)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            Time(r.started_at),
            Time(r.finished_at),
            r.destination.as_str(),
            r.requests,
            r.bytes_sent as i64,
            r.bytes_received as i64,
            r.delivered as i64,
            r.rejected as i64
        ],
    )?;
    Ok(())
}

/// Deletes the exchanges older than `keep_days` days (`[storage]
/// keep_exchanges_days`; the audit trail and the data use per pass are
/// kept for good), so that the
/// log of a device reporting for years stays the size of its last months.
/// Exchange ids grow with time, so the old ones are the first ones: the cost
/// is the rows aged out since the last pass (at most a few thousand per
/// call; the next pass takes the rest). Returns how many were deleted.
pub(crate) fn prune_exchanges(
    conn: &mut Connection,
    now: DateTime<Utc>,
    keep_days: u32,
) -> Result<u64, Error> {
    const STEP: i64 = 2_000;
    let cutoff = Time(now - chrono::Duration::days(i64::from(keep_days)));
    let first: Option<Time> = conn
        .prepare_cached("SELECT at FROM exchanges ORDER BY id LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if first.is_none_or(|at| at >= cutoff) {
        return Ok(0);
    }
    let oldest: Vec<(i64, Time)> = conn
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
pub(crate) fn link_exchange(
    tx: &Transaction,
    exchange: i64,
    rows: &[&DueRow],
) -> Result<(), Error> {
    for r in rows {
        tx.prepare_cached("INSERT OR IGNORE INTO exchange_items (submission_id, revision, exchange_id) VALUES (?1, ?2, ?3)")?
            .execute(params![r.submission_id, r.revision, exchange])?;
    }
    Ok(())
}

/// When the last pass ended and when a form was last delivered.
#[allow(clippy::type_complexity)]
pub(crate) fn last_sync(
    conn: &Connection,
) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), Error> {
    let (pass, delivered): (Option<Time>, Option<Time>) = conn.query_row(
        "SELECT (SELECT MAX(finished_at) FROM sync_runs),
                (SELECT MAX(updated_at) FROM deliveries WHERE state = 'delivered')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((pass.map(|t| t.0), delivered.map(|t| t.0)))
}
