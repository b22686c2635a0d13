//! Escrow across devices (issue 17), against the simulated servers on
//! 127.0.0.1: device A records the two example drafts and exports them
//! unsent; device B imports the file and syncs; then A syncs too (or never
//! does, or syncs before the import). Each time DHIS2 must hold exactly the
//! hand-written data value sets of `tests/fixtures/oracles/`, and the LMIS
//! exactly one stock event per form, with every card at the quantity of the
//! hand-written stock events. The LMIS's physical-inventory guard is off, so
//! only the agents' look-ups keep an event from being applied twice.

use super::support::{
    Escrow, all_delivered, district_key, events_sent, found_by_lookup, record_examples,
};
use agent_core::Agent;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::SyncBudget;
use std::time::Duration;

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
    let w = Escrow::new();
    let a = w.device("a", None);
    let ids = record_examples(&a);
    let b = w.device("b", None);
    export_import(&a, &b);
    let rb = w.sync_until_empty(&b);
    assert_eq!(events_sent(&rb), 2);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, ids.values());
    // A comes back and syncs: its look-ups find both events; nothing is sent twice.
    let ra = w.sync_until_empty(&a);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&a, ids.values());
    assert_eq!(found_by_lookup(&ra), 2, "A looked its events up");
    assert_eq!(events_sent(&ra), 0);
}

#[test]
fn the_importing_device_alone_delivers_when_the_first_never_syncs() {
    let w = Escrow::new();
    let a = w.device("a", None);
    let ids = record_examples(&a);
    let b = w.device("b", None);
    export_import(&a, &b);
    w.sync_until_empty(&b);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, ids.values());
}

#[test]
fn a_device_that_synced_after_the_export_leaves_nothing_for_the_importer_to_send_twice() {
    let w = Escrow::new();
    let a = w.device("a", None);
    let ids = record_examples(&a);
    let (secret, public) = district_key();
    let mut file = Vec::new();
    a.export_unsent(&public, &mut file).unwrap();
    // A syncs after the export, before B imports.
    let ra = w.sync_until_empty(&a);
    assert_eq!(events_sent(&ra), 2);
    let b = w.device("b", None);
    b.import(&file, secret.as_bytes()).unwrap();
    let rb = w.sync_until_empty(&b);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&b, ids.values());
    assert_eq!(found_by_lookup(&rb), 2, "B looked the events up");
    assert_eq!(events_sent(&rb), 0);
}

/// An export taken while a sync is running (DHIS2 answers slowly, so a
/// form is in flight to it) holds every form not yet delivered: a form in
/// flight counts as undelivered, even when the LMIS already has it. B imports it; both devices sync; each
/// form reaches each server once.
#[test]
fn an_export_taken_during_a_sync_holds_the_forms_in_flight() {
    let w = Escrow::new();
    let a = w.device("a", None);
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

    let b = w.device("b", None);
    let r = b.import(&file, secret.as_bytes()).unwrap();
    assert_eq!(r.imported.len(), 2);
    assert!(r.imported.iter().any(|i| i.id == in_flight), "{r:?}");
    w.sync_until_empty(&b);
    w.sync_until_empty(&a);
    w.check_dhis2();
    w.check_lmis(&ids);
    all_delivered(&a, ids.values());
    all_delivered(&b, ids.values());
}
