//! End to end, the DHIS2 route: forms recorded while DHIS2 is unreachable,
//! then synced to the simulated DHIS2 (a real HTTP server on 127.0.0.1);
//! what DHIS2 holds afterwards is read back and compared with what the
//! forms say, value by value. Then a correction, then bad networks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::dhis2_basic;
use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::draft::Draft;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, FacilityMap, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig, VersionFamily};
use sim_servers::faults::FaultConfig;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

type Key = (String, String, String, String);

struct World {
    _dir: tempfile::TempDir,
    agent: Agent,
    clock: Arc<FixedClock>,
    mock: Dhis2Mock,
    creds: StaticCredentials,
    forms: FormSet,
    facilities: FacilityMap,
}

fn world(version: VersionFamily, gzip: bool) -> World {
    world_with(version, gzip, |_| {})
}

/// A world whose simulated DHIS2 is set up by `tweak` before it starts.
fn world_with(
    version: VersionFamily,
    gzip: bool,
    tweak: impl FnOnce(&mut Dhis2MockConfig),
) -> World {
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let forms = FormSet::load_dir(&schemas.join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas.join("facilities/example.json")).unwrap();
    let mut config = Dhis2MockConfig::from_forms(&forms, &facilities);
    config.version = version;
    config.gzip = gzip;
    tweak(&mut config);
    let mock = Dhis2Mock::start(config, 0).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("outbox.sqlite"),
        forms.clone(),
        facilities.clone(),
        clock.clone(),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: mock.url(),
        batch_max_values: 100,
        batch_max_bytes: 64 * 1024,
        gzip: None,
    });
    let creds = StaticCredentials {
        dhis2: Some(dhis2_basic("district")),
        lmis: None,
    };
    World {
        _dir: dir,
        agent,
        clock,
        mock,
        creds,
        forms,
        facilities,
    }
}

impl World {
    /// Four past months for each of the five health posts: 20 CHW forms.
    fn record_month_of_forms(&self) -> BTreeMap<String, Draft> {
        let def = self.forms.get("chw-monthly").unwrap();
        let mut g = DraftGen::new(11);
        let mut saved = BTreeMap::new();
        let mut month = Period::containing(PeriodType::Monthly, self.clock.today()).previous();
        for _ in 0..4 {
            for f in self.facilities.iter() {
                let d = g.draft(def, &f.code, &month.iso(), &BTreeMap::new());
                let r = self.agent.submit(&d, true).unwrap();
                saved.insert(r.id, d);
            }
            month = month.previous();
        }
        assert_eq!(saved.len(), 20);
        saved
    }

    /// What DHIS2 must hold for these forms: (data element, period, org
    /// unit, option combo) -> value, by the hand-written mapping of
    /// `tests/fixtures/oracles/chw-monthly.mapping.json` (not the agent's
    /// `values_of`): each count the form has, and each closing balance of a
    /// product with a stock-on-hand element.
    fn expected(&self, forms: &BTreeMap<String, Draft>) -> BTreeMap<Key, String> {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oracles/chw-monthly.mapping.json");
        let mapping: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let target = |section: &str, key: &str| -> Option<(String, String)> {
            let pair = mapping[section].get(key)?;
            Some((pair[0].as_str()?.to_string(), pair[1].as_str()?.to_string()))
        };
        let mut out = BTreeMap::new();
        for d in forms.values() {
            assert_eq!(
                d.form, "chw-monthly",
                "the mapping fixture is the CHW form's"
            );
            let ou = self
                .facilities
                .get(&d.facility)
                .unwrap()
                .dhis2_org_unit
                .clone()
                .unwrap();
            // "2026-10" -> "202610" (contract §3, Monthly).
            let pe = d.period.replace('-', "");
            assert_eq!(pe.len(), 6, "a month: {}", d.period);
            for (key, value) in &d.service {
                let (de, coc) = target("service", key)
                    .unwrap_or_else(|| panic!("{key} is not in the mapping fixture"));
                out.insert((de, pe.clone(), ou.clone(), coc), value.to_string());
            }
            for (code, entry) in &d.stock {
                if let (Some((de, coc)), Some(close)) =
                    (target("stock_on_hand", code), entry.closing_balance)
                {
                    out.insert((de, pe.clone(), ou.clone(), coc), close.to_string());
                }
            }
        }
        out
    }

    fn held(&self) -> BTreeMap<Key, String> {
        self.mock
            .values()
            .into_iter()
            .map(|v| ((v.data_element, v.period, v.org_unit, v.coc), v.value))
            .collect()
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

    /// Passes until the DHIS2 queue is empty, moving the clock to each
    /// report's next attempt time. Bounded: at most `max` passes.
    fn sync_until_dhis2_empty(&self, max: u32) -> Vec<SyncReport> {
        let mut reports = Vec::new();
        for _ in 0..max {
            let r = self.sync();
            let d = r.destination(Destination::Dhis2).unwrap().clone();
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
            "the DHIS2 queue did not empty in {max} passes: {:?}",
            reports.last()
        );
    }

    fn states(&self, dest: Destination) -> BTreeMap<DeliveryState, usize> {
        let mut out = BTreeMap::new();
        for s in self.agent.list(None, 1000).unwrap() {
            for d in s.destinations.iter().filter(|d| d.destination == dest) {
                *out.entry(d.state).or_insert(0) += 1;
            }
        }
        out
    }
}

/// Compares what DHIS2 holds with what it should, showing only the differences.
fn assert_same(held: &BTreeMap<Key, String>, expected: &BTreeMap<Key, String>, what: &str) {
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| held.get(*k) != Some(v))
        .take(5)
        .collect();
    let extra: Vec<_> = held
        .iter()
        .filter(|(k, _)| !expected.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} values held, {} expected; missing or different (first 5): {missing:?}; unexpected: {extra:?}",
        held.len(),
        expected.len()
    );
}

fn lmis_untouched(w: &World) {
    for s in w.agent.list(None, 1000).unwrap() {
        let l = s
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Lmis)
            .unwrap();
        assert_eq!(
            (l.state, l.attempts),
            (DeliveryState::Pending, 0),
            "{}",
            s.id
        );
    }
}

#[test]
fn forms_recorded_offline_reach_dhis2_exactly_and_corrections_follow() {
    for version in [
        VersionFamily::V2_37,
        VersionFamily::V2_40,
        VersionFamily::V2_43,
    ] {
        let w = world(version, version != VersionFamily::V2_37);
        // Offline: DHIS2 is down while the forms are recorded and a sync is tried.
        w.mock.faults().set(FaultConfig {
            down_for_secs: 3600.0,
            ..Default::default()
        });
        let forms = w.record_month_of_forms();
        let r = w.sync();
        let d = r.destination(Destination::Dhis2).unwrap();
        assert_eq!((d.delivered.len(), d.queued), (0, 20), "{version:?}");
        assert!(
            d.failures[0].contains("could not be reached"),
            "{:?}",
            d.failures
        );
        assert!(!r.done);
        // The network comes back.
        w.mock.faults().end_down();
        let reports = w.sync_until_dhis2_empty(20);
        for r in &reports {
            let d = r.destination(Destination::Dhis2).unwrap();
            assert!(
                d.rejected.is_empty(),
                "{version:?}: rejected {:?}",
                d.rejected.first()
            );
        }
        let expected = w.expected(&forms);
        assert_same(
            &w.held(),
            &expected,
            &format!("{version:?}: DHIS2 holds exactly the forms' values"),
        );
        assert_eq!(
            w.states(Destination::Dhis2),
            BTreeMap::from([(DeliveryState::Delivered, 20)])
        );
        assert_eq!(
            w.mock.completions().len(),
            20,
            "every form is marked complete"
        );
        lmis_untouched(&w);

        // A correction: two values change, one is removed.
        let (id, original) = forms.iter().next().unwrap();
        let mut corrected = original.clone();
        *corrected.service.get_mut("malaria_suspected").unwrap() += 3;
        *corrected.service.get_mut("diarrhoea_u5_ors_zinc").unwrap() += 1;
        let ors = corrected.stock.get_mut("ORS").unwrap();
        ors.consumed = ors.consumed.map(|c| c + 2);
        ors.received = ors.received.map(|c| c + 2);
        corrected.service.remove("fp_implant");
        let r = w.agent.submit(&corrected, true).unwrap();
        assert_eq!((&r.id, r.revision), (id, 2));
        w.sync_until_dhis2_empty(10);
        let mut now = forms.clone();
        now.insert(id.clone(), corrected);
        assert_same(
            &w.held(),
            &w.expected(&now),
            &format!("{version:?}: DHIS2 holds the corrected set"),
        );
        let st = w.agent.status(id).unwrap();
        let dd = st
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Dhis2)
            .unwrap();
        assert_eq!(
            (dd.state, dd.revision, dd.delivered_revision),
            (DeliveryState::Delivered, 2, Some(2))
        );
        lmis_untouched(&w);
    }
}

#[test]
fn dropped_answers_and_server_errors_end_with_exactly_the_expected_values() {
    let w = world(VersionFamily::V2_40, true);
    let forms = w.record_month_of_forms();
    w.mock.faults().set(FaultConfig {
        rate_drop_after_commit: 0.3,
        rate_5xx: 0.2,
        seed: 7,
        ..Default::default()
    });
    let reports = w.sync_until_dhis2_empty(200);
    assert_same(&w.held(), &w.expected(&forms), "after faults");
    assert_eq!(
        w.states(Destination::Dhis2),
        BTreeMap::from([(DeliveryState::Delivered, 20)])
    );
    lmis_untouched(&w);
    let (mut requests, mut retries, mut sent, mut received) = (0, 0, 0, 0);
    for r in &reports {
        let d = r.destination(Destination::Dhis2).unwrap();
        requests += d.requests;
        retries += d.retries;
        sent += d.bytes_sent;
        received += d.bytes_received;
    }
    let stats = w.mock.stats();
    assert!(
        stats.dropped_after_commit > 0 && stats.injected_5xx > 0,
        "the faults happened: {stats:?}"
    );
    println!(
        "dhis2 under faults: {} passes, {requests} requests ({retries} carrying retried forms), {sent} bytes sent, \
         {received} bytes received; server saw {} requests, dropped {} answers after commit, sent {} errors",
        reports.len(),
        stats.requests,
        stats.dropped_after_commit,
        stats.injected_5xx
    );
}

#[test]
fn a_metadata_pull_refreshes_the_form_and_keeps_local_words() {
    let w = world(VersionFamily::V2_40, true);
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    std::fs::create_dir_all(dir.path().join("forms")).unwrap();
    for f in ["chw-monthly.json", "hp-maternal-monthly.json"] {
        std::fs::copy(
            schemas.join("forms").join(f),
            dir.path().join("forms").join(f),
        )
        .unwrap();
    }
    let config_text = format!(
        "[agent]\ndatabase = \"o.sqlite\"\nforms = \"forms\"\nfacilities = \"{}\"\n[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_env = \"UNUSED\"\n",
        schemas.join("facilities/example.json").display(),
        w.mock.url()
    );
    let config = agent_core::AgentConfig::from_toml(&config_text, dir.path()).unwrap();
    let agent = Agent::open(&config).unwrap();
    let data_set = agent.form("chw-monthly").unwrap().dhis2.data_set;
    // A pending form uses a field that DHIS2 is about to drop.
    let month = Period::containing(PeriodType::Monthly, agent.clock().today()).previous();
    let draft = DraftGen::new(3).draft(
        &agent.form("chw-monthly").unwrap(),
        "HP-001",
        &month.iso(),
        &BTreeMap::new(),
    );
    agent.submit(&draft, true).unwrap();
    let pneumonia = agent
        .form("chw-monthly")
        .unwrap()
        .field("pneumonia_u5_amoxicillin")
        .unwrap()
        .data_element
        .clone();
    w.mock.remove_element_from_data_set(&data_set, &pneumonia);

    let pull = agent
        .pull_metadata(&data_set, None, &w.creds, false)
        .unwrap();
    assert_eq!(pull.report.removed, ["pneumonia_u5_amoxicillin"]);
    assert!(pull.report.changed);
    assert!(
        pull.pending_mismatches[0].contains("pneumonia_u5_amoxicillin"),
        "{:?}",
        pull.pending_mismatches
    );
    let def = agent.form("chw-monthly").unwrap();
    assert_eq!(def.version, 2);
    assert_eq!(
        def.field("malaria_suspected").unwrap().label,
        "Malaria: suspected cases (fever)",
        "local labels kept"
    );
    assert!(
        !def.rules
            .iter()
            .any(|r| r.id == "amox-consumed-vs-pneumonia")
    );
    // The file on disk is the new definition, and it loads.
    let again = FormSet::load_dir(&dir.path().join("forms")).unwrap();
    assert_eq!(again.get("chw-monthly").unwrap(), &def);
    // Offline, the cached copy gives the same answer and changes nothing.
    let offline = agent
        .pull_metadata(&data_set, None, &w.creds, true)
        .unwrap();
    assert!(!offline.report.changed);
}

#[test]
fn a_personal_access_token_is_sent_as_an_api_token() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let forms = FormSet::load_dir(&schemas.join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas.join("facilities/example.json")).unwrap();
    let token = "d2pat_5xVA12xyUbWNedQxy4ohH77WlxRGVvZZ1151814092";
    let mut config = Dhis2MockConfig::from_forms(&forms, &facilities);
    config.users.clear();
    config.tokens = vec![token.to_string()];
    let mock = Dhis2Mock::start(config, 0).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let agent = Agent::open_parts(
        &dir.path().join("o.sqlite"),
        forms.clone(),
        facilities,
        clock.clone(),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: mock.url(),
        batch_max_values: 100,
        batch_max_bytes: 1 << 20,
        gzip: None,
    });
    let month = Period::containing(PeriodType::Monthly, clock.today()).previous();
    let d = DraftGen::new(2).draft(
        forms.get("chw-monthly").unwrap(),
        "HP-004",
        &month.iso(),
        &BTreeMap::new(),
    );
    agent.submit(&d, true).unwrap();
    let good = StaticCredentials {
        dhis2: Some(Credentials::ApiToken {
            token: token.into(),
        }),
        lmis: None,
    };
    let bad = StaticCredentials {
        dhis2: Some(Credentials::ApiToken {
            token: "d2pat_wrong".into(),
        }),
        lmis: None,
    };
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(10)), &bad, false)
        .unwrap();
    let held = r
        .destination(Destination::Dhis2)
        .unwrap()
        .held
        .clone()
        .unwrap();
    assert!(held.contains("refused"), "{held}");
    assert!(!held.contains("d2pat"), "no secret in the reason");
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(10)), &good, true)
        .unwrap();
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().delivered.len(),
        1
    );
    assert_eq!(mock.values().len(), 15);
}

/// DHIS2 2.43 refuses a whole payload (`indexes: [-1]`) when one value names
/// an org unit it does not know, without saying which form of a batch it
/// was. The agent sends each form of that batch again on its own: the
/// other forms are delivered, the one form is refused with the reason, and
/// nothing is sent twice once it is known.
#[test]
fn a_batch_refused_whole_is_sent_again_form_by_form_and_only_the_bad_form_is_refused() {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let facilities = FacilityMap::load(&schemas.join("facilities/example.json")).unwrap();
    let missing = facilities.iter().next().unwrap().clone();
    let missing_ou = missing.dhis2_org_unit.clone().unwrap();
    let w = world_with(VersionFamily::V2_43, false, |c| {
        c.org_units.retain(|(uid, _)| *uid != missing_ou);
    });
    let forms = w.record_month_of_forms();
    let reports = w.sync_until_dhis2_empty(20);

    let states = w.states(Destination::Dhis2);
    assert_eq!(
        states.get(&DeliveryState::Delivered),
        Some(&16),
        "{states:?}"
    );
    assert_eq!(states.get(&DeliveryState::Rejected), Some(&4), "{states:?}");
    // Every value of the other facilities is held, none of the missing one.
    let good: BTreeMap<String, Draft> = forms
        .iter()
        .filter(|(_, d)| d.facility != missing.code)
        .map(|(id, d)| (id.clone(), d.clone()))
        .collect();
    assert_same(&w.held(), &w.expected(&good), "after sending alone");
    // Each refused form says why, with DHIS2's code.
    for (id, d) in &forms {
        let st = w.agent.status(id).unwrap();
        let dh = st
            .destinations
            .iter()
            .find(|x| x.destination == Destination::Dhis2)
            .unwrap();
        if d.facility == missing.code {
            assert_eq!(dh.state, DeliveryState::Rejected);
            assert!(
                dh.problems
                    .iter()
                    .any(|p| p.code.as_deref() == Some("E8103")
                        && p.server_message.contains(&missing_ou)),
                "{:?}",
                dh.problems
            );
        } else {
            assert_eq!(dh.state, DeliveryState::Delivered, "{id}");
        }
    }
    // Requests: the batches that held a form of the missing facility were
    // refused whole, then each of their forms went alone; a refused form is
    // not sent again.
    let requests: u32 = reports
        .iter()
        .filter_map(|r| r.destination(Destination::Dhis2))
        .map(|d| d.requests)
        .sum();
    let again = w.sync();
    let d = again.destination(Destination::Dhis2).unwrap();
    assert_eq!((d.requests, d.queued), (0, 0), "{d:?}");
    // At most: the gzip probe, the first batches (100 values each), then
    // each form alone; at least more than one request per form.
    let batches = w.expected(&forms).len().div_ceil(100);
    assert!(
        requests > 20 && requests as usize <= 1 + batches + 20,
        "{requests} requests for 20 forms in {batches} batches"
    );
    lmis_untouched(&w);
}

/// Issue 15: a pull asks for the data elements' translations and fills the
/// labels of a form that has none. Expected texts hand-written (the Swahili,
/// French and Portuguese of schemas/forms/chw-monthly.json, which the
/// simulated DHIS2 serves as the elements' translated form names).
#[test]
fn a_metadata_pull_fills_labels_in_each_language_from_dhis2_translations() {
    let w = world(VersionFamily::V2_40, true);
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    std::fs::create_dir_all(dir.path().join("forms")).unwrap();
    for f in ["chw-monthly.json", "hp-maternal-monthly.json"] {
        // The local copy without any translation.
        let text = std::fs::read_to_string(schemas.join("forms").join(f)).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v.as_object_mut().unwrap().remove("labels");
        for s in v["service"].as_array_mut().unwrap() {
            s.as_object_mut().unwrap().remove("labels");
        }
        std::fs::write(dir.path().join("forms").join(f), v.to_string()).unwrap();
    }
    let config_text = format!(
        "[agent]\ndatabase = \"o.sqlite\"\nforms = \"forms\"\nfacilities = \"{}\"\n[dhis2]\nurl = \"{}\"\nusername = \"admin\"\npassword_env = \"UNUSED\"\n",
        schemas.join("facilities/example.json").display(),
        w.mock.url()
    );
    let config = agent_core::AgentConfig::from_toml(&config_text, dir.path()).unwrap();
    let agent = Agent::open(&config).unwrap();
    let before = agent.form("chw-monthly").unwrap();
    assert!(before.field("malaria_suspected").unwrap().labels.is_empty());
    agent
        .pull_metadata(&before.dhis2.data_set, None, &w.creds, false)
        .unwrap();
    let def = agent.form("chw-monthly").unwrap();
    let f = def.field("malaria_suspected").unwrap();
    assert_eq!(f.label, "Malaria: suspected cases (fever)");
    assert_eq!(f.labels["fr"], "Paludisme : cas suspects (fièvre)");
    assert_eq!(f.labels["pt"], "Malária: casos suspeitos (febre)");
    assert_eq!(f.labels["sw"], "Malaria: wagonjwa wanaoshukiwa (homa)");
    assert_eq!(f.label_in("sw-TZ"), "Malaria: wagonjwa wanaoshukiwa (homa)");
    // The file on disk carries them.
    let again = FormSet::load_dir(&dir.path().join("forms")).unwrap();
    assert_eq!(again.get("chw-monthly").unwrap(), &def);
}
