//! Issue 17 item 5: retention. Forms delivered more than `[storage]
//! keep_delivered_days` (400 by default) ago lose their content but keep
//! their ids, hashes and delivery states; undelivered ones are never
//! touched; the outbox of a health post reporting every month stops
//! growing by the size of a form.
//!
//! Runs against the simulated DHIS2 and OpenLMIS on 127.0.0.1, with the
//! device's clock moved by hand (FixedClock).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::{Credentials, StaticCredentials};
use agent_core::dhis2::Dhis2Settings;
use agent_core::draft::Draft;
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::SyncBudget;
use agent_core::{Agent, FacilityMap, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{Dhis2Mock, Dhis2MockConfig};
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

struct World {
    dir: tempfile::TempDir,
    forms: FormSet,
    facilities: FacilityMap,
    clock: Arc<FixedClock>,
    lmis: OpenLmisMock,
    dhis2: Dhis2Mock,
    creds: StaticCredentials,
    opening: BTreeMap<(String, String), BTreeMap<String, i64>>,
    drafts: DraftGen,
}

/// The device's clock starts `days_back` days before today, so that every
/// month of the test is in the past for the servers too.
fn world(days_back: i64) -> World {
    let forms = FormSet::load_dir(&schemas().join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas().join("facilities/example.json")).unwrap();
    let lmis = OpenLmisMock::start(OpenLmisMockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let dhis2 = Dhis2Mock::start(Dhis2MockConfig::from_forms(&forms, &facilities), 0).unwrap();
    let clock = Arc::new(FixedClock::new(
        chrono::Utc::now() - chrono::Duration::days(days_back),
    ));
    lmis.set_today(Some(clock.today()));
    World {
        dir: tempfile::tempdir().unwrap(),
        forms,
        facilities,
        clock,
        lmis,
        dhis2,
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
        opening: BTreeMap::new(),
        drafts: DraftGen::new(17),
    }
}

impl World {
    fn db(&self) -> PathBuf {
        self.dir.path().join("o.sqlite")
    }

    /// The device with both destinations (`lmis`: false, DHIS2 only).
    fn agent(&self, lmis: bool) -> Agent {
        let a = Agent::open_parts(
            &self.db(),
            self.forms.clone(),
            self.facilities.clone(),
            self.clock.clone(),
        )
        .unwrap()
        .with_dhis2(Dhis2Settings {
            url: self.dhis2.url(),
            batch_max_values: 1000,
            batch_max_bytes: 1 << 20,
            gzip: None,
        });
        if lmis {
            a.with_lmis(LmisSettings {
                url: self.lmis.url(),
            })
        } else {
            a
        }
    }

    /// Last month's forms of each facility; returns the drafts saved.
    fn record_month(&mut self, agent: &Agent, facilities: &[&str]) -> Vec<(String, Draft)> {
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

    fn sync(&self, agent: &Agent) {
        let r = agent
            .sync(
                SyncBudget::time(Duration::from_secs(60)),
                &self.creds,
                false,
            )
            .unwrap();
        assert!(r.done, "{r:?}");
    }

    fn advance_days(&self, days: i64) {
        self.clock.advance(chrono::Duration::days(days));
        self.lmis.set_today(Some(self.clock.today()));
    }
}

fn states(agent: &Agent, id: &str) -> Vec<(Destination, DeliveryState)> {
    agent
        .status(id)
        .unwrap()
        .destinations
        .iter()
        .map(|d| (d.destination, d.state))
        .collect()
}

/// A form delivered 401 days ago is compacted; saving it again is still a
/// double tap, and a correction is still its next revision, sent and
/// delivered, the compacted revision's delivery untouched.
#[test]
fn a_compacted_form_is_still_recognised_and_corrected() {
    let mut w = world(600);
    let agent = w.agent(true);
    let saved = w.record_month(&agent, &["HP-001"]);
    assert_eq!(saved.len(), 2);
    w.sync(&agent);
    let (id, draft) = saved[0].clone();
    let before = agent.inspect(&id).unwrap().revisions[0].clone();
    assert!(!before.content.is_empty());

    // 399 days: still whole. Delivered both ways.
    w.advance_days(399);
    assert_eq!(agent.compact().unwrap(), 0);
    w.advance_days(2);
    assert_eq!(
        agent.compact().unwrap(),
        2,
        "both forms, delivered 401 days ago"
    );
    let after = agent.inspect(&id).unwrap().revisions;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].content, "", "content dropped");
    assert_eq!(after[0].content_hash, before.content_hash, "hash kept");
    assert_eq!(
        states(&agent, &id),
        vec![
            (Destination::Dhis2, DeliveryState::Delivered),
            (Destination::Lmis, DeliveryState::Delivered)
        ]
    );
    let e = agent.latest_draft(&id).unwrap_err().to_string();
    assert!(e.contains("content was removed to save space"), "{e}");
    assert!(e.contains("enter the whole form again"), "{e}");
    // Compacting again finds nothing more.
    assert_eq!(agent.compact().unwrap(), 0);

    // The same form saved again: a double tap, nothing written.
    let again = agent.submit(&draft, true).unwrap();
    assert_eq!(again.id, id);
    assert_eq!(again.revision, 1);
    assert!(
        again.duplicate,
        "a duplicate of a compacted form is recognised"
    );
    assert_eq!(again.content_hash, before.content_hash);

    // A correction: revision 2 of the same form, delivered both ways.
    let mut corrected = draft.clone();
    corrected.comment = Some("corrected after the annual review".into());
    let r = agent.submit(&corrected, true).unwrap();
    assert_eq!(
        (r.id.as_str(), r.revision, r.duplicate),
        (id.as_str(), 2, false)
    );
    w.sync(&agent);
    let detail = agent.inspect(&id).unwrap();
    assert_eq!(detail.status.revision, 2);
    assert_eq!(
        states(&agent, &id),
        vec![
            (Destination::Dhis2, DeliveryState::Delivered),
            (Destination::Lmis, DeliveryState::Delivered)
        ]
    );
    assert_eq!(detail.revisions[0].content, "");
    assert!(!detail.revisions[1].content.is_empty());
    // The correction is whole: readable for the next correction.
    assert_eq!(agent.latest_draft(&id).unwrap().0, 2);
}

/// Forms not delivered everywhere keep their content however old: never
/// sent at all, or sent to DHIS2 while the LMIS part waits.
#[test]
fn undelivered_forms_are_never_compacted() {
    let mut w = world(1200);
    // DHIS2 only: the LMIS part stays queued.
    let agent = w.agent(false);
    let saved = w.record_month(&agent, &["HP-001"]);
    w.advance_days(31);
    let unsent = w.record_month(&agent, &["HP-001"]);
    // Both months reach DHIS2; their LMIS part waits.
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(60)), &w.creds, false)
        .unwrap();
    assert_eq!(r.destination(Destination::Dhis2).unwrap().queued, 0);
    w.advance_days(1000);
    assert_eq!(agent.compact().unwrap(), 0);
    for (id, _) in saved.iter().chain(&unsent) {
        let detail = agent.inspect(id).unwrap();
        let content = &detail.revisions[0].content;
        assert!(!content.is_empty(), "{id} kept its content");
        assert_eq!(
            states(&agent, id),
            vec![
                (Destination::Dhis2, DeliveryState::Delivered),
                (Destination::Lmis, DeliveryState::Pending)
            ]
        );
    }
    drop(agent);
    // Once the LMIS is set up, they are delivered (the content is there).
    w.lmis.set_today(Some(w.clock.today()));
    let agent = w.agent(true);
    w.sync(&agent);
    for (id, _) in saved.iter().chain(&unsent) {
        assert_eq!(
            states(&agent, id),
            vec![
                (Destination::Dhis2, DeliveryState::Delivered),
                (Destination::Lmis, DeliveryState::Delivered)
            ]
        );
    }
}

/// The outbox's file size (as a fresh VACUUM INTO copy: no free pages).
fn vacuumed_size(db: &Path, dir: &Path, name: &str) -> u64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let out = dir.join(name);
    conn.execute("VACUUM INTO ?1", [out.to_str().unwrap()])
        .unwrap();
    std::fs::metadata(&out).unwrap().len()
}

/// A hub (the example map's five facilities, 9 forms a month) reporting
/// every month for two years, a sync after each month's forms (each
/// sync compacts once a day by itself). The second year adds far less per
/// form than the first: the forms delivered more than 400 days ago have
/// lost their content, and the exchange log keeps its last 90 days.
///
/// Bound, set by hand: the bytes the second year adds per form are at most
/// half of what the first year cost per form. Without compaction both
/// years cost the same per form (the forms are alike).
#[test]
fn the_outbox_of_two_years_of_monthly_reports_stays_flat() {
    let mut w = world(760);
    let all = ["HP-001", "HP-002", "HP-003", "HP-004", "HP-005"];
    let agent = w.agent(true);
    let scratch = tempfile::tempdir().unwrap();
    let empty = vacuumed_size(&w.db(), scratch.path(), "empty.sqlite");
    let mut forms = 0usize;
    let mut at_12 = (0u64, 0usize);
    for month in 1..=24 {
        forms += w.record_month(&agent, &all).len();
        w.sync(&agent);
        if month == 12 {
            at_12 = (vacuumed_size(&w.db(), scratch.path(), "m12.sqlite"), forms);
        }
        w.advance_days(31);
    }
    let at_24 = (vacuumed_size(&w.db(), scratch.path(), "m24.sqlite"), forms);
    let first_year_per_form = (at_12.0 - empty) / at_12.1 as u64;
    let second_year_per_form = (at_24.0 - at_12.0) / (at_24.1 - at_12.1) as u64;
    println!(
        "empty {empty} B; 12 months: {} B, {} forms, {first_year_per_form} B/form; \
         24 months: {} B, {} forms; second year {second_year_per_form} B/form",
        at_12.0, at_12.1, at_24.0, at_24.1
    );
    assert_eq!(at_12.1, 9 * 12);
    assert!(
        second_year_per_form * 2 <= first_year_per_form,
        "the second year added {second_year_per_form} B per form, the first {first_year_per_form}"
    );
}
