//! Bodies the agent builds for OpenLMIS, checked against OpenLMIS's own JSON
//! schemas (copied in `tests/fixtures/openlmis`), and the pure decisions.

use super::*;
use crate::model::form::FormSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openlmis")
}

fn check_schema(file: &str, v: &Value) -> Result<(), String> {
    let path = fixtures().join(file);
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let idx = compiler
        .compile(&path.display().to_string(), &mut schemas)
        .map_err(|e| format!("{e:#}"))?;
    schemas.validate(v, idx).map_err(|e| format!("{e:#}"))
}

fn forms() -> FormSet {
    FormSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/forms")).unwrap()
}

/// The demo reasons of OpenLMIS (examples/stockmanagement/demo-data) plus its bootstrap ones.
fn demo_reasons() -> Vec<ReasonInfo> {
    let csv = std::fs::read_to_string(fixtures().join(
        "examples/stockmanagement/demo-data/stockmanagement.stock_card_line_item_reasons.csv",
    ))
    .unwrap();
    let mut out: Vec<ReasonInfo> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            Some(ReasonInfo {
                id: c.first()?.trim_start_matches('\u{feff}').to_string(),
                name: c.get(1)?.to_string(),
                reason_type: c.get(4)?.to_string(),
                category: c.get(3)?.to_string(),
                tags: vec![],
            })
        })
        .collect();
    for (id, name, t, tag) in [
        (
            "b5c27da7-bdda-4790-925a-9484c5dfb594",
            "Consumed",
            "DEBIT",
            "consumed",
        ),
        (
            "313f2f5f-0c22-4626-8c49-3554ef763de3",
            "Receipts",
            "CREDIT",
            "received",
        ),
        (
            "84eb13c3-3e54-4687-8a5f-a9f20dcd0dac",
            "Beginning Balance Excess",
            "CREDIT",
            "adjustment",
        ),
        (
            "f8bb41e2-ab43-4781-ae7a-7bf3b5116b82",
            "Beginning Balance Insufficiency",
            "DEBIT",
            "adjustment",
        ),
    ] {
        out.push(ReasonInfo {
            id: id.into(),
            name: name.into(),
            reason_type: t.into(),
            category: "ADJUSTMENT".into(),
            tags: vec![tag.into()],
        });
    }
    out
}

fn example(name: &str) -> Draft {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/examples")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn the_default_reasons_resolve_against_openlmis_demo_data() {
    let (map, problems) = resolve_reasons(&ReasonNames::default(), &demo_reasons());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        map[&Movement::Consumed],
        "b5c27da7-bdda-4790-925a-9484c5dfb594"
    );
    assert_eq!(
        map[&Movement::Losses],
        "b7e99f5b-af04-433d-9c30-d4f90c60c47b"
    );
    // A reason of the wrong direction, and one that does not exist, are named.
    let names = ReasonNames {
        losses: Some("Facility return".into()),
        received: Some("Gift".into()),
        ..Default::default()
    };
    let (_, problems) = resolve_reasons(&names, &demo_reasons());
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("'Gift'") || problems[1].contains("'Gift'"));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("'Facility return'") && p.contains("needs a DEBIT"))
    );
}

#[test]
fn a_form_becomes_a_physical_count_that_validates_against_openlmis_schemas() {
    let forms = forms();
    let def = forms.get("chw-monthly").unwrap();
    let (reasons, _) = resolve_reasons(&ReasonNames::default(), &demo_reasons());
    let draft = example("draft-chw-valid.json");
    let ev = stock_event(&EventInput {
        facility_id: "e6799d64-d10d-4011-b8c2-0e4d4a3f65ce",
        def,
        current: &draft,
        delivered: None,
        resource_id: "0193a0a0-0000-8000-8000-000000000001",
        occurred_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        reasons: &reasons,
        document_number: "HP-001 202610 r1",
    })
    .unwrap();
    check_schema("schemas/stockmanagement/schemas/stockEventDto.json", &ev).unwrap();
    let lines = ev["lineItems"].as_array().unwrap();
    assert_eq!(lines.len(), def.products.len());
    for line in lines {
        // A physical count: no reason, source or destination on the line (contract §5.1).
        for k in ["reasonId", "sourceId", "destinationId"] {
            assert!(line.get(k).is_none());
        }
        for a in line["stockAdjustments"].as_array().unwrap() {
            check_schema(
                "schemas/stockmanagement/schemas/stockEventAdjustmentDto.json",
                a,
            )
            .unwrap();
            assert!(a["quantity"].as_i64().unwrap() > 0);
        }
        // No per-line marker (issue 14): the event's marker is in its documentNumber.
        assert!(line.get("extraData").is_none(), "{line}");
    }
    assert_eq!(
        ev["documentNumber"],
        "HP-001 202610 r1 0193a0a0-0000-8000-8000-000000000001"
    );
    let act = &lines[0];
    let e = &draft.stock["ACT-6x1"];
    assert_eq!(act["quantity"], e.closing_balance.unwrap());
    let consumed = act["stockAdjustments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["reasonId"] == "b5c27da7-bdda-4790-925a-9484c5dfb594")
        .unwrap();
    assert_eq!(consumed["quantity"], e.consumed.unwrap());
}

#[test]
fn a_correction_sends_only_the_differences() {
    let forms = forms();
    let def = forms.get("chw-monthly").unwrap();
    let (reasons, _) = resolve_reasons(&ReasonNames::default(), &demo_reasons());
    let delivered = example("draft-chw-valid.json");
    let mut corrected = delivered.clone();
    let e = corrected.stock.get_mut("ORS").unwrap();
    // Two more consumed; and two fewer received on ACT-6x1.
    e.consumed = e.consumed.map(|c| c + 2);
    e.closing_balance = e.closing_balance.map(|c| c - 2);
    let a = corrected.stock.get_mut("ACT-6x1").unwrap();
    a.received = a.received.map(|r| r - 2);
    a.closing_balance = a.closing_balance.map(|c| c - 2);
    let ev = stock_event(&EventInput {
        facility_id: "f",
        def,
        current: &corrected,
        delivered: Some(&delivered),
        resource_id: "r2",
        occurred_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        reasons: &reasons,
        document_number: "d",
    })
    .unwrap();
    let by_code = |code: &str| {
        let id = &def.product(code).unwrap().lmis_orderable_id;
        ev["lineItems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["orderableId"] == *id)
            .unwrap()
            .clone()
    };
    let ors = by_code("ORS");
    assert_eq!(
        ors["quantity"],
        corrected.stock["ORS"].closing_balance.unwrap()
    );
    assert_eq!(
        ors["stockAdjustments"],
        json!([{"reasonId": reasons[&Movement::Consumed], "quantity": 2}])
    );
    let act = by_code("ACT-6x1");
    assert_eq!(
        act["stockAdjustments"],
        json!([{"reasonId": reasons[&Movement::DebitCorrection], "quantity": 2}])
    );
    assert_eq!(
        by_code("RDT").get("stockAdjustments"),
        None,
        "unchanged products carry no movement, not even an empty list"
    );
    // Without a reason for the correction, nothing is sent and the user is told.
    let mut fewer = reasons.clone();
    fewer.remove(&Movement::DebitCorrection);
    let err = stock_event(&EventInput {
        facility_id: "f",
        def,
        current: &corrected,
        delivered: Some(&delivered),
        resource_id: "r2",
        occurred_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        reasons: &fewer,
        document_number: "d",
    })
    .unwrap_err();
    assert!(err.contains("correction taking stock away"), "{err}");
}

#[test]
fn three_months_aggregate_into_one_requisition_line_that_balances() {
    let forms = forms();
    let def = forms.get("chw-monthly").unwrap();
    let (reasons, _) = resolve_reasons(&ReasonNames::default(), &demo_reasons());
    let mut months = Vec::new();
    let mut open = 40;
    for (i, (recv, cons, loss, adj)) in [(20, 18, 0, 0), (0, 15, 2, 0), (50, 22, 0, -3)]
        .into_iter()
        .enumerate()
    {
        let mut d = example("draft-chw-valid.json");
        d.period = format!("2026-{:02}", 10 + i);
        let close = open + recv - cons - loss + adj;
        let e = d.stock.get_mut("ACT-6x1").unwrap();
        *e = StockEntry {
            opening_balance: Some(open),
            received: Some(recv),
            consumed: Some(cons),
            losses: Some(loss),
            adjustments: Some(adj),
            closing_balance: Some(close),
            stockout_days: Some(i as i64),
            requested_quantity: Some(60),
        };
        // The next month's count found one more than the closing balance.
        open = close + if i == 0 { 1 } else { 0 };
        months.push(d);
    }
    let refs: Vec<&Draft> = months.iter().collect();
    let lines = aggregate(
        def,
        &refs,
        3,
        &reasons,
        &BTreeMap::new(),
        &LmisInputs::default(),
    )
    .unwrap();
    let act_id = &def.product("ACT-6x1").unwrap().lmis_orderable_id;
    let l = lines.iter().find(|l| l.orderable_id == *act_id).unwrap();
    assert_eq!(
        (
            l.beginning_balance,
            l.total_received_quantity,
            l.total_consumed_quantity
        ),
        (40, 70, 55)
    );
    assert_eq!(
        l.stock_on_hand,
        months[2].stock["ACT-6x1"].closing_balance.unwrap()
    );
    assert_eq!(l.total_stockout_days, 3);
    // E = A + B + D − C (contract §7.3).
    assert_eq!(
        l.stock_on_hand,
        l.beginning_balance + l.total_received_quantity + l.total_losses_and_adjustments
            - l.total_consumed_quantity
    );
    assert_eq!(l.total_losses_and_adjustments, 1 - 2 - 3);
    // N, P, H, I by the contract's formulas; the user's request differs, so it is explained.
    let n = adjusted_consumption(55, 3, 3);
    assert_eq!(n, 57);
    assert_eq!(
        l.calculated_order_quantity,
        (57 * 3 - l.stock_on_hand).max(0)
    );
    assert_eq!(l.requested_quantity, Some(60));
    assert!(
        l.requested_quantity_explanation
            .as_deref()
            .unwrap()
            .contains("60")
    );
    // Filled into a requisition body, the line validates against OpenLMIS's line item schema.
    let mut body = json!({"requisitionLineItems": [{"id": "x", "orderable": {"id": act_id, "versionNumber": 1},
        "approvedProduct": {"id": "ap", "versionNumber": 1}, "beginningBalance": null}]});
    let missing = fill_requisition(&mut body, &lines);
    assert_eq!(missing.len(), lines.len() - 1);
    check_schema(
        "schemas/requisition/schemas/requisitionLineItemV2.json",
        &body["requisitionLineItems"][0],
    )
    .unwrap();
}

#[test]
fn every_error_shape_of_the_contract_is_read() {
    let e = parse_error(br#"{"messageKey":"stockmanagement.error.physicalInventory.draft.submit","message":"This physical inventory draft has already been submitted"}"#);
    assert_eq!(e.key.as_deref(), Some(ALREADY_SUBMITTED));
    let e = parse_error(
        br#"{"error":"invalid_token","error_description":"Invalid access token: 1234"}"#,
    );
    assert_eq!(e.key.as_deref(), Some("invalid_token"));
    let e = parse_error(br#"{"message":"Data retrieval failed","description":"referencedata"}"#);
    assert_eq!(e.message, "Data retrieval failed referencedata");
    let e = parse_error(br#"{"requisitionLineItems":{"messageKey":"requisition.error.validation","message":"stock on hand does not balance"}}"#);
    assert_eq!(
        e.fields["requisitionLineItems"],
        "stock on hand does not balance"
    );
    let e = parse_error(b"<html>502 Bad Gateway</html>");
    assert!(e.message.contains("502"));
    assert!(
        advice_for(Some(
            "stockmanagement.error.event.debit.quantity.exceed.stockOnHand"
        ))
        .contains("below zero")
    );
}

#[test]
fn reference_problems_name_the_item() {
    let forms = forms();
    let def = forms.get("chw-monthly").unwrap();
    let facility = Facility {
        code: "HP-001".into(),
        name: "Kalembo".into(),
        dhis2_org_unit: None,
        lmis_facility_id: Some("e6799d64-d10d-4011-b8c2-0e4d4a3f65ce".into()),
        lmis_facility_code: Some("HC01".into()),
        forms: vec![],
    };
    let mut r = RefData {
        facility_id: Some("e6799d64-d10d-4011-b8c2-0e4d4a3f65ce".into()),
        supported_programs: vec![def.lmis.as_ref().unwrap().program_id.clone()],
        program_code: Some("PRG-CHW".into()),
        reasons: demo_reasons(),
        ..Default::default()
    };
    for p in &def.products {
        r.orderables
            .insert(p.lmis_code().to_string(), (p.lmis_orderable_id.clone(), 1));
    }
    assert!(
        check_reference(def, &facility, &r).is_empty(),
        "{:?}",
        check_reference(def, &facility, &r)
    );
    r.orderables.remove("C104");
    r.facility_id = Some("00000000-0000-4000-8000-000000000000".into());
    let problems = check_reference(def, &facility, &r);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("product ZINC: the LMIS has no product with code C104")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("the facility map says LMIS id")),
        "{problems:?}"
    );
}

use crate::error::Error;
use crate::routes::openlmis::lmis::{Answer, Expect, Fail, LmisClient, LmisRoute, LookUp};
use crate::store::deliveries::DueRow;
use crate::sync::{DestinationReport, Pass, Step};

/// The second implementation of [`LmisClient`]: an LMIS in memory that
/// refuses the first `refusals` stock events with a key naming an
/// orderable, and counts what the route asks of it.
struct FakeLmis {
    refs: RefData,
    refusals: u32,
    reference_reads: u32,
    forgotten: u32,
    events: u32,
    /// The `resourceId`s of the events it applied (what a look-up finds).
    applied: std::collections::HashSet<String>,
    look_ups: u32,
    /// From this reference read on (1-based), the LMIS answers 503 with a
    /// `Retry-After` of an hour.
    busy_from: Option<u32>,
}

impl FakeLmis {
    fn new(refs: RefData, refusals: u32) -> FakeLmis {
        FakeLmis {
            refs,
            refusals,
            reference_reads: 0,
            forgotten: 0,
            events: 0,
            applied: Default::default(),
            look_ups: 0,
            busy_from: None,
        }
    }
}

impl LmisClient for FakeLmis {
    fn reference(
        &mut self,
        _pass: &mut Pass<'_>,
        _report: &mut DestinationReport,
        _facility_code: &str,
        _facility_id: Option<&str>,
        _program_id: &str,
        _products: &[String],
        _requisitions: bool,
    ) -> Result<Result<RefData, Fail>, Error> {
        self.reference_reads += 1;
        if self.busy_from.is_some_and(|n| self.reference_reads >= n) {
            return Ok(Err(Fail::Transient {
                why: "the LMIS is busy (HTTP 503)".into(),
                retry_after: Some(std::time::Duration::from_secs(3600)),
                maybe_sent: false,
            }));
        }
        Ok(Ok(self.refs.clone()))
    }
    fn forget_reference(&mut self) {
        self.forgotten += 1;
    }
    fn deliver_event(
        &mut self,
        _pass: &mut Pass<'_>,
        _report: &mut DestinationReport,
        body: &Value,
        _rows: &[&DueRow],
    ) -> Result<Result<(), Fail>, Error> {
        self.events += 1;
        if self.refusals == 0 {
            if let Some(id) = body["resourceId"].as_str() {
                self.applied.insert(id.to_string());
            }
            return Ok(Ok(()));
        }
        self.refusals -= 1;
        Ok(Err(Fail::Refused {
            status: 400,
            error: LmisError {
                key: Some("stockmanagement.error.event.orderableId.invalid".into()),
                message: "Orderable is not in the approved list".into(),
                fields: Default::default(),
            },
        }))
    }
    fn look_up_event(
        &mut self,
        _pass: &mut Pass<'_>,
        _report: &mut DestinationReport,
        _facility_id: &str,
        _program_id: &str,
        _orderable_id: &str,
        marker: &str,
    ) -> Result<Result<LookUp, Fail>, Error> {
        self.look_ups += 1;
        Ok(Ok(if self.applied.contains(marker) {
            LookUp::Found
        } else {
            LookUp::Absent
        }))
    }
    fn server_today(&self) -> Option<chrono::NaiveDate> {
        None
    }
    fn call(
        &mut self,
        _pass: &mut Pass<'_>,
        _report: &mut DestinationReport,
        _method: &'static str,
        _path: &str,
        _body: Option<&Value>,
        _headers: &[(&str, &str)],
        _rows: &[&DueRow],
        _expect: Expect,
    ) -> Result<Result<Answer, Fail>, Error> {
        Ok(Err(Fail::Config(
            "the fake LMIS answers no other call".into(),
        )))
    }
}

/// Runs the LMIS route with the fake over one recorded form; returns what
/// the fake was asked (reference reads, forgets, events sent) and the state
/// of the form's LMIS delivery.
fn run_with_fake(refusals: u32) -> ((u32, u32, u32), crate::model::delivery::DeliveryState) {
    use crate::agent::Agent;
    use crate::clock::{Clock, FixedClock};
    use crate::model::delivery::Destination;
    use crate::model::mapping::FacilityMap;
    use crate::sync::Route;
    use chrono::TimeZone;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let facilities = FacilityMap::load(&root.join("facilities/example.json")).unwrap();
    let clock = Arc::new(FixedClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap(),
    ));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap();
    let id = agent
        .submit(&example("draft-chw-valid.json"), true)
        .unwrap()
        .id;
    let forms = forms();
    let def = forms.get("chw-monthly").unwrap();
    // The LMIS's reference data for the form, as in reference_problems_name_the_item.
    let mut refs = RefData {
        facility_id: Some("e6799d64-d10d-4011-b8c2-0e4d4a3f65ce".into()),
        supported_programs: vec![def.lmis.as_ref().unwrap().program_id.clone()],
        program_code: Some("PRG-CHW".into()),
        reasons: demo_reasons(),
        ..Default::default()
    };
    for p in &def.products {
        refs.orderables
            .insert(p.lmis_code().to_string(), (p.lmis_orderable_id.clone(), 1));
    }
    let fake = FakeLmis::new(refs, refusals);
    let transport = crate::net::http::UreqTransport::new(Default::default());
    let cancel = AtomicBool::new(false);
    let conn = rusqlite::Connection::open(agent.database_path()).unwrap();
    let mut pass = Pass::for_test(
        conn,
        clock.as_ref() as &dyn Clock,
        &transport,
        &forms,
        &facilities,
        &cancel,
    );
    let mut route = LmisRoute::new(fake);
    let mut report = DestinationReport::default();
    for _ in 0..20 {
        if route.step(&mut pass, &mut report).unwrap() != Step::Sent {
            break;
        }
    }
    let state = agent
        .status(&id)
        .unwrap()
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap()
        .state;
    let fake = route.client();
    ((fake.reference_reads, fake.forgotten, fake.events), state)
}

#[test]
fn a_refusal_naming_an_orderable_reads_reference_data_again_and_resends_once() {
    use crate::model::delivery::DeliveryState;
    // Refused once: one more reading of the reference data, one resend.
    let (asked, state) = run_with_fake(1);
    assert_eq!(state, DeliveryState::Delivered);
    assert_eq!(asked, (2, 1, 2));
    // Refused again after the fresh reading: rejected, not sent a third time.
    let (asked, state) = run_with_fake(5);
    assert_eq!(state, DeliveryState::Rejected);
    assert_eq!(asked, (2, 1, 2));
}

/// The LMIS reference data of the example CHW form (as in `run_with_fake`).
fn chw_refs() -> RefData {
    let forms = forms();
    let def = forms.get("chw-monthly").unwrap();
    let mut refs = RefData {
        facility_id: Some("e6799d64-d10d-4011-b8c2-0e4d4a3f65ce".into()),
        supported_programs: vec![def.lmis.as_ref().unwrap().program_id.clone()],
        program_code: Some("PRG-CHW".into()),
        reasons: demo_reasons(),
        ..Default::default()
    };
    for p in &def.products {
        refs.orderables
            .insert(p.lmis_code().to_string(), (p.lmis_orderable_id.clone(), 1));
    }
    refs
}

/// Issue 14: the deliveries of applied stock events are written together
/// after them (one transaction for several events). A pass killed after the
/// LMIS applied three events, before their deliveries were written, leaves
/// them armed: the next pass looks each one up, finds it, marks it delivered
/// and sends none again; the fourth, armed with them but never sent, is
/// looked up, not found, and sent once.
#[test]
fn events_applied_but_not_yet_written_when_a_pass_dies_are_looked_up_not_resent() {
    use crate::agent::Agent;
    use crate::clock::{Clock, FixedClock};
    use crate::model::delivery::{DeliveryState, Destination};
    use crate::model::mapping::FacilityMap;
    use crate::sync::Route;
    use chrono::TimeZone;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let facilities = FacilityMap::load(&root.join("facilities/example.json")).unwrap();
    let clock = Arc::new(FixedClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap(),
    ));
    let forms = forms();
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap();
    let ids: Vec<String> = ["2026-07", "2026-08", "2026-09", "2026-10"]
        .iter()
        .map(|p| {
            let mut d = example("draft-chw-valid.json");
            d.period = p.to_string();
            agent.submit(&d, true).unwrap().id
        })
        .collect();
    let lmis_state = |id: &str| {
        agent
            .status(id)
            .unwrap()
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Lmis)
            .unwrap()
            .state
    };
    let transport = crate::net::http::UreqTransport::new(Default::default());
    let cancel = AtomicBool::new(false);
    let pass = || {
        Pass::for_test(
            rusqlite::Connection::open(agent.database_path()).unwrap(),
            clock.as_ref() as &dyn Clock,
            &transport,
            &forms,
            &facilities,
            &cancel,
        )
    };

    // Pass 1: three events sent and applied, then the process dies (no
    // `finish`, nothing more written).
    let mut p1 = pass();
    let mut route = LmisRoute::new(FakeLmis::new(chw_refs(), 0));
    let mut report = DestinationReport::default();
    for _ in 0..3 {
        assert_eq!(route.step(&mut p1, &mut report).unwrap(), Step::Sent);
    }
    assert_eq!(route.client().events, 3);
    let applied = route.client().applied.clone();
    assert_eq!(applied.len(), 3);
    drop(route);
    drop(p1);
    for id in &ids {
        assert_ne!(lmis_state(id), DeliveryState::Delivered, "{id}");
    }

    // Pass 2, a new process: the three are looked up and found, not sent;
    // the fourth is looked up, absent, and sent.
    let mut p2 = pass();
    let mut fake = FakeLmis::new(chw_refs(), 0);
    fake.applied = applied;
    let mut route = LmisRoute::new(fake);
    let mut report = DestinationReport::default();
    for _ in 0..10 {
        if route.step(&mut p2, &mut report).unwrap() != Step::Sent {
            break;
        }
    }
    route.finish(&mut p2).unwrap();
    assert_eq!(route.client().events, 1, "an applied event was sent again");
    assert_eq!(route.client().look_ups, 4);
    assert_eq!(report.found_by_lookup, 3);
    for id in &ids {
        assert_eq!(lmis_state(id), DeliveryState::Delivered, "{id}");
    }
}

/// Issue 17: a requisition another device submitted is recognised by its
/// counts (A, B, C, D, E, X per product); one count different, or a product
/// missing, is not the same requisition. Hand-written LMIS body.
#[test]
fn a_requisition_submitted_elsewhere_is_recognised_by_its_counts() {
    let line = |id: &str, a, b, c, d, e, x| RequisitionLine {
        orderable_id: id.into(),
        beginning_balance: a,
        total_received_quantity: b,
        total_consumed_quantity: c,
        total_losses_and_adjustments: d,
        stock_adjustments: Vec::new(),
        stock_on_hand: e,
        total_stockout_days: x,
        requested_quantity: None,
        user_requested: None,
        adjusted_consumption: 0,
        average_consumption: 0,
        requested_quantity_explanation: None,
        calculated_order_quantity: 0,
    };
    let body = serde_json::json!({
        "status": "SUBMITTED",
        "requisitionLineItems": [
            {"orderable": {"id": "o-1"}, "beginningBalance": 30, "totalReceivedQuantity": 100,
             "totalConsumedQuantity": 120, "totalLossesAndAdjustments": 0, "stockOnHand": 10,
             "totalStockoutDays": 0, "requestedQuantity": 200},
            {"orderable": {"id": "o-2"}, "beginningBalance": 5, "totalReceivedQuantity": 0,
             "totalConsumedQuantity": 5, "totalLossesAndAdjustments": 0, "stockOnHand": 0,
             "totalStockoutDays": 12}
        ]
    });
    let same = [
        line("o-1", 30, 100, 120, 0, 10, 0),
        line("o-2", 5, 0, 5, 0, 0, 12),
    ];
    assert!(holds_counts_of(&body, &same));
    let other = [
        line("o-1", 30, 100, 110, 0, 20, 0),
        line("o-2", 5, 0, 5, 0, 0, 12),
    ];
    assert!(!holds_counts_of(&body, &other));
    let missing = [line("o-3", 0, 0, 0, 0, 0, 0)];
    assert!(!holds_counts_of(&body, &missing));
    assert!(!holds_counts_of(&body, &[]));
    assert!(!holds_counts_of(
        &serde_json::json!({"status": "SUBMITTED"}),
        &same
    ));
}

/// The look-up's test of a stock card line (contract §5.3: lines carry the
/// event's `documentNumber` and `extraData`), on hand-written lines.
#[test]
fn a_card_line_is_the_agents_by_its_document_number_or_its_old_per_line_marker() {
    let m = "0193a0a0-0000-8000-8000-000000000001";
    let check = |line: Value, expected: bool| {
        let typed: crate::routes::openlmis::dto::StockCardLine =
            crate::routes::openlmis::dto::decode(&line).unwrap();
        assert_eq!(line_carries_marker(&typed, m), expected, "{line}");
    };
    check(
        json!({"documentNumber": format!("HP-001 2026-11 r1 {m}")}),
        true,
    );
    check(json!({"documentNumber": m}), true);
    // Another event of the same card, a person's document, a longer word.
    check(
        json!({"documentNumber": "HP-001 2026-10 r1 0193a0a0-0000-8000-8000-000000000002"}),
        false,
    );
    check(json!({"documentNumber": "DN.1", "extraData": {}}), false);
    check(
        json!({"documentNumber": format!("HP-001 2026-11 r1 x{m}")}),
        false,
    );
    check(json!({"documentNumber": format!("{m} copied")}), false);
    check(json!({"documentNumber": null}), false);
    check(json!({}), false);
    // An event sent before issue 14 (the marker on each line).
    check(
        json!({"documentNumber": "HP-001 2026-11 r1", "extraData": {"agentEvent": m}}),
        true,
    );
    assert!(!line_carries_marker(
        &crate::routes::openlmis::dto::decode(&json!({"documentNumber": "a "})).unwrap(),
        ""
    ));
}

/// A correction recorded after an event was sent and applied, but before
/// the pass wrote its delivery (the row was still pending, armed), makes
/// that revision superseded; writing the applied event must not fail (it
/// may not go back to in flight) and records the revision the LMIS holds
/// as delivered.
#[test]
fn a_correction_recorded_before_an_applied_event_is_written_does_not_break_the_pass() {
    use crate::agent::Agent;
    use crate::clock::{Clock, FixedClock};
    use crate::model::delivery::{DeliveryState, Destination};
    use crate::model::mapping::FacilityMap;
    use crate::sync::Route;
    use chrono::TimeZone;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let facilities = FacilityMap::load(&root.join("facilities/example.json")).unwrap();
    let clock = Arc::new(FixedClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap(),
    ));
    let forms = forms();
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap();
    let mut d = example("draft-chw-valid.json");
    d.period = "2026-10".into();
    let id = agent.submit(&d, true).unwrap().id;
    let transport = crate::net::http::UreqTransport::new(Default::default());
    let cancel = AtomicBool::new(false);
    let mut p = Pass::for_test(
        rusqlite::Connection::open(agent.database_path()).unwrap(),
        clock.as_ref() as &dyn Clock,
        &transport,
        &forms,
        &facilities,
        &cancel,
    );
    let mut route = LmisRoute::new(FakeLmis::new(chw_refs(), 0));
    let mut report = DestinationReport::default();
    assert_eq!(route.step(&mut p, &mut report).unwrap(), Step::Sent);
    assert_eq!(route.client().events, 1);
    // The correction, recorded by the app while the pass runs.
    let first = d.stock.values().next().and_then(|e| e.losses).unwrap_or(0);
    if let Some(e) = d.stock.values_mut().next() {
        e.losses = Some(first + 1);
        e.closing_balance = e.closing_balance.map(|c| c - 1);
    }
    let r = agent.submit(&d, true).unwrap();
    assert_eq!((r.id.as_str(), r.revision), (id.as_str(), 2));
    route.finish(&mut p).unwrap();
    let audit = agent.inspect(&id).unwrap().audit;
    assert!(
        audit.iter().any(|a| a.revision == Some(1)
            && a.destination == Some(Destination::Lmis)
            && a.to_state == Some(DeliveryState::Delivered)),
        "revision 1, applied by the LMIS, is recorded delivered: {audit:#?}"
    );
}

/// An event the LMIS applied is written with the next chunk or at the end
/// of the pass; writing it marks the LMIS as answering. A failure later in
/// the same pass, before the next event is sent (the LMIS busy on the next
/// facility's reference read, `Retry-After: 3600`), keeps its backoff: the
/// applied event is written before the failure is applied, not after.
#[test]
fn a_busy_answer_after_an_applied_event_keeps_its_backoff() {
    use crate::agent::Agent;
    use crate::clock::{Clock, FixedClock};
    use crate::model::delivery::{DeliveryState, Destination};
    use crate::model::mapping::FacilityMap;
    use crate::sync::Route;
    use chrono::TimeZone;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let facilities = FacilityMap::load(&root.join("facilities/example.json")).unwrap();
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 10, 9, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let forms = forms();
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap();
    let ids: Vec<String> = ["HP-001", "HP-002"]
        .iter()
        .map(|f| {
            let mut d = example("draft-chw-valid.json");
            d.facility = f.to_string();
            agent.submit(&d, true).unwrap().id
        })
        .collect();
    let transport = crate::net::http::UreqTransport::new(Default::default());
    let cancel = AtomicBool::new(false);
    let mut p = Pass::for_test(
        rusqlite::Connection::open(agent.database_path()).unwrap(),
        clock.as_ref() as &dyn Clock,
        &transport,
        &forms,
        &facilities,
        &cancel,
    );
    let mut fake = FakeLmis::new(chw_refs(), 0);
    fake.busy_from = Some(2);
    let mut route = LmisRoute::new(fake);
    let mut report = DestinationReport::default();
    for _ in 0..5 {
        if route.step(&mut p, &mut report).unwrap() != Step::Sent {
            break;
        }
    }
    route.finish(&mut p).unwrap();
    assert_eq!(route.client().events, 1);
    assert_eq!(route.client().reference_reads, 2);
    let state = |id: &str| {
        agent
            .status(id)
            .unwrap()
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Lmis)
            .unwrap()
            .state
    };
    assert_eq!(state(&ids[0]), DeliveryState::Delivered);
    assert_ne!(state(&ids[1]), DeliveryState::Delivered);
    let dest = crate::store::destinations::destination_state(&p.conn, Destination::Lmis).unwrap();
    assert!(
        dest.backoff_until
            .is_some_and(|t| t >= now + chrono::Duration::minutes(59)),
        "the LMIS's Retry-After of an hour is kept: {dest:?}"
    );
}
