//! The differing world's OpenLMIS (`--world differing`): master lists that
//! differ from the simulated DHIS2's (`dhis2/world.rs`) as real ones do:
//! renamed, merged, missing and duplicated-name facilities, product codes
//! and pack sizes of a national catalogue, and reason names that are not
//! the demo's (the bootstrap reasons exist, as in every install, but are
//! not valid for the program). Hand-written.

use super::{
    MockFacility, MockOrderable, MockProgram, MockReason, OpenLmisMockConfig, default_reasons,
    make_periods,
};
use crate::period::PeriodType;

/// The program of the differing world.
pub const DIFFERING_PROGRAM_ID: &str = "5f5b1c2e-3d4a-4b6c-8e9f-0a1b2c3d4e5f";
/// Its code.
pub const DIFFERING_PROGRAM_CODE: &str = "TZ-MNCH";

const HEALTH_POST: (&str, &str) = ("0c7d3a52-5d38-4e0f-a7b1-6f2c9e4d8a11", "health_post");
const DISPENSARY: (&str, &str) = ("1d8e4b63-6e49-4f10-b8c2-7a3d0f5e9b22", "dispensary");
const STORE: (&str, &str) = ("2e9f5c74-7f5a-4021-89d3-8b4e1a6fac33", "medical_store");

impl OpenLmisMockConfig {
    /// The differing world: facilities, one monthly program `TZ-MNCH`,
    /// three orderables in packs, six country reasons, a user
    /// `administrator`/`password` at Kalembo.
    pub fn differing_world() -> OpenLmisMockConfig {
        let fac =
            |id: &str, code: &str, name: &str, t: (&str, &str), programs: bool| MockFacility {
                id: id.to_string(),
                code: code.to_string(),
                name: name.to_string(),
                type_id: t.0.to_string(),
                type_code: t.1.to_string(),
                programs: if programs {
                    vec![DIFFERING_PROGRAM_ID.to_string()]
                } else {
                    Vec::new()
                },
            };
        let facilities = vec![
            fac(
                "7a1c0e2b-1111-4a5b-9c6d-0e1f2a3b4c01",
                "TZ-KAL-01",
                "Kalembo HP (Ilemela)",
                HEALTH_POST,
                true,
            ),
            fac(
                "7a1c0e2b-2222-4a5b-9c6d-0e1f2a3b4c02",
                "HC-MB2",
                "MBANDA Zahanati",
                DISPENSARY,
                true,
            ),
            fac(
                "7a1c0e2b-3333-4a5b-9c6d-0e1f2a3b4c03",
                "NY-03",
                "Nyakato Zahanati",
                DISPENSARY,
                true,
            ),
            fac(
                "7a1c0e2b-4444-4a5b-9c6d-0e1f2a3b4c04",
                "TU-09",
                "Tumayini Clinic",
                HEALTH_POST,
                true,
            ),
            fac(
                "7a1c0e2b-5555-4a5b-9c6d-0e1f2a3b4c05",
                "DH05",
                "Kisiwani Dispensary",
                DISPENSARY,
                true,
            ),
            fac(
                "7a1c0e2b-6666-4a5b-9c6d-0e1f2a3b4c06",
                "DH05-B",
                "Zahanati ya Kisiwani",
                DISPENSARY,
                true,
            ),
            fac(
                "7a1c0e2b-7777-4a5b-9c6d-0e1f2a3b4c07",
                "SN-ND-1",
                "NDIAYE",
                HEALTH_POST,
                true,
            ),
            fac(
                "7a1c0e2b-8888-4a5b-9c6d-0e1f2a3b4c08",
                "CMS",
                "Central Medical Store",
                STORE,
                false,
            ),
        ];
        let product = |id: &str, code: &str, name: &str, pack: i64| MockOrderable {
            id: id.to_string(),
            product_code: code.to_string(),
            name: name.to_string(),
            net_content: pack,
            version: 1,
            programs: vec![DIFFERING_PROGRAM_ID.to_string()],
        };
        let orderables = vec![
            product(
                "8b2d1f3c-0042-4b6c-8d7e-1f2a3b4c5d42",
                "MED-0042",
                "Oxytocin Injection 10 IU/ml",
                50,
            ),
            product(
                "8b2d1f3c-0107-4b6c-8d7e-1f2a3b4c5107",
                "MED-0107",
                "Misoprostol Tablets 200 mcg",
                100,
            ),
            product(
                "8b2d1f3c-0230-4b6c-8d7e-1f2a3b4c5230",
                "MED-0230",
                "Magnesium Sulphate Injection 50%",
                10,
            ),
        ];
        let mut approved = Vec::new();
        for t in [HEALTH_POST.0, DISPENSARY.0] {
            for o in &orderables {
                approved.push((
                    t.to_string(),
                    DIFFERING_PROGRAM_ID.to_string(),
                    o.id.clone(),
                    3.0,
                ));
            }
        }
        let country = vec![
            MockReason::new(
                "9c3e2a4d-0001-4c7d-8e9f-2a3b4c5d6e01",
                "Dispensed",
                "DEBIT",
                "ADJUSTMENT",
                &["consumed"],
            ),
            MockReason::new(
                "9c3e2a4d-0002-4c7d-8e9f-2a3b4c5d6e02",
                "Received from MSD",
                "CREDIT",
                "ADJUSTMENT",
                &["received"],
            ),
            MockReason::new(
                "9c3e2a4d-0003-4c7d-8e9f-2a3b4c5d6e03",
                "Expired",
                "DEBIT",
                "ADJUSTMENT",
                &["adjustment"],
            ),
            MockReason::new(
                "9c3e2a4d-0004-4c7d-8e9f-2a3b4c5d6e04",
                "Damaged",
                "DEBIT",
                "ADJUSTMENT",
                &["adjustment"],
            ),
            MockReason::new(
                "9c3e2a4d-0005-4c7d-8e9f-2a3b4c5d6e05",
                "Stock count surplus",
                "CREDIT",
                "ADJUSTMENT",
                &["adjustment"],
            ),
            MockReason::new(
                "9c3e2a4d-0006-4c7d-8e9f-2a3b4c5d6e06",
                "Stock count deficit",
                "DEBIT",
                "ADJUSTMENT",
                &["adjustment"],
            ),
        ];
        let mut valid_reasons = Vec::new();
        for t in [HEALTH_POST.0, DISPENSARY.0] {
            for r in &country {
                valid_reasons.push((
                    DIFFERING_PROGRAM_ID.to_string(),
                    t.to_string(),
                    r.id.clone(),
                ));
            }
        }
        let mut reasons = default_reasons();
        reasons.extend(country);
        OpenLmisMockConfig {
            users: vec![(
                "administrator".to_string(),
                "password".to_string(),
                facilities[0].id.clone(),
            )],
            facilities,
            programs: vec![MockProgram {
                id: DIFFERING_PROGRAM_ID.to_string(),
                code: DIFFERING_PROGRAM_CODE.to_string(),
                name: "Maternal, newborn and child health".to_string(),
            }],
            orderables,
            approved,
            reasons,
            valid_reasons,
            periods: make_periods(PeriodType::Monthly)
                .into_iter()
                .map(|p| (DIFFERING_PROGRAM_ID.to_string(), p))
                .collect(),
            ..OpenLmisMockConfig::default()
        }
    }
}
