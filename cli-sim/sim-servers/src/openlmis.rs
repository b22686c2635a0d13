//! The simulated OpenLMIS v3: the auth, referencedata, stockmanagement and
//! requisition endpoints an offline sync agent uses, answering like the
//! contract in `shared/contracts/openlmis/README.md` ("§" below refers to its
//! sections), on top of the fault-injecting HTTP server of [`super::http`].
//!
//! What is modelled:
//! - Authentication (§3, in `auth`): `POST /api/oauth/token` with HTTP Basic
//!   client credentials and the `password` or `client_credentials` grant,
//!   parameters in the query string or a form body; opaque UUID tokens with a
//!   sliding inactivity expiry; every other `/api/...` route needs `Bearer`
//!   or `?access_token=` and answers 401 `invalid_token` otherwise. User
//!   tokens may only post stock events for programs their home facility
//!   supports (403, §3).
//! - Reference data (§4, in `refdata`): facilities (the `code` filter is a
//!   case-insensitive substring, §9), programs, versioned orderables,
//!   approved products, reasons and valid reasons (a bare array, §9), valid
//!   sources and destinations (a page of *node* ids, which are not facility
//!   ids), processing periods and users.
//! - Stock events (§5.1, §6, in `stock`): one transaction per event; the
//!   per-line interpretation (source, destination, reason, or none = an
//!   absolute physical count); the ledger order (occurred date, arrival,
//!   CREDIT before DEBIT before no reason); the whole event rejected when any
//!   point of a card would go below zero after a backdated insert; no
//!   idempotency except the physical-inventory `resourceId` guard (§6.2);
//!   the validation errors of §5.1 with their message keys. Reads (§5.3):
//!   v2 stock card summaries, stock cards (physical count lines read back
//!   with the server's synthetic Overstock/Understock/Balance adjustment
//!   reason and the absolute difference as quantity), range summaries with
//!   signed tag totals and stock-out days.
//! - Physical inventory drafts as the OpenLMIS UI uses them (in
//!   `inventory`; not in the contract notes, sources named there): look
//!   for, make, save and delete a draft; submitting one is a stock event
//!   whose `resourceId` is the draft's id, which stops it being a draft.
//! - Requisitions (§6.4, §7, in `requisition`): periods for initiate,
//!   initiate (with the `Idempotency-Key` semantics as implemented upstream:
//!   key stored before the work, 409 replay without `Location`), GET with
//!   `ETag`, PUT with `If-Match` / `modifiedDate` checks, invariants and the
//!   §7.3 formulas, submit, authorize and approve (not before the period end
//!   date), reject, search, delete; stock-based templates (§7.4) filled from
//!   the stock cards (only products with a card get a line; B, C, D and X
//!   are refreshed on every PUT, A and E are not); and the §7.5
//!   physical-inventory event a non-stock-based requisition posts to the
//!   stock cards when it is approved.
//! - Every response carries a `Date` header with the server's time (the
//!   configured `today` at the current UTC time of day, when set).
//! - The faults of [`super::faults`] on every route except `/__admin/*`.
//!
//! Choices where the contract is silent (documented so tests can rely on them):
//! - The server's date is UTC (`time.zoneId` is configurable upstream).
//! - "Processed time" in the ledger order is the arrival order of events,
//!   even when `today` is moved backwards between them.
//! - `GET /api/facilities` and `GET /api/facilities/{id}/approvedProducts`
//!   answer Spring pages (referencedata v15 controllers return
//!   `Page<…>`); `GET /api/programs` and `/api/validReasons` bare arrays.
//! - Lots are not modelled: any `lotId` is rejected as unknown.
//! - Stock card reads follow the upstream schemas where the Java is not
//!   known: `stockAdjustments` on a card line are `{id, reason{…}, quantity}`
//!   (`stockAdjustment.json`), `canFulfillForMe.processedDate` is a date.
//! - Every user has every right for every facility; only the home-facility
//!   program check of §3 is modelled. Client-only tokens skip it.
//! - Requisition templates show every column and average over two periods
//!   (`numberOfPeriodsToAverage`, switchable with `set_requisition_rules`);
//!   the requested-quantity explanation rule (§7.2) is checked on submit;
//!   `PUT` stores A, B, C, D (or the sum of `stockAdjustments`), X, J, W,
//!   remarks, `skipped`, `datePhysicalStockCountCompleted` and
//!   `draftStatusMessage`; submit of a non-stock-based requisition needs A,
//!   B, C and X on every line that is not skipped.
//! - Stock-out days are the days of the range whose closing stock on hand is
//!   0 or less (before a card's first line the stock is 0).
//! - Errors the JSON binder would raise (malformed JSON, a string where a
//!   number belongs, a malformed UUID) answer Spring Boot's default error
//!   body `{timestamp, status, error, message, path}` with 400.
//! - Tag totals are signed like upstream `StockCardAggregate`: debit reasons
//!   count negative (so `consumed` is usually below 0).
//! - The demo reason tags file also tags Consumed and Receipts `adjustment`;
//!   that is left out here so a stock-based `totalLossesAndAdjustments` does
//!   not include consumption and receipts. "Transfer In" is only named by the
//!   demo tags file; it is modelled as TRANSFER/CREDIT with free text, like
//!   "Transfer Out".

mod auth;
mod cli;
mod inventory;
mod refdata;
mod requisition;
mod stock;
mod world;

pub use cli::{MockLmisArgs, run_cli};
pub use requisition::{KeyFault, RequisitionRules};
pub use stock::{CardLine, StoredEvent};
pub use world::{DIFFERING_PROGRAM_CODE, DIFFERING_PROGRAM_ID};

use super::faults::{FaultConfig, Faults, Stats};
use super::http::{self, Handler, Request, Response, Server, ServerConfig};
use super::period::{Period, PeriodType};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The bootstrap `Consumed` reason (ADJUSTMENT/DEBIT, tag `consumed`, §4).
pub const CONSUMED_REASON_ID: &str = "b5c27da7-bdda-4790-925a-9484c5dfb594";
/// The bootstrap `Receipts` reason (ADJUSTMENT/CREDIT, tag `received`, §4).
pub const RECEIPTS_REASON_ID: &str = "313f2f5f-0c22-4626-8c49-3554ef763de3";
/// The bootstrap `Beginning Balance Excess` reason (ADJUSTMENT/CREDIT, §4).
pub const BEGINNING_BALANCE_EXCESS_REASON_ID: &str = "84eb13c3-3e54-4687-8a5f-a9f20dcd0dac";
/// The bootstrap `Beginning Balance Insufficiency` reason (ADJUSTMENT/DEBIT, §4).
pub const BEGINNING_BALANCE_INSUFFICIENCY_REASON_ID: &str = "f8bb41e2-ab43-4781-ae7a-7bf3b5116b82";
/// The demo `Transfer In` reason (TRANSFER/CREDIT).
pub const TRANSFER_IN_REASON_ID: &str = "e3fc3cf3-da18-44b0-a220-77c985202e06";
/// The demo `Transfer Out` reason (TRANSFER/DEBIT).
pub const TRANSFER_OUT_REASON_ID: &str = "c1fc3cf3-da18-44b0-a220-77c985202e06";
/// The id of the single facility type the configuration made from the agent's forms (cli-sim's `from_forms`) creates.
pub const HEALTH_POST_TYPE_ID: &str = "ac1d268b-ce10-455f-bf87-9c667da8f060";
/// The code of that facility type.
pub const HEALTH_POST_TYPE_CODE: &str = "health_post";
/// The stockmanagement node id of the simulated district store, a valid
/// source and destination for every facility (§4 "sources / destinations").
pub const DISTRICT_STORE_NODE_ID: &str = "0ba4fd4d-7a33-4bf0-8cde-3b8e1a3d4c10";

/// The most stock events stored; further ones answer 500.
const MAX_EVENTS: usize = 200_000;
/// The most stock card lines stored over all cards.
const MAX_CARD_LINES: usize = 2_000_000;
/// The most requisitions stored.
const MAX_REQUISITIONS: usize = 100_000;
/// The most live tokens; the ones closest to expiry are dropped beyond it.
const MAX_TOKENS: usize = 10_000;
/// The most idempotency keys remembered; the oldest are dropped beyond it.
const MAX_IDEMPOTENCY_KEYS: usize = 100_000;
/// How long an idempotency key is remembered (24 h, §6.4).
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);
/// The first and last day processing periods are made for.
const PERIODS_FROM: (i32, u32, u32) = (2024, 1, 1);
const PERIODS_TO: (i32, u32, u32) = (2028, 12, 31);

/// A stock card line item reason (§4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockReason {
    /// The id (UUID).
    pub id: String,
    /// The name (the public API of §5.2 looks reasons up by it).
    pub name: String,
    /// `CREDIT` or `DEBIT`.
    pub reason_type: String,
    /// `ADJUSTMENT`, `TRANSFER`, `PHYSICAL_INVENTORY` or `AGGREGATION`.
    pub category: String,
    /// The tags (`consumed`, `received`, `adjustment`, …) stock-based
    /// requisitions sum by.
    pub tags: Vec<String>,
    /// Whether `reasonFreeText` may accompany it.
    pub free_text_allowed: bool,
}

impl MockReason {
    fn new(id: &str, name: &str, reason_type: &str, category: &str, tags: &[&str]) -> Self {
        MockReason {
            id: id.to_string(),
            name: name.to_string(),
            reason_type: reason_type.to_string(),
            category: category.to_string(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            free_text_allowed: false,
        }
    }

    fn with_free_text(mut self) -> Self {
        self.free_text_allowed = true;
        self
    }

    fn is_credit(&self) -> bool {
        self.reason_type == "CREDIT"
    }
}

/// A facility of the simulated referencedata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockFacility {
    /// The id (UUID).
    pub id: String,
    /// The code (the stable business key, §4).
    pub code: String,
    /// The name.
    pub name: String,
    /// The facility type id.
    pub type_id: String,
    /// The facility type code.
    pub type_code: String,
    /// The ids of the programs the facility supports.
    pub programs: Vec<String>,
}

/// A program of the simulated referencedata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockProgram {
    /// The id (UUID).
    pub id: String,
    /// The code.
    pub code: String,
    /// The name.
    pub name: String,
}

/// An orderable (product) of the simulated referencedata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockOrderable {
    /// The id (UUID); stock events use it bare.
    pub id: String,
    /// The product code.
    pub product_code: String,
    /// The full product name.
    pub name: String,
    /// Dispensing units per pack.
    pub net_content: i64,
    /// The version number requisitions reference (`{id, versionNumber}`).
    pub version: i64,
    /// The ids of the programs it belongs to.
    pub programs: Vec<String>,
}

/// A processing period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockPeriod {
    /// The id (UUID).
    pub id: String,
    /// The name, e.g. `Q1 2026`.
    pub name: String,
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
    /// The processing schedule code, e.g. `SCH-Q`.
    pub schedule: String,
}

impl MockPeriod {
    /// Whole months between start and end (at least 1).
    fn months(&self) -> i64 {
        let months = (i64::from(chrono::Datelike::year(&self.end))
            - i64::from(chrono::Datelike::year(&self.start)))
            * 12
            + i64::from(chrono::Datelike::month(&self.end))
            - i64::from(chrono::Datelike::month(&self.start))
            + 1;
        months.max(1)
    }
}

/// How to run the simulated OpenLMIS.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenLmisMockConfig {
    /// Users for the password grant: (username, password, home facility id).
    pub users: Vec<(String, String, String)>,
    /// OAuth2 clients: (client id, secret, allowed grants).
    pub clients: Vec<(String, String, Vec<String>)>,
    /// Token inactivity timeout in seconds; every successful use extends it
    /// (§3). 0 means tokens never expire.
    pub token_ttl_secs: u64,
    /// The facilities.
    pub facilities: Vec<MockFacility>,
    /// The programs.
    pub programs: Vec<MockProgram>,
    /// The orderables.
    pub orderables: Vec<MockOrderable>,
    /// Facility type approved products: (facility type id, program id,
    /// orderable id, maxPeriodsOfStock).
    pub approved: Vec<(String, String, String, f64)>,
    /// Every stock card line item reason.
    pub reasons: Vec<MockReason>,
    /// Valid reason assignments: (program id, facility type id, reason id).
    pub valid_reasons: Vec<(String, String, String)>,
    /// Processing periods by program: (program id, period).
    pub periods: Vec<(String, MockPeriod)>,
    /// Program ids whose requisition template is stock based (§7.4).
    pub stock_based_templates: Vec<String>,
    /// Seed of the fault generator and of generated ids and tokens.
    pub seed: u64,
    /// The server's date; `None` is the system date (UTC).
    pub today: Option<NaiveDate>,
    /// HTTP worker threads.
    pub workers: usize,
    /// Compress JSON answers for clients that accept gzip, as the nginx of
    /// an OpenLMIS deployment does; `false` is a server answering plain.
    pub gzip_responses: bool,
    /// Refuse a physical inventory whose `resourceId` was already submitted
    /// (§6.2). `false` is an older server without the guard: a resent event
    /// is applied again. Switchable at run time with
    /// [`OpenLmisMock::set_inventory_guard`] or `POST /__admin/settings`.
    pub inventory_guard: bool,
}

impl Default for OpenLmisMockConfig {
    /// No reference data, the bootstrap clients and reasons (§3, §4) and the
    /// demo reasons, no user, 30-minute tokens.
    fn default() -> Self {
        OpenLmisMockConfig {
            users: Vec::new(),
            clients: bootstrap_clients(),
            token_ttl_secs: 1800,
            facilities: Vec::new(),
            programs: Vec::new(),
            orderables: Vec::new(),
            approved: Vec::new(),
            reasons: default_reasons(),
            valid_reasons: Vec::new(),
            periods: Vec::new(),
            stock_based_templates: Vec::new(),
            seed: 1,
            today: None,
            workers: http::DEFAULT_WORKERS,
            gzip_responses: true,
            inventory_guard: true,
        }
    }
}

impl OpenLmisMockConfig {
    /// Reference data from a fixture whose lists have the shapes the OpenLMIS
    /// API returns (`programs` as `/api/programs`, `facilities` as
    /// `/api/facilities` with `type` and `supportedPrograms`, `orderables` as
    /// `/api/orderables` with `meta.versionNumber` and `programs[].programId`,
    /// `facilityTypeApprovedProducts` with `facilityType.id`, `program.id`,
    /// `orderable.id`, `maxPeriodsOfStock`), plus `users` (`username`,
    /// `password`, `homeFacilityId`) and `programPeriodTypes` (program id →
    /// DHIS2-style period type name of its processing schedule). For example
    /// a hand-written fixture that owes nothing to the agent's form
    /// definitions. The bootstrap clients and the default reasons, each
    /// valid for every (program, facility type) listed.
    pub fn from_reference_data(v: &Value) -> Result<OpenLmisMockConfig, String> {
        let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| -> Vec<Value> {
            v.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let mut programs = Vec::new();
        let mut periods = Vec::new();
        for p in list("programs") {
            let id = text(&p, "/id").ok_or("a program without an id")?;
            let pt = text(v, &format!("/programPeriodTypes/{id}"))
                .and_then(|n| PeriodType::parse(&n))
                .ok_or_else(|| {
                    format!("program {id}: no or unknown period type in programPeriodTypes")
                })?;
            for period in make_periods(pt) {
                periods.push((id.clone(), period));
            }
            programs.push(MockProgram {
                code: text(&p, "/code").unwrap_or_else(|| id.clone()),
                name: text(&p, "/name").unwrap_or_else(|| id.clone()),
                id,
            });
        }
        let mut facilities = Vec::new();
        for f in list("facilities") {
            let id = text(&f, "/id").ok_or("a facility without an id")?;
            facilities.push(MockFacility {
                code: text(&f, "/code").ok_or_else(|| format!("facility {id}: no code"))?,
                name: text(&f, "/name").unwrap_or_else(|| id.clone()),
                type_id: text(&f, "/type/id")
                    .ok_or_else(|| format!("facility {id}: no type.id"))?,
                type_code: text(&f, "/type/code").unwrap_or_default(),
                programs: f
                    .get("supportedPrograms")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| text(p, "/id"))
                    .collect(),
                id,
            });
        }
        let mut orderables = Vec::new();
        for o in list("orderables") {
            let id = text(&o, "/id").ok_or("an orderable without an id")?;
            orderables.push(MockOrderable {
                product_code: text(&o, "/productCode")
                    .ok_or_else(|| format!("orderable {id}: no productCode"))?,
                name: text(&o, "/fullProductName").unwrap_or_else(|| id.clone()),
                net_content: o.get("netContent").and_then(Value::as_i64).unwrap_or(1),
                version: text(&o, "/meta/versionNumber")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1),
                programs: o
                    .get("programs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| text(p, "/programId"))
                    .collect(),
                id,
            });
        }
        let mut approved = Vec::new();
        for a in list("facilityTypeApprovedProducts") {
            let (Some(t), Some(p), Some(o)) = (
                text(&a, "/facilityType/id"),
                text(&a, "/program/id"),
                text(&a, "/orderable/id"),
            ) else {
                return Err(
                    "an approved product without facilityType.id, program.id or orderable.id"
                        .into(),
                );
            };
            let max = a
                .get("maxPeriodsOfStock")
                .and_then(Value::as_f64)
                .unwrap_or(3.0);
            approved.push((t, p, o, max));
        }
        let users = list("users")
            .iter()
            .filter_map(|u| {
                Some((
                    text(u, "/username")?,
                    text(u, "/password")?,
                    text(u, "/homeFacilityId").unwrap_or_default(),
                ))
            })
            .collect();
        let reasons = default_reasons();
        let mut types: Vec<String> = facilities.iter().map(|f| f.type_id.clone()).collect();
        types.sort();
        types.dedup();
        let mut valid_reasons = Vec::new();
        for p in &programs {
            for t in &types {
                for r in &reasons {
                    valid_reasons.push((p.id.clone(), t.clone(), r.id.clone()));
                }
            }
        }
        Ok(OpenLmisMockConfig {
            users,
            facilities,
            programs,
            orderables,
            approved,
            reasons,
            valid_reasons,
            periods,
            ..OpenLmisMockConfig::default()
        })
    }
}

/// The bootstrap OAuth2 clients (§3): `user-client`/`changeme` with the
/// password grant and `trusted-client`/`secret` with client credentials.
pub fn bootstrap_clients() -> Vec<(String, String, Vec<String>)> {
    vec![
        (
            "user-client".to_string(),
            "changeme".to_string(),
            vec!["password".to_string()],
        ),
        (
            "trusted-client".to_string(),
            "secret".to_string(),
            vec!["client_credentials".to_string()],
        ),
    ]
}

/// The four bootstrap reasons every install has (§4) followed by the demo
/// reasons of `stockmanagement.stock_card_line_item_reasons.csv` with the
/// tags of `stock_card_line_item_reason_tags.csv` (see the module notes for
/// the two departures).
pub fn default_reasons() -> Vec<MockReason> {
    let adj_debit = ["adjustment", "debit"];
    vec![
        MockReason::new(
            CONSUMED_REASON_ID,
            "Consumed",
            "DEBIT",
            "ADJUSTMENT",
            &["consumed"],
        ),
        MockReason::new(
            RECEIPTS_REASON_ID,
            "Receipts",
            "CREDIT",
            "ADJUSTMENT",
            &["received"],
        ),
        MockReason::new(
            BEGINNING_BALANCE_EXCESS_REASON_ID,
            "Beginning Balance Excess",
            "CREDIT",
            "ADJUSTMENT",
            &[],
        ),
        MockReason::new(
            BEGINNING_BALANCE_INSUFFICIENCY_REASON_ID,
            "Beginning Balance Insufficiency",
            "DEBIT",
            "ADJUSTMENT",
            &[],
        ),
        MockReason::new(
            TRANSFER_IN_REASON_ID,
            "Transfer In",
            "CREDIT",
            "TRANSFER",
            &["transfer", "credit"],
        )
        .with_free_text(),
        MockReason::new(
            TRANSFER_OUT_REASON_ID,
            "Transfer Out",
            "DEBIT",
            "TRANSFER",
            &["transfer", "debit"],
        )
        .with_free_text(),
        // The demo data tags this CREDIT reason `debit`; kept verbatim.
        MockReason::new(
            "279d55bd-42e3-438c-a63d-9c021b185dae",
            "Facility return",
            "CREDIT",
            "ADJUSTMENT",
            &adj_debit,
        ),
        MockReason::new(
            "5b09202e-b8a7-4f77-9e0e-8156f8efc613",
            "Damage",
            "DEBIT",
            "ADJUSTMENT",
            &adj_debit,
        ),
        MockReason::new(
            "3e7940db-49a5-492f-a4eb-75acb981dd2b",
            "Expired",
            "DEBIT",
            "ADJUSTMENT",
            &adj_debit,
        ),
        MockReason::new(
            "09e1d05d-f736-4834-9346-c27196a99eae",
            "Stolen",
            "DEBIT",
            "ADJUSTMENT",
            &adj_debit,
        ),
        MockReason::new(
            "b7e99f5b-af04-433d-9c30-d4f90c60c47b",
            "Lost",
            "DEBIT",
            "ADJUSTMENT",
            &adj_debit,
        )
        .with_free_text(),
        MockReason::new(
            "30f6002d-a78d-44db-b2b9-46e76795a188",
            "Passed open-vial time limit",
            "DEBIT",
            "ADJUSTMENT",
            &adj_debit,
        ),
        MockReason::new(
            "6f8d0431-6ec5-4280-9019-c6024b168b23",
            "Cold chain failure",
            "DEBIT",
            "ADJUSTMENT",
            &adj_debit,
        ),
    ]
}

/// Processing periods of this type from 2024-01-01 to 2028-12-31.
pub fn make_periods(period_type: PeriodType) -> Vec<MockPeriod> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(PERIODS_FROM.0, PERIODS_FROM.1, PERIODS_FROM.2),
        NaiveDate::from_ymd_opt(PERIODS_TO.0, PERIODS_TO.1, PERIODS_TO.2),
    ) else {
        return Vec::new();
    };
    let schedule = match period_type {
        PeriodType::Quarterly => "SCH-Q".to_string(),
        PeriodType::Monthly => "SCH-M".to_string(),
        other => format!("SCH-{}", other.as_str()),
    };
    let mut out = Vec::new();
    let mut p = Period::containing(period_type, first);
    // The bound keeps a daily schedule finite too.
    while p.start() <= last && out.len() < 5000 {
        let start = p.start();
        let name = match period_type {
            PeriodType::Quarterly => format!(
                "Q{} {}",
                (chrono::Datelike::month(&start) - 1) / 3 + 1,
                chrono::Datelike::year(&start)
            ),
            PeriodType::Monthly => start.format("%b %Y").to_string(),
            _ => p.dhis2_id(),
        };
        out.push(MockPeriod {
            id: derived_uuid(&["period", &schedule, &start.to_string()]),
            name,
            start,
            end: p.end(),
            schedule: schedule.clone(),
        });
        p = p.next();
    }
    out
}

/// A user of the password grant.
#[derive(Debug, Clone)]
struct User {
    id: String,
    username: String,
    password: String,
    home_facility: String,
}

/// The identity a request was authenticated as.
#[derive(Debug, Clone)]
struct Principal {
    /// The user, or `None` for a client-only token (§3).
    user: Option<User>,
}

/// A token and its owner.
#[derive(Debug, Clone)]
struct Token {
    user: Option<User>,
    expires: Option<std::time::Instant>,
}

/// Everything the server stores.
struct State {
    rng: fastrand::Rng,
    today: Option<NaiveDate>,
    tokens: HashMap<String, Token>,
    ledger: stock::Ledger,
    requisitions: requisition::Store,
    /// See [`OpenLmisMockConfig::inventory_guard`].
    inventory_guard: bool,
    /// Physical inventories made through `/api/physicalInventories` (the
    /// UI's drafts), by id; a submitted one has `isDraft` false.
    drafts: std::collections::BTreeMap<String, Value>,
}

impl State {
    /// The server's current moment: `today` at the current UTC time of day
    /// when set, the system time otherwise.
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        match self.today {
            Some(d) => d.and_time(now.time()).and_utc(),
            None => now,
        }
    }

    /// The server's date.
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    fn uuid(&mut self) -> String {
        random_uuid(&mut self.rng)
    }
}

/// The request handler: immutable reference data and the mutable state.
struct Service {
    refs: refdata::Reference,
    ttl: Option<Duration>,
    state: Mutex<State>,
}

impl Service {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `GET /__admin/settings` shows the server's own settings, `POST`
    /// changes the ones its JSON body names (`{"inventory_guard": false}`).
    fn admin(&self, req: &Request) -> Response {
        let view = |st: &State| json!({"inventory_guard": st.inventory_guard});
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/__admin/settings") => Response::json(200, &view(&self.lock())),
            ("POST", "/__admin/settings") => {
                let body: Value = match serde_json::from_slice(&req.body) {
                    Ok(v) => v,
                    Err(e) => {
                        return Response::json(
                            400,
                            &json!({"error": format!("the settings cannot be read: {e}")}),
                        );
                    }
                };
                let Some(obj) = body.as_object() else {
                    return Response::json(
                        400,
                        &json!({"error": "the settings must be a JSON object, e.g. {\"inventory_guard\": false}"}),
                    );
                };
                let mut st = self.lock();
                for (k, v) in obj {
                    match (k.as_str(), v.as_bool()) {
                        ("inventory_guard", Some(b)) => st.inventory_guard = b,
                        _ => {
                            return Response::json(
                                400,
                                &json!({"error": format!("unknown setting or not a true/false value: {k}; known: inventory_guard")}),
                            );
                        }
                    }
                }
                Response::json(200, &view(&st))
            }
            _ => Response::json(404, &json!({"error": "no such admin route"})),
        }
    }

    fn handle(&self, req: &Request) -> Response {
        let response = self.route(req);
        let now = self.lock().now();
        response.with_header("Date", &http_date(now))
    }

    fn route(&self, req: &Request) -> Response {
        let path = req.path.trim_end_matches('/').to_string();
        if path == "/api/oauth/token" {
            return self.token_endpoint(req);
        }
        if !path.starts_with("/api/") {
            return spring_error(404, "Not Found", "No message available", &req.path);
        }
        let principal = match self.authenticate(req) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let method = req.method.as_str();
        let rest = &path["/api/".len()..];
        let segments: Vec<&str> = rest.split('/').collect();
        let not_allowed = || {
            spring_error(
                405,
                "Method Not Allowed",
                &format!("Request method '{method}' not supported"),
                &req.path,
            )
        };
        match segments.as_slice() {
            ["facilities"] | ["facilities", "full"] => match method {
                "GET" => self.facilities_search(req, segments.len() == 1),
                _ => not_allowed(),
            },
            ["facilities", id] => match method {
                "GET" => self.facility(id),
                _ => not_allowed(),
            },
            ["facilities", id, "approvedProducts"] => match method {
                "GET" => self.approved_products(req, id),
                _ => not_allowed(),
            },
            ["programs"] => match method {
                "GET" => self.programs(),
                _ => not_allowed(),
            },
            ["programs", id] => match method {
                "GET" => self.program(id),
                _ => not_allowed(),
            },
            ["orderables"] => match method {
                "GET" => self.orderables(req),
                _ => not_allowed(),
            },
            ["orderables", id] => match method {
                "GET" => self.orderable(req, id),
                _ => not_allowed(),
            },
            ["users", id] => match method {
                "GET" => self.user(id),
                _ => not_allowed(),
            },
            ["processingPeriods"] => match method {
                "GET" => self.processing_periods(req),
                _ => not_allowed(),
            },
            ["processingPeriods", id] => match method {
                "GET" => self.processing_period(id),
                _ => not_allowed(),
            },
            ["stockCardLineItemReasons"] => match method {
                "GET" => self.reasons(),
                _ => not_allowed(),
            },
            ["validReasons"] => match method {
                "GET" => self.valid_reasons(req),
                _ => not_allowed(),
            },
            ["validSources"] => match method {
                "GET" => self.valid_nodes(req, true),
                _ => not_allowed(),
            },
            ["validDestinations"] => match method {
                "GET" => self.valid_nodes(req, false),
                _ => not_allowed(),
            },
            ["stockEvents"] => match method {
                "POST" => self.post_stock_event(req, &principal),
                _ => not_allowed(),
            },
            ["physicalInventories"] => match method {
                "GET" => self.physical_inventories(req),
                "POST" => self.create_physical_inventory(req, &principal),
                _ => not_allowed(),
            },
            ["physicalInventories", id] => match method {
                "PUT" => self.save_physical_inventory(req, id),
                "DELETE" => self.delete_physical_inventory(id),
                _ => not_allowed(),
            },
            ["v2", "stockCardSummaries"] => match method {
                "GET" => self.stock_card_summaries(req),
                _ => not_allowed(),
            },
            ["stockCards", id] => match method {
                "GET" => self.stock_card(id),
                _ => not_allowed(),
            },
            ["stockCardRangeSummaries"] => match method {
                "GET" => self.range_summaries(req),
                _ => not_allowed(),
            },
            ["requisitions", "periodsForInitiate"] => match method {
                "GET" => self.periods_for_initiate(req),
                _ => not_allowed(),
            },
            ["requisitions", "initiate"] | ["v2", "requisitions", "initiate"] => match method {
                "POST" => self.initiate(req),
                _ => not_allowed(),
            },
            ["requisitions", "search"] => match method {
                "GET" => self.search_requisitions(req),
                _ => not_allowed(),
            },
            ["requisitions", id] | ["v2", "requisitions", id] => match method {
                "GET" => self.get_requisition(id),
                "PUT" => self.put_requisition(req, id),
                "DELETE" => self.delete_requisition(id),
                _ => not_allowed(),
            },
            [
                "requisitions",
                id,
                action @ ("submit" | "authorize" | "approve"),
            ] => match method {
                "POST" => self.change_status(req, id, action),
                _ => not_allowed(),
            },
            ["requisitions", id, "reject"] => match method {
                "PUT" => self.change_status(req, id, "reject"),
                _ => not_allowed(),
            },
            _ => spring_error(404, "Not Found", "No message available", &req.path),
        }
    }
}

/// A running simulated OpenLMIS.
pub struct OpenLmisMock {
    server: Server,
    service: Arc<Service>,
}

impl fmt::Debug for OpenLmisMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenLmisMock")
            .field("url", &self.url())
            .finish()
    }
}

impl OpenLmisMock {
    /// Starts the server on `127.0.0.1:port` (0 picks a free port).
    pub fn start(config: OpenLmisMockConfig, port: u16) -> std::io::Result<OpenLmisMock> {
        let refs = refdata::Reference::new(&config);
        let service = Arc::new(Service {
            refs,
            ttl: (config.token_ttl_secs > 0).then(|| Duration::from_secs(config.token_ttl_secs)),
            state: Mutex::new(State {
                rng: fastrand::Rng::with_seed(config.seed),
                today: config.today,
                tokens: HashMap::new(),
                ledger: stock::Ledger::default(),
                requisitions: requisition::Store::default(),
                inventory_guard: config.inventory_guard,
                drafts: std::collections::BTreeMap::new(),
            }),
        });
        let handler: Handler = {
            let service = Arc::clone(&service);
            Arc::new(move |req: &Request| service.handle(req))
        };
        let admin: Handler = {
            let service = Arc::clone(&service);
            Arc::new(move |req: &Request| service.admin(req))
        };
        let server = Server::start_with_admin(
            ServerConfig {
                port,
                workers: config.workers.max(1),
                faults: FaultConfig {
                    seed: config.seed,
                    ..FaultConfig::default()
                },
                gzip_responses: config.gzip_responses,
                ..ServerConfig::default()
            },
            handler,
            admin,
        )?;
        Ok(OpenLmisMock { server, service })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// The faults, switchable at run time.
    pub fn faults(&self) -> &Faults {
        self.server.faults()
    }

    /// Traffic statistics.
    pub fn stats(&self) -> Stats {
        self.server.stats()
    }

    /// Sets the traffic statistics back to 0.
    pub fn reset_stats(&self) {
        self.server.reset_stats();
    }

    /// The stock on hand of a card now, or `None` when the card does not exist.
    pub fn stock_on_hand(&self, facility: &str, program: &str, orderable: &str) -> Option<i64> {
        self.service
            .lock()
            .ledger
            .stock_on_hand(&stock::key(facility, program, orderable))
    }

    /// The lines of a card in ledger order (empty when it does not exist).
    pub fn card_lines(&self, facility: &str, program: &str, orderable: &str) -> Vec<CardLine> {
        self.service
            .lock()
            .ledger
            .card_lines(&stock::key(facility, program, orderable))
    }

    /// Every committed stock event, in arrival order.
    pub fn events(&self) -> Vec<StoredEvent> {
        self.service.lock().ledger.events()
    }

    /// The signed sum of a tag over a card's lines occurred from `start` to
    /// `end` inclusive: each line whose reason carries the tag and each
    /// physical-count `stockAdjustment` whose reason does, positive for
    /// CREDIT reasons and negative otherwise, as the range summaries and
    /// stock-based requisitions use it (§5.3, §7.4). So 40 consumed is -40.
    pub fn tag_total(
        &self,
        facility: &str,
        program: &str,
        orderable: &str,
        tag: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> i64 {
        self.service.lock().ledger.tag_sum(
            &self.service.refs,
            &stock::key(facility, program, orderable),
            tag,
            start,
            end,
        )
    }

    /// Every requisition, as `GET /api/requisitions/{id}` shows it.
    pub fn requisitions(&self) -> Vec<Value> {
        let st = self.service.lock();
        st.requisitions
            .all()
            .map(|r| self.service.requisition_json(r))
            .collect()
    }

    /// Moves a requisition to APPROVED (a test helper: no status or date
    /// checks). For a regular requisition with a non-stock-based template it
    /// also posts the physical-inventory stock event of §7.5; when that event
    /// is rejected the requisition stays as it was and a warning is logged
    /// (see [`OpenLmisMock::try_approve_requisition`]).
    pub fn approve_requisition(&self, id: &str) {
        if let Err(e) = self.try_approve_requisition(id) {
            tracing::warn!(requisition = id, "the simulated approval failed: {e}");
        }
    }

    /// [`OpenLmisMock::approve_requisition`], telling why it failed.
    pub fn try_approve_requisition(&self, id: &str) -> Result<(), String> {
        let mut st = self.service.lock();
        self.service
            .approve(&mut st, id)
            .map_err(|r| String::from_utf8_lossy(&r.body).into_owned())
    }

    /// Turns the physical-inventory `resourceId` guard (§6.2) on or off;
    /// see [`OpenLmisMockConfig::inventory_guard`].
    pub fn set_inventory_guard(&self, on: bool) {
        self.service.lock().inventory_guard = on;
    }

    /// Whether the physical-inventory `resourceId` guard is on.
    pub fn inventory_guard(&self) -> bool {
        self.service.lock().inventory_guard
    }

    /// Sets the server's date (`None`: the system date).
    pub fn set_today(&self, today: Option<NaiveDate>) {
        self.service.lock().today = today;
    }

    /// Makes every issued token expired, so the next call with one gets 401.
    pub fn expire_tokens(&self) {
        let past = std::time::Instant::now()
            .checked_sub(Duration::from_secs(1))
            .unwrap_or_else(std::time::Instant::now);
        for t in self.service.lock().tokens.values_mut() {
            t.expires = Some(past);
        }
    }

    /// Stops the server and joins its threads.
    pub fn stop(self) {
        self.server.stop();
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by the submodules.
// ---------------------------------------------------------------------------

/// `{messageKey, message}` (§2).
fn message(status: u16, key: &str, text: &str) -> Response {
    Response::json(status, &json!({"messageKey": key, "message": text}))
}

/// The requisition field-error map `{field: {messageKey, message}}` (§2).
fn field_errors(errors: &[(String, String, String)]) -> Response {
    let mut map = serde_json::Map::new();
    for (field, key, text) in errors {
        if !map.contains_key(field) {
            map.insert(field.clone(), json!({"messageKey": key, "message": text}));
        }
    }
    Response::json(400, &Value::Object(map))
}

/// Spring Boot's default error body.
fn spring_error(status: u16, error: &str, text: &str, path: &str) -> Response {
    Response::json(
        status,
        &json!({
            "timestamp": iso_time(Utc::now()),
            "status": status,
            "error": error,
            "message": text,
            "path": path,
        }),
    )
}

/// The body the JSON binder answers with (400).
fn parse_error(req: &Request, text: &str) -> Response {
    spring_error(
        400,
        "Bad Request",
        &format!("JSON parse error: {text}"),
        &req.path,
    )
}

/// The request body as JSON, or the 415/400 Spring answers.
fn json_body(req: &Request) -> Result<Value, Response> {
    let is_json = req.header("content-type").is_some_and(|c| {
        c.split(';').next().is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || m.ends_with("+json")
        })
    });
    if !is_json {
        return Err(spring_error(
            415,
            "Unsupported Media Type",
            &format!(
                "Content type '{}' not supported",
                req.header("content-type").unwrap_or("")
            ),
            &req.path,
        ));
    }
    serde_json::from_slice(&req.body).map_err(|e| parse_error(req, &e.to_string()))
}

/// A Spring page of these items, honouring `page` and `size` (no size or a
/// size of 0 or less returns everything, as the OpenLMIS RAML says).
fn page(req: &Request, items: Vec<Value>) -> Value {
    let total = items.len();
    let size = req
        .query_param("size")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| *s > 0)
        .and_then(|s| usize::try_from(s).ok());
    let number = req
        .query_param("page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let (size, content): (usize, Vec<Value>) = match size {
        Some(size) => (
            size,
            items
                .into_iter()
                .skip(number.saturating_mul(size))
                .take(size)
                .collect(),
        ),
        None if number == 0 => (total, items),
        None => (total, Vec::new()),
    };
    let total_pages = if total == 0 || size == 0 {
        0
    } else {
        total.div_ceil(size)
    };
    json!({
        "content": content,
        "totalElements": total,
        "totalPages": total_pages,
        "size": size,
        "number": number,
        "numberOfElements": content.len(),
        "first": number == 0,
        "last": number.saturating_add(1) >= total_pages,
        "sort": [],
    })
}

/// An ISO-8601 UTC timestamp with milliseconds.
fn iso_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// An HTTP date (IMF-fixdate, an RFC 2822 date in GMT).
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether `s` is a UUID in the 8-4-4-4-12 form.
fn is_uuid(s: &str) -> bool {
    super::period::is_uuid(s)
}

fn format_uuid(b: [u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random (version 4) UUID from the server's seeded generator.
fn random_uuid(rng: &mut fastrand::Rng) -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&rng.u64(..).to_be_bytes());
    b[8..].copy_from_slice(&rng.u64(..).to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format_uuid(b)
}

/// A stable (version 8) UUID derived from names, for generated reference data.
fn derived_uuid(parts: &[&str]) -> String {
    let mut h1: u64 = 0xcbf2_9ce4_8422_2325;
    let mut h2: u64 = 0x6c62_272e_07bb_0142;
    for p in parts {
        for byte in p.bytes().chain(std::iter::once(0x1f)) {
            h1 = (h1 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            h2 = (h2 ^ u64::from(byte))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(7);
        }
    }
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&h1.to_be_bytes());
    b[8..].copy_from_slice(&h2.to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    format_uuid(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_uuids_are_uuids_and_stable() {
        let a = derived_uuid(&["period", "SCH-Q", "2024-01-01"]);
        assert!(is_uuid(&a), "{a}");
        assert_eq!(a, derived_uuid(&["period", "SCH-Q", "2024-01-01"]));
        assert_ne!(a, derived_uuid(&["period", "SCH-Q", "2024-04-01"]));
        let mut rng = fastrand::Rng::with_seed(3);
        let r = random_uuid(&mut rng);
        assert!(is_uuid(&r), "{r}");
        assert_eq!(&r[14..15], "4");
    }

    #[test]
    fn quarterly_and_monthly_periods_cover_five_years() {
        let q = make_periods(PeriodType::Quarterly);
        assert_eq!(q.len(), 20);
        assert_eq!(q[0].name, "Q1 2024");
        assert_eq!(q[0].end, NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
        assert_eq!(q[0].months(), 3);
        assert_eq!(q[19].name, "Q4 2028");
        let m = make_periods(PeriodType::Monthly);
        assert_eq!(m.len(), 60);
        assert_eq!(m[1].name, "Feb 2024");
        assert_eq!(m[1].schedule, "SCH-M");
    }
}
