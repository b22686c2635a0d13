//! Escrow export and import between two outboxes (no network).

use super::*;
use crate::{Agent, FacilityMap, FixedClock, FormSet};
use chrono::TimeZone;
use std::sync::Arc;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn open(dir: &Path, name: &str) -> Agent {
    let forms =
        FormSet::load_dir(&root().join("schemas/forms")).unwrap_or_else(|e| panic!("{e:?}"));
    let map = FacilityMap::load(&root().join("schemas/facilities/example.json"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0)
            .single()
            .unwrap_or_else(|| panic!("date")),
    ));
    Agent::open_parts(&dir.join(name), forms, map, clock).unwrap_or_else(|e| panic!("{e}"))
}

/// A key pair made here (the tests do not use the code under test's
/// `generate_key`, except the test of it).
#[allow(deprecated)]
fn key() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    (
        id.to_string().expose_secret().to_string(),
        id.to_public().to_string(),
    )
}

fn draft(facility: &str, deliveries: u32) -> Vec<u8> {
    std::fs::read_to_string(root().join("schemas/examples/draft-maternal-valid.json"))
        .unwrap_or_else(|e| panic!("{e}"))
        .replace("HP-002", facility)
        .replace(
            "\"deliveries\": 14",
            &format!("\"deliveries\": {deliveries}"),
        )
        .into_bytes()
}

fn submit(a: &Agent, bytes: &[u8]) -> crate::Receipt {
    a.submit_json(bytes, true).unwrap_or_else(|e| panic!("{e}"))
}

fn export(a: &Agent, public: &str) -> Vec<u8> {
    let mut out = Vec::new();
    a.export_unsent(public, &mut out)
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

/// Re-encrypts a document (the tests' stand-in for someone editing a file).
fn seal(doc: &EscrowFile, public: &str) -> Vec<u8> {
    let plain = serde_json::to_vec(doc).unwrap_or_else(|e| panic!("{e}"));
    let r = parse_recipient(public).unwrap_or_else(|e| panic!("{e}"));
    let enc = age::Encryptor::with_recipients(std::iter::once(&*r as _))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap_or_else(|e| panic!("{e}"));
    w.write_all(&plain).unwrap_or_else(|e| panic!("{e}"));
    w.finish().unwrap_or_else(|e| panic!("{e}"));
    out
}

fn raw(a: &Agent, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(a.database_path()).unwrap_or_else(|e| panic!("{e}"));
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}"));
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn an_import_keeps_ids_revisions_and_hashes_and_queues_every_destination() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (secret, public) = key();
    let a = open(dir.path(), "a.sqlite");
    let first = submit(&a, &draft("HP-002", 14));
    let fixed = submit(&a, &draft("HP-002", 15));
    let other = submit(&a, &draft("HP-003", 19));
    assert_eq!((fixed.id.as_str(), fixed.revision), (first.id.as_str(), 2));
    let file = export(&a, &public);
    assert!(file.starts_with(b"age-encryption.org/v1\n"));
    assert!(!String::from_utf8_lossy(&file).contains("HP-002"));
    // The exporting device now looks its LMIS deliveries up before sending.
    assert_eq!(
        raw(
            &a,
            "SELECT submission_id || '/' || revision FROM deliveries WHERE destination = 'lmis' AND unknown_outcome = 1 ORDER BY 1"
        ),
        {
            let mut v = vec![format!("{}/2", first.id), format!("{}/1", other.id)];
            v.sort();
            v
        }
    );

    let b = open(dir.path(), "b.sqlite");
    let report = b
        .import(&file, secret.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    // Revision 1 (superseded at A) comes along: the LMIS correction is the
    // difference from what the LMIS holds.
    assert_eq!(report.imported.len(), 3);
    assert!(report.skipped.is_empty());
    // Revision 2 of HP-002 and revision 1 of HP-003, each to DHIS2 and the LMIS.
    assert_eq!(report.queued, 4);
    for (r, hash) in [(&fixed, &fixed.content_hash), (&other, &other.content_hash)] {
        let detail = b.inspect(&r.id).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(detail.status.id, r.id);
        let last = detail.revisions.last().unwrap_or_else(|| panic!("none"));
        assert_eq!((last.revision, &last.content_hash), (r.revision, hash));
    }
    assert_eq!(
        raw(
            &b,
            &format!(
                "SELECT revision || ' ' || destination || ' ' || state || ' ' || unknown_outcome
             FROM deliveries ORDER BY submission_id = '{}' DESC, revision, destination",
                first.id
            )
        ),
        [
            "1 dhis2 superseded 0",
            "1 lmis superseded 0",
            "2 dhis2 pending 0",
            "2 lmis pending 1",
            "1 dhis2 pending 0",
            "1 lmis pending 1",
        ]
    );
    // A second import of the same file changes nothing and says so.
    let again = b
        .import(&file, secret.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.imported.is_empty());
    assert_eq!(again.skipped.len(), 3);
    assert_eq!(again.queued, 0);
}

#[test]
fn a_tampered_entry_is_refused_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (secret, public) = key();
    let a = open(dir.path(), "a.sqlite");
    submit(&a, &draft("HP-002", 14));
    submit(&a, &draft("HP-003", 19));
    let mut doc =
        decrypt(&export(&a, &public), secret.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.entries.len(), 2);
    // The second entry's figures changed, its hash left as it was.
    let before = doc.entries[1].content.clone();
    doc.entries[1].content = before.replace("\"deliveries\":", "\"deliveries\":1");
    assert_ne!(doc.entries[1].content, before);
    let tampered = seal(&doc, &public);
    let b = open(dir.path(), "b.sqlite");
    let err = b
        .import(&tampered, secret.as_bytes())
        .err()
        .unwrap_or_else(|| panic!("a tampered file was imported"));
    let msg = err.to_string();
    assert!(matches!(err, AgentError::EscrowRefused { .. }), "{err:?}");
    assert!(msg.contains("does not match its content hash"), "{msg}");
    assert!(msg.contains("nothing was imported"), "{msg}");
    // Not even the intact first entry.
    assert_eq!(b.health().unwrap_or_else(|e| panic!("{e}")).submissions, 0);
}

#[test]
fn same_id_and_revision_with_other_contents_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (secret, public) = key();
    let a = open(dir.path(), "a.sqlite");
    let r = submit(&a, &draft("HP-002", 14));
    let file = export(&a, &public);
    let b = open(dir.path(), "b.sqlite");
    b.import(&file, secret.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    // The same id and revision with other figures (and a matching hash).
    let mut doc = decrypt(&file, secret.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let e = &mut doc.entries[0];
    e.content = e.content.replace("\"deliveries\":14", "\"deliveries\":12");
    e.content_hash = sha256_hex(e.content.as_bytes());
    let err = b
        .import(&seal(&doc, &public), secret.as_bytes())
        .err()
        .unwrap_or_else(|| panic!("a conflict was imported"));
    let msg = err.to_string();
    assert!(msg.contains("other contents"), "{msg}");
    assert!(msg.contains(&r.id), "{msg}");
    assert!(msg.contains("as a correction"), "{msg}");
    let stored = b.inspect(&r.id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.revisions.len(), 1);
    assert_eq!(stored.revisions[0].content_hash, r.content_hash);
}

#[test]
fn a_form_this_device_holds_under_another_id_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (secret, public) = key();
    let a = open(dir.path(), "a.sqlite");
    submit(&a, &draft("HP-002", 14));
    submit(&a, &draft("HP-001", 17));
    let b = open(dir.path(), "b.sqlite");
    let own = submit(&b, &draft("HP-002", 16));
    let err = b
        .import(&export(&a, &public), secret.as_bytes())
        .err()
        .unwrap_or_else(|| panic!("imported next to its own form"));
    let msg = err.to_string();
    assert!(msg.contains("already holds its own form"), "{msg}");
    assert!(msg.contains(&own.id), "{msg}");
    // HP-001 was not imported either.
    assert_eq!(b.health().unwrap_or_else(|e| panic!("{e}")).submissions, 1);
}

#[test]
fn the_wrong_key_or_a_bad_key_is_told_in_words() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (_, public) = key();
    let (other_secret, _) = key();
    let a = open(dir.path(), "a.sqlite");
    submit(&a, &draft("HP-002", 14));
    let file = export(&a, &public);
    let b = open(dir.path(), "b.sqlite");
    let msg = b
        .import(&file, other_secret.as_bytes())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("not encrypted to the key"), "{msg}");
    let msg = b
        .import(&file, b"not a key")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("no age secret key"), "{msg}");
    let mut out = Vec::new();
    let msg = a
        .export_unsent("ssh-ed25519 AAAA", &mut out)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("not an age public key"), "{msg}");
    assert!(out.is_empty());
    // A cut file does not decrypt whole.
    let msg = b
        .import(&file[..file.len() - 10], other_secret.as_bytes())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(!msg.is_empty());
}

#[test]
fn an_export_file_holds_only_encrypted_bytes_and_no_temporary_file_stays() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (file_text, public) = generate_key(Utc::now());
    assert!(public.starts_with("age1"));
    let a = open(dir.path(), "a.sqlite");
    let r = submit(&a, &draft("HP-002", 14));
    let path = dir.path().join("escrow.age");
    let s = a
        .export_to_file(&public, ExportScope::All, &path)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.forms, s.revisions, s.undelivered), (1, 1, 1));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for clear in ["HP-002", "hp-maternal", &r.id] {
        assert!(!String::from_utf8_lossy(&bytes).contains(clear), "{clear}");
    }
    assert!(!dir.path().join("escrow.age.tmp").exists());
    // A second export to the same name is refused; the first file stays.
    let msg = a
        .export_to_file(&public, ExportScope::All, &path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("never overwritten"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap_or_default(), bytes);
    assert!(!dir.path().join("escrow.age.tmp").exists());
    let key_path = dir.path().join("district.key");
    std::fs::write(&key_path, file_text).unwrap_or_else(|e| panic!("{e}"));
    let b = open(dir.path(), "b.sqlite");
    let rep = b
        .import_file(&path, &key_path)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rep.imported.len(), 1);
}
