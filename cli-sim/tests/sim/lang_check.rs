//! The comparison rule of issue 15's language proofs (`demo_languages.rs`,
//! `tools_languages.rs`): each output line is compared with the same line
//! of the English run, column by column; a column that reads the same in
//! both must hold only names (the example forms' own texts, codes such as
//! HP-001 or E7640, ids, addresses) and numbers, else an English text was
//! not translated.

#![allow(dead_code)] // Each test file uses its part.

use std::collections::BTreeSet;

/// Every text of the example forms (titles, labels, product names, units,
/// rule advice): names that stay as the form gives them, longest first.
pub fn form_texts() -> Vec<String> {
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
pub fn translated_texts(lang: &str) -> Vec<String> {
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
pub const NAMES: &[&str] = &[
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
pub fn is_name(word: &str) -> bool {
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
    // stock.<product>.closing_balance, rules.<rule id>.
    let key = word == "period"
        || word.starts_with("service.")
        || word.starts_with("stock.")
        || word.starts_with("rules.");
    letters == 0
        || key
        || uuid
        || code
        || word.starts_with("http://127.0.0.1:")
        || word.starts_with('/')
        || NAMES.contains(&word)
}

/// The words of a column that are not names (empty: only names).
pub fn plain_words(column: &str) -> Vec<String> {
    column
        .split_whitespace()
        // A local address is a name (its `:` would split it below).
        .filter(|w| !w.starts_with("http://127.0.0.1:"))
        .flat_map(|w| w.split(|c: char| ",;:()[]\"'`".contains(c)))
        .filter(|w| !w.is_empty() && w != &"‹name›" && !is_name(w))
        .map(str::to_string)
        .collect()
}

/// A line's columns (two or more spaces apart), with the forms' own texts
/// replaced by a mark.
pub fn columns(line: &str, texts: &[String]) -> Vec<String> {
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
pub fn untranslated(en: &[String], other: &[String], texts: &[String]) -> Vec<String> {
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
            // A body as sent or stored (JSON) is data, not text.
            let data = a.starts_with(['{', '[', '"']);
            if a == b && !data && !plain_words(&a).is_empty() {
                found.push(format!("{a}   (words {:?})", plain_words(&a)));
            }
        }
    }
    found
}
