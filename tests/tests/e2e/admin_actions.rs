//! Issue 17 item 2 (in part): an administrator's change of credentials or
//! of server never deletes or strands an undelivered form. Each test
//! records the example draft, makes the change, and checks that the form is
//! still in the outbox, unchanged, and reaches the (new) server: DHIS2 then
//! holds exactly the hand-written oracle data value set.
//!
//! Changing the facility map (a facility removed, or its code changed) or
//! removing a form definition while forms are unsent: the agent still
//! opens (the health worker keeps recording), says on every start how many
//! forms the new definitions cannot send and what to do
//! (`Agent::stranded`, the export command), sets them `waiting` at the
//! next sync with that reason in `status` (DHIS2 and the LMIS alike; never
//! `rejected`: no server refused them), keeps their content, and sends
//! them by itself, exactly once, at the first sync after the definitions
//! are back (no resend). Replacing a
//! form definition by a newer version keeps them deliverable as they are.
//! An outbox written by schema 1 with unsent forms is migrated and sends
//! them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::{
    credentials, dhis2_basic, example_forms, example_map, nov_20, nov_20_morning, repo, state_of,
};
use agent_core::clock::FixedClock;
use agent_core::credentials::StaticCredentials;
use agent_core::dhis2::Dhis2Settings;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination, LastErrorKind};
use agent_core::sync::HoldKind;
use agent_core::sync::SyncBudget;
use agent_core::{Agent, FacilityMap, FormSet};
use cli_sim::from_forms::FromForms;
use serde_json::Value;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn dhis2_server() -> Dhis2Mock {
    let forms = example_forms();
    let facilities = example_map();
    Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap()
}

/// A device with only DHIS2 set up (the form's LMIS part stays queued) at 2026-11-20.
fn device(dir: &Path, url: &str) -> Agent {
    let forms = example_forms();
    let facilities = example_map();
    let now = nov_20_morning();
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
        dhis2: Some(dhis2_basic(password)),
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

/// The example facility map with `edit` applied, written into `dir`.
fn edited_map(dir: &Path, edit: impl FnOnce(&mut Value)) -> FacilityMap {
    let text = std::fs::read_to_string(repo().join("schemas/facilities/example.json")).unwrap();
    let mut map: Value = serde_json::from_str(&text).unwrap();
    map.as_object_mut().unwrap().remove("$schema");
    edit(&mut map);
    let path = dir.join("facilities.json");
    std::fs::write(&path, map.to_string()).unwrap();
    FacilityMap::load(&path).unwrap()
}

/// The example form definitions, each passed through `keep` (None: left out).
fn edited_forms(dir: &Path, keep: impl Fn(Value) -> Option<Value>) -> FormSet {
    let out = dir.join("forms");
    std::fs::create_dir_all(&out).unwrap();
    for e in std::fs::read_dir(repo().join("schemas/forms")).unwrap() {
        let e = e.unwrap();
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("$schema");
        if let Some(v) = keep(v) {
            std::fs::write(out.join(e.file_name()), v.to_string()).unwrap();
        }
    }
    FormSet::load_dir(&out).unwrap()
}

/// The device at 2026-11-20 with these definitions; DHIS2 and, when
/// given, the LMIS.
fn device_with(
    dir: &Path,
    forms: FormSet,
    facilities: FacilityMap,
    dhis2: &str,
    lmis: Option<&str>,
) -> Agent {
    let now = nov_20_morning();
    let a = Agent::open_parts(
        &dir.join("o.sqlite"),
        forms,
        facilities,
        Arc::new(FixedClock::new(now)),
    )
    .unwrap()
    .with_dhis2(Dhis2Settings {
        url: dhis2.to_string(),
        batch_max_values: 1000,
        batch_max_bytes: 1 << 20,
        gzip: None,
    });
    match lmis {
        Some(url) => a.with_lmis(LmisSettings {
            url: url.to_string(),
        }),
        None => a,
    }
}

fn both() -> StaticCredentials {
    credentials()
}

fn lmis_server() -> OpenLmisMock {
    let forms = example_forms();
    let m = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &example_map()), 0).unwrap();
    m.set_today(Some(nov_20()));
    m
}

/// The export command every warning about unsendable forms names.
const EXPORT: &str = "cli-sim export --unsent --to <district public key> --out FILE";

/// A key pair made by the test (age's own generator, not the agent's).
#[allow(deprecated)]
fn district_public_key() -> String {
    age::x25519::Identity::generate().to_public().to_string()
}

/// The facility of the example form is gone from the map (`edit`): the
/// agent opens and says so, the sync refuses the form with that reason,
/// the export takes it, and with the map put back it is delivered.
fn facility_change(edit: impl FnOnce(&mut Value)) {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = dhis2_server();
    let agent = device(dir.path(), &dhis2.url());
    let (id, hash) = record(&agent);
    assert_eq!(agent.stranded().unwrap(), None);
    drop(agent);

    let map = edited_map(dir.path(), edit);
    let agent = device_with(dir.path(), example_forms(), map, &dhis2.url(), None);
    let s = agent
        .stranded()
        .unwrap()
        .expect("the unsent form is reported");
    assert_eq!(s.forms, 1);
    assert_eq!(
        s.reasons,
        vec!["the facility 'HP-001' is no longer in the facility map (1 form)".to_string()]
    );
    assert!(
        s.message
            .starts_with("1 form not yet delivered cannot be sent"),
        "{}",
        s.message
    );
    assert!(s.message.contains(EXPORT), "{}", s.message);
    assert_eq!(s.warning.id, "stranded-warning");
    // The same warning in the worker's language (issue 15).
    assert!(agent.set_locale("sw"));
    let sw = agent.stranded().unwrap().expect("still reported");
    assert_eq!(
        sw.reasons,
        vec!["kituo 'HP-001' hakipo tena kwenye orodha ya vituo (fomu 1)".to_string()]
    );
    assert!(
        sw.message
            .starts_with("Fomu 1 ambayo bado haijafika haiwezi kutumwa kwa maelezo ya sasa: kituo 'HP-001' hakipo tena"),
        "{}",
        sw.message
    );
    assert!(
        sw.message.contains("Imehifadhiwa, haijafutwa"),
        "{}",
        sw.message
    );
    assert!(sw.message.contains(EXPORT), "{}", sw.message);
    assert_eq!(
        sw.reason_messages,
        s.reason_messages
            .iter()
            .map(|m| {
                let mut m = m.clone();
                m.args[0].value = agent_core::i18n::ArgValue::Text {
                    value: "kituo 'HP-001' hakipo tena kwenye orodha ya vituo".into(),
                };
                m
            })
            .collect::<Vec<_>>()
    );
    assert!(agent.set_locale("en"));
    still_queued(&agent, &id, &hash);

    let r = sync(&agent, &basic("district"));
    // Waiting, not refused: no server saw it (issue 17).
    let d = state_of(&agent, &id, Destination::Dhis2);
    assert_eq!(d.state, DeliveryState::Waiting);
    assert_eq!(d.last_error_kind, Some(LastErrorKind::Waiting));
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let why = d.last_error.unwrap();
    assert!(
        why.contains("the facility 'HP-001' is no longer in the facility map"),
        "{why}"
    );
    assert!(why.contains("It is kept, not deleted"), "{why}");
    assert!(why.contains("sent by itself"), "{why}");
    assert!(why.contains(EXPORT), "{why}");
    assert!(
        r.destination(Destination::Dhis2)
            .unwrap()
            .rejected
            .is_empty()
    );
    assert!(!r.done, "still to deliver: {r:?}");
    assert_eq!(r.call_again_at, None, "it waits for a person: {r:?}");
    assert!(dhis2.values().is_empty());
    // Re-planned at each pass without a new trace while nothing changed.
    let trail = agent.inspect(&id).unwrap().audit.len();
    sync(&agent, &basic("district"));
    assert_eq!(agent.inspect(&id).unwrap().audit.len(), trail);
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Waiting);
    // Still reported at start-up (waiting, kept).
    assert_eq!(agent.stranded().unwrap().unwrap().forms, 1);
    // The export command takes it.
    let mut file = Vec::new();
    let summary = agent
        .export_unsent(&district_public_key(), &mut file)
        .unwrap();
    assert_eq!((summary.forms, summary.undelivered), (1, 1));
    assert_eq!(agent.inspect(&id).unwrap().revisions[0].content_hash, hash);
    drop(agent);

    // The map put back: released by itself (no resend) and delivered once.
    let agent = device(dir.path(), &dhis2.url());
    assert_eq!(agent.stranded().unwrap(), None);
    assert_eq!(agent.resend_rejected(&id).unwrap(), 0, "nothing refused");
    let r = sync(&agent, &basic("district"));
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().queued,
        0,
        "{r:?}"
    );
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    let released = agent
        .inspect(&id)
        .unwrap()
        .audit
        .iter()
        .filter(|a| a.event == "released")
        .count();
    assert_eq!(released, 1);
    holds_the_oracle(&dhis2);
    delivered_once(&agent, &dhis2);
}

/// A second sync sends nothing more: DHIS2 received the form's values in
/// one request and registered its completion once.
fn delivered_once(agent: &Agent, dhis2: &Dhis2Mock) {
    let completions = dhis2.completions().len();
    assert!(completions <= 1, "{completions} completions");
    let before = dhis2.stats().requests;
    let r = sync(agent, &basic("district"));
    assert_eq!(
        r.destination(Destination::Dhis2).unwrap().queued,
        0,
        "{r:?}"
    );
    assert_eq!(dhis2.stats().requests, before, "nothing sent again");
    assert_eq!(dhis2.completions().len(), completions);
}

#[test]
fn a_facility_removed_from_the_map_keeps_its_unsent_form_and_says_so() {
    facility_change(|map| {
        map["facilities"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["code"] != "HP-001");
    });
}

#[test]
fn a_facility_code_changed_in_the_map_keeps_its_unsent_form_and_says_so() {
    facility_change(|map| {
        for f in map["facilities"].as_array_mut().unwrap() {
            if f["code"] == "HP-001" {
                f["code"] = "KAL-001".into();
            }
        }
    });
}

/// The example CHW form's definition is removed while its form is unsent
/// to both destinations: both refuse it with the reason (the LMIS route
/// used to leave it pending for ever, unexplained), the outbox keeps it,
/// and with the definition back and a resend, each server gets it once.
#[test]
fn a_removed_form_definition_keeps_its_unsent_forms_and_both_routes_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = dhis2_server();
    let lmis = lmis_server();
    let open = |forms, map| device_with(dir.path(), forms, map, &dhis2.url(), Some(&lmis.url()));
    let agent = open(example_forms(), example_map());
    let (id, hash) = record(&agent);
    drop(agent);

    // HP-004's list of forms names the CHW form: the administrator takes
    // it out of the map too (the map may not name an undefined form).
    let map = edited_map(dir.path(), |m| {
        for f in m["facilities"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("forms");
        }
    });
    let forms = edited_forms(dir.path(), |v| (v["id"] != "chw-monthly").then_some(v));
    assert!(forms.get("chw-monthly").is_none());
    let agent = open(forms, map.clone());
    let s = agent.stranded().unwrap().expect("reported");
    assert_eq!(s.forms, 1);
    assert_eq!(
        s.reasons,
        vec!["the form 'chw-monthly' is no longer defined (1 form)".to_string()]
    );
    assert!(s.message.contains(EXPORT), "{}", s.message);
    assert!(agent.set_locale("fr"));
    let fr = agent.stranded().unwrap().expect("still reported");
    assert_eq!(
        fr.reasons,
        vec!["le formulaire « chw-monthly » n'est plus défini (1 formulaire)".to_string()]
    );
    assert!(
        fr.message
            .starts_with("1 formulaire pas encore livré ne peut pas être envoyé"),
        "{}",
        fr.message
    );
    assert!(agent.set_locale("en"));
    let r = sync(&agent, &both());
    assert_eq!(r.call_again_at, None, "it waits for a person: {r:?}");
    for dest in [Destination::Dhis2, Destination::Lmis] {
        assert!(r.destination(dest).unwrap().rejected.is_empty(), "{r:?}");
        let d = state_of(&agent, &id, dest);
        assert_eq!(d.state, DeliveryState::Waiting, "{dest:?}");
        assert_eq!(d.last_error_kind, Some(LastErrorKind::Waiting), "{dest:?}");
        let why = d.last_error.unwrap();
        assert!(
            why.contains("the form 'chw-monthly' is no longer defined"),
            "{dest:?}: {why}"
        );
        assert!(why.contains("sent by itself"), "{dest:?}: {why}");
        assert!(why.contains(EXPORT), "{dest:?}: {why}");
        assert!(d.problems.is_empty(), "{dest:?}");
    }
    assert!(lmis.events().is_empty());
    assert_eq!(agent.inspect(&id).unwrap().revisions[0].content_hash, hash);
    drop(agent);

    // The definition back: released by itself, delivered once to each.
    let agent = open(example_forms(), map);
    assert_eq!(agent.stranded().unwrap(), None);
    assert_eq!(agent.resend_rejected(&id).unwrap(), 0, "nothing refused");
    let r = sync(&agent, &both());
    assert!(r.done, "{r:?}");
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    assert_eq!(
        state_of(&agent, &id, Destination::Lmis).state,
        DeliveryState::Delivered
    );
    holds_the_oracle(&dhis2);
    assert_eq!(lmis.events().len(), 1);
    let before = (dhis2.stats().requests, lmis.stats().requests);
    let r = sync(&agent, &both());
    assert!(r.done, "{r:?}");
    assert_eq!(
        (dhis2.stats().requests, lmis.stats().requests),
        before,
        "nothing sent again"
    );
    assert_eq!(lmis.events().len(), 1);
}

/// The LMIS part of the CHW form's definition is removed while its form
/// is unsent to the LMIS: DHIS2 gets it, the LMIS delivery waits with the
/// reason (not refused), and with the part back it is sent by itself, once.
#[test]
fn a_removed_lmis_part_makes_its_delivery_wait_and_the_part_back_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = dhis2_server();
    let lmis = lmis_server();
    let open = |forms| {
        device_with(
            dir.path(),
            forms,
            example_map(),
            &dhis2.url(),
            Some(&lmis.url()),
        )
    };
    let agent = open(example_forms());
    let (id, _) = record(&agent);
    drop(agent);

    let forms = edited_forms(dir.path(), |mut v| {
        if v["id"] == "chw-monthly" {
            v.as_object_mut().unwrap().remove("lmis");
            v.as_object_mut().unwrap().remove("products");
            v.as_object_mut().unwrap().remove("rules");
        }
        Some(v)
    });
    let agent = open(forms);
    let r = sync(&agent, &both());
    assert!(
        r.destination(Destination::Lmis)
            .unwrap()
            .rejected
            .is_empty(),
        "{r:?}"
    );
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    let d = state_of(&agent, &id, Destination::Lmis);
    assert_eq!(d.state, DeliveryState::Waiting);
    let why = d.last_error.unwrap();
    assert!(
        why.contains("the form 'chw-monthly' no longer has an LMIS part"),
        "{why}"
    );
    assert!(why.contains(EXPORT), "{why}");
    assert!(lmis.events().is_empty());
    drop(agent);

    let agent = open(example_forms());
    let r = sync(&agent, &both());
    assert!(r.done, "{r:?}");
    assert_eq!(
        state_of(&agent, &id, Destination::Lmis).state,
        DeliveryState::Delivered
    );
    assert_eq!(lmis.events().len(), 1);
    // Released (back to pending) by the re-planning, not by a resend.
    let released: Vec<_> = agent
        .inspect(&id)
        .unwrap()
        .audit
        .into_iter()
        .filter(|a| a.event == "released")
        .map(|a| (a.destination, a.from_state, a.to_state))
        .collect();
    assert_eq!(
        released,
        vec![(
            Some(Destination::Lmis),
            Some(DeliveryState::Waiting),
            Some(DeliveryState::Pending)
        )]
    );
    let before = lmis.stats().requests;
    let r = sync(&agent, &both());
    assert!(r.done, "{r:?}");
    assert_eq!(lmis.stats().requests, before, "nothing sent again");
    assert_eq!(lmis.events().len(), 1);
}

/// A newer version of the form's definition (a label reworded) replaces
/// the old one while a form recorded with the old one is unsent: nothing
/// to report, and it is delivered as recorded.
#[test]
fn a_replaced_form_definition_still_sends_the_forms_recorded_before() {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = dhis2_server();
    let agent = device(dir.path(), &dhis2.url());
    let (id, hash) = record(&agent);
    drop(agent);
    let forms = edited_forms(dir.path(), |mut v| {
        if v["id"] == "chw-monthly" {
            v["version"] = (v["version"].as_i64().unwrap() + 1).into();
            v["title"] = "CHW monthly report (2027)".into();
        }
        Some(v)
    });
    let old = example_forms().get("chw-monthly").unwrap().version;
    assert_eq!(forms.get("chw-monthly").unwrap().version, old + 1);
    let agent = device_with(dir.path(), forms, example_map(), &dhis2.url(), None);
    assert_eq!(agent.stranded().unwrap(), None);
    still_queued(&agent, &id, &hash);
    sync(&agent, &basic("district"));
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    holds_the_oracle(&dhis2);
}

/// An outbox as the first release wrote it (schema 1: the four tables of
/// migrations/0001_outbox.sql, `user_version` 1), with the example form
/// recorded and unsent, is opened by this version: migrated through every
/// schema, nothing lost, and delivered.
#[test]
fn an_outbox_of_schema_1_with_an_unsent_form_is_migrated_and_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let dhis2 = dhis2_server();
    // The rows the first release wrote for the example form: the same
    // values (ids, canonical content, hash, keys), read from a scratch
    // outbox of this version.
    let scratch = tempfile::tempdir().unwrap();
    let (id, hash) = record(&device(scratch.path(), &dhis2.url()));
    let old = rusqlite::Connection::open(dir.path().join("o.sqlite")).unwrap();
    old.execute_batch(include_str!(
        "../../../agent-core/migrations/0001_outbox.sql"
    ))
    .unwrap();
    old.pragma_update(None, "user_version", 1).unwrap();
    old.execute(
        "ATTACH DATABASE ?1 AS new",
        [scratch.path().join("o.sqlite").to_str().unwrap()],
    )
    .unwrap();
    old.execute_batch(
        "INSERT INTO main.submissions SELECT id, form_id, facility, period, period_start, period_end, created_at, latest_revision FROM new.submissions;
         INSERT INTO main.revisions SELECT submission_id, revision, form_version, content, content_hash, warnings, created_at FROM new.revisions;
         INSERT INTO main.deliveries SELECT submission_id, revision, destination, state, attempts, next_attempt_at, last_error, idempotency_key, created_at, updated_at FROM new.deliveries;
         INSERT INTO main.audit (at, submission_id, revision, destination, event, from_state, to_state, detail)
           SELECT at, submission_id, revision, destination, event, from_state, to_state, detail FROM new.audit;
         DETACH DATABASE new;",
    )
    .unwrap();
    let v: i64 = old
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 1);
    drop(old);

    let agent = device(dir.path(), &dhis2.url());
    still_queued(&agent, &id, &hash);
    assert_eq!(agent.stranded().unwrap(), None);
    sync(&agent, &basic("district"));
    assert_eq!(dhis2_state(&agent, &id), DeliveryState::Delivered);
    // The LMIS part (no LMIS on this device) is still queued.
    assert_eq!(
        state_of(&agent, &id, Destination::Lmis).state,
        DeliveryState::Pending
    );
    holds_the_oracle(&dhis2);
    drop(agent);
    let conn = rusqlite::Connection::open(dir.path().join("o.sqlite")).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 7, "migrated to this version's schema");
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
