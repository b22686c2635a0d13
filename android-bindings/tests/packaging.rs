//! Packaging for Android (issue 19 item 1), checked from the files the app
//! build uses. What this proves: the repository's cargo configuration asks
//! for 16 KB pages on every Android target, the shipped R8 rules have what
//! a release build needs, and docs/android.md says the same. What it cannot
//! prove here (no NDK on this machine): that an NDK link of the `.so`
//! honours the flag; check that with `readelf -lW` on the built library.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::Path;

fn read(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The lines of a `[section]` of a TOML file, up to the next header.
fn section<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|l| l.trim() != header);
    assert!(lines.next().is_some(), "no {header} in .cargo/config.toml");
    lines
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect()
}

#[test]
fn every_android_target_links_with_16_kb_pages() {
    let config = read(".cargo/config.toml");
    for target in [
        "aarch64-linux-android",
        "x86_64-linux-android",
        "armv7-linux-androideabi",
        "i686-linux-android",
    ] {
        let lines = section(&config, &format!("[target.{target}]"));
        assert!(
            lines.iter().any(|l| l.starts_with("rustflags")
                && l.contains("\"-C\", \"link-arg=-Wl,-z,max-page-size=16384\"")),
            "{target}: no max-page-size=16384 link argument in {lines:?}"
        );
    }
}

fn rules(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('-'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_shipped_r8_rules_keep_jna_and_the_bindings_and_match_the_docs() {
    let shipped = rules(&read("android-bindings/consumer-rules.pro"));
    for needed in [
        "-dontwarn java.awt.*",
        "-keepattributes RuntimeVisibleAnnotations",
        "-keep class com.sun.jna.** { *; }",
        "-keep class * implements com.sun.jna.** { *; }",
        "-keep class org.healthsync.agent.** { *; }",
    ] {
        assert!(
            shipped.iter().any(|r| r == needed),
            "consumer-rules.pro lacks `{needed}`"
        );
    }
    // docs/android.md shows exactly the shipped rules.
    let docs = read("docs/android.md");
    let block = docs
        .split("```")
        .find(|b| b.contains("-keep class com.sun.jna"))
        .expect("docs/android.md shows the R8 rules");
    assert_eq!(
        rules(block),
        shipped,
        "docs/android.md and consumer-rules.pro differ"
    );
}

#[test]
fn the_docs_pin_what_play_needs() {
    let docs = read("docs/android.md");
    // JNA >= 5.17 (16 KB-aligned libjnidispatch.so), as an AAR, exposed as api.
    let jna = docs
        .split("net.java.dev.jna:jna:")
        .nth(1)
        .expect("docs/android.md names the JNA dependency");
    let version: Vec<u32> = jna
        .split('@')
        .next()
        .unwrap()
        .split('.')
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        version >= vec![5, 17],
        "JNA {version:?} is not 16 KB-aligned"
    );
    assert!(jna.split('"').next().unwrap().ends_with("@aar"));
    assert!(docs.contains("api(\"net.java.dev.jna:jna:"));
    assert!(docs.contains("NDK r28"));
    assert!(docs.contains("cargo ndk --platform"));
    assert!(docs.contains("consumerProguardFiles(\"consumer-rules.pro\")"));
}

/// The settings lines of a TOML file (no comments, no blank lines).
fn settings(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn the_app_flavour_config_is_the_jvm_one_plus_android_true() {
    let jvm = read("android-bindings/bindgen-config.toml");
    let app = read("android-bindings/bindgen-config-android.toml");
    // What the app flavour adds, by hand from uniffi's Kotlin configuration:
    // android = true for agent_core's table and a table for android_bindings.
    let mut expected: Vec<&str> = Vec::new();
    for l in settings(&jvm) {
        expected.push(l);
        if l == "package_name = \"org.healthsync.agent.core\"" {
            expected.push("android = true");
        }
    }
    expected.extend([
        "[crates.android_bindings.bindings.kotlin]",
        "package_name = \"org.healthsync.agent\"",
        "android = true",
    ]);
    assert_eq!(
        settings(&app),
        expected,
        "bindgen-config-android.toml must be bindgen-config.toml plus the android = true lines"
    );
    // The package name agrees with the crate's own uniffi.toml.
    assert!(
        read("android-bindings/uniffi.toml").contains("package_name = \"org.healthsync.agent\"")
    );
}
