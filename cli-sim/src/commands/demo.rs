//! `cli-sim demo`: the README's first command.

use agent_core::AgentError;
use cli_sim::exit;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the demo's files in this folder instead of a temporary one.
    #[arg(long)]
    keep: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<i32, AgentError> {
    let mut stdout = std::io::stdout();
    cli_sim::demo::run(&mut stdout, args.keep.as_deref()).map_err(AgentError::internal)?;
    Ok(exit::OK)
}
