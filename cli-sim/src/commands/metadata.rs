//! `cli-sim metadata pull`: a DHIS2 data set into a form definition, and
//! with `--program` its stock part from the LMIS.

use super::{open_reading, print_json};
use agent_core::{AgentConfig, AgentError};
use cli_sim::exit;
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
            for a in &report.added {
                println!("  added   {a}");
            }
            for x in &report.removed {
                println!("  removed {x}");
            }
            for n in &notes {
                println!("  note: {n}");
            }
        }
    }
    Ok(exit::OK)
}

fn line_stock(r: &agent_core::metadata::StockReport, file: &Path) -> String {
    format!(
        "form {} stock: {} product(s) kept, {} added, {} removed{}",
        r.form,
        r.kept,
        r.added.len(),
        r.removed.len(),
        if r.changed {
            format!("; written to {}", file.display())
        } else {
            "; unchanged".into()
        }
    )
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
            "form {}: {} field(s) kept, {} added, {} removed{}",
            r.form,
            r.kept,
            r.added.len(),
            r.removed.len(),
            if r.changed {
                format!("; written to {}", pull.file.display())
            } else {
                "; unchanged".into()
            }
        );
        for a in &r.added {
            println!("  added   {a}");
        }
        for x in &r.removed {
            println!("  removed {x}");
        }
        for w in r.warnings.iter().chain(&pull.pending_mismatches) {
            println!("  note: {w}");
        }
    }
    Ok(())
}
