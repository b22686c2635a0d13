//! Encryption at rest through real `cli-sim` processes (issue 17 item 4,
//! docs/adr/0005): `[storage] key_file` in agent.toml encrypts an existing
//! plain outbox in place; a key file others can read, a wrong key and a
//! missing key are each refused with exit code 3 and the outbox untouched
//! (never moved aside as damaged).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::{Agent, AgentConfig};
use cli_sim::drafts::DraftGen;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY_HEX: &str = "3f8a1c2e9b7d4f6051a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8";
const OTHER_KEY_HEX: &str = "a8f7e6d5c4b3a2918070f6e5d4c3b2a1908f7e6d5c4b3a2918070f6e5d4c3b2a";

fn cli(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Files next to the outbox whose name says "damaged".
fn damaged(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".damaged-"))
        .collect()
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_key_file_in_agent_toml_encrypts_the_outbox_and_a_wrong_or_missing_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    let plain_config = std::fs::read_to_string(&config).unwrap();
    let db = dir.path().join("outbox.sqlite");

    // A form recorded while the outbox is plain.
    let draft = {
        let agent = Agent::open(&AgentConfig::load(&config).unwrap()).unwrap();
        let def = agent.form("chw-monthly").unwrap().clone();
        let month =
            agent_core::Period::containing(agent_core::PeriodType::Monthly, agent.clock().today())
                .previous();
        let d = DraftGen::new(5).draft(&def, "HP-001", &month.iso(), &BTreeMap::new());
        let p = dir.path().join("draft.json");
        std::fs::write(&p, serde_json::to_vec(&d).unwrap()).unwrap();
        p
    };
    let o = cli(
        &config,
        &[
            "record",
            "--file",
            draft.to_str().unwrap(),
            "--confirm-warnings",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let id = text(&o.stdout).trim().to_string();
    assert_eq!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");

    // The key file named in agent.toml: the outbox is encrypted in place.
    let key_file = dir.path().join("outbox.key");
    std::fs::write(&key_file, format!("{KEY_HEX}\n")).unwrap();
    set_mode(&key_file, 0o600);
    std::fs::write(
        &config,
        format!("{plain_config}\n[storage]\nkey_file = \"outbox.key\"\n"),
    )
    .unwrap();
    let o = cli(&config, &["status", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&id),
        "the form is gone: {}",
        text(&o.stdout)
    );
    let bytes = std::fs::read(&db).unwrap();
    assert_ne!(&bytes[..16], b"SQLite format 3\0", "still plain");
    assert!(!bytes.windows(6).any(|w| w == b"HP-001"));

    // A key file its group can read: exit 3, chmod named, nothing touched.
    set_mode(&key_file, 0o640);
    let o = cli(&config, &["status"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("chmod 600"), "{}", text(&o.stderr));
    set_mode(&key_file, 0o600);

    // Another key: exit 3, the message says what to do; not moved aside.
    std::fs::write(&key_file, format!("{OTHER_KEY_HEX}\n")).unwrap();
    let o = cli(&config, &["status"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("the key does not open this outbox"), "{err}");
    assert!(
        !err.contains(KEY_HEX) && !err.contains(OTHER_KEY_HEX),
        "{err}"
    );
    // No key at all: the same refusal.
    std::fs::write(&config, &plain_config).unwrap();
    let o = cli(&config, &["status"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("is encrypted and no key was given"));
    assert_eq!(damaged(dir.path()), Vec::<PathBuf>::new());
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "a refused open changed the outbox"
    );

    // The right key again: the form is there.
    std::fs::write(&key_file, format!("{KEY_HEX}\n")).unwrap();
    std::fs::write(
        &config,
        format!("{plain_config}\n[storage]\nkey_file = \"outbox.key\"\n"),
    )
    .unwrap();
    let o = cli(&config, &["status", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(&id));
}
