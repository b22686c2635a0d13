//! Payloads and import-summary judgement, against the contract's fixtures.

use super::*;
use crate::model::draft::StockEntry;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/dhis2/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn row(item: usize, de: &str, value: &str, field: &str) -> RowRef {
    RowRef {
        item,
        data_element: de.into(),
        value: value.into(),
        field: field.into(),
    }
}

#[test]
fn every_import_summary_fixture_parses_and_classifies() {
    let s = parse_import_summary(&fixture("data_value_set_success.json")).unwrap();
    assert_eq!(s.status, ImportStatus::Success);
    assert_eq!(s.import_count.updated, 3);
    let rows = [
        row(0, "a", "1", "service.a"),
        row(0, "b", "2", "service.b"),
        row(0, "c", "3", "service.c"),
    ];
    assert_eq!(judge(&s, &rows, 1), vec![Verdict::Delivered]);

    // Bare summary (<= 2.37 and async task summaries); no conflicts key at all.
    let s = parse_import_summary(&fixture("dataImportSummaries.json")).unwrap();
    assert_eq!((s.status, s.conflicts.len()), (ImportStatus::Success, 0));

    // 409 WARNING with a legacy {object, value} conflict naming the data element.
    let s = parse_import_summary(&fixture("data_value_set_warning.json")).unwrap();
    assert_eq!(s.status, ImportStatus::Warning);
    let rows = [
        row(0, "vANAXwtLwcT", "40L", "service.weight"),
        row(0, "other000000", "5", "service.other"),
    ];
    let v = judge(&s, &rows, 1);
    let Verdict::Rejected { whole, problems } = &v[0] else {
        panic!("{v:?}")
    };
    assert!(!whole, "the other value was stored");
    assert_eq!(problems[0].field, "service.weight");
    assert!(
        problems[0]
            .server_message
            .contains("must match data element type")
    );
}

#[test]
fn bad_answers_are_told_apart() {
    for (body, words) in [
        (
            &b"<html><body>502 Bad Gateway</body></html>"[..],
            "web page",
        ),
        (
            b"{\"responseType\":\"ImportSummary\",\"status\":\"SUC",
            "cut off",
        ),
        (b"not json", "not DHIS2 JSON"),
        (
            b"{\"httpStatus\":\"OK\",\"message\":\"Welcome\"}",
            "not an import summary: Welcome",
        ),
        (b"\xff\xfe", "not text"),
    ] {
        let e = parse_import_summary(body).unwrap_err();
        assert!(e.0.contains(words), "{e}");
    }
    // Unknown fields are ignored.
    let s = parse_import_summary(
        br#"{"responseType":"ImportSummary","status":"SUCCESS","newThing":{"x":1}}"#,
    )
    .unwrap();
    assert_eq!(s.status, ImportStatus::Success);
}

fn summary(status: ImportStatus, conflicts: Vec<Conflict>) -> ImportSummary {
    ImportSummary {
        status,
        import_count: ImportCount::default(),
        conflicts,
        rejected_indexes: vec![],
        description: None,
    }
}

fn conflict(code: &str, indexes: &[i64]) -> Conflict {
    Conflict {
        value: format!("{code} happened"),
        error_code: Some(code.into()),
        indexes: indexes.to_vec(),
        ..Default::default()
    }
}

#[test]
fn partial_rejection_before_2_43_leaves_the_other_forms_delivered() {
    // Two forms, rows 0-1 and 2-3; row 3 (an element not in the data set) refused.
    let rows = [
        row(0, "a", "1", "service.a"),
        row(0, "b", "1", "service.b"),
        row(1, "a", "2", "service.a"),
        row(1, "z", "2", "service.z"),
    ];
    let v = judge(
        &summary(ImportStatus::Warning, vec![conflict("E7633", &[3])]),
        &rows,
        2,
    );
    assert_eq!(v[0], Verdict::Delivered);
    let Verdict::Rejected { whole, problems } = &v[1] else {
        panic!("{v:?}")
    };
    assert!(!whole);
    assert_eq!(
        (problems[0].field.as_str(), problems[0].code.as_deref()),
        ("service.z", Some("E7633"))
    );
    assert!(
        problems[0]
            .advice
            .contains("form definition is out of date")
    );
}

#[test]
fn whole_group_rejection_from_2_43_is_told_apart() {
    let rows = [row(0, "a", "1", "service.a"), row(0, "z", "1", "service.z")];
    // One form: rejected whole, with the reason on the field.
    let v = judge(
        &summary(ImportStatus::Error, vec![conflict("E8020", &[0, 1])]),
        &rows,
        1,
    );
    let Verdict::Rejected { whole, problems } = &v[0] else {
        panic!("{v:?}")
    };
    assert!(whole);
    assert_eq!(problems.len(), 2);
    // Locked period: every row listed.
    let v = judge(
        &summary(ImportStatus::Error, vec![conflict("E8030", &[0, 1])]),
        &rows,
        1,
    );
    let Verdict::Rejected {
        whole: true,
        problems,
    } = &v[0]
    else {
        panic!("{v:?}")
    };
    assert!(
        problems[0]
            .advice
            .contains("does not take data for this period")
    );
    // A payload that failed to decode ([-1]) in a batch of two: send each alone.
    let rows2 = [row(0, "a", "1", "service.a"), row(1, "a", "2", "service.a")];
    let v = judge(
        &summary(ImportStatus::Error, vec![conflict("E8101", &[-1])]),
        &rows2,
        2,
    );
    assert_eq!(v, vec![Verdict::SendAlone, Verdict::SendAlone]);
    // One form's group rejected, nothing stored: the innocent one is resent alone.
    let v = judge(
        &summary(ImportStatus::Error, vec![conflict("E8030", &[1])]),
        &rows2,
        2,
    );
    assert_eq!(v[0], Verdict::SendAlone);
    assert!(matches!(v[1], Verdict::Rejected { whole: true, .. }));
}

#[test]
fn a_conflict_nobody_can_place_splits_a_batch_and_rejects_a_single_form() {
    let c = Conflict {
        object: Some("x".into()),
        value: "The import process failed: something".into(),
        ..Default::default()
    };
    let rows2 = [
        row(0, "aaaaaaaaaa1", "1", "service.a"),
        row(1, "aaaaaaaaaa1", "2", "service.a"),
    ];
    assert_eq!(
        judge(&summary(ImportStatus::Warning, vec![c.clone()]), &rows2, 2),
        vec![Verdict::SendAlone; 2]
    );
    let v = judge(&summary(ImportStatus::Error, vec![c]), &rows2[..1], 1);
    let Verdict::Rejected {
        whole: true,
        problems,
    } = &v[0]
    else {
        panic!("{v:?}")
    };
    assert_eq!(problems[0].field, "form");
}

fn def() -> FormDefinition {
    FormDefinition::from_json(
        r#"{"id":"f","version":1,"title":"F","period_type":"Monthly","dhis2":{"data_set":"pBOMPrpg1QX"},
        "lmis":{"kind":"openlmis","program_id":"dce17f2e-af3e-40ad-8e00-3496adef44c3","period_type":"Quarterly"},
        "service":[{"key":"a","label":"A","data_element":"aaaaaaaaaa1","category_option_combo":"ccccccccc01"},
                   {"key":"b","label":"B","data_element":"aaaaaaaaaa2","category_option_combo":"ccccccccc01"}],
        "products":[{"code":"P","name":"P","lmis_orderable_id":"c9e65f02-f84f-4ba2-85f7-e2cb6f0989af","dhis2_soh_data_element":"sssssssssss"}]}"#,
        "t",
    )
    .unwrap()
}

fn facility() -> Facility {
    Facility {
        code: "HP-1".into(),
        name: "HP".into(),
        dhis2_org_unit: Some("DiszpKrYNg8".into()),
        lmis_facility_id: None,
        lmis_facility_code: None,
        forms: vec![],
    }
}

fn draft(a: Option<i64>, b: Option<i64>, close: i64) -> Draft {
    let mut d = Draft {
        form: "f".into(),
        facility: "HP-1".into(),
        period: "202610".into(),
        ..Default::default()
    };
    if let Some(a) = a {
        d.service.insert("a".into(), a);
    }
    if let Some(b) = b {
        d.service.insert("b".into(), b);
    }
    d.stock.insert(
        "P".into(),
        StockEntry {
            closing_balance: Some(close),
            ..Default::default()
        },
    );
    d
}

#[test]
fn a_single_form_goes_in_header_form_with_a_real_complete_date() {
    let it = build_item(
        &def(),
        &facility(),
        "s1",
        1,
        "202610",
        "2026-11-03",
        &draft(Some(4), Some(0), 12),
        &[],
    )
    .unwrap();
    let (body, refs) = data_value_set(&[&it], Rows::Values);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"dataSet":"pBOMPrpg1QX","completeDate":"2026-11-03","period":"202610","orgUnit":"DiszpKrYNg8","dataValues":[{"dataElement":"aaaaaaaaaa1","categoryOptionCombo":"ccccccccc01","value":"4"},{"dataElement":"aaaaaaaaaa2","categoryOptionCombo":"ccccccccc01","value":"0"},{"dataElement":"sssssssssss","value":"12"}]}"#
    );
    assert_eq!(
        refs.iter().map(|r| r.field.as_str()).collect::<Vec<_>>(),
        ["service.a", "service.b", "stock.P.closing_balance"]
    );
}

#[test]
fn several_forms_go_in_bulk_form_and_completion_separately() {
    let a = build_item(
        &def(),
        &facility(),
        "s1",
        1,
        "202609",
        "2026-10-03",
        &draft(Some(4), None, 12),
        &[],
    )
    .unwrap();
    let b = build_item(
        &def(),
        &facility(),
        "s2",
        1,
        "202610",
        "2026-11-03",
        &draft(Some(5), None, 10),
        &[],
    )
    .unwrap();
    let (body, refs) = data_value_set(&[&a, &b], Rows::Values);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v.get("completeDate").is_none() && v.get("period").is_none());
    assert_eq!(v["dataValues"][2]["period"], "202610");
    assert_eq!(v["dataValues"][2]["orgUnit"], "DiszpKrYNg8");
    assert_eq!(refs[2].item, 1);
    // Same input, same bytes.
    assert_eq!(data_value_set(&[&a, &b], Rows::Values).0, body);
    let c: Value = serde_json::from_slice(&completion_body(&[&a, &b])).unwrap();
    assert_eq!(
        c["completeDataSetRegistrations"][1]["organisationUnit"],
        "DiszpKrYNg8"
    );
    assert_eq!(c["completeDataSetRegistrations"][1]["date"], "2026-11-03");
}

#[test]
fn a_value_removed_by_a_correction_is_deleted() {
    let delivered = draft(Some(4), Some(7), 12);
    let now = draft(Some(5), None, 12);
    let it = build_item(
        &def(),
        &facility(),
        "s1",
        2,
        "202610",
        "2026-11-05",
        &now,
        std::slice::from_ref(&delivered),
    )
    .unwrap();
    assert_eq!(it.deletions.len(), 1);
    assert_eq!(
        (
            it.deletions[0].field.as_str(),
            it.deletions[0].value.as_str()
        ),
        ("service.b", "7")
    );
    let (body, _) = data_value_set(&[&it], Rows::Deletions);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v.get("completeDate").is_none(),
        "a delete request registers no completion"
    );
    assert_eq!(v["dataValues"][0]["dataElement"], "aaaaaaaaaa2");
}

#[test]
fn batches_respect_limits_data_sets_and_solo_items() {
    let mk = |id: &str, ds: &str, n: usize| {
        let mut it = build_item(
            &def(),
            &facility(),
            id,
            1,
            "202610",
            "2026-11-01",
            &draft(Some(1), Some(1), 1),
            &[],
        )
        .unwrap();
        it.data_set = ds.into();
        it.values = (0..n)
            .map(|i| ValueRow {
                data_element: format!("d{i:010}"),
                category_option_combo: None,
                value: "1".into(),
                field: format!("service.f{i}"),
            })
            .collect();
        it
    };
    let items = vec![
        (mk("1", "A", 4), false),
        (mk("2", "A", 4), false),
        (mk("3", "B", 4), false),
        (mk("4", "A", 4), true),
        (mk("5", "A", 4), false),
    ];
    assert_eq!(
        plan_batches(&items, 8, 1 << 20),
        vec![vec![3], vec![0, 1], vec![4], vec![2]]
    );
    assert_eq!(
        plan_batches(&items, 100, 1 << 20),
        vec![vec![3], vec![0, 1, 4], vec![2]]
    );
    assert_eq!(
        plan_batches(&items, 100, 700),
        vec![vec![0], vec![3], vec![1], vec![4], vec![2]]
    );
}
