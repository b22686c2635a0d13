//! `cli-sim send-incomplete`: send a period's requisition without the
//! months never recorded.

use super::open;
use agent_core::AgentError;
use agent_core::Message;
use cli_sim::exit;
use cli_sim::show::t;
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
            "{}",
            t(&Message::new("tool-send-incomplete").text("id", id.as_str()))
        );
        Ok(exit::OK)
    } else {
        println!(
            "{}",
            t(&Message::new("tool-send-incomplete-none").text("id", id.as_str()))
        );
        Ok(exit::NOT_FOUND)
    }
}
