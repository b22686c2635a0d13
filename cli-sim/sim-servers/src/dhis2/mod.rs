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
    /// Its `translations`, as DHIS2 gives them: (property `NAME`,
    /// `FORM_NAME` or `SHORT_NAME`, locale, value).
    pub translations: Vec<(String, String, String)>,
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
            translations: Vec::new(),
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
    /// Org unit codes by uid (org units without one have no `code`).
    pub org_unit_codes: BTreeMap<String, String>,
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
            org_unit_codes: BTreeMap::new(),
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
                    translations: Vec::new(),
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
    org_unit_codes: BTreeMap<String, String>,
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
            org_unit_codes: config.org_unit_codes.clone(),
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

mod cli;
mod completions;
mod import;
mod locks;
mod metadata;
mod world;

pub use cli::{MockDhis2Args, run_cli};
use import::{
    ImportOptions, ImportStatus, Payload, RawRow, RawValue, Shape, Summary, import_new, import_old,
    malformed, render_summary,
};
use locks::{Lock, timeliness};
pub use world::{DIFFERING_DATA_SET, DIFFERING_ORG_UNITS};

#[cfg(test)]
mod tests {
    use super::import::check_value;
    use super::locks::lock_of;
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
