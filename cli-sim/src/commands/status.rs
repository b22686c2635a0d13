//! `cli-sim status`: the outbox with the state of each destination, or one
//! submission.

use super::{open_reading, print_json};
use agent_core::AgentError;
use agent_core::agent::DeliveryState;
use cli_sim::{exit, show};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// One submission id.
    id: Option<String>,
    /// Only submissions with a part in this state.
    #[arg(long, value_enum)]
    state: Option<StateArg>,
    /// At most this many submissions, newest first.
    #[arg(long, default_value_t = 1000)]
    limit: u32,
    /// JSON output for scripts.
    #[arg(long)]
    json: bool,
}

/// Delivery states, as typed on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StateArg {
    Pending,
    InFlight,
    Delivered,
    Rejected,
    Superseded,
    Waiting,
}

impl From<StateArg> for DeliveryState {
    fn from(s: StateArg) -> DeliveryState {
        match s {
            StateArg::Pending => DeliveryState::Pending,
            StateArg::InFlight => DeliveryState::InFlight,
            StateArg::Delivered => DeliveryState::Delivered,
            StateArg::Rejected => DeliveryState::Rejected,
            StateArg::Superseded => DeliveryState::Superseded,
            StateArg::Waiting => DeliveryState::Waiting,
        }
    }
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    // Reading only: an outbox that does not exist is not created.
    let (agent, _empty) = open_reading(config)?;
    let rows = match args.id {
        Some(id) => vec![agent.status(&id)?],
        None => agent.list(args.state.map(Into::into), args.limit)?,
    };
    if args.json {
        print_json(&serde_json::json!({
            "submissions": show::status_json(&rows),
            "damaged_copies": agent.damaged_copies()?,
        }));
    } else {
        print!("{}", show::status_table(&rows));
        print!("{}", show::health(&agent.health()?));
    }
    Ok(exit::OK)
}
