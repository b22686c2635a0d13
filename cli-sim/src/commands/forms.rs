//! `cli-sim forms`: the forms this agent knows.

use super::{open_reading, print_json};
use agent_core::AgentError;
use agent_core::Message;
use cli_sim::exit;
use cli_sim::show::{self, t};
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
        let locale = show::locale();
        for f in forms {
            let period_type = t(&Message::new("tool-period-type")
                .text("type", f.period_type.as_str().to_ascii_lowercase()));
            println!(
                "{:<22} v{} {} {}",
                agent_core::draft::visible(&f.id),
                f.version,
                show::pad(&agent_core::draft::visible(f.title_in(&locale)), 45),
                t(&Message::new("tool-forms-counts")
                    .text("period_type", period_type)
                    .num("fields", f.service.len() as i64)
                    .num("products", f.products.len() as i64))
            );
        }
    }
    Ok(exit::OK)
}
