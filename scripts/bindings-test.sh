#!/usr/bin/env bash
# Builds the cdylib the way an Android build would (library mode, with the
# workspace's pinned uniffi-bindgen), generates the Kotlin and Python
# bindings, and runs the Kotlin program on the JVM (JNA) and the Python smoke
# test against simulated DHIS2 and OpenLMIS servers that those tests start.
#
# Needs: java (17+), JNA (apt: libjna-java -> /usr/share/java/jna.jar),
# kotlinc (npm: kotlin-compiler@2.4.20 in .tools/kotlin, or $KOTLINC), python3,
# ProGuard (apt: proguard-cli) and the JDK's jmods (default-jdk-headless).
# scripts/test-tools.sh installs them (docs/android.md, "Testing without a device").
#
# The cdylib is built with the `test-support` feature, which adds one
# deliberately panicking method (Agent.testSupportPanic) so the tests can
# prove a Rust panic arrives as an exception. App builds never enable it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
KOTLINC="${KOTLINC:-$ROOT/.tools/kotlin/node_modules/kotlin-compiler/bin/kotlinc}"
if [ ! -x "$KOTLINC" ] && command -v kotlinc >/dev/null 2>&1; then KOTLINC="$(command -v kotlinc)"; fi
KOTLIN_LIB="$(cd "$(dirname "$(readlink -f "$KOTLINC")")/../lib" && pwd)"
JNA="${JNA_JAR:-/usr/share/java/jna.jar}"
# Cargo's output folder (CARGO_TARGET_DIR when set, as CI may share one).
TGT="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$TGT/bindings"
SO="$TGT/debug/libandroid_bindings.so"

missing=()
[ -x "$KOTLINC" ] || missing+=("kotlinc ($KOTLINC): npm install --prefix .tools/kotlin kotlin-compiler@2.4.20")
[ -f "$JNA" ] || missing+=("JNA ($JNA): apt-get install -y libjna-java")
command -v java >/dev/null 2>&1 || missing+=("java: apt-get install -y default-jre-headless")
command -v python3 >/dev/null 2>&1 || missing+=("python3")
command -v proguard >/dev/null 2>&1 || missing+=("proguard: apt-get install -y proguard-cli")
if [ ${#missing[@]} -gt 0 ]; then
    echo "bindings-test: missing tools:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
fi

t() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }
T0=$(t)
echo "== build: cdylib (test-support) + cli-sim, then uniffi-bindgen"
cargo build -p android-bindings -p cli-sim --features android-bindings/test-support
cargo build -p uniffi-bindgen
T1=$(t)

echo "== generate bindings (library mode)"
rm -rf "$OUT"
"$TGT/debug/uniffi-bindgen" generate "$SO" --language kotlin --out-dir "$OUT/kotlin" --no-format \
    --config android-bindings/bindgen-config.toml
# The app's flavour (android = true: Android's cleaner, android.os.Build),
# compiled below against Android stubs with the docs' code.
"$TGT/debug/uniffi-bindgen" generate "$SO" --language kotlin --out-dir "$OUT/kotlin-android" --no-format \
    --config android-bindings/bindgen-config-android.toml
"$TGT/debug/uniffi-bindgen" generate "$SO" --language python --out-dir "$OUT/python/agent_ffi" --no-format
T2=$(t)

# The deliberate test panic prints its message; a backtrace would only be noise.
export RUST_BACKTRACE=0

echo "== Kotlin/JVM"
# shellcheck disable=SC2046
"$KOTLINC" -nowarn -cp "$JNA" $(find "$OUT/kotlin" -name '*.kt') android-bindings/tests/kotlin/Main.kt -d "$OUT/kt-classes"
T3=$(t)
echo "== ProGuard pass with exactly android-bindings/consumer-rules.pro (what R8 gets in an app)"
# The program (the test as the app, kotlin-stdlib, JNA) is shrunk and
# obfuscated with the shipped consumer rules plus the test's entry point;
# the JVM run below uses only the result, so a rule that keeps too little
# fails the test, and a missing -dontwarn fails ProGuard itself. The
# platform classes are java.base and java.logging (both on Android; AWT is
# not), from the JDK's jmods (android-bindings/tests/kotlin/library_jar.py),
# and org.jetbrains.annotations, which kotlin-stdlib brings into every app.
JMODS="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/jmods"
python3 android-bindings/tests/kotlin/library_jar.py "$OUT/platform.jar" \
    "$JMODS/java.base.jmod" "$JMODS/java.logging.jmod" >/dev/null
rm -f "$OUT/app.jar"
if ! proguard -injars "$OUT/kt-classes" -injars "$KOTLIN_LIB/kotlin-stdlib.jar(!META-INF/versions/**)" \
    -injars "$JNA" -outjars "$OUT/app.jar" -libraryjars "$OUT/platform.jar" \
    -libraryjars "$KOTLIN_LIB/annotations-13.0.jar" \
    -include android-bindings/consumer-rules.pro \
    -keep 'class MainKt { public static void main(java.lang.String[]); }' \
    >"$OUT/proguard.log" 2>&1; then
    awk '/^(Warning|Error)/ && n++ < 30' "$OUT/proguard.log" >&2
    echo "bindings-test: ProGuard refused the program with android-bindings/consumer-rules.pro (above; full log: $OUT/proguard.log)" >&2
    exit 1
fi
T3b=$(t)
java -Djna.library.path="$TGT/debug" \
    -Dcli.sim="$TGT/debug/cli-sim" -Dschemas.dir="$ROOT/schemas" \
    -cp "$OUT/app.jar" MainKt
T4=$(t)

echo "== the app's Kotlin: android = true bindings, PlatformTls.kt and every kotlin block of docs/android.md (Android stubs)"
# One kotlinc pass: the app flavour of the bindings, the hand-written
# Kotlin shipped with them (android-bindings/kotlin/), and each block of
# the page as a file (android-bindings/tests/kotlin/doc_blocks.py), against
# the compile-only stubs of the Android/AndroidX classes they use. Errors
# in the page's blocks name the page's lines.
rm -rf "$OUT/doc-kt" "$OUT/doc-classes"
read -r nblocks offset < <(python3 android-bindings/tests/kotlin/doc_blocks.py docs/android.md "$OUT/doc-kt")
# shellcheck disable=SC2046
if ! "$KOTLINC" -nowarn -cp "$JNA" \
    $(find android-bindings/tests/kotlin/stubs -name '*.kt') $(find "$OUT/kotlin-android" -name '*.kt') \
    $(find android-bindings/kotlin -name '*.kt') $(find "$OUT/doc-kt" -name '*.kt') \
    -d "$OUT/doc-classes" 2>"$OUT/doc-kt.log"; then
    # file android_L<first>.kt line L is page line first + L - offset - 1.
    sed -E 's#[^ ]*/android_L([0-9]+)\.kt:([0-9]+):([0-9]+)#\1 \2 \3#' "$OUT/doc-kt.log" |
        awk -v off="$offset" '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+:?/ {
            first = $1; line = $2; col = $3; $1 = $2 = $3 = "";
            sub(/^ +/, ""); printf "docs/android.md:%d:%s %s\n", first + line - off - 1, col, $0; next } { print }' >&2
    echo "bindings-test: the android = true bindings, android-bindings/kotlin/ or a kotlin block of docs/android.md do not compile (above)" >&2
    exit 1
fi
echo "android = true bindings, android-bindings/kotlin/ and $nblocks kotlin blocks of docs/android.md compiled"
T5=$(t)

echo "== Python"
# Modules for more than one crate import each other relatively, so they
# live in a package; each loads libandroid_bindings.so from its own folder.
touch "$OUT/python/agent_ffi/__init__.py"
cp "$SO" "$OUT/python/agent_ffi/"
PYTHONPATH="$OUT/python" python3 android-bindings/tests/python/test_agent.py \
    "$TGT/debug/cli-sim" "$ROOT/schemas"
T6=$(t)

echo "== timings: cargo $(secs "$T0" "$T1") s, bindgen $(secs "$T1" "$T2") s, kotlinc $(secs "$T2" "$T3") s, ProGuard $(secs "$T3" "$T3b") s, JVM run $(secs "$T3b" "$T4") s, app Kotlin (android flavour + docs) kotlinc $(secs "$T4" "$T5") s, Python $(secs "$T5" "$T6") s"
echo "BINDINGS OK"
