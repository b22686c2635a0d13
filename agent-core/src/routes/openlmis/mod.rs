//! The OpenLMIS route, pure parts: reference data checks, stock-event
//! bodies (a physical count per form, with the movements as stock
//! adjustments; corrections as differences), requisition aggregation of
//! monthly forms into the LMIS period, and reading OpenLMIS answers.
//!
//! Contract: `../shared/contracts/openlmis/README.md` (schemas copied in
//! `agent-core/tests/fixtures/openlmis`).

use crate::model::draft::{Draft, StockEntry};
use crate::model::form::{FormDefinition, Movement, ReasonNames};
use crate::model::mapping::Facility;
// The formulas of contract §7.3, one implementation shared with the
// resupply advice.
pub use crate::model::resupply::{
    adjusted_consumption, average_consumption, calculated_order_quantity,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A stock card line item reason, as the LMIS knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonInfo {
    pub id: String,
    pub name: String,
    /// `CREDIT` or `DEBIT`.
    pub reason_type: String,
    /// `ADJUSTMENT`, `TRANSFER`, ...
    pub category: String,
    /// Tags (`consumed`, `received`, ...).
    pub tags: Vec<String>,
}

/// What the agent needs to know about one facility and program in the LMIS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefData {
    /// The facility id, found by its code.
    pub facility_id: Option<String>,
    /// The facility type id (valid reasons depend on it).
    pub facility_type_id: Option<String>,
    /// Programs the facility supports.
    pub supported_programs: Vec<String>,
    /// The program's code.
    pub program_code: Option<String>,
    /// Orderables by product code: (id, version).
    pub orderables: BTreeMap<String, (String, i64)>,
    /// Orderable ids approved for the facility type and program, with maxPeriodsOfStock.
    pub approved: BTreeMap<String, f64>,
    /// Valid reasons for the program and facility type.
    pub reasons: Vec<ReasonInfo>,
    /// Processing periods: (id, start, end).
    pub periods: Vec<(String, chrono::NaiveDate, chrono::NaiveDate)>,
    /// The product codes asked for when this was fetched (found or not): a
    /// cached copy is fetched again only for a product not asked for then.
    #[serde(default)]
    pub asked_products: Vec<String>,
}

/// Reads the valid reasons answer (a bare array of assignments); an
/// assignment of another shape, hidden, or without a reason id is left out.
pub fn parse_valid_reasons(v: &Value) -> Vec<ReasonInfo> {
    let assignments: Vec<dto::ValidReason> = match v {
        Value::Array(_) => dto::page_items(v),
        _ => Vec::new(),
    };
    assignments
        .into_iter()
        .filter(|a| !a.hidden.unwrap_or(false))
        .filter_map(|a| {
            let r = a.reason?;
            Some(ReasonInfo {
                id: r.id?,
                name: r.name.unwrap_or_default(),
                reason_type: r.reason_type.unwrap_or_default(),
                category: r.reason_category.unwrap_or_default(),
                tags: r.tags,
            })
        })
        .collect()
}

/// The items of a Spring page (`content`) or of a bare array.
pub fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o
            .get("content")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => vec![],
    }
}

/// Finds the reason for each movement. Problems name the reason and what is wrong.
pub fn resolve_reasons(
    names: &ReasonNames,
    valid: &[ReasonInfo],
) -> (BTreeMap<Movement, String>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for m in Movement::ALL {
        let wanted = names.name(m);
        let found = valid
            .iter()
            .find(|r| r.id == wanted || r.name.eq_ignore_ascii_case(wanted))
            // A default name missing from the LMIS falls back to the tag the
            // default stands for; a name the implementer chose does not.
            .or_else(|| match (m, wanted == ReasonNames::default().name(m)) {
                (Movement::Consumed, true) => valid
                    .iter()
                    .find(|r| r.tags.iter().any(|t| t == "consumed")),
                (Movement::Received, true) => valid
                    .iter()
                    .find(|r| r.tags.iter().any(|t| t == "received")),
                _ => None,
            });
        match found {
            Some(r) if (r.reason_type == "CREDIT") == m.is_credit() => {
                out.insert(m, r.id.clone());
            }
            Some(r) => problems.push(format!(
                "the reason '{}' chosen for {} is a {} in the LMIS, but {} needs a {}",
                r.name,
                m.words(),
                r.reason_type,
                m.words(),
                if m.is_credit() { "CREDIT" } else { "DEBIT" }
            )),
            None => {
                // The reasons the LMIS has in the right direction, closest
                // first, so the implementer can choose one.
                let same_way: Vec<crate::model::matching::Entry> = valid
                    .iter()
                    .filter(|r| (r.reason_type == "CREDIT") == m.is_credit())
                    .map(|r| crate::model::matching::Entry {
                        id: r.id.clone(),
                        code: None,
                        name: r.name.clone(),
                    })
                    .collect();
                let candidates: Vec<String> = crate::model::matching::ranked(wanted, &same_way)
                    .into_iter()
                    .map(|c| format!("'{}'", c.entry.name))
                    .collect();
                problems.push(format!(
                    "the LMIS has no valid reason '{wanted}' for {} at this facility type and program; set lmis.reasons.{} in the form definition to one of the LMIS's {} reasons here, closest first: {}",
                    m.words(),
                    crate::model::matching::movement_key(m),
                    if m.is_credit() { "credit" } else { "debit" },
                    if candidates.is_empty() { "(none)".to_string() } else { candidates.join(", ") }
                ))
            }
        }
    }
    (out, problems)
}

/// Checks a form and a facility against the LMIS's reference data; every
/// problem names the item.
pub fn check_reference(def: &FormDefinition, facility: &Facility, r: &RefData) -> Vec<String> {
    let mut out = Vec::new();
    let Some(lmis) = &def.lmis else { return out };
    let code = facility.lmis_facility_code.as_deref().unwrap_or("");
    match (&r.facility_id, &facility.lmis_facility_id) {
        (None, _) => out.push(format!("facility {}: the LMIS has no facility with code {code}", facility.code)),
        (Some(found), Some(mapped)) if found != mapped => out.push(format!(
            "facility {}: the facility map says LMIS id {mapped}, but the LMIS gives {found} for code {code}",
            facility.code
        )),
        _ => {}
    }
    if r.facility_id.is_some() && !r.supported_programs.contains(&lmis.program_id) {
        out.push(format!(
            "facility {}: the LMIS facility {code} does not support program {}",
            facility.code, lmis.program_id
        ));
    }
    if let (Some(expected), Some(found)) = (&lmis.program_code, &r.program_code)
        && expected != found
    {
        out.push(format!(
            "form {}: program {} is {found} in the LMIS, not {expected}",
            def.id, lmis.program_id
        ));
    }
    for p in &def.products {
        match r.orderables.get(p.lmis_code()) {
            None => out.push(format!(
                "product {}: the LMIS has no product with code {}",
                p.code,
                p.lmis_code()
            )),
            Some((id, _)) if *id != p.lmis_orderable_id => out.push(format!(
                "product {}: the form says orderable {}, but the LMIS product {} is {id}",
                p.code,
                p.lmis_orderable_id,
                p.lmis_code()
            )),
            Some((id, _)) if !r.approved.is_empty() && !r.approved.contains_key(id) => {
                out.push(format!(
                    "product {}: {} is not approved for this facility type in the program",
                    p.code,
                    p.lmis_code()
                ))
            }
            _ => {}
        }
    }
    let (_, reason_problems) =
        resolve_reasons(&lmis.reasons.clone().unwrap_or_default(), &r.reasons);
    out.extend(reason_problems);
    out
}

/// The stock adjustments that explain one product's movements.
fn adjustments(
    e: &StockEntry,
    base: Option<&StockEntry>,
    reasons: &BTreeMap<Movement, String>,
) -> Result<Vec<(String, i64)>, String> {
    let get =
        |x: Option<&StockEntry>, f: fn(&StockEntry) -> Option<i64>| x.and_then(f).unwrap_or(0);
    let cur = Some(e);
    let deltas: [(i64, Movement, Movement); 4] = [
        (
            get(cur, |x| x.consumed) - get(base, |x| x.consumed),
            Movement::Consumed,
            Movement::CreditCorrection,
        ),
        (
            get(cur, |x| x.received) - get(base, |x| x.received),
            Movement::Received,
            Movement::DebitCorrection,
        ),
        (
            get(cur, |x| x.losses) - get(base, |x| x.losses),
            Movement::Losses,
            Movement::CreditCorrection,
        ),
        (
            get(cur, |x| x.adjustments) - get(base, |x| x.adjustments),
            Movement::PositiveAdjustment,
            Movement::NegativeAdjustment,
        ),
    ];
    let mut out: Vec<(String, i64)> = Vec::new();
    for (d, up, down) in deltas {
        if d == 0 {
            continue;
        }
        let m = if d > 0 { up } else { down };
        let id = reasons
            .get(&m)
            .ok_or_else(|| format!("no LMIS reason is set up for a {}", m.words()))?;
        match out.iter_mut().find(|(r, _)| r == id) {
            Some((_, q)) => *q += d.abs(),
            None => out.push((id.clone(), d.abs())),
        }
    }
    Ok(out)
}

/// Everything a stock event is built from.
#[derive(Debug, Clone)]
pub struct EventInput<'a> {
    /// The LMIS facility id.
    pub facility_id: &'a str,
    /// The form.
    pub def: &'a FormDefinition,
    /// The revision being delivered.
    pub current: &'a Draft,
    /// The revision the LMIS already holds (a correction sends differences from it).
    pub delivered: Option<&'a Draft>,
    /// The event's `resourceId`: stable per submission and revision, and the
    /// marker the look-up finds on the stock card lines (in `documentNumber`).
    pub resource_id: &'a str,
    /// `occurredDate`: the period's last day, clamped to the server's today.
    pub occurred_date: chrono::NaiveDate,
    /// Reason ids by movement.
    pub reasons: &'a BTreeMap<Movement, String>,
    /// The readable part of `documentNumber` (facility, period, revision);
    /// the body's `documentNumber` is this, a space and the `resourceId`.
    pub document_number: &'a str,
}

/// The `documentNumber` of an event: its readable label, a space and the
/// marker (the event's `resourceId`). OpenLMIS copies `documentNumber` onto
/// every stock card line the event writes (contract §5.1, §5.3), so the
/// look-up finds the marker there, once per event instead of once per line.
pub fn document_number(label: &str, marker: &str) -> String {
    format!("{label} {marker}")
}

/// Whether a stock card line (contract §5.3) was written by the event with
/// this marker: its `documentNumber` ends with the marker as a word, or (for
/// events sent by versions before issue 14) its `extraData.agentEvent` is
/// the marker.
pub(crate) fn line_carries_marker(line: &dto::StockCardLine, marker: &str) -> bool {
    if marker.is_empty() {
        return false;
    }
    let by_document = line
        .document_number
        .as_deref()
        .and_then(|d| d.rsplit(' ').next())
        == Some(marker);
    by_document
        || line
            .extra_data
            .as_ref()
            .and_then(|x| x.agent_event.as_deref())
            == Some(marker)
}

/// A physical-count stock event for a form (contract §5.1, §6.2): per
/// product, quantity = closing balance (absolute stock on hand) and the
/// movements as `stockAdjustments`; for a correction, only the differences
/// from the delivered revision. The marker for look-ups is in
/// `documentNumber` (see [`document_number`]), not on each line. Err: the correction cannot be expressed with
/// the reasons the LMIS has, and must be made in the LMIS itself.
pub fn stock_event(i: &EventInput<'_>) -> Result<Value, String> {
    let lmis = i.def.lmis.as_ref().ok_or("the form has no LMIS part")?;
    let mut lines = Vec::new();
    for p in &i.def.products {
        let Some(e) = i.current.stock.get(&p.code) else {
            continue;
        };
        let Some(close) = e.closing_balance else {
            continue;
        };
        let base = i.delivered.and_then(|d| d.stock.get(&p.code));
        let adj = adjustments(e, base, i.reasons).map_err(|why| format!("{}: {why}", p.name))?;
        let mut line = json!({
            "orderableId": p.lmis_orderable_id,
            "quantity": close,
            "occurredDate": i.occurred_date.to_string(),
        });
        // Adjustments only where there are some (non-zero ones): the
        // field is optional (§5.1), an empty list is bytes for nothing.
        if !adj.is_empty()
            && let Some(o) = line.as_object_mut()
        {
            o.insert(
                "stockAdjustments".into(),
                adj.iter()
                    .map(|(r, q)| json!({"reasonId": r, "quantity": q}))
                    .collect(),
            );
        }
        lines.push(line);
    }
    Ok(json!({
        "facilityId": i.facility_id,
        "programId": lmis.program_id,
        "resourceId": i.resource_id,
        "signature": crate::net::http::AGENT_NAME,
        "documentNumber": document_number(i.document_number, i.resource_id),
        "lineItems": lines,
    }))
}

/// One line of a requisition, aggregated from the monthly forms of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequisitionLine {
    pub orderable_id: String,
    /// A: the first month's opening balance.
    pub beginning_balance: i64,
    /// B: sum received.
    pub total_received_quantity: i64,
    /// C: sum consumed.
    pub total_consumed_quantity: i64,
    /// D: sum of adjustments (+ credits, − debits), losses included.
    pub total_losses_and_adjustments: i64,
    /// The adjustments by reason.
    pub stock_adjustments: Vec<(String, i64)>,
    /// E: the last month's closing balance.
    pub stock_on_hand: i64,
    /// X: sum of stock-out days.
    pub total_stockout_days: i64,
    /// J: the quantity requested.
    pub requested_quantity: Option<i64>,
    /// The quantity the health post asked for in its last monthly report,
    /// if it did (J is this, or the calculated order quantity).
    pub user_requested: Option<i64>,
    /// N: adjusted consumption (contract §7.3).
    pub adjusted_consumption: i64,
    /// P: average consumption over the template's periods (contract §7.3).
    pub average_consumption: i64,
    /// W: why the request differs from the calculated order quantity.
    pub requested_quantity_explanation: Option<String>,
    /// I: the calculated order quantity (contract §7.3), for the explanation.
    pub calculated_order_quantity: i64,
}

/// The LMIS's own inputs to a requisition's formulas, read from the
/// requisition it returned (contract §7.2, §7.3): the template's
/// `numberOfPeriodsToAverage`, each line's `previousAdjustedConsumptions`
/// (the earlier periods' N as the LMIS holds them) and `maxPeriodsOfStock`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LmisInputs {
    /// The template's number of periods to average (1 when not given).
    pub periods_to_average: usize,
    /// Earlier periods' N by orderable id, oldest first.
    pub previous: BTreeMap<String, Vec<i64>>,
    /// maxPeriodsOfStock by orderable id, where the line shows it.
    pub max_periods: BTreeMap<String, f64>,
}

/// Reads [`LmisInputs`] from a requisition body.
pub fn lmis_inputs(body: &Value) -> LmisInputs {
    let r = dto::Requisition::of(body);
    let periods_to_average = r
        .template
        .and_then(|t| t.number_of_periods_to_average)
        .map_or(1, |n| n.clamp(1, 100) as usize);
    let mut out = LmisInputs {
        periods_to_average,
        ..LmisInputs::default()
    };
    for item in r.requisition_line_items {
        let Some(o) = item.orderable.and_then(|o| o.id) else {
            continue;
        };
        if let Some(m) = item.max_periods_of_stock {
            out.max_periods.insert(o.clone(), m);
        }
        out.previous.insert(o, item.previous_adjusted_consumptions);
    }
    out
}

/// The calculated order quantity I of each line as the LMIS computed it
/// (`calculatedOrderQuantity` of a requisition it returned).
pub fn lmis_order_quantities(body: &Value) -> BTreeMap<String, i64> {
    dto::Requisition::of(body)
        .requisition_line_items
        .into_iter()
        .filter_map(|item| Some((item.orderable?.id?, item.calculated_order_quantity?)))
        .collect()
}

/// Sets each line's calculated order quantity to the LMIS's, its requested
/// quantity to the health post's request (or that quantity when it asked
/// for none) and the explanation the LMIS requires whenever the two differ
/// (contract §7.2). Returns whether any requested quantity or explanation
/// changed (the requisition must then be written again).
pub fn explain_against(lines: &mut [RequisitionLine], lmis: &BTreeMap<String, i64>) -> bool {
    let mut changed = false;
    for l in lines {
        let Some(&i) = lmis.get(&l.orderable_id) else {
            continue;
        };
        l.calculated_order_quantity = i;
        let j = l.user_requested.unwrap_or(i);
        let w = explanation(j, i);
        if l.requested_quantity != Some(j) || l.requested_quantity_explanation != w {
            changed = true;
        }
        l.requested_quantity = Some(j);
        l.requested_quantity_explanation = w;
    }
    changed
}

fn explanation(requested: i64, calculated: i64) -> Option<String> {
    (requested != calculated).then(|| {
        format!("Requested by the health post in its monthly report: {requested} (calculated: {calculated})")
    })
}

/// What identifies the content of aggregated lines, without the quantities
/// the LMIS calculates: A, B, C, D (and reasons), E, X and the health post's
/// request. Two passes over the same monthly forms give the same text.
pub fn content_fingerprint(lines: &[RequisitionLine]) -> String {
    let v: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!([
                l.orderable_id,
                l.beginning_balance,
                l.total_received_quantity,
                l.total_consumed_quantity,
                l.total_losses_and_adjustments,
                l.stock_adjustments,
                l.stock_on_hand,
                l.total_stockout_days,
                l.user_requested
            ])
        })
        .collect();
    Value::Array(v).to_string()
}

/// Whether a requisition read from the LMIS (`body`) holds exactly the
/// recorded counts of `lines` (A, B, C, D, E and X of each product, contract
/// §7.2): the same forms, sent by another device this outbox was exported
/// to (issue 17). A line missing, or any count different: false.
pub fn holds_counts_of(body: &Value, lines: &[RequisitionLine]) -> bool {
    let items = dto::Requisition::of(body).requisition_line_items;
    !lines.is_empty()
        && lines.iter().all(|l| {
            items.iter().any(|it| {
                it.orderable.as_ref().and_then(|o| o.id.as_deref()) == Some(l.orderable_id.as_str())
                    && it.beginning_balance == Some(l.beginning_balance)
                    && it.total_received_quantity == Some(l.total_received_quantity)
                    && it.total_consumed_quantity == Some(l.total_consumed_quantity)
                    && it.total_losses_and_adjustments == Some(l.total_losses_and_adjustments)
                    && it.stock_on_hand == Some(l.stock_on_hand)
                    && it.total_stockout_days == Some(l.total_stockout_days)
            })
        })
}

/// Aggregates the monthly forms of one LMIS period (sorted by month) into
/// requisition lines. Gaps between a month's closing and the next month's
/// opening (recounts) become adjustments, so E = A + B + D − C holds.
/// `months_in_period` is M of the formulas (the LMIS period's months, not
/// the number of months recorded: a partial period sent without a month
/// still counts all of them); `lmis` the LMIS's own inputs for P and H
/// (`maxPeriodsOfStock` from the requisition, else `max_periods_of_stock`
/// from reference data, else 3).
pub fn aggregate(
    def: &FormDefinition,
    months: &[&Draft],
    months_in_period: i64,
    reasons: &BTreeMap<Movement, String>,
    max_periods_of_stock: &BTreeMap<String, f64>,
    lmis: &LmisInputs,
) -> Result<Vec<RequisitionLine>, String> {
    let mut out = Vec::new();
    let n_months = months_in_period.max(1);
    for p in &def.products {
        let entries: Vec<&StockEntry> =
            months.iter().filter_map(|d| d.stock.get(&p.code)).collect();
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            continue;
        };
        let mut adj: BTreeMap<String, i64> = BTreeMap::new();
        let mut d_total = 0i64;
        let mut add = |m: Movement, q: i64, d_total: &mut i64| -> Result<(), String> {
            if q == 0 {
                return Ok(());
            }
            let id = reasons
                .get(&m)
                .ok_or_else(|| format!("{}: no LMIS reason is set up for {}", p.name, m.words()))?;
            *adj.entry(id.clone()).or_insert(0) += q;
            *d_total += if m.is_credit() { q } else { -q };
            Ok(())
        };
        let mut prev_close: Option<i64> = None;
        for e in &entries {
            if let (Some(pc), Some(open)) = (prev_close, e.opening_balance) {
                let gap = open - pc;
                if gap > 0 {
                    add(Movement::PositiveAdjustment, gap, &mut d_total)?;
                } else if gap < 0 {
                    add(Movement::NegativeAdjustment, -gap, &mut d_total)?;
                }
            }
            add(Movement::Losses, e.losses.unwrap_or(0), &mut d_total)?;
            let a = e.adjustments.unwrap_or(0);
            if a > 0 {
                add(Movement::PositiveAdjustment, a, &mut d_total)?;
            } else if a < 0 {
                add(Movement::NegativeAdjustment, -a, &mut d_total)?;
            }
            prev_close = e.closing_balance;
        }
        let c: i64 = entries.iter().map(|e| e.consumed.unwrap_or(0)).sum();
        let x: i64 = entries.iter().map(|e| e.stockout_days.unwrap_or(0)).sum();
        let soh = last.closing_balance.unwrap_or(0);
        let n = adjusted_consumption(c, n_months, x);
        let previous = lmis
            .previous
            .get(&p.lmis_orderable_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let avg = average_consumption(n, previous, lmis.periods_to_average);
        let mps = lmis
            .max_periods
            .get(&p.lmis_orderable_id)
            .or_else(|| max_periods_of_stock.get(&p.lmis_orderable_id))
            .copied()
            .unwrap_or(3.0);
        let i = calculated_order_quantity(avg, mps, soh);
        let requested = last.requested_quantity;
        let explanation = explanation(requested.unwrap_or(i), i);
        out.push(RequisitionLine {
            orderable_id: p.lmis_orderable_id.clone(),
            beginning_balance: first.opening_balance.unwrap_or(0),
            total_received_quantity: entries.iter().map(|e| e.received.unwrap_or(0)).sum(),
            total_consumed_quantity: c,
            total_losses_and_adjustments: d_total,
            stock_adjustments: adj.into_iter().collect(),
            stock_on_hand: soh,
            total_stockout_days: x,
            requested_quantity: Some(requested.unwrap_or(i)),
            user_requested: requested,
            adjusted_consumption: n,
            average_consumption: avg,
            requested_quantity_explanation: explanation,
            calculated_order_quantity: i,
        });
    }
    Ok(out)
}

/// Writes aggregated lines into a requisition body read from the LMIS
/// (`PUT` sends the whole requisition back). Lines of other orderables are
/// left as they are. Returns the orderables the requisition does not have.
pub fn fill_requisition(body: &mut Value, lines: &[RequisitionLine]) -> Vec<String> {
    let mut missing = Vec::new();
    let Some(items) = body
        .get_mut("requisitionLineItems")
        .and_then(Value::as_array_mut)
    else {
        return lines.iter().map(|l| l.orderable_id.clone()).collect();
    };
    for l in lines {
        let Some(item) = items.iter_mut().find(|it| {
            it.pointer("/orderable/id").and_then(Value::as_str) == Some(l.orderable_id.as_str())
        }) else {
            missing.push(l.orderable_id.clone());
            continue;
        };
        if let Some(o) = item.as_object_mut() {
            o.insert("beginningBalance".into(), json!(l.beginning_balance));
            o.insert(
                "totalReceivedQuantity".into(),
                json!(l.total_received_quantity),
            );
            o.insert(
                "totalConsumedQuantity".into(),
                json!(l.total_consumed_quantity),
            );
            o.insert(
                "totalLossesAndAdjustments".into(),
                json!(l.total_losses_and_adjustments),
            );
            o.insert(
                "stockAdjustments".into(),
                json!(
                    l.stock_adjustments
                        .iter()
                        .map(|(r, q)| json!({"reasonId": r, "quantity": q}))
                        .collect::<Vec<_>>()
                ),
            );
            o.insert("stockOnHand".into(), json!(l.stock_on_hand));
            o.insert("totalStockoutDays".into(), json!(l.total_stockout_days));
            o.insert("requestedQuantity".into(), json!(l.requested_quantity));
            o.insert(
                "requestedQuantityExplanation".into(),
                json!(l.requested_quantity_explanation),
            );
        }
    }
    missing
}

/// An OpenLMIS error body: `{messageKey, message}`, `{message, description}`,
/// the OAuth shape `{error, error_description}`, or a field map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmisError {
    /// The message key (branch on it), when given.
    pub key: Option<String>,
    /// The message (show it).
    pub message: String,
    /// Field-level errors (requisition validation), field → message.
    pub fields: BTreeMap<String, String>,
}

/// An error body in one of the shapes the contract gives for an OpenLMIS
/// refusal (§2): `{messageKey, message}`, `{message, description}`, the
/// OAuth2 `{error, error_description}`, or a requisition's field map
/// `{<field>: {messageKey, message}}`. `None` for anything else: an HTML
/// page or JSON of another shape did not come from OpenLMIS (a proxy's or a
/// captive portal's answer), and is never read as the LMIS's refusal.
pub fn refusal(body: &[u8]) -> Option<LmisError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    let text = |x: &Value, k: &str| x.get(k).is_some_and(Value::is_string);
    let shaped = (text(&v, "messageKey") && text(&v, "message"))
        || (text(&v, "message") && o.contains_key("description"))
        || text(&v, "error")
        || (!o.is_empty()
            && o.values()
                .all(|x| x.is_object() && (text(x, "messageKey") || text(x, "message"))));
    shaped.then(|| parse_error(body))
}

/// Reads any OpenLMIS error body.
pub fn parse_error(body: &[u8]) -> LmisError {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)])
                .trim()
                .to_string();
            return LmisError {
                key: None,
                message: text,
                fields: BTreeMap::new(),
            };
        }
    };
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(key) = s("messageKey") {
        return LmisError {
            key: Some(key),
            message: s("message").unwrap_or_default(),
            fields: BTreeMap::new(),
        };
    }
    if let Some(err) = s("error") {
        return LmisError {
            key: Some(err),
            message: s("error_description").unwrap_or_default(),
            fields: BTreeMap::new(),
        };
    }
    if let Some(m) = s("message") {
        return LmisError {
            key: None,
            message: format!("{m} {}", s("description").unwrap_or_default())
                .trim()
                .to_string(),
            fields: BTreeMap::new(),
        };
    }
    let mut fields = BTreeMap::new();
    if let Some(o) = v.as_object() {
        for (k, x) in o {
            if let Some(m) = x.get("message").and_then(Value::as_str) {
                fields.insert(k.clone(), m.to_string());
            }
        }
    }
    let message = fields
        .iter()
        .map(|(k, m)| format!("{k}: {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    LmisError {
        key: None,
        message,
        fields,
    }
}

/// The message key of a physical count whose `resourceId` was already
/// submitted: on a resend, the event is already applied (contract §6.2).
pub const ALREADY_SUBMITTED: &str = "stockmanagement.error.physicalInventory.draft.submit";

/// Plain words for an OpenLMIS message key.
pub fn advice_for(key: Option<&str>) -> &'static str {
    match key.unwrap_or("") {
        "stockmanagement.error.event.debit.quantity.exceed.stockOnHand" => {
            "The LMIS would go below zero stock with these numbers. Check the stock card: an earlier report may be missing or wrong."
        }
        "stockmanagement.error.event.occurredDate.in.future" => {
            "The LMIS says the date is in the future. Check the date of the report."
        }
        "stockmanagement.error.event.quantities.invalid" => {
            "A quantity is not valid for the LMIS. Check the numbers."
        }
        k if k.contains("orderable") || k.contains("approved") => {
            "The LMIS does not accept one of the products here. Ask your supervisor to check the product list."
        }
        k if k.contains("reason") => {
            "The LMIS does not accept one of the reasons. Ask your supervisor to check the reasons set up for the form."
        }
        k if k.contains("facility") || k.contains("program") => {
            "The LMIS does not accept this facility or program. Ask your supervisor to check the facility map."
        }
        _ => "The LMIS refused the report. Read its message; ask your supervisor if it is unclear.",
    }
}

#[cfg(test)]
mod tests;

pub(crate) mod dto;
pub mod lmis;
pub mod masters;
pub mod requisition;
