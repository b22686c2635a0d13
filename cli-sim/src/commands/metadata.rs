//! `cli-sim metadata pull`: a DHIS2 data set into a form definition, and
//! with `--program` its stock part from the LMIS.

use super::{open_reading, print_json};
use agent_core::Message;
use agent_core::{AgentConfig, AgentError};
use cli_sim::exit;
use cli_sim::show::{t, tid};
use std::path::Path;

#[derive(Debug, clap::Subcommand)]
pub enum MetadataAction {
    /// Fetch a data set and write or refresh the service part of its form;
    /// with --program, also the stock part from the LMIS (the program's
    /// products approved for the mapped facilities, the reasons of a
    /// decisions file, the cross-check rules of a rules file).
    Pull {
        /// The DHIS2 data set uid.
        #[arg(long, required_unless_present = "program")]
        data_set: Option<String>,
        /// The LMIS program (code or id) of the stock part.
        #[arg(long, requires = "form")]
        program: Option<String>,
        /// A decisions file (from mapping suggest) whose reasons the form uses.
        #[arg(long, requires = "program")]
        decisions: Option<std::path::PathBuf>,
        /// A JSON array of cross-check rules (as in a form's "rules") for the form.
        #[arg(long, requires = "program")]
        rules: Option<std::path::PathBuf>,
        /// The form to refresh or create (default: the form using this data set).
        #[arg(long)]
        form: Option<String>,
        /// Use the copy cached at the last pull instead of the network.
        #[arg(long)]
        offline: bool,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(config: &Path, action: MetadataAction) -> Result<i32, AgentError> {
    let MetadataAction::Pull {
        data_set,
        program,
        decisions,
        rules,
        form,
        offline,
        json,
    } = action;
    let cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    let (agent, _empty_outbox) = open_reading(config)?;
    let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
    if let Some(data_set) = &data_set {
        pull_service(&agent, data_set, form.as_deref(), &creds, offline, json)?;
    }
    if let (Some(program), Some(form)) = (&program, &form) {
        let decisions = match &decisions {
            Some(p) => Some(super::mapping::read_decisions(p)?),
            None => None,
        };
        let (report, file, notes) = agent.pull_stock_metadata(
            form,
            program,
            decisions.as_ref(),
            rules.as_deref(),
            &creds,
        )?;
        if json {
            print_json(&serde_json::json!({"stock": report, "file": file, "notes": notes}));
        } else {
            println!("{}", line_stock(&report, &file));
            print!("{}", changes(&report.added, &report.removed, &notes));
        }
    }
    Ok(exit::OK)
}

fn line_stock(r: &agent_core::metadata::StockReport, file: &Path) -> String {
    t(&Message::new("tool-meta-stock")
        .text("form", r.form.as_str())
        .num("kept", r.kept as i64)
        .num("added", r.added.len() as i64)
        .num("removed", r.removed.len() as i64)
        .text("written", written(r.changed, file)))
}

/// `; written to FILE` or `; unchanged`.
fn written(changed: bool, file: &Path) -> String {
    if changed {
        t(&Message::new("tool-meta-written").text("path", file.display().to_string()))
    } else {
        tid("tool-meta-unchanged")
    }
}

/// The items added and removed, and the notes, one per line.
fn changes<'a>(
    added: &[String],
    removed: &[String],
    notes: impl IntoIterator<Item = &'a String>,
) -> String {
    let mut s = String::new();
    for a in added {
        s.push_str(&format!(
            "  {}\n",
            t(&Message::new("tool-meta-added").text("item", a.as_str()))
        ));
    }
    for x in removed {
        s.push_str(&format!(
            "  {}\n",
            t(&Message::new("tool-meta-removed").text("item", x.as_str()))
        ));
    }
    for n in notes {
        s.push_str(&format!(
            "  {}\n",
            t(&Message::new("show-note").text("note", n.as_str()))
        ));
    }
    s
}

fn pull_service(
    agent: &agent_core::Agent,
    data_set: &str,
    form: Option<&str>,
    creds: &agent_core::credentials::ConfigCredentials,
    offline: bool,
    json: bool,
) -> Result<(), AgentError> {
    let pull = agent.pull_metadata(data_set, form, creds, offline)?;
    if json {
        print_json(&pull);
    } else {
        let r = &pull.report;
        println!(
            "{}",
            t(&Message::new("tool-meta-service")
                .text("form", r.form.as_str())
                .num("kept", r.kept as i64)
                .num("added", r.added.len() as i64)
                .num("removed", r.removed.len() as i64)
                .text("written", written(r.changed, &pull.file)))
        );
        print!(
            "{}",
            changes(
                &r.added,
                &r.removed,
                r.warnings.iter().chain(&pull.pending_mismatches)
            )
        );
    }
    Ok(())
}
