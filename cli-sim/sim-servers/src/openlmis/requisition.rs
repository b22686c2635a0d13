//! The simulated openlmis-requisition (§6.4, §7): periods for initiate,
//! initiate, read, update, submit, authorize, approve, search and delete,
//! with the calculated columns of §7.3, stock-based templates (§7.4) and the
//! physical-inventory event of §7.5.

use super::OpenLmisMock;
use super::refdata::Reference;
use super::stock::{get_int, key};
use super::{
    CONSUMED_REASON_ID, IDEMPOTENCY_TTL, MAX_IDEMPOTENCY_KEYS, MAX_REQUISITIONS, MockPeriod,
    RECEIPTS_REASON_ID, Service, State, derived_uuid, field_errors, is_uuid, iso_time, json_body,
    message, page, parse_error,
};
use crate::http::{LOSE_ANSWER_HEADER, Request, Response};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

/// A requisition status (§7.1 step 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Initiated,
    Rejected,
    Submitted,
    Authorized,
    Approved,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Initiated => "INITIATED",
            Status::Rejected => "REJECTED",
            Status::Submitted => "SUBMITTED",
            Status::Authorized => "AUTHORIZED",
            Status::Approved => "APPROVED",
        }
    }

    /// Before authorization: still editable by the facility and shown by
    /// `periodsForInitiate` (§7.1).
    fn pre_authorize(self) -> bool {
        matches!(
            self,
            Status::Initiated | Status::Rejected | Status::Submitted
        )
    }
}

/// One requisition line item; the letters are the column indicators of §7.2.
#[derive(Debug, Clone)]
struct ReqLine {
    id: String,
    orderable: String,
    orderable_version: i64,
    approved_product: String,
    max_periods: f64,
    a: Option<i64>,
    b: Option<i64>,
    c: Option<i64>,
    d: Option<i64>,
    e: Option<i64>,
    x: Option<i64>,
    j: Option<i64>,
    w: Option<String>,
    remarks: Option<String>,
    y: Option<i64>,
    n: Option<i64>,
    p: Option<i64>,
    h: Option<i64>,
    i: Option<i64>,
    adjustments: Vec<(String, i64)>,
    skipped: bool,
    /// N of this orderable in the previous periods' requisitions, oldest
    /// first, at most `numberOfPeriodsToAverage - 1` of them (§7.2
    /// `previousAdjustedConsumptions`), filled at initiate.
    prev_n: Vec<i64>,
}

/// What the simulated requisition service enforces from the contract. Each
/// rule can be switched off to show that a test fails on the behaviour of a
/// server (or an agent) without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequisitionRules {
    /// The template's `numberOfPeriodsToAverage` (§7.3): P = ceil(mean of N
    /// over this period and up to this many minus one previous periods).
    /// OpenLMIS templates need at least 2; 1 makes P = N.
    pub periods_to_average: u32,
    /// Submit refuses a line whose requested quantity differs from the
    /// calculated order quantity the server computed, without an
    /// explanation (§7.2).
    pub explanation_rule: bool,
    /// The `Idempotency-Key` is stored before the work and stays spent when
    /// the request then fails (§6.4). `false`: a request that fails frees
    /// its key again.
    pub keys_spent_by_failures: bool,
}

impl Default for RequisitionRules {
    /// The contract's behaviour: two periods averaged, the explanation
    /// rule, keys spent by failures.
    fn default() -> Self {
        RequisitionRules {
            periods_to_average: 2,
            explanation_rule: true,
            keys_spent_by_failures: true,
        }
    }
}

/// A failure scripted for the next keyed requisition request of one kind
/// (`initiate` or `submit`), after its `Idempotency-Key` is stored (§6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFault {
    /// The key is stored, then the work fails: 500, nothing done.
    ServerErrorAfterKey,
    /// The key is stored, the work fails, and the answer is lost (the
    /// socket closes without a byte).
    LostAnswerAfterKey,
    /// The work is done and its answer is lost.
    LostAnswerAfterWork,
}

/// A stored requisition.
#[derive(Debug, Clone)]
pub(super) struct Requisition {
    id: String,
    seq: u64,
    facility: String,
    program: String,
    period: MockPeriod,
    emergency: bool,
    status: Status,
    version: u64,
    created: DateTime<Utc>,
    modified: String,
    stock_based: bool,
    draft_status_message: Option<String>,
    date_physical: Option<NaiveDate>,
    lines: Vec<ReqLine>,
    history: Vec<(Status, String)>,
    /// The template's `numberOfPeriodsToAverage` when it was initiated.
    periods_to_average: u32,
}

/// Every requisition and the remembered idempotency keys.
#[derive(Debug, Default)]
pub(super) struct Store {
    by_id: HashMap<String, Requisition>,
    keys: HashMap<String, Instant>,
    key_order: VecDeque<(String, Instant)>,
    seq: u64,
    rules: RequisitionRules,
    key_faults: VecDeque<(String, KeyFault)>,
}

impl Store {
    /// Every requisition in creation order.
    pub fn all(&self) -> impl Iterator<Item = &Requisition> {
        let mut v: Vec<&Requisition> = self.by_id.values().collect();
        v.sort_by_key(|r| r.seq);
        v.into_iter()
    }

    /// The regular requisition of a facility, program and period.
    fn regular(&self, facility: &str, program: &str, period: &str) -> Option<&Requisition> {
        self.by_id.values().find(|r| {
            !r.emergency && r.facility == facility && r.program == program && r.period.id == period
        })
    }
}

/// `ceil(a / b)` for a ≥ 0, b > 0.
fn div_ceil(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// The signed sum of stock adjustments (+ for CREDIT reasons, − otherwise).
fn adjustments_total(refs: &Reference, adjustments: &[(String, i64)]) -> i64 {
    adjustments
        .iter()
        .map(|(r, q)| {
            if refs.reason(r).is_some_and(|r| r.is_credit()) {
                *q
            } else {
                -q
            }
        })
        .sum()
}

impl ReqLine {
    /// The calculated columns (§7.3, null counted as 0): E = A + B + D − C
    /// (non-stock-based only; a stock-based E comes from the cards), Y = A +
    /// B, N = ceil(C × M·30 / (M·30 − X)), P = ceil(mean of N over the
    /// previous periods' N and this one), H = round(P × maxPeriodsOfStock),
    /// I = max(0, H − E).
    fn calculate(&mut self, refs: &Reference, months: i64, stock_based: bool) {
        let v = |x: Option<i64>| x.unwrap_or(0);
        if !stock_based {
            if !self.adjustments.is_empty() {
                self.d = Some(adjustments_total(refs, &self.adjustments));
            }
            self.e = Some(v(self.a) + v(self.b) + v(self.d) - v(self.c));
        }
        self.y = Some(v(self.a) + v(self.b));
        let c = v(self.c);
        let x = v(self.x);
        let days = months * 30;
        let n = if c <= 0 || x <= 0 || x >= days {
            c
        } else {
            div_ceil(c * days, days - x)
        };
        self.n = Some(n);
        // P = ceil(mean(N of the previous periods and this one)).
        let count = self.prev_n.len() as i64 + 1;
        let sum = self.prev_n.iter().sum::<i64>() + n;
        self.p = Some(if sum <= 0 { 0 } else { div_ceil(sum, count) });
        let n = self.p.unwrap_or(0);
        let h = (n as f64 * self.max_periods).round() as i64;
        self.h = Some(h);
        self.i = Some((h - v(self.e)).max(0));
    }
}

/// A column of the template's `columnsMap`.
fn column(
    name: &str,
    label: &str,
    indicator: &str,
    order: u32,
    source: &str,
    tag: Option<&str>,
) -> Value {
    json!({
        "name": name,
        "label": label,
        "indicator": indicator,
        "displayOrder": order,
        "isDisplayed": true,
        "source": source,
        "option": null,
        "tag": tag,
        "definition": label,
        "columnDefinition": {
            "id": derived_uuid(&["column", name]),
            "name": name,
            "label": label,
            "indicator": indicator,
            "columnType": if name == "requestedQuantityExplanation" || name == "remarks" {
                "TEXT"
            } else if name == "skipped" {
                "BOOLEAN"
            } else {
                "NUMERIC"
            },
            "supportsTag": tag.is_some(),
        },
    })
}

/// The template of a program: every column displayed; stock-based (§7.4) or
/// with user-input A, B, C, D, X and a calculated E.
fn template_json(program: &str, stock_based: bool, periods_to_average: u32) -> Value {
    let (user, stock) = ("USER_INPUT", "STOCK_CARDS");
    let pick = |s: &'static str| if stock_based { stock } else { s };
    let tag = |t: &'static str| if stock_based { Some(t) } else { None };
    let columns = [
        column("skipped", "Skip", "S", 1, user, None),
        column(
            "beginningBalance",
            "Beginning balance",
            "A",
            2,
            pick(user),
            None,
        ),
        column(
            "totalReceivedQuantity",
            "Total received quantity",
            "B",
            3,
            pick(user),
            tag("received"),
        ),
        column(
            "totalConsumedQuantity",
            "Total consumed quantity",
            "C",
            4,
            pick(user),
            tag("consumed"),
        ),
        column(
            "totalLossesAndAdjustments",
            "Total losses and adjustments",
            "D",
            5,
            pick(user),
            tag("adjustment"),
        ),
        column(
            "stockOnHand",
            "Stock on hand",
            "E",
            6,
            pick("CALCULATED"),
            None,
        ),
        column(
            "totalStockoutDays",
            "Total stockout days",
            "X",
            7,
            pick(user),
            None,
        ),
        column("total", "Total", "Y", 8, "CALCULATED", None),
        column(
            "adjustedConsumption",
            "Adjusted consumption",
            "N",
            9,
            "CALCULATED",
            None,
        ),
        column(
            "averageConsumption",
            "Average consumption",
            "P",
            10,
            "CALCULATED",
            None,
        ),
        column(
            "maximumStockQuantity",
            "Maximum stock quantity",
            "H",
            11,
            "CALCULATED",
            None,
        ),
        column(
            "calculatedOrderQuantity",
            "Calculated order quantity",
            "I",
            12,
            "CALCULATED",
            None,
        ),
        column(
            "requestedQuantity",
            "Requested quantity",
            "J",
            13,
            user,
            None,
        ),
        column(
            "requestedQuantityExplanation",
            "Requested quantity explanation",
            "W",
            14,
            user,
            None,
        ),
        column("remarks", "Remarks", "L", 15, user, None),
    ];
    let mut map = serde_json::Map::new();
    for c in columns {
        if let Some(name) = c["name"].as_str() {
            map.insert(name.to_string(), c.clone());
        }
    }
    json!({
        "id": derived_uuid(&["template", program, if stock_based { "stock" } else { "plain" }]),
        "name": if stock_based { "Stock based" } else { "Default" },
        "program": {"id": program},
        "numberOfPeriodsToAverage": periods_to_average,
        "populateStockOnHandFromStockCards": stock_based,
        "columnsMap": map,
    })
}

/// `W/"3"`, `W/3`, `"3"` or `3` → `3`.
fn etag_version(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    s.trim_matches('"').to_string()
}

/// The `http://host` a request was sent to (for `Location`).
fn base_url(req: &Request) -> String {
    format!("http://{}", req.header("host").unwrap_or("localhost"))
}

fn rq(status: u16, key: &str, text: &str) -> Response {
    message(status, &format!("requisition.error.{key}"), text)
}

fn not_found(id: &str) -> Response {
    rq(
        404,
        "requisitionNotFound",
        &format!("Requisition with id {id} was not found"),
    )
}

/// A field error of the `requisitionLineItems` map entry.
fn line_error(key: &str, text: String) -> (String, String, String) {
    (
        "requisitionLineItems".to_string(),
        format!("requisition.error.validation.{key}"),
        text,
    )
}

impl Service {
    /// The full requisition as `GET /api/requisitions/{id}` shows it.
    pub(super) fn requisition_json(&self, r: &Requisition) -> Value {
        let refs = &self.refs;
        let lines: Vec<Value> = r
            .lines
            .iter()
            .map(|l| {
                let adjustments: Vec<Value> = l
                    .adjustments
                    .iter()
                    .map(|(reason, q)| json!({"reasonId": reason, "quantity": q}))
                    .collect();
                json!({
                    "id": l.id,
                    "orderable": {"id": l.orderable, "versionNumber": l.orderable_version},
                    "approvedProduct": {"id": l.approved_product, "versionNumber": 1},
                    "beginningBalance": l.a,
                    "totalReceivedQuantity": l.b,
                    "totalConsumedQuantity": l.c,
                    "totalLossesAndAdjustments": l.d,
                    "stockAdjustments": adjustments,
                    "stockOnHand": l.e,
                    "totalStockoutDays": l.x,
                    "requestedQuantity": l.j,
                    "requestedQuantityExplanation": l.w,
                    "approvedQuantity": null,
                    "remarks": l.remarks,
                    "total": l.y,
                    "adjustedConsumption": l.n,
                    "previousAdjustedConsumptions": l.prev_n,
                    "averageConsumption": l.p,
                    "maximumStockQuantity": l.h,
                    "calculatedOrderQuantity": l.i,
                    "idealStockAmount": null,
                    "calculatedOrderQuantityIsa": null,
                    "maxPeriodsOfStock": l.max_periods,
                    "skipped": l.skipped,
                })
            })
            .collect();
        let type_id = refs.facility(&r.facility).map(|f| f.type_id.clone());
        let reasons: Vec<Value> = refs
            .valid_reasons
            .iter()
            .filter(|v| v.program == r.program && Some(&v.facility_type) == type_id.as_ref())
            .filter_map(|v| refs.reason(&v.reason))
            .map(|reason| {
                let mut j = Reference::reason_json(reason);
                j["hidden"] = json!(false);
                j
            })
            .collect();
        let available: Vec<Value> = type_id
            .as_deref()
            .map(|t| refs.approved_for(t, &r.program))
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                json!({
                    "id": a.orderable,
                    "versionNumber": refs.orderable(&a.orderable).map_or(1, |o| o.version),
                })
            })
            .collect();
        let history: Vec<Value> = r
            .history
            .iter()
            .map(|(s, at)| json!({"status": s.as_str(), "createdDate": at}))
            .collect();
        json!({
            "id": r.id,
            "createdDate": iso_time(r.created),
            "modifiedDate": r.modified,
            "status": r.status.as_str(),
            "emergency": r.emergency,
            "reportOnly": false,
            "facility": {"id": r.facility},
            "program": {"id": r.program},
            "processingPeriod": {
                "id": r.period.id,
                "name": r.period.name,
                "startDate": r.period.start.to_string(),
                "endDate": r.period.end.to_string(),
                "durationInMonths": r.period.months(),
            },
            "supplyingFacility": null,
            "template": template_json(&r.program, r.stock_based, r.periods_to_average),
            "draftStatusMessage": r.draft_status_message,
            "datePhysicalStockCountCompleted": r.date_physical.map(|d| d.to_string()),
            "requisitionLineItems": lines,
            "stockAdjustmentReasons": reasons,
            "availableProducts": available,
            "statusChanges": history,
            "extraData": {},
        })
    }

    /// The basic requisition of searches and status changes.
    fn basic_json(&self, r: &Requisition) -> Value {
        let f = self.refs.facility(&r.facility);
        let p = self.refs.program(&r.program);
        json!({
            "id": r.id,
            "status": r.status.as_str(),
            "emergency": r.emergency,
            "reportOnly": false,
            "createdDate": iso_time(r.created),
            "modifiedDate": r.modified,
            "facility": {
                "id": r.facility,
                "code": f.map(|f| f.code.clone()),
                "name": f.map(|f| f.name.clone()),
            },
            "program": {
                "id": r.program,
                "code": p.map(|p| p.code.clone()),
                "name": p.map(|p| p.name.clone()),
            },
            "processingPeriod": {
                "id": r.period.id,
                "name": r.period.name,
                "startDate": r.period.start.to_string(),
                "endDate": r.period.end.to_string(),
            },
            "extraData": {},
        })
    }

    /// A full requisition response with its `ETag` (§7.1 step 3).
    fn with_etag(&self, status: u16, r: &Requisition) -> Response {
        Response::json(status, &self.requisition_json(r))
            .with_header("ETag", &format!("W/\"{}\"", r.version))
    }

    /// The `Idempotency-Key` check of §6.4: a malformed key → 400, a key
    /// seen in the last 24 h → 409 (without `Location`); otherwise the key
    /// is stored now, before the work, so a request that then fails burns
    /// it. Returns whether a key was given.
    fn check_idempotency_key(st: &mut State, req: &Request) -> Result<bool, Response> {
        let Some(k) = req.header("idempotency-key") else {
            return Ok(false);
        };
        let k = k.trim().to_ascii_lowercase();
        if !is_uuid(&k) {
            return Err(rq(
                400,
                "validation.idempotencyKey.wrongFormat",
                "Idempotency key has wrong format: it must be a UUID.",
            ));
        }
        let now = Instant::now();
        let store = &mut st.requisitions;
        while let Some((old, at)) = store.key_order.front().cloned() {
            if now.duration_since(at) >= IDEMPOTENCY_TTL
                || store.key_order.len() >= MAX_IDEMPOTENCY_KEYS
            {
                store.key_order.pop_front();
                if store.keys.get(&old) == Some(&at) {
                    store.keys.remove(&old);
                }
            } else {
                break;
            }
        }
        if store
            .keys
            .get(&k)
            .is_some_and(|at| now.duration_since(*at) < IDEMPOTENCY_TTL)
        {
            return Err(rq(
                409,
                "validation.idempotencyKey.alreadyUsed",
                "The same request for this resource has already been sent.",
            ));
        }
        store.keys.insert(k.clone(), now);
        store.key_order.push_back((k, now));
        Ok(true)
    }

    /// Fills the stock-sourced columns of a stock-based line (§7.4): A = SOH
    /// on the day before the period and E = SOH at its end (only when
    /// `initial`), B/C/D = the `received`/`consumed`/`adjustment` tag
    /// totals of the period (C positive), X = stock-out days (at most 30 per
    /// month).
    fn fill_from_stock(&self, st: &State, r: &Requisition, l: &mut ReqLine, initial: bool) {
        let k = key(&r.facility, &r.program, &l.orderable);
        let (start, end) = (r.period.start, r.period.end);
        if initial {
            let before = start.checked_sub_days(Days::new(1)).unwrap_or(start);
            l.a = Some(st.ledger.soh_as_of(&k, before));
            l.e = Some(st.ledger.soh_as_of(&k, end));
        }
        let tags = st.ledger.tag_sums(&self.refs, &k, Some(start), Some(end));
        let tag = |t: &str| tags.get(t).copied().unwrap_or(0);
        l.b = Some(tag("received"));
        l.c = Some(-tag("consumed"));
        l.d = Some(tag("adjustment"));
        l.x = Some(
            st.ledger
                .stockout_days(&k, start, end)
                .min(30 * r.period.months()),
        );
    }

    /// `GET /api/requisitions/periodsForInitiate?programId=&facilityId=&emergency=`
    /// (§7.1 step 1): the schedule's periods, with the requisition of those
    /// whose requisition is still before authorization; periods whose
    /// requisition is authorized or later are left out.
    pub(super) fn periods_for_initiate(&self, req: &Request) -> Response {
        let (Some(program), Some(facility)) =
            (req.query_param("programId"), req.query_param("facilityId"))
        else {
            return rq(
                400,
                "periodsForInitiate.missingParameters",
                "programId and facilityId are required",
            );
        };
        if !self.refs.facility_supports(facility, program) {
            return rq(
                400,
                "facilityDoesNotSupportProgram",
                &format!("Facility {facility} does not support program {program}"),
            );
        }
        let emergency = req.query_param("emergency") == Some("true");
        let st = self.lock();
        let today = st.today();
        let mut out = Vec::new();
        for p in self.refs.periods_of(program) {
            if emergency && !(p.start <= today && today <= p.end) {
                continue;
            }
            let mut v = Reference::period_json(p);
            if !emergency {
                match st.requisitions.regular(facility, program, &p.id) {
                    Some(r) if r.status.pre_authorize() => {
                        v["requisitionId"] = json!(r.id);
                        v["requisitionStatus"] = json!(r.status.as_str());
                    }
                    Some(_) => continue,
                    None => {}
                }
            }
            out.push(v);
        }
        Response::json(200, &json!(out))
    }

    /// `POST /api/requisitions/initiate?program=&facility=&emergency=[&suggestedPeriod=]`
    /// (§7.1 step 2, §6.4), with the scripted key faults and the
    /// key-spending rule of [`RequisitionRules`].
    pub(super) fn initiate(&self, req: &Request) -> Response {
        self.keyed("initiate", req, |s| s.initiate_work(req))
    }

    /// Runs a keyed request (`initiate` or `submit`): a scripted
    /// [`KeyFault`] for it, or the work; a failed one frees its key when
    /// the rules say keys are not spent by failures.
    fn keyed(&self, action: &str, req: &Request, work: impl FnOnce(&Self) -> Response) -> Response {
        let has_key = req.header("idempotency-key").is_some();
        let fault = {
            let mut st = self.lock();
            let q = &mut st.requisitions.key_faults;
            match q.front() {
                Some((a, _)) if has_key && a == action => q.pop_front().map(|(_, f)| f),
                _ => None,
            }
        };
        let lost = |r: Response| r.with_header(LOSE_ANSWER_HEADER, "1");
        let failed_after_key = |st: &mut State| -> Result<(), Response> {
            Self::check_idempotency_key(st, req).map(|_| ())
        };
        let response = match fault {
            Some(KeyFault::ServerErrorAfterKey) | Some(KeyFault::LostAnswerAfterKey) => {
                let mut st = self.lock();
                if let Err(r) = failed_after_key(&mut st) {
                    return r;
                }
                let r = Response::json(
                    500,
                    &json!({"message": "The requisition could not be processed", "description": "A service the requisition service depends on failed"}),
                );
                if fault == Some(KeyFault::LostAnswerAfterKey) {
                    lost(r)
                } else {
                    r
                }
            }
            Some(KeyFault::LostAnswerAfterWork) => lost(work(self)),
            None => work(self),
        };
        let failed = response.status >= 400 && response.status != 409;
        if failed {
            let mut st = self.lock();
            if !st.requisitions.rules.keys_spent_by_failures
                && let Some(k) = req.header("idempotency-key")
            {
                st.requisitions.keys.remove(&k.trim().to_ascii_lowercase());
            }
        }
        response
    }

    fn initiate_work(&self, req: &Request) -> Response {
        let (Some(program), Some(facility), Some(emergency)) = (
            req.query_param("program"),
            req.query_param("facility"),
            req.query_param("emergency"),
        ) else {
            return rq(
                400,
                "initiate.missingParameters",
                "program, facility and emergency are required",
            );
        };
        let emergency = emergency == "true";
        let mut st = self.lock();
        let keyed = match Self::check_idempotency_key(&mut st, req) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let Some(f) = self.refs.facility(facility) else {
            return rq(
                400,
                "facilityNotFound",
                &format!("Facility {facility} was not found"),
            );
        };
        if self.refs.program(program).is_none() {
            return rq(
                400,
                "programNotFound",
                &format!("Program {program} was not found"),
            );
        }
        if !self.refs.facility_supports(facility, program) {
            return rq(
                400,
                "facilityDoesNotSupportProgram",
                &format!("Facility {facility} does not support program {program}"),
            );
        }
        let periods = self.refs.periods_of(program);
        let today = st.today();
        let period = match req.query_param("suggestedPeriod") {
            // Used as given since requisition 8.3.9 (§7.1 step 2).
            Some(id) => match periods.iter().find(|p| p.id == id) {
                Some(p) => (*p).clone(),
                None => {
                    return rq(
                        400,
                        "initiate.incorrectSuggestedPeriod",
                        &format!("Period {id} is not a period of this program's schedule"),
                    );
                }
            },
            None if emergency => {
                match periods.iter().find(|p| p.start <= today && today <= p.end) {
                    Some(p) => (*p).clone(),
                    None => {
                        return rq(
                            400,
                            "initiate.periodShouldBeOldestAndNotAssociated",
                            "There is no current period for an emergency requisition",
                        );
                    }
                }
            }
            None => {
                let free = periods
                    .iter()
                    .position(|p| st.requisitions.regular(facility, program, &p.id).is_none());
                let Some(i) = free else {
                    return rq(
                        400,
                        "initiate.periodShouldBeOldestAndNotAssociated",
                        "Every period of the schedule already has a requisition",
                    );
                };
                if i > 0
                    && st
                        .requisitions
                        .regular(facility, program, &periods[i - 1].id)
                        .is_some_and(|r| r.status.pre_authorize())
                {
                    return rq(
                        400,
                        "initiate.finishPreviousRequisition",
                        "The requisition of the previous period must be authorized first",
                    );
                }
                periods[i].clone()
            }
        };
        if !emergency
            && st
                .requisitions
                .regular(facility, program, &period.id)
                .is_some()
        {
            return rq(
                400,
                "duplication",
                "Requisition already exists for the given facility, program and period.",
            );
        }
        if st.requisitions.by_id.len() >= MAX_REQUISITIONS {
            return Response::json(
                500,
                &json!({"message": "The simulated server's storage is full"}),
            );
        }
        let stock_based = self.refs.stock_based.contains(program);
        let now = st.now();
        st.requisitions.seq += 1;
        let mut r = Requisition {
            id: st.uuid(),
            seq: st.requisitions.seq,
            facility: facility.to_string(),
            program: program.to_string(),
            period,
            emergency,
            status: Status::Initiated,
            version: 1,
            created: now,
            modified: iso_time(now),
            stock_based,
            draft_status_message: None,
            date_physical: None,
            lines: Vec::new(),
            history: vec![(Status::Initiated, iso_time(now))],
            periods_to_average: st.requisitions.rules.periods_to_average.max(1),
        };
        if !emergency {
            // A = the previous period's E for a non-stock-based template (§7.3).
            let previous_e = periods
                .iter()
                .position(|p| p.id == r.period.id)
                .filter(|i| *i > 0)
                .and_then(|i| {
                    st.requisitions
                        .regular(facility, program, &periods[i - 1].id)
                })
                .map(|prev| {
                    prev.lines
                        .iter()
                        .map(|l| (l.orderable.clone(), l.e))
                        .collect::<BTreeMap<String, Option<i64>>>()
                })
                .unwrap_or_default();
            // N of each orderable in up to numberOfPeriodsToAverage − 1
            // previous periods that have a requisition, oldest first (§7.3).
            let here = periods
                .iter()
                .position(|p| p.id == r.period.id)
                .unwrap_or(0);
            let wanted = r.periods_to_average.saturating_sub(1) as usize;
            let previous: Vec<&Requisition> = periods[..here]
                .iter()
                .rev()
                .filter_map(|p| st.requisitions.regular(facility, program, &p.id))
                .take(wanted)
                .collect();
            let mut prev_n: BTreeMap<String, Vec<i64>> = BTreeMap::new();
            for q in previous.iter().rev() {
                for l in &q.lines {
                    if let Some(n) = l.n {
                        prev_n.entry(l.orderable.clone()).or_default().push(n);
                    }
                }
            }
            for a in self.refs.approved_for(&f.type_id, program) {
                let k = key(facility, program, &a.orderable);
                // Upstream skips products without stock data (§7.4).
                if stock_based && !st.ledger.has_card(&k) {
                    continue;
                }
                let mut line = ReqLine {
                    id: st.uuid(),
                    orderable: a.orderable.clone(),
                    orderable_version: self.refs.orderable(&a.orderable).map_or(1, |o| o.version),
                    approved_product: a.id.clone(),
                    max_periods: a.max_periods,
                    a: Some(previous_e.get(&a.orderable).copied().flatten().unwrap_or(0)),
                    b: None,
                    c: None,
                    d: None,
                    e: None,
                    x: None,
                    j: None,
                    w: None,
                    remarks: None,
                    y: None,
                    n: None,
                    p: None,
                    h: None,
                    i: None,
                    adjustments: Vec::new(),
                    skipped: false,
                    prev_n: prev_n.get(&a.orderable).cloned().unwrap_or_default(),
                };
                if stock_based {
                    self.fill_from_stock(&st, &r, &mut line, true);
                }
                line.calculate(&self.refs, r.period.months(), stock_based);
                r.lines.push(line);
            }
        }
        let mut response = self.with_etag(201, &r);
        if keyed {
            response = response.with_header(
                "Location",
                &format!("{}/api/requisitions/{}", base_url(req), r.id),
            );
        }
        st.requisitions.by_id.insert(r.id.clone(), r);
        response
    }

    /// `GET /api/requisitions/{id}` with `ETag: W/"<version>"`.
    pub(super) fn get_requisition(&self, id: &str) -> Response {
        let st = self.lock();
        match st.requisitions.by_id.get(id) {
            Some(r) => self.with_etag(200, r),
            None => not_found(id),
        }
    }

    /// `GET /api/requisitions/search?facility=&program=&processingPeriod=
    /// &emergency=[&requisitionStatus=…]` (a page of basic requisitions).
    pub(super) fn search_requisitions(&self, req: &Request) -> Response {
        let facility = req.query_param("facility");
        let program = req.query_param("program");
        let period = req.query_param("processingPeriod");
        let emergency = req.query_param("emergency").map(|e| e == "true");
        let statuses = req.query_params("requisitionStatus");
        let st = self.lock();
        let items: Vec<Value> = st
            .requisitions
            .all()
            .filter(|r| facility.is_none_or(|f| r.facility == f))
            .filter(|r| program.is_none_or(|p| r.program == p))
            .filter(|r| period.is_none_or(|p| r.period.id == p))
            .filter(|r| emergency.is_none_or(|e| r.emergency == e))
            .filter(|r| statuses.is_empty() || statuses.contains(&r.status.as_str()))
            .map(|r| self.basic_json(r))
            .collect();
        Response::json(200, &page(req, items))
    }

    /// `DELETE /api/requisitions/{id}`: allowed while INITIATED, REJECTED or
    /// SUBMITTED (and SKIPPED upstream, §7.1 step 6; periods cannot be
    /// skipped here); 204.
    pub(super) fn delete_requisition(&self, id: &str) -> Response {
        let mut st = self.lock();
        let Some(r) = st.requisitions.by_id.get(id) else {
            return not_found(id);
        };
        if !r.status.pre_authorize() {
            return rq(
                400,
                "badStatus.delete",
                &format!("A {} requisition cannot be deleted", r.status.as_str()),
            );
        }
        st.requisitions.by_id.remove(id);
        Response::empty(204)
    }

    /// `PUT /api/requisitions/{id}` with the whole requisition (§7.1 step 4).
    pub(super) fn put_requisition(&self, req: &Request, id: &str) -> Response {
        let body = match json_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut st = self.lock();
        let Some(stored) = st.requisitions.by_id.get(id) else {
            return not_found(id);
        };
        let mut r = stored.clone();
        if !matches!(
            r.status,
            Status::Initiated | Status::Rejected | Status::Submitted | Status::Authorized
        ) {
            return rq(
                400,
                "update.canNotUpdateWithStatus",
                &format!("A {} requisition cannot be updated", r.status.as_str()),
            );
        }
        if let Some(tag) = req.header("if-match")
            && etag_version(tag) != r.version.to_string()
        {
            return rq(
                409,
                "validation.versionMismatch",
                "The requisition was changed since it was read (version mismatch).",
            );
        }
        let override_date = req.query_param("override") == Some("true");
        if let Some(m) = body.get("modifiedDate").and_then(Value::as_str)
            && m != r.modified
            && !override_date
        {
            return Response::json(
                409,
                &json!({
                    "messageKey": "requisition.error.validation.dateModifiedMismatch",
                    "message": "The requisition was modified since it was read (modifiedDate mismatch).",
                }),
            );
        }
        if let Some(body_id) = body.get("id").and_then(Value::as_str)
            && body_id != id
        {
            return rq(
                400,
                "idMismatch",
                "The id in the body does not match the id in the path",
            );
        }
        match self.apply_update(&st, &mut r, &body) {
            Ok(Ok(())) => {}
            Ok(Err(errors)) => return field_errors(&errors),
            Err(text) => return parse_error(req, &text),
        }
        r.version += 1;
        r.modified = iso_time(st.now());
        let response = self.with_etag(200, &r);
        st.requisitions.by_id.insert(r.id.clone(), r);
        response
    }

    /// Applies a PUT body to a copy of the requisition: invariants, user
    /// input, the stock-based rules of §7.4, the formulas of §7.3 and the
    /// requested-quantity rule. The outer error is a binding error, the
    /// inner one the field-error list.
    #[allow(clippy::type_complexity)]
    fn apply_update(
        &self,
        st: &State,
        r: &mut Requisition,
        body: &Value,
    ) -> Result<Result<(), Vec<(String, String, String)>>, String> {
        let mut errors: Vec<(String, String, String)> = Vec::new();
        let invariant = |errors: &mut Vec<(String, String, String)>, field: &str, ok: bool| {
            if !ok {
                errors.push((
                    field.to_string(),
                    "requisition.error.validation.isInvariant".to_string(),
                    format!("{field} cannot be changed"),
                ));
            }
        };
        let id_of = |v: &Value, field: &str| v.get(field).map(|x| x.get("id").cloned());
        if let Some(f) = id_of(body, "facility") {
            invariant(&mut errors, "facility", f == Some(json!(r.facility)));
        }
        if let Some(p) = id_of(body, "program") {
            invariant(&mut errors, "program", p == Some(json!(r.program)));
        }
        if let Some(p) = id_of(body, "processingPeriod") {
            invariant(
                &mut errors,
                "processingPeriod",
                p == Some(json!(r.period.id)),
            );
        }
        if let Some(s) = body.get("status") {
            invariant(&mut errors, "status", *s == json!(r.status.as_str()));
        }
        if let Some(e) = body.get("emergency") {
            invariant(&mut errors, "emergency", *e == json!(r.emergency));
        }
        if let Some(m) = body.get("draftStatusMessage") {
            r.draft_status_message = m.as_str().map(str::to_string);
        }
        match body.get("datePhysicalStockCountCompleted") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > st.today() => errors.push((
                    "datePhysicalStockCountCompleted".to_string(),
                    "requisition.error.validation.datePhysicalStockCountCompleted.inFuture"
                        .to_string(),
                    format!("The physical stock count date {d} is in the future"),
                )),
                Ok(d) => r.date_physical = Some(d),
                Err(_) => return Err(format!("{s} is not a date")),
            },
            Some(v) => return Err(format!("{v} is not a date")),
        }
        let type_id = self
            .refs
            .facility(&r.facility)
            .map(|f| f.type_id.clone())
            .unwrap_or_default();
        if let Some(items) = body.get("requisitionLineItems") {
            let Some(items) = items.as_array() else {
                return Err("requisitionLineItems must be an array".to_string());
            };
            let mut by_orderable: BTreeMap<String, &Value> = BTreeMap::new();
            for item in items {
                let Some(o) = item
                    .get("orderable")
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_str)
                else {
                    return Err("every line item needs orderable.id".to_string());
                };
                by_orderable.insert(o.to_string(), item);
            }
            for o in by_orderable.keys() {
                if !r.lines.iter().any(|l| &l.orderable == o) {
                    errors.push((
                        "requisitionLineItems".to_string(),
                        "requisition.error.lineItem.added".to_string(),
                        format!("A line for orderable {o} cannot be added"),
                    ));
                }
            }
            for l in &mut r.lines {
                let Some(item) = by_orderable.get(&l.orderable) else {
                    errors.push((
                        "requisitionLineItems".to_string(),
                        "requisition.error.lineItem.removed".to_string(),
                        format!("The line for orderable {} cannot be removed", l.orderable),
                    ));
                    continue;
                };
                self.update_line(r.stock_based, &r.program, &type_id, l, item, &mut errors)?;
            }
        }
        let months = r.period.months();
        if r.stock_based {
            // §7.4: B, C, D, X and P are recomputed on every save; A and E are not.
            let snapshot = r.clone();
            for l in &mut r.lines {
                self.fill_from_stock(st, &snapshot, l, false);
            }
        }
        for l in &mut r.lines {
            l.calculate(&self.refs, months, r.stock_based);
        }
        Ok(if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        })
    }

    /// Applies one line item of a PUT body.
    #[allow(clippy::too_many_arguments)]
    fn update_line(
        &self,
        stock_based: bool,
        program: &str,
        type_id: &str,
        l: &mut ReqLine,
        item: &Value,
        errors: &mut Vec<(String, String, String)>,
    ) -> Result<(), String> {
        let o = l.orderable.clone();
        let stock_fields: [(&str, Option<i64>); 6] = [
            ("beginningBalance", l.a),
            ("totalReceivedQuantity", l.b),
            ("totalConsumedQuantity", l.c),
            ("totalLossesAndAdjustments", l.d),
            ("stockOnHand", l.e),
            ("totalStockoutDays", l.x),
        ];
        if stock_based {
            for (field, stored) in stock_fields {
                if item.get(field).is_some() && get_int(item, field)? != stored {
                    errors.push(line_error(
                        "stockBased.valueModified",
                        format!(
                            "Line of orderable {o}: {field} comes from the stock cards and cannot be changed"
                        ),
                    ));
                }
            }
        } else {
            let mut read = |field: &str, slot: &mut Option<i64>| -> Result<(), String> {
                if item.get(field).is_some() {
                    let v = get_int(item, field)?;
                    if v.is_some_and(|v| v < 0) {
                        errors.push(line_error(
                            "mustBeNonNegative",
                            format!("Line of orderable {o}: {field} must not be negative"),
                        ));
                    }
                    *slot = v;
                }
                Ok(())
            };
            read("beginningBalance", &mut l.a)?;
            read("totalReceivedQuantity", &mut l.b)?;
            read("totalConsumedQuantity", &mut l.c)?;
            read("totalStockoutDays", &mut l.x)?;
            if item.get("totalLossesAndAdjustments").is_some() {
                l.d = get_int(item, "totalLossesAndAdjustments")?;
            }
            if let Some(adjs) = item.get("stockAdjustments") {
                let mut list = Vec::new();
                for adj in adjs.as_array().map(Vec::as_slice).unwrap_or_default() {
                    let reason = adj
                        .get("reasonId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let q = get_int(adj, "quantity")?.unwrap_or(0);
                    if !self.refs.reason_is_valid(program, type_id, &reason) {
                        errors.push(line_error(
                            "reasonNotInRequisitionReasonList",
                            format!("Line of orderable {o}: reason {reason} is not a valid reason"),
                        ));
                    }
                    if q < 0 {
                        errors.push(line_error(
                            "stockAdjustmentNonNegative",
                            format!("Line of orderable {o}: stock adjustment quantities must not be negative"),
                        ));
                    }
                    list.push((reason, q));
                }
                l.adjustments = list;
            }
            // E is calculated: when the client sends A, B, C, D and E they
            // must agree with E = A + B + D − C (§7.3).
            let d = if l.adjustments.is_empty() {
                l.d
            } else {
                Some(adjustments_total(&self.refs, &l.adjustments))
            };
            if item.get("stockOnHand").is_some()
                && let (Some(a), Some(b), Some(c), Some(d), Some(e)) =
                    (l.a, l.b, l.c, d, get_int(item, "stockOnHand")?)
                && e != a + b + d - c
            {
                errors.push(line_error(
                    "valueDoesNotMatchCalculatedValue",
                    format!(
                        "Line of orderable {o}: stockOnHand {e} is not beginningBalance + totalReceivedQuantity + totalLossesAndAdjustments - totalConsumedQuantity = {}",
                        a + b + d - c
                    ),
                ));
            }
        }
        if item.get("requestedQuantity").is_some() {
            l.j = get_int(item, "requestedQuantity")?;
            if l.j.is_some_and(|j| j < 0) {
                errors.push(line_error(
                    "mustBeNonNegative",
                    format!("Line of orderable {o}: requestedQuantity must not be negative"),
                ));
            }
        }
        if let Some(w) = item.get("requestedQuantityExplanation") {
            l.w = w.as_str().map(str::to_string);
        }
        if let Some(rm) = item.get("remarks") {
            l.remarks = rm.as_str().map(str::to_string);
        }
        if let Some(s) = item.get("skipped").and_then(Value::as_bool) {
            l.skipped = s;
        }
        Ok(())
    }

    /// `POST /api/requisitions/{id}/submit|authorize|approve` and `PUT
    /// /api/requisitions/{id}/reject` (§7.1 steps 5-6, §6.4): 200 with the
    /// basic requisition (and `Location` when an `Idempotency-Key` was
    /// given). Reject sends an AUTHORIZED requisition back to REJECTED.
    pub(super) fn change_status(&self, req: &Request, id: &str, action: &str) -> Response {
        if action == "submit" {
            self.keyed("submit", req, |s| s.change_status_work(req, id, action))
        } else {
            self.change_status_work(req, id, action)
        }
    }

    fn change_status_work(&self, req: &Request, id: &str, action: &str) -> Response {
        let mut st = self.lock();
        let Some(r) = st.requisitions.by_id.get(id) else {
            return not_found(id);
        };
        let (status, emergency, end) = (r.status, r.emergency, r.period.end);
        let keyed = match Self::check_idempotency_key(&mut st, req) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let wrong = match action {
            "submit" if !matches!(status, Status::Initiated | Status::Rejected) => Some((
                "submit.mustBeInitiatedToBeSubmitted",
                "Only an INITIATED or REJECTED requisition can be submitted",
            )),
            "authorize" if status != Status::Submitted => Some((
                "authorize.mustBeSubmittedToBeAuthorize",
                "Only a SUBMITTED requisition can be authorized",
            )),
            "approve" if status != Status::Authorized => Some((
                "approve.requisitionMustBeAuthorized",
                "Only an AUTHORIZED requisition can be approved",
            )),
            "reject" if status != Status::Authorized => Some((
                "reject.requisitionMustBeWaitingForApproval",
                "Only a requisition waiting for approval can be rejected",
            )),
            _ => None,
        };
        if let Some((key, text)) = wrong {
            return rq(400, key, &format!("{text} (it is {})", status.as_str()));
        }
        // Regular requisitions wait for the end of their period (§7.1 step 5).
        if !emergency && action != "reject" && end > st.today() {
            return rq(
                400,
                "approve.errorPeriodEndDateWrong",
                &format!("The period ends on {end}; the requisition cannot be processed before"),
            );
        }
        if action == "submit"
            && let Some(r) = st.requisitions.by_id.get(id)
            && !r.stock_based
        {
            let missing: Vec<(String, String, String)> = r
                .lines
                .iter()
                .filter(|l| !l.skipped)
                .filter(|l| l.a.is_none() || l.b.is_none() || l.c.is_none() || l.x.is_none())
                .map(|l| {
                    line_error(
                        "valueMustBeEntered",
                        format!(
                            "Line of orderable {}: beginningBalance, totalReceivedQuantity, totalConsumedQuantity and totalStockoutDays must be entered",
                            l.orderable
                        ),
                    )
                })
                .collect();
            if !missing.is_empty() {
                return field_errors(&missing);
            }
            // §7.2: a requested quantity that differs from the calculated
            // order quantity (as this server computes it) needs an explanation.
            if st.requisitions.rules.explanation_rule {
                let unexplained: Vec<(String, String, String)> = r
                    .lines
                    .iter()
                    .filter(|l| !l.skipped)
                    .filter_map(|l| {
                        let j = l.j?;
                        let unexplained = Some(j) != l.i
                            && l.w.as_deref().is_none_or(|w| w.trim().is_empty());
                        unexplained.then(|| line_error(
                            "requestedQuantityExplanationRequired",
                            format!(
                                "Line of orderable {}: requestedQuantity {j} differs from calculatedOrderQuantity {}, so requestedQuantityExplanation is required",
                                l.orderable,
                                l.i.unwrap_or(0)
                            ),
                        ))
                    })
                    .collect();
                if !unexplained.is_empty() {
                    return field_errors(&unexplained);
                }
            }
        }
        let result = match action {
            "submit" => Self::set_status(&mut st, id, Status::Submitted),
            "authorize" => Self::set_status(&mut st, id, Status::Authorized),
            "reject" => Self::set_status(&mut st, id, Status::Rejected),
            _ => self.approve(&mut st, id),
        };
        if let Err(r) = result {
            return r;
        }
        let Some(r) = st.requisitions.by_id.get(id) else {
            return not_found(id);
        };
        let mut response = Response::json(200, &self.basic_json(r));
        if keyed {
            response = response.with_header(
                "Location",
                &format!("{}/api/requisitions/{}", base_url(req), r.id),
            );
        }
        response
    }

    fn set_status(st: &mut State, id: &str, status: Status) -> Result<(), Response> {
        let now = iso_time(st.now());
        let r = st
            .requisitions
            .by_id
            .get_mut(id)
            .ok_or_else(|| not_found(id))?;
        r.status = status;
        r.version += 1;
        r.modified = now.clone();
        r.history.push((status, now));
        Ok(())
    }

    /// Approves a requisition. A regular one with a non-stock-based template
    /// first posts the physical-inventory stock event of §7.5 (quantity = E,
    /// `stockAdjustments` = C as Consumed, B as Receipts and each loss or
    /// adjustment, on `datePhysicalStockCountCompleted` or the period end);
    /// when stockmanagement rejects it the approval fails with that error.
    pub(super) fn approve(&self, st: &mut State, id: &str) -> Result<(), Response> {
        let r = st
            .requisitions
            .by_id
            .get(id)
            .cloned()
            .ok_or_else(|| not_found(id))?;
        if r.status == Status::Approved {
            return Ok(());
        }
        if !r.stock_based && !r.emergency {
            let occurred = r.date_physical.unwrap_or(r.period.end).to_string();
            let lines: Vec<Value> = r
                .lines
                .iter()
                .filter(|l| !l.skipped)
                .map(|l| {
                    let mut adjustments = Vec::new();
                    if let Some(c) = l.c.filter(|c| *c > 0) {
                        adjustments.push(json!({"reasonId": CONSUMED_REASON_ID, "quantity": c}));
                    }
                    if let Some(b) = l.b.filter(|b| *b > 0) {
                        adjustments.push(json!({"reasonId": RECEIPTS_REASON_ID, "quantity": b}));
                    }
                    for (reason, q) in &l.adjustments {
                        adjustments.push(json!({"reasonId": reason, "quantity": q}));
                    }
                    json!({
                        "orderableId": l.orderable,
                        "quantity": l.e.unwrap_or(0),
                        "occurredDate": occurred,
                        "stockAdjustments": adjustments,
                    })
                })
                .collect();
            if !lines.is_empty() {
                let body = json!({
                    "facilityId": r.facility,
                    "programId": r.program,
                    "lineItems": lines,
                });
                // Posted with the service's own client token: no home-facility check.
                self.process_event(st, &body, None)
                    .map_err(super::stock::EventError::into_response)?;
            }
        }
        Self::set_status(st, id, Status::Approved)
    }
}

/// Switches of the simulated requisition service, for tests.
impl OpenLmisMock {
    /// Sets the rules new requisitions and requests follow (see
    /// [`RequisitionRules`]); a requisition keeps the
    /// `numberOfPeriodsToAverage` it was initiated with.
    pub fn set_requisition_rules(&self, rules: RequisitionRules) {
        self.service.lock().requisitions.rules = rules;
    }

    /// The rules in force.
    pub fn requisition_rules(&self) -> RequisitionRules {
        self.service.lock().requisitions.rules
    }

    /// Scripts a failure for the next keyed request of this kind
    /// (`"initiate"` or `"submit"`); faults are used in the order given.
    pub fn script_key_fault(&self, action: &str, fault: KeyFault) {
        self.service
            .lock()
            .requisitions
            .key_faults
            .push_back((action.to_string(), fault));
    }

    /// Faults scripted and not used yet.
    pub fn pending_key_faults(&self) -> usize {
        self.service.lock().requisitions.key_faults.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjusted_consumption_follows_the_formula() {
        let refs = Reference::new(&super::super::OpenLmisMockConfig::default());
        let mut l = ReqLine {
            id: String::new(),
            orderable: String::new(),
            orderable_version: 1,
            approved_product: String::new(),
            max_periods: 3.0,
            a: Some(100),
            b: Some(50),
            c: Some(90),
            d: Some(-5),
            e: None,
            x: Some(10),
            j: None,
            w: None,
            remarks: None,
            y: None,
            n: None,
            p: None,
            h: None,
            i: None,
            adjustments: Vec::new(),
            skipped: false,
            prev_n: Vec::new(),
        };
        l.calculate(&refs, 1, false);
        assert_eq!(l.e, Some(55));
        assert_eq!(l.y, Some(150));
        // ceil(90 × 30 / 20) = 135.
        assert_eq!(l.n, Some(135));
        assert_eq!(l.h, Some(405));
        assert_eq!(l.i, Some(350));
        l.x = Some(30);
        l.calculate(&refs, 1, false);
        assert_eq!(l.n, Some(90));
    }

    #[test]
    fn etags_parse_in_every_spelling() {
        for s in ["W/\"3\"", "W/3", "\"3\"", "3", " W/\"3\" "] {
            assert_eq!(etag_version(s), "3", "{s}");
        }
    }
}
