//! What several end-to-end test files set up alike: paths into the
//! workspace, the example forms and facility map, the simulated servers'
//! test accounts, a device's server settings, and two worlds:
//! [`Escrow`] (two devices A and B, the example drafts, the hand-written
//! oracles; escrow.rs and encryption_drill.rs) and [`Months`] (one device
//! reporting month after month with generated drafts; retention.rs and
//! bandwidth.rs). The accounts are those the simulated servers accept
//! (cli-sim/sim-servers), not secrets.

use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::draft::Draft;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination, DestinationStatus};
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, AgentError, FacilityMap, FormSet, OutboxKey, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The example forms and their example drafts (`schemas/examples/`).
pub const EXAMPLES: [(&str, &str); 2] = [
    ("chw-monthly", "draft-chw-valid.json"),
    ("hp-maternal-monthly", "draft-maternal-valid.json"),
];

/// The workspace root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `schemas/` of the workspace.
pub fn schemas() -> PathBuf {
    repo().join("schemas")
}

/// A JSON file; a missing or broken one names its path.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A hand-written oracle of `tests/fixtures/oracles/`.
pub fn fixture(name: &str) -> Value {
    read_json(&repo().join("tests/fixtures/oracles").join(name))
}

/// The example form definitions (`schemas/forms/`).
pub fn example_forms() -> FormSet {
    FormSet::load_dir(&schemas().join("forms")).unwrap()
}

/// The example facility map (`schemas/facilities/example.json`).
pub fn example_map() -> FacilityMap {
    FacilityMap::load(&schemas().join("facilities/example.json")).unwrap()
}

/// The day most tests run on (the example drafts' month, October 2026, is over).
pub fn nov_20() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// 2026-11-20 10:00 UTC.
pub fn nov_20_morning() -> chrono::DateTime<chrono::Utc> {
    nov_20().and_hms_opt(10, 0, 0).unwrap().and_utc()
}

/// The simulated DHIS2's account.
pub fn dhis2_basic(password: &str) -> Credentials {
    Credentials::Basic {
        username: "admin".into(),
        password: password.into(),
    }
}

/// The simulated OpenLMIS's client and account.
pub fn lmis_oauth() -> Credentials {
    Credentials::OAuthPassword {
        client_id: "user-client".into(),
        client_secret: "changeme".into(),
        username: "administrator".into(),
        password: "password".into(),
    }
}

/// Both simulated servers' accounts.
pub fn credentials() -> StaticCredentials {
    StaticCredentials {
        dhis2: Some(dhis2_basic("district")),
        lmis: Some(lmis_oauth()),
    }
}

/// The simulated OpenLMIS's account only.
pub fn lmis_credentials() -> StaticCredentials {
    StaticCredentials {
        dhis2: None,
        lmis: Some(lmis_oauth()),
    }
}

/// DHIS2 at `url`: batches of up to 1000 values or 1 MiB, gzip as detected.
pub fn dhis2_settings(url: String) -> Dhis2Settings {
    Dhis2Settings {
        url,
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: None,
    }
}

/// The OpenLMIS at `url`.
pub fn lmis_settings(url: String) -> LmisSettings {
    LmisSettings { url }
}

/// Both simulated servers, made from `forms` and `facilities`.
pub fn start_servers(forms: &FormSet, facilities: &FacilityMap) -> (Dhis2Mock, OpenLmisMock) {
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(forms, facilities), 0).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(forms, facilities), 0).unwrap();
    (dhis2, lmis)
}

/// The state of `id`'s part for `dest`.
pub fn state_of(agent: &Agent, id: &str, dest: Destination) -> DestinationStatus {
    agent
        .status(id)
        .unwrap()
        .destinations
        .into_iter()
        .find(|d| d.destination == dest)
        .unwrap()
}

/// Every part of every form of `ids` is delivered.
pub fn all_delivered<'a>(agent: &Agent, ids: impl IntoIterator<Item = &'a String>) {
    for id in ids {
        for d in agent.status(id).unwrap().destinations {
            assert_eq!(
                d.state,
                DeliveryState::Delivered,
                "{id} {:?}",
                d.destination
            );
        }
    }
}

/// Two devices' outboxes (A and B) in one folder, the simulated servers
/// made from the example forms (the LMIS's physical-inventory guard off,
/// so only the agents' look-ups keep an event from being applied twice),
/// the clock at 2026-11-20 10:00.
pub struct Escrow {
    pub dir: tempfile::TempDir,
    pub dhis2: Dhis2Mock,
    pub lmis: OpenLmisMock,
    pub clock: Arc<FixedClock>,
    pub creds: StaticCredentials,
}

impl Escrow {
    pub fn new() -> Escrow {
        let (forms, facilities) = (example_forms(), example_map());
        let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
        let mut lc = OpenLmisMockConfig::from_forms(&forms, &facilities);
        lc.inventory_guard = false;
        let lmis = OpenLmisMock::start(lc, 0).unwrap();
        lmis.set_today(Some(nov_20()));
        Escrow {
            dir: tempfile::tempdir().unwrap(),
            dhis2,
            lmis,
            clock: Arc::new(FixedClock::new(nov_20_morning())),
            creds: credentials(),
        }
    }

    /// The outbox of device `name` (encrypted with `key`, if any).
    pub fn open(&self, name: &str, key: Option<OutboxKey>) -> Result<Agent, AgentError> {
        Agent::open_parts_keyed(
            &self.dir.path().join(format!("{name}.sqlite")),
            example_forms(),
            example_map(),
            self.clock.clone(),
            key,
        )
    }

    /// Device `name` with both servers set up.
    pub fn device(&self, name: &str, key: Option<OutboxKey>) -> Agent {
        self.open(name, key)
            .unwrap()
            .with_dhis2(dhis2_settings(self.dhis2.url()))
            .with_lmis(lmis_settings(self.lmis.url()))
    }

    /// Passes until both queues are empty (bounded); every report kept.
    /// Nothing may be rejected or held on the way.
    pub fn sync_until_empty(&self, agent: &Agent) -> Vec<SyncReport> {
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
                let now = self.clock.now();
                self.clock
                    .set(t.max(now) + chrono::Duration::milliseconds(1));
            }
        }
        panic!("the queues did not empty in 10 passes");
    }

    /// DHIS2 holds exactly the hand-written data value sets of both examples.
    pub fn check_dhis2(&self) {
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

    /// The LMIS holds one event per form (one per `resourceId`), every card
    /// the hand-written quantity, and each event came from the form A
    /// recorded (`a`: form id → submission id; B keeps A's ids): it carries
    /// the resourceId made from that submission, and that marker at the end
    /// of its documentNumber (contract §5.3).
    pub fn check_lmis(&self, a: &BTreeMap<String, String>) {
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
            let id = &a[form];
            let rid = agent_core::lmis::event_resource_id(id, 1);
            assert!(
                events
                    .iter()
                    .any(|e| e.resource_id.as_deref() == Some(rid.as_str())),
                "{form}: no event for submission {id}"
            );
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

/// A key pair made by the test (age's own generator, not the agent's):
/// (secret, public).
#[allow(deprecated)]
pub fn district_key() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    (
        id.to_string().expose_secret().to_string(),
        id.to_public().to_string(),
    )
}

/// The device records the example drafts (form id → submission id).
pub fn record_examples(a: &Agent) -> BTreeMap<String, String> {
    EXAMPLES
        .iter()
        .map(|(form, draft)| {
            let bytes = std::fs::read(schemas().join("examples").join(draft)).unwrap();
            (form.to_string(), a.submit_json(&bytes, true).unwrap().id)
        })
        .collect()
}

/// Stock events sent over `reports`.
pub fn events_sent(reports: &[SyncReport]) -> u32 {
    reports
        .iter()
        .map(|r| r.destination(Destination::Lmis).unwrap().events_sent)
        .sum()
}

/// Unknown outcomes settled by finding the event in the LMIS, over `reports`.
pub fn found_by_lookup(reports: &[SyncReport]) -> u32 {
    reports
        .iter()
        .map(|r| r.destination(Destination::Lmis).unwrap().found_by_lookup)
        .sum()
}

/// One device reporting month after month: the example forms and map, both
/// simulated servers made from them, drafts generated with their opening
/// balances carried from the month before, the device's clock moved by hand.
pub struct Months {
    pub dir: tempfile::TempDir,
    pub forms: FormSet,
    pub facilities: FacilityMap,
    pub clock: Arc<FixedClock>,
    pub lmis: OpenLmisMock,
    pub dhis2: Dhis2Mock,
    pub creds: StaticCredentials,
    /// Each (facility, form)'s last closing balances, carried to the next month.
    opening: BTreeMap<(String, String), BTreeMap<String, i64>>,
    drafts: DraftGen,
}

impl Months {
    /// The device's clock starts `days_back` days before today, so that
    /// every month of the test is in the past for the servers too (DHIS2
    /// judges periods by its own clock); drafts from `seed`.
    pub fn new(days_back: i64, seed: u64) -> Months {
        let (forms, facilities) = (example_forms(), example_map());
        let (dhis2, lmis) = start_servers(&forms, &facilities);
        let clock = Arc::new(FixedClock::new(
            chrono::Utc::now() - chrono::Duration::days(days_back),
        ));
        lmis.set_today(Some(clock.today()));
        Months {
            dir: tempfile::tempdir().unwrap(),
            forms,
            facilities,
            clock,
            lmis,
            dhis2,
            creds: credentials(),
            opening: BTreeMap::new(),
            drafts: DraftGen::new(seed),
        }
    }

    /// The device's outbox.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("o.sqlite")
    }

    /// The device as the app opens it (a new process each time: no token
    /// in memory, only what the outbox holds), with both destinations
    /// (`lmis`: false, DHIS2 only).
    pub fn agent(&self, lmis: bool) -> Agent {
        let a = Agent::open_parts(
            &self.db(),
            self.forms.clone(),
            self.facilities.clone(),
            self.clock.clone(),
        )
        .unwrap()
        .with_dhis2(dhis2_settings(self.dhis2.url()));
        if lmis {
            a.with_lmis(lmis_settings(self.lmis.url()))
        } else {
            a
        }
    }

    /// Last month's forms of each facility (every form it reports), each
    /// new; returns the ids and drafts saved.
    pub fn record_month(&mut self, agent: &Agent, facilities: &[&str]) -> Vec<(String, Draft)> {
        let month = Period::containing(PeriodType::Monthly, self.clock.today()).previous();
        let mut out = Vec::new();
        for f in facilities {
            let allowed = self.facilities.get(f).unwrap().forms.clone();
            for def in self.forms.iter() {
                if !allowed.is_empty() && !allowed.contains(&def.id) {
                    continue;
                }
                let key = (f.to_string(), def.id.clone());
                let opening = self.opening.get(&key).cloned().unwrap_or_default();
                let d: Draft = self.drafts.draft(def, f, &month.iso(), &opening);
                self.opening.insert(
                    key,
                    d.stock
                        .iter()
                        .map(|(k, e)| (k.clone(), e.closing_balance.unwrap()))
                        .collect(),
                );
                let r = agent.submit(&d, true).unwrap();
                assert!(!r.duplicate);
                out.push((r.id, d));
            }
        }
        out
    }

    /// One sync with a minute's budget, which must finish.
    pub fn sync(&self, agent: &Agent) {
        let r = agent
            .sync(
                SyncBudget::time(Duration::from_secs(60)),
                &self.creds,
                false,
            )
            .unwrap();
        assert!(r.done, "{r:?}");
    }

    /// `days` later, on the device and in the LMIS.
    pub fn advance_days(&self, days: i64) {
        self.clock.advance(chrono::Duration::days(days));
        self.lmis.set_today(Some(self.clock.today()));
    }
}
