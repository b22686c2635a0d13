//! The metadata a client reads: `GET /api/system/info`, `/api/me`,
//! `/api/dataSets[/{uid}]`, `/api/organisationUnits/{uid}`.

use super::*;

impl Service {
    pub(super) fn system_info(&self) -> Response {
        let v = self.lock().version;
        let now = Utc::now().naive_utc();
        Response::json(
            200,
            &json!({
                "version": v.version_string(),
                "revision": format!("mock{}", v.version_string().replace('.', "")),
                "buildTime": "2025-01-01T00:00:00.000",
                "serverDate": now.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                "serverTimeZoneId": "Etc/UTC",
                "calendar": "iso8601",
                "dateFormat": "yyyy-mm-dd",
                "systemName": "DHIS2 (simulated)",
            }),
        )
    }

    pub(super) fn me(&self, user: &str) -> Response {
        let st = self.lock();
        let org_units: Vec<Value> = st
            .meta
            .org_units
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect();
        let data_sets: Vec<&String> = st.meta.data_sets.keys().collect();
        let mut me = json!({
            "id": derived_uid('U', &format!("u{user}xxxxxxxxxxx")),
            "username": user,
            "name": user,
            "displayName": user,
            "organisationUnits": org_units,
            "dataSets": data_sets,
            "authorities": if st.rules.without_data_value_add {
                json!([])
            } else {
                json!(["F_DATAVALUE_ADD"])
            },
        });
        // ≤2.37 clients read the username under `userCredentials` (§2.1).
        if st.version == VersionFamily::V2_37 {
            me["userCredentials"] = json!({"username": user});
        }
        Response::json(200, &me)
    }

    pub(super) fn data_set_list(&self, req: &Request) -> Response {
        let st = self.lock();
        let list: Vec<Value> = st
            .meta
            .data_sets
            .values()
            .map(|d| json!({"id": d.uid, "name": d.name, "displayName": d.name}))
            .collect();
        let mut out = json!({"dataSets": list});
        if req.query_param("paging") != Some("false") {
            let total = st.meta.data_sets.len();
            out["pager"] =
                json!({"page": 1, "pageCount": 1, "total": total, "pageSize": total.max(50)});
        }
        Response::json(200, &out)
    }

    /// `GET /api/dataSets/{uid}` in the single-request shape of §2.2 (the
    /// `fields` filter is ignored: the full shape is always returned).
    pub(super) fn data_set(&self, uid: &str) -> Response {
        let st = self.lock();
        let Some(ds) = st.meta.data_sets.get(uid) else {
            return web_message(
                404,
                "ERROR",
                &format!("DataSet with id {uid} could not be found."),
            )
            .with_error_code("E1005");
        };
        let elements: Vec<Value> = ds
            .elements
            .iter()
            .map(|e| {
                let e = st.meta.elements.get(&e.uid).unwrap_or(e);
                json!({"dataElement": {
                    "id": e.uid, "name": e.name, "formName": e.name, "valueType": e.value_type,
                    "zeroIsSignificant": e.zero_is_significant,
                    "translations": e.translations.iter().map(|(property, locale, value)| {
                        json!({"property": property, "locale": locale, "value": value})
                    }).collect::<Vec<_>>(),
                    "categoryCombo": combo_json(&e.category_combo, &e.category_option_combos),
                }})
            })
            .collect();
        // `organisationUnits[id,code,name]`: the name, and the code when the
        // org unit has one (DHIS2 leaves an absent property out).
        let org_units: Vec<Value> = ds
            .org_units
            .iter()
            .map(|o| {
                let mut v = json!({"id": o, "name": st.meta.org_units.get(o).unwrap_or(o)});
                if let Some(code) = st.meta.org_unit_codes.get(o) {
                    v["code"] = json!(code);
                }
                v
            })
            .collect();
        Response::json(
            200,
            &json!({
                "id": ds.uid,
                "name": ds.name,
                "displayName": ds.name,
                "periodType": ds.period_type.as_str(),
                "expiryDays": ds.expiry_days,
                "openFuturePeriods": ds.open_future_periods,
                "noValueRequiresComment": false,
                "access": {"data": {"read": true, "write": true}},
                "organisationUnits": org_units,
                "dataInputPeriods": [],
                "categoryCombo": combo_json(&ds.attribute_combo_uid(), &ds.aocs()),
                "dataSetElements": elements,
                "sections": [],
                "compulsoryDataElementOperands": [],
            }),
        )
    }

    pub(super) fn org_unit(&self, uid: &str) -> Response {
        let st = self.lock();
        let Some(name) = st.meta.org_units.get(uid) else {
            return web_message(
                404,
                "ERROR",
                &format!("OrganisationUnit with id {uid} could not be found."),
            )
            .with_error_code("E1005");
        };
        let data_sets: Vec<Value> = st
            .meta
            .data_sets
            .values()
            .filter(|d| d.org_units.iter().any(|o| o == uid))
            .map(|d| json!({"id": d.uid}))
            .collect();
        let mut v = json!({"id": uid, "name": name, "dataSets": data_sets});
        if let Some(code) = st.meta.org_unit_codes.get(uid) {
            v["code"] = json!(code);
        }
        Response::json(200, &v)
    }
}
