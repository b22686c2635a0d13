//! The new import pipeline (2.43).

use super::*;

/// The new pipeline (2.43): decode errors reject the payload (`indexes:[-1]`),
/// group errors (E80xx) reject every row, value errors (E812x) one row;
/// `imported` is always 0 and every stored row counts as `updated` (§5, §6).
pub(in crate::dhis2) fn import_new(
    st: &mut State,
    p: &Payload,
    o: &ImportOptions,
    user: &str,
) -> Summary {
    let n = p.rows.len();
    let all: Vec<i64> = (0..n as i64).collect();
    let mut sum = Summary {
        description: "Import process completed successfully".to_string(),
        ..Summary::default()
    };
    let fail = |mut sum: Summary, args: &[String], value: String, code: &str, indexes: &[i64]| {
        sum.new_conflict(args, value, code, indexes);
        sum.rejected = (0..n as i64).collect();
        sum.status = ImportStatus::Error;
        sum.ignored = n as u64;
        sum
    };
    // Decoding the payload: any failure rejects it whole, with `indexes:[-1]`.
    if let Some(cd) = &p.complete_date {
        if NaiveDate::parse_from_str(cd, "%Y-%m-%d").is_err() {
            return fail(
                sum,
                std::slice::from_ref(cd),
                format!("Invalid completeDate `{cd}`, it must be a date (yyyy-MM-dd)"),
                "E8008",
                &[-1],
            );
        }
        if p.data_set.is_none() || p.org_unit.is_none() || p.period.is_none() {
            return fail(
                sum,
                std::slice::from_ref(cd),
                "completeDate requires dataSet, orgUnit and period at the top level".to_string(),
                "E8009",
                &[-1],
            );
        }
    }
    if let Some(ds) = &p.data_set {
        if !is_dhis2_uid(ds) {
            return fail(
                sum,
                std::slice::from_ref(ds),
                format!("Data set UID `{ds}` is not a valid UID"),
                "E8004",
                &[-1],
            );
        }
        if !st.meta.data_sets.contains_key(ds) {
            return fail(
                sum,
                std::slice::from_ref(ds),
                format!("Data set `{ds}` does not exist"),
                "E8005",
                &[-1],
            );
        }
    }
    let rows: Vec<Resolved<'_>> = p.rows.iter().map(|r| resolve(p, r)).collect();
    let mut periods = Vec::with_capacity(n);
    for (i, r) in rows.iter().enumerate() {
        let problem = match (&r.de, &r.ou, &r.pe) {
            (None, _, _) => Some((
                "E8100",
                String::new(),
                format!("Value #{i}: data element is missing"),
            )),
            (Some(de), _, _) if !st.meta.elements.contains_key(de) => Some((
                "E8101",
                de.clone(),
                format!("Value #{i}: data element `{de}` does not exist"),
            )),
            (_, None, _) => Some((
                "E8102",
                String::new(),
                format!("Value #{i}: org unit is missing"),
            )),
            (_, Some(ou), _) if !st.meta.org_units.contains_key(ou) => Some((
                "E8103",
                ou.clone(),
                format!("Value #{i}: org unit `{ou}` does not exist"),
            )),
            (_, _, None) => Some((
                "E8104",
                String::new(),
                format!("Value #{i}: period is missing"),
            )),
            (_, _, Some(pe)) if Period::parse(pe).is_err() => Some((
                "E8105",
                pe.clone(),
                format!("Value #{i}: period `{pe}` is not a valid ISO period"),
            )),
            _ if !st.meta.coc_known(&r.coc) => Some((
                "E8106",
                r.coc.clone(),
                format!(
                    "Value #{i}: category option combo `{}` does not exist",
                    r.coc
                ),
            )),
            _ if !st.meta.aoc_known(&r.aoc) => Some((
                "E8107",
                r.aoc.clone(),
                format!(
                    "Value #{i}: attribute option combo `{}` does not exist",
                    r.aoc
                ),
            )),
            _ => None,
        };
        if let Some((code, arg, message)) = problem {
            return fail(sum, &[i.to_string(), arg], message, code, &[-1]);
        }
        if let Some(Ok(period)) = r.pe.as_deref().map(Period::parse) {
            periods.push(period);
        }
    }
    // The target data set: the header's, or the one every element belongs to.
    let ds_uid = match &p.data_set {
        Some(ds) => ds.clone(),
        None if n == 0 => return sum,
        None => {
            let mut found: BTreeSet<String> = BTreeSet::new();
            for r in &rows {
                let de = r.de.clone().unwrap_or_default();
                let owners = st.meta.data_sets_of(&de);
                if owners.is_empty() {
                    return fail(
                        sum,
                        std::slice::from_ref(&de),
                        format!("Data element `{de}` does not belong to any data set"),
                        "E8003",
                        &[-1],
                    );
                }
                found.extend(owners.iter().map(|d| d.uid.clone()));
            }
            let mut found = found.into_iter();
            match (found.next(), found.next()) {
                (Some(only), None) => only,
                (first, second) => {
                    let names: Vec<String> = first.into_iter().chain(second).chain(found).collect();
                    return fail(
                        sum,
                        &names,
                        format!(
                            "The data values belong to more than one data set: {}",
                            names.join(", ")
                        ),
                        "E8002",
                        &[-1],
                    );
                }
            }
        }
    };
    let Some(ds) = st.meta.data_sets.get(&ds_uid).cloned() else {
        return fail(
            sum,
            std::slice::from_ref(&ds_uid),
            format!("Data set `{ds_uid}` does not exist"),
            "E8005",
            &[-1],
        );
    };
    // User access, key consistency, then timeliness: the first failure
    // rejects the group.
    if st.rules.read_only_data_sets.contains(&ds.uid) {
        return fail(
            sum,
            std::slice::from_ref(&ds.uid),
            format!("User has no data write access for data set `{}`", ds.uid),
            "E8010",
            &all,
        );
    }
    let out_of_scope: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.ou.clone())
        .filter(|ou| st.rules.outside_capture_scope.contains(ou))
        .collect();
    if !out_of_scope.is_empty() {
        let list: Vec<String> = out_of_scope.into_iter().collect();
        return fail(
            sum,
            &[list.join(",")],
            format!(
                "User has no data write access for org unit(s): {}",
                list.join(", ")
            ),
            "E8011",
            &all,
        );
    }
    let des = |f: &dyn Fn(&Resolved<'_>) -> bool| -> Vec<String> {
        let set: BTreeSet<String> = rows
            .iter()
            .filter(|r| f(r))
            .filter_map(|r| r.de.clone())
            .collect();
        set.into_iter().collect()
    };
    let not_in_ds = des(&|r| !ds.has_element(r.de.as_deref().unwrap_or("")));
    if !not_in_ds.is_empty() {
        return fail(
            sum,
            &[ds.uid.clone(), not_in_ds.join(",")],
            format!(
                "Data element(s) {} are not part of data set `{}`",
                not_in_ds.join(", "),
                ds.uid
            ),
            "E8020",
            &all,
        );
    }
    let wrong_type: BTreeSet<String> = periods
        .iter()
        .filter(|pe| pe.period_type() != ds.period_type)
        .map(Period::dhis2_id)
        .collect();
    if !wrong_type.is_empty() {
        let list: Vec<String> = wrong_type.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Period(s) {} are not usable with data set `{}` of period type {}",
                list.join(", "),
                ds.uid,
                ds.period_type.as_str()
            ),
            "E8021",
            &all,
        );
    }
    let unassigned: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.ou.clone())
        .filter(|ou| !ds.org_units.contains(ou))
        .collect();
    if !unassigned.is_empty() {
        let list: Vec<String> = unassigned.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Org unit(s) {} are not assigned to data set `{}`",
                list.join(", "),
                ds.uid
            ),
            "E8022",
            &all,
        );
    }
    let bad_aoc: BTreeSet<String> = rows
        .iter()
        .filter(|r| !ds.has_aoc(&r.aoc))
        .map(|r| r.aoc.clone())
        .collect();
    if !bad_aoc.is_empty() {
        let list: Vec<String> = bad_aoc.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Attribute option combo(s) {} are not part of the category combo of data set `{}`",
                list.join(", "),
                ds.uid
            ),
            "E8023",
            &all,
        );
    }
    let bad_coc: Vec<String> = rows
        .iter()
        .filter(|r| {
            let de = r.de.as_deref().unwrap_or("");
            !st.meta.elements.get(de).is_some_and(|e| e.has_coc(&r.coc))
        })
        .map(|r| format!("{}.{}", r.de.clone().unwrap_or_default(), r.coc))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !bad_coc.is_empty() {
        return fail(
            sum,
            &[ds.uid.clone(), bad_coc.join(",")],
            format!(
                "Category option combo(s) are not part of the data element's category combo: {}",
                bad_coc.join(", ")
            ),
            "E8024",
            &all,
        );
    }
    let keys: Vec<Key> = rows
        .iter()
        .zip(&periods)
        .map(|(r, pe)| {
            (
                r.de.clone().unwrap_or_default(),
                pe.dhis2_id(),
                r.ou.clone().unwrap_or_default(),
                r.coc.clone(),
                r.aoc.clone(),
            )
        })
        .collect();
    let mut seen: BTreeMap<&Key, usize> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(first) = seen.insert(k, i) {
            return fail(
                sum,
                &[first.to_string(), i.to_string()],
                format!("Value #{first} and #{i} all affect the same data value"),
                "E8128",
                &all,
            );
        }
    }
    let now_dt = st.now();
    let locked: BTreeSet<String> = periods
        .iter()
        .filter(|pe| timeliness(&st.rules, &ds, pe, now_dt).is_some())
        .map(Period::dhis2_id)
        .collect();
    if !locked.is_empty() {
        let list: Vec<String> = locked.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Untimely data entry for data set `{}` and period(s): {}",
                ds.uid,
                list.join(", ")
            ),
            "E8030",
            &all,
        );
    }
    let closed: BTreeSet<String> = rows
        .iter()
        .zip(&periods)
        .filter_map(|(r, pe)| {
            let ou = r.ou.clone()?;
            (!within(st.rules.org_unit_dates.get(&ou), pe))
                .then(|| format!("{ou}:{}", pe.dhis2_id()))
        })
        .collect();
    if !closed.is_empty() {
        let list: Vec<String> = closed.into_iter().collect();
        return fail(
            sum,
            &[list.join(",")],
            format!(
                "Org unit(s) closed or not yet open in period(s): {}",
                list.join(", ")
            ),
            "E8031",
            &all,
        );
    }
    let out_of_range: BTreeSet<String> = rows
        .iter()
        .zip(&periods)
        .filter(|(r, pe)| !within(st.rules.option_dates.get(&r.aoc), pe))
        .map(|(r, pe)| format!("{}:{}", r.aoc, pe.dhis2_id()))
        .collect();
    if !out_of_range.is_empty() {
        let list: Vec<String> = out_of_range.into_iter().collect();
        return fail(
            sum,
            &[list.join(",")],
            format!(
                "Attribute option combo(s) not usable in period(s), outside the category options' start and end dates: {}",
                list.join(", ")
            ),
            "E8032",
            &all,
        );
    }
    let approved: BTreeSet<String> = rows
        .iter()
        .zip(&periods)
        .filter_map(|(r, pe)| {
            let ou = r.ou.clone()?;
            st.rules
                .is_approved(&ds.uid, &pe.dhis2_id(), &ou)
                .then(|| format!("{ou}:{}", pe.dhis2_id()))
        })
        .collect();
    if !approved.is_empty() {
        let list: Vec<String> = approved.into_iter().collect();
        return fail(
            sum,
            &[ds.uid.clone(), list.join(",")],
            format!(
                "Data for data set `{}` is already approved for: {}",
                ds.uid,
                list.join(", ")
            ),
            "E8033",
            &all,
        );
    }
    // Row validation (E812x ignores one row), then the upsert.
    let stamp = now_stamp();
    let mut scratch;
    let store: &mut BTreeMap<Key, Record> = if o.dry_run {
        scratch = st.values.clone();
        &mut scratch
    } else {
        &mut st.values
    };
    let mut succeeded = 0u64;
    let mut errors = 0u64;
    for (i, (r, key)) in rows.iter().zip(keys).enumerate() {
        let de = st
            .meta
            .elements
            .get(&key.0)
            .map(|e| (e.value_type.clone(), e.uid.clone()))
            .unwrap_or_default();
        let existing = store.get(&key).filter(|rec| !rec.deleted).is_some();
        if o.delete() {
            if existing {
                if let Some(rec) = store.get_mut(&key) {
                    rec.deleted = true;
                    rec.value.last_updated = stamp.clone();
                }
                succeeded += 1;
            } else {
                sum.ignored += 1;
            }
            continue;
        }
        let checked = if r.row.deleted {
            Ok(match &r.row.value {
                RawValue::Str(s) => s.clone(),
                _ => String::new(),
            })
        } else {
            match &r.row.value {
                RawValue::Str(s) if s.is_empty() => Err((
                    "E8120",
                    vec![i.to_string()],
                    format!("Value #{i}: a value is required"),
                )),
                RawValue::Str(s) => check_value(&de.0, s).map_err(|reason| {
                    (
                        "E8122",
                        vec![i.to_string(), s.clone(), de.0.clone()],
                        format!("Value #{i}: `{s}` is not a valid {} ({reason})", de.0),
                    )
                }),
                RawValue::Missing | RawValue::Null => Err((
                    "E8120",
                    vec![i.to_string()],
                    format!("Value #{i}: a value is required"),
                )),
                RawValue::Num(s) | RawValue::Other(s) => Err((
                    "E8122",
                    vec![i.to_string(), s.clone(), de.0.clone()],
                    format!("Value #{i}: the value must be a JSON string, not `{s}`"),
                )),
                RawValue::Bool(b) => Err((
                    "E8122",
                    vec![i.to_string(), b.to_string(), de.0.clone()],
                    format!("Value #{i}: the value must be a JSON string, not `{b}`"),
                )),
            }
        };
        let checked = checked.and_then(|v| match &r.row.comment {
            Some(c) if c.chars().count() > MAX_COMMENT_CHARS => Err((
                "E8125",
                vec![i.to_string()],
                format!("Value #{i}: the comment is longer than {MAX_COMMENT_CHARS} characters"),
            )),
            _ => Ok(v),
        });
        let value = match checked {
            Ok(v) => v,
            Err((code, args, message)) => {
                errors += 1;
                sum.new_conflict(&args, message, code, &[i as i64]);
                continue;
            }
        };
        // The unconditional upsert: every write touches lastUpdated and storedBy (§6).
        let created = store
            .get(&key)
            .map_or_else(|| stamp.clone(), |rec| rec.value.created.clone());
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
                    stored_by: user.to_string(),
                    created,
                    last_updated: stamp.clone(),
                    comment: r.row.comment.clone(),
                    followup: r.row.follow_up.unwrap_or(false),
                },
                deleted: r.row.deleted,
            },
        );
        succeeded += 1;
    }
    if o.delete() {
        sum.deleted = succeeded;
    } else {
        sum.updated = succeeded;
    }
    sum.ignored += errors;
    sum.status = if errors == 0 {
        ImportStatus::Success
    } else if succeeded > 0 {
        ImportStatus::Warning
    } else {
        ImportStatus::Error
    };
    let date = p.complete_date.clone();
    register_completion(st, p, o, user, date, &mut sum);
    sum
}
