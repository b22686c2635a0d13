//! The new import pipeline (2.43): the payload decoded ([`DECODE_CHECKS`],
//! any failure rejects it with `indexes:[-1]`), the group checked
//! ([`GROUP_CHECKS`], any failure rejects every row), then each value
//! (E8120, E8122, E8125 ignore one row) and the upsert (§5, §6).

use super::*;

/// The decode checks of each row, in order (E8100–E8107); the first
/// failing row rejects the payload. Before them: `completeDate` (E8008,
/// E8009) and the header's data set (E8004, E8005); after them, finding the
/// data set of a header without one (E8002, E8003). E8007 (XML), E8108–E8111
/// are not modelled (JSON only, no other identifier schemes).
#[rustfmt::skip]
const DECODE_CHECKS: &[DecodeCheck] = &[
    DecodeCheck { code: "E8100", rule: "data element missing",       check: data_element_given },
    DecodeCheck { code: "E8101", rule: "data element unknown",       check: data_element_known },
    DecodeCheck { code: "E8102", rule: "org unit missing",           check: org_unit_given },
    DecodeCheck { code: "E8103", rule: "org unit unknown",           check: org_unit_known },
    DecodeCheck { code: "E8104", rule: "period missing",             check: period_given },
    DecodeCheck { code: "E8105", rule: "period not valid",           check: period_valid },
    DecodeCheck { code: "E8106", rule: "COC unknown",                check: coc_known },
    DecodeCheck { code: "E8107", rule: "AOC unknown",                check: aoc_known },
];

/// The group checks, in the order of `DefaultDataEntryService` (user
/// access, key consistency, timeliness); the first that fails rejects every
/// row. Not modelled: E8000 (atomic mode), E8012 (category option sharing),
/// E8025 (AOC not usable with the org unit).
#[rustfmt::skip]
const GROUP_CHECKS: &[GroupCheck] = &[
    GroupCheck { code: "E8010", rule: "user cannot write the data set",               check: data_set_writable },
    GroupCheck { code: "E8011", rule: "user cannot write the org unit",               check: org_units_in_scope },
    GroupCheck { code: "E8020", rule: "data element not in the data set",             check: elements_in_data_set },
    GroupCheck { code: "E8021", rule: "period not usable with the data set",          check: periods_fit_data_set },
    GroupCheck { code: "E8022", rule: "org unit not assigned to the data set",        check: org_units_assigned },
    GroupCheck { code: "E8023", rule: "AOC not in the data set's combo",              check: aocs_in_data_set_combo },
    GroupCheck { code: "E8024", rule: "COC not in the data element's combo",          check: cocs_in_element_combo },
    GroupCheck { code: "E8128", rule: "two values with the same key",                 check: keys_unique },
    GroupCheck { code: "E8030", rule: "untimely (expiry, future, data input periods)", check: periods_open },
    GroupCheck { code: "E8031", rule: "org unit closed or not yet open",              check: org_units_open },
    GroupCheck { code: "E8032", rule: "AOC outside its category options' dates",      check: within_option_dates },
    GroupCheck { code: "E8033", rule: "already approved",                             check: not_approved },
];

/// A group conflict's arguments and message.
type Conflict = (Vec<String>, String);

/// The contract's 2.43 codes this server never gives.
#[cfg_attr(not(test), expect(dead_code, reason = "documentation, checked by a test"))]
#[rustfmt::skip]
const NOT_MODELLED: &[(&str, &str)] = &[
    ("E8000", "atomic mode failure"),
    ("E8007", "XML error (JSON only)"),
    ("E8012", "user cannot write a category option (sharing)"),
    ("E8025", "AOC not usable with the org unit"),
    ("E8108", "row decode error of another identifier scheme"),
    ("E8109", "row decode error of another identifier scheme"),
    ("E8110", "row decode error of another identifier scheme"),
    ("E8111", "row decode error of another identifier scheme"),
    ("E8121", "value or comment required (E8120 is given)"),
    ("E8123", "not a valid option (option sets)"),
    ("E8124", "comment not a valid option"),
    ("E8126", "category combo lookup failed"),
    ("E8127", "category options lookup failed"),
];

/// The codes given outside the tables: the header (E8002–E8005, E8008,
/// E8009) and the values (E8120, E8122, E8125).
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "documentation, checked by a test")
)]
const OTHER_CODES: &[&str] = &[
    "E8002", "E8003", "E8004", "E8005", "E8008", "E8009", "E8120", "E8122", "E8125",
];

/// One decode rule, checked on row `i`: the argument and the message when
/// it fails.
struct DecodeCheck {
    code: &'static str,
    #[cfg_attr(not(test), expect(dead_code, reason = "documentation"))]
    rule: &'static str,
    check: fn(&Meta, usize, &Resolved<'_>) -> Option<(String, String)>,
}

/// One group rule: the conflict's arguments and message when it fails.
struct GroupCheck {
    code: &'static str,
    #[cfg_attr(not(test), expect(dead_code, reason = "documentation"))]
    rule: &'static str,
    check: fn(&Group<'_>) -> Option<Conflict>,
}

/// What the group checks see: the decoded rows, their periods and keys, and
/// the data set they are written for.
struct Group<'a> {
    meta: &'a Meta,
    rules: &'a Dhis2Rules,
    now: NaiveDateTime,
    ds: &'a MockDataSet,
    rows: &'a [Resolved<'a>],
    periods: &'a [Period],
    keys: &'a [Key],
}

fn data_element_given(_: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    r.de.is_none().then(|| {
        (
            String::new(),
            format!("Value #{i}: data element is missing"),
        )
    })
}

fn data_element_known(meta: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    let de = r.de.as_ref()?;
    (!meta.elements.contains_key(de)).then(|| {
        (
            de.clone(),
            format!("Value #{i}: data element `{de}` does not exist"),
        )
    })
}

fn org_unit_given(_: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    r.ou.is_none()
        .then(|| (String::new(), format!("Value #{i}: org unit is missing")))
}

fn org_unit_known(meta: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    let ou = r.ou.as_ref()?;
    (!meta.org_units.contains_key(ou)).then(|| {
        (
            ou.clone(),
            format!("Value #{i}: org unit `{ou}` does not exist"),
        )
    })
}

fn period_given(_: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    r.pe.is_none()
        .then(|| (String::new(), format!("Value #{i}: period is missing")))
}

fn period_valid(_: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    let pe = r.pe.as_ref()?;
    Period::parse(pe).is_err().then(|| {
        (
            pe.clone(),
            format!("Value #{i}: period `{pe}` is not a valid ISO period"),
        )
    })
}

fn coc_known(meta: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    (!meta.coc_known(&r.coc)).then(|| {
        (
            r.coc.clone(),
            format!(
                "Value #{i}: category option combo `{}` does not exist",
                r.coc
            ),
        )
    })
}

fn aoc_known(meta: &Meta, i: usize, r: &Resolved<'_>) -> Option<(String, String)> {
    (!meta.aoc_known(&r.aoc)).then(|| {
        (
            r.aoc.clone(),
            format!(
                "Value #{i}: attribute option combo `{}` does not exist",
                r.aoc
            ),
        )
    })
}

/// A sorted, deduplicated list, or `None` when empty.
fn listed(items: impl IntoIterator<Item = String>) -> Option<Vec<String>> {
    let set: BTreeSet<String> = items.into_iter().collect();
    (!set.is_empty()).then(|| set.into_iter().collect())
}

fn data_set_writable(g: &Group<'_>) -> Option<Conflict> {
    let ds = &g.ds.uid;
    g.rules.read_only_data_sets.contains(ds).then(|| {
        (
            vec![ds.clone()],
            format!("User has no data write access for data set `{ds}`"),
        )
    })
}

fn org_units_in_scope(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.rows
            .iter()
            .filter_map(|r| r.ou.clone())
            .filter(|ou| g.rules.outside_capture_scope.contains(ou)),
    )?;
    Some((
        vec![list.join(",")],
        format!(
            "User has no data write access for org unit(s): {}",
            list.join(", ")
        ),
    ))
}

fn elements_in_data_set(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.rows
            .iter()
            .filter(|r| !g.ds.has_element(r.de.as_deref().unwrap_or("")))
            .filter_map(|r| r.de.clone()),
    )?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Data element(s) {} are not part of data set `{}`",
            list.join(", "),
            g.ds.uid
        ),
    ))
}

fn periods_fit_data_set(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.periods
            .iter()
            .filter(|pe| pe.period_type() != g.ds.period_type)
            .map(Period::dhis2_id),
    )?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Period(s) {} are not usable with data set `{}` of period type {}",
            list.join(", "),
            g.ds.uid,
            g.ds.period_type.as_str()
        ),
    ))
}

fn org_units_assigned(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.rows
            .iter()
            .filter_map(|r| r.ou.clone())
            .filter(|ou| !g.ds.org_units.contains(ou)),
    )?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Org unit(s) {} are not assigned to data set `{}`",
            list.join(", "),
            g.ds.uid
        ),
    ))
}

fn aocs_in_data_set_combo(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.rows
            .iter()
            .filter(|r| !g.ds.has_aoc(&r.aoc))
            .map(|r| r.aoc.clone()),
    )?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Attribute option combo(s) {} are not part of the category combo of data set `{}`",
            list.join(", "),
            g.ds.uid
        ),
    ))
}

fn cocs_in_element_combo(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.rows
            .iter()
            .filter(|r| {
                let de = r.de.as_deref().unwrap_or("");
                !g.meta.elements.get(de).is_some_and(|e| e.has_coc(&r.coc))
            })
            .map(|r| format!("{}.{}", r.de.clone().unwrap_or_default(), r.coc)),
    )?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Category option combo(s) are not part of the data element's category combo: {}",
            list.join(", ")
        ),
    ))
}

fn keys_unique(g: &Group<'_>) -> Option<Conflict> {
    let mut seen: BTreeMap<&Key, usize> = BTreeMap::new();
    for (i, k) in g.keys.iter().enumerate() {
        if let Some(first) = seen.insert(k, i) {
            return Some((
                vec![first.to_string(), i.to_string()],
                format!("Value #{first} and #{i} all affect the same data value"),
            ));
        }
    }
    None
}

fn periods_open(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.periods
            .iter()
            .filter(|pe| timeliness(g.rules, g.ds, pe, g.now).is_some())
            .map(Period::dhis2_id),
    )?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Untimely data entry for data set `{}` and period(s): {}",
            g.ds.uid,
            list.join(", ")
        ),
    ))
}

fn org_units_open(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(g.rows.iter().zip(g.periods).filter_map(|(r, pe)| {
        let ou = r.ou.clone()?;
        (!within(g.rules.org_unit_dates.get(&ou), pe)).then(|| format!("{ou}:{}", pe.dhis2_id()))
    }))?;
    Some((
        vec![list.join(",")],
        format!(
            "Org unit(s) closed or not yet open in period(s): {}",
            list.join(", ")
        ),
    ))
}

fn within_option_dates(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(
        g.rows
            .iter()
            .zip(g.periods)
            .filter(|(r, pe)| !within(g.rules.option_dates.get(&r.aoc), pe))
            .map(|(r, pe)| format!("{}:{}", r.aoc, pe.dhis2_id())),
    )?;
    Some((
        vec![list.join(",")],
        format!(
            "Attribute option combo(s) not usable in period(s), outside the category options' start and end dates: {}",
            list.join(", ")
        ),
    ))
}

fn not_approved(g: &Group<'_>) -> Option<Conflict> {
    let list = listed(g.rows.iter().zip(g.periods).filter_map(|(r, pe)| {
        let ou = r.ou.clone()?;
        g.rules
            .is_approved(&g.ds.uid, &pe.dhis2_id(), &ou)
            .then(|| format!("{ou}:{}", pe.dhis2_id()))
    }))?;
    Some((
        vec![g.ds.uid.clone(), list.join(",")],
        format!(
            "Data for data set `{}` is already approved for: {}",
            g.ds.uid,
            list.join(", ")
        ),
    ))
}

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
        let problem = DECODE_CHECKS
            .iter()
            .find_map(|c| (c.check)(&st.meta, i, r).map(|found| (c.code, found)));
        if let Some((code, (arg, message))) = problem {
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
    // User access, key consistency, then timeliness: the first failure
    // rejects the group.
    let group = Group {
        meta: &st.meta,
        rules: &st.rules,
        now: st.now(),
        ds: &ds,
        rows: &rows,
        periods: &periods,
        keys: &keys,
    };
    if let Some((code, (args, message))) = GROUP_CHECKS
        .iter()
        .find_map(|c| (c.check)(&group).map(|found| (c.code, found)))
    {
        return fail(sum, &args, message, code, &all);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 2.43 code of the contract (§5 "Error codes you will see",
    /// copied by hand) is checked somewhere or listed as not modelled, once.
    #[test]
    fn every_contract_code_is_checked_or_listed_as_not_modelled() {
        let mut contract = vec![
            "E8000", "E8002", "E8003", "E8004", "E8005", "E8007", "E8008", "E8009", "E8010",
            "E8011", "E8012", "E8020", "E8021", "E8022", "E8023", "E8024", "E8025", "E8030",
            "E8031", "E8032", "E8033",
        ];
        let rows: Vec<String> = (100..=111)
            .chain(120..=128)
            .map(|n| format!("E8{n}"))
            .collect();
        contract.extend(rows.iter().map(String::as_str));
        contract.sort_unstable();
        let mut ours: Vec<&str> = DECODE_CHECKS
            .iter()
            .map(|c| c.code)
            .chain(GROUP_CHECKS.iter().map(|c| c.code))
            .chain(OTHER_CODES.iter().copied())
            .chain(NOT_MODELLED.iter().map(|(c, _)| *c))
            .collect();
        ours.sort_unstable();
        assert_eq!(ours, contract);
        assert!(DECODE_CHECKS.iter().all(|c| !c.rule.is_empty()));
        assert!(GROUP_CHECKS.iter().all(|c| !c.rule.is_empty()));
    }
}
