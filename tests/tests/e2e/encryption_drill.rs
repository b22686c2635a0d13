//! The recovery drill of issue 17 item 4: the escrow export is the way back
//! when an encrypted outbox's key is lost. Device A (outbox encrypted)
//! records the two example drafts and exports them unsent to the district's
//! key; then A's key is destroyed, so A's outbox cannot be read by anyone;
//! a new device B (another key) imports the escrow file and syncs against
//! the simulated servers on 127.0.0.1, which must then hold exactly the
//! hand-written data value sets and stock events of `tests/fixtures/oracles/`.
//! (World and its checks are those of tests/escrow.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::clock::FixedClock;
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, AgentError, FacilityMap, FormSet, OutboxKey};
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

    /// The outbox of device `name`, encrypted with `key`.
    fn open(&self, name: &str, key: Option<OutboxKey>) -> Result<Agent, agent_core::AgentError> {
        let forms = FormSet::load_dir(&repo().join("schemas/forms")).unwrap();
        let facilities =
            FacilityMap::load(&repo().join("schemas/facilities/example.json")).unwrap();
        Agent::open_parts_keyed(
            &self.dir.path().join(format!("{name}.sqlite")),
            forms,
            facilities,
            self.clock.clone(),
            key,
        )
    }

    fn device(&self, name: &str, key: OutboxKey) -> Agent {
        self.open(name, Some(key))
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
            // The event came from the form A recorded: B kept A's id (the
            // test's `all_delivered(&b, ids)` reads it delivered under that
            // id), and the event carries its look-up marker, the resourceId,
            // at the end of documentNumber (contract §5.3).
            assert!(a.contains_key(form));
            assert!(
                events.iter().all(|e| {
                    let marker = e.resource_id.clone().unwrap_or_default();
                    !marker.is_empty()
                        && e.body["documentNumber"]
                            .as_str()
                            .is_some_and(|d| d.ends_with(&format!(" {marker}")))
                }),
                "{form}: an event without its marker in documentNumber"
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

fn events_sent(reports: &[SyncReport]) -> u32 {
    reports
        .iter()
        .map(|r| r.destination(Destination::Lmis).unwrap().events_sent)
        .sum()
}

/// A device key as the Android app makes one: 32 random bytes.
fn random_key() -> OutboxKey {
    let mut k = [0u8; 32];
    for b in &mut k {
        *b = fastrand::u8(..);
    }
    OutboxKey::from_raw(k)
}

#[test]
fn a_lost_device_key_is_recovered_from_the_escrow_export_on_a_new_device() {
    let w = World::new();
    let key_a = random_key();
    let a = w.device("a", key_a.clone());
    let ids = record_examples(&a);
    let (secret, public) = district_key();
    let mut file = Vec::new();
    let s = a.export_unsent(&public, &mut file).unwrap();
    assert_eq!((s.forms, s.revisions), (2, 2));
    drop(a);
    // The key is destroyed: A's outbox opens with no other key.
    drop(key_a);
    for attempt in [Some(random_key()), None] {
        match w.open("a", attempt) {
            Err(AgentError::OutboxKey { .. }) => {}
            other => panic!("A's outbox opened without its key: {other:?}"),
        }
    }
    // A new device, with its own key, recovers every unsent form.
    let b = w.device("b", random_key());
    let r = b.import(&file, secret.as_bytes()).unwrap();
    assert_eq!(r.imported.len(), 2);
    let rb = w.sync_until_empty(&b);
    assert_eq!(events_sent(&rb), 2);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, &ids);
}
