//! Requests per monthly report (issue 14), counted by the simulated servers
//! on 127.0.0.1: a health post with the two example forms, first sync and
//! the months after, and a hub of the example map's five facilities.
//!
//! The expected counts are worked out by hand from the OpenLMIS contract
//! (`shared/contracts/openlmis/README.md` §3, §4, §5.1): what the agent must
//! ask at least to send a stock event it can trust, given what it already
//! holds. They are written next to each assertion.

use super::support::{Months as World, all_delivered, schemas};
use agent_core::Agent;
use agent_core::clock::Clock;
use agent_core::dhis2::Dhis2Settings;
use agent_core::outbox::DeliveryState;
use agent_core::sync::{SyncBudget, SyncReport};
use std::sync::Arc;
use std::time::Duration;

/// The device's months are far enough back to all be in the past for DHIS2
/// (which judges periods by its own clock).
fn world() -> World {
    World::new(100, 14)
}

/// Last month's forms of each facility: the ids of every form it reports.
fn record_month(w: &mut World, agent: &Agent, facilities: &[&str]) -> Vec<String> {
    w.record_month(agent, facilities)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// One pass; the counters of both servers start from 0.
fn sync(w: &World, agent: &Agent) -> (SyncReport, u64, u64) {
    w.lmis.reset_stats();
    w.dhis2.reset_stats();
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(60)), &w.creds, false)
        .unwrap();
    let (l, d) = (w.lmis.stats(), w.dhis2.stats());
    // For the record (bytes read and written by each server, heads included).
    println!(
        "LMIS {} requests, {} B up, {} B down; DHIS2 {} requests, {} B up, {} B down",
        l.requests, l.bytes_in, l.bytes_out, d.requests, d.bytes_in, d.bytes_out
    );
    (r, l.requests, d.requests)
}

/// A month later, on the device and in the LMIS.
fn next_month(w: &World) {
    w.advance_days(31);
}

/// One health post (HP-001) with the two example forms (two LMIS programs,
/// both stock events), a month apart, the app opened afresh each month.
///
/// First sync, by hand from the contract: sign in (1); the facility by the
/// map's LMIS id (1: type and supported programs); each program (2); the
/// orderables of both forms in one search (1); approved products per
/// facility type and program (2); valid reasons per program and facility
/// type (2); one stock event per form (2): 11 requests for the LMIS half.
///
/// A month later the reference data is fresh (default 90 days): sign in
/// (1) and the two events (2): 3. After 90 days it is read again: 11.
#[test]
fn a_health_posts_month_costs_the_contracts_requests_and_reference_data_lasts_90_days() {
    let mut w = world();
    w.lmis.set_today(Some(w.clock.today()));
    let agent = w.agent(true);
    let ids = record_month(&mut w, &agent, &["HP-001"]);
    assert_eq!(ids.len(), 2);
    let (report, lmis, dhis2) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    assert_eq!(w.lmis.events().len(), 2);
    println!("first sync: LMIS {lmis} requests, DHIS2 {dhis2}");
    assert_eq!(lmis, 11, "first sync, LMIS half");
    lmis_bytes_are_near_the_contracts_minimum(&w, &report);
    drop(agent);

    // Steady state: the next month, a new process.
    next_month(&w);
    let agent = w.agent(true);
    let ids = record_month(&mut w, &agent, &["HP-001"]);
    let (_, lmis, dhis2) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    println!("steady state: LMIS {lmis} requests, DHIS2 {dhis2}");
    assert_eq!(lmis, 3, "steady state, LMIS half: sign in and two events");
    // DHIS2's minimum (contract §4, §7): two requests, e.g. one
    // dataValueSets POST with both forms' values and one completion POST
    // with both; the agent sends one POST per data set, each form's
    // completion inline (`completeDate`, §4), also two. No
    // DHIS2 metadata is read by a sync: the data set's metadata is read only
    // by `Agent::pull_metadata` (cli-sim `pull-metadata`), when asked.
    assert_eq!(dhis2, 2, "steady state, DHIS2 half");
    assert!(lmis + dhis2 <= 6, "issue 14 target: at most 6 in all");
    drop(agent);

    // 93 days after the first fetch: read again once.
    next_month(&w);
    next_month(&w);
    let agent = w.agent(true);
    let ids = record_month(&mut w, &agent, &["HP-001"]);
    let (_, lmis, _) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    assert_eq!(lmis, 11, "reference data older than 90 days is read again");
}

/// The LMIS half of a first sync in bytes (issue 14: at most 12 KB, counted
/// as the agent counts its data use: bodies as they travelled, answers
/// gzip'd by the server), and each stock event at most its contract minimum
/// plus the marker.
///
/// The contract minimum of a physical-count event (§5.1, §6.2) is
/// `facilityId`, `programId`, `resourceId` (the exactly-once guard) and per
/// product `orderableId`, `quantity`, `occurredDate` and the non-zero
/// `stockAdjustments`: the test rebuilds it from what the LMIS received,
/// keeping only those fields, as compact JSON. What the agent may add, by
/// hand: `,"signature":"health-sync-agent/0.1.0"` (14 + 25 = 39 B; the
/// version may grow to 0.10.10: 43 B) and `,"documentNumber":"HP-001
/// 2026-11 r1 <36-character id>"` (20 + 17 + 1 + 36 + 1 = 75 B): 118 B, so
/// at most 120 B more than the minimum per event. A per-line marker (the
/// `extraData` of before issue 14: about 140 B a product, 12 products)
/// cannot fit.
fn lmis_bytes_are_near_the_contracts_minimum(w: &World, report: &SyncReport) {
    let d = report
        .destination(agent_core::outbox::Destination::Lmis)
        .unwrap();
    let total = d.bytes_sent + d.bytes_received;
    println!(
        "LMIS half as the agent counts it: {} B sent, {} B received",
        d.bytes_sent, d.bytes_received
    );
    assert!(total <= 12_000, "first sync LMIS half {total} B > 12 KB");
    for e in w.lmis.events() {
        let b = &e.body;
        let lines: Vec<serde_json::Value> = b["lineItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let mut m = serde_json::json!({
                    "orderableId": l["orderableId"],
                    "quantity": l["quantity"],
                    "occurredDate": l["occurredDate"],
                });
                if let Some(a) = l.get("stockAdjustments") {
                    m["stockAdjustments"] = a
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| serde_json::json!({"reasonId": x["reasonId"], "quantity": x["quantity"]}))
                        .collect();
                }
                m
            })
            .collect();
        let minimum = serde_json::json!({
            "facilityId": b["facilityId"],
            "programId": b["programId"],
            "resourceId": b["resourceId"],
            "lineItems": lines,
        });
        let min_len = serde_json::to_vec(&minimum).unwrap().len();
        let sent = serde_json::to_vec(b).unwrap().len();
        println!("stock event: {sent} B, contract minimum {min_len} B");
        assert!(
            sent <= min_len + 120,
            "a stock event of {sent} B for a minimum of {min_len} B: more than the marker added"
        );
    }
}

/// A hub with the example map's five facilities (four report both forms,
/// HP-004 the CHW form only: 9 facility × program pairs), all of one
/// facility type, first sync. By hand: sign in (1); each facility by id
/// (5); each program (2); the orderables in one search (1); approved
/// products per facility type and program (2); valid reasons per program
/// and facility type (2); one event per pair (9): 22. The reference GETs
/// (12) grow with the facilities and programs, not with their product (9
/// pairs × 6 GETs = 54 before).
#[test]
fn a_hub_reads_each_reference_resource_once_per_sync() {
    let mut w = world();
    let agent = w.agent(true);
    let all = ["HP-001", "HP-002", "HP-003", "HP-004", "HP-005"];
    let ids = record_month(&mut w, &agent, &all);
    assert_eq!(ids.len(), 9);
    let (_, lmis, _) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    assert_eq!(w.lmis.events().len(), 9);
    assert_eq!(lmis, 22, "1 sign-in + 12 reference GETs + 9 events");
    let refs = lmis - 1 - 9;
    assert_eq!(refs, 5 + 3 * 2 + 1, "facilities + 3 per program + 1");
}

/// DHIS2 (contract §7): `completeDataSetRegistrations` takes a list across
/// data sets, so a pass registers every completion of its bulk batches in
/// one POST. Two months of the five facilities: 10 CHW forms and 8
/// maternal forms, each data set's values in one bulk POST (well under
/// 1,000 values each). By hand: the gzip probe (1, once per server), one
/// values POST per data set (2), one completion POST for both (1): 4
/// (one completion POST per value batch would be 5).
#[test]
fn one_completion_post_serves_every_data_set_of_the_pass() {
    let mut w = world();
    w.lmis.set_today(Some(w.clock.today()));
    let agent = w.agent(true);
    let all = ["HP-001", "HP-002", "HP-003", "HP-004", "HP-005"];
    let mut ids = record_month(&mut w, &agent, &all);
    next_month(&w);
    ids.extend(record_month(&mut w, &agent, &all));
    assert_eq!(ids.len(), 18);
    let (_, _, dhis2) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    assert_eq!(w.dhis2.completions().len(), 18, "every form completed");
    assert_eq!(dhis2, 4, "probe + 2 value POSTs + 1 completion POST");
}

/// `[lmis] reference_max_age_days` reaches the route: with 30 days, the
/// next month's sync reads the reference data again (11 LMIS requests as
/// on the first sync; 3 with the default of 90, see the test above).
#[test]
fn the_configured_reference_age_is_the_one_used() {
    let mut w = world();
    w.lmis.set_today(Some(w.clock.today()));
    let config = agent_core::config::AgentConfig {
        database: w.dir.path().join("o.sqlite"),
        forms: schemas().join("forms"),
        facilities: schemas().join("facilities/example.json"),
        dhis2: Some(agent_core::config::Dhis2Section {
            url: w.dhis2.url(),
            ..Default::default()
        }),
        lmis: Some(agent_core::config::LmisSection {
            kind: "openlmis".into(),
            url: w.lmis.url(),
            client_id: "user-client".into(),
            username: "administrator".into(),
            reference_max_age_days: Some(30),
            ..Default::default()
        }),
        entry: Default::default(),
        storage: Default::default(),
        locale: None,
    };
    let open = |w: &World| Agent::open_with_clock(&config, w.clock.clone()).unwrap();
    let agent = open(&w);
    let ids = record_month(&mut w, &agent, &["HP-001"]);
    let (_, lmis, _) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    assert_eq!(lmis, 11, "first sync, LMIS half");
    drop(agent);
    next_month(&w);
    let agent = open(&w);
    let ids = record_month(&mut w, &agent, &["HP-001"]);
    let (_, lmis, _) = sync(&w, &agent);
    all_delivered(&agent, &ids);
    assert_eq!(lmis, 11, "31 days > 30: read again");
}

/// One completion POST for two months of a health post's two forms
/// (contract §7: a list), and DHIS2 refuses the maternal forms' registrations (an org unit
/// it does not know, put there by the test's transport) while importing the
/// CHW forms': the CHW forms are delivered and completed in DHIS2, and no
/// form of that POST is marked failed (its values are stored; the import
/// summary's conflicts are free text naming no form, §7).
#[test]
fn one_refused_completion_fails_no_other_form_of_the_same_post() {
    let mut w = world();
    let chw = w.forms.get("chw-monthly").unwrap().dhis2.data_set.clone();
    let maternal = w
        .forms
        .get("hp-maternal-monthly")
        .unwrap()
        .dhis2
        .data_set
        .clone();
    let agent = Agent::open_parts(
        &w.dir.path().join("o.sqlite"),
        w.forms.clone(),
        w.facilities.clone(),
        w.clock.clone(),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: w.dhis2.url(),
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: Some(false),
    })
    .with_transport(Arc::new(SpoilOneCompletion {
        inner: agent_core::http::UreqTransport::new(agent_core::http::Timeouts::default()),
        data_set: maternal.clone(),
    }));
    // Two months, so that each data set's batch holds two forms: a batch
    // of one form carries its completion inline (§4) and needs no POST.
    let mut ids = record_month(&mut w, &agent, &["HP-001"]);
    next_month(&w);
    ids.extend(record_month(&mut w, &agent, &["HP-001"]));
    assert_eq!(ids.len(), 4);
    w.dhis2.reset_stats();
    let report = agent
        .sync(SyncBudget::time(Duration::from_secs(60)), &w.creds, false)
        .unwrap();
    let ou = w
        .facilities
        .get("HP-001")
        .unwrap()
        .dhis2_org_unit
        .clone()
        .unwrap();
    let done = w.dhis2.completions();
    // The refusal happened: DHIS2 holds the CHW forms' completions only.
    assert_eq!(
        done.iter()
            .filter(|c| c.data_set == chw && c.org_unit == ou)
            .count(),
        2,
        "{done:?}"
    );
    assert!(!done.iter().any(|c| c.data_set == maternal), "{done:?}");
    let d = report
        .destination(agent_core::outbox::Destination::Dhis2)
        .unwrap();
    assert!(d.rejected.is_empty(), "{:?}", d.rejected);
    for id in &ids {
        let s = agent.status(id).unwrap();
        let dhis2 = s
            .destinations
            .iter()
            .find(|x| x.destination == agent_core::outbox::Destination::Dhis2)
            .unwrap();
        println!("{} {:?} {:?}", s.form, dhis2.state, dhis2.last_error);
        if s.form == "chw-monthly" {
            assert_eq!(dhis2.state, DeliveryState::Delivered, "{dhis2:?}");
        }
        assert!(
            !matches!(dhis2.state, DeliveryState::Rejected),
            "{} marked failed: {dhis2:?}",
            s.form
        );
    }
}

/// Passes every request on to the real (simulated) server, except that in
/// the completion POST (contract §7) it replaces the org unit of the
/// registrations of one data set with one DHIS2 does not know: DHIS2 then
/// refuses those registrations and imports the others, in one import
/// summary (status SUCCESS, the refused ones as conflicts, §7).
struct SpoilOneCompletion {
    inner: agent_core::http::UreqTransport,
    data_set: String,
}

impl agent_core::http::Transport for SpoilOneCompletion {
    fn send(
        &self,
        req: &agent_core::http::HttpRequest,
    ) -> Result<agent_core::http::HttpResponse, agent_core::http::TransportError> {
        if !req.url.contains("/api/completeDataSetRegistrations") {
            return self.inner.send(req);
        }
        // The agent of this test sends plain JSON (gzip off).
        let mut body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        for r in body["completeDataSetRegistrations"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
        {
            if r["dataSet"] == self.data_set.as_str() {
                r["organisationUnit"] = "NotAnOrgUn1".into();
            }
        }
        let mut spoilt = req.clone();
        spoilt.body = serde_json::to_vec(&body).unwrap();
        let answer = self.inner.send(&spoilt);
        if let Ok(a) = &answer {
            println!("completion answer: {}", String::from_utf8_lossy(&a.body));
        }
        answer
    }
}
