//! Encryption of the outbox at rest (issue 17 item 4; ADR 0005): SQLCipher
//! with a raw 256-bit key from the shell.
//!
//! The checks read the file as an attacker would (its bytes), and the
//! database through rusqlite directly (`PRAGMA key` written here), not
//! through the agent's own reading code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::clock::FixedClock;
use agent_core::config::StorageSection;
use agent_core::{Agent, AgentError, FacilityMap, FormSet, OutboxKey};
use rusqlite::types::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Hand-written keys (hex as `openssl rand -hex 32` prints them).
const KEY_HEX: &str = "3f8a1c2e9b7d4f6051a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8";
const OTHER_KEY_HEX: &str = "0000000000000000000000000000000000000000000000000000000000000001";
/// The example drafts' facility code (schemas/examples/draft-chw-valid.json).
const FACILITY_CODE: &str = "HP-001";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn key(hex: &str) -> OutboxKey {
    OutboxKey::parse(hex.as_bytes()).unwrap()
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc(),
    ))
}

fn open(db: &Path, key: Option<OutboxKey>) -> Result<Agent, AgentError> {
    let forms = FormSet::load_dir(&repo().join("schemas/forms")).unwrap();
    let facilities = FacilityMap::load(&repo().join("schemas/facilities/example.json")).unwrap();
    Agent::open_parts_keyed(db, forms, facilities, clock(), key)
}

/// Records the CHW example for `months` periods (2026-10 backwards) and the
/// maternal example once, plus one correction: several tables filled.
fn record(agent: &Agent, months: u32) -> Vec<String> {
    let chw =
        std::fs::read_to_string(repo().join("schemas/examples/draft-chw-valid.json")).unwrap();
    let mut ids = Vec::new();
    for m in 0..months {
        let (y, mo) = if m < 10 {
            (2026, 10 - m)
        } else {
            (2025, 22 - m)
        };
        let text = chw.replace("\"2026-10\"", &format!("\"{y}-{mo:02}\""));
        ids.push(agent.submit_json(text.as_bytes(), true).unwrap().id);
    }
    let corrected = chw.replace("\"malaria_suspected\": 62", "\"malaria_suspected\": 63");
    assert_ne!(corrected, chw);
    agent.submit_json(corrected.as_bytes(), true).unwrap();
    let maternal =
        std::fs::read(repo().join("schemas/examples/draft-maternal-valid.json")).unwrap();
    ids.push(agent.submit_json(&maternal, true).unwrap().id);
    ids
}

/// Every row of every table, read with rusqlite directly.
type Dump = Vec<(String, Vec<Vec<Value>>)>;

fn dump(db: &Path, key_hex: Option<&str>) -> Dump {
    let conn = rusqlite::Connection::open(db).unwrap();
    if let Some(k) = key_hex {
        conn.execute_batch(&format!("PRAGMA key = \"x'{k}'\";"))
            .unwrap();
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            // Every column as the order (some tables have no rowid).
            let n = conn
                .prepare(&format!("SELECT * FROM \"{t}\""))
                .unwrap()
                .column_count();
            let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT * FROM \"{t}\" ORDER BY {}",
                    order.join(", ")
                ))
                .unwrap();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<Result<Vec<Vec<Value>>, _>>()
                .unwrap();
            (t, rows)
        })
        .collect()
}

fn rows(d: &Dump, table: &str) -> usize {
    d.iter()
        .find(|(t, _)| t == table)
        .map_or(0, |(_, r)| r.len())
}

/// The bytes of the database and its WAL, as `cat` would give them.
fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", db.display())) {
        all.extend(wal);
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Files in the outbox's folder other than the database itself.
fn siblings(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("o.sqlite-") && n != "o.sqlite")
        .collect();
    names.sort();
    names
}

#[test]
fn an_encrypted_outbox_has_no_sqlite_header_and_no_facility_code_in_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.sqlite");
    let agent = open(&db, Some(key(KEY_HEX))).unwrap();
    let ids = record(&agent, 3);
    assert_eq!(agent.status(&ids[0]).unwrap().id, ids[0]);
    drop(agent);
    let bytes = file_bytes(&db);
    assert!(bytes.len() >= 4096);
    assert_ne!(
        &bytes[..16],
        b"SQLite format 3\0",
        "the file starts like plain SQLite"
    );
    assert!(
        !contains(&bytes, FACILITY_CODE.as_bytes()),
        "the facility code is in the file's bytes"
    );
    assert!(
        !contains(&bytes, b"chw-monthly"),
        "a form id is in the file's bytes"
    );
    // The same forms in a plain outbox do show it (the check above can fail).
    let plain = dir.path().join("plain.sqlite");
    record(&open(&plain, None).unwrap(), 3);
    let plain_bytes = file_bytes(&plain);
    assert_eq!(&plain_bytes[..16], b"SQLite format 3\0");
    assert!(contains(&plain_bytes, FACILITY_CODE.as_bytes()));
    // Reopened with its key, everything is there.
    let agent = open(&db, Some(key(KEY_HEX))).unwrap();
    for id in &ids {
        assert_eq!(&agent.status(id).unwrap().id, id);
    }
    assert_eq!(agent.list(None, 100).unwrap().len(), ids.len());
}

#[test]
fn a_plain_outbox_is_encrypted_in_place_without_losing_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.sqlite");
    record(&open(&db, None).unwrap(), 12);
    let before = dump(&db, None);
    assert_eq!(
        rows(&before, "submissions"),
        13,
        "12 CHW months + 1 maternal"
    );
    assert_eq!(rows(&before, "revisions"), 14, "one correction");

    let agent = open(&db, Some(key(KEY_HEX))).unwrap();
    assert_eq!(agent.list(None, 100).unwrap().len(), 13);
    drop(agent);
    assert_ne!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
    assert!(!contains(&file_bytes(&db), FACILITY_CODE.as_bytes()));
    let after = dump(&db, Some(KEY_HEX));
    assert_eq!(
        after, before,
        "the encrypted outbox differs from the plain one"
    );
    // No copy of the plain outbox is left next to it.
    assert_eq!(siblings(dir.path()), Vec::<String>::new());
}

#[test]
fn a_migration_killed_before_its_rename_leaves_the_plain_outbox_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.sqlite");
    record(&open(&db, None).unwrap(), 4);
    let before = dump(&db, None);
    // What a process killed half-way through the export leaves: a partly
    // written encrypted copy next to the untouched plain outbox.
    let half = dir.path().join("o.sqlite.encrypting");
    std::fs::write(&half, vec![0x5a; 3 * 4096 + 100]).unwrap();
    // The plain outbox still opens without a key, as it was.
    let agent = open(&db, None).unwrap();
    assert_eq!(agent.list(None, 100).unwrap().len(), 5);
    drop(agent);
    assert_eq!(dump(&db, None), before);
    // With the key, the migration starts again and completes.
    let agent = open(&db, Some(key(KEY_HEX))).unwrap();
    assert_eq!(agent.list(None, 100).unwrap().len(), 5);
    drop(agent);
    assert_eq!(dump(&db, Some(KEY_HEX)), before);
    assert!(!half.exists(), "the half-written copy is removed");
}

#[test]
fn a_wrong_key_is_a_clear_error_and_never_moves_the_outbox_aside() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("o.sqlite");
    record(&open(&db, Some(key(KEY_HEX))).unwrap(), 2);
    let bytes = std::fs::read(&db).unwrap();
    for attempt in [Some(key(OTHER_KEY_HEX)), None] {
        let given = attempt.is_some();
        let err = open(&db, attempt).expect_err("the outbox does not open");
        let AgentError::OutboxKey { message } = &err else {
            panic!("not an OutboxKey error: {err:?}");
        };
        if given {
            assert!(
                message.contains("the key does not open this outbox"),
                "{message}"
            );
            assert!(message.contains("escrow"), "{message}");
        } else {
            assert!(
                message.contains("is encrypted and no key was given"),
                "{message}"
            );
        }
        assert!(!message.contains(KEY_HEX) && !message.contains(OTHER_KEY_HEX));
        // Nothing moved, nothing changed.
        assert_eq!(siblings(dir.path()), Vec::<String>::new(), "{message}");
        assert_eq!(std::fs::read(&db).unwrap(), bytes);
    }
    // The right key still opens it, with all three forms.
    assert_eq!(
        open(&db, Some(key(KEY_HEX)))
            .unwrap()
            .list(None, 10)
            .unwrap()
            .len(),
        3
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_and_an_owner_only_one_is_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("outbox.key");
    std::fs::write(&file, format!("{KEY_HEX}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let storage = StorageSection {
        key_file: Some(file.clone()),
        ..StorageSection::default()
    };
    let err = storage.read_key().expect_err("a world-readable key file");
    let text = err.to_string();
    assert!(text.contains("can be read by other users"), "{text}");
    assert!(text.contains("chmod 600"), "{text}");
    assert!(!text.contains(KEY_HEX), "{text}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(storage.read_key().unwrap(), Some(key(KEY_HEX)));
    // A short secret is not a key.
    std::fs::write(&file, "hunter2\n").unwrap();
    let text = storage.read_key().expect_err("not 256 bits").to_string();
    assert!(text.contains("64 hexadecimal digits"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
