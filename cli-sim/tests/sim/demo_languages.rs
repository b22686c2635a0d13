//! Issue 15's acceptance: `cli-sim demo --lang sw` (and `fr`, `pt`) runs end
//! to end with every line in that language except names and numbers. Each
//! line is compared with the same line of the English run, column by
//! column: a column that reads the same in both must hold only names
//! (the example forms' own texts, codes such as HP-001 or E7640, ids,
//! addresses) and numbers, else an English text was not translated.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::process::Command;

fn demo(lang: &str) -> Vec<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
        .args(["demo", "--lang", lang])
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "demo --lang {lang}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

use crate::lang_check::{form_texts, translated_texts, untranslated};

#[test]
fn the_demo_speaks_swahili_french_and_portuguese_except_names_and_numbers() {
    let texts = form_texts();
    let en = demo("en");
    // The check sees English: the English run against itself.
    assert!(
        untranslated(&en, &en, &texts).len() > 50,
        "the check finds nothing in English"
    );
    for lang in ["sw", "fr", "pt"] {
        let other = demo(lang);
        assert_eq!(
            other.len(),
            en.len(),
            "{lang}: the demo tells another story than in English:\n{}",
            other.join("\n")
        );
        let left = untranslated(&en, &other, &texts);
        assert!(left.is_empty(), "{lang}: still in English:\n{left:#?}");
        // A form text the example forms translate shows in that language.
        let joined = other.join("\n");
        let english: Vec<String> = translated_texts(lang)
            .into_iter()
            // As a whole text: "Male condom" is not in "Male condoms
            // consumed" (a rule's own words, which have no translations).
            .filter(|en| {
                joined
                    .match_indices(en.as_str())
                    .any(|(i, m)| !joined[i + m.len()..].starts_with(char::is_alphanumeric))
            })
            .collect();
        assert!(
            english.is_empty(),
            "{lang}: form texts shown in English: {english:?}"
        );
    }
}

#[test]
fn the_demo_in_swahili_says_what_a_health_worker_reads() {
    let sw = demo("sw").join("\n");
    // Hand-written from agent-core/locales/sw/*.ftl.
    for expected in [
        "-- 4. Kubonyeza Hifadhi mara mbili: fomu ileile haihifadhiwi mara mbili",
        "kubonyeza mara ya pili kumerudisha fomu ileile: imehifadhiwa mara moja tu.",
        "\"2026-13\" si kipindi halisi: hakuna mwezi 13 (miezi ni 01 hadi 12).",
        "tatizo: seva haikupatikana (",
        "DHIS2 imefunga kipindi hiki kwa kuingiza data.",
        "imekataliwa yote (sehemu 15); la kufanya liko hapa chini.",
        "dhis2  imekataliwa 1",
        "fomu kwenye sanduku la kutuma: 10",
    ] {
        assert!(sw.contains(expected), "missing {expected:?} in\n{sw}");
    }
    // French writes decimals with a comma.
    let fr = demo("fr").join("\n");
    assert!(fr.contains("(attendu de 0,8 à 1,25) : À VÉRIFIER"), "{fr}");
}

#[test]
fn an_error_is_shown_in_the_chosen_language() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.toml");
    let run = |lang: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_cli-sim"))
            .arg("--config")
            .arg(&missing)
            .args(["status", "--lang", lang])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(3), "{o:?}");
        String::from_utf8(o.stderr).unwrap()
    };
    // Hand-written from agent-core/locales/{sw,en}/errors.ftl.
    let sw = run("sw");
    assert!(
        sw.starts_with("kosa: mipangilio inahitaji kurekebishwa: "),
        "{sw}"
    );
    let en = run("en");
    assert!(
        en.starts_with("error: the configuration needs fixing: "),
        "{en}"
    );
}
