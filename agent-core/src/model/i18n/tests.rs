//! The locales against the list of messages the code uses, plural rules,
//! fallbacks and the pseudo-locale.

use super::*;
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// Every message of one `.ftl` text with the variables it uses.
fn variables_by_id(src: &str) -> BTreeMap<String, BTreeSet<String>> {
    fn pattern(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for e in &p.elements {
            if let ast::PatternElement::Placeable { expression } = e {
                expr(expression, out);
            }
        }
    }
    fn expr(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                inline(selector, out);
                for v in variants {
                    pattern(&v.value, out);
                }
            }
            ast::Expression::Inline(i) => inline(i, out),
        }
    }
    fn inline(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => expr(expression, out),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline(a, out);
                }
                for a in &arguments.named {
                    inline(&a.value, out);
                }
            }
            _ => {}
        }
    }
    let res = fluent_syntax::parser::parse(src).unwrap_or_else(|(_, e)| panic!("{e:?}"));
    let mut out = BTreeMap::new();
    for entry in &res.body {
        if let ast::Entry::Message(m) = entry {
            let mut vars = BTreeSet::new();
            if let Some(v) = &m.value {
                pattern(v, &mut vars);
            }
            out.insert(m.id.name.to_string(), vars);
        }
    }
    out
}

/// What is wrong with one locale's files against [`MESSAGES`].
fn locale_problems(tag: &str, sources: &[&str]) -> Vec<String> {
    let mut found = BTreeMap::new();
    for src in sources {
        found.extend(variables_by_id(src));
    }
    let mut problems = Vec::new();
    for spec in MESSAGES {
        match found.get(spec.id) {
            None => problems.push(format!("{tag}: missing id {}", spec.id)),
            Some(vars) => {
                for v in vars {
                    if !spec.args.contains(&v.as_str()) {
                        problems.push(format!(
                            "{tag}: {} uses ${v}, which the code does not pass",
                            spec.id
                        ));
                    }
                }
            }
        }
    }
    for id in found.keys() {
        if !MESSAGES.iter().any(|s| s.id == id) {
            problems.push(format!(
                "{tag}: extra id {id} (the code has no such message)"
            ));
        }
    }
    problems
}

#[test]
fn every_locale_has_every_message_and_no_other() {
    assert_eq!(
        EMBEDDED.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        ["en", "fr", "pt", "sw"]
    );
    let problems: Vec<String> = EMBEDDED
        .iter()
        .flat_map(|(tag, sources)| locale_problems(tag, sources))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    for (tag, sources) in EMBEDDED {
        assert!(
            Catalog::from_sources(tag, sources).is_ok(),
            "{tag} does not load"
        );
    }
}

#[test]
fn the_check_sees_a_missing_id_an_extra_id_and_an_unknown_variable() {
    let en = &EMBEDDED[0].1.join("\n");
    let without = en.replace("finding-form-missing =", "finding-form-gone =");
    let p = locale_problems("en", &[&without]);
    assert!(
        p.contains(&"en: missing id finding-form-missing".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"en: extra id finding-form-gone (the code has no such message)".to_string()),
        "{p:?}"
    );
    let bad_var = en.replacen("{ $facility }", "{ $facilty }", 1);
    let p = locale_problems("en", &[&bad_var]);
    assert_eq!(
        p,
        ["en: finding-facility-unknown uses $facilty, which the code does not pass"]
    );
}

/// Every id literal of the form `<prefix>-…` in the crate's sources is listed.
#[test]
fn every_message_id_in_the_code_is_listed() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut paths,
    );
    let prefixes = [
        "finding-",
        "hidden-",
        "json-type-",
        "text-field-",
        "rule-",
        "net-",
        "dhis2-advice-",
        "sync-",
        "plain-text",
        "period-",
        "error-",
        "hold-",
        "resupply-",
    ];
    let mut seen = BTreeSet::new();
    for p in &paths {
        if p.ends_with("ids.rs") {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        for lit in text.split('"').skip(1).step_by(2) {
            if prefixes.iter().any(|x| lit.starts_with(x))
                && lit
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_' || c.is_ascii_digit())
            {
                seen.insert(lit.to_string());
            }
        }
    }
    assert!(seen.len() > 40, "the scan found the ids: {seen:?}");
    let unlisted: Vec<_> = seen
        .iter()
        .filter(|id| !MESSAGES.iter().any(|s| s.id == id.as_str()))
        .collect();
    assert!(unlisted.is_empty(), "{unlisted:?}");
    // State names are built from the stored names.
    for st in crate::model::delivery::DeliveryState::ALL {
        let id = st.message().id;
        assert!(MESSAGES.iter().any(|s| s.id == id), "{id}");
    }
    // Quantity names are built from the draft keys.
    for q in crate::model::form::StockQuantity::ALL {
        let id = format!("quantity-{}", q.key());
        assert!(MESSAGES.iter().any(|s| s.id == id), "{id}");
    }
}

fn balance() -> Message {
    Message::new("finding-stock-balance")
        .text("product", "ACT 6x1")
        .num("expected", 40)
        .text("unit", "blisters")
        .num("opening", 40)
        .num("received", 20)
        .num("consumed", 20)
        .num("losses", 0)
        .text("adjustments_sign", "plus")
        .num("adjustments", 0)
        .num("closing", 45)
        .text("expected_sign", "plus")
}

#[test]
fn a_message_renders_in_each_locale_and_falls_back_to_english() {
    let m = balance();
    assert_eq!(
        render(&m, "en"),
        "ACT 6x1: the closing balance should be 40 blisters (40 opening + 20 received − 20 consumed − 0 losses + 0 adjustments), but 45 was entered. Count the stock again, or correct one of the numbers."
    );
    assert!(
        render(&m, "fr").starts_with("ACT 6x1 : le stock final devrait être 40 blisters"),
        "{}",
        render(&m, "fr")
    );
    assert!(render(&m, "pt").starts_with("ACT 6x1: o saldo final devia ser 40 blisters"));
    assert!(render(&m, "sw").starts_with("ACT 6x1: salio la mwisho lingepaswa kuwa blisters 40"));
    // LANG-style tags, and a language the agent does not have.
    assert_eq!(render(&m, "sw_TZ.UTF-8"), render(&m, "sw"));
    assert_eq!(render(&m, "pt-BR"), render(&m, "pt"));
    assert_eq!(render(&m, "de"), render(&m, "en"));
    // No isolation marks around arguments.
    assert!(!render(&m, "fr").contains('\u{2068}'));
    // An id no locale has is shown as itself, never a panic.
    assert_eq!(render(&Message::new("no-such-id"), "sw"), "no-such-id");
}

#[test]
fn plurals_follow_each_language() {
    let old = |months: i64| {
        Message::new("finding-period-old")
            .text("period", "2026-01")
            .text("end", "2026-01-31")
            .num("years", 0)
            .num("months", months)
    };
    // Swahili: one = 1 (mwezi), other (miezi), CLDR.
    assert!(
        render(&old(1), "sw").contains(", mwezi 1 iliyopita"),
        "{}",
        render(&old(1), "sw")
    );
    assert!(render(&old(3), "sw").contains(", miezi 3 iliyopita"));
    // Portuguese: mês / meses.
    assert!(render(&old(1), "pt").contains("há 1 mês."));
    assert!(render(&old(5), "pt").contains("há 5 meses."));
    assert!(render(&old(1), "en").contains(", 1 month ago."));
    assert!(render(&old(11), "en").contains(", 11 months ago."));
    let dup = |n: i64| {
        Message::new("finding-draft-duplicate-key")
            .text("path", "form")
            .num("count", n)
    };
    assert!(render(&dup(2), "fr").contains("apparaît deux fois"));
    assert!(render(&dup(3), "fr").contains("apparaît 3 fois"));
    assert!(render(&dup(2), "sw").contains("mara mbili"));
}

#[test]
fn the_arguments_check_names_what_is_wrong() {
    assert!(check_args(&balance()).is_empty());
    let p = check_args(&Message::new("finding-facility-unknown").text("facilty", "x"));
    assert_eq!(
        p,
        [
            "finding-facility-unknown: argument $facilty is not listed",
            "finding-facility-unknown: argument $facility is not given"
        ]
    );
    assert_eq!(
        check_args(&Message::new("nope")),
        ["message id 'nope' is not in i18n::MESSAGES"]
    );
}

/// Sample arguments for a message: texts in capitals (kept as they are by
/// the pseudo-locale, so they are removed before the check).
fn sample(spec: &MessageSpec) -> Message {
    let mut m = Message::new(spec.id);
    for a in spec.args {
        m = m.text(a, "ARG");
    }
    m
}

/// Words of plain ASCII letters left in `text`: text that did not go
/// through the pseudo-locale.
fn plain_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2 && !w.split("ARG").all(str::is_empty))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_pseudo_locale_renders_every_message_with_no_plain_text() {
    let pseudo = Catalog::pseudo();
    for spec in MESSAGES {
        let m = sample(spec);
        let text = pseudo
            .try_render(&m)
            .unwrap_or_else(|| panic!("{} does not render", spec.id));
        let en = render(&m, "en");
        assert!(
            text.chars().count() > en.chars().count()
                || !en
                    .replace("ARG", "")
                    .chars()
                    .any(|c| c.is_ascii_alphabetic()),
            "{}: {text}",
            spec.id
        );
        // DHIS2, LMIS and the draft keys are names, kept as they are.
        let words: Vec<_> = plain_words(&text)
            .into_iter()
            .filter(|w| !["DHIS", "LMIS"].contains(&w.as_str()))
            .collect();
        assert!(words.is_empty(), "{}: {words:?} in {text}", spec.id);
    }
}

#[test]
fn a_message_as_json_is_flat_for_shells() {
    let m = Message::new("finding-stock-required")
        .text("product", "ORS")
        .id("quantity", "quantity-consumed");
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"id": "finding-stock-required", "args": [
            {"name": "product", "value": {"type": "text", "value": "ORS"}},
            {"name": "quantity", "value": {"type": "id", "id": "quantity-consumed"}}
        ]})
    );
    let n = serde_json::to_value(Message::new("x").num("count", 3)).unwrap();
    assert_eq!(
        n["args"][0]["value"],
        serde_json::json!({"type": "number", "value": 3})
    );
    assert_eq!(serde_json::from_value::<Message>(json).unwrap(), m);
}

/// A stored message this build cannot render (unreadable JSON, or an id
/// its catalog lacks, e.g. renamed by a later release) is not used: the
/// caller shows the English text stored beside it, never a bare id.
#[test]
fn a_stored_message_this_build_cannot_render_is_left_to_the_stored_text() {
    let known = serde_json::to_string(&Message::new("net-timeout").text("detail", "x")).unwrap();
    assert_eq!(
        Message::from_stored(Some(&known)).map(|m| m.id),
        Some("net-timeout".to_string())
    );
    assert_eq!(
        Message::from_stored(Some(r#"{"id":"hold-renamed-later","args":[]}"#)),
        None
    );
    assert_eq!(Message::from_stored(Some("{")), None);
    assert_eq!(Message::from_stored(None), None);
}
