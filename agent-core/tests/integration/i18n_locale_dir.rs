//! A fifth locale is one folder of `.ftl` files: `tests/locales/xx/`,
//! loaded at run time, has every message and renders the agent's findings.

use agent_core::Draft;
use agent_core::files::load_locale_dir;
use agent_core::i18n::{MESSAGES, Message};
use std::path::Path;

fn xx() -> agent_core::i18n::Catalog {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/locales/xx");
    load_locale_dir(&dir).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn a_locale_folder_loaded_at_run_time_has_every_message() {
    let c = xx();
    assert_eq!(c.tag(), "xx");
    let missing: Vec<_> = MESSAGES
        .iter()
        .filter(|s| !c.has(s.id))
        .map(|s| s.id)
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn the_draft_readers_findings_render_in_the_loaded_locale() {
    let (_, findings) =
        Draft::from_json_bytes(br#"{"form":"f","facility":7,"period":"2026-10","colour":1}"#)
            .unwrap();
    assert_eq!(findings.len(), 2, "{findings:?}");
    let c = xx();
    let shown: Vec<String> = findings.iter().map(|f| c.render(&f.text)).collect();
    // Hand-written from tests/locales/xx/findings.ftl.
    assert!(
        shown.contains(
            &"⟦xx⟧ 'colour' is not part of a form; remove it or check its spelling".to_string()
        ),
        "{shown:?}"
    );
    // A nested message (the JSON type's name) comes from the same locale.
    assert!(
        shown.contains(&"⟦xx⟧ facility must be text, not ⟦xx⟧ a number".to_string()),
        "{shown:?}"
    );
}

#[test]
fn an_id_the_folder_lacks_falls_back_to_english_and_a_broken_file_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("yy");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("a.ftl"), "finding-form-missing = Chagua fomu.\n").unwrap();
    let c = load_locale_dir(&dir).unwrap();
    assert_eq!(
        c.render(&Message::new("finding-form-missing")),
        "Chagua fomu."
    );
    assert_eq!(
        c.render(&Message::new("finding-facility-missing")),
        "Enter the facility code (it is missing)."
    );
    std::fs::write(dir.join("b.ftl"), "finding-period-missing = { $\n").unwrap();
    let e = load_locale_dir(&dir).unwrap_err();
    assert!(
        e.iter()
            .any(|p| p.contains("b.ftl: ") && !p.contains("a.ftl")),
        "{e:?}"
    );
    let empty = tmp.path().join("zz");
    std::fs::create_dir(&empty).unwrap();
    let e = load_locale_dir(&empty).unwrap_err();
    assert!(e[0].contains("holds no .ftl file"), "{e:?}");
}
