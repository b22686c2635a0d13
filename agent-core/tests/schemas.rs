//! The JSON Schemas in `schemas/` and the Rust types they describe must agree.
//!
//! Every example file is checked twice: against its schema (with `boon`) and
//! by the agent's own loader. Invalid documents must be refused by the schema,
//! and by the agent too wherever the agent refuses them. The example drafts
//! must also pass the agent's validation with no finding at all.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::config::AgentConfig;
use agent_core::period::{Period, PeriodError, PeriodType};
use agent_core::validate::{self, Context};
use agent_core::{Draft, FacilityMap, FormDefinition, FormSet, StockEntry};
use boon::{Compiler, SchemaIndex, Schemas};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `schemas/` folder of the repository.
fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .canonicalize()
        .expect("the schemas folder exists")
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read_text(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The `*.json` files of a folder under `schemas/`, sorted; at least one.
fn json_files(sub: &str) -> Vec<PathBuf> {
    let dir = schemas_dir().join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no JSON files in {}", dir.display());
    files
}

/// One compiled schema (or one of its `$defs`).
struct Checker {
    schemas: Schemas,
    index: SchemaIndex,
    name: String,
}

impl Checker {
    /// Compiles `schemas/<file>`, or the location `<file>#<fragment>` in it.
    fn new(file: &str) -> Checker {
        Checker::at(file, "")
    }

    fn at(file: &str, fragment: &str) -> Checker {
        let path = schemas_dir().join(file);
        let mut schemas = Schemas::new();
        let mut compiler = Compiler::new();
        let loc = format!("{}{fragment}", path.display());
        let index = compiler
            .compile(&loc, &mut schemas)
            .unwrap_or_else(|e| panic!("{file} does not compile: {e:#}"));
        Checker {
            schemas,
            index,
            name: format!("{file}{fragment}"),
        }
    }

    /// Why `v` is invalid, or `None` when it is valid.
    fn problems(&self, v: &Value) -> Option<String> {
        self.schemas
            .validate(v, self.index)
            .err()
            .map(|e| format!("{e:#}"))
    }

    fn accepts(&self, v: &Value) -> bool {
        self.schemas.validate(v, self.index).is_ok()
    }

    #[track_caller]
    fn assert_valid(&self, v: &Value, what: &str) {
        if let Some(p) = self.problems(v) {
            panic!("{what} should be valid against {}:\n{p}", self.name);
        }
    }

    /// Asserts `v` is refused and that the refusal mentions every item of `mentions`
    /// (an instance location or a key), so it is refused for the intended reason.
    #[track_caller]
    fn assert_invalid(&self, v: &Value, what: &str, mentions: &[&str]) {
        let Some(p) = self.problems(v) else {
            panic!("{what} should be refused by {}", self.name);
        };
        for m in mentions {
            assert!(
                p.contains(m),
                "{what}: the refusal should mention {m:?}:\n{p}"
            );
        }
    }
}

/// The minimal form definition shape of the issue, with real-looking ids.
const MINIMAL_FORM: &str = r#"{"id":"chw-monthly","version":1,"title":"CHW monthly report","period_type":"Monthly",
 "dhis2":{"data_set":"pBOMPrpg1QX"},
 "lmis":{"kind":"openlmis","program_id":"dce17f2e-af3e-40ad-8e00-3496adef44c3","period_type":"Quarterly"},
 "service":[{"key":"malaria_rdt_positive","label":"Malaria RDT positive","data_element":"f7n9E0hX8qk","category_option_combo":"Prlt0C1RF0s","min":0,"max":5000,"required":true}],
 "products":[{"code":"ACT-6x1","name":"Artemether-lumefantrine 20/120 6x1","lmis_orderable_id":"c9e65f02-f84f-4ba2-85f7-e2cb6f0989af","dhis2_soh_data_element":null}],
 "rules":[]}"#;

/// The draft example of the issue.
const ISSUE_DRAFT: &str = r#"{"form":"chw-monthly","facility":"HP-001","period":"2026-10",
 "service":{"malaria_rdt_positive":14},
 "stock":{"ACT-6x1":{"opening_balance":40,"received":20,"consumed":18,"losses":0,"adjustments":0,
                     "closing_balance":42,"stockout_days":0,"requested_quantity":30}},
 "comment":"optional","captured_by":"optional"}"#;

const EXAMPLE_DRAFTS: [&str; 2] = ["draft-chw-valid.json", "draft-maternal-valid.json"];

fn minimal_form() -> Value {
    serde_json::from_str(MINIMAL_FORM).unwrap()
}

fn example_draft(name: &str) -> Value {
    read_json(&schemas_dir().join("examples").join(name))
}

fn agent_toml() -> String {
    read_text(&schemas_dir().join("examples/agent.toml"))
}

fn toml_to_json(text: &str) -> Value {
    toml::from_str(text).unwrap_or_else(|e| panic!("not TOML: {e}"))
}

// ---------------------------------------------------------------- valid files

#[test]
fn every_form_definition_matches_the_schema_and_loads() {
    let schema = Checker::new("form-definition.schema.json");
    for path in json_files("forms") {
        let name = path.display().to_string();
        let text = read_text(&path);
        schema.assert_valid(&serde_json::from_str(&text).unwrap(), &name);
        let def = FormDefinition::from_json(&text, &name)
            .unwrap_or_else(|p| panic!("{name} does not load: {p:#?}"));
        // Rust -> JSON -> schema: what the agent writes is in the format too.
        schema.assert_valid(
            &serde_json::to_value(&def).unwrap(),
            &format!("{name} as serialised by FormDefinition"),
        );
    }
    FormSet::load_dir(&schemas_dir().join("forms")).expect("the forms folder loads as a set");
}

#[test]
fn the_minimal_form_shape_matches_the_schema_and_loads() {
    let schema = Checker::new("form-definition.schema.json");
    schema.assert_valid(&minimal_form(), "the minimal form");
    let def = FormDefinition::from_json(MINIMAL_FORM, "minimal").expect("the minimal form loads");
    assert_eq!(def.products[0].dhis2_soh_data_element, None);
    assert!(def.rules.is_empty());
    schema.assert_valid(
        &serde_json::to_value(&def).unwrap(),
        "the minimal form as serialised by FormDefinition",
    );
}

#[test]
fn lmis_period_type_is_required_only_in_requisition_mode() {
    let schema = Checker::new("form-definition.schema.json");
    let mut v = minimal_form();
    v["lmis"].as_object_mut().unwrap().remove("period_type");
    // Stock-event mode (the default): accepted, the form's own period type.
    schema.assert_valid(&v, "a stock-event form without lmis.period_type");
    let def = FormDefinition::from_json(&v.to_string(), "no-lmis-period").unwrap();
    assert_eq!(def.lmis.unwrap().period_type, def.period_type);
    // Requisition mode: both refuse it, naming the key.
    v["lmis"]["mode"] = json!("requisition");
    schema.assert_invalid(
        &v,
        "a requisition form without lmis.period_type",
        &["period_type"],
    );
    let problems = FormDefinition::from_json(&v.to_string(), "no-lmis-period").unwrap_err();
    assert!(
        problems[0]
            .message
            .contains("lmis.period_type is required in requisition mode"),
        "{problems:?}"
    );
}

#[test]
fn the_example_decisions_match_the_schema_and_load_and_a_typo_is_refused_by_both() {
    use agent_core::matching::Decisions;
    let schema = Checker::new("mapping-decisions.schema.json");
    let path = schemas_dir().join("examples/mapping-decisions.json");
    let v = read_json(&path);
    schema.assert_valid(&v, "the example decisions");
    let d = Decisions::from_json(&read_text(&path)).expect("the example decisions load");
    assert_eq!(d.facilities.len(), 4);
    assert_eq!(d.reasons.len(), 5);
    // A misspelt movement is refused by both, not ignored.
    let mut bad = v.clone();
    bad["reasons"]["loses"] = json!("Damaged");
    schema.assert_invalid(&bad, "a misspelt movement", &["loses"]);
    assert!(Decisions::from_json(&bad.to_string()).is_err());
}

#[test]
fn every_facility_map_matches_the_schema_and_loads() {
    let schema = Checker::new("facility-map.schema.json");
    for path in json_files("facilities") {
        let name = path.display().to_string();
        let text = read_text(&path);
        schema.assert_valid(&serde_json::from_str(&text).unwrap(), &name);
        let map = FacilityMap::from_json(&text)
            .unwrap_or_else(|p| panic!("{name} does not load: {p:#?}"));
        assert!(!map.is_empty(), "{name} has no facility");
    }
}

#[test]
fn the_example_drafts_match_the_schema_and_read_without_findings() {
    let schema = Checker::new("submission.schema.json");
    for name in EXAMPLE_DRAFTS {
        let value = example_draft(name);
        schema.assert_valid(&value, name);
        let bytes = serde_json::to_vec(&value).unwrap();
        let (draft, findings) = Draft::from_json_bytes(&bytes).expect("the draft is readable");
        assert!(findings.is_empty(), "{name}: {findings:#?}");
        // The typed draft writes back exactly the example.
        let again = serde_json::to_value(&draft).unwrap();
        assert_eq!(again, value, "{name} does not survive Rust -> JSON");
        schema.assert_valid(&again, &format!("{name} as serialised by Draft"));
    }
}

#[test]
fn the_draft_of_the_issue_matches_the_schema_and_reads_without_findings() {
    let schema = Checker::new("submission.schema.json");
    schema.assert_valid(
        &serde_json::from_str(ISSUE_DRAFT).unwrap(),
        "the issue's draft",
    );
    let (draft, findings) = Draft::from_json_bytes(ISSUE_DRAFT.as_bytes()).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(draft.stock["ACT-6x1"].closing_balance, Some(42));
}

#[test]
fn a_typed_draft_serialised_by_serde_matches_the_schema() {
    let schema = Checker::new("submission.schema.json");
    let draft = Draft {
        form: "chw-monthly".into(),
        facility: "HP-004".into(),
        period: "2026W44".into(),
        service: BTreeMap::from([
            ("malaria_suspected".to_string(), 7),
            ("malaria_rdt_tested".to_string(), 0),
        ]),
        stock: BTreeMap::from([
            (
                "ZINC".to_string(),
                StockEntry {
                    opening_balance: Some(100),
                    received: Some(0),
                    consumed: Some(30),
                    losses: Some(0),
                    adjustments: Some(-10),
                    closing_balance: Some(60),
                    stockout_days: Some(0),
                    requested_quantity: Some(50),
                },
            ),
            // A line only partly filled in: empty quantities are left out.
            (
                "ORS".to_string(),
                StockEntry {
                    consumed: Some(4),
                    ..StockEntry::default()
                },
            ),
        ]),
        comment: None,
        captured_by: Some("J. Mwale".into()),
    };
    let value = serde_json::to_value(&draft).unwrap();
    schema.assert_valid(&value, "a typed draft");
    assert!(
        value.get("comment").is_none(),
        "an empty comment is left out"
    );
    assert_eq!(value["stock"]["ORS"], json!({"consumed": 4}));
    assert_eq!(value["stock"]["ZINC"]["adjustments"], json!(-10));
    let text = draft.to_json_pretty();
    schema.assert_valid(
        &serde_json::from_str(&text).unwrap(),
        "Draft::to_json_pretty",
    );
    let (back, findings) = Draft::from_json_bytes(text.as_bytes()).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(back, draft);
}

#[test]
fn the_example_drafts_pass_validation_with_no_finding() {
    let dir = schemas_dir();
    let forms = FormSet::load_dir(&dir.join("forms")).expect("the forms load");
    let map = FacilityMap::load(&dir.join("facilities/example.json")).expect("the map loads");
    let ctx = Context {
        today: NaiveDate::from_ymd_opt(2026, 11, 29),
        previous_closing: Default::default(),
        external: Vec::new(),
        max_period_age_months: Some(agent_core::config::DEFAULT_MAX_PERIOD_AGE_MONTHS),
        earlier: Vec::new(),
    };
    for name in EXAMPLE_DRAFTS {
        let bytes = std::fs::read(dir.join("examples").join(name)).unwrap();
        let (draft, read) = Draft::from_json_bytes(&bytes).unwrap();
        assert!(read.is_empty(), "{name}: {read:#?}");
        let def = forms
            .get(&draft.form)
            .expect("the example names a known form");
        // Complete: every service field and every product of the form is filled in.
        for f in &def.service {
            assert!(
                draft.service.contains_key(&f.key),
                "{name}: {} is missing",
                f.key
            );
        }
        for p in &def.products {
            let e = draft
                .stock
                .get(&p.code)
                .unwrap_or_else(|| panic!("{name}: {} missing", p.code));
            assert_ne!(e, &StockEntry::default(), "{name}: {} is empty", p.code);
        }
        assert_eq!(
            draft.service.len(),
            def.service.len(),
            "{name}: extra service keys"
        );
        assert_eq!(
            draft.stock.len(),
            def.products.len(),
            "{name}: extra products"
        );
        let findings = validate::validate(&forms, &map, &draft, &ctx);
        assert!(
            findings.is_empty(),
            "{name} should pass validation with no error and no warning, but:\n{}",
            findings
                .iter()
                .map(|f| format!("  {:?} {} [{}]: {}", f.severity, f.path, f.code, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn the_example_config_matches_the_schema_and_loads() {
    let schema = Checker::new("agent-config.schema.json");
    let text = agent_toml();
    schema.assert_valid(&toml_to_json(&text), "examples/agent.toml");
    let base = schemas_dir().join("examples");
    let config = AgentConfig::from_toml(&text, &base).expect("examples/agent.toml loads");
    // Its relative paths point at the real forms and facility map.
    FormSet::load_dir(&config.forms).expect("the configured forms folder loads");
    FacilityMap::load(&config.facilities).expect("the configured facility map loads");
    let dhis2 = config.dhis2.expect("a dhis2 section");
    assert_eq!(dhis2.password_env.as_deref(), Some("DHIS2_PASSWORD"));
    let lmis = config.lmis.expect("an lmis section");
    assert_eq!(
        lmis.client_secret_env.as_deref(),
        Some("LMIS_CLIENT_SECRET")
    );
    assert_eq!(config.entry.max_period_age_months, Some(12));
    assert_eq!(config.storage.keep_delivered_days, Some(400));
    // 0 (keep for good) and the bounds 31 and 3650 are valid both ways.
    for n in [0, 31, 3650] {
        let t = text.replace(
            "keep_delivered_days = 400",
            &format!("keep_delivered_days = {n}"),
        );
        schema.assert_valid(&toml_to_json(&t), &format!("keep_delivered_days = {n}"));
        let c = AgentConfig::from_toml(&t, &base).expect("loads");
        assert_eq!(c.storage.keep_delivered_days, Some(n));
    }
    // The exchange log's retention: 90 in the example, 7 and 730 its bounds.
    assert_eq!(config.storage.keep_exchanges_days, Some(90));
    for n in [7, 730] {
        let t = text.replace(
            "keep_exchanges_days = 90",
            &format!("keep_exchanges_days = {n}"),
        );
        schema.assert_valid(&toml_to_json(&t), &format!("keep_exchanges_days = {n}"));
        let c = AgentConfig::from_toml(&t, &base).expect("loads");
        assert_eq!(c.storage.keep_exchanges_days(), n);
    }
}

// ------------------------------------------------------------ negative cases

#[test]
fn a_form_definition_with_an_unknown_key_is_refused() {
    let schema = Checker::new("form-definition.schema.json");
    let mut top = minimal_form();
    top["colour"] = json!("blue");
    schema.assert_invalid(&top, "an unknown top-level key", &["colour"]);
    let e = FormDefinition::from_json(&top.to_string(), "colour.json").unwrap_err();
    assert!(e[0].message.contains("colour"), "{e:?}");

    // A misspelt key deeper down (in a service field) is refused as well.
    let text = MINIMAL_FORM.replace("\"required\"", "\"requred\"");
    schema.assert_invalid(
        &serde_json::from_str(&text).unwrap(),
        "a misspelt key in a service field",
        &["/service/0", "requred"],
    );
    assert!(FormDefinition::from_json(&text, "typo.json").is_err());
}

#[test]
fn a_service_field_with_a_ten_character_uid_is_refused() {
    let schema = Checker::new("form-definition.schema.json");
    let mut v = minimal_form();
    v["service"][0]["data_element"] = json!("f7n9E0hX8q");
    schema.assert_invalid(
        &v,
        "a 10-character data element uid",
        &["/service/0/data_element"],
    );
    let e = FormDefinition::from_json(&v.to_string(), "short-uid.json").unwrap_err();
    assert!(
        e.iter()
            .any(|p| p.message.contains("'f7n9E0hX8q' is not a DHIS2 uid")),
        "{e:?}"
    );
}

#[test]
fn a_draft_with_a_quantity_written_as_text_is_refused() {
    let schema = Checker::new("submission.schema.json");
    let text = ISSUE_DRAFT.replace("\"consumed\":18", "\"consumed\":\"18\"");
    assert_ne!(text, ISSUE_DRAFT);
    let v: Value = serde_json::from_str(&text).unwrap();
    schema.assert_invalid(&v, "\"consumed\":\"18\"", &["/stock/ACT-6x1/consumed"]);
    // The agent's lenient reader reports it on the field, in plain words...
    let (_, findings) = Draft::from_json_bytes(text.as_bytes()).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.path == "stock.ACT-6x1.consumed" && f.message.contains("is text")),
        "{findings:#?}"
    );
    // ...and the typed format refuses it.
    assert!(serde_json::from_str::<Draft>(&text).is_err());

    // The same for a service count.
    let text = ISSUE_DRAFT.replace(":14}", ":\"14\"}");
    assert_ne!(text, ISSUE_DRAFT);
    schema.assert_invalid(
        &serde_json::from_str(&text).unwrap(),
        "a service count as text",
        &["/service/malaria_rdt_positive"],
    );
    let (_, findings) = Draft::from_json_bytes(text.as_bytes()).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.path == "service.malaria_rdt_positive")
    );
}

#[test]
fn a_draft_with_an_unknown_top_level_key_is_refused() {
    let schema = Checker::new("submission.schema.json");
    let mut v: Value = serde_json::from_str(ISSUE_DRAFT).unwrap();
    v["submitted_at"] = json!("2026-11-02T10:00:00Z");
    schema.assert_invalid(&v, "an unknown top-level key", &["submitted_at"]);
    let (_, findings) = Draft::from_json_value(&v).unwrap();
    assert!(
        findings.iter().any(|f| f.path == "submitted_at"),
        "{findings:#?}"
    );
    assert!(serde_json::from_value::<Draft>(v).is_err());

    // An unknown stock quantity is refused too.
    let text = ISSUE_DRAFT.replace("\"losses\"", "\"lost\"");
    schema.assert_invalid(
        &serde_json::from_str(&text).unwrap(),
        "an unknown stock quantity",
        &["/stock/ACT-6x1", "lost"],
    );
    let (_, findings) = Draft::from_json_bytes(text.as_bytes()).unwrap();
    assert!(findings.iter().any(|f| f.path == "stock.ACT-6x1.lost"));
}

#[test]
fn a_config_with_a_password_instead_of_password_env_is_refused() {
    let schema = Checker::new("agent-config.schema.json");
    let text = agent_toml().replace("password_env = \"DHIS2_PASSWORD\"", "password = \"secret\"");
    assert_ne!(text, agent_toml());
    schema.assert_invalid(
        &toml_to_json(&text),
        "password = \"secret\"",
        &["/dhis2", "password"],
    );
    let e = AgentConfig::from_toml(&text, Path::new("."))
        .expect_err("the agent refuses a password in the file");
    assert!(e.to_string().contains("password"), "{e}");

    // The same in the [lmis] section.
    let text = agent_toml().replace("password_env = \"LMIS_PASSWORD\"", "password = \"secret\"");
    schema.assert_invalid(
        &toml_to_json(&text),
        "an lmis password",
        &["/lmis", "password"],
    );
    assert!(AgentConfig::from_toml(&text, Path::new(".")).is_err());
}

#[test]
fn other_mistakes_the_schemas_and_the_agent_both_refuse() {
    let form = Checker::new("form-definition.schema.json");
    let with_rule = |rule: Value| {
        let mut v = minimal_form();
        v["rules"] = json!([rule]);
        v
    };
    let loads = |v: &Value| FormDefinition::from_json(&v.to_string(), "x").is_ok();

    // A term naming both a service field and a product.
    let v = with_rule(json!({"id": "r", "severity": "warning",
        "left": [{"service": "malaria_rdt_positive", "product": "ACT-6x1", "quantity": "consumed"}],
        "op": "<=", "right": [{"service": "malaria_rdt_positive"}]}));
    form.assert_invalid(&v, "a term with service and product", &["/rules/0/left/0"]);
    assert!(!loads(&v));

    // A ratio rule with no bound, and a bound on a rule that is not a ratio.
    let v = with_rule(json!({"id": "r", "severity": "warning",
        "left": [{"product": "ACT-6x1", "quantity": "consumed"}], "op": "ratio",
        "right": [{"service": "malaria_rdt_positive"}]}));
    form.assert_invalid(&v, "a ratio rule without bounds", &["/rules/0"]);
    assert!(!loads(&v));
    let v = with_rule(json!({"id": "r", "severity": "warning",
        "left": [{"product": "ACT-6x1", "quantity": "consumed"}], "op": "<=", "min_ratio": 1,
        "right": [{"service": "malaria_rdt_positive"}]}));
    form.assert_invalid(&v, "min_ratio on a <= rule", &["/rules/0"]);
    assert!(!loads(&v));

    // An unknown operator, an empty side and an unknown stock quantity.
    for (what, rule) in [
        (
            "op <",
            json!({"id": "r", "severity": "error", "left": [{"service": "a"}], "op": "<", "right": [{"service": "a"}]}),
        ),
        (
            "an empty side",
            json!({"id": "r", "severity": "error", "left": [], "op": "<=", "right": [{"service": "a"}]}),
        ),
        (
            "quantity closing",
            json!({"id": "r", "severity": "error", "left": [{"product": "ACT-6x1", "quantity": "closing"}], "op": "<=", "right": [{"service": "a"}]}),
        ),
    ] {
        let v = with_rule(rule);
        form.assert_invalid(&v, what, &["/rules/0"]);
        assert!(!loads(&v), "{what}");
    }

    // Resupply levels: accepted with the defaults' shape, refused out of range
    // or with an unknown key, by the schema and the loader alike.
    let mut v = minimal_form();
    v["resupply"] = json!({"max_months": 2.5, "min_months": 0.5, "periods_to_average": 6});
    form.assert_valid(&v, "resupply levels");
    let def = FormDefinition::from_json(&v.to_string(), "x").expect("resupply levels load");
    let r = def.resupply.expect("the levels are read");
    assert_eq!(
        (r.max_months, r.min_months, r.periods_to_average),
        (2.5, 0.5, 6)
    );
    v["resupply"] = json!({});
    form.assert_valid(&v, "resupply with the defaults");
    let r = FormDefinition::from_json(&v.to_string(), "x")
        .unwrap()
        .resupply
        .unwrap();
    assert_eq!(
        (r.max_months, r.min_months, r.periods_to_average),
        (3.0, 1.0, 3)
    );
    for (what, levels) in [
        ("max_months 0", json!({"max_months": 0})),
        ("periods_to_average 0", json!({"periods_to_average": 0})),
        ("periods_to_average 25", json!({"periods_to_average": 25})),
        ("min_months -1", json!({"min_months": -1})),
        ("an unknown key", json!({"max_month": 3})),
    ] {
        v["resupply"] = levels;
        form.assert_invalid(&v, what, &["/resupply"]);
        assert!(!loads(&v), "{what}");
    }

    // Products without an lmis section, and an lmis section without products.
    let mut v = minimal_form();
    v.as_object_mut().unwrap().remove("lmis");
    form.assert_invalid(&v, "products without lmis", &["lmis"]);
    assert!(!loads(&v));
    let mut v = minimal_form();
    v["products"] = json!([]);
    form.assert_invalid(&v, "lmis without products", &["/products"]);
    assert!(!loads(&v));

    // A program id that is not a UUID, and an unknown period type name.
    let mut v = minimal_form();
    v["lmis"]["program_id"] = json!("PRG-CHW");
    form.assert_invalid(&v, "a program code as program_id", &["/lmis/program_id"]);
    assert!(!loads(&v));
    let mut v = minimal_form();
    v["period_type"] = json!("monthly");
    form.assert_invalid(&v, "period_type monthly", &["/period_type"]);
    assert!(!loads(&v));

    // The facility map: an LMIS id without its code, and version 2.
    let map = Checker::new("facility-map.schema.json");
    let v = json!({"version": 1, "facilities": [{"code": "HP-009", "name": "X",
        "lmis_facility_id": "e6799d64-d10d-4011-b8c2-0e4d4a3f65ce"}]});
    map.assert_invalid(
        &v,
        "lmis_facility_id without lmis_facility_code",
        &["lmis_facility_code"],
    );
    assert!(FacilityMap::from_json(&v.to_string()).is_err());
    let v = json!({"version": 2, "facilities": []});
    map.assert_invalid(&v, "version 2", &["/version"]);
    assert!(FacilityMap::from_json(&v.to_string()).is_err());

    // The config: both password_env and password_file, a URL with credentials, another LMIS.
    let config = Checker::new("agent-config.schema.json");
    for (what, from, to) in [
        (
            "password_env and password_file",
            "password_env = \"DHIS2_PASSWORD\"",
            "password_env = \"DHIS2_PASSWORD\"\npassword_file = \"dhis2.secret\"",
        ),
        (
            "credentials in the url",
            "http://127.0.0.1:8080",
            "http://admin:district@127.0.0.1:8080",
        ),
        (
            "an ftp url",
            "http://127.0.0.1:8081",
            "ftp://127.0.0.1:8081",
        ),
        ("kind elmis", "kind = \"openlmis\"", "kind = \"elmis\""),
        (
            "a zero timeout",
            "username = \"admin\"",
            "username = \"admin\"\ntimeout_secs = 0",
        ),
        (
            "an lmis timeout beyond one day",
            "timeout_secs = 120",
            "timeout_secs = 86401",
        ),
        (
            "a period age beyond ten years",
            "max_period_age_months = 12",
            "max_period_age_months = 121",
        ),
        (
            "a negative period age",
            "max_period_age_months = 12",
            "max_period_age_months = -1",
        ),
        (
            "an unknown key in [entry]",
            "max_period_age_months = 12",
            "max_period_age = 12",
        ),
        (
            "a retention shorter than a month",
            "keep_delivered_days = 400",
            "keep_delivered_days = 30",
        ),
        (
            "a retention beyond ten years",
            "keep_delivered_days = 400",
            "keep_delivered_days = 3651",
        ),
        (
            "a negative retention",
            "keep_delivered_days = 400",
            "keep_delivered_days = -1",
        ),
        (
            "an exchange log kept under a week",
            "keep_exchanges_days = 90",
            "keep_exchanges_days = 6",
        ),
        (
            "an exchange log kept for good",
            "keep_exchanges_days = 90",
            "keep_exchanges_days = 0",
        ),
        (
            "an exchange log kept beyond two years",
            "keep_exchanges_days = 90",
            "keep_exchanges_days = 731",
        ),
        (
            "an unknown key in [storage]",
            "keep_delivered_days = 400",
            "keep_days = 400",
        ),
        (
            "a zero reference age",
            "reference_max_age_days = 90 ",
            "reference_max_age_days = 0 ",
        ),
        (
            "a reference age beyond ten years",
            "reference_max_age_days = 90 ",
            "reference_max_age_days = 3651 ",
        ),
        (
            "an lmis connect timeout near 2^63",
            "connect_timeout_secs = 20 ",
            "connect_timeout_secs = 9223372036854775807 ",
        ),
    ] {
        let text = agent_toml().replace(from, to);
        assert_ne!(text, agent_toml(), "{what}");
        config.assert_invalid(&toml_to_json(&text), what, &[]);
        assert!(
            AgentConfig::from_toml(&text, Path::new(".")).is_err(),
            "{what}"
        );
    }
}

// ----------------------------------------------------------- period pattern

/// The schema's period pattern accepts every period the agent writes (DHIS2
/// ids and ISO forms, in either case) and never a text the agent cannot read
/// at all; it leaves calendar checks (week 53, 30 February) to the agent.
#[test]
fn the_period_pattern_agrees_with_the_period_parser() {
    let pattern = Checker::at("submission.schema.json", "#/$defs/period");
    let mut day = NaiveDate::from_ymd_opt(2024, 12, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
    while day <= last {
        for t in PeriodType::ALL {
            let p = Period::containing(t, day);
            for text in [p.dhis2_id(), p.iso()] {
                for text in [
                    text.clone(),
                    text.to_ascii_lowercase(),
                    text.to_ascii_uppercase(),
                ] {
                    assert!(Period::parse(&text).is_ok(), "{text}");
                    assert!(
                        pattern.accepts(&json!(text)),
                        "the pattern refuses {text} ({t})"
                    );
                }
            }
        }
        day = day.succ_opt().unwrap();
    }
    for text in [
        "2026-10",
        "202610",
        "2026-Q4",
        "2026Q4",
        "2026-W44",
        "2026W44",
        "2026-W05",
        "2026W5",
        "2026-w5",
        "2026Q04",
        "2026-BiW22",
        "2026-01B",
        "2026-S1",
        "2026-AprilS1",
        "2026aprils2",
        "2026-April",
        "2026July",
        "2026oct",
        "2026",
        "1900-01",
        "2999Q4",
        "20261130",
        "2026-11-30",
    ] {
        assert!(Period::parse(text).is_ok(), "{text}");
        assert!(pattern.accepts(&json!(text)), "the pattern refuses {text}");
    }
    // Texts the parser cannot read at all, or whose numbers are out of range.
    for text in [
        "",
        "26-10",
        "hello",
        "2026-",
        "2026-1",
        "2026101",
        "202610-30",
        "2026-1030",
        "2026W",
        "2026W100",
        "2026-W4-1",
        "2026Q",
        "2026 Q4",
        "2026Sept",
        "2026-10-30/P1D",
        "99999",
        " 2026-10",
        "2026-10 ",
        "２０２６-10",
        "2026-13",
        "202600",
        "2026W0",
        "2026W54",
        "2026BiW28",
        "2026Q5",
        "2026Q0",
        "2026S3",
        "2026AprilS3",
        "202607B",
        "20261100",
        "20261132",
        "1899-12",
        "3000Q1",
        "9999",
        "2026-W",
    ] {
        assert!(
            !pattern.accepts(&json!(text)),
            "the pattern accepts {text:?}"
        );
        // The parser refuses them too; it reads the padded ones only after trimming.
        assert!(
            Period::parse(text).is_err() || text.trim() != text,
            "{text:?} is a period the pattern should accept"
        );
    }
    // Whatever the pattern accepts, the parser recognises (it may still be
    // refused as a day or week that the calendar does not have).
    for text in ["2025W53", "2026-02-30", "20250229", "2025BiW27"] {
        assert!(pattern.accepts(&json!(text)), "{text}");
        assert!(
            matches!(Period::parse(text), Err(PeriodError::OutOfRange { .. })),
            "{text}"
        );
    }
}

// ------------------------------------------------------------ escrow

/// The example escrow document (its hash computed outside the agent) matches
/// the schema, its content matches the draft schema, and the agent reads it.
#[test]
fn the_example_escrow_document_matches_the_schema_and_is_read() {
    let path = schemas_dir().join("examples/escrow-plaintext.json");
    let v = read_json(&path);
    Checker::new("escrow.schema.json").assert_valid(&v, "examples/escrow-plaintext.json");
    let content: Value =
        serde_json::from_str(v["entries"][0]["content"].as_str().unwrap()).unwrap();
    Checker::new("submission.schema.json").assert_valid(&content, "the entry's content");
    let file = agent_core::escrow::read_document(read_text(&path).as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.entries.len(), 1);
    assert_eq!(file.entries[0].facility, "HP-001");
}

/// What an agent exports, decrypted, matches the schema.
#[test]
fn an_exported_escrow_document_matches_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let forms = FormSet::load_dir(&schemas_dir().join("forms")).unwrap();
    let map = FacilityMap::load(&schemas_dir().join("facilities/example.json")).unwrap();
    let clock = std::sync::Arc::new(agent_core::FixedClock::new(
        NaiveDate::from_ymd_opt(2026, 11, 20)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc(),
    ));
    let agent =
        agent_core::Agent::open_parts(&dir.path().join("o.sqlite"), forms, map, clock).unwrap();
    for name in EXAMPLE_DRAFTS {
        let bytes = read_text(&schemas_dir().join("examples").join(name));
        agent.submit_json(bytes.as_bytes(), true).unwrap();
    }
    let (secret, public) = agent_core::escrow::generate_key(chrono::Utc::now());
    let mut out = Vec::new();
    agent.export_unsent(&public, &mut out).unwrap();
    let file = agent_core::escrow::decrypt(&out, secret.as_bytes()).unwrap();
    let v = serde_json::to_value(&file).unwrap();
    Checker::new("escrow.schema.json").assert_valid(&v, "an export");
    assert_eq!(v["entries"].as_array().unwrap().len(), 2);
}

/// The schema cannot check a hash; the agent does. Both refuse an unknown key.
#[test]
fn escrow_mistakes_the_schema_and_the_agent_refuse() {
    let path = schemas_dir().join("examples/escrow-plaintext.json");
    let schema = Checker::new("escrow.schema.json");
    let mut changed = read_json(&path);
    let c = changed["entries"][0]["content"]
        .as_str()
        .unwrap()
        .replace("62", "63");
    changed["entries"][0]["content"] = json!(c);
    schema.assert_valid(&changed, "a changed content (same shape)");
    let e = agent_core::escrow::read_document(changed.to_string().as_bytes()).unwrap_err();
    assert!(
        e.to_string().contains("does not match its content hash"),
        "{e}"
    );
    let mut extra = read_json(&path);
    extra["entries"][0]["note"] = json!("x");
    schema.assert_invalid(&extra, "an unknown entry key", &["note"]);
    assert!(agent_core::escrow::read_document(extra.to_string().as_bytes()).is_err());
}

// ------------------------------------------------------------ documentation

/// Every property of every schema says, in words, what it is for.
#[test]
fn every_property_of_every_schema_is_described() {
    fn walk(v: &Value, at: &str, missing: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for key in ["properties", "$defs"] {
                    if let Some(Value::Object(props)) = m.get(key) {
                        for (name, sub) in props {
                            if sub.get("description").is_none() {
                                missing.push(format!("{at}/{key}/{name}"));
                            }
                        }
                    }
                }
                for (k, sub) in m {
                    // Conditions restate properties only to test them.
                    if !matches!(
                        k.as_str(),
                        "if" | "then" | "else" | "not" | "allOf" | "anyOf"
                    ) {
                        walk(sub, &format!("{at}/{k}"), missing);
                    }
                }
            }
            Value::Array(items) => {
                for (i, sub) in items.iter().enumerate() {
                    walk(sub, &format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    for file in [
        "form-definition.schema.json",
        "facility-map.schema.json",
        "submission.schema.json",
        "agent-config.schema.json",
        "escrow.schema.json",
    ] {
        let v = read_json(&schemas_dir().join(file));
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{file} declares draft 2020-12"
        );
        assert!(v.get("description").is_some(), "{file} has no description");
        let mut missing = Vec::new();
        walk(&v, "#", &mut missing);
        assert!(missing.is_empty(), "{file}: undescribed {missing:#?}");
    }
}

/// A secret pasted into agent.toml must not be repeated in the agent's error.
#[test]
fn a_refused_password_is_not_repeated_in_the_error() {
    let text = agent_toml().replace(
        "password_env = \"DHIS2_PASSWORD\"",
        "password = \"s3cr3t-value\"",
    );
    let e = AgentConfig::from_toml(&text, Path::new(".")).unwrap_err();
    assert!(!e.to_string().contains("s3cr3t-value"), "{e}");
}

/// `[storage] key_file` (issue 17, encryption at rest): the schema and the
/// loader accept it (the path resolved against the file's folder); a key
/// written in the file itself, or an unknown setting, is refused by both.
#[test]
fn the_storage_section_names_a_key_file_never_a_key() {
    let schema = Checker::new("agent-config.schema.json");
    // The example's [storage] section, with a key file added.
    let with_storage =
        |line: &str| agent_toml().replacen("[storage]\n", &format!("[storage]\n{line}\n"), 1);
    assert!(
        agent_toml().contains("[storage]\n"),
        "the example has a [storage] section"
    );
    let text = with_storage("key_file = \"outbox.key\"");
    schema.assert_valid(&toml_to_json(&text), "[storage] key_file");
    let config = AgentConfig::from_toml(&text, Path::new("/etc/agent")).unwrap();
    assert_eq!(
        config.storage.key_file.as_deref(),
        Some(Path::new("/etc/agent/outbox.key"))
    );
    let text =
        with_storage("key = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"");
    schema.assert_invalid(
        &toml_to_json(&text),
        "a key in the file",
        &["/storage", "key"],
    );
    let e = AgentConfig::from_toml(&text, Path::new(".")).expect_err("refused");
    assert!(!e.to_string().contains("00112233"), "{e}");
    assert!(e.to_string().contains("key"), "{e}");
}

// ------------------------------------------------------------ labels per locale

#[test]
fn a_form_with_labels_per_locale_matches_the_schema_and_loads() {
    let schema = Checker::new("form-definition.schema.json");
    let mut v = minimal_form();
    v["labels"] = json!({"fr": "Rapport mensuel ASC", "sw": "Ripoti ya mwezi ya CHW"});
    v["service"][0]["labels"] = json!({
        "en": "Malaria RDT positive",
        "fr": "Paludisme : TDR positif",
        "pt": "Malária: TDR positivo",
        "sw": "Malaria: kipimo cha haraka chanya",
        "pt-BR": "Malária: TDR positivo"
    });
    v["products"][0]["labels"] = json!({"sw": "Dawa ya malaria ALu 6x1"});
    schema.assert_valid(&v, "a form with labels per locale");
    let def = FormDefinition::from_json(&v.to_string(), "labels.json").expect("it loads");
    assert_eq!(
        def.service[0].label_in("sw"),
        "Malaria: kipimo cha haraka chanya"
    );
    assert_eq!(def.service[0].label_in("pt-BR"), "Malária: TDR positivo");
    assert_eq!(def.title_in("fr"), "Rapport mensuel ASC");
    // No Portuguese title: the single title.
    assert_eq!(def.title_in("pt"), "CHW monthly report");
    assert_eq!(def.products[0].name_in("sw_TZ"), "Dawa ya malaria ALu 6x1");
    schema.assert_valid(
        &serde_json::to_value(&def).unwrap(),
        "a form with labels as serialised by FormDefinition",
    );
    // The old shape (no labels) is still written without them.
    let old = FormDefinition::from_json(MINIMAL_FORM, "minimal").unwrap();
    let text = serde_json::to_string(&old).unwrap();
    assert!(!text.contains("labels"), "{text}");
}

/// Issue 15 (wt-15c): a rule's side labels per locale, next to the single
/// label; a file without them stays valid (the minimal form has none).
#[test]
fn a_rule_with_side_labels_per_locale_matches_the_schema_and_loads() {
    let schema = Checker::new("form-definition.schema.json");
    let mut v = minimal_form();
    let key = v["service"][0]["key"].clone();
    v["rules"] = json!([{
        "id": "r1",
        "severity": "warning",
        "left": [{"service": key}],
        "left_label": "cases treated",
        "left_labels": {"sw": "wagonjwa waliotibiwa", "pt-BR": "casos tratados"},
        "op": "<=",
        "right": [{"service": key}],
        "right_label": "cases tested",
        "right_labels": {"fr": "cas testés"}
    }]);
    schema.assert_valid(&v, "a rule with side labels per locale");
    let def = FormDefinition::from_json(&v.to_string(), "rule-labels.json").expect("it loads");
    let sw = def.in_locale("sw");
    assert_eq!(
        sw.rules[0].left_label.as_deref(),
        Some("wagonjwa waliotibiwa")
    );
    assert_eq!(sw.rules[0].right_label.as_deref(), Some("cases tested"));
    assert_eq!(
        def.in_locale("fr").rules[0].right_label.as_deref(),
        Some("cas testés")
    );
    schema.assert_valid(
        &serde_json::to_value(&def).unwrap(),
        "a rule with side labels as serialised by FormDefinition",
    );
    v["rules"][0]["left_labels"] = json!({"fr": 3});
    schema.assert_invalid(
        &v,
        "a French side label written as a number",
        &["/rules/0/left_labels/fr"],
    );
    assert!(FormDefinition::from_json(&v.to_string(), "number.json").is_err());
}

#[test]
fn a_label_that_is_not_text_is_refused() {
    let schema = Checker::new("form-definition.schema.json");
    let mut v = minimal_form();
    v["service"][0]["labels"] = json!({"fr": 3});
    schema.assert_invalid(
        &v,
        "a French label written as a number",
        &["/service/0/labels/fr"],
    );
    assert!(FormDefinition::from_json(&v.to_string(), "number.json").is_err());

    let mut v = minimal_form();
    v["products"][0]["labels"] = json!(["fr", "Artéméther"]);
    schema.assert_invalid(&v, "labels written as a list", &["/products/0/labels"]);
    assert!(FormDefinition::from_json(&v.to_string(), "list.json").is_err());

    let mut v = minimal_form();
    v["labels"] = json!({"not a locale": "x"});
    schema.assert_invalid(&v, "a label key that is no locale", &["not a locale"]);
}
