//! `cli-sim demo`: a month of forms for several health posts, recorded
//! through the agent's public API in a temporary folder and synced to a
//! simulated DHIS2 started on a free loopback port, with the cases a health
//! worker meets: a warning to confirm, an invalid form explained field by
//! field, a double tap, a correction, a server that is down, and a late
//! report that DHIS2 refuses because the period is closed.

use crate::drafts::DraftGen;
use crate::from_forms::FromForms;
use crate::show::{self, t, tid};
use agent_core::Message;
use agent_core::credentials::ConfigCredentials;
use agent_core::outbox::Destination;
use agent_core::sync::SyncBudget;
use agent_core::{Agent, AgentConfig, AgentError, FacilityMap, FormSet, Period, PeriodType};
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig, VersionFamily};
use sim_servers::faults::FaultConfig;
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Writes the example forms, facility map and an `agent.toml` into `dir`.
pub fn write_example_setup(dir: &Path) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir.join("forms"))?;
    for (name, text) in crate::EXAMPLE_FORMS {
        std::fs::write(dir.join("forms").join(name), text)?;
    }
    std::fs::write(dir.join("facilities.json"), crate::EXAMPLE_FACILITIES)?;
    let config = dir.join("agent.toml");
    std::fs::write(
        &config,
        "[agent]\ndatabase = \"outbox.sqlite\"\nforms = \"forms\"\nfacilities = \"facilities.json\"\n",
    )?;
    Ok(config)
}

/// Writes a secret file readable by its owner only (0600 on Unix), as the
/// agent expects of the files `agent.toml` names.
pub fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// Runs the demo, writing to `out` in `locale` (English when none, or one
/// the agent does not have). Returns an error only for failures the demo
/// does not expect.
pub fn run(
    out: &mut dyn Write,
    keep: Option<&Path>,
    locale: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or(tmp.path());
    let config_path = write_example_setup(dir)?;

    // The simulated DHIS2, with the metadata of the example forms. Periods
    // close 90 days after they end, as many countries configure it.
    let forms = FormSet::load_dir(&dir.join("forms")).map_err(|p| format!("{p:?}"))?;
    let facilities = FacilityMap::load(&dir.join("facilities.json")).map_err(|p| p.join("; "))?;
    let mut mc = Dhis2MockConfig::from_forms(&forms, &facilities);
    mc.version = VersionFamily::V2_40;
    for ds in &mut mc.data_sets {
        ds.expiry_days = 90.0;
    }
    let dhis2 = Dhis2Mock::start(mc, 0)?;
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0)?;
    // Passwords go in files next to the config, never on a command line.
    write_secret(&dir.join("dhis2-password"), "district\n")?;
    write_secret(&dir.join("lmis-password"), "password\n")?;
    write_secret(&dir.join("lmis-client-secret"), "changeme\n")?;
    let mut text = std::fs::read_to_string(&config_path)?;
    text.push_str(&format!(
        "[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_file = \"dhis2-password\"\n\
         [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"user-client\"\n\
         client_secret_file = \"lmis-client-secret\"\nusername = \"administrator\"\npassword_file = \"lmis-password\"\n",
        dhis2.url(),
        lmis.url()
    ));
    std::fs::write(&config_path, text)?;

    let config = AgentConfig::load(&config_path)?;
    let agent = Agent::open(&config)?;
    if let Some(l) = locale {
        agent.set_locale(l);
    }
    show::set_locale(&agent.locale());
    let creds = ConfigCredentials::new(&config);
    let today = agent.clock().today();
    let month = Period::containing(PeriodType::Monthly, today).previous();
    writeln!(out, "{}", tid("demo-title"))?;
    let line = |m: Message| t(&m);
    writeln!(
        out,
        "{}",
        line(Message::new("demo-folder").text("path", dir.display().to_string()))
    )?;
    writeln!(
        out,
        "{}",
        line(Message::new("demo-dhis2").text("url", dhis2.url()))
    )?;
    writeln!(
        out,
        "{}",
        line(Message::new("demo-lmis").text("url", lmis.url()))
    )?;
    let shown = agent.locale();
    let titles = agent
        .forms()
        .iter()
        .map(|f| f.title_in(&shown))
        .collect::<Vec<_>>()
        .join("; ");
    writeln!(
        out,
        "{}",
        line(Message::new("demo-forms").text("forms", titles))
    )?;
    writeln!(
        out,
        "{}\n",
        line(
            Message::new("demo-facilities")
                .num("count", agent.facilities().len() as i64)
                .text("month", month.iso())
        )
    )?;

    let mut drafts = DraftGen::new(7);
    let chw = agent
        .form("chw-monthly")
        .ok_or("the example CHW form is missing")?;
    let maternal = agent
        .form("hp-maternal-monthly")
        .ok_or("the example maternal form is missing")?;
    let mut saved = Vec::new();

    writeln!(out, "{}", tid("demo-step-record"))?;
    let all: Vec<_> = agent.facilities().iter().cloned().collect();
    for f in &all {
        for def in [&chw, &maternal] {
            if !f.forms.is_empty() && !f.forms.contains(&def.id) {
                continue;
            }
            let draft = drafts.draft(def, &f.code, &month.iso(), &BTreeMap::new());
            let r = agent.submit(&draft, false)?;
            writeln!(
                out,
                "  {}",
                line(
                    Message::new("demo-saved")
                        .text("form", format!("{:<20}", def.id))
                        .text("facility", format!("{:<7}", f.code))
                        .text("id", r.id.as_str())
                        .num("revision", i64::from(r.revision))
                )
            )?;
            saved.push((r.id, draft));
        }
    }

    writeln!(out, "\n{}", tid("demo-step-confirm"))?;
    let (warn_id, mut warn_draft) = saved.first().cloned().ok_or("nothing saved")?;
    let act = warn_draft
        .stock
        .get_mut("ACT-6x1")
        .ok_or("ACT-6x1 missing")?;
    act.consumed = act.consumed.map(|c| c + 30);
    act.received = act.received.map(|r| r + 30);
    match agent.submit(&warn_draft, false) {
        Err(AgentError::NeedsConfirmation { findings }) => {
            write!(out, "{}", show::findings(&findings))?;
            writeln!(out, "  {}", tid("demo-confirms"))?;
            let r = agent.submit(&warn_draft, true)?;
            writeln!(
                out,
                "  {}",
                line(
                    Message::new("demo-saved-correction")
                        .text("id", warn_id.as_str())
                        .num("revision", i64::from(r.revision))
                )
            )?;
        }
        other => unexpected(out, &other)?,
    }

    writeln!(out, "\n{}", tid("demo-step-invalid"))?;
    let (_, mut bad) = saved.get(2).cloned().ok_or("nothing saved")?;
    bad.period = "2026-13".into();
    bad.service.insert("malaria_rdt_positive".into(), 9999);
    if let Some(e) = bad.stock.get_mut("ORS") {
        e.closing_balance = e.closing_balance.map(|c| c + 7);
    }
    bad.stock.remove("ZINC");
    match agent.submit(&bad, false) {
        Err(AgentError::InvalidDraft { findings }) => write!(out, "{}", show::findings(&findings))?,
        other => unexpected(out, &other)?,
    }

    writeln!(out, "\n{}", tid("demo-step-double-tap"))?;
    let (first_id, first) = saved.get(1).cloned().ok_or("nothing saved")?;
    let again = agent.submit(&first, false)?;
    let tap = if again.id == first_id && again.duplicate {
        "demo-double-tap-same"
    } else {
        "demo-double-tap-new"
    };
    writeln!(out, "  {}", tid(tap))?;

    let mut late_period = month;
    for _ in 0..5 {
        late_period = late_period.previous();
    }
    writeln!(
        out,
        "\n{}",
        line(Message::new("demo-step-late").text("period", late_period.iso()))
    )?;
    let late = drafts.draft(&chw, "HP-002", &late_period.iso(), &BTreeMap::new());
    let late_id = agent.submit(&late, true)?.id;
    writeln!(
        out,
        "  {}",
        line(Message::new("demo-saved-id").text("id", late_id.as_str()))
    )?;

    writeln!(out, "\n{}", tid("demo-step-offline"))?;
    dhis2.faults().set(FaultConfig {
        down_for_secs: 600.0,
        ..Default::default()
    });
    lmis.faults().set(FaultConfig {
        down_for_secs: 600.0,
        ..Default::default()
    });
    let report = agent.sync(SyncBudget::time(Duration::from_secs(20)), &creds, false)?;
    write!(out, "{}", indent(&show::sync_report(&report)))?;

    writeln!(out, "\n{}", tid("demo-step-online"))?;
    dhis2.faults().end_down();
    lmis.faults().end_down();
    agent.network_available()?;
    let report = sync_with_progress(&agent, &creds)?;
    write!(out, "{}", indent(&show::sync_report(&report)))?;

    writeln!(out, "\n{}", tid("demo-step-why"))?;
    let st = agent.status(&late_id)?;
    for d in st
        .destinations
        .iter()
        .filter(|d| d.destination == Destination::Dhis2)
    {
        let why = d
            .last_error_message()
            .unwrap_or_else(|| agent_core::outbox::plain_text(""));
        writeln!(
            out,
            "  {} {}: {}",
            st.facility,
            show::period(&st.period),
            t(&why)
        )?;
        write!(out, "{}", show::problems(&d.problems, "    "))?;
    }

    writeln!(out, "\n{}", tid("demo-step-held"))?;
    let held = read_back(&dhis2.url(), &chw.dhis2.data_set, &month.dhis2_id(), &all)?;
    for (facility, n) in &held {
        writeln!(
            out,
            "  {}",
            line(
                Message::new("demo-values")
                    .text("facility", format!("{facility:<8}"))
                    .text("month", month.iso())
                    .num("count", *n as i64)
            )
        )?;
    }
    writeln!(
        out,
        "  {}",
        line(Message::new("demo-completions").num("count", dhis2.completions().len() as i64))
    )?;

    writeln!(out, "\n{}", tid("demo-step-stock-cards"))?;
    for (id, d) in saved.iter().filter(|(_, d)| d.period == month.iso()) {
        let Some(def) = agent.form(&d.form) else {
            continue;
        };
        let Some(f) = agent.facilities().get(&d.facility) else {
            continue;
        };
        let (Some(fid), Some(l)) = (&f.lmis_facility_id, &def.lmis) else {
            continue;
        };
        let detail = agent.inspect(id)?;
        let latest: agent_core::draft::Draft = serde_json::from_str(
            &detail
                .revisions
                .last()
                .map(|r| r.content.clone())
                .unwrap_or_default(),
        )?;
        let cells: Vec<String> = def
            .products
            .iter()
            .map(|p| {
                let soh = lmis.stock_on_hand(fid, &l.program_id, &p.lmis_orderable_id);
                let close = latest.stock.get(&p.code).and_then(|e| e.closing_balance);
                let mark = if soh == close { "" } else { " (!)" };
                format!(
                    "{} {}{mark}",
                    p.code,
                    soh.map_or("-".into(), |v| v.to_string())
                )
            })
            .collect();
        writeln!(
            out,
            "  {}",
            line(
                Message::new("demo-stock-card")
                    .text("facility", format!("{:<7}", d.facility))
                    .text("form", format!("{:<20}", def.id))
                    .num("revision", i64::from(detail.status.revision))
                    .text("cells", cells.join(", "))
            )
        )?;
    }
    writeln!(
        out,
        "  {}",
        line(Message::new("demo-events").num("count", lmis.events().len() as i64))
    )?;

    writeln!(
        out,
        "\n{}",
        line(Message::new("demo-step-cross-checks").text("month", month.iso()))
    )?;
    for (id, d) in saved
        .iter()
        .filter(|(_, d)| d.period == month.iso() && d.form == chw.id)
    {
        // The latest revision (the first form was corrected in step 2).
        let latest: agent_core::draft::Draft = agent
            .inspect(id)?
            .revisions
            .last()
            .map(|r| serde_json::from_str(&r.content))
            .transpose()?
            .unwrap_or_else(|| d.clone());
        write!(out, "{}", cross_checks(&chw, &latest, &d.facility))?;
    }

    writeln!(out, "\n{}", tid("demo-step-outbox"))?;
    write!(out, "{}", show::status_table(&agent.list(None, 50)?))?;
    write!(out, "{}", show::health(&agent.health()?))?;
    dhis2.stop();
    lmis.stop();
    Ok(())
}

/// Syncs in small passes (a few requests each) with a progress bar on
/// stderr (hidden when stderr is not a terminal), and sums the passes into
/// one report. Bounded: at most 200 passes.
fn sync_with_progress(
    agent: &Agent,
    creds: &dyn agent_core::credentials::CredentialProvider,
) -> Result<agent_core::sync::SyncReport, Box<dyn std::error::Error>> {
    let before = agent.health()?;
    let queued = |h: &agent_core::outbox::OutboxHealth| -> u64 {
        h.counts
            .iter()
            .filter(|c| {
                matches!(
                    c.state,
                    agent_core::outbox::DeliveryState::Pending
                        | agent_core::outbox::DeliveryState::InFlight
                )
            })
            .map(|c| c.count)
            .sum()
    };
    let total = queued(&before);
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "  {} [{{bar:30}}] {{pos}}/{{len}} {} {{msg}}",
            tid("demo-syncing"),
            tid("demo-parts-sent")
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut sum: Option<agent_core::sync::SyncReport> = None;
    for _ in 0..200 {
        let r = agent.sync(
            SyncBudget {
                max_duration: Duration::from_secs(30),
                max_requests: 4,
            },
            creds,
            false,
        )?;
        let left = queued(&agent.health()?);
        bar.set_position(total.saturating_sub(left));
        let done = r.done || r.call_again_at.is_none_or(|t| t > agent.clock().now());
        sum = Some(match sum {
            None => r,
            Some(mut acc) => {
                for d in r.destinations {
                    if let Some(a) = acc
                        .destinations
                        .iter_mut()
                        .find(|a| a.destination == d.destination)
                    {
                        a.delivered.extend(d.delivered);
                        a.rejected.extend(d.rejected);
                        a.failures.extend(d.failures);
                        a.requests += d.requests;
                        a.bytes_sent += d.bytes_sent;
                        a.bytes_received += d.bytes_received;
                        a.queued = d.queued;
                        a.next_attempt_at = d.next_attempt_at;
                        a.held = d.held;
                        a.note = d.note;
                    }
                }
                acc.done = r.done;
                acc.call_again_at = r.call_again_at;
                acc
            }
        });
        if done {
            break;
        }
    }
    bar.finish_and_clear();
    sum.ok_or_else(|| "no sync pass ran".into())
}

/// What the demo did not expect, in one line.
fn unexpected(
    out: &mut dyn Write,
    what: &dyn std::fmt::Debug,
) -> Result<(), Box<dyn std::error::Error>> {
    let m = Message::new("demo-unexpected").text("what", format!("{what:?}"));
    writeln!(out, "  {}", t(&m))?;
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

/// Reads DHIS2's values for one data set and period back over HTTP, per facility.
fn read_back(
    url: &str,
    data_set: &str,
    period: &str,
    facilities: &[agent_core::mapping::Facility],
) -> Result<Vec<(String, usize)>, Box<dyn std::error::Error>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut out = Vec::new();
    for f in facilities {
        let Some(ou) = &f.dhis2_org_unit else {
            continue;
        };
        let text = agent
            .get(&format!(
                "{url}/api/dataValueSets?dataSet={data_set}&period={period}&orgUnit={ou}"
            ))
            .header(
                "Authorization",
                agent_core::http::basic_auth("admin", "district"),
            )
            .call()?
            .body_mut()
            .read_to_string()?;
        let body: serde_json::Value = serde_json::from_str(&text)?;
        let n = body
            .get("dataValues")
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len);
        out.push((f.code.clone(), n));
    }
    Ok(out)
}

/// The ratio rules of a form for one draft: each commodity's consumption
/// next to the services it should match, with the expected band.
fn cross_checks(
    def: &agent_core::FormDefinition,
    d: &agent_core::draft::Draft,
    facility: &str,
) -> String {
    use agent_core::form::{RuleOp, Term};
    let value = |t: &Term| -> f64 {
        match t {
            Term::Service { service, factor } => {
                d.service.get(service).copied().unwrap_or(0) as f64 * factor
            }
            Term::Stock {
                product,
                quantity,
                factor,
            } => {
                d.stock
                    .get(product)
                    .and_then(|e| e.get(*quantity))
                    .unwrap_or(0) as f64
                    * factor
            }
        }
    };
    let mut s = format!("  {facility}\n");
    for r in def.rules.iter().filter(|r| r.op == RuleOp::Ratio) {
        let l: f64 = r.left.iter().map(value).sum();
        let rv: f64 = r.right.iter().map(value).sum();
        let ratio = if rv > 0.0 { l / rv } else { 0.0 };
        let ok = rv == 0.0 && l == 0.0
            || rv > 0.0
                && r.min_ratio.is_none_or(|lo| ratio >= lo - 1e-9)
                && r.max_ratio.is_none_or(|hi| ratio <= hi + 1e-9);
        let bound = |b: Option<f64>| b.map_or(String::new(), show::decimal_short);
        let m = Message::new("demo-cross-check")
            .text(
                "left",
                format!(
                    "{:<32}",
                    r.left_label.clone().unwrap_or_else(|| r.id.clone())
                ),
            )
            .text("left_value", format!("{l:>6}"))
            .text(
                "right",
                format!("{:<34}", r.right_label.clone().unwrap_or_default()),
            )
            .text("right_value", format!("{rv:>5}"))
            .text("ratio", format!("{:>5}", show::decimal(ratio, 2)))
            .text("min", bound(r.min_ratio))
            .text("max", bound(r.max_ratio))
            .id(
                "verdict",
                if ok {
                    "demo-check-ok"
                } else {
                    "demo-check-look"
                },
            );
        s.push_str(&format!("    {}\n", t(&m)));
    }
    s
}
