//! `cli-sim resend`: send a refused form again at the next sync.

use super::open;
use agent_core::AgentError;
use cli_sim::exit;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The submission id.
    id: String,
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    let agent = open(config)?;
    let n = agent.resend_rejected(&args.id)?;
    println!(
        "{}",
        cli_sim::show::t(
            &agent_core::Message::new("tool-resend")
                .num("count", n as i64)
                .text("id", args.id.as_str())
        )
    );
    Ok(exit::OK)
}
