//! The HTTP transport, behind a small trait so that the sync engine can be
//! driven by a real client (ureq) or by anything else that moves bytes.
//!
//! A transport failure says whether the request may have reached the server
//! (`maybe_sent`): a refused connection never did, a timeout while waiting
//! for the answer may have. That one bit decides whether a resend needs a
//! look-up first (the LMIS) or not (DHIS2 upserts).

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The agent's name and version, as sent in User-Agent headers and shown in `status`.
pub const AGENT_NAME: &str = concat!("health-sync-agent/", env!("CARGO_PKG_VERSION"));

/// The most bytes of a response body the agent reads; the rest is dropped.
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// An HTTP request.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, `PUT`...
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Header names and values (credentials included; never logged).
    pub headers: Vec<(String, String)>,
    /// The body (empty for GET).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for HttpRequest {
    // Headers can hold credentials: show their names only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// An HTTP response (any status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, at most [`MAX_RESPONSE_BYTES`].
    pub body: Vec<u8>,
    /// True when the body was longer than the cap and was cut.
    pub truncated: bool,
    /// Bytes of the body as they travelled: smaller than `body` when the
    /// server compressed it (`Content-Encoding: gzip`). Data use counts these.
    pub wire_bytes: u64,
}

impl HttpResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The server's clock, from the `Date` header.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        self.header("date")
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.with_timezone(&Utc))
    }

    /// `Retry-After`, in seconds or as an HTTP date relative to `now`.
    pub fn retry_after(&self, now: DateTime<Utc>) -> Option<Duration> {
        let v = self.header("retry-after")?.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
        (at - now).to_std().ok()
    }
}

/// Why a request got no HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The server could not be reached (refused, no route, name not found).
    Unreachable,
    /// No answer in time.
    Timeout,
    /// The connection broke (reset, closed early).
    Broken,
    /// TLS failed (certificate, handshake).
    Tls,
    /// Anything else (malformed response, bad URL).
    Other,
    /// Not sent: the time or the number of requests allowed to the sync
    /// pass ran out first (or it was cancelled). Nothing reached the server.
    NotStarted,
}

/// A request that got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// What happened.
    pub kind: TransportErrorKind,
    /// Whether the request may have reached the server (and been applied).
    pub maybe_sent: bool,
    /// Plain words, without URL credentials or headers.
    pub message: String,
}

/// Something that sends HTTP requests.
pub trait Transport: Send + Sync {
    /// Sends one request and returns the response, whatever its status.
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Sends one request that must be over, answer read, within `limit`
    /// (the time left to a sync pass). A transport that cannot bound a
    /// request ignores it.
    fn send_within(
        &self,
        req: &HttpRequest,
        limit: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        let _ = limit;
        self.send(req)
    }
}

/// Timeouts of the real client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To establish the connection (DNS, TCP, TLS).
    pub connect: Duration,
    /// For the whole exchange after connecting (send, wait, receive).
    pub exchange: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::from_secs(None, None)
    }
}

/// Seconds a connection may take at most: beyond ten minutes a server is
/// not coming, and a sync pass must end.
pub const MAX_CONNECT_TIMEOUT_SECS: u64 = 600;
/// Seconds one exchange may take at most (one day). Larger values overflowed
/// the clock arithmetic of the HTTP client (a panic with a delivery left in
/// flight).
pub const MAX_EXCHANGE_TIMEOUT_SECS: u64 = 24 * 3600;
/// The default seconds to wait for a connection, for both destinations.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 20;
/// The default seconds for one whole exchange, for both destinations.
pub const DEFAULT_EXCHANGE_TIMEOUT_SECS: u64 = 120;

impl Timeouts {
    /// Timeouts from the configuration's seconds, defaults filled in and
    /// kept within the bounds `agent.toml` allows (1 s to ten minutes to
    /// connect, 1 s to one day per exchange).
    pub fn from_secs(connect: Option<u64>, exchange: Option<u64>) -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(
                connect
                    .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS)
                    .clamp(1, MAX_CONNECT_TIMEOUT_SECS),
            ),
            exchange: Duration::from_secs(
                exchange
                    .unwrap_or(DEFAULT_EXCHANGE_TIMEOUT_SECS)
                    .clamp(1, MAX_EXCHANGE_TIMEOUT_SECS),
            ),
        }
    }

    /// The same timeouts held within the bounds: a `Duration` near 2^63
    /// seconds overflowed the client's clock arithmetic (a panic).
    fn bounded(self) -> Timeouts {
        let max =
            |d: Duration, secs: u64| d.clamp(Duration::from_secs(1), Duration::from_secs(secs));
        Timeouts {
            connect: max(self.connect, MAX_CONNECT_TIMEOUT_SECS),
            exchange: max(self.exchange, MAX_EXCHANGE_TIMEOUT_SECS),
        }
    }
}

/// Certificate authorities trusted for one destination in addition to the
/// public ones (`ca_file` in agent.toml).
#[derive(Clone)]
pub struct ExtraRoots(Vec<ureq::tls::Certificate<'static>>);

impl PartialEq for ExtraRoots {
    fn eq(&self, other: &ExtraRoots) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|(a, b)| a.der() == b.der())
    }
}

impl Eq for ExtraRoots {}

impl std::fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExtraRoots({} certificates)", self.0.len())
    }
}

impl ExtraRoots {
    /// Reads the certificates of a PEM file (`-----BEGIN CERTIFICATE-----`
    /// blocks; anything else in the file is ignored). The error says what
    /// is wrong with the file in plain words.
    pub fn from_pem_file(path: &std::path::Path) -> Result<ExtraRoots, String> {
        let bytes = crate::files::read_capped(path, crate::files::MAX_CA_FILE_BYTES, "ca_file")
            .map_err(|e| format!("the ca_file {} cannot be read: {e}", path.display()))?;
        ExtraRoots::from_pem(&bytes).map_err(|e| format!("the ca_file {}: {e}", path.display()))
    }

    /// Reads the certificates of PEM text.
    pub fn from_pem(pem: &[u8]) -> Result<ExtraRoots, String> {
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => {
                    return Err(format!(
                        "it is not a readable PEM file ({e}); give the certificate authority's certificate in PEM form (-----BEGIN CERTIFICATE-----)"
                    ));
                }
            }
        }
        if certs.is_empty() {
            return Err("it holds no certificate; give the certificate authority's certificate in PEM form (-----BEGIN CERTIFICATE-----)".into());
        }
        Ok(ExtraRoots(certs))
    }
}

/// How the client reaches one destination: requests whose URL starts with
/// `base_url` use these timeouts and trust these extra authorities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The destination's base URL (as in agent.toml).
    pub base_url: String,
    /// Its timeouts.
    pub timeouts: Timeouts,
    /// Extra certificate authorities (a private CA), if any.
    pub extra_roots: Option<ExtraRoots>,
}

/// The real client: ureq with rustls; TLS verification on, by the
/// platform's verifier ([`platform_verifier_usable`]) or, for a destination
/// with a `ca_file`, by Mozilla's roots plus that file; no redirects
/// (a redirect would resend a POST body to a place nobody configured).
/// Each configured destination has its own client (timeouts, trusted
/// authorities), chosen by the request's URL.
pub struct UreqTransport {
    agent: ureq::Agent,
    endpoints: Vec<(String, ureq::Agent)>,
}

impl std::fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UreqTransport")
    }
}

fn ureq_agent(timeouts: Timeouts, extra_roots: Option<&ExtraRoots>) -> ureq::Agent {
    let timeouts = timeouts.bounded();
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .user_agent(AGENT_NAME)
        .timeout_connect(Some(timeouts.connect))
        .timeout_per_call(Some(timeouts.exchange));
    let roots = match extra_roots {
        // ureq takes the trusted roots as one list: the public ones
        // (Mozilla's) and then the extra ones. ureq cannot add roots to the
        // platform verifier, so a destination with a ca_file trusts exactly
        // these, not the device's store.
        Some(extra) => ureq::tls::RootCerts::Specific(std::sync::Arc::new(
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| ureq::tls::Certificate::from_der(c.as_ref()))
                .chain(extra.0.iter().cloned())
                .collect(),
        )),
        None if platform_verifier_usable() => ureq::tls::RootCerts::PlatformVerifier,
        None => ureq::tls::RootCerts::Specific(std::sync::Arc::new(
            webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| ureq::tls::Certificate::from_der(c.as_ref()))
                .collect(),
        )),
    };
    config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
    config.build().into()
}

/// Set once the Android shell has handed the platform verifier its JVM and
/// `Context` (`PlatformTls.init` in the bindings).
static PLATFORM_VERIFIER_READY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The Android shell initialised the platform TLS verifier: clients made
/// from now on (at `Agent::open`) check servers with the device's trust
/// store and the app's `network_security_config`.
pub fn platform_verifier_initialised() {
    PLATFORM_VERIFIER_READY.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether servers are checked by the platform's verifier
/// (rustls-platform-verifier): the system's certificate store on Linux,
/// macOS and Windows; on Android the device's trust store (user CAs as the
/// app's `network_security_config` allows), once the shell initialised it.
/// On Android before that, the verifier would panic at the first handshake,
/// so clients use Mozilla's roots instead (and say so in the log).
pub fn platform_verifier_usable() -> bool {
    !cfg!(target_os = "android")
        || PLATFORM_VERIFIER_READY.load(std::sync::atomic::Ordering::SeqCst)
}

/// Whether `url` is `base` or below it (not merely sharing a prefix:
/// `https://a.org` does not cover `https://a.org.evil.net`).
fn covers(base: &str, url: &str) -> bool {
    let base = base.trim_end_matches('/');
    url.len() >= base.len()
        && url.is_char_boundary(base.len())
        && url[..base.len()].eq_ignore_ascii_case(base)
        && matches!(
            url[base.len()..].chars().next(),
            None | Some('/' | '?' | '#')
        )
}

impl UreqTransport {
    /// A client with these timeouts and the agent's User-Agent.
    pub fn new(timeouts: Timeouts) -> UreqTransport {
        UreqTransport::with_endpoints(timeouts, &[])
    }

    /// A client with a setting per destination; requests to any other URL
    /// use `default` timeouts and the public roots.
    pub fn with_endpoints(default: Timeouts, endpoints: &[Endpoint]) -> UreqTransport {
        let mut endpoints: Vec<(String, ureq::Agent)> = endpoints
            .iter()
            .map(|e| {
                (
                    e.base_url.trim_end_matches('/').to_string(),
                    ureq_agent(e.timeouts, e.extra_roots.as_ref()),
                )
            })
            .collect();
        if !platform_verifier_usable() {
            tracing::warn!(
                "PlatformTls.init(context) was not called before Agent.open: servers are checked against Mozilla's roots only, not the device's certificate store or network_security_config"
            );
        }
        // The longest base first: a destination below another one wins.
        endpoints.sort_by_key(|(base, _)| std::cmp::Reverse(base.len()));
        UreqTransport {
            agent: ureq_agent(default, None),
            endpoints,
        }
    }

    fn agent_for(&self, url: &str) -> &ureq::Agent {
        self.endpoints
            .iter()
            .find(|(base, _)| covers(base, url))
            .map_or(&self.agent, |(_, a)| a)
    }
}

/// What a TLS failure means and whether the request may have been sent.
fn tls_problem(e: &rustls::Error) -> (String, bool) {
    use rustls::{CertificateError as C, Error as R};
    match e {
        R::InvalidCertificate(
            C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension,
        )
        | R::InvalidCertificate(C::Other(_)) => (
            format!(
                "the server's certificate is not trusted ({e}): if this server uses a private certificate authority, set ca_file for it in agent.toml; otherwise ask the server's administrator to install a certificate from a public authority"
            ),
            false,
        ),
        R::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => (
            format!(
                "the server's certificate is out of date ({e}): check that this device's date and time are right; if they are, ask the server's administrator to renew the certificate"
            ),
            false,
        ),
        R::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => (
            format!(
                "the server's certificate is for another name ({e}): check the url in agent.toml, or ask the server's administrator for a certificate with this name"
            ),
            false,
        ),
        R::InvalidCertificate(_) | R::NoCertificatesPresented => (
            format!(
                "the server's certificate was refused ({e}): ask the server's administrator to check it, or set ca_file in agent.toml if it comes from a private certificate authority"
            ),
            false,
        ),
        // The platform verifier found no certificate authority on this
        // machine (Linux without a CA bundle): nothing was sent.
        R::General(m) if m.contains("No CA certificates") => (
            format!(
                "this machine has no trusted certificate authorities ({m}): install the system's CA certificates (Debian: apt-get install ca-certificates), or set ca_file for this server in agent.toml"
            ),
            false,
        ),
        // Before any request byte: the handshake could not agree.
        R::PeerIncompatible(_)
        | R::InappropriateHandshakeMessage { .. }
        | R::AlertReceived(_)
        | R::HandshakeNotComplete => (
            format!(
                "the secure connection could not be set up (TLS handshake failed: {e}): check that the url is the server's https address and that the server accepts TLS 1.2 or 1.3"
            ),
            false,
        ),
        // Anything else can also happen after the request was written.
        _ => (format!("the secure connection failed ({e})"), true),
    }
}

/// The rustls error inside a ureq error, if there is one: a handshake
/// failure comes as an I/O error that wraps it.
fn rustls_error(e: &ureq::Error) -> Option<&rustls::Error> {
    match e {
        ureq::Error::Rustls(r) => Some(r),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

fn classify(e: ureq::Error) -> TransportError {
    use ureq::Error as E;
    use ureq::Timeout as T;
    if let Some(r) = rustls_error(&e) {
        let (message, maybe_sent) = tls_problem(r);
        return TransportError {
            kind: TransportErrorKind::Tls,
            maybe_sent,
            message,
        };
    }
    let (kind, maybe_sent) = match &e {
        E::HostNotFound | E::ConnectionFailed => (TransportErrorKind::Unreachable, false),
        E::Timeout(T::Resolve | T::Connect) => (TransportErrorKind::Unreachable, false),
        E::Timeout(_) => (TransportErrorKind::Timeout, true),
        E::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::HostUnreachable
            | std::io::ErrorKind::NetworkUnreachable
            | std::io::ErrorKind::AddrNotAvailable => (TransportErrorKind::Unreachable, false),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                (TransportErrorKind::Timeout, true)
            }
            _ => (TransportErrorKind::Broken, true),
        },
        E::Tls(_) | E::Rustls(_) => (TransportErrorKind::Tls, false),
        E::BadUri(_) | E::InvalidProxyUrl => (TransportErrorKind::Other, false),
        _ => (TransportErrorKind::Other, true),
    };
    let words = match kind {
        TransportErrorKind::Unreachable => "the server could not be reached",
        TransportErrorKind::Timeout => "the server did not answer in time",
        TransportErrorKind::Broken => "the connection broke before the answer arrived",
        TransportErrorKind::Tls => "the secure connection failed (certificate or TLS problem)",
        TransportErrorKind::Other => "the request failed",
        TransportErrorKind::NotStarted => "the request was not sent",
    };
    TransportError {
        kind,
        maybe_sent,
        message: format!("{words} ({e})"),
    }
}

impl Transport for UreqTransport {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.send_within(req, None)
    }

    fn send_within(
        &self,
        req: &HttpRequest,
        limit: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(req.method)
            .uri(&req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        // Compressed answers save most of the download on a slow link
        // (DHIS2's import summaries, OpenLMIS reference data).
        if !req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept-encoding"))
        {
            builder = builder.header("Accept-Encoding", "gzip");
        }
        let built = |e: ureq::http::Error| TransportError {
            kind: TransportErrorKind::Other,
            maybe_sent: false,
            message: format!("the request could not be built: {e}"),
        };
        // The whole exchange, body included, ends within the configured
        // time (the client's own per-call timeout) and within what is left
        // of the pass: a server that answers slowly, or drips its answer,
        // cannot hold a pass past its budget.
        let agent = self.agent_for(&req.url);
        // A request without a body (GET, DELETE) goes without one: no
        // `content-length: 0` line (19 bytes a request on a metered link).
        let mut resp = if req.body.is_empty() && matches!(req.method, "GET" | "HEAD" | "DELETE") {
            run_within(agent, builder.body(()).map_err(built)?, limit)
        } else {
            run_within(agent, builder.body(req.body.clone()).map_err(built)?, limit)
        }
        .map_err(classify)?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut raw = Vec::new();
        let reader = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES + 1)
            .reader();
        use std::io::Read;
        if let Err(e) = reader.take(MAX_RESPONSE_BYTES + 1).read_to_end(&mut raw) {
            return Err(TransportError {
                kind: TransportErrorKind::Broken,
                maybe_sent: true,
                message: format!("the answer was cut off ({e})"),
            });
        }
        let wire_bytes = raw.len() as u64;
        let gzipped = headers
            .iter()
            .any(|(k, v)| k == "content-encoding" && v.trim().eq_ignore_ascii_case("gzip"));
        let mut body = if gzipped {
            // Inflated here, not by ureq, so that data use counts the bytes
            // that travelled. Capped like a plain answer.
            let mut out = Vec::new();
            let decoder = flate2::read::MultiGzDecoder::new(&raw[..]);
            if let Err(e) = decoder.take(MAX_RESPONSE_BYTES + 1).read_to_end(&mut out) {
                return Err(TransportError {
                    kind: TransportErrorKind::Broken,
                    maybe_sent: true,
                    message: format!("the compressed answer could not be read ({e})"),
                });
            }
            out
        } else {
            raw
        };
        let truncated = body.len() as u64 > MAX_RESPONSE_BYTES;
        if truncated {
            body.truncate(MAX_RESPONSE_BYTES as usize);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            truncated,
            wire_bytes,
        })
    }
}

/// Runs `request`, within `limit` when one is given.
fn run_within<B: ureq::AsSendBody>(
    agent: &ureq::Agent,
    request: ureq::http::Request<B>,
    limit: Option<Duration>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    match limit {
        Some(l) => agent.run(
            agent
                .configure_request(request)
                .timeout_global(Some(l))
                .build(),
        ),
        None => agent.run(request),
    }
}

/// What an answer that is not the server's own looks like, in plain words:
/// "a web page", "a redirect to …", "an empty answer"... Used when an
/// answer does not have the shape the server's contract gives, which is
/// what a captive portal, a hotspot login page or a proxy sends.
pub fn foreign_answer(r: &HttpResponse) -> String {
    let head = r.body.iter().find(|b| !b.is_ascii_whitespace());
    let html = r
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || head == Some(&b'<');
    let what = if (300..400).contains(&r.status) {
        match r.header("location") {
            // Only where it leads, not its query (it may carry a session).
            Some(l) => format!(
                "a redirect to {}",
                l.split(['?', '#'])
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect::<String>()
            ),
            None => "a redirect".to_string(),
        }
    } else if r.truncated {
        format!("an answer larger than {} MiB", MAX_RESPONSE_BYTES >> 20)
    } else if html {
        "a web page (a hotspot or proxy login page?)".to_string()
    } else if r.body.is_empty() {
        "an empty answer".to_string()
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(&r.body).is_err() {
        "an answer that is not JSON".to_string()
    } else {
        "an answer of the wrong shape".to_string()
    };
    format!("{what} (HTTP {})", r.status)
}

/// `Authorization: Basic ...` for a username and password.
pub fn basic_auth(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64(format!("{username}:{password}").as_bytes())
    )
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What a query value keeps as it is: RFC 3986's unreserved characters.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query parameter value.
pub fn encode_query(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(
            basic_auth("user-client", "changeme"),
            "Basic dXNlci1jbGllbnQ6Y2hhbmdlbWU="
        );
    }

    #[test]
    fn query_values_keep_only_unreserved_characters() {
        // RFC 3986 §2.3: ALPHA, DIGIT, "-", ".", "_", "~" stay; every other
        // byte (of the UTF-8 form) is %XX in upper case (§2.1).
        assert_eq!(encode_query("aZ09-._~"), "aZ09-._~");
        assert_eq!(encode_query("a b/c?d=e&f+g"), "a%20b%2Fc%3Fd%3De%26f%2Bg");
        assert_eq!(encode_query("é"), "%C3%A9");
        assert_eq!(encode_query("id,name[*]"), "id%2Cname%5B%2A%5D");
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let r = |v: &str| HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), v.into())],
            body: vec![],
            truncated: false,
            wire_bytes: 0,
        };
        assert_eq!(r("120").retry_after(now), Some(Duration::from_secs(120)));
        assert_eq!(
            r("Sun, 29 Nov 2026 12:01:30 GMT").retry_after(now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(r("soon").retry_after(now), None);
    }

    #[test]
    fn a_refused_connection_was_never_sent() {
        // Bind then drop a listener to get a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = UreqTransport::new(Timeouts {
            connect: Duration::from_secs(2),
            exchange: Duration::from_secs(2),
        });
        let e = t
            .send(&HttpRequest {
                method: "GET",
                url: format!("http://127.0.0.1:{port}/"),
                headers: vec![],
                body: vec![],
            })
            .unwrap_err();
        assert_eq!(
            (e.kind, e.maybe_sent),
            (TransportErrorKind::Unreachable, false),
            "{e}"
        );
    }

    /// A CA the agent does not know and a certificate for 127.0.0.1 signed by it.
    fn private_ca() -> (String, rcgen::Certificate, rcgen::KeyPair) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Test Ministry of Health CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        (ca_cert.pem(), cert, key)
    }

    /// An HTTPS server on 127.0.0.1 answering `ok` to each of `connections`
    /// connections (a failed handshake counts as one).
    fn tls_server(
        cert: &rcgen::Certificate,
        key: &rcgen::KeyPair,
        connections: usize,
    ) -> (u16, std::thread::JoinHandle<()>) {
        use std::io::{Read, Write};
        use std::sync::Arc;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            for _ in 0..connections {
                let Ok((mut tcp, _)) = listener.accept() else {
                    return;
                };
                tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                let mut got = Vec::new();
                let mut buf = [0u8; 1024];
                // Until the end of the request head; a refused handshake ends it.
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                if got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let _ = tls.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    );
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            }
        });
        (port, handle)
    }

    fn get(t: &UreqTransport, url: &str) -> Result<HttpResponse, TransportError> {
        t.send(&HttpRequest {
            method: "GET",
            url: url.into(),
            headers: vec![],
            body: vec![],
        })
    }

    #[test]
    fn an_untrusted_certificate_is_a_tls_problem_not_sent_and_says_what_to_do() {
        let (_, cert, key) = private_ca();
        let (port, server) = tls_server(&cert, &key, 1);
        let t = UreqTransport::new(Timeouts::from_secs(Some(5), Some(10)));
        let e = get(&t, &format!("https://127.0.0.1:{port}/api/ping")).unwrap_err();
        assert_eq!(e.kind, TransportErrorKind::Tls, "{e}");
        assert!(!e.maybe_sent, "{e}");
        assert!(
            e.message
                .starts_with("the server's certificate is not trusted")
                && e.message.contains("set ca_file for it in agent.toml"),
            "{e}"
        );
        server.join().unwrap();
    }

    #[test]
    fn a_private_ca_in_ca_file_is_trusted_for_its_destination_only() {
        let (ca_pem, cert, key) = private_ca();
        let (port, server) = tls_server(&cert, &key, 2);
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("moh-ca.pem");
        std::fs::write(&ca_file, &ca_pem).unwrap();
        let base = format!("https://127.0.0.1:{port}/lmis");
        let t = UreqTransport::with_endpoints(
            Timeouts::from_secs(Some(5), Some(10)),
            &[Endpoint {
                base_url: base.clone(),
                timeouts: Timeouts::from_secs(Some(5), Some(10)),
                extra_roots: Some(ExtraRoots::from_pem_file(&ca_file).unwrap()),
            }],
        );
        let r = get(&t, &format!("{base}/api/facilities")).unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
        // Another path on the same server is not that destination.
        let e = get(&t, &format!("https://127.0.0.1:{port}/other")).unwrap_err();
        assert_eq!(e.kind, TransportErrorKind::Tls, "{e}");
        server.join().unwrap();
    }

    /// The platform verifier is the default: a CA the system's store holds
    /// (here SSL_CERT_FILE, which the Linux store honours; on Android the
    /// device's store) is trusted with no ca_file. Run in a child process
    /// of this test binary, so the variable touches no other test.
    #[test]
    fn a_ca_in_the_system_store_is_trusted_without_a_ca_file() {
        // The harness names a test by its module path without the crate.
        let name = format!(
            "{}::a_ca_in_the_system_store_is_trusted_without_a_ca_file",
            module_path!().split_once("::").map_or("", |p| p.1)
        );
        let name = name.as_str();
        if let Ok(port) = std::env::var("AGENT_TEST_SYSTEM_STORE_PORT") {
            let t = UreqTransport::new(Timeouts::from_secs(Some(5), Some(10)));
            let r = get(&t, &format!("https://127.0.0.1:{port}/api/ping"));
            let r = r.unwrap_or_else(|e| panic!("not trusted through the system store: {e}"));
            assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
            println!("TRUSTED THROUGH THE SYSTEM STORE");
            return;
        }
        let (ca_pem, cert, key) = private_ca();
        let (port, server) = tls_server(&cert, &key, 1);
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("system-store.pem");
        std::fs::write(&store, &ca_pem).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture", "--test-threads=1"])
            .env("AGENT_TEST_SYSTEM_STORE_PORT", port.to_string())
            .env("SSL_CERT_FILE", &store)
            .env("SSL_CERT_DIR", dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("TRUSTED THROUGH THE SYSTEM STORE"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.join().unwrap();
    }

    /// A machine with no CA bundle at all (SSL_CERT_FILE empty, in a child
    /// process): a TLS error that says what to install, not "maybe sent".
    #[test]
    fn no_system_store_at_all_is_a_plain_tls_error_never_sent() {
        // The harness names a test by its module path without the crate.
        let name = format!(
            "{}::no_system_store_at_all_is_a_plain_tls_error_never_sent",
            module_path!().split_once("::").map_or("", |p| p.1)
        );
        let name = name.as_str();
        if let Ok(port) = std::env::var("AGENT_TEST_EMPTY_STORE_PORT") {
            let t = UreqTransport::new(Timeouts::from_secs(Some(5), Some(10)));
            let e = get(&t, &format!("https://127.0.0.1:{port}/")).unwrap_err();
            assert_eq!(
                (e.kind, e.maybe_sent),
                (TransportErrorKind::Tls, false),
                "{e}"
            );
            assert!(
                e.message.contains("no trusted certificate authorities")
                    && e.message.contains("ca-certificates"),
                "{e}"
            );
            println!("PLAIN TLS ERROR");
            return;
        }
        // The client builds its TLS settings once connected.
        let (_, cert, key) = private_ca();
        let (port, server) = tls_server(&cert, &key, 1);
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture", "--test-threads=1"])
            .env("AGENT_TEST_EMPTY_STORE_PORT", port.to_string())
            .env("SSL_CERT_FILE", &empty)
            .env("SSL_CERT_DIR", dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("PLAIN TLS ERROR"),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.join().unwrap();
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused_plainly() {
        let e = ExtraRoots::from_pem(b"just some text\n").unwrap_err();
        assert!(e.contains("holds no certificate"), "{e}");
        assert!(covers("https://a.org/", "https://a.org/api"));
        assert!(covers("https://a.org", "https://A.org"));
        assert!(!covers("https://a.org", "https://a.org.evil.net/api"));
        assert!(!covers("https://a.org/lmis", "https://a.org/lmisx"));
    }

    /// Timeouts near 2^63 seconds overflowed the client's deadline
    /// arithmetic: a panic in the middle of a delivery.
    #[test]
    fn huge_timeouts_are_held_within_bounds_never_a_panic() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        for t in [
            Timeouts {
                connect: Duration::MAX,
                exchange: Duration::MAX,
            },
            Timeouts {
                connect: Duration::from_secs(u64::MAX / 2),
                exchange: Duration::from_secs(i64::MAX as u64),
            },
            Timeouts::from_secs(Some(u64::MAX), Some(u64::MAX)),
        ] {
            let e = get(&UreqTransport::new(t), &format!("http://127.0.0.1:{port}/")).unwrap_err();
            assert_eq!(e.kind, TransportErrorKind::Unreachable, "{e}");
        }
    }

    /// The request head a server on 127.0.0.1 receives for `req`.
    fn head_received(method: &'static str, body: &[u8]) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/api/x", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .unwrap();
            String::from_utf8_lossy(&got).to_ascii_lowercase()
        });
        let t = UreqTransport::new(Timeouts::default());
        let r = t
            .send(&HttpRequest {
                method,
                url,
                headers: vec![("Accept".into(), "application/json".into())],
                body: body.to_vec(),
            })
            .unwrap();
        assert_eq!(r.body, b"ok");
        server.join().unwrap()
    }

    /// Issue 14: a GET carries no `content-length: 0` line (bytes on a
    /// metered link); a POST still states its body's length.
    #[test]
    fn a_request_without_a_body_carries_no_content_length() {
        let get = head_received("GET", b"");
        assert!(get.starts_with("get /api/x http/1.1\r\n"), "{get}");
        assert!(!get.contains("content-length"), "{get}");
        let post = head_received("POST", b"{}");
        assert!(post.contains("content-length: 2\r\n"), "{post}");
    }

    #[test]
    fn debug_output_hides_header_values() {
        let r = HttpRequest {
            method: "GET",
            url: "http://x".into(),
            headers: vec![("Authorization".into(), basic_auth("u", "secret-pw"))],
            body: vec![],
        };
        let shown = format!("{r:?}");
        assert!(shown.contains("Authorization") && !shown.contains(&basic_auth("u", "secret-pw")));
    }
}
