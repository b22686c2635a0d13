//! The hostile server and the TLS front themselves: each hostile answer is
//! what it claims to be on the wire (read with a raw socket, so no client
//! library smooths anything over), the captive portal answers sign-ins, and
//! the TLS front's certificate is refused by a client that does not know
//! its CA and accepted by one that does.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use sim_servers::faults::{FaultConfig, HostileKind};
use sim_servers::hostile::{self, PORTAL_TITLE, WRONG_SHAPE_BODY};
use sim_servers::http;
use sim_servers::tls::TlsFront;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An answer as it came off the socket.
struct Raw {
    status: u16,
    /// Header lines, names lower-cased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// How many reads the body took.
    body_reads: usize,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the answer until the server closes (every
/// hostile answer closes the connection), at most `max_body` body bytes.
fn raw(port: u16, request: &str, max_body: usize) -> Raw {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let head_end = loop {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "the server closed before the head ended");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut body = buf[head_end + 4..].to_vec();
    let mut body_reads = usize::from(!body.is_empty());
    while body.len() < max_body {
        let n = s.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        body_reads += 1;
        body.extend_from_slice(&chunk[..n]);
    }
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    Raw {
        status,
        headers,
        body,
        body_reads,
    }
}

const GET: &str = "GET /api/v2/stockCardSummaries?programId=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                   Accept: application/json\r\nAccept-Encoding: gzip\r\n\r\n";
const POST: &str = "POST /api/stockEvents HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                    Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

fn one(kind: HostileKind) -> Raw {
    let server = http::serve_hostile(&[kind], 1).unwrap();
    let answer = raw(server.port(), GET, 1 << 20);
    assert_eq!(answer.header("connection"), Some("close"), "{kind:?}");
    let stats = server.stats();
    assert_eq!(stats.hostile_before_commit, 1, "{kind:?}");
    assert_eq!(stats.hostile_by_kind.get(kind.name()), Some(&1), "{kind:?}");
    answer
}

#[test]
fn each_small_hostile_answer_is_what_it_claims() {
    let html = one(HostileKind::Html200);
    assert_eq!(html.status, 200);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(String::from_utf8_lossy(&html.body).contains("<html>"));
    assert!(html.header("content-encoding").is_none(), "not compressed");

    let empty = one(HostileKind::Empty200);
    assert_eq!(empty.status, 200);
    assert_eq!(empty.header("content-length"), Some("0"));
    assert!(empty.body.is_empty());

    let wrong = one(HostileKind::WrongShape200);
    assert_eq!(wrong.status, 200);
    assert!(
        wrong
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let v: serde_json::Value = serde_json::from_slice(&wrong.body).unwrap();
    assert_eq!(v, serde_json::json!({"ok": true}));
    assert_eq!(wrong.body, WRONG_SHAPE_BODY.as_bytes());

    let garbage = one(HostileKind::Garbage200);
    assert_eq!(garbage.status, 200);
    assert_eq!(garbage.body.len(), hostile::GARBAGE_BYTES);
    assert!(std::str::from_utf8(&garbage.body).is_err());
    assert!(serde_json::from_slice::<serde_json::Value>(&garbage.body).is_err());

    let redirect = one(HostileKind::Redirect302);
    assert_eq!(redirect.status, 302);
    assert_eq!(
        redirect.header("location"),
        Some("http://127.0.0.1:1/login")
    );

    for (kind, status, title) in [
        (HostileKind::Html400, 400, "400 Bad Request"),
        (HostileKind::Html404, 404, "404 Not Found"),
        (
            HostileKind::TooLarge413,
            413,
            "413 Request Entity Too Large",
        ),
    ] {
        let page = one(kind);
        assert_eq!(page.status, status);
        assert!(
            page.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        let text = String::from_utf8(page.body).unwrap();
        assert!(text.contains(&format!("<title>{title}</title>")), "{text}");
        assert!(text.contains("nginx"));
    }
}

#[test]
fn a_redirect_points_where_it_is_told() {
    let target = http::serve_hostile(&[HostileKind::WrongShape200], 1).unwrap();
    let location = format!("{}/api/oauth/token", target.url());
    let server = http::serve_hostile_with(FaultConfig {
        hostile: vec![HostileKind::Redirect302],
        rate_hostile: 1.0,
        redirect_location: Some(location.clone()),
        ..FaultConfig::default()
    })
    .unwrap();
    let r = raw(server.port(), POST, 1 << 20);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some(location.as_str()));
    assert_ne!(target.port(), server.port());
}

#[test]
fn a_huge_answer_is_streamed_whole() {
    let server = http::serve_hostile(&[HostileKind::Huge200], 1).unwrap();
    let len = FaultConfig::default().huge_bytes;
    assert_eq!(len, 64 * 1024 * 1024);
    let r = raw(server.port(), GET, usize::MAX);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some(len.to_string().as_str()));
    assert_eq!(r.body.len() as u64, len);
    assert!(r.body.starts_with(b"[{\"id\":"));
    // A client that stops reading early does not hold the server: it can be
    // stopped at once (Drop joins every worker).
    let server2 = http::serve_hostile(&[HostileKind::Huge200], 1).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", server2.port())).unwrap();
    s.write_all(GET.as_bytes()).unwrap();
    let mut first = [0u8; 1024];
    assert!(s.read(&mut first).unwrap() > 0);
    server2.stop();
}

#[test]
fn a_gzip_bomb_is_small_on_the_wire_and_inflates_to_its_size() {
    use std::io::Read as _;
    let size: u64 = 256 * 1024 * 1024;
    let server = http::serve_hostile_with(FaultConfig {
        hostile: vec![HostileKind::GzipBomb200],
        rate_hostile: 1.0,
        gzip_bomb_bytes: size,
        ..FaultConfig::default()
    })
    .unwrap();
    let r = raw(server.port(), GET, usize::MAX);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(
        r.body.len() < 512 * 1024,
        "{} bytes on the wire",
        r.body.len()
    );
    let mut d = flate2::read::MultiGzDecoder::new(&r.body[..]);
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = d.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    assert_eq!(total, size);
    // The default bomb: 1 GiB of zeros in about 1 MiB.
    let default = http::serve_hostile(&[HostileKind::GzipBomb200], 1).unwrap();
    let r = raw(default.port(), GET, usize::MAX);
    assert!(r.body.len() < 2 * 1024 * 1024, "{} bytes", r.body.len());
    let isize = u32::from_le_bytes(r.body[r.body.len() - 4..].try_into().unwrap());
    assert_eq!(u64::from(isize), (1u64 << 30) & 0xffff_ffff);
}

#[test]
fn a_slow_drip_sends_its_body_byte_by_byte_and_ends() {
    let server = http::serve_hostile_with(FaultConfig {
        hostile: vec![HostileKind::SlowDrip],
        rate_hostile: 1.0,
        drip_interval_ms: 40,
        drip_max_secs: 1,
        ..FaultConfig::default()
    })
    .unwrap();
    let r = raw(server.port(), GET, usize::MAX);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("25"));
    assert_eq!(r.body.len(), 25);
    // One byte per write: the body cannot arrive in a few reads.
    assert!(r.body_reads >= 10, "{} reads", r.body_reads);
    // A long drip ends when the server stops, not when the drip does.
    let long = http::serve_hostile(&[HostileKind::SlowDrip], 1).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", long.port())).unwrap();
    s.write_all(GET.as_bytes()).unwrap();
    let mut head = [0u8; 256];
    assert!(s.read(&mut head).unwrap() > 0);
    long.stop();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(rest.len() < 10, "the drip stopped with the server");
}

#[test]
fn hostile_answers_follow_the_path_and_method_filters() {
    let server = http::serve_hostile_with(FaultConfig {
        hostile: vec![HostileKind::Html200],
        rate_hostile: 1.0,
        hostile_path: Some("/api/stockEvents".into()),
        hostile_method: Some("POST".into()),
        ..FaultConfig::default()
    })
    .unwrap();
    // The hostile server's own handler answers 404 JSON where no fault applies.
    assert_eq!(raw(server.port(), GET, 1 << 20).status, 404);
    let post = raw(server.port(), POST, 1 << 20);
    assert_eq!(post.status, 200);
    assert!(
        post.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[test]
fn the_admin_route_switches_hostile_answers_and_the_portal() {
    let server = http::serve_hostile_with(FaultConfig::default()).unwrap();
    let body = r#"{"rate_portal": 1}"#;
    let set = format!(
        "POST /__admin/faults HTTP/1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(raw(server.port(), &set, 1 << 20).status, 200);
    let portal = raw(
        server.port(),
        "POST /api/oauth/token?grant_type=password HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        1 << 20,
    );
    assert_eq!(portal.status, 200);
    assert!(String::from_utf8_lossy(&portal.body).contains(PORTAL_TITLE));
    assert_eq!(server.stats().portal_answers, 1);
    let body = r#"{"hostile": ["wrong_shape_200"], "rate_hostile": 1}"#;
    let set = format!(
        "POST /__admin/faults HTTP/1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let shown = raw(server.port(), &set, 1 << 20);
    assert!(
        String::from_utf8_lossy(&shown.body).contains("\"wrong_shape_200\""),
        "{}",
        String::from_utf8_lossy(&shown.body)
    );
    assert_eq!(
        raw(server.port(), GET, 1 << 20).body,
        WRONG_SHAPE_BODY.as_bytes()
    );
    let bad = r#"{"hostile": ["teapot_418"]}"#;
    let set = format!(
        "POST /__admin/faults HTTP/1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{bad}",
        bad.len()
    );
    assert_eq!(raw(server.port(), &set, 1 << 20).status, 400);
}

fn tls_agent(roots: Option<&TlsFront>) -> ureq::Agent {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    if let Some(front) = roots {
        let ca = Certificate::from_pem(front.ca_pem().as_bytes()).unwrap();
        tls = tls.root_certs(RootCerts::new_with_certs(&[ca]));
    }
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls.build())
        .build()
        .into()
}

#[test]
fn the_tls_front_is_refused_without_its_ca_and_relays_with_it() {
    let backend = http::serve_hostile(&[HostileKind::WrongShape200], 1).unwrap();
    let front = TlsFront::start(backend.addr()).unwrap();
    assert!(front.url().starts_with("https://127.0.0.1:"));
    assert!(front.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));

    // The usual public roots: the certificate's issuer is unknown.
    let err = tls_agent(None)
        .get(&format!("{}/api/me", front.url()))
        .call()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("UnknownIssuer") || text.to_lowercase().contains("issuer"),
        "{text}"
    );
    assert_eq!(backend.stats().requests, 0, "nothing reached the server");

    // Given the CA, the same front relays to the server behind it, by IP
    // and by name.
    for url in [front.url(), front.localhost_url()] {
        let mut r = tls_agent(Some(&front))
            .get(&format!("{url}/api/me"))
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.body_mut().read_to_string().unwrap(), WRONG_SHAPE_BODY);
    }
    assert_eq!(backend.stats().requests, 2);
    // A CA made for another front is not this one's.
    let other = TlsFront::start(backend.addr()).unwrap();
    assert!(
        tls_agent(Some(&other))
            .get(&format!("{}/api/me", front.url()))
            .call()
            .is_err()
    );
    // Both refusals reach the front (counted when their relays end).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while front.handshakes_failed() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(front.handshakes_failed(), 2);
    front.stop();
    other.stop();
}
