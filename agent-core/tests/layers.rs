//! The dependency rules of agent-core (ARCHITECTURE.md, "Dependency rules"),
//! checked by reading the source, as rust-analyzer's tidy test does: every
//! `crate::…` path in a file names the layer it reaches into, and SQL is
//! written only under `src/store/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer a source file belongs to: its folder under `src/`, or for a file
/// at the root its module name (`agent`, `config`, …). `routes/<name>` counts
/// as its own layer.
fn layer_of(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    match parts.as_slice() {
        [one] => one.clone(),
        [first, second, ..] if first == "routes" => format!("routes/{second}"),
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// What a layer may import from the crate besides itself: `Ok` lists the
/// only layers allowed, `Err` the layers forbidden (anything else is
/// allowed).
fn allowed(layer: &str) -> Result<&'static [&'static str], &'static [&'static str]> {
    match layer {
        // model includes i18n: messages and their rendering (the catalogs
        // are embedded at build time; no I/O).
        "model" => Ok(&[]),
        "validate" => Ok(&["model"]),
        "store" => Ok(&["model", "error"]),
        "clock" => Ok(&[]),
        // Reads input files, and loads forms and the facility map into model's parsers.
        // And locale folders into model::i18n catalogs.
        "files" => Ok(&["model"]),
        "net" => Ok(&["files"]),
        "error" => Ok(&["model"]),
        "config" => Ok(&["model", "files", "error", "net", "credentials"]),
        "credentials" => Ok(&["model", "config", "net", "error"]),
        // The engine never names a destination.
        "sync" => Err(&["routes/dhis2", "routes/openlmis", "agent"]),
        // Destinations never import each other.
        "routes/dhis2" => Err(&["routes/openlmis", "agent"]),
        "routes/openlmis" => Err(&["routes/dhis2", "agent"]),
        // Beside the engine: the outbox's contents out and in (escrow), and
        // what support needs to see (diagnose); never the engine, a route
        // or the facade.
        "escrow" => Ok(&["model", "store", "error", "net"]),
        "diagnose" => Ok(&["model", "store", "error", "net", "config", "credentials"]),
        "agent" | "lib" => Err(&[]),
        // A new folder or root module must be given its rule here.
        _ => Ok(&[]),
    }
}

/// Layers that exist: a `crate::` path whose first segment is not one of
/// these (nor an item of the crate root) is an old re-export path.
const LAYERS: &[&str] = &[
    "model",
    "validate",
    "store",
    "net",
    "sync",
    "routes",
    "agent",
    "config",
    "credentials",
    "error",
    "clock",
    "files",
    "escrow",
    "diagnose",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display())
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a line without its `//` comment (a `//` inside a string is
/// rare enough in `use` lines and SQL to ignore).
fn code_of(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with("//") {
        return "";
    }
    match line.find("// ") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    }
}

/// The layers named by the `crate::…` paths of a file's code.
fn targets(code: &str) -> Vec<(usize, String)> {
    crate_paths(code)
        .into_iter()
        .map(|(n, segs)| {
            let first = segs.first().cloned().unwrap_or_default();
            let target = if first == "routes" {
                match segs.get(1) {
                    Some(d) if !d.is_empty() => format!("routes/{d}"),
                    _ => "routes".to_string(),
                }
            } else {
                first
            };
            (n, target)
        })
        .collect()
}

/// Every `crate::…` path of a file's code, as its segments, with its line.
fn crate_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = code_of(line);
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            // `agent_core::` and `$crate::` are not this crate's internal paths.
            let before = &rest[..i];
            let after = &rest[i + "crate::".len()..];
            rest = after;
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let heads: Vec<String> = if let Some(group) = after.strip_prefix('{') {
                // `crate::{a::X, b}`: the first segment of each top-level item.
                let mut depth = 0;
                let mut items = vec![String::new()];
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => items.push(String::new()),
                        _ => {
                            if let Some(last) = items.last_mut() {
                                last.push(c);
                            }
                        }
                    }
                }
                items
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            } else {
                vec![after.to_string()]
            };
            for head in heads {
                let segs: Vec<String> = head
                    .split("::")
                    .map(|s| {
                        s.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .to_string()
                    })
                    .collect();
                out.push((n + 1, segs));
            }
        }
    }
    out
}

/// A string literal of the line that starts like an SQL statement.
fn sql_in(line: &str) -> Option<&'static str> {
    const VERBS: &[&str] = &[
        "SELECT ",
        "INSERT ",
        "UPDATE ",
        "DELETE FROM",
        "CREATE ",
        "PRAGMA ",
        "WITH ",
        "ALTER TABLE",
        "DROP ",
    ];
    let line = code_of(line);
    // The text inside each "…" (raw strings and continuation lines are
    // checked the same way: any line holding a verb inside quotes, or a
    // line that is itself the inside of a multi-line literal).
    let pieces: Vec<&str> = line.split('"').collect();
    for (i, piece) in pieces.iter().enumerate() {
        let inside = i % 2 == 1
            || (pieces.len() == 1 && !line.trim_start().starts_with(|c: char| c.is_lowercase()));
        if !inside {
            continue;
        }
        let t = piece.trim_start();
        for v in VERBS {
            if t.starts_with(v) {
                return Some(v);
            }
        }
    }
    None
}

#[derive(Default)]
struct Report {
    broken: BTreeSet<String>,
}

/// A file's module as a path: `model/form.rs` is `model/form`,
/// `sync/mod.rs` is `sync`.
fn module_of(rel: &Path) -> String {
    let s = rel.to_string_lossy().replace('\\', "/");
    let s = s.trim_end_matches(".rs");
    s.strip_suffix("/mod").unwrap_or(s).to_string()
}

/// The import circles between files: each file's `crate::a::b::…` paths
/// name the deepest module that is a file. Returns one line per circle.
fn circles(files: &[(String, String)]) -> Vec<String> {
    use std::collections::BTreeMap;
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in files {
        let e = edges.entry(module.as_str()).or_default();
        for (_, segs) in crate_paths(code) {
            let target = (1..=segs.len())
                .rev()
                .map(|k| segs[..k].join("/"))
                .find(|m| modules.contains(m.as_str()));
            if let Some(t) = target
                && t != *module
                && !module.starts_with(&format!("{t}/"))
            {
                e.insert(t);
            }
        }
    }
    // Depth-first search; a grey node met again closes a circle.
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        out: &mut Vec<String>,
    ) {
        state.insert(n, 1);
        stack.push(n);
        for t in edges.get(n).into_iter().flatten() {
            let t = t.as_str();
            match state.get(t).copied().unwrap_or(0) {
                0 => visit(t, edges, state, stack, out),
                1 => {
                    let from = stack.iter().position(|s| *s == t).unwrap_or(0);
                    let mut c: Vec<&str> = stack[from..].to_vec();
                    c.push(t);
                    out.push(c.join(" -> "));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
    }
    let mut state = BTreeMap::new();
    let mut out = Vec::new();
    for n in edges.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            visit(n, &edges, &mut state, &mut Vec::new(), &mut out);
        }
    }
    out
}

fn check(src: &Path) -> Report {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    assert!(
        files.len() > 20,
        "found only {} files under {}",
        files.len(),
        src.display()
    );
    let mut report = Report::default();
    let mut modules: Vec<(String, String)> = Vec::new();
    for file in files {
        let Ok(rel) = file.strip_prefix(src) else {
            continue;
        };
        // Test-only files (`…/tests.rs`) may set up and inspect the database
        // and drive the engine through `Agent`; the rules are for the code
        // that ships (inline `#[cfg(test)] mod tests` blocks are checked too).
        if rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let layer = layer_of(rel);
        let Ok(code) = std::fs::read_to_string(&file) else {
            panic!("cannot read {}", file.display())
        };
        // Circles are about the code that ships: an inline test module may
        // use what it tests' callers provide (config's tests build credentials).
        let shipped = code.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        modules.push((module_of(rel), shipped.to_string()));
        for (line, target) in targets(&code) {
            let where_ = format!("src/{}:{line}", rel.display());
            let first = target.split('/').next().unwrap_or("");
            if target.is_empty() {
                continue;
            }
            if first.starts_with(|c: char| c.is_uppercase()) {
                // An item re-exported at the crate root: below the facade,
                // use the path of the module that defines it.
                if layer != "agent" && layer != "lib" {
                    report.broken.insert(format!(
                        "{where_}: `crate::{target}` goes up through lib.rs; name its module"
                    ));
                }
                continue;
            }
            if !LAYERS.contains(&first) {
                report.broken.insert(format!(
                    "{where_}: `crate::{target}` is not a layer's real path"
                ));
                continue;
            }
            if target == layer || (layer.starts_with("routes/") && target == "routes") {
                continue;
            }
            let ok = match allowed(&layer) {
                Ok(only) => only.contains(&target.as_str()),
                Err(never) => !never.contains(&target.as_str()),
            };
            if !ok {
                report
                    .broken
                    .insert(format!("{where_}: {layer} must not import crate::{target}"));
            }
        }
        if layer != "store" {
            for (n, line) in code.lines().enumerate() {
                if let Some(verb) = sql_in(line) {
                    report.broken.insert(format!(
                        "src/{}:{}: SQL ({}) outside store/",
                        rel.display(),
                        n + 1,
                        verb.trim()
                    ));
                }
            }
        }
    }
    for c in circles(&modules) {
        report.broken.insert(format!("import circle: {c}"));
    }
    report
}

#[test]
fn agent_core_keeps_its_dependency_rules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let report = check(&src);
    assert!(
        report.broken.is_empty(),
        "{} broken dependency rule(s) (ARCHITECTURE.md, \"Dependency rules\"):\n{}",
        report.broken.len(),
        report.broken.iter().cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_scanner_sees_a_broken_rule() {
    // Hand-written samples: the scanner must see each kind of breach, or the
    // test above would pass on anything.
    let t = targets(
        "use crate::{model::form::X, store::outbox};\nlet x = crate::routes::dhis2::f();\n// crate::agent in a comment\nagent_core::sync::X;",
    );
    let names: Vec<&str> = t.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(names, ["model", "store", "routes/dhis2"]);
    assert_eq!(
        sql_in(r#"conn.execute("UPDATE deliveries SET state = ?1", [])"#),
        Some("UPDATE ")
    );
    assert_eq!(sql_in(r#"let s = "select nothing";"#), None);
    assert_eq!(
        layer_of(Path::new("routes/openlmis/lmis.rs")),
        "routes/openlmis"
    );
    assert_eq!(layer_of(Path::new("agent.rs")), "agent");
    assert!(allowed("sync").is_err_and(|never| never.contains(&"routes/dhis2")));
    // A circle inside one folder (what issue 12's picture showed between
    // model/draft, model/form and model/resupply) is seen too.
    let files = [
        (
            "model/draft".to_string(),
            "use crate::model::form::Finding;".to_string(),
        ),
        (
            "model/form".to_string(),
            "use crate::model::resupply::S;".to_string(),
        ),
        (
            "model/resupply".to_string(),
            "use crate::model::draft::Draft;".to_string(),
        ),
        ("model".to_string(), "pub mod draft;".to_string()),
    ];
    assert_eq!(
        circles(&files),
        ["model/draft -> model/form -> model/resupply -> model/draft"]
    );
    assert_eq!(module_of(Path::new("sync/mod.rs")), "sync");
}
