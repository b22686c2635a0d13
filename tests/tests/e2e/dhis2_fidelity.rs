//! Mock fidelity, DHIS2 (issue 13 item 4): the rules of the contract
//! (`shared/contracts/dhis2/README.md`) the example metadata never
//! triggers, each switched on in the simulated DHIS2 (`Dhis2Rules`), and
//! what the user then sees through `Agent::status`: a form held with the
//! reason (a 403), or refused field by field with DHIS2's reason and plain
//! advice. Expected codes and shapes come from the contract; which data
//! element a field lands on comes from the hand-written mapping fixture
//! `tests/fixtures/oracles/chw-monthly.mapping.json`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use super::support::dhis2_basic;
use agent_core::clock::{Clock, FixedClock};
use agent_core::credentials::StaticCredentials;
use agent_core::dhis2::Dhis2Settings;
use agent_core::draft::Draft;
use agent_core::outbox::{DeliveryState, Destination, DestinationStatus};
use agent_core::sync::{HoldKind, SyncBudget, SyncReport};
use agent_core::{Agent, FacilityMap, FormSet, Period, PeriodType};
use chrono::{NaiveDate, TimeZone, Utc};
use cli_sim::drafts::DraftGen;
use cli_sim::from_forms::FromForms;
use sim_servers::dhis2::{
    DEFAULT_COC, DataInputPeriod, Dhis2Mock, Dhis2MockConfig, Dhis2Rules, VersionFamily,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The CHW form's data set (the mapping fixture's note names it).
const DATA_SET: &str = "MkXpsaCoKaE";
/// The facility every test reports for.
const FACILITY: &str = "HP-004";

struct World {
    _dir: tempfile::TempDir,
    agent: Agent,
    mock: Dhis2Mock,
    creds: StaticCredentials,
    forms: FormSet,
    org_unit: String,
    /// The month the form is for: the one before "today".
    month: Period,
}

/// "Today" for the agent and the server: 10 March 2026, noon UTC.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()
}

fn world(version: VersionFamily, rules: Dhis2Rules) -> World {
    world_with(version, rules, |_| {})
}

fn world_with(
    version: VersionFamily,
    rules: Dhis2Rules,
    tweak: impl FnOnce(&mut Dhis2MockConfig),
) -> World {
    let dir = tempfile::tempdir().unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let forms = FormSet::load_dir(&schemas.join("forms")).unwrap();
    let facilities = FacilityMap::load(&schemas.join("facilities/example.json")).unwrap();
    let org_unit = facilities
        .get(FACILITY)
        .unwrap()
        .dhis2_org_unit
        .clone()
        .unwrap();
    let mut config = Dhis2MockConfig::from_forms(&forms, &facilities);
    config.version = version;
    config.today = Some(today());
    config.rules = rules;
    tweak(&mut config);
    let mock = Dhis2Mock::start(config, 0).unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.from_utc_datetime(&today().and_hms_opt(12, 0, 0).unwrap()),
    ));
    let month = Period::containing(PeriodType::Monthly, clock.today()).previous();
    let agent = Agent::open_parts(
        &dir.path().join("outbox.sqlite"),
        forms.clone(),
        facilities,
        clock,
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
        mock,
        creds,
        forms,
        org_unit,
        month,
    }
}

/// The hand-written mapping: form field -> (data element, option combo).
fn mapping() -> BTreeMap<String, (String, String)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oracles/chw-monthly.mapping.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["service"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, pair)| {
            (
                format!("service.{k}"),
                (
                    pair[0].as_str().unwrap().to_string(),
                    pair[1].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

impl World {
    /// One CHW form for last month, changed by `edit` before it is submitted.
    fn record(&self, edit: impl FnOnce(&mut Draft)) -> String {
        let def = self.forms.get("chw-monthly").unwrap();
        let mut d = DraftGen::new(7).draft(def, FACILITY, &self.month.iso(), &BTreeMap::new());
        edit(&mut d);
        self.agent.submit(&d, true).unwrap().id
    }

    fn sync(&self, retry_held: bool) -> SyncReport {
        self.agent
            .sync(
                SyncBudget::time(Duration::from_secs(30)),
                &self.creds,
                retry_held,
            )
            .unwrap()
    }

    fn dhis2(&self, id: &str) -> DestinationStatus {
        self.agent
            .status(id)
            .unwrap()
            .destinations
            .into_iter()
            .find(|d| d.destination == Destination::Dhis2)
            .unwrap()
    }

    /// What DHIS2 holds for the form: (data element, option combo) -> value.
    fn held(&self) -> BTreeMap<(String, String), String> {
        self.mock
            .values()
            .into_iter()
            .filter(|v| v.org_unit == self.org_unit && v.period == self.month.dhis2_id())
            .map(|v| ((v.data_element, v.coc), v.value))
            .collect()
    }
}

/// The form was refused whole, each service field with `code` and DHIS2's
/// message containing `server_says`, and advice containing `advice_says`;
/// nothing of it is stored.
fn refused_whole(w: &World, id: &str, code: &str, server_says: &str, advice_says: &str) {
    let st = w.dhis2(id);
    assert_eq!(st.state, DeliveryState::Rejected, "{st:?}");
    assert!(st.held.is_none(), "{st:?}");
    for field in mapping().keys() {
        let p = st
            .problems
            .iter()
            .find(|p| &p.field == field)
            .unwrap_or_else(|| panic!("no problem for {field}: {:?}", st.problems));
        assert_eq!(p.code.as_deref(), Some(code), "{p:?}");
        assert!(p.server_message.contains(server_says), "{p:?}");
        assert!(
            p.advice.contains(advice_says),
            "advice for {code} should say '{advice_says}': {p:?}"
        );
    }
    assert_eq!(w.held(), BTreeMap::new(), "nothing of the form is stored");
}

/// The 2.43 family and one older family answer these rules differently (§0,
/// §7): 2.37/2.40 ignore each row with an E76xx conflict (HTTP 200 or 409,
/// WARNING), 2.43 rejects the group with one E80xx listing every index.
const FAMILIES: [VersionFamily; 3] = [
    VersionFamily::V2_37,
    VersionFamily::V2_40,
    VersionFamily::V2_43,
];

// ---------------------------------------------------------------------------
// 1. Authorities: a 403 without F_DATAVALUE_ADD, E7601/E8010, E7617/E8011.
// ---------------------------------------------------------------------------

/// A user without `F_DATAVALUE_ADD` gets DHIS2's 403 WebMessage (§1, §5
/// "403 → stop"): the agent holds DHIS2 as a credentials problem, says what
/// is missing and who can fix it, keeps the form to send, and sends it once
/// the administrator gave the authority and the user retries.
#[test]
fn a_user_without_the_data_entry_authority_holds_dhis2_and_keeps_the_form() {
    for version in FAMILIES {
        let w = world(
            version,
            Dhis2Rules {
                without_data_value_add: true,
                ..Dhis2Rules::default()
            },
        );
        let id = w.record(|_| {});
        let r = w.sync(false);
        let d = r.destination(Destination::Dhis2).unwrap();
        assert!(d.delivered.is_empty() && d.rejected.is_empty(), "{d:?}");
        let st = w.dhis2(&id);
        assert_eq!(st.state, DeliveryState::Pending, "{version:?}: {st:?}");
        assert_eq!(st.held_kind, Some(HoldKind::Credentials), "{st:?}");
        let held = st.held.clone().unwrap();
        assert!(
            held.contains("authority") && held.contains("DHIS2 administrator"),
            "{held}"
        );
        assert!(!held.contains("district"), "no secret in the reason");
        assert!(st.problems.is_empty(), "{st:?}");
        assert_eq!(w.held(), BTreeMap::new());
        // Held: a later pass sends nothing until the user retries.
        let again = w.sync(false);
        assert_eq!(again.destination(Destination::Dhis2).unwrap().requests, 0);
        w.mock.set_rules(|r| r.without_data_value_add = false);
        w.sync(true);
        assert_eq!(w.dhis2(&id).state, DeliveryState::Delivered, "{version:?}");
        assert_eq!(w.held().len(), 15, "{version:?}");
    }
}

/// A data set the user may read but not write: 2.37/2.40 abort the import
/// (E7601, ERROR), 2.43 rejects the group (E8010). The form is refused with
/// advice to ask for access.
#[test]
fn a_data_set_the_user_cannot_write_refuses_the_form_and_says_who_gives_access() {
    for (version, code) in [
        (VersionFamily::V2_40, "E7601"),
        (VersionFamily::V2_43, "E8010"),
    ] {
        let w = world(
            version,
            Dhis2Rules {
                read_only_data_sets: vec![DATA_SET.into()],
                ..Dhis2Rules::default()
            },
        );
        let id = w.record(|_| {});
        w.sync(false);
        let st = w.dhis2(&id);
        assert_eq!(st.state, DeliveryState::Rejected, "{version:?}: {st:?}");
        assert!(
            st.problems.iter().any(|p| p.code.as_deref() == Some(code)
                && p.server_message.contains(DATA_SET)
                && p.advice.contains("give access")),
            "{version:?}: {:?}",
            st.problems
        );
        assert_eq!(w.held(), BTreeMap::new());
    }
}

/// An org unit outside the user's data capture scope: E7617 per row
/// (2.37/2.40), E8011 for the group (2.43).
#[test]
fn a_facility_outside_the_users_scope_is_refused_field_by_field() {
    for (version, code) in [
        (VersionFamily::V2_40, "E7617"),
        (VersionFamily::V2_43, "E8011"),
    ] {
        let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let ou = FacilityMap::load(&schemas.join("facilities/example.json"))
            .unwrap()
            .get(FACILITY)
            .unwrap()
            .dhis2_org_unit
            .clone()
            .unwrap();
        let w = world(
            version,
            Dhis2Rules {
                outside_capture_scope: vec![ou.clone()],
                ..Dhis2Rules::default()
            },
        );
        let id = w.record(|_| {});
        w.sync(false);
        refused_whole(&w, &id, code, &ou, "facility");
    }
}

// ---------------------------------------------------------------------------
// 2. Data input periods (E7643) and a data set that locks (E7640, E8030).
// ---------------------------------------------------------------------------

/// Last month's data input period closed yesterday: each row is ignored with
/// E7643 on 2.37/2.40, the group is rejected with E8030 on 2.43 (§7). The
/// form is refused, every field saying the period is closed.
#[test]
fn a_closed_data_input_period_refuses_the_form_with_the_servers_reason() {
    for version in FAMILIES {
        let w = world(version, Dhis2Rules::default());
        let pe = w.month.dhis2_id();
        w.mock.set_rules(|r| {
            r.data_input_periods.insert(
                DATA_SET.into(),
                vec![DataInputPeriod {
                    period: pe.clone(),
                    opening: NaiveDate::from_ymd_opt(2026, 2, 1),
                    closing: NaiveDate::from_ymd_opt(2026, 3, 9),
                }],
            );
        });
        let id = w.record(|_| {});
        w.sync(false);
        let (code, says, advice) = match version {
            VersionFamily::V2_43 => ("E8030", "Untimely data entry", "open it"),
            _ => (
                "E7643",
                "is not open for this data set",
                "data input periods",
            ),
        };
        refused_whole(&w, &id, code, says, advice);
        assert!(
            w.dhis2(&id)
                .problems
                .iter()
                .all(|p| p.server_message.contains(&pe)),
            "the period is named"
        );
    }
}

/// The same period inside its data input period (opened until tomorrow) is
/// stored: the rule is about the window, not the period.
#[test]
fn an_open_data_input_period_takes_the_form() {
    for version in [VersionFamily::V2_40, VersionFamily::V2_43] {
        let w = world(version, Dhis2Rules::default());
        let pe = w.month.dhis2_id();
        w.mock.set_rules(|r| {
            r.data_input_periods.insert(
                DATA_SET.into(),
                vec![DataInputPeriod {
                    period: pe,
                    opening: NaiveDate::from_ymd_opt(2026, 3, 1),
                    closing: NaiveDate::from_ymd_opt(2026, 3, 11),
                }],
            );
        });
        let id = w.record(|_| {});
        w.sync(false);
        assert_eq!(w.dhis2(&id).state, DeliveryState::Delivered, "{version:?}");
        assert_eq!(w.held().len(), 15);
    }
}

/// A data set with `expiryDays = 5`: last month (ended 28 February) locked
/// on 6 March. 2.37 answers 200 WARNING, 2.40 409 WARNING, each row E7640;
/// 2.43 409 ERROR, one E8030 with every index (§7 "Responses when locked").
#[test]
fn a_data_set_that_locked_after_its_expiry_days_refuses_the_form() {
    for version in FAMILIES {
        let w = world_with(version, Dhis2Rules::default(), |c| {
            for ds in c.data_sets.iter_mut().filter(|d| d.uid == DATA_SET) {
                ds.expiry_days = 5.0;
            }
        });
        let id = w.record(|_| {});
        w.sync(false);
        let (code, says, advice) = match version {
            VersionFamily::V2_43 => ("E8030", "Untimely data entry", "open it"),
            _ => ("E7640", "past expiry days", "closed this period"),
        };
        refused_whole(&w, &id, code, says, advice);
    }
}

// ---------------------------------------------------------------------------
// 3. Approval (E7642 / E8033).
// ---------------------------------------------------------------------------

/// Last month is approved for the facility: E7642 per row (2.37/2.40),
/// E8033 for the group (2.43). The form is refused; the advice says it is
/// approved and who can un-approve it.
#[test]
fn approved_data_refuses_the_form_and_says_it_is_approved() {
    for version in FAMILIES {
        let w = world(version, Dhis2Rules::default());
        let (pe, ou) = (w.month.dhis2_id(), w.org_unit.clone());
        w.mock
            .set_rules(|r| r.approved.push((DATA_SET.into(), pe, ou)));
        let id = w.record(|_| {});
        w.sync(false);
        let (code, says) = match version {
            VersionFamily::V2_43 => ("E8033", "already approved"),
            _ => ("E7642", "already approved"),
        };
        refused_whole(&w, &id, code, says, "approved in DHIS2");
    }
}

// ---------------------------------------------------------------------------
// 4. Org unit and category option date ranges (E7638 / E8031 / E8032).
// ---------------------------------------------------------------------------

/// The facility closed in DHIS2 on 15 February: 2.43 rejects the group
/// (E8031); the contract lists no such check before 2.43, so 2.40 stores it.
#[test]
fn a_facility_closed_in_dhis2_is_refused_by_2_43_and_stored_by_2_40() {
    for version in [VersionFamily::V2_40, VersionFamily::V2_43] {
        let w = world(version, Dhis2Rules::default());
        let ou = w.org_unit.clone();
        w.mock.set_rules(|r| {
            r.org_unit_dates
                .insert(ou.clone(), (None, NaiveDate::from_ymd_opt(2026, 2, 15)));
        });
        let id = w.record(|_| {});
        w.sync(false);
        if version == VersionFamily::V2_43 {
            refused_whole(&w, &id, "E8031", &ou, "facility is closed");
        } else {
            assert_eq!(w.dhis2(&id).state, DeliveryState::Delivered);
            assert_eq!(w.held().len(), 15);
        }
    }
}

/// The category option behind the (default) attribute option combo ended
/// on 31 January: last month is outside its dates. E7638 per row
/// (2.37/2.40), E8032 for the group (2.43).
#[test]
fn a_category_option_that_ended_refuses_the_form_and_says_so() {
    for version in FAMILIES {
        let w = world(
            version,
            Dhis2Rules {
                option_dates: BTreeMap::from([(
                    DEFAULT_COC.to_string(),
                    (None, NaiveDate::from_ymd_opt(2026, 1, 31)),
                )]),
                ..Dhis2Rules::default()
            },
        );
        let id = w.record(|_| {});
        w.sync(false);
        let (code, says) = match version {
            VersionFamily::V2_43 => ("E8032", DEFAULT_COC),
            _ => ("E7638", "is not within date range"),
        };
        refused_whole(&w, &id, code, says, "start and end dates");
    }
}

// ---------------------------------------------------------------------------
// 5. Value types other than INTEGER_ZERO_OR_POSITIVE; zeroIsSignificant=false.
// ---------------------------------------------------------------------------

/// The field `pneumonia_u5_amoxicillin`, by the mapping fixture.
fn amoxicillin() -> (String, String) {
    mapping()
        .get("service.pneumonia_u5_amoxicillin")
        .cloned()
        .unwrap()
}

/// Its data element is `INTEGER_POSITIVE` in DHIS2 and the form says 0:
/// that one row is ignored (E7619 on 2.37/2.40, E8122 on 2.43, a value
/// error on every version, §0), the other 14 values are stored. The form is
/// refused for that one field, with advice to correct the number.
#[test]
fn a_zero_for_a_positive_integer_element_refuses_that_field_only() {
    let (de, coc) = amoxicillin();
    for version in FAMILIES {
        let w = world_with(version, Dhis2Rules::default(), |c| {
            for ds in &mut c.data_sets {
                for e in ds.elements.iter_mut().filter(|e| e.uid == de) {
                    e.value_type = "INTEGER_POSITIVE".into();
                }
            }
        });
        let id = w.record(|d| {
            d.service.insert("pneumonia_u5_amoxicillin".into(), 0);
        });
        w.sync(false);
        let st = w.dhis2(&id);
        assert_eq!(st.state, DeliveryState::Rejected, "{version:?}: {st:?}");
        let code = match version {
            VersionFamily::V2_43 => "E8122",
            _ => "E7619",
        };
        assert_eq!(st.problems.len(), 1, "{version:?}: {:?}", st.problems);
        let p = &st.problems[0];
        assert_eq!(p.field, "service.pneumonia_u5_amoxicillin");
        assert_eq!(p.code.as_deref(), Some(code));
        assert!(p.server_message.contains("INTEGER_POSITIVE") || p.server_message.contains(&de));
        assert!(p.advice.contains("correct the form"), "{p:?}");
        let held = w.held();
        assert_eq!(held.len(), 14, "{version:?}: the other values are stored");
        assert!(!held.contains_key(&(de.clone(), coc.clone())));
    }
}

/// Its data element has `zeroIsSignificant=false` and the form says 0
/// (§6 point 4): 2.37/2.40 do not store the zero and report no conflict,
/// 2.43 stores it (a trim job removes it later). Either way the server
/// reports success and the agent shows the form delivered.
#[test]
fn a_zero_that_is_not_significant_is_delivered_and_stored_as_the_version_does() {
    let (de, coc) = amoxicillin();
    for version in FAMILIES {
        let w = world_with(version, Dhis2Rules::default(), |c| {
            for ds in &mut c.data_sets {
                for e in ds.elements.iter_mut().filter(|e| e.uid == de) {
                    e.zero_is_significant = false;
                }
            }
        });
        let id = w.record(|d| {
            d.service.insert("pneumonia_u5_amoxicillin".into(), 0);
        });
        w.sync(false);
        let st = w.dhis2(&id);
        assert_eq!(st.state, DeliveryState::Delivered, "{version:?}: {st:?}");
        assert!(st.problems.is_empty());
        let held = w.held();
        match version {
            VersionFamily::V2_43 => {
                assert_eq!(
                    held.get(&(de.clone(), coc.clone())).map(String::as_str),
                    Some("0")
                );
                assert_eq!(held.len(), 15);
            }
            _ => {
                assert!(
                    !held.contains_key(&(de.clone(), coc.clone())),
                    "{version:?}"
                );
                assert_eq!(held.len(), 14);
            }
        }
    }
}
