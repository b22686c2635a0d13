//! Damaged, lost or unwritable storage as a field tester meets it, through
//! real `cli-sim` processes (docs/adr/0001-damaged-database-moved-aside.md):
//! a damaged outbox is reported on every command until acknowledged, a
//! confirmed form survives losing the `-wal` file, a read-only outbox can
//! still be listed, and secret files others can read are warned about.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::{Agent, AgentConfig};
use cli_sim::drafts::DraftGen;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    Setup { dir, config }
}

impl Setup {
    fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cli-sim"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap()
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("outbox.sqlite")
    }

    /// A valid draft for last month written to a file (opens the agent once,
    /// so call it before anything holds the database).
    fn draft_file(&self, name: &str, facility: &str, seed: u64) -> String {
        let agent = Agent::open(&AgentConfig::load(&self.config).unwrap()).unwrap();
        let def = agent.form("chw-monthly").unwrap().clone();
        let month =
            agent_core::Period::containing(agent_core::PeriodType::Monthly, agent.clock().today())
                .previous();
        let d = DraftGen::new(seed).draft(&def, facility, &month.iso(), &BTreeMap::new());
        let p = self.dir.path().join(name);
        std::fs::write(&p, serde_json::to_vec(&d).unwrap()).unwrap();
        p.to_string_lossy().into_owned()
    }

    fn record(&self, file: &str) -> String {
        let o = self.cli(&["record", "--file", file, "--confirm-warnings"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o).trim().to_string()
    }

    /// The damaged copies next to the outbox (main files only).
    fn kept_copies(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy().into_owned();
                n.starts_with("outbox.sqlite.damaged-") && !n.ends_with("-wal")
            })
            .collect();
        v.sort();
        v
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn status_json(s: &Setup) -> Value {
    let o = s.cli(&["status", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn ids(status: &Value) -> Vec<String> {
    let mut v: Vec<String> = status["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn a_damaged_outbox_is_reported_on_every_command_until_acknowledged() {
    let s = setup();
    let junk = b"this is not a database, but it may hold last month's report ".repeat(50);
    std::fs::write(s.db(), &junk).unwrap();

    // First command: the file is moved aside.
    let o = s.cli(&["status"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let kept = s.kept_copies();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), junk, "kept, not deleted");
    let kept_shown = kept[0].display().to_string();

    // Every later command, not only the first, says so with the kept path.
    for args in [&["status"][..], &["forms"], &["status", "--json"]] {
        let o = s.cli(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "A damaged copy of the outbox was kept at {kept_shown}"
            )) && err.contains(&format!("sqlite3 {kept_shown} .recover"))
                && err.contains("cli-sim acknowledge-damaged"),
            "{args:?}: warning on stderr: {err}"
        );
    }
    let o = s.cli(&["status"]);
    let out = stdout(&o);
    assert!(out.contains("DAMAGED COPY"), "{out}");
    assert!(
        !out.contains("every form is delivered"),
        "status must not say all is delivered while a damaged copy waits: {out}"
    );
    assert!(out.contains("may hold forms that were never sent"), "{out}");
    let v = status_json(&s);
    let copies = v["damaged_copies"].as_array().unwrap();
    assert_eq!(copies.len(), 1, "{v}");
    assert_eq!(copies[0]["path"], kept_shown.as_str());

    // Acknowledged: quiet again, and the file is still there.
    let o = s.cli(&["acknowledge-damaged"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("acknowledged: {kept_shown}")),
        "{}",
        stdout(&o)
    );
    let o = s.cli(&["status"]);
    assert!(!stderr(&o).contains("damaged"), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("every form is delivered"),
        "{}",
        stdout(&o)
    );
    assert_eq!(status_json(&s)["damaged_copies"], serde_json::json!([]));
    assert_eq!(std::fs::read(&kept[0]).unwrap(), junk);
}

#[test]
fn an_empty_outbox_file_is_moved_aside_and_reported() {
    let s = setup();
    std::fs::write(s.db(), b"").unwrap();
    let v = status_json(&s);
    let kept = s.kept_copies();
    assert_eq!(kept.len(), 1, "an empty file is not taken as a new outbox");
    assert_eq!(std::fs::metadata(&kept[0]).unwrap().len(), 0);
    let copies = v["damaged_copies"].as_array().unwrap();
    assert_eq!(copies.len(), 1, "{v}");
    assert!(
        copies[0]["reason"]
            .as_str()
            .unwrap()
            .contains("empty (0 bytes)"),
        "{v}"
    );
    // A brand-new outbox (no file at all) is silent.
    let fresh = setup();
    let o = fresh.cli(&["status"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o), "");
    assert!(fresh.kept_copies().is_empty());
}

#[test]
fn a_confirmed_form_is_not_lost_with_the_wal() {
    let s = setup();
    let first = s.draft_file("d1.json", "HP-001", 1);
    let second = s.draft_file("d2.json", "HP-002", 2);
    let id1 = s.record(&first);
    // A sync holds the outbox open (here: this process) while another
    // process records a form and prints its id: the form is confirmed.
    let holder = rusqlite::Connection::open(s.db()).unwrap();
    let _: i64 = holder
        .query_row("SELECT COUNT(*) FROM submissions", [], |r| r.get(0))
        .unwrap();
    let id2 = s.record(&second);
    // The sync is killed (the holder never closes) and a copy tool takes the
    // database without its -wal file: what the main file holds is all that is left.
    let copy = setup();
    std::fs::copy(s.db(), copy.db()).unwrap();
    let v = status_json(&copy);
    assert_eq!(
        ids(&v),
        {
            let mut v = vec![id1, id2];
            v.sort();
            v
        },
        "the confirmed form is in the main database file"
    );
    drop(holder);
}

/// Runs `cli-sim` with `dir` read-only: as root, in a private mount namespace
/// where `dir` is bind-mounted read-only (a real read-only file system; root
/// ignores permissions); otherwise with `dir` made unwritable by permissions.
fn cli_read_only(s: &Setup, args: &[&str]) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let dir = s.dir.path();
    if is_root {
        let o = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && touch "$1/probe" 2>/dev/null && exit 97; shift; exec "$@""#)
            .arg("sh")
            .arg(dir)
            .arg(env!("CARGO_BIN_EXE_cli-sim"))
            .arg("--config")
            .arg(&s.config)
            .args(args)
            .output()
            .unwrap();
        assert_ne!(code(&o), 97, "the folder was still writable");
        o
    } else {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        std::fs::set_permissions(s.db(), std::fs::Permissions::from_mode(0o444)).unwrap();
        let o = s.cli(args);
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(s.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
        o
    }
}

#[test]
fn status_reads_the_queue_on_a_read_only_file_system() {
    let s = setup();
    let draft = s.draft_file("d1.json", "HP-001", 1);
    let other = s.draft_file("d2.json", "HP-003", 3);
    let id = s.record(&draft);
    let before = std::fs::read(s.db()).unwrap();

    let o = cli_read_only(&s, &["status", "--json"]);
    assert_eq!(code(&o), 0, "status works read-only: {}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(ids(&v), vec![id.clone()]);
    assert!(stderr(&o).contains("cannot be written"), "{}", stderr(&o));

    // Saving says in plain words that the storage cannot be written.
    let o = cli_read_only(&s, &["record", "--file", &other, "--confirm-warnings"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot be written") && stderr(&o).contains("nothing was changed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(s.db()).unwrap(), before);
    assert!(s.kept_copies().is_empty(), "nothing moved aside");
}

#[test]
fn a_secret_file_others_can_read_is_warned_about_without_the_secret() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    let secret = s.dir.path().join("dhis2-password");
    std::fs::write(&secret, "very-secret-pw\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut text = std::fs::read_to_string(&s.config).unwrap();
    text.push_str(
        "[dhis2]\nurl = \"http://127.0.0.1:9\"\nusername = \"admin\"\npassword_file = \"dhis2-password\"\n",
    );
    std::fs::write(&s.config, text).unwrap();
    let o = s.cli(&["status"]);
    assert_eq!(code(&o), 0, "a warning, not an error: {}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("chmod 600 {}", secret.display())),
        "{err}"
    );
    assert!(!err.contains("very-secret-pw") && !stdout(&o).contains("very-secret-pw"));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(stderr(&s.cli(&["status"])), "");
}

#[test]
fn a_new_outbox_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    let nested = s.dir.path().join("data").join("agent");
    let mut text = std::fs::read_to_string(&s.config).unwrap();
    text = text.replace("outbox.sqlite", "data/agent/outbox.sqlite");
    std::fs::write(&s.config, text).unwrap();
    let draft = s.draft_file("d1.json", "HP-001", 1);
    s.record(&draft);
    let mode = |p: &Path| {
        format!(
            "{:o}",
            std::fs::metadata(p).unwrap().permissions().mode() & 0o777
        )
    };
    let db = nested.join("outbox.sqlite");
    assert_eq!(
        [mode(&s.dir.path().join("data")), mode(&nested), mode(&db),],
        ["700", "700", "600"],
        "folders and database: owner only"
    );
}
