//! Times as stored: UTC, RFC 3339 text with milliseconds (`…T12:00:00.000Z`),
//! which sorts as time does. [`Time`] is the typed column; `ts`/`parse_ts`
//! in `outbox` are the same format for times kept inside JSON facts.

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A time column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Time(pub DateTime<Utc>);

impl ToSql for Time {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(super::outbox::ts(self.0)))
    }
}

impl FromSql for Time {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        DateTime::parse_from_rfc3339(s)
            .map(|t| Time(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(format!("bad stored time '{s}': {e}").into()))
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
}
