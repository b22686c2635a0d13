//! What DHIS2 should hold for a recorded form, worked out by `chaos` and
//! `fleet` without the agent's code: the form definition is read as plain
//! JSON (its file format, `schemas/form-definition.schema.json`) and the
//! draft as the JSON a health worker's device stores, and every mapped
//! count or closing balance becomes one value. The agent's own mapping
//! (`agent_core::dhis2::values_of`) is what these runs judge, so it must not
//! be the judge too.

use serde_json::Value;
use sim_servers::dhis2::DEFAULT_COC;
use std::collections::BTreeMap;
use std::path::Path;

/// One value DHIS2 should hold for a form (its period and org unit aside).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExpectedValue {
    /// The data element uid.
    pub data_element: String,
    /// The category option combo uid (DHIS2's default when the definition names none).
    pub coc: String,
    /// The value as DHIS2 stores it (text).
    pub value: String,
}

/// The form definitions of a folder as plain JSON, by their `id`. Files that
/// are not JSON objects with an `id` are skipped (the agent refuses them
/// anyway when it loads the folder).
pub fn load_definitions(forms_dir: &Path) -> std::io::Result<BTreeMap<String, Value>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(forms_dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(&path)?) else {
            continue;
        };
        if let Some(id) = v.get("id").and_then(Value::as_str) {
            out.insert(id.to_string(), v);
        }
    }
    Ok(out)
}

/// The values DHIS2 should hold for `draft` (a draft as JSON: `service`
/// counts by field key, `stock` entries by product code) under the form
/// definition `def` (as JSON): each `service[]` field with a value in the
/// draft (its `data_element` and `category_option_combo`), then each
/// `products[]` entry with a `dhis2_soh_data_element` and a closing balance
/// in the draft (its `dhis2_soh_category_option_combo`, or the default).
pub fn dhis2_values(def: &Value, draft: &Value) -> Vec<ExpectedValue> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let number = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    for f in def
        .get("service")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(key), Some(de)) = (
            f.get("key").and_then(Value::as_str),
            text(f.get("data_element")),
        ) else {
            continue;
        };
        if let Some(value) = number(draft.pointer(&format!("/service/{}", escape(key)))) {
            out.push(ExpectedValue {
                data_element: de,
                coc: text(f.get("category_option_combo"))
                    .unwrap_or_else(|| DEFAULT_COC.to_string()),
                value,
            });
        }
    }
    for p in def
        .get("products")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(code), Some(de)) = (
            p.get("code").and_then(Value::as_str),
            text(p.get("dhis2_soh_data_element")),
        ) else {
            continue;
        };
        if let Some(value) =
            number(draft.pointer(&format!("/stock/{}/closing_balance", escape(code))))
        {
            out.push(ExpectedValue {
                data_element: de,
                coc: text(p.get("dhis2_soh_category_option_combo"))
                    .unwrap_or_else(|| DEFAULT_COC.to_string()),
                value,
            });
        }
    }
    out
}

/// A key as one JSON Pointer token (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Written by hand: a definition with two counts (one without an option
    /// combo), two products (one without a stock-on-hand element), and a
    /// draft that leaves one count out.
    #[test]
    fn mapped_counts_and_closing_balances_become_values() {
        let def = json!({"id": "f", "service": [
            {"key": "a", "data_element": "DEa", "category_option_combo": "COCa"},
            {"key": "b/c", "data_element": "DEb"},
            {"key": "missing", "data_element": "DEm", "category_option_combo": "COCm"}],
          "products": [
            {"code": "P1", "dhis2_soh_data_element": "DEp", "dhis2_soh_category_option_combo": null},
            {"code": "P2", "dhis2_soh_data_element": null}]});
        let draft = json!({"service": {"a": 0, "b/c": 12},
            "stock": {"P1": {"closing_balance": 40}, "P2": {"closing_balance": 3}}});
        let v = |de: &str, coc: &str, value: &str| ExpectedValue {
            data_element: de.into(),
            coc: coc.into(),
            value: value.into(),
        };
        assert_eq!(
            dhis2_values(&def, &draft),
            vec![
                v("DEa", "COCa", "0"),
                v("DEb", DEFAULT_COC, "12"),
                v("DEp", DEFAULT_COC, "40")
            ]
        );
    }
}
