//! `cli-sim send-incomplete`: send a period's requisition without the
//! months never recorded.

use super::open;
use agent_core::AgentError;
use cli_sim::exit;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A submission id of the period.
    id: String,
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    let id = args.id;
    let agent = open(config)?;
    if agent.send_without_missing_months(&id)? {
        println!(
            "the requisition of {id}'s period will be sent at the next sync, without the missing months"
        );
        Ok(exit::OK)
    } else {
        println!("no requisition of {id}'s period is waiting yet; sync once first");
        Ok(exit::NOT_FOUND)
    }
}
