//! The facility map: the health post's local code mapped to its identity in
//! each destination (a DHIS2 organisation unit, an LMIS facility).
//!
//! Facility lists differ between the HMIS and the LMIS; the map is what joins
//! them. It is checked when loaded and consulted at entry, so a form for an
//! unmapped facility is refused at the health post, not at sync time.

use crate::model::form::{is_dhis2_uid, is_uuid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One facility and its identities in DHIS2 and the LMIS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Facility {
    /// The local code drafts use, e.g. `HP-001`.
    pub code: String,
    /// The facility's name, for display.
    pub name: String,
    /// DHIS2 organisation unit uid; absent when the facility does not report to DHIS2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhis2_org_unit: Option<String>,
    /// LMIS facility id (UUID in OpenLMIS); absent when it does not report to the LMIS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmis_facility_id: Option<String>,
    /// LMIS facility code, used to check the id against the LMIS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmis_facility_code: Option<String>,
    /// The forms this facility reports; empty means every form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
}

/// The file format of `schemas/facilities/*.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FacilityMapFile {
    #[serde(rename = "$schema", default, skip_serializing)]
    _schema: Option<String>,
    version: u32,
    facilities: Vec<Facility>,
}

/// Every mapped facility, by local code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityMap {
    facilities: BTreeMap<String, Facility>,
}

impl FacilityMap {
    /// Parses a facility map, returning every problem found (each names the facility).
    pub fn from_json(text: &str) -> Result<FacilityMap, Vec<String>> {
        let file: FacilityMapFile = serde_json::from_str(text)
            .map_err(|e| vec![format!("the facility map cannot be read: {e}")])?;
        if file.version != 1 {
            return Err(vec![format!(
                "the facility map has version {}, this agent reads version 1",
                file.version
            )]);
        }
        FacilityMap::new(file.facilities)
    }

    /// Builds a map from facilities, checking codes and identifiers.
    pub fn new(list: Vec<Facility>) -> Result<FacilityMap, Vec<String>> {
        let mut problems = Vec::new();
        let mut facilities = BTreeMap::new();
        let mut ous = BTreeMap::new();
        let mut lmis = BTreeMap::new();
        for f in list {
            if f.code.trim().is_empty() {
                problems.push(format!("facility '{}' has an empty code", f.name));
            }
            if let Some(ou) = &f.dhis2_org_unit {
                if !is_dhis2_uid(ou) {
                    problems.push(format!(
                        "facility '{}': dhis2_org_unit '{ou}' is not a DHIS2 uid",
                        f.code
                    ));
                }
                if let Some(other) = ous.insert(ou.clone(), f.code.clone()) {
                    problems.push(format!(
                        "facilities '{other}' and '{}' map to the same DHIS2 org unit {ou}",
                        f.code
                    ));
                }
            }
            if let Some(id) = &f.lmis_facility_id {
                if !is_uuid(id) {
                    problems.push(format!(
                        "facility '{}': lmis_facility_id '{id}' is not a UUID",
                        f.code
                    ));
                }
                if f.lmis_facility_code.as_deref().is_none_or(str::is_empty) {
                    problems.push(format!(
                        "facility '{}': lmis_facility_code is needed with lmis_facility_id",
                        f.code
                    ));
                }
                if let Some(other) = lmis.insert(id.clone(), f.code.clone()) {
                    problems.push(format!(
                        "facilities '{other}' and '{}' map to the same LMIS facility {id}",
                        f.code
                    ));
                }
            }
            let code = f.code.clone();
            if facilities.insert(code.clone(), f).is_some() {
                problems.push(format!("facility '{code}' is listed twice"));
            }
        }
        if problems.is_empty() {
            Ok(FacilityMap { facilities })
        } else {
            Err(problems)
        }
    }

    /// The facility with local code `code`.
    pub fn get(&self, code: &str) -> Option<&Facility> {
        self.facilities.get(code)
    }

    /// Every facility, ordered by code.
    pub fn iter(&self) -> impl Iterator<Item = &Facility> {
        self.facilities.values()
    }

    /// Number of facilities.
    pub fn len(&self) -> usize {
        self.facilities.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.facilities.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_all_reported_with_the_facility_named() {
        let text = r#"{"version":1,"facilities":[
            {"code":"HP-001","name":"A","dhis2_org_unit":"DiszpKrYNg8","lmis_facility_id":"e6799d64-d10d-4011-b8c2-0e4d4a3f65ce","lmis_facility_code":"HC01"},
            {"code":"HP-002","name":"B","dhis2_org_unit":"DiszpKrYNg8"},
            {"code":"HP-003","name":"C","lmis_facility_id":"not-a-uuid","lmis_facility_code":"HC03"},
            {"code":"HP-001","name":"D"}]}"#;
        let problems = FacilityMap::from_json(text).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("'HP-001' and 'HP-002'"));
        assert!(problems[1].contains("'not-a-uuid' is not a UUID"));
        assert!(problems[2].contains("'HP-001' is listed twice"));
    }

    #[test]
    fn a_good_map_loads() {
        let text = r#"{"version":1,"facilities":[{"code":"HP-001","name":"A","dhis2_org_unit":"DiszpKrYNg8"}]}"#;
        let m = FacilityMap::from_json(text).unwrap();
        assert_eq!(
            m.get("HP-001").unwrap().dhis2_org_unit.as_deref(),
            Some("DiszpKrYNg8")
        );
        assert!(m.get("HP-002").is_none());
    }
}
