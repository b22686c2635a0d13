//! Times as stored: UTC, RFC 3339 text with milliseconds (`…T12:00:00.000Z`),
//! which sorts as time does. [`Time`] is the typed column (`ToSql`/`FromSql`)
//! and, through `Display`/`FromStr`, the same text for times kept inside
//! JSON (destination facts, escrow and diagnostics files). Nothing else in
//! the crate formats or parses a stored time.

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use std::fmt;
use std::str::FromStr;

/// A time column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Time(pub DateTime<Utc>);

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
    }
}

impl FromStr for Time {
    type Err = String;

    /// Any RFC 3339 time (what the agent wrote, and other offsets).
    fn from_str(s: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| Time(t.with_timezone(&Utc)))
            .map_err(|e| format!("bad stored time '{s}': {e}"))
    }
}

impl ToSql for Time {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Time {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: String| FromSqlError::Other(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_time_is_stored_as_sortable_utc_text_and_read_back() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 3, 9, 5, 7).unwrap();
        let text: String = conn
            .query_row("SELECT ?1", [Time(t)], |r| r.get(0))
            .unwrap();
        // The format of every time column since schema 1 (hand-written).
        assert_eq!(text, "2026-11-03T09:05:07.000Z");
        let back: Time = conn
            .query_row("SELECT '2026-11-03T09:05:07.000Z'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(back, Time(t));
        let bad = conn.query_row("SELECT 'yesterday'", [], |r| r.get::<_, Time>(0));
        assert!(bad.is_err());
    }

    /// Rows written before `Time` existed (by the text helpers it replaced,
    /// hand-written here) read back through the store's functions, and what
    /// the store writes now is still that text.
    #[test]
    fn rows_written_in_the_old_text_read_back_and_new_rows_keep_it() {
        use crate::model::delivery::Destination;
        use crate::store::outbox;
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 3, 9, 5, 7).unwrap();
        let (mut conn, _) = outbox::open(&dir.path().join("o.sqlite"), now).unwrap();
        let tx = conn.transaction().unwrap();
        outbox::record(
            &tx,
            &outbox::NewRevision {
                form_id: "chw-monthly",
                form_version: 1,
                facility: "HP-001",
                period: "202610",
                period_start: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                period_end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                content: "{}",
                content_hash: "h",
                warnings_json: "[]",
                destinations: &[Destination::Dhis2],
                new_id: "id-1",
                now,
            },
        )
        .unwrap();
        tx.commit().unwrap();
        // What is written: the format of every time column since schema 1.
        let written: (String, String, String, String) = conn
            .query_row(
                "SELECT s.created_at, v.created_at, d.updated_at, a.at
                 FROM submissions s JOIN revisions v ON v.submission_id = s.id
                 JOIN deliveries d ON d.submission_id = s.id JOIN audit a ON a.submission_id = s.id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        let text = "2026-11-03T09:05:07.000Z".to_string();
        assert_eq!(written, (text.clone(), text.clone(), text.clone(), text));

        // An old row, as an earlier build left it.
        let old = "2025-01-31T23:59:58.125Z";
        let old_time = Utc.with_ymd_and_hms(2025, 1, 31, 23, 59, 58).unwrap()
            + chrono::Duration::milliseconds(125);
        conn.execute_batch(&format!(
            "UPDATE submissions SET created_at = '{old}';
             UPDATE revisions SET created_at = '{old}';
             UPDATE deliveries SET updated_at = '{old}', next_attempt_at = '{old}';
             UPDATE audit SET at = '{old}';
             INSERT INTO metadata_cache (key, fetched_at, body) VALUES ('k', '{old}', 'b');"
        ))
        .unwrap();
        let status = outbox::submission_status(&conn, "id-1").unwrap().unwrap();
        assert_eq!(status.created_at, old_time);
        assert_eq!(status.destinations[0].updated_at, old_time);
        assert_eq!(status.destinations[0].next_attempt_at, Some(old_time));
        assert_eq!(
            outbox::revisions(&conn, "id-1").unwrap()[0].created_at,
            old_time
        );
        assert!(
            outbox::audit_trail(&conn, "id-1")
                .unwrap()
                .iter()
                .all(|a| a.at == old_time)
        );
        assert_eq!(
            outbox::health(&conn, now).unwrap().oldest_undelivered_at,
            Some(old_time)
        );
        let fresh = |age_days| {
            outbox::cache_get_fresh(&conn, "k", now, chrono::Duration::days(age_days)).unwrap()
        };
        assert_eq!(fresh(700), Some("b".to_string()));
        assert_eq!(fresh(600), None);
    }
}
