//! Bad answers from servers, over real HTTP on 127.0.0.1: HTML error pages
//! from proxies, non-JSON, truncated JSON, a 200 that is not an import
//! summary, unknown fields, a huge body. Each is classified, nothing
//! panics, and the form stays queued with a reason a person can read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::dhis2_basic;
use agent_core::clock::FixedClock;
use agent_core::credentials::StaticCredentials;
use agent_core::dhis2::Dhis2Settings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::SyncBudget;
use agent_core::{Agent, FacilityMap, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use sim_servers::http::{Handler, Response, Server, ServerConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn outcome_of(answer: Response) -> (DeliveryState, String) {
    let answer = Arc::new(answer);
    let handler: Handler = Arc::new(move |_req| (*answer).clone());
    let server = Server::start(ServerConfig::default(), handler).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let forms = FormSet::load_dir(&schemas.join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas.join("facilities/example.json")).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities,
        clock.clone(),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: server.url(),
        batch_max_values: 100,
        batch_max_bytes: 1 << 20,
        gzip: Some(false),
    });
    let month = Period::containing(
        PeriodType::Monthly,
        agent_core::Clock::today(clock.as_ref()),
    )
    .previous();
    let draft = DraftGen::new(1).draft(
        forms.get("chw-monthly").unwrap(),
        "HP-001",
        &month.iso(),
        &BTreeMap::new(),
    );
    let id = agent.submit(&draft, true).unwrap().id;
    let creds = StaticCredentials {
        dhis2: Some(dhis2_basic("district")),
        lmis: None,
    };
    let report = agent
        .sync(SyncBudget::time(Duration::from_secs(20)), &creds, false)
        .unwrap();
    assert_eq!(report.destination(Destination::Dhis2).unwrap().requests, 1);
    let st = agent.status(&id).unwrap();
    let d = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Dhis2)
        .unwrap()
        .clone();
    (d.state, d.last_error.unwrap_or_default())
}

#[test]
fn bad_answers_leave_the_form_queued_with_a_reason() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
    let huge = format!(
        r#"{{"responseType":"ImportSummary","status":"SUCCESS","description":"{}"}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    let cases: Vec<(&str, Response, &str)> = vec![
        (
            "proxy page with 200",
            Response::text(200, "text/html", html),
            "web page instead of DHIS2 data",
        ),
        (
            "not json",
            Response::text(200, "text/plain", "OK"),
            "not DHIS2 JSON",
        ),
        (
            "truncated json",
            Response::text(
                200,
                "application/json",
                r#"{"responseType":"ImportSummary","status":"SUCC"#,
            ),
            "cut off",
        ),
        (
            "a 200 that is not an import summary",
            Response::json(
                200,
                &serde_json::json!({"httpStatus": "OK", "message": "Login successful"}),
            ),
            "not an import summary: Login successful",
        ),
        (
            "a gateway error",
            Response::text(502, "text/html", html),
            "busy or failing (HTTP 502)",
        ),
        (
            "a huge body",
            Response::text(200, "application/json", huge),
            "too large",
        ),
    ];
    for (name, answer, words) in cases {
        let (state, why) = outcome_of(answer);
        assert_eq!(state, DeliveryState::Pending, "{name}");
        assert!(why.contains(words), "{name}: {why}");
    }
}

#[test]
fn unknown_fields_in_an_answer_are_ignored() {
    let answer = Response::json(
        200,
        &serde_json::json!({"httpStatus": "OK", "newTopLevel": [1, 2], "response": {
            "responseType": "ImportSummary", "status": "SUCCESS", "importCount": {"imported": 15, "updated": 0, "ignored": 0, "deleted": 0, "future": 1},
            "somethingNew": {"a": "b"}, "conflicts": []}}),
    );
    let (state, why) = outcome_of(answer);
    assert_eq!(state, DeliveryState::Delivered, "{why}");
}

/// A server answering `body` with these headers to every request; its
/// answers compressed for clients that accept gzip when `gzip_responses`.
fn answering(headers: Vec<(String, String)>, body: Vec<u8>, gzip_responses: bool) -> Server {
    let handler: Handler = Arc::new(move |_req| Response {
        status: 200,
        headers: headers.clone(),
        body: body.clone(),
    });
    Server::start(
        ServerConfig {
            gzip_responses,
            ..ServerConfig::default()
        },
        handler,
    )
    .unwrap()
}

/// A proxy that compresses answers (nginx `gzip on`): the agent asks for it,
/// inflates the answer itself, and counts the compressed bytes as data use;
/// a broken compressed answer is a failed request, not a crash.
#[test]
fn compressed_answers_are_inflated_and_counted_as_they_travelled() {
    use agent_core::http::{
        HttpRequest, HttpResponse, Timeouts, Transport, TransportError, UreqTransport,
    };
    // A real import summary (contract fixture).
    let summary = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../agent-core/tests/fixtures/dhis2/data_value_set_success.json"),
    )
    .unwrap();
    let json = || vec![("Content-Type".to_string(), "application/json".to_string())];
    let t = UreqTransport::new(Timeouts::default());
    let get = |server: &Server, accept: Option<&str>| -> Result<HttpResponse, TransportError> {
        let headers = accept
            .map(|a| vec![("Accept-Encoding".to_string(), a.to_string())])
            .unwrap_or_default();
        t.send(&HttpRequest {
            method: "GET",
            url: format!("{}/api/x", server.url()),
            headers,
            body: vec![],
        })
    };
    let gzipping = answering(json(), summary.clone(), true);
    // By default the agent accepts gzip: the body arrives inflated, the wire
    // bytes are the compressed ones.
    let r = get(&gzipping, None).unwrap();
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.body, summary);
    assert!(
        r.wire_bytes < summary.len() as u64,
        "{} compressed vs {} plain",
        r.wire_bytes,
        summary.len()
    );
    // A client that does not accept it gets the plain body.
    let r = get(&gzipping, Some("identity")).unwrap();
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.wire_bytes, summary.len() as u64);
    // A server with no compressing proxy (`--plain-answers`) answers plain.
    let plain = answering(json(), summary.clone(), false);
    let r = get(&plain, None).unwrap();
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(
        (r.body.len() as u64, r.wire_bytes),
        (summary.len() as u64, summary.len() as u64)
    );
    // A body labelled gzip that is not: a broken answer, in words.
    let mut labelled = json();
    labelled.push(("Content-Encoding".to_string(), "gzip".to_string()));
    let bad = answering(
        labelled,
        b"{\"status\":\"SUCCESS\"} this is not gzip".to_vec(),
        true,
    );
    let e = get(&bad, None).unwrap_err();
    assert!(e.message.contains("compressed answer"), "{}", e.message);
    assert!(e.maybe_sent);
}
