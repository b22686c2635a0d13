//! The simulated DHIS2: the aggregate-data endpoints an offline sync agent
//! uses, answering like the three server generations of the contract
//! (`shared/contracts/dhis2/README.md`, "§" below refers to its sections),
//! on top of the fault-injecting HTTP server of [`super::http`].
//!
//! What is modelled:
//! - Authentication on every `/api/...` route (§1): `Basic` for the
//!   configured users, `ApiToken <token>` (the server's regex) for the
//!   configured tokens, otherwise 401 with a WebMessage-like body.
//! - `POST /api/dataValueSets` (§4–§7) with the old pipeline (2.37, 2.40:
//!   every bad row ignored on its own, E76xx conflicts) or the new one (2.43:
//!   decode errors reject the payload with `indexes:[-1]`, key and timeliness
//!   errors reject the whole group, value errors ignore one row), each
//!   family's response shape, HTTP status and counting rules, `dryRun`,
//!   `importStrategy=DELETE`, `completeDate`, and gzip bodies found by their
//!   magic bytes (§8).
//! - `GET /api/dataValueSets`, `POST /api/dataValues` (one value, as the web
//!   app sends it), `POST|GET|DELETE /api/completeDataSetRegistrations`,
//!   `GET /api/system/info`, `GET /api/me`, `GET /api/dataSets[/{uid}]`,
//!   `GET /api/organisationUnits/{uid}` and, from 2.39, `GET
//!   /api/dataEntry/dataValues` with its `lockStatus`.
//! - Switchable rules ([`Dhis2Rules`], all off by default): a user without
//!   `F_DATAVALUE_ADD` (403 WebMessage), read-only data sets (E7601/E8010),
//!   org units outside the capture scope (E7617/E8011), data input periods
//!   (E7643/E8030), approval (E7642/E8033), org unit open/closed dates
//!   (E8031, 2.43 only) and category option dates (E7638/E8032); the 2.37/2.40
//!   codes ignore one row each, the 2.43 ones reject the group.
//! - A version segment (`/api/37/...`, `/api/40/...`) is accepted. On a 2.40
//!   server `/api/37/` gives the bare 2.37 response shape; on a 2.37 server
//!   `/api/38/` and above give the wrapped one (§0).
//!
//! Choices where the contract is silent (documented so tests can rely on them):
//! - Malformed JSON (or a gzip body sent to a server that does not sniff
//!   gzip): 2.37 answers 200 with a bare ImportSummary `status:"ERROR"`,
//!   description "The import process failed: …"; 2.40 answers 409 with that
//!   summary wrapped; 2.43 answers 400 with a WebMessage and no summary.
//! - The E81xx codes of the 2.43 decode step are assigned as E8100/E8101
//!   (data element missing/unknown), E8102/E8103 (org unit), E8104/E8105
//!   (period), E8106 (category option combo unknown), E8107 (attribute option
//!   combo unknown); the messages are paraphrases ("Value #i …").
//! - A JSON number as `value` on 2.43 ignores that row with E8122.
//! - On 2.37/2.40 the period type (E7632) and org-unit assignment (E7636)
//!   checks apply only with `strictPeriods=true` / `strictOrganisationUnits=true`,
//!   as on the real servers (§4 query parameters); 2.43 always checks them
//!   (E8021, E8022).
//! - `importStrategy=DELETE` of a value that does not exist counts as
//!   `ignored` on every version.
//! - Per-value `storedBy` and `created` are honoured by 2.37/2.40 and ignored
//!   by 2.43 (the authenticated user, the time of the write). The follow-up
//!   flag is read from `followup` by 2.37/2.40 and from `followUp` by 2.43
//!   (§4); `GET` writes `followup`.
//! - A zero for an element with `zero_is_significant == false` is not stored
//!   by 2.37/2.40 (an existing value is deleted) and stored by 2.43 (§6).
//! - The expiry rule of §7 is evaluated at noon of [`Dhis2MockConfig::today`]
//!   when it is set (so an integer `expiryDays` means "locked from the day
//!   after period end + expiryDays"), at the current time otherwise.
//!   The current period is open; `openFuturePeriods` more are open after it.

use super::faults::{Faults, Stats};
use super::http::{self, Handler, Request, Response, Server, ServerConfig};
use super::period::{Period, PeriodType, is_dhis2_uid};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

/// DHIS2's default category option combo.
pub const DEFAULT_COC: &str = "HllvX50cXC0";
/// DHIS2's default category combo.
pub const DEFAULT_CATEGORY_COMBO: &str = "bjDvmb4bfuf";
/// The largest body a gzip request may inflate to.
const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;
/// The most future periods looked at when checking `openFuturePeriods`.
const MAX_FUTURE_PERIODS: i32 = 1000;
/// The longest comment accepted by 2.43 (E8125).
const MAX_COMMENT_CHARS: usize = 5000;

/// The three server generations of the contract (§0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionFamily {
    /// 2.37 and older: bare ImportSummary, always HTTP 200, rows ignored one by one.
    V2_37,
    /// 2.38 to 2.42 (as 2.40.3): WebMessage-wrapped, 409 for WARNING and
    /// ERROR, unchanged rows counted `ignored`.
    V2_40,
    /// 2.43 and later: wrapped, 409 only for ERROR, whole-group rejections,
    /// `imported` always 0.
    V2_43,
}

impl VersionFamily {
    /// The version `GET /api/system/info` reports.
    pub fn version_string(self) -> &'static str {
        match self {
            VersionFamily::V2_37 => "2.37.9",
            VersionFamily::V2_40 => "2.40.3",
            VersionFamily::V2_43 => "2.43.0",
        }
    }

    /// The family of an API version segment such as `37` in `/api/37/...`.
    fn of_api_segment(minor: u32) -> VersionFamily {
        match minor {
            0..=37 => VersionFamily::V2_37,
            38..=42 => VersionFamily::V2_40,
            _ => VersionFamily::V2_43,
        }
    }
}

impl fmt::Display for VersionFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionFamily::V2_37 => "2.37",
            VersionFamily::V2_40 => "2.40",
            VersionFamily::V2_43 => "2.43",
        })
    }
}

impl FromStr for VersionFamily {
    type Err = String;

    /// Reads `2.37`, `2.40`, `2.43` or any `2.x[.y]`, mapped to its family
    /// (2.38 to 2.42 are the 2.40 family).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a DHIS2 version such as 2.37, 2.40 or 2.43");
        let mut parts = s.trim().split('.');
        if parts.next() != Some("2") {
            return Err(bad());
        }
        let minor: u32 = parts.next().and_then(|m| m.parse().ok()).ok_or_else(bad)?;
        Ok(VersionFamily::of_api_segment(minor))
    }
}

/// A data element of the simulated server.
#[derive(Debug, Clone, PartialEq)]
pub struct MockDataElement {
    /// The uid.
    pub uid: String,
    /// The name (also used as `formName`).
    pub name: String,
    /// The DHIS2 value type: `INTEGER_ZERO_OR_POSITIVE`, `INTEGER`, `NUMBER`, `TEXT`, …
    pub value_type: String,
    /// The category combo uid ([`DEFAULT_CATEGORY_COMBO`] for the default one).
    pub category_combo: String,
    /// The combo's category option combos: (uid, name).
    pub category_option_combos: Vec<(String, String)>,
    /// Whether a zero is stored; when false, 2.37/2.40 ignore a new zero and
    /// delete an existing value set to zero (§6).
    pub zero_is_significant: bool,
}

impl MockDataElement {
    /// An element with the default category combo, named after its uid, zeros significant.
    pub fn new(uid: &str, value_type: &str) -> MockDataElement {
        MockDataElement {
            uid: uid.to_string(),
            name: uid.to_string(),
            value_type: value_type.to_string(),
            category_combo: DEFAULT_CATEGORY_COMBO.to_string(),
            category_option_combos: vec![(DEFAULT_COC.to_string(), "default".to_string())],
            zero_is_significant: true,
        }
    }

    /// The same element with a non-default category combo.
    pub fn with_combo(mut self, combo: &str, option_combos: &[&str]) -> MockDataElement {
        self.category_combo = combo.to_string();
        self.category_option_combos = option_combos
            .iter()
            .map(|c| (c.to_string(), c.to_string()))
            .collect();
        self
    }

    pub fn has_coc(&self, coc: &str) -> bool {
        self.category_option_combos.iter().any(|(c, _)| c == coc)
    }
}

/// A data set of the simulated server.
#[derive(Debug, Clone, PartialEq)]
pub struct MockDataSet {
    /// The uid.
    pub uid: String,
    /// The name.
    pub name: String,
    /// The period type.
    pub period_type: PeriodType,
    /// Days after the period end before it locks; 0 means never (§7). May be fractional.
    pub expiry_days: f64,
    /// How many periods after the current one are open.
    pub open_future_periods: i32,
    /// The org units the data set is assigned to.
    pub org_units: Vec<String>,
    /// The data elements of the data set.
    pub elements: Vec<MockDataElement>,
    /// The attribute option combos of the data set's category combo: (uid,
    /// name). Empty means the default combo (only [`DEFAULT_COC`]).
    pub attribute_option_combos: Vec<(String, String)>,
}

impl MockDataSet {
    /// A data set named after its uid that never locks, with the default attribute combo.
    pub fn new(
        uid: &str,
        period_type: PeriodType,
        org_units: &[&str],
        elements: Vec<MockDataElement>,
    ) -> MockDataSet {
        MockDataSet {
            uid: uid.to_string(),
            name: uid.to_string(),
            period_type,
            expiry_days: 0.0,
            open_future_periods: 0,
            org_units: org_units.iter().map(|s| s.to_string()).collect(),
            elements,
            attribute_option_combos: Vec::new(),
        }
    }

    pub fn has_element(&self, de: &str) -> bool {
        self.elements.iter().any(|e| e.uid == de)
    }

    fn aocs(&self) -> Vec<(String, String)> {
        if self.attribute_option_combos.is_empty() {
            vec![(DEFAULT_COC.to_string(), "default".to_string())]
        } else {
            self.attribute_option_combos.clone()
        }
    }

    fn has_aoc(&self, aoc: &str) -> bool {
        self.aocs().iter().any(|(a, _)| a == aoc)
    }

    fn attribute_combo_uid(&self) -> String {
        if self.attribute_option_combos.is_empty() {
            DEFAULT_CATEGORY_COMBO.to_string()
        } else {
            derived_uid('A', &self.uid)
        }
    }
}

/// How to run the simulated DHIS2.
#[derive(Debug, Clone, PartialEq)]
pub struct Dhis2MockConfig {
    /// The response family.
    pub version: VersionFamily,
    /// Users for Basic authentication: (username, password).
    pub users: Vec<(String, String)>,
    /// Personal access tokens accepted as `Authorization: ApiToken <token>`;
    /// they act as the first user.
    pub tokens: Vec<String>,
    /// The data sets (their elements make the data element catalogue).
    pub data_sets: Vec<MockDataSet>,
    /// Every org unit: (uid, name). The user's data capture scope is all of them.
    pub org_units: Vec<(String, String)>,
    /// Whether a gzip body (magic `1f 8b`) is inflated, as DHIS2 does, or
    /// parsed as it is (and so refused).
    pub gzip: bool,
    /// Seed of the fault generator.
    pub seed: u64,
    /// The date used for expiry and future-period checks; `None` is the system date.
    pub today: Option<NaiveDate>,
    /// HTTP worker threads.
    pub workers: usize,
    /// Compress JSON answers for clients that accept gzip, as the nginx in
    /// front of a DHIS2 does; `false` is a server answering plain.
    pub gzip_responses: bool,
    /// The rules of §1, §2.2 and §7 the example metadata does not need
    /// (authorities, write access, data input periods, approval, date
    /// ranges); all off by default.
    pub rules: Dhis2Rules,
}

/// A data input period of a data set (§7): data for `period` is accepted
/// from `opening` to `closing` (either open-ended when `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct DataInputPeriod {
    /// The DHIS2 period id, e.g. `202611`.
    pub period: String,
    /// The first day data may be entered.
    pub opening: Option<NaiveDate>,
    /// The first day data may no longer be entered.
    pub closing: Option<NaiveDate>,
}

/// Switchable server rules (§1, §2.2, §7). The default is none of them, so
/// a server built from the example forms accepts every well-formed value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dhis2Rules {
    /// The users lack `F_DATAVALUE_ADD`: `POST /api/dataValueSets` and
    /// `POST /api/dataValues` answer 403 with DHIS2's WebMessage (§1, §5).
    pub without_data_value_add: bool,
    /// Data sets the users cannot write data to: E7601 aborts the import
    /// (2.37/2.40), E8010 rejects the group (2.43).
    pub read_only_data_sets: Vec<String>,
    /// Org units outside the users' data capture scope: E7617 ignores the
    /// row (2.37/2.40), E8011 rejects the group (2.43).
    pub outside_capture_scope: Vec<String>,
    /// Data input periods per data set uid; when a data set has some they
    /// replace its expiry and future-period rules (§7): E7643 / E8030.
    pub data_input_periods: BTreeMap<String, Vec<DataInputPeriod>>,
    /// Approved (data set, period id, org unit): E7642 ignores the row
    /// (2.37/2.40), E8033 rejects the group (2.43). Any attribute option combo.
    pub approved: Vec<(String, String, String)>,
    /// Org unit opening and closed dates: a period not wholly within them is
    /// refused by 2.43 (E8031); the contract lists no such check before 2.43,
    /// so 2.37/2.40 store the value.
    pub org_unit_dates: BTreeMap<String, (Option<NaiveDate>, Option<NaiveDate>)>,
    /// Start and end dates of the category options behind an attribute
    /// option combo (the default one included, keyed by AOC uid): a period
    /// not wholly within them is E7638 (row, 2.37/2.40) / E8032 (group, 2.43).
    pub option_dates: BTreeMap<String, (Option<NaiveDate>, Option<NaiveDate>)>,
}

impl Dhis2Rules {
    fn is_approved(&self, ds: &str, period: &str, ou: &str) -> bool {
        self.approved
            .iter()
            .any(|(d, p, o)| d == ds && p == period && o == ou)
    }

    /// Whether the data input periods of `ds`, if any, close `period` at
    /// `now`: `None` when the data set has none (the expiry rules apply).
    fn input_period_closed(&self, ds: &str, period: &Period, now: NaiveDate) -> Option<bool> {
        let dips = self.data_input_periods.get(ds).filter(|d| !d.is_empty())?;
        let id = period.dhis2_id();
        let open = dips.iter().any(|d| {
            d.period == id
                && d.opening.is_none_or(|o| now >= o)
                && d.closing.is_none_or(|c| now < c)
        });
        Some(!open)
    }
}

/// Whether `period` lies wholly within the dates (either open-ended).
fn within(dates: Option<&(Option<NaiveDate>, Option<NaiveDate>)>, period: &Period) -> bool {
    dates.is_none_or(|(start, end)| {
        start.is_none_or(|s| period.start() >= s) && end.is_none_or(|e| period.end() <= e)
    })
}

impl Default for Dhis2MockConfig {
    fn default() -> Self {
        Dhis2MockConfig {
            version: VersionFamily::V2_40,
            users: vec![("admin".to_string(), "district".to_string())],
            tokens: Vec::new(),
            data_sets: Vec::new(),
            org_units: Vec::new(),
            gzip: true,
            seed: 1,
            today: None,
            workers: http::DEFAULT_WORKERS,
            gzip_responses: true,
            rules: Dhis2Rules::default(),
        }
    }
}

impl Dhis2MockConfig {
    /// Metadata from data sets in the shape DHIS2 answers
    /// `GET /api/dataSets/{id}?fields=id,name,periodType,expiryDays,openFuturePeriods,organisationUnits[id],dataSetElements[dataElement[id,name,valueType,zeroIsSignificant,categoryCombo[id,categoryOptionCombos[id,name]]]],categoryCombo[id,isDefault,categoryOptionCombos[id,name]]`
    /// (contract §2.2), for example hand-written fixtures that owe nothing
    /// to the agent's form definitions. Org units are those the data sets
    /// are assigned to (named after their uid); a data set's category combo
    /// other than the default gives its attribute option combos; a missing
    /// `zeroIsSignificant` is `false`, as in DHIS2. One user
    /// (`admin`/`district`), the 2.40 family.
    pub fn from_data_sets(data_sets: &[Value]) -> Result<Dhis2MockConfig, String> {
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let cocs = |combo: &Value| -> Vec<(String, String)> {
            combo
                .get("categoryOptionCombos")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| Some((text(c, "id")?, text(c, "name").unwrap_or_default())))
                .collect()
        };
        let mut out = Vec::new();
        let mut org_units: Vec<(String, String)> = Vec::new();
        for ds in data_sets {
            let uid = text(ds, "id").ok_or("a data set without an id")?;
            let period_type = text(ds, "periodType")
                .and_then(|p| PeriodType::parse(&p))
                .ok_or_else(|| format!("data set {uid}: no or unknown periodType"))?;
            let mut elements = Vec::new();
            for dse in ds
                .get("dataSetElements")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let de = dse
                    .get("dataElement")
                    .ok_or_else(|| format!("data set {uid}: an element without dataElement"))?;
                let de_uid = text(de, "id")
                    .ok_or_else(|| format!("data set {uid}: a data element without an id"))?;
                let combo = de.get("categoryCombo").cloned().unwrap_or(Value::Null);
                let mut options = cocs(&combo);
                if options.is_empty() {
                    options.push((DEFAULT_COC.to_string(), "default".to_string()));
                }
                elements.push(MockDataElement {
                    name: text(de, "name").unwrap_or_else(|| de_uid.clone()),
                    value_type: text(de, "valueType")
                        .ok_or_else(|| format!("data element {de_uid}: no valueType"))?,
                    category_combo: text(&combo, "id")
                        .unwrap_or_else(|| DEFAULT_CATEGORY_COMBO.to_string()),
                    category_option_combos: options,
                    zero_is_significant: de
                        .get("zeroIsSignificant")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    uid: de_uid,
                });
            }
            let ous: Vec<String> = ds
                .get("organisationUnits")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| text(o, "id"))
                .collect();
            for ou in &ous {
                if !org_units.iter().any(|(u, _)| u == ou) {
                    org_units.push((ou.clone(), ou.clone()));
                }
            }
            let combo = ds.get("categoryCombo").cloned().unwrap_or(Value::Null);
            let aocs = if text(&combo, "id").is_none_or(|c| c == DEFAULT_CATEGORY_COMBO) {
                Vec::new()
            } else {
                cocs(&combo)
            };
            out.push(MockDataSet {
                name: text(ds, "name").unwrap_or_else(|| uid.clone()),
                period_type,
                expiry_days: ds.get("expiryDays").and_then(Value::as_f64).unwrap_or(0.0),
                open_future_periods: ds
                    .get("openFuturePeriods")
                    .and_then(Value::as_i64)
                    .and_then(|n| i32::try_from(n).ok())
                    .unwrap_or(0),
                org_units: ous,
                elements,
                attribute_option_combos: aocs,
                uid,
            });
        }
        Ok(Dhis2MockConfig {
            data_sets: out,
            org_units,
            ..Dhis2MockConfig::default()
        })
    }
}

/// The category combo uid for these option combos: the default combo when
/// the only one is the default, otherwise one derived from the element uid.
pub fn combo_uid_for(de: &str, cocs: &[(String, String)]) -> String {
    if cocs.iter().all(|(c, _)| c == DEFAULT_COC) {
        DEFAULT_CATEGORY_COMBO.to_string()
    } else {
        derived_uid('C', de)
    }
}

/// A stable 11-character uid made from another one and a leading letter.
fn derived_uid(letter: char, from: &str) -> String {
    let tail: String = from
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .skip(1)
        .chain(std::iter::repeat('x'))
        .take(10)
        .collect();
    format!("{letter}{tail}")
}

/// One stored (not deleted) data value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    /// The data element uid.
    pub data_element: String,
    /// The period, as its DHIS2 id (e.g. `202611`).
    pub period: String,
    /// The org unit uid.
    pub org_unit: String,
    /// The category option combo uid.
    pub coc: String,
    /// The attribute option combo uid.
    pub aoc: String,
    /// The value, as stored.
    pub value: String,
    /// Who stored it.
    pub stored_by: String,
    /// When it was first stored (`yyyy-MM-ddTHH:mm:ss.SSS`, or as sent to 2.37/2.40).
    pub created: String,
    /// When it was last written.
    pub last_updated: String,
    /// The comment, if any.
    pub comment: Option<String>,
    /// The follow-up flag.
    pub followup: bool,
}

/// One data set completion registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The data set uid.
    pub data_set: String,
    /// The period id.
    pub period: String,
    /// The org unit uid.
    pub org_unit: String,
    /// The attribute option combo uid.
    pub aoc: String,
    /// The completion date (`yyyy-MM-dd`).
    pub date: String,
    /// Who registered it.
    pub stored_by: String,
    /// Whether the registration marks the set complete (false after `completed:false`).
    pub completed: bool,
}

/// (data element, period, org unit, COC, AOC).
type Key = (String, String, String, String, String);
/// (data set, period, org unit, AOC).
type CompletionKey = (String, String, String, String);

/// A stored value and its soft-delete flag.
#[derive(Debug, Clone)]
struct Record {
    value: StoredValue,
    deleted: bool,
}

/// The metadata: data sets, the element catalogue and the org units.
#[derive(Debug, Clone)]
struct Meta {
    data_sets: BTreeMap<String, MockDataSet>,
    elements: BTreeMap<String, MockDataElement>,
    org_units: BTreeMap<String, String>,
}

impl Meta {
    fn new(config: &Dhis2MockConfig) -> Meta {
        let mut elements: BTreeMap<String, MockDataElement> = BTreeMap::new();
        for ds in &config.data_sets {
            for e in &ds.elements {
                match elements.get_mut(&e.uid) {
                    Some(known) => {
                        for c in &e.category_option_combos {
                            if !known.has_coc(&c.0) {
                                known.category_option_combos.push(c.clone());
                            }
                        }
                    }
                    None => {
                        elements.insert(e.uid.clone(), e.clone());
                    }
                }
            }
        }
        Meta {
            data_sets: config
                .data_sets
                .iter()
                .map(|d| (d.uid.clone(), d.clone()))
                .collect(),
            elements,
            org_units: config.org_units.iter().cloned().collect(),
        }
    }

    fn coc_known(&self, coc: &str) -> bool {
        coc == DEFAULT_COC || self.elements.values().any(|e| e.has_coc(coc))
    }

    fn aoc_known(&self, aoc: &str) -> bool {
        aoc == DEFAULT_COC || self.data_sets.values().any(|d| d.has_aoc(aoc))
    }

    fn data_sets_of(&self, de: &str) -> Vec<&MockDataSet> {
        self.data_sets
            .values()
            .filter(|d| d.has_element(de))
            .collect()
    }
}

/// Everything the server stores.
#[derive(Debug)]
struct State {
    version: VersionFamily,
    meta: Meta,
    values: BTreeMap<Key, Record>,
    completions: BTreeMap<CompletionKey, Completion>,
    today: Option<NaiveDate>,
    rules: Dhis2Rules,
}

impl State {
    /// The moment lock rules are evaluated at.
    fn now(&self) -> NaiveDateTime {
        match self.today.and_then(|d| d.and_hms_opt(12, 0, 0)) {
            Some(t) => t,
            None => Utc::now().naive_utc(),
        }
    }
}

/// The request handler and its state.
struct Service {
    users: Vec<(String, String)>,
    tokens: Vec<String>,
    gzip: bool,
    state: Mutex<State>,
}

/// A running simulated DHIS2.
pub struct Dhis2Mock {
    server: Server,
    service: Arc<Service>,
}

impl fmt::Debug for Dhis2Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dhis2Mock")
            .field("url", &self.url())
            .finish()
    }
}

impl Dhis2Mock {
    /// Starts the server on `127.0.0.1:port` (0 picks a free port).
    pub fn start(config: Dhis2MockConfig, port: u16) -> std::io::Result<Dhis2Mock> {
        let service = Arc::new(Service {
            users: config.users.clone(),
            tokens: config.tokens.clone(),
            gzip: config.gzip,
            state: Mutex::new(State {
                version: config.version,
                meta: Meta::new(&config),
                values: BTreeMap::new(),
                completions: BTreeMap::new(),
                today: config.today,
                rules: config.rules.clone(),
            }),
        });
        let handler: Handler = {
            let service = Arc::clone(&service);
            Arc::new(move |req: &Request| service.handle(req))
        };
        let server = Server::start(
            ServerConfig {
                port,
                workers: config.workers.max(1),
                faults: super::faults::FaultConfig {
                    seed: config.seed,
                    ..Default::default()
                },
                gzip_responses: config.gzip_responses,
                ..ServerConfig::default()
            },
            handler,
        )?;
        Ok(Dhis2Mock { server, service })
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

    /// Every stored value that is not deleted, ordered by key.
    pub fn values(&self) -> Vec<StoredValue> {
        self.service
            .lock()
            .values
            .values()
            .filter(|r| !r.deleted)
            .map(|r| r.value.clone())
            .collect()
    }

    /// Every completion registration, ordered by key.
    pub fn completions(&self) -> Vec<Completion> {
        self.service.lock().completions.values().cloned().collect()
    }

    /// Switches the response family at run time; stored data is kept.
    pub fn set_version(&self, v: VersionFamily) {
        self.service.lock().version = v;
    }

    /// Sets the date lock rules are evaluated at (`None`: the system date).
    pub fn set_today(&self, today: Option<NaiveDate>) {
        self.service.lock().today = today;
    }

    /// Changes the switchable rules at run time; stored data is kept.
    pub fn set_rules(&self, change: impl FnOnce(&mut Dhis2Rules)) {
        change(&mut self.service.lock().rules);
    }

    /// Removes a data element from a data set (it stays in the catalogue), to
    /// provoke "data element not in data set" conflicts.
    pub fn remove_element_from_data_set(&self, data_set: &str, element: &str) {
        if let Some(ds) = self.service.lock().meta.data_sets.get_mut(data_set) {
            ds.elements.retain(|e| e.uid != element);
        }
    }

    /// Changes a data set (expiry days, open future periods, org units…).
    /// Elements added here must already be in the catalogue to be found.
    pub fn update_data_set(&self, data_set: &str, change: impl FnOnce(&mut MockDataSet)) {
        if let Some(ds) = self.service.lock().meta.data_sets.get_mut(data_set) {
            change(ds);
        }
    }

    /// Stops the server and joins its threads.
    pub fn stop(self) {
        self.server.stop();
    }
}

impl Service {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn handle(&self, req: &Request) -> Response {
        let path = req.path.trim_end_matches('/');
        let Some(rest) = path.strip_prefix("/api/") else {
            return web_message(404, "ERROR", &format!("No resource at {}", req.path));
        };
        // An API version segment such as `/api/40/…` (§0).
        let (api_segment, rest) = match rest.split_once('/') {
            Some((seg, tail)) if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) => {
                (seg.parse::<u32>().ok(), tail)
            }
            _ => (None, rest),
        };
        let rest = rest.strip_suffix(".json").unwrap_or(rest);
        let Some(user) = self.authenticate(req) else {
            return web_message(401, "ERROR", "Unauthorized")
                .with_header("WWW-Authenticate", "Basic realm=\"DHIS2\"");
        };
        let method = req.method.as_str();
        if method == "POST"
            && matches!(rest, "dataValueSets" | "dataValues")
            && self.lock().rules.without_data_value_add
        {
            // `@RequiresAuthority(anyOf = F_DATAVALUE_ADD)` (§1).
            return web_message(
                403,
                "ERROR",
                "Access is denied, requires one Authority from [F_DATAVALUE_ADD]",
            );
        }
        match (method, rest) {
            ("POST", "dataValueSets") => self.post_data_value_sets(req, &user, api_segment),
            ("GET", "dataValueSets") => self.get_data_value_sets(req),
            ("POST", "dataValues") => self.post_data_value(req, &user),
            ("POST", "completeDataSetRegistrations") => {
                self.post_completions(req, &user, api_segment)
            }
            ("GET", "completeDataSetRegistrations") => self.get_completions(req),
            ("DELETE", "completeDataSetRegistrations") => self.delete_completion(req),
            ("GET", "system/info") => self.system_info(),
            ("GET", "me") => self.me(&user),
            ("GET", "dataSets") => self.data_set_list(req),
            ("GET", "dataEntry/dataValues") if self.lock().version != VersionFamily::V2_37 => {
                self.data_entry_values(req)
            }
            ("GET", p) if p.starts_with("dataSets/") => {
                self.data_set(p.trim_start_matches("dataSets/"))
            }
            ("GET", p) if p.starts_with("organisationUnits/") => {
                self.org_unit(p.trim_start_matches("organisationUnits/"))
            }
            (
                _,
                "dataValueSets"
                | "dataValues"
                | "completeDataSetRegistrations"
                | "system/info"
                | "me"
                | "dataSets",
            ) => web_message(
                405,
                "ERROR",
                &format!("Request method '{method}' is not supported"),
            ),
            _ => web_message(404, "ERROR", &format!("No resource at {}", req.path)),
        }
    }

    /// The user a request authenticates as (§1), or `None`.
    fn authenticate(&self, req: &Request) -> Option<String> {
        let header = req.header("authorization")?;
        let (scheme, rest) = header.split_once(' ')?;
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64_decode(rest.trim())?;
            let text = String::from_utf8(decoded).ok()?;
            let (user, password) = text.split_once(':')?;
            self.users
                .iter()
                .any(|(u, p)| u == user && p == password)
                .then(|| user.to_string())
        } else if scheme.eq_ignore_ascii_case("apitoken") {
            // `^ApiToken (?<token>[a-z0-9-._~+/]+=*)$`, case-insensitive.
            let body = rest.trim_end_matches('=');
            let shape_ok = !body.is_empty()
                && body
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~+/".contains(c));
            (shape_ok && self.tokens.iter().any(|t| t == rest)).then(|| {
                self.users
                    .first()
                    .map_or_else(|| "admin".to_string(), |(u, _)| u.clone())
            })
        } else {
            None
        }
    }

    /// The response shape for this request: the server's family, or the one
    /// an `/api/NN/` segment asks for on 2.37–2.41 (§0).
    fn shape(version: VersionFamily, api_segment: Option<u32>) -> Shape {
        let asked = api_segment.map(VersionFamily::of_api_segment);
        match (version, asked) {
            (VersionFamily::V2_40, Some(VersionFamily::V2_37)) => Shape::Bare,
            (VersionFamily::V2_37, Some(VersionFamily::V2_40 | VersionFamily::V2_43)) => {
                Shape::Wrapped { warning_409: true }
            }
            (VersionFamily::V2_37, _) => Shape::Bare,
            (VersionFamily::V2_40, _) => Shape::Wrapped { warning_409: true },
            (VersionFamily::V2_43, _) => Shape::Wrapped { warning_409: false },
        }
    }

    /// The request body, inflated when it is gzip and the server sniffs gzip (§8).
    fn body_bytes(&self, req: &Request) -> Result<Vec<u8>, Response> {
        if self.gzip && req.body.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            let mut decoder =
                flate2::read::GzDecoder::new(req.body.as_slice()).take(MAX_INFLATED_BYTES + 1);
            match decoder.read_to_end(&mut out) {
                Ok(_) if out.len() as u64 > MAX_INFLATED_BYTES => Err(web_message(
                    413,
                    "ERROR",
                    "The inflated request body is too large",
                )),
                Ok(_) => Ok(out),
                // A broken gzip stream reaches the JSON parser as garbage.
                Err(_) => Ok(req.body.clone()),
            }
        } else {
            Ok(req.body.clone())
        }
    }

    fn post_data_value_sets(
        &self,
        req: &Request,
        user: &str,
        api_segment: Option<u32>,
    ) -> Response {
        if !is_json(req) {
            return unsupported_media_type(req);
        }
        let bytes = match self.body_bytes(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let options = ImportOptions::from_request(req);
        let mut st = self.lock();
        let version = st.version;
        let shape = Service::shape(version, api_segment);
        let payload = match serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|v| Payload::from_json(&v))
        {
            Ok(p) => p,
            Err(e) => return malformed(version, shape, &options, &e),
        };
        let summary = if version == VersionFamily::V2_43 {
            import_new(&mut st, &payload, &options, user)
        } else {
            import_old(&mut st, &payload, &options, user)
        };
        render_summary(version, shape, &options, &summary)
    }

    fn get_data_value_sets(&self, req: &Request) -> Response {
        let data_sets = req.query_params("dataSet");
        let periods = req.query_params("period");
        let org_units = req.query_params("orgUnit");
        let start = req.query_param("startDate");
        let end = req.query_param("endDate");
        let include_deleted = req.query_param("includeDeleted") == Some("true");
        if data_sets.is_empty() {
            return web_message(
                409,
                "ERROR",
                "At least one data set or data element group must be specified",
            );
        }
        if periods.is_empty() && (start.is_none() || end.is_none()) {
            return web_message(
                409,
                "ERROR",
                "At least one valid period or start/end dates must be specified",
            );
        }
        if org_units.is_empty() {
            return web_message(
                409,
                "ERROR",
                "At least one valid organisation unit must be specified",
            );
        }
        let parse_date =
            |d: Option<&str>| d.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let (start, end) = (parse_date(start), parse_date(end));
        let mut wanted_periods = BTreeSet::new();
        for p in &periods {
            match Period::parse(p) {
                Ok(p) => {
                    wanted_periods.insert(p.dhis2_id());
                }
                Err(_) => return web_message(409, "ERROR", &format!("Period is invalid: {p}")),
            }
        }
        let st = self.lock();
        let mut elements = BTreeSet::new();
        for uid in &data_sets {
            match st.meta.data_sets.get(*uid) {
                Some(ds) => elements.extend(ds.elements.iter().map(|e| e.uid.clone())),
                None => {
                    return web_message(409, "ERROR", &format!("Data set does not exist: {uid}"));
                }
            }
        }
        let values: Vec<Value> = st
            .values
            .values()
            .filter(|r| include_deleted || !r.deleted)
            .filter(|r| elements.contains(&r.value.data_element))
            .filter(|r| org_units.contains(&r.value.org_unit.as_str()))
            .filter(|r| {
                let in_list = wanted_periods.contains(&r.value.period);
                let in_range = match (start, end, Period::parse(&r.value.period)) {
                    (Some(s), Some(e), Ok(p)) => p.start() >= s && p.end() <= e,
                    _ => false,
                };
                in_list || in_range
            })
            .map(|r| value_json(&r.value, include_deleted.then_some(r.deleted), "followup"))
            .collect();
        let mut out = Map::new();
        if let [ds] = data_sets.as_slice() {
            out.insert("dataSet".into(), json!(ds));
        }
        if let [pe] = periods.as_slice()
            && let Ok(p) = Period::parse(pe)
        {
            out.insert("period".into(), json!(p.dhis2_id()));
        }
        if let [ou] = org_units.as_slice() {
            out.insert("orgUnit".into(), json!(ou));
        }
        out.insert("dataValues".into(), Value::Array(values));
        Response::json(200, &Value::Object(out))
    }

    /// `POST /api/dataValues`: one value from form or query parameters (§2.3).
    fn post_data_value(&self, req: &Request, user: &str) -> Response {
        let mut params: Vec<(String, String)> = req.query.clone();
        let form = req.header("content-type").is_some_and(|c| {
            c.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        if form {
            params.extend(http::parse_urlencoded(&String::from_utf8_lossy(&req.body)));
        }
        let get = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let mut st = self.lock();
        // `cc` and `cp` name the attribute combo and its options; the mock
        // does not model category options, so `cp` must be the AOC uid itself.
        let aoc = match (get("cc"), get("cp")) {
            (None, _) => None,
            (Some(_), Some(cp)) if st.meta.aoc_known(&cp) => Some(cp),
            (Some(cc), cp) => {
                return conflict_message(
                    &format!(
                        "Illegal attribute option combo identifier: {cc} {}",
                        cp.unwrap_or_default()
                    ),
                    "E1102",
                );
            }
        };
        let followup = get("followUp").map(|f| f == "true");
        let value = get("value");
        let comment = get("comment");
        let payload = Payload {
            data_set: get("ds"),
            period: None,
            org_unit: None,
            aoc: None,
            complete_date: None,
            rows: vec![RawRow {
                de: get("de"),
                pe: get("pe"),
                ou: get("ou"),
                coc: get("co"),
                aoc,
                value: value.map_or(RawValue::Missing, RawValue::Str),
                comment,
                followup,
                follow_up: followup,
                deleted: false,
                stored_by: None,
                created: None,
            }],
        };
        let options = ImportOptions::default();
        let summary = if st.version == VersionFamily::V2_43 {
            import_new(&mut st, &payload, &options, user)
        } else {
            import_old(&mut st, &payload, &options, user)
        };
        match summary.conflicts.first() {
            None if summary.status != ImportStatus::Error => Response::empty(201),
            None => conflict_message(&summary.description, "E7600"),
            Some(c) => conflict_message(
                c.get("value").and_then(Value::as_str).unwrap_or("Conflict"),
                c.get("errorCode").and_then(Value::as_str).unwrap_or(""),
            ),
        }
    }

    /// `POST /api/completeDataSetRegistrations` (§7): no lock check; ERROR
    /// only when every registration was ignored.
    fn post_completions(&self, req: &Request, user: &str, api_segment: Option<u32>) -> Response {
        if !is_json(req) {
            return unsupported_media_type(req);
        }
        let bytes = match self.body_bytes(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let options = ImportOptions::from_request(req);
        let mut st = self.lock();
        let version = st.version;
        let shape = Service::shape(version, api_segment);
        let body: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => return malformed(version, shape, &options, &e.to_string()),
        };
        let Some(list) = body
            .get("completeDataSetRegistrations")
            .and_then(Value::as_array)
        else {
            return malformed(
                version,
                shape,
                &options,
                "the body has no completeDataSetRegistrations array",
            );
        };
        let mut summary = Summary::default();
        let today = st.now().date().format("%Y-%m-%d").to_string();
        for reg in list {
            let field = |k: &str| reg.get(k).and_then(scalar_string).filter(|s| !s.is_empty());
            let ds = field("dataSet").unwrap_or_default();
            let pe = field("period").unwrap_or_default();
            let ou = field("organisationUnit").unwrap_or_default();
            let aoc = field("attributeOptionCombo").unwrap_or_else(|| DEFAULT_COC.to_string());
            let problem = if !st.meta.data_sets.contains_key(&ds) {
                Some((
                    ds.clone(),
                    format!("Data set not found or not accessible: {ds}"),
                ))
            } else if Period::parse(&pe).is_err() {
                Some((pe.clone(), format!("Period not valid: {pe}")))
            } else if !st.meta.org_units.contains_key(&ou) {
                Some((
                    ou.clone(),
                    format!("Organisation unit not found or not accessible: {ou}"),
                ))
            } else if !st.meta.aoc_known(&aoc) {
                Some((
                    aoc.clone(),
                    format!("Attribute option combo not found or not accessible: {aoc}"),
                ))
            } else {
                None
            };
            if let Some((object, value)) = problem {
                summary.ignored += 1;
                summary
                    .conflicts
                    .push(json!({"object": object, "value": value}));
                continue;
            }
            let pe = Period::parse(&pe).map(|p| p.dhis2_id()).unwrap_or(pe);
            let completed = reg
                .get("completed")
                .map(|c| c.as_bool().unwrap_or(c.as_str() != Some("false")))
                .unwrap_or(true);
            let key = (ds.clone(), pe.clone(), ou.clone(), aoc.clone());
            if st.completions.contains_key(&key) {
                summary.updated += 1;
            } else {
                summary.imported += 1;
            }
            if !options.dry_run {
                st.completions.insert(
                    key,
                    Completion {
                        data_set: ds,
                        period: pe,
                        org_unit: ou,
                        aoc,
                        date: field("date").unwrap_or_else(|| today.clone()),
                        stored_by: field("storedBy").unwrap_or_else(|| user.to_string()),
                        completed,
                    },
                );
            }
        }
        summary.status = if !list.is_empty() && summary.ignored == list.len() as u64 {
            ImportStatus::Error
        } else {
            ImportStatus::Success
        };
        render_summary(version, shape, &options, &summary)
    }

    fn get_completions(&self, req: &Request) -> Response {
        let data_sets = req.query_params("dataSet");
        let periods: Vec<String> = req
            .query_params("period")
            .iter()
            .map(|p| {
                Period::parse(p)
                    .map(|p| p.dhis2_id())
                    .unwrap_or_else(|_| p.to_string())
            })
            .collect();
        let org_units = req.query_params("orgUnit");
        let st = self.lock();
        let list: Vec<Value> = st
            .completions
            .values()
            .filter(|c| data_sets.is_empty() || data_sets.contains(&c.data_set.as_str()))
            .filter(|c| periods.is_empty() || periods.contains(&c.period))
            .filter(|c| org_units.is_empty() || org_units.contains(&c.org_unit.as_str()))
            .map(|c| {
                json!({"dataSet": c.data_set, "period": c.period, "organisationUnit": c.org_unit,
                       "attributeOptionCombo": c.aoc, "date": c.date, "storedBy": c.stored_by,
                       "completed": c.completed})
            })
            .collect();
        Response::json(200, &json!({"completeDataSetRegistrations": list}))
    }

    /// `DELETE /api/completeDataSetRegistrations?ds=&pe=&ou=[&cp=]`: 204.
    fn delete_completion(&self, req: &Request) -> Response {
        let (Some(ds), Some(pe), Some(ou)) = (
            req.query_param("ds"),
            req.query_param("pe"),
            req.query_param("ou"),
        ) else {
            return web_message(409, "ERROR", "ds, pe and ou are required");
        };
        let pe = Period::parse(pe)
            .map(|p| p.dhis2_id())
            .unwrap_or_else(|_| pe.to_string());
        let aoc = req.query_param("cp").unwrap_or(DEFAULT_COC);
        self.lock()
            .completions
            .remove(&(ds.to_string(), pe, ou.to_string(), aoc.to_string()));
        Response::empty(204)
    }

    fn system_info(&self) -> Response {
        let v = self.lock().version;
        let now = Utc::now().naive_utc();
        Response::json(
            200,
            &json!({
                "version": v.version_string(),
                "revision": format!("mock{}", v.version_string().replace('.', "")),
                "buildTime": "2025-01-01T00:00:00.000",
                "serverDate": now.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                "serverTimeZoneId": "Etc/UTC",
                "calendar": "iso8601",
                "dateFormat": "yyyy-mm-dd",
                "systemName": "DHIS2 (simulated)",
            }),
        )
    }

    fn me(&self, user: &str) -> Response {
        let st = self.lock();
        let org_units: Vec<Value> = st
            .meta
            .org_units
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect();
        let data_sets: Vec<&String> = st.meta.data_sets.keys().collect();
        let mut me = json!({
            "id": derived_uid('U', &format!("u{user}xxxxxxxxxxx")),
            "username": user,
            "name": user,
            "displayName": user,
            "organisationUnits": org_units,
            "dataSets": data_sets,
            "authorities": if st.rules.without_data_value_add {
                json!([])
            } else {
                json!(["F_DATAVALUE_ADD"])
            },
        });
        // ≤2.37 clients read the username under `userCredentials` (§2.1).
        if st.version == VersionFamily::V2_37 {
            me["userCredentials"] = json!({"username": user});
        }
        Response::json(200, &me)
    }

    fn data_set_list(&self, req: &Request) -> Response {
        let st = self.lock();
        let list: Vec<Value> = st
            .meta
            .data_sets
            .values()
            .map(|d| json!({"id": d.uid, "name": d.name, "displayName": d.name}))
            .collect();
        let mut out = json!({"dataSets": list});
        if req.query_param("paging") != Some("false") {
            let total = st.meta.data_sets.len();
            out["pager"] =
                json!({"page": 1, "pageCount": 1, "total": total, "pageSize": total.max(50)});
        }
        Response::json(200, &out)
    }

    /// `GET /api/dataSets/{uid}` in the single-request shape of §2.2 (the
    /// `fields` filter is ignored: the full shape is always returned).
    fn data_set(&self, uid: &str) -> Response {
        let st = self.lock();
        let Some(ds) = st.meta.data_sets.get(uid) else {
            return web_message(
                404,
                "ERROR",
                &format!("DataSet with id {uid} could not be found."),
            )
            .with_error_code("E1005");
        };
        let elements: Vec<Value> = ds
            .elements
            .iter()
            .map(|e| {
                let e = st.meta.elements.get(&e.uid).unwrap_or(e);
                json!({"dataElement": {
                    "id": e.uid, "name": e.name, "formName": e.name, "valueType": e.value_type,
                    "zeroIsSignificant": e.zero_is_significant,
                    "categoryCombo": combo_json(&e.category_combo, &e.category_option_combos),
                }})
            })
            .collect();
        let org_units: Vec<Value> = ds.org_units.iter().map(|o| json!({"id": o})).collect();
        Response::json(
            200,
            &json!({
                "id": ds.uid,
                "name": ds.name,
                "displayName": ds.name,
                "periodType": ds.period_type.as_str(),
                "expiryDays": ds.expiry_days,
                "openFuturePeriods": ds.open_future_periods,
                "noValueRequiresComment": false,
                "access": {"data": {"read": true, "write": true}},
                "organisationUnits": org_units,
                "dataInputPeriods": [],
                "categoryCombo": combo_json(&ds.attribute_combo_uid(), &ds.aocs()),
                "dataSetElements": elements,
                "sections": [],
                "compulsoryDataElementOperands": [],
            }),
        )
    }

    fn org_unit(&self, uid: &str) -> Response {
        let st = self.lock();
        let Some(name) = st.meta.org_units.get(uid) else {
            return web_message(
                404,
                "ERROR",
                &format!("OrganisationUnit with id {uid} could not be found."),
            )
            .with_error_code("E1005");
        };
        let data_sets: Vec<Value> = st
            .meta
            .data_sets
            .values()
            .filter(|d| d.org_units.iter().any(|o| o == uid))
            .map(|d| json!({"id": d.uid}))
            .collect();
        Response::json(
            200,
            &json!({"id": uid, "name": name, "dataSets": data_sets}),
        )
    }

    /// `GET /api/dataEntry/dataValues?ds=&pe=&ou=[&cc=&cp=]` (2.39+, §2.3).
    fn data_entry_values(&self, req: &Request) -> Response {
        let (Some(ds), Some(pe), Some(ou)) = (
            req.query_param("ds"),
            req.query_param("pe"),
            req.query_param("ou"),
        ) else {
            return web_message(409, "ERROR", "ds, pe and ou are required");
        };
        let st = self.lock();
        let Some(data_set) = st.meta.data_sets.get(ds) else {
            return web_message(409, "ERROR", &format!("Data set does not exist: {ds}"));
        };
        let Ok(period) = Period::parse(pe) else {
            return web_message(409, "ERROR", &format!("Period is invalid: {pe}"));
        };
        let aoc = req.query_param("cp").unwrap_or(DEFAULT_COC);
        let pe = period.dhis2_id();
        let values: Vec<Value> = st
            .values
            .values()
            .filter(|r| !r.deleted)
            .filter(|r| {
                let v = &r.value;
                v.period == pe
                    && v.org_unit == ou
                    && v.aoc == aoc
                    && data_set.has_element(&v.data_element)
            })
            .map(|r| value_json(&r.value, None, "followUp"))
            .collect();
        let locked = timeliness(&st.rules, data_set, &period, st.now()).is_some();
        let approved = st.rules.is_approved(ds, &period.dhis2_id(), ou);
        let completion =
            st.completions
                .get(&(ds.to_string(), pe.clone(), ou.to_string(), aoc.to_string()));
        let complete_status = match completion {
            Some(c) => json!({"complete": c.completed, "created": c.date, "createdBy": c.stored_by,
                              "lastUpdated": c.date, "lastUpdatedBy": c.stored_by}),
            None => json!({"complete": false}),
        };
        Response::json(
            200,
            &json!({
                "dataValues": values,
                "minMaxValues": [],
                "lockStatus": if approved {
                    "APPROVED"
                } else if locked {
                    "LOCKED"
                } else {
                    "OPEN"
                },
                "completeStatus": complete_status,
            }),
        )
    }
}

/// A value as `GET` returns it.
fn value_json(v: &StoredValue, deleted: Option<bool>, followup_key: &str) -> Value {
    let mut o = json!({
        "dataElement": v.data_element,
        "period": v.period,
        "orgUnit": v.org_unit,
        "categoryOptionCombo": v.coc,
        "attributeOptionCombo": v.aoc,
        "value": v.value,
        "storedBy": v.stored_by,
        "created": v.created,
        "lastUpdated": v.last_updated,
    });
    o[followup_key] = json!(v.followup);
    if let Some(c) = &v.comment {
        o["comment"] = json!(c);
    }
    if let Some(d) = deleted {
        o["deleted"] = json!(d);
    }
    o
}

fn combo_json(uid: &str, cocs: &[(String, String)]) -> Value {
    let cocs: Vec<Value> = cocs
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    json!({"id": uid, "isDefault": uid == DEFAULT_CATEGORY_COMBO, "categoryOptionCombos": cocs})
}

/// A WebMessage with no `response`.
fn web_message(status: u16, wm_status: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({
            "httpStatus": http::reason_phrase(status),
            "httpStatusCode": status,
            "status": wm_status,
            "message": message,
        }),
    )
}

/// Adds an `errorCode` to a WebMessage response.
trait WithErrorCode {
    fn with_error_code(self, code: &str) -> Response;
}

impl WithErrorCode for Response {
    fn with_error_code(mut self, code: &str) -> Response {
        if let Ok(mut v) = serde_json::from_slice::<Value>(&self.body) {
            v["errorCode"] = json!(code);
            self.body = v.to_string().into_bytes();
        }
        self
    }
}

/// The 409 WebMessage `POST /api/dataValues` answers a conflict with.
fn conflict_message(message: &str, code: &str) -> Response {
    let r = web_message(409, "ERROR", message);
    if code.is_empty() {
        r
    } else {
        r.with_error_code(code)
    }
}

fn is_json(req: &Request) -> bool {
    req.header("content-type").is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    })
}

fn unsupported_media_type(req: &Request) -> Response {
    web_message(
        415,
        "ERROR",
        &format!(
            "Content type '{}' not supported",
            req.header("content-type").unwrap_or("")
        ),
    )
}

/// Standard base64 with or without padding.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// A scalar JSON value as a string (`null` and containers give `None`).
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn now_stamp() -> String {
    Utc::now()
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S%.3f")
        .to_string()
}

// ---------------------------------------------------------------------------
// Import: the request, the options, the summary.
// ---------------------------------------------------------------------------

/// A row's `value` as sent.
#[derive(Debug, Clone, PartialEq, Default)]
enum RawValue {
    #[default]
    Missing,
    Null,
    Str(String),
    Num(String),
    Bool(bool),
    Other(String),
}

/// One element of `dataValues`, before resolution against the header.
#[derive(Debug, Clone, Default)]
struct RawRow {
    de: Option<String>,
    pe: Option<String>,
    ou: Option<String>,
    coc: Option<String>,
    aoc: Option<String>,
    value: RawValue,
    comment: Option<String>,
    /// `followup`, the key the ≤2.42 Jackson model reads (§4).
    followup: Option<bool>,
    /// `followUp`, the key the 2.43 reader uses (§4).
    follow_up: Option<bool>,
    deleted: bool,
    stored_by: Option<String>,
    created: Option<String>,
}

/// A data value set as posted.
#[derive(Debug, Clone, Default)]
struct Payload {
    data_set: Option<String>,
    period: Option<String>,
    org_unit: Option<String>,
    aoc: Option<String>,
    complete_date: Option<String>,
    rows: Vec<RawRow>,
}

impl Payload {
    fn from_json(v: &Value) -> Result<Payload, String> {
        let Value::Object(top) = v else {
            return Err("the body is not a JSON object".to_string());
        };
        let text = |o: &Map<String, Value>, k: &str| -> Result<Option<String>, String> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(_) | Value::Object(_)) => Err(format!("`{k}` must be a string")),
                Some(s) => Ok(scalar_string(s).filter(|s| !s.is_empty())),
            }
        };
        let mut rows = Vec::new();
        match top.get("dataValues") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, item) in list.iter().enumerate() {
                    let Value::Object(o) = item else {
                        return Err(format!("dataValues[{i}] is not an object"));
                    };
                    let value = match o.get("value") {
                        None => RawValue::Missing,
                        Some(Value::Null) => RawValue::Null,
                        Some(Value::String(s)) => RawValue::Str(s.clone()),
                        Some(Value::Number(n)) => RawValue::Num(n.to_string()),
                        Some(Value::Bool(b)) => RawValue::Bool(*b),
                        Some(other) => RawValue::Other(other.to_string()),
                    };
                    let flag = |k: &str| match o.get(k) {
                        Some(Value::Bool(b)) => Some(*b),
                        Some(Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
                        _ => None,
                    };
                    rows.push(RawRow {
                        de: text(o, "dataElement")?,
                        pe: text(o, "period")?,
                        ou: text(o, "orgUnit")?,
                        coc: text(o, "categoryOptionCombo")?,
                        aoc: text(o, "attributeOptionCombo")?,
                        value,
                        comment: text(o, "comment")?,
                        followup: flag("followup"),
                        follow_up: flag("followUp"),
                        deleted: flag("deleted").unwrap_or(false),
                        stored_by: text(o, "storedBy")?,
                        created: text(o, "created")?,
                    });
                }
            }
            Some(_) => return Err("`dataValues` must be an array".to_string()),
        }
        Ok(Payload {
            data_set: text(top, "dataSet")?,
            period: text(top, "period")?,
            org_unit: text(top, "orgUnit")?,
            aoc: text(top, "attributeOptionCombo")?,
            complete_date: text(top, "completeDate")?,
            rows,
        })
    }
}

/// The import query parameters the mock honours (§4).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ImportOptions {
    strategy: &'static str,
    dry_run: bool,
    strict_periods: bool,
    strict_org_units: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            strategy: "CREATE_AND_UPDATE",
            dry_run: false,
            strict_periods: false,
            strict_org_units: false,
        }
    }
}

impl ImportOptions {
    fn from_request(req: &Request) -> ImportOptions {
        let flag = |k: &str| {
            req.query_param(k)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        let strategy = req
            .query_param("importStrategy")
            .or_else(|| req.query_param("strategy"))
            .map(|s| match s.to_ascii_uppercase().as_str() {
                "DELETE" | "DELETES" => "DELETE",
                "CREATE" | "NEW" => "CREATE",
                "UPDATE" | "UPDATES" => "UPDATE",
                "SYNC" => "SYNC",
                _ => "CREATE_AND_UPDATE",
            })
            .unwrap_or("CREATE_AND_UPDATE");
        ImportOptions {
            strategy,
            dry_run: flag("dryRun"),
            strict_periods: flag("strictPeriods"),
            strict_org_units: flag("strictOrganisationUnits"),
        }
    }

    fn delete(&self) -> bool {
        self.strategy == "DELETE"
    }

    /// The `importOptions` object, with the keys of the contract's fixtures.
    fn to_json(&self) -> Value {
        json!({
            "idSchemes": {},
            "dryRun": self.dry_run,
            "async": false,
            "importStrategy": self.strategy,
            "mergeMode": "REPLACE",
            "reportMode": "FULL",
            "skipExistingCheck": false,
            "sharing": false,
            "skipNotifications": false,
            "skipAudit": false,
            "datasetAllowsPeriods": false,
            "strictPeriods": self.strict_periods,
            "strictDataElements": false,
            "strictCategoryOptionCombos": false,
            "strictAttributeOptionCombos": false,
            "strictOrganisationUnits": self.strict_org_units,
            "requireCategoryOptionCombo": false,
            "requireAttributeOptionCombo": false,
            "skipPatternValidation": false,
            "ignoreEmptyCollection": false,
            "force": false,
            "firstRowIsHeader": true,
            "skipLastUpdated": false,
            "mergeDataValues": false,
            "skipCache": false
        })
    }
}

/// `ImportSummary.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ImportStatus {
    #[default]
    Success,
    Warning,
    Error,
}

impl ImportStatus {
    fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Success => "SUCCESS",
            ImportStatus::Warning => "WARNING",
            ImportStatus::Error => "ERROR",
        }
    }
}

/// How a summary is sent (§0, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The ImportSummary at top level, always HTTP 200.
    Bare,
    /// Wrapped in a WebMessage; ERROR is 409, WARNING is 409 when `warning_409`.
    Wrapped { warning_409: bool },
}

/// The result of one import, before rendering.
#[derive(Debug, Clone, Default)]
struct Summary {
    status: ImportStatus,
    description: String,
    imported: u64,
    updated: u64,
    ignored: u64,
    deleted: u64,
    conflicts: Vec<Value>,
    rejected: BTreeSet<i64>,
    data_set_complete: Option<String>,
}

impl Summary {
    /// Adds an old-style conflict (§5), merging it with one of the same code
    /// and objects by accumulating `indexes`.
    #[allow(clippy::too_many_arguments)]
    fn old_conflict(
        &mut self,
        object: &str,
        objects: Value,
        value: String,
        code: &str,
        property: &str,
        index: Option<usize>,
    ) {
        if let Some(i) = index {
            self.rejected.insert(i as i64);
        }
        let same = self.conflicts.iter_mut().find(|c| {
            c.get("errorCode").and_then(Value::as_str) == Some(code)
                && c.get("objects") == Some(&objects)
        });
        match (same, index) {
            (Some(c), Some(i)) => {
                if let Some(list) = c.get_mut("indexes").and_then(Value::as_array_mut) {
                    list.push(json!(i));
                }
            }
            (Some(_), None) => {}
            (None, _) => {
                let mut c = json!({
                    "object": object,
                    "objects": objects,
                    "value": value,
                    "errorCode": code,
                    "property": property,
                });
                if let Some(i) = index {
                    c["indexes"] = json!([i]);
                }
                self.conflicts.push(c);
            }
        }
    }

    /// Adds a 2.43-style conflict: `{"objects":{"args":…},"value","errorCode","indexes"}`.
    fn new_conflict(&mut self, args: &[String], value: String, code: &str, indexes: &[i64]) {
        self.rejected
            .extend(indexes.iter().copied().filter(|i| *i >= 0));
        self.conflicts.push(json!({
            "objects": {"args": args.join("-")},
            "value": value,
            "errorCode": code,
            "indexes": indexes,
        }));
    }
}

/// Why a period cannot be written now (§7).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lock {
    /// Past `expiryDays` after the period end.
    Expired,
    /// After the latest open future period (its id).
    Future(String),
    /// Outside the data set's data input periods.
    InputPeriod,
}

/// Why `period` cannot be written now for `ds` (§7): its data input periods
/// when it has some, otherwise expiry and open future periods.
fn timeliness(
    rules: &Dhis2Rules,
    ds: &MockDataSet,
    period: &Period,
    now: NaiveDateTime,
) -> Option<Lock> {
    match rules.input_period_closed(&ds.uid, period, now.date()) {
        Some(true) => Some(Lock::InputPeriod),
        Some(false) => None,
        None => lock_of(ds, period, now),
    }
}

/// Whether `period` is locked for data set `ds` at `now` (§7): `expiryDays >
/// 0` and `now > period end (00:00) + expiryDays + 1 days`, or the period
/// starts after the current period plus `openFuturePeriods`.
fn lock_of(ds: &MockDataSet, period: &Period, now: NaiveDateTime) -> Option<Lock> {
    if ds.expiry_days > 0.0
        && let Some(end) = period.end().and_hms_opt(0, 0, 0)
    {
        let millis = ((ds.expiry_days + 1.0) * 86_400_000.0).min(1e15) as i64;
        if now > end + chrono::Duration::milliseconds(millis) {
            return Some(Lock::Expired);
        }
    }
    let mut latest = Period::containing(ds.period_type, now.date());
    for _ in 0..ds.open_future_periods.clamp(0, MAX_FUTURE_PERIODS) {
        latest = latest.next();
    }
    (period.start() > latest.end()).then(|| Lock::Future(latest.dhis2_id()))
}

/// Checks a value against a DHIS2 value type; returns the value as stored
/// (booleans normalised) or the reason DHIS2 gives.
fn check_value(value_type: &str, v: &str) -> Result<String, &'static str> {
    fn is_integer(v: &str) -> bool {
        let digits = v.strip_prefix('-').unwrap_or(v);
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && !(v.starts_with('-') && digits == "0")
            && v.parse::<i64>().is_ok()
    }
    let number = || {
        v.parse::<f64>().ok().filter(|n| {
            n.is_finite() && !v.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        })
    };
    match value_type {
        "INTEGER" => is_integer(v)
            .then(|| v.to_string())
            .ok_or("value_not_integer"),
        "INTEGER_POSITIVE" => (is_integer(v) && !v.starts_with('-') && v != "0")
            .then(|| v.to_string())
            .ok_or("value_not_positive_integer"),
        "INTEGER_NEGATIVE" => (is_integer(v) && v.starts_with('-'))
            .then(|| v.to_string())
            .ok_or("value_not_negative_integer"),
        "INTEGER_ZERO_OR_POSITIVE" => (is_integer(v) && !v.starts_with('-'))
            .then(|| v.to_string())
            .ok_or("value_not_zero_or_positive_integer"),
        "NUMBER" => number().map(|_| v.to_string()).ok_or("value_not_numeric"),
        "PERCENTAGE" => number()
            .filter(|n| (0.0..=100.0).contains(n))
            .map(|_| v.to_string())
            .ok_or("value_not_percentage"),
        "UNIT_INTERVAL" => number()
            .filter(|n| (0.0..=1.0).contains(n))
            .map(|_| v.to_string())
            .ok_or("value_not_unit_interval"),
        "BOOLEAN" => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Ok("true".to_string()),
            "false" | "0" | "f" => Ok("false".to_string()),
            _ => Err("value_not_bool"),
        },
        "TRUE_ONLY" => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Ok("true".to_string()),
            _ => Err("value_not_true_only"),
        },
        "DATE" => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(|_| v.to_string())
            .map_err(|_| "value_not_valid_date"),
        "TEXT" => (v.chars().count() <= 50_000)
            .then(|| v.to_string())
            .ok_or("value_length_greater_than_max_length"),
        _ => Ok(v.to_string()),
    }
}

/// Whether a stored numeric value is zero (for `zeroIsSignificant`).
fn is_zero(value_type: &str, v: &str) -> bool {
    let numeric = value_type.starts_with("INTEGER")
        || matches!(value_type, "NUMBER" | "PERCENTAGE" | "UNIT_INTERVAL");
    numeric && v.parse::<f64>().is_ok_and(|n| n == 0.0)
}

/// A row resolved against the header.
struct Resolved<'a> {
    row: &'a RawRow,
    de: Option<String>,
    pe: Option<String>,
    ou: Option<String>,
    coc: String,
    aoc: String,
}

fn resolve<'a>(p: &Payload, row: &'a RawRow) -> Resolved<'a> {
    Resolved {
        row,
        de: row.de.clone(),
        pe: row.pe.clone().or_else(|| p.period.clone()),
        ou: row.ou.clone().or_else(|| p.org_unit.clone()),
        coc: row.coc.clone().unwrap_or_else(|| DEFAULT_COC.to_string()),
        aoc: row
            .aoc
            .clone()
            .or_else(|| p.aoc.clone())
            .unwrap_or_else(|| DEFAULT_COC.to_string()),
    }
}

/// The old pipeline (2.37, 2.40): set-level aborts (E7600/E7603/E7604),
/// otherwise every bad row is ignored on its own with an E76xx conflict;
/// WARNING when any conflict exists (§5 "Old-pipeline statuses").
fn import_old(st: &mut State, p: &Payload, o: &ImportOptions, user: &str) -> Summary {
    let v37 = st.version == VersionFamily::V2_37;
    let now_dt = st.now();
    let stamp = now_stamp();
    let mut sum = Summary {
        description: "Import process completed successfully".to_string(),
        ..Summary::default()
    };
    let abort = |mut sum: Summary, object: &str, key: &str, value: String, code: &str| {
        sum.old_conflict(object, json!({ key: object }), value, code, key, None);
        sum.status = ImportStatus::Error;
        sum.description = "Import process was aborted".to_string();
        sum.ignored = p.rows.len() as u64;
        sum.rejected = (0..p.rows.len() as i64).collect();
        sum
    };
    let header_ds = match &p.data_set {
        Some(uid) if st.rules.read_only_data_sets.contains(uid) => {
            return abort(
                sum,
                uid,
                "dataSet",
                format!("User does not have write access for DataSet: `{uid}`"),
                "E7601",
            );
        }
        Some(uid) => match st.meta.data_sets.get(uid) {
            Some(ds) => Some(ds.clone()),
            None => {
                return abort(
                    sum,
                    uid,
                    "dataSet",
                    format!("Data set not found or not accessible: `{uid}`"),
                    "E7600",
                );
            }
        },
        None => None,
    };
    if let Some(ou) = &p.org_unit
        && !st.meta.org_units.contains_key(ou)
    {
        return abort(
            sum,
            ou,
            "orgUnit",
            format!("Org unit not found or not accessible: `{ou}`"),
            "E7603",
        );
    }
    if let Some(aoc) = &p.aoc
        && !st.meta.aoc_known(aoc)
    {
        return abort(
            sum,
            aoc,
            "attributeOptionCombo",
            format!("Attribute option combo not found or not accessible: `{aoc}`"),
            "E7604",
        );
    }
    let State {
        meta,
        values,
        rules,
        ..
    } = st;
    let mut scratch;
    let store: &mut BTreeMap<Key, Record> = if o.dry_run {
        scratch = values.clone();
        &mut scratch
    } else {
        values
    };
    for (i, raw) in p.rows.iter().enumerate() {
        let r = resolve(p, raw);
        let de_uid = r.de.clone().unwrap_or_default();
        let Some(de) = meta.elements.get(&de_uid) else {
            sum.ignored += 1;
            sum.old_conflict(
                &de_uid,
                json!({"dataElement": de_uid}),
                format!("Data element not found or not accessible: `{de_uid}`"),
                "E7610",
                "dataElement",
                Some(i),
            );
            continue;
        };
        let pe_text = r.pe.clone().unwrap_or_default();
        let Ok(period) = Period::parse(&pe_text) else {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": pe_text}),
                format!("Period not valid: `{pe_text}`"),
                "E7611",
                "period",
                Some(i),
            );
            continue;
        };
        let ou = r.ou.clone().unwrap_or_default();
        if !meta.org_units.contains_key(&ou) {
            sum.ignored += 1;
            sum.old_conflict(
                &ou,
                json!({"orgUnit": ou}),
                format!("Organisation unit not found or not accessible: `{ou}`"),
                "E7612",
                "orgUnit",
                Some(i),
            );
            continue;
        }
        if rules.outside_capture_scope.contains(&ou) {
            sum.ignored += 1;
            sum.old_conflict(
                &ou,
                json!({"orgUnit": ou}),
                format!("Organisation unit: `{ou}` not in hierarchy of current user: `{user}`"),
                "E7617",
                "orgUnit",
                Some(i),
            );
            continue;
        }
        if !meta.coc_known(&r.coc) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.coc,
                json!({"categoryOptionCombo": r.coc}),
                format!(
                    "Category option combo not found or not accessible for writing data: `{}`",
                    r.coc
                ),
                "E7613",
                "categoryOptionCombo",
                Some(i),
            );
            continue;
        }
        if !meta.aoc_known(&r.aoc) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.aoc,
                json!({"attributeOptionCombo": r.aoc}),
                format!(
                    "Attribute option combo not found or not accessible for writing data: `{}`",
                    r.aoc
                ),
                "E7615",
                "attributeOptionCombo",
                Some(i),
            );
            continue;
        }
        let targets: Vec<&MockDataSet> = match &header_ds {
            Some(ds) => {
                // The header data set as it is now (elements may have been removed).
                let current = meta.data_sets.get(&ds.uid).unwrap_or(ds);
                if !current.has_element(&de.uid) {
                    sum.ignored += 1;
                    sum.old_conflict(
                        &de.uid,
                        json!({"dataElement": de.uid, "dataSet": current.uid}),
                        format!(
                            "Data element: `{}` is not part of dataset: `{}`",
                            de.uid, current.uid
                        ),
                        "E7633",
                        "dataElement",
                        Some(i),
                    );
                    continue;
                }
                vec![current]
            }
            None => meta.data_sets_of(&de.uid),
        };
        if !de.has_coc(&r.coc) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.coc,
                json!({"categoryOptionCombo": r.coc, "dataElement": de.uid}),
                format!(
                    "Category option combo: `{}` must be part of category combo of data element: `{}`",
                    r.coc, de.uid
                ),
                "E7634",
                "categoryOptionCombo",
                Some(i),
            );
            continue;
        }
        if !targets.is_empty() && !targets.iter().any(|d| d.has_aoc(&r.aoc)) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.aoc,
                json!({"attributeOptionCombo": r.aoc, "dataElement": de.uid}),
                format!(
                    "Attribute option combo: `{}` must be part of category combo of data sets of data element: `{}`",
                    r.aoc, de.uid
                ),
                "E7635",
                "attributeOptionCombo",
                Some(i),
            );
            continue;
        }
        if o.strict_periods
            && !targets.is_empty()
            && !targets
                .iter()
                .any(|d| d.period_type == period.period_type())
        {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": pe_text, "dataElement": de.uid}),
                format!(
                    "Period type of period: `{pe_text}` not valid for data element: `{}`",
                    de.uid
                ),
                "E7632",
                "period",
                Some(i),
            );
            continue;
        }
        if o.strict_org_units && !targets.iter().any(|d| d.org_units.contains(&ou)) {
            sum.ignored += 1;
            sum.old_conflict(
                &ou,
                json!({"orgUnit": ou, "dataElement": de.uid}),
                format!(
                    "Data element: `{}` must be assigned through data sets to organisation unit: `{ou}`",
                    de.uid
                ),
                "E7636",
                "orgUnit",
                Some(i),
            );
            continue;
        }
        if !within(rules.option_dates.get(&r.aoc), &period) {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": period.dhis2_id(), "attributeOptionCombo": r.aoc}),
                format!(
                    "Period: `{}` is not within date range of attribute option combo: `{}`",
                    period.dhis2_id(),
                    r.aoc
                ),
                "E7638",
                "period",
                Some(i),
            );
            continue;
        }
        let key: Key = (
            de.uid.clone(),
            period.dhis2_id(),
            ou.clone(),
            r.coc.clone(),
            r.aoc.clone(),
        );
        // Locks apply to deletions too (§7).
        let lock = targets
            .iter()
            .map(|d| (d, timeliness(rules, d, &period, now_dt)))
            .collect::<Vec<_>>();
        if !lock.is_empty() && lock.iter().all(|(_, l)| l.is_some()) {
            sum.ignored += 1;
            let (d, l) = &lock[0];
            match l {
                Some(Lock::Expired) => sum.old_conflict(
                    &pe_text,
                    json!({"period": period.dhis2_id(), "dataSet": d.uid}),
                    format!(
                        "Current date is past expiry days for period: `{}`  and data set: `{}`",
                        period.dhis2_id(),
                        d.uid
                    ),
                    "E7640",
                    "period",
                    Some(i),
                ),
                Some(Lock::InputPeriod) => sum.old_conflict(
                    &pe_text,
                    json!({"period": period.dhis2_id(), "dataSet": d.uid}),
                    format!(
                        "Period: `{}` is not open for this data set at this time: `{}`",
                        period.dhis2_id(),
                        d.uid
                    ),
                    "E7643",
                    "period",
                    Some(i),
                ),
                _ => {
                    let latest = match l {
                        Some(Lock::Future(id)) => id.clone(),
                        _ => String::new(),
                    };
                    sum.old_conflict(
                        &pe_text,
                        json!({"period": period.dhis2_id(), "dataElement": de.uid}),
                        format!(
                            "Period: `{}` is after latest open future period: `{latest}` for data element: `{}`",
                            period.dhis2_id(),
                            de.uid
                        ),
                        "E7641",
                        "period",
                        Some(i),
                    );
                }
            }
            continue;
        }
        if let Some(d) = targets
            .iter()
            .find(|d| rules.is_approved(&d.uid, &period.dhis2_id(), &ou))
        {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": period.dhis2_id(), "dataSet": d.uid, "orgUnit": ou}),
                format!(
                    "Data is already approved for data set: `{}` period: `{}` organisation unit: `{ou}` attribute option combo: `{}`",
                    d.uid,
                    period.dhis2_id(),
                    r.aoc
                ),
                "E7642",
                "period",
                Some(i),
            );
            continue;
        }
        let existing = store.get(&key).filter(|rec| !rec.deleted).cloned();
        if o.delete() || r.row.deleted {
            match existing {
                Some(_) => {
                    if let Some(rec) = store.get_mut(&key) {
                        rec.deleted = true;
                        rec.value.last_updated = stamp.clone();
                    }
                    sum.deleted += 1;
                }
                None => sum.ignored += 1,
            }
            continue;
        }
        let text = match &r.row.value {
            RawValue::Str(s) | RawValue::Num(s) | RawValue::Other(s) => s.clone(),
            RawValue::Bool(b) => b.to_string(),
            RawValue::Missing | RawValue::Null => String::new(),
        };
        if text.is_empty() {
            // ≤2.42: an empty value deletes an existing value (§6, point 3).
            match existing {
                Some(_) if r.row.comment.is_none() => {
                    if let Some(rec) = store.get_mut(&key) {
                        rec.deleted = true;
                        rec.value.last_updated = stamp.clone();
                    }
                    sum.deleted += 1;
                }
                _ => {
                    sum.ignored += 1;
                    sum.old_conflict(
                        &de.uid,
                        json!({"dataElement": de.uid}),
                        format!(
                            "Data value or comment not specified for data element: `{}`",
                            de.uid
                        ),
                        "E7618",
                        "value",
                        Some(i),
                    );
                }
            }
            continue;
        }
        let value = match check_value(&de.value_type, &text) {
            Ok(v) => v,
            Err(reason) => {
                sum.ignored += 1;
                sum.old_conflict(
                    &text,
                    json!({"value": text, "valueType": de.value_type}),
                    format!(
                        "Value must match data element's `{}` type constraints: {reason}",
                        de.uid
                    ),
                    "E7619",
                    "value",
                    Some(i),
                );
                continue;
            }
        };
        if !de.zero_is_significant && is_zero(&de.value_type, &value) {
            // ≤2.42: an insignificant zero is not stored; an existing value is deleted (§6).
            if existing.is_some() {
                if let Some(rec) = store.get_mut(&key) {
                    rec.deleted = true;
                    rec.value.last_updated = stamp.clone();
                }
                sum.deleted += 1;
            } else {
                sum.ignored += 1;
            }
            continue;
        }
        if (o.strategy == "CREATE" && existing.is_some())
            || (o.strategy == "UPDATE" && existing.is_none())
        {
            sum.ignored += 1;
            continue;
        }
        let stored_by = r.row.stored_by.clone().unwrap_or_else(|| user.to_string());
        match existing {
            Some(old) => {
                let followup = r.row.followup.unwrap_or(old.value.followup);
                let unchanged = old.value.value == value
                    && old.value.comment == r.row.comment
                    && old.value.followup == followup;
                if unchanged {
                    // 2.37 counts an unchanged row as updated, 2.40.3+ as ignored (§6).
                    if v37 {
                        sum.updated += 1;
                    } else {
                        sum.ignored += 1;
                    }
                } else {
                    if let Some(rec) = store.get_mut(&key) {
                        rec.value.value = value;
                        rec.value.comment = r.row.comment.clone();
                        rec.value.followup = followup;
                        rec.value.stored_by = stored_by;
                        rec.value.last_updated = stamp.clone();
                    }
                    sum.updated += 1;
                }
            }
            None => {
                store.insert(
                    key.clone(),
                    Record {
                        value: StoredValue {
                            data_element: key.0,
                            period: key.1,
                            org_unit: key.2,
                            coc: key.3,
                            aoc: key.4,
                            value,
                            stored_by,
                            created: r.row.created.clone().unwrap_or_else(|| stamp.clone()),
                            last_updated: stamp.clone(),
                            comment: r.row.comment.clone(),
                            followup: r.row.followup.unwrap_or(false),
                        },
                        deleted: false,
                    },
                );
                sum.imported += 1;
            }
        }
    }
    sum.status = if sum.conflicts.is_empty() {
        ImportStatus::Success
    } else {
        ImportStatus::Warning
    };
    // ≤2.42: "true" means today, a date registers it, anything else none (§4).
    let date = p.complete_date.as_deref().and_then(|d| {
        if d.eq_ignore_ascii_case("true") {
            Some(now_dt.date().format("%Y-%m-%d").to_string())
        } else {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(|_| d.to_string())
        }
    });
    register_completion(st, p, o, user, date, &mut sum);
    sum
}

/// Registers the completion a `completeDate` asks for, when the header names
/// the data set, period and org unit and no row was rejected (§4).
fn register_completion(
    st: &mut State,
    p: &Payload,
    o: &ImportOptions,
    user: &str,
    date: Option<String>,
    sum: &mut Summary,
) {
    let (Some(date), Some(ds), Some(pe), Some(ou)) = (date, &p.data_set, &p.period, &p.org_unit)
    else {
        return;
    };
    if !sum.rejected.is_empty() || sum.status == ImportStatus::Error {
        return;
    }
    let Ok(period) = Period::parse(pe) else {
        return;
    };
    let aoc = p.aoc.clone().unwrap_or_else(|| DEFAULT_COC.to_string());
    sum.data_set_complete = Some(date.clone());
    if o.dry_run {
        return;
    }
    let key = (ds.clone(), period.dhis2_id(), ou.clone(), aoc.clone());
    st.completions.insert(
        key,
        Completion {
            data_set: ds.clone(),
            period: period.dhis2_id(),
            org_unit: ou.clone(),
            aoc,
            date,
            stored_by: user.to_string(),
            completed: true,
        },
    );
}

/// The new pipeline (2.43): decode errors reject the payload (`indexes:[-1]`),
/// group errors (E80xx) reject every row, value errors (E812x) one row;
/// `imported` is always 0 and every stored row counts as `updated` (§5, §6).
fn import_new(st: &mut State, p: &Payload, o: &ImportOptions, user: &str) -> Summary {
    let n = p.rows.len();
    let all: Vec<i64> = (0..n as i64).collect();
    let mut sum = Summary {
        description: "Import process completed successfully".to_string(),
        ..Summary::default()
    };
    let fail = |mut sum: Summary, args: &[String], value: String, code: &str, indexes: &[i64]| {
        sum.new_conflict(args, value, code, indexes);
        sum.rejected = (0..n as i64).collect();
        sum.status = ImportStatus::Error;
        sum.ignored = n as u64;
        sum
    };
    // Decoding the payload: any failure rejects it whole, with `indexes:[-1]`.
    if let Some(cd) = &p.complete_date {
        if NaiveDate::parse_from_str(cd, "%Y-%m-%d").is_err() {
            return fail(
                sum,
                std::slice::from_ref(cd),
                format!("Invalid completeDate `{cd}`, it must be a date (yyyy-MM-dd)"),
                "E8008",
                &[-1],
            );
        }
        if p.data_set.is_none() || p.org_unit.is_none() || p.period.is_none() {
            return fail(
                sum,
                std::slice::from_ref(cd),
                "completeDate requires dataSet, orgUnit and period at the top level".to_string(),
                "E8009",
                &[-1],
            );
        }
    }
    if let Some(ds) = &p.data_set {
        if !is_dhis2_uid(ds) {
            return fail(
                sum,
                std::slice::from_ref(ds),
                format!("Data set UID `{ds}` is not a valid UID"),
                "E8004",
                &[-1],
            );
        }
        if !st.meta.data_sets.contains_key(ds) {
            return fail(
                sum,
                std::slice::from_ref(ds),
                format!("Data set `{ds}` does not exist"),
                "E8005",
                &[-1],
            );
        }
    }
    let rows: Vec<Resolved<'_>> = p.rows.iter().map(|r| resolve(p, r)).collect();
    let mut periods = Vec::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        let problem = match (&r.de, &r.ou, &r.pe) {
            (None, _, _) => Some((
                "E8100",
                String::new(),
                format!("Value #{i}: data element is missing"),
            )),
            (Some(de), _, _) if !st.meta.elements.contains_key(de) => Some((
                "E8101",
                de.clone(),
                format!("Value #{i}: data element `{de}` does not exist"),
            )),
            (_, None, _) => Some((
                "E8102",
                String::new(),
                format!("Value #{i}: org unit is missing"),
            )),
            (_, Some(ou), _) if !st.meta.org_units.contains_key(ou) => Some((
                "E8103",
                ou.clone(),
                format!("Value #{i}: org unit `{ou}` does not exist"),
            )),
            (_, _, None) => Some((
                "E8104",
                String::new(),
                format!("Value #{i}: period is missing"),
            )),
            (_, _, Some(pe)) if Period::parse(pe).is_err() => Some((
                "E8105",
                pe.clone(),
                format!("Value #{i}: period `{pe}` is not a valid ISO period"),
            )),
            _ if !st.meta.coc_known(&r.coc) => Some((
                "E8106",
                r.coc.clone(),
                format!(
                    "Value #{i}: category option combo `{}` does not exist",
                    r.coc
                ),
            )),
            _ if !st.meta.aoc_known(&r.aoc) => Some((
                "E8107",
                r.aoc.clone(),
                format!(
                    "Value #{i}: attribute option combo `{}` does not exist",
                    r.aoc
                ),
            )),
            _ => None,
        };
        if let Some((code, arg, message)) = problem {
            return fail(sum, &[i.to_string(), arg], message, code, &[-1]);
        }
        if let Some(Ok(period)) = r.pe.as_deref().map(Period::parse) {
            periods.push(period);
        }
    }
    // The target data set: the header's, or the one every element belongs to.
    let ds_uid = match &p.data_set {
        Some(ds) => ds.clone(),
        None if n == 0 => return sum,
        None => {
            let mut found: BTreeSet<String> = BTreeSet::new();
            for r in &rows {
                let de = r.de.clone().unwrap_or_default();
                let owners = st.meta.data_sets_of(&de);
                if owners.is_empty() {
                    return fail(
                        sum,
                        std::slice::from_ref(&de),
                        format!("Data element `{de}` does not belong to any data set"),
                        "E8003",
                        &[-1],
                    );
                }
                found.extend(owners.iter().map(|d| d.uid.clone()));
            }
            let mut found = found.into_iter();
            match (found.next(), found.next()) {
                (Some(only), None) => only,
                (first, second) => {
                    let names: Vec<String> = first.into_iter().chain(second).chain(found).collect();
                    return fail(
                        sum,
                        &names,
                        format!(
                            "The data values belong to more than one data set: {}",
                            names.join(", ")
                        ),
                        "E8002",
                        &[-1],
                    );
                }
            }
        }
    };
    let Some(ds) = st.meta.data_sets.get(&ds_uid).cloned() else {
        return fail(
            sum,
            std::slice::from_ref(&ds_uid),
            format!("Data set `{ds_uid}` does not exist"),
            "E8005",
            &[-1],
        );
    };
    // User access, key consistency, then timeliness: the first failure
    // rejects the group.
    if st.rules.read_only_data_sets.contains(&ds.uid) {
        return fail(
            sum,
            std::slice::from_ref(&ds.uid),
            format!("User has no data write access for data set `{}`", ds.uid),
            "E8010",
            &all,
        );
    }
    let out_of_scope: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.ou.clone())
        .filter(|ou| st.rules.outside_capture_scope.contains(ou))
        .collect();
    if !out_of_scope.is_empty() {
        let list: Vec<String> = out_of_scope.into_iter().collect();
        return fail(
            sum,
            &[list.join(",")],
            format!(
                "User has no data write access for org unit(s): {}",
                list.join(", ")
            ),
            "E8011",
            &all,
        );
    }
    let des = |f: &dyn Fn(&Resolved<'_>) -> bool| -> Vec<String> {
        let set: BTreeSet<String> = rows
            .iter()
            .filter(|r| f(r))
            .filter_map(|r| r.de.clone())
            .collect();
        set.into_iter().collect()
    };
    let not_in_ds = des(&|r| !ds.has_element(r.de.as_deref().unwrap_or("")));
    if !not_in_ds.is_empty() {
        return fail(
            sum,
            &[ds.uid.clone(), not_in_ds.join(",")],
            format!(
                "Data element(s) {} are not part of data set `{}`",
                not_in_ds.join(", "),
                ds.uid
            ),
            "E8020",
            &all,
        );
    }
    let wrong_type: BTreeSet<String> = periods
        .iter()
        .filter(|pe| pe.period_type() != ds.period_type)
        .map(Period::dhis2_id)
        .collect();
    if !wrong_type.is_empty() {
        let list: Vec<String> = wrong_type.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Period(s) {} are not usable with data set `{}` of period type {}",
                list.join(", "),
                ds.uid,
                ds.period_type.as_str()
            ),
            "E8021",
            &all,
        );
    }
    let unassigned: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.ou.clone())
        .filter(|ou| !ds.org_units.contains(ou))
        .collect();
    if !unassigned.is_empty() {
        let list: Vec<String> = unassigned.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Org unit(s) {} are not assigned to data set `{}`",
                list.join(", "),
                ds.uid
            ),
            "E8022",
            &all,
        );
    }
    let bad_aoc: BTreeSet<String> = rows
        .iter()
        .filter(|r| !ds.has_aoc(&r.aoc))
        .map(|r| r.aoc.clone())
        .collect();
    if !bad_aoc.is_empty() {
        let list: Vec<String> = bad_aoc.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Attribute option combo(s) {} are not part of the category combo of data set `{}`",
                list.join(", "),
                ds.uid
            ),
            "E8023",
            &all,
        );
    }
    let bad_coc: Vec<String> = rows
        .iter()
        .filter(|r| {
            let de = r.de.as_deref().unwrap_or("");
            !st.meta.elements.get(de).is_some_and(|e| e.has_coc(&r.coc))
        })
        .map(|r| format!("{}.{}", r.de.clone().unwrap_or_default(), r.coc))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !bad_coc.is_empty() {
        return fail(
            sum,
            &[ds.uid.clone(), bad_coc.join(",")],
            format!(
                "Category option combo(s) are not part of the data element's category combo: {}",
                bad_coc.join(", ")
            ),
            "E8024",
            &all,
        );
    }
    let keys: Vec<Key> = rows
        .iter()
        .zip(&periods)
        .map(|(r, pe)| {
            (
                r.de.clone().unwrap_or_default(),
                pe.dhis2_id(),
                r.ou.clone().unwrap_or_default(),
                r.coc.clone(),
                r.aoc.clone(),
            )
        })
        .collect();
    let mut seen: BTreeMap<&Key, usize> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(first) = seen.insert(k, i) {
            return fail(
                sum,
                &[first.to_string(), i.to_string()],
                format!("Value #{first} and #{i} all affect the same data value"),
                "E8128",
                &all,
            );
        }
    }
    let now_dt = st.now();
    let locked: BTreeSet<String> = periods
        .iter()
        .filter(|pe| timeliness(&st.rules, &ds, pe, now_dt).is_some())
        .map(Period::dhis2_id)
        .collect();
    if !locked.is_empty() {
        let list: Vec<String> = locked.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Untimely data entry for data set `{}` and period(s): {}",
                ds.uid,
                list.join(", ")
            ),
            "E8030",
            &all,
        );
    }
    let closed: BTreeSet<String> = rows
        .iter()
        .zip(&periods)
        .filter_map(|(r, pe)| {
            let ou = r.ou.clone()?;
            (!within(st.rules.org_unit_dates.get(&ou), pe))
                .then(|| format!("{ou}:{}", pe.dhis2_id()))
        })
        .collect();
    if !closed.is_empty() {
        let list: Vec<String> = closed.into_iter().collect();
        return fail(
            sum,
            &[list.join(",")],
            format!(
                "Org unit(s) closed or not yet open in period(s): {}",
                list.join(", ")
            ),
            "E8031",
            &all,
        );
    }
    let out_of_range: BTreeSet<String> = rows
        .iter()
        .zip(&periods)
        .filter(|(r, pe)| !within(st.rules.option_dates.get(&r.aoc), pe))
        .map(|(r, pe)| format!("{}:{}", r.aoc, pe.dhis2_id()))
        .collect();
    if !out_of_range.is_empty() {
        let list: Vec<String> = out_of_range.into_iter().collect();
        return fail(
            sum,
            &[list.join(",")],
            format!(
                "Attribute option combo(s) not usable in period(s), outside the category options' start and end dates: {}",
                list.join(", ")
            ),
            "E8032",
            &all,
        );
    }
    let approved: BTreeSet<String> = rows
        .iter()
        .zip(&periods)
        .filter_map(|(r, pe)| {
            let ou = r.ou.clone()?;
            st.rules
                .is_approved(&ds.uid, &pe.dhis2_id(), &ou)
                .then(|| format!("{ou}:{}", pe.dhis2_id()))
        })
        .collect();
    if !approved.is_empty() {
        let list: Vec<String> = approved.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Data for data set `{}` is already approved for: {}",
                ds.uid,
                list.join(", ")
            ),
            "E8033",
            &all,
        );
    }
    // Row validation (E812x ignores one row), then the upsert.
    let stamp = now_stamp();
    let mut scratch;
    let store: &mut BTreeMap<Key, Record> = if o.dry_run {
        scratch = st.values.clone();
        &mut scratch
    } else {
        &mut st.values
    };
    let mut succeeded = 0u64;
    let mut errors = 0u64;
    for (i, (r, key)) in rows.iter().zip(keys).enumerate() {
        let de = st
            .meta
            .elements
            .get(&key.0)
            .map(|e| (e.value_type.clone(), e.uid.clone()))
            .unwrap_or_default();
        let existing = store.get(&key).filter(|rec| !rec.deleted).is_some();
        if o.delete() {
            if existing {
                if let Some(rec) = store.get_mut(&key) {
                    rec.deleted = true;
                    rec.value.last_updated = stamp.clone();
                }
                succeeded += 1;
            } else {
                sum.ignored += 1;
            }
            continue;
        }
        let checked = if r.row.deleted {
            Ok(match &r.row.value {
                RawValue::Str(s) => s.clone(),
                _ => String::new(),
            })
        } else {
            match &r.row.value {
                RawValue::Str(s) if s.is_empty() => Err((
                    "E8120",
                    vec![i.to_string()],
                    format!("Value #{i}: a value is required"),
                )),
                RawValue::Str(s) => check_value(&de.0, s).map_err(|reason| {
                    (
                        "E8122",
                        vec![i.to_string(), s.clone(), de.0.clone()],
                        format!("Value #{i}: `{s}` is not a valid {} ({reason})", de.0),
                    )
                }),
                RawValue::Missing | RawValue::Null => Err((
                    "E8120",
                    vec![i.to_string()],
                    format!("Value #{i}: a value is required"),
                )),
                RawValue::Num(s) | RawValue::Other(s) => Err((
                    "E8122",
                    vec![i.to_string(), s.clone(), de.0.clone()],
                    format!("Value #{i}: the value must be a JSON string, not `{s}`"),
                )),
                RawValue::Bool(b) => Err((
                    "E8122",
                    vec![i.to_string(), b.to_string(), de.0.clone()],
                    format!("Value #{i}: the value must be a JSON string, not `{b}`"),
                )),
            }
        };
        let checked = checked.and_then(|v| match &r.row.comment {
            Some(c) if c.chars().count() > MAX_COMMENT_CHARS => Err((
                "E8125",
                vec![i.to_string()],
                format!("Value #{i}: the comment is longer than {MAX_COMMENT_CHARS} characters"),
            )),
            _ => Ok(v),
        });
        let value = match checked {
            Ok(v) => v,
            Err((code, args, message)) => {
                errors += 1;
                sum.new_conflict(&args, message, code, &[i as i64]);
                continue;
            }
        };
        // The unconditional upsert: every write touches lastUpdated and storedBy (§6).
        let created = store
            .get(&key)
            .map_or_else(|| stamp.clone(), |rec| rec.value.created.clone());
        store.insert(
            key.clone(),
            Record {
                value: StoredValue {
                    data_element: key.0,
                    period: key.1,
                    org_unit: key.2,
                    coc: key.3,
                    aoc: key.4,
                    value,
                    stored_by: user.to_string(),
                    created,
                    last_updated: stamp.clone(),
                    comment: r.row.comment.clone(),
                    followup: r.row.follow_up.unwrap_or(false),
                },
                deleted: r.row.deleted,
            },
        );
        succeeded += 1;
    }
    if o.delete() {
        sum.deleted = succeeded;
    } else {
        sum.updated = succeeded;
    }
    sum.ignored += errors;
    sum.status = if errors == 0 {
        ImportStatus::Success
    } else if succeeded > 0 {
        ImportStatus::Warning
    } else {
        ImportStatus::Error
    };
    let date = p.complete_date.clone();
    register_completion(st, p, o, user, date, &mut sum);
    sum
}

/// The summary as the family sends it: bare (2.37, HTTP 200) or wrapped in a
/// WebMessage with the family's status mapping (§0, §5).
fn render_summary(
    version: VersionFamily,
    shape: Shape,
    options: &ImportOptions,
    s: &Summary,
) -> Response {
    let mut summary = json!({
        "responseType": "ImportSummary",
        "status": s.status.as_str(),
        "importOptions": options.to_json(),
        "description": s.description,
        "importCount": {
            "imported": s.imported,
            "updated": s.updated,
            "ignored": s.ignored,
            "deleted": s.deleted,
        },
        "conflicts": s.conflicts,
        "dataSetComplete": s.data_set_complete.clone().unwrap_or_else(|| "false".to_string()),
    });
    if version != VersionFamily::V2_37 {
        summary["rejectedIndexes"] = json!(s.rejected);
    }
    match shape {
        Shape::Bare => Response::json(200, &summary),
        Shape::Wrapped { warning_409 } => {
            let (code, status, message) = match s.status {
                ImportStatus::Success => (200, "OK", "Import was successful."),
                ImportStatus::Warning if warning_409 => (
                    409,
                    "WARNING",
                    "One more conflicts encountered, please check import summary.",
                ),
                ImportStatus::Warning => (
                    200,
                    "WARNING",
                    "Import completed with warnings, please check import summary.",
                ),
                ImportStatus::Error => (
                    409,
                    "ERROR",
                    "An error occurred, please check import summary.",
                ),
            };
            Response::json(
                code,
                &json!({
                    "httpStatus": http::reason_phrase(code),
                    "httpStatusCode": code,
                    "status": status,
                    "message": message,
                    "response": summary,
                }),
            )
        }
    }
}

/// The answer to a body that is not a readable data value set (see the module notes).
fn malformed(
    version: VersionFamily,
    shape: Shape,
    options: &ImportOptions,
    error: &str,
) -> Response {
    if version == VersionFamily::V2_43 {
        return web_message(400, "ERROR", &format!("Invalid JSON payload: {error}"));
    }
    let summary = Summary {
        status: ImportStatus::Error,
        description: format!("The import process failed: {error}"),
        ..Summary::default()
    };
    render_summary(version, shape, options, &summary)
}

// ---------------------------------------------------------------------------
// The command line.
// ---------------------------------------------------------------------------

/// `cli-sim mock dhis2`: run the simulated DHIS2 in the foreground.
#[derive(Debug, Clone, clap::Args)]
pub struct MockDhis2Args {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The DHIS2 version to answer like: 2.37, 2.40 or 2.43 (other 2.x map to their family).
    #[arg(long = "dhis2-version", default_value = "2.40")]
    pub dhis2_version: VersionFamily,
    /// Faults of the HTTP layer.
    #[command(flatten)]
    pub faults: crate::cli::FaultArgs,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Extra personal access tokens to accept (`Authorization: ApiToken …`).
    #[arg(long = "token")]
    pub tokens: Vec<String>,
    /// Do not inflate gzip bodies (like a server that does not sniff them).
    #[arg(long)]
    pub no_gzip: bool,
    /// Answer uncompressed even to clients that accept gzip (a server with
    /// no compressing proxy in front).
    #[arg(long)]
    pub plain_answers: bool,
    /// Captive portal and hostile answers.
    #[command(flatten)]
    pub hostile: crate::cli::HostileArgs,
    /// The form definitions folder the metadata is made from.
    #[arg(long)]
    pub forms: PathBuf,
    /// The facility map the org units are made from.
    #[arg(long)]
    pub facilities: PathBuf,
}

/// Runs the simulated DHIS2 with `config` (its metadata, made by the
/// caller from `args.forms` and `args.facilities`) until the process is
/// interrupted (Ctrl-C), printing its URL and credentials. The user and
/// password come from `DHIS2_MOCK_USER` / `DHIS2_MOCK_PASSWORD` when set
/// (the password is then not printed), `admin` / `district` otherwise.
pub fn run_cli(args: MockDhis2Args, mut config: Dhis2MockConfig) -> std::io::Result<()> {
    let env_user = std::env::var("DHIS2_MOCK_USER")
        .ok()
        .filter(|u| !u.is_empty());
    let env_password = std::env::var("DHIS2_MOCK_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let password_from_env = env_password.is_some();
    let user = env_user.unwrap_or_else(|| "admin".to_string());
    let password = env_password.unwrap_or_else(|| "district".to_string());
    config.users = vec![(user.clone(), password.clone())];
    config.tokens = args.tokens.clone();
    config.version = args.dhis2_version;
    config.gzip = !args.no_gzip;
    config.gzip_responses = !args.plain_answers;
    config.seed = args.seed;
    let mock = Dhis2Mock::start(config, args.port)?;
    mock.faults()
        .set(args.faults.config(&args.hostile, args.seed));
    println!(
        "Simulated DHIS2 {} listening on {}",
        args.dhis2_version.version_string(),
        mock.url()
    );
    println!("user: {user}");
    if password_from_env {
        println!("password: (from DHIS2_MOCK_PASSWORD)");
    } else {
        println!("password: {password}");
    }
    println!(
        "faults: POST {0}/__admin/faults, stats: GET {0}/__admin/stats; Ctrl-C stops.",
        mock.url()
    );
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_into_families() {
        assert_eq!("2.37".parse::<VersionFamily>(), Ok(VersionFamily::V2_37));
        assert_eq!("2.41.2".parse::<VersionFamily>(), Ok(VersionFamily::V2_40));
        assert_eq!("2.44".parse::<VersionFamily>(), Ok(VersionFamily::V2_43));
        assert!("3.0".parse::<VersionFamily>().is_err());
    }

    #[test]
    fn value_types_follow_dhis2() {
        assert!(check_value("INTEGER_ZERO_OR_POSITIVE", "0").is_ok());
        assert!(check_value("INTEGER_ZERO_OR_POSITIVE", "12").is_ok());
        assert!(check_value("INTEGER_ZERO_OR_POSITIVE", "-1").is_err());
        assert!(check_value("INTEGER_ZERO_OR_POSITIVE", "012").is_err());
        assert!(check_value("INTEGER_ZERO_OR_POSITIVE", "1.5").is_err());
        assert!(check_value("INTEGER", "-0").is_err());
        assert!(check_value("NUMBER", "1.5e3").is_ok());
        assert!(check_value("NUMBER", "NaN").is_err());
        assert_eq!(check_value("BOOLEAN", "T"), Ok("true".to_string()));
        assert!(check_value("DATE", "2026-02-30").is_err());
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(
            base64_decode("YWRtaW46ZGlzdHJpY3Q=").unwrap(),
            b"admin:district"
        );
        assert_eq!(
            base64_decode("YWRtaW46ZGlzdHJpY3Q").unwrap(),
            b"admin:district"
        );
        assert!(base64_decode("a b").is_none());
    }

    #[test]
    fn expiry_and_future_periods_lock_as_the_contract_says() {
        let mut ds = MockDataSet::new("pBOMPrpg1QX", PeriodType::Monthly, &[], Vec::new());
        ds.expiry_days = 10.0;
        let jan = Period::parse("202401").unwrap();
        let at = |d: &str| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
        };
        assert_eq!(lock_of(&ds, &jan, at("2024-02-10")), None);
        assert_eq!(lock_of(&ds, &jan, at("2024-02-11")), Some(Lock::Expired));
        let current = Period::parse("202402").unwrap();
        assert_eq!(lock_of(&ds, &current, at("2024-02-11")), None);
        let next = Period::parse("202403").unwrap();
        assert_eq!(
            lock_of(&ds, &next, at("2024-02-11")),
            Some(Lock::Future("202402".to_string()))
        );
        ds.open_future_periods = 1;
        assert_eq!(lock_of(&ds, &next, at("2024-02-11")), None);
    }

    #[test]
    fn derived_uids_are_uids() {
        let u = derived_uid('C', "VzUrrrUaR46");
        assert_eq!(u, "CzUrrrUaR46");
        assert!(is_dhis2_uid(&derived_uid('U', "a")));
    }
}
