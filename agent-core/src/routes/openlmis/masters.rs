//! The LMIS's master lists, read for setting up a country (`mapping
//! suggest`, `mapping check`): every facility, the
//! programs, a program's orderables, and the valid reasons of a program and
//! facility type.
//! Contract endpoints only (§4); each answer is read as the contract
//! shapes it, and anything missing is left out, not guessed.

use crate::error::Error;
use crate::model::form::{
    FormDefinition, LmisKind, LmisMode, LmisTarget, Product, ReasonNames, Rule,
};
use crate::model::matching::{Entry, ReasonEntry};
use crate::net::http::encode_query;
use crate::routes::openlmis::lmis::{Expect, Fail, LmisClient};
use crate::routes::openlmis::{dto, parse_valid_reasons};
use crate::sync::{DestinationReport, Pass};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Page size asked for lists: one request per list for a country.
const PAGE_SIZE: usize = 2000;

/// A facility of the LMIS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmisFacility {
    /// Id, code and name.
    pub entry: Entry,
    /// Its facility type id (valid reasons and approved products depend on it).
    pub type_id: Option<String>,
    /// Its facility type code.
    pub type_code: Option<String>,
    /// Ids of the programs it supports (full facilities only).
    pub programs: Vec<String>,
}

/// An orderable (product) of the LMIS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmisOrderable {
    /// Id, product code and full name.
    pub entry: Entry,
    /// Dispensing units per pack (`netContent`).
    pub net_content: Option<i64>,
    /// The dispensing unit, when the LMIS names it.
    pub unit: Option<String>,
}

/// A product approved for a facility type in a program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovedProduct {
    /// The orderable.
    pub orderable: LmisOrderable,
    /// `maxPeriodsOfStock`.
    pub max_periods_of_stock: Option<f64>,
}

/// What a stock pull changed in a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockReport {
    /// The form.
    pub form: String,
    /// Products kept (their local code, name and limits stay).
    pub kept: usize,
    /// Products added (LMIS code and name).
    pub added: Vec<String>,
    /// Products the LMIS no longer approves, removed.
    pub removed: Vec<String>,
    /// Whether the definition changed.
    pub changed: bool,
}

/// The stock part of `def` from the LMIS: `program` (id, code) with the
/// approved products in the LMIS's order (a product already on the form
/// keeps its local code, name, unit and limits; a new one takes the LMIS's
/// code, name and unit), the stock-event mode unless the form already
/// chose requisitions, the reasons given (else the form's own), and the
/// cross-check rules given (else the form's own).
pub fn merge_stock(
    def: &FormDefinition,
    program: &Entry,
    approved: &[ApprovedProduct],
    reasons: Option<ReasonNames>,
    rules: Option<Vec<Rule>>,
) -> (FormDefinition, StockReport) {
    let mut out = def.clone();
    let mut report = StockReport {
        form: def.id.clone(),
        ..StockReport::default()
    };
    let mut products = Vec::new();
    for a in approved {
        let o = &a.orderable;
        let code = o.entry.code.clone().unwrap_or_else(|| o.entry.id.clone());
        match def
            .products
            .iter()
            .find(|p| p.lmis_orderable_id == o.entry.id)
        {
            Some(p) => {
                let mut p = p.clone();
                p.lmis_product_code = Some(code);
                products.push(p);
                report.kept += 1;
            }
            None => {
                report.added.push(format!("{code} {}", o.entry.name));
                products.push(Product {
                    code: code.clone(),
                    name: o.entry.name.clone(),
                    labels: Default::default(),
                    unit: o.unit.clone(),
                    lmis_orderable_id: o.entry.id.clone(),
                    lmis_product_code: Some(code),
                    dhis2_soh_data_element: None,
                    dhis2_soh_category_option_combo: None,
                    warn_above: None,
                });
            }
        }
    }
    for p in &def.products {
        if !approved
            .iter()
            .any(|a| a.orderable.entry.id == p.lmis_orderable_id)
        {
            report.removed.push(format!("{} {}", p.code, p.name));
        }
    }
    out.products = products;
    let old = def.lmis.as_ref();
    out.lmis = Some(LmisTarget {
        kind: LmisKind::Openlmis,
        program_id: program.id.clone(),
        program_code: program.code.clone(),
        // Stock events go per form period; a requisition form keeps its own.
        period_type: old.map_or(def.period_type, |l| l.period_type),
        mode: old.map_or(LmisMode::StockEvent, |l| l.mode),
        reasons: reasons.or_else(|| old.and_then(|l| l.reasons.clone())),
    });
    if let Some(r) = rules {
        out.rules = r;
    }
    report.changed = out != *def;
    if report.changed {
        out.version = def.version.saturating_add(1);
    }
    (out, report)
}

/// Reads a facility of a `/api/facilities` answer (the tests' entry).
#[cfg(test)]
fn parse_facility(v: &Value) -> Option<LmisFacility> {
    facility_of(dto::decode(v).ok()?)
}

fn facility_of(f: dto::Facility) -> Option<LmisFacility> {
    let kind = f.facility_type.unwrap_or_default();
    Some(LmisFacility {
        entry: Entry {
            id: f.id?,
            code: f.code,
            name: f.name.unwrap_or_default(),
        },
        type_id: kind.id,
        type_code: kind.code,
        programs: f
            .supported_programs
            .into_iter()
            .filter_map(|p| p.id)
            .collect(),
    })
}

/// Reads an orderable (`productCode`, `fullProductName`, `netContent`; the tests' entry).
#[cfg(test)]
fn parse_orderable(v: &Value) -> Option<LmisOrderable> {
    orderable_of(dto::decode(v).ok()?)
}

fn orderable_of(o: dto::Orderable) -> Option<LmisOrderable> {
    let unit = o
        .dispensable
        .and_then(|d| d.dispensing_unit.or(d.size_code))
        .filter(|u| !u.is_empty());
    Some(LmisOrderable {
        entry: Entry {
            id: o.id?,
            code: o.product_code,
            name: o.full_product_name.unwrap_or_default(),
        },
        net_content: o.net_content,
        unit,
    })
}

/// The reasons of a valid reasons answer, as matching reads them.
pub fn reason_entries(v: &Value) -> Vec<ReasonEntry> {
    parse_valid_reasons(v)
        .into_iter()
        .map(|r| ReasonEntry {
            credit: r.reason_type == "CREDIT",
            entry: Entry {
                id: r.id,
                code: None,
                name: r.name,
            },
            tags: r.tags,
        })
        .collect()
}

fn get<C: LmisClient>(
    client: &mut C,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    path: &str,
    expect: Expect,
) -> Result<Result<Value, Fail>, Error> {
    Ok(client
        .call(pass, report, "GET", path, None, &[], &[], expect)?
        .map(|a| a.json))
}

/// Every facility of the LMIS (`GET /api/facilities`, full shape).
pub fn facilities<C: LmisClient>(
    client: &mut C,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
) -> Result<Result<Vec<LmisFacility>, Fail>, Error> {
    Ok(get(
        client,
        pass,
        report,
        &format!("/api/facilities/full?size={PAGE_SIZE}"),
        Expect::Page,
    )?
    .map(|v| {
        dto::page_items::<dto::Facility>(&v)
            .into_iter()
            .filter_map(facility_of)
            .collect()
    }))
}

/// Every program (`GET /api/programs`).
pub fn programs<C: LmisClient>(
    client: &mut C,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
) -> Result<Result<Vec<Entry>, Fail>, Error> {
    Ok(
        get(client, pass, report, "/api/programs", Expect::Page)?.map(|v| {
            dto::page_items::<dto::Program>(&v)
                .into_iter()
                .filter_map(|p| {
                    Some(Entry {
                        id: p.id?,
                        code: p.code,
                        name: p.name.unwrap_or_default(),
                    })
                })
                .collect()
        }),
    )
}

/// The orderables of a program (`GET /api/orderables?program=<code>`).
pub fn orderables<C: LmisClient>(
    client: &mut C,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    program_code: &str,
) -> Result<Result<Vec<LmisOrderable>, Fail>, Error> {
    Ok(get(
        client,
        pass,
        report,
        &format!(
            "/api/orderables?program={}&size={PAGE_SIZE}",
            encode_query(program_code)
        ),
        Expect::Page,
    )?
    .map(|v| {
        dto::page_items::<dto::Orderable>(&v)
            .into_iter()
            .filter_map(orderable_of)
            .collect()
    }))
}

/// The valid reasons of a program at a facility type (`GET /api/validReasons`).
pub fn valid_reasons<C: LmisClient>(
    client: &mut C,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    program_id: &str,
    facility_type_id: &str,
) -> Result<Result<Vec<ReasonEntry>, Fail>, Error> {
    Ok(get(
        client,
        pass,
        report,
        &format!(
            "/api/validReasons?program={}&facilityType={}",
            encode_query(program_id),
            encode_query(facility_type_id)
        ),
        Expect::Array,
    )?
    .map(|v| reason_entries(&v)))
}

/// The products approved for a facility in a program
/// (`GET /api/facilities/{id}/approvedProducts?programId=&fullSupply=true`).
pub fn approved_products<C: LmisClient>(
    client: &mut C,
    pass: &mut Pass<'_>,
    report: &mut DestinationReport,
    facility_id: &str,
    program_id: &str,
) -> Result<Result<Vec<ApprovedProduct>, Fail>, Error> {
    Ok(get(
        client,
        pass,
        report,
        &format!(
            "/api/facilities/{}/approvedProducts?programId={}&fullSupply=true&size={PAGE_SIZE}",
            encode_query(facility_id),
            encode_query(program_id)
        ),
        Expect::Page,
    )?
    .map(|v| {
        dto::page_items::<dto::ApprovedProduct>(&v)
            .into_iter()
            .filter_map(|a| {
                Some(ApprovedProduct {
                    orderable: orderable_of(a.orderable?)?,
                    max_periods_of_stock: a.max_periods_of_stock,
                })
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn master_list_items_are_read_as_the_contract_shapes_them() {
        // Shapes of contract §4 (facility.json, orderable.json, validReasons).
        let f = json!({"id": "f1", "code": "HC01", "name": "Kalembo", "type": {"id": "t1", "code": "health_post"},
            "supportedPrograms": [{"id": "p1", "code": "PRG1"}]});
        let got = parse_facility(&f).unwrap();
        assert_eq!(got.entry.code.as_deref(), Some("HC01"));
        assert_eq!(got.type_id.as_deref(), Some("t1"));
        assert_eq!(got.programs, vec!["p1"]);
        let o = json!({"id": "o1", "productCode": "C100", "fullProductName": "Oxytocin", "netContent": 10,
            "dispensable": {"dispensingUnit": "ampoule"}});
        let got = parse_orderable(&o).unwrap();
        assert_eq!(
            (got.net_content, got.unit.as_deref()),
            (Some(10), Some("ampoule"))
        );
        let reasons = json!([{"id": "a", "hidden": false, "reason": {"id": "r1", "name": "Dispensed",
            "reasonType": "DEBIT", "reasonCategory": "ADJUSTMENT", "tags": ["consumed"]}},
            {"id": "b", "hidden": true, "reason": {"id": "r2", "name": "Hidden", "reasonType": "CREDIT"}}]);
        let got = reason_entries(&reasons);
        assert_eq!(got.len(), 1, "a hidden assignment is not offered");
        assert!(!got[0].credit);
        assert_eq!(got[0].tags, vec!["consumed"]);
        // Something without an id is left out.
        assert!(parse_facility(&json!({"code": "X"})).is_none());
    }
}
