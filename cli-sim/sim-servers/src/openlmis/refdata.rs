//! The simulated referencedata and stockmanagement configuration (§4):
//! facilities, programs, orderables, approved products, users, processing
//! periods, reasons, valid reasons and valid sources/destinations.

use super::{
    DISTRICT_STORE_NODE_ID, MockFacility, MockOrderable, MockPeriod, MockProgram, MockReason,
    OpenLmisMockConfig, Service, User, derived_uuid, message, page,
};
use crate::http::{Request, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A facility type approved product.
#[derive(Debug, Clone)]
pub(super) struct Approved {
    pub id: String,
    pub type_id: String,
    pub program: String,
    pub orderable: String,
    pub max_periods: f64,
}

/// A valid reason assignment.
#[derive(Debug, Clone)]
pub(super) struct ValidReason {
    pub id: String,
    pub program: String,
    pub facility_type: String,
    pub reason: String,
}

/// A stockmanagement node: what `sourceId`/`destinationId` point at (§4).
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub id: String,
    pub name: String,
    pub reference_id: String,
    pub is_facility: bool,
}

/// The reference data, fixed when the server starts.
#[derive(Debug)]
pub(super) struct Reference {
    pub facilities: Vec<MockFacility>,
    pub programs: Vec<MockProgram>,
    pub orderables: Vec<MockOrderable>,
    pub approved: Vec<Approved>,
    pub reasons: Vec<MockReason>,
    pub valid_reasons: Vec<ValidReason>,
    /// (program id, period), sorted by start date.
    pub periods: Vec<(String, MockPeriod)>,
    pub stock_based: BTreeSet<String>,
    pub users: Vec<User>,
    pub clients: Vec<(String, String, Vec<String>)>,
    pub nodes: Vec<Node>,
}

impl Reference {
    pub fn new(c: &OpenLmisMockConfig) -> Reference {
        let users = c
            .users
            .iter()
            .map(|(u, p, home)| User {
                id: derived_uuid(&["user", u]),
                username: u.clone(),
                password: p.clone(),
                home_facility: home.clone(),
            })
            .collect();
        let approved = c
            .approved
            .iter()
            .map(|(t, p, o, max)| Approved {
                id: derived_uuid(&["ftap", t, p, o]),
                type_id: t.clone(),
                program: p.clone(),
                orderable: o.clone(),
                max_periods: *max,
            })
            .collect();
        let valid_reasons = c
            .valid_reasons
            .iter()
            .map(|(p, t, r)| ValidReason {
                id: derived_uuid(&["validReason", p, t, r]),
                program: p.clone(),
                facility_type: t.clone(),
                reason: r.clone(),
            })
            .collect();
        let mut periods = c.periods.clone();
        periods.sort_by(|a, b| (a.1.start, &a.1.id).cmp(&(b.1.start, &b.1.id)));
        let mut nodes: Vec<Node> = c
            .facilities
            .iter()
            .map(|f| Node {
                id: derived_uuid(&["node", &f.id]),
                name: f.name.clone(),
                reference_id: f.id.clone(),
                is_facility: true,
            })
            .collect();
        nodes.push(Node {
            id: DISTRICT_STORE_NODE_ID.to_string(),
            name: "District Medical Store".to_string(),
            reference_id: derived_uuid(&["organization", "district-store"]),
            is_facility: false,
        });
        Reference {
            facilities: c.facilities.clone(),
            programs: c.programs.clone(),
            orderables: c.orderables.clone(),
            approved,
            reasons: c.reasons.clone(),
            valid_reasons,
            periods,
            stock_based: c.stock_based_templates.iter().cloned().collect(),
            users,
            clients: c.clients.clone(),
            nodes,
        }
    }

    pub fn facility(&self, id: &str) -> Option<&MockFacility> {
        self.facilities.iter().find(|f| f.id == id)
    }

    pub fn program(&self, id: &str) -> Option<&MockProgram> {
        self.programs.iter().find(|p| p.id == id)
    }

    pub fn orderable(&self, id: &str) -> Option<&MockOrderable> {
        self.orderables.iter().find(|o| o.id == id)
    }

    pub fn reason(&self, id: &str) -> Option<&MockReason> {
        self.reasons.iter().find(|r| r.id == id)
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The approved product of (facility type, program, orderable).
    pub fn approved(&self, type_id: &str, program: &str, orderable: &str) -> Option<&Approved> {
        self.approved
            .iter()
            .find(|a| a.type_id == type_id && a.program == program && a.orderable == orderable)
    }

    /// The approved products of a facility type in a program, in configuration order.
    pub fn approved_for(&self, type_id: &str, program: &str) -> Vec<&Approved> {
        self.approved
            .iter()
            .filter(|a| a.type_id == type_id && a.program == program)
            .collect()
    }

    pub fn reason_is_valid(&self, program: &str, type_id: &str, reason: &str) -> bool {
        self.valid_reasons
            .iter()
            .any(|v| v.program == program && v.facility_type == type_id && v.reason == reason)
    }

    /// The periods of a program's schedule, oldest first.
    pub fn periods_of(&self, program: &str) -> Vec<&MockPeriod> {
        self.periods
            .iter()
            .filter(|(p, _)| p == program)
            .map(|(_, period)| period)
            .collect()
    }

    /// A period by id (periods are shared by the programs of one schedule).
    pub fn period(&self, id: &str) -> Option<&MockPeriod> {
        self.periods.iter().map(|(_, p)| p).find(|p| p.id == id)
    }

    pub fn facility_supports(&self, facility: &str, program: &str) -> bool {
        self.facility(facility)
            .is_some_and(|f| f.programs.iter().any(|p| p == program))
    }

    /// A facility type as `{id, code, name}`.
    fn facility_type_json(&self, type_id: &str) -> Value {
        let code = self
            .facilities
            .iter()
            .find(|f| f.type_id == type_id)
            .map_or("unknown", |f| f.type_code.as_str());
        json!({"id": type_id, "code": code, "name": code, "displayOrder": 1, "active": true})
    }

    pub fn program_json(&self, p: &MockProgram) -> Value {
        json!({
            "id": p.id,
            "code": p.code,
            "name": p.name,
            "description": p.name,
            "active": true,
            "periodsSkippable": false,
            "skipAuthorization": false,
            "showNonFullSupplyTab": false,
            "enableDatePhysicalStockCountCompleted": false,
        })
    }

    /// A facility: the basic DTO, or the full one with supported programs.
    pub fn facility_json(&self, f: &MockFacility, full: bool) -> Value {
        let mut v = json!({
            "id": f.id,
            "code": f.code,
            "name": f.name,
            "active": true,
            "enabled": true,
            "type": self.facility_type_json(&f.type_id),
            "geographicZone": {
                "id": derived_uuid(&["zone", "district"]),
                "code": "DIST-1",
                "name": "Simulated district",
                "level": {
                    "id": derived_uuid(&["level", "district"]),
                    "code": "District",
                    "name": "District",
                    "levelNumber": 3,
                },
            },
        });
        if full {
            let programs: Vec<Value> = f
                .programs
                .iter()
                .filter_map(|id| self.program(id))
                .map(|p| {
                    json!({
                        "id": p.id,
                        "code": p.code,
                        "name": p.name,
                        "description": p.name,
                        "programActive": true,
                        "periodsSkippable": false,
                        "showNonFullSupplyTab": false,
                        "supportActive": true,
                        "supportLocallyFulfilled": false,
                        "supportStartDate": "2017-01-01",
                    })
                })
                .collect();
            v["openLmisAccessible"] = json!(true);
            v["supportedPrograms"] = json!(programs);
            v["extraData"] = json!({});
        }
        v
    }

    pub fn orderable_json(&self, o: &MockOrderable) -> Value {
        let programs: Vec<Value> = o
            .programs
            .iter()
            .map(|p| {
                json!({
                    "programId": p,
                    "orderableDisplayCategoryId": derived_uuid(&["category", "default"]),
                    "orderableCategoryDisplayName": "Default",
                    "orderableCategoryDisplayOrder": 1,
                    "dosesPerPatient": 1,
                    "active": true,
                    "fullSupply": true,
                    "displayOrder": 1,
                    "pricePerPack": 0,
                })
            })
            .collect();
        json!({
            "id": o.id,
            "productCode": o.product_code,
            "fullProductName": o.name,
            "description": o.name,
            "netContent": o.net_content,
            "packRoundingThreshold": 1,
            "roundToZero": false,
            "dispensable": {"dispensingUnit": "each"},
            "programs": programs,
            "children": [],
            "identifiers": {},
            "extraData": {},
            "meta": {"versionNumber": o.version, "lastUpdated": "2024-01-01T00:00:00Z"},
        })
    }

    pub fn reason_json(r: &MockReason) -> Value {
        json!({
            "id": r.id,
            "name": r.name,
            "description": r.name,
            "reasonType": r.reason_type,
            "reasonCategory": r.category,
            "isFreeTextAllowed": r.free_text_allowed,
            "tags": r.tags,
        })
    }

    pub fn schedule_json(code: &str) -> Value {
        let name = match code {
            "SCH-Q" => "Quarterly",
            "SCH-M" => "Monthly",
            other => other,
        };
        json!({
            "id": derived_uuid(&["schedule", code]),
            "code": code,
            "name": name,
            "description": name,
        })
    }

    pub fn period_json(p: &MockPeriod) -> Value {
        json!({
            "id": p.id,
            "name": p.name,
            "description": p.name,
            "startDate": p.start.to_string(),
            "endDate": p.end.to_string(),
            "durationInMonths": p.months(),
            "processingSchedule": Reference::schedule_json(&p.schedule),
            "extraData": {},
        })
    }
}

/// `UPPER(x) LIKE %UPPER(pattern)%` (§4: the facility code filter).
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_uppercase().contains(&needle.to_uppercase())
}

impl Service {
    /// `GET /api/facilities[?code=&name=]` and `/api/facilities/full`: a page
    /// of facilities whose code (or name) contains the filter,
    /// case-insensitively — a search for `HC01` also finds `HC010` (§4, §9).
    pub(super) fn facilities_search(&self, req: &Request, basic: bool) -> Response {
        let code = req.query_param("code");
        let name = req.query_param("name");
        let items: Vec<Value> = self
            .refs
            .facilities
            .iter()
            .filter(|f| code.is_none_or(|c| contains_ci(&f.code, c)))
            .filter(|f| name.is_none_or(|n| contains_ci(&f.name, n)))
            .map(|f| self.refs.facility_json(f, !basic))
            .collect();
        Response::json(200, &page(req, items))
    }

    /// `GET /api/facilities/{id}`.
    pub(super) fn facility(&self, id: &str) -> Response {
        match self.refs.facility(id) {
            Some(f) => Response::json(200, &self.refs.facility_json(f, true)),
            None => message(
                404,
                "referenceData.error.facility.notFound",
                &format!("Facility with id {id} was not found"),
            ),
        }
    }

    /// `GET /api/facilities/{id}/approvedProducts?programId=` (a page).
    pub(super) fn approved_products(&self, req: &Request, id: &str) -> Response {
        let Some(f) = self.refs.facility(id) else {
            return self.facility(id);
        };
        // Upstream takes the program id (`programId`) or code (`program`).
        let program = req.query_param("programId").or_else(|| {
            req.query_param("program").and_then(|code| {
                self.refs
                    .programs
                    .iter()
                    .find(|p| p.code == code || p.id == code)
                    .map(|p| p.id.as_str())
            })
        });
        let items: Vec<Value> = self
            .refs
            .approved
            .iter()
            .filter(|a| a.type_id == f.type_id)
            .filter(|a| program.is_none_or(|p| a.program == p))
            .filter_map(|a| {
                let o = self.refs.orderable(&a.orderable)?;
                let p = self.refs.program(&a.program)?;
                Some(json!({
                    "id": a.id,
                    "orderable": self.refs.orderable_json(o),
                    "program": self.refs.program_json(p),
                    "facilityType": self.refs.facility_type_json(&a.type_id),
                    "maxPeriodsOfStock": a.max_periods,
                    "active": true,
                    "meta": {"versionNumber": 1, "lastUpdated": "2024-01-01T00:00:00Z"},
                }))
            })
            .collect();
        Response::json(200, &page(req, items))
    }

    /// `GET /api/programs` (a bare array).
    pub(super) fn programs(&self) -> Response {
        let items: Vec<Value> = self
            .refs
            .programs
            .iter()
            .map(|p| self.refs.program_json(p))
            .collect();
        Response::json(200, &json!(items))
    }

    /// `GET /api/programs/{id}`.
    pub(super) fn program(&self, id: &str) -> Response {
        match self.refs.program(id) {
            Some(p) => Response::json(200, &self.refs.program_json(p)),
            None => message(
                404,
                "referenceData.error.program.notFound",
                &format!("Program with id {id} was not found"),
            ),
        }
    }

    /// `GET /api/orderables?exactCode=&code=&name=&program=&id=` (a page;
    /// `exactCode` and `id` repeatable, `code`/`name` case-insensitive
    /// substrings, `program` a program code).
    pub(super) fn orderables(&self, req: &Request) -> Response {
        let exact = req.query_params("exactCode");
        let ids = req.query_params("id");
        let code = req.query_param("code");
        let name = req.query_param("name");
        let program = req.query_param("program").map(|c| {
            self.refs
                .programs
                .iter()
                .find(|p| p.code == c || p.id == c)
                .map_or(String::new(), |p| p.id.clone())
        });
        let items: Vec<Value> = self
            .refs
            .orderables
            .iter()
            .filter(|o| {
                exact.is_empty()
                    || exact
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case(&o.product_code))
            })
            .filter(|o| ids.is_empty() || ids.contains(&o.id.as_str()))
            .filter(|o| code.is_none_or(|c| contains_ci(&o.product_code, c)))
            .filter(|o| name.is_none_or(|n| contains_ci(&o.name, n)))
            .filter(|o| program.as_ref().is_none_or(|p| o.programs.contains(p)))
            .map(|o| self.refs.orderable_json(o))
            .collect();
        Response::json(200, &page(req, items))
    }

    /// `GET /api/orderables/{id}[?versionNumber=]`.
    pub(super) fn orderable(&self, req: &Request, id: &str) -> Response {
        let version = req.query_param("versionNumber");
        match self.refs.orderable(id) {
            Some(o) if version.is_none_or(|v| v == o.version.to_string()) => {
                Response::json(200, &self.refs.orderable_json(o))
            }
            _ => message(
                404,
                "referenceData.error.orderable.notFound",
                &format!("Orderable with id {id} was not found"),
            ),
        }
    }

    /// `GET /api/users/{id}`: the user and its home facility (§3, §4).
    pub(super) fn user(&self, id: &str) -> Response {
        match self.refs.users.iter().find(|u| u.id == id) {
            Some(u) => Response::json(
                200,
                &json!({
                    "id": u.id,
                    "username": u.username,
                    "firstName": u.username,
                    "lastName": "",
                    "active": true,
                    "homeFacilityId": u.home_facility,
                    "roleAssignments": [],
                }),
            ),
            None => message(
                404,
                "referenceData.error.user.notFound",
                &format!("User with id {id} was not found"),
            ),
        }
    }

    /// `GET /api/processingPeriods?programId=&facilityId=` (both or neither; a page).
    pub(super) fn processing_periods(&self, req: &Request) -> Response {
        let program = req.query_param("programId");
        let facility = req.query_param("facilityId");
        let items: Vec<Value> = match (program, facility) {
            (Some(p), Some(f)) => {
                if self.refs.facility_supports(f, p) {
                    self.refs
                        .periods_of(p)
                        .into_iter()
                        .map(Reference::period_json)
                        .collect()
                } else {
                    Vec::new()
                }
            }
            (None, None) => {
                let mut seen = BTreeSet::new();
                self.refs
                    .periods
                    .iter()
                    .filter(|(_, p)| seen.insert(p.id.clone()))
                    .map(|(_, p)| Reference::period_json(p))
                    .collect()
            }
            _ => {
                return message(
                    400,
                    "referenceData.error.processingPeriod.programId.facilityId.required",
                    "Both programId and facilityId are required when one of them is given",
                );
            }
        };
        Response::json(200, &page(req, items))
    }

    /// `GET /api/processingPeriods/{id}`.
    pub(super) fn processing_period(&self, id: &str) -> Response {
        match self.refs.period(id) {
            Some(p) => Response::json(200, &Reference::period_json(p)),
            None => message(
                404,
                "referenceData.error.processingPeriod.notFound",
                &format!("Processing period with id {id} was not found"),
            ),
        }
    }

    /// `GET /api/stockCardLineItemReasons` (a bare array).
    pub(super) fn reasons(&self) -> Response {
        let items: Vec<Value> = self
            .refs
            .reasons
            .iter()
            .map(Reference::reason_json)
            .collect();
        Response::json(200, &json!(items))
    }

    /// `GET /api/validReasons?program=&facilityType=[&reasonType=]` (a bare
    /// array, §4, §9).
    pub(super) fn valid_reasons(&self, req: &Request) -> Response {
        let program = req.query_param("program");
        let facility_type = req.query_param("facilityType");
        let reason_types = req.query_params("reasonType");
        let items: Vec<Value> = self
            .refs
            .valid_reasons
            .iter()
            .filter(|v| program.is_none_or(|p| v.program == p))
            .filter(|v| facility_type.is_none_or(|t| v.facility_type == t))
            .filter_map(|v| {
                let r = self.refs.reason(&v.reason)?;
                if !reason_types.is_empty() && !reason_types.contains(&r.reason_type.as_str()) {
                    return None;
                }
                Some(json!({
                    "id": v.id,
                    "program": {"id": v.program},
                    "facilityType": {"id": v.facility_type},
                    "hidden": false,
                    "reason": Reference::reason_json(r),
                }))
            })
            .collect();
        Response::json(200, &json!(items))
    }

    /// `GET /api/validSources|validDestinations?programId=&facilityId=`: a
    /// page of assignments whose `node.id` is what goes into
    /// `sourceId`/`destinationId` (§4).
    pub(super) fn valid_nodes(&self, req: &Request, sources: bool) -> Response {
        let (Some(program), Some(facility)) =
            (req.query_param("programId"), req.query_param("facilityId"))
        else {
            return message(
                400,
                "stockmanagement.error.program.id.missing",
                "programId and facilityId are required",
            );
        };
        let Some(f) = self.refs.facility(facility) else {
            return message(
                400,
                "stockmanagement.error.facility.id.missing",
                &format!("Facility {facility} was not found"),
            );
        };
        let kind = if sources { "source" } else { "destination" };
        let items: Vec<Value> = self
            .refs
            .nodes
            .iter()
            .filter(|n| n.reference_id != f.id)
            .map(|n| {
                json!({
                    "id": derived_uuid(&[kind, program, &f.type_id, &n.id]),
                    "programId": program,
                    "facilityTypeId": f.type_id,
                    "node": {
                        "id": n.id,
                        "referenceId": n.reference_id,
                        "isRefDataFacility": n.is_facility,
                    },
                    "name": n.name,
                    "isFreeTextAllowed": !n.is_facility,
                })
            })
            .collect();
        Response::json(200, &page(req, items))
    }
}
