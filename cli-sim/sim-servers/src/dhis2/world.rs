//! The differing world's DHIS2 (`--world differing`): a country whose org
//! units differ from the simulated OpenLMIS's facilities the way real master
//! lists do (see `openlmis/world.rs` for the other side). Hand-written.

use super::{Dhis2MockConfig, MockDataElement, MockDataSet};
use crate::period::PeriodType;

/// The data set of the differing world (maternal health, monthly).
pub const DIFFERING_DATA_SET: &str = "TzMnchMon01";

/// (uid, name, code) of the org units the data set is assigned to.
pub const DIFFERING_ORG_UNITS: &[(&str, &str, Option<&str>)] = &[
    // The same code as the LMIS facility; the LMIS spells the name otherwise.
    ("TzKalembo01", "Kalembo Health Post", Some("TZ-KAL-01")),
    // Another code; the same name once "Dispensary"/"Zahanati" are left out.
    ("TzMbanda001", "Mbanda Dispensary", Some("MBD")),
    // Two org units for one LMIS facility (merged in the LMIS).
    ("TzNyakato01", "Nyakato Health Post", None),
    ("TzNyakato02", "Nyakato Dispensary", None),
    // Not in the LMIS under any code or name; only a look-alike.
    ("TzTumaini01", "Tumaini Health Post", None),
    // The LMIS has two facilities of this name (an old and a new record).
    ("TzKisiwan01", "Kisiwani Dispensary", None),
    // French name; the LMIS has the bare place name.
    ("SnNdiaye001", "Poste de Santé de Ndiaye", None),
];

impl Dhis2MockConfig {
    /// The differing world: one monthly data set (deliveries, PPH cases)
    /// assigned to [`DIFFERING_ORG_UNITS`].
    pub fn differing_world() -> Dhis2MockConfig {
        let element = |uid: &str, name: &str| {
            let mut e = MockDataElement::new(uid, "INTEGER_ZERO_OR_POSITIVE");
            e.name = name.to_string();
            e
        };
        let org_units: Vec<&str> = DIFFERING_ORG_UNITS.iter().map(|o| o.0).collect();
        let mut ds = MockDataSet::new(
            DIFFERING_DATA_SET,
            PeriodType::Monthly,
            &org_units,
            vec![
                element("TzDeliver01", "MNCH - Deliveries at facility"),
                element("TzPphCase01", "MNCH - Post-partum haemorrhage cases"),
            ],
        );
        ds.name = "MNCH monthly summary".to_string();
        Dhis2MockConfig {
            data_sets: vec![ds],
            org_units: DIFFERING_ORG_UNITS
                .iter()
                .map(|(u, n, _)| (u.to_string(), n.to_string()))
                .collect(),
            org_unit_codes: DIFFERING_ORG_UNITS
                .iter()
                .filter_map(|(u, _, c)| Some((u.to_string(), (*c)?.to_string())))
                .collect(),
            ..Dhis2MockConfig::default()
        }
    }
}
