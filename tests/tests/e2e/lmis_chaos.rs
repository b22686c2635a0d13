//! The LMIS exactly-once test: the syncing process is SIGKILLed at random
//! moments (50 times) while the simulated OpenLMIS drops 30% of its answers
//! after committing. At the end every stock card holds exactly the last
//! closing balance, every consumption is counted once, and no event was
//! applied twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::{Agent, AgentConfig, FacilityMap, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::faults::FaultConfig;
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

/// With the LMIS's physical-inventory guard (a repeated `resourceId` is
/// refused as already applied, contract §6.2).
#[test]
fn sigkills_and_dropped_answers_leave_no_duplicate_and_exact_stock() {
    chaos(true);
}

/// Without the guard, as LMIS versions before v5.1.2 (and any server that
/// lacks it): a resent event would be applied twice, so only the agent's
/// look-up before a resend (ADR 0002) keeps each event applied once.
#[test]
fn without_the_inventory_guard_only_look_ups_keep_each_event_applied_once() {
    chaos(false);
}

fn chaos(inventory_guard: bool) {
    let dir = tempfile::tempdir().unwrap();
    cli_sim::demo::write_example_setup(dir.path()).unwrap();
    // The CHW form only (stock-event mode), four facilities.
    std::fs::remove_file(dir.path().join("forms/hp-maternal-monthly.json")).unwrap();
    let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
    let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
    let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
    lc.seed = 7;
    lc.inventory_guard = inventory_guard;
    let lmis = OpenLmisMock::start(lc, 0).unwrap();
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
    std::fs::write(dir.path().join("dhis2-password"), "district\n").unwrap();
    std::fs::write(dir.path().join("lmis-password"), "password\n").unwrap();
    std::fs::write(dir.path().join("lmis-secret"), "changeme\n").unwrap();
    let mut text = std::fs::read_to_string(dir.path().join("agent.toml")).unwrap();
    text.push_str(&format!(
        "[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_file = \"dhis2-password\"\n\
         [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\nclient_secret_file = \"lmis-secret\"\n\
         username = \"administrator\"\npassword_file = \"lmis-password\"\n",
        dhis2.url(),
        lmis.url()
    ));
    std::fs::write(dir.path().join("agent.toml"), text).unwrap();

    // Six months of forms for four facilities, openings carried over.
    let def = forms.get("chw-monthly").unwrap().clone();
    let mut last: BTreeMap<String, agent_core::draft::Draft> = BTreeMap::new();
    let mut consumed: BTreeMap<(String, String), i64> = BTreeMap::new();
    {
        let agent =
            Agent::open(&AgentConfig::load(&dir.path().join("agent.toml")).unwrap()).unwrap();
        let mut month = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
        let mut months = Vec::new();
        for _ in 0..6 {
            months.push(month);
            month = month.previous();
        }
        months.reverse();
        let mut g = DraftGen::new(99);
        for f in ["HP-001", "HP-002", "HP-003", "HP-004"] {
            let mut opening = BTreeMap::new();
            for m in &months {
                let d = g.draft(&def, f, &m.iso(), &opening);
                opening = d
                    .stock
                    .iter()
                    .map(|(k, e)| (k.clone(), e.closing_balance.unwrap()))
                    .collect();
                for (code, e) in &d.stock {
                    *consumed.entry((f.to_string(), code.clone())).or_insert(0) +=
                        e.consumed.unwrap();
                }
                agent.submit(&d, true).unwrap();
                last.insert(f.to_string(), d);
            }
        }
    }
    let forms_total = 24;

    // Slow enough answers that kills land mid-pass; 30% dropped after commit.
    lmis.faults().set(FaultConfig {
        latency_ms: 4,
        rate_drop_after_commit: 0.3,
        seed: 7,
        ..Default::default()
    });
    let exe = env!("CARGO_BIN_EXE_sync-loop");
    let mut rng = fastrand::Rng::with_seed(7);
    let mut kills = 0;
    let mut totals = BTreeMap::<String, u64>::new();
    while kills < 50 {
        let mut child = Command::new(exe)
            .arg(dir.path())
            .arg("1000")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(rng.u64(5..120)));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        let lines = reader.join().unwrap();
        count(&lines, &mut totals);
        if finished || lines.iter().any(|l| l == "DONE") {
            break;
        }
        kills += 1;
    }
    // Let it finish, faults on, no more kills.
    let out = Command::new(exe)
        .arg(dir.path())
        .arg("500")
        .output()
        .unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    count(&lines, &mut totals);
    if !lines.iter().any(|l| l == "DONE") {
        let agent =
            Agent::open(&AgentConfig::load(&dir.path().join("agent.toml")).unwrap()).unwrap();
        for s in agent.list(None, 100).unwrap() {
            for d in &s.destinations {
                eprintln!(
                    "{} {} {:?} {:?} {:?} att={}",
                    s.facility, s.period, d.destination, d.state, d.last_error, d.attempts
                );
            }
        }
        let creds = agent_core::credentials::ConfigCredentials::new(
            &AgentConfig::load(&dir.path().join("agent.toml")).unwrap(),
        );
        let r = agent.sync(
            agent_core::sync::SyncBudget::time(Duration::from_secs(10)),
            &creds,
            false,
        );
        eprintln!("one more pass: {r:?}");
        panic!("the queues did not empty: {:?}", lines.last());
    }

    // Exactly once: one event per form, no resourceId twice, exact stock.
    let events = lmis.events();
    let ids: BTreeSet<String> = events
        .iter()
        .filter_map(|e| e.resource_id.clone())
        .collect();
    // One event per (form, revision): each submission's marker on one event only.
    let mut per_form: BTreeMap<(String, String), usize> = BTreeMap::new();
    // The marker (the last word of documentNumber) is derived from the
    // submission and revision; the readable label names the revision.
    for e in &events {
        let doc = e.body["documentNumber"].as_str().unwrap_or("?");
        let (label, marker) = doc.rsplit_once(' ').unwrap_or((doc, "?"));
        let key = (marker.to_string(), label.to_string());
        *per_form.entry(key).or_insert(0) += 1;
    }
    let twice: Vec<_> = per_form.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "guard {inventory_guard}: events applied twice for (submission, revision): {twice:?}"
    );
    assert_eq!(ids.len(), events.len(), "no event applied twice");
    assert_eq!(events.len(), forms_total, "one event per form");
    let program = def.lmis.as_ref().unwrap().program_id.clone();
    for (f, d) in &last {
        let fid = facilities.get(f).unwrap().lmis_facility_id.clone().unwrap();
        for p in &def.products {
            let soh = lmis.stock_on_hand(&fid, &program, &p.lmis_orderable_id);
            assert_eq!(soh, d.stock[&p.code].closing_balance, "{f} {}", p.code);
            let total = lmis.tag_total(
                &fid,
                &program,
                &p.lmis_orderable_id,
                "consumed",
                chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            );
            assert_eq!(
                -total,
                consumed[&(f.clone(), p.code.clone())],
                "{f} {}: consumption counted once",
                p.code
            );
        }
    }
    let stats = lmis.stats();
    println!(
        "lmis chaos: {kills} kills, {} answers dropped after commit; events sent {} (at least; killed passes print nothing), \
         look-ups {}, resends avoided {} (found by look-up) + {} (refused as already applied); {} events applied for {forms_total} forms",
        stats.dropped_after_commit,
        totals.get("events").copied().unwrap_or(0),
        totals.get("lookups").copied().unwrap_or(0),
        totals.get("found").copied().unwrap_or(0),
        totals.get("applied").copied().unwrap_or(0),
        events.len()
    );
    assert!(kills >= 10, "enough kills landed mid-run ({kills})");
    assert!(
        stats.dropped_after_commit > 0,
        "answers were dropped after the LMIS applied the event"
    );
    let found = totals.get("found").copied().unwrap_or(0);
    let applied = totals.get("applied").copied().unwrap_or(0);
    if inventory_guard {
        assert!(
            found + applied > 0,
            "an unknown outcome was settled by a look-up or the guard's refusal"
        );
    } else {
        assert_eq!(
            applied, 0,
            "a server without the guard never refuses a resend"
        );
        assert!(
            found > 0,
            "without the guard, unknown outcomes are settled by look-ups (found {found})"
        );
    }
}

fn count(lines: &[String], totals: &mut BTreeMap<String, u64>) {
    for l in lines.iter().filter(|l| l.starts_with("PASS ")) {
        for kv in l.split(' ').skip(1) {
            if let Some((k, v)) = kv.split_once('=') {
                *totals.entry(k.to_string()).or_insert(0) += v.parse::<u64>().unwrap_or(0);
            }
        }
    }
}
