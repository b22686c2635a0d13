//! The HTTP transport, behind a small trait so that the sync engine can be
//! driven by a real client (ureq) or by anything else that moves bytes.
//!
//! A transport failure says whether the request may have reached the server
//! (`maybe_sent`): a refused connection never did, a timeout while waiting
//! for the answer may have. That one bit decides whether a resend needs a
//! look-up first (the LMIS) or not (DHIS2 upserts).

use chrono::{DateTime, Utc};
use std::time::Duration;

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
        Timeouts {
            connect: Duration::from_secs(20),
            exchange: Duration::from_secs(120),
        }
    }
}

/// The real client: ureq with rustls; TLS verification on; no redirects
/// (a redirect would resend a POST body to a place nobody configured).
pub struct UreqTransport {
    agent: ureq::Agent,
    exchange: Duration,
}

impl std::fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UreqTransport")
    }
}

impl UreqTransport {
    /// A client with these timeouts and the agent's User-Agent.
    pub fn new(timeouts: Timeouts) -> UreqTransport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(crate::AGENT_NAME)
            .timeout_connect(Some(timeouts.connect))
            .timeout_per_call(Some(timeouts.exchange))
            .build();
        UreqTransport {
            agent: config.into(),
            exchange: timeouts.exchange,
        }
    }
}

fn classify(e: ureq::Error) -> TransportError {
    use ureq::Error as E;
    use ureq::Timeout as T;
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
        let request = builder.body(req.body.clone()).map_err(|e| TransportError {
            kind: TransportErrorKind::Other,
            maybe_sent: false,
            message: format!("the request could not be built: {e}"),
        })?;
        // The whole exchange, body included, ends within the configured
        // time and within what is left of the pass: a server that answers
        // slowly, or drips its answer, cannot hold a pass past its budget.
        let whole = limit.map_or(self.exchange, |l| l.min(self.exchange));
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(whole))
            .build();
        let mut resp = self.agent.run(request).map_err(classify)?;
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
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Percent-encodes a query parameter value.
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
