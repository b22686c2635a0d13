//! `cli-sim acknowledge-damaged`: stop warning about damaged copies of the
//! outbox (the files stay on disk).

use super::{open, print_json};
use agent_core::AgentError;
use cli_sim::{exit, show};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON output for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    let agent = open(config)?;
    let done = agent.acknowledge_damaged_copies()?;
    if args.json {
        print_json(&done);
    } else if done.is_empty() {
        println!("{}", show::tid("tool-ack-none"));
    } else {
        for c in &done {
            println!(
                "{}",
                show::t(
                    &agent_core::Message::new("tool-ack-done")
                        .text("path", c.path.display().to_string())
                )
            );
        }
    }
    Ok(exit::OK)
}
