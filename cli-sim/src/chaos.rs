//! `cli-sim chaos`: records forms, then runs the syncing process (this same
//! binary, `sync --retry-now`) and SIGKILLs it at random moments while the
//! simulated servers drop answers after committing, fail with 5xx and go
//! down. At the end both servers are checked against the truth the forms
//! state, and the agent's outbox against the servers: `lost=0 duplicated=0
//! wrong=0 false_delivered=0`, or the exact discrepancies (exit 1). Every random
//! choice comes from the seed.
//!
//! `--hostile` adds what a field network does on top: a captive portal
//! answering a share of requests with an HTML 200 before they reach the
//! server (on any path, sign-ins and look-ups included), and proxy answers
//! (HTML 400/404/413, a 302 to another port, wrong-shape JSON, garbage,
//! HTML and empty 200s) among the dropped answers, before the server
//! commits in some rounds and after it in others. The simulated OpenLMIS
//! then runs without its physical-inventory guard, like older servers, so a
//! resent event is applied twice unless the agent looked it up first. The
//! final sync runs with the portal and the proxy gone (the network came
//! back), the plain faults still on.
//!
//! `--no-inventory-guard` turns that guard off without the hostile network.
//! The forms looked up and found in OpenLMIS (so not sent again) are
//! counted from the outbox's audit trail and printed before the verdict.
//!
//! What DHIS2 should hold is worked out from the form definitions read as
//! plain JSON (`crate::truth`), not with the agent's own mapping.

use crate::drafts::DraftGen;
use crate::from_forms::FromForms;
use agent_core::draft::Draft;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::{Agent, AgentConfig, FacilityMap, FormSet, Period, PeriodType};
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::faults::{FaultConfig, HostileKind};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `cli-sim chaos`.
#[derive(Debug, Clone, clap::Args)]
pub struct ChaosArgs {
    /// Seed of every random choice (kill moments, faults, form contents).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Forms to record (spread over facilities, forms and past months).
    #[arg(long, default_value_t = 100)]
    pub forms: u32,
    /// How many times the syncing process is killed.
    #[arg(long, default_value_t = 20)]
    pub kills: u32,
    /// Share of answers dropped after the server committed (0..1).
    #[arg(long, default_value_t = 0.2)]
    pub drop_rate: f64,
    /// Share of requests answered with a 5xx before processing (0..1).
    #[arg(long, default_value_t = 0.05)]
    pub error_rate: f64,
    /// Add captive-portal 200s and proxy errors (some after the server
    /// committed) and turn the OpenLMIS physical-inventory guard off.
    #[arg(long)]
    pub hostile: bool,
    /// Turn the OpenLMIS physical-inventory guard off (a repeated
    /// `resourceId` is applied again, as on servers without the guard).
    #[arg(long)]
    pub no_inventory_guard: bool,
    /// With --hostile: share of requests a captive portal answers (0..1).
    #[arg(long, default_value_t = 0.08)]
    pub portal_rate: f64,
    /// With --hostile: share of requests a proxy answers with a hostile answer (0..1).
    #[arg(long, default_value_t = 0.12)]
    pub hostile_rate: f64,
    /// Keep the working folder here (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<std::path::PathBuf>,
}

/// What the run found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Values or events that should be in a server but are not.
    pub lost: Vec<String>,
    /// Values, events or movements that are in a server more than once,
    /// or that no form gave.
    pub duplicated: Vec<String>,
    /// Values a server holds that differ from the forms' (a DHIS2 value, a
    /// stock on hand): lost or repeated movements, or a wrong payload.
    pub wrong: Vec<String>,
    /// Forms the agent's outbox says a server accepted that the server
    /// does not hold.
    pub false_delivered: Vec<String>,
    /// How many times the syncing process was killed.
    pub kills: u32,
    /// Stock events the agent looked up after an unknown outcome and found
    /// in OpenLMIS, so did not send again (from the outbox's audit trail).
    pub found_by_lookup: u32,
    /// Answers the simulated OpenLMIS dropped after committing.
    pub lmis_dropped_after_commit: u64,
}

/// Runs a chaos scenario; prints the verdict and returns the exit code.
pub fn run(args: ChaosArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let outcome = scenario(&args, &mut std::io::stderr())?;
    println!(
        "lmis: answers dropped after commit={} found by look-up={}",
        outcome.lmis_dropped_after_commit, outcome.found_by_lookup
    );
    println!(
        "kills={} lost={} duplicated={} wrong={} false_delivered={}",
        outcome.kills,
        outcome.lost.len(),
        outcome.duplicated.len(),
        outcome.wrong.len(),
        outcome.false_delivered.len()
    );
    for l in &outcome.lost {
        println!("lost: {l}");
    }
    for d in &outcome.duplicated {
        println!("duplicated: {d}");
    }
    for w in &outcome.wrong {
        println!("wrong: {w}");
    }
    for f in &outcome.false_delivered {
        println!("false delivered: {f}");
    }
    Ok(
        if outcome.lost.is_empty()
            && outcome.duplicated.is_empty()
            && outcome.wrong.is_empty()
            && outcome.false_delivered.is_empty()
        {
            crate::exit::OK
        } else {
            crate::exit::FAILURE
        },
    )
}

/// The scenario itself, with progress written to `log`.
pub fn scenario(
    args: &ChaosArgs,
    log: &mut dyn std::io::Write,
) -> Result<Outcome, Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let dir = args
        .keep
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let config_path = crate::demo::write_example_setup(&dir)?;
    let forms = FormSet::load_dir(&dir.join("forms")).map_err(|p| format!("{p:?}"))?;
    let defs = crate::truth::load_definitions(&dir.join("forms"))?;
    let facilities = FacilityMap::load(&dir.join("facilities.json")).map_err(|p| p.join("; "))?;
    let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
    lc.seed = args.seed;
    lc.inventory_guard = !(args.hostile || args.no_inventory_guard);
    let lmis = OpenLmisMock::start(lc, 0)?;
    let mut dc = Dhis2MockConfig::from_forms(&forms, &facilities);
    dc.seed = args.seed;
    let dhis2 = Dhis2Mock::start(dc, 0)?;
    connect(&dir, &config_path, &dhis2.url(), &lmis.url())?;

    // The forms: every facility and form, month after month going back,
    // openings carried forward so stock cards chain.
    let truth = record(&config_path, &forms, &facilities, args)?;
    writeln!(log, "recorded {} forms in {}", truth.len(), dir.display())?;

    let plain = |seed: u64| FaultConfig {
        rate_drop_after_commit: args.drop_rate,
        rate_5xx: args.error_rate,
        latency_ms: 2,
        seed,
        ..Default::default()
    };
    // Whether this round's proxy answers after the server committed.
    let after_commit = std::cell::Cell::new(false);
    let faults = |seed: u64| {
        if args.hostile {
            FaultConfig {
                rate_portal: args.portal_rate,
                hostile: HOSTILE_MIX.to_vec(),
                rate_hostile: args.hostile_rate,
                hostile_after_commit: after_commit.get(),
                ..plain(seed)
            }
        } else {
            plain(seed)
        }
    };
    dhis2.faults().set(faults(args.seed));
    lmis.faults().set(faults(args.seed + 1));
    let exe = std::env::current_exe()?;
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let mut kills = 0;
    let started = Instant::now();
    while kills < args.kills {
        if args.hostile {
            // Each round the proxy answers before or after the commit.
            after_commit.set(rng.bool());
            dhis2.faults().set(faults(rng.u64(..)));
            lmis.faults().set(faults(rng.u64(..)));
        }
        // Now and then a server goes down for a moment.
        if rng.u8(0..5) == 0 {
            let server = if rng.bool() {
                dhis2.faults()
            } else {
                lmis.faults()
            };
            server.set(FaultConfig {
                down_for_secs: 0.3,
                ..faults(rng.u64(..))
            });
        }
        let mut child = Command::new(&exe)
            .arg("--config")
            .arg(&config_path)
            .args([
                "sync",
                "--retry-now",
                "--until-done",
                "10000",
                "--budget-secs",
                "30",
                "--json",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(rng.u64(30..400)));
        let finished = child.try_wait()?.is_some();
        child.kill().ok(); // SIGKILL on Unix.
        child.wait()?;
        if finished {
            writeln!(log, "the queues emptied before kill {}", kills + 1)?;
            break;
        }
        kills += 1;
    }
    writeln!(
        log,
        "{kills} kills in {:.1} s; finishing without kills",
        started.elapsed().as_secs_f64()
    )?;
    // Finish with the faults still on, no more kills. Bounded passes. The
    // portal and the proxy are gone: the network came back.
    dhis2.faults().set(plain(args.seed + 2));
    lmis.faults().set(plain(args.seed + 3));
    let status = Command::new(&exe)
        .arg("--config")
        .arg(&config_path)
        .args([
            "sync",
            "--retry-now",
            "--until-done",
            "2000",
            "--budget-secs",
            "60",
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    writeln!(log, "final sync exit code {:?}", status.code())?;
    dhis2.faults().set(FaultConfig::default());
    lmis.faults().set(FaultConfig::default());

    let mut outcome = check(&truth, &defs, &forms, &facilities, &dhis2, &lmis);
    outcome.false_delivered =
        false_delivered(&config_path, &truth, &defs, &facilities, &dhis2, &lmis)?;
    outcome.kills = kills;
    outcome.found_by_lookup = found_by_lookup(&config_path)?;
    outcome.lmis_dropped_after_commit = lmis.stats().dropped_after_commit;
    dhis2.stop();
    lmis.stop();
    Ok(outcome)
}

/// Points the agent's configuration at the simulated servers (with the
/// simulated servers' credentials in files).
fn connect(
    dir: &std::path::Path,
    config_path: &std::path::Path,
    dhis2_url: &str,
    lmis_url: &str,
) -> std::io::Result<()> {
    crate::demo::write_secret(&dir.join("dhis2-password"), "district\n")?;
    crate::demo::write_secret(&dir.join("lmis-password"), "password\n")?;
    crate::demo::write_secret(&dir.join("lmis-secret"), "changeme\n")?;
    let mut text = std::fs::read_to_string(config_path)?;
    text.push_str(&format!(
        "[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_file = \"dhis2-password\"\nbatch_max_values = 300\n\
         [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\nclient_secret_file = \"lmis-secret\"\n\
         username = \"administrator\"\npassword_file = \"lmis-password\"\n",
        dhis2_url,
        lmis_url
    ));
    std::fs::write(config_path, text)?;
    Ok(())
}

/// Stock events the outbox's audit trail says were found in the LMIS by a
/// look-up (and so not sent again).
fn found_by_lookup(config: &std::path::Path) -> Result<u32, Box<dyn std::error::Error>> {
    let agent = Agent::open(&AgentConfig::load(config)?)?;
    let mut n = 0;
    for s in agent.list(None, u32::MAX)? {
        n += agent
            .inspect(&s.id)?
            .audit
            .iter()
            .filter(|a| {
                a.destination == Some(Destination::Lmis)
                    && a.to_state == Some(DeliveryState::Delivered)
                    && a.detail
                        .as_deref()
                        .is_some_and(|d| d.contains("found in the LMIS by look-up"))
            })
            .count() as u32;
    }
    Ok(n)
}

/// What DHIS2 should hold for a draft, from the definitions as plain JSON.
fn expected_values(
    defs: &BTreeMap<String, serde_json::Value>,
    d: &Draft,
) -> Vec<crate::truth::ExpectedValue> {
    match (defs.get(&d.form), serde_json::to_value(d)) {
        (Some(def), Ok(draft)) => crate::truth::dhis2_values(def, &draft),
        _ => Vec::new(),
    }
}

/// The proxy answers of `--hostile` (the portal comes on top of them).
const HOSTILE_MIX: [HostileKind; 8] = [
    HostileKind::Html200,
    HostileKind::Empty200,
    HostileKind::WrongShape200,
    HostileKind::Garbage200,
    HostileKind::Redirect302,
    HostileKind::Html400,
    HostileKind::Html404,
    HostileKind::TooLarge413,
];

/// Forms the agent's outbox says a server accepted that the server does
/// not hold: for DHIS2, a value of the form missing; for OpenLMIS, no event
/// with the delivered revision's `resourceId`.
fn false_delivered(
    config: &std::path::Path,
    truth: &[Draft],
    defs: &BTreeMap<String, serde_json::Value>,
    facilities: &FacilityMap,
    dhis2: &Dhis2Mock,
    lmis: &OpenLmisMock,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let agent = Agent::open(&AgentConfig::load(config)?)?;
    let statuses = agent.list(None, u32::MAX)?;
    let by_key: BTreeMap<(String, String, String), &Draft> = truth
        .iter()
        .filter_map(|d| {
            let pe = Period::parse(&d.period).ok()?;
            Some(((d.facility.clone(), d.form.clone(), pe.dhis2_id()), d))
        })
        .collect();
    let held: BTreeSet<(String, String, String, String)> = dhis2
        .values()
        .into_iter()
        .map(|v| (v.data_element, v.period, v.org_unit, v.coc))
        .collect();
    let resource_ids: BTreeSet<String> = lmis
        .events()
        .into_iter()
        .filter_map(|e| e.resource_id)
        .collect();
    let mut out = Vec::new();
    for s in &statuses {
        let name = format!("{} {} {}", s.facility, s.form, s.period);
        for d in &s.destinations {
            if d.state != DeliveryState::Delivered {
                continue;
            }
            match d.destination {
                Destination::Dhis2 => {
                    let key = (s.facility.clone(), s.form.clone(), s.period.clone());
                    let (Some(draft), Some(f)) = (by_key.get(&key), facilities.get(&s.facility))
                    else {
                        out.push(format!(
                            "{name}: DHIS2 delivered, but no such form was recorded"
                        ));
                        continue;
                    };
                    let Some(ou) = &f.dhis2_org_unit else {
                        continue;
                    };
                    let missing = expected_values(defs, draft)
                        .into_iter()
                        .filter(|r| {
                            !held.contains(&(
                                r.data_element.clone(),
                                s.period.clone(),
                                ou.clone(),
                                r.coc.clone(),
                            ))
                        })
                        .count();
                    if missing > 0 {
                        out.push(format!(
                            "{name}: the outbox says DHIS2 accepted it; DHIS2 lacks {missing} of its values"
                        ));
                    }
                }
                Destination::Lmis => {
                    let revision = d.delivered_revision.unwrap_or(d.revision);
                    let rid = agent_core::lmis::event_resource_id(&s.id, revision);
                    if !resource_ids.contains(&rid) {
                        out.push(format!(
                            "{name}: the outbox says OpenLMIS accepted revision {revision}; OpenLMIS holds no event {rid}"
                        ));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Records the forms through the agent; returns the latest content of each.
fn record(
    config: &std::path::Path,
    forms: &FormSet,
    facilities: &FacilityMap,
    args: &ChaosArgs,
) -> Result<Vec<Draft>, Box<dyn std::error::Error>> {
    let agent = Agent::open(&AgentConfig::load(config)?)?;
    let mut combos = Vec::new();
    for f in facilities.iter() {
        for def in forms.iter() {
            if f.forms.is_empty() || f.forms.contains(&def.id) {
                combos.push((f.code.clone(), def.clone()));
            }
        }
    }
    let months_needed = (args.forms as usize).div_ceil(combos.len().max(1));
    let mut month = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
    let mut months = Vec::new();
    for _ in 0..months_needed {
        months.push(month);
        month = month.previous();
    }
    months.reverse();
    let mut g = DraftGen::new(args.seed);
    let mut opening: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
    let mut out = Vec::new();
    'months: for m in &months {
        for (facility, def) in &combos {
            if out.len() as u32 >= args.forms {
                break 'months;
            }
            let key = (facility.clone(), def.id.clone());
            let d = g.draft(
                def,
                facility,
                &m.iso(),
                opening.get(&key).unwrap_or(&BTreeMap::new()),
            );
            opening.insert(
                key,
                d.stock
                    .iter()
                    .filter_map(|(k, e)| Some((k.clone(), e.closing_balance?)))
                    .collect(),
            );
            agent.submit(&d, true)?;
            out.push(d);
        }
    }
    Ok(out)
}

/// Compares both servers with what the forms say.
fn check(
    truth: &[Draft],
    defs: &BTreeMap<String, serde_json::Value>,
    forms: &FormSet,
    facilities: &FacilityMap,
    dhis2: &Dhis2Mock,
    lmis: &OpenLmisMock,
) -> Outcome {
    let mut o = Outcome::default();
    // DHIS2: exactly the forms' values, each once (values are keyed, so a
    // duplicate shows as a wrong or extra value).
    let mut expected: BTreeMap<(String, String, String, String), String> = BTreeMap::new();
    for d in truth {
        let Some(f) = facilities.get(&d.facility) else {
            continue;
        };
        let (Some(ou), Ok(pe)) = (&f.dhis2_org_unit, Period::parse(&d.period)) else {
            continue;
        };
        for r in expected_values(defs, d) {
            expected.insert((r.data_element, pe.dhis2_id(), ou.clone(), r.coc), r.value);
        }
    }
    let held: BTreeMap<_, _> = dhis2
        .values()
        .into_iter()
        .map(|v| ((v.data_element, v.period, v.org_unit, v.coc), v.value))
        .collect();
    for (k, v) in &expected {
        match held.get(k) {
            None => o.lost.push(format!("DHIS2 value {k:?} = {v}")),
            Some(h) if h != v => o
                .wrong
                .push(format!("DHIS2 value {k:?} is {h}, expected {v}")),
            _ => {}
        }
    }
    for k in held.keys().filter(|k| !expected.contains_key(*k)) {
        o.duplicated
            .push(format!("DHIS2 holds an unexpected value {k:?}"));
    }
    // OpenLMIS: one event per form, none twice, exact stock and consumption.
    let events = lmis.events();
    let mut seen = BTreeSet::new();
    for e in &events {
        if let Some(r) = &e.resource_id
            && !seen.insert(r.clone())
        {
            o.duplicated
                .push(format!("OpenLMIS applied event {r} twice"));
        }
    }
    let lmis_forms = truth
        .iter()
        .filter(|d| forms.get(&d.form).is_some_and(|f| f.lmis.is_some()))
        .count();
    if events.len() < lmis_forms {
        o.lost.push(format!(
            "OpenLMIS holds {} stock events for {lmis_forms} forms",
            events.len()
        ));
    } else if events.len() > lmis_forms {
        o.duplicated.push(format!(
            "OpenLMIS holds {} stock events for {lmis_forms} forms",
            events.len()
        ));
    }
    let mut last: BTreeMap<(String, String), &Draft> = BTreeMap::new();
    let mut consumed: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for d in truth {
        last.insert((d.facility.clone(), d.form.clone()), d);
        for (code, e) in &d.stock {
            *consumed
                .entry((d.facility.clone(), d.form.clone(), code.clone()))
                .or_insert(0) += e.consumed.unwrap_or(0);
        }
    }
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or_default(),
    );
    for ((facility, form), d) in &last {
        let (Some(def), Some(f)) = (forms.get(form), facilities.get(facility)) else {
            continue;
        };
        let (Some(l), Some(fid)) = (&def.lmis, &f.lmis_facility_id) else {
            continue;
        };
        for p in &def.products {
            let want = d.stock.get(&p.code).and_then(|e| e.closing_balance);
            let soh = lmis.stock_on_hand(fid, &l.program_id, &p.lmis_orderable_id);
            if soh != want {
                o.wrong.push(format!(
                    "{facility} {}: stock on hand {soh:?}, expected {want:?}",
                    p.code
                ));
            }
            let total = -lmis.tag_total(
                fid,
                &l.program_id,
                &p.lmis_orderable_id,
                "consumed",
                from,
                to,
            );
            let expect = consumed
                .get(&(facility.clone(), form.clone(), p.code.clone()))
                .copied()
                .unwrap_or(0);
            if total > expect {
                o.duplicated.push(format!(
                    "{facility} {}: consumed counted {total}, expected {expect}",
                    p.code
                ));
            } else if total < expect {
                o.lost.push(format!(
                    "{facility} {}: consumed counted {total}, expected {expect}",
                    p.code
                ));
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outbox check is not a rubber stamp: forms really delivered pass;
    /// checked against servers that never received them, each delivered
    /// destination is reported.
    #[test]
    fn the_outbox_check_reports_deliveries_the_servers_do_not_hold() {
        let dir = tempfile::tempdir().unwrap();
        let config_path = crate::demo::write_example_setup(dir.path()).unwrap();
        let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
        let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
        let start = || {
            (
                Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap(),
                OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0)
                    .unwrap(),
            )
        };
        let (dhis2, lmis) = start();
        connect(dir.path(), &config_path, &dhis2.url(), &lmis.url()).unwrap();
        let config = AgentConfig::load(&config_path).unwrap();
        let agent = Agent::open(&config).unwrap();
        let month = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
        let def = forms.get("chw-monthly").unwrap();
        let d = DraftGen::new(3).draft(def, "HP-001", &month.iso(), &BTreeMap::new());
        let id = agent.submit(&d, true).unwrap().id;
        let creds = agent_core::credentials::ConfigCredentials::new(&config);
        agent
            .sync(
                agent_core::sync::SyncBudget::time(Duration::from_secs(20)),
                &creds,
                false,
            )
            .unwrap();
        let status = agent.status(&id).unwrap();
        assert_eq!(status.overall, DeliveryState::Delivered, "{status:?}");
        drop(agent);
        let truth = std::slice::from_ref(&d);
        let defs = crate::truth::load_definitions(&dir.path().join("forms")).unwrap();
        let none = false_delivered(&config_path, truth, &defs, &facilities, &dhis2, &lmis).unwrap();
        assert_eq!(none, Vec::<String>::new());
        let (empty_dhis2, empty_lmis) = start();
        let found = false_delivered(
            &config_path,
            truth,
            &defs,
            &facilities,
            &empty_dhis2,
            &empty_lmis,
        )
        .unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("DHIS2 lacks"), "{found:?}");
        assert!(found[1].contains("OpenLMIS holds no event"), "{found:?}");
    }

    /// The checker is not a rubber stamp: it reports a form that never
    /// arrived, and a value nobody recorded.
    #[test]
    fn the_checker_reports_losses_and_extras() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write_example_setup(dir.path()).unwrap();
        let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
        let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
        let defs = crate::truth::load_definitions(&dir.path().join("forms")).unwrap();
        let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
        let lmis =
            OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
        let def = forms.get("chw-monthly").unwrap();
        let d = DraftGen::new(1).draft(def, "HP-001", "2026-09", &BTreeMap::new());
        let o = check(
            std::slice::from_ref(&d),
            &defs,
            &forms,
            &facilities,
            &dhis2,
            &lmis,
        );
        assert!(o.lost.iter().any(|l| l.starts_with("DHIS2 value")), "{o:?}");
        assert!(
            o.lost
                .iter()
                .any(|l| l.contains("stock events for 1 forms")),
            "{o:?}"
        );
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        // Writes one value of the form's first service field into DHIS2
        // behind the agent's back, then checks the servers again.
        let f = &def.service[0];
        let write_value = |facility: &str, value: String| {
            let ou = facilities.get(facility).unwrap().dhis2_org_unit.clone();
            let body = serde_json::json!({"dataSet": def.dhis2.data_set, "period": "202609", "orgUnit": ou,
                "dataValues": [{"dataElement": f.data_element, "categoryOptionCombo": f.category_option_combo, "value": value}]});
            agent
                .post(&format!("{}/api/dataValueSets", dhis2.url()))
                .header(
                    "Authorization",
                    agent_core::http::basic_auth("admin", "district"),
                )
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .unwrap();
            check(
                std::slice::from_ref(&d),
                &defs,
                &forms,
                &facilities,
                &dhis2,
                &lmis,
            )
        };
        // A value DHIS2 holds that no form recorded is reported too.
        let o = write_value("HP-002", "5".into());
        assert!(
            o.duplicated.iter().any(|x| x.contains("unexpected value")),
            "{o:?}"
        );
        // A value that differs from the form's is wrong, not lost.
        let other = d.service.get(&f.key).copied().unwrap_or(0) + 1;
        let o = write_value("HP-001", other.to_string());
        assert!(
            o.wrong
                .iter()
                .any(|x| x.contains(&format!("is {other}, expected"))),
            "{o:?}"
        );
    }
}
