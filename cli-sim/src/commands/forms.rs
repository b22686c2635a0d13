//! `cli-sim forms`: the forms this agent knows.

use super::{open_reading, print_json};
use agent_core::AgentError;
use cli_sim::exit;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON output for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    // Reading only: an outbox that does not exist is not created.
    let (agent, _empty) = open_reading(config)?;
    let forms = agent.forms();
    if args.json {
        print_json(&forms);
    } else {
        for f in forms {
            println!(
                "{:<22} v{} {:<45} {} ({} service fields, {} products)",
                f.id,
                f.version,
                f.title,
                f.period_type,
                f.service.len(),
                f.products.len()
            );
        }
    }
    Ok(exit::OK)
}
