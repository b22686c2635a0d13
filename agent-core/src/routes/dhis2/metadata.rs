//! DHIS2 metadata to forms: a data set (its data elements, resolved category
//! combos and option combos, period type, org units) becomes the service
//! part of a form definition. Local labels, ranges and rules are kept; new
//! fields are added, fields DHIS2 no longer has are removed and reported.
//! Pure: fetching and caching happen in `Agent::pull_metadata`.

use crate::model::form::{FormDefinition, ServiceField, Term, is_dhis2_uid};
use crate::model::period::PeriodType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The query of a data set, as in the contract (§2.2, single-request form).
pub const DATA_SET_FIELDS: &str = "id,name,periodType,expiryDays,openFuturePeriods,organisationUnits[id],\
dataSetElements[categoryCombo[id,isDefault,categoryOptionCombos[id,name]],\
dataElement[id,name,formName,valueType,translations[property,locale,value],categoryCombo[id,isDefault,categoryOptionCombos[id,name]]]],\
categoryCombo[id,isDefault,categoryOptionCombos[id,name]]";

/// One data element of a data set, with its resolved option combos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementMeta {
    /// Data element uid.
    pub id: String,
    pub name: String,
    /// Name for forms, when set.
    pub form_name: Option<String>,
    /// DHIS2 value type (`INTEGER_ZERO_OR_POSITIVE`...).
    pub value_type: String,
    /// Category option combos (uid, name) of the resolved category combo.
    pub option_combos: Vec<(String, String)>,
    /// Whether the resolved combo is the default one.
    pub default_combo: bool,
    /// The element's name in other languages, by locale (its translated
    /// form name, else its translated name).
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
}

/// Reads a DHIS2 object's `translations` (`[{property, locale, value}]`):
/// by locale, the `FORM_NAME` translation, else the `NAME` one.
fn translated_names(v: &Value) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, (bool, String)> = BTreeMap::new();
    for t in v
        .get("translations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = |k: &str| t.get(k).and_then(Value::as_str).map(str::trim);
        let (Some(property), Some(locale), Some(value)) = (s("property"), s("locale"), s("value"))
        else {
            continue;
        };
        if locale.is_empty() || value.is_empty() {
            continue;
        }
        let form_name = match property {
            "FORM_NAME" => true,
            "NAME" => false,
            _ => continue,
        };
        let better = out
            .get(locale)
            .is_none_or(|(had_form, _)| form_name && !had_form);
        if better {
            out.insert(locale.to_string(), (form_name, value.to_string()));
        }
    }
    out.into_iter().map(|(l, (_, v))| (l, v)).collect()
}

/// A data set, as far as forms need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSetMeta {
    /// Uid.
    pub id: String,
    pub name: String,
    /// Period type name.
    pub period_type: String,
    /// Expiry days (fractional since 2.42).
    pub expiry_days: f64,
    /// Assigned org units.
    pub org_units: Vec<String>,
    /// Data elements in order.
    pub elements: Vec<ElementMeta>,
}

fn combos(v: &Value) -> (Vec<(String, String)>, bool) {
    let list = v
        .get("categoryOptionCombos")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    Some((
                        c.get("id")?.as_str()?.to_string(),
                        c.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    ))
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let default = v.get("isDefault").and_then(Value::as_bool).unwrap_or(false)
        || (list.len() == 1 && list[0].1.eq_ignore_ascii_case("default"));
    (list, default)
}

/// Reads `GET /api/dataSets/{uid}` (the data set element's category combo
/// overrides the data element's: `DataSetElement.getResolvedCategoryCombo`).
pub fn parse_data_set(v: &Value) -> Result<DataSetMeta, String> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let id = s("id").ok_or("the answer has no data set id")?;
    let mut elements = Vec::new();
    for dse in v
        .get("dataSetElements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(de) = dse.get("dataElement") else {
            continue;
        };
        let Some(de_id) = de.get("id").and_then(Value::as_str) else {
            continue;
        };
        let resolved = dse
            .get("categoryCombo")
            .filter(|c| c.get("categoryOptionCombos").is_some())
            .or_else(|| de.get("categoryCombo"));
        let (option_combos, default_combo) = resolved.map(combos).unwrap_or_default();
        elements.push(ElementMeta {
            id: de_id.to_string(),
            name: de
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(de_id)
                .to_string(),
            form_name: de
                .get("formName")
                .and_then(Value::as_str)
                .map(str::to_string),
            value_type: de
                .get("valueType")
                .and_then(Value::as_str)
                .unwrap_or("NUMBER")
                .to_string(),
            option_combos,
            default_combo,
            translations: translated_names(de),
        });
    }
    Ok(DataSetMeta {
        name: s("name").unwrap_or_else(|| id.clone()),
        period_type: s("periodType").ok_or("the answer has no periodType")?,
        expiry_days: v.get("expiryDays").and_then(Value::as_f64).unwrap_or(0.0),
        org_units: v
            .get("organisationUnits")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.get("id")?.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        elements,
        id,
    })
}

/// A field's labels by locale from its element's translations (the option
/// combo's name appended as in the single label).
fn labels_of(e: &ElementMeta, coc_name: &str) -> BTreeMap<String, String> {
    e.translations
        .iter()
        .map(|(l, t)| {
            let text = if e.default_combo {
                t.clone()
            } else {
                format!("{t}, {coc_name}")
            };
            (l.clone(), text)
        })
        .collect()
}

/// What a merge changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeReport {
    /// The form id.
    pub form: String,
    /// Fields added from DHIS2.
    pub added: Vec<String>,
    /// Fields removed because DHIS2 no longer has them.
    pub removed: Vec<String>,
    /// Fields kept (with their local labels, ranges and flags).
    pub kept: usize,
    /// Things to look at (skipped value types, dropped rules, facilities not assigned).
    pub warnings: Vec<String>,
    /// Whether the definition changed (its version was raised).
    pub changed: bool,
}

fn slug(s: &str) -> String {
    let s = s
        .replace("<=", " le ")
        .replace(">=", " ge ")
        .replace('<', " lt ")
        .replace('>', " gt ")
        .replace('+', " plus ");
    let mut out = String::new();
    let mut last_us = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            last_us = false;
        } else if !last_us {
            out.push('_');
            last_us = true;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Whether a DHIS2 value type is a whole number (what the agent's forms count).
pub fn is_whole_number_type(vt: &str) -> bool {
    matches!(
        vt,
        "INTEGER" | "INTEGER_POSITIVE" | "INTEGER_ZERO_OR_POSITIVE" | "INTEGER_NEGATIVE" | "NUMBER"
    )
}

/// Writes or refreshes the service part of a form from a data set.
pub fn merge(
    existing: Option<&FormDefinition>,
    meta: &DataSetMeta,
    new_id: &str,
) -> Result<(FormDefinition, MergeReport), String> {
    let period_type: PeriodType = meta.period_type.parse().map_err(|_| {
        format!(
            "the data set's period type {} is not one this agent supports",
            meta.period_type
        )
    })?;
    let mut def = existing.cloned().unwrap_or_else(|| FormDefinition {
        schema: Some("../form-definition.schema.json".into()),
        id: new_id.to_string(),
        version: 0,
        title: meta.name.clone(),
        labels: Default::default(),
        period_type,
        dhis2: crate::model::form::Dhis2Target {
            data_set: meta.id.clone(),
            attribute_option_combo: None,
        },
        lmis: None,
        service: vec![],
        products: vec![],
        rules: vec![],
        resupply: None,
    });
    let mut report = MergeReport {
        form: def.id.clone(),
        added: vec![],
        removed: vec![],
        kept: 0,
        warnings: vec![],
        changed: false,
    };
    let before = def.clone();
    def.period_type = period_type;
    def.dhis2.data_set = meta.id.clone();
    let soh: BTreeSet<&str> = def
        .products
        .iter()
        .filter_map(|p| p.dhis2_soh_data_element.as_deref())
        .collect();
    let old: BTreeMap<(String, String), ServiceField> = def
        .service
        .iter()
        .map(|f| {
            (
                (f.data_element.clone(), f.category_option_combo.clone()),
                f.clone(),
            )
        })
        .collect();
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut service = Vec::new();
    for e in &meta.elements {
        if soh.contains(e.id.as_str()) {
            continue; // Mapped as a product's stock on hand.
        }
        if !is_whole_number_type(&e.value_type) {
            report.warnings.push(format!(
                "{} ({}) holds {} values; this agent's forms count whole numbers, so it is not on the form",
                e.name, e.id, e.value_type
            ));
            continue;
        }
        for (coc, coc_name) in &e.option_combos {
            if !is_dhis2_uid(coc) || !is_dhis2_uid(&e.id) {
                report.warnings.push(format!(
                    "{} has an id that is not a DHIS2 uid; skipped",
                    e.name
                ));
                continue;
            }
            if let Some(f) = old.get(&(e.id.clone(), coc.clone())) {
                keys.insert(f.key.clone());
                // Local words stay; a language the form lacks comes from DHIS2.
                let mut f = f.clone();
                for (locale, text) in labels_of(e, coc_name) {
                    f.labels.entry(locale).or_insert(text);
                }
                service.push(f);
                report.kept += 1;
                continue;
            }
            let base = e.form_name.as_deref().unwrap_or(&e.name);
            let mut key = if e.default_combo {
                slug(base)
            } else {
                format!("{}_{}", slug(base), slug(coc_name))
            };
            if key.is_empty() {
                key = format!("de_{}", e.id.to_ascii_lowercase());
            }
            let mut unique = key.clone();
            let mut n = 2;
            while keys.contains(&unique)
                || old.values().any(|f| {
                    f.key == unique && (f.data_element != e.id || f.category_option_combo != *coc)
                })
            {
                unique = format!("{key}_{n}");
                n += 1;
            }
            keys.insert(unique.clone());
            let label = if e.default_combo {
                base.to_string()
            } else {
                format!("{base}, {coc_name}")
            };
            report.added.push(unique.clone());
            service.push(ServiceField {
                key: unique,
                label,
                labels: labels_of(e, coc_name),
                unit: None,
                section: None,
                data_element: e.id.clone(),
                category_option_combo: coc.clone(),
                min: i64::from(e.value_type == "INTEGER_POSITIVE"),
                max: None,
                warn_above: None,
                required: false,
            });
        }
    }
    for f in old.values() {
        if !keys.contains(&f.key) {
            report.removed.push(f.key.clone());
        }
    }
    report.removed.sort();
    def.service = service;
    // Rules that use a removed field cannot be checked any more.
    let present: BTreeSet<&str> = def.service.iter().map(|f| f.key.as_str()).collect();
    let mut dropped = Vec::new();
    def.rules.retain(|r| {
        let ok = r.left.iter().chain(&r.right).all(|t| match t {
            Term::Service { service, .. } => present.contains(service.as_str()),
            Term::Stock { .. } => true,
        });
        if !ok {
            dropped.push(r.id.clone());
        }
        ok
    });
    for id in dropped {
        report.warnings.push(format!(
            "rule '{id}' used a field DHIS2 no longer has, so it was removed"
        ));
    }
    report.changed = def != before;
    if report.changed {
        def.version = before.version + 1;
    }
    let problems = def.check();
    if !problems.is_empty() {
        return Err(problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; "));
    }
    Ok((def, report))
}

/// The query of a data set's org units for matching them with another
/// master list: each org unit's id, code and name (DHIS2's field filter on
/// the data set of §2.2).
pub const ORG_UNIT_FIELDS: &str = "id,name,organisationUnits[id,code,name]";

/// The org units a data set is assigned to (`organisationUnits[id,code,name]`),
/// ordered by id; one without a valid uid is left out.
pub fn parse_org_units(v: &Value) -> Vec<crate::model::matching::Entry> {
    let mut out: Vec<crate::model::matching::Entry> = v
        .get("organisationUnits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|o| {
            let id = o.get("id")?.as_str()?;
            is_dhis2_uid(id).then(|| crate::model::matching::Entry {
                id: id.to_string(),
                code: o.get("code").and_then(Value::as_str).map(str::to_string),
                name: o
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(id)
                    .to_string(),
            })
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.id == b.id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_json() -> Value {
        serde_json::json!({
            "id": "pBOMPrpg1QX", "name": "Community health monthly", "periodType": "Monthly", "expiryDays": 15.5,
            "organisationUnits": [{"id": "DiszpKrYNg8"}],
            "dataSetElements": [
                {"dataElement": {"id": "aaaaaaaaaa1", "name": "Malaria RDT positive", "valueType": "INTEGER_ZERO_OR_POSITIVE",
                    "categoryCombo": {"id": "bjDvmb4bfuf", "isDefault": true, "categoryOptionCombos": [{"id": "HllvX50cXC0", "name": "default"}]}}},
                {"dataElement": {"id": "aaaaaaaaaa2", "name": "Malaria treated", "formName": "Treated with ACT", "valueType": "INTEGER_ZERO_OR_POSITIVE",
                    "categoryCombo": {"id": "bjDvmb4bfuf", "isDefault": true, "categoryOptionCombos": [{"id": "HllvX50cXC0", "name": "default"}]}},
                 "categoryCombo": {"id": "ageCombo001", "isDefault": false,
                    "categoryOptionCombos": [{"id": "cocUnder5aa", "name": "<5y"}, {"id": "cocOver5aaa", "name": ">=5y"}]}},
                {"dataElement": {"id": "aaaaaaaaaa3", "name": "Remarks", "valueType": "LONG_TEXT",
                    "categoryCombo": {"id": "bjDvmb4bfuf", "isDefault": true, "categoryOptionCombos": [{"id": "HllvX50cXC0", "name": "default"}]}}}
            ]
        })
    }

    #[test]
    fn a_data_set_becomes_a_form_with_resolved_combos() {
        let meta = parse_data_set(&meta_json()).unwrap();
        assert_eq!(meta.expiry_days, 15.5);
        assert_eq!(
            meta.elements[1].option_combos.len(),
            2,
            "the data set element's combo overrides the element's"
        );
        let (def, report) = merge(None, &meta, "chw").unwrap();
        let keys: Vec<&str> = def.service.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "malaria_rdt_positive",
                "treated_with_act_lt_5y",
                "treated_with_act_ge_5y"
            ]
        );
        assert_eq!(def.service[1].label, "Treated with ACT, <5y");
        assert_eq!(def.version, 1);
        assert!(report.warnings[0].contains("LONG_TEXT"));
    }

    #[test]
    fn refreshing_keeps_local_labels_and_rules_and_reports_removals() {
        let meta = parse_data_set(&meta_json()).unwrap();
        let (mut def, _) = merge(None, &meta, "chw").unwrap();
        def.service[0].label = "RDT positive (local words)".into();
        def.service[0].max = Some(900);
        def.rules.push(
            serde_json::from_value(serde_json::json!({"id": "r1", "severity": "error",
                "left": [{"service": "treated_with_act_lt_5y"}], "op": "<=", "right": [{"service": "malaria_rdt_positive"}]}))
            .unwrap(),
        );
        // Unchanged metadata: nothing changes, the version stays.
        let (same, report) = merge(Some(&def), &meta, "chw").unwrap();
        assert!(!report.changed);
        assert_eq!(same, def);
        // DHIS2 drops the under-5 combo.
        let mut json = meta_json();
        json["dataSetElements"][1]["categoryCombo"]["categoryOptionCombos"] =
            serde_json::json!([{"id": "cocOver5aaa", "name": ">=5y"}]);
        let (new, report) = merge(Some(&def), &parse_data_set(&json).unwrap(), "chw").unwrap();
        assert_eq!(report.removed, ["treated_with_act_lt_5y"]);
        assert_eq!(new.service[0].label, "RDT positive (local words)");
        assert_eq!(new.service[0].max, Some(900));
        assert!(new.rules.is_empty());
        assert!(report.warnings.iter().any(|w| w.contains("rule 'r1'")));
        assert_eq!(new.version, def.version + 1);
    }

    /// Translations as DHIS2 gives them (`translations` of a data element:
    /// property, locale, value); the form name wins over the name.
    #[test]
    fn translations_become_labels_per_locale() {
        let mut json = meta_json();
        json["dataSetElements"][0]["dataElement"]["translations"] = serde_json::json!([
            {"property": "NAME", "locale": "fr", "value": "Paludisme TDR positif"},
            {"property": "SHORT_NAME", "locale": "pt", "value": "Mal TDR+"},
            {"property": "NAME", "locale": "sw", "value": "Malaria kipimo chanya (jina)"},
            {"property": "FORM_NAME", "locale": "sw", "value": "Malaria: kipimo chanya"},
            {"property": "NAME", "locale": "pt", "value": "Malária TDR positivo"}
        ]);
        json["dataSetElements"][1]["dataElement"]["translations"] = serde_json::json!([
            {"property": "FORM_NAME", "locale": "fr", "value": "Traités par CTA"},
            {"property": "NAME", "locale": "", "value": "no locale"},
            {"property": "NAME", "value": "no locale either"}
        ]);
        let meta = parse_data_set(&json).unwrap();
        let (def, _) = merge(None, &meta, "chw").unwrap();
        let labels = |i: usize| {
            def.service[i]
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(0),
            [
                "fr=Paludisme TDR positif",
                "pt=Malária TDR positivo",
                "sw=Malaria: kipimo chanya"
            ]
        );
        assert_eq!(labels(1), ["fr=Traités par CTA, <5y"]);
        assert_eq!(def.service[0].label_in("sw"), "Malaria: kipimo chanya");

        // A refresh keeps the local words and adds only missing languages.
        let mut local = def.clone();
        local.service[0]
            .labels
            .insert("sw".into(), "Maneno ya hapa".into());
        local.service[0].labels.remove("fr");
        let (again, _) = merge(Some(&local), &meta, "chw").unwrap();
        assert_eq!(again.service[0].labels["sw"], "Maneno ya hapa");
        assert_eq!(again.service[0].labels["fr"], "Paludisme TDR positif");
    }
}
