//! `POST|GET|DELETE /api/completeDataSetRegistrations` (§7).

use super::*;

impl Service {
    /// `POST /api/completeDataSetRegistrations` (§7): no lock check; ERROR
    /// only when every registration was ignored.
    pub(super) fn post_completions(
        &self,
        req: &Request,
        user: &str,
        api_segment: Option<u32>,
    ) -> Response {
        if !is_json(req) {
            return unsupported_media_type(req);
        }
        let bytes = match self.body_bytes(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let options = ImportOptions::from_request(req);
        let mut st = self.lock();
        let version = st.version;
        let shape = Service::shape(version, api_segment);
        let body: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => return malformed(version, shape, &options, &e.to_string()),
        };
        let Some(list) = body
            .get("completeDataSetRegistrations")
            .and_then(Value::as_array)
        else {
            return malformed(
                version,
                shape,
                &options,
                "the body has no completeDataSetRegistrations array",
            );
        };
        let mut summary = Summary::default();
        let today = st.now().date().format("%Y-%m-%d").to_string();
        for reg in list {
            let field = |k: &str| reg.get(k).and_then(scalar_string).filter(|s| !s.is_empty());
            let ds = field("dataSet").unwrap_or_default();
            let pe = field("period").unwrap_or_default();
            let ou = field("organisationUnit").unwrap_or_default();
            let aoc = field("attributeOptionCombo").unwrap_or_else(|| DEFAULT_COC.to_string());
            let problem = if !st.meta.data_sets.contains_key(&ds) {
                Some((
                    ds.clone(),
                    format!("Data set not found or not accessible: {ds}"),
                ))
            } else if Period::parse(&pe).is_err() {
                Some((pe.clone(), format!("Period not valid: {pe}")))
            } else if !st.meta.org_units.contains_key(&ou) {
                Some((
                    ou.clone(),
                    format!("Organisation unit not found or not accessible: {ou}"),
                ))
            } else if !st.meta.aoc_known(&aoc) {
                Some((
                    aoc.clone(),
                    format!("Attribute option combo not found or not accessible: {aoc}"),
                ))
            } else {
                None
            };
            if let Some((object, value)) = problem {
                summary.ignored += 1;
                summary
                    .conflicts
                    .push(json!({"object": object, "value": value}));
                continue;
            }
            let pe = Period::parse(&pe).map(|p| p.dhis2_id()).unwrap_or(pe);
            let completed = reg
                .get("completed")
                .map(|c| c.as_bool().unwrap_or(c.as_str() != Some("false")))
                .unwrap_or(true);
            let key = (ds.clone(), pe.clone(), ou.clone(), aoc.clone());
            if st.completions.contains_key(&key) {
                summary.updated += 1;
            } else {
                summary.imported += 1;
            }
            if !options.dry_run {
                st.completions.insert(
                    key,
                    Completion {
                        data_set: ds,
                        period: pe,
                        org_unit: ou,
                        aoc,
                        date: field("date").unwrap_or_else(|| today.clone()),
                        stored_by: field("storedBy").unwrap_or_else(|| user.to_string()),
                        completed,
                    },
                );
            }
        }
        summary.status = if !list.is_empty() && summary.ignored == list.len() as u64 {
            ImportStatus::Error
        } else {
            ImportStatus::Success
        };
        render_summary(version, shape, &options, &summary)
    }

    pub(super) fn get_completions(&self, req: &Request) -> Response {
        let data_sets = req.query_params("dataSet");
        let periods: Vec<String> = req
            .query_params("period")
            .iter()
            .map(|p| {
                Period::parse(p)
                    .map(|p| p.dhis2_id())
                    .unwrap_or_else(|_| p.to_string())
            })
            .collect();
        let org_units = req.query_params("orgUnit");
        let st = self.lock();
        let list: Vec<Value> = st
            .completions
            .values()
            .filter(|c| data_sets.is_empty() || data_sets.contains(&c.data_set.as_str()))
            .filter(|c| periods.is_empty() || periods.contains(&c.period))
            .filter(|c| org_units.is_empty() || org_units.contains(&c.org_unit.as_str()))
            .map(|c| {
                json!({"dataSet": c.data_set, "period": c.period, "organisationUnit": c.org_unit,
                       "attributeOptionCombo": c.aoc, "date": c.date, "storedBy": c.stored_by,
                       "completed": c.completed})
            })
            .collect();
        Response::json(200, &json!({"completeDataSetRegistrations": list}))
    }

    /// `DELETE /api/completeDataSetRegistrations?ds=&pe=&ou=[&cp=]`: 204.
    pub(super) fn delete_completion(&self, req: &Request) -> Response {
        let (Some(ds), Some(pe), Some(ou)) = (
            req.query_param("ds"),
            req.query_param("pe"),
            req.query_param("ou"),
        ) else {
            return web_message(409, "ERROR", "ds, pe and ou are required");
        };
        let pe = Period::parse(pe)
            .map(|p| p.dhis2_id())
            .unwrap_or_else(|_| pe.to_string());
        let aoc = req.query_param("cp").unwrap_or(DEFAULT_COC);
        self.lock()
            .completions
            .remove(&(ds.to_string(), pe, ou.to_string(), aoc.to_string()));
        Response::empty(204)
    }
}
