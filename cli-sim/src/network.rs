//! Network profiles (lan, offline, 2g, 3g, flaky) applied by an in-process
//! TCP proxy between the agent and one server, so that the agent's real HTTP
//! requests cross a shaped link.
//!
//! A [`ShapingProxy`] listens on `127.0.0.1:0` and forwards every connection
//! to one upstream on the loopback interface (a simulated server). Each
//! connection gets its own link (one thread per direction), so a fleet whose
//! devices each open their own connections sees one link per device:
//!
//! - latency: every piece of data is held for half the round-trip time in
//!   the direction it travels, counted from the moment it reached the proxy
//!   (data that was already waiting behind earlier data is not delayed
//!   twice, so a long body pays the latency once and then the bandwidth);
//! - bandwidth: each direction of each connection is paced to
//!   [`Shape::bytes_per_sec`], in slices of about 50 ms;
//! - loss: each exchange (a request and its answer on a keep-alive
//!   connection) is lost with probability [`Shape::loss`]. Half of the lost
//!   exchanges are reset while the request is being sent (the server never
//!   sees it); the other half are reset when the answer comes back, after
//!   the request was forwarded, so the server applied a request whose answer
//!   the agent never gets. A reset is a real TCP reset (`SO_LINGER` 0).
//!
//! The numbers of the profiles are the simulator issue's examples:
//!
//! | profile | round trip | bandwidth (each way) | loss per exchange |
//! |---|---|---|---|
//! | `lan` | 0 | unlimited | 0 |
//! | `offline` | connections are refused | | |
//! | `2g` | 600 ms | 64 kbit/s (8,000 B/s) | 2 % |
//! | `3g` | 200 ms | 1 Mbit/s (125,000 B/s) | 0.5 % |
//! | `flaky` | 50 ms | unlimited | 10 % |
//!
//! `offline` holds a port without listening on it, so the agent sees "the
//! server could not be reached". When the upstream itself refuses
//! connections (a simulated server that is down), the proxy resets the
//! connection that found out and then stops listening until the upstream
//! accepts again, so that the agent also sees a server that cannot be
//! reached rather than a proxy that answers.
//!
//! Randomness is deterministic for a seed: connection number `n` (in accept
//! order) draws from a generator seeded with the proxy's seed and `n`, so a
//! client that opens its connections one after the other sees the same
//! losses on every run.

use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A named network profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// No network shaping.
    Lan,
    /// Nothing gets through.
    Offline,
    /// 2G: high latency, low bandwidth, some loss.
    #[value(name = "2g")]
    TwoG,
    /// 3G.
    #[value(name = "3g")]
    ThreeG,
    /// Drops connections at random.
    Flaky,
}

impl Profile {
    /// The link of the profile; `None` for `offline` (connections are refused).
    pub fn shape(self) -> Option<Shape> {
        match self {
            Profile::Lan => Some(Shape::default()),
            Profile::Offline => None,
            Profile::TwoG => Some(Shape {
                rtt: Duration::from_millis(600),
                bytes_per_sec: 64_000 / 8,
                loss: 0.02,
            }),
            Profile::ThreeG => Some(Shape {
                rtt: Duration::from_millis(200),
                bytes_per_sec: 1_000_000 / 8,
                loss: 0.005,
            }),
            Profile::Flaky => Some(Shape {
                rtt: Duration::from_millis(50),
                bytes_per_sec: 0,
                loss: 0.10,
            }),
        }
    }

    /// The name used on the command line (`lan`, `offline`, `2g`, `3g`, `flaky`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::Lan => "lan",
            Profile::Offline => "offline",
            Profile::TwoG => "2g",
            Profile::ThreeG => "3g",
            Profile::Flaky => "flaky",
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a link does to the traffic crossing it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shape {
    /// Round-trip time: each direction adds half of it.
    pub rtt: Duration,
    /// Bytes per second in each direction of each connection; 0 is unlimited.
    pub bytes_per_sec: u64,
    /// Probability (0 to 1) that an exchange is lost to a connection reset.
    pub loss: f64,
}

/// What a proxy saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProxyStats {
    /// Connections accepted and forwarded.
    pub connections: u64,
    /// Connections reset at once because [`MAX_CONNECTIONS`] were open.
    pub connections_rejected: u64,
    /// Exchanges (requests) started.
    pub exchanges: u64,
    /// Bytes forwarded from the clients to the upstream.
    pub bytes_up: u64,
    /// Bytes forwarded from the upstream to the clients.
    pub bytes_down: u64,
    /// Exchanges reset while the request was being sent (never forwarded).
    pub resets_before_forwarding: u64,
    /// Exchanges reset when the answer came back (the request was forwarded).
    pub answers_dropped: u64,
    /// Connections reset because the upstream refused the proxy's connection.
    pub upstream_refused: u64,
    /// Time the shaping added, in milliseconds: for each direction of each
    /// connection, the time during which data it had received was held back
    /// (latency and bandwidth), summed over directions and connections.
    pub delay_ms: u64,
}

impl ProxyStats {
    /// Exchanges lost to resets, before or after forwarding.
    pub fn dropped(&self) -> u64 {
        self.resets_before_forwarding + self.answers_dropped
    }
}

/// The most connections open at once through one proxy; more are reset.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long the proxy waits to connect to the upstream.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often an upstream that refused connections is tried again.
const PROBE_EVERY: Duration = Duration::from_millis(20);
/// The longest single sleep, so that `stop` is never kept waiting long.
const SLEEP_SLICE: Duration = Duration::from_millis(50);
/// A read that returns sooner than this found data already waiting.
const BUFFERED: Duration = Duration::from_millis(1);
/// The read buffer of each direction.
const IO_BUF: usize = 16 * 1024;
/// Stack size of the connection threads (they hold little).
const THREAD_STACK: usize = 256 * 1024;

#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    connections_rejected: AtomicU64,
    exchanges: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    resets_before_forwarding: AtomicU64,
    answers_dropped: AtomicU64,
    upstream_refused: AtomicU64,
    delay_us: AtomicU64,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

impl Counters {
    fn snapshot(&self) -> ProxyStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ProxyStats {
            connections: get(&self.connections),
            connections_rejected: get(&self.connections_rejected),
            exchanges: get(&self.exchanges),
            bytes_up: get(&self.bytes_up),
            bytes_down: get(&self.bytes_down),
            resets_before_forwarding: get(&self.resets_before_forwarding),
            answers_dropped: get(&self.answers_dropped),
            upstream_refused: get(&self.upstream_refused),
            delay_ms: get(&self.delay_us) / 1000,
        }
    }
}

/// What the acceptor, the connections and the handle share.
struct Shared {
    upstream: SocketAddr,
    shape: Shape,
    seed: u64,
    stopping: AtomicBool,
    counters: Counters,
    live: AtomicUsize,
    /// Clones of every open connection's sockets, so that `stop` can end them.
    sockets: Mutex<HashMap<u64, (TcpStream, TcpStream)>>,
    /// The connection threads, pruned as they finish and joined at `stop`.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn sockets(&self) -> MutexGuard<'_, HashMap<u64, (TcpStream, TcpStream)>> {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn threads(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.threads.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// A running proxy; stopped by [`ShapingProxy::stop`] or when dropped.
pub struct ShapingProxy {
    addr: SocketAddr,
    shared: Option<Arc<Shared>>,
    acceptor: Option<JoinHandle<()>>,
    /// The offline profile's port: bound, never listening.
    _held: Option<socket2::Socket>,
}

impl std::fmt::Debug for ShapingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShapingProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// The address of `http://HOST:PORT[/...]`, which must be on the loopback
/// interface: the proxy only ever forwards to servers on this machine.
fn upstream_addr(url: &str) -> io::Result<SocketAddr> {
    let invalid = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        invalid(format!(
            "the shaping proxy forwards plain http:// only, not {url}"
        ))
    })?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let addr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| invalid(format!("{authority} has no address")))?;
    if !addr.ip().is_loopback() {
        return Err(invalid(format!(
            "the shaping proxy forwards to servers on this machine only (127.0.0.1), not {authority}"
        )));
    }
    Ok(addr)
}

impl ShapingProxy {
    /// Starts a proxy on `127.0.0.1:0` in front of `upstream_url`
    /// (`http://127.0.0.1:PORT`) with a profile's link.
    pub fn start(upstream_url: &str, profile: Profile, seed: u64) -> io::Result<ShapingProxy> {
        match profile.shape() {
            Some(shape) => ShapingProxy::start_shaped(upstream_url, shape, seed),
            None => {
                upstream_addr(upstream_url)?;
                // Bound but not listening: connecting is refused, and the
                // port stays ours so nobody else can answer on it.
                let socket = socket2::Socket::new(
                    socket2::Domain::IPV4,
                    socket2::Type::STREAM,
                    Some(socket2::Protocol::TCP),
                )?;
                socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
                let addr = socket
                    .local_addr()?
                    .as_socket()
                    .ok_or_else(|| io::Error::other("the held socket has no address"))?;
                Ok(ShapingProxy {
                    addr,
                    shared: None,
                    acceptor: None,
                    _held: Some(socket),
                })
            }
        }
    }

    /// Starts a proxy with a custom link (tests scale the numbers down).
    pub fn start_shaped(upstream_url: &str, shape: Shape, seed: u64) -> io::Result<ShapingProxy> {
        let upstream = upstream_addr(upstream_url)?;
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            shape: Shape {
                loss: shape.loss.clamp(0.0, 1.0),
                ..shape
            },
            seed,
            stopping: AtomicBool::new(false),
            counters: Counters::default(),
            live: AtomicUsize::new(0),
            sockets: Mutex::new(HashMap::new()),
            threads: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("shape-accept-{}", addr.port()))
                .spawn(move || accept_loop(listener, addr, &shared))?
        };
        Ok(ShapingProxy {
            addr,
            shared: Some(shared),
            acceptor: Some(acceptor),
            _held: None,
        })
    }

    /// `http://127.0.0.1:PORT`: the URL to give the agent instead of the upstream's.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the proxy saw so far (all zero for `offline`).
    pub fn stats(&self) -> ProxyStats {
        self.shared
            .as_ref()
            .map(|s| s.counters.snapshot())
            .unwrap_or_default()
    }

    /// Stops accepting, resets every open connection and joins every thread.
    pub fn stop(self) {
        drop(self);
    }

    fn shutdown(&mut self) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor blocked in `accept` (it may not be listening).
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        for (client, upstream) in shared.sockets().values() {
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
        }
        let threads: Vec<JoinHandle<()>> = shared.threads().drain(..).collect();
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for ShapingProxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Closes a socket with a TCP reset instead of an orderly close.
fn reset(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

/// Sleeps until `t`, in slices; false when the proxy is stopping.
fn sleep_until(t: Instant, stopping: &AtomicBool) -> bool {
    // Each turn either returns or sleeps a positive time towards `t`.
    loop {
        if stopping.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= t {
            return true;
        }
        std::thread::sleep((t - now).min(SLEEP_SLICE));
    }
}

/// Accepts connections until the proxy stops; while the upstream refuses
/// connections, stops listening and tries the upstream again every
/// [`PROBE_EVERY`], then listens on the same port again.
fn accept_loop(listener: TcpListener, addr: SocketAddr, shared: &Arc<Shared>) {
    let mut listener = Some(listener);
    let mut next_id: u64 = 0;
    while !shared.stopping() {
        let Some(l) = &listener else {
            if upstream_is_up(shared) {
                listener = TcpListener::bind(addr).ok();
            }
            if listener.is_none() {
                std::thread::sleep(PROBE_EVERY);
            }
            continue;
        };
        let client = match l.accept() {
            Ok((c, _)) => c,
            // Out of descriptors, or a connection reset before it was
            // accepted: wait a little instead of spinning.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if shared.stopping() {
            break;
        }
        shared.threads().retain(|t| !t.is_finished());
        if shared.live.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            bump(&shared.counters.connections_rejected, 1);
            reset(&client);
            continue;
        }
        let upstream = match TcpStream::connect_timeout(&shared.upstream, CONNECT_TIMEOUT) {
            Ok(u) => u,
            Err(e) => {
                bump(&shared.counters.upstream_refused, 1);
                reset(&client);
                drop(client);
                if e.kind() == io::ErrorKind::ConnectionRefused {
                    // The server is down: so is the way to it.
                    listener = None;
                }
                continue;
            }
        };
        next_id += 1;
        start_connection(shared, next_id, client, upstream);
    }
}

fn upstream_is_up(shared: &Shared) -> bool {
    TcpStream::connect_timeout(&shared.upstream, CONNECT_TIMEOUT).is_ok()
}

fn start_connection(shared: &Arc<Shared>, id: u64, client: TcpStream, upstream: TcpStream) {
    let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else {
        reset(&client);
        return;
    };
    bump(&shared.counters.connections, 1);
    shared.live.fetch_add(1, Ordering::SeqCst);
    shared.sockets().insert(id, (c2, u2));
    let s = Arc::clone(shared);
    let spawned = std::thread::Builder::new()
        .name(format!("shape-conn-{id}"))
        .stack_size(THREAD_STACK)
        .spawn(move || {
            serve(&s, id, client, upstream);
            s.sockets().remove(&id);
            s.live.fetch_sub(1, Ordering::SeqCst);
        });
    match spawned {
        Ok(h) => shared.threads().push(h),
        Err(_) => {
            if let Some((c, u)) = shared.sockets().remove(&id) {
                reset(&c);
                let _ = u.shutdown(Shutdown::Both);
            }
            shared.live.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The state both directions of a connection share.
#[derive(Debug, Default)]
struct LinkState {
    /// The upstream sent something since the current request began.
    answered: AtomicBool,
    /// Reset the connection when the answer arrives (the exchange is lost).
    drop_answer: AtomicBool,
    /// The connection was reset: do not close it politely.
    killed: AtomicBool,
}

/// The ends of one connection.
struct Ends {
    client: TcpStream,
    upstream: TcpStream,
}

impl Ends {
    /// Resets the client and closes the upstream; both directions end.
    fn kill(&self, link: &LinkState) {
        link.killed.store(true, Ordering::SeqCst);
        reset(&self.client);
        // SHUT_RD sends nothing: the reset goes out when the socket closes.
        let _ = self.client.shutdown(Shutdown::Read);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

fn serve(shared: &Shared, id: u64, client: TcpStream, upstream: TcpStream) {
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let ends = Ends { client, upstream };
    let link = LinkState::default();
    let rng = fastrand::Rng::with_seed(
        shared
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(id),
    );
    std::thread::scope(|scope| {
        let down = std::thread::Builder::new()
            .stack_size(THREAD_STACK)
            .spawn_scoped(scope, || pump_down(shared, &ends, &link));
        if down.is_err() {
            ends.kill(&link);
            return;
        }
        pump_up(shared, &ends, &link, rng);
    });
}

/// Paces one direction of a connection.
struct Pacer<'a> {
    shared: &'a Shared,
    bytes_per_sec: u64,
    /// When the link is free to carry the next byte.
    free_at: Option<Instant>,
    /// When the last delivered piece of data was written.
    last_done: Option<Instant>,
}

impl Pacer<'_> {
    /// Delivers `data`, which reached the proxy at `arrived`, after the
    /// one-way delay and at the link's bandwidth. False when the write
    /// failed or the proxy is stopping.
    fn deliver(&mut self, mut out: &TcpStream, data: &[u8], arrived: Instant) -> bool {
        let due = arrived + self.shared.shape.rtt / 2;
        if !sleep_until(due, &self.shared.stopping) {
            return false;
        }
        if self.bytes_per_sec == 0 {
            if out.write_all(data).is_err() {
                return false;
            }
            self.held(arrived);
            return true;
        }
        let slice = usize::try_from(self.bytes_per_sec / 20)
            .unwrap_or(IO_BUF)
            .clamp(64, IO_BUF);
        for piece in data.chunks(slice) {
            let start = self
                .free_at
                .filter(|f| *f > Instant::now())
                .unwrap_or_else(Instant::now);
            let end =
                start + Duration::from_secs_f64(piece.len() as f64 / self.bytes_per_sec as f64);
            if !sleep_until(end, &self.shared.stopping) {
                return false;
            }
            if out.write_all(piece).is_err() {
                return false;
            }
            self.free_at = Some(end);
        }
        self.held(arrived);
        true
    }

    /// Counts the time the shaping added for data that reached the proxy
    /// at `arrived` and is now written: the time since it arrived, or since
    /// the previous data was written when it waited behind it, so that each
    /// moment of a direction's delay is counted once.
    fn held(&mut self, arrived: Instant) {
        let done = Instant::now();
        let from = self.last_done.map_or(arrived, |l| l.max(arrived));
        let us =
            u64::try_from(done.saturating_duration_since(from).as_micros()).unwrap_or(u64::MAX);
        bump(&self.shared.counters.delay_us, us);
        self.last_done = Some(done);
    }
}

/// Client to upstream: starts exchanges and decides their losses.
fn pump_up(shared: &Shared, ends: &Ends, link: &LinkState, mut rng: fastrand::Rng) {
    let mut from = &ends.client;
    let mut pacer = Pacer {
        shared,
        bytes_per_sec: shared.shape.bytes_per_sec,
        free_at: None,
        last_done: None,
    };
    let mut buf = vec![0u8; IO_BUF];
    let mut last_read: Option<Instant> = None;
    let mut first = true;
    // Ends at end of stream, an error, a reset or `stop` (which shuts the sockets).
    loop {
        let began = Instant::now();
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if link.killed.load(Ordering::SeqCst) {
            return;
        }
        let now = Instant::now();
        let arrived = match last_read {
            Some(t) if now - began < BUFFERED => t,
            _ => now,
        };
        last_read = Some(now);
        if first || link.answered.swap(false, Ordering::SeqCst) {
            first = false;
            bump(&shared.counters.exchanges, 1);
            if shared.shape.loss > 0.0 && rng.f64() < shared.shape.loss {
                if rng.bool() {
                    bump(&shared.counters.resets_before_forwarding, 1);
                    ends.kill(link);
                    return;
                }
                link.drop_answer.store(true, Ordering::SeqCst);
            }
        }
        bump(&shared.counters.bytes_up, n as u64);
        if !pacer.deliver(&ends.upstream, &buf[..n], arrived) {
            ends.kill(link);
            return;
        }
    }
    if !link.killed.load(Ordering::SeqCst) {
        // The client finished sending: pass the half-close on.
        let _ = ends.upstream.shutdown(Shutdown::Write);
    }
}

/// Upstream to client: drops the answers of lost exchanges.
fn pump_down(shared: &Shared, ends: &Ends, link: &LinkState) {
    let mut from = &ends.upstream;
    let mut pacer = Pacer {
        shared,
        bytes_per_sec: shared.shape.bytes_per_sec,
        free_at: None,
        last_done: None,
    };
    let mut buf = vec![0u8; IO_BUF];
    let mut last_read: Option<Instant> = None;
    // Ends at end of stream, an error, a reset or `stop`.
    loop {
        let began = Instant::now();
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if link.killed.load(Ordering::SeqCst) {
            return;
        }
        if link.drop_answer.load(Ordering::SeqCst) {
            bump(&shared.counters.answers_dropped, 1);
            ends.kill(link);
            return;
        }
        let now = Instant::now();
        let arrived = match last_read {
            Some(t) if now - began < BUFFERED => t,
            _ => now,
        };
        last_read = Some(now);
        // Counted before the client can see the bytes and send its next request.
        link.answered.store(true, Ordering::SeqCst);
        bump(&shared.counters.bytes_down, n as u64);
        if !pacer.deliver(&ends.client, &buf[..n], arrived) {
            ends.kill(link);
            return;
        }
    }
    if !link.killed.load(Ordering::SeqCst) {
        // The server closed: nothing more can be answered on this
        // connection, so end both directions.
        let _ = ends.client.shutdown(Shutdown::Both);
        let _ = ends.upstream.shutdown(Shutdown::Both);
    }
}

/// Starts a proxy for each destination configured in `config` and points
/// the configuration at them (for `cli-sim sync --network`). The proxies
/// must be kept alive for as long as the agent syncs.
pub fn shape_config(
    config: &mut agent_core::AgentConfig,
    profile: Profile,
    seed: u64,
) -> io::Result<Vec<ShapingProxy>> {
    let mut proxies = Vec::new();
    if let Some(d) = config.dhis2.as_mut() {
        let p = ShapingProxy::start(&d.url, profile, seed)?;
        d.url = p.url();
        proxies.push(p);
    }
    if let Some(l) = config.lmis.as_mut() {
        let p = ShapingProxy::start(&l.url, profile, seed.wrapping_add(1))?;
        l.url = p.url();
        proxies.push(p);
    }
    Ok(proxies)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

    use super::*;

    /// A tiny upstream: on each connection, reads `request` bytes and
    /// answers `response` bytes, again and again until the client closes.
    struct Upstream {
        addr: SocketAddr,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl Upstream {
        fn start(request: usize, response: usize) -> Upstream {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let addr = listener.local_addr().unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            let s = Arc::clone(&stop);
            let thread = std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut conns = Vec::new();
                while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((c, _)) => conns.push(std::thread::spawn(move || {
                            c.set_nonblocking(false).unwrap();
                            echo(c, request, response)
                        })),
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
                for c in conns {
                    let _ = c.join();
                }
            });
            Upstream {
                addr,
                stop,
                thread: Some(thread),
            }
        }

        fn url(&self) -> String {
            format!("http://{}", self.addr)
        }
    }

    impl Drop for Upstream {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    fn echo(mut c: TcpStream, request: usize, response: usize) {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let answer: Vec<u8> = (0..response).map(|i| (i % 251) as u8).collect();
        for _ in 0..100 {
            let mut got = vec![0u8; request];
            if c.read_exact(&mut got).is_err() || c.write_all(&answer).is_err() {
                return;
            }
        }
    }

    /// Sends one request on `c` and reads the whole answer.
    fn exchange(c: &mut TcpStream, request: usize, response: usize) -> io::Result<Vec<u8>> {
        c.write_all(&vec![7u8; request])?;
        let mut got = vec![0u8; response];
        c.read_exact(&mut got)?;
        Ok(got)
    }

    fn connect(p: &ShapingProxy) -> TcpStream {
        let c = TcpStream::connect(p.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c
    }

    #[test]
    fn the_profiles_have_the_documented_numbers() {
        assert_eq!(
            Profile::TwoG.shape(),
            Some(Shape {
                rtt: Duration::from_millis(600),
                bytes_per_sec: 8_000,
                loss: 0.02
            })
        );
        assert_eq!(
            Profile::ThreeG.shape(),
            Some(Shape {
                rtt: Duration::from_millis(200),
                bytes_per_sec: 125_000,
                loss: 0.005
            })
        );
        assert_eq!(Profile::Flaky.shape().unwrap().loss, 0.10);
        assert_eq!(Profile::Lan.shape(), Some(Shape::default()));
        assert_eq!(Profile::Offline.shape(), None);
        // At 2G speed a 16 KiB answer alone takes about two seconds.
        let two_g = Profile::TwoG.shape().unwrap();
        assert!(16_384.0 / two_g.bytes_per_sec as f64 >= 2.0);
    }

    #[test]
    fn lan_forwards_bytes_both_ways_unchanged() {
        let up = Upstream::start(1000, 16_384);
        let p = ShapingProxy::start(&up.url(), Profile::Lan, 1).unwrap();
        let mut c = connect(&p);
        let got = exchange(&mut c, 1000, 16_384).unwrap();
        assert!(got.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
        exchange(&mut c, 1000, 16_384).unwrap();
        drop(c);
        let s = p.stats();
        assert_eq!(
            (
                s.connections,
                s.exchanges,
                s.bytes_up,
                s.bytes_down,
                s.dropped()
            ),
            (1, 2, 2000, 32_768, 0)
        );
        p.stop();
    }

    #[test]
    fn bandwidth_and_latency_slow_an_answer_down() {
        // 2G scaled down: 16 KiB at 32 KiB/s is half a second, plus the
        // round trip of 100 ms.
        let up = Upstream::start(100, 16_384);
        let shape = Shape {
            rtt: Duration::from_millis(100),
            bytes_per_sec: 32_768,
            loss: 0.0,
        };
        let p = ShapingProxy::start_shaped(&up.url(), shape, 1).unwrap();
        let mut c = connect(&p);
        let t = Instant::now();
        exchange(&mut c, 100, 16_384).unwrap();
        let took = t.elapsed();
        assert!(took >= Duration::from_millis(580), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        // The delay is counted just after the last byte is written.
        let counted = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(10));
            p.stats().delay_ms >= 500
        });
        assert!(counted, "{:?}", p.stats());
    }

    #[test]
    fn every_exchange_pays_the_round_trip() {
        let up = Upstream::start(10, 10);
        let shape = Shape {
            rtt: Duration::from_millis(120),
            ..Shape::default()
        };
        let p = ShapingProxy::start_shaped(&up.url(), shape, 1).unwrap();
        let mut c = connect(&p);
        let t = Instant::now();
        for _ in 0..3 {
            exchange(&mut c, 10, 10).unwrap();
        }
        assert!(
            t.elapsed() >= Duration::from_millis(360),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(p.stats().exchanges, 3);
    }

    /// Which of `n` one-exchange connections got their answer.
    fn outcomes(url: &str, shape: Shape, seed: u64, n: usize) -> (Vec<bool>, ProxyStats) {
        let p = ShapingProxy::start_shaped(url, shape, seed).unwrap();
        let v = (0..n)
            .map(|_| exchange(&mut connect(&p), 10, 10).is_ok())
            .collect();
        // Let the connection threads count what they did.
        std::thread::sleep(Duration::from_millis(50));
        let s = p.stats();
        p.stop();
        (v, s)
    }

    #[test]
    fn loss_is_deterministic_for_a_seed_and_loses_answers_after_forwarding() {
        let up = Upstream::start(10, 10);
        let shape = Shape {
            loss: 0.5,
            ..Shape::default()
        };
        let (a, sa) = outcomes(&up.url(), shape, 42, 24);
        let (b, _) = outcomes(&up.url(), shape, 42, 24);
        assert_eq!(a, b);
        let lost = a.iter().filter(|ok| !**ok).count() as u64;
        assert!((4..=20).contains(&lost), "{a:?}");
        assert_eq!(sa.dropped(), lost, "{sa:?}");
        assert!(
            sa.answers_dropped > 0 && sa.resets_before_forwarding > 0,
            "{sa:?}"
        );
    }

    #[test]
    fn offline_refuses_connections() {
        let up = Upstream::start(10, 10);
        let p = ShapingProxy::start(&up.url(), Profile::Offline, 1).unwrap();
        let e = TcpStream::connect(p.addr).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn a_refusing_upstream_makes_the_proxy_refuse_until_it_is_back() {
        // A port nobody listens on, for now.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let p = ShapingProxy::start(&format!("http://127.0.0.1:{port}"), Profile::Lan, 1).unwrap();
        // The first connection finds out and is reset.
        assert!(exchange(&mut connect(&p), 10, 10).is_err());
        std::thread::sleep(Duration::from_millis(50));
        let e = TcpStream::connect(p.addr).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(p.stats().upstream_refused, 1);
        // The server comes back on its port: so does the proxy.
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let server = std::thread::spawn(move || {
            let (c, _) = listener.accept().unwrap();
            drop(c); // The proxy's probe.
            let (c, _) = listener.accept().unwrap();
            echo(c, 10, 10);
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut c = loop {
            match TcpStream::connect(p.addr) {
                Ok(c) => break c,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("the proxy did not come back: {e}"),
            }
        };
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        exchange(&mut c, 10, 10).unwrap();
        drop(c);
        server.join().unwrap();
    }

    #[test]
    fn shape_config_points_both_destinations_at_proxies() {
        let dhis2 = Upstream::start(10, 10);
        let lmis = Upstream::start(10, 10);
        let text = format!(
            "[agent]\ndatabase = \"o.sqlite\"\nforms = \"forms\"\nfacilities = \"f.json\"\n\
             [dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_env = \"X\"\n\
             [lmis]\nkind = \"openlmis\"\nurl = \"{}\"\nclient_id = \"c\"\n\
             client_secret_env = \"Y\"\nusername = \"u\"\npassword_env = \"Z\"\n",
            dhis2.url(),
            lmis.url()
        );
        let mut cfg =
            agent_core::AgentConfig::from_toml(&text, std::path::Path::new("/tmp")).unwrap();
        let proxies = shape_config(&mut cfg, Profile::Lan, 1).unwrap();
        assert_eq!(proxies.len(), 2);
        let urls = [
            cfg.dhis2.as_ref().unwrap().url.clone(),
            cfg.lmis.as_ref().unwrap().url.clone(),
        ];
        for (url, p) in urls.iter().zip(&proxies) {
            assert_eq!(*url, p.url());
            assert_ne!(*url, dhis2.url());
            exchange(&mut connect(p), 10, 10).unwrap();
        }
    }

    #[test]
    fn only_loopback_http_upstreams_are_accepted() {
        for url in ["https://127.0.0.1:1", "http://192.0.2.1:80", "ftp://x"] {
            assert!(ShapingProxy::start(url, Profile::Lan, 1).is_err(), "{url}");
        }
    }
}
