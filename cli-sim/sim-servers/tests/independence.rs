//! The simulated servers judge the agent, so they must not reuse its
//! parsing or its idea of the contract: this crate depends on no crate of
//! the agent, and no source file names one.

use std::path::{Path, PathBuf};

const AGENT_CRATES: &[&str] = &[
    "agent-core",
    "agent_core",
    "android-bindings",
    "cli-sim",
    "cli_sim",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_servers_depend_on_no_crate_of_the_agent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    for line in manifest.lines().map(str::trim) {
        for name in AGENT_CRATES {
            assert!(
                !line.starts_with(name),
                "sim-servers/Cargo.toml names {name}: {line}"
            );
        }
    }
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    assert!(files.len() > 10, "the sources were not found: {files:?}");
    for f in files.iter().filter(|f| !f.ends_with("independence.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        for name in ["agent_core::", "cli_sim::"] {
            assert!(
                !text.contains(name),
                "{} names {name}: the simulated servers share no code with the agent",
                f.display()
            );
        }
    }
}
