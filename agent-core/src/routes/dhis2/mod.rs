//! The DHIS2 route, pure parts: building `dataValueSet` payloads from stored
//! forms, reading import summaries (bare or wrapped, 200 or 409), and judging
//! what each summary means for each form of a batch.
//!
//! Contract: `../shared/contracts/dhis2/README.md` (copied fixtures in
//! `agent-core/tests/fixtures/dhis2`). The agent never branches on the
//! server's version: it reads the shape of the answer.

use crate::model::draft::Draft;
use crate::model::form::FormDefinition;
use crate::model::mapping::Facility;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Whether a body is a DHIS2 `WebMessage` (`{httpStatus, httpStatusCode,
/// status, message…}`, contract §5): DHIS2's own answer, as opposed to a
/// proxy's or captive portal's page.
pub fn is_web_message(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| {
        v.get("httpStatusCode")
            .is_some_and(serde_json::Value::is_u64)
            && v.get("status").is_some_and(serde_json::Value::is_string)
    })
}

/// One data value as DHIS2 keys it, with the form field it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueRow {
    /// Data element uid.
    pub data_element: String,
    /// Category option combo uid (absent: the default combo).
    pub category_option_combo: Option<String>,
    /// The value, as DHIS2 wants it: a string.
    pub value: String,
    /// The form field, e.g. `service.malaria_rdt_positive` or `stock.ACT-6x1.closing_balance`.
    pub field: String,
}

/// One stored form, ready to go to DHIS2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dhis2Item {
    pub submission_id: String,
    /// The revision being delivered.
    pub revision: u32,
    /// Data set uid.
    pub data_set: String,
    /// DHIS2 period id.
    pub period: String,
    /// Organisation unit uid.
    pub org_unit: String,
    /// Attribute option combo, when the data set has one.
    pub attribute_option_combo: Option<String>,
    /// The date the form was completed (recorded), `yyyy-MM-dd`.
    pub complete_date: String,
    /// Values to create or update.
    pub values: Vec<ValueRow>,
    /// Values delivered earlier that this revision removed: to delete.
    pub deletions: Vec<ValueRow>,
    /// Fields of the stored form that the current definition no longer maps (not sent).
    pub unmapped: Vec<String>,
}

/// The values of a form for DHIS2, in definition order, and the fields the
/// definition does not map.
pub fn values_of(def: &FormDefinition, draft: &Draft) -> (Vec<ValueRow>, Vec<String>) {
    let mut rows = Vec::new();
    for f in &def.service {
        if let Some(v) = draft.service.get(&f.key) {
            rows.push(ValueRow {
                data_element: f.data_element.clone(),
                category_option_combo: Some(f.category_option_combo.clone()),
                value: v.to_string(),
                field: format!("service.{}", f.key),
            });
        }
    }
    for p in &def.products {
        if let (Some(de), Some(close)) = (
            &p.dhis2_soh_data_element,
            draft.stock.get(&p.code).and_then(|e| e.closing_balance),
        ) {
            rows.push(ValueRow {
                data_element: de.clone(),
                category_option_combo: p.dhis2_soh_category_option_combo.clone(),
                value: close.to_string(),
                field: format!("stock.{}.closing_balance", p.code),
            });
        }
    }
    let mut unmapped: Vec<String> = draft
        .service
        .keys()
        .filter(|k| def.field(k).is_none())
        .map(|k| format!("service.{k}"))
        .collect();
    unmapped.extend(
        draft
            .stock
            .keys()
            .filter(|c| def.product(c).is_none())
            .map(|c| format!("stock.{c}")),
    );
    (rows, unmapped)
}

/// Builds the item for a stored revision. `earlier` are the revisions sent
/// before it (delivered, or sent with an unknown outcome), oldest first:
/// their values that are gone now become deletions.
#[allow(clippy::too_many_arguments)]
pub fn build_item(
    def: &FormDefinition,
    facility: &Facility,
    submission_id: &str,
    revision: u32,
    period: &str,
    complete_date: &str,
    current: &Draft,
    earlier: &[Draft],
) -> Result<Dhis2Item, String> {
    let org_unit = facility.dhis2_org_unit.clone().ok_or_else(|| {
        format!(
            "{} ({}) has no DHIS2 organisation unit in the facility map; ask your supervisor to map it",
            facility.name, facility.code
        )
    })?;
    let (values, unmapped) = values_of(def, current);
    // Values sent by earlier revisions (delivered, or sent with an unknown
    // outcome) that this revision no longer has are deleted, once each.
    let mut deletions = Vec::new();
    let now: BTreeSet<(&str, Option<&str>)> = values
        .iter()
        .map(|r| (r.data_element.as_str(), r.category_option_combo.as_deref()))
        .collect();
    let mut seen: BTreeSet<(String, Option<String>)> = BTreeSet::new();
    for old in earlier {
        let (old_rows, _) = values_of(def, old);
        for r in old_rows {
            let key = (r.data_element.clone(), r.category_option_combo.clone());
            if !now.contains(&(r.data_element.as_str(), r.category_option_combo.as_deref()))
                && seen.insert(key)
            {
                deletions.push(r);
            }
        }
    }
    Ok(Dhis2Item {
        submission_id: submission_id.to_string(),
        revision,
        data_set: def.dhis2.data_set.clone(),
        period: period.to_string(),
        org_unit,
        attribute_option_combo: def.dhis2.attribute_option_combo.clone(),
        complete_date: complete_date.to_string(),
        values,
        deletions,
        unmapped,
    })
}

/// Where row `i` of a request body came from: which item of the batch, which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    /// Index of the item in the batch.
    pub item: usize,
    /// The value's data element.
    pub data_element: String,
    pub value: String,
    /// The form field.
    pub field: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireValue<'a> {
    data_element: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_unit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_option_combo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attribute_option_combo: Option<&'a str>,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireSet<'a> {
    data_set: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    complete_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_unit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attribute_option_combo: Option<&'a str>,
    data_values: Vec<WireValue<'a>>,
}

/// Which rows of the items a body carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// The values to create or update.
    Values,
    /// The values to delete.
    Deletions,
}

/// A `dataValueSet` body for a batch (all items of one data set) and the
/// origin of each of its rows. One item: the header form, with
/// `completeDate` (contract §4). Several: the bulk form, each value carrying
/// its period and org unit; completion then goes separately
/// ([`completion_body`]). The bytes depend only on the items (deterministic).
pub fn data_value_set(items: &[&Dhis2Item], rows: Rows) -> (Vec<u8>, Vec<RowRef>) {
    let single = items.len() == 1;
    let mut refs = Vec::new();
    let mut data_values = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let list = match rows {
            Rows::Values => &it.values,
            Rows::Deletions => &it.deletions,
        };
        for r in list {
            refs.push(RowRef {
                item: i,
                data_element: r.data_element.clone(),
                value: r.value.clone(),
                field: r.field.clone(),
            });
            data_values.push(WireValue {
                data_element: &r.data_element,
                period: (!single).then_some(it.period.as_str()),
                org_unit: (!single).then_some(it.org_unit.as_str()),
                category_option_combo: r.category_option_combo.as_deref(),
                attribute_option_combo: if single {
                    None
                } else {
                    it.attribute_option_combo.as_deref()
                },
                value: &r.value,
            });
        }
    }
    let first = items.first();
    let set = WireSet {
        data_set: first.map(|i| i.data_set.as_str()).unwrap_or(""),
        complete_date: (single && rows == Rows::Values)
            .then(|| first.map(|i| i.complete_date.as_str()))
            .flatten(),
        period: single.then(|| first.map(|i| i.period.as_str())).flatten(),
        org_unit: single.then(|| first.map(|i| i.org_unit.as_str())).flatten(),
        attribute_option_combo: single
            .then(|| first.and_then(|i| i.attribute_option_combo.as_deref()))
            .flatten(),
        data_values,
    };
    (serde_json::to_vec(&set).unwrap_or_default(), refs)
}

/// A `completeDataSetRegistrations` body for the items (contract §7; the
/// field is `organisationUnit`).
pub fn completion_body(items: &[&Dhis2Item]) -> Vec<u8> {
    let regs: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut o = serde_json::json!({
                "dataSet": i.data_set, "period": i.period, "organisationUnit": i.org_unit,
                "date": i.complete_date, "completed": true,
            });
            if let (Some(aoc), Some(m)) = (&i.attribute_option_combo, o.as_object_mut()) {
                m.insert("attributeOptionCombo".into(), Value::from(aoc.clone()));
            }
            o
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "completeDataSetRegistrations": regs }))
        .unwrap_or_default()
}

/// Splits items into batches: one data set per batch, at most `max_values`
/// values and about `max_bytes` bytes each; items marked `solo` go alone.
/// Order is kept within a data set.
pub fn plan_batches(
    items: &[(Dhis2Item, bool)],
    max_values: usize,
    max_bytes: usize,
) -> Vec<Vec<usize>> {
    let mut by_set: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (it, _)) in items.iter().enumerate() {
        by_set.entry(it.data_set.as_str()).or_default().push(i);
    }
    let mut out = Vec::new();
    for (_, idxs) in by_set {
        let mut current: Vec<usize> = Vec::new();
        let (mut n, mut bytes) = (0usize, 0usize);
        for i in idxs {
            let (it, solo) = &items[i];
            let size = approx_bytes(it);
            let rows = it.values.len().max(1);
            if *solo {
                out.push(vec![i]);
                continue;
            }
            if !current.is_empty() && (n + rows > max_values || bytes + size > max_bytes) {
                out.push(std::mem::take(&mut current));
                n = 0;
                bytes = 0;
            }
            current.push(i);
            n += rows;
            bytes += size;
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

fn approx_bytes(it: &Dhis2Item) -> usize {
    // Per value in bulk form: keys, uids, period, org unit and the value.
    it.values.iter().map(|r| 120 + r.value.len()).sum::<usize>() + 64
}

/// The status of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ImportStatus {
    /// Every row stored.
    Success,
    /// Some rows ignored.
    Warning,
    /// Nothing stored, or the whole group rejected.
    Error,
}

/// `importCount`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCount {
    /// Created.
    #[serde(default)]
    pub imported: u64,
    /// Updated (or unchanged, on some versions).
    #[serde(default)]
    pub updated: u64,
    /// Ignored.
    #[serde(default)]
    pub ignored: u64,
    /// Deleted.
    #[serde(default)]
    pub deleted: u64,
}

/// One conflict of an import summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    /// The object concerned (old servers: often the value or a uid).
    #[serde(default)]
    pub object: Option<String>,
    /// The objects concerned, by role.
    #[serde(default)]
    pub objects: BTreeMap<String, String>,
    /// The message (named `value` for backwards compatibility).
    #[serde(default)]
    pub value: String,
    /// DHIS2's error code, e.g. `E7640` (2.37+).
    #[serde(default)]
    pub error_code: Option<String>,
    /// The property concerned.
    #[serde(default)]
    pub property: Option<String>,
    /// Positions in `dataValues[]`; `[-1]` means the whole payload.
    #[serde(default)]
    pub indexes: Vec<i64>,
}

/// An import summary, whatever the server version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub status: ImportStatus,
    /// The counts (never used to decide whether data arrived; contract §10.6).
    #[serde(default)]
    pub import_count: ImportCount,
    /// The conflicts (absent on old servers when empty).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Rows rejected (2.39+).
    #[serde(default)]
    pub rejected_indexes: Vec<i64>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Why an answer is not an import summary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadAnswer(pub String);

/// Reads an import summary from a response body: bare (`responseType` at the
/// top, ≤ 2.37) or wrapped in a WebMessage (`response.responseType`, 2.38+).
pub fn parse_import_summary(body: &[u8]) -> Result<ImportSummary, BadAnswer> {
    let text = std::str::from_utf8(body).map_err(|_| BadAnswer("the answer is not text".into()))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return Err(BadAnswer(
            "the server answered with a web page instead of DHIS2 data (a proxy, a login page or an error page)".into(),
        ));
    }
    let v: Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            BadAnswer("the answer from DHIS2 was cut off".into())
        } else {
            BadAnswer(format!("the answer is not DHIS2 JSON ({e})"))
        }
    })?;
    let summary = if v.get("responseType").and_then(Value::as_str) == Some("ImportSummary") {
        &v
    } else if v.pointer("/response/responseType").and_then(Value::as_str) == Some("ImportSummary") {
        &v["response"]
    } else {
        let msg = v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no import summary in it");
        return Err(BadAnswer(format!(
            "the answer is not an import summary: {msg}"
        )));
    };
    serde_json::from_value(summary.clone())
        .map_err(|e| BadAnswer(format!("the import summary cannot be read ({e})")))
}

pub use crate::model::delivery::FieldProblem;

/// What an import means for one item of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Stored.
    Delivered,
    /// Refused, in part (`whole` false: the other values were stored) or whole.
    Rejected {
        /// Whether nothing of the form was stored.
        whole: bool,
        /// Per field.
        problems: Vec<FieldProblem>,
    },
    /// Not stored because of another form in the batch, or the server's answer
    /// cannot say which form was at fault: send it again, alone.
    SendAlone,
}

/// Plain words for a DHIS2 error code: the English text of its message
/// ([`crate::model::delivery::dhis2_advice_id`]), stored as the advice.
pub fn advice_for(code: Option<&str>) -> String {
    crate::model::i18n::render(
        &crate::model::i18n::Message::new(crate::model::delivery::dhis2_advice_id(code)),
        crate::model::i18n::DEFAULT_LOCALE,
    )
}

/// The advice for a DHIS2 error code, as a message (stored with its
/// English text, [`advice_for`]).
pub fn advice_message(code: Option<&str>) -> crate::model::i18n::Message {
    crate::model::i18n::Message::new(crate::model::delivery::dhis2_advice_id(code))
}

/// Judges an import summary for a batch of `n_items` items whose request
/// rows came from `rows`. Pure: no I/O.
pub fn judge(summary: &ImportSummary, rows: &[RowRef], n_items: usize) -> Vec<Verdict> {
    let mut per_item: Vec<Vec<FieldProblem>> = vec![Vec::new(); n_items];
    let mut bad_rows: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n_items];
    let mut whole_payload: Vec<&Conflict> = Vec::new();
    let mut unmapped: Vec<&Conflict> = Vec::new();
    let problem = |r: &RowRef, c: &Conflict| {
        FieldProblem::new(
            &r.field,
            c.error_code.clone(),
            &c.value,
            advice_message(c.error_code.as_deref()),
        )
    };
    for c in &summary.conflicts {
        let mut hit = false;
        if c.indexes.contains(&-1) {
            whole_payload.push(c);
            continue;
        }
        if !c.indexes.is_empty() {
            // From 2.43 a group-level conflict lists every row of the group;
            // the rows whose data element it names are the cause, the
            // others were refused with them.
            let listed: Vec<usize> = c
                .indexes
                .iter()
                .filter_map(|&i| usize::try_from(i).ok())
                .filter(|&i| i < rows.len())
                .collect();
            let text = format!(
                "{} {}",
                c.value,
                c.objects.values().cloned().collect::<Vec<_>>().join(" ")
            );
            let named: Vec<usize> = listed
                .iter()
                .copied()
                .filter(|&i| text.contains(&rows[i].data_element))
                .collect();
            let culprits: Vec<String> = named.iter().map(|&i| rows[i].field.clone()).collect();
            for &i in &listed {
                let r = &rows[i];
                if named.is_empty() || named.contains(&i) {
                    per_item[r.item].push(problem(r, c));
                } else {
                    per_item[r.item].push(FieldProblem::new(
                        &r.field,
                        c.error_code.clone(),
                        &c.value,
                        crate::model::delivery::not_stored_advice(&culprits.join(", ")),
                    ));
                }
                bad_rows[r.item].insert(i);
                hit = true;
            }
        } else {
            // Before 2.37 a conflict is free text: find the rows whose data
            // element is named in it, narrowed by the value when it is the object.
            let text = format!("{} {}", c.object.as_deref().unwrap_or(""), c.value);
            let named: Vec<usize> = (0..rows.len())
                .filter(|&i| text.contains(&rows[i].data_element))
                .collect();
            let narrowed: Vec<usize> = named
                .iter()
                .copied()
                .filter(|&i| c.object.as_deref() == Some(rows[i].value.as_str()))
                .collect();
            let chosen = if narrowed.is_empty() { named } else { narrowed };
            for i in chosen {
                let r = &rows[i];
                per_item[r.item].push(problem(r, c));
                bad_rows[r.item].insert(i);
                hit = true;
            }
        }
        if !hit {
            unmapped.push(c);
        }
    }
    for &i in &summary.rejected_indexes {
        if let Some(r) = usize::try_from(i).ok().and_then(|i| rows.get(i)) {
            bad_rows[r.item].insert(i as usize);
        }
    }
    let rows_of = |item: usize| rows.iter().filter(|r| r.item == item).count();
    let form_problem = |c: &Conflict| {
        FieldProblem::new(
            "form",
            c.error_code.clone(),
            &c.value,
            advice_message(c.error_code.as_deref()),
        )
    };
    let nothing_stored = summary.status == ImportStatus::Error;
    (0..n_items)
        .map(|item| {
            if !whole_payload.is_empty() || (!unmapped.is_empty() && per_item[item].is_empty()) {
                // The answer does not say which form is at fault.
                if n_items > 1 {
                    return Verdict::SendAlone;
                }
                let mut problems: Vec<FieldProblem> = whole_payload
                    .iter()
                    .chain(unmapped.iter())
                    .map(|c| form_problem(c))
                    .collect();
                problems.append(&mut per_item[item]);
                return Verdict::Rejected {
                    whole: nothing_stored || bad_rows[item].len() >= rows_of(item),
                    problems,
                };
            }
            if !per_item[item].is_empty() {
                let whole = nothing_stored || bad_rows[item].len() >= rows_of(item);
                return Verdict::Rejected {
                    whole,
                    problems: std::mem::take(&mut per_item[item]),
                };
            }
            if nothing_stored {
                // Nothing was stored, and nothing was said about this form.
                if n_items > 1 {
                    return Verdict::SendAlone;
                }
                let problems = summary
                    .description
                    .iter()
                    .map(|d| FieldProblem::new("form", None, d, advice_message(None)));
                return Verdict::Rejected {
                    whole: true,
                    problems: problems.collect(),
                };
            }
            Verdict::Delivered
        })
        .collect()
}

#[cfg(test)]
mod tests;

pub mod metadata;
pub mod route;
