//! The simulated stockmanagement's physical inventory drafts, as the
//! OpenLMIS UI uses them (the peer the benchmarks compare the agent with):
//! `GET /api/physicalInventories?program&facility&isDraft`, `POST
//! /api/physicalInventories` (an empty draft, one per facility and program),
//! `PUT /api/physicalInventories/{id}` (save the draft), `DELETE` of a
//! draft. Sources: openlmis-stockmanagement `api-definition.yaml`
//! (`/physicalInventories`, schemas `physicalInventory.json`,
//! `physicalInventoryLineItem.json`); openlmis-stockmanagement-ui
//! `physical-inventory.service.js` (the UI submits a draft as a stock event
//! whose `resourceId` is the draft's id) and `physical-inventory.factory.js`
//! (the saved line items: `orderableId`, `lotId`, `quantity`,
//! `extraData.vvmStatus`, `stockAdjustments`).
//!
//! Not modelled: the PDF/CSV formats of `GET /{id}`, lots, the draft's
//! `previousStockOnHandWhenSubmitted`. The error keys of a second draft and
//! of an unknown or submitted draft are this simulation's own (the
//! service's message keys were not checked).

use super::{Principal, Service, is_uuid, json_body, message};
use crate::http::{Request, Response};
use serde_json::{Value, json};

impl Service {
    /// `GET /api/physicalInventories`: the facility's and program's
    /// inventories (drafts only with `isDraft=true`), an empty list if none.
    pub(super) fn physical_inventories(&self, req: &Request) -> Response {
        let (Some(program), Some(facility)) =
            (req.query_param("program"), req.query_param("facility"))
        else {
            return message(
                400,
                "stockmanagement.error.physicalInventory.parameters.missing",
                "The program and facility parameters are required",
            );
        };
        let drafts_only = req.query_param("isDraft") == Some("true");
        let st = self.lock();
        let found: Vec<Value> = st
            .drafts
            .values()
            .filter(|d| d["programId"] == program && d["facilityId"] == facility)
            .filter(|d| !drafts_only || d["isDraft"] == true)
            .cloned()
            .collect();
        Response::json(200, &Value::Array(found))
    }

    /// `POST /api/physicalInventories`: a new empty draft for the body's
    /// facility and program (201), refused when one is already open.
    pub(super) fn create_physical_inventory(&self, req: &Request, _who: &Principal) -> Response {
        let body = match json_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let (Some(program), Some(facility)) = (
            body["programId"].as_str().filter(|s| is_uuid(s)),
            body["facilityId"].as_str().filter(|s| is_uuid(s)),
        ) else {
            return message(
                400,
                "stockmanagement.error.physicalInventory.programId.facilityId.missing",
                "A physical inventory needs a programId and a facilityId",
            );
        };
        if self.refs.facility(facility).is_none() || self.refs.program(program).is_none() {
            return message(
                400,
                "stockmanagement.error.physicalInventory.programId.facilityId.invalid",
                "The facility or the program of the physical inventory was not found",
            );
        }
        let mut st = self.lock();
        if st.drafts.values().any(|d| {
            d["programId"] == program && d["facilityId"] == facility && d["isDraft"] == true
        }) {
            return message(
                400,
                "stockmanagement.error.physicalInventory.draft.exists",
                "A draft physical inventory already exists for this facility and program",
            );
        }
        let id = st.uuid();
        let draft = json!({
            "id": id, "programId": program, "facilityId": facility,
            "isDraft": true, "lineItems": [],
        });
        st.drafts.insert(id, draft.clone());
        Response::json(201, &draft)
    }

    /// `PUT /api/physicalInventories/{id}`: saves the draft's line items
    /// (and occurred date, signature, document number) and answers with the
    /// saved draft.
    pub(super) fn save_physical_inventory(&self, req: &Request, id: &str) -> Response {
        let body = match json_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut st = self.lock();
        let Some(draft) = st.drafts.get_mut(id).filter(|d| d["isDraft"] == true) else {
            return message(
                404,
                "stockmanagement.error.physicalInventory.draft.notFound",
                &format!("There is no draft physical inventory with id {id}"),
            );
        };
        if body["programId"] != draft["programId"] || body["facilityId"] != draft["facilityId"] {
            return message(
                400,
                "stockmanagement.error.physicalInventory.draft.programId.facilityId.changed",
                "A draft keeps its facility and program",
            );
        }
        let Some(lines) = body["lineItems"].as_array() else {
            return message(
                400,
                "stockmanagement.error.physicalInventory.lineItems.missing",
                "The draft has no line items",
            );
        };
        if lines
            .iter()
            .any(|l| l["orderableId"].as_str().is_none_or(|o| !is_uuid(o)))
        {
            return message(
                400,
                "stockmanagement.error.physicalInventory.orderable.missing",
                "Every line of the draft needs an orderableId",
            );
        }
        for field in ["lineItems", "occurredDate", "signature", "documentNumber"] {
            if !body[field].is_null() {
                draft[field] = body[field].clone();
            }
        }
        Response::json(200, draft)
    }

    /// `DELETE /api/physicalInventories/{id}`: drops a draft (204).
    pub(super) fn delete_physical_inventory(&self, id: &str) -> Response {
        let mut st = self.lock();
        match st.drafts.get(id).map(|d| d["isDraft"] == true) {
            Some(true) => {
                st.drafts.remove(id);
                Response::empty(204)
            }
            Some(false) => message(
                400,
                "stockmanagement.error.physicalInventory.isSubmitted",
                "This physical inventory is submitted; it cannot be deleted",
            ),
            None => message(
                404,
                "stockmanagement.error.physicalInventory.draft.notFound",
                &format!("There is no physical inventory with id {id}"),
            ),
        }
    }
}
