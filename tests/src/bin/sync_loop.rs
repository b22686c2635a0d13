//! Sync passes for the LMIS chaos test: opens the agent of `<dir>/agent.toml`
//! and runs passes until both queues are empty (or `<max>` passes), telling
//! the agent the network is back before each one (as the Android shell does
//! on a connectivity change). Prints one line per pass. The parent kills it
//! at random moments.

use agent_core::credentials::ConfigCredentials;
use agent_core::outbox::Destination;
use agent_core::sync::SyncBudget;
use agent_core::{Agent, AgentConfig};
use std::io::Write;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(max)) = (args.get(1), args.get(2).and_then(|m| m.parse::<u32>().ok()))
    else {
        eprintln!("usage: sync-loop <dir> <max passes>");
        std::process::exit(2);
    };
    let config = match AgentConfig::load(&std::path::Path::new(dir).join("agent.toml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("config: {e}");
            std::process::exit(3);
        }
    };
    let agent = match Agent::open(&config) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("open: {e}");
            std::process::exit(1);
        }
    };
    let creds = ConfigCredentials::new(&config);
    let mut out = std::io::stdout().lock();
    for _ in 0..max {
        if let Err(e) = agent.network_available() {
            eprintln!("network_available: {e}");
        }
        match agent.sync(SyncBudget::time(Duration::from_secs(30)), &creds, false) {
            Ok(r) => {
                let l = r
                    .destination(Destination::Lmis)
                    .cloned()
                    .unwrap_or_default();
                let d = r
                    .destination(Destination::Dhis2)
                    .cloned()
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "PASS lmis_delivered={} lmis_queued={} dhis2_queued={} events={} lookups={} found={} applied={} rejected={}",
                    l.delivered.len(),
                    l.queued,
                    d.queued,
                    l.events_sent,
                    l.lookups,
                    l.found_by_lookup,
                    l.already_applied,
                    l.rejected.len() + d.rejected.len()
                );
                let _ = out.flush();
                if l.queued == 0 && d.queued == 0 {
                    let _ = writeln!(out, "DONE");
                    return;
                }
            }
            // Another pass may still hold the lease of a killed process: wait it out.
            Err(e) => {
                let _ = writeln!(out, "BUSY {e}");
                let _ = out.flush();
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}
