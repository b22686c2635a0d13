//! Oracles written by hand: each example draft of `schemas/examples/`,
//! synced to the simulated servers, must leave in DHIS2 exactly the data
//! value set and in the LMIS exactly the stock event written by hand in
//! `tests/fixtures/oracles/` (see its README). The expected values do not
//! come from the agent's code (`values_of`, `stock_event`), so a wrong data
//! element, option combo, reason or quantity in a form's mapping or in the
//! agent's builders fails here.

use super::support::{
    EXAMPLES, credentials, dhis2_settings, example_forms, example_map, fixture, lmis_settings,
    nov_20, nov_20_morning, read_json, repo,
};
use agent_core::Agent;
use agent_core::clock::{Clock, FixedClock};
use agent_core::draft::Draft;
use agent_core::outbox::Destination;
use agent_core::sync::SyncBudget;
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// The example drafts delivered to both simulated servers (made from the
/// example forms), until both queues are empty. The clock is 2026-11-20, so
/// the drafts' month (October 2026) is over.
struct Synced {
    _dir: tempfile::TempDir,
    dhis2: Dhis2Mock,
    lmis: OpenLmisMock,
    /// form id → submission id.
    submissions: BTreeMap<String, String>,
}

fn sync_examples() -> Synced {
    let (forms, facilities) = (example_forms(), example_map());
    sync_with(
        Dhis2MockConfig::from_forms(&forms, &facilities),
        OpenLmisMockConfig::from_forms(&forms, &facilities),
        &EXAMPLES,
    )
}

/// The CHW example only, to servers started from the hand-written metadata
/// fixtures of `tests/fixtures/metadata/` (a DHIS2 `GET /api/dataSets/{id}`
/// answer and OpenLMIS reference data), not from the agent's form
/// definitions: a form definition that disagrees with what the servers were
/// set up with fails here even where the adapter `from_forms` would agree.
fn sync_chw_to_fixture_servers() -> Synced {
    let metadata = repo().join("tests/fixtures/metadata");
    let ds = read_json(&metadata.join("dhis2.dataSet.MkXpsaCoKaE.json"));
    let refdata = read_json(&metadata.join("openlmis.referenceData.json"));
    sync_with(
        Dhis2MockConfig::from_data_sets(&[ds]).unwrap(),
        OpenLmisMockConfig::from_reference_data(&refdata).unwrap(),
        &EXAMPLES[..1],
    )
}

fn sync_with(
    dhis2_config: Dhis2MockConfig,
    lmis_config: OpenLmisMockConfig,
    examples: &[(&str, &str)],
) -> Synced {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = Dhis2Mock::start(dhis2_config, 0).unwrap();
    let lmis = OpenLmisMock::start(lmis_config, 0).unwrap();
    lmis.set_today(Some(nov_20()));
    let clock = Arc::new(FixedClock::new(nov_20_morning()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        example_forms(),
        example_map(),
        clock.clone(),
    )
    .unwrap()
    .with_dhis2(dhis2_settings(dhis2.url()))
    .with_lmis(lmis_settings(lmis.url()));
    let creds = credentials();
    let mut submissions = BTreeMap::new();
    for (form, draft) in examples {
        let bytes = std::fs::read(repo().join("schemas/examples").join(draft)).unwrap();
        let (d, findings) = Draft::from_json_bytes(&bytes).unwrap();
        assert!(findings.is_empty(), "{draft}: {findings:?}");
        assert_eq!(d.form, *form);
        let r = agent.submit(&d, true).unwrap();
        submissions.insert(form.to_string(), r.id);
    }
    for pass in 0..10 {
        let r = agent
            .sync(SyncBudget::time(Duration::from_secs(30)), &creds, false)
            .unwrap();
        let queued: u64 = [Destination::Dhis2, Destination::Lmis]
            .iter()
            .map(|d| r.destination(*d).map_or(0, |x| x.queued))
            .sum();
        for d in [Destination::Dhis2, Destination::Lmis] {
            let x = r.destination(d).unwrap();
            assert!(
                x.rejected.is_empty() && x.held.is_none(),
                "pass {pass}, {d:?}: rejected {:?}, held {:?}, failures {:?}",
                x.rejected,
                x.held,
                x.failures
            );
        }
        if queued == 0 {
            return Synced {
                _dir: dir,
                dhis2,
                lmis,
                submissions,
            };
        }
        let next = [Destination::Dhis2, Destination::Lmis]
            .iter()
            .filter_map(|d| r.destination(*d).and_then(|x| x.next_attempt_at))
            .min();
        if let Some(t) = next {
            clock.set(t.max(clock.now()) + chrono::Duration::milliseconds(1));
        }
    }
    panic!("the example drafts were not delivered in 10 passes");
}

type Key = (String, String, String, String, String);

/// (data element, period, org unit, option combo, attribute option combo) → value, from a fixture.
fn expected_values(set: &Value) -> BTreeMap<Key, String> {
    let s = |v: &Value, k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{k} in {v}"))
            .to_string()
    };
    set["dataValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                (
                    s(v, "dataElement"),
                    s(set, "period"),
                    s(set, "orgUnit"),
                    s(v, "categoryOptionCombo"),
                    s(set, "attributeOptionCombo"),
                ),
                s(v, "value"),
            )
        })
        .collect()
}

/// The hand-written data value sets use only fields of the contract's own
/// example (`dataValues_single_dataset.json`, contract §4).
#[test]
fn the_data_value_set_oracles_use_the_contracts_fields() {
    let contract =
        read_json(&repo().join("agent-core/tests/fixtures/dhis2/dataValues_single_dataset.json"));
    let keys = |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let mut top = keys(&contract);
    top.insert("attributeOptionCombo".into()); // a header field (contract §4, "Header fields")
    let row = keys(&contract["dataValues"][0]);
    for (form, _) in EXAMPLES {
        let set = fixture(&format!("{form}.dataValueSet.json"));
        assert!(keys(&set).is_subset(&top), "{form}: {:?}", keys(&set));
        for v in set["dataValues"].as_array().unwrap() {
            assert!(keys(v).is_subset(&row), "{form}: {v}");
        }
    }
}

#[test]
fn dhis2_holds_exactly_the_hand_written_data_value_sets_of_the_examples() {
    check_dhis2(&sync_examples(), &EXAMPLES);
}

#[test]
fn servers_started_from_metadata_fixtures_hold_exactly_the_chw_oracles() {
    let s = sync_chw_to_fixture_servers();
    check_dhis2(&s, &EXAMPLES[..1]);
    check_lmis(&s, &EXAMPLES[..1]);
}

fn check_dhis2(s: &Synced, examples: &[(&str, &str)]) {
    let mut expected = BTreeMap::new();
    for (form, _) in examples {
        expected.extend(expected_values(&fixture(&format!(
            "{form}.dataValueSet.json"
        ))));
    }
    let held: BTreeMap<Key, String> = s
        .dhis2
        .values()
        .into_iter()
        .map(|v| {
            (
                (v.data_element, v.period, v.org_unit, v.coc, v.aoc),
                v.value,
            )
        })
        .collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| held.get(*k) != Some(v))
        .collect();
    let extra: Vec<_> = held
        .iter()
        .filter(|(k, _)| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "DHIS2 differs from the hand-written data value sets: missing or different {missing:?}; not expected {extra:?}"
    );
}

/// Checks `actual` against the hand-written `expected`: same keys, same
/// values, placeholders bound (`$uuid` one UUID throughout, `$submission`
/// the submission id, `$text` any non-empty string, `$text $uuid` both with
/// a space between); `lineItems` compared by
/// `orderableId`, `stockAdjustments` by `reasonId` (the contract gives no
/// order to either). Returns every difference, by path.
fn differences(
    expected: &Value,
    actual: &Value,
    path: &str,
    submission: &str,
    uuid: &mut Option<String>,
    out: &mut Vec<String>,
) {
    match (expected, actual) {
        (Value::String(e), a) if e.starts_with('$') => {
            let text = a.as_str().unwrap_or("");
            let mut is_uuid = |text: &str| {
                let shaped = text.len() == 36
                    && text.bytes().enumerate().all(|(i, b)| match i {
                        8 | 13 | 18 | 23 => b == b'-',
                        _ => b.is_ascii_hexdigit(),
                    });
                shaped && uuid.get_or_insert_with(|| text.to_string()) == text
            };
            let ok = match e.as_str() {
                "$submission" => text == submission,
                "$text" => !text.trim().is_empty(),
                "$uuid" => is_uuid(text),
                "$text $uuid" => text
                    .rsplit_once(' ')
                    .is_some_and(|(t, u)| !t.trim().is_empty() && is_uuid(u)),
                other => panic!("unknown placeholder {other}"),
            };
            if !ok {
                out.push(format!("{path}: {a} is not {e}"));
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for k in e.keys().chain(a.keys()).collect::<BTreeSet<_>>() {
                let p = format!("{path}.{k}");
                match (e.get(k), a.get(k)) {
                    (Some(ev), Some(av)) => differences(ev, av, &p, submission, uuid, out),
                    (Some(_), None) => out.push(format!("{p}: missing")),
                    (None, Some(av)) => out.push(format!("{p}: not expected ({av})")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            let key = if path.ends_with("lineItems") {
                "orderableId"
            } else {
                "reasonId"
            };
            let by = |v: &Vec<Value>| -> BTreeMap<String, Value> {
                v.iter()
                    .map(|x| (x[key].as_str().unwrap_or("?").to_string(), x.clone()))
                    .collect()
            };
            let (e, a) = (by(e), by(a));
            for k in e.keys().chain(a.keys()).collect::<BTreeSet<_>>() {
                let p = format!("{path}[{key}={k}]");
                match (e.get(k), a.get(k)) {
                    (Some(ev), Some(av)) => differences(ev, av, &p, submission, uuid, out),
                    (Some(_), None) => out.push(format!("{p}: missing")),
                    (None, Some(av)) => out.push(format!("{p}: not expected ({av})")),
                    (None, None) => {}
                }
            }
        }
        (e, a) => {
            if e != a {
                out.push(format!("{path}: {a}, expected {e}"));
            }
        }
    }
}

/// The contract's `stockEventDto.json` (copied in agent-core's fixtures).
fn stock_event_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let path = repo().join(
        "agent-core/tests/fixtures/openlmis/schemas/stockmanagement/schemas/stockEventDto.json",
    );
    let mut schemas = boon::Schemas::new();
    let index = boon::Compiler::new()
        .compile(&path.display().to_string(), &mut schemas)
        .unwrap();
    (schemas, index)
}

/// The placeholders of a stock-event oracle replaced by sample values.
fn concrete(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('$') => {
            Value::String("0f8e3f4c-5a57-4c1e-9c36-3f1f0a2a6c11".to_string())
        }
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), concrete(x))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(concrete).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_stock_event_oracles_follow_the_contracts_schema() {
    let (schemas, index) = stock_event_schema();
    for (form, _) in EXAMPLES {
        let event = concrete(&fixture(&format!("{form}.stockEvent.json")));
        if let Err(e) = schemas.validate(&event, index) {
            panic!("{form}: the oracle breaks stockEventDto.json: {e:#}");
        }
    }
}

#[test]
fn the_lmis_receives_exactly_the_hand_written_stock_events_of_the_examples() {
    check_lmis(&sync_examples(), &EXAMPLES);
}

fn check_lmis(s: &Synced, examples: &[(&str, &str)]) {
    let events = s.lmis.events();
    assert_eq!(events.len(), examples.len(), "one event per example draft");
    let (schemas, index) = stock_event_schema();
    for (form, _) in examples {
        let expected = fixture(&format!("{form}.stockEvent.json"));
        let facility = expected["facilityId"].as_str().unwrap();
        let program = expected["programId"].as_str().unwrap();
        let got: Vec<_> = events
            .iter()
            .filter(|e| e.facility == facility && e.program == program)
            .collect();
        assert_eq!(
            got.len(),
            1,
            "{form}: one event for its facility and program"
        );
        let body = &got[0].body;
        assert!(
            schemas.validate(body, index).is_ok(),
            "{form}: the event sent breaks stockEventDto.json: {body}"
        );
        let mut diffs = Vec::new();
        differences(
            &expected,
            body,
            "event",
            &s.submissions[*form],
            &mut None,
            &mut diffs,
        );
        assert!(
            diffs.is_empty(),
            "{form}: the stock event differs from the hand-written one:\n{}",
            diffs.join("\n")
        );
        // The stock on hand the LMIS now holds is each line's closing balance.
        for line in expected["lineItems"].as_array().unwrap() {
            let orderable = line["orderableId"].as_str().unwrap();
            assert_eq!(
                s.lmis.stock_on_hand(facility, program, orderable),
                line["quantity"].as_i64(),
                "{form}: stock on hand of {orderable}"
            );
        }
    }
}
