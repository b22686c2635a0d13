//! One case per validation rule: each mutates a valid draft and states the
//! findings expected (path, severity, code), and nothing else.

use super::*;
use crate::model::draft::StockEntry;
use crate::model::form::FormDefinition;

const FORM: &str = r#"{
  "id": "t-monthly", "version": 1, "title": "Test monthly", "period_type": "Monthly",
  "dhis2": {"data_set": "pBOMPrpg1QX"},
  "lmis": {"kind": "openlmis", "program_id": "dce17f2e-af3e-40ad-8e00-3496adef44c3", "period_type": "Quarterly"},
  "service": [
    {"key": "tested", "label": "Malaria: tested with RDT", "data_element": "f7n9E0hX8qk", "category_option_combo": "HllvX50cXC0", "min": 0, "max": 500, "warn_above": 300, "required": true},
    {"key": "positive", "label": "Malaria: RDT positive", "data_element": "f7n9E0hX8ql", "category_option_combo": "HllvX50cXC0", "max": 500, "required": true},
    {"key": "treated", "label": "Malaria: treated with ACT", "data_element": "f7n9E0hX8qm", "category_option_combo": "HllvX50cXC0", "required": false}
  ],
  "products": [
    {"code": "ACT", "name": "ACT 6x1", "unit": "blister", "lmis_orderable_id": "c9e65f02-f84f-4ba2-85f7-e2cb6f0989af", "warn_above": 1000},
    {"code": "RDT", "name": "Malaria RDT", "unit": "test", "lmis_orderable_id": "c9e65f02-f84f-4ba2-85f7-e2cb6f0989b0"}
  ],
  "rules": [
    {"id": "pos-le-tested", "severity": "error", "left": [{"service": "positive"}], "op": "<=", "right": [{"service": "tested"}]},
    {"id": "act-vs-treated", "severity": "warning", "left": [{"product": "ACT", "quantity": "consumed"}], "op": "ratio",
     "right": [{"service": "treated"}], "min_ratio": 0.8, "max_ratio": 1.25, "advice": "One blister per case."},
    {"id": "rdt-ge-tested", "severity": "warning", "left": [{"product": "RDT", "quantity": "consumed"}], "op": ">=", "right": [{"service": "tested"}]}
  ]
}"#;

fn forms() -> FormSet {
    FormSet::new(vec![FormDefinition::from_json(FORM, "test").unwrap()]).unwrap()
}

fn facilities() -> FacilityMap {
    FacilityMap::from_json(
        r#"{"version": 1, "facilities": [
        {"code": "HP-001", "name": "Kalembo", "dhis2_org_unit": "DiszpKrYNg8",
         "lmis_facility_id": "e6799d64-d10d-4011-b8c2-0e4d4a3f65ce", "lmis_facility_code": "HC01"},
        {"code": "HP-DHIS", "name": "Only DHIS2", "dhis2_org_unit": "DiszpKrYNg9"},
        {"code": "HP-OTHER", "name": "Other forms", "dhis2_org_unit": "DiszpKrYNg7",
         "lmis_facility_id": "e6799d64-d10d-4011-b8c2-0e4d4a3f65cf", "lmis_facility_code": "HC09", "forms": ["x"]}]}"#,
    )
    .unwrap()
}

fn entry(open: i64, recv: i64, cons: i64, close: i64) -> StockEntry {
    StockEntry {
        opening_balance: Some(open),
        received: Some(recv),
        consumed: Some(cons),
        losses: Some(0),
        adjustments: Some(0),
        closing_balance: Some(close),
        stockout_days: Some(0),
        requested_quantity: Some(10),
    }
}

fn valid() -> Draft {
    Draft {
        form: "t-monthly".into(),
        facility: "HP-001".into(),
        period: "2026-10".into(),
        service: [("tested", 40), ("positive", 20), ("treated", 20)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        stock: [
            ("ACT", entry(40, 20, 20, 40)),
            ("RDT", entry(100, 0, 42, 58)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        comment: None,
        captured_by: Some("AM".into()),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

/// Validates `draft` and checks that the findings are exactly `expected`
/// (path, severity, code), in any order.
fn check(draft: &Draft, ctx: &Context, expected: &[(&str, Severity, &str)]) -> Vec<Finding> {
    let found = validate(&forms(), &facilities(), draft, ctx);
    // Every finding's text comes from a message (no hard-coded English).
    for f in &found {
        crate::model::i18n::assert_pseudo_clean(&f.text);
    }
    let mut got: Vec<(String, Severity, String)> = found
        .iter()
        .map(|f| (f.path.clone(), f.severity, f.code.clone()))
        .collect();
    let mut want: Vec<(String, Severity, String)> = expected
        .iter()
        .map(|(p, s, c)| (p.to_string(), *s, c.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "findings: {found:#?}");
    found
}

fn ctx() -> Context {
    Context {
        today: Some(today()),
        previous_closing: BTreeMap::new(),
        external: Vec::new(),
        max_period_age_months: Some(12),
        earlier: Vec::new(),
    }
}

use Severity::{Error as E, Warning as W};

#[test]
fn a_valid_draft_has_no_findings() {
    check(&valid(), &ctx(), &[]);
}

#[test]
fn unknown_and_missing_form() {
    let mut d = valid();
    d.form = "nope".into();
    let f = check(&d, &ctx(), &[("form", E, "unknown_form")]);
    assert!(
        f[0].message.contains("t-monthly"),
        "lists the known forms: {}",
        f[0].message
    );
    d.form = String::new();
    check(&d, &ctx(), &[("form", E, "required")]);
}

#[test]
fn facility_must_be_mapped_for_every_destination_of_the_form() {
    let mut d = valid();
    d.facility = "HP-404".into();
    let f = check(&d, &ctx(), &[("facility", E, "unmapped_facility")]);
    assert!(f[0].message.contains("HP-404") && f[0].message.contains("supervisor"));
    d.facility = "HP-DHIS".into();
    let f = check(&d, &ctx(), &[("facility", E, "unmapped_facility")]);
    assert!(f[0].message.contains("no LMIS facility"));
    d.facility = "HP-OTHER".into();
    check(&d, &ctx(), &[("facility", E, "form_not_for_facility")]);
    d.facility = " ".into();
    check(&d, &ctx(), &[("facility", E, "required")]);
}

#[test]
fn period_forms_types_and_dates() {
    // Every accepted form of a monthly period.
    for p in ["2026-10", "202610", " 2026-10 "] {
        let mut d = valid();
        d.period = p.into();
        check(&d, &ctx(), &[]);
    }
    // Wrong type, unreadable, empty.
    for p in ["2026-Q3", "2026W44", "2026-W44", "2026Q3", "20261015"] {
        let mut d = valid();
        d.period = p.into();
        let f = check(&d, &ctx(), &[("period", E, "bad_period")]);
        assert!(f[0].message.contains("monthly"), "{p}: {}", f[0].message);
    }
    for p in ["2026-13", "October", "26-10"] {
        let mut d = valid();
        d.period = p.into();
        check(&d, &ctx(), &[("period", E, "bad_period")]);
    }
    let mut d = valid();
    d.period = String::new();
    check(&d, &ctx(), &[("period", E, "required")]);
    // The future is refused; the current month needs confirmation.
    d.period = "2026-12".into();
    check(&d, &ctx(), &[("period", E, "future_period")]);
    d.period = "2026-11".into();
    check(&d, &ctx(), &[("period", W, "period_not_over")]);
    // Without a clock nothing is said about dates.
    check(&d, &Context::default(), &[]);
}

#[test]
fn a_period_long_past_needs_confirmation() {
    // Today is 2026-11-29 and the limit is 12 months: a period that ended
    // before 2025-11-29 is old.
    let mut d = valid();
    d.period = "2025-11".into();
    check(&d, &ctx(), &[]);
    d.period = "2025-10".into();
    let f = check(&d, &ctx(), &[("period", W, "old_period")]);
    assert_eq!(
        f[0].message,
        "The period 2025-10 ended on 2025-10-31, 12 months ago. Check that this is the right period (the month and the year); if it is, confirm to save it."
    );
    // A typing mistake in the year.
    d.period = "2020-10".into();
    let f = check(&d, &ctx(), &[("period", W, "old_period")]);
    assert!(
        f[0].message
            .starts_with("The period 2020-10 ended on 2020-10-31, 6 years ago."),
        "{}",
        f[0].message
    );
    d.period = "2019-01".into();
    let f = check(&d, &ctx(), &[("period", W, "old_period")]);
    assert!(
        f[0].message.contains(", 7 years and 9 months ago."),
        "{}",
        f[0].message
    );
    // Another limit: 3 months.
    let three = Context {
        max_period_age_months: Some(3),
        ..ctx()
    };
    d.period = "2026-08".into();
    check(&d, &three, &[]);
    d.period = "2026-07".into();
    let f = check(&d, &three, &[("period", W, "old_period")]);
    assert!(
        f[0].message.contains("2026-07-31, 3 months ago"),
        "{}",
        f[0].message
    );
    // No limit: no warning, however old.
    let off = Context {
        max_period_age_months: None,
        ..ctx()
    };
    d.period = "2001-01".into();
    check(&d, &off, &[]);
    // A warning, not an error: the rest of the draft is checked as usual.
    d.stock.get_mut("ACT").unwrap().closing_balance = Some(41);
    check(
        &d,
        &ctx(),
        &[
            ("period", W, "old_period"),
            ("stock.ACT.closing_balance", E, "balance"),
        ],
    );
}

#[test]
fn whole_months_between_two_dates() {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    for (from, to, months) in [
        (day(2025, 10, 31), day(2026, 11, 29), 12),
        (day(2025, 10, 31), day(2026, 11, 30), 13),
        (day(2025, 1, 31), day(2025, 2, 28), 1),
        (day(2025, 1, 31), day(2025, 2, 27), 0),
        (day(2024, 2, 29), day(2025, 2, 28), 12),
        (day(2026, 3, 15), day(2026, 3, 15), 0),
        (day(2026, 3, 15), day(2026, 1, 1), 0),
        (day(2019, 1, 31), day(2026, 11, 29), 93),
    ] {
        assert_eq!(months_between(from, to), months, "{from} to {to}");
    }
}

#[test]
fn service_fields_required_unknown_and_ranges() {
    let mut d = valid();
    d.service.remove("tested");
    d.service.remove("treated"); // not required: no finding of its own
    d.service.insert("testd".into(), 3);
    check(
        &d,
        &ctx(),
        &[
            ("service.tested", E, "required"),
            ("service.testd", E, "unknown_field"),
        ],
    );

    let mut d = valid();
    d.service.insert("positive".into(), -1);
    check(&d, &ctx(), &[("service.positive", E, "negative")]);

    let mut d = valid();
    d.service.insert("tested".into(), 501);
    d.stock.get_mut("RDT").unwrap().consumed = Some(501);
    d.stock.get_mut("RDT").unwrap().opening_balance = Some(559);
    let f = check(&d, &ctx(), &[("service.tested", E, "out_of_range")]);
    assert!(
        f[0].message.contains("501") && f[0].message.contains("500"),
        "{}",
        f[0].message
    );

    let mut d = valid();
    d.service.insert("tested".into(), 301);
    d.stock.get_mut("RDT").unwrap().consumed = Some(301);
    d.stock.get_mut("RDT").unwrap().opening_balance = Some(359);
    check(&d, &ctx(), &[("service.tested", W, "unusually_high")]);

    let mut d = valid();
    d.service.insert("treated".into(), MAX_PLAUSIBLE + 1);
    check(&d, &ctx(), &[("service.treated", E, "out_of_range")]);
}

#[test]
fn stock_products_quantities_and_signs() {
    let mut d = valid();
    d.stock.remove("RDT");
    d.stock.insert("ACTT".into(), entry(1, 1, 1, 1));
    check(
        &d,
        &ctx(),
        &[
            ("stock.RDT", E, "required"),
            ("stock.ACTT", E, "unknown_product"),
        ],
    );

    let mut d = valid();
    let e = d.stock.get_mut("ACT").unwrap();
    e.opening_balance = None;
    e.closing_balance = None;
    e.requested_quantity = None; // optional
    check(
        &d,
        &ctx(),
        &[
            ("stock.ACT.opening_balance", E, "required"),
            ("stock.ACT.closing_balance", E, "required"),
        ],
    );

    let mut d = valid();
    d.stock.get_mut("ACT").unwrap().losses = Some(-2);
    check(&d, &ctx(), &[("stock.ACT.losses", E, "negative")]);

    // Negative adjustments are allowed and enter the balance.
    let mut d = valid();
    let e = d.stock.get_mut("ACT").unwrap();
    e.adjustments = Some(-5);
    e.closing_balance = Some(35);
    check(&d, &ctx(), &[]);

    let mut d = valid();
    d.stock.get_mut("ACT").unwrap().received = Some(i64::MAX);
    check(&d, &ctx(), &[("stock.ACT.received", E, "out_of_range")]);

    let mut d = valid();
    let e = d.stock.get_mut("ACT").unwrap();
    e.received = Some(1001);
    e.closing_balance = Some(1021);
    check(
        &d,
        &ctx(),
        &[
            ("stock.ACT.received", W, "unusually_high"),
            ("stock.ACT.closing_balance", W, "unusually_high"),
        ],
    );
}

#[test]
fn the_balance_equation() {
    let mut d = valid();
    d.stock.get_mut("ACT").unwrap().closing_balance = Some(45);
    let f = check(&d, &ctx(), &[("stock.ACT.closing_balance", E, "balance")]);
    assert!(
        f[0].message.contains("should be 40 blisters (40 opening + 20 received − 20 consumed − 0 losses + 0 adjustments), but 45 was entered"),
        "{}",
        f[0].message
    );
    // Losses and adjustments left empty count as 0.
    let mut d = valid();
    let e = d.stock.get_mut("ACT").unwrap();
    e.losses = None;
    e.adjustments = None;
    check(&d, &ctx(), &[]);
    // More used than available.
    let mut d = valid();
    let e = d.stock.get_mut("ACT").unwrap();
    e.consumed = Some(70);
    e.closing_balance = Some(0);
    e.stockout_days = Some(3);
    d.service.insert("treated".into(), 70);
    d.service.insert("positive".into(), 40);
    let f = check(&d, &ctx(), &[("stock.ACT.closing_balance", E, "balance")]);
    assert!(f[0].message.contains("More was used than was available"));
}

#[test]
fn stockout_days_within_the_period() {
    let mut d = valid();
    d.stock.get_mut("ACT").unwrap().stockout_days = Some(32);
    let f = check(
        &d,
        &ctx(),
        &[("stock.ACT.stockout_days", E, "stockout_days")],
    );
    assert!(
        f[0].message.contains("31 days in 2026-10"),
        "{}",
        f[0].message
    );
    // September has 30 days.
    d.period = "2026-09".into();
    d.stock.get_mut("ACT").unwrap().stockout_days = Some(31);
    check(
        &d,
        &ctx(),
        &[("stock.ACT.stockout_days", E, "stockout_days")],
    );
    d.stock.get_mut("ACT").unwrap().stockout_days = Some(30);
    check(
        &d,
        &ctx(),
        &[("stock.ACT.stockout_days", W, "stockout_days")],
    ); // out all month yet consumed
    // A closing balance of 0 with no stock-out day needs confirmation.
    let mut d = valid();
    let e = d.stock.get_mut("RDT").unwrap();
    e.received = Some(0);
    e.opening_balance = Some(42);
    e.closing_balance = Some(0);
    check(
        &d,
        &ctx(),
        &[("stock.RDT.stockout_days", W, "stockout_days")],
    );
}

#[test]
fn opening_balance_follows_the_previous_closing_balance() {
    let mut c = ctx();
    c.previous_closing
        .insert("ACT".into(), (38, "2026-09".into()));
    c.previous_closing
        .insert("RDT".into(), (100, "2026-09".into()));
    let f = check(
        &valid(),
        &c,
        &[("stock.ACT.opening_balance", W, "opening_balance")],
    );
    assert!(
        f[0].message
            .contains("40 is not the closing balance 38 recorded for 2026-09"),
        "{}",
        f[0].message
    );
}

#[test]
fn cross_checks_between_services_and_consumption() {
    // <= between services, as an error.
    let mut d = valid();
    d.service.insert("positive".into(), 41);
    let f = check(&d, &ctx(), &[("rules.pos-le-tested", E, "cross_check")]);
    assert!(
        f[0].message
            .contains("Malaria: RDT positive (41) is more than Malaria: tested with RDT (40)"),
        "{}",
        f[0].message
    );
    // Ratio band, above and below, and a zero denominator.
    for (consumed, treated, flagged) in [
        (20, 20, false),
        (25, 20, false),
        (26, 20, true),
        (15, 20, true),
        (16, 20, false),
        (3, 0, true),
        (0, 0, false),
    ] {
        let mut d = valid();
        let e = d.stock.get_mut("ACT").unwrap();
        e.consumed = Some(consumed);
        e.closing_balance = Some(60 - consumed);
        d.service.insert("treated".into(), treated);
        let expected: &[(&str, Severity, &str)] = if flagged {
            &[("rules.act-vs-treated", W, "cross_check")]
        } else {
            &[]
        };
        let f = check(&d, &ctx(), expected);
        if flagged {
            assert!(
                f[0].message.ends_with("One blister per case."),
                "{}",
                f[0].message
            );
        }
    }
    // >= between a product and a service.
    let mut d = valid();
    let e = d.stock.get_mut("RDT").unwrap();
    e.consumed = Some(39);
    e.closing_balance = Some(61);
    check(&d, &ctx(), &[("rules.rdt-ge-tested", W, "cross_check")]);
    // A rule whose numbers are missing is not evaluated (the missing field is reported once).
    let mut d = valid();
    d.service.remove("treated");
    check(&d, &ctx(), &[]);
}

#[test]
fn text_limits() {
    let mut d = valid();
    d.comment = Some("x".repeat(1024 * 1024));
    let f = check(&d, &ctx(), &[("comment", E, "too_long")]);
    assert!(f[0].message.contains("1048576 characters"));
    let mut d = valid();
    d.captured_by = Some("y".repeat(500));
    check(&d, &ctx(), &[("captured_by", E, "too_long")]);
}

#[test]
fn hidden_characters_in_free_text_are_refused_naming_them() {
    // Each refused character alone, in the comment and in captured_by; the
    // message names the field, the code point and where it is.
    for (c, hex) in [
        ('\u{0}', "U+0000"),
        ('\u{7}', "U+0007"),
        ('\u{1B}', "U+001B"),
        ('\u{7F}', "U+007F"),
        ('\u{85}', "U+0085"),
        ('\u{9B}', "U+009B"),
        ('\u{202A}', "U+202A"),
        ('\u{202B}', "U+202B"),
        ('\u{202C}', "U+202C"),
        ('\u{202D}', "U+202D"),
        ('\u{202E}', "U+202E"),
        ('\u{2066}', "U+2066"),
        ('\u{2067}', "U+2067"),
        ('\u{2068}', "U+2068"),
        ('\u{2069}', "U+2069"),
    ] {
        let mut d = valid();
        d.comment = Some(format!("ok{c}pay"));
        let f = check(&d, &ctx(), &[("comment", E, "hidden_character")]);
        assert!(
            f[0].message
                .starts_with(&format!("The comment contains a hidden character, {hex} (")),
            "{hex}: {}",
            f[0].message
        );
        assert!(f[0].message.contains("at character 3"), "{}", f[0].message);
        // The message itself holds no hidden character.
        assert!(!f[0].message.contains(c), "{hex}");
        let mut d = valid();
        d.captured_by = Some(format!("A{c}M"));
        let f = check(&d, &ctx(), &[("captured_by", E, "hidden_character")]);
        assert!(f[0].message.contains(hex), "{hex}: {}", f[0].message);
    }
    let mut d = valid();
    d.comment = Some("\u{202E}gnp.exe\u{202C} and \u{2066}x\u{2069}".into());
    let f = check(&d, &ctx(), &[("comment", E, "hidden_character")]);
    assert!(
        f[0].message.contains(
            "4 hidden characters (U+202E at character 1, U+202C at character 9, U+2066 at character 15 and 1 more)"
        ),
        "{}",
        f[0].message
    );
}

#[test]
fn line_breaks_and_right_to_left_text_are_allowed_where_they_belong() {
    // A comment may have several lines (and a tab); Arabic or Hebrew text
    // with its direction marks is not hidden trickery.
    let mut d = valid();
    d.comment = Some("Line one\r\nLine two\n\tindented".into());
    check(&d, &ctx(), &[]);
    d.comment = Some(
        "\u{627}\u{644}\u{645}\u{62E}\u{632}\u{648}\u{646} 40\u{200F} \u{5E9}\u{200E} \u{61C}"
            .into(),
    );
    d.captured_by = Some("\u{645}\u{62D}\u{645}\u{62F}\u{200F}".into());
    check(&d, &ctx(), &[]);
    // A name is one line: a line break or a tab in it is refused.
    for c in ['\n', '\r', '\t'] {
        let mut d = valid();
        d.captured_by = Some(format!("A{c}M"));
        check(&d, &ctx(), &[("captured_by", E, "hidden_character")]);
    }
}

#[test]
fn hidden_characters_in_codes_are_shown_escaped_in_messages() {
    let mut d = valid();
    d.facility = "HP-\u{202E}100".into();
    let f = check(&d, &ctx(), &[("facility", E, "unmapped_facility")]);
    assert!(
        f[0].message.contains("'HP-<U+202E>100'"),
        "{}",
        f[0].message
    );
    let mut d = valid();
    d.form = "t-monthly\u{1B}[2J".into();
    let f = check(&d, &ctx(), &[("form", E, "unknown_form")]);
    assert!(
        f[0].message.contains("'t-monthly<U+001B>[2J'"),
        "{}",
        f[0].message
    );
}

#[test]
fn every_problem_is_reported_at_once_errors_first() {
    let mut d = valid();
    d.facility = "HP-404".into();
    d.period = "2026-12".into();
    d.service.insert("positive".into(), 41);
    d.stock.get_mut("ACT").unwrap().closing_balance = Some(1);
    d.stock.get_mut("ACT").unwrap().consumed = Some(59);
    let f = validate(&forms(), &facilities(), &d, &ctx());
    let codes: Vec<&str> = f.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "unmapped_facility",
            "future_period",
            "cross_check",
            "cross_check"
        ],
        "{f:#?}"
    );
    assert_eq!(f[3].severity, W, "warnings come after errors");
}

/// The example forms, facility map and drafts of `schemas/`.
fn examples() -> (FormSet, FacilityMap, Vec<Draft>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let forms = FormSet::load_dir(&root.join("forms")).unwrap();
    let map = FacilityMap::load(&root.join("facilities/example.json")).unwrap();
    let drafts = ["draft-chw-valid.json", "draft-maternal-valid.json"]
        .iter()
        .map(|f| {
            let bytes = std::fs::read(root.join("examples").join(f)).unwrap();
            let (d, findings) = Draft::from_json_bytes(&bytes).unwrap();
            assert!(findings.is_empty(), "{f}: {findings:?}");
            d
        })
        .collect();
    (forms, map, drafts)
}

/// Every integer a draft can carry, in every numeric field of both example
/// forms, gives findings and never a panic (`abs()` of i64::MIN panics in
/// debug builds and stays negative in release ones). A value that cannot be
/// a real count is an error on its own field.
#[test]
fn extreme_integers_in_every_field_give_findings_never_a_panic() {
    let (forms, map, drafts) = examples();
    let ctx = ctx();
    let mut cases = 0;
    for draft in &drafts {
        let def = forms.get(&draft.form).unwrap();
        for v in [
            i64::MIN,
            i64::MIN + 1,
            -MAX_PLAUSIBLE - 1,
            -1,
            0,
            MAX_PLAUSIBLE + 1,
            i64::MAX,
        ] {
            for f in &def.service {
                let mut d = draft.clone();
                d.service.insert(f.key.clone(), v);
                let found = validate(&forms, &map, &d, &ctx);
                let path = format!("service.{}", f.key);
                if !(0..=MAX_PLAUSIBLE).contains(&v) {
                    assert!(
                        found.iter().any(|x| x.path == path && x.severity == E),
                        "{path} = {v}: {found:#?}"
                    );
                }
                cases += 1;
            }
            for p in &def.products {
                for q in StockQuantity::ALL {
                    let mut d = draft.clone();
                    d.stock.get_mut(&p.code).unwrap().set(q, Some(v));
                    let found = validate(&forms, &map, &d, &ctx);
                    let path = format!("stock.{}.{}", p.code, q.key());
                    // Only adjustments may be negative, down to -MAX_PLAUSIBLE.
                    let allowed = if q == StockQuantity::Adjustments {
                        -MAX_PLAUSIBLE..=MAX_PLAUSIBLE
                    } else {
                        0..=MAX_PLAUSIBLE
                    };
                    if !allowed.contains(&v) {
                        assert!(
                            found.iter().any(|x| x.path == path && x.severity == E),
                            "{path} = {v}: {found:#?}"
                        );
                    }
                    cases += 1;
                }
            }
        }
    }
    assert!(cases > 300, "{cases} cases");
}

/// The same values arriving as JSON text go through the lenient reader first.
#[test]
fn extreme_integers_as_json_text_give_findings() {
    let (forms, map, drafts) = examples();
    for v in [
        "-9223372036854775808",
        "9223372036854775807",
        "-9223372036854775809",
        "18446744073709551616",
        "-1e300",
    ] {
        let mut d: serde_json::Value = serde_json::to_value(&drafts[0]).unwrap();
        d["stock"]["ZINC"]["adjustments"] = serde_json::from_str(v).unwrap();
        d["service"]["fp_implant"] = serde_json::from_str(v).unwrap();
        let (draft, mut found) = Draft::from_json_bytes(d.to_string().as_bytes()).unwrap();
        found.extend(validate(&forms, &map, &draft, &ctx()));
        for path in ["stock.ZINC.adjustments", "service.fp_implant"] {
            assert!(
                found.iter().any(|x| x.path == path && x.severity == E),
                "{path} = {v}: {found:#?}"
            );
        }
    }
}

/// RDT, hand-computed (D = 30 days, defaults: 3 months averaged, min 1):
/// 2026-08: C 36 -> N 36; 2026-09: C 30 with X 15 -> ceil(30 × 30 / 15) = 60;
/// 2026-10 (the draft): C 42 -> 42, closing 40.
/// AMC = ceil((36 + 60 + 42) / 3) = 46; 40 / 46 = 0.87 -> 0.8 months, below 1.
/// (Without the stock-out days: AMC 36, 40 / 36 = 1.1: no warning.)
/// Suggested: 46 × 3 − 40 = 98.
#[test]
fn months_of_stock_below_the_minimum_is_a_stockout_risk_warning() {
    let mut d = valid();
    d.stock.insert("RDT".into(), entry(82, 0, 42, 40));
    let earlier = |period: &str, c: i64, x: i64| {
        let mut e = valid();
        e.period = period.into();
        let rdt = e.stock.get_mut("RDT").unwrap();
        rdt.consumed = Some(c);
        rdt.stockout_days = Some(x);
        e
    };
    let with_history = Context {
        earlier: vec![earlier("202608", 36, 0), earlier("2026-09", 30, 15)],
        ..ctx()
    };
    let f = check(
        &d,
        &with_history,
        &[("stock.RDT.closing_balance", W, "stockout_risk")],
    );
    assert_eq!(
        f[0].message,
        "Malaria RDT: 0.8 months of stock left, below the minimum of 1 month: order now (suggested: 98 test)."
    );
    // No earlier month: no warning (the advice alone says it).
    check(&d, &ctx(), &[]);
    // A product with an error gets no advice on top.
    d.stock.get_mut("RDT").unwrap().closing_balance = Some(39);
    let f = check(
        &d,
        &with_history,
        &[("stock.RDT.closing_balance", E, "balance")],
    );
    assert_eq!(f.len(), 1);
}
