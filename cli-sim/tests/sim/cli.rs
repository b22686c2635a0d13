//! The `cli-sim` commands as a field tester runs them: real processes, real
//! files, exit codes and output checked. Bad input of every kind gets a clear
//! error and leaves what is already saved untouched.

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
            // English unless a test asks for a language.
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .args(args)
            .output()
            .unwrap()
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// A valid draft for last month, as JSON.
    fn valid_draft(&self, facility: &str, seed: u64) -> Value {
        self.valid_draft_months_ago(facility, seed, 1)
    }

    /// A valid draft for the month `back` months before this one, as JSON.
    fn valid_draft_months_ago(&self, facility: &str, seed: u64, back: u32) -> Value {
        let agent = Agent::open(&AgentConfig::load(&self.config).unwrap()).unwrap();
        let def = agent.form("chw-monthly").unwrap().clone();
        let mut month =
            agent_core::Period::containing(agent_core::PeriodType::Monthly, agent.clock().today());
        for _ in 0..back {
            month = month.previous();
        }
        let d = DraftGen::new(seed).draft(&def, facility, &month.iso(), &BTreeMap::new());
        serde_json::to_value(d).unwrap()
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("outbox.sqlite")
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

fn status_json(s: &Setup) -> Vec<Value> {
    let o = s.cli(&["status", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["damaged_copies"], serde_json::json!([]), "{v}");
    serde_json::from_value(v["submissions"].clone()).unwrap()
}

#[test]
fn record_prints_the_id_and_status_json_lists_both_destinations() {
    let s = setup();
    let draft = s.valid_draft("HP-001", 1);
    let f = s.write("d.json", draft.to_string().as_bytes());
    let o = s.cli(&["record", "--file", &f]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = stdout(&o).trim().to_string();
    assert_eq!(uuid_version(&id), Some(7), "a UUIDv7 id: {id}");

    // A double tap gives the same id and writes nothing new.
    let o = s.cli(&["record", "--file", &f]);
    assert_eq!(stdout(&o).trim(), id);
    assert!(stderr(&o).contains("already saved"));

    let rows = status_json(&s);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id);
    assert_eq!(rows[0]["revision"], 1);
    assert_eq!(rows[0]["facility"], "HP-001");
    let dests: Vec<(&str, &str)> = rows[0]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["destination"].as_str().unwrap(),
                d["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(dests, [("dhis2", "pending"), ("lmis", "pending")]);

    // A correction: same form, facility and period, a different number.
    let mut corrected = draft.clone();
    corrected["comment"] = Value::from("recounted");
    let f2 = s.write("d2.json", corrected.to_string().as_bytes());
    let o = s.cli(&["record", "--file", &f2, "--json"]);
    let receipt: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (receipt["id"].as_str(), receipt["revision"].as_u64()),
        (Some(id.as_str()), Some(2))
    );

    // Inspect shows both revisions and the audit trail.
    let o = s.cli(&["inspect", &id, "--json"]);
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["revisions"].as_array().unwrap().len(), 2);
    assert!(
        d["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["event"] == "superseded")
    );
    let o = s.cli(&["status", "--state", "pending"]);
    assert!(stdout(&o).contains(&id));
    let o = s.cli(&["status", "--state", "delivered", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["submissions"], serde_json::json!([]));
}

fn uuid_version(s: &str) -> Option<usize> {
    let parts: Vec<&str> = s.split('-').collect();
    (parts.len() == 5 && s.len() == 36)
        .then(|| usize::from_str_radix(&parts[2][..1], 16).ok())
        .flatten()
}

#[test]
fn a_rejected_draft_exits_2_with_findings_and_saves_nothing() {
    let s = setup();
    let mut draft = s.valid_draft("HP-002", 2);
    draft["stock"]["ORS"]["closing_balance"] =
        Value::from(draft["stock"]["ORS"]["closing_balance"].as_i64().unwrap() + 3);
    draft["service"]["malaria_rdt_positive"] = Value::from("many");
    draft["facility"] = Value::from("HP-404");
    let f = s.write("bad.json", draft.to_string().as_bytes());
    let o = s.cli(&["record", "--file", &f, "--json"]);
    assert_eq!(code(&o), 2);
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["saved"], false);
    let paths: Vec<&str> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "service.malaria_rdt_positive",
            "facility",
            "stock.ORS.closing_balance"
        ]
    );
    // Without --json the findings go to stderr, in words.
    let o = s.cli(&["record", "--file", &f]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("\"many\" is text, not a number; enter a whole number"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("not saved: fix the errors"));
    assert!(status_json(&s).is_empty());
}

/// serde_json keeps the last of two equal keys: the file below reads as a
/// valid form (the second closing balance is the right one), so only the
/// duplicate-key check stands between it and the outbox.
#[test]
fn a_draft_with_a_key_written_twice_is_refused_and_nothing_is_saved() {
    let s = setup();
    let mut draft = s.valid_draft("HP-001", 5);
    let entry = draft["stock"]["ACT-6x1"].as_object_mut().unwrap();
    let closing = entry.remove("closing_balance").unwrap().as_i64().unwrap();
    let text = draft.to_string().replacen(
        "\"ACT-6x1\":{",
        &format!(
            "\"ACT-6x1\":{{\"closing_balance\":{},\"closing_balance\":{closing},",
            closing + 500
        ),
        1,
    );
    assert_ne!(text, draft.to_string());
    let f = s.write("twice.json", text.as_bytes());

    let o = s.cli(&["validate", "--file", &f]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("stock.ACT-6x1.closing_balance appears twice"),
        "{}",
        stdout(&o)
    );

    let o = s.cli(&["record", "--file", &f, "--json"]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["saved"], false);
    let findings: Vec<(&str, &str, &str)> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [("stock.ACT-6x1.closing_balance", "error", "duplicate_key")]
    );
    let o = s.cli(&["record", "--file", &f, "--confirm-warnings"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not saved: fix the errors"),
        "{}",
        stderr(&o)
    );
    assert!(status_json(&s).is_empty());
}

/// The codes of the findings `validate --json` gives for the file `f`.
fn finding_codes(s: &Setup, f: &str) -> Vec<(String, String, String)> {
    let o = s.cli(&["validate", "--file", f, "--json"]);
    serde_json::from_slice::<Vec<Value>>(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)))
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap().to_string();
            (field("path"), field("severity"), field("code"))
        })
        .collect()
}

#[test]
fn a_period_older_than_the_configured_age_needs_confirmation() {
    let s = setup();
    let old = s.write(
        "old.json",
        s.valid_draft_months_ago("HP-001", 6, 14)
            .to_string()
            .as_bytes(),
    );
    let recent = s.write(
        "recent.json",
        s.valid_draft_months_ago("HP-002", 7, 3)
            .to_string()
            .as_bytes(),
    );
    let warned = vec![("period".into(), "warning".into(), "old_period".into())];

    // No [entry] section: twelve months.
    assert_eq!(finding_codes(&s, &old), warned);
    assert_eq!(finding_codes(&s, &recent), vec![]);
    let o = s.cli(&["record", "--file", &old]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("months ago. Check that this is the right period"),
        "{}",
        stderr(&o)
    );
    assert!(status_json(&s).is_empty());
    // A warning: confirmed, the form is saved.
    let o = s.cli(&["record", "--file", &old, "--confirm-warnings"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(status_json(&s).len(), 1);

    // Two months: the form of three months ago is old too.
    let base = std::fs::read_to_string(&s.config).unwrap();
    std::fs::write(
        &s.config,
        format!("{base}[entry]\nmax_period_age_months = 2\n"),
    )
    .unwrap();
    assert_eq!(finding_codes(&s, &recent), warned);
    // 0: never asked.
    std::fs::write(
        &s.config,
        format!("{base}[entry]\nmax_period_age_months = 0\n"),
    )
    .unwrap();
    assert_eq!(finding_codes(&s, &old), vec![]);
    // A value the agent does not accept is a configuration error (exit 3).
    std::fs::write(
        &s.config,
        format!("{base}[entry]\nmax_period_age_months = 1000\n"),
    )
    .unwrap();
    let o = s.cli(&["validate", "--file", &old]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("entry.max_period_age_months = 1000 is not allowed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn warnings_need_confirmation() {
    let s = setup();
    let mut draft = s.valid_draft("HP-003", 3);
    let e = &mut draft["stock"]["ACT-6x1"];
    e["consumed"] = Value::from(e["consumed"].as_i64().unwrap() + 40);
    e["received"] = Value::from(e["received"].as_i64().unwrap() + 40);
    let f = s.write("warn.json", draft.to_string().as_bytes());
    let o = s.cli(&["record", "--file", &f]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("WARNING rules.act-consumed-vs-treated"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--confirm-warnings"));
    assert!(status_json(&s).is_empty());
    let o = s.cli(&["record", "--file", &f, "--confirm-warnings"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("confirmed warnings"));
    assert_eq!(status_json(&s).len(), 1);
}

/// Saves one good form, then feeds bad input and checks the form is still there, intact.
fn with_one_saved(s: &Setup) -> (String, String) {
    let f = s.write(
        "good.json",
        s.valid_draft("HP-001", 9).to_string().as_bytes(),
    );
    let o = s.cli(&["record", "--file", &f, "--json"]);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    (
        r["id"].as_str().unwrap().to_string(),
        r["content_hash"].as_str().unwrap().to_string(),
    )
}

fn assert_intact(s: &Setup, id: &str, hash: &str) {
    let o = s.cli(&["inspect", id, "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["revisions"][0]["content_hash"], hash);
    assert_eq!(d["revisions"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_input_gets_a_clear_error_and_harms_nothing() {
    let s = setup();
    let (id, hash) = with_one_saved(&s);
    let valid = s.valid_draft("HP-002", 4);
    let mut huge_comment = valid.clone();
    huge_comment["comment"] = Value::from("x".repeat(1024 * 1024));
    let mut unknown_form = valid.clone();
    unknown_form["form"] = Value::from("chw-weekly");
    let mut unknown_product = valid.clone();
    unknown_product["stock"]["ACT-6x9"] = serde_json::json!({"consumed": 1});
    let mut beyond_i64 = valid.to_string();
    beyond_i64 = beyond_i64.replacen(
        "\"consumed\":",
        "\"consumed\":123456789012345678901234567890,\"x\":",
        1,
    );
    let mut absurd = valid.clone();
    absurd["stock"]["RDT"]["received"] = Value::from(5_000_000_000_i64);
    let mut bidi_comment = valid.clone();
    bidi_comment["comment"] = Value::from("paid \u{202E}0001\u{202C} in full");
    let mut wrong_types = valid.clone();
    wrong_types["service"] = Value::from(vec![1, 2]);
    wrong_types["period"] = Value::from(202610);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "malformed",
            br#"{"form": "chw-monthly", "#.to_vec(),
            "not valid JSON (line 1, column 24: EOF while parsing a value)",
        ),
        (
            "not utf-8",
            b"{\"form\": \"chw\xff\xfe\"}".to_vec(),
            "not readable text",
        ),
        (
            "not an object",
            b"[1, 2, 3]".to_vec(),
            "must be a JSON object",
        ),
        (
            "1 MB comment",
            huge_comment.to_string().into_bytes(),
            "The comment is 1048576 characters long",
        ),
        (
            "unknown form",
            unknown_form.to_string().into_bytes(),
            "This tablet has no form 'chw-weekly'",
        ),
        (
            "unknown product",
            unknown_product.to_string().into_bytes(),
            "Product 'ACT-6x9' is not on the form",
        ),
        ("beyond i64", beyond_i64.into_bytes(), "is far too large"),
        (
            "absurd",
            absurd.to_string().into_bytes(),
            "too large to be a real quantity received",
        ),
        (
            "wrong types",
            wrong_types.to_string().into_bytes(),
            "period must be text, not a number",
        ),
        (
            "bidi override in the comment",
            bidi_comment.to_string().into_bytes(),
            "The comment contains 2 hidden characters (U+202E at character 6, U+202C at character 11)",
        ),
        ("empty file", Vec::new(), "not valid JSON"),
    ];
    for (name, bytes, expected) in cases {
        let f = s.write("case.json", &bytes);
        let o = s.cli(&["record", "--file", &f]);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(expected),
            "{name}: expected {expected:?} in {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{name}");
    }
    let o = s.cli(&["record", "--file", "/nonexistent/draft.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read the draft /nonexistent/draft.json"));
    assert_intact(&s, &id, &hash);
    assert_eq!(status_json(&s).len(), 1);
}

/// Input files are checked before they are read: a device or a huge file
/// would read forever or fill memory (a 1 GiB draft took 1 GiB of RAM).
#[cfg(unix)]
#[test]
fn endless_and_huge_input_files_are_refused_before_reading() {
    let s = setup();
    let o = s.cli(&["record", "--file", "/dev/zero"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the draft must be a regular file, but this is a device"),
        "{}",
        stderr(&o)
    );
    // A sparse 1 GiB file: no disk used, but read whole it would take 1 GiB.
    let big = s.dir.path().join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    for cmd in ["record", "validate"] {
        let o = s.cli(&[cmd, "--file", big.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{cmd}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("the draft is 1073741824 bytes, more than the 4 MiB it may have"),
            "{cmd}: {}",
            stderr(&o)
        );
    }
    let text = std::fs::read_to_string(&s.config).unwrap();
    std::fs::write(
        &s.config,
        text.replace(
            "facilities = \"facilities.json\"",
            "facilities = \"/dev/zero\"",
        ),
    )
    .unwrap();
    let o = s.cli(&["status"]);
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("the facility map must be a regular file, but this is a device"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_damaged_database_is_moved_aside_and_reported() {
    let s = setup();
    let junk = b"SQLite format 3\0 but then garbage".repeat(64);
    std::fs::write(s.db(), &junk).unwrap();
    let o = s.cli(&["status"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("damaged") && stderr(&o).contains("kept at"),
        "{}",
        stderr(&o)
    );
    let kept: Vec<PathBuf> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("outbox.sqlite.damaged-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read(&kept[0]).unwrap(), junk);
}

#[test]
fn a_database_from_a_newer_app_is_refused_untouched() {
    let s = setup();
    let (id, _) = with_one_saved(&s);
    bump_schema_version(&s.db());
    let before = std::fs::read(s.db()).unwrap();
    let o = s.cli(&["status"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("newer version of this app") && stderr(&o).contains("Update the app"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(s.db()).unwrap(), before);
    assert!(!id.is_empty());
}

/// Marks the database as written by a newer schema.
fn bump_schema_version(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
}

#[test]
fn a_read_only_database_gets_a_clear_error_and_stays_intact() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    let (id, hash) = with_one_saved(&s);
    let before = std::fs::read(s.db()).unwrap();
    for p in [s.dir.path().to_path_buf(), s.dir.path().join("forms")] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    std::fs::set_permissions(s.db(), std::fs::Permissions::from_mode(0o444)).unwrap();
    let f = "/dev/stdin";
    let draft = s.valid_draft("HP-004", 5).to_string();
    // root can write anything; run the command as `nobody` so permissions apply.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_cli-sim"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_cli-sim"))
    };
    let mut child = cmd
        .arg("--config")
        .arg(&s.config)
        .args(["record", "--file", f])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(draft.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 1, "stdout {} stderr {}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("cannot be written"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was changed"), "{}", stderr(&o));
    for p in [s.dir.path().to_path_buf(), s.dir.path().join("forms")] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(std::fs::read(s.db()).unwrap(), before);
    assert!(
        std::fs::read_dir(s.dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("damaged"))
    );
    assert_intact(&s, &id, &hash);
}

#[test]
fn help_documents_every_command_and_the_exit_codes() {
    let s = setup();
    for cmd in [
        vec!["--help"],
        vec!["record", "--help"],
        vec!["status", "--help"],
        vec!["demo", "--help"],
        vec!["inspect", "--help"],
    ] {
        let o = s.cli(&cmd);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).contains("Usage:"), "{cmd:?}");
    }
    assert!(stdout(&s.cli(&["record", "--help"])).contains("2 the draft has findings"));
}

#[test]
fn the_demo_runs() {
    let o = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for expected in [
        "WARNING rules.act-consumed-vs-treated",
        "ERROR   stock.ORS.closing_balance",
        "the second tap gave back the same form: saved once.",
        "forms in the outbox: 10",
        // Every form's stock half reaches the simulated OpenLMIS (the
        // demo syncs in passes of 4 requests).
        "lmis   delivered   10",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

/// `--lang`, `[agent] locale` and LANG choose the language of findings.
#[test]
fn findings_are_shown_in_the_chosen_language() {
    let s = setup();
    let mut draft = s.valid_draft("HP-002", 2);
    draft["facility"] = Value::from("HP-404");
    let f = s.write("bad.json", draft.to_string().as_bytes());
    // Hand-written from agent-core/locales/*/findings.ftl.
    let en = "Facility 'HP-404' is not in this tablet's facility list.";
    let sw = "Kituo 'HP-404' hakipo kwenye orodha ya vituo ya kifaa hiki.";
    let fr = "La formation sanitaire « HP-404 » n'est pas dans la liste de cette tablette.";
    let o = s.cli(&["validate", "--file", &f, "--lang", "sw"]);
    assert_eq!(code(&o), 2);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains(sw) && !all.contains(en), "{all}");
    // --json keeps the message id and arguments next to the text.
    let o = s.cli(&["validate", "--file", &f, "--lang", "sw", "--json"]);
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    let finding = out["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(out.as_array().into_iter().flatten())
        .find(|x| x["path"] == "facility")
        .unwrap_or_else(|| panic!("{out}"))
        .clone();
    assert!(
        finding["message"].as_str().unwrap().starts_with(sw),
        "{finding}"
    );
    assert_eq!(finding["text"]["id"], "finding-facility-unknown");
    // LANG, when neither --lang nor the configuration names a language.
    let o = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .arg("--config")
        .arg(&s.config)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "fr_SN.UTF-8")
        .args(["validate", "--file", &f])
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains(fr), "{all}");
    // A language the agent does not have: English, with a warning.
    let o = s.cli(&["validate", "--file", &f, "--lang", "de"]);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains(en), "{all}");
    assert!(stderr(&o).contains("no messages in 'de'"), "{}", stderr(&o));
    // [agent] locale in agent.toml.
    let toml = std::fs::read_to_string(&s.config).unwrap();
    let toml = toml.replacen("[agent]\n", "[agent]\nlocale = \"pt\"\n", 1);
    assert!(toml.contains("locale = \"pt\""), "{toml}");
    std::fs::write(&s.config, toml).unwrap();
    let o = s.cli(&["validate", "--file", &f]);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        all.contains("A unidade sanitária «HP-404» não está na lista deste tablet."),
        "{all}"
    );
}

/// Sets one product's stock lines of a draft (JSON):
/// (opening, received, consumed, closing, stock-out days); no losses or
/// adjustments, so closing = opening + received − consumed.
fn set_stock(
    draft: &mut Value,
    code: &str,
    (open, recv, cons, close, out): (i64, i64, i64, i64, i64),
) {
    assert_eq!(open + recv - cons, close, "the fixture balances");
    draft["stock"][code] = serde_json::json!({
        "opening_balance": open, "received": recv, "consumed": cons, "losses": 0,
        "adjustments": 0, "closing_balance": close, "stockout_days": out,
        "requested_quantity": 0
    });
}

/// Three months recorded through the outbox, hand-computed (contract §7.3:
/// 30 days a month, rounded up; the form's defaults: 3 months averaged,
/// max 3 and min 1 month of stock):
/// ORS      C 40 with 10 days out -> ceil(40 × 30 / 20) = 60; C 45 -> 45; C 50 -> 50
///          AMC = ceil(155 / 3) = 52; 80 left / 52 = 1.5 months; order 156 − 80 = 76
/// ACT-6x1  C 30; C 30; C 33 with 3 days out -> ceil(33 × 30 / 27) = 37
///          AMC = ceil(97 / 3) = 33; 20 left / 33 = 0.6 months (< 1: warning);
///          order 99 − 20 = 79
#[test]
fn validate_and_record_show_what_to_order_from_the_months_in_the_outbox() {
    let s = setup();
    let months = [
        (3, (100, 10, 40, 70, 10), (50, 30, 30, 50, 0)),
        (2, (70, 35, 45, 60, 0), (50, 20, 30, 40, 0)),
        (1, (60, 70, 50, 80, 0), (40, 13, 33, 20, 3)),
    ];
    let mut files = Vec::new();
    for (back, ors, act) in months {
        let mut d = s.valid_draft_months_ago("HP-001", 40 + u64::from(back), back);
        set_stock(&mut d, "ORS", ors);
        set_stock(&mut d, "ACT-6x1", act);
        files.push(s.write(&format!("m{back}.json"), d.to_string().as_bytes()));
    }
    for f in &files[..2] {
        let o = s.cli(&["record", "--file", f, "--confirm-warnings"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let last = &files[2];

    let codes = finding_codes(&s, last);
    assert!(
        codes.contains(&(
            "stock.ACT-6x1.closing_balance".into(),
            "warning".into(),
            "stockout_risk".into()
        )),
        "{codes:?}"
    );
    assert!(
        !codes.iter().any(|c| c.0 == "stock.ORS.closing_balance"),
        "{codes:?}"
    );

    let o = s.cli(&["validate", "--file", last]);
    let out = stdout(&o);
    for line in [
        "Artemether-lumefantrine 20/120 mg, 6x1 blister: 0.6 months of stock left, below the minimum of 1 month: order now (suggested: 79 blister).",
        "Oral rehydration salts, sachet: order 76 sachet (1.5 months of stock left; up to 3 months of stock)",
        "      average monthly consumption = (60 + 45 + 50) / 3 = 52 (rounded up)",
        "      suggested order = 156 − 80 = 76",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }

    let o = s.cli(&["record", "--file", last, "--confirm-warnings", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let receipt: Value = serde_json::from_slice(&o.stdout).unwrap();
    let advice = |code: &str| {
        receipt["resupply"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["product"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("no advice for {code}: {receipt}"))
    };
    let (ors, act) = (advice("ORS"), advice("ACT-6x1"));
    assert_eq!(
        (
            &ors["average_monthly_consumption"],
            &ors["months_of_stock"],
            &ors["suggested_quantity"],
            &ors["stockout_risk"]
        ),
        (
            &Value::from(52),
            &Value::from(1.5),
            &Value::from(76),
            &Value::from(false)
        )
    );
    assert_eq!(
        (
            &act["average_monthly_consumption"],
            &act["months_of_stock"],
            &act["suggested_quantity"],
            &act["stockout_risk"]
        ),
        (
            &Value::from(33),
            &Value::from(0.6),
            &Value::from(79),
            &Value::from(true)
        )
    );
}

/// Issue 16, papercut: commands that only read never create the outbox.
#[test]
fn reading_commands_do_not_create_the_outbox() {
    let s = setup();
    let draft = s.valid_draft("HP-001", 7);
    let f = s.write("d.json", draft.to_string().as_bytes());
    // Making the draft opened an agent (and its outbox) in this process: start empty.
    for e in std::fs::read_dir(s.dir.path()).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with("outbox") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    assert!(!s.db().exists());
    let o = s.cli(&["validate", "--file", &f]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("What to order"), "{}", stdout(&o));
    let o = s.cli(&["status"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(status_json(&s).is_empty());
    let o = s.cli(&["forms"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = s.cli(&["inspect", "0190a0a0-0000-7000-8000-000000000000"]);
    assert_ne!(code(&o), 0, "an unknown id: {}", stdout(&o));
    // Asking the servers (none runs here, so it fails) writes no outbox either.
    let _ = s.cli(&["mapping", "check"]);
    let made: Vec<String> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("outbox"))
        .collect();
    assert!(made.is_empty(), "reading created {made:?}");
    // Recording does create it.
    let o = s.cli(&["record", "--file", &f]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(s.db().exists());
    // Papercut: `status` shows the period as the draft wrote it (2026-11),
    // not as the outbox stores it for DHIS2 (202611).
    let iso = draft["period"].as_str().unwrap();
    let o = s.cli(&["status"]);
    let table = stdout(&o);
    assert!(table.contains(&format!(" {iso} ")), "{table}");
    assert!(!table.contains(&iso.replace('-', "")), "{table}");
}

/// `AGENT_LOG` as the README documents it: a level or `target=level` pairs
/// turn logs on (stderr), nothing set means errors only, and a value the
/// agent cannot read is said so in plain words (errors only).
#[test]
fn agent_log_turns_logs_on_by_level_and_target() {
    let s = setup();
    let record = |back: u32, log: Option<&str>| -> String {
        let draft = s.valid_draft_months_ago("HP-001", 10 + u64::from(back), back);
        let f = s.write(&format!("log{back}.json"), draft.to_string().as_bytes());
        let mut c = Command::new(env!("CARGO_BIN_EXE_cli-sim"));
        c.arg("--config")
            .arg(&s.config)
            .args(["record", "--file", &f]);
        c.env_remove("AGENT_LOG")
            .env_remove("LC_ALL")
            .env_remove("LANG");
        if let Some(v) = log {
            c.env("AGENT_LOG", v);
        }
        let o = c.output().unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stderr(&o)
    };
    // agent-core logs "form saved" at info level when a submit commits.
    let quiet = record(1, None);
    assert!(!quiet.contains("form saved"), "no logs by default: {quiet}");
    let info = record(2, Some("info"));
    assert!(info.contains("form saved"), "AGENT_LOG=info: {info}");
    let target = record(3, Some("agent_core=debug"));
    assert!(
        target.contains("form saved"),
        "AGENT_LOG=agent_core=debug: {target}"
    );
    let other = record(4, Some("warn,sim_servers=info"));
    assert!(!other.contains("form saved"), "AGENT_LOG=warn: {other}");
    let bad = record(5, Some("agent_core=loud"));
    assert!(!bad.contains("form saved"), "{bad}");
    assert!(
        bad.contains("AGENT_LOG=agent_core=loud is not understood")
            && bad.contains("AGENT_LOG=info"),
        "a value that cannot be read is said so, with an example: {bad}"
    );
}
