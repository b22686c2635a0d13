//! Issue 15, beyond the demo: the commands field testers and implementers
//! run (`inspect`, `mapping suggest`, `mapping check`, `forms`, `validate`,
//! `record --file` refused, `diagnose`) and the interactive recorder speak Swahili and French except names and numbers, with the
//! comparison rule of `demo_languages.rs` (`lang_check`). One pair of
//! simulated servers (the example world, as the demo starts it) serves
//! every command and language.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::lang_check::{form_texts, untranslated};

use agent_core::{Agent, AgentConfig, FacilityMap, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The world: the example forms and facilities, both servers, one synced
/// submission, a draft with findings and a facility map with mistakes.
struct World {
    dir: tempfile::TempDir,
    config: PathBuf,
    /// The same agent with a facility map that does not match the servers.
    wrong: PathBuf,
    id: String,
    bad_draft: PathBuf,
    decisions: PathBuf,
    _servers: (Dhis2Mock, OpenLmisMock),
}

fn cli(config: &Path, lang: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .arg("--config")
        .arg(config)
        .args(["--lang", lang])
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("AGENT_LOG")
        .args(args)
        .output()
        .unwrap()
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
    let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
    for (name, secret) in [
        ("dhis2-password", "district\n"),
        ("lmis-password", "password\n"),
        ("lmis-client-secret", "changeme\n"),
    ] {
        cli_sim::demo::write_secret(&dir.path().join(name), secret).unwrap();
    }
    let servers = format!(
        "[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_file = \"dhis2-password\"\n\
         [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\n\
         client_secret_file = \"lmis-client-secret\"\nusername = \"administrator\"\npassword_file = \"lmis-password\"\n",
        dhis2.url(),
        lmis.url()
    );
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&servers);
    std::fs::write(&config, &text).unwrap();

    // A facility map with mistakes an implementer makes: an org unit DHIS2
    // does not have, an LMIS code of another facility, a missing LMIS id.
    let mut map: Value = serde_json::from_str(cli_sim::EXAMPLE_FACILITIES).unwrap();
    let f = map["facilities"].as_array_mut().unwrap();
    f[0]["dhis2_org_unit"] = "NoSuchOu001".into();
    f[1]["lmis_facility_code"] = "HC03".into();
    f[2].as_object_mut().unwrap().remove("lmis_facility_id");
    std::fs::write(
        dir.path().join("facilities-wrong.json"),
        serde_json::to_vec_pretty(&map).unwrap(),
    )
    .unwrap();
    let wrong = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        text.replace("facilities.json", "facilities-wrong.json")
            .replace("outbox.sqlite", "outbox-wrong.sqlite"),
    )
    .unwrap();

    // One form recorded and synced (revisions, exchanges, audit trail).
    let agent = Agent::open(&AgentConfig::load(&config).unwrap()).unwrap();
    let def = agent.form("chw-monthly").unwrap().clone();
    let month = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
    let draft = DraftGen::new(7).draft(&def, "HP-001", &month.iso(), &BTreeMap::new());
    let id = agent.submit(&draft, true).unwrap().id;
    drop(agent);
    let o = cli(&config, "en", &["sync"]);
    assert!(o.status.success(), "{o:?}");

    // A draft with an error (the closing balance does not add up) and a
    // warning (more positive tests than tests).
    let mut bad = serde_json::to_value(&draft).unwrap();
    bad["period"] = month.previous().iso().into();
    bad["stock"]["ORS"]["closing_balance"] = 9999.into();
    bad["service"]["malaria_rdt_positive"] =
        (bad["service"]["malaria_rdt_tested"].as_i64().unwrap() + 5).into();
    let bad_draft = dir.path().join("bad.json");
    std::fs::write(&bad_draft, serde_json::to_vec(&bad).unwrap()).unwrap();

    // A decision naming an org unit the data set does not have.
    let decisions = dir.path().join("decisions.json");
    std::fs::write(
        &decisions,
        r#"{"version": 1, "facilities": [{"dhis2_org_unit": "NoSuchOu001", "lmis_facility_code": "HC01"}], "reasons": {"losses": "Nothing like it"}}"#,
    )
    .unwrap();
    World {
        dir,
        config,
        wrong,
        id,
        bad_draft,
        decisions,
        _servers: (dhis2, lmis),
    }
}

/// The program of the example form `chw-monthly`.
const PROGRAM: &str = "bdef25b8-ba8f-458a-ae59-18ae7ee15d8b";
const DATA_SET: &str = "MkXpsaCoKaE";

/// Each command's standard output (and standard error) in `lang`, as lines.
fn outputs(w: &World, lang: &str) -> Vec<(String, Vec<String>)> {
    let bundle = w.dir.path().join(format!("bundle-{lang}.json.gz"));
    let p = |p: &Path| p.to_string_lossy().into_owned();
    let runs: Vec<(&str, &Path, Vec<String>)> = vec![
        ("inspect", &w.config, vec!["inspect".into(), w.id.clone()]),
        (
            "mapping suggest",
            &w.config,
            vec![
                "mapping".into(),
                "suggest".into(),
                "--data-set".into(),
                DATA_SET.into(),
                "--program".into(),
                PROGRAM.into(),
                "--dry-run".into(),
            ],
        ),
        (
            "mapping suggest --decisions",
            &w.config,
            vec![
                "mapping".into(),
                "suggest".into(),
                "--data-set".into(),
                DATA_SET.into(),
                "--program".into(),
                PROGRAM.into(),
                "--dry-run".into(),
                "--decisions".into(),
                p(&w.decisions),
            ],
        ),
        (
            "mapping check",
            &w.config,
            vec!["mapping".into(), "check".into()],
        ),
        (
            "mapping check (wrong map)",
            &w.wrong,
            vec!["mapping".into(), "check".into()],
        ),
        ("forms", &w.config, vec!["forms".into()]),
        (
            "validate",
            &w.config,
            vec!["validate".into(), "--file".into(), p(&w.bad_draft)],
        ),
        (
            "record (refused)",
            &w.config,
            vec!["record".into(), "--file".into(), p(&w.bad_draft)],
        ),
        (
            "diagnose",
            &w.config,
            vec!["diagnose".into(), "--bundle".into(), p(&bundle)],
        ),
    ];
    runs.into_iter()
        .map(|(name, config, args)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = cli(config, lang, &args);
            assert!(
                matches!(o.status.code(), Some(0 | 2 | 3)),
                "{name} --lang {lang}: {o:?}"
            );
            let text = format!(
                "{}{}",
                String::from_utf8(o.stdout).unwrap(),
                String::from_utf8(o.stderr).unwrap()
            );
            // Every line, the resupply formula's steps included (messages
            // since schema 7).
            let lines = text.lines().map(str::to_string).collect();
            (name.to_string(), lines)
        })
        .collect()
}

#[test]
fn the_tools_speak_swahili_and_french_except_names_and_numbers() {
    let w = world();
    let texts = form_texts();
    let en = outputs(&w, "en");
    for (name, lines) in &en {
        eprintln!("== {name}\n{}", lines.join("\n"));
        // The check sees English in every command's output.
        assert!(
            !untranslated(lines, lines, &texts).is_empty(),
            "{name}: the check finds nothing in English:\n{}",
            lines.join("\n")
        );
    }
    for lang in ["sw", "fr"] {
        for ((name, e), (_, o)) in en.iter().zip(outputs(&w, lang)) {
            assert_eq!(
                o.len(),
                e.len(),
                "{name} --lang {lang} prints other lines than in English:\n{}",
                o.join("\n")
            );
            let left = untranslated(e, &o, &texts);
            assert!(
                left.is_empty(),
                "{name} --lang {lang}: still in English:\n{left:#?}\n{}",
                o.join("\n")
            );
        }
    }
    // `--json` keeps each message's id and arguments next to its text.
    let o = cli(&w.wrong, "sw", &["mapping", "check", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v[0]["problem_message"];
    assert_eq!(p["id"], "match-check-org-unit-unknown", "{v:#}");
    assert_eq!(p["args"][0]["name"], "org_unit", "{v:#}");
    // Hand-written from agent-core/locales/sw/tools.ftl.
    assert_eq!(
        p["text"],
        "dhis2_org_unit NoSuchOu001 haijapangiwa fomu hizi kwenye DHIS2; chagua kimojawapo cha vitengo ambavyo DHIS2 inavyo",
        "{v:#}"
    );
    assert_eq!(v[0]["subject_message"]["text"], "kituo HP-001", "{v:#}");
}

/// The interactive recorder (`record` without `--file`) with a script piped
/// in: a typo asked again, the form saved, then the same script again (a
/// double tap: already saved, nothing new written). No server is needed.
fn recorder(lang: &str) -> Vec<String> {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    // Period (Enter: last month), four services (a typo first), three
    // stock cards (Enter accepts each closing balance), comment, initials.
    let script = "\nabc\n10\n10\n1\n1\n40\n20\n12\n0\n0\n\n0\n30\n30\n0\n4\n\n\n\n\n\n\
                  20\n10\n6\n2\n-2\n\n0\n\nall counted\nAB\n";
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
            .arg("--config")
            .arg(&config)
            .args(["--lang", lang, "record", "--form", "hp-maternal-monthly"])
            .args(["--facility", "HP-002"])
            .env_remove("AGENT_LOG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        assert_eq!(o.status.code(), Some(0), "record --lang {lang}:\n{text}");
        lines.extend(text.lines().map(str::to_string));
    }
    lines
}

#[test]
fn the_interactive_recorder_speaks_swahili_and_french() {
    let texts = form_texts();
    let en = recorder("en");
    assert!(
        untranslated(&en, &en, &texts).len() > 20,
        "the check finds little English:\n{}",
        en.join("\n")
    );
    for lang in ["sw", "fr"] {
        let other = recorder(lang);
        assert_eq!(other.len(), en.len(), "{lang}:\n{}", other.join("\n"));
        let left = untranslated(&en, &other, &texts);
        assert!(
            left.is_empty(),
            "record --lang {lang}: still in English:\n{left:#?}\n{}",
            other.join("\n")
        );
    }
    // Hand-written from agent-core/locales/sw/tools.ftl.
    let sw = recorder("sw").join("\n");
    assert!(sw.contains("Cha kuagiza: "), "{sw}");
    assert!(sw.contains("Itatumwa wakati wa kutuma ujao."), "{sw}");
}
