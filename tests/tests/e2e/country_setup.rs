//! Issue 16's acceptance: from empty files to a working deployment against
//! the simulated servers' differing world, using only what an implementer
//! runs (`mapping suggest`, a decisions file written by a person, `metadata
//! pull` for both parts, `mapping check`), then record and sync deliver to
//! both servers. The expected matches and refusals are read by hand from
//! the world's master lists (cli-sim/sim-servers/src/{dhis2,openlmis}/world.rs),
//! written below as fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::{credentials, dhis2_basic};
use agent_core::credentials::StaticCredentials;
use agent_core::matching::{Basis, Decisions, Doubt, apply_reason_decisions, build_facility_map};
use agent_core::sync::SyncBudget;
use agent_core::{Agent, AgentConfig, Draft};
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::path::Path;
use std::time::Duration;

const DATA_SET: &str = "TzMnchMon01";
const PROGRAM: &str = "TZ-MNCH";
const FORM: &str = "mnch-monthly";

/// The person's decisions, as the README walkthrough writes them.
const DECISIONS: &str = r#"{
  "version": 1,
  "facilities": [
    {"dhis2_org_unit": "TzNyakato01", "lmis_facility_code": "NY-03"},
    {"dhis2_org_unit": "TzNyakato02", "skip": true},
    {"dhis2_org_unit": "TzTumaini01", "lmis_facility_code": "TU-09"},
    {"dhis2_org_unit": "TzKisiwan01", "lmis_facility_code": "DH05"}
  ],
  "reasons": {
    "losses": "Damaged",
    "positive_adjustment": "Stock count surplus",
    "negative_adjustment": "Stock count deficit",
    "credit_correction": "Stock count surplus",
    "debit_correction": "Stock count deficit"
  }
}"#;

/// A cross-check rule file: misoprostol consumed against PPH cases.
const RULES: &str = r#"[{"id": "miso-vs-pph", "severity": "warning",
  "left": [{"product": "MED-0107", "quantity": "consumed"}], "op": "ratio",
  "right": [{"service": "mnch_post_partum_haemorrhage_cases"}],
  "min_ratio": 3, "max_ratio": 5,
  "advice": "PPH treatment uses 4 tablets. Check the stock card and the maternity register."}]"#;

/// Opens the agent as a command does (each step is a new process in the CLI).
fn open(dir: &Path) -> Agent {
    Agent::open(&AgentConfig::load(&dir.join("agent.toml")).unwrap()).unwrap()
}

fn draft(facility: &str, pph: i64, miso: i64) -> Draft {
    serde_json::from_value(serde_json::json!({
        "form": FORM, "facility": facility, "period": "2026-10",
        "service": {"mnch_deliveries_at_facility": 14, "mnch_post_partum_haemorrhage_cases": pph},
        "stock": {
            "MED-0042": {"opening_balance": 30, "received": 20, "consumed": 15, "losses": 2,
                         "adjustments": 0, "closing_balance": 33, "stockout_days": 0},
            "MED-0107": {"opening_balance": 24, "received": 0, "consumed": miso, "losses": 0,
                         "adjustments": 0, "closing_balance": 24 - miso, "stockout_days": 0},
            "MED-0230": {"opening_balance": 10, "received": 0, "consumed": 4, "losses": 0,
                         "adjustments": 0, "closing_balance": 6, "stockout_days": 0}},
        "captured_by": "M. Banda"
    }))
    .unwrap()
}

/// A set-up folder with empty files (no form, an empty facility map) and
/// an agent.toml naming both servers.
fn empty_setup(dhis2: &str, lmis: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("forms")).unwrap();
    std::fs::write(
        dir.join("facilities.json"),
        r#"{"version": 1, "facilities": []}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("agent.toml"),
        format!(
            "[agent]\ndatabase = \"outbox.sqlite\"\nforms = \"forms\"\nfacilities = \"facilities.json\"\n\
             [dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_env = \"UNUSED_DHIS2_PASSWORD\"\n\
             [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\n\
             client_secret_env = \"UNUSED_LMIS_SECRET\"\nusername = \"administrator\"\npassword_env = \"UNUSED_LMIS_PASSWORD\"\n",
            dhis2,
            lmis
        ),
    )
    .unwrap();
    tmp
}

#[test]
fn a_country_is_set_up_from_empty_files_against_differing_master_lists() {
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::differing_world(), 0).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::differing_world(), 0).unwrap();
    let tmp = empty_setup(&dhis2.url(), &lmis.url());
    let dir = tmp.path();
    let creds = credentials();

    // 1. mapping suggest, before any decision.
    let agent = open(dir);
    let (lists, mut s) = agent
        .suggest_mapping(&[DATA_SET.into()], PROGRAM, &creds)
        .unwrap();
    let proposed: Vec<(&str, Option<&str>, Basis)> = s
        .facilities
        .proposed
        .iter()
        .map(|p| (p.left.id.as_str(), p.right.code.as_deref(), p.basis))
        .collect();
    assert_eq!(
        proposed,
        vec![
            ("TzKalembo01", Some("TZ-KAL-01"), Basis::Code),
            ("TzMbanda001", Some("HC-MB2"), Basis::Name),
            ("SnNdiaye001", Some("SN-ND-1"), Basis::Name),
        ]
    );
    // The refusals to guess: each a question with the candidates a person needs.
    let questions: Vec<(&str, Doubt, Vec<&str>)> = s
        .facilities
        .questions
        .iter()
        .map(|q| {
            (
                q.subject.id.as_str(),
                q.doubt,
                q.candidates
                    .iter()
                    .filter_map(|c| c.entry.code.as_deref())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        questions,
        vec![
            // Two LMIS facilities of the same name.
            ("TzKisiwan01", Doubt::Ambiguous, vec!["DH05", "DH05-B"]),
            // Two org units for one (merged) LMIS facility.
            ("TzNyakato01", Doubt::Ambiguous, vec!["NY-03"]),
            ("TzNyakato02", Doubt::Ambiguous, vec!["NY-03"]),
            // Missing from the LMIS: the look-alike first, still not chosen.
            ("TzTumaini01", Doubt::Unmatched, vec!["TU-09", "CMS"]),
        ]
    );
    // Without decisions the map holds the three sure pairs only.
    let none = build_facility_map(&s.facilities, &lists.lmis_facilities, &Decisions::default());
    assert_eq!(none.facilities.len(), 3);
    assert_eq!(none.open.len(), 4);
    // Reasons: consumed and received by the LMIS's tags; the five others
    // are the demo's names, absent here: questions, with debit or credit
    // candidates only.
    assert_eq!(
        s.reasons.len(),
        1,
        "both facility types share one line per movement"
    );
    let reasons = &s.reasons[0].matches;
    let proposed_reasons: Vec<Option<&str>> = reasons
        .iter()
        .map(|r| r.proposed.as_ref().map(|p| p.right.name.as_str()))
        .collect();
    assert_eq!(
        proposed_reasons,
        vec![
            Some("Dispensed"),
            Some("Received from MSD"),
            None,
            None,
            None,
            None,
            None
        ]
    );
    let losses: Vec<&str> = reasons[2]
        .candidates
        .iter()
        .map(|c| c.entry.name.as_str())
        .collect();
    let mut sorted = losses.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec!["Damaged", "Dispensed", "Expired", "Stock count deficit"]
    );

    // 2. The person's decisions: applied, the map written.
    let decisions = Decisions::from_json(DECISIONS).unwrap();
    let build = build_facility_map(&s.facilities, &lists.lmis_facilities, &decisions);
    let program_reasons = lists.reasons.get(&lists.programs[0].id).unwrap();
    let problems = apply_reason_decisions(&mut s.reasons, &decisions.reasons, program_reasons);
    assert!(
        problems.is_empty() && build.problems.is_empty(),
        "{problems:?} {:?}",
        build.problems
    );
    assert!(build.open.is_empty(), "{:?}", build.open);
    assert!(s.reasons[0].matches.iter().all(|r| r.proposed.is_some()));
    let codes: Vec<&str> = build.facilities.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        vec!["DH05", "HC-MB2", "NY-03", "SN-ND-1", "TU-09", "TZ-KAL-01"]
    );
    agent.save_facility_map(build.facilities.clone()).unwrap();
    drop(agent);

    // 3. metadata pull: the service part from DHIS2, the stock part from the LMIS.
    let agent = open(dir);
    let pull = agent
        .pull_metadata(DATA_SET, Some(FORM), &creds, false)
        .unwrap();
    assert_eq!(pull.report.added.len(), 2);
    std::fs::write(dir.join("rules.json"), RULES).unwrap();
    let (stock, _, notes) = agent
        .pull_stock_metadata(
            FORM,
            PROGRAM,
            Some(&decisions),
            Some(&dir.join("rules.json")),
            &creds,
        )
        .unwrap();
    assert_eq!(stock.added.len(), 3, "{stock:?}");
    assert!(notes.iter().any(|n| n.contains("packs of 50")), "{notes:?}");
    drop(agent);

    // 4. mapping check: everything matches both servers.
    let agent = open(dir);
    let def = agent.form(FORM).unwrap();
    let lmis_part = def.lmis.as_ref().unwrap();
    assert_eq!(lmis_part.program_code.as_deref(), Some(PROGRAM));
    assert_eq!(def.rules.len(), 1);
    assert_eq!(agent.check_mapping(&creds).unwrap(), vec![]);

    // 5. Record and sync: both servers receive the forms.
    // The rules file's cross-check works at entry: 12 tablets for 1 PPH case.
    let findings = agent.validate(&draft("NY-03", 1, 12)).unwrap();
    assert!(
        findings.iter().any(|f| f.path == "rules.miso-vs-pph"),
        "{findings:?}"
    );
    agent.submit(&draft("TZ-KAL-01", 1, 4), false).unwrap();
    agent.submit(&draft("NY-03", 2, 8), false).unwrap();
    let mut done = false;
    for _ in 0..5 {
        let r = agent
            .sync(SyncBudget::time(Duration::from_secs(60)), &creds, true)
            .unwrap();
        if r.done {
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(done, "sync never finished: {:?}", agent.list(None, 10));
    let values = dhis2.values();
    let deliveries: Vec<(&str, &str)> = values
        .iter()
        .filter(|v| v.data_element == "TzDeliver01")
        .map(|v| (v.org_unit.as_str(), v.value.as_str()))
        .collect();
    assert_eq!(deliveries.len(), 2, "{values:?}");
    assert!(deliveries.contains(&("TzKalembo01", "14")));
    assert!(deliveries.contains(&("TzNyakato01", "14")));
    let mut facilities: Vec<String> = lmis.events().into_iter().map(|e| e.facility).collect();
    facilities.sort();
    assert_eq!(
        facilities,
        vec![
            "7a1c0e2b-1111-4a5b-9c6d-0e1f2a3b4c01".to_string(),
            "7a1c0e2b-3333-4a5b-9c6d-0e1f2a3b4c03".to_string()
        ]
    );
}

/// `mapping suggest` and `metadata pull` read a DHIS2 data set one way (one
/// request, one reading of the answer): a data set DHIS2 does not have, or
/// a refused password, is told alike by both, with the data set named and
/// what to check.
#[test]
fn mapping_suggest_and_metadata_pull_tell_a_missing_data_set_and_a_refused_password_alike() {
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::differing_world(), 0).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::differing_world(), 0).unwrap();
    let tmp = empty_setup(&dhis2.url(), &lmis.url());
    let agent = open(tmp.path());
    let both = |creds: &StaticCredentials, data_set: &str| {
        let suggest = agent
            .suggest_mapping(&[data_set.into()], PROGRAM, creds)
            .unwrap_err()
            .to_string();
        let pull = agent
            .pull_metadata(data_set, Some(FORM), creds, false)
            .unwrap_err()
            .to_string();
        (suggest, pull)
    };
    let (suggest, pull) = both(&credentials(), "NoSuchSet01");
    assert_eq!(suggest, pull, "one reading of DHIS2's answer");
    assert!(
        pull.contains("DHIS2 has no data set NoSuchSet01; check its uid"),
        "{pull}"
    );
    let wrong = StaticCredentials {
        dhis2: Some(dhis2_basic("not-the-password")),
        lmis: credentials().lmis,
    };
    let (suggest, pull) = both(&wrong, DATA_SET);
    assert_eq!(suggest, pull, "one reading of DHIS2's answer");
    assert!(
        pull.contains("check the DHIS2 username and password"),
        "{pull}"
    );
}
