//! `cli-sim sync` and `status --json` against the simulated DHIS2, as a
//! field tester runs them: a data element DHIS2 does not have in the data
//! set is refused, and the status says which field and why, whether the
//! server is from before 2.43 (the other values are stored) or after (the
//! whole form is refused).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::{AgentConfig, FacilityMap, FormSet};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig, VersionFamily};
use std::collections::BTreeMap;
use std::process::{Command, Output};

fn run(config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("DHIS2_PASSWORD", "district")
        .output()
        .unwrap()
}

fn setup(
    version: VersionFamily,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Dhis2Mock,
    String,
    String,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
    let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
    let mut mc = Dhis2MockConfig::from_forms(&forms, &facilities);
    mc.version = version;
    let mock = Dhis2Mock::start(mc, 0).unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_env = \"DHIS2_PASSWORD\"\n",
        mock.url()
    ));
    std::fs::write(&config, text).unwrap();
    let def = forms.get("chw-monthly").unwrap();
    // DHIS2's data set lacks the pneumonia data element: the form definition is out of date.
    let field = def.field("pneumonia_u5_amoxicillin").unwrap();
    mock.remove_element_from_data_set(&def.dhis2.data_set, &field.data_element);
    let agent = agent_core::Agent::open(&AgentConfig::load(&config).unwrap()).unwrap();
    let month =
        agent_core::Period::containing(agent_core::PeriodType::Monthly, agent.clock().today())
            .previous();
    let draft = DraftGen::new(5).draft(def, "HP-003", &month.iso(), &BTreeMap::new());
    let path = dir.path().join("d.json");
    std::fs::write(&path, serde_json::to_string(&draft).unwrap()).unwrap();
    let o = run(
        &config,
        &[
            "record",
            "--file",
            path.to_str().unwrap(),
            "--confirm-warnings",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    (dir, config, mock, id, field.data_element.clone())
}

fn dhis2_status(config: &std::path::Path, id: &str) -> Value {
    let o = run(config, &["status", id, "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["submissions"].as_array().unwrap();
    rows[0]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["destination"] == "dhis2")
        .unwrap()
        .clone()
}

#[test]
fn before_2_43_the_other_values_are_stored_and_the_field_is_named() {
    let (_dir, config, mock, id, de) = setup(VersionFamily::V2_40);
    let o = run(&config, &["sync", "--budget-secs", "20"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(5), "the LMIS part still waits: {out}");
    assert!(out.contains("dhis2: 0 delivered, 1 rejected"), "{out}");
    assert!(out.contains("partly refused"), "{out}");
    let d = dhis2_status(&config, &id);
    assert_eq!(d["state"], "rejected");
    assert_eq!(
        d["problems"][0]["field"],
        "service.pneumonia_u5_amoxicillin"
    );
    assert_eq!(d["problems"][0]["code"], "E7633");
    assert!(
        d["problems"][0]["advice"]
            .as_str()
            .unwrap()
            .contains("form definition is out of date")
    );
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .contains("the others were stored")
    );
    let held = mock.values();
    assert_eq!(
        held.len(),
        14,
        "the 14 other values of the form are in DHIS2"
    );
    assert!(held.iter().all(|v| v.data_element != de));
}

#[test]
fn from_2_43_the_whole_form_is_refused_and_the_field_is_named() {
    let (_dir, config, mock, id, _) = setup(VersionFamily::V2_43);
    let o = run(&config, &["sync", "--budget-secs", "20"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("dhis2: 0 delivered, 1 rejected"), "{out}");
    let d = dhis2_status(&config, &id);
    assert_eq!(d["state"], "rejected");
    let p = d["problems"].as_array().unwrap();
    assert!(
        p.iter()
            .any(|x| x["field"] == "service.pneumonia_u5_amoxicillin" && x["code"] == "E8020"),
        "{p:?}"
    );
    assert!(
        d["last_error"]
            .as_str()
            .unwrap()
            .starts_with("refused as a whole"),
        "{d}"
    );
    assert!(mock.values().is_empty(), "2.43 stores nothing of the group");
    // The text status shows the reason in words too.
    let o = run(&config, &["status"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("service.pneumonia_u5_amoxicillin [E8020]: DHIS2 does not have this field"),
        "{text}"
    );
}
