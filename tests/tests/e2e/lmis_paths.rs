//! The LMIS paths no other test reaches (issue 13 item 5), against the
//! simulated OpenLMIS on 127.0.0.1 with a meddling transport in between
//! that answers some requests itself (a 403, a refused sign-in, a refused
//! event) or loses the answer of a request it passed on:
//! credential holds, hold-back after a refused event and its release,
//! settling an earlier revision whose outcome is unknown, and a look-up when
//! the first product of the form has no line on the card.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::{example_map, lmis_credentials, schemas};
use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::StaticCredentials;
use agent_core::draft::Draft;
use agent_core::form::Product;
use agent_core::http::{
    HttpRequest, HttpResponse, Timeouts, Transport, TransportError, TransportErrorKind,
    UreqTransport,
};
use agent_core::lmis::LmisSettings;
use agent_core::outbox::{DeliveryState, Destination};
use agent_core::sync::{SyncBudget, SyncReport};
use agent_core::{Agent, FacilityMap, FormDefinition, FormSet, Period, PeriodType};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::openlmis::{OpenLmisMock, OpenLmisMockConfig};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the meddler does with a request.
enum Act {
    /// Pass it on and give back the server's answer.
    Pass,
    /// Answer it without passing it on.
    Answer(u16, String),
    /// Pass it on (the server applies it), then lose the answer.
    LoseAnswer,
    /// Lose it before it reaches the server (the agent cannot know).
    LoseRequest,
}

type Rule = Box<dyn FnMut(&HttpRequest, &str) -> Act + Send>;

struct Meddler {
    inner: UreqTransport,
    rule: Mutex<Rule>,
    seen: Mutex<Vec<(String, String)>>,
}

impl Meddler {
    fn new() -> Arc<Meddler> {
        Arc::new(Meddler {
            inner: UreqTransport::new(Timeouts::default()),
            rule: Mutex::new(Box::new(|_, _| Act::Pass)),
            seen: Mutex::new(vec![]),
        })
    }
    fn set(&self, f: impl FnMut(&HttpRequest, &str) -> Act + Send + 'static) {
        *self.rule.lock().unwrap() = Box::new(f);
    }
    /// Requests seen with this method whose path starts with `prefix`.
    fn count(&self, method: &str, prefix: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p)| m == method && p.starts_with(prefix))
            .count()
    }
}

impl Transport for Meddler {
    fn send(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = req
            .url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default();
        self.seen
            .lock()
            .unwrap()
            .push((req.method.to_string(), path.clone()));
        let act = (self.rule.lock().unwrap())(req, &path);
        let broken = || TransportError {
            kind: TransportErrorKind::Broken,
            maybe_sent: true,
            message: "the connection broke before the answer came".into(),
        };
        match act {
            Act::Pass => self.inner.send(req),
            Act::Answer(status, body) => Ok(HttpResponse {
                status,
                headers: vec![("content-type".into(), "application/json".into())],
                wire_bytes: body.len() as u64,
                body: body.into_bytes(),
                truncated: false,
            }),
            Act::LoseAnswer => {
                let _ = self.inner.send(req);
                Err(broken())
            }
            Act::LoseRequest => Err(broken()),
        }
    }
}

struct World {
    dir: tempfile::TempDir,
    agent: Agent,
    clock: Arc<FixedClock>,
    lmis: OpenLmisMock,
    net: Arc<Meddler>,
    creds: StaticCredentials,
    def: FormDefinition,
    facilities: FacilityMap,
}

/// The CHW form alone (no DHIS2 is configured: only the LMIS is judged here).
fn chw() -> FormDefinition {
    FormSet::load_dir(&schemas().join("forms"))
        .unwrap()
        .get("chw-monthly")
        .unwrap()
        .clone()
}

fn open_agent(
    dir: &Path,
    def: &FormDefinition,
    facilities: &FacilityMap,
    clock: Arc<FixedClock>,
    net: Arc<Meddler>,
    lmis: &OpenLmisMock,
) -> Agent {
    Agent::open_parts(
        &dir.join("o.sqlite"),
        FormSet::new(vec![def.clone()]).unwrap(),
        facilities.clone(),
        clock,
    )
    .unwrap()
    .with_transport(net)
    .with_lmis(LmisSettings { url: lmis.url() })
}

/// A world whose simulated OpenLMIS knows the products of `server_def`
/// (the agent's form unless a test changes it later).
fn world_with(server_def: Option<&FormDefinition>) -> World {
    world_tweaked(server_def, |_| {})
}

/// The same with the simulated OpenLMIS's reference data changed by `tweak`.
fn world_tweaked(
    server_def: Option<&FormDefinition>,
    tweak: impl FnOnce(&mut OpenLmisMockConfig),
) -> World {
    world_of(chw(), server_def, tweak)
}

/// The same for a form definition of the test's choosing.
fn world_of(
    def: FormDefinition,
    server_def: Option<&FormDefinition>,
    tweak: impl FnOnce(&mut OpenLmisMockConfig),
) -> World {
    let dir = tempfile::tempdir().unwrap();
    let facilities = example_map();
    let server_forms = FormSet::new(vec![server_def.unwrap_or(&def).clone()]).unwrap();
    let mut config = OpenLmisMockConfig::from_forms(&server_forms, &facilities);
    tweak(&mut config);
    let lmis = OpenLmisMock::start(config, 0).unwrap();
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let net = Meddler::new();
    let agent = open_agent(
        dir.path(),
        &def,
        &facilities,
        clock.clone(),
        net.clone(),
        &lmis,
    );
    let creds = lmis_credentials();
    World {
        dir,
        agent,
        clock,
        lmis,
        net,
        creds,
        def,
        facilities,
    }
}

fn world() -> World {
    world_with(None)
}

impl World {
    fn sync(&self, retry_held: bool) -> SyncReport {
        self.agent
            .sync(
                SyncBudget::time(Duration::from_secs(60)),
                &self.creds,
                retry_held,
            )
            .unwrap()
    }

    fn lmis_report(r: &SyncReport) -> agent_core::sync::DestinationReport {
        r.destination(Destination::Lmis).unwrap().clone()
    }

    /// Passes (moving the clock as each report says) until nothing is
    /// queued for the LMIS. Bounded.
    fn sync_until_empty(&self, max: u32) -> Vec<SyncReport> {
        let mut out = Vec::new();
        for _ in 0..max {
            let r = self.sync(false);
            let d = Self::lmis_report(&r);
            out.push(r);
            if d.queued == 0 {
                return out;
            }
            assert!(d.held.is_none(), "held: {:?}", d.held);
            let next = d.next_attempt_at.unwrap_or_else(|| self.clock.now());
            self.clock
                .set(next.max(self.clock.now()) + chrono::Duration::milliseconds(1));
        }
        panic!("the LMIS queue did not empty in {max} passes: {out:?}");
    }

    /// `n` months of forms for a facility, the last `n` complete months,
    /// oldest first, openings carried over.
    fn record(&self, facility: &str, n: usize, seed: u64) -> Vec<(String, Draft)> {
        let mut month = Period::containing(PeriodType::Monthly, self.clock.today()).previous();
        let mut months = Vec::new();
        for _ in 0..n {
            months.push(month);
            month = month.previous();
        }
        months.reverse();
        let mut g = DraftGen::new(seed);
        let mut opening = BTreeMap::new();
        let mut out = Vec::new();
        for m in months {
            let d = g.draft(&self.def, facility, &m.iso(), &opening);
            opening = d
                .stock
                .iter()
                .map(|(k, e)| (k.clone(), e.closing_balance.unwrap()))
                .collect();
            let id = self.agent.submit(&d, true).unwrap().id;
            out.push((id, d));
        }
        out
    }

    fn lmis_state(&self, id: &str) -> (DeliveryState, Option<String>) {
        let s = self.agent.status(id).unwrap();
        let d = s
            .destinations
            .iter()
            .find(|d| d.destination == Destination::Lmis)
            .unwrap();
        (d.state, d.last_error.clone())
    }

    /// The audit entries of one revision's LMIS delivery: (to_state, detail).
    fn audit(&self, id: &str, revision: u32) -> Vec<(Option<DeliveryState>, String)> {
        self.agent
            .inspect(id)
            .unwrap()
            .audit
            .into_iter()
            .filter(|a| a.revision == Some(revision) && a.destination == Some(Destination::Lmis))
            .map(|a| (a.to_state, a.detail.unwrap_or_default()))
            .collect()
    }

    fn facility_id(&self, code: &str) -> String {
        self.facilities
            .get(code)
            .unwrap()
            .lmis_facility_id
            .clone()
            .unwrap()
    }
}

/// An OpenLMIS refusal in the contract's shape (`{messageKey, message}`).
fn refusal(key: &str, message: &str) -> String {
    serde_json::json!({"messageKey": key, "message": message}).to_string()
}

#[test]
fn a_403_in_the_contracts_shape_holds_the_lmis_with_the_rights_message() {
    let w = world();
    let forms = w.record("HP-001", 1, 1);
    w.net.set(|req, path| {
        if req.method == "POST" && path.starts_with("/api/stockEvents") {
            Act::Answer(
                403,
                refusal(
                    "stockmanagement.error.authorization.noRight",
                    "You do not have the following permission: STOCK_INVENTORIES_EDIT",
                ),
            )
        } else {
            Act::Pass
        }
    });
    let r = World::lmis_report(&w.sync(false));
    let held = r.held.clone().unwrap_or_default();
    assert!(held.contains("may not do this"), "{r:?}");
    assert!(held.contains("STOCK_INVENTORIES_EDIT"), "{r:?}");
    assert!(held.contains("Ask the LMIS administrator"), "{r:?}");
    assert!(
        r.rejected.is_empty(),
        "a 403 holds, it does not refuse the form"
    );
    assert_eq!(w.lmis_state(&forms[0].0).0, DeliveryState::Pending);
    assert!(w.lmis.events().is_empty());
    // Held: the next pass sends nothing until the user says the rights changed.
    let posts = w.net.count("POST", "/api/stockEvents");
    let r = World::lmis_report(&w.sync(false));
    assert!(r.held.is_some(), "{r:?}");
    assert_eq!(w.net.count("POST", "/api/stockEvents"), posts);
    // The rights were granted: released, delivered.
    w.net.set(|_, _| Act::Pass);
    let r = World::lmis_report(&w.sync(true));
    assert_eq!(r.delivered.len(), 1, "{r:?}");
    assert_eq!(w.lmis.events().len(), 1);
}

#[test]
fn a_refused_sign_in_holds_the_lmis_whether_400_or_401() {
    for (status, body) in [
        (
            400,
            r#"{"error":"invalid_grant","error_description":"Bad credentials"}"#,
        ),
        (
            401,
            r#"{"error":"unauthorized","error_description":"Full authentication is required"}"#,
        ),
    ] {
        let w = world();
        let forms = w.record("HP-001", 1, 2);
        w.net.set(move |_, path| {
            if path.starts_with("/api/oauth/token") {
                Act::Answer(status, body.to_string())
            } else {
                Act::Pass
            }
        });
        let r = World::lmis_report(&w.sync(false));
        let held = r.held.clone().unwrap_or_default();
        assert!(
            held.contains("the LMIS refused the sign-in") && held.contains("Check the username"),
            "HTTP {status}: {r:?}"
        );
        assert!(!held.contains("password\""), "no secret in the message");
        assert_eq!(w.lmis_state(&forms[0].0).0, DeliveryState::Pending);
        assert_eq!(w.net.count("POST", "/api/stockEvents"), 0);
        assert_eq!(
            w.net.count("POST", "/api/oauth/token"),
            1,
            "HTTP {status}: one sign-in, not retried in the same pass"
        );
    }
}

#[test]
fn a_second_401_after_signing_in_again_holds_the_lmis() {
    let w = world();
    let forms = w.record("HP-001", 1, 3);
    w.net.set(|req, path| {
        if req.method == "POST" && path.starts_with("/api/stockEvents") {
            Act::Answer(
                401,
                r#"{"error":"invalid_token","error_description":"Invalid access token"}"#.into(),
            )
        } else {
            Act::Pass
        }
    });
    let r = World::lmis_report(&w.sync(false));
    let held = r.held.clone().unwrap_or_default();
    assert!(held.contains("refused the sign-in twice"), "{r:?}");
    assert!(held.contains("enter the credentials again"), "{r:?}");
    assert_eq!(
        w.net.count("POST", "/api/oauth/token"),
        2,
        "the first sign-in and one more after the first 401"
    );
    assert_eq!(
        w.net.count("POST", "/api/stockEvents"),
        2,
        "the event once, and once more with the new token"
    );
    assert_eq!(w.lmis_state(&forms[0].0).0, DeliveryState::Pending);
    assert!(w.lmis.events().is_empty());
}

#[test]
fn a_refused_event_holds_back_the_later_months_until_it_is_corrected() {
    let w = world();
    let hp1 = w.record("HP-001", 3, 4);
    let hp2 = w.record("HP-002", 1, 5);
    let fid1 = w.facility_id("HP-001");
    let first_month = hp1[0].1.period.clone();
    let occurred = Period::parse(&first_month).unwrap().end().to_string();
    // The LMIS refuses revision 1 of HP-001's first month.
    w.net.set(move |req, path| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let line = &body["lineItems"][0];
        if req.method == "POST"
            && path.starts_with("/api/stockEvents")
            && body["facilityId"] == fid1.as_str()
            && line["occurredDate"] == occurred.as_str()
            && body["documentNumber"]
                .as_str()
                .is_some_and(|d| d.contains(" r1 "))
        {
            Act::Answer(
                400,
                refusal(
                    "stockmanagement.error.event.debit.quantity.exceed.stockOnHand",
                    "An operation would make the stock on hand below zero.",
                ),
            )
        } else {
            Act::Pass
        }
    });
    // One pass: HP-002 delivered, HP-001's first month refused, the later
    // ones held back (still queued, not sent).
    let r = World::lmis_report(&w.sync(false));
    assert_eq!(r.queued, 2, "{r:?}");
    assert_eq!(r.events_sent, 2, "HP-002's and the refused one: {r:?}");
    let rejected = r.rejected.clone();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].id, hp1[0].0);
    assert_eq!(w.lmis_state(&hp1[0].0).0, DeliveryState::Rejected);
    for (id, d) in &hp1[1..] {
        let (state, why) = w.lmis_state(id);
        assert_eq!(state, DeliveryState::Waiting, "{}", d.period);
        let why = why.unwrap_or_default();
        assert!(
            why.contains("held back") && why.contains(&first_month) && why.contains("correct it"),
            "{why}"
        );
    }
    assert_eq!(w.lmis_state(&hp2[0].0).0, DeliveryState::Delivered);
    assert_eq!(w.lmis.events().len(), 1, "only HP-002's event");
    // The health worker corrects the first month: everything goes, in order.
    let mut fixed = hp1[0].1.clone();
    fixed.comment = Some("recounted".into());
    assert_eq!(w.agent.submit(&fixed, true).unwrap().revision, 2);
    w.sync_until_empty(6);
    for (id, d) in &hp1 {
        assert_eq!(w.lmis_state(id).0, DeliveryState::Delivered, "{}", d.period);
    }
    let events = w.lmis.events();
    assert_eq!(events.len(), 4);
    let hp1_dates: Vec<String> = events
        .iter()
        .filter(|e| e.body["facilityId"] == w.facility_id("HP-001").as_str())
        .map(|e| {
            e.body["lineItems"][0]["occurredDate"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = hp1_dates.clone();
    sorted.sort();
    assert_eq!(hp1_dates, sorted, "in period order");
}

/// A correction recorded while the LMIS outcome of the first revision is
/// unknown (its answer was lost): the next pass looks revision 1 up first.
/// It was applied: marked delivered (found by look-up), and revision 2 is
/// sent as the differences from it. The server's inventory guard is off, so
/// only the look-up keeps revision 1 from being counted twice.
#[test]
fn settle_earlier_marks_an_applied_earlier_revision_delivered() {
    let (w, id, fixed) = correction_while_unknown(Act::LoseAnswer);
    let audit = w.audit(&id, 1);
    assert!(
        audit
            .iter()
            .any(|(s, d)| *s == Some(DeliveryState::Delivered)
                && d.contains("found in the LMIS by look-up")),
        "{audit:?}"
    );
    let events = w.lmis.events();
    assert_eq!(events.len(), 2, "revision 1 once, then the correction");
    let ors = w.def.product("ORS").unwrap().lmis_orderable_id.clone();
    let line = events[1].body["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["orderableId"] == ors.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        line["stockAdjustments"][0]["quantity"], 2,
        "only the difference"
    );
    let (fid, pid) = (
        w.facility_id("HP-001"),
        w.def.lmis.as_ref().unwrap().program_id.clone(),
    );
    assert_eq!(
        w.lmis.stock_on_hand(&fid, &pid, &ors),
        fixed.stock["ORS"].closing_balance
    );
}

/// The same, but revision 1 never reached the LMIS: looked up, absent,
/// marked superseded; revision 2 is sent as the whole count.
#[test]
fn settle_earlier_marks_an_absent_earlier_revision_superseded() {
    let (w, id, fixed) = correction_while_unknown(Act::LoseRequest);
    let audit = w.audit(&id, 1);
    assert!(
        audit
            .iter()
            .any(|(s, d)| *s == Some(DeliveryState::Superseded) && d.contains("not in the LMIS")),
        "{audit:?}"
    );
    let events = w.lmis.events();
    assert_eq!(events.len(), 1, "only the correction");
    let doc = events[0].body["documentNumber"].as_str().unwrap_or("");
    assert!(doc.contains(" r2 "), "{doc}");
    let ors = w.def.product("ORS").unwrap().lmis_orderable_id.clone();
    let (fid, pid) = (
        w.facility_id("HP-001"),
        w.def.lmis.as_ref().unwrap().program_id.clone(),
    );
    assert_eq!(
        w.lmis.stock_on_hand(&fid, &pid, &ors),
        fixed.stock["ORS"].closing_balance
    );
}

fn correction_while_unknown(first: Act) -> (World, String, Draft) {
    let w = world();
    w.lmis.set_inventory_guard(false);
    let forms = w.record("HP-001", 1, 6);
    let (id, d) = forms[0].clone();
    let mut once = Some(first);
    w.net.set(move |req, path| {
        if req.method == "POST" && path.starts_with("/api/stockEvents") {
            once.take().unwrap_or(Act::Pass)
        } else {
            Act::Pass
        }
    });
    let r = World::lmis_report(&w.sync(false));
    assert!(r.delivered.is_empty(), "{r:?}");
    assert_eq!(r.events_sent, 1, "{r:?}");
    // While the outcome of revision 1 is unknown: two more ORS consumed.
    let mut fixed = d.clone();
    let e = fixed.stock.get_mut("ORS").unwrap();
    e.consumed = e.consumed.map(|x| x + 2);
    e.closing_balance = e.closing_balance.map(|x| x - 2);
    assert_eq!(w.agent.submit(&fixed, true).unwrap().revision, 2);
    let reports = w.sync_until_empty(5);
    let lookups: u32 = reports.iter().map(|r| World::lmis_report(r).lookups).sum();
    assert!(lookups >= 1, "revision 1 was looked up: {reports:?}");
    let st = w.agent.status(&id).unwrap();
    let l = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    assert_eq!(
        (l.state, l.delivered_revision),
        (DeliveryState::Delivered, Some(2))
    );
    (w, id, fixed)
}

/// The form definition gained a product at the top after a form was
/// recorded and its answer lost: the stored revision has no line for the
/// definition's first product, so its card can never hold the marker. The
/// look-up must still find the event (on a product the event has), or a
/// server without the inventory guard applies it twice.
#[test]
fn a_look_up_finds_the_event_when_the_first_product_has_no_line() {
    let mut newer = chw();
    let mut extra: Product = newer.products[0].clone();
    extra.code = "NEW-1".into();
    extra.name = "A product added later".into();
    extra.lmis_orderable_id = "0d0f6a4e-8d3c-4c57-9a0e-2f7d1e4b9c11".into();
    extra.lmis_product_code = Some("C999".into());
    extra.dhis2_soh_data_element = None;
    newer.products.insert(0, extra);
    let w = world_with(Some(&newer));
    w.lmis.set_inventory_guard(false);
    let forms = w.record("HP-001", 1, 7);
    let mut once = Some(Act::LoseAnswer);
    w.net.set(move |req, path| {
        if req.method == "POST" && path.starts_with("/api/stockEvents") {
            once.take().unwrap_or(Act::Pass)
        } else {
            Act::Pass
        }
    });
    let r = World::lmis_report(&w.sync(false));
    assert!(r.delivered.is_empty(), "{r:?}");
    assert_eq!(w.lmis.events().len(), 1, "applied, answer lost");
    // The definition is updated on the device before the next sync (after
    // the backoff).
    w.clock.set(w.clock.now() + chrono::Duration::hours(2));
    let agent = open_agent(
        w.dir.path(),
        &newer,
        &w.facilities,
        w.clock.clone(),
        w.net.clone(),
        &w.lmis,
    );
    let r = agent
        .sync(SyncBudget::time(Duration::from_secs(60)), &w.creds, false)
        .unwrap();
    let r = World::lmis_report(&r);
    assert_eq!(r.lookups, 1, "{r:?}");
    assert_eq!(r.found_by_lookup, 1, "{r:?}");
    assert_eq!(w.lmis.events().len(), 1, "not applied twice");
    let st = agent.status(&forms[0].0).unwrap();
    let l = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    assert_eq!(l.state, DeliveryState::Delivered, "{st:?}");
}

/// Mock fidelity (issue 13 item 4): the simulated OpenLMIS checks the
/// user's rights itself (contract §3: the user's home facility must support
/// the program, else 403). The agent holds the LMIS and says what to ask for.
#[test]
fn a_user_without_stock_rights_at_the_lmis_holds_with_the_rights_message() {
    let w = world_tweaked(None, |c| {
        for u in &mut c.users {
            u.2 = "00000000-0000-4000-8000-000000000000".into();
        }
    });
    let forms = w.record("HP-001", 1, 9);
    let r = World::lmis_report(&w.sync(false));
    let held = r.held.clone().unwrap_or_default();
    assert!(
        held.contains("may not do this") && held.contains("does not support program"),
        "{r:?}"
    );
    assert!(r.rejected.is_empty(), "{r:?}");
    assert_eq!(w.lmis_state(&forms[0].0).0, DeliveryState::Pending);
    assert!(w.lmis.events().is_empty());
}

/// The problems and last error of a form's LMIS delivery, as one text.
fn lmis_words(w: &World, id: &str) -> String {
    let st = w.agent.status(id).unwrap();
    let d = st
        .destinations
        .iter()
        .find(|d| d.destination == Destination::Lmis)
        .unwrap();
    format!(
        "{} | {}",
        d.last_error.clone().unwrap_or_default(),
        d.problems
            .iter()
            .map(|p| format!("{} {}", p.server_message, p.advice))
            .collect::<Vec<_>>()
            .join(" | ")
    )
}

/// Issue 17 (house standard: `rejected` only on a server's refusal): a
/// product the LMIS does not approve for the facility's type in the
/// program: the form waits with words that name the product and what to do,
/// nothing is applied, and passes the same day write nothing new and ask
/// the LMIS nothing again. Once the LMIS approves it (a simulated LMIS with
/// the full approved list) and a day has passed, the next sync reads the
/// reference data again and delivers the form exactly once.
#[test]
fn a_product_not_approved_waits_and_goes_once_the_lmis_approves_it() {
    let ors = chw().product("ORS").unwrap().lmis_orderable_id.clone();
    let mut w = world_tweaked(None, move |c| c.approved.retain(|(_, _, o, _)| *o != ors));
    let forms = w.record("HP-001", 1, 10);
    let id = forms[0].0.clone();
    let r = World::lmis_report(&w.sync(false));
    assert_eq!(w.lmis_state(&id).0, DeliveryState::Waiting, "{r:?}");
    assert!(r.rejected.is_empty(), "{r:?}");
    let words = lmis_words(&w, &id);
    assert!(words.contains("ORS") || words.contains("C103"), "{words}");
    assert!(words.contains("approve"), "{words}");
    assert!(words.contains("LMIS administrator"), "{words}");
    println!("{words}");
    assert!(w.lmis.events().is_empty());
    let last = w.audit(&id, 1).last().cloned().unwrap();
    assert_eq!(
        last,
        (
            Some(DeliveryState::Waiting),
            "reference data mismatch".to_string()
        )
    );
    // The same day: re-planned, nothing new written, nothing asked again.
    let audit = w.audit(&id, 1);
    let gets = reference_gets(&w);
    w.clock.set(w.clock.now() + chrono::Duration::hours(2));
    w.sync(false);
    assert_eq!(w.lmis_state(&id).0, DeliveryState::Waiting);
    assert_eq!(w.audit(&id, 1), audit, "a pass that changed nothing wrote");
    assert_eq!(
        reference_gets(&w),
        gets,
        "asked the LMIS again the same day"
    );
    // The LMIS approves the product; a day later the form goes by itself.
    let full = FormSet::new(vec![w.def.clone()]).unwrap();
    let lmis2 =
        OpenLmisMock::start(OpenLmisMockConfig::from_forms(&full, &w.facilities), 0).unwrap();
    w.agent = open_agent(
        w.dir.path(),
        &w.def,
        &w.facilities,
        w.clock.clone(),
        w.net.clone(),
        &lmis2,
    );
    w.clock.set(w.clock.now() + chrono::Duration::days(1));
    let r = World::lmis_report(&w.sync(false));
    assert_eq!(w.lmis_state(&id).0, DeliveryState::Delivered, "{r:?}");
    assert_eq!(lmis2.events().len(), 1);
    w.sync(false);
    assert_eq!(lmis2.events().len(), 1, "sent again");
    assert!(w.lmis.events().is_empty());
    assert!(
        w.audit(&id, 1)
            .iter()
            .any(|(s, d)| *s == Some(DeliveryState::Pending) && d.contains("matches")),
        "{:?}",
        w.audit(&id, 1)
    );
}

/// Issue 17: the form definition maps a product to an orderable id the
/// LMIS does not give it: the form waits (not refused); once the
/// definition is fixed on this device, the next sync (the same day, no new
/// reference reading needed) delivers it exactly once.
#[test]
fn a_wrong_orderable_mapping_waits_and_goes_once_the_definition_is_fixed() {
    let good = chw();
    let mut bad = good.clone();
    for p in &mut bad.products {
        if p.code == "ORS" {
            p.lmis_orderable_id = "99999999-9999-4999-8999-999999999999".into();
        }
    }
    let mut w = world_of(bad, Some(&good), |_| {});
    let forms = w.record("HP-001", 1, 12);
    let id = forms[0].0.clone();
    let r = World::lmis_report(&w.sync(false));
    assert_eq!(w.lmis_state(&id).0, DeliveryState::Waiting, "{r:?}");
    let words = lmis_words(&w, &id);
    assert!(words.contains("orderable"), "{words}");
    assert!(words.contains("form definition"), "{words}");
    assert!(w.lmis.events().is_empty());
    w.def = good;
    w.agent = open_agent(
        w.dir.path(),
        &w.def,
        &w.facilities,
        w.clock.clone(),
        w.net.clone(),
        &w.lmis,
    );
    let r = World::lmis_report(&w.sync(false));
    assert_eq!(w.lmis_state(&id).0, DeliveryState::Delivered, "{r:?}");
    assert_eq!(w.lmis.events().len(), 1);
    w.sync(false);
    assert_eq!(w.lmis.events().len(), 1, "sent again");
}

/// Mock fidelity: the LMIS's reasons are valid for another facility type
/// only, so a count with losses cannot be sent: waiting (or held) in words
/// that speak of the reason, and nothing is applied.
#[test]
fn a_reason_not_valid_for_the_facility_type_waits_in_plain_words() {
    let w = world_tweaked(None, |c| {
        for r in &mut c.valid_reasons {
            r.1 = "11111111-1111-4111-8111-111111111111".into();
        }
    });
    let month = Period::containing(PeriodType::Monthly, w.clock.today()).previous();
    let mut d = DraftGen::new(11).draft(&w.def, "HP-001", &month.iso(), &BTreeMap::new());
    let e = d.stock.get_mut("ORS").unwrap();
    e.losses = Some(e.losses.unwrap_or(0) + 2);
    e.closing_balance = e.closing_balance.map(|c| c - 2);
    let id = w.agent.submit(&d, true).unwrap().id;
    let r = World::lmis_report(&w.sync(false));
    let (state, _) = w.lmis_state(&id);
    assert!(
        state == DeliveryState::Waiting || r.held.is_some(),
        "waiting or held, never applied nor refused by the device: {r:?}"
    );
    let words = format!("{} {:?}", lmis_words(&w, &id), r.held);
    assert!(words.to_lowercase().contains("reason"), "{words}");
    println!("{words}");
    assert!(w.lmis.events().is_empty());
}

/// The CHW form in requisition mode, three months of the last complete
/// quarter recorded for HP-001 (the device's clock a few days after it).
fn requisition_world() -> (World, Vec<String>) {
    let mut def = chw();
    if let Some(l) = def.lmis.as_mut() {
        l.mode = agent_core::form::LmisMode::Requisition;
    }
    let w = world_of(def, None, |_| {});
    let quarter = Period::containing(PeriodType::Quarterly, w.clock.today()).previous();
    let after = quarter.end() + chrono::Duration::days(5);
    w.clock.set(after.and_hms_opt(9, 0, 0).unwrap().and_utc());
    let ids = w
        .record("HP-001", 3, 31)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (w, ids)
}

/// The requests the meddler passed on whose path starts with `prefix`.
fn passed(w: &World, method: &str, pred: impl Fn(&str) -> bool) -> usize {
    w.net
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(m, p)| m == method && pred(p))
        .count()
}

/// The one requisition of the test's facility, from the LMIS.
fn the_requisition(w: &World) -> serde_json::Value {
    let fid = w.facility_id("HP-001");
    let mine: Vec<serde_json::Value> = w
        .lmis
        .requisitions()
        .into_iter()
        .filter(|r| {
            r.pointer("/facility/id").and_then(|v| v.as_str()) == Some(fid.as_str())
                || r.get("facilityId").and_then(|v| v.as_str()) == Some(fid.as_str())
        })
        .collect();
    assert_eq!(mine.len(), 1, "one requisition for the quarter: {mine:?}");
    mine[0].clone()
}

/// Someone changed the requisition in the LMIS between the agent's read and
/// its write: the LMIS refuses the PUT with 409 (version mismatch, contract
/// §7.1 step 4). The agent reads it again, writes again, and submits once.
#[test]
fn a_put_refused_for_a_changed_version_is_read_again_and_submitted_once() {
    let (w, ids) = requisition_world();
    let mut refused = false;
    w.net.set(move |req, path| {
        if req.method == "PUT" && path.starts_with("/api/requisitions/") && !refused {
            refused = true;
            return Act::Answer(
                409,
                refusal(
                    "requisition.error.validation.versionMismatch",
                    "The requisition was changed by someone else; read it again.",
                ),
            );
        }
        Act::Pass
    });
    w.sync_until_empty(10);
    for id in &ids {
        assert_eq!(w.lmis_state(id).0, DeliveryState::Delivered, "{id}");
    }
    assert!(
        passed(&w, "PUT", |p| p.starts_with("/api/requisitions/")) >= 2,
        "written again after the 409"
    );
    let submits = passed(&w, "POST", |p| p.ends_with("/submit"));
    assert_eq!(submits, 1, "submitted once");
    let r = the_requisition(&w);
    assert_eq!(
        r.get("status").and_then(|v| v.as_str()),
        Some("SUBMITTED"),
        "{r}"
    );
}

/// The requisition the agent started was deleted in the LMIS (an
/// administrator's clean-up; the LMIS answers 404 in its own shape): the
/// agent starts again, finds or makes the quarter's requisition, and
/// submits one.
#[test]
fn a_requisition_deleted_in_the_lmis_is_started_again_and_submitted_once() {
    let (w, ids) = requisition_world();
    let mut gone = false;
    w.net.set(move |req, path| {
        let read = req.method == "GET"
            && path.starts_with("/api/requisitions/")
            && !path.starts_with("/api/requisitions/search");
        if read && !gone {
            gone = true;
            return Act::Answer(
                404,
                refusal(
                    "requisition.error.requisitionNotFound",
                    "Requisition not found.",
                ),
            );
        }
        Act::Pass
    });
    w.sync_until_empty(10);
    for id in &ids {
        assert_eq!(w.lmis_state(id).0, DeliveryState::Delivered, "{id}");
    }
    assert_eq!(
        passed(&w, "POST", |p| p.ends_with("/submit")),
        1,
        "submitted once"
    );
    let r = the_requisition(&w);
    assert_eq!(
        r.get("status").and_then(|v| v.as_str()),
        Some("SUBMITTED"),
        "{r}"
    );
}

/// The reference GETs the meddler saw: facilities (and their approved
/// products), programs, orderables, valid reasons.
fn reference_gets(w: &World) -> usize {
    [
        "/api/facilities",
        "/api/programs",
        "/api/orderables",
        "/api/validReasons",
    ]
    .iter()
    .map(|p| w.net.count("GET", p))
    .sum()
}

/// The reference data of one facility and program by the contract: the
/// facility by its id, the program, the orderables, the approved products,
/// the valid reasons.
const ONE_READING: usize = 5;

/// Issue 14: the LMIS refuses an event for a reason the cached reference
/// data names (the reason is gone): the agent reads the reference data again
/// once and sends the event once more, which the LMIS accepts.
#[test]
fn a_refusal_naming_a_reason_reads_the_reference_data_again_and_resends_once() {
    let w = world();
    let forms = w.record("HP-001", 2, 5);
    let posts = Arc::new(Mutex::new(0));
    let seen = posts.clone();
    w.net.set(move |req, path| {
        if req.method == "POST" && path.starts_with("/api/stockEvents") {
            let mut n = seen.lock().unwrap();
            *n += 1;
            // The second month's first attempt.
            if *n == 2 {
                return Act::Answer(
                    400,
                    refusal(
                        "stockmanagement.error.event.reason.not.exist",
                        "Reason 0b3c… does not exist",
                    ),
                );
            }
        }
        Act::Pass
    });
    let r = World::lmis_report(&w.sync(false));
    for (id, _) in &forms {
        assert_eq!(w.lmis_state(id).0, DeliveryState::Delivered, "{r:?}");
    }
    assert!(r.rejected.is_empty(), "{r:?}");
    assert_eq!(w.lmis.events().len(), 2);
    assert_eq!(w.net.count("POST", "/api/stockEvents"), 3, "one resend");
    assert_eq!(
        reference_gets(&w),
        2 * ONE_READING,
        "read once, then again once"
    );
}

/// The same refusal a second time rejects the form as before: two POSTs in
/// all, never a third, with the LMIS's reason in plain words.
#[test]
fn the_same_refusal_after_reading_again_rejects_the_form() {
    let w = world();
    let forms = w.record("HP-001", 1, 6);
    w.net.set(|req, path| {
        if req.method == "POST" && path.starts_with("/api/stockEvents") {
            Act::Answer(
                400,
                refusal(
                    "stockmanagement.error.event.reason.not.exist",
                    "Reason 0b3c… does not exist",
                ),
            )
        } else {
            Act::Pass
        }
    });
    let r = World::lmis_report(&w.sync(false));
    assert_eq!(
        w.lmis_state(&forms[0].0).0,
        DeliveryState::Rejected,
        "{r:?}"
    );
    assert_eq!(
        w.net.count("POST", "/api/stockEvents"),
        2,
        "one resend only"
    );
    assert_eq!(reference_gets(&w), 2 * ONE_READING);
    let words = lmis_words(&w, &forms[0].0);
    assert!(words.contains("reasons"), "{words}");
    // Rejected: the next pass sends nothing.
    w.sync(false);
    assert_eq!(w.net.count("POST", "/api/stockEvents"), 2);
    assert!(w.lmis.events().is_empty());
}
