//! Escrow across devices (issue 17), against the simulated servers on
//! 127.0.0.1: device A records the two example drafts and exports them
//! unsent; device B imports the file and syncs; then A syncs too (or never
//! does, or syncs before the import). Each time DHIS2 must hold exactly the
//! hand-written data value sets of `tests/fixtures/oracles/`, and the LMIS
//! exactly one stock event per form, with every card at the quantity of the
//! hand-written stock events. The LMIS's physical-inventory guard is off, so
//! only the agents' look-ups keep an event from being applied twice.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::clock::FixedClock;
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, FacilityMap, FormSet};
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const EXAMPLES: [(&str, &str); 2] = [
    ("chw-monthly", "draft-chw-valid.json"),
    ("hp-maternal-monthly", "draft-maternal-valid.json"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture(name: &str) -> Value {
    read_json(&repo().join("tests/fixtures/oracles").join(name))
}

struct World {
    dir: tempfile::TempDir,
    dhis2: Dhis2Mock,
    lmis: OpenLmisMock,
    clock: Arc<FixedClock>,
    creds: StaticCredentials,
}

impl World {
    fn new() -> World {
        let forms = FormSet::load_dir(&repo().join("schemas/forms")).unwrap();
        let facilities =
            FacilityMap::load(&repo().join("schemas/facilities/example.json")).unwrap();
        let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
        let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
        lc.inventory_guard = false;
        let lmis = OpenLmisMock::start(lc, 0).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        lmis.set_today(Some(today));
        let clock = Arc::new(FixedClock::new(
            today.and_hms_opt(10, 0, 0).unwrap().and_utc(),
        ));
        World {
            dir: tempfile::tempdir().unwrap(),
            dhis2,
            lmis,
            clock,
            creds: StaticCredentials {
                dhis2: Some(Credentials::Basic {
                    username: "admin".into(),
                    password: "district".into(),
                }),
                lmis: Some(Credentials::OAuthPassword {
                    client_id: "user-client".into(),
                    client_secret: "changeme".into(),
                    username: "administrator".into(),
                    password: "password".into(),
                }),
            },
        }
    }

    fn device(&self, name: &str) -> Agent {
        let forms = FormSet::load_dir(&repo().join("schemas/forms")).unwrap();
        let facilities =
            FacilityMap::load(&repo().join("schemas/facilities/example.json")).unwrap();
        Agent::open_parts(
            &self.dir.path().join(format!("{name}.sqlite")),
            forms,
            facilities,
            self.clock.clone(),
        )
        .unwrap()
        .with_dhis2(Dhis2Settings {
            url: self.dhis2.url(),
            batch_max_values: 1000,
            batch_max_bytes: 1 << 20,
            gzip: None,
        })
        .with_lmis(LmisSettings {
            url: self.lmis.url(),
        })
    }

    /// Passes until both queues are empty (bounded); every report kept.
    fn sync_until_empty(&self, agent: &Agent) -> Vec<SyncReport> {
        let mut reports = Vec::new();
        for _ in 0..10 {
            let r = agent
                .sync(
                    SyncBudget::time(Duration::from_secs(30)),
                    &self.creds,
                    false,
                )
                .unwrap();
            let queued: u64 = Destination::ALL
                .iter()
                .map(|d| r.destination(*d).map_or(0, |x| x.queued))
                .sum();
            for d in Destination::ALL {
                let x = r.destination(d).unwrap();
                assert!(
                    x.rejected.is_empty() && x.held.is_none(),
                    "{d:?}: rejected {:?}, held {:?}",
                    x.rejected,
                    x.held
                );
            }
            let next = Destination::ALL
                .iter()
                .filter_map(|d| r.destination(*d).and_then(|x| x.next_attempt_at))
                .min();
            reports.push(r);
            if queued == 0 {
                return reports;
            }
            if let Some(t) = next {
                let now = agent_core::clock::Clock::now(self.clock.as_ref());
                self.clock
                    .set(t.max(now) + chrono::Duration::milliseconds(1));
            }
        }
        panic!("the queues did not empty in 10 passes");
    }

    /// DHIS2 holds exactly the hand-written data value sets of both examples.
    fn check_dhis2(&self) {
        let mut expected: BTreeMap<(String, String, String, String), String> = BTreeMap::new();
        for (form, _) in EXAMPLES {
            let set = fixture(&format!("{form}.dataValueSet.json"));
            let s = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
            for v in set["dataValues"].as_array().unwrap() {
                expected.insert(
                    (
                        s(v, "dataElement"),
                        s(&set, "period"),
                        s(&set, "orgUnit"),
                        s(v, "categoryOptionCombo"),
                    ),
                    s(v, "value"),
                );
            }
        }
        let held: BTreeMap<_, _> = self
            .dhis2
            .values()
            .into_iter()
            .map(|v| ((v.data_element, v.period, v.org_unit, v.coc), v.value))
            .collect();
        assert_eq!(held, expected, "DHIS2 differs from the oracles");
    }

    /// The LMIS holds one event per form (one per `resourceId`), and every
    /// card the hand-written quantity.
    fn check_lmis(&self, a: &BTreeMap<String, String>) {
        let events = self.lmis.events();
        let mut per_resource: BTreeMap<String, usize> = BTreeMap::new();
        for e in &events {
            *per_resource
                .entry(e.resource_id.clone().unwrap_or_default())
                .or_default() += 1;
        }
        assert_eq!(
            events.len(),
            2,
            "one stock event per form; per resourceId: {per_resource:?}"
        );
        assert!(per_resource.values().all(|n| *n == 1), "{per_resource:?}");
        for (form, _) in EXAMPLES {
            let oracle = fixture(&format!("{form}.stockEvent.json"));
            let fid = oracle["facilityId"].as_str().unwrap();
            let pid = oracle["programId"].as_str().unwrap();
            for line in oracle["lineItems"].as_array().unwrap() {
                let orderable = line["orderableId"].as_str().unwrap();
                assert_eq!(
                    self.lmis.stock_on_hand(fid, pid, orderable),
                    line["quantity"].as_i64(),
                    "{form} {orderable}"
                );
            }
            // The event came from the form A recorded (its id kept by B).
            let id = &a[form];
            let rid = agent_core::lmis::event_resource_id(id, 1);
            assert!(
                events
                    .iter()
                    .any(|e| e.resource_id.as_deref() == Some(rid.as_str())),
                "{form}: no event for submission {id}"
            );
        }
    }
}

/// A key pair made by the test (age's own generator, not the agent's).
#[allow(deprecated)]
fn district_key() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    (
        id.to_string().expose_secret().to_string(),
        id.to_public().to_string(),
    )
}

/// Device A records the examples (form id → submission id).
fn record_examples(a: &Agent) -> BTreeMap<String, String> {
    EXAMPLES
        .iter()
        .map(|(form, draft)| {
            let bytes = std::fs::read(repo().join("schemas/examples").join(draft)).unwrap();
            (form.to_string(), a.submit_json(&bytes, true).unwrap().id)
        })
        .collect()
}

fn all_delivered(agent: &Agent, ids: &BTreeMap<String, String>) {
    for id in ids.values() {
        let s = agent.status(id).unwrap();
        for d in &s.destinations {
            assert_eq!(
                d.state,
                DeliveryState::Delivered,
                "{id} {:?}",
                d.destination
            );
        }
    }
}

fn found_by_lookup(reports: &[SyncReport]) -> u32 {
    reports
        .iter()
        .map(|r| r.destination(Destination::Lmis).unwrap().found_by_lookup)
        .sum()
}

fn events_sent(reports: &[SyncReport]) -> u32 {
    reports
        .iter()
        .map(|r| r.destination(Destination::Lmis).unwrap().events_sent)
        .sum()
}

fn export_import(a: &Agent, b: &Agent) {
    let (secret, public) = district_key();
    let mut file = Vec::new();
    let s = a.export_unsent(&public, &mut file).unwrap();
    assert_eq!((s.forms, s.revisions), (2, 2));
    let r = b.import(&file, secret.as_bytes()).unwrap();
    assert_eq!(r.imported.len(), 2);
}

#[test]
fn both_devices_sync_and_every_form_reaches_each_server_once() {
    let w = World::new();
    let a = w.device("a");
    let ids = record_examples(&a);
    let b = w.device("b");
    export_import(&a, &b);
    let rb = w.sync_until_empty(&b);
    assert_eq!(events_sent(&rb), 2);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, &ids);
    // A comes back and syncs: its look-ups find both events; nothing is sent twice.
    let ra = w.sync_until_empty(&a);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&a, &ids);
    assert_eq!(found_by_lookup(&ra), 2, "A looked its events up");
    assert_eq!(events_sent(&ra), 0);
}

#[test]
fn the_importing_device_alone_delivers_when_the_first_never_syncs() {
    let w = World::new();
    let a = w.device("a");
    let ids = record_examples(&a);
    let b = w.device("b");
    export_import(&a, &b);
    w.sync_until_empty(&b);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, &ids);
}

#[test]
fn a_device_that_synced_after_the_export_leaves_nothing_for_the_importer_to_send_twice() {
    let w = World::new();
    let a = w.device("a");
    let ids = record_examples(&a);
    let (secret, public) = district_key();
    let mut file = Vec::new();
    a.export_unsent(&public, &mut file).unwrap();
    // A syncs after the export, before B imports.
    let ra = w.sync_until_empty(&a);
    assert_eq!(events_sent(&ra), 2);
    let b = w.device("b");
    b.import(&file, secret.as_bytes()).unwrap();
    let rb = w.sync_until_empty(&b);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, &ids);
    assert_eq!(found_by_lookup(&rb), 2, "B looked the events up");
    assert_eq!(events_sent(&rb), 0);
}

/// An export taken while a sync is running (DHIS2 answers slowly, so a
/// form is in flight to it) holds every form not yet delivered: a form in
/// flight counts as undelivered, even when the LMIS already has it. B imports it; both devices sync; each
/// form reaches each server once.
#[test]
fn an_export_taken_during_a_sync_holds_the_forms_in_flight() {
    let w = World::new();
    let a = w.device("a");
    let ids = record_examples(&a);
    // First the LMIS gets both forms while DHIS2 answers only 503s: what
    // keeps the forms undelivered is their DHIS2 part alone.
    w.dhis2.faults().set(sim_servers::faults::FaultConfig {
        rate_5xx: 1.0,
        ..Default::default()
    });
    let r = a
        .sync(SyncBudget::time(Duration::from_secs(30)), &w.creds, false)
        .unwrap();
    assert_eq!(r.destination(Destination::Lmis).unwrap().queued, 0, "{r:?}");
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().queued,
        2,
        "{r:?}"
    );
    // Then DHIS2 answers, slowly (1.5 s each): the export is taken while a
    // form is in flight to it.
    w.dhis2.faults().set(sim_servers::faults::FaultConfig {
        latency_ms: 1500,
        ..Default::default()
    });
    a.network_available().unwrap();
    let (secret, public) = district_key();
    let dhis2_state = |id: &str| {
        a.status(id)
            .unwrap()
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Dhis2)
            .unwrap()
            .state
    };
    let (file, summary, in_flight, report) = std::thread::scope(|s| {
        let syncing = s.spawn(|| {
            a.sync(SyncBudget::time(Duration::from_secs(30)), &w.creds, false)
                .unwrap()
        });
        // Wait (at most 10 s) for a form to be in flight to DHIS2.
        let mut in_flight = None;
        for _ in 0..1000 {
            in_flight = ids
                .values()
                .find(|id| dhis2_state(id) == DeliveryState::InFlight)
                .cloned();
            if in_flight.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut file = Vec::new();
        let summary = a.export_unsent(&public, &mut file).unwrap();
        (file, summary, in_flight, syncing.join().unwrap())
    });
    let in_flight = in_flight.expect("a form was in flight to DHIS2 during the sync");
    assert_eq!((summary.forms, summary.undelivered), (2, 2), "{summary:?}");
    println!("the pass that ran during the export: {report:?}");
    w.dhis2
        .faults()
        .set(sim_servers::faults::FaultConfig::default());
    w.lmis
        .faults()
        .set(sim_servers::faults::FaultConfig::default());

    let b = w.device("b");
    let r = b.import(&file, secret.as_bytes()).unwrap();
    assert_eq!(r.imported.len(), 2);
    assert!(r.imported.iter().any(|i| i.id == in_flight), "{r:?}");
    w.sync_until_empty(&b);
    w.sync_until_empty(&a);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&a, &ids);
    all_delivered(&b, &ids);
}
