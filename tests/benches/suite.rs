//! The performance suite: every figure next to its limit or its peer, as a
//! ratio, in one run, printed as one markdown report.
//!
//! Run: `cargo bench -p e2e-tests --bench suite [-- --quick] [--out FILE]
//! [--only submit,drain,badlink,scale,healthpost,encryption] [--seed N] [--drain-forms N]`. Method in BENCHMARKS.md
//! and in each section of the report.

#![allow(clippy::expect_used)] // A benchmark that cannot set up should stop loudly.

use agent_core::agent::{DeliveryState, destinations_of};
use agent_core::clock::FixedClock;
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::{Dhis2Settings, gzip_bytes};
use agent_core::draft::Draft;
use agent_core::form::{Dhis2Target, ServiceField};
use agent_core::http::{HttpRequest, Timeouts, Transport, UreqTransport, basic_auth};
use agent_core::lmis::LmisSettings;
use agent_core::outbox::Destination;
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{
    Agent, AgentConfig, Clock, FacilityMap, FormDefinition, FormSet, Period, PeriodType,
    SystemClock, canonical,
};
use chrono::{DateTime, Utc};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use cli_sim::network::{Profile, ProxyStats, Shape, ShapingProxy};
use rusqlite::Connection;
use sim_servers::dhis2::{DEFAULT_COC, Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: f64, b: f64) -> String {
    if b == 0.0 {
        "n/a".into()
    } else {
        format!("{:.2}", a / b)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Database plus WAL bytes of an outbox.
fn db_bytes(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    file_len(db) + file_len(Path::new(&wal))
}

/// A `kB` field of /proc/self/status (VmRSS, VmHWM), in kB.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU time of this process, in seconds.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the `(comm)`: state is field 3; utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn credentials() -> StaticCredentials {
    StaticCredentials {
        dhis2: Some(Credentials::Basic {
            username: "admin".into(),
            password: "district".into(),
        }),
        lmis: Some(Credentials::OAuthPassword {
            client_id: "user-client".into(),
            client_secret: "changeme".into(),
            username: "administrator".into(),
            password: "password".into(),
        }),
    }
}

fn example_forms() -> Vec<FormDefinition> {
    cli_sim::EXAMPLE_FORMS
        .iter()
        .map(|(name, text)| FormDefinition::from_json(text, name).expect("example form"))
        .collect()
}

fn example_facilities() -> FacilityMap {
    FacilityMap::from_json(cli_sim::EXAMPLE_FACILITIES).expect("example facilities")
}

/// The example forms as one set.
fn example_set() -> FormSet {
    FormSet::new(example_forms()).expect("forms")
}

/// Both simulated servers, made from `forms` and `facilities`.
fn start_servers(forms: &FormSet, facilities: &FacilityMap) -> (Dhis2Mock, OpenLmisMock) {
    let dhis2 =
        Dhis2Mock::start(Dhis2MockConfig::from_forms(forms, facilities), 0).expect("dhis2 mock");
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(forms, facilities), 0)
        .expect("lmis mock");
    (dhis2, lmis)
}

/// A device of the sections that sync: the outbox `db`, DHIS2 at `dhis2`
/// (batches of up to 1000 values or 512 KiB, gzip probed) and the LMIS at
/// `lmis`, if any.
fn device(
    db: &Path,
    forms: &FormSet,
    facilities: &FacilityMap,
    clock: Arc<dyn agent_core::clock::Clock>,
    dhis2: &str,
    lmis: Option<&str>,
) -> Agent {
    let agent = Agent::open_parts(db, forms.clone(), facilities.clone(), clock)
        .expect("agent")
        .with_dhis2(Dhis2Settings {
            url: dhis2.to_string(),
            batch_max_values: 1000,
            batch_max_bytes: 512 * 1024,
            gzip: None,
        });
    match lmis {
        Some(url) => agent.with_lmis(LmisSettings {
            url: url.to_string(),
        }),
        None => agent,
    }
}

/// Every (facility, form) pair the map reports.
fn slots(forms: &FormSet, facilities: &FacilityMap) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in facilities.iter() {
        for def in forms.iter() {
            if f.forms.is_empty() || f.forms.contains(&def.id) {
                out.push((f.code.clone(), def.id.clone()));
            }
        }
    }
    out
}

/// Realistic drafts for distinct (facility, form, month) combinations:
/// month after month, oldest first, every slot each month, each month's
/// opening balances carried from the slot's previous closing ones.
struct DraftStream {
    defs: Vec<FormDefinition>,
    slots: Vec<(String, usize)>,
    period: Period,
    slot: usize,
    openings: Vec<BTreeMap<String, i64>>,
    g: DraftGen,
}

impl DraftStream {
    /// Enough months back from last month for `total` drafts.
    fn new(forms: &FormSet, facilities: &FacilityMap, total: usize, seed: u64) -> DraftStream {
        let defs: Vec<FormDefinition> = forms.iter().cloned().collect();
        let slots: Vec<(String, usize)> = slots(forms, facilities)
            .into_iter()
            .map(|(f, id)| {
                let i = defs.iter().position(|d| d.id == id).expect("form");
                (f, i)
            })
            .collect();
        let months = total.div_ceil(slots.len()).max(1);
        let mut period =
            Period::containing(PeriodType::Monthly, Utc::now().date_naive()).previous();
        for _ in 1..months {
            period = period.previous();
        }
        DraftStream {
            openings: vec![BTreeMap::new(); slots.len()],
            defs,
            slots,
            period,
            slot: 0,
            g: DraftGen::new(seed),
        }
    }

    fn next_draft(&mut self) -> Draft {
        if self.slot == self.slots.len() {
            self.slot = 0;
            self.period = self.period.next();
        }
        let (facility, def) = &self.slots[self.slot];
        let d = self.g.draft(
            &self.defs[*def],
            facility,
            &self.period.iso(),
            &self.openings[self.slot],
        );
        self.openings[self.slot] = d
            .stock
            .iter()
            .filter_map(|(k, e)| e.closing_balance.map(|c| (k.clone(), c)))
            .collect();
        self.slot += 1;
        d
    }
}

/// `/api/x/<uuid>?q` → `/api/x/{id}`: the route of an exchange's URL.
fn route_of(url: &str) -> String {
    let no_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = no_scheme.find('/').map_or("/", |i| &no_scheme[i..]);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let segs: Vec<String> = path
        .split('/')
        .map(|s| {
            if s.len() >= 20 && s.contains('-') {
                "{id}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut r = segs.join("/");
    if query.contains("dryRun=true") {
        r.push_str("?dryRun=true");
    } else if query.contains("importStrategy=DELETE") {
        r.push_str("?importStrategy=DELETE");
    }
    r
}

struct RouteRow {
    destination: String,
    method: String,
    route: String,
    count: u64,
    sent: u64,
    received: u64,
    duration_ms: u64,
}

/// The agent's exchange log grouped by destination, method and route.
fn exchanges_by_route(db: &Path) -> Vec<RouteRow> {
    let conn = Connection::open(db).expect("open the outbox read-only");
    let mut stmt = conn
        .prepare("SELECT destination, method, url, bytes_sent, bytes_received, duration_ms FROM exchanges")
        .expect("exchanges");
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .expect("query");
    type Key = (String, String, String);
    let mut groups: BTreeMap<Key, (u64, u64, u64, u64)> = BTreeMap::new();
    for row in rows.flatten() {
        let e = groups.entry((row.0, row.1, route_of(&row.2))).or_default();
        e.0 += 1;
        e.1 += row.3.max(0) as u64;
        e.2 += row.4.max(0) as u64;
        e.3 += row.5.max(0) as u64;
    }
    groups
        .into_iter()
        .map(
            |((destination, method, route), (count, sent, received, d))| RouteRow {
                destination,
                method,
                route,
                count,
                sent,
                received,
                duration_ms: d,
            },
        )
        .collect()
}

fn route_table(out: &mut String, rows: &[RouteRow]) {
    let _ = writeln!(
        out,
        "| destination | request | count | body bytes sent | body bytes received | agent-side time (sum of whole ms as logged) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} {} | {} | {} | {} | {:.1} s |",
            r.destination,
            r.method,
            r.route,
            r.count,
            r.sent,
            r.received,
            r.duration_ms as f64 / 1000.0
        );
    }
}

/// Sums of what a series of passes reported, per destination.
#[derive(Default, Clone, Copy)]
struct Totals {
    requests: u64,
    retries: u64,
    failures: u64,
    bytes_sent: u64,
    bytes_received: u64,
}

fn absorb(t: &mut [Totals; 2], r: &SyncReport) {
    for d in &r.destinations {
        let i = match d.destination {
            Some(Destination::Dhis2) => 0,
            Some(Destination::Lmis) => 1,
            None => continue,
        };
        t[i].requests += u64::from(d.requests);
        t[i].retries += u64::from(d.retries);
        t[i].failures += d.failures.len() as u64;
        t[i].bytes_sent += d.bytes_sent;
        t[i].bytes_received += d.bytes_received;
    }
}

struct Opts {
    quick: bool,
    out: Option<PathBuf>,
    only: Option<BTreeSet<String>>,
    seed: u64,
    base: PathBuf,
    /// `--drain-forms N`: another size for the drain section.
    drain_forms: Option<usize>,
}

impl Opts {
    fn runs(&self, part: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(part))
    }
}

// ---------------------------------------------------------------- header

fn header(out: &mut String, opts: &Opts, command: &str) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let ram_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("--version")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
    let profile = if cfg!(debug_assertions) {
        "debug (figures not meaningful)"
    } else {
        "bench (release settings: opt-level 3, no debug assertions)"
    };
    let _ = writeln!(out, "# Performance suite report\n");
    let _ = writeln!(out, "| | |");
    let _ = writeln!(out, "|---|---|");
    let _ = writeln!(out, "| command | `{command}` |");
    let _ = writeln!(
        out,
        "| date | {} |",
        Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(
        out,
        "| machine | {nproc} CPUs (nproc), {cpu}, {:.1} GiB RAM |",
        ram_kb as f64 / 1024.0 / 1024.0
    );
    let _ = writeln!(out, "| rustc | {rustc} |");
    let _ = writeln!(out, "| profile | {profile} |");
    let _ = writeln!(
        out,
        "| mode | {} |",
        if opts.quick { "--quick" } else { "full" }
    );
    let _ = writeln!(out, "| seed | {} |", opts.seed);
    let _ = writeln!(out, "| database folder | {} |", opts.base.display());
    let _ = writeln!(out);
}

// ---------------------------------------------------------------- 1. submit

/// `forms` drafts (`DraftGen`, seed 42), each a distinct form, facility
/// and month, months going back from the one before `today`: the submit
/// and encryption sections' workload.
fn distinct_drafts(
    defs: &[FormDefinition],
    facilities: &[String],
    today: chrono::NaiveDate,
    forms: usize,
) -> Vec<Draft> {
    let mut drafts = Vec::with_capacity(forms);
    let mut g = DraftGen::new(42);
    let mut period = Period::containing(PeriodType::Monthly, today).previous();
    if defs.is_empty() || facilities.is_empty() {
        return drafts;
    }
    'outer: loop {
        for def in defs {
            for f in facilities {
                drafts.push(g.draft(def, f, &period.iso(), &BTreeMap::new()));
                if drafts.len() == forms {
                    break 'outer;
                }
            }
        }
        period = period.previous();
    }
    drafts
}

fn submit_section(out: &mut String, opts: &Opts) {
    let forms: usize = if opts.quick { 500 } else { 2000 };
    eprintln!("[submit] {forms} forms");
    let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
    let config = cli_sim::demo::write_example_setup(dir.path()).expect("setup");
    let agent = Agent::open(&AgentConfig::load(&config).expect("config")).expect("agent");
    let defs = agent.forms();
    let facilities: Vec<String> = agent
        .facilities()
        .iter()
        .filter(|f| f.forms.is_empty())
        .map(|f| f.code.clone())
        .collect();

    // The submit method: the same drafts for both runs,
    // distinct form, facility and period each, seed 42.
    let drafts = distinct_drafts(&defs, &facilities, agent.clock().today(), forms);

    let mut samples = Vec::with_capacity(forms);
    let cpu0 = cpu_secs();
    let start = Instant::now();
    for d in &drafts {
        let t = Instant::now();
        agent.submit(d, true).expect("submit");
        samples.push(t.elapsed());
    }
    let submit_total = start.elapsed();
    let submit_cpu = cpu_secs() - cpu0;
    samples.sort();
    let (s50, s99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));

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
    let mut raw = Vec::with_capacity(forms);
    let cpu0 = cpu_secs();
    let start = Instant::now();
    for p in &payloads {
        let t = Instant::now();
        let tx = conn.transaction().expect("tx");
        tx.execute("INSERT INTO t (content) VALUES (?1)", [p])
            .expect("insert");
        tx.commit().expect("commit");
        raw.push(t.elapsed());
    }
    let raw_total = start.elapsed();
    let raw_cpu = cpu_secs() - cpu0;
    raw.sort();
    let (r50, r99) = (percentile(&raw, 0.5), percentile(&raw, 0.99));
    let submit_rate = forms as f64 / submit_total.as_secs_f64();
    let raw_rate = forms as f64 / raw_total.as_secs_f64();
    let avg_payload = payloads.iter().map(String::len).sum::<usize>() / payloads.len();
    let per_form = db_bytes(&dir.path().join("outbox.sqlite")) / forms as u64;

    let _ = writeln!(out, "## 1. Submit: durable submit vs a raw SQLite insert\n");
    let _ = writeln!(
        out,
        "Method: {forms} realistic CHW and maternal forms (`DraftGen`, seed 42), each a distinct \
facility and month, average canonical draft {avg_payload} bytes. Durable submit = `Agent::submit(draft, true)` \
(validate, canonical JSON + sha256, one `BEGIN IMMEDIATE` transaction, WAL + `synchronous=FULL`). Raw insert = the \
same canonical bytes, one `INSERT` per transaction into a one-table database in the same folder, same settings. \
Limit: one fsync per form, which both sides make; the raw insert is that limit measured on this disk.\n"
    );
    let _ = writeln!(
        out,
        "| measure | durable submit (agent) | raw insert (limit: 1 fsync/form) | ratio |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| p50 latency | {:.3} ms | {:.3} ms | {} |",
        ms(s50),
        ms(r50),
        ratio(ms(s50), ms(r50))
    );
    let _ = writeln!(
        out,
        "| p99 latency | {:.3} ms | {:.3} ms | {} |",
        ms(s99),
        ms(r99),
        ratio(ms(s99), ms(r99))
    );
    let _ = writeln!(
        out,
        "| throughput | {submit_rate:.0} forms/s | {raw_rate:.0} inserts/s | {} |",
        ratio(raw_rate, submit_rate)
    );
    let (cpu_submit, cpu_raw) = (
        submit_cpu * 1000.0 / forms as f64,
        raw_cpu * 1000.0 / forms as f64,
    );
    let _ = writeln!(
        out,
        "| CPU time per call (user + system, the process's own clock) | {cpu_submit:.3} ms | {cpu_raw:.3} ms | {} |",
        ratio(cpu_submit, cpu_raw)
    );
    let _ = writeln!(
        out,
        "\nDatabase bytes per stored form (db + WAL): {per_form}.\n"
    );
}

// ---------------------------------------------------------------- 5. encryption

/// Issue 17 item 4 (ADR 0005): what SQLCipher costs. The same drafts are
/// submitted to a plain and to an encrypted outbox, alternately in blocks of
/// 50 (so a change in the machine's load hits both alike); then each outbox
/// is opened again and again; then a plain outbox of the same forms is
/// encrypted in place. Method note: docs/bench-encryption.md.
fn encryption_section(out: &mut String, opts: &Opts) {
    let forms: usize = if opts.quick { 400 } else { 2000 };
    let opens: usize = if opts.quick { 20 } else { 50 };
    eprintln!("[encryption] {forms} forms, {opens} opens");
    let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
    let form_set = FormSet::new(example_forms()).expect("forms");
    let facilities = example_facilities();
    let key = || {
        agent_core::OutboxKey::parse(
            b"3f8a1c2e9b7d4f6051a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8",
        )
        .expect("key")
    };
    let open = |name: &str, keyed: bool| {
        Agent::open_parts_keyed(
            &dir.path().join(name),
            form_set.clone(),
            facilities.clone(),
            Arc::new(SystemClock),
            keyed.then(key),
        )
        .expect("open")
    };
    let defs = example_forms();
    let codes: Vec<String> = facilities
        .iter()
        .filter(|f| f.forms.is_empty())
        .map(|f| f.code.clone())
        .collect();
    let drafts = distinct_drafts(&defs, &codes, SystemClock.today(), forms);

    let plain = open("plain.sqlite", false);
    let enc = open("enc.sqlite", true);
    let (mut sp, mut se) = (Vec::with_capacity(forms), Vec::with_capacity(forms));
    for block in drafts.chunks(50) {
        for (agent, samples) in [(&plain, &mut sp), (&enc, &mut se)] {
            for d in block {
                let t = Instant::now();
                agent.submit(d, true).expect("submit");
                samples.push(t.elapsed());
            }
        }
    }
    drop(plain);
    drop(enc);
    sp.sort();
    se.sort();
    let (p50, e50) = (ms(percentile(&sp, 0.5)), ms(percentile(&se, 0.5)));
    let (p99, e99) = (ms(percentile(&sp, 0.99)), ms(percentile(&se, 0.99)));
    let overhead = |a: f64, b: f64| (b / a - 1.0) * 100.0;

    // Open: the whole Agent::open_parts_keyed (key, WAL, migrations check,
    // quick_check, checkpoint) on the outbox just filled; plain and
    // encrypted alternately.
    let (mut op, mut oe) = (Vec::with_capacity(opens), Vec::with_capacity(opens));
    for _ in 0..opens {
        for (name, keyed, v) in [
            ("plain.sqlite", false, &mut op),
            ("enc.sqlite", true, &mut oe),
        ] {
            let t = Instant::now();
            std::hint::black_box(open(name, keyed));
            v.push(t.elapsed());
        }
    }
    op.sort();
    oe.sort();

    let size = |n: &str| db_bytes(&dir.path().join(n));
    let (plain_bytes, enc_bytes) = (size("plain.sqlite"), size("enc.sqlite"));

    // Migration: the plain outbox of these forms encrypted in place at its
    // first open with a key.
    let t = Instant::now();
    let migrated = open("plain.sqlite", true);
    let migrate = t.elapsed();
    let rows = migrated.list(None, u32::MAX).expect("list").len();
    drop(migrated);
    assert_eq!(rows, forms, "the migrated outbox lost forms");

    let _ = writeln!(out, "## 5. Encryption at rest (SQLCipher, issue 17)\n");
    let _ = writeln!(
        out,
        "Method: {forms} forms (`DraftGen`, seed 42) submitted to a plain and to an encrypted outbox \
(raw 256-bit key, SQLCipher 4 defaults: AES-256-CBC, HMAC-SHA512, 4 KB pages), alternately in blocks of 50; \
open = `Agent::open_parts_keyed` on the filled outbox, {opens} times each, alternately; migration = the first \
keyed open of the plain outbox (export, row counts, fsync, rename). Targets: submit p50 overhead <= 15%, \
open <= 50 ms. docs/bench-encryption.md.\n"
    );
    let _ = writeln!(out, "| measure | plain | encrypted | overhead | target |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| submit p50 | {p50:.3} ms | {e50:.3} ms | {:+.1}% | <= 15% |",
        overhead(p50, e50)
    );
    let _ = writeln!(
        out,
        "| submit p99 | {p99:.3} ms | {e99:.3} ms | {:+.1}% | |",
        overhead(p99, e99)
    );
    let (o50p, o50e) = (ms(percentile(&op, 0.5)), ms(percentile(&oe, 0.5)));
    let (omaxp, omaxe) = (ms(percentile(&op, 1.0)), ms(percentile(&oe, 1.0)));
    let _ = writeln!(
        out,
        "| open p50 ({forms} forms) | {o50p:.2} ms | {o50e:.2} ms | {:+.1}% | <= 50 ms |",
        overhead(o50p, o50e)
    );
    let _ = writeln!(out, "| open max | {omaxp:.2} ms | {omaxe:.2} ms | | |");
    let _ = writeln!(
        out,
        "| database bytes (db + WAL) | {plain_bytes} | {enc_bytes} | {:+.1}% | |",
        overhead(plain_bytes as f64, enc_bytes as f64)
    );
    let _ = writeln!(
        out,
        "\nMigration of the plain outbox ({forms} forms) to an encrypted one at its first keyed open: {:.0} ms.\n",
        ms(migrate)
    );
}

// ---------------------------------------------------------------- 2. drain

/// The drain, run 3 times (once with `--quick`) on fresh outboxes and
/// servers with the same forms: the median wall time with the spread, and
/// the first run in detail.
fn drain_section(out: &mut String, opts: &Opts) {
    let runs = if opts.quick { 1 } else { 3 };
    let mut detail = String::new();
    let mut walls = Vec::new();
    let mut reqs = Vec::new();
    let mut min_dhis2 = 0;
    let mut n = 0;
    for r in 0..runs {
        let mut s = String::new();
        let (wall, dhis2_requests, min, forms) = drain_once(&mut s, opts);
        eprintln!("[drain] run {r}: {wall:.2} s");
        walls.push(wall);
        reqs.push(dhis2_requests as f64);
        min_dhis2 = min;
        n = forms;
        if r == 0 {
            detail = s;
        }
    }
    let lo = walls.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = walls.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let med = median(walls.clone());
    let worst_req = reqs.iter().cloned().fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "## 2. Drain: {n} queued forms to both simulated servers on loopback\n"
    );
    let _ = writeln!(out, "| measure | {runs} run(s) | target | |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| wall time of the drain, median [min–max] | {med:.2} s [{lo:.2}–{hi:.2}] (runs: {}) | ≤ 15 s, the whole spread under it | {} |",
        walls
            .iter()
            .map(|w| format!("{w:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        if hi <= 15.0 { "met" } else { "**not met**" }
    );
    let _ = writeln!(
        out,
        "| DHIS2 requests, worst run / contract minimum | {worst_req:.0} / {min_dhis2} = {} | ≤ 1.2× | {} |",
        ratio(worst_req, min_dhis2 as f64),
        if worst_req <= 1.2 * min_dhis2 as f64 {
            "met"
        } else {
            "**not met**"
        }
    );
    let _ = writeln!(out);
    out.push_str(&detail);
}

/// One drain: returns its wall time in seconds, DHIS2's request count, the
/// DHIS2 contract minimum and the number of forms.
fn drain_once(out: &mut String, opts: &Opts) -> (f64, u64, u64, usize) {
    let n: usize = opts
        .drain_forms
        .unwrap_or(if opts.quick { 1_000 } else { 10_000 });
    eprintln!("[drain] {n} forms");
    let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
    let forms = example_set();
    let facilities = example_facilities();
    // The simulated servers run in a child process (this program, started
    // again with SUITE_ROLE=servers), so that this process's memory is the
    // agent's alone.
    let mut servers = ServerProcess::start();
    let db = dir.path().join("outbox.sqlite");
    let batch_max_values = 1000usize;
    let agent = device(
        &db,
        &forms,
        &facilities,
        Arc::new(SystemClock),
        &servers.dhis2_url,
        Some(&servers.lmis_url),
    );
    // Time inside requests, measured around the real HTTP client.
    let timed = Arc::new(TimedTransport {
        inner: UreqTransport::new(Timeouts::default()),
        nanos: AtomicU64::new(0),
    });
    let agent = agent.with_transport(timed.clone());

    // Queue the forms; count what the contracts need.
    let mut stream = DraftStream::new(&forms, &facilities, n, opts.seed);
    let mut values_per_ds: BTreeMap<String, u64> = BTreeMap::new();
    let mut lmis_chains: BTreeSet<(String, String)> = BTreeSet::new();
    let mut lmis_forms = 0u64;
    let mut dhis2_forms = 0u64;
    let mut months = BTreeSet::new();
    let fill = Instant::now();
    for _ in 0..n {
        let d = stream.next_draft();
        let def = forms.get(&d.form).expect("form");
        let dests = destinations_of(def);
        if dests.contains(&Destination::Dhis2) {
            dhis2_forms += 1;
            *values_per_ds.entry(def.dhis2.data_set.clone()).or_default() +=
                agent_core::dhis2::values_of(def, &d).0.len() as u64;
        }
        if dests.contains(&Destination::Lmis)
            && let Some(l) = &def.lmis
        {
            lmis_forms += 1;
            lmis_chains.insert((d.facility.clone(), l.program_id.clone()));
        }
        months.insert(d.period.clone());
        agent.submit(&d, true).expect("submit");
    }
    let fill_time = fill.elapsed();
    let total_values: u64 = values_per_ds.values().sum();
    let min_dhis2_posts: u64 = values_per_ds
        .values()
        .map(|v| v.div_ceil(batch_max_values as u64))
        .sum();
    // Completions of every data set of the drain fit one list (contract §7).
    let min_dhis2 = min_dhis2_posts + 1;
    let min_lmis = lmis_forms + 1 + lmis_chains.len() as u64;

    // Peak RSS: reset the high-water mark, and sample VmRSS every 50 ms.
    let reset_hwm = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status_kb("VmRSS:");
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_before));
    let sampler = {
        let stop = Arc::clone(&stop);
        let peak = Arc::clone(&peak);
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(status_kb("VmRSS:"), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let creds = credentials();
    let mut totals = [Totals::default(); 2];
    let mut passes = 0u32;
    let mut done = false;
    let cpu0 = cpu_secs();
    let start = Instant::now();
    while passes < 200 && start.elapsed() < Duration::from_secs(900) {
        passes += 1;
        let report = agent
            .sync(SyncBudget::time(Duration::from_secs(3600)), &creds, false)
            .expect("sync");
        absorb(&mut totals, &report);
        if report.done {
            done = true;
            break;
        }
        if let Some(t) = report.call_again_at {
            let wait = (t - Utc::now()).to_std().unwrap_or_default();
            std::thread::sleep(wait.min(Duration::from_secs(30)));
        } else {
            break;
        }
    }
    let wall = start.elapsed();
    let cpu = cpu_secs() - cpu0;
    stop.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    let hwm = status_kb("VmHWM:");
    let peak_rss = peak
        .load(Ordering::SeqCst)
        .max(if reset_hwm { hwm } else { 0 });

    let counts = servers.counts();
    let (ds, ls) = (&counts.dhis2, &counts.lmis);
    let stored_values = counts.values;
    let events = counts.events;
    let routes = exchanges_by_route(&db);
    let health = agent.health().expect("health");
    let undelivered: u64 = health
        .counts
        .iter()
        .filter(|c| c.state != DeliveryState::Delivered)
        .map(|c| c.count)
        .sum();

    let _ = writeln!(out, "### Run 1 in detail\n");
    let _ = writeln!(
        out,
        "Method: {n} realistic forms (`DraftGen`, seed {}) — CHW and maternal forms for the 5 example facilities \
(9 facility×form pairs), {} distinct months, oldest first, opening balances carried — queued by `Agent::submit` \
({:.1} s, not part of the drain). Then one agent (`open_parts`, `SystemClock`, DHIS2 `batch_max_values` \
{batch_max_values}, `batch_max_bytes` 512 KiB, gzip probed) runs `sync` passes with a 1 h budget each until both \
queues are empty. Requests and bytes (HTTP heads included) are the servers' own counters. The simulated DHIS2 (2.40 family) and OpenLMIS run in a \
child process (this benchmark started again with `SUITE_ROLE=servers`) on 127.0.0.1, so that the agent's memory is \
measured alone. Peak RSS of the agent's process: `/proc/self/clear_refs` = 5 before the drain, then VmHWM after it \
and VmRSS sampled every 50 ms.\n",
        opts.seed,
        months.len(),
        fill_time.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "Least requests the contracts allow: DHIS2 takes at most `batch_max_values` = {batch_max_values} values per \
`POST /api/dataValueSets`, a batch belongs to one data set, and `POST /api/completeDataSetRegistrations` takes a \
list across data sets (contract §7), so one completion POST can serve them all: Σ over data sets of \
ceil(values / {batch_max_values}) + 1 = {min_dhis2_posts} + 1 = **{min_dhis2}** ({total_values} values of {dhis2_forms} forms). OpenLMIS takes one stock event \
per form (events are one at a time per facility and program; no batch endpoint), plus one sign-in, plus at least one \
reference-data request per facility×program to learn orderables/reasons: {lmis_forms} + 1 + {} = **{min_lmis}**. \
(The one-time gzip probe and the agent's extra reference-data requests count against the agent.)\n",
        lmis_chains.len()
    );
    let _ = writeln!(out, "| measure | agent | limit / peer | ratio |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| wall time of the drain | {:.2} s ({passes} passes, done = {done}) | target ≤ 15 s on 2 cores | {} |",
        wall.as_secs_f64(),
        ratio(wall.as_secs_f64(), 15.0)
    );
    let _ = writeln!(
        out,
        "| forms per second (both destinations) | {:.0} | {:.0} (= {n} / 15 s) | {} |",
        n as f64 / wall.as_secs_f64(),
        n as f64 / 15.0,
        ratio(n as f64 / 15.0, n as f64 / wall.as_secs_f64())
    );
    let _ = writeln!(
        out,
        "| DHIS2 requests (server count) | {} | minimum {min_dhis2}; target ≤ 1.2× | {} |",
        ds.requests,
        ratio(ds.requests as f64, min_dhis2 as f64)
    );
    let _ = writeln!(
        out,
        "| OpenLMIS requests (server count) | {} | minimum {min_lmis}; target ≤ 2× | {} |",
        ls.requests,
        ratio(ls.requests as f64, min_lmis as f64)
    );
    let _ = writeln!(
        out,
        "| DHIS2 bytes on the wire (in / out) | {} / {} | — | {:.0} bytes per value |",
        ds.bytes_in,
        ds.bytes_out,
        (ds.bytes_in + ds.bytes_out) as f64 / total_values.max(1) as f64
    );
    let _ = writeln!(
        out,
        "| OpenLMIS bytes on the wire (in / out) | {} / {} | — | {:.0} bytes per form |",
        ls.bytes_in,
        ls.bytes_out,
        (ls.bytes_in + ls.bytes_out) as f64 / lmis_forms.max(1) as f64
    );
    let _ = writeln!(
        out,
        "| peak RSS of the agent's process during the drain | {:.1} MB (before: {:.1} MB) | target ≤ 50 MB | {} |",
        mb(peak_rss),
        mb(rss_before),
        ratio(mb(peak_rss), 50.0)
    );
    let _ = writeln!(
        out,
        "| peak RSS of the simulated servers' process (for reference) | {:.1} MB | — | — |",
        mb(counts.servers_peak_kb),
    );
    let in_requests = timed.nanos.load(Ordering::SeqCst) as f64 / 1e9;
    let _ = writeln!(
        out,
        "| time inside HTTP requests (measured around the HTTP client) / outside them | {in_requests:.1} s / {:.1} s | — | {:.0}% outside |",
        wall.as_secs_f64() - in_requests,
        100.0 * (wall.as_secs_f64() - in_requests) / wall.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| CPU time of the process during the drain | {cpu:.1} s ({:.0}% of one core) | 2 cores | — |",
        100.0 * cpu / wall.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "\nAgent's own counts: DHIS2 {} requests ({} retries, {} failures), LMIS {} requests ({} retries, {} failures). \
Check: DHIS2 holds {stored_values} of {total_values} values, OpenLMIS {events} of {lmis_forms} events, \
{undelivered} deliveries not delivered; peak concurrent requests DHIS2 {} / OpenLMIS {}.\n",
        totals[0].requests,
        totals[0].retries,
        totals[0].failures,
        totals[1].requests,
        totals[1].retries,
        totals[1].failures,
        ds.peak_in_flight,
        ls.peak_in_flight
    );
    let _ = writeln!(
        out,
        "Requests by route (the agent's exchange log; time is measured by the agent around each request):\n"
    );
    route_table(out, &routes);
    let _ = writeln!(out);
    servers.stop();
    (wall.as_secs_f64(), ds.requests, min_dhis2, n)
}

/// The real HTTP client, with the time spent inside it summed.
struct TimedTransport {
    inner: UreqTransport,
    nanos: AtomicU64,
}

impl Transport for TimedTransport {
    fn send(
        &self,
        req: &HttpRequest,
    ) -> Result<agent_core::http::HttpResponse, agent_core::http::TransportError> {
        let t = Instant::now();
        let r = self.inner.send(req);
        self.nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::SeqCst);
        r
    }
}

/// The simulated servers in a child process.
struct ServerProcess {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    dhis2_url: String,
    lmis_url: String,
}

/// What the servers counted, and hold.
struct ServerCounts {
    dhis2: ServerStats,
    lmis: ServerStats,
    values: u64,
    events: u64,
    servers_peak_kb: u64,
}

#[derive(Default)]
struct ServerStats {
    requests: u64,
    bytes_in: u64,
    bytes_out: u64,
    peak_in_flight: u64,
}

impl ServerProcess {
    fn start() -> ServerProcess {
        use std::io::BufRead;
        let exe = std::env::current_exe().expect("own path");
        let mut child = std::process::Command::new(exe)
            .env("SUITE_ROLE", "servers")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the servers' process");
        let stdin = child.stdin.take();
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("servers' address line");
        let mut parts = line.split_whitespace().skip(1);
        let dhis2_url = parts.next().expect("dhis2 url").to_string();
        let lmis_url = parts.next().expect("lmis url").to_string();
        ServerProcess {
            child,
            stdin,
            stdout,
            dhis2_url,
            lmis_url,
        }
    }

    fn counts(&mut self) -> ServerCounts {
        use std::io::{BufRead, Write};
        let stdin = self.stdin.as_mut().expect("servers' stdin");
        writeln!(stdin, "counts").expect("ask the servers");
        stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("servers' counts");
        let v: serde_json::Value = serde_json::from_str(&line).expect("counts JSON");
        let n = |p: &str| {
            v.pointer(p)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        };
        let stats = |k: &str| ServerStats {
            requests: n(&format!("/{k}/requests")),
            bytes_in: n(&format!("/{k}/bytes_in")),
            bytes_out: n(&format!("/{k}/bytes_out")),
            peak_in_flight: n(&format!("/{k}/peak_in_flight")),
        };
        ServerCounts {
            dhis2: stats("dhis2"),
            lmis: stats("lmis"),
            values: n("/values"),
            events: n("/events"),
            servers_peak_kb: n("/peak_kb"),
        }
    }

    fn stop(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The child's side: both simulated servers with the example forms and
/// facilities; answers `counts` on stdin with one JSON line; stops at the
/// end of stdin.
fn serve_for_parent() {
    use std::io::{BufRead, Write};
    let (dhis2, lmis) = start_servers(&example_set(), &example_facilities());
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY {} {}", dhis2.url(), lmis.url()).expect("stdout");
    out.flush().expect("flush");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "counts" {
            let stats = |s: sim_servers::faults::Stats| {
                serde_json::json!({
                    "requests": s.requests,
                    "bytes_in": s.bytes_in,
                    "bytes_out": s.bytes_out,
                    "peak_in_flight": s.peak_in_flight,
                })
            };
            let v = serde_json::json!({
                "dhis2": stats(dhis2.stats()),
                "lmis": stats(lmis.stats()),
                "values": dhis2.values().len(),
                "events": lmis.events().len(),
                "peak_kb": status_kb("VmHWM:"),
            });
            writeln!(out, "{v}").expect("stdout");
            out.flush().expect("flush");
        }
    }
    dhis2.stop();
    lmis.stop();
}

// ---------------------------------------------------------------- 3. bad link

fn form40() -> FormDefinition {
    FormDefinition {
        schema: None,
        id: "bench-40".into(),
        version: 1,
        title: "Benchmark form with 40 service fields".into(),
        labels: Default::default(),
        period_type: PeriodType::Monthly,
        dhis2: Dhis2Target {
            data_set: "BnchDataSt1".into(),
            attribute_option_combo: None,
        },
        lmis: None,
        service: (0..40)
            .map(|i| ServiceField {
                key: format!("field_{i:02}"),
                label: format!("Field {i}"),
                labels: Default::default(),
                unit: None,
                section: None,
                data_element: format!("BnchDe{i:05}"),
                category_option_combo: DEFAULT_COC.into(),
                min: 0,
                max: Some(5000),
                warn_above: Some(600),
                required: true,
            })
            .collect(),
        products: vec![],
        rules: vec![],
        resupply: None,
    }
}

/// The least a form's service part needs on the wire: the dataValueSet JSON
/// in its header form (one data set, period and org unit; each value its
/// data element, option combo and value), before gzip.
fn minimal_payload(def: &FormDefinition, draft: &Draft, period: &Period, ou: &str) -> Vec<u8> {
    let (rows, _) = agent_core::dhis2::values_of(def, draft);
    let v = serde_json::json!({
        "dataSet": def.dhis2.data_set,
        "period": period.dhis2_id(),
        "orgUnit": ou,
        "dataValues": rows.iter().map(|v| serde_json::json!({
            "dataElement": v.data_element,
            "categoryOptionCombo": v.category_option_combo,
            "value": v.value,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&v).expect("json")
}

/// The agent of the bad-link section: DHIS2 only, through the shaped link,
/// batches of up to 1000 values, gzip probed.
fn link_agent(
    db: &Path,
    forms: &FormSet,
    facilities: &FacilityMap,
    clock: &Arc<FixedClock>,
    url: &str,
) -> Agent {
    device(db, forms, facilities, clock.clone(), url, None)
}

/// The peer for DHIS2, web data entry of one form: one form-encoded
/// `POST /api/dataValues` per value, then one completion, through `url`
/// with a fresh client; a failed save is retried at once (as generous to
/// it as can be, up to 20 times). Returns the request body bytes sent and
/// the retries.
fn web_data_entry(url: &str, def: &FormDefinition, draft: &Draft, ou: &str) -> (u64, u64) {
    let transport = UreqTransport::new(Timeouts::default());
    let auth = basic_auth("admin", "district");
    let mut retries = 0u64;
    let mut body_up = 0u64;
    let mut send = |content_type: &str, url: String, body: Vec<u8>| {
        body_up += body.len() as u64;
        let req = HttpRequest {
            method: "POST",
            url,
            headers: vec![
                ("Authorization".into(), auth.clone()),
                ("Content-Type".into(), content_type.into()),
            ],
            body,
        };
        for _ in 0..20 {
            match transport.send(&req) {
                Ok(r) if r.status < 300 => return,
                _ => retries += 1,
            }
        }
        panic!("the per-value save of {} kept failing", req.url);
    };
    let pe = Period::parse(&draft.period).expect("period").dhis2_id();
    let (rows, _) = agent_core::dhis2::values_of(def, draft);
    for v in &rows {
        let body = format!(
            "de={}&co={}&ds={}&ou={ou}&pe={pe}&value={}",
            v.data_element,
            v.category_option_combo.as_deref().unwrap_or(DEFAULT_COC),
            def.dhis2.data_set,
            v.value
        );
        send(
            "application/x-www-form-urlencoded",
            format!("{url}/api/dataValues"),
            body.into_bytes(),
        );
    }
    let completion = serde_json::json!({"completeDataSetRegistrations": [{
        "dataSet": def.dhis2.data_set, "period": pe, "organisationUnit": ou, "completed": true
    }]});
    send(
        "application/json",
        format!("{url}/api/completeDataSetRegistrations"),
        serde_json::to_vec(&completion).expect("json"),
    );
    (body_up, retries)
}

struct Run {
    secs: f64,
    up: u64,
    down: u64,
    requests: u64,
    resets: u64,
    extra: f64,
}

fn badlink_section(out: &mut String, opts: &Opts) {
    let runs = 3u64;
    eprintln!("[badlink] {runs} runs per side over 2G");
    let def = form40();
    let mut defs = example_forms();
    defs.push(def.clone());
    let forms = FormSet::new(defs).expect("forms");
    let facilities = example_facilities();
    let dhis2 =
        Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).expect("dhis2 mock");
    let facility = facilities
        .iter()
        .find(|f| f.forms.is_empty())
        .expect("a facility")
        .clone();
    let ou = facility.dhis2_org_unit.clone().expect("org unit");
    let last = Period::containing(PeriodType::Monthly, Utc::now().date_naive()).previous();
    let creds = credentials();
    let shape = Profile::TwoG.shape().expect("2g");
    let mut g = DraftGen::new(opts.seed);

    let mut agent_runs = Vec::new();
    let mut web_runs = Vec::new();
    let mut min_payload = (0usize, 0usize);
    let mut agent_routes = Vec::new();
    for r in 0..runs {
        let seed = opts.seed.wrapping_add(r);
        // The form of this run: a distinct month (two runs never overwrite each other).
        let mut period = last;
        for _ in 0..(2 * r) {
            period = period.previous();
        }
        let warm_period = period.previous();
        let draft = g.draft(&def, &facility.code, &period.iso(), &BTreeMap::new());
        let warm = g.draft(&def, &facility.code, &warm_period.iso(), &BTreeMap::new());

        // The minimal payload: the dataValueSet JSON of the form, gzip'd.
        let minimal = minimal_payload(&def, &draft, &period, &ou);
        min_payload = (minimal.len(), gzip_bytes(&minimal).len());

        // Agent: a fresh device; a first form syncs first (the one-time
        // gzip probe and connection), then the measured form.
        let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
        let db = dir.path().join("outbox.sqlite");
        let proxy = ShapingProxy::start_shaped(&dhis2.url(), shape, seed).expect("proxy");
        let clock = Arc::new(FixedClock::new(Utc::now()));
        let agent = link_agent(&db, &forms, &facilities, &clock, &proxy.url());
        let sync_all = |clock: &FixedClock| -> (f64, f64, u32) {
            // Real time of the passes, plus the backoff the agent asked for
            // (not slept: the clock is moved to the instant asked).
            let start = Instant::now();
            let mut waited = 0.0;
            let mut passes = 0;
            let t0: DateTime<Utc> = clock.now();
            while passes < 50 {
                passes += 1;
                clock.set(
                    t0 + chrono::Duration::from_std(start.elapsed())
                        .unwrap_or(chrono::Duration::zero())
                        + chrono::Duration::milliseconds((waited * 1000.0) as i64),
                );
                let report = agent
                    .sync(SyncBudget::time(Duration::from_secs(600)), &creds, false)
                    .expect("sync");
                if report.done {
                    break;
                }
                if let Some(t) = report.call_again_at {
                    let now = clock.now();
                    if t > now {
                        waited += (t - now).to_std().unwrap_or_default().as_secs_f64();
                    }
                } else {
                    break;
                }
            }
            (start.elapsed().as_secs_f64(), waited, passes)
        };
        agent.submit(&warm, true).expect("submit");
        let _ = sync_all(&clock);
        let before = proxy.stats();
        agent.submit(&draft, true).expect("submit");
        let (secs, waited, _) = sync_all(&clock);
        let after = proxy.stats();
        agent_runs.push(Run {
            secs: secs + waited,
            up: after.bytes_up - before.bytes_up,
            down: after.bytes_down - before.bytes_down,
            requests: after.exchanges - before.exchanges,
            resets: after.dropped() - before.dropped(),
            extra: waited,
        });
        if r == 0 {
            agent_routes = exchanges_by_route(&db);
        }
        drop(proxy);

        // The web data entry way: one form-encoded POST /api/dataValues per
        // field, then one completion, through the same link; a failed save
        // is retried at once (as generous to it as can be).
        let proxy = ShapingProxy::start_shaped(&dhis2.url(), shape, seed).expect("proxy");
        let start = Instant::now();
        let (_, retries) = web_data_entry(&proxy.url(), &def, &draft, &ou);
        let secs = start.elapsed().as_secs_f64();
        let s = proxy.stats();
        web_runs.push(Run {
            secs,
            up: s.bytes_up,
            down: s.bytes_down,
            requests: s.exchanges,
            resets: s.dropped(),
            extra: retries as f64,
        });
        drop(proxy);
        eprintln!(
            "[badlink] run {r} (seed {seed}): agent {:.1} s, per-value {secs:.1} s",
            agent_runs[r as usize].secs
        );
    }
    // Several forms in one sync (a health post's month: five forms of the
    // 40-field form, months not used above), after a warm-up form: the
    // fixed cost of a request (HTTP heads, the import summary) is shared.
    const TOGETHER: usize = 5;
    let together = {
        let minimal_gzip = |draft: &Draft, period: &Period| {
            gzip_bytes(&minimal_payload(&def, draft, period, &ou)).len()
        };
        let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
        let proxy = ShapingProxy::start_shaped(&dhis2.url(), shape, opts.seed).expect("proxy");
        let clock = Arc::new(FixedClock::new(Utc::now()));
        let agent = link_agent(
            &dir.path().join("outbox.sqlite"),
            &forms,
            &facilities,
            &clock,
            &proxy.url(),
        );
        let until_done = || {
            for _ in 0..50 {
                let report = agent
                    .sync(SyncBudget::time(Duration::from_secs(600)), &creds, false)
                    .expect("sync");
                match report.call_again_at {
                    _ if report.done => return,
                    Some(t) if t > clock.now() => clock.set(t),
                    Some(_) => {}
                    None => return,
                }
            }
        };
        let mut period = last;
        for _ in 0..(2 * runs + 1) {
            period = period.previous();
        }
        let warm = g.draft(&def, &facility.code, &period.iso(), &BTreeMap::new());
        agent.submit(&warm, true).expect("submit");
        until_done();
        let before = proxy.stats();
        let mut minimal = 0usize;
        for _ in 0..TOGETHER {
            period = period.previous();
            let d = g.draft(&def, &facility.code, &period.iso(), &BTreeMap::new());
            minimal += minimal_gzip(&d, &period);
            agent.submit(&d, true).expect("submit");
        }
        until_done();
        let after = proxy.stats();
        (
            (after.bytes_up + after.bytes_down - before.bytes_up - before.bytes_down) as f64
                / TOGETHER as f64,
            minimal as f64 / TOGETHER as f64,
            after.exchanges - before.exchanges,
        )
    };
    let med = |v: &[Run], f: &dyn Fn(&Run) -> f64| median(v.iter().map(f).collect());
    let a_t = med(&agent_runs, &|r| r.secs);
    let w_t = med(&web_runs, &|r| r.secs);
    let a_b = med(&agent_runs, &|r| (r.up + r.down) as f64);
    let w_b = med(&web_runs, &|r| (r.up + r.down) as f64);
    let a_up = med(&agent_runs, &|r| r.up as f64);
    let w_up = med(&web_runs, &|r| r.up as f64);
    let a_rq = med(&agent_runs, &|r| r.requests as f64);
    let w_rq = med(&web_runs, &|r| r.requests as f64);
    let seeds: Vec<String> = (0..runs)
        .map(|r| opts.seed.wrapping_add(r).to_string())
        .collect();
    let per_run = |v: &[Run]| -> String {
        v.iter()
            .map(|r| format!("{:.1} s/{} req/{} resets", r.secs, r.requests, r.resets))
            .collect::<Vec<_>>()
            .join("; ")
    };

    let _ = writeln!(out, "## 3. Bad link: one 40-field form over 2G\n");
    let _ = writeln!(
        out,
        "Method: a service-only form of 40 fields (`FormDefinition` built in code, data set `BnchDataSt1`, default \
category option combo), metadata in the simulated DHIS2 by `Dhis2MockConfig::from_forms`. Link: `ShapingProxy` with \
the 2g profile ({} ms RTT, {} bit/s each way, {:.0}% of exchanges reset), a new proxy per side and run, seeds {} \
(one per run, the same for both sides of a run). **Agent**: a fresh device syncs a first form (the one-time gzip probe \
and connection set-up), then the measured form is submitted and synced until done; time = real time of the passes \
plus any backoff the agent asked for (clock moved, not slept). **Per-value (DHIS2 web data entry)**: one \
`POST /api/dataValues` (form parameters de, co, ds, ou, pe, value; Basic auth) per field, then one \
`POST /api/completeDataSetRegistrations`, through the same `ureq` client (keep-alive), a failed save retried at once. \
Bytes: what the proxy forwarded in both directions, HTTP heads included. Median of {runs} runs.\n",
        shape.rtt.as_millis(),
        shape.bytes_per_sec * 8,
        shape.loss * 100.0,
        seeds.join(", ")
    );
    let _ = writeln!(out, "| measure | agent | per-value saving (peer) | ratio |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| time to deliver the form (median) | {a_t:.2} s | {w_t:.2} s | {} × faster (target ≥ 10×) |",
        ratio(w_t, a_t)
    );
    let _ = writeln!(
        out,
        "| requests (median) | {a_rq:.0} | {w_rq:.0} | {} |",
        ratio(w_rq, a_rq)
    );
    let _ = writeln!(
        out,
        "| bytes on the wire, both ways (median) | {a_b:.0} | {w_b:.0} | {} × fewer |",
        ratio(w_b, a_b)
    );
    let a_dn = med(&agent_runs, &|r| r.down as f64);
    let w_dn = med(&web_runs, &|r| r.down as f64);
    let _ = writeln!(
        out,
        "| bytes received by the client (median) | {a_dn:.0} | {w_dn:.0} | {} × fewer |",
        ratio(w_dn, a_dn)
    );
    let _ = writeln!(
        out,
        "| bytes sent by the client (median) | {a_up:.0} | {w_up:.0} | {} × fewer |",
        ratio(w_up, a_up)
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "| measure | agent | minimal payload | ratio |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| bytes per form on the wire, both ways | {a_b:.0} | {} (gzip of the {}-byte dataValueSet JSON) | {} (target ≤ 1.5) |",
        min_payload.1,
        min_payload.0,
        ratio(a_b, min_payload.1 as f64)
    );
    let _ = writeln!(
        out,
        "| bytes per form sent by the agent | {a_up:.0} | {} | {} |",
        min_payload.1,
        ratio(a_up, min_payload.1 as f64)
    );
    let _ = writeln!(
        out,
        "| bytes per form on the wire, both ways, {TOGETHER} forms in one sync ({} requests) | {:.0} | {:.0} (mean gzip of each form's minimal JSON) | {} (target ≤ 1.5) |",
        together.2,
        together.0,
        together.1,
        ratio(together.0, together.1)
    );
    let _ = writeln!(
        out,
        "\nRuns (time/requests/resets): agent {}; per-value {}. Backoff added to the agent's time: {}. Per-value retries: {}.\n",
        per_run(&agent_runs),
        per_run(&web_runs),
        agent_runs
            .iter()
            .map(|r| format!("{:.1} s", r.extra))
            .collect::<Vec<_>>()
            .join(", "),
        web_runs
            .iter()
            .map(|r| format!("{}", r.extra))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let _ = writeln!(
        out,
        "The agent's requests in run 1 (warm-up form included; bodies only, as sent):\n"
    );
    route_table(out, &agent_routes);
    let _ = writeln!(out);
    dhis2.stop();
}

// ---------------------------------------------------------------- 4. scale

fn many_facilities(n: usize) -> FacilityMap {
    let list: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "code": format!("HP-{i:04}"),
                "name": format!("Health post {i}"),
                "dhis2_org_unit": format!("OU{i:09}"),
                "lmis_facility_id": format!("00000000-0000-4000-8000-{i:012}"),
                "lmis_facility_code": format!("HC{i:04}"),
            })
        })
        .collect();
    let json = serde_json::json!({"version": 1, "facilities": list});
    FacilityMap::from_json(&json.to_string()).expect("facility map")
}

struct Level {
    held: usize,
    fill_secs: f64,
    filled: usize,
    s50: Duration,
    s99: Duration,
    status: (Duration, Duration),
    list_all: Duration,
    list_pending: Duration,
    health: Duration,
    health_history: Duration,
    bytes_per_form: u64,
}

fn timed<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Vec<Duration> {
    let mut v: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            std::hint::black_box(f(i));
            t.elapsed()
        })
        .collect();
    v.sort();
    v
}

fn scale_section(out: &mut String, opts: &Opts) {
    let levels: Vec<usize> = if opts.quick {
        vec![0, 1_000, 10_000]
    } else {
        vec![0, 10_000, 100_000]
    };
    let measured = 1000usize;
    let total = levels.last().copied().unwrap_or(0) + measured;
    let facilities = many_facilities(100);
    let forms = example_set();
    let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
    let db = dir.path().join("outbox.sqlite");
    let agent = Agent::open_parts(
        &db,
        forms.clone(),
        facilities.clone(),
        Arc::new(SystemClock),
    )
    .expect("agent");
    let mut stream = DraftStream::new(&forms, &facilities, total, opts.seed);
    let mut ids: Vec<String> = Vec::with_capacity(total);
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let mut results = Vec::new();
    for &level in &levels {
        let fill = Instant::now();
        let filled = level.saturating_sub(ids.len());
        eprintln!("[scale] filling {filled} forms to {level}");
        for _ in 0..filled {
            let d = stream.next_draft();
            ids.push(agent.submit(&d, true).expect("submit").id);
        }
        let fill_secs = fill.elapsed().as_secs_f64();
        let held = ids.len();
        let mut samples = Vec::with_capacity(measured);
        for _ in 0..measured {
            let d = stream.next_draft();
            let t = Instant::now();
            let r = agent.submit(&d, true).expect("submit");
            samples.push(t.elapsed());
            ids.push(r.id);
        }
        samples.sort();
        let picks: Vec<usize> = (0..500).map(|_| rng.usize(0..ids.len())).collect();
        let st = timed(500, |i| agent.status(&ids[picks[i]]).expect("status"));
        let la = timed(50, |_| agent.list(None, 50).expect("list"));
        let lp = timed(50, |_| {
            agent.list(Some(DeliveryState::Pending), 50).expect("list")
        });
        let he = timed(20, |_| agent.health().expect("health"));
        // A device's usual outbox: its history delivered, a backlog of the
        // last {measured} forms. Deliveries are marked in SQL (the schema's
        // triggers keep the totals, as when the sync engine marks them),
        // health is timed, and the marks are undone.
        let history = Connection::open(&db).expect("db");
        let first_recent = &ids[ids.len() - measured];
        history
            .execute(
                "UPDATE deliveries SET state = 'delivered' WHERE state = 'pending' AND submission_id < ?1",
                [first_recent],
            )
            .expect("mark history delivered");
        let hh = timed(20, |_| agent.health().expect("health"));
        let backlog: u64 = agent
            .health()
            .expect("health")
            .counts
            .iter()
            .filter(|c| c.state == DeliveryState::Pending)
            .map(|c| c.count)
            .sum();
        assert_eq!(backlog, 2 * measured as u64, "two destinations per form");
        history
            .execute(
                "UPDATE deliveries SET state = 'pending' WHERE state = 'delivered'",
                [],
            )
            .expect("undo");
        results.push(Level {
            held,
            fill_secs,
            filled,
            s50: percentile(&samples, 0.5),
            s99: percentile(&samples, 0.99),
            status: (percentile(&st, 0.5), percentile(&st, 0.99)),
            list_all: percentile(&la, 0.5),
            list_pending: percentile(&lp, 0.5),
            health: percentile(&he, 0.5),
            health_history: percentile(&hh, 0.5),
            bytes_per_form: db_bytes(&db) / ids.len() as u64,
        });
    }

    let _ = writeln!(out, "## 4. Scale: submit and queries as the outbox grows\n");
    let _ = writeln!(
        out,
        "Method: one outbox (no destination configured, so every form stays pending) filled by `Agent::submit` in a \
loop with realistic forms (`DraftGen`, 100 generated facilities × 2 example forms, distinct months, oldest first). At \
each size: {measured} more submits timed one by one (p50/p99), then `status(id)` of 500 random stored ids (p50/p99), \
`list(None, 50)` and `list(Some(Pending), 50)` (median of 50), `health()` (median of 20), all at size + {measured}; \
bytes per stored form = (db + WAL) / forms held. `health()` is timed twice: with every form pending (a backlog as \
large as the outbox: it counts the backlog) and as on a device with its history delivered and the last {measured} \
forms pending (deliveries marked in SQL, the schema's triggers keeping the totals as when the sync engine marks \
them; undone afterwards). Reference for the ratios: the smallest size.\n"
    );
    let _ = writeln!(
        out,
        "| forms held | fill (forms, time) | submit p50 | submit p99 | status p50 / p99 | list all (50) | list pending (50) | health, all pending | health, history delivered | db bytes/form |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    for l in &results {
        let _ = writeln!(
            out,
            "| {} | {} in {:.1} s ({:.0}/s) | {:.3} ms | {:.3} ms | {:.3} / {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {} |",
            l.held,
            l.filled,
            l.fill_secs,
            if l.fill_secs > 0.0 {
                l.filled as f64 / l.fill_secs
            } else {
                0.0
            },
            ms(l.s50),
            ms(l.s99),
            ms(l.status.0),
            ms(l.status.1),
            ms(l.list_all),
            ms(l.list_pending),
            ms(l.health),
            ms(l.health_history),
            l.bytes_per_form
        );
    }
    if let (Some(first), Some(lastl)) = (results.first(), results.last()) {
        let _ = writeln!(
            out,
            "\nRatios largest / smallest size ({} vs {} forms; a flat cost is 1, a log cost about {:.1}): submit p50 {}, \
submit p99 {}, status p50 {}, list all {}, list pending {}, health all pending {}, health history delivered {}, \
bytes/form {}.\n",
            lastl.held,
            first.held,
            ((lastl.held + measured) as f64).ln() / ((first.held + measured) as f64).ln(),
            ratio(ms(lastl.s50), ms(first.s50)),
            ratio(ms(lastl.s99), ms(first.s99)),
            ratio(ms(lastl.status.0), ms(first.status.0)),
            ratio(ms(lastl.list_all), ms(first.list_all)),
            ratio(ms(lastl.list_pending), ms(first.list_pending)),
            ratio(ms(lastl.health), ms(first.health)),
            ratio(ms(lastl.health_history), ms(first.health_history)),
            ratio(lastl.bytes_per_form as f64, first.bytes_per_form as f64)
        );
    }
}

// ---------------------------------------------------------------- 5. health post

/// What one destination cost in one sync of a health post's month, seen by
/// its shaping proxy (heads included) and by the agent (bodies as sent).
#[derive(Clone, Copy, Default)]
struct Leg {
    requests: u64,
    connections: u64,
    up: u64,
    down: u64,
    resets: u64,
    body_up: u64,
    body_down: u64,
}

impl Leg {
    fn between(a: &ProxyStats, b: &ProxyStats, body: (u64, u64)) -> Leg {
        Leg {
            requests: b.exchanges - a.exchanges,
            connections: b.connections - a.connections,
            up: b.bytes_up - a.bytes_up,
            down: b.bytes_down - a.bytes_down,
            resets: b.dropped() - a.dropped(),
            body_up: body.0,
            body_down: body.1,
        }
    }
}

/// One month's sync: both legs, and the radio-on time (the sum of the real
/// time of the passes: from the first byte sent to the last received, plus
/// the agent's own work between them, which on this link is small).
#[derive(Clone, Copy, Default)]
struct MonthRun {
    radio_secs: f64,
    dhis2: Leg,
    lmis: Leg,
}

/// The example drafts as HP-001's month `period`: the data of the
/// hand-written minimum bodies (tests/fixtures/healthpost/).
fn healthpost_drafts(period: &str) -> Vec<Draft> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/examples");
    ["draft-chw-valid.json", "draft-maternal-valid.json"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).expect("example draft");
            let mut d: Draft = serde_json::from_str(&text).expect("draft");
            d.facility = "HP-001".into();
            d.period = period.into();
            d
        })
        .collect()
}

/// The contract minimum of a month's requests' bodies, per destination
/// (DHIS2, LMIS), from the hand-made fixtures: DHIS2's gzip'd.
fn healthpost_minimum() -> (u64, u64) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/healthpost");
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f))
            .expect("fixture")
            .trim_end()
            .as_bytes()
            .to_vec()
    };
    let dhis2 = gzip_bytes(&read("dhis2-dataValueSets.json")).len()
        + read("dhis2-completeDataSetRegistrations.json").len();
    let lmis = read("lmis-token.txt").len()
        + read("lmis-stockEvent-chw-monthly.json").len()
        + read("lmis-stockEvent-hp-maternal-monthly.json").len();
    (dhis2 as u64, lmis as u64)
}

/// The OpenLMIS UI's physical inventory for the health post's two programs
/// (the first-sync month's counts, hand-written in `tests/fixtures/healthpost/`),
/// on a fresh simulated OpenLMIS behind a fresh shaped link: one sign-in, then
/// per program the requests the UI makes (see the report's text). Returns the
/// LMIS leg and the time taken.
fn ui_physical_inventory(shape: Shape, seed: u64) -> MonthRun {
    let forms = FormSet::new(example_forms()).expect("forms");
    let facilities = example_facilities();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0)
        .expect("lmis mock");
    let proxy = ShapingProxy::start_shaped(&lmis.url(), shape, seed).expect("proxy");
    let transport = UreqTransport::new(Timeouts::default());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/healthpost");
    let mut body_up = 0u64;
    // A failed exchange is tried again (the person presses the button again).
    let mut send =
        |method: &'static str, path: &str, headers: Vec<(String, String)>, body: Vec<u8>| {
            body_up += body.len() as u64;
            let req = HttpRequest {
                method,
                url: format!("{}{path}", proxy.url()),
                headers,
                body,
            };
            for _ in 0..20 {
                if let Ok(r) = transport.send(&req)
                    && r.status < 300
                {
                    return serde_json::from_slice::<serde_json::Value>(&r.body)
                        .unwrap_or(serde_json::Value::Null);
                }
            }
            panic!("the UI's {method} {path} kept failing");
        };
    let t = Instant::now();
    let token = send(
        "POST",
        "/api/oauth/token?grant_type=password",
        vec![
            (
                "Authorization".into(),
                basic_auth("user-client", "changeme"),
            ),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        std::fs::read_to_string(dir.join("lmis-token.txt"))
            .expect("fixture")
            .trim_end()
            .as_bytes()
            .to_vec(),
    )["access_token"]
        .as_str()
        .expect("a token")
        .to_string();
    let auth = || {
        vec![
            ("Authorization".to_string(), format!("Bearer {token}")),
            ("Accept".to_string(), "application/json".to_string()),
        ]
    };
    let json_auth = || {
        let mut h = auth();
        h.push(("Content-Type".into(), "application/json".into()));
        h
    };
    for file in [
        "lmis-stockEvent-chw-monthly.json",
        "lmis-stockEvent-hp-maternal-monthly.json",
    ] {
        let counted: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).expect("fixture"))
                .expect("json");
        let (program, facility) = (
            counted["programId"].as_str().expect("program").to_string(),
            counted["facilityId"]
                .as_str()
                .expect("facility")
                .to_string(),
        );
        let lines = counted["lineItems"].as_array().cloned().unwrap_or_default();
        send(
            "GET",
            &format!("/api/physicalInventories?program={program}&facility={facility}&isDraft=true"),
            auth(),
            Vec::new(),
        );
        send(
            "GET",
            &format!("/api/v2/stockCardSummaries?programId={program}&facilityId={facility}"),
            auth(),
            Vec::new(),
        );
        let draft = send(
            "POST",
            "/api/physicalInventories",
            json_auth(),
            serde_json::to_vec(&serde_json::json!({"programId": program, "facilityId": facility}))
                .expect("json"),
        );
        let id = draft["id"].as_str().expect("a draft id").to_string();
        let adjustments = |l: &serde_json::Value,
                           reason: &dyn Fn(&serde_json::Value) -> serde_json::Value|
         -> Vec<serde_json::Value> {
            l["stockAdjustments"]
                .as_array()
                .into_iter()
                .flatten()
                .map(reason)
                .collect()
        };
        let saved: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "orderableId": l["orderableId"], "lotId": null, "quantity": l["quantity"],
                    "extraData": {"vvmStatus": null},
                    "stockAdjustments": adjustments(l, &|a| serde_json::json!({"reason": {"id": a["reasonId"]}, "quantity": a["quantity"]})),
                })
            })
            .collect();
        send(
            "PUT",
            &format!("/api/physicalInventories/{id}"),
            json_auth(),
            serde_json::to_vec(&serde_json::json!({
                "id": id, "programId": program, "facilityId": facility, "lineItems": saved,
            }))
            .expect("json"),
        );
        let event_lines: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "orderableId": l["orderableId"], "lotId": null, "quantity": l["quantity"],
                    "occurredDate": l["occurredDate"], "extraData": {"vvmStatus": null},
                    "stockAdjustments": adjustments(l, &|a| serde_json::json!({"reasonId": a["reasonId"], "quantity": a["quantity"]})),
                    "lotCode": null, "expirationDate": null,
                })
            })
            .collect();
        send(
            "POST",
            "/api/stockEvents",
            json_auth(),
            serde_json::to_vec(&serde_json::json!({
                "resourceId": id, "facilityId": facility, "programId": program,
                "signature": null, "documentNumber": null, "lineItems": event_lines,
            }))
            .expect("json"),
        );
    }
    let run = MonthRun {
        radio_secs: t.elapsed().as_secs_f64(),
        dhis2: Leg::default(),
        lmis: Leg::between(&ProxyStats::default(), &proxy.stats(), (body_up, 0)),
    };
    drop(proxy);
    lmis.stop();
    run
}

fn healthpost_section(out: &mut String, opts: &Opts) {
    let runs = if opts.quick { 1 } else { 3 };
    eprintln!("[healthpost] {runs} runs over 2G");
    let forms = FormSet::new(example_forms()).expect("forms");
    let facilities = example_facilities();
    let shape = Profile::TwoG.shape().expect("2g");
    let creds = credentials();
    let ou = facilities
        .get("HP-001")
        .and_then(|f| f.dhis2_org_unit.clone())
        .expect("HP-001's org unit");
    let (min_dhis2, min_lmis) = healthpost_minimum();
    let mut first = Vec::new();
    let mut steady = Vec::new();
    let mut peer = Vec::new();
    let mut ui_peer = Vec::new();
    let mut routes = Vec::new();
    for r in 0..runs {
        let seed = opts.seed.wrapping_add(100 + r as u64);
        // Fresh servers per run: both months of every run start from the same state.
        let (dhis2, lmis) = start_servers(&forms, &facilities);
        let pd = ShapingProxy::start_shaped(&dhis2.url(), shape, seed).expect("proxy");
        let pl = ShapingProxy::start_shaped(&lmis.url(), shape, seed + 1).expect("proxy");
        let dir = tempfile::tempdir_in(&opts.base).expect("temp dir");
        let db = dir.path().join("outbox.sqlite");
        let clock = Arc::new(FixedClock::new(Utc::now()));
        // The app as it opens each month: a new process, nothing in memory.
        let open = || {
            device(
                &db,
                &forms,
                &facilities,
                clock.clone(),
                &pd.url(),
                Some(&pl.url()),
            )
        };
        let month = |period: &str| -> MonthRun {
            let agent = open();
            for d in healthpost_drafts(period) {
                agent.submit(&d, true).expect("submit");
            }
            let (d0, l0) = (pd.stats(), pl.stats());
            let mut radio = 0.0;
            let mut sent = [(0u64, 0u64); 2];
            for _ in 0..30 {
                let t = Instant::now();
                let report = agent
                    .sync(SyncBudget::time(Duration::from_secs(600)), &creds, false)
                    .expect("sync");
                radio += t.elapsed().as_secs_f64();
                for (i, dest) in [Destination::Dhis2, Destination::Lmis].iter().enumerate() {
                    if let Some(d) = report.destination(*dest) {
                        sent[i].0 += d.bytes_sent;
                        sent[i].1 += d.bytes_received;
                    }
                }
                match report.call_again_at {
                    _ if report.done => break,
                    Some(t) if t > clock.now() => clock.set(t),
                    Some(_) => {}
                    None => break,
                }
            }
            MonthRun {
                radio_secs: radio,
                dhis2: Leg::between(&d0, &pd.stats(), sent[0]),
                lmis: Leg::between(&l0, &pl.stats(), sent[1]),
            }
        };
        first.push(month("2026-10"));
        // A month later; the reference data is fresh (90 days).
        clock.set(clock.now() + chrono::Duration::days(31));
        steady.push(month("2026-11"));
        if r == 0 {
            routes = exchanges_by_route(&db);
        }
        drop(pd);

        // The peer for DHIS2: web data entry, one value per request and one
        // completion per form, a fresh client and link (as cold as the
        // agent's new process), the steady-state month's data.
        let proxy = ShapingProxy::start_shaped(&dhis2.url(), shape, seed).expect("proxy");
        let t = Instant::now();
        let mut body_up = 0u64;
        for d in healthpost_drafts("2026-11") {
            let def = forms.get(&d.form).expect("form");
            body_up += web_data_entry(&proxy.url(), def, &d, &ou).0;
        }
        let secs = t.elapsed().as_secs_f64();
        peer.push(MonthRun {
            radio_secs: secs,
            dhis2: Leg::between(&ProxyStats::default(), &proxy.stats(), (body_up, 0)),
            lmis: Leg::default(),
        });
        drop(proxy);
        ui_peer.push(ui_physical_inventory(shape, seed + 1));
        drop(pl);
        dhis2.stop();
        lmis.stop();
        eprintln!(
            "[healthpost] run {r}: first sync {:.1} s, steady {:.1} s, per-value peer {secs:.1} s",
            first[r].radio_secs, steady[r].radio_secs
        );
    }

    // Median [min–max] of a figure over the runs.
    let spread = |v: &[MonthRun], f: &dyn Fn(&MonthRun) -> f64, dp: usize| -> String {
        let xs: Vec<f64> = v.iter().map(f).collect();
        let lo = xs.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if v.len() == 1 {
            format!("{:.dp$}", xs[0])
        } else {
            format!("{:.dp$} [{lo:.dp$}–{hi:.dp$}]", median(xs.clone()))
        }
    };
    let max_of = |v: &[MonthRun], f: &dyn Fn(&MonthRun) -> f64| {
        v.iter().map(f).fold(f64::NEG_INFINITY, f64::max)
    };
    let met = |ok: bool| if ok { "met" } else { "**not met**" };

    let _ = writeln!(
        out,
        "## 5. A health post's month over 2G, both destinations\n"
    );
    let _ = writeln!(
        out,
        "Method: one facility (HP-001) with the two example forms (the example drafts' data, months 2026-10 and 2026-11), \
both destinations, each behind its own `ShapingProxy` with the 2g profile ({} ms RTT, {} bit/s each way, {:.0}% of \
exchanges reset; seeds from {}). **First sync**: a new device (empty outbox, nothing cached), the app opened, two forms \
submitted, `sync` until done. **Steady state**: 31 days later, the app opened afresh (a new process: no token, no \
connection), the next month's two forms, `sync` until done; reference data is fresh (90 days). Requests, connections \
and bytes (heads included) are what each proxy saw; body bytes are the agent's own count of what it sent. Radio-on \
time: the real time of the passes (first byte sent to last byte received, plus the agent's work in between; backoff \
waits, if any, are not counted). Fresh simulated servers per run; median [min–max] of {runs} run(s).\n\n\
**Contract minimum** (the fewest requests and smallest bodies the contracts accept for the same data; bodies written \
by hand in `tests/fixtures/healthpost/`): DHIS2 one `dataValueSets` POST with both forms' values (gzip'd, contract §8) \
and one `completeDataSetRegistrations` POST with both (§7) = 2 requests (the agent sends one POST per data set \
with the form's completion inline, `completeDate` §4: also 2), {min_dhis2} B of bodies; OpenLMIS one sign-in \
and one physical-count event per program (no batch endpoint) = 3 requests, {min_lmis} B of bodies (not gzip'd: \
OpenLMIS does not inflate requests). It assumes the ids are known (from the facility map and forms); the agent also \
reads the reference data it checks the event against on a first sync and after 90 days.\n",
        shape.rtt.as_millis(),
        shape.bytes_per_sec * 8,
        shape.loss * 100.0,
        opts.seed.wrapping_add(100)
    );
    let _ = writeln!(
        out,
        "| measure | first sync | steady state | contract minimum | steady-state target |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    let both: fn(&MonthRun) -> f64 = |m| (m.dhis2.requests + m.lmis.requests) as f64;
    /// A row: its name, the figure of a month, the minimum and the target.
    type Row<'a> = (&'a str, fn(&MonthRun) -> f64, String, String);
    // A row with no target of its own (and `min`, "—" where none).
    let plain = |name: &'static str, f: fn(&MonthRun) -> f64, min: &str| -> Row {
        (name, f, min.into(), "—".into())
    };
    let rows: [Row; 14] = [
        ("requests, both destinations", both, "5".into(), {
            let ok = max_of(&steady, &both) <= 6.0;
            format!("≤ 6 (min + 1): {}", met(ok))
        }),
        plain("requests, DHIS2", |m| m.dhis2.requests as f64, "2"),
        plain("requests, OpenLMIS", |m| m.lmis.requests as f64, "3"),
        plain(
            "TCP connections opened, DHIS2",
            |m| m.dhis2.connections as f64,
            "1",
        ),
        plain(
            "TCP connections opened, OpenLMIS",
            |m| m.lmis.connections as f64,
            "1",
        ),
        plain(
            "exchanges reset by the link (both)",
            |m| (m.dhis2.resets + m.lmis.resets) as f64,
            "0",
        ),
        plain(
            "bytes up / DHIS2 (heads included)",
            |m| m.dhis2.up as f64,
            "—",
        ),
        plain(
            "bytes down / DHIS2 (heads included)",
            |m| m.dhis2.down as f64,
            "—",
        ),
        plain(
            "bytes up / OpenLMIS (heads included)",
            |m| m.lmis.up as f64,
            "—",
        ),
        plain(
            "bytes down / OpenLMIS (heads included)",
            |m| m.lmis.down as f64,
            "—",
        ),
        (
            "request bodies sent (agent's count), both",
            |m| (m.dhis2.body_up + m.lmis.body_up) as f64,
            format!("{}", min_dhis2 + min_lmis),
            {
                let worst = max_of(&steady, &|m| (m.dhis2.body_up + m.lmis.body_up) as f64);
                format!(
                    "≤ 1.5× = {:.0}: {} (worst {})",
                    1.5 * (min_dhis2 + min_lmis) as f64,
                    met(worst <= 1.5 * (min_dhis2 + min_lmis) as f64),
                    ratio(worst, (min_dhis2 + min_lmis) as f64)
                )
            },
        ),
        (
            "OpenLMIS bodies both ways, agent's count",
            |m| (m.lmis.body_up + m.lmis.body_down) as f64,
            "—".into(),
            {
                let worst = max_of(&first, &|m| (m.lmis.body_up + m.lmis.body_down) as f64);
                format!("first sync ≤ 12,000: {}", met(worst <= 12_000.0))
            },
        ),
        (
            "OpenLMIS both ways, heads included (proxy's count)",
            |m| (m.lmis.up + m.lmis.down) as f64,
            "—".into(),
            {
                let worst = max_of(&first, &|m| (m.lmis.up + m.lmis.down) as f64);
                format!("first sync ≤ 12,000: {}", met(worst <= 12_000.0))
            },
        ),
        ("radio-on time (s)", |m| m.radio_secs, "—".into(), {
            let ok = max_of(&steady, &|m| m.radio_secs) <= 5.0;
            format!("≤ 5 s: {}", met(ok))
        }),
    ];
    for (name, f, min, target) in rows.iter() {
        let dp = if name.starts_with("radio") { 1 } else { 0 };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {min} | {target} |",
            spread(&first, f, dp),
            spread(&steady, f, dp)
        );
    }
    let wire = |m: &MonthRun| (m.dhis2.up + m.dhis2.down) as f64;
    let lmis_wire = |m: &MonthRun| (m.lmis.up + m.lmis.down) as f64;
    let _ = writeln!(
        out,
        "\n**Peers**, steady-state month. DHIS2 web data entry (one `POST /api/dataValues` per value, one completion \
per form, a fresh client through a fresh 2g link, as cold as the agent's new process): requests {}, bytes both ways \
{}, time {} s; the agent's DHIS2 half: requests {}, bytes both ways {}, radio-on for both destinations {} s. \
OpenLMIS UI physical inventory, per program as the UI does it (openlmis-stockmanagement-ui \
`physical-inventory.service.js` and `.factory.js`: the draft looked for, `GET /api/physicalInventories?isDraft=true`; \
the products, `GET /api/v2/stockCardSummaries`; a draft made, `POST /api/physicalInventories`; saved with every line, \
`PUT /api/physicalInventories/{{id}}`; submitted as a stock event whose `resourceId` is the draft, `POST \
/api/stockEvents`) after one sign-in, on a fresh simulated OpenLMIS through a fresh 2g link, the first-sync month's \
counts (`tests/fixtures/healthpost/`), this client's heads (a browser's are larger): requests {}, bytes both ways {}, \
time {} s; the agent's OpenLMIS half in steady state: requests {}, bytes both ways {}.\n",
        spread(&peer, &|m| m.dhis2.requests as f64, 0),
        spread(&peer, &wire, 0),
        spread(&peer, &|m| m.radio_secs, 1),
        spread(&steady, &|m| m.dhis2.requests as f64, 0),
        spread(&steady, &wire, 0),
        spread(&steady, &|m| m.radio_secs, 1),
        spread(&ui_peer, &|m| m.lmis.requests as f64, 0),
        spread(&ui_peer, &lmis_wire, 0),
        spread(&ui_peer, &|m| m.radio_secs, 1),
        spread(&steady, &|m| m.lmis.requests as f64, 0),
        spread(&steady, &lmis_wire, 0),
    );
    let _ = writeln!(
        out,
        "The agent's requests in run 1, both months (bodies only, as sent):\n"
    );
    route_table(out, &routes);
    let _ = writeln!(out);
}

// ---------------------------------------------------------------- main

fn main() {
    if std::env::var("SUITE_ROLE").as_deref() == Ok("servers") {
        serve_for_parent();
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let opts = Opts {
        quick: args.iter().any(|a| a == "--quick"),
        out: value("--out").map(PathBuf::from),
        only: value("--only").map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
        seed: value("--seed").and_then(|v| v.parse().ok()).unwrap_or(7),
        drain_forms: value("--drain-forms").and_then(|v| v.parse().ok()),
        base: std::env::var_os("BENCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir),
    };
    let shown: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--bench")
        .collect();
    let command = if shown.is_empty() {
        "cargo bench -p e2e-tests --bench suite".to_string()
    } else {
        format!(
            "cargo bench -p e2e-tests --bench suite -- {}",
            shown.join(" ")
        )
    };
    let started = Instant::now();
    let mut out = String::new();
    header(&mut out, &opts, &command);
    let mut timings = Vec::new();
    type Section = fn(&mut String, &Opts);
    let sections: [(&str, Section); 6] = [
        ("submit", submit_section),
        ("drain", drain_section),
        ("badlink", badlink_section),
        ("scale", scale_section),
        ("healthpost", healthpost_section),
        ("encryption", encryption_section),
    ];
    // Each section is printed (and the file rewritten) as soon as it is
    // measured, so a run cut short keeps what it measured.
    let mut printed = 0;
    let flush = |out: &str, printed: &mut usize| {
        print!("{}", &out[*printed..]);
        *printed = out.len();
        if let Some(path) = &opts.out {
            std::fs::write(path, out).expect("write the report");
        }
    };
    flush(&out, &mut printed);
    for (name, run) in sections {
        if opts.runs(name) {
            let t = Instant::now();
            run(&mut out, &opts);
            timings.push(format!("{name} {:.0} s", t.elapsed().as_secs_f64()));
        } else {
            let _ = writeln!(out, "## {name}: not run (`--only`)\n");
        }
        flush(&out, &mut printed);
    }
    let _ = writeln!(
        out,
        "Suite time: {:.0} s ({}).",
        started.elapsed().as_secs_f64(),
        timings.join(", ")
    );
    flush(&out, &mut printed);
    if let Some(path) = &opts.out {
        eprintln!("report written to {}", path.display());
    }
}
