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
