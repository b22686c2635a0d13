//! Field trust (issue 11): what a field deployment meets besides a lost
//! answer, over real HTTP on 127.0.0.1 against the simulated servers and
//! small hostile ones. Holds that release themselves once their cause
//! changed, a configuration check that does not lock an account, passes that
//! keep to their budget whatever the server does, and an exchange log
//! without the secrets an answer echoes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::{dhis2_basic, example_forms, example_map, state_of};
use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::SyncBudget;
use agent_core::{Agent, FacilityMap, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::http::{Handler, Response, Server, ServerConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn oauth(password: &str) -> Credentials {
    Credentials::OAuthPassword {
        client_id: "user-client".into(),
        client_secret: "changeme".into(),
        username: "administrator".into(),
        password: password.into(),
    }
}

fn creds(dhis2: Option<Credentials>, lmis: Option<Credentials>) -> StaticCredentials {
    StaticCredentials { dhis2, lmis }
}

/// An agent on a fresh outbox with one CHW form of last month recorded.
fn agent_with_a_form(dir: &Path) -> (Agent, String) {
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.join("o.sqlite"),
        example_forms(),
        example_map(),
        clock.clone(),
    )
    .unwrap();
    let month = Period::containing(PeriodType::Monthly, clock.today()).previous();
    let draft = DraftGen::new(3).draft(
        example_forms().get("chw-monthly").unwrap(),
        "HP-001",
        &month.iso(),
        &BTreeMap::new(),
    );
    let id = agent.submit(&draft, true).unwrap().id;
    (agent, id)
}

fn dhis2_settings(url: String) -> Dhis2Settings {
    Dhis2Settings {
        url,
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: Some(false),
    }
}

fn budget(secs: u64) -> SyncBudget {
    SyncBudget::time(Duration::from_secs(secs))
}

/// Refused credentials hold DHIS2; the next sync with the same credentials
/// sends nothing (no account lock-out), shows the hold per form and no next
/// attempt; the first sync after they changed releases the hold by itself.
#[test]
fn a_credentials_hold_is_released_by_the_next_sync_once_they_changed() {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = Dhis2Mock::start(
        Dhis2MockConfig::from_forms(&example_forms(), &example_map()),
        0,
    )
    .unwrap();
    let (agent, id) = agent_with_a_form(dir.path());
    let agent = agent.with_dhis2(dhis2_settings(dhis2.url()));
    let wrong = creds(Some(dhis2_basic("not-the-password")), None);

    let r = agent.sync(budget(20), &wrong, false).unwrap();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert!(d.held.is_some(), "{r:?}");
    assert_eq!(
        d.next_attempt_at, None,
        "a held destination has no next attempt"
    );
    let p = state_of(&agent, &id, Destination::Dhis2);
    assert_eq!(p.state, DeliveryState::Pending);
    assert!(
        p.held.as_deref().is_some_and(|h| h.contains("refused")),
        "status shows the hold itself: {p:?}"
    );
    assert_eq!(p.next_attempt_at, None);

    // Same credentials: nothing is sent.
    let before = dhis2.stats().requests;
    let r = agent.sync(budget(20), &wrong, false).unwrap();
    assert!(r.destination(Destination::Dhis2).unwrap().held.is_some());
    assert_eq!(
        dhis2.stats().requests,
        before,
        "no request with the refused credentials"
    );

    // Corrected credentials: released without any flag, and delivered.
    let right = creds(Some(dhis2_basic("district")), None);
    let r = agent.sync(budget(20), &right, false).unwrap();
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(d.held, None, "{r:?}");
    assert_eq!(d.delivered.len(), 1, "{r:?}");
    assert_eq!(
        state_of(&agent, &id, Destination::Dhis2).state,
        DeliveryState::Delivered
    );
}

/// `lmis check` with a wrong password signs in once, not once per facility
/// (an LMIS may lock an account after a few failures), and says why.
#[test]
fn lmis_check_stops_at_the_first_refused_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let lmis = OpenLmisMock::start(
        OpenLmisMockConfig::from_forms(&example_forms(), &example_map()),
        0,
    )
    .unwrap();
    let (agent, _) = agent_with_a_form(dir.path());
    let agent = agent.with_lmis(LmisSettings { url: lmis.url() });
    assert!(
        example_map().iter().count() >= 3,
        "the example map has several facilities"
    );
    let problems = agent
        .check_lmis(&creds(None, Some(oauth("not-the-password"))))
        .unwrap();
    assert_eq!(
        lmis.stats().requests,
        1,
        "one sign-in, then stop: {problems:?}"
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("refused the sign-in"), "{problems:?}");
}

/// A server that answers every request after 9 s cannot hold a 2 s pass
/// for long: each request is bounded by the time left, and no request
/// starts after the budget. The form stays queued.
#[test]
fn a_slow_server_cannot_hold_a_pass_past_its_budget() {
    let handler: Handler = Arc::new(|_req| {
        std::thread::sleep(Duration::from_secs(9));
        Response::text(503, "text/html", "<html>slow</html>")
    });
    let slow = Server::start(ServerConfig::default(), handler).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (agent, id) = agent_with_a_form(dir.path());
    let agent = agent.with_dhis2(dhis2_settings(slow.url()));
    let started = Instant::now();
    let r = agent
        .sync(
            budget(2),
            &creds(Some(dhis2_basic("district")), None),
            false,
        )
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(6),
        "a 2 s pass took {took:?} against a server answering in 9 s: {r:?}"
    );
    assert!(!r.done);
    let p = state_of(&agent, &id, Destination::Dhis2);
    assert_eq!(p.state, DeliveryState::Pending, "{p:?}");
}

/// An answer that echoes the credentials (a debugging proxy, a server's
/// error page quoting the request) is stored in the exchange log without
/// them.
#[test]
fn secrets_echoed_in_an_answer_are_not_logged() {
    let handler: Handler = Arc::new(|req| {
        let auth = req.header("authorization").unwrap_or("").to_string();
        Response::json(
            200,
            &serde_json::json!({
                "responseType": "ImportSummary", "status": "SUCCESS",
                "description": format!("you sent {auth}; password s3cret-Pa55word"),
                "importCount": {"imported": 1, "updated": 0, "ignored": 0, "deleted": 0},
                "conflicts": []
            }),
        )
    });
    let echo = Server::start(ServerConfig::default(), handler).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (agent, id) = agent_with_a_form(dir.path());
    let agent = agent.with_dhis2(dhis2_settings(echo.url()));
    let password = "s3cret-Pa55word";
    agent
        .sync(budget(20), &creds(Some(dhis2_basic(password)), None), false)
        .unwrap();
    let detail = agent.inspect(&id).unwrap();
    let logged: Vec<String> = detail
        .exchanges
        .iter()
        .filter_map(|e| e.response_body.clone())
        .collect();
    assert!(!logged.is_empty(), "{detail:?}");
    let header = agent_core::http::basic_auth("admin", password);
    let token = header.trim_start_matches("Basic ");
    for body in &logged {
        assert!(!body.contains(password), "password logged: {body}");
        assert!(!body.contains(token), "Basic credentials logged: {body}");
    }
}

/// What the simulated servers hold of the one form recorded.
fn held_by_servers(dhis2: &Dhis2Mock, lmis: &OpenLmisMock, id: &str, ou: &str) -> (usize, usize) {
    let values = dhis2
        .values()
        .into_iter()
        .filter(|v| v.org_unit == ou)
        .count();
    let rid = agent_core::lmis::event_resource_id(id, 1);
    let events = lmis
        .events()
        .into_iter()
        .filter(|e| e.resource_id.as_deref() == Some(rid.as_str()))
        .count();
    (values, events)
}

/// Every hostile answer a field network gives (a portal's HTML 200, an
/// empty or wrong or garbage 200, a huge body, a gzip bomb, a redirect, a
/// proxy's HTML 400/404/413, a slow drip), to the request that carries the
/// form, for each destination, before the server got it and after it
/// applied it. The form is never `delivered` while the server lacks it;
/// `status` says why in plain words; once the network is clean, it is
/// delivered and the server holds it exactly once (the simulated OpenLMIS
/// runs without its physical-inventory guard, so only the agent's look-up
/// keeps a resent event from being applied twice).
#[test]
fn hostile_answers_never_make_a_form_delivered_that_the_server_lacks() {
    use sim_servers::faults::{FaultConfig, HostileKind};
    let ou = example_map()
        .get("HP-001")
        .unwrap()
        .dhis2_org_unit
        .clone()
        .unwrap();
    let mut cases = 0;
    for dest in [Destination::Dhis2, Destination::Lmis] {
        for kind in HostileKind::ALL {
            for after_commit in [false, true] {
                let name = format!("{dest} {kind:?} after_commit={after_commit}");
                let dir = tempfile::tempdir().unwrap();
                let dhis2 = Dhis2Mock::start(
                    Dhis2MockConfig::from_forms(&example_forms(), &example_map()),
                    0,
                )
                .unwrap();
                let lmis = OpenLmisMock::start(
                    OpenLmisMockConfig::from_forms(&example_forms(), &example_map()),
                    0,
                )
                .unwrap();
                lmis.set_inventory_guard(false);
                let (agent, id) = agent_with_a_form(dir.path());
                let agent = agent
                    .with_dhis2(dhis2_settings(dhis2.url()))
                    .with_lmis(LmisSettings { url: lmis.url() });
                let hostile = FaultConfig {
                    hostile: vec![kind],
                    rate_hostile: 1.0,
                    hostile_path: Some(
                        match dest {
                            Destination::Dhis2 => "/api/dataValueSets",
                            Destination::Lmis => "/api/stockEvents",
                        }
                        .into(),
                    ),
                    hostile_method: Some("POST".into()),
                    hostile_after_commit: after_commit,
                    huge_bytes: 8 << 20,
                    drip_max_secs: 30,
                    ..FaultConfig::default()
                };
                let server_faults = match dest {
                    Destination::Dhis2 => dhis2.faults(),
                    Destination::Lmis => lmis.faults(),
                };
                server_faults.set(hostile);
                let both = creds(Some(dhis2_basic("district")), Some(oauth("password")));
                let r = agent.sync(budget(4), &both, false).unwrap();
                let (values, events) = held_by_servers(&dhis2, &lmis, &id, &ou);
                let held = match dest {
                    Destination::Dhis2 => values > 0,
                    Destination::Lmis => events > 0,
                };
                let p = state_of(&agent, &id, dest);
                assert_eq!(
                    held, after_commit,
                    "{name}: the server applied it only after commit"
                );
                assert_ne!(
                    p.state,
                    DeliveryState::Delivered,
                    "{name}: delivered on a hostile answer: {r:?}"
                );
                assert_ne!(
                    p.state,
                    DeliveryState::Rejected,
                    "{name}: refused on a proxy's word"
                );
                let why = p.held.clone().or(p.last_error.clone()).unwrap_or_default();
                assert!(
                    why.len() > 20 && !why.contains("panicked"),
                    "{name}: status explains it: {p:?}"
                );
                // The network is clean again.
                server_faults.set(FaultConfig::default());
                agent.network_available().unwrap();
                for _ in 0..3 {
                    let r = agent.sync(budget(20), &both, false).unwrap();
                    if r.done {
                        break;
                    }
                }
                let p = state_of(&agent, &id, dest);
                assert_eq!(p.state, DeliveryState::Delivered, "{name}: {p:?}");
                let (values, events) = held_by_servers(&dhis2, &lmis, &id, &ou);
                match dest {
                    Destination::Dhis2 => assert!(values > 0, "{name}"),
                    Destination::Lmis => assert_eq!(events, 1, "{name}: applied exactly once"),
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 44);
}

/// A proxy in front of `upstream` that forwards every request (with the
/// agent's own HTTP client) except those `rewrite` answers itself.
fn proxy(
    upstream: String,
    rewrite: impl Fn(&sim_servers::http::Request) -> Option<Response> + Send + Sync + 'static,
) -> Server {
    use agent_core::http::{HttpRequest, Timeouts, Transport, UreqTransport, encode_query};
    let client = UreqTransport::new(Timeouts::default());
    let handler: Handler = Arc::new(move |req| {
        if let Some(r) = rewrite(req) {
            return r;
        }
        let query: Vec<String> = req
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
            .collect();
        let url = if query.is_empty() {
            format!("{upstream}{}", req.path)
        } else {
            format!("{upstream}{}?{}", req.path, query.join("&"))
        };
        let method: &'static str = match req.method.as_str() {
            "POST" => "POST",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            _ => "GET",
        };
        let headers = req
            .headers
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "host" | "content-length" | "accept-encoding" | "connection"
                )
            })
            .cloned()
            .collect();
        match client.send(&HttpRequest {
            method,
            url,
            headers,
            body: req.body.clone(),
        }) {
            Ok(r) => Response {
                status: r.status,
                headers: r
                    .headers
                    .into_iter()
                    .filter(|(k, _)| k == "content-type" || k == "date" || k == "etag")
                    .collect(),
                body: r.body,
            },
            Err(e) => Response::text(502, "text/plain", e.message),
        }
    });
    Server::start(ServerConfig::default(), handler).unwrap()
}

/// A look-up answered with thousands of stock cards (a hostile or broken
/// server) cannot make one pass send thousands of requests: the agent reads
/// only the product's card without a lot, at most a few, and the form stays
/// in unknown outcome, neither delivered nor sent again.
#[test]
fn a_look_up_answered_with_thousands_of_cards_stays_bounded() {
    use sim_servers::faults::{FaultConfig, HostileKind};
    let dir = tempfile::tempdir().unwrap();
    let lmis = OpenLmisMock::start(
        OpenLmisMockConfig::from_forms(&example_forms(), &example_map()),
        0,
    )
    .unwrap();
    lmis.set_inventory_guard(false);
    let cards: Vec<serde_json::Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "stockCard": {"id": format!("00000000-0000-4000-8000-{i:012}")},
                "lot": null, "stockOnHand": 1
            })
        })
        .collect();
    let page = serde_json::json!({"content": [{"orderable": {"id": "x"}, "canFulfillForMe": cards}],
        "totalElements": 1, "totalPages": 1, "number": 0, "size": 1});
    let front = proxy(lmis.url(), move |req| {
        if req.path.starts_with("/api/v2/stockCardSummaries") {
            return Some(Response::json(200, &page));
        }
        // Each of those cards, should anyone read them all.
        req.path
            .starts_with("/api/stockCards/00000000-")
            .then(|| Response::json(200, &serde_json::json!({"id": "x", "lineItems": []})))
    });
    let (agent, id) = agent_with_a_form(dir.path());
    let agent = agent.with_lmis(LmisSettings { url: front.url() });
    let lmis_only = creds(None, Some(oauth("password")));
    // The event is applied, and its answer replaced by garbage.
    lmis.faults().set(FaultConfig {
        hostile: vec![HostileKind::Garbage200],
        rate_hostile: 1.0,
        hostile_path: Some("/api/stockEvents".into()),
        hostile_after_commit: true,
        ..FaultConfig::default()
    });
    agent.sync(budget(20), &lmis_only, false).unwrap();
    lmis.faults().set(FaultConfig::default());
    agent.network_available().unwrap();
    let events = |l: &OpenLmisMock| {
        let rid = agent_core::lmis::event_resource_id(&id, 1);
        l.events()
            .into_iter()
            .filter(|e| e.resource_id.as_deref() == Some(rid.as_str()))
            .count()
    };
    assert_eq!(events(&lmis), 1);
    let r = agent.sync(budget(60), &lmis_only, false).unwrap();
    let d = r.destination(Destination::Lmis).unwrap();
    assert!(
        d.requests <= 3,
        "one look-up, bounded: {} requests",
        d.requests
    );
    assert_eq!(events(&lmis), 1, "nothing sent again");
    let p = state_of(&agent, &id, Destination::Lmis);
    assert_ne!(p.state, DeliveryState::Delivered, "{p:?}");
    assert!(
        p.last_error
            .as_deref()
            .is_some_and(|e| e.contains("3000 stock cards")),
        "{p:?}"
    );
}

/// A server whose certificate comes from an authority the device does not
/// know: nothing is sent, the destination is held with what to do (not
/// retried for ever, not an unknown outcome); once the private authority
/// is trusted through `ca_file` and the user asks, the form is delivered.
#[test]
fn an_untrusted_certificate_holds_with_what_to_do_and_ca_file_fixes_it() {
    use agent_core::http::{Endpoint, ExtraRoots, Timeouts, UreqTransport};
    use sim_servers::tls::TlsFront;
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = Dhis2Mock::start(
        Dhis2MockConfig::from_forms(&example_forms(), &example_map()),
        0,
    )
    .unwrap();
    let backend: std::net::SocketAddr = dhis2.url().trim_start_matches("http://").parse().unwrap();
    let front = TlsFront::start(backend).unwrap();
    let url = front.url();
    assert!(url.starts_with("https://"));
    let (agent, id) = agent_with_a_form(dir.path());
    let agent = agent
        .with_transport(Arc::new(UreqTransport::new(Timeouts::default())))
        .with_dhis2(dhis2_settings(url.clone()));
    let right = creds(Some(dhis2_basic("district")), None);
    let r = agent.sync(budget(20), &right, false).unwrap();
    let d = r.destination(Destination::Dhis2).unwrap();
    let why = d.held.clone().unwrap_or_default();
    assert!(
        why.contains("certificate") && why.contains("ca_file"),
        "{r:?}"
    );
    assert!(dhis2.values().is_empty(), "nothing reached DHIS2");
    assert_eq!(
        state_of(&agent, &id, Destination::Dhis2).state,
        DeliveryState::Pending
    );
    // Held: the next sync does not knock again.
    let before = front.connections();
    agent.sync(budget(20), &right, false).unwrap();
    assert_eq!(
        front.connections(),
        before,
        "a held destination is not retried"
    );

    // The implementer adds the private authority (ca_file) and asks again.
    let roots = ExtraRoots::from_pem(front.ca_pem().as_bytes()).unwrap();
    let trusting = UreqTransport::with_endpoints(
        Timeouts::default(),
        &[Endpoint {
            base_url: url.clone(),
            timeouts: Timeouts::default(),
            extra_roots: Some(roots),
        }],
    );
    drop(agent);
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        example_forms(),
        example_map(),
        clock,
    )
    .unwrap()
    .with_transport(Arc::new(trusting))
    .with_dhis2(dhis2_settings(url));
    let r = agent.sync(budget(20), &right, true).unwrap();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        1,
        "{r:?}"
    );
    assert!(!dhis2.values().is_empty());
}

/// `lmis check` names a facility that has an LMIS code but no LMIS id
/// (which `record` needs), with the id the LMIS gives for that code.
#[test]
fn lmis_check_names_a_facility_without_its_lmis_id() {
    let dir = tempfile::tempdir().unwrap();
    let full = example_map();
    let expected = full
        .get("HP-002")
        .unwrap()
        .lmis_facility_id
        .clone()
        .unwrap();
    let lmis =
        OpenLmisMock::start(OpenLmisMockConfig::from_forms(&example_forms(), &full), 0).unwrap();
    let list: Vec<_> = full
        .iter()
        .cloned()
        .map(|mut f| {
            if f.code == "HP-002" {
                f.lmis_facility_id = None;
            }
            f
        })
        .collect();
    let map = FacilityMap::new(list).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(&dir.path().join("o.sqlite"), example_forms(), map, clock)
        .unwrap()
        .with_lmis(LmisSettings { url: lmis.url() });
    let problems = agent
        .check_lmis(&creds(None, Some(oauth("password"))))
        .unwrap();
    let named: Vec<&String> = problems
        .iter()
        .filter(|p| p.contains("HP-002") && p.contains("lmis_facility_id"))
        .collect();
    assert!(!named.is_empty(), "{problems:?}");
    assert!(
        named[0].contains(&expected),
        "gives the LMIS id: {problems:?}"
    );
}

/// A pass allowed few requests still makes progress: a step that started
/// (reference data, a look-up) finishes its bounded requests, so the next
/// pass does not fetch the same first requests again for ever.
#[test]
fn passes_with_a_small_request_budget_still_deliver() {
    let dir = tempfile::tempdir().unwrap();
    let lmis = OpenLmisMock::start(
        OpenLmisMockConfig::from_forms(&example_forms(), &example_map()),
        0,
    )
    .unwrap();
    let (agent, id) = agent_with_a_form(dir.path());
    let agent = agent.with_lmis(LmisSettings { url: lmis.url() });
    let lmis_only = creds(None, Some(oauth("password")));
    let small = SyncBudget {
        max_duration: Duration::from_secs(20),
        max_requests: 4,
    };
    for _ in 0..10 {
        agent.sync(small, &lmis_only, false).unwrap();
        if state_of(&agent, &id, Destination::Lmis).state == DeliveryState::Delivered {
            break;
        }
    }
    assert_eq!(
        state_of(&agent, &id, Destination::Lmis).state,
        DeliveryState::Delivered,
        "10 passes of 4 requests each"
    );
}
