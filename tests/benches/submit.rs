//! Submit latency and throughput with the durable settings, next to a raw
//! SQLite insert of the same bytes with the same settings, in the same run.
//!
//! Run: `cargo bench -p e2e-tests --bench submit [-- --forms N]`. Method in BENCHMARKS.md.

#![allow(clippy::expect_used)] // A benchmark that cannot set up should stop loudly.

use agent_core::{Agent, AgentConfig, Period, PeriodType, canonical};
use cli_sim::drafts::DraftGen;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Stats {
    p50: Duration,
    p99: Duration,
    per_sec: f64,
}

fn stats(mut samples: Vec<Duration>, total: Duration) -> Stats {
    samples.sort();
    Stats {
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        per_sec: samples.len() as f64 / total.as_secs_f64(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let forms: usize = args
        .iter()
        .position(|a| a == "--forms")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(&base).expect("temp dir");
    let config = cli_sim::demo::write_example_setup(dir.path()).expect("setup");
    let agent = Agent::open(&AgentConfig::load(&config).expect("config")).expect("agent");
    let defs = agent.forms();
    let facilities: Vec<String> = agent
        .facilities()
        .iter()
        .filter(|f| f.forms.is_empty())
        .map(|f| f.code.clone())
        .collect();

    // The same drafts for both runs: distinct form, facility and period each.
    let mut drafts = Vec::with_capacity(forms);
    let mut g = DraftGen::new(42);
    let mut period = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
    'outer: loop {
        for def in &defs {
            for f in &facilities {
                drafts.push(g.draft(def, f, &period.iso(), &BTreeMap::new()));
                if drafts.len() == forms {
                    break 'outer;
                }
            }
        }
        period = period.previous();
    }

    // 1. Durable submit through the agent (validate, hash, one transaction, fsync).
    let mut samples = Vec::with_capacity(forms);
    let start = Instant::now();
    for d in &drafts {
        let t = Instant::now();
        agent.submit(d, true).expect("submit");
        samples.push(t.elapsed());
    }
    let submit = stats(samples, start.elapsed());

    // 2. Raw insert of the same canonical bytes, same durability settings.
    let raw_path = dir.path().join("raw.sqlite");
    let mut conn = Connection::open(&raw_path).expect("raw db");
    conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, content TEXT NOT NULL)")
        .expect("table");
    let payloads: Vec<String> = drafts
        .iter()
        .map(|d| String::from_utf8(canonical::canonical_bytes(d)).expect("utf8"))
        .collect();
    let mut samples = Vec::with_capacity(forms);
    let start = Instant::now();
    for p in &payloads {
        let t = Instant::now();
        let tx = conn.transaction().expect("tx");
        tx.execute("INSERT INTO t (content) VALUES (?1)", [p])
            .expect("insert");
        tx.commit().expect("commit");
        samples.push(t.elapsed());
    }
    let raw = stats(samples, start.elapsed());

    let db_bytes = std::fs::metadata(dir.path().join("outbox.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(dir.path().join("outbox.sqlite-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    let avg_payload = payloads.iter().map(String::len).sum::<usize>() / payloads.len();
    println!(
        "submit benchmark: {forms} forms, average canonical draft {avg_payload} bytes, folder {}",
        base.display()
    );
    println!();
    println!(
        "| measure | durable submit (agent) | raw insert (same bytes, WAL + synchronous=FULL) | ratio |"
    );
    println!("|---|---|---|---|");
    println!(
        "| p50 latency | {:.3} ms | {:.3} ms | {:.2} |",
        ms(submit.p50),
        ms(raw.p50),
        ms(submit.p50) / ms(raw.p50)
    );
    println!(
        "| p99 latency | {:.3} ms | {:.3} ms | {:.2} |",
        ms(submit.p99),
        ms(raw.p99),
        ms(submit.p99) / ms(raw.p99)
    );
    println!(
        "| throughput | {:.0} forms/s | {:.0} inserts/s | {:.2} |",
        submit.per_sec,
        raw.per_sec,
        raw.per_sec / submit.per_sec
    );
    println!();
    println!(
        "database bytes per stored form (db + wal): {}",
        db_bytes / forms as u64
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
