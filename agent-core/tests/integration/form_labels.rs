//! Issue 15 item 3: a form's field labels and product names reach the
//! user's messages in the user's language. The translations are written
//! here by hand (not read from the example files), and the expected texts
//! are hand-written from `locales/*/findings.ftl`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use agent_core::{Agent, Draft, FacilityMap, FixedClock, FormSet};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The example forms, with hand-written labels on one field and one product.
fn agent(dir: &Path) -> Agent {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let forms = FormSet::load_dir(&root.join("schemas/forms")).unwrap();
    let mut defs: Vec<_> = forms.iter().cloned().collect();
    for d in &mut defs {
        if d.id != "chw-monthly" {
            continue;
        }
        for f in &mut d.service {
            if f.key == "malaria_rdt_positive" {
                f.labels = labels(&[
                    ("sw", "Malaria: kipimo chanya (KIPIMO-SW)"),
                    ("fr", "Paludisme : TDR positif (LIBELLE-FR)"),
                ]);
            }
        }
        // Issue 15 (wt-15c): a rule's side labels per locale.
        for r in &mut d.rules {
            if r.id == "act-treated-vs-positive" {
                r.left_labels = labels(&[
                    ("sw", "Wagonjwa wa malaria waliotibiwa (KUSHOTO-SW)"),
                    ("fr", "Cas de paludisme traités (GAUCHE-FR)"),
                ]);
            }
        }
        for p in &mut d.products {
            if p.code == "ORS" {
                p.labels = labels(&[
                    ("sw", "ORS, pakiti (JINA-SW)"),
                    ("pt", "SRO, saqueta (NOME-PT)"),
                ]);
            }
        }
    }
    let forms = FormSet::new(defs).unwrap();
    let facilities = FacilityMap::load(&root.join("schemas/facilities/example.json")).unwrap();
    let clock = Arc::new(FixedClock::new("2026-11-10T08:00:00Z".parse().unwrap()));
    Agent::open_parts(&dir.join("o.sqlite"), forms, facilities, clock).unwrap()
}

/// The example draft without the RDT-positive count and the ORS stock.
fn draft() -> Draft {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bytes = std::fs::read(root.join("schemas/examples/draft-chw-valid.json")).unwrap();
    let (mut d, findings) = Draft::from_json_bytes(&bytes).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    d.service.remove("malaria_rdt_positive");
    d.stock.remove("ORS");
    d
}

fn message_of(v: &agent_core::Validation, path: &str) -> String {
    v.findings
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no finding on {path}: {:?}", v.findings))
        .message
        .clone()
}

#[test]
fn findings_name_the_field_and_product_in_the_users_language() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = agent(tmp.path());
    assert!(agent.set_locale("sw"));
    let v = agent.validate_with_resupply(&draft()).unwrap();
    assert_eq!(
        message_of(&v, "service.malaria_rdt_positive"),
        "Malaria: kipimo chanya (KIPIMO-SW): sehemu hii ni lazima. Weka namba kutoka kwenye rejista (0 kama hakukuwa na yoyote)."
    );
    assert_eq!(
        message_of(&v, "stock.ORS"),
        "ORS, pakiti (JINA-SW): bidhaa hazijaingizwa. Weka namba za kadi ya bidhaa (0 pale ambapo hakukuwa na kitu)."
    );
    // The finding's arguments carry the same label, for a shell that renders itself.
    let f = v
        .findings
        .iter()
        .find(|f| f.path == "service.malaria_rdt_positive")
        .unwrap();
    assert!(
        format!("{:?}", f.text.args).contains("KIPIMO-SW"),
        "{:?}",
        f.text
    );

    // French has a field label but no ORS name: the single name is used.
    assert!(agent.set_locale("fr"));
    let v = agent.validate_with_resupply(&draft()).unwrap();
    let m = message_of(&v, "service.malaria_rdt_positive");
    assert!(
        m.starts_with("Paludisme : TDR positif (LIBELLE-FR) : "),
        "{m}"
    );
    let m = message_of(&v, "stock.ORS");
    assert!(m.starts_with("Oral rehydration salts, sachet : "), "{m}");

    // English: the single labels.
    assert!(agent.set_locale("en"));
    let v = agent.validate_with_resupply(&draft()).unwrap();
    let m = message_of(&v, "service.malaria_rdt_positive");
    assert!(m.starts_with("Malaria: RDT positive: "), "{m}");
}

#[test]
fn the_resupply_advice_names_the_product_in_the_users_language() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = agent(tmp.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bytes = std::fs::read(root.join("schemas/examples/draft-chw-valid.json")).unwrap();
    let (d, _) = Draft::from_json_bytes(&bytes).unwrap();
    assert!(agent.set_locale("pt"));
    let v = agent.validate_with_resupply(&d).unwrap();
    let ors = v.resupply.iter().find(|a| a.product == "ORS").unwrap();
    assert_eq!(ors.name, "SRO, saqueta (NOME-PT)");
    // The code stays the code: only what is shown changes.
    assert!(v.findings.iter().all(|f| !f.path.contains("SRO")));
}

/// Issue 15 (wt-15c): a cross-check's finding names its sides in the
/// user's language: the rule's own label per locale, and a side without a
/// label by its field's label in that language.
#[test]
fn a_rule_finding_names_its_sides_in_the_users_language() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = agent(tmp.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bytes = std::fs::read(root.join("schemas/examples/draft-chw-valid.json")).unwrap();
    let (mut d, _) = Draft::from_json_bytes(&bytes).unwrap();
    // 12 + 17 treated with ACT, 20 positive: more treated than positive.
    d.service.insert("malaria_rdt_positive".into(), 20);
    let path = "rules.act-treated-vs-positive";
    assert!(agent.set_locale("sw"));
    let m = message_of(&agent.validate_with_resupply(&d).unwrap(), path);
    // Hand-written from locales/sw/findings.ftl (finding-rule-more).
    assert!(
        m.starts_with(
            "Wagonjwa wa malaria waliotibiwa (KUSHOTO-SW) (29) ni zaidi ya Malaria: kipimo chanya (KIPIMO-SW) (20)."
        ),
        "{m}"
    );
    assert!(agent.set_locale("fr"));
    let m = message_of(&agent.validate_with_resupply(&d).unwrap(), path);
    assert!(
        m.starts_with("Cas de paludisme traités (GAUCHE-FR) (29)"),
        "{m}"
    );
    // No Portuguese label: the single label.
    assert!(agent.set_locale("pt"));
    let m = message_of(&agent.validate_with_resupply(&d).unwrap(), path);
    assert!(m.starts_with("Malaria cases treated with ACT (29)"), "{m}");
}
