//! Runtime-switchable faults and traffic statistics for the simulated servers.
//!
//! A [`Faults`] value belongs to one server (the simulated DHIS2 now, a
//! simulated OpenLMIS later). The HTTP layer ([`super::http`]) asks it, for
//! every request outside `/__admin/*`, what to do with the request: close the
//! socket before processing it, answer 503 or 429 like a proxy, answer a
//! captive portal's login page, give a hostile answer ([`HostileKind`]: HTML,
//! empty, wrong-shape or garbage 200s, huge bodies, a gzip bomb, a redirect,
//! proxy 4xx pages, a slow drip) before or after processing, or process it
//! and then perhaps drop the response. It also tells the acceptor when the
//! server is to be down, in which case the listener is closed so that new
//! connections are refused, and re-bound on the same port afterwards.
//!
//! Every random choice comes from one seeded [`fastrand::Rng`]; four numbers
//! are drawn per request whatever the outcome (seven when a portal or hostile
//! rate is set), so a client that sends the same
//! requests one after the other sees the same faults on every run.
//! [`Faults::set`] re-seeds the generator from [`FaultConfig::seed`].
//!
//! [`StatsRecorder`] counts what the server saw: requests, responses by
//! status, bytes, dropped and closed requests, and the peak number of
//! requests in flight at once.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest down period accepted, so that a typo cannot make a server
/// unreachable for years.
const MAX_DOWN_SECS: f64 = 24.0 * 3600.0;

/// How long [`Faults::set`] waits for the acceptor to close the listener.
const DOWN_ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// The longest `huge_200` body (4 GiB).
const MAX_HUGE_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// The most a gzip bomb inflates to (4 GiB).
const MAX_BOMB_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// The longest slow drip (one hour).
const MAX_DRIP_SECS: u64 = 3600;

/// The faults to inject. Every field defaults to "no fault", so a JSON body
/// such as `{"rate_5xx": 0.5}` changes only that fault (and resets the others).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Milliseconds added before every response (including injected 503 and 429).
    pub latency_ms: u64,
    /// Throughput limit for request bodies and response bodies; 0 means unlimited.
    pub bandwidth_bytes_per_sec: u64,
    /// Probability (0 to 1) of answering 503 with an HTML body, before processing.
    pub rate_5xx: f64,
    /// Probability (0 to 1) of answering 429 with `Retry-After`, before processing.
    pub rate_429: f64,
    /// The `Retry-After` value sent with injected 429 responses, in seconds.
    pub retry_after_secs: u64,
    /// Probability (0 to 1) of processing the request (the handler commits)
    /// and then closing the socket without writing a single response byte.
    pub rate_drop_after_commit: f64,
    /// Probability (0 to 1) of reading the request and closing the socket
    /// without processing it.
    pub rate_close_before_commit: f64,
    /// When above 0, the server goes down for this many seconds from the
    /// moment the configuration is set: the listener is closed (connections
    /// are refused) and re-bound on the same port when the time is up. It is
    /// a one-shot action: [`Faults::get`] always reports 0 here.
    pub down_for_secs: f64,
    /// Seed of the random generator that decides which requests fail.
    pub seed: u64,
    /// Probability (0 to 1) of a captive portal answering instead of the
    /// server, on any path (sign-ins and look-ups included): 200 with an
    /// HTML login page, before processing. It is decided before every other
    /// fault, like a portal that sits in front of the proxy and the server.
    pub rate_portal: f64,
    /// The hostile answers a "proxy" may give (see [`HostileKind`]); each
    /// hostile request gets one of them, chosen at random. Empty: none.
    pub hostile: Vec<HostileKind>,
    /// Probability (0 to 1) of a hostile answer, for requests that
    /// [`FaultConfig::hostile_path`] and [`FaultConfig::hostile_method`] select.
    pub rate_hostile: f64,
    /// Only requests whose path starts with this get hostile answers
    /// (e.g. `/api/stockEvents`); `None`: every path.
    pub hostile_path: Option<String>,
    /// Only requests with this method (e.g. `POST`) get hostile answers;
    /// `None`: every method.
    pub hostile_method: Option<String>,
    /// When set, the handler runs first (whatever it stores is stored) and
    /// the hostile answer replaces its response: the server applied the
    /// request but the client got garbage. When not set, the handler never
    /// runs (a proxy or portal answered in front of the server).
    pub hostile_after_commit: bool,
    /// Where `redirect_302` points; `None`: `http://127.0.0.1:1/login`
    /// (a port nothing listens on).
    pub redirect_location: Option<String>,
    /// The length of a `huge_200` body, in bytes.
    pub huge_bytes: u64,
    /// What a `gzip_bomb_200` body inflates to, in bytes.
    pub gzip_bomb_bytes: u64,
    /// Milliseconds between two bytes of a `slow_drip` body.
    pub drip_interval_ms: u64,
    /// How long a `slow_drip` answer lasts at most, in seconds (the body is
    /// as many bytes as fit in that time, so the server thread ends by itself).
    pub drip_max_secs: u64,
}

/// A hostile answer: what a captive portal, a broken or meddling proxy, or a
/// server behind one sends instead of the answer the contract describes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
pub enum HostileKind {
    /// 200 with an HTML page (`text/html`), like a portal or a proxy's page.
    #[serde(rename = "html_200")]
    #[value(name = "html_200")]
    Html200,
    /// 200 with an empty body (`Content-Length: 0`) claiming JSON.
    #[serde(rename = "empty_200")]
    #[value(name = "empty_200")]
    Empty200,
    /// 200 with valid JSON of the wrong shape: `{"ok":true}`.
    #[serde(rename = "wrong_shape_200")]
    #[value(name = "wrong_shape_200")]
    WrongShape200,
    /// 200 with random bytes that are not UTF-8, claiming JSON.
    #[serde(rename = "garbage_200")]
    #[value(name = "garbage_200")]
    Garbage200,
    /// 200 with a JSON-looking body of [`FaultConfig::huge_bytes`] (64 MiB
    /// by default), streamed.
    #[serde(rename = "huge_200")]
    #[value(name = "huge_200")]
    Huge200,
    /// 200 with `Content-Encoding: gzip`: about 1 MiB on the wire that
    /// inflates to [`FaultConfig::gzip_bomb_bytes`] of zeros (1 GiB by default).
    #[serde(rename = "gzip_bomb_200")]
    #[value(name = "gzip_bomb_200")]
    GzipBomb200,
    /// 302 with `Location` on another port (see [`FaultConfig::redirect_location`]).
    #[serde(rename = "redirect_302")]
    #[value(name = "redirect_302")]
    Redirect302,
    /// 400 with a proxy's HTML page.
    #[serde(rename = "html_400")]
    #[value(name = "html_400")]
    Html400,
    /// 404 with a proxy's HTML page.
    #[serde(rename = "html_404")]
    #[value(name = "html_404")]
    Html404,
    /// 413 with nginx's HTML "413 Request Entity Too Large" page.
    #[serde(rename = "too_large_413")]
    #[value(name = "too_large_413")]
    TooLarge413,
    /// 200 headers, then the body one byte every
    /// [`FaultConfig::drip_interval_ms`], for at most [`FaultConfig::drip_max_secs`].
    #[serde(rename = "slow_drip")]
    #[value(name = "slow_drip")]
    SlowDrip,
}

impl HostileKind {
    /// Every kind, in declaration order.
    pub const ALL: [HostileKind; 11] = [
        HostileKind::Html200,
        HostileKind::Empty200,
        HostileKind::WrongShape200,
        HostileKind::Garbage200,
        HostileKind::Huge200,
        HostileKind::GzipBomb200,
        HostileKind::Redirect302,
        HostileKind::Html400,
        HostileKind::Html404,
        HostileKind::TooLarge413,
        HostileKind::SlowDrip,
    ];

    /// The name used in JSON and on the command line (e.g. `html_200`).
    pub fn name(self) -> &'static str {
        match self {
            HostileKind::Html200 => "html_200",
            HostileKind::Empty200 => "empty_200",
            HostileKind::WrongShape200 => "wrong_shape_200",
            HostileKind::Garbage200 => "garbage_200",
            HostileKind::Huge200 => "huge_200",
            HostileKind::GzipBomb200 => "gzip_bomb_200",
            HostileKind::Redirect302 => "redirect_302",
            HostileKind::Html400 => "html_400",
            HostileKind::Html404 => "html_404",
            HostileKind::TooLarge413 => "too_large_413",
            HostileKind::SlowDrip => "slow_drip",
        }
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            latency_ms: 0,
            bandwidth_bytes_per_sec: 0,
            rate_5xx: 0.0,
            rate_429: 0.0,
            retry_after_secs: 1,
            rate_drop_after_commit: 0.0,
            rate_close_before_commit: 0.0,
            down_for_secs: 0.0,
            seed: 0,
            rate_portal: 0.0,
            hostile: Vec::new(),
            rate_hostile: 0.0,
            hostile_path: None,
            hostile_method: None,
            hostile_after_commit: false,
            redirect_location: None,
            huge_bytes: 64 * 1024 * 1024,
            gzip_bomb_bytes: 1024 * 1024 * 1024,
            drip_interval_ms: 500,
            drip_max_secs: 120,
        }
    }
}

impl FaultConfig {
    /// The same configuration with every rate clamped to 0..=1 (NaN becomes 0)
    /// and the down period clamped to 0..=24 hours.
    pub fn sanitized(mut self) -> FaultConfig {
        for rate in [
            &mut self.rate_5xx,
            &mut self.rate_429,
            &mut self.rate_drop_after_commit,
            &mut self.rate_close_before_commit,
            &mut self.rate_portal,
            &mut self.rate_hostile,
        ] {
            *rate = if rate.is_nan() {
                0.0
            } else {
                rate.clamp(0.0, 1.0)
            };
        }
        self.down_for_secs = if self.down_for_secs.is_nan() {
            0.0
        } else {
            self.down_for_secs.clamp(0.0, MAX_DOWN_SECS)
        };
        self.huge_bytes = self.huge_bytes.min(MAX_HUGE_BYTES);
        self.gzip_bomb_bytes = self.gzip_bomb_bytes.min(MAX_BOMB_BYTES);
        self.drip_interval_ms = self.drip_interval_ms.max(1);
        self.drip_max_secs = self.drip_max_secs.min(MAX_DRIP_SECS);
        self
    }

    /// Whether hostile answers apply to this request.
    fn hostile_applies(&self, method: &str, path: &str) -> bool {
        !self.hostile.is_empty()
            && self
                .hostile_path
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
            && self
                .hostile_method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// What the HTTP layer does with one request, decided before the handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Run the handler; when `drop_after_commit` is set, close the socket
    /// afterwards instead of writing the response.
    Proceed {
        /// Close without answering once the handler has run.
        drop_after_commit: bool,
    },
    /// Close the socket without running the handler.
    CloseBeforeCommit,
    /// Answer 503 with a proxy-like HTML page without running the handler.
    ServiceUnavailable,
    /// Answer 429 with this `Retry-After` without running the handler.
    TooManyRequests {
        /// Seconds sent in the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// Answer 200 with a captive portal's login page without running the handler.
    Portal,
    /// Answer with a hostile answer; run the handler first when `after_commit`.
    Hostile {
        /// The answer.
        kind: HostileKind,
        /// Whether the handler runs (and commits) before the hostile answer.
        after_commit: bool,
    },
}

/// The mutable part of [`Faults`].
struct FaultState {
    config: FaultConfig,
    rng: fastrand::Rng,
    down_until: Option<Instant>,
    listening: bool,
    addr: Option<SocketAddr>,
}

/// The faults of one server, switchable at run time from any thread.
pub struct Faults {
    state: Mutex<FaultState>,
    changed: Condvar,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("config", &self.get())
            .field("down_remaining", &self.down_remaining())
            .finish()
    }
}

impl Faults {
    /// Faults with this configuration. A down period in it starts when the
    /// server that owns these faults starts.
    pub fn new(config: FaultConfig) -> Faults {
        let config = config.sanitized();
        Faults {
            state: Mutex::new(FaultState {
                rng: fastrand::Rng::with_seed(config.seed),
                config,
                down_until: None,
                listening: false,
                addr: None,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the configuration and re-seeds the random generator.
    ///
    /// When `down_for_secs` is above 0 a down period starts now (or is
    /// extended); this call returns once the listener has been closed, so a
    /// connection attempted right after it is refused.
    pub fn set(&self, config: FaultConfig) {
        let mut config = config.sanitized();
        let down_secs = config.down_for_secs;
        config.down_for_secs = 0.0;
        let wake = {
            let mut s = self.lock();
            s.rng = fastrand::Rng::with_seed(config.seed);
            s.config = config;
            if down_secs > 0.0 {
                s.down_until = Some(Instant::now() + Duration::from_secs_f64(down_secs));
                if s.listening { s.addr } else { None }
            } else {
                None
            }
        };
        self.changed.notify_all();
        if let Some(addr) = wake {
            // The acceptor is blocked in `accept`; a throwaway connection wakes
            // it so that it sees the down period and closes the listener.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
            let deadline = Instant::now() + DOWN_ACK_TIMEOUT;
            let mut s = self.lock();
            while s.listening
                && s.down_until.is_some_and(|u| u > Instant::now())
                && Instant::now() < deadline
            {
                s = self
                    .changed
                    .wait_timeout(s, Duration::from_millis(10))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
        }
    }

    /// The current configuration (`down_for_secs` is always 0; see
    /// [`Faults::down_remaining`]).
    pub fn get(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    /// Whether the server is in a down period.
    pub fn is_down(&self) -> bool {
        self.down_remaining().is_some()
    }

    /// The time left in the current down period, if any.
    pub fn down_remaining(&self) -> Option<Duration> {
        let s = self.lock();
        let now = Instant::now();
        s.down_until.filter(|u| *u > now).map(|u| u - now)
    }

    /// Ends the current down period early; the listener is re-bound shortly after.
    pub fn end_down(&self) {
        self.lock().down_until = None;
        self.changed.notify_all();
    }

    /// Whether the server is accepting connections (false before it starts,
    /// while it is down and after it stops).
    pub fn is_listening(&self) -> bool {
        self.lock().listening
    }

    /// Waits until the server accepts connections again, at most `timeout`;
    /// returns whether it does.
    pub fn wait_until_listening(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        while !s.listening {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = self
                .changed
                .wait_timeout(s, (deadline - now).min(Duration::from_millis(10)))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        true
    }

    /// Decides the fate of one request to no route in particular (a
    /// hostile-path or hostile-method filter never matches it).
    pub fn decide(&self) -> Decision {
        self.decide_for("", "")
    }

    /// Decides the fate of one request. Four random numbers are drawn every
    /// time, in a fixed order, and three more when a portal or hostile rate
    /// is set, so the sequence of decisions depends only on the seed, the
    /// configuration and the requests. A portal answer comes first (the
    /// portal sits in front of everything), then a closed socket, a 503, a
    /// 429, a hostile answer and a drop after commit.
    pub fn decide_for(&self, method: &str, path: &str) -> Decision {
        let mut s = self.lock();
        let close = s.rng.f64();
        let unavailable = s.rng.f64();
        let too_many = s.rng.f64();
        let drop = s.rng.f64();
        let extra = s.config.rate_portal > 0.0 || s.config.rate_hostile > 0.0;
        let (portal, hostile, which) = if extra {
            (s.rng.f64(), s.rng.f64(), s.rng.usize(..))
        } else {
            (1.0, 1.0, 0)
        };
        let c = &s.config;
        if portal < c.rate_portal {
            Decision::Portal
        } else if close < c.rate_close_before_commit {
            Decision::CloseBeforeCommit
        } else if unavailable < c.rate_5xx {
            Decision::ServiceUnavailable
        } else if too_many < c.rate_429 {
            Decision::TooManyRequests {
                retry_after_secs: c.retry_after_secs,
            }
        } else if hostile < c.rate_hostile && c.hostile_applies(method, path) {
            Decision::Hostile {
                kind: c.hostile[which % c.hostile.len()],
                after_commit: c.hostile_after_commit,
            }
        } else {
            Decision::Proceed {
                drop_after_commit: drop < c.rate_drop_after_commit,
            }
        }
    }

    /// Records that the server listens on `addr` (used to wake the acceptor).
    pub(crate) fn set_listening(&self, addr: Option<SocketAddr>) {
        {
            let mut s = self.lock();
            s.listening = addr.is_some();
            if addr.is_some() {
                s.addr = addr;
            }
        }
        self.changed.notify_all();
    }

    /// The address the server listens on, when it does.
    pub(crate) fn listening_addr(&self) -> Option<SocketAddr> {
        let s = self.lock();
        if s.listening { s.addr } else { None }
    }

    /// Blocks until the down period is over; returns false when `stopping`
    /// was raised meanwhile.
    pub(crate) fn wait_until_up(&self, stopping: &AtomicBool) -> bool {
        let mut s = self.lock();
        loop {
            if stopping.load(Ordering::SeqCst) {
                return false;
            }
            let now = Instant::now();
            match s.down_until {
                Some(u) if u > now => {
                    s = self
                        .changed
                        .wait_timeout(s, (u - now).min(Duration::from_millis(50)))
                        .map(|(g, _)| g)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
                _ => return true,
            }
        }
    }

    /// Wakes every thread waiting on these faults (used when the server stops).
    pub(crate) fn notify(&self) {
        self.changed.notify_all();
    }
}

/// A snapshot of what a server saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests whose head was read, on every route.
    pub requests: u64,
    /// Responses written (or attempted), by HTTP status.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Bytes read from clients, heads included.
    pub bytes_in: u64,
    /// Bytes written to clients, heads included.
    pub bytes_out: u64,
    /// Requests processed and then dropped without a response (`rate_drop_after_commit`).
    pub dropped_after_commit: u64,
    /// Requests read and closed without processing (`rate_close_before_commit`).
    pub closed_before_commit: u64,
    /// Requests that arrived on an open connection while the server was down
    /// and were closed without an answer.
    pub closed_while_down: u64,
    /// Injected 503 answers.
    pub injected_5xx: u64,
    /// Injected 429 answers.
    pub injected_429: u64,
    /// Captive-portal pages answered instead of the server (`rate_portal`).
    pub portal_answers: u64,
    /// Hostile answers given without running the handler.
    pub hostile_before_commit: u64,
    /// Hostile answers given after the handler ran (and committed).
    pub hostile_after_commit: u64,
    /// Hostile answers by kind name (e.g. `html_200`).
    pub hostile_by_kind: BTreeMap<String, u64>,
    /// Connections accepted.
    pub connections: u64,
    /// Connections closed at once because every worker was busy and the queue was full.
    pub connections_rejected: u64,
    /// Down periods started.
    pub down_periods: u64,
    /// Requests in flight now (head read, response not yet finished).
    pub in_flight: u64,
    /// The largest number of requests in flight at the same time.
    pub peak_in_flight: u64,
}

/// Thread-safe counters behind [`Stats`].
#[derive(Debug, Default)]
pub struct StatsRecorder {
    inner: Mutex<Stats>,
}

/// Counts one request as in flight until dropped.
#[derive(Debug)]
pub struct InFlight<'a> {
    recorder: &'a StatsRecorder,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.recorder
            .update(|s| s.in_flight = s.in_flight.saturating_sub(1));
    }
}

impl StatsRecorder {
    /// A recorder with every counter at 0.
    pub fn new() -> StatsRecorder {
        StatsRecorder::default()
    }

    fn update(&self, f: impl FnOnce(&mut Stats)) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> Stats {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sets every counter except `in_flight` back to 0.
    pub fn reset(&self) {
        self.update(|s| {
            let in_flight = s.in_flight;
            *s = Stats {
                in_flight,
                peak_in_flight: in_flight,
                ..Stats::default()
            };
        });
    }

    /// Counts a request and marks it in flight until the guard is dropped.
    pub fn request(&self) -> InFlight<'_> {
        self.update(|s| {
            s.requests += 1;
            s.in_flight += 1;
            s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
        });
        InFlight { recorder: self }
    }

    /// Counts a response with this status.
    pub fn response(&self, status: u16) {
        self.update(|s| *s.responses_by_status.entry(status).or_insert(0) += 1);
    }

    /// Counts bytes read.
    pub fn bytes_in(&self, n: usize) {
        self.update(|s| s.bytes_in += n as u64);
    }

    /// Counts bytes written.
    pub fn bytes_out(&self, n: usize) {
        self.update(|s| s.bytes_out += n as u64);
    }

    /// Counts a request dropped after the handler committed.
    pub fn dropped_after_commit(&self) {
        self.update(|s| s.dropped_after_commit += 1);
    }

    /// Counts a request closed before processing.
    pub fn closed_before_commit(&self) {
        self.update(|s| s.closed_before_commit += 1);
    }

    /// Counts a request closed because the server was down.
    pub fn closed_while_down(&self) {
        self.update(|s| s.closed_while_down += 1);
    }

    /// Counts an injected 503.
    pub fn injected_5xx(&self) {
        self.update(|s| s.injected_5xx += 1);
    }

    /// Counts an injected 429.
    pub fn injected_429(&self) {
        self.update(|s| s.injected_429 += 1);
    }

    /// Counts a captive-portal answer.
    pub fn portal_answer(&self) {
        self.update(|s| s.portal_answers += 1);
    }

    /// Counts a hostile answer of this kind, given before or after the handler ran.
    pub fn hostile_answer(&self, kind: HostileKind, after_commit: bool) {
        self.update(|s| {
            if after_commit {
                s.hostile_after_commit += 1;
            } else {
                s.hostile_before_commit += 1;
            }
            *s.hostile_by_kind
                .entry(kind.name().to_string())
                .or_insert(0) += 1;
        });
    }

    /// Counts an accepted connection.
    pub fn connection(&self) {
        self.update(|s| s.connections += 1);
    }

    /// Counts a connection refused because the queue was full.
    pub fn connection_rejected(&self) {
        self.update(|s| s.connections_rejected += 1);
    }

    /// Counts the start of a down period.
    pub fn down_period(&self) {
        self.update(|s| s.down_periods += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_decisions() {
        let config = FaultConfig {
            rate_5xx: 0.3,
            rate_429: 0.3,
            rate_drop_after_commit: 0.3,
            rate_close_before_commit: 0.1,
            seed: 42,
            ..FaultConfig::default()
        };
        let a = Faults::new(config.clone());
        let b = Faults::new(config.clone());
        let first: Vec<Decision> = (0..50).map(|_| a.decide()).collect();
        let second: Vec<Decision> = (0..50).map(|_| b.decide()).collect();
        assert_eq!(first, second);
        assert!(first.contains(&Decision::ServiceUnavailable));
        // Setting the configuration again restarts the sequence.
        a.set(config);
        let again: Vec<Decision> = (0..50).map(|_| a.decide()).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn rates_are_clamped_and_zero_means_never() {
        let f = Faults::new(FaultConfig {
            rate_5xx: f64::NAN,
            rate_429: 7.0,
            ..FaultConfig::default()
        });
        assert_eq!(f.get().rate_5xx, 0.0);
        assert_eq!(f.get().rate_429, 1.0);
        for _ in 0..20 {
            assert_eq!(
                f.decide(),
                Decision::TooManyRequests {
                    retry_after_secs: 1
                }
            );
        }
    }

    #[test]
    fn without_portal_or_hostile_rates_the_old_sequence_is_kept() {
        // Four draws per request as before: the decisions of a plain
        // configuration do not move when the new fields exist but are off.
        let plain = FaultConfig {
            rate_5xx: 0.3,
            rate_drop_after_commit: 0.3,
            seed: 9,
            ..FaultConfig::default()
        };
        let with_kinds = FaultConfig {
            hostile: vec![HostileKind::Html200],
            ..plain.clone()
        };
        let mut rng = fastrand::Rng::with_seed(9);
        let expected: Vec<Decision> = (0..40)
            .map(|_| {
                let (_close, unavailable, _many, drop) =
                    (rng.f64(), rng.f64(), rng.f64(), rng.f64());
                if unavailable < 0.3 {
                    Decision::ServiceUnavailable
                } else {
                    Decision::Proceed {
                        drop_after_commit: drop < 0.3,
                    }
                }
            })
            .collect();
        let a = Faults::new(plain);
        let b = Faults::new(with_kinds);
        assert_eq!((0..40).map(|_| a.decide()).collect::<Vec<_>>(), expected);
        assert_eq!(
            (0..40)
                .map(|_| b.decide_for("POST", "/x"))
                .collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn the_portal_comes_first_and_hostile_answers_follow_the_filters() {
        let f = Faults::new(FaultConfig {
            rate_portal: 1.0,
            rate_close_before_commit: 1.0,
            ..FaultConfig::default()
        });
        assert_eq!(f.decide_for("POST", "/api/oauth/token"), Decision::Portal);
        let f = Faults::new(FaultConfig {
            hostile: vec![HostileKind::TooLarge413],
            rate_hostile: 1.0,
            hostile_path: Some("/api/stockEvents".into()),
            hostile_method: Some("POST".into()),
            hostile_after_commit: true,
            ..FaultConfig::default()
        });
        let hostile = Decision::Hostile {
            kind: HostileKind::TooLarge413,
            after_commit: true,
        };
        let proceed = Decision::Proceed {
            drop_after_commit: false,
        };
        assert_eq!(f.decide_for("POST", "/api/stockEvents"), hostile);
        assert_eq!(f.decide_for("post", "/api/stockEvents/x"), hostile);
        assert_eq!(f.decide_for("GET", "/api/stockEvents"), proceed);
        assert_eq!(f.decide_for("POST", "/api/oauth/token"), proceed);
        assert_eq!(f.decide(), proceed);
    }

    #[test]
    fn hostile_kinds_are_mixed_by_the_seed_and_read_from_json() {
        let config: FaultConfig = serde_json::from_str(
            r#"{"hostile": ["html_200", "garbage_200", "redirect_302"], "rate_hostile": 1, "seed": 5}"#,
        )
        .unwrap();
        assert_eq!(config.hostile.len(), 3);
        let a = Faults::new(config.clone());
        let kinds: BTreeMap<HostileKind, usize> = (0..60).fold(BTreeMap::new(), |mut m, _| {
            if let Decision::Hostile { kind, after_commit } = a.decide_for("GET", "/") {
                assert!(!after_commit);
                *m.entry(kind).or_insert(0) += 1;
            }
            m
        });
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert_eq!(kinds.values().sum::<usize>(), 60);
        let b = Faults::new(config);
        let again: Vec<Decision> = (0..60).map(|_| b.decide_for("GET", "/")).collect();
        a.set(a.get());
        assert_eq!(
            (0..60)
                .map(|_| a.decide_for("GET", "/"))
                .collect::<Vec<_>>(),
            again
        );
        // Unknown kinds and fields are refused.
        assert!(serde_json::from_str::<FaultConfig>(r#"{"hostile": ["teapot_418"]}"#).is_err());
        // Every kind's name is its JSON name.
        for k in HostileKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }

    #[test]
    fn peak_in_flight_is_kept_after_requests_finish() {
        let r = StatsRecorder::new();
        {
            let _a = r.request();
            let _b = r.request();
        }
        let _c = r.request();
        let s = r.snapshot();
        assert_eq!((s.requests, s.in_flight, s.peak_in_flight), (3, 1, 2));
    }
}
