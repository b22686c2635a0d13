//! `cli-sim fleet`: many agents against one simulated DHIS2 and one
//! simulated OpenLMIS, in one process, to measure throughput and delivery
//! latency and to check that nothing is lost or delivered twice.
//!
//! # The run
//! - Each device is an [`Agent`] with its own outbox database in a temporary
//!   folder, the example forms and facility map, and its own
//!   [`FixedClock`]. Devices share the example facilities: device `d` takes
//!   the `d`-th (facility, form) pair in turn (a facility reports each of
//!   its forms), and the `k`-th device on a pair records the `M` months that
//!   end `k × M` months before last month, oldest first, each month's
//!   opening balances carried from the previous closing ones. So no two
//!   devices ever record the same form, facility and period, and the stock
//!   cards a facility's devices share end at the newest month's count.
//! - A device records its `M` forms ([`DraftGen`]: realistic, valid, from
//!   the seed), then syncs pass after pass until both its queues are empty.
//!   Between passes it honours the agent's own `call_again_at` (backoff
//!   with full jitter after failures): its clock is moved to that instant,
//!   while real time waits the same span divided by `--time-scale` (10 by
//!   default: the first retry's 0 to 30 s become 0 to 3 s). The device never
//!   calls `network_available`: in these runs the device's own network
//!   never drops, the servers do, so no connectivity signal would come.
//! - Devices are run by at most `--threads` worker threads (32 by
//!   default): a worker takes the device whose next pass is due first. A
//!   device stops after `--max-passes` passes, and the whole run after
//!   `--timeout-secs`; whatever is still queued then counts as lost.
//! - `--drop-rate` makes both servers drop that share of their answers
//!   after committing (the device sees a lost connection: an unknown
//!   outcome); `--no-inventory-guard` runs the simulated OpenLMIS without
//!   its physical-inventory guard, so a resent stock event would be applied
//!   twice unless the agent looked it up first.
//! - `--network` puts a [`ShapingProxy`] in front of each server (one link
//!   per connection, so per device); `lan` connects directly. With
//!   `offline` nothing gets through, so each device makes at most three
//!   passes and the run ends with everything queued (exit 1).
//! - `--storm`: both servers are down while every device records and makes
//!   its first sync; then they come back at once, their statistics are
//!   reset, and every device reconnects when its own backoff says. The peak
//!   of concurrent requests each server saw after that is reported. Note
//!   that the time scale squeezes the jitter window (0 to 30 s for the
//!   first retry) while a request still takes its real time, so a scaled
//!   storm overstates the peak: `--time-scale 1` waits the backoff in real
//!   time and measures what the servers would see. The peak can never pass
//!   `--threads`, each device sending one request at a time.
//!
//! # The checks
//! When every device has finished, the servers are read back: DHIS2 must
//! hold exactly the values of the forms (worked out from the form
//! definitions read as plain JSON, `crate::truth`, not with the agent's own
//! mapping), no more, no less, none different; OpenLMIS must hold exactly one stock
//! event per form revision (no `resourceId` twice, none missing, none
//! unknown), and each stock card must stand at the closing balance of the
//! newest month recorded for its facility. The exit code is 1 when a form
//! was not delivered, a duplicate or a difference was found, 0 otherwise.
//!
//! Latency is measured per form from the moment its submit returned to the
//! end of the pass that delivered its last destination.

use crate::chart::{self, Sample};
use crate::demo::write_example_setup;
use crate::drafts::DraftGen;
use crate::from_forms::FromForms;
use crate::network::{Profile, ProxyStats, ShapingProxy};
use agent_core::agent::{DeliveryState, destinations_of};
use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::draft::Draft;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::Destination;
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, FacilityMap, FormSet, Period};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::faults::{FaultConfig, Stats};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Arguments of `cli-sim fleet`.
#[derive(Debug, Clone, clap::Args)]
pub struct FleetArgs {
    /// Number of devices (agents, each with its own database).
    #[arg(long, default_value_t = 10)]
    pub devices: u32,
    /// Forms each device records (consecutive months of one form).
    #[arg(long, default_value_t = 3)]
    pub forms: u32,
    /// The network between the devices and the servers.
    #[arg(long, value_enum, default_value_t = Profile::Lan)]
    pub network: Profile,
    /// Servers down while the devices record and first sync, then back at once.
    #[arg(long)]
    pub storm: bool,
    /// Seed of the drafts, the faults and the network's losses.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write a chart of queue depth and deliveries over time to this SVG file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Worker threads running the devices (1 to 64).
    #[arg(long, default_value_t = 32)]
    pub threads: u32,
    /// Simulated seconds per real second while waiting for a backoff.
    #[arg(long, default_value_t = 10.0)]
    pub time_scale: f64,
    /// Most sync passes of one device.
    #[arg(long, default_value_t = 40)]
    pub max_passes: u32,
    /// Real seconds after which the run stops, whatever is still queued.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
    /// Share of answers both servers drop after committing (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Run the simulated OpenLMIS without its physical-inventory guard.
    #[arg(long)]
    pub no_inventory_guard: bool,
}

impl Default for FleetArgs {
    fn default() -> Self {
        FleetArgs {
            devices: 10,
            forms: 3,
            network: Profile::Lan,
            storm: false,
            seed: 1,
            json: false,
            svg: None,
            threads: 32,
            time_scale: 10.0,
            max_passes: 40,
            timeout_secs: 600,
            drop_rate: 0.0,
            no_inventory_guard: false,
        }
    }
}

/// The most devices and forms per device a run accepts.
const MAX_DEVICES: u32 = 10_000;
const MAX_FORMS: u32 = 60;
/// The sampling interval of the chart and the progress bar.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// The most samples kept: beyond, every other one is dropped.
const MAX_SAMPLES: usize = 20_000;
/// Wall time of one sync pass.
const PASS_BUDGET: Duration = Duration::from_secs(60);
/// Passes of a device when the network is offline.
const OFFLINE_PASSES: u32 = 3;

/// Delivery latency percentiles, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// The slowest form.
    pub max: f64,
}

/// Figures of one destination.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DestinationFigures {
    /// `dhis2` or `lmis`.
    pub destination: String,
    /// Requests the agents made (their reports).
    pub requests: u64,
    /// Requests that were retries of items already attempted.
    pub retries: u64,
    /// Transient failures the agents met.
    pub failures: u64,
    /// Body bytes sent by the agents.
    pub bytes_sent: u64,
    /// Body bytes received by the agents.
    pub bytes_received: u64,
    /// (Bytes sent + received) / forms recorded.
    pub bytes_per_form: f64,
    /// LMIS: stock events sent (first sends and resends).
    pub events_sent: u64,
    /// LMIS: look-ups for requests whose outcome was unknown.
    pub lookups: u64,
    /// LMIS: forms a look-up found already applied (resends avoided).
    pub found_by_lookup: u64,
    /// Requests the server saw, on every route.
    pub server_requests: u64,
    /// The most requests the server had in flight at once, over the run.
    pub peak_concurrent: u64,
    /// The same, counted from the moment the server came back after a storm.
    pub peak_concurrent_after_storm: Option<u64>,
    /// What the shaping proxy saw, when there was one.
    pub proxy: Option<ProxyStats>,
}

/// What reading the servers back found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checks {
    /// DHIS2 values of the forms the agents reported delivered there.
    pub dhis2_values_expected: u64,
    /// DHIS2 values the server holds.
    pub dhis2_values_found: u64,
    /// Values of delivered forms the server lacks.
    pub dhis2_missing: u64,
    /// Values the server holds with another value than the form's.
    pub dhis2_different: u64,
    /// Values the server holds that no form has, or holds twice.
    pub dhis2_unexpected: u64,
    /// Stock events expected: one per form revision reported delivered there.
    pub lmis_events_expected: u64,
    /// Stock events the server holds.
    pub lmis_events_found: u64,
    /// Events whose `resourceId` was already seen, or that have none.
    pub lmis_duplicate_events: u64,
    /// Events of delivered forms the server lacks.
    pub lmis_missing_events: u64,
    /// Events of no recorded form.
    pub lmis_unexpected_events: u64,
    /// Stock cards compared with the newest closing balance.
    pub stock_cards_checked: u64,
    /// Cards whose stock on hand is not that closing balance.
    pub stock_cards_different: u64,
    /// Duplicates of every kind (must be 0).
    pub duplicates: u64,
    /// Forms not delivered, or data missing or different (must be 0).
    pub losses: u64,
    /// The first problems, in words.
    pub problems: Vec<String>,
}

/// The result of a fleet run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FleetReport {
    /// Devices.
    pub devices: u32,
    /// Forms each device recorded.
    pub forms_per_device: u32,
    /// Forms recorded in all.
    pub forms: u64,
    /// The network profile.
    pub network: String,
    /// Whether the servers were down at the start.
    pub storm: bool,
    /// Share of answers the servers dropped after committing.
    pub drop_rate: f64,
    /// Whether the simulated OpenLMIS refused a repeated physical-inventory `resourceId`.
    pub inventory_guard: bool,
    /// The seed.
    pub seed: u64,
    /// Simulated seconds per real second of backoff.
    pub time_scale: f64,
    /// Worker threads.
    pub threads: u32,
    /// Real seconds from the first device's start to the last one's end.
    pub wall_secs: f64,
    /// With `--storm`: when the servers came back, in seconds from the start.
    pub storm_end_secs: Option<f64>,
    /// Forms delivered to every destination.
    pub delivered: u64,
    /// Forms still queued at the end.
    pub undelivered: u64,
    /// Forms a server refused.
    pub rejected: u64,
    /// Delivered forms per second of wall time.
    pub throughput_forms_per_sec: f64,
    /// From submit to the last destination delivered, per form.
    pub latency_ms: Latency,
    /// Sync passes made, all devices.
    pub passes: u64,
    /// Per destination.
    pub destinations: Vec<DestinationFigures>,
    /// What reading the servers back found.
    pub checks: Checks,
    /// Errors the agents returned (the first ones).
    pub device_errors: Vec<String>,
    /// No duplicate, nothing lost, no error.
    pub ok: bool,
    /// Queue depth and deliveries over time (for the chart; not in JSON).
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

/// One destination's totals over a device's passes.
#[derive(Debug, Clone, Default)]
struct Totals {
    requests: u64,
    retries: u64,
    failures: u64,
    bytes_sent: u64,
    bytes_received: u64,
    events_sent: u64,
    lookups: u64,
    found_by_lookup: u64,
}

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.requests += o.requests;
        self.retries += o.retries;
        self.failures += o.failures;
        self.bytes_sent += o.bytes_sent;
        self.bytes_received += o.bytes_received;
        self.events_sent += o.events_sent;
        self.lookups += o.lookups;
        self.found_by_lookup += o.found_by_lookup;
    }
}

fn dest_index(d: Destination) -> usize {
    match d {
        Destination::Dhis2 => 0,
        Destination::Lmis => 1,
    }
}

/// One recorded form and where it got to.
#[derive(Debug, Clone)]
struct Tracked {
    id: String,
    revision: u32,
    draft: Draft,
    period: Period,
    submitted: Instant,
    expected: Vec<Destination>,
    delivered: [Option<Instant>; 2],
    rejected: bool,
}

impl Tracked {
    fn done_at(&self) -> Option<Instant> {
        self.expected
            .iter()
            .map(|d| self.delivered[dest_index(*d)])
            .collect::<Option<Vec<Instant>>>()
            .and_then(|v| v.into_iter().max())
    }
}

/// One simulated device.
struct Device {
    index: usize,
    facility: String,
    form: String,
    /// The months it records, oldest first.
    months: Vec<Period>,
    clock: Arc<FixedClock>,
    agent: Option<Agent>,
    passes: u32,
    /// The simulated instant of the next pass.
    due_sim: Option<DateTime<Utc>>,
    forms: Vec<Tracked>,
    totals: [Totals; 2],
    errors: Vec<String>,
    finished: bool,
}

/// What a device does next.
enum Next {
    /// Another pass after this much real time.
    Again(Duration),
    /// Nothing more to do (delivered, or given up).
    Finished,
}

/// Everything the workers share.
struct Ctx<'a> {
    args: &'a FleetArgs,
    max_passes: u32,
    time_scale: f64,
    dir: PathBuf,
    forms: FormSet,
    /// The form definitions as plain JSON, for the checks (`crate::truth`).
    defs: BTreeMap<String, serde_json::Value>,
    facilities: FacilityMap,
    creds: StaticCredentials,
    dhis2_url: String,
    lmis_url: String,
    deadline: Instant,
    recorded: AtomicU64,
    delivered: AtomicU64,
    finished_devices: AtomicU64,
    /// The servers are down (the storm).
    servers_down: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Device {
    /// Opens the agent and records the device's forms.
    fn record(&mut self, ctx: &Ctx<'_>) -> Result<(), String> {
        let db = ctx.dir.join(format!("device-{:05}.sqlite", self.index));
        let agent = Agent::open_parts(
            &db,
            ctx.forms.clone(),
            ctx.facilities.clone(),
            self.clock.clone(),
        )
        .map_err(|e| format!("device {}: cannot open: {e}", self.index))?
        .with_dhis2(Dhis2Settings {
            url: ctx.dhis2_url.clone(),
            batch_max_values: 1000,
            batch_max_bytes: 512 * 1024,
            gzip: None,
        })
        .with_lmis(LmisSettings {
            url: ctx.lmis_url.clone(),
        });
        let def = ctx
            .forms
            .get(&self.form)
            .ok_or_else(|| format!("the form {} is missing", self.form))?;
        let expected = destinations_of(def);
        let mut drafts = DraftGen::new(
            ctx.args
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(self.index as u64),
        );
        let mut opening = BTreeMap::new();
        for m in &self.months {
            let draft = drafts.draft(def, &self.facility, &m.iso(), &opening);
            opening = draft
                .stock
                .iter()
                .filter_map(|(k, e)| e.closing_balance.map(|c| (k.clone(), c)))
                .collect();
            let r = agent.submit(&draft, true).map_err(|e| {
                format!(
                    "device {}: {} {} {} was not saved: {e}",
                    self.index,
                    self.form,
                    self.facility,
                    m.iso()
                )
            })?;
            ctx.recorded.fetch_add(1, Ordering::SeqCst);
            self.forms.push(Tracked {
                id: r.id,
                revision: r.revision,
                draft,
                period: *m,
                submitted: Instant::now(),
                expected: expected.clone(),
                delivered: [None, None],
                rejected: false,
            });
        }
        self.agent = Some(agent);
        Ok(())
    }

    /// Records what a pass delivered or refused.
    fn absorb(&mut self, report: &SyncReport, ctx: &Ctx<'_>) {
        let now = Instant::now();
        for r in &report.destinations {
            let Some(dest) = r.destination else { continue };
            let i = dest_index(dest);
            let t = &mut self.totals[i];
            t.requests += u64::from(r.requests);
            t.retries += u64::from(r.retries);
            t.failures += r.failures.len() as u64;
            t.bytes_sent += r.bytes_sent;
            t.bytes_received += r.bytes_received;
            t.events_sent += u64::from(r.events_sent);
            t.lookups += u64::from(r.lookups);
            t.found_by_lookup += u64::from(r.found_by_lookup);
            for item in &r.delivered {
                if let Some(f) = self
                    .forms
                    .iter_mut()
                    .find(|f| f.id == item.id && f.revision == item.revision)
                    && f.delivered[i].is_none()
                {
                    f.delivered[i] = Some(now);
                    if f.done_at().is_some() {
                        ctx.delivered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            for item in &r.rejected {
                if let Some(f) = self
                    .forms
                    .iter_mut()
                    .find(|f| f.id == item.id && f.revision == item.revision)
                {
                    f.rejected = true;
                    self.errors.push(format!(
                        "device {}: {dest} refused {} {} {}: {:?}",
                        self.index, f.draft.form, f.draft.facility, f.draft.period, item.problems
                    ));
                }
            }
        }
    }

    /// Records the forms on the first call, then makes one sync pass.
    fn step(&mut self, ctx: &Ctx<'_>) -> Next {
        if self.agent.is_none()
            && let Err(e) = self.record(ctx)
        {
            self.errors.push(e);
            return self.finish(ctx);
        }
        let Some(agent) = self.agent.as_ref() else {
            return self.finish(ctx);
        };
        // A pass's clock is a millisecond past the instant it was asked for
        // (items are due strictly after their next attempt time) and never
        // goes back; without a due instant it still moves on a millisecond.
        let now = self.clock.now();
        let at = self.due_sim.map_or(now, |t| t.max(now)) + chrono::Duration::milliseconds(1);
        self.clock.set(at);
        self.passes += 1;
        let result = agent.sync(SyncBudget::time(PASS_BUDGET), &ctx.creds, false);
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                self.errors
                    .push(format!("device {}: sync failed: {e}", self.index));
                if self.passes >= ctx.max_passes {
                    return self.finish(ctx);
                }
                return Next::Again(Duration::from_millis(100));
            }
        };
        self.absorb(&report, ctx);
        if report.done {
            return self.finish(ctx);
        }
        if self.passes >= ctx.max_passes {
            let queued: u64 = report.destinations.iter().map(|d| d.queued).sum();
            self.errors.push(format!(
                "device {}: {queued} deliveries still queued after {} passes",
                self.index, self.passes
            ));
            return self.finish(ctx);
        }
        match report.call_again_at {
            None => {
                let why: Vec<String> = report
                    .destinations
                    .iter()
                    .filter_map(|d| d.held.clone().or_else(|| d.note.clone()))
                    .collect();
                self.errors.push(format!(
                    "device {}: the agent stopped asking to be called again: {}",
                    self.index,
                    why.join("; ")
                ));
                self.finish(ctx)
            }
            Some(asked) => {
                let now = self.clock.now();
                let idle = report.destinations.iter().all(|d| d.requests == 0);
                // A pass that sent nothing although it was called when the
                // agent asked, and that asks again for "now", would spin:
                // its due rows wait behind an earlier period whose own
                // retry time is later (the LMIS sends a facility's periods
                // in order). Wait for the earliest retry time instead.
                let t = if idle && asked <= now {
                    self.earliest_retry(now)
                        .unwrap_or(now + chrono::Duration::seconds(1))
                } else {
                    asked
                };
                let wait = (t - now).to_std().unwrap_or_default();
                self.due_sim = Some(t);
                Next::Again(wait.div_f64(ctx.time_scale))
            }
        }
    }

    /// The earliest retry time after `now` of a queued delivery.
    fn earliest_retry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let agent = self.agent.as_ref()?;
        let list = agent.list(Some(DeliveryState::Pending), 10_000).ok()?;
        list.iter()
            .flat_map(|s| s.destinations.iter())
            .filter(|d| d.state == DeliveryState::Pending)
            .filter_map(|d| d.next_attempt_at)
            .filter(|t| *t > now)
            .min()
    }

    fn finish(&mut self, ctx: &Ctx<'_>) -> Next {
        // Closing the agent closes its database and its connections.
        self.agent = None;
        if !self.finished {
            self.finished = true;
            ctx.finished_devices.fetch_add(1, Ordering::SeqCst);
        }
        Next::Finished
    }
}

/// The devices due, earliest first, and how many have not finished.
struct Queue {
    heap: BinaryHeap<Reverse<(Instant, usize)>>,
    left: usize,
    parked: Vec<(usize, Duration)>,
}

/// Runs the devices until each has finished (or, with `first_pass_only`,
/// made its first pass), at most `threads` at a time. Returns the devices
/// parked after their first pass with their real wait.
fn run_phase(
    ctx: &Ctx<'_>,
    devices: &[Mutex<Device>],
    initial: Vec<(Instant, usize)>,
    first_pass_only: bool,
) -> Vec<(usize, Duration)> {
    let queue = Mutex::new(Queue {
        left: initial.len(),
        heap: initial.into_iter().map(Reverse).collect(),
        parked: Vec::new(),
    });
    let wake = Condvar::new();
    let threads = ctx.args.threads.clamp(1, 64) as usize;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| worker(ctx, devices, &queue, &wake, first_pass_only));
        }
    });
    let q = queue.into_inner().unwrap_or_else(|p| p.into_inner());
    q.parked
}

fn worker(
    ctx: &Ctx<'_>,
    devices: &[Mutex<Device>],
    queue: &Mutex<Queue>,
    wake: &Condvar,
    first_pass_only: bool,
) {
    // Each turn runs one pass of one device; devices have a bounded number
    // of passes, and the run a deadline, so the loop ends.
    loop {
        let index = {
            let mut q = lock(queue);
            loop {
                let now = Instant::now();
                if q.left == 0 || now >= ctx.deadline {
                    wake.notify_all();
                    return;
                }
                let wait = match q.heap.peek() {
                    Some(Reverse((due, _))) if *due <= now => None,
                    Some(Reverse((due, _))) => Some((*due - now).min(SAMPLE_EVERY)),
                    None => Some(SAMPLE_EVERY),
                };
                match wait {
                    None => break,
                    Some(w) => {
                        q = wake.wait_timeout(q, w).unwrap_or_else(|p| p.into_inner()).0;
                    }
                }
            }
            match q.heap.pop() {
                Some(Reverse((_, i))) => i,
                None => continue,
            }
        };
        let Some(device) = devices.get(index) else {
            continue;
        };
        let next = lock(device).step(ctx);
        let mut q = lock(queue);
        match next {
            Next::Again(wait) if first_pass_only => {
                q.parked.push((index, wait));
                q.left -= 1;
            }
            Next::Again(wait) => q.heap.push(Reverse((Instant::now() + wait, index))),
            Next::Finished => q.left -= 1,
        }
        wake.notify_all();
    }
}

/// The pairs of (facility, form) devices take in turn.
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

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Server statistics before and after the storm's reset.
#[derive(Debug, Clone, Default)]
struct ServerFigures {
    before: Option<Stats>,
    after: Stats,
}

impl ServerFigures {
    fn requests(&self) -> u64 {
        self.before.as_ref().map_or(0, |b| b.requests) + self.after.requests
    }

    fn peak(&self) -> u64 {
        self.before
            .as_ref()
            .map_or(0, |b| b.peak_in_flight)
            .max(self.after.peak_in_flight)
    }
}

/// Runs a fleet and returns its report (and writes the chart when asked).
pub fn run_fleet(args: &FleetArgs) -> Result<FleetReport, Box<dyn Error>> {
    if args.devices == 0 || args.devices > MAX_DEVICES {
        return Err(format!("--devices must be from 1 to {MAX_DEVICES}").into());
    }
    if args.forms == 0 || args.forms > MAX_FORMS {
        return Err(format!("--forms must be from 1 to {MAX_FORMS}").into());
    }
    if !(args.time_scale.is_finite() && args.time_scale >= 1.0) {
        return Err("--time-scale must be 1 or more".into());
    }
    if !(0.0..1.0).contains(&args.drop_rate) {
        return Err("--drop-rate must be from 0 to less than 1".into());
    }
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().to_path_buf();
    write_example_setup(&dir)?;
    let forms = FormSet::load_dir(&dir.join("forms")).map_err(|p| format!("{p:?}"))?;
    let defs = crate::truth::load_definitions(&dir.join("forms"))?;
    let facilities = FacilityMap::load(&dir.join("facilities.json")).map_err(|p| p.join("; "))?;
    let threads = args.threads.clamp(1, 64);
    // More server workers than device threads: the servers' pools are not
    // what limits the concurrency measured.
    let workers = (threads as usize + 8).max(16);
    let mut dc = Dhis2MockConfig::from_forms(&forms, &facilities);
    dc.seed = args.seed;
    dc.workers = workers;
    let dhis2 = Dhis2Mock::start(dc, 0)?;
    let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
    lc.seed = args.seed;
    lc.workers = workers;
    lc.inventory_guard = !args.no_inventory_guard;
    let lmis = OpenLmisMock::start(lc, 0)?;
    let drops = |seed: u64| FaultConfig {
        rate_drop_after_commit: args.drop_rate,
        seed,
        ..FaultConfig::default()
    };
    dhis2.faults().set(drops(args.seed));
    lmis.faults().set(drops(args.seed.wrapping_add(1)));
    let (dhis2_proxy, lmis_proxy) = match args.network {
        Profile::Lan => (None, None),
        p => (
            Some(ShapingProxy::start(&dhis2.url(), p, args.seed)?),
            Some(ShapingProxy::start(
                &lmis.url(),
                p,
                args.seed.wrapping_add(1),
            )?),
        ),
    };
    let dhis2_url = dhis2_proxy
        .as_ref()
        .map_or_else(|| dhis2.url(), |p| p.url());
    let lmis_url = lmis_proxy.as_ref().map_or_else(|| lmis.url(), |p| p.url());

    let start_sim = Utc::now();
    let slot_list = slots(&forms, &facilities);
    if slot_list.is_empty() {
        return Err("the example facility map reports no form".into());
    }
    let mut taken: HashMap<usize, u32> = HashMap::new();
    let mut devices = Vec::new();
    for d in 0..args.devices as usize {
        let s = d % slot_list.len();
        let rank = taken.entry(s).or_insert(0);
        let (facility, form) = slot_list[s].clone();
        let period_type = forms
            .get(&form)
            .map(|f| f.period_type)
            .ok_or("a slot's form is missing")?;
        // Newest month first: last month, k × M months back.
        let mut p = Period::containing(period_type, start_sim.date_naive()).previous();
        for _ in 0..(*rank * args.forms) {
            p = p.previous();
        }
        let mut months = Vec::new();
        for _ in 0..args.forms {
            months.push(p);
            p = p.previous();
        }
        months.reverse();
        *rank += 1;
        devices.push(Mutex::new(Device {
            index: d,
            facility,
            form,
            months,
            clock: Arc::new(FixedClock::new(start_sim)),
            agent: None,
            passes: 0,
            due_sim: None,
            forms: Vec::new(),
            totals: Default::default(),
            errors: Vec::new(),
            finished: false,
        }));
    }

    let started = Instant::now();
    let ctx = Ctx {
        args,
        max_passes: if args.network == Profile::Offline {
            args.max_passes.clamp(1, OFFLINE_PASSES)
        } else {
            args.max_passes.max(1)
        },
        time_scale: args.time_scale,
        dir: dir.clone(),
        forms,
        defs,
        facilities,
        creds: credentials(),
        dhis2_url,
        lmis_url,
        deadline: started + Duration::from_secs(args.timeout_secs.max(1)),
        recorded: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        finished_devices: AtomicU64::new(0),
        servers_down: AtomicBool::new(args.storm),
    };
    let total_forms = u64::from(args.devices) * u64::from(args.forms);
    let bar = progress_bar(total_forms);
    let samples: Mutex<Vec<Sample>> = Mutex::new(Vec::new());
    let sampling = AtomicBool::new(true);
    let mut dhis2_figures = ServerFigures::default();
    let mut lmis_figures = ServerFigures::default();
    let mut storm_end_secs = None;

    std::thread::scope(|s| -> Result<(), Box<dyn Error>> {
        s.spawn(|| sample(&ctx, started, &samples, &sampling, &bar, args.devices));
        let result = (|| -> Result<(), Box<dyn Error>> {
            let all_now: Vec<(Instant, usize)> =
                (0..devices.len()).map(|i| (Instant::now(), i)).collect();
            if args.storm {
                let down = FaultConfig {
                    down_for_secs: (args.timeout_secs as f64).max(60.0),
                    ..drops(args.seed)
                };
                dhis2.faults().set(down.clone());
                lmis.faults().set(down);
                ctx.servers_down.store(true, Ordering::SeqCst);
                let parked = run_phase(&ctx, &devices, all_now, true);
                // The storm: both servers come back at once.
                dhis2.faults().end_down();
                lmis.faults().end_down();
                ctx.servers_down.store(false, Ordering::SeqCst);
                let back = dhis2.faults().wait_until_listening(Duration::from_secs(5))
                    && lmis.faults().wait_until_listening(Duration::from_secs(5));
                if !back {
                    return Err("the simulated servers did not come back after the storm".into());
                }
                dhis2_figures.before = Some(dhis2.stats());
                lmis_figures.before = Some(lmis.stats());
                dhis2.reset_stats();
                lmis.reset_stats();
                let storm_end = Instant::now();
                storm_end_secs = Some(storm_end.duration_since(started).as_secs_f64());
                let resumed = parked
                    .into_iter()
                    .map(|(i, wait)| (storm_end + wait, i))
                    .collect();
                run_phase(&ctx, &devices, resumed, false);
            } else {
                run_phase(&ctx, &devices, all_now, false);
            }
            Ok(())
        })();
        sampling.store(false, Ordering::SeqCst);
        result
    })?;
    let wall = started.elapsed();
    bar.finish_and_clear();
    dhis2_figures.after = dhis2.stats();
    lmis_figures.after = lmis.stats();

    let devices: Vec<Device> = devices
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    let checks = check_servers(&ctx, &devices, &dhis2, &lmis);
    let mut samples = samples.into_inner().unwrap_or_else(|p| p.into_inner());
    samples.push(Sample {
        t_secs: wall.as_secs_f64(),
        queued: ctx
            .recorded
            .load(Ordering::SeqCst)
            .saturating_sub(ctx.delivered.load(Ordering::SeqCst)),
        delivered: ctx.delivered.load(Ordering::SeqCst),
    });

    let mut latencies: Vec<f64> = Vec::new();
    let (mut delivered, mut undelivered, mut rejected, mut passes) = (0u64, 0u64, 0u64, 0u64);
    let mut totals: [Totals; 2] = Default::default();
    let mut device_errors = Vec::new();
    for d in &devices {
        passes += u64::from(d.passes);
        for (i, t) in d.totals.iter().enumerate() {
            totals[i].add(t);
        }
        device_errors.extend(d.errors.iter().cloned());
        for f in &d.forms {
            match f.done_at() {
                Some(at) => {
                    delivered += 1;
                    latencies
                        .push(at.saturating_duration_since(f.submitted).as_secs_f64() * 1000.0);
                }
                None if f.rejected => rejected += 1,
                None => undelivered += 1,
            }
        }
        // Forms a device never got to record count as not delivered.
        undelivered += u64::from(args.forms).saturating_sub(d.forms.len() as u64);
    }
    latencies.sort_by(f64::total_cmp);
    let forms_recorded = ctx.recorded.load(Ordering::SeqCst);
    let per_form = |t: &Totals| {
        if total_forms == 0 {
            0.0
        } else {
            (t.bytes_sent + t.bytes_received) as f64 / total_forms as f64
        }
    };
    let figures = |dest: Destination,
                   t: &Totals,
                   server: &ServerFigures,
                   proxy: Option<&ShapingProxy>| DestinationFigures {
        destination: dest.as_str().to_string(),
        requests: t.requests,
        retries: t.retries,
        failures: t.failures,
        bytes_sent: t.bytes_sent,
        bytes_received: t.bytes_received,
        bytes_per_form: per_form(t),
        events_sent: t.events_sent,
        lookups: t.lookups,
        found_by_lookup: t.found_by_lookup,
        server_requests: server.requests(),
        peak_concurrent: server.peak(),
        peak_concurrent_after_storm: server.before.as_ref().map(|_| server.after.peak_in_flight),
        proxy: proxy.map(ShapingProxy::stats),
    };
    let destinations = vec![
        figures(
            Destination::Dhis2,
            &totals[0],
            &dhis2_figures,
            dhis2_proxy.as_ref(),
        ),
        figures(
            Destination::Lmis,
            &totals[1],
            &lmis_figures,
            lmis_proxy.as_ref(),
        ),
    ];
    let mut checks = checks;
    checks.losses += undelivered + rejected;
    if undelivered + rejected > 0 {
        checks.problems.insert(
            0,
            format!("{undelivered} form(s) still queued at the end, {rejected} refused"),
        );
    }
    let ok = checks.duplicates == 0 && checks.losses == 0 && device_errors.is_empty();
    device_errors.truncate(20);
    let report = FleetReport {
        devices: args.devices,
        forms_per_device: args.forms,
        forms: forms_recorded,
        network: args.network.name().to_string(),
        storm: args.storm,
        drop_rate: args.drop_rate,
        inventory_guard: !args.no_inventory_guard,
        seed: args.seed,
        time_scale: args.time_scale,
        threads,
        wall_secs: wall.as_secs_f64(),
        storm_end_secs,
        delivered,
        undelivered,
        rejected,
        throughput_forms_per_sec: if wall.as_secs_f64() > 0.0 {
            delivered as f64 / wall.as_secs_f64()
        } else {
            0.0
        },
        latency_ms: Latency {
            p50: percentile(&latencies, 0.50),
            p95: percentile(&latencies, 0.95),
            p99: percentile(&latencies, 0.99),
            max: latencies.last().copied().unwrap_or(0.0),
        },
        passes,
        destinations,
        checks,
        device_errors,
        ok,
        samples,
    };
    if let Some(path) = &args.svg {
        write_svg(path, &report)?;
    }
    if let Some(p) = dhis2_proxy {
        p.stop();
    }
    if let Some(p) = lmis_proxy {
        p.stop();
    }
    dhis2.stop();
    lmis.stop();
    Ok(report)
}

fn write_svg(path: &Path, r: &FleetReport) -> std::io::Result<()> {
    let title = format!(
        "{} devices × {} forms, {} network{}: queue depth and deliveries",
        r.devices,
        r.forms_per_device,
        r.network,
        if r.storm { ", storm" } else { "" }
    );
    let markers: Vec<(f64, &str)> = r
        .storm_end_secs
        .map(|t| (t, "servers back"))
        .into_iter()
        .collect();
    std::fs::write(path, chart::svg(&r.samples, &title, &markers))
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed_precise} {wide_bar} {pos}/{len} forms delivered, {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Samples the queue depth and the deliveries every [`SAMPLE_EVERY`] and
/// moves the progress bar, until the run ends.
fn sample(
    ctx: &Ctx<'_>,
    started: Instant,
    samples: &Mutex<Vec<Sample>>,
    sampling: &AtomicBool,
    bar: &indicatif::ProgressBar,
    devices: u32,
) {
    // Ends when the run does, or at the deadline (with a margin for the checks).
    let stop_at = ctx.deadline + Duration::from_secs(60);
    while sampling.load(Ordering::SeqCst) && Instant::now() < stop_at {
        let recorded = ctx.recorded.load(Ordering::SeqCst);
        let delivered = ctx.delivered.load(Ordering::SeqCst);
        {
            let mut v = lock(samples);
            if v.len() >= MAX_SAMPLES {
                let kept: Vec<Sample> = v.iter().step_by(2).copied().collect();
                *v = kept;
            }
            v.push(Sample {
                t_secs: started.elapsed().as_secs_f64(),
                queued: recorded.saturating_sub(delivered),
                delivered,
            });
        }
        bar.set_position(delivered);
        bar.set_message(format!(
            "{}{}/{devices} devices done",
            if ctx.servers_down.load(Ordering::SeqCst) {
                "servers down, "
            } else {
                ""
            },
            ctx.finished_devices.load(Ordering::SeqCst)
        ));
        std::thread::sleep(SAMPLE_EVERY);
    }
}

/// The value key DHIS2 stores by: data element, period, org unit, option combo.
type ValueKey = (String, String, String, String);

/// Reads both servers back and compares them with the recorded forms.
fn check_servers(
    ctx: &Ctx<'_>,
    devices: &[Device],
    dhis2: &Dhis2Mock,
    lmis: &OpenLmisMock,
) -> Checks {
    let mut c = Checks::default();
    let problem = |c: &mut Checks, p: String| {
        if c.problems.len() < 20 {
            c.problems.push(p);
        }
    };
    // DHIS2: exactly the forms' values. Each expected value or event says
    // whether its form was reported delivered: only those must be there (a
    // form still queued may or may not have reached the server).
    let mut expected: HashMap<ValueKey, (String, bool)> = HashMap::new();
    let mut resource_ids: HashMap<String, bool> = HashMap::new();
    // The newest form of each (facility, form), for the stock cards.
    let mut newest: BTreeMap<(String, String), &Tracked> = BTreeMap::new();
    for d in devices {
        for f in &d.forms {
            let Some(def) = ctx.forms.get(&f.draft.form) else {
                continue;
            };
            let Some(facility) = ctx.facilities.get(&f.draft.facility) else {
                continue;
            };
            let to_dhis2 = f.delivered[dest_index(Destination::Dhis2)].is_some();
            let to_lmis = f.delivered[dest_index(Destination::Lmis)].is_some();
            if let (Some(ou), Some(def_json), Ok(draft)) = (
                &facility.dhis2_org_unit,
                ctx.defs.get(&f.draft.form),
                serde_json::to_value(&f.draft),
            ) {
                for r in crate::truth::dhis2_values(def_json, &draft) {
                    expected.insert(
                        (r.data_element, f.period.dhis2_id(), ou.clone(), r.coc),
                        (r.value, to_dhis2),
                    );
                }
            }
            if def.lmis.is_some() {
                resource_ids.insert(
                    agent_core::lmis::event_resource_id(&f.id, f.revision),
                    to_lmis,
                );
                let key = (f.draft.facility.clone(), f.draft.form.clone());
                if newest
                    .get(&key)
                    .is_none_or(|n| n.period.start() < f.period.start())
                {
                    newest.insert(key, f);
                }
            }
        }
    }
    c.dhis2_values_expected = expected.values().filter(|(_, d)| *d).count() as u64;
    let mut seen: HashSet<ValueKey> = HashSet::new();
    for v in dhis2.values() {
        c.dhis2_values_found += 1;
        let key = (
            v.data_element.clone(),
            v.period.clone(),
            v.org_unit.clone(),
            v.coc.clone(),
        );
        if !seen.insert(key.clone()) {
            c.dhis2_unexpected += 1;
            problem(&mut c, format!("DHIS2 holds {key:?} twice"));
            continue;
        }
        match expected.get(&key) {
            None => {
                c.dhis2_unexpected += 1;
                problem(&mut c, format!("DHIS2 holds {key:?}, which no form has"));
            }
            Some((want, _)) if *want != v.value => {
                c.dhis2_different += 1;
                problem(
                    &mut c,
                    format!("DHIS2 holds {} for {key:?}; the form says {want}", v.value),
                );
            }
            Some(_) => {}
        }
    }
    for (key, (_, delivered)) in &expected {
        if *delivered && !seen.contains(key) {
            c.dhis2_missing += 1;
            problem(&mut c, format!("DHIS2 lacks {key:?}"));
        }
    }
    // OpenLMIS: one event per form revision.
    c.lmis_events_expected = resource_ids.values().filter(|d| **d).count() as u64;
    let mut events_seen: HashSet<String> = HashSet::new();
    for e in lmis.events() {
        c.lmis_events_found += 1;
        let Some(rid) = e.resource_id.clone() else {
            c.lmis_duplicate_events += 1;
            problem(&mut c, format!("OpenLMIS event {} has no resourceId", e.id));
            continue;
        };
        if !events_seen.insert(rid.clone()) {
            c.lmis_duplicate_events += 1;
            problem(&mut c, format!("OpenLMIS applied resourceId {rid} twice"));
        } else if !resource_ids.contains_key(&rid) {
            c.lmis_unexpected_events += 1;
            problem(
                &mut c,
                format!("OpenLMIS holds an event of no form ({rid})"),
            );
        }
    }
    for (rid, delivered) in &resource_ids {
        if *delivered && !events_seen.contains(rid) {
            c.lmis_missing_events += 1;
            problem(&mut c, format!("OpenLMIS lacks the event {rid}"));
        }
    }
    // Stock cards: at the newest month's closing balance.
    for ((facility, form), f) in &newest {
        if f.delivered[dest_index(Destination::Lmis)].is_none() {
            continue;
        }
        let (Some(def), Some(fac)) = (ctx.forms.get(form), ctx.facilities.get(facility)) else {
            continue;
        };
        let (Some(l), Some(fid)) = (&def.lmis, &fac.lmis_facility_id) else {
            continue;
        };
        for p in &def.products {
            let Some(close) = f.draft.stock.get(&p.code).and_then(|e| e.closing_balance) else {
                continue;
            };
            c.stock_cards_checked += 1;
            let soh = lmis.stock_on_hand(fid, &l.program_id, &p.lmis_orderable_id);
            if soh != Some(close) {
                c.stock_cards_different += 1;
                problem(
                    &mut c,
                    format!(
                        "stock card {facility} {} stands at {soh:?}, the newest closing balance ({}) is {close}",
                        p.code,
                        f.period.iso()
                    ),
                );
            }
        }
    }
    c.duplicates = c.dhis2_unexpected + c.lmis_duplicate_events + c.lmis_unexpected_events;
    c.losses =
        c.dhis2_missing + c.dhis2_different + c.lmis_missing_events + c.stock_cards_different;
    c
}

/// The report as a table for people.
pub fn table(r: &FleetReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "fleet: {} devices × {} forms = {} forms, network {}{}{}{}, seed {}, {} threads, time ×{}",
        r.devices,
        r.forms_per_device,
        r.forms,
        r.network,
        if r.storm { ", storm" } else { "" },
        if r.drop_rate > 0.0 {
            format!(", {:.0}% of answers dropped", r.drop_rate * 100.0)
        } else {
            String::new()
        },
        if r.inventory_guard {
            ""
        } else {
            ", no LMIS inventory guard"
        },
        r.seed,
        r.threads,
        r.time_scale
    );
    let _ = writeln!(s, "{:<28} {:.2} s", "wall time", r.wall_secs);
    let _ = writeln!(
        s,
        "{:<28} {:.1} forms/s (delivered to both destinations)",
        "throughput", r.throughput_forms_per_sec
    );
    let ms = |v: f64| {
        if r.delivered == 0 {
            "-".to_string()
        } else {
            format!("{v:.0} ms")
        }
    };
    let _ = writeln!(
        s,
        "{:<28} p50 {}  p95 {}  p99 {}  max {}",
        "delivery latency",
        ms(r.latency_ms.p50),
        ms(r.latency_ms.p95),
        ms(r.latency_ms.p99),
        ms(r.latency_ms.max)
    );
    let _ = writeln!(
        s,
        "{:<28} {} delivered, {} not delivered, {} refused ({} sync passes)",
        "forms", r.delivered, r.undelivered, r.rejected, r.passes
    );
    let _ = writeln!(s, "{:<28} {:>12} {:>12}", "", "dhis2", "lmis");
    let row = |s: &mut String, name: &str, f: &dyn Fn(&DestinationFigures) -> String| {
        let cells: Vec<String> = r.destinations.iter().map(f).collect();
        let _ = writeln!(
            s,
            "{name:<28} {:>12} {:>12}",
            cells.first().cloned().unwrap_or_default(),
            cells.get(1).cloned().unwrap_or_default()
        );
    };
    row(&mut s, "requests (agents)", &|d| d.requests.to_string());
    row(&mut s, "  of which retries", &|d| d.retries.to_string());
    row(&mut s, "failures met", &|d| d.failures.to_string());
    row(&mut s, "bytes on the wire per form", &|d| {
        format!("{:.0}", d.bytes_per_form)
    });
    row(&mut s, "requests (server)", &|d| {
        d.server_requests.to_string()
    });
    row(&mut s, "peak concurrent requests", &|d| {
        d.peak_concurrent.to_string()
    });
    if r.storm {
        row(&mut s, "  after the storm", &|d| {
            d.peak_concurrent_after_storm
                .map_or("-".into(), |v| v.to_string())
        });
    }
    row(&mut s, "LMIS look-ups", &|d| {
        if d.destination == "lmis" {
            d.lookups.to_string()
        } else {
            "-".into()
        }
    });
    if r.destinations.iter().any(|d| d.proxy.is_some()) {
        row(&mut s, "proxy exchanges", &|d| {
            d.proxy
                .as_ref()
                .map_or("-".into(), |p| p.exchanges.to_string())
        });
        row(&mut s, "proxy resets", &|d| {
            d.proxy
                .as_ref()
                .map_or("-".into(), |p| p.dropped().to_string())
        });
        row(&mut s, "proxy delay added (s)", &|d| {
            d.proxy
                .as_ref()
                .map_or("-".into(), |p| format!("{:.1}", p.delay_ms as f64 / 1000.0))
        });
    }
    let c = &r.checks;
    let _ = writeln!(
        s,
        "{:<28} {} expected, {} found: {} missing, {} different, {} unexpected",
        "DHIS2 values read back",
        c.dhis2_values_expected,
        c.dhis2_values_found,
        c.dhis2_missing,
        c.dhis2_different,
        c.dhis2_unexpected
    );
    let _ = writeln!(
        s,
        "{:<28} {} expected, {} found: {} twice, {} missing, {} unknown",
        "OpenLMIS stock events",
        c.lmis_events_expected,
        c.lmis_events_found,
        c.lmis_duplicate_events,
        c.lmis_missing_events,
        c.lmis_unexpected_events
    );
    let _ = writeln!(
        s,
        "{:<28} {} checked, {} not at the newest closing balance",
        "stock cards", c.stock_cards_checked, c.stock_cards_different
    );
    let _ = writeln!(s, "{:<28} {}", "duplicates", c.duplicates);
    for p in &c.problems {
        let _ = writeln!(s, "  problem: {p}");
    }
    for e in &r.device_errors {
        let _ = writeln!(s, "  error: {e}");
    }
    let _ = writeln!(
        s,
        "{}",
        if r.ok {
            "result: OK, every form delivered once, nothing lost"
        } else {
            "result: FAILED (see above)"
        }
    );
    s
}

/// Runs a fleet, prints its report (a table, or JSON with `--json`) and
/// returns the exit code: 1 when a form was lost, refused or duplicated.
pub fn run(args: FleetArgs) -> Result<i32, Box<dyn Error>> {
    let report = run_fleet(&args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
        if let Some(p) = &args.svg {
            println!("chart written to {}", p.display());
        }
    }
    Ok(if report.ok {
        crate::exit::OK
    } else {
        crate::exit::FAILURE
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.95), 95.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn every_facility_and_form_pair_is_a_slot() {
        let dir = tempfile::tempdir().unwrap();
        write_example_setup(dir.path()).unwrap();
        let forms = FormSet::load_dir(&dir.path().join("forms")).unwrap();
        let facilities = FacilityMap::load(&dir.path().join("facilities.json")).unwrap();
        // Five facilities report both forms, except HP-004 (the CHW form only).
        assert_eq!(slots(&forms, &facilities).len(), 9);
    }
}
