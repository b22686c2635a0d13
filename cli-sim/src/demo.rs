//! `cli-sim demo`: a month of forms for several health posts, recorded
//! through the agent's public API in a temporary folder, with the cases a
//! health worker meets: a warning to confirm, an invalid form explained field
//! by field and then fixed, a double tap, a correction.

use crate::drafts::DraftGen;
use crate::show;
use agent_core::{Agent, AgentConfig, AgentError, Period, PeriodType};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

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

/// Runs the demo, writing to `out`. Returns an error only for failures the
/// demo does not expect.
pub fn run(out: &mut dyn Write, keep: Option<&Path>) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or(tmp.path());
    let config_path = write_example_setup(dir)?;
    let config = AgentConfig::load(&config_path)?;
    let agent = Agent::open(&config)?;
    let today = agent.clock().today();
    let month = Period::containing(PeriodType::Monthly, today).previous();
    writeln!(out, "== Health-post sync agent demo ==")?;
    writeln!(out, "working folder: {}", dir.display())?;
    writeln!(
        out,
        "forms: {}",
        agent
            .forms()
            .iter()
            .map(|f| f.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    )?;
    writeln!(
        out,
        "facilities: {}; reporting month {}\n",
        agent.facilities().len(),
        month.iso()
    )?;

    let mut drafts = DraftGen::new(7);
    let chw = agent
        .form("chw-monthly")
        .ok_or("the example CHW form is missing")?
        .clone();
    let maternal = agent
        .form("hp-maternal-monthly")
        .ok_or("the example maternal form is missing")?
        .clone();
    let mut saved = Vec::new();

    writeln!(out, "-- 1. Recording a month of forms")?;
    let facilities: Vec<_> = agent.facilities().iter().cloned().collect();
    for f in &facilities {
        for def in [&chw, &maternal] {
            if !f.forms.is_empty() && !f.forms.contains(&def.id) {
                continue;
            }
            let draft = drafts.draft(def, &f.code, &month.iso(), &BTreeMap::new());
            let r = agent.submit(&draft, false)?;
            writeln!(
                out,
                "  saved {:<20} {:<7} -> {} (revision {})",
                def.id, f.code, r.id, r.revision
            )?;
            saved.push((r.id, draft));
        }
    }

    writeln!(
        out,
        "\n-- 2. A form with an unusual number: the agent asks for confirmation"
    )?;
    let (warn_id, mut warn_draft) = saved.first().cloned().ok_or("nothing saved")?;
    let act = warn_draft
        .stock
        .get_mut("ACT-6x1")
        .ok_or("ACT-6x1 missing")?;
    let extra = 30;
    act.consumed = act.consumed.map(|c| c + extra);
    act.received = act.received.map(|r| r + extra);
    match agent.submit(&warn_draft, false) {
        Err(AgentError::NeedsConfirmation { findings }) => {
            write!(out, "{}", show::findings(&findings))?;
            writeln!(
                out,
                "  the health worker checks the stock card and confirms."
            )?;
            let r = agent.submit(&warn_draft, true)?;
            writeln!(
                out,
                "  saved as a correction of {warn_id}: revision {}",
                r.revision
            )?;
        }
        other => writeln!(out, "  unexpected: {other:?}")?,
    }

    writeln!(
        out,
        "\n-- 3. An invalid form: every problem is explained, nothing is saved"
    )?;
    let (_, mut bad) = saved.get(2).cloned().ok_or("nothing saved")?;
    bad.period = "2026-13".into();
    bad.service.insert("malaria_rdt_positive".into(), 9999);
    if let Some(e) = bad.stock.get_mut("ORS") {
        e.closing_balance = e.closing_balance.map(|c| c + 7);
    }
    bad.stock.remove("ZINC");
    match agent.submit(&bad, false) {
        Err(AgentError::InvalidDraft { findings }) => write!(out, "{}", show::findings(&findings))?,
        other => writeln!(out, "  unexpected: {other:?}")?,
    }

    writeln!(
        out,
        "\n-- 4. A double tap on Save: the same form is not saved twice"
    )?;
    let (first_id, first) = saved.get(1).cloned().ok_or("nothing saved")?;
    let again = agent.submit(&first, false)?;
    writeln!(
        out,
        "  same id: {} (duplicate = {})",
        again.id == first_id,
        again.duplicate
    )?;

    writeln!(out, "\n-- 5. Outbox")?;
    write!(out, "{}", show::status_table(&agent.list(None, 50)?))?;
    write!(out, "{}", show::health(&agent.health()?))?;
    writeln!(
        out,
        "\nSync to DHIS2 and OpenLMIS is not in this build yet: the forms stay queued in the outbox."
    )?;
    Ok(())
}
