//! The engine with a scripted transport: leases, holds, backoff, cancel,
//! in-flight recovery. The DHIS2 answers are the contract's shapes; the
//! end-to-end tests in `tests/` run the same paths against a real server.

use super::*;
use crate::agent::Agent;
use crate::clock::FixedClock;
use crate::credentials::StaticCredentials;
use crate::model::draft::Draft;
use crate::model::form::FormSet;
use crate::net::http::{HttpResponse, TransportErrorKind};
use crate::routes::dhis2::route::Dhis2Settings;
use crate::store::time::Time;
use chrono::TimeZone;
use rusqlite::params;
use std::path::Path;
use std::sync::{Arc, Mutex};

type Script = Box<dyn Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync>;

struct Scripted {
    script: Mutex<Script>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Scripted {
    fn new(
        f: impl Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync + 'static,
    ) -> Arc<Scripted> {
        Arc::new(Scripted {
            script: Mutex::new(Box::new(f)),
            seen: Mutex::new(vec![]),
        })
    }
    fn set(
        &self,
        f: impl Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync + 'static,
    ) {
        // A script that panicked (a test of panics) poisoned the lock.
        *self.script.lock().unwrap_or_else(|p| p.into_inner()) = Box::new(f);
    }
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Transport for Scripted {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(req.clone());
        (self.script.lock().unwrap_or_else(|p| p.into_inner()))(req)
    }
}

fn answer(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        headers: vec![],
        body: body.as_bytes().to_vec(),
        truncated: false,
        wire_bytes: body.len() as u64,
    })
}

fn success() -> Result<HttpResponse, TransportError> {
    answer(
        200,
        r#"{"httpStatus":"OK","httpStatusCode":200,"status":"OK","response":{"responseType":"ImportSummary","status":"SUCCESS","importCount":{"imported":3,"updated":0,"ignored":0,"deleted":0},"conflicts":[]}}"#,
    )
}

struct World {
    _dir: tempfile::TempDir,
    agent: Agent,
    clock: Arc<FixedClock>,
    transport: Arc<Scripted>,
    creds: StaticCredentials,
}

fn world(forms_per_batch: usize, transport: Arc<Scripted>) -> World {
    world_gzip(forms_per_batch, transport, Some(false))
}

fn world_gzip(forms_per_batch: usize, transport: Arc<Scripted>, gzip: Option<bool>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let forms = FormSet::load_dir(&schemas.join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas.join("facilities/example.json")).unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap(),
    ));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms,
        facilities,
        clock.clone(),
    )
    .unwrap()
    .with_transport(transport.clone())
    .with_dhis2(Dhis2Settings {
        url: "http://dhis2.invalid".into(),
        batch_max_values: 15 * forms_per_batch, // A CHW form has 15 values.
        batch_max_bytes: 1 << 20,
        gzip,
    });
    let creds = StaticCredentials {
        dhis2: Some(Credentials::Basic {
            username: "admin".into(),
            password: "district".into(),
        }),
        lmis: None,
    };
    World {
        _dir: dir,
        agent,
        clock,
        transport,
        creds,
    }
}

fn example_draft(facility: &str, period: &str) -> Draft {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/examples/draft-chw-valid.json");
    let mut d: Draft = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    d.facility = facility.into();
    d.period = period.into();
    d
}

impl World {
    fn record(&self, facility: &str, period: &str) -> String {
        self.agent
            .submit(&example_draft(facility, period), true)
            .unwrap()
            .id
    }
    fn sync(&self) -> SyncReport {
        self.agent
            .sync(
                SyncBudget::time(Duration::from_secs(30)),
                &self.creds,
                false,
            )
            .unwrap()
    }
    fn dhis2_state(&self, id: &str) -> DeliveryState {
        self.agent
            .status(id)
            .unwrap()
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Dhis2)
            .unwrap()
            .state
    }
}

#[test]
fn a_form_is_delivered_and_the_lmis_part_waits() {
    let w = world(10, Scripted::new(|_| success()));
    let id = w.record("HP-001", "2026-10");
    let r = w.sync();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(
        d.delivered,
        vec![ItemRef {
            id: id.clone(),
            revision: 1
        }]
    );
    assert_eq!((d.requests, d.queued), (1, 0));
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
    // The LMIS part is untouched and the pass does not claim to be done.
    let l = r.destination(Destination::Lmis).unwrap();
    assert_eq!((l.queued, l.requests), (1, 0));
    assert!(!r.done);
    let req = w.transport.seen.lock().unwrap()[0].clone();
    assert_eq!(req.url, "http://dhis2.invalid/api/dataValueSets");
    assert!(
        req.headers
            .iter()
            .any(|(k, v)| k == "Authorization" && v.starts_with("Basic "))
    );
    let detail = w.agent.inspect(&id).unwrap();
    assert!(detail.audit.iter().any(|a| a.event == "delivered"));
    // Every payload sent and every answer is kept, without credentials.
    assert_eq!(detail.exchanges.len(), 1);
    let e = &detail.exchanges[0];
    assert_eq!(
        (e.request.as_str(), e.status),
        ("POST http://dhis2.invalid/api/dataValueSets", Some(200))
    );
    assert!(e.request_body.as_deref().unwrap().contains("\"dataSet\""));
    // What it cost is metered per destination and shown with the outbox health.
    let h = w.agent.health().unwrap();
    let u = h
        .data_use
        .iter()
        .find(|u| u.destination == Some(Destination::Dhis2))
        .unwrap();
    assert_eq!((u.passes, u.requests, u.delivered), (1, 1, 1));
    assert_eq!(u.bytes_sent, req.body.len() as u64);
    assert!(u.bytes_received > 0 && u.bytes_last_pass == u.bytes_sent + u.bytes_received);
    assert_eq!(u.bytes_last_30_days, u.bytes_last_pass);
    let l = h
        .data_use
        .iter()
        .find(|u| u.destination == Some(Destination::Lmis))
        .unwrap();
    assert_eq!((l.requests, l.bytes_sent), (0, 0));
    let all = serde_json::to_string(&detail).unwrap();
    assert!(
        !all.contains("district") && !all.contains("Basic "),
        "no secret in what inspect shows"
    );
}

#[test]
fn refused_credentials_hold_the_destination_without_a_retry_storm() {
    let w = world(
        1,
        Scripted::new(|_| answer(401, r#"{"httpStatus":"Unauthorized","status":"ERROR"}"#)),
    );
    let a = w.record("HP-001", "2026-10");
    w.record("HP-002", "2026-10");
    let r = w.sync();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(d.requests, 1, "one refusal stops the destination");
    assert!(d.held.as_deref().unwrap().contains("refused the username"));
    assert_eq!(w.dhis2_state(&a), DeliveryState::Pending);
    // Later passes send nothing until the user gives new credentials.
    w.clock.advance(chrono::Duration::hours(5));
    let r = w.sync();
    assert_eq!(w.transport.count(), 1);
    assert!(r.destination(Destination::Dhis2).unwrap().held.is_some());
    w.transport.set(|_| success());
    let r = w
        .agent
        .sync(SyncBudget::time(Duration::from_secs(30)), &w.creds, true)
        .unwrap();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        2
    );
}

#[test]
fn transient_failures_back_off_with_jitter_and_honour_retry_after() {
    let t = Scripted::new(|_| {
        Ok(HttpResponse {
            status: 503,
            headers: vec![("retry-after".into(), "600".into())],
            body: b"<html>busy</html>".to_vec(),
            truncated: false,
            wire_bytes: 17,
        })
    });
    let w = world(1, t);
    let id = w.record("HP-001", "2026-10");
    w.record("HP-002", "2026-10");
    let r = w.sync();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(
        d.requests, 1,
        "a failing destination is not hammered in the same pass"
    );
    let next = d.next_attempt_at.unwrap();
    assert!(
        next >= w.clock.now() + chrono::Duration::seconds(600),
        "Retry-After honoured: {next}"
    );
    assert!(r.call_again_at.is_some());
    assert_eq!(w.dhis2_state(&id), DeliveryState::Pending);
    // Before the time, nothing is sent.
    w.clock.advance(chrono::Duration::seconds(300));
    w.sync();
    assert_eq!(w.transport.count(), 1);
    // After it, the server is back.
    w.transport.set(|_| success());
    w.clock.set(next + chrono::Duration::seconds(1));
    let r = w.sync();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        2
    );
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
}

#[test]
fn a_network_change_forgets_our_backoff_but_not_a_servers_retry_after() {
    // A 503 with Retry-After: 600 (the server's own time), then the phone
    // changes network 60 s later: the server is still busy for 540 s.
    let busy = |_: &HttpRequest| {
        Ok(HttpResponse {
            status: 503,
            headers: vec![("retry-after".into(), "600".into())],
            body: b"<html>busy</html>".to_vec(),
            truncated: false,
            wire_bytes: 17,
        })
    };
    let w = world(1, Scripted::new(busy));
    let id = w.record("HP-001", "2026-10");
    let start = w.clock.now();
    w.sync();
    assert_eq!(w.transport.count(), 1);
    w.clock.advance(chrono::Duration::seconds(60));
    w.agent.network_available().unwrap();
    let r = w.sync();
    assert_eq!(
        w.transport.count(),
        1,
        "no request before the server's Retry-After, network change or not"
    );
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(
        d.next_attempt_at,
        Some(start + chrono::Duration::seconds(600)),
        "the wait ends at the server's time (our jitter is forgotten)"
    );
    // Once that time has passed, a network change makes it due at once.
    w.transport.set(|_| success());
    w.clock.set(start + chrono::Duration::seconds(601));
    w.agent.network_available().unwrap();
    w.sync();
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);

    // Our own backoff (a timeout, no Retry-After) is forgotten at once.
    let id2 = w.record("HP-002", "2026-10");
    w.transport.set(|_| {
        Err(TransportError {
            kind: TransportErrorKind::Timeout,
            maybe_sent: false,
            message: "no answer".into(),
        })
    });
    w.sync();
    let sent = w.transport.count();
    w.transport.set(|_| success());
    w.agent.network_available().unwrap();
    w.sync();
    assert_eq!(w.transport.count(), sent + 1, "tried again at once");
    assert_eq!(w.dhis2_state(&id2), DeliveryState::Delivered);
}

#[test]
fn a_request_with_an_unknown_outcome_is_resent() {
    let t = Scripted::new(|_| {
        Err(TransportError {
            kind: TransportErrorKind::Timeout,
            maybe_sent: true,
            message: "no answer".into(),
        })
    });
    let w = world(1, t);
    let id = w.record("HP-001", "2026-10");
    let r = w.sync();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().failures,
        vec!["no answer".to_string()]
    );
    let st = w.agent.status(&id).unwrap();
    let d = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Dhis2)
        .unwrap();
    assert_eq!((d.state, d.attempts), (DeliveryState::Pending, 1));
    assert!(d.last_error.as_deref().unwrap().contains("will retry"));
    assert_eq!(
        d.last_error_kind,
        Some(crate::model::delivery::LastErrorKind::Failed)
    );
    // The next pass waits: its note says so, typed.
    let waiting = w.sync();
    let dr = waiting.destination(Destination::Dhis2).unwrap();
    assert_eq!(
        dr.note_kind,
        Some(crate::model::delivery::NoteKind::BackingOff),
        "{dr:?}"
    );
    w.transport.set(|_| success());
    w.clock.advance(chrono::Duration::hours(2));
    w.sync();
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
}

#[test]
fn a_pass_killed_mid_request_is_resumed_after_its_lease_expires() {
    let w = world(1, Scripted::new(|_| success()));
    let id = w.record("HP-001", "2026-10");
    // What a killed process leaves behind: the row in flight, the lease taken.
    {
        let conn = Connection::open(w.agent.database_path()).unwrap();
        conn.execute(
            "UPDATE deliveries SET state = 'in_flight', attempts = 1 WHERE destination = 'dhis2'",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sync_lease (name, holder, expires_at) VALUES ('sync', 'dead-process', ?1)",
            [Time(w.clock.now() + chrono::Duration::seconds(90))],
        )
        .unwrap();
    }
    let e = w
        .agent
        .sync(SyncBudget::time(Duration::from_secs(5)), &w.creds, false)
        .unwrap_err();
    assert!(matches!(e, crate::AgentError::Busy { .. }), "{e:?}");
    assert_eq!(w.transport.count(), 0);
    w.clock.advance(chrono::Duration::seconds(91));
    let r = w.sync();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        1
    );
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
}

#[test]
fn a_pass_can_be_cancelled_from_another_thread_between_requests() {
    let started = Arc::new(std::sync::Barrier::new(2));
    let go = started.clone();
    let first = Arc::new(AtomicBool::new(true));
    let t = Scripted::new(move |_| {
        if first.swap(false, Ordering::SeqCst) {
            go.wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        success()
    });
    let w = Arc::new(world(1, t));
    for f in ["HP-001", "HP-002", "HP-003"] {
        w.record(f, "2026-10");
    }
    let w2 = w.clone();
    let syncing = std::thread::spawn(move || w2.sync());
    started.wait(); // The first request is in progress.
    w.agent.cancel_sync();
    let r = syncing.join().unwrap();
    assert!(r.cancelled);
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!((d.requests, d.delivered.len(), d.queued), (1, 1, 2));
    assert!(!r.done);
}

#[test]
fn forms_are_batched_and_a_refused_value_is_shown_per_field() {
    let t = Scripted::new(|req| {
        if req.url.ends_with("/api/completeDataSetRegistrations") {
            return success();
        }
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let n = body["dataValues"].as_array().unwrap().len();
        assert_eq!(n, 30, "two forms in one request");
        let idx = n / 2 + 3;
        answer(
            409,
            &format!(
                r#"{{"httpStatus":"Conflict","httpStatusCode":409,"status":"WARNING","response":{{"responseType":"ImportSummary","status":"WARNING",
                "importCount":{{"imported":{},"updated":0,"ignored":1,"deleted":0}},
                "conflicts":[{{"object":"x","objects":{{}},"value":"Data value is not a positive integer","errorCode":"E7619","property":"value","indexes":[{idx}]}}]}}}}"#,
                n - 1
            ),
        )
    });
    let w = world(2, t);
    let a = w.record("HP-001", "2026-10");
    let b = w.record("HP-002", "2026-10");
    let r = w.sync();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(d.requests, 2, "one values request, one completion request");
    assert_eq!(
        d.delivered,
        vec![ItemRef {
            id: a.clone(),
            revision: 1
        }]
    );
    assert_eq!(d.rejected.len(), 1);
    assert_eq!(d.rejected[0].id, b);
    assert!(!d.rejected[0].whole);
    let st = w.agent.status(&b).unwrap();
    let dest = st
        .destinations
        .iter()
        .find(|x| x.destination == Destination::Dhis2)
        .unwrap();
    assert_eq!(dest.state, DeliveryState::Rejected);
    assert_eq!(
        dest.last_error_kind,
        Some(crate::model::delivery::LastErrorKind::Rejected)
    );
    assert_eq!(dest.problems[0].code.as_deref(), Some("E7619"));
    assert!(dest.problems[0].field.starts_with("service."));
    assert!(
        dest.last_error
            .as_deref()
            .unwrap()
            .contains("the others were stored")
    );
}

#[test]
fn a_refused_form_can_be_sent_again_once_the_cause_is_fixed() {
    let locked = r#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"ERROR","response":{"responseType":"ImportSummary","status":"ERROR",
        "importCount":{"imported":0,"updated":0,"ignored":15,"deleted":0},
        "conflicts":[{"objects":{"args":"x"},"value":"Untimely data entry","errorCode":"E8030","indexes":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14]}]}}"#;
    let w = world(1, Scripted::new(move |_| answer(409, locked)));
    let id = w.record("HP-001", "2026-10");
    w.sync();
    assert_eq!(w.dhis2_state(&id), DeliveryState::Rejected);
    // Refused forms are not retried on their own.
    w.clock.advance(chrono::Duration::days(2));
    w.sync();
    assert_eq!(w.transport.count(), 1);
    // The district opens the period; the user sends it again.
    w.transport.set(|_| success());
    assert_eq!(w.agent.resend_rejected(&id).unwrap(), 1);
    w.sync();
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
    assert!(
        w.agent
            .inspect(&id)
            .unwrap()
            .audit
            .iter()
            .any(|a| a.event == "requeued")
    );
}

#[test]
fn the_lease_of_a_process_that_no_longer_exists_is_taken_at_once() {
    let w = world(1, Scripted::new(|_| success()));
    w.record("HP-001", "2026-10");
    let conn = Connection::open(w.agent.database_path()).unwrap();
    // A live holder (this very process, another pass) blocks; a dead one does not.
    let alive = format!("{}:other-pass", std::process::id());
    let until = Time(w.clock.now() + chrono::Duration::seconds(90));
    conn.execute(
        "INSERT INTO sync_lease (name, holder, expires_at) VALUES ('sync', ?1, ?2)",
        params![alive, until],
    )
    .unwrap();
    assert!(matches!(
        w.agent
            .sync(SyncBudget::time(Duration::from_secs(5)), &w.creds, false),
        Err(crate::AgentError::Busy { .. })
    ));
    conn.execute(
        "UPDATE sync_lease SET holder = '4000000000:killed-pass'",
        [],
    )
    .unwrap();
    let r = w.sync();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        1
    );
}

#[test]
fn sign_in_answers_are_logged_without_their_tokens() {
    let answer = br#"{"access_token":"abc123secret","token_type":"bearer","expires_in":1800}"#;
    let logged = String::from_utf8_lossy(&without_tokens(answer)).into_owned();
    assert!(!logged.contains("abc123secret"), "{logged}");
    assert!(logged.contains("bearer"), "{logged}");
    // Other answers are logged as they came.
    assert_eq!(&*without_tokens(br#"{"ok":1}"#), br#"{"ok":1}"#);
    // A token in an answer that is not a JSON object: nothing of it is logged.
    let odd = String::from_utf8_lossy(&without_tokens(b"access_token=xyz789")).into_owned();
    assert!(!odd.contains("xyz789"), "{odd}");
}

#[test]
fn exchanges_older_than_the_retention_are_deleted_and_the_audit_stays() {
    let t = Scripted::new(|_| success());
    let w = world(10, t);
    let submit_and_sync = |facility: &str| {
        let id = w
            .agent
            .submit(&example_draft(facility, "2026-10"), true)
            .unwrap()
            .id;
        w.sync();
        id
    };
    let old = submit_and_sync("HP-001");
    assert_eq!(w.agent.inspect(&old).unwrap().exchanges.len(), 1);
    // 60 days later a second form goes: both exchanges are still kept.
    w.clock.advance(chrono::Duration::days(60));
    let newer = submit_and_sync("HP-002");
    assert_eq!(w.agent.inspect(&old).unwrap().exchanges.len(), 1);
    // 91 days after the first: its exchange is gone, the second's is kept,
    // the audit trail and the data use are whole.
    w.clock.advance(chrono::Duration::days(31));
    w.sync();
    let detail = w.agent.inspect(&old).unwrap();
    assert!(detail.exchanges.is_empty());
    assert!(detail.audit.iter().any(|a| a.event == "delivered"));
    assert_eq!(w.agent.inspect(&newer).unwrap().exchanges.len(), 1);
    let u = w.agent.health().unwrap();
    let d = u
        .data_use
        .iter()
        .find(|u| u.destination == Some(Destination::Dhis2))
        .unwrap();
    assert_eq!(d.delivered, 2);
}

fn html(status: u16) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: b"<html><body>Please sign in to the hotspot</body></html>".to_vec(),
        truncated: false,
        wire_bytes: 55,
    })
}

/// A 4xx that is not DHIS2's own refusal (a proxy's HTML page) holds the
/// destination and keeps the form queued; DHIS2's own 400 (a WebMessage)
/// still refuses the single form it was about. A 413 splits a batch and
/// holds a single form. None of them rejects a form on a proxy's word.
#[test]
fn foreign_refusals_hold_the_destination_and_dhis2_refusals_reject() {
    for (name, answer, held) in [
        ("proxy HTML 400", html(400), true),
        ("proxy HTML 404", html(404), true),
        (
            "proxy 302",
            {
                let mut r = html(302).unwrap();
                r.headers.push((
                    "location".into(),
                    "http://portal.local/login?session=abc".into(),
                ));
                Ok(r)
            },
            true,
        ),
        ("413 for one form", html(413), true),
        (
            "DHIS2's own 400",
            answer(
                400,
                r#"{"httpStatus":"Bad Request","httpStatusCode":400,"status":"ERROR","message":"Invalid period"}"#,
            ),
            false,
        ),
    ] {
        let answer = Arc::new(answer);
        let w = world(1, Scripted::new(move |_| (*answer).clone()));
        let id = w.record("HP-001", "2026-10");
        let r = w.sync();
        let d = r.destination(Destination::Dhis2).unwrap();
        if held {
            assert!(d.held.is_some(), "{name}: {r:?}");
            assert!(d.rejected.is_empty(), "{name}: {r:?}");
            assert_eq!(w.dhis2_state(&id), DeliveryState::Pending, "{name}");
            let why = d.held.clone().unwrap();
            assert!(
                why.contains("instead of it") || why.contains("too large"),
                "{name}: {why}"
            );
            assert!(
                !why.contains("session=abc"),
                "{name}: no query shown: {why}"
            );
        } else {
            assert_eq!(d.held, None, "{name}: {r:?}");
            assert_eq!(w.dhis2_state(&id), DeliveryState::Rejected, "{name}");
        }
    }
}

/// A 413 for a batch of several forms (a proxy's body limit) splits it:
/// its forms are sent again one at a time, and every form is delivered
/// once; nothing is held, nothing refused.
#[test]
fn a_413_for_a_batch_sends_its_forms_one_at_a_time() {
    let t = Scripted::new(|req| {
        if req.url.ends_with("/api/completeDataSetRegistrations") {
            return success();
        }
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        // The proxy lets through at most one form's 15 values.
        match body["dataValues"].as_array().map(Vec::len) {
            Some(n) if n > 15 => html(413),
            _ => success(),
        }
    });
    let w = world(4, t.clone());
    let ids: Vec<String> = ["HP-001", "HP-002", "HP-003", "HP-004"]
        .iter()
        .map(|f| w.record(f, "2026-10"))
        .collect();
    let r = w.sync();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(d.held, None, "{r:?}");
    assert!(d.rejected.is_empty(), "{r:?}");
    let mut delivered: Vec<String> = d.delivered.iter().map(|i| i.id.clone()).collect();
    delivered.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(delivered, want, "every form of the batch, once");
    for id in &ids {
        assert_eq!(w.dhis2_state(id), DeliveryState::Delivered);
    }
    // 4 forms → 413; then each form alone goes through.
    let sizes: Vec<usize> = t
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|q| q.url.ends_with("/api/dataValueSets") || q.url.contains("/api/dataValueSets?"))
        .filter_map(|q| {
            serde_json::from_slice::<serde_json::Value>(&q.body)
                .ok()?
                .get("dataValues")?
                .as_array()
                .map(|a| a.len() / 15)
        })
        .collect();
    assert_eq!(sizes, vec![4, 1, 1, 1, 1], "{sizes:?}");
}

/// A portal answering the gzip probe with a web page does not turn gzip off
/// for good: the probe is made again in the next pass, and DHIS2's own
/// answer decides.
#[test]
fn a_broken_answer_to_the_gzip_probe_is_probed_again() {
    let portal = Arc::new(Mutex::new(true));
    let p = portal.clone();
    let w = world_gzip(
        1,
        Scripted::new(move |_| {
            if *p.lock().unwrap() {
                html(200)
            } else {
                success()
            }
        }),
        None,
    );
    let id = w.record("HP-001", "2026-10");
    let sync = || w.sync();
    sync();
    let probes = || {
        w.transport
            .seen
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.url.contains("dryRun=true"))
            .count()
    };
    assert_eq!(probes(), 1);
    *portal.lock().unwrap() = false;
    w.agent.network_available().unwrap();
    let r = sync();
    assert_eq!(probes(), 2, "probed again after a portal's answer");
    let last = w.transport.seen.lock().unwrap().last().cloned().unwrap();
    assert!(
        last.body.starts_with(&[0x1f, 0x8b]),
        "DHIS2 took the gzip probe: the batch goes compressed"
    );
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        1
    );
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
}

/// A hold placed because something else answered (a hotspot's page) is
/// released when the shell says the network changed.
#[test]
fn an_intercepted_hold_is_released_when_the_network_changes() {
    let w = world(1, Scripted::new(|_| html(403)));
    let id = w.record("HP-001", "2026-10");
    assert!(
        w.sync()
            .destination(Destination::Dhis2)
            .unwrap()
            .held
            .is_some()
    );
    assert!(
        w.sync()
            .destination(Destination::Dhis2)
            .unwrap()
            .held
            .is_some()
    );
    w.transport.set(|_| success());
    w.agent.network_available().unwrap();
    let r = w.sync();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().held,
        None,
        "{r:?}"
    );
    assert_eq!(w.dhis2_state(&id), DeliveryState::Delivered);
}

/// A panic inside a pass (a bug) does not leave the lease held: the next
/// sync runs instead of being refused as busy until the lease expires.
#[test]
fn a_panic_inside_a_pass_releases_the_lease() {
    let w = world(1, Scripted::new(|_| panic!("a bug in the transport")));
    w.record("HP-001", "2026-10");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.sync()));
    std::panic::set_hook(hook);
    assert!(first.is_err(), "the transport panicked");
    w.transport.set(|_| success());
    let r = w
        .agent
        .sync(SyncBudget::time(Duration::from_secs(30)), &w.creds, false)
        .expect("the next sync runs, it is not Busy");
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        1
    );
}

/// The one classification of failure, applied by the engine the same way
/// for either destination: a retry backs off the destination and the item
/// (and marks "look up first" when the request may have been applied), a
/// hold holds the destination with its kind, "not sent" leaves the item due.
#[test]
fn a_failure_is_applied_the_same_way_for_every_destination() {
    let w = world(10, Scripted::new(|_| success()));
    let id = w.record("HP-001", "2026-10");
    let cancel = AtomicBool::new(false);
    let forms = FormSet::default();
    let facilities = FacilityMap::default();
    let mut pass = Pass {
        conn: Connection::open(w.agent.database_path()).unwrap(),
        clock: w.clock.as_ref(),
        transport: w.transport.as_ref(),
        forms: &forms,
        facilities: &facilities,
        cancel: &cancel,
        observer: None,
        deadline: Instant::now() + Duration::from_secs(30),
        requests_left: 10,
        rng: fastrand::Rng::with_seed(7),
        lease_holder: "test".into(),
        lease_until: Instant::now() + Duration::from_secs(30),
        secrets: Vec::new(),
        budget_hit: false,
        held: None,
    };
    let row = || DueRow {
        submission_id: id.clone(),
        revision: 1,
        state: DeliveryState::Pending,
        attempts: 0,
        solo: false,
        form_id: "chw-monthly".into(),
        facility: "HP-001".into(),
        period: "202610".into(),
        content: String::new(),
        recorded_at: w.clock.now(),
        unknown_outcome: false,
    };
    let stored =
        |conn: &Connection, dest: Destination| -> (String, bool, Option<String>, Option<String>) {
            conn.query_row(
                "SELECT state, unknown_outcome, next_attempt_at, last_error FROM deliveries
             WHERE submission_id = ?1 AND destination = ?2",
                params![id, dest.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
        };
    let now = w.clock.now();
    for dest in [Destination::Dhis2, Destination::Lmis] {
        // Retry, maybe applied: backs off, looked up before a resend.
        let mut report = DestinationReport::default();
        let failure = Failure::Retry {
            why: crate::model::delivery::plain_text("no answer"),
            retry_after: Some(Duration::from_secs(600)),
            maybe_sent: true,
        };
        apply_failure(&mut pass, &mut report, dest, &[&row()], failure).unwrap();
        assert_eq!(report.failures, vec!["no answer".to_string()]);
        let (state, unknown, next, error) = stored(&pass.conn, dest);
        assert_eq!((state.as_str(), unknown), ("pending", true));
        let next: Time = next.unwrap().parse().unwrap();
        assert!(
            next.0 >= now + chrono::Duration::seconds(600),
            "{dest:?}: {next:?}"
        );
        assert!(error.unwrap().contains("no answer"));
        let d = destinations::destination_state(&pass.conn, dest).unwrap();
        assert_eq!((d.failures, d.hold), (1, None));
        assert!(d.backoff_until.unwrap() >= now + chrono::Duration::seconds(600));

        // Not sent: due at once, as it was.
        let mut report = DestinationReport::default();
        let failure = Failure::NotSent("the pass's time ran out".into());
        apply_failure(&mut pass, &mut report, dest, &[&row()], failure).unwrap();
        let (state, _, next, _) = stored(&pass.conn, dest);
        assert_eq!((state.as_str(), next), ("pending", None));
        assert!(report.failures.is_empty() && report.held.is_none());

        // Hold: the destination is held with its kind; no next attempt.
        let mut report = DestinationReport::default();
        let failure = Failure::Hold {
            kind: HoldKind::Configuration,
            why: crate::model::delivery::plain_text("wrong address"),
            maybe_sent: false,
        };
        apply_failure(&mut pass, &mut report, dest, &[&row()], failure).unwrap();
        assert_eq!(report.held.as_deref(), Some("wrong address"));
        let (state, _, next, error) = stored(&pass.conn, dest);
        assert_eq!((state.as_str(), next), ("pending", None));
        assert_eq!(error.as_deref(), Some("wrong address"));
        let d = destinations::destination_state(&pass.conn, dest).unwrap();
        assert_eq!(d.hold.as_deref(), Some("wrong address"));
        assert_eq!(hold_kind(&d), HoldKind::Configuration);
    }
}

// Issue 15, stored messages (wt-15c): what a pass stores is read back from
// its stored message id and arguments, not by parsing the English text.

/// Replaces every stored English text of deliveries, problems and holds:
/// what still renders right came from the stored messages.
fn garble_english(w: &World) {
    let conn = Connection::open(w.agent.database_path()).unwrap();
    for sql in [
        "UPDATE deliveries SET last_error = 'garbled' WHERE last_error IS NOT NULL",
        "UPDATE field_problems SET advice = 'garbled'",
        "UPDATE destinations SET hold = 'garbled' WHERE hold IS NOT NULL",
    ] {
        conn.execute(sql, []).unwrap();
    }
}

#[test]
fn a_form_refused_by_dhis2_reads_back_in_swahili_from_its_stored_message() {
    // The contract's answer for a period closed to data entry (E7640), on
    // one value of the form.
    let closed = r#"{"httpStatus":"Conflict","httpStatusCode":409,"status":"WARNING","response":{"responseType":"ImportSummary","status":"WARNING",
        "importCount":{"imported":14,"updated":0,"ignored":1,"deleted":0},
        "conflicts":[{"objects":{"args":"x"},"value":"Period closed","errorCode":"E7640","indexes":[0]}]}}"#;
    let w = world(1, Scripted::new(move |_| answer(409, closed)));
    let id = w.record("HP-001", "2026-10");
    w.sync();
    assert_eq!(w.dhis2_state(&id), DeliveryState::Rejected);
    garble_english(&w);
    let status = w.agent.status(&id).unwrap();
    let d = status
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Dhis2)
        .unwrap();
    assert_eq!(d.last_error.as_deref(), Some("garbled"));
    let line = d.last_error_message().unwrap();
    // Hand-written from locales/sw/sync.ftl.
    assert_eq!(
        crate::model::i18n::render(&line, "sw"),
        "baadhi ya thamani zimekataliwa, nyingine zimehifadhiwa (sehemu 1); la kufanya liko hapa chini."
    );
    assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
    assert_eq!(
        crate::model::i18n::render(&d.problems[0].advice_message(), "sw"),
        "DHIS2 imefunga kipindi hiki kwa kuingiza data. Mwombe afisa wa takwimu wa wilaya akifungue (ruhusa ya kipindi kilichofungwa), kisha tuma tena."
    );
}

#[test]
fn a_hold_reads_back_in_swahili_from_its_stored_message() {
    let w = world(
        1,
        Scripted::new(|_| answer(401, r#"{"httpStatus":"Unauthorized","status":"ERROR"}"#)),
    );
    let id = w.record("HP-001", "2026-10");
    let r = w.sync();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(
        d.held_message.as_ref().map(|m| m.id.as_str()),
        Some("hold-dhis2-credentials")
    );
    garble_english(&w);
    let status = w.agent.status(&id).unwrap();
    let d = status
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Dhis2)
        .unwrap();
    // Hand-written from locales/sw/sync.ftl.
    let sw = "DHIS2 imekataa jina la mtumiaji na nywila (au tokeni). Yarekebishe kwenye mipangilio; utumaji unaofuata utajaribu tena yakishabadilika.";
    assert_eq!(
        d.held_message()
            .map(|m| crate::model::i18n::render(&m, "sw")),
        Some(sw.to_string())
    );
    // The next pass reports the stored hold, in Swahili too.
    let r = w.sync();
    let held = r
        .destination(Destination::Dhis2)
        .unwrap()
        .held_message
        .clone();
    assert_eq!(
        held.map(|m| crate::model::i18n::render(&m, "sw")),
        Some(sw.to_string())
    );
}

#[test]
fn a_sync_note_is_a_message_in_each_language() {
    let w = world(1, Scripted::new(|_| success()));
    w.record("HP-001", "2026-10");
    let r = w.sync();
    // The example has no [lmis] section configured in this world.
    let lmis = r.destination(Destination::Lmis).unwrap();
    assert_eq!(lmis.note_kind, Some(NoteKind::NoCredentials));
    let m = &lmis.note_messages[0];
    // Hand-written from locales/*/sync.ftl.
    assert_eq!(
        crate::model::i18n::render(m, "sw"),
        "hakuna jina la mtumiaji na nywila za LMIS kwenye mipangilio"
    );
    assert_eq!(
        crate::model::i18n::render(m, "fr"),
        "aucun identifiant LMIS n'est configuré"
    );
    assert_eq!(
        lmis.note.as_deref(),
        Some("no LMIS credentials are configured")
    );
}
