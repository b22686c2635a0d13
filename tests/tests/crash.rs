//! The crash test: a child process records a stream of forms and is
//! SIGKILLed at random moments, over and over, on the same database. Every
//! submit that returned (printed `OK`) must be there after the kill, intact
//! (its content hashes to the hash it returned), and `PRAGMA integrity_check`
//! must be ok. This proves survival of a process kill, not of a power cut:
//! the page cache outlives SIGKILL (see ARCHITECTURE.md, the submit
//! invariant, for what guards the durability settings).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use rusqlite::Connection;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn every_returned_submit_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    cli_sim::demo::write_example_setup(dir.path()).unwrap();
    let exe = env!("CARGO_BIN_EXE_submit-stream");
    let mut rng = fastrand::Rng::with_seed(20261129);
    let mut returned: Vec<(String, u32, String)> = Vec::new();
    let rounds = 40;
    let mut killed_mid_stream = 0;
    for round in 0..rounds {
        let mut child = Command::new(exe)
            .arg(dir.path())
            .arg(round.to_string())
            .arg("100000")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first_line, started) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.is_empty() {
                    let _ = first_line.send(());
                }
                lines.push(line);
            }
            lines
        });
        // The kill falls at a random moment of the stream, counted from its
        // first answer: opening the outbox takes longer on a loaded machine
        // (or a slower build), and a fixed delay from the start would then
        // kill before the stream began (bounded wait: 30 s).
        let _ = started.recv_timeout(Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(rng.u64(20..150)));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        if !status.success() {
            killed_mid_stream += 1;
        }
        for line in reader.join().unwrap() {
            let parts: Vec<&str> = line.split(' ').collect();
            assert_ne!(
                parts[0], "DAMAGED",
                "round {round}: the database was found damaged: {line}"
            );
            if parts[0] == "OK" {
                returned.push((
                    parts[1].to_string(),
                    parts[2].parse().unwrap(),
                    parts[3].to_string(),
                ));
            }
        }
    }
    assert_eq!(
        killed_mid_stream, rounds,
        "every round must end by SIGKILL, not by running out of work"
    );
    assert!(
        returned.len() > 100,
        "too few submits returned ({}) for the test to mean anything",
        returned.len()
    );

    let conn = Connection::open(dir.path().join("outbox.sqlite")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut missing = Vec::new();
    for (id, rev, hash) in &returned {
        let stored: Option<(String, String)> = conn
            .query_row(
                "SELECT content, content_hash FROM revisions WHERE submission_id = ?1 AND revision = ?2",
                rusqlite::params![id, rev],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        match stored {
            Some((content, stored_hash)) => {
                assert_eq!(
                    &stored_hash, hash,
                    "{id} rev {rev}: hash differs from the one returned"
                );
                assert_eq!(
                    &agent_core::canonical::sha256_hex(content.as_bytes()),
                    hash,
                    "{id} rev {rev}: content altered"
                );
            }
            None => missing.push((id.clone(), *rev)),
        }
    }
    assert!(missing.is_empty(), "returned but lost: {missing:?}");
    // Every revision has its delivery rows, and every submission its latest revision.
    let orphans: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM submissions s WHERE NOT EXISTS
               (SELECT 1 FROM revisions v WHERE v.submission_id = s.id AND v.revision = s.latest_revision)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    let undelivered: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM revisions v WHERE NOT EXISTS
               (SELECT 1 FROM deliveries d WHERE d.submission_id = v.submission_id AND d.revision = v.revision)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(undelivered, 0);
    println!(
        "crash test: {rounds} SIGKILLs, {} submits returned, all present and intact",
        returned.len()
    );
}
