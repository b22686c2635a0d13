//! `cli-sim metadata pull`: a DHIS2 data set into a form definition.

use super::{open, print_json};
use agent_core::{AgentConfig, AgentError};
use cli_sim::exit;
use std::path::Path;

#[derive(Debug, clap::Subcommand)]
pub enum MetadataAction {
    /// Fetch a data set and write or refresh the service part of its form.
    Pull {
        /// The DHIS2 data set uid.
        #[arg(long)]
        data_set: String,
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
        form,
        offline,
        json,
    } = action;
    let cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    let agent = open(config)?;
    let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
    let pull = agent.pull_metadata(&data_set, form.as_deref(), &creds, offline)?;
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
    Ok(exit::OK)
}
