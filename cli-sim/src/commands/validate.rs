//! `cli-sim validate`: the findings of a draft, without saving it.

use super::{open_reading, print_json, read_file};
use agent_core::AgentError;
use cli_sim::{exit, show};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The draft.
    #[arg(long)]
    file: PathBuf,
    /// Print the findings as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    // Reading only: an outbox that does not exist is not created.
    let (agent, _empty) = open_reading(config)?;
    let checked = agent.validate_json_with_resupply(&read_file(&args.file)?)?;
    let findings = checked.findings;
    if args.json {
        print_json(&findings);
    } else {
        if findings.is_empty() {
            println!("{}", show::tid("tool-validate-clean"));
        } else {
            print!("{}", show::findings(&findings));
        }
        print!("{}", show::resupply(&checked.resupply));
    }
    Ok(if findings.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}
