//! A TLS front for the simulated servers: `https://127.0.0.1:PORT` with a
//! certificate signed by a certificate authority made on the spot, which no
//! client trusts unless it is given that CA ([`TlsFront::ca_pem`]).
//!
//! Each connection's TLS is ended here and the decrypted bytes are relayed
//! to a plain server on the loopback (a simulated DHIS2 or OpenLMIS, or a
//! hostile server), so the same front proves two things: a client that does
//! not know the CA refuses the server (an "unknown issuer" certificate, as
//! a meddling proxy or a self-made certificate presents), and a client given
//! the CA (e.g. in a `ca_file`) talks to the server behind it.
//!
//! The certificate names `localhost` and `127.0.0.1`. The CA and the
//! certificate are made by `rcgen` (ECDSA P-256) and served by `rustls` with
//! the `ring` provider. Nothing is written to disk.
//!
//! Bounds: a connection ends when either side closes, when the front stops,
//! or after [`IDLE_TIMEOUT`] without a byte either way.

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a relayed connection may stay without a byte either way.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(180);
/// How often blocked reads wake up to check for a stop.
const POLL: Duration = Duration::from_millis(50);
/// The most connections relayed at once; further ones are closed at once.
const MAX_CONNECTIONS: usize = 64;

/// A CA and a server certificate it signed.
struct Identity {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("the test TLS identity could not be made: {e}"))
}

/// Makes a fresh CA and a server certificate for `localhost` and 127.0.0.1.
fn make_identity() -> io::Result<Identity> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose, SanType,
    };
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Simulated private CA (tests only)");
    ca.distinguished_name
        .push(DnType::OrganizationName, "cli-sim");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(tls_error)?;

    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).map_err(tls_error)?;
    leaf.subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::V4(
            Ipv4Addr::LOCALHOST,
        )));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(tls_error)?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .map_err(tls_error)?;
    Ok(Identity {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        cert_der: leaf_cert.der().clone(),
        key_der: leaf_key.serialize_der(),
    })
}

/// What the acceptor, the relays and the handle share.
struct Shared {
    backend: SocketAddr,
    config: Arc<rustls::ServerConfig>,
    stopping: AtomicBool,
    relays: Mutex<Vec<JoinHandle<()>>>,
    handshakes_failed: AtomicU64,
    connections: AtomicU64,
}

/// A running TLS front; stopped by [`TlsFront::stop`] or when dropped.
pub struct TlsFront {
    addr: SocketAddr,
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TlsFront {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFront")
            .field("addr", &self.addr)
            .field("backend", &self.shared.backend)
            .finish()
    }
}

impl TlsFront {
    /// Listens on `127.0.0.1` (a free port) with a certificate from a new
    /// CA, relaying decrypted bytes to `backend` (a plain server, usually
    /// another simulated server's [`super::http::Server::addr`]).
    pub fn start(backend: SocketAddr) -> io::Result<TlsFront> {
        let id = make_identity()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(
                vec![id.cert_der.clone(), id.ca_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone())),
            )
            .map_err(tls_error)?;
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            backend,
            config: Arc::new(config),
            stopping: AtomicBool::new(false),
            relays: Mutex::new(Vec::new()),
            handshakes_failed: AtomicU64::new(0),
            connections: AtomicU64::new(0),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("mock-tls-{}", addr.port()))
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(TlsFront {
            addr,
            ca_pem: id.ca_pem,
            ca_der: id.ca_der,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address the front listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the front listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://127.0.0.1:PORT` (the certificate names 127.0.0.1).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// `https://localhost:PORT` (the certificate names localhost too).
    pub fn localhost_url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// The CA certificate in PEM, for a test to write to a `ca_file`.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate in DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections that ended before their TLS handshake completed (e.g. the
    /// client refused the certificate). Counted when the connection's relay
    /// ends, a moment after the client gave up.
    pub fn handshakes_failed(&self) -> u64 {
        self.shared.handshakes_failed.load(Ordering::SeqCst)
    }

    /// Stops accepting, ends every relayed connection and joins the threads.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor blocked in `accept`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
        let relays: Vec<_> =
            std::mem::take(&mut *self.shared.relays.lock().unwrap_or_else(|e| e.into_inner()));
        for r in relays {
            let _ = r.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok((stream, _)) = accepted else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let mut relays = shared.relays.lock().unwrap_or_else(|e| e.into_inner());
        // Finished relays are joined, so the list stays short.
        let (done, running): (Vec<_>, Vec<_>) = relays.drain(..).partition(JoinHandle::is_finished);
        *relays = running;
        for d in done {
            let _ = d.join();
        }
        if relays.len() >= MAX_CONNECTIONS {
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        let s = Arc::clone(shared);
        if let Ok(h) = std::thread::Builder::new()
            .name("mock-tls-relay".into())
            .spawn(move || relay(stream, &s))
        {
            relays.push(h);
        }
    }
}

/// Milliseconds since `start`, for the shared idle clock.
fn millis_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Writes every pending TLS record to the client.
fn flush_tls(tls: &mut rustls::ServerConnection, client: &mut TcpStream) -> io::Result<()> {
    while tls.wants_write() {
        tls.write_tls(client)?;
    }
    client.flush()
}

/// Relays one connection: client → (TLS ended) → backend, and back. This
/// thread reads the client; a second one reads the backend.
fn relay(client: TcpStream, shared: &Arc<Shared>) {
    let Ok(tls) = rustls::ServerConnection::new(Arc::clone(&shared.config)) else {
        return;
    };
    let Ok(backend) = TcpStream::connect_timeout(&shared.backend, Duration::from_secs(5)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    let _ = client.set_read_timeout(Some(POLL));
    let _ = backend.set_read_timeout(Some(POLL));
    let _ = client.set_write_timeout(Some(IDLE_TIMEOUT));
    let _ = backend.set_write_timeout(Some(IDLE_TIMEOUT));
    let (Ok(client_w), Ok(backend_r)) = (client.try_clone(), backend.try_clone()) else {
        return;
    };
    let tls = Arc::new(Mutex::new((tls, client_w)));
    let start = Instant::now();
    let last = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));

    // Backend → client.
    let back = {
        let (tls, last, done, shared) = (
            Arc::clone(&tls),
            Arc::clone(&last),
            Arc::clone(&done),
            Arc::clone(shared),
        );
        std::thread::Builder::new()
            .name("mock-tls-back".into())
            .spawn(move || {
                let mut backend_r = backend_r;
                let mut buf = vec![0u8; 16 * 1024];
                while !done.load(Ordering::SeqCst) && !shared.stopping.load(Ordering::SeqCst) {
                    match backend_r.read(&mut buf) {
                        Ok(0) => {
                            let mut g = tls.lock().unwrap_or_else(|e| e.into_inner());
                            let (conn, client_w) = &mut *g;
                            conn.send_close_notify();
                            let _ = flush_tls(conn, client_w);
                            break;
                        }
                        Ok(n) => {
                            last.store(millis_since(start), Ordering::SeqCst);
                            let mut g = tls.lock().unwrap_or_else(|e| e.into_inner());
                            let (conn, client_w) = &mut *g;
                            if conn.writer().write_all(&buf[..n]).is_err()
                                || flush_tls(conn, client_w).is_err()
                            {
                                break;
                            }
                        }
                        Err(e) if is_timeout(&e) => {
                            if millis_since(start).saturating_sub(last.load(Ordering::SeqCst))
                                > u64::try_from(IDLE_TIMEOUT.as_millis()).unwrap_or(u64::MAX)
                            {
                                break;
                            }
                        }
                        Err(_) => break,
                    }
                }
                done.store(true, Ordering::SeqCst);
            })
    };

    // Client → backend, on this thread.
    let mut client_r = client;
    let mut backend_w = backend;
    let mut buf = vec![0u8; 16 * 1024];
    let mut plain = vec![0u8; 16 * 1024];
    'read: while !done.load(Ordering::SeqCst) && !shared.stopping.load(Ordering::SeqCst) {
        let n = match client_r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if is_timeout(&e) => {
                if millis_since(start).saturating_sub(last.load(Ordering::SeqCst))
                    > u64::try_from(IDLE_TIMEOUT.as_millis()).unwrap_or(u64::MAX)
                {
                    break;
                }
                continue;
            }
            Err(_) => break,
        };
        last.store(millis_since(start), Ordering::SeqCst);
        let mut g = tls.lock().unwrap_or_else(|e| e.into_inner());
        let (conn, client_w) = &mut *g;
        let mut input = &buf[..n];
        while !input.is_empty() {
            match conn.read_tls(&mut input) {
                Ok(0) | Err(_) => break 'read,
                Ok(_) => {}
            }
            if conn.process_new_packets().is_err() {
                // Send the alert, if any, and give up on this connection.
                let _ = flush_tls(conn, client_w);
                break 'read;
            }
            loop {
                match conn.reader().read(&mut plain) {
                    Ok(0) => break 'read,
                    Ok(m) => {
                        if backend_w.write_all(&plain[..m]).is_err() {
                            break 'read;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => break 'read,
                }
            }
        }
        if flush_tls(conn, client_w).is_err() {
            break;
        }
    }
    done.store(true, Ordering::SeqCst);
    let _ = backend_w.shutdown(Shutdown::Both);
    if let Ok(h) = back {
        let _ = h.join();
    }
    let g = tls.lock().unwrap_or_else(|e| e.into_inner());
    if g.0.is_handshaking() {
        // The client refused the certificate (or went away) mid-handshake.
        shared.handshakes_failed.fetch_add(1, Ordering::SeqCst);
    }
    let _ = g.1.shutdown(Shutdown::Both);
}
