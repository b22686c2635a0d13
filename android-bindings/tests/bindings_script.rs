//! Runs `scripts/bindings-test.sh` (Kotlin on the JVM and Python against the
//! built cdylib and simulated servers), so that `cargo test --workspace`
//! covers the generated bindings on a machine set up as the README says.
//! Without kotlinc, JNA, java or python3 it first runs
//! `scripts/test-tools.sh`, which installs them (apt-get as root or through
//! sudo, npm for kotlinc into `.tools/`), so that the README's test command
//! passes on a machine with only Rust; where that is not possible the test
//! fails and says what to install. It never skips silently.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

/// What is missing, with the command that installs it (as in `.ci/run`).
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    let kotlinc = std::env::var_os("KOTLINC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".tools/kotlin/node_modules/kotlin-compiler/bin/kotlinc"));
    if !kotlinc.is_file() && !on_path("kotlinc") {
        missing.push(format!(
            "kotlinc (looked at {} and on PATH): npm install --prefix .tools/kotlin kotlin-compiler@2.4.20",
            kotlinc.display()
        ));
    }
    let jna = std::env::var_os("JNA_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java/jna.jar"));
    if !jna.is_file() {
        missing.push(format!(
            "JNA ({}): apt-get install -y libjna-java",
            jna.display()
        ));
    }
    if !on_path("java") {
        missing.push("java: apt-get install -y default-jre-headless".into());
    }
    if !on_path("python3") {
        missing.push("python3: apt-get install -y python3".into());
    }
    if !on_path("proguard") {
        missing.push("proguard: apt-get install -y proguard-cli".into());
    }
    if !jdk_jmods() {
        missing.push(
            "the JDK's jmods (java.base.jmod next to java, for ProGuard): apt-get install -y default-jdk-headless"
                .into(),
        );
    }
    missing
}

/// `<java home>/jmods/java.base.jmod` for the `java` on PATH (a JDK, not only a JRE).
fn jdk_jmods() -> bool {
    let Some(java) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("java"))
            .find(|j| j.is_file())
    }) else {
        return false;
    };
    std::fs::canonicalize(java)
        .ok()
        .and_then(|j| j.parent()?.parent().map(|h| h.join("jmods/java.base.jmod")))
        .is_some_and(|m| m.is_file())
}

#[test]
fn kotlin_and_python_bindings_pass_their_tests() {
    if !missing_tools().is_empty() {
        let setup = Command::new("bash")
            .arg(root().join("scripts/test-tools.sh"))
            .current_dir(root())
            .output()
            .expect("cannot run bash");
        println!(
            "{}{}",
            String::from_utf8_lossy(&setup.stdout),
            String::from_utf8_lossy(&setup.stderr)
        );
    }
    let missing = missing_tools();
    assert!(
        missing.is_empty(),
        "the bindings test needs tools this machine lacks and scripts/test-tools.sh could not install them (see docs/android.md):\n  - {}",
        missing.join("\n  - ")
    );
    let out = Command::new("bash")
        .arg(root().join("scripts/bindings-test.sh"))
        .current_dir(root())
        .output()
        .expect("cannot run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("KOTLIN OK") && stdout.contains("PYTHON OK"),
        "scripts/bindings-test.sh failed ({}).\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    println!("{stdout}");
}
