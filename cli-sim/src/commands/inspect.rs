//! `cli-sim inspect`: a submission's revisions and audit trail.

use super::{open_reading, print_json};
use agent_core::AgentError;
use cli_sim::{exit, show};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The submission id.
    id: String,
    /// JSON output for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    // Reading only: an outbox that does not exist is not created.
    let (agent, _empty) = open_reading(config)?;
    let d = agent.inspect(&args.id)?;
    if args.json {
        print_json(&d);
    } else {
        print!("{}", show::detail(&d));
    }
    Ok(exit::OK)
}
