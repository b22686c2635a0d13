//! The bindings' `Agent` shared between threads, as the Android shell shares
//! it between the UI thread and a WorkManager worker: while a sync runs on a
//! worker against slow simulated servers (real HTTP on 127.0.0.1), a submit
//! from the "UI" thread completes promptly (WAL: the pass holds no write
//! lock while it waits for an answer), `cancel_sync` from the UI thread stops
//! the pass, and a later sync delivers everything to both servers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::outbox::{DeliveryState, Destination};
use agent_core::{FacilityMap, FormSet};
use android_bindings::{
    Agent, AgentSettings, CredentialError, CredentialProvider, Dhis2Credentials, Dhis2Endpoint,
    Draft, LmisCredentials, LmisEndpoint, StockEntry,
};
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::faults::FaultConfig;
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// The shell's Keystore, in a test: the mocks' default accounts.
struct Keystore {
    calls: Arc<AtomicU32>,
}

impl CredentialProvider for Keystore {
    fn dhis2(&self) -> Result<Option<Dhis2Credentials>, CredentialError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(Dhis2Credentials::Basic {
            username: "admin".into(),
            password: "district".into(),
        }))
    }
    fn lmis(&self) -> Result<Option<LmisCredentials>, CredentialError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(LmisCredentials {
            client_id: "user-client".into(),
            client_secret: "changeme".into(),
            username: "administrator".into(),
            password: "password".into(),
        }))
    }
}

/// The example valid draft, for `facility`, as the typed FFI record.
fn valid_draft(facility: &str) -> Draft {
    let text = std::fs::read_to_string(schemas().join("examples/draft-chw-valid.json")).unwrap();
    let d: agent_core::Draft = serde_json::from_str(&text).unwrap();
    Draft {
        form: d.form,
        facility: facility.into(),
        period: d.period,
        service: d.service.into_iter().collect(),
        stock: d
            .stock
            .into_iter()
            .map(|(code, e)| {
                let entry = StockEntry {
                    opening_balance: e.opening_balance,
                    received: e.received,
                    consumed: e.consumed,
                    losses: e.losses,
                    adjustments: e.adjustments,
                    closing_balance: e.closing_balance,
                    stockout_days: e.stockout_days,
                    requested_quantity: e.requested_quantity,
                };
                (code, entry)
            })
            .collect(),
        comment: d.comment,
        captured_by: d.captured_by,
    }
}

fn slow(ms: u64) -> FaultConfig {
    FaultConfig {
        latency_ms: ms,
        ..FaultConfig::default()
    }
}

#[test]
fn submit_during_a_slow_sync_completes_promptly_and_cancel_stops_the_pass() {
    let dir = tempfile::tempdir().unwrap();
    let forms = FormSet::load_dir(&schemas().join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas().join("facilities/example.json")).unwrap();
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let agent: Arc<Agent> = Agent::open(
        AgentSettings {
            database_path: dir.path().join("outbox.sqlite").display().to_string(),
            forms_dir: schemas().join("forms").display().to_string(),
            facilities_path: schemas()
                .join("facilities/example.json")
                .display()
                .to_string(),
            dhis2: Some(Dhis2Endpoint {
                url: dhis2.url(),
                batch_max_values: None,
                batch_max_bytes: None,
                connect_timeout_secs: Some(5),
                timeout_secs: Some(30),
                gzip: None,
                allow_insecure_http: None,
                ca_file: None,
            }),
            lmis: Some(LmisEndpoint {
                url: lmis.url(),
                connect_timeout_secs: None,
                timeout_secs: None,
                allow_insecure_http: None,
                ca_file: None,
            }),
            max_period_age_months: None,
            locale: None,
            keep_delivered_days: None,
            keep_exchanges_days: None,
        },
        Box::new(Keystore {
            calls: calls.clone(),
        }),
    )
    .unwrap();

    let first = agent.submit(valid_draft("HP-001"), true).unwrap();
    assert_eq!(first.revision, 1);

    // Slow servers: every answer takes 800 ms.
    dhis2.faults().set(slow(800));
    lmis.faults().set(slow(800));
    let worker = {
        let agent = agent.clone();
        std::thread::spawn(move || agent.sync(120_000, false))
    };
    // Wait until the pass is waiting for an answer.
    let deadline = Instant::now() + Duration::from_secs(20);
    while dhis2.stats().in_flight + lmis.stats().in_flight == 0 {
        assert!(Instant::now() < deadline, "the sync never sent a request");
        std::thread::sleep(Duration::from_millis(5));
    }

    // The UI thread saves another form meanwhile.
    let started = Instant::now();
    let second = agent.submit(valid_draft("HP-002"), true).unwrap();
    let took = started.elapsed();
    assert!(
        !worker.is_finished(),
        "the sync ended before the submit: the test proves nothing"
    );
    // Speed is not asserted (issue 13): the pass is still running after the
    // submit returned, so the submit did not wait for it. The time is shown.
    println!("submit during a sync took {took:?} (answers take 800 ms)");
    assert!(!second.duplicate);
    assert_eq!(
        agent.status(second.id.clone()).unwrap().overall,
        DeliveryState::Pending
    );

    // Cancel from the UI thread: the pass stops before its next request.
    agent.cancel_sync();
    let report = worker.join().unwrap().unwrap();
    assert!(report.cancelled, "{report:?}");
    assert!(!report.done);

    // Fast servers again: everything reaches both.
    dhis2.faults().set(FaultConfig::default());
    lmis.faults().set(FaultConfig::default());
    agent.network_available().unwrap();
    let mut done = false;
    for _ in 0..10 {
        let r = agent.sync(60_000, false).unwrap();
        if r.done {
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(
            r.call_again_at_ms
                .map(|at| {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_millis() as i64;
                    (at - now).clamp(0, 3000) as u64
                })
                .unwrap_or(100),
        ));
    }
    assert!(done, "sync never finished");
    for id in [&first.id, &second.id] {
        let st = agent.status(id.clone()).unwrap();
        assert_eq!(st.overall, DeliveryState::Delivered, "{st:?}");
        let dests: Vec<Destination> = st.destinations.iter().map(|d| d.destination).collect();
        assert_eq!(dests, vec![Destination::Dhis2, Destination::Lmis]);
        assert!(
            st.destinations
                .iter()
                .all(|d| d.state == DeliveryState::Delivered)
        );
    }
    assert!(calls.load(Ordering::SeqCst) >= 2);
    assert!(!dhis2.values().is_empty());
    assert!(!lmis.events().is_empty());
}
