//! A stream of submits for the crash test: opens the agent of `<dir>/agent.toml`
//! and records `<count>` forms (new ones and corrections), printing
//! `OK <id> <revision> <sha256>` after each submit has returned. The parent
//! kills it at random moments and checks that every printed line is on disk.

use agent_core::{Agent, AgentConfig, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use std::collections::BTreeMap;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(seed), Some(count)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: submit-stream <dir> <seed> <count>");
        std::process::exit(2);
    };
    let seed: u64 = seed.parse().unwrap_or(1);
    let count: u32 = count.parse().unwrap_or(100);
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
    if let Some(n) = agent.open_notice() {
        println!("DAMAGED {}", n.moved_aside.display());
    }
    let forms = agent.forms();
    let facilities: Vec<String> = agent.facilities().iter().map(|f| f.code.clone()).collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut drafts = DraftGen::new(seed);
    let newest = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
    let mut out = std::io::stdout().lock();
    for _ in 0..count {
        let def = &forms[rng.usize(..forms.len())];
        let facility = facilities[rng.usize(..facilities.len())].clone();
        let mut period = newest;
        for _ in 0..rng.usize(0..240) {
            period = period.previous();
        }
        let mut draft = drafts.draft(def, &facility, &period.iso(), &BTreeMap::new());
        draft.comment = Some(format!("seed {seed} n {}", rng.u64(..)));
        match agent.submit(&draft, true) {
            Ok(r) => {
                let _ = writeln!(out, "OK {} {} {}", r.id, r.revision, r.content_hash);
                let _ = out.flush();
            }
            Err(e) => {
                // Facility/form combinations a facility does not report are refused: skip them.
                let _ = writeln!(out, "REFUSED {e}");
                let _ = out.flush();
            }
        }
    }
}
