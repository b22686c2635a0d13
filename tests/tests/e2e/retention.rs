//! Issue 17 item 5: retention. Forms delivered more than `[storage]
//! keep_delivered_days` (400 by default) ago lose their content but keep
//! their ids, hashes and delivery states; undelivered ones are never
//! touched; the outbox of a health post reporting every month stops
//! growing by the size of a form.
//!
//! Runs against the simulated DHIS2 and OpenLMIS on 127.0.0.1, with the
//! device's clock moved by hand (FixedClock).

use super::support::Months as World;
use agent_core::Agent;
use agent_core::clock::Clock;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::SyncBudget;
use std::path::Path;
use std::time::Duration;

/// The device's clock starts `days_back` days before today, so that every
/// month of the test is in the past for the servers too.
fn world(days_back: i64) -> World {
    World::new(days_back, 17)
}

/// One pass that finishes.
fn sync(w: &World, agent: &Agent) {
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(60)), &w.creds, false)
        .unwrap();
    assert!(r.done, "{r:?}");
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
    sync(&w, &agent);
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
    sync(&w, &agent);
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
    sync(&w, &agent);
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
        sync(&w, &agent);
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

/// `[storage] keep_exchanges_days`: the exchange log keeps each request
/// and its answer that many days, then deletes it at a sync (or a
/// `compact`); the diagnostics bundle still holds the last exchanges of
/// each destination. Kept 30 days: a month later the first month's
/// exchanges are gone and the second month's (just sent) are in the
/// bundle; kept 60 days, the first month's are still there.
#[test]
fn the_exchange_log_keeps_its_configured_days_and_the_bundle_its_last_exchanges() {
    for (keep, first_kept) in [(30u32, false), (60, true)] {
        let mut w = world(200);
        let agent = w.agent(true).with_keep_exchanges_days(keep);
        let first = w.record_month(&agent, &["HP-001"]);
        w.sync(&agent);
        let (id, _) = &first[0];
        assert!(!agent.inspect(id).unwrap().exchanges.is_empty(), "{keep}");
        w.advance_days(31);
        let second = w.record_month(&agent, &["HP-001"]);
        w.sync(&agent);
        let (id2, _) = &second[0];
        assert_ne!(id, id2, "next month's form");
        assert_eq!(
            !agent.inspect(id).unwrap().exchanges.is_empty(),
            first_kept,
            "keep_exchanges_days = {keep}: the first month's exchanges 31 days on"
        );
        // The bundle: the last exchanges of both destinations.
        let bundle = agent
            .diagnose(None, &agent_core::diagnose::Options::default())
            .unwrap();
        for dest in ["dhis2", "lmis"] {
            let list = bundle.exchanges.get(dest).cloned().unwrap_or_default();
            assert!(!list.is_empty(), "{keep}: no {dest} exchange in the bundle");
        }
        assert!(!agent.inspect(id2).unwrap().exchanges.is_empty(), "{keep}");
        // `compact` prunes by the same setting, 31 more days on.
        w.advance_days(31);
        agent.compact().unwrap();
        assert_eq!(
            !agent.inspect(id2).unwrap().exchanges.is_empty(),
            first_kept,
            "keep_exchanges_days = {keep}: the second month's after compact, 31 days on"
        );
    }
}
