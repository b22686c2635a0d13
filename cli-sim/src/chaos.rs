//! `cli-sim chaos`: records forms, then runs the syncing process (this same
//! binary, `sync --retry-now`) and SIGKILLs it at random moments while the
//! simulated servers drop answers after committing, fail with 5xx and go
//! down. At the end both servers are checked against the truth the forms
//! state: `lost=0 duplicated=0`, or the exact discrepancies (exit 1).
//! Every random choice comes from the seed.

use crate::drafts::DraftGen;
use crate::mock::dhis2::{DEFAULT_COC, Dhis2Mock, Dhis2MockConfig};
use crate::mock::faults::FaultConfig;
use crate::mock::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use agent_core::draft::Draft;
use agent_core::{Agent, AgentConfig, FacilityMap, FormSet, Period, PeriodType};
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
    /// Keep the working folder here (default: a temporary folder).
    #[arg(long)]
    pub keep: Option<std::path::PathBuf>,
}

/// What the run found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Values or events that should be in a server but are not.
    pub lost: Vec<String>,
    /// Values or movements that are in a server more than once or wrong.
    pub duplicated: Vec<String>,
    /// How many times the syncing process was killed.
    pub kills: u32,
}

/// Runs a chaos scenario; prints the verdict and returns the exit code.
pub fn run(args: ChaosArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let outcome = scenario(&args, &mut std::io::stderr())?;
    println!(
        "kills={} lost={} duplicated={}",
        outcome.kills,
        outcome.lost.len(),
        outcome.duplicated.len()
    );
    for l in &outcome.lost {
        println!("lost: {l}");
    }
    for d in &outcome.duplicated {
        println!("duplicated: {d}");
    }
    Ok(
        if outcome.lost.is_empty() && outcome.duplicated.is_empty() {
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
    let facilities = FacilityMap::load(&dir.join("facilities.json")).map_err(|p| p.join("; "))?;
    let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
    lc.seed = args.seed;
    let lmis = OpenLmisMock::start(lc, 0)?;
    let mut dc = Dhis2MockConfig::from_forms(&forms, &facilities);
    dc.seed = args.seed;
    let dhis2 = Dhis2Mock::start(dc, 0)?;
    crate::demo::write_secret(&dir.join("dhis2-password"), "district\n")?;
    crate::demo::write_secret(&dir.join("lmis-password"), "password\n")?;
    crate::demo::write_secret(&dir.join("lmis-secret"), "changeme\n")?;
    let mut text = std::fs::read_to_string(&config_path)?;
    text.push_str(&format!(
        "[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_file = \"dhis2-password\"\nbatch_max_values = 300\n\
         [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\nclient_secret_file = \"lmis-secret\"\n\
         username = \"administrator\"\npassword_file = \"lmis-password\"\n",
        dhis2.url(),
        lmis.url()
    ));
    std::fs::write(&config_path, text)?;

    // The forms: every facility and form, month after month going back,
    // openings carried forward so stock cards chain.
    let truth = record(&config_path, &forms, &facilities, args)?;
    writeln!(log, "recorded {} forms in {}", truth.len(), dir.display())?;

    let faults = |seed: u64| FaultConfig {
        rate_drop_after_commit: args.drop_rate,
        rate_5xx: args.error_rate,
        latency_ms: 2,
        seed,
        ..Default::default()
    };
    dhis2.faults().set(faults(args.seed));
    lmis.faults().set(faults(args.seed + 1));
    let exe = std::env::current_exe()?;
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let mut kills = 0;
    let started = Instant::now();
    while kills < args.kills {
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
    // Finish with the faults still on, no more kills. Bounded passes.
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

    let mut outcome = check(&truth, &forms, &facilities, &dhis2, &lmis);
    outcome.kills = kills;
    dhis2.stop();
    lmis.stop();
    Ok(outcome)
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
        let (Some(def), Some(f)) = (forms.get(&d.form), facilities.get(&d.facility)) else {
            continue;
        };
        let (Some(ou), Ok(pe)) = (&f.dhis2_org_unit, Period::parse(&d.period)) else {
            continue;
        };
        for r in agent_core::dhis2::values_of(def, d).0 {
            let coc = r
                .category_option_combo
                .unwrap_or_else(|| DEFAULT_COC.to_string());
            expected.insert((r.data_element, pe.dhis2_id(), ou.clone(), coc), r.value);
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
                .duplicated
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
                o.duplicated.push(format!(
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

    /// The checker is not a rubber stamp: it reports a form that never
    /// arrived, and a value nobody recorded.
    #[test]
    fn the_checker_reports_losses_and_extras() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write_example_setup(dir.path()).unwrap();
        let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
        let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
        let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
        let lmis =
            OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
        let def = forms.get("chw-monthly").unwrap();
        let d = DraftGen::new(1).draft(def, "HP-001", "2026-09", &BTreeMap::new());
        let o = check(std::slice::from_ref(&d), &forms, &facilities, &dhis2, &lmis);
        assert!(o.lost.iter().any(|l| l.starts_with("DHIS2 value")), "{o:?}");
        assert!(
            o.lost
                .iter()
                .any(|l| l.contains("stock events for 1 forms")),
            "{o:?}"
        );
        // A value DHIS2 holds that no form recorded is reported too.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let ou = facilities
            .get("HP-002")
            .unwrap()
            .dhis2_org_unit
            .clone()
            .unwrap();
        let body = serde_json::json!({"dataSet": def.dhis2.data_set, "period": "202609", "orgUnit": ou,
            "dataValues": [{"dataElement": def.service[0].data_element, "categoryOptionCombo": def.service[0].category_option_combo, "value": "5"}]});
        agent
            .post(&format!("{}/api/dataValueSets", dhis2.url()))
            .header(
                "Authorization",
                agent_core::http::basic_auth("admin", "district"),
            )
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let o = check(std::slice::from_ref(&d), &forms, &facilities, &dhis2, &lmis);
        assert!(
            o.duplicated.iter().any(|x| x.contains("unexpected value")),
            "{o:?}"
        );
    }
}
