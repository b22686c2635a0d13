//! `POST /api/dataValueSets` (§4–§8): the payload as posted, the import
//! options, the summary and its rendering per family, and the two
//! pipelines: [`old`] (2.37, 2.40) and [`new`] (2.43).

mod new;
mod old;

pub(super) use new::import_new;
pub(super) use old::import_old;

use super::*;

/// A row's `value` as sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub(in crate::dhis2) enum RawValue {
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
pub(in crate::dhis2) struct RawRow {
    pub(in crate::dhis2) de: Option<String>,
    pub(in crate::dhis2) pe: Option<String>,
    pub(in crate::dhis2) ou: Option<String>,
    pub(in crate::dhis2) coc: Option<String>,
    pub(in crate::dhis2) aoc: Option<String>,
    pub(in crate::dhis2) value: RawValue,
    pub(in crate::dhis2) comment: Option<String>,
    /// `followup`, the key the ≤2.42 Jackson model reads (§4).
    pub(in crate::dhis2) followup: Option<bool>,
    /// `followUp`, the key the 2.43 reader uses (§4).
    pub(in crate::dhis2) follow_up: Option<bool>,
    pub(in crate::dhis2) deleted: bool,
    pub(in crate::dhis2) stored_by: Option<String>,
    pub(in crate::dhis2) created: Option<String>,
}

/// A data value set as posted.
#[derive(Debug, Clone, Default)]
pub(in crate::dhis2) struct Payload {
    pub(in crate::dhis2) data_set: Option<String>,
    pub(in crate::dhis2) period: Option<String>,
    pub(in crate::dhis2) org_unit: Option<String>,
    pub(in crate::dhis2) aoc: Option<String>,
    pub(in crate::dhis2) complete_date: Option<String>,
    pub(in crate::dhis2) rows: Vec<RawRow>,
}

impl Payload {
    pub(in crate::dhis2) fn from_json(v: &Value) -> Result<Payload, String> {
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
pub(in crate::dhis2) struct ImportOptions {
    pub(in crate::dhis2) strategy: &'static str,
    pub(in crate::dhis2) dry_run: bool,
    pub(in crate::dhis2) strict_periods: bool,
    pub(in crate::dhis2) strict_org_units: bool,
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
    pub(in crate::dhis2) fn from_request(req: &Request) -> ImportOptions {
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

    pub(in crate::dhis2) fn delete(&self) -> bool {
        self.strategy == "DELETE"
    }

    /// The `importOptions` object, with the keys of the contract's fixtures.
    pub(in crate::dhis2) fn to_json(&self) -> Value {
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
pub(in crate::dhis2) enum ImportStatus {
    #[default]
    Success,
    Warning,
    Error,
}

impl ImportStatus {
    pub(in crate::dhis2) fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Success => "SUCCESS",
            ImportStatus::Warning => "WARNING",
            ImportStatus::Error => "ERROR",
        }
    }
}

/// How a summary is sent (§0, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::dhis2) enum Shape {
    /// The ImportSummary at top level, always HTTP 200.
    Bare,
    /// Wrapped in a WebMessage; ERROR is 409, WARNING is 409 when `warning_409`.
    Wrapped { warning_409: bool },
}

/// The result of one import, before rendering.
#[derive(Debug, Clone, Default)]
pub(in crate::dhis2) struct Summary {
    pub(in crate::dhis2) status: ImportStatus,
    pub(in crate::dhis2) description: String,
    pub(in crate::dhis2) imported: u64,
    pub(in crate::dhis2) updated: u64,
    pub(in crate::dhis2) ignored: u64,
    pub(in crate::dhis2) deleted: u64,
    pub(in crate::dhis2) conflicts: Vec<Value>,
    pub(in crate::dhis2) rejected: BTreeSet<i64>,
    pub(in crate::dhis2) data_set_complete: Option<String>,
}

impl Summary {
    /// Adds an old-style conflict (§5), merging it with one of the same code
    /// and objects by accumulating `indexes`.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::dhis2) fn old_conflict(
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
    pub(in crate::dhis2) fn new_conflict(
        &mut self,
        args: &[String],
        value: String,
        code: &str,
        indexes: &[i64],
    ) {
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

/// Checks a value against a DHIS2 value type; returns the value as stored
/// (booleans normalised) or the reason DHIS2 gives.
pub(in crate::dhis2) fn check_value(value_type: &str, v: &str) -> Result<String, &'static str> {
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
pub(in crate::dhis2) fn is_zero(value_type: &str, v: &str) -> bool {
    let numeric = value_type.starts_with("INTEGER")
        || matches!(value_type, "NUMBER" | "PERCENTAGE" | "UNIT_INTERVAL");
    numeric && v.parse::<f64>().is_ok_and(|n| n == 0.0)
}

/// A row resolved against the header.
pub(in crate::dhis2) struct Resolved<'a> {
    pub(in crate::dhis2) row: &'a RawRow,
    pub(in crate::dhis2) de: Option<String>,
    pub(in crate::dhis2) pe: Option<String>,
    pub(in crate::dhis2) ou: Option<String>,
    pub(in crate::dhis2) coc: String,
    pub(in crate::dhis2) aoc: String,
}

pub(in crate::dhis2) fn resolve<'a>(p: &Payload, row: &'a RawRow) -> Resolved<'a> {
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

/// Registers the completion a `completeDate` asks for, when the header names
/// the data set, period and org unit and no row was rejected (§4).
pub(in crate::dhis2) fn register_completion(
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

/// The summary as the family sends it: bare (2.37, HTTP 200) or wrapped in a
/// WebMessage with the family's status mapping (§0, §5).
pub(in crate::dhis2) fn render_summary(
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
pub(in crate::dhis2) fn malformed(
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
