//! Issue 15's acceptance: `cli-sim demo --lang sw` (and `fr`, `pt`) runs end
//! to end with every line in that language except names and numbers. Each
//! line is compared with the same line of the English run, column by
//! column: a column that reads the same in both must hold only names
//! (the example forms' own texts, codes such as HP-001 or E7640, ids,
//! addresses) and numbers, else an English text was not translated.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::BTreeSet;
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

/// Every text of the example forms (titles, labels, product names, units,
/// rule advice): names that stay as the form gives them, longest first.
fn form_texts() -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::String(s) if s.chars().count() >= 2 => {
                out.insert(s.clone());
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            // Translations of labels are not names: they must show in their language.
            serde_json::Value::Object(o) => o
                .iter()
                .filter(|(k, _)| k.as_str() != "labels")
                .for_each(|(_, x)| walk(x, out)),
            _ => {}
        }
    }
    let mut set = BTreeSet::new();
    for (_, text) in cli_sim::EXAMPLE_FORMS {
        walk(&serde_json::from_str(text).unwrap(), &mut set);
    }
    let mut v: Vec<String> = set.into_iter().collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

/// The texts of the example forms (title, label, name) that have a
/// translation into `lang` in their `labels`.
fn translated_texts(lang: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, lang: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, lang, out)),
            serde_json::Value::Object(o) => {
                if o.get("labels").and_then(|l| l.get(lang)).is_some() {
                    for k in ["title", "label", "name"] {
                        if let Some(t) = o.get(k).and_then(|t| t.as_str()) {
                            out.push(t.to_string());
                        }
                    }
                }
                o.values().for_each(|x| walk(x, lang, out));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, text) in cli_sim::EXAMPLE_FORMS {
        walk(&serde_json::from_str(text).unwrap(), lang, &mut out);
    }
    out
}

/// Words that are names in any language.
const NAMES: &[&str] = &[
    "dhis2",
    "lmis",
    "DHIS2",
    "OpenLMIS",
    "LMIS",
    "UTC",
    "API",
    "chw-monthly",
    "hp-maternal-monthly",
];

/// Whether `word` is a name, a key, a code, an id, an address or a number.
fn is_name(word: &str) -> bool {
    let letters = word.chars().filter(char::is_ascii_alphabetic).count();
    let uuid = word.len() == 36
        && word.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && word.matches('-').count() == 4;
    // Codes: HP-001, ACT-6x1, E7640, MGSO4-5G (no two lower-case letters in a row).
    let code = word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && !word
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_lowercase());
    // A finding's path is the draft's keys: period, service.<field>,
    // stock.<product>.closing_balance.
    let key = word == "period" || word.starts_with("service.") || word.starts_with("stock.");
    letters == 0
        || key
        || uuid
        || code
        || word.starts_with("http://127.0.0.1:")
        || word.starts_with('/')
        || NAMES.contains(&word)
}

/// The words of a column that are not names (empty: only names).
fn plain_words(column: &str) -> Vec<String> {
    column
        .split(|c: char| c.is_whitespace() || ",;:()[]\"'`".contains(c))
        .filter(|w| !w.is_empty() && w != &"‹name›" && !is_name(w))
        .map(str::to_string)
        .collect()
}

/// A line's columns (two or more spaces apart), with the forms' own texts
/// replaced by a mark.
fn columns(line: &str, texts: &[String]) -> Vec<String> {
    let mut l = line.to_string();
    for t in texts {
        l = l.replace(t.as_str(), "‹name›");
    }
    l.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// The columns of `other` that read as in English and are not names.
fn untranslated(en: &[String], other: &[String], texts: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (e, o) in en.iter().zip(other) {
        let (ce, co) = (columns(e, texts), columns(o, texts));
        // The server's own words are shown as they came (spaces and all):
        // that line is compared whole.
        let quote = e.trim_start().starts_with("server said:");
        let pairs: Vec<(String, String)> = if ce.len() == co.len() && !quote {
            ce.into_iter().zip(co).collect()
        } else {
            vec![(ce.join(" "), co.join(" "))]
        };
        for (a, b) in pairs {
            if a == b && !plain_words(&a).is_empty() {
                found.push(format!("{a}   (words {:?})", plain_words(&a)));
            }
        }
    }
    found
}

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
