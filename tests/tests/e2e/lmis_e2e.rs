//! End to end, the LMIS route against the simulated OpenLMIS (real HTTP on
//! 127.0.0.1): three months of forms for four facilities, in stock-event
//! mode (stock cards) and requisition mode (one requisition per quarter);
//! an LMIS down for the whole run while DHIS2 works; and reference data
//! problems reported before anything is sent.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::{credentials, example_map, lmis_credentials, schemas};
use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::StaticCredentials;
use agent_core::dhis2::Dhis2Settings;
use agent_core::draft::Draft;
use agent_core::form::LmisMode;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, FacilityMap, FormDefinition, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::faults::FaultConfig;
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const FACILITIES: [&str; 4] = ["HP-001", "HP-002", "HP-003", "HP-004"];

/// The CHW form only, in the given LMIS mode.
fn chw_forms(mode: LmisMode) -> FormSet {
    let mut def: FormDefinition = FormSet::load_dir(&schemas().join("forms"))
        .unwrap()
        .get("chw-monthly")
        .unwrap()
        .clone();
    if let Some(l) = def.lmis.as_mut() {
        l.mode = mode;
    }
    FormSet::new(vec![def]).unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    agent: Agent,
    clock: Arc<FixedClock>,
    lmis: OpenLmisMock,
    dhis2: Dhis2Mock,
    creds: StaticCredentials,
    forms: FormSet,
    facilities: FacilityMap,
}

fn world(mode: LmisMode) -> World {
    let dir = tempfile::tempdir().unwrap();
    let forms = chw_forms(mode);
    let facilities = example_map();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: dhis2.url(),
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: None,
    })
    .with_lmis(LmisSettings { url: lmis.url() });
    let creds = credentials();
    World {
        _dir: dir,
        agent,
        clock,
        lmis,
        dhis2,
        creds,
        forms,
        facilities,
    }
}

impl World {
    /// The three months of the last complete quarter, for four facilities,
    /// with each month's opening balance carried from the previous closing.
    fn record_quarter(&self) -> (Period, BTreeMap<String, Vec<Draft>>) {
        let quarter = Period::containing(PeriodType::Quarterly, self.clock.today()).previous();
        let months = quarter.split_into(PeriodType::Monthly).unwrap();
        let def = self.forms.get("chw-monthly").unwrap();
        let mut g = DraftGen::new(21);
        let mut out = BTreeMap::new();
        for f in FACILITIES {
            let mut opening = BTreeMap::new();
            let mut list = Vec::new();
            for m in &months {
                let d = g.draft(def, f, &m.iso(), &opening);
                opening = d
                    .stock
                    .iter()
                    .map(|(k, e)| (k.clone(), e.closing_balance.unwrap()))
                    .collect();
                self.agent.submit(&d, true).unwrap();
                list.push(d);
            }
            out.insert(f.to_string(), list);
        }
        (quarter, out)
    }

    fn sync(&self) -> SyncReport {
        self.agent
            .sync(
                SyncBudget::time(Duration::from_secs(60)),
                &self.creds,
                false,
            )
            .unwrap()
    }

    /// Passes until nothing is queued for `dest`, moving the clock as each report says. Bounded.
    fn sync_until_empty(&self, dest: Destination, max: u32) -> Vec<SyncReport> {
        let mut reports = Vec::new();
        for _ in 0..max {
            let r = self.sync();
            let d = r.destination(dest).unwrap().clone();
            reports.push(r);
            if d.queued == 0 {
                return reports;
            }
            assert!(d.held.is_none(), "held: {:?}", d.held);
            if let Some(t) = d.next_attempt_at {
                self.clock
                    .set(t.max(self.clock.now()) + chrono::Duration::milliseconds(1));
            }
        }
        panic!(
            "the {dest} queue did not empty in {max} passes: {:?}",
            reports.last().map(|r| r.destination(dest))
        );
    }

    fn lmis_ids(&self, facility: &str) -> (String, String) {
        let f = self.facilities.get(facility).unwrap();
        let program = self
            .forms
            .get("chw-monthly")
            .unwrap()
            .lmis
            .as_ref()
            .unwrap()
            .program_id
            .clone();
        (f.lmis_facility_id.clone().unwrap(), program)
    }
}

#[test]
fn stock_events_leave_cards_at_the_last_closing_balance_with_consumption_summed() {
    let w = world(LmisMode::StockEvent);
    let (quarter, forms) = w.record_quarter();
    let reports = w.sync_until_empty(Destination::Lmis, 20);
    let def = w.forms.get("chw-monthly").unwrap();
    for (facility, months) in &forms {
        let (fid, pid) = w.lmis_ids(facility);
        for p in &def.products {
            let last = months.last().unwrap().stock[&p.code]
                .closing_balance
                .unwrap();
            assert_eq!(
                w.lmis.stock_on_hand(&fid, &pid, &p.lmis_orderable_id),
                Some(last),
                "{facility} {}",
                p.code
            );
            let consumed: i64 = months
                .iter()
                .map(|d| d.stock[&p.code].consumed.unwrap())
                .sum();
            let total = w.lmis.tag_total(
                &fid,
                &pid,
                &p.lmis_orderable_id,
                "consumed",
                quarter.start(),
                quarter.end(),
            );
            // Tag totals are signed like the ledger: consumption is a debit.
            assert_eq!(-total, consumed, "{facility} {}: consumed total", p.code);
        }
    }
    assert_eq!(
        w.lmis.events().len(),
        12,
        "one event per form, no duplicate"
    );
    let sent: u32 = reports
        .iter()
        .map(|r| r.destination(Destination::Lmis).unwrap().events_sent)
        .sum();
    assert_eq!(sent, 12);
    for s in w.agent.list(None, 100).unwrap() {
        let l = s
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Lmis)
            .unwrap();
        assert_eq!(l.state, DeliveryState::Delivered, "{}", s.id);
    }
}

#[test]
fn requisition_mode_sends_one_requisition_per_facility_for_the_quarter() {
    let w = world(LmisMode::Requisition);
    let (quarter, forms) = w.record_quarter();
    w.sync_until_empty(Destination::Lmis, 20);
    let reqs = w.lmis.requisitions();
    assert_eq!(reqs.len(), 4, "one requisition per facility");
    let def = w.forms.get("chw-monthly").unwrap();
    for (facility, months) in &forms {
        let (fid, _) = w.lmis_ids(facility);
        let req = reqs
            .iter()
            .find(|r| r["facility"]["id"] == fid.as_str())
            .unwrap();
        assert_eq!(req["status"], "SUBMITTED", "{facility}");
        assert_eq!(
            req["processingPeriod"]["startDate"],
            quarter.start().to_string()
        );
        for p in &def.products {
            let line = req["requisitionLineItems"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["orderable"]["id"] == p.lmis_orderable_id.as_str())
                .unwrap();
            let e = |i: usize| &months[i].stock[&p.code];
            assert_eq!(
                line["beginningBalance"],
                e(0).opening_balance.unwrap(),
                "{facility} {}",
                p.code
            );
            assert_eq!(line["stockOnHand"], e(2).closing_balance.unwrap());
            let sum = |f: fn(&agent_core::draft::StockEntry) -> Option<i64>| -> i64 {
                (0..3).map(|i| f(e(i)).unwrap_or(0)).sum()
            };
            assert_eq!(line["totalConsumedQuantity"], sum(|x| x.consumed));
            assert_eq!(line["totalReceivedQuantity"], sum(|x| x.received));
            assert_eq!(line["totalStockoutDays"], sum(|x| x.stockout_days));
        }
    }
    assert!(
        w.lmis.events().is_empty(),
        "requisition mode sends no stock event"
    );
}

#[test]
fn a_month_missing_from_the_quarter_holds_the_requisition() {
    let w = world(LmisMode::Requisition);
    let quarter = Period::containing(PeriodType::Quarterly, w.clock.today()).previous();
    let months = quarter.split_into(PeriodType::Monthly).unwrap();
    let def = w.forms.get("chw-monthly").unwrap();
    let d = DraftGen::new(4).draft(def, "HP-001", &months[0].iso(), &BTreeMap::new());
    let id = w.agent.submit(&d, true).unwrap().id;
    w.sync();
    let st = w.agent.status(&id).unwrap();
    let l = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    assert_eq!(l.state, DeliveryState::Waiting);
    assert!(
        l.last_error.as_deref().unwrap().contains(&months[1].iso()),
        "{:?}",
        l.last_error
    );
    assert!(w.lmis.requisitions().is_empty());
}

#[test]
fn with_the_lmis_down_dhis2_completes_and_the_stock_part_waits_then_goes() {
    let w = world(LmisMode::StockEvent);
    w.lmis.faults().set(FaultConfig {
        down_for_secs: 3600.0,
        ..Default::default()
    });
    let (_, forms) = w.record_quarter();
    for _ in 0..5 {
        w.sync();
        w.clock.advance(chrono::Duration::hours(2));
    }
    let dhis2_posts = w.dhis2.stats().requests;
    for s in w.agent.list(None, 100).unwrap() {
        let d = s
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Dhis2)
            .unwrap();
        let l = s
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Lmis)
            .unwrap();
        assert_eq!(d.state, DeliveryState::Delivered);
        assert_ne!(l.state, DeliveryState::Delivered);
    }
    assert!(w.lmis.events().is_empty());
    // The LMIS comes back: only the stock part goes; DHIS2 hears nothing more.
    w.lmis.faults().end_down();
    w.agent.network_available().unwrap();
    w.sync_until_empty(Destination::Lmis, 20);
    assert_eq!(
        w.lmis.events().len(),
        forms.values().map(Vec::len).sum::<usize>()
    );
    assert_eq!(
        w.dhis2.stats().requests,
        dhis2_posts,
        "DHIS2 deliveries are not resent"
    );
}

#[test]
fn a_wrong_product_code_is_reported_before_anything_is_sent() {
    // The LMIS does not know ZINC's product code.
    let dir = tempfile::tempdir().unwrap();
    let forms = chw_forms(LmisMode::StockEvent);
    let facilities = example_map();
    let mut config = OpenLmisMockConfig::from_forms(&forms, &facilities);
    let zinc = forms
        .get("chw-monthly")
        .unwrap()
        .product("ZINC")
        .unwrap()
        .lmis_orderable_id
        .clone();
    config.orderables.retain(|o| o.id != zinc);
    let lmis = OpenLmisMock::start(config, 0).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities,
        clock.clone(),
    )
    .unwrap()
    .with_lmis(LmisSettings { url: lmis.url() });
    let creds = lmis_credentials();
    // At configuration time, with the item named.
    let problems = agent.check_lmis(&creds).unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("product ZINC") && p.contains("C104")),
        "{problems:?}"
    );
    // At entry time, as a finding on the product.
    let month = Period::containing(PeriodType::Monthly, clock.today()).previous();
    let d = DraftGen::new(1).draft(
        forms.get("chw-monthly").unwrap(),
        "HP-001",
        &month.iso(),
        &BTreeMap::new(),
    );
    let findings = agent.validate(&d).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.path == "stock.ZINC" && f.message.contains("C104")),
        "{findings:?}"
    );
    // Not discovered as a 400 at sync time: nothing is posted. No server
    // refused it, so it waits (issue 17) with the product named.
    let id = agent.submit(&d, true).unwrap().id;
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(10)), &creds, false)
        .unwrap();
    let l = r.destination(Destination::Lmis).unwrap();
    assert!(l.rejected.is_empty(), "{l:?}");
    let st = agent.status(&id).unwrap();
    let d = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    assert_eq!(d.state, DeliveryState::Waiting);
    let why = d.last_error.clone().unwrap_or_default();
    assert!(why.contains("C104"), "{why}");
    assert!(lmis.events().is_empty());
}

#[test]
fn lmis_check_says_each_problem_once_with_the_reasons_the_lmis_has() {
    // An LMIS without the demo's "Lost" reason, and a facility with no LMIS
    // identity at all (issue 16: 15 identical lines for 3 facilities, and
    // "match" when lmis_facility_id was missing).
    let dir = tempfile::tempdir().unwrap();
    let forms = chw_forms(LmisMode::StockEvent);
    let example = example_map();
    let mut config = OpenLmisMockConfig::from_forms(&forms, &example);
    let lost: Vec<String> = config
        .reasons
        .iter()
        .filter(|r| r.name == "Lost")
        .map(|r| r.id.clone())
        .collect();
    config.valid_reasons.retain(|(_, _, r)| !lost.contains(r));
    let lmis = OpenLmisMock::start(config, 0).unwrap();
    let mut list: Vec<agent_core::mapping::Facility> = example.iter().cloned().collect();
    let reporting = list
        .iter()
        .filter(|f| f.forms.is_empty() || f.forms.iter().any(|x| x == "chw-monthly"))
        .count();
    assert!(
        reporting >= 3,
        "the example map has several facilities for the form"
    );
    list.push(agent_core::mapping::Facility {
        code: "HP-009".into(),
        name: "No LMIS identity".into(),
        dhis2_org_unit: None,
        lmis_facility_id: None,
        lmis_facility_code: None,
        forms: vec!["chw-monthly".into()],
    });
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms,
        FacilityMap::new(list).unwrap(),
        Arc::new(FixedClock::new(chrono::Utc::now())),
    )
    .unwrap()
    .with_lmis(LmisSettings { url: lmis.url() });
    let creds = lmis_credentials();
    let problems = agent.check_lmis(&creds).unwrap();
    let lost_lines: Vec<&String> = problems.iter().filter(|p| p.contains("'Lost'")).collect();
    assert_eq!(lost_lines.len(), 1, "once, not per facility: {problems:#?}");
    // With the LMIS's debit reasons (contract §4 demo data) as candidates,
    // never a credit one.
    let line = lost_lines[0];
    assert!(
        line.contains("closest first:") && line.contains("'Damage'") && line.contains("'Expired'"),
        "{line}"
    );
    assert!(!line.contains("'Receipts'"), "{line}");
    // The facility without an LMIS code or id is named, not passed over.
    assert!(
        problems
            .iter()
            .any(|p| p.contains("HP-009")
                && p.contains("no lmis_facility_code and no lmis_facility_id")),
        "{problems:#?}"
    );
    let mut distinct = problems.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), problems.len(), "{problems:#?}");
}

#[test]
fn a_correction_after_delivery_sends_only_the_differences_and_the_card_ends_right() {
    let w = world(LmisMode::StockEvent);
    let month = Period::containing(PeriodType::Monthly, w.clock.today()).previous();
    let def = w.forms.get("chw-monthly").unwrap().clone();
    let d = DraftGen::new(8).draft(&def, "HP-001", &month.iso(), &BTreeMap::new());
    let id = w.agent.submit(&d, true).unwrap().id;
    w.sync_until_empty(Destination::Lmis, 5);
    // Two more ORS consumed than first reported.
    let mut c = d.clone();
    let e = c.stock.get_mut("ORS").unwrap();
    e.consumed = e.consumed.map(|x| x + 2);
    e.closing_balance = e.closing_balance.map(|x| x - 2);
    assert_eq!(w.agent.submit(&c, true).unwrap().revision, 2);
    w.sync_until_empty(Destination::Lmis, 5);
    let (fid, pid) = w.lmis_ids("HP-001");
    let ors = def.product("ORS").unwrap().lmis_orderable_id.clone();
    assert_eq!(
        w.lmis.stock_on_hand(&fid, &pid, &ors),
        c.stock["ORS"].closing_balance
    );
    let consumed = -w
        .lmis
        .tag_total(&fid, &pid, &ors, "consumed", month.start(), month.end());
    assert_eq!(
        consumed,
        c.stock["ORS"].consumed.unwrap(),
        "the consumed total is the corrected one"
    );
    let events = w.lmis.events();
    assert_eq!(events.len(), 2, "the first count and the correction");
    let correction = &events[1].body;
    let ors_line = correction["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["orderableId"] == ors.as_str())
        .unwrap();
    assert_eq!(
        ors_line["stockAdjustments"][0]["quantity"], 2,
        "only the difference"
    );
    let act = def.product("ACT-6x1").unwrap().lmis_orderable_id.clone();
    let act_line = correction["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["orderableId"] == act.as_str())
        .unwrap();
    // Unchanged: no adjustments, not even an empty list (issue 14).
    assert_eq!(act_line.get("stockAdjustments"), None);
    let st = w.agent.status(&id).unwrap();
    let l = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    assert_eq!(
        (l.state, l.delivered_revision),
        (DeliveryState::Delivered, Some(2))
    );
}

#[test]
fn an_expired_token_means_one_new_sign_in_and_the_server_date_bounds_occurred_dates() {
    let w = world(LmisMode::StockEvent);
    // The device's clock is ahead of the server's by two or three days; the
    // server's today is never the last day of its month, so the month's last
    // day is after it and the clamp matters.
    let mut server_today = w.clock.today() - chrono::Duration::days(2);
    if Period::containing(PeriodType::Monthly, server_today).end() == server_today {
        server_today -= chrono::Duration::days(1);
    }
    let current = Period::containing(PeriodType::Monthly, server_today);
    w.lmis.set_today(Some(server_today));
    let def = w.forms.get("chw-monthly").unwrap().clone();
    let d = DraftGen::new(9).draft(&def, "HP-002", &current.iso(), &BTreeMap::new());
    w.agent.submit(&d, true).unwrap();
    w.sync_until_empty(Destination::Lmis, 5);
    let ev = &w.lmis.events()[0].body;
    assert_eq!(
        ev["lineItems"][0]["occurredDate"],
        server_today.to_string(),
        "clamped to the server's today"
    );
    // The token expires; the next pass signs in once more and carries on.
    w.lmis.expire_tokens();
    let month = current.previous();
    let d2 = DraftGen::new(10).draft(&def, "HP-003", &month.iso(), &BTreeMap::new());
    w.agent.submit(&d2, true).unwrap();
    let r = w.sync();
    let l = r.destination(Destination::Lmis).unwrap();
    assert_eq!(l.delivered.len(), 1, "{l:?}");
    assert!(l.held.is_none());
}

#[test]
fn a_correction_after_the_requisition_was_submitted_is_refused_in_plain_words() {
    let w = world(LmisMode::Requisition);
    let (_, forms) = w.record_quarter();
    w.sync_until_empty(Destination::Lmis, 20);
    let mut c = forms["HP-001"][2].clone();
    let e = c.stock.get_mut("RDT").unwrap();
    e.consumed = e.consumed.map(|x| x + 1);
    e.closing_balance = e.closing_balance.map(|x| x - 1);
    let id = w.agent.submit(&c, true).unwrap().id;
    let before = w.lmis.requisitions();
    w.sync();
    let st = w.agent.status(&id).unwrap();
    let l = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    assert_eq!(l.state, DeliveryState::Rejected);
    assert!(
        l.problems[0]
            .advice
            .contains("Make the correction in the LMIS itself"),
        "{:?}",
        l.problems
    );
    assert_eq!(w.lmis.requisitions(), before, "nothing was sent");
}

#[test]
fn after_the_period_the_user_may_send_a_requisition_with_a_month_missing() {
    let w = world(LmisMode::Requisition);
    let quarter = Period::containing(PeriodType::Quarterly, w.clock.today()).previous();
    let months = quarter.split_into(PeriodType::Monthly).unwrap();
    let def = w.forms.get("chw-monthly").unwrap().clone();
    let mut g = DraftGen::new(12);
    let first = g.draft(&def, "HP-001", &months[0].iso(), &BTreeMap::new());
    let opening = first
        .stock
        .iter()
        .map(|(k, e)| (k.clone(), e.closing_balance.unwrap()))
        .collect();
    let second = g.draft(&def, "HP-001", &months[1].iso(), &opening);
    w.agent.submit(&first, true).unwrap();
    let id = w.agent.submit(&second, true).unwrap().id;
    w.sync();
    assert!(
        w.lmis.requisitions().is_empty(),
        "held while a month is missing"
    );
    assert!(w.agent.send_without_missing_months(&id).unwrap());
    w.sync_until_empty(Destination::Lmis, 10);
    let reqs = w.lmis.requisitions();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0]["status"], "SUBMITTED");
}
