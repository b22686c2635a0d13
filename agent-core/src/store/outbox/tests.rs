//! The outbox against real SQLite files in a temporary folder.

use super::*;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()
}

fn new_rev<'a>(
    content: &'a str,
    hash: &'a str,
    id: &'a str,
    now: DateTime<Utc>,
) -> NewRevision<'a> {
    NewRevision {
        form_id: "chw-monthly",
        form_version: 1,
        facility: "HP-001",
        period: "202610",
        period_start: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        period_end: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        content,
        content_hash: hash,
        warnings_json: "[]",
        destinations: &[Destination::Dhis2, Destination::Lmis],
        new_id: id,
        now,
    }
}

fn record_one(conn: &mut Connection, content: &str, id: &str, now: DateTime<Utc>) -> Recorded {
    let hash = sha256_hex(content.as_bytes());
    let tx = conn.transaction().unwrap();
    let r = record(&tx, &new_rev(content, &hash, id, now)).unwrap();
    tx.commit().unwrap();
    r
}

#[test]
fn new_double_tap_and_correction() {
    let dir = tempfile::tempdir().unwrap();
    let (mut conn, notice) = open(&dir.path().join("o.sqlite"), t0()).unwrap();
    assert!(notice.is_none());

    let a = record_one(&mut conn, r#"{"v":1}"#, "id-1", t0());
    assert_eq!(
        a,
        Recorded {
            id: "id-1".into(),
            revision: 1,
            duplicate: false
        }
    );
    // Same content again: same id, nothing written.
    let b = record_one(&mut conn, r#"{"v":1}"#, "id-2", t0());
    assert_eq!(
        b,
        Recorded {
            id: "id-1".into(),
            revision: 1,
            duplicate: true
        }
    );
    assert_eq!(table_counts(&conn).unwrap()["revisions"], 1);
    // Different content for the same form, facility and period: a correction.
    let c = record_one(
        &mut conn,
        r#"{"v":2}"#,
        "id-3",
        t0() + chrono::Duration::minutes(5),
    );
    assert_eq!(
        c,
        Recorded {
            id: "id-1".into(),
            revision: 2,
            duplicate: false
        }
    );

    let st = submission_status(&conn, "id-1").unwrap().unwrap();
    assert_eq!(st.revision, 2);
    assert_eq!(st.overall, DeliveryState::Pending);
    assert_eq!(st.destinations.len(), 2);
    assert!(
        st.destinations
            .iter()
            .all(|d| d.revision == 2 && d.state == DeliveryState::Pending)
    );
    // The first revision's deliveries were superseded, and the audit says so.
    let trail = audit_trail(&conn, "id-1").unwrap();
    let events: Vec<&str> = trail.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "recorded",
            "enqueued",
            "enqueued",
            "corrected",
            "superseded",
            "superseded",
            "enqueued",
            "enqueued"
        ]
    );
    assert_eq!(trail[4].to_state, Some(DeliveryState::Superseded));
    // Both revisions are kept, intact.
    let revs = revisions(&conn, "id-1").unwrap();
    assert_eq!(
        revs.iter().map(|r| r.content.as_str()).collect::<Vec<_>>(),
        [r#"{"v":1}"#, r#"{"v":2}"#]
    );
    assert!(verify_hashes(&conn).unwrap().is_empty());
}

#[test]
fn idempotency_keys_are_fixed_per_revision_and_destination() {
    let k = idempotency_key("0193a0a0-0000-7000-8000-000000000000", 1, Destination::Lmis);
    assert_eq!(
        k,
        idempotency_key("0193a0a0-0000-7000-8000-000000000000", 1, Destination::Lmis)
    );
    assert_ne!(
        k,
        idempotency_key("0193a0a0-0000-7000-8000-000000000000", 2, Destination::Lmis)
    );
    assert_ne!(
        k,
        idempotency_key(
            "0193a0a0-0000-7000-8000-000000000000",
            1,
            Destination::Dhis2
        )
    );
    let u = uuid::Uuid::parse_str(&k).unwrap();
    assert_eq!(u.get_version_num(), 8);

    let dir = tempfile::tempdir().unwrap();
    let (mut conn, _) = open(&dir.path().join("o.sqlite"), t0()).unwrap();
    record_one(&mut conn, "{}", "s-1", t0());
    let stored: String = conn
        .query_row(
            "SELECT idempotency_key FROM deliveries WHERE destination = 'lmis'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, idempotency_key("s-1", 1, Destination::Lmis));
}

#[test]
fn health_and_lists_by_state() {
    let dir = tempfile::tempdir().unwrap();
    let (mut conn, _) = open(&dir.path().join("o.sqlite"), t0()).unwrap();
    record_one(&mut conn, r#"{"a":1}"#, "s-1", t0());
    let h = health(&conn, t0() + chrono::Duration::hours(2)).unwrap();
    assert_eq!(h.submissions, 1);
    assert_eq!(h.oldest_undelivered_at, Some(t0()));
    assert_eq!(h.oldest_undelivered_age_secs, Some(7200));
    assert_eq!(
        h.counts,
        vec![
            StateCount {
                destination: Destination::Dhis2,
                state: DeliveryState::Pending,
                count: 1
            },
            StateCount {
                destination: Destination::Lmis,
                state: DeliveryState::Pending,
                count: 1
            },
        ]
    );
    // Mark the DHIS2 part delivered: the form is still undelivered (LMIS pending).
    conn.execute(
        "UPDATE deliveries SET state = 'delivered' WHERE destination = 'dhis2'",
        [],
    )
    .unwrap();
    assert_eq!(
        list(&conn, Some(DeliveryState::Delivered), 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        list(&conn, Some(DeliveryState::Pending), 10).unwrap().len(),
        1
    );
    assert_eq!(
        list(&conn, Some(DeliveryState::Rejected), 10)
            .unwrap()
            .len(),
        0
    );
    let st = submission_status(&conn, "s-1").unwrap().unwrap();
    assert_eq!(st.overall, DeliveryState::Pending);
    assert_eq!(st.destinations[0].delivered_revision, Some(1));
    conn.execute("UPDATE deliveries SET state = 'delivered'", [])
        .unwrap();
    let h = health(&conn, t0()).unwrap();
    assert_eq!(h.oldest_undelivered_at, None);
    assert_eq!(
        submission_status(&conn, "s-1").unwrap().unwrap().overall,
        DeliveryState::Delivered
    );
}

#[test]
fn a_damaged_database_is_moved_aside_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    let garbage = b"this is not a database, but it may be the only copy of something".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let (mut conn, notice) = open(&path, t0()).unwrap();
    let notice = notice.expect("a notice about the damaged file");
    assert_eq!(
        std::fs::read(&notice.moved_aside).unwrap(),
        garbage,
        "the old bytes are kept"
    );
    assert!(
        notice
            .moved_aside
            .to_string_lossy()
            .contains("o.sqlite.damaged-20261101T080000")
    );
    // The new database works.
    record_one(&mut conn, "{}", "s-1", t0());
}

#[test]
fn a_corrupted_page_is_detected_and_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    {
        let (mut conn, _) = open(&path, t0()).unwrap();
        for i in 0..200 {
            record_one(
                &mut conn,
                &format!(r#"{{"i":{i},"pad":"{}"}}"#, "x".repeat(300)),
                &format!("s-{i}"),
                t0(),
            );
        }
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
    }
    // Overwrite the middle of the file (past the header) with noise.
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 40_000);
    for b in &mut bytes[20_000..36_000] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let (_conn, notice) = open(&path, t0()).unwrap();
    let notice = notice.expect("damage detected");
    assert_eq!(std::fs::read(&notice.moved_aside).unwrap(), bytes);
}

#[test]
fn a_database_from_a_newer_build_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    {
        let (mut conn, _) = open(&path, t0()).unwrap();
        record_one(&mut conn, "{}", "s-1", t0());
        conn.pragma_update(None, "user_version", migrations::latest_version() + 1)
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = open(&path, t0()).unwrap_err();
    assert!(matches!(err, Error::DatabaseTooNew { .. }), "{err}");
    let public = crate::error::AgentError::from(err);
    assert!(public.to_string().contains("Update the app"), "{public}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("damaged"))
    );
}

/// The schema of a database: every table, index and trigger's SQL, sorted.
fn schema(conn: &Connection) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn upgrading_a_first_schema_database_equals_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    // A database made by the first schema, with data in it.
    let old = dir.path().join("old.sqlite");
    {
        let mut conn = Connection::open(&old).unwrap();
        configure(&conn).unwrap();
        migrations::migrate_to(&mut conn, 1).unwrap();
        assert_eq!(migrations::version(&conn).unwrap(), 1);
        record_one(&mut conn, r#"{"kept":true}"#, "s-1", t0());
    }
    let (upgraded, _) = open(&old, t0()).unwrap();
    let (fresh, _) = open(&dir.path().join("fresh.sqlite"), t0()).unwrap();
    assert_eq!(
        migrations::version(&upgraded).unwrap(),
        migrations::latest_version()
    );
    assert_eq!(schema(&upgraded), schema(&fresh));
    assert_eq!(
        revisions(&upgraded, "s-1").unwrap()[0].content,
        r#"{"kept":true}"#
    );
}

#[test]
fn upgrading_to_schema_four_counts_what_was_already_there() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.sqlite");
    let mut conn = Connection::open(&old).unwrap();
    configure(&conn).unwrap();
    migrations::migrate_to(&mut conn, 3).unwrap();
    record_one(&mut conn, r#"{"a":1}"#, "s-1", t0());
    // A correction of s-1 (revision 2), and a second form.
    record_one(&mut conn, r#"{"a":2}"#, "unused", t0());
    let mut second = new_rev(r#"{"b":1}"#, "hash-b", "s-2", t0());
    second.period = "202609";
    let tx = conn.transaction().unwrap();
    record(&tx, &second).unwrap();
    tx.commit().unwrap();
    conn.execute(
        "UPDATE deliveries SET state = 'delivered' WHERE destination = 'dhis2'",
        [],
    )
    .unwrap();
    let before = counts_by_scan(&conn);
    drop(conn);
    let (upgraded, _) = open(&old, t0()).unwrap();
    let h = health(&upgraded, t0()).unwrap();
    assert_eq!(h.submissions, 2);
    assert_eq!(h.counts, before);
    assert!(
        h.counts
            .iter()
            .any(|c| c.state == DeliveryState::Delivered && c.count == 2),
        "{:?}",
        h.counts
    );
}

#[test]
fn durability_settings_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let (conn, _) = open(&dir.path().join("o.sqlite"), t0()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let sync: i64 = conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
}

/// Health's counts, as a full scan would give them.
fn counts_by_scan(conn: &Connection) -> Vec<StateCount> {
    let mut stmt = conn
        .prepare(
            "SELECT d.destination, d.state, COUNT(*) FROM deliveries d
             JOIN submissions s ON s.id = d.submission_id AND s.latest_revision = d.revision
             GROUP BY d.destination, d.state ORDER BY d.destination, d.state",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })
    .unwrap()
    .map(|r| {
        let (d, s, n) = r.unwrap();
        StateCount {
            destination: d.parse().unwrap(),
            state: s.parse().unwrap(),
            count: n as u64,
        }
    })
    .collect()
}

#[test]
fn health_totals_match_a_full_count_through_outcomes_and_corrections() {
    let dir = tempfile::tempdir().unwrap();
    let (mut conn, _) = open(&dir.path().join("o.sqlite"), t0()).unwrap();
    let mut rng = fastrand::Rng::with_seed(11);
    let states = [
        "pending",
        "in_flight",
        "delivered",
        "rejected",
        "superseded",
        "waiting",
    ];
    let mut ids: Vec<String> = Vec::new();
    for step in 0..400 {
        match rng.u8(0..10) {
            // A new form.
            0..=2 => {
                let id = format!("s-{step:04}");
                let hash = sha256_hex(id.as_bytes());
                let period = format!("2026{:02}", 1 + step % 12);
                let mut r = new_rev(&id, &hash, &id, t0());
                r.period = &period;
                let facility = format!("HP-{step}");
                r.facility = &facility;
                let tx = conn.transaction().unwrap();
                record(&tx, &r).unwrap();
                tx.commit().unwrap();
                ids.push(id);
            }
            // A correction of a form (a new revision; pending and waiting
            // deliveries of older ones are superseded).
            3..=4 if !ids.is_empty() => {
                let id = ids[rng.usize(..ids.len())].clone();
                let (facility, period): (String, String) = conn
                    .query_row(
                        "SELECT facility, period FROM submissions WHERE id = ?1",
                        [&id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                let content = format!("{id}-{step}");
                let hash = sha256_hex(content.as_bytes());
                let mut r = new_rev(&content, &hash, "unused", t0());
                r.facility = &facility;
                r.period = &period;
                let tx = conn.transaction().unwrap();
                record(&tx, &r).unwrap();
                tx.commit().unwrap();
            }
            // An outcome: any delivery (latest or not) to any state.
            _ => {
                let n: i64 = conn
                    .query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))
                    .unwrap();
                if n > 0 {
                    let (id, rev, dest): (String, u32, String) = conn
                        .query_row(
                            "SELECT submission_id, revision, destination FROM deliveries
                             ORDER BY submission_id, revision, destination LIMIT 1 OFFSET ?1",
                            [rng.i64(0..n)],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .unwrap();
                    conn.execute(
                        "UPDATE deliveries SET state = ?4 WHERE submission_id = ?1 AND revision = ?2 AND destination = ?3",
                        params![id, rev, dest, states[rng.usize(..states.len())]],
                    )
                    .unwrap();
                }
            }
        }
        let h = health(&conn, t0()).unwrap();
        assert_eq!(h.counts, counts_by_scan(&conn), "after step {step}");
        assert_eq!(h.submissions, ids.len() as u64);
    }
    // Corrections and both counted states did occur.
    let totals: i64 = conn
        .query_row("SELECT COALESCE(SUM(n), 0) FROM delivery_totals", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(totals > 0);
    let corrected: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM submissions WHERE latest_revision > 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(corrected > 0);
}

#[test]
fn an_empty_database_file_is_moved_aside_and_reported_until_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    std::fs::write(&path, b"").unwrap();
    let (mut conn, notice) = open(&path, t0()).unwrap();
    let notice = notice.expect("an empty file is not silently taken as a new outbox");
    assert!(
        notice.reason.contains("empty (0 bytes)"),
        "{}",
        notice.reason
    );
    assert_eq!(std::fs::metadata(&notice.moved_aside).unwrap().len(), 0);
    let kept = dir.path().join("o.sqlite.damaged-20261101T080000.000Z");
    assert_eq!(notice.moved_aside, kept);
    record_one(&mut conn, "{}", "s-1", t0());
    drop(conn);

    // Every later open still reports it, with the reason recorded at the move.
    for _ in 0..2 {
        let (conn, notice) = open(&path, t0() + chrono::Duration::days(1)).unwrap();
        assert!(notice.is_none(), "moved once only");
        let copies = damaged_copies(&conn, &path).unwrap();
        assert_eq!(copies.len(), 1, "{copies:?}");
        assert_eq!(copies[0].path, kept);
        assert_eq!(copies[0].moved_at, Some(t0()));
        assert!(
            copies[0]
                .message
                .contains(&format!("sqlite3 {} .recover", kept.display())),
            "{}",
            copies[0].message
        );
        assert!(copies[0].message.contains("empty (0 bytes)"));
    }

    // Acknowledged: no longer reported; the file stays.
    let (mut conn, _) = open(&path, t0()).unwrap();
    let tx = conn.transaction().unwrap();
    let acked = acknowledge_damaged(&tx, &path, t0()).unwrap();
    tx.commit().unwrap();
    assert_eq!(acked.len(), 1);
    assert_eq!(damaged_copies(&conn, &path).unwrap(), vec![]);
    assert!(kept.exists());
    assert_eq!(submission_status(&conn, "s-1").unwrap().unwrap().id, "s-1");
}

#[test]
fn a_new_outbox_opens_silently_with_nothing_to_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("o.sqlite");
    let (conn, notice) = open(&path, t0()).unwrap();
    assert!(notice.is_none());
    assert_eq!(damaged_copies(&conn, &path).unwrap(), vec![]);
    drop(conn);
    let (conn, notice) = open(&path, t0()).unwrap();
    assert!(notice.is_none());
    assert_eq!(damaged_copies(&conn, &path).unwrap(), vec![]);
}

#[test]
fn a_copy_found_in_the_folder_is_reported_and_a_second_damage_keeps_the_first_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    // A copy moved aside by an older build (no row in damaged_copies), with
    // its WAL: the WAL is not a second copy.
    let old = dir.path().join("o.sqlite.damaged-20260101T000000.000Z");
    std::fs::write(&old, b"old bytes").unwrap();
    std::fs::write(
        dir.path().join("o.sqlite.damaged-20260101T000000.000Z-wal"),
        b"w",
    )
    .unwrap();
    // Two damaged files moved aside within the same millisecond.
    std::fs::write(&path, b"garbage one ".repeat(100)).unwrap();
    let (conn, first) = open(&path, t0()).unwrap();
    drop(conn);
    std::fs::write(&path, b"garbage two ".repeat(100)).unwrap();
    let (conn, second) = open(&path, t0()).unwrap();
    let (first, second) = (first.unwrap().moved_aside, second.unwrap().moved_aside);
    assert_ne!(first, second, "the first copy is not replaced");
    assert_eq!(std::fs::read(&first).unwrap(), b"garbage one ".repeat(100));
    assert_eq!(std::fs::read(&second).unwrap(), b"garbage two ".repeat(100));
    let listed: Vec<PathBuf> = damaged_copies(&conn, &path)
        .unwrap()
        .into_iter()
        .map(|c| c.path)
        .collect();
    assert_eq!(listed, vec![old.clone(), first, second]);
    let found = &damaged_copies(&conn, &path).unwrap()[0];
    assert_eq!(found.reason, None);
    assert_eq!(
        found.moved_at,
        Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
    );
}

#[test]
fn a_checkpoint_puts_committed_forms_in_the_main_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    drop(open(&path, t0()).unwrap());
    // A holds the database open (as a sync would), so B's close cannot
    // checkpoint; B records and checkpoints as submit does.
    let (holder, _) = open(&path, t0()).unwrap();
    let _: i64 = holder
        .query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0))
        .unwrap();
    let (mut b, _) = open(&path, t0()).unwrap();
    record_one(&mut b, r#"{"confirmed":true}"#, "s-1", t0());
    assert!(checkpoint(&b).unwrap(), "nothing holds older frames");
    drop(b);
    // The main file alone (what is left when the WAL is lost) holds the form.
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&path, &copy).unwrap();
    let (c, notice) = open(&copy, t0()).unwrap();
    assert!(notice.is_none());
    assert!(submission_status(&c, "s-1").unwrap().is_some());
    drop(holder);
}

#[cfg(unix)]
#[test]
fn a_new_outbox_and_its_folder_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("agent");
    let path = folder.join("o.sqlite");
    let (mut conn, _) = open(&path, t0()).unwrap();
    record_one(&mut conn, "{}", "s-1", t0());
    let mode = |p: &Path| {
        format!(
            "{:o}",
            std::fs::metadata(p).unwrap().permissions().mode() & 0o777
        )
    };
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let shm = PathBuf::from(format!("{}-shm", path.display()));
    assert_eq!(
        [mode(&folder), mode(&path), mode(&wal), mode(&shm)],
        ["700", "600", "600", "600"],
        "folder, database, -wal, -shm"
    );
    drop(conn);
    // An outbox an older build left readable by others is tightened.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(open(&path, t0()).unwrap());
    assert_eq!(mode(&path), "600");
}

#[test]
fn a_read_only_open_reads_the_queue_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.sqlite");
    {
        let (mut conn, _) = open(&path, t0()).unwrap();
        record_one(&mut conn, "{}", "s-1", t0());
    }
    // (A real read-only file system: cli-sim/tests/sim/storage.rs.)
    let conn = open_read_only(&path, None).unwrap();
    assert!(conn.is_readonly(rusqlite::MAIN_DB).unwrap());
    assert_eq!(health(&conn, t0()).unwrap().submissions, 1);
    let err = conn
        .execute("DELETE FROM outbox_totals", [])
        .map_err(Error::from)
        .unwrap_err();
    assert!(
        matches!(
            crate::error::AgentError::from(err),
            crate::error::AgentError::StorageUnavailable { .. }
        ),
        "writes are refused as storage unavailable"
    );
}

/// Issue 17: only deliveries set aside because this device could not
/// build them are re-planned for release; a wait for another reason (a
/// period not complete, earlier reports first) or for an unreadable
/// content is never taken for one, whatever its text says.
#[test]
fn only_forms_set_aside_as_unbuildable_are_offered_for_release() {
    use crate::model::delivery::plain_text;
    use crate::store::stranded::{
        CANNOT_BUILD, UNREADABLE, release, unbuildable, wait_unbuildable,
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut conn, _) = open(&dir.path().join("o.sqlite"), t0()).unwrap();
    for (n, (id, facility)) in [("id-a", "HP-001"), ("id-b", "HP-002"), ("id-c", "HP-003")]
        .into_iter()
        .enumerate()
    {
        let content = format!(r#"{{"v":{n}}}"#);
        let hash = sha256_hex(content.as_bytes());
        let tx = conn.transaction().unwrap();
        let mut rev = new_rev(&content, &hash, id, t0());
        rev.facility = facility;
        record(&tx, &rev).unwrap();
        tx.commit().unwrap();
    }
    let tx = conn.transaction().unwrap();
    let why = "the form 'chw-monthly' is no longer defined on this device";
    assert!(
        wait_unbuildable(
            &tx,
            t0(),
            ("id-a", 1, Destination::Dhis2),
            &plain_text(why),
            CANNOT_BUILD
        )
        .unwrap()
    );
    // The same reason again writes nothing.
    assert!(
        !wait_unbuildable(
            &tx,
            t0(),
            ("id-a", 1, Destination::Dhis2),
            &plain_text(why),
            CANNOT_BUILD
        )
        .unwrap()
    );
    // Another wait, with the same words in its reason.
    crate::store::deliveries::set_state(
        &tx,
        t0(),
        ("id-b", 1, Destination::Dhis2),
        DeliveryState::Waiting,
        None,
        Some(why),
        "waiting",
        Some("waiting for 2026-11 of 2026Q4"),
    )
    .unwrap();
    assert!(
        wait_unbuildable(
            &tx,
            t0(),
            ("id-c", 1, Destination::Dhis2),
            &plain_text("unreadable"),
            UNREADABLE
        )
        .unwrap()
    );
    tx.commit().unwrap();
    // A note that changes no state after the wait (as an escrow export
    // writes) does not hide what the form waits for.
    conn.execute(
        "INSERT INTO audit (at, submission_id, revision, destination, event, from_state, to_state, detail)
         VALUES ('2026-01-01T00:00:00Z', 'id-a', 1, 'dhis2', 'escrow_exported', NULL, NULL, 'exported to an escrow file')",
        [],
    )
    .unwrap();
    assert!(
        crate::store::stranded::waits_for(&conn, ("id-a", 1, Destination::Dhis2), CANNOT_BUILD)
            .unwrap()
    );
    let found: Vec<(String, u32)> = unbuildable(&conn, Destination::Dhis2)
        .unwrap()
        .into_iter()
        .map(|u| (u.submission_id, u.revision))
        .collect();
    assert_eq!(found, vec![("id-a".to_string(), 1)]);
    assert!(unbuildable(&conn, Destination::Lmis).unwrap().is_empty());
    // Released: pending again, no longer offered.
    let tx = conn.transaction().unwrap();
    release(&tx, t0(), ("id-a", 1, Destination::Dhis2)).unwrap();
    tx.commit().unwrap();
    assert!(unbuildable(&conn, Destination::Dhis2).unwrap().is_empty());
    let (state, error) =
        crate::store::deliveries::state_and_error(&conn, ("id-a", 1, Destination::Dhis2)).unwrap();
    assert_eq!((state, error.as_str()), (DeliveryState::Pending, ""));
}

// Issue 15, stored messages (wt-15c): a row written before schema 7 has
// only English text; read after the upgrade, it still shows in Swahili
// (the fallback that finds the message from that text).
#[test]
fn a_refusal_and_a_hold_stored_before_schema_seven_still_show_in_swahili() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.sqlite");
    {
        let mut conn = Connection::open(&old).unwrap();
        configure(&conn).unwrap();
        migrations::migrate_to(&mut conn, 6).unwrap();
        record_one(&mut conn, r#"{"a":1}"#, "s-1", t0());
        // As the agent of schema 6 stored a refusal and a hold: English only
        // (the texts as that agent wrote them).
        conn.execute(
            "UPDATE deliveries SET state = 'rejected',
                 last_error = 'refused as a whole; service.malaria_tested: DHIS2 has closed this period for data entry. Ask the district data officer to open it (a lock exception), then send again.'
             WHERE destination = 'dhis2'",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO field_problems (submission_id, revision, destination, field, code, server_message, advice)
             VALUES ('s-1', 1, 'dhis2', 'service.malaria_tested', 'E7640', 'Period closed',
                     'DHIS2 has closed this period for data entry. Ask the district data officer to open it (a lock exception), then send again.')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO destinations (destination, hold) VALUES ('lmis', 'the LMIS refused the sign-in')",
            [],
        )
        .unwrap();
    }
    let (conn, _) = open(&old, t0()).unwrap();
    assert_eq!(migrations::version(&conn).unwrap(), 7);
    let s = submission_status(&conn, "s-1").unwrap().unwrap();
    let dhis2 = &s.destinations[0];
    assert_eq!(dhis2.destination, Destination::Dhis2);
    assert_eq!(dhis2.last_error_msg, None, "an old row has no message");
    let line = dhis2.last_error_message().unwrap();
    let advice = dhis2.problems[0].advice_message();
    // Hand-written from locales/sw/sync.ftl.
    assert_eq!(
        crate::model::i18n::render(&line, "sw"),
        "imekataliwa yote (sehemu 1); la kufanya liko hapa chini."
    );
    assert_eq!(
        crate::model::i18n::render(&advice, "sw"),
        "DHIS2 imefunga kipindi hiki kwa kuingiza data. Mwombe afisa wa takwimu wa wilaya akifungue (ruhusa ya kipindi kilichofungwa), kisha tuma tena."
    );
    // An old hold's words are shown as they are.
    let lmis = &s.destinations[1];
    assert_eq!(lmis.held_msg, None);
    assert_eq!(
        lmis.held_message()
            .map(|m| crate::model::i18n::render(&m, "sw")),
        Some("the LMIS refused the sign-in".to_string())
    );
}
