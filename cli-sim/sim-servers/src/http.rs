//! A small HTTP/1.1 server for the simulated destinations, with full control
//! over faults.
//!
//! It listens on `127.0.0.1` only, hands each accepted connection to a fixed
//! pool of worker threads, and reads requests itself: method, path, query
//! parameters (percent-decoded), headers (looked up case-insensitively) and
//! a body framed by `Content-Length` or `Transfer-Encoding: chunked`.
//! Connections are kept alive between requests (HTTP/1.1 default), and
//! `Expect: 100-continue` is honoured.
//!
//! Off-the-shelf servers cannot do what the chaos tests need, so the faults of
//! [`super::faults`] are applied here, around the handler, on every route
//! except `/__admin/*`:
//! - `rate_close_before_commit`: the request is read, then the socket is shut
//!   down and closed; the handler never runs.
//! - `rate_5xx` / `rate_429`: an HTML 503 (like a proxy) or a 429 with
//!   `Retry-After` is answered; the handler never runs.
//! - `rate_portal`: a captive portal's HTML login page is answered with 200,
//!   before any other fault and without running the handler.
//! - `rate_hostile` with `hostile` (filtered by `hostile_path` and
//!   `hostile_method`): one of the [`super::hostile`] answers (HTML, empty,
//!   wrong-shape or garbage 200s, a huge body, a gzip bomb, a 302 to another
//!   port, proxy 400/404/413 pages, a slow drip), written with
//!   `Connection: close`; the handler runs first (and commits) only when
//!   `hostile_after_commit` is set. The huge body and the drip are streamed
//!   and stop when the server stops, so a worker is never held for ever.
//! - `rate_drop_after_commit`: the handler runs to completion (whatever it
//!   stores is stored), then the socket is shut down and closed before a
//!   single byte of the response is written.
//! - `latency_ms`: a sleep before any response is written.
//! - `bandwidth_bytes_per_sec`: request and response bodies are read and
//!   written in chunks with sleeps, so they move no faster than that.
//! - `down_for_secs`: the acceptor drops the listener (so connecting fails
//!   at once with "connection refused"), closes any request that arrives on
//!   a connection that was already open, and re-binds the same port when the
//!   time is up.
//!
//! The admin routes, for the loopback only: `POST /__admin/faults` with a
//! JSON [`FaultConfig`] replaces the faults (fields left out take their
//! defaults, i.e. no fault), `GET /__admin/faults` shows them, `GET
//! /__admin/stats` returns the [`Stats`] and `POST /__admin/stats/reset`
//! zeroes them.
//!
//! Bounds: request heads up to 64 KiB (431 beyond), bodies up to the
//! configured cap (413 beyond, 16 MiB by default), a queue of 1024 accepted
//! connections waiting for a worker (further ones are closed at once), and
//! idle keep-alive connections closed after the keep-alive timeout, or as
//! soon as another connection waits for a worker.

use super::faults::HostileKind;
use super::faults::{Decision, FaultConfig, Faults, Stats, StatsRecorder};
use super::hostile::{self, Answer, proxy_page};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Worker threads by default.
pub const DEFAULT_WORKERS: usize = 16;
/// The largest request body accepted by default (16 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The largest request head (request line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The longest line in a chunked body's framing.
const MAX_CHUNK_LINE: usize = 4096;
/// How often blocked reads wake up to check for a stop or a down period.
const POLL: Duration = Duration::from_millis(50);
/// The longest time a started request may take to arrive.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Accepted connections waiting for a worker.
const QUEUE_LEN: usize = 1024;
/// The largest piece read or written at once.
const IO_CHUNK: usize = 16 * 1024;

pub use super::message::{Handler, LOSE_ANSWER_HEADER, Request, Response};

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Worker threads (at least 1); each serves one connection at a time.
    pub workers: usize,
    /// The largest request body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// How long an idle keep-alive connection is kept open.
    pub keep_alive: Duration,
    /// The faults at start.
    pub faults: FaultConfig,
    /// Compress answers for clients that accept gzip, as the nginx in front
    /// of a DHIS2 or OpenLMIS server does (`gzip on` with JSON among
    /// `gzip_types`, e.g. dhis2/docker-compose's `nginx.conf`).
    pub gzip_responses: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            port: 0,
            workers: DEFAULT_WORKERS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            keep_alive: Duration::from_secs(5),
            faults: FaultConfig::default(),
            gzip_responses: true,
        }
    }
}

/// nginx's default `gzip_min_length`: shorter bodies travel as they are.
const GZIP_MIN_LENGTH: usize = 20;

/// The answer as nginx's gzip filter would send it to this request: JSON and
/// text bodies compressed when the client accepts gzip.
fn gzip_for(request: &Request, response: Response) -> Response {
    let accepts = request.header("accept-encoding").is_some_and(|v| {
        v.split(',').any(|e| {
            e.split(';')
                .next()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case("gzip"))
        })
    });
    let compressible = response.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type")
            && (v.starts_with("application/json") || v.starts_with("text/"))
    });
    let encoded = response
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-encoding"));
    if !accepts || !compressible || encoded || response.body.len() < GZIP_MIN_LENGTH {
        return response;
    }
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
    if enc.write_all(&response.body).is_err() {
        return response;
    }
    let Ok(body) = enc.finish() else {
        return response;
    };
    Response { body, ..response }
        .with_header("Content-Encoding", "gzip")
        .with_header("Vary", "Accept-Encoding")
}

/// What the acceptor, the workers and the handle share.
struct Shared {
    handler: Handler,
    /// Answers the admin routes this layer does not know (a simulated
    /// server's own settings), without faults.
    admin_handler: Option<Handler>,
    faults: Arc<Faults>,
    stats: Arc<StatsRecorder>,
    stopping: AtomicBool,
    max_body_bytes: usize,
    keep_alive: Duration,
    /// Accepted connections waiting for a worker.
    queued: AtomicUsize,
    /// Compress answers (nginx's gzip filter).
    gzip_responses: bool,
}

type Queue = Arc<Mutex<Receiver<(TcpStream, SocketAddr)>>>;

/// A running server; stopped by [`Server::stop`] or when dropped.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// Binds `127.0.0.1:port` and starts the acceptor and the workers.
    pub fn start(config: ServerConfig, handler: Handler) -> io::Result<Server> {
        Server::start_inner(config, handler, None)
    }

    /// [`Server::start`] with a handler for the `/__admin/*` routes this
    /// layer does not answer itself (for the loopback only, no faults).
    pub fn start_with_admin(
        config: ServerConfig,
        handler: Handler,
        admin: Handler,
    ) -> io::Result<Server> {
        Server::start_inner(config, handler, Some(admin))
    }

    fn start_inner(
        config: ServerConfig,
        handler: Handler,
        admin_handler: Option<Handler>,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, config.port))?;
        let addr = listener.local_addr()?;
        let initial_down = config.faults.down_for_secs;
        let faults = Arc::new(Faults::new(FaultConfig {
            down_for_secs: 0.0,
            ..config.faults.clone()
        }));
        let shared = Arc::new(Shared {
            handler,
            admin_handler,
            faults,
            stats: Arc::new(StatsRecorder::new()),
            stopping: AtomicBool::new(false),
            max_body_bytes: config.max_body_bytes,
            keep_alive: config.keep_alive,
            queued: AtomicUsize::new(0),
            gzip_responses: config.gzip_responses,
        });
        let (tx, rx) = mpsc::sync_channel(QUEUE_LEN);
        let rx: Queue = Arc::new(Mutex::new(rx));
        let mut workers = Vec::new();
        for i in 0..config.workers.max(1) {
            let shared = Arc::clone(&shared);
            let rx = Arc::clone(&rx);
            workers.push(
                std::thread::Builder::new()
                    .name(format!("mock-http-{}-{i}", addr.port()))
                    .spawn(move || worker_loop(&shared, &rx))?,
            );
        }
        shared.faults.set_listening(Some(addr));
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("mock-accept-{}", addr.port()))
                .spawn(move || accept_loop(listener, addr, &shared, &tx))?
        };
        let server = Server {
            addr,
            shared,
            acceptor: Some(acceptor),
            workers,
        };
        if initial_down > 0.0 {
            server.faults().set(config.faults);
        }
        Ok(server)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's faults, switchable at run time.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// A snapshot of the traffic statistics.
    pub fn stats(&self) -> Stats {
        self.shared.stats.snapshot()
    }

    /// Sets the statistics back to 0.
    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }

    /// Stops accepting, lets requests in progress finish, and joins every thread.
    pub fn stop(self) {
        drop(self);
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(addr) = self.shared.faults.listening_addr() {
            // Wake the acceptor blocked in `accept`.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        self.shared.faults.notify();
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        self.shared.faults.set_listening(None);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Accepts connections and queues them for the workers; closes the listener
/// for the length of a down period and re-binds the same port afterwards.
fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    shared: &Shared,
    tx: &SyncSender<(TcpStream, SocketAddr)>,
) {
    let mut listener = listener;
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        if shared.faults.is_down() {
            // The connection just accepted (usually the wake-up one) and the
            // listener both go: from now on connecting is refused.
            drop(accepted);
            drop(listener);
            shared.faults.set_listening(None);
            shared.stats.down_period();
            if !shared.faults.wait_until_up(&shared.stopping) {
                return;
            }
            listener = match rebind(addr, shared) {
                Some(l) => l,
                None => return,
            };
            shared.faults.set_listening(Some(addr));
            continue;
        }
        match accepted {
            Ok((stream, peer)) => {
                shared.stats.connection();
                shared.queued.fetch_add(1, Ordering::SeqCst);
                match tx.try_send((stream, peer)) {
                    Ok(()) => {}
                    Err(TrySendError::Full((stream, _))) => {
                        shared.queued.fetch_sub(1, Ordering::SeqCst);
                        shared.stats.connection_rejected();
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                    Err(TrySendError::Disconnected(_)) => return,
                }
            }
            // Out of file descriptors or a connection reset before accept:
            // wait a little instead of spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Binds the same address again, retrying until it works or the server stops.
fn rebind(addr: SocketAddr, shared: &Shared) -> Option<TcpListener> {
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return None;
        }
        match TcpListener::bind(addr) {
            Ok(l) => return Some(l),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn worker_loop(shared: &Shared, rx: &Queue) {
    loop {
        let next = {
            let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
            rx.recv_timeout(POLL)
        };
        match next {
            Ok((stream, peer)) => {
                shared.queued.fetch_sub(1, Ordering::SeqCst);
                serve_connection(shared, stream, peer);
            }
            Err(RecvTimeoutError::Timeout) => {
                if shared.stopping.load(Ordering::SeqCst) {
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Limits a transfer to a number of bytes per second by sleeping.
struct Throttle {
    bytes_per_sec: u64,
    start: Instant,
    bytes: u64,
}

impl Throttle {
    fn new(bytes_per_sec: u64) -> Option<Throttle> {
        (bytes_per_sec > 0).then(|| Throttle {
            bytes_per_sec,
            start: Instant::now(),
            bytes: 0,
        })
    }

    /// The chunk size that gives about twenty sleeps a second.
    fn chunk(&self) -> usize {
        usize::try_from(self.bytes_per_sec / 20)
            .unwrap_or(IO_CHUNK)
            .clamp(1, IO_CHUNK)
    }

    /// Accounts `n` more bytes and sleeps until they are due.
    fn account(&mut self, n: usize) {
        self.bytes += n as u64;
        let due = Duration::from_secs_f64(self.bytes as f64 / self.bytes_per_sec as f64);
        let elapsed = self.start.elapsed();
        if due > elapsed {
            std::thread::sleep(due - elapsed);
        }
    }
}

/// One connection: the socket and the bytes read but not yet used.
struct Conn<'a> {
    stream: TcpStream,
    buf: Vec<u8>,
    shared: &'a Shared,
    throttle: Option<Throttle>,
}

/// The result of one read attempt.
enum Fill {
    Data,
    Eof,
    Timeout,
}

impl Conn<'_> {
    /// Reads once from the socket (at most [`POLL`] of waiting).
    fn fill(&mut self) -> io::Result<Fill> {
        let want = self.throttle.as_ref().map_or(IO_CHUNK, Throttle::chunk);
        let mut tmp = vec![0u8; want];
        match self.stream.read(&mut tmp) {
            Ok(0) => Ok(Fill::Eof),
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                self.shared.stats.bytes_in(n);
                if let Some(t) = &mut self.throttle {
                    t.account(n);
                }
                Ok(Fill::Data)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(Fill::Timeout)
            }
            Err(e) => Err(e),
        }
    }

    /// Reads until at least `n` bytes are buffered, within `deadline`.
    fn fill_to(&mut self, n: usize, deadline: Instant) -> Result<(), BodyError> {
        while self.buf.len() < n {
            match self.fill().map_err(|_| BodyError::Io)? {
                Fill::Data => {}
                Fill::Eof => return Err(BodyError::Io),
                Fill::Timeout => {
                    if Instant::now() > deadline || self.shared.stopping.load(Ordering::SeqCst) {
                        return Err(BodyError::Io);
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes exactly `n` bytes.
    fn take(&mut self, n: usize, deadline: Instant) -> Result<Vec<u8>, BodyError> {
        self.fill_to(n, deadline)?;
        Ok(self.buf.drain(..n).collect())
    }

    /// Takes one CRLF-terminated line (without the CRLF).
    fn take_line(&mut self, deadline: Instant) -> Result<String, BodyError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return String::from_utf8(line).map_err(|_| BodyError::Bad);
            }
            if self.buf.len() > MAX_CHUNK_LINE {
                return Err(BodyError::Bad);
            }
            let have = self.buf.len();
            self.fill_to(have + 1, deadline)?;
        }
    }

    /// Writes all of `bytes`, throttled when a bandwidth limit applies.
    fn write_throttled(&mut self, bytes: &[u8], throttle: Option<&mut Throttle>) -> io::Result<()> {
        match throttle {
            None => {
                self.stream.write_all(bytes)?;
                self.shared.stats.bytes_out(bytes.len());
            }
            Some(t) => {
                for piece in bytes.chunks(t.chunk()) {
                    self.stream.write_all(piece)?;
                    self.stream.flush()?;
                    self.shared.stats.bytes_out(piece.len());
                    t.account(piece.len());
                }
            }
        }
        Ok(())
    }

    /// Shuts the socket down in both directions; dropping it then closes it.
    fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// A parsed request head.
struct Head {
    method: String,
    target: String,
    http10: bool,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client wants the connection kept open after this request.
    fn keep_alive(&self) -> bool {
        if self.http10 {
            self.has_token("connection", "keep-alive")
        } else {
            !self.has_token("connection", "close")
        }
    }
}

enum HeadError {
    /// The connection closed or stayed idle too long: close quietly.
    Closed,
    /// The head is larger than allowed.
    TooLarge,
    /// The head cannot be parsed.
    Bad,
}

enum BodyError {
    Io,
    TooLarge,
    Bad,
}

/// Reads the next request head, waiting while the connection is idle.
fn read_head(conn: &mut Conn<'_>) -> Result<Head, HeadError> {
    let started = Instant::now();
    loop {
        // Empty lines before a request line are ignored (RFC 9112 §2.2).
        let skip = conn
            .buf
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count();
        conn.buf.drain(..skip);
        if let Some((end, len)) = find_head_end(&conn.buf) {
            let head: Vec<u8> = conn.buf.drain(..end + len).collect();
            return parse_head(&head[..end]).ok_or(HeadError::Bad);
        }
        if conn.buf.len() > MAX_HEAD_BYTES {
            return Err(HeadError::TooLarge);
        }
        match conn.fill().map_err(|_| HeadError::Closed)? {
            Fill::Data => {}
            Fill::Eof => return Err(HeadError::Closed),
            Fill::Timeout => {
                let idle = conn.buf.is_empty();
                let shared = conn.shared;
                // An idle connection is closed when the server stops or goes
                // down, after the keep-alive timeout, and as soon as another
                // connection is waiting for a worker (so that idle clients
                // cannot starve busy ones).
                let others_waiting =
                    shared.queued.load(Ordering::SeqCst) > 0 && started.elapsed() >= POLL;
                if idle
                    && (shared.stopping.load(Ordering::SeqCst)
                        || shared.faults.is_down()
                        || others_waiting
                        || started.elapsed() > shared.keep_alive)
                {
                    return Err(HeadError::Closed);
                }
                if !idle && started.elapsed() > REQUEST_TIMEOUT {
                    return Err(HeadError::Closed);
                }
            }
        }
    }
}

/// Where the head ends: the index of the blank line and its length.
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn parse_head(bytes: &[u8]) -> Option<Head> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next()?;
    let mut parts = request_line.split(' ').filter(|p| !p.is_empty());
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let version = parts.next()?;
    if parts.next().is_some() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return None,
    };
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains(' ') {
            return None;
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Some(Head {
        method,
        target,
        http10,
        headers,
    })
}

/// Reads the body the head announces, throttled to the fault bandwidth when `throttled`.
fn read_body(conn: &mut Conn<'_>, head: &Head, throttled: bool) -> Result<Vec<u8>, BodyError> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let max = conn.shared.max_body_bytes;
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = if chunked {
        None
    } else {
        match head.header("content-length") {
            None => Some(0),
            Some(v) => Some(v.trim().parse::<usize>().map_err(|_| BodyError::Bad)?),
        }
    };
    if length.is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    let expects_body = chunked || length.is_some_and(|n| n > 0);
    if expects_body && head.has_token("expect", "100-continue") {
        conn.stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| BodyError::Io)?;
        conn.shared.stats.bytes_out(25);
    }
    conn.throttle = if throttled {
        Throttle::new(conn.shared.faults.get().bandwidth_bytes_per_sec)
    } else {
        None
    };
    if let Some(t) = &mut conn.throttle {
        // Bytes that arrived with the head are part of the body's budget too.
        let early = conn.buf.len().min(length.unwrap_or(conn.buf.len()));
        t.account(early);
    }
    let result = match length {
        Some(n) => conn.take(n, deadline),
        None => read_chunked(conn, max, deadline),
    };
    conn.throttle = None;
    result
}

fn read_chunked(conn: &mut Conn<'_>, max: usize, deadline: Instant) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    loop {
        let line = conn.take_line(deadline)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| BodyError::Bad)?;
        if size == 0 {
            break;
        }
        if body.len() + size > max {
            return Err(BodyError::TooLarge);
        }
        body.extend(conn.take(size, deadline)?);
        if !conn.take_line(deadline)?.is_empty() {
            return Err(BodyError::Bad);
        }
    }
    // Trailer fields, up to the blank line.
    while !conn.take_line(deadline)?.is_empty() {}
    Ok(body)
}

/// Serves requests on one connection until it closes.
fn serve_connection(shared: &Shared, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(POLL));
    let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
        shared,
        throttle: None,
    };
    loop {
        let head = match read_head(&mut conn) {
            Ok(h) => h,
            Err(HeadError::Closed) => return,
            Err(HeadError::TooLarge) => {
                let _ = write_plain(&mut conn, 431, "Request Header Fields Too Large");
                return;
            }
            Err(HeadError::Bad) => {
                let _ = write_plain(&mut conn, 400, "Bad Request");
                return;
            }
        };
        let _in_flight = shared.stats.request();
        let (path, query) = split_target(&head.target);
        let admin = path.starts_with("/__admin/");
        if !admin && shared.faults.is_down() {
            shared.stats.closed_while_down();
            conn.close();
            return;
        }
        let body = match read_body(&mut conn, &head, !admin) {
            Ok(b) => b,
            Err(BodyError::Io) => return,
            Err(BodyError::TooLarge) => {
                let _ = write_plain(&mut conn, 413, "Payload Too Large");
                return;
            }
            Err(BodyError::Bad) => {
                let _ = write_plain(&mut conn, 400, "Bad Request");
                return;
            }
        };
        let request = Request {
            method: head.method.clone(),
            path,
            query,
            headers: head.headers.clone(),
            body,
            peer,
        };
        let keep_alive = head.keep_alive() && !shared.stopping.load(Ordering::SeqCst);
        let is_head = request.method == "HEAD";
        let response = if admin {
            admin_response(shared, &request)
        } else {
            let faults = shared.faults.get();
            let run_handler = || {
                let handler = &shared.handler;
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&request)))
                    .unwrap_or_else(|_| Response::text(500, "text/plain", "the handler panicked"))
            };
            let mut raw = false;
            let response = match shared.faults.decide_for(&request.method, &request.path) {
                Decision::Portal => {
                    shared.stats.portal_answer();
                    raw = true;
                    hostile::portal_page()
                }
                Decision::Hostile { kind, after_commit } => {
                    if after_commit {
                        // The server applies the request; the answer is lost
                        // behind the hostile one.
                        let _ = run_handler();
                    }
                    shared.stats.hostile_answer(kind, after_commit);
                    if faults.latency_ms > 0 {
                        std::thread::sleep(Duration::from_millis(faults.latency_ms));
                    }
                    let seed = faults.seed ^ shared.stats.snapshot().requests;
                    match hostile::answer(kind, &faults, seed) {
                        Answer::Whole(r) => {
                            let _ = write_response(&mut conn, &r, is_head, false, 0);
                        }
                        Answer::Huge { len } => {
                            let _ = write_huge(&mut conn, len, is_head);
                        }
                        Answer::Drip { len, interval_ms } => {
                            let _ = write_drip(&mut conn, len, interval_ms, is_head);
                        }
                    }
                    conn.close();
                    return;
                }
                Decision::CloseBeforeCommit => {
                    shared.stats.closed_before_commit();
                    conn.close();
                    return;
                }
                Decision::ServiceUnavailable => {
                    shared.stats.injected_5xx();
                    proxy_page(503, "Service Temporarily Unavailable")
                }
                Decision::TooManyRequests { retry_after_secs } => {
                    shared.stats.injected_429();
                    proxy_page(429, "Too Many Requests")
                        .with_header("Retry-After", &retry_after_secs.to_string())
                }
                Decision::Proceed { drop_after_commit } => {
                    let response = run_handler();
                    if drop_after_commit || response.loses_answer() {
                        shared.stats.dropped_after_commit();
                        conn.close();
                        return;
                    }
                    response
                }
            };
            if faults.latency_ms > 0 {
                std::thread::sleep(Duration::from_millis(faults.latency_ms));
            }
            if shared.gzip_responses && !raw {
                gzip_for(&request, response)
            } else {
                response
            }
        };
        let bandwidth = if admin {
            0
        } else {
            shared.faults.get().bandwidth_bytes_per_sec
        };
        if write_response(&mut conn, &response, is_head, keep_alive, bandwidth).is_err()
            || !keep_alive
        {
            conn.close();
            return;
        }
    }
}

/// Writes the head of a streamed 200 answer of `len` bytes (`Connection: close`).
fn write_stream_head(conn: &mut Conn<'_>, content_type: &str, len: u64) -> io::Result<()> {
    conn.shared.stats.response(200);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n\
         Connection: close\r\n\r\n"
    );
    conn.stream.write_all(head.as_bytes())?;
    conn.shared.stats.bytes_out(head.len());
    conn.stream.flush()
}

/// A `huge_200` answer: `len` bytes of JSON-looking text, written piece by
/// piece (never held whole); ends early when the server stops or the client
/// goes away.
fn write_huge(conn: &mut Conn<'_>, len: u64, is_head: bool) -> io::Result<()> {
    write_stream_head(conn, "application/json;charset=UTF-8", len)?;
    if is_head {
        return Ok(());
    }
    let piece = hostile::huge_piece();
    let mut left = len;
    while left > 0 {
        if conn.shared.stopping.load(Ordering::SeqCst) {
            return Ok(());
        }
        let n = usize::try_from(left.min(piece.len() as u64)).unwrap_or(piece.len());
        conn.stream.write_all(&piece[..n])?;
        conn.shared.stats.bytes_out(n);
        left -= n as u64;
    }
    conn.stream.flush()
}

/// A `slow_drip` answer: `len` bytes, one every `interval_ms`; ends early
/// when the server stops or the client goes away.
fn write_drip(conn: &mut Conn<'_>, len: u64, interval_ms: u64, is_head: bool) -> io::Result<()> {
    write_stream_head(conn, "application/json;charset=UTF-8", len)?;
    if is_head {
        return Ok(());
    }
    let piece = hostile::huge_piece();
    let interval = Duration::from_millis(interval_ms);
    for i in 0..len {
        let due = Instant::now() + interval;
        while Instant::now() < due {
            if conn.shared.stopping.load(Ordering::SeqCst) {
                return Ok(());
            }
            std::thread::sleep(due.saturating_duration_since(Instant::now()).min(POLL));
        }
        let byte = piece[usize::try_from(i % piece.len() as u64).unwrap_or(0)];
        conn.stream.write_all(&[byte])?;
        conn.stream.flush()?;
        conn.shared.stats.bytes_out(1);
    }
    Ok(())
}

fn write_plain(conn: &mut Conn<'_>, status: u16, text: &str) -> io::Result<()> {
    let r = Response::text(status, "text/plain", text);
    let result = write_response(conn, &r, false, false, 0);
    conn.close();
    result
}

fn write_response(
    conn: &mut Conn<'_>,
    response: &Response,
    is_head: bool,
    keep_alive: bool,
    bandwidth: u64,
) -> io::Result<()> {
    conn.shared.stats.response(response.status);
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (k, v) in &response.headers {
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    conn.stream.write_all(head.as_bytes())?;
    conn.shared.stats.bytes_out(head.len());
    if !is_head {
        let mut throttle = Throttle::new(bandwidth);
        conn.write_throttled(&response.body, throttle.as_mut())?;
    }
    conn.stream.flush()
}

fn admin_response(shared: &Shared, request: &Request) -> Response {
    if !request.peer.ip().is_loopback() {
        return Response::json(
            403,
            &serde_json::json!({"error": "admin routes answer the loopback only"}),
        );
    }
    let faults_view = |shared: &Shared| {
        serde_json::json!({
            "faults": shared.faults.get(),
            "down_remaining_secs": shared.faults.down_remaining().map(|d| d.as_secs_f64()),
            "listening": shared.faults.is_listening(),
        })
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/__admin/faults") => match serde_json::from_slice::<FaultConfig>(&request.body) {
            Ok(config) => {
                shared.faults.set(config);
                Response::json(200, &faults_view(shared))
            }
            Err(e) => Response::json(
                400,
                &serde_json::json!({"error": format!("the fault configuration cannot be read: {e}")}),
            ),
        },
        ("GET", "/__admin/faults") => Response::json(200, &faults_view(shared)),
        ("GET", "/__admin/stats") => {
            Response::json(200, &serde_json::json!(shared.stats.snapshot()))
        }
        ("POST", "/__admin/stats/reset") => {
            shared.stats.reset();
            Response::json(200, &serde_json::json!(shared.stats.snapshot()))
        }
        _ => match &shared.admin_handler {
            Some(h) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h(request)))
                .unwrap_or_else(|_| Response::text(500, "text/plain", "the handler panicked")),
            None => Response::json(404, &serde_json::json!({"error": "no such admin route"})),
        },
    }
}

/// Splits a request target into its decoded path and query parameters.
fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    // An absolute-form target (`http://host/path`) keeps only its path.
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.split('#').next().unwrap_or(path);
    (percent_decode(path, false), parse_urlencoded(query))
}

/// Parses `a=1&b=x+y` (query strings and form bodies), percent-decoding names and values.
pub fn parse_urlencoded(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); invalid
/// escapes are kept as they are and invalid UTF-8 is replaced.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The reason phrase of a status code.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Starts a server on `127.0.0.1` (a free port) that answers every request,
/// on any path and with any method, with one of `kinds` of hostile answer
/// (chosen at random, seeded by `seed`). The requests never reach a
/// handler; the faults can still be changed through [`Server::faults`] or
/// `/__admin/faults`.
pub fn serve_hostile(kinds: &[HostileKind], seed: u64) -> std::io::Result<Server> {
    serve_hostile_with(FaultConfig {
        hostile: kinds.to_vec(),
        rate_hostile: 1.0,
        seed,
        ..FaultConfig::default()
    })
}

/// [`serve_hostile`] with a whole fault configuration (e.g. a smaller gzip
/// bomb or a redirect location). Requests that get no fault answer 404 with
/// a JSON error, like an unknown route.
pub fn serve_hostile_with(faults: FaultConfig) -> std::io::Result<Server> {
    let handler: Handler = Arc::new(|req: &Request| {
        Response::json(
            404,
            &serde_json::json!({"error": "not found", "path": req.path}),
        )
    });
    Server::start(
        ServerConfig {
            faults,
            workers: 8,
            gzip_responses: false,
            ..ServerConfig::default()
        },
        handler,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_split_and_decoded() {
        let (path, query) = split_target("/api/data%20Sets?a=1&b=x+y%2Fz&c&a=2");
        assert_eq!(path, "/api/data Sets");
        assert_eq!(
            query,
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "x y/z".to_string()),
                ("c".to_string(), String::new()),
                ("a".to_string(), "2".to_string()),
            ]
        );
        assert_eq!(split_target("http://h:1/x?y=1").0, "/x");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
    }

    #[test]
    fn heads_are_parsed_leniently_but_not_blindly() {
        let h = parse_head(b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nX-A:  b \r\n").unwrap();
        assert_eq!(h.method, "POST");
        assert_eq!(h.header("x-a"), Some("b"));
        assert!(h.keep_alive());
        assert!(parse_head(b"GET /x HTTP/2\r\n").is_none());
        assert!(parse_head(b"GET /x HTTP/1.1\r\nno colon\r\n").is_none());
        let h10 = parse_head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive").unwrap();
        assert!(h10.keep_alive());
    }
}
