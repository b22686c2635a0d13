//! `cli-sim sync`: send what is queued, one bounded pass or passes until
//! done, optionally through a simulated network.

use super::{open_config, print_json};
use agent_core::{AgentConfig, AgentError};
use cli_sim::network::Profile;
use cli_sim::{exit, show};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds the pass may take.
    #[arg(long, default_value_t = 60)]
    budget_secs: u64,
    /// Try again now, after fixing the cause: releases both things that
    /// make the agent wait: held destinations (credentials refused, address
    /// wrong, something answering instead of the server) and the backoff
    /// after failed attempts (forms wait for their next attempt time). It
    /// says what it released. Replaces --retry-auth and --retry-now, which
    /// still work and release one each.
    #[arg(long)]
    retry: bool,
    /// Release held destinations only (see --retry).
    #[arg(long)]
    retry_auth: bool,
    /// Keep syncing (waiting as each report says) until done, at most this many passes.
    #[arg(long)]
    until_done: Option<u32>,
    /// Forget the backoff only (see --retry): before each pass, tell the
    /// agent the network is back, and do not wait between passes.
    #[arg(long)]
    retry_now: bool,
    /// Send through a simulated network (an in-process shaping proxy).
    #[arg(long, value_enum, default_value = "lan")]
    network: Profile,
    /// JSON output for scripts (the last pass's report).
    #[arg(long)]
    json: bool,
}

/// What the flags release: (held destinations, the backoff). `--retry` is both.
fn releases(args: &Args) -> (bool, bool) {
    (args.retry || args.retry_auth, args.retry || args.retry_now)
}

fn line_released_backoff(due: u64) -> String {
    show::t(&agent_core::Message::new("tool-sync-released-backoff").num("count", due as i64))
}

fn line_released_holds() -> String {
    show::tid("tool-sync-released-holds")
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    let (retry_auth, retry_now) = releases(&args);
    let Args {
        budget_secs,
        until_done,
        network,
        json,
        ..
    } = args;
    let mut cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    // The proxies live as long as this command; dropping them ends the shaping.
    let _proxies = if network == Profile::Lan {
        Vec::new()
    } else {
        cli_sim::network::shape_config(&mut cfg, network, 1).map_err(|e| AgentError::Config {
            message: format!("the network profile could not be set up: {e}"),
        })?
    };
    let agent = open_config(&cfg)?;
    let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
    let budget = agent_core::sync::SyncBudget::time(Duration::from_secs(budget_secs));
    let passes = until_done.unwrap_or(1).max(1);
    if retry_now {
        let due = agent.network_available()?;
        if !json {
            println!("{}", line_released_backoff(due));
        }
    }
    if retry_auth && !json {
        println!("{}", line_released_holds());
    }
    let mut report = agent.sync(budget, &creds, retry_auth)?;
    for _ in 1..passes {
        if report.done || (report.call_again_at.is_none() && !retry_now) {
            break;
        }
        if !json {
            print!("{}", show::sync_report(&report));
        }
        if retry_now {
            agent.network_available()?;
        } else {
            let wait = report
                .call_again_at
                .map(|t| (t - agent.clock().now()).to_std().unwrap_or_default())
                .unwrap_or_default()
                .min(Duration::from_secs(300));
            std::thread::sleep(wait);
        }
        report = match agent.sync(budget, &creds, false) {
            Ok(r) => r,
            // A killed earlier process may still hold the lease briefly.
            Err(AgentError::Busy { .. }) if retry_now => {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
            Err(e) => return Err(e),
        };
    }
    if json {
        print_json(&show::sync_json(&report));
    } else {
        print!("{}", show::sync_report(&report));
    }
    Ok(if report.done {
        exit::OK
    } else {
        exit::NOT_DONE
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn retry_releases_holds_and_backoff_and_the_old_flags_one_each() {
        let parse = |a: &[&str]| {
            let cli =
                Cli::try_parse_from(std::iter::once("sync").chain(a.iter().copied())).unwrap();
            releases(&cli.args)
        };
        assert_eq!(parse(&["--retry"]), (true, true));
        assert_eq!(parse(&["--retry-auth"]), (true, false));
        assert_eq!(parse(&["--retry-now"]), (false, true));
        assert_eq!(parse(&[]), (false, false));
    }
}
