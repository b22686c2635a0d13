//! The old import pipeline (2.37, 2.40).

use super::*;

/// The old pipeline (2.37, 2.40): set-level aborts (E7600/E7603/E7604),
/// otherwise every bad row is ignored on its own with an E76xx conflict;
/// WARNING when any conflict exists (§5 "Old-pipeline statuses").
pub(in crate::dhis2) fn import_old(
    st: &mut State,
    p: &Payload,
    o: &ImportOptions,
    user: &str,
) -> Summary {
    let v37 = st.version == VersionFamily::V2_37;
    let now_dt = st.now();
    let stamp = now_stamp();
    let mut sum = Summary {
        description: "Import process completed successfully".to_string(),
        ..Summary::default()
    };
    let abort = |mut sum: Summary, object: &str, key: &str, value: String, code: &str| {
        sum.old_conflict(object, json!({ key: object }), value, code, key, None);
        sum.status = ImportStatus::Error;
        sum.description = "Import process was aborted".to_string();
        sum.ignored = p.rows.len() as u64;
        sum.rejected = (0..p.rows.len() as i64).collect();
        sum
    };
    let header_ds = match &p.data_set {
        Some(uid) if st.rules.read_only_data_sets.contains(uid) => {
            return abort(
                sum,
                uid,
                "dataSet",
                format!("User does not have write access for DataSet: `{uid}`"),
                "E7601",
            );
        }
        Some(uid) => match st.meta.data_sets.get(uid) {
            Some(ds) => Some(ds.clone()),
            None => {
                return abort(
                    sum,
                    uid,
                    "dataSet",
                    format!("Data set not found or not accessible: `{uid}`"),
                    "E7600",
                );
            }
        },
        None => None,
    };
    if let Some(ou) = &p.org_unit
        && !st.meta.org_units.contains_key(ou)
    {
        return abort(
            sum,
            ou,
            "orgUnit",
            format!("Org unit not found or not accessible: `{ou}`"),
            "E7603",
        );
    }
    if let Some(aoc) = &p.aoc
        && !st.meta.aoc_known(aoc)
    {
        return abort(
            sum,
            aoc,
            "attributeOptionCombo",
            format!("Attribute option combo not found or not accessible: `{aoc}`"),
            "E7604",
        );
    }
    let State {
        meta,
        values,
        rules,
        ..
    } = st;
    let mut scratch;
    let store: &mut BTreeMap<Key, Record> = if o.dry_run {
        scratch = values.clone();
        &mut scratch
    } else {
        values
    };
    for (i, raw) in p.rows.iter().enumerate() {
        let r = resolve(p, raw);
        let de_uid = r.de.clone().unwrap_or_default();
        let Some(de) = meta.elements.get(&de_uid) else {
            sum.ignored += 1;
            sum.old_conflict(
                &de_uid,
                json!({"dataElement": de_uid}),
                format!("Data element not found or not accessible: `{de_uid}`"),
                "E7610",
                "dataElement",
                Some(i),
            );
            continue;
        };
        let pe_text = r.pe.clone().unwrap_or_default();
        let Ok(period) = Period::parse(&pe_text) else {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": pe_text}),
                format!("Period not valid: `{pe_text}`"),
                "E7611",
                "period",
                Some(i),
            );
            continue;
        };
        let ou = r.ou.clone().unwrap_or_default();
        if !meta.org_units.contains_key(&ou) {
            sum.ignored += 1;
            sum.old_conflict(
                &ou,
                json!({"orgUnit": ou}),
                format!("Organisation unit not found or not accessible: `{ou}`"),
                "E7612",
                "orgUnit",
                Some(i),
            );
            continue;
        }
        if rules.outside_capture_scope.contains(&ou) {
            sum.ignored += 1;
            sum.old_conflict(
                &ou,
                json!({"orgUnit": ou}),
                format!("Organisation unit: `{ou}` not in hierarchy of current user: `{user}`"),
                "E7617",
                "orgUnit",
                Some(i),
            );
            continue;
        }
        if !meta.coc_known(&r.coc) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.coc,
                json!({"categoryOptionCombo": r.coc}),
                format!(
                    "Category option combo not found or not accessible for writing data: `{}`",
                    r.coc
                ),
                "E7613",
                "categoryOptionCombo",
                Some(i),
            );
            continue;
        }
        if !meta.aoc_known(&r.aoc) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.aoc,
                json!({"attributeOptionCombo": r.aoc}),
                format!(
                    "Attribute option combo not found or not accessible for writing data: `{}`",
                    r.aoc
                ),
                "E7615",
                "attributeOptionCombo",
                Some(i),
            );
            continue;
        }
        let targets: Vec<&MockDataSet> = match &header_ds {
            Some(ds) => {
                // The header data set as it is now (elements may have been removed).
                let current = meta.data_sets.get(&ds.uid).unwrap_or(ds);
                if !current.has_element(&de.uid) {
                    sum.ignored += 1;
                    sum.old_conflict(
                        &de.uid,
                        json!({"dataElement": de.uid, "dataSet": current.uid}),
                        format!(
                            "Data element: `{}` is not part of dataset: `{}`",
                            de.uid, current.uid
                        ),
                        "E7633",
                        "dataElement",
                        Some(i),
                    );
                    continue;
                }
                vec![current]
            }
            None => meta.data_sets_of(&de.uid),
        };
        if !de.has_coc(&r.coc) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.coc,
                json!({"categoryOptionCombo": r.coc, "dataElement": de.uid}),
                format!(
                    "Category option combo: `{}` must be part of category combo of data element: `{}`",
                    r.coc, de.uid
                ),
                "E7634",
                "categoryOptionCombo",
                Some(i),
            );
            continue;
        }
        if !targets.is_empty() && !targets.iter().any(|d| d.has_aoc(&r.aoc)) {
            sum.ignored += 1;
            sum.old_conflict(
                &r.aoc,
                json!({"attributeOptionCombo": r.aoc, "dataElement": de.uid}),
                format!(
                    "Attribute option combo: `{}` must be part of category combo of data sets of data element: `{}`",
                    r.aoc, de.uid
                ),
                "E7635",
                "attributeOptionCombo",
                Some(i),
            );
            continue;
        }
        if o.strict_periods
            && !targets.is_empty()
            && !targets
                .iter()
                .any(|d| d.period_type == period.period_type())
        {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": pe_text, "dataElement": de.uid}),
                format!(
                    "Period type of period: `{pe_text}` not valid for data element: `{}`",
                    de.uid
                ),
                "E7632",
                "period",
                Some(i),
            );
            continue;
        }
        if o.strict_org_units && !targets.iter().any(|d| d.org_units.contains(&ou)) {
            sum.ignored += 1;
            sum.old_conflict(
                &ou,
                json!({"orgUnit": ou, "dataElement": de.uid}),
                format!(
                    "Data element: `{}` must be assigned through data sets to organisation unit: `{ou}`",
                    de.uid
                ),
                "E7636",
                "orgUnit",
                Some(i),
            );
            continue;
        }
        if !within(rules.option_dates.get(&r.aoc), &period) {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": period.dhis2_id(), "attributeOptionCombo": r.aoc}),
                format!(
                    "Period: `{}` is not within date range of attribute option combo: `{}`",
                    period.dhis2_id(),
                    r.aoc
                ),
                "E7638",
                "period",
                Some(i),
            );
            continue;
        }
        let key: Key = (
            de.uid.clone(),
            period.dhis2_id(),
            ou.clone(),
            r.coc.clone(),
            r.aoc.clone(),
        );
        // Locks apply to deletions too (§7).
        let lock = targets
            .iter()
            .map(|d| (d, timeliness(rules, d, &period, now_dt)))
            .collect::<Vec<_>>();
        if !lock.is_empty() && lock.iter().all(|(_, l)| l.is_some()) {
            sum.ignored += 1;
            let (d, l) = &lock[0];
            match l {
                Some(Lock::Expired) => sum.old_conflict(
                    &pe_text,
                    json!({"period": period.dhis2_id(), "dataSet": d.uid}),
                    format!(
                        "Current date is past expiry days for period: `{}`  and data set: `{}`",
                        period.dhis2_id(),
                        d.uid
                    ),
                    "E7640",
                    "period",
                    Some(i),
                ),
                Some(Lock::InputPeriod) => sum.old_conflict(
                    &pe_text,
                    json!({"period": period.dhis2_id(), "dataSet": d.uid}),
                    format!(
                        "Period: `{}` is not open for this data set at this time: `{}`",
                        period.dhis2_id(),
                        d.uid
                    ),
                    "E7643",
                    "period",
                    Some(i),
                ),
                _ => {
                    let latest = match l {
                        Some(Lock::Future(id)) => id.clone(),
                        _ => String::new(),
                    };
                    sum.old_conflict(
                        &pe_text,
                        json!({"period": period.dhis2_id(), "dataElement": de.uid}),
                        format!(
                            "Period: `{}` is after latest open future period: `{latest}` for data element: `{}`",
                            period.dhis2_id(),
                            de.uid
                        ),
                        "E7641",
                        "period",
                        Some(i),
                    );
                }
            }
            continue;
        }
        if let Some(d) = targets
            .iter()
            .find(|d| rules.is_approved(&d.uid, &period.dhis2_id(), &ou))
        {
            sum.ignored += 1;
            sum.old_conflict(
                &pe_text,
                json!({"period": period.dhis2_id(), "dataSet": d.uid, "orgUnit": ou}),
                format!(
                    "Data is already approved for data set: `{}` period: `{}` organisation unit: `{ou}` attribute option combo: `{}`",
                    d.uid,
                    period.dhis2_id(),
                    r.aoc
                ),
                "E7642",
                "period",
                Some(i),
            );
            continue;
        }
        let existing = store.get(&key).filter(|rec| !rec.deleted).cloned();
        if o.delete() || r.row.deleted {
            match existing {
                Some(_) => {
                    if let Some(rec) = store.get_mut(&key) {
                        rec.deleted = true;
                        rec.value.last_updated = stamp.clone();
                    }
                    sum.deleted += 1;
                }
                None => sum.ignored += 1,
            }
            continue;
        }
        let text = match &r.row.value {
            RawValue::Str(s) | RawValue::Num(s) | RawValue::Other(s) => s.clone(),
            RawValue::Bool(b) => b.to_string(),
            RawValue::Missing | RawValue::Null => String::new(),
        };
        if text.is_empty() {
            // ≤2.42: an empty value deletes an existing value (§6, point 3).
            match existing {
                Some(_) if r.row.comment.is_none() => {
                    if let Some(rec) = store.get_mut(&key) {
                        rec.deleted = true;
                        rec.value.last_updated = stamp.clone();
                    }
                    sum.deleted += 1;
                }
                _ => {
                    sum.ignored += 1;
                    sum.old_conflict(
                        &de.uid,
                        json!({"dataElement": de.uid}),
                        format!(
                            "Data value or comment not specified for data element: `{}`",
                            de.uid
                        ),
                        "E7618",
                        "value",
                        Some(i),
                    );
                }
            }
            continue;
        }
        let value = match check_value(&de.value_type, &text) {
            Ok(v) => v,
            Err(reason) => {
                sum.ignored += 1;
                sum.old_conflict(
                    &text,
                    json!({"value": text, "valueType": de.value_type}),
                    format!(
                        "Value must match data element's `{}` type constraints: {reason}",
                        de.uid
                    ),
                    "E7619",
                    "value",
                    Some(i),
                );
                continue;
            }
        };
        if !de.zero_is_significant && is_zero(&de.value_type, &value) {
            // ≤2.42: an insignificant zero is not stored; an existing value is deleted (§6).
            if existing.is_some() {
                if let Some(rec) = store.get_mut(&key) {
                    rec.deleted = true;
                    rec.value.last_updated = stamp.clone();
                }
                sum.deleted += 1;
            } else {
                sum.ignored += 1;
            }
            continue;
        }
        if (o.strategy == "CREATE" && existing.is_some())
            || (o.strategy == "UPDATE" && existing.is_none())
        {
            sum.ignored += 1;
            continue;
        }
        let stored_by = r.row.stored_by.clone().unwrap_or_else(|| user.to_string());
        match existing {
            Some(old) => {
                let followup = r.row.followup.unwrap_or(old.value.followup);
                let unchanged = old.value.value == value
                    && old.value.comment == r.row.comment
                    && old.value.followup == followup;
                if unchanged {
                    // 2.37 counts an unchanged row as updated, 2.40.3+ as ignored (§6).
                    if v37 {
                        sum.updated += 1;
                    } else {
                        sum.ignored += 1;
                    }
                } else {
                    if let Some(rec) = store.get_mut(&key) {
                        rec.value.value = value;
                        rec.value.comment = r.row.comment.clone();
                        rec.value.followup = followup;
                        rec.value.stored_by = stored_by;
                        rec.value.last_updated = stamp.clone();
                    }
                    sum.updated += 1;
                }
            }
            None => {
                store.insert(
                    key.clone(),
                    Record {
                        value: StoredValue {
                            data_element: key.0,
                            period: key.1,
                            org_unit: key.2,
                            coc: key.3,
                            aoc: key.4,
                            value,
                            stored_by,
                            created: r.row.created.clone().unwrap_or_else(|| stamp.clone()),
                            last_updated: stamp.clone(),
                            comment: r.row.comment.clone(),
                            followup: r.row.followup.unwrap_or(false),
                        },
                        deleted: false,
                    },
                );
                sum.imported += 1;
            }
        }
    }
    sum.status = if sum.conflicts.is_empty() {
        ImportStatus::Success
    } else {
        ImportStatus::Warning
    };
    // ≤2.42: "true" means today, a date registers it, anything else none (§4).
    let date = p.complete_date.as_deref().and_then(|d| {
        if d.eq_ignore_ascii_case("true") {
            Some(now_dt.date().format("%Y-%m-%d").to_string())
        } else {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(|_| d.to_string())
        }
    });
    register_completion(st, p, o, user, date, &mut sum);
    sum
}
