//! `cli-sim lmis check`: the forms and the facility map against the LMIS's
//! reference data.

use super::{open, print_json};
use agent_core::{AgentConfig, AgentError};
use cli_sim::exit;
use std::path::Path;

#[derive(Debug, clap::Subcommand)]
pub enum LmisAction {
    /// Compare product codes, facility, program and reasons with the LMIS's
    /// reference data; every mismatch is named (exit 3 when there is one).
    Check {
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(config: &Path, action: LmisAction) -> Result<i32, AgentError> {
    let LmisAction::Check { json } = action;
    let cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    let agent = open(config)?;
    let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
    let problems = agent.check_lmis(&creds)?;
    if json {
        print_json(&problems);
    } else if problems.is_empty() {
        println!("{}", cli_sim::show::tid("tool-lmis-match"));
    } else {
        for p in &problems {
            println!("{p}");
        }
    }
    Ok(if problems.is_empty() {
        exit::OK
    } else {
        exit::CONFIG
    })
}
