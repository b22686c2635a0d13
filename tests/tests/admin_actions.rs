//! Issue 17 item 2 (in part): an administrator's change of credentials or
//! of server never deletes or strands an undelivered form. Each test
//! records the example draft, makes the change, and checks that the form is
//! still in the outbox, unchanged, and reaches the (new) server: DHIS2 then
//! holds exactly the hand-written oracle data value set.
//! (Facility map and form definition changes, and migrations, are not
//! covered here yet.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::clock::FixedClock;
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::HoldKind;
use agent_core::sync::SyncBudget;
use agent_core::{Agent, FacilityMap, FormSet};
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dhis2_server() -> Dhis2Mock {
    let forms = FormSet::load_dir(&repo().join("schemas/forms")).unwrap();
    let facilities = FacilityMap::load(&repo().join("schemas/facilities/example.json")).unwrap();
    Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap()
}

/// A device with only DHIS2 set up (the form's LMIS part stays queued) at 2026-11-20.
fn device(dir: &Path, url: &str) -> Agent {
    let forms = FormSet::load_dir(&repo().join("schemas/forms")).unwrap();
    let facilities = FacilityMap::load(&repo().join("schemas/facilities/example.json")).unwrap();
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    Agent::open_parts(
        &dir.join("o.sqlite"),
        forms,
        facilities,
        Arc::new(FixedClock::new(now)),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: url.to_string(),
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: None,
    })
}

fn basic(password: &str) -> StaticCredentials {
    StaticCredentials {
        dhis2: Some(Credentials::Basic {
            username: "admin".into(),
            password: password.into(),
        }),
        lmis: None,
    }
}

fn record(agent: &Agent) -> (String, String) {
    let bytes = std::fs::read(repo().join("schemas/examples/draft-chw-valid.json")).unwrap();
    let r = agent.submit_json(&bytes, true).unwrap();
    (r.id, r.content_hash)
}

fn dhis2_state(agent: &Agent, id: &str) -> DeliveryState {
    agent
        .status(id)
        .unwrap()
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Dhis2)
        .unwrap()
        .state
}

/// The form is still there with its content, queued.
fn still_queued(agent: &Agent, id: &str, hash: &str) {
    let detail = agent.inspect(id).unwrap();
    assert_eq!(detail.revisions.len(), 1);
    assert_eq!(detail.revisions[0].content_hash, hash);
    assert_eq!(dhis2_state(agent, id), DeliveryState::Pending);
}

/// DHIS2 holds exactly the hand-written CHW data value set.
fn holds_the_oracle(dhis2: &Dhis2Mock) {
    let text = std::fs::read_to_string(
        repo().join("tests/fixtures/oracles/chw-monthly.dataValueSet.json"),
    )
    .unwrap();
    let set: Value = serde_json::from_str(&text).unwrap();
    let s = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
    let expected: BTreeMap<_, _> = set["dataValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                (
                    s(v, "dataElement"),
                    s(&set, "orgUnit"),
                    s(v, "categoryOptionCombo"),
                ),
                s(v, "value"),
            )
        })
        .collect();
    let held: BTreeMap<_, _> = dhis2
        .values()
        .into_iter()
        .map(|v| ((v.data_element, v.org_unit, v.coc), v.value))
        .collect();
    assert_eq!(held, expected);
}

fn sync(agent: &Agent, creds: &StaticCredentials) -> agent_core::sync::SyncReport {
    agent
        .sync(SyncBudget::time(Duration::from_secs(30)), creds, false)
        .unwrap()
}

#[test]
fn refused_credentials_hold_the_form_and_new_ones_deliver_it() {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = dhis2_server();
    let agent = device(dir.path(), &dhis2.url());
    let (id, hash) = record(&agent);
    let r = sync(&agent, &basic("an-old-password"));
    let d = r.destination(Destination::Dhis2).unwrap();
    assert_eq!(d.held_kind, Some(HoldKind::Credentials), "{d:?}");
    still_queued(&agent, &id, &hash);
    // The administrator enters the new password: the next sync sends.
    let r = sync(&agent, &basic("district"));
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().queued,
        0,
        "{r:?}"
    );
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    holds_the_oracle(&dhis2);
}

#[test]
fn a_new_server_address_receives_what_the_old_one_never_got() {
    let dir = tempfile::tempdir().unwrap();
    let old = dhis2_server();
    let old_url = old.url();
    old.stop();
    let agent = device(dir.path(), &old_url);
    let (id, hash) = record(&agent);
    let r = sync(&agent, &basic("district"));
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().queued,
        1,
        "{r:?}"
    );
    still_queued(&agent, &id, &hash);
    drop(agent);
    // The server moved: the device is set up with the new address.
    let new = dhis2_server();
    let agent = device(dir.path(), &new.url());
    still_queued(&agent, &id, &hash);
    agent.network_available().unwrap();
    let r = sync(&agent, &basic("district"));
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().queued,
        0,
        "{r:?}"
    );
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    holds_the_oracle(&new);
}
