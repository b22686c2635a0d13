#!/usr/bin/env bash
# Builds the cdylib the way an Android build would (library mode, with the
# workspace's pinned uniffi-bindgen), generates the Kotlin and Python
# bindings, and runs the Kotlin program on the JVM (JNA) and the Python smoke
# test against simulated DHIS2 and OpenLMIS servers that those tests start.
#
# Needs: java (17+), JNA (apt: libjna-java -> /usr/share/java/jna.jar),
# kotlinc (npm: kotlin-compiler@2.4.20 in .tools/kotlin, or $KOTLINC), python3.
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
"$TGT/debug/uniffi-bindgen" generate "$SO" --language python --out-dir "$OUT/python/agent_ffi" --no-format
T2=$(t)

# The deliberate test panic prints its message; a backtrace would only be noise.
export RUST_BACKTRACE=0

echo "== Kotlin/JVM"
# shellcheck disable=SC2046
"$KOTLINC" -nowarn -cp "$JNA" $(find "$OUT/kotlin" -name '*.kt') android-bindings/tests/kotlin/Main.kt -d "$OUT/kt-classes"
T3=$(t)
java -Djna.library.path="$TGT/debug" \
    -Dcli.sim="$TGT/debug/cli-sim" -Dschemas.dir="$ROOT/schemas" \
    -cp "$OUT/kt-classes:$JNA:$KOTLIN_LIB/kotlin-stdlib.jar" MainKt
T4=$(t)

echo "== Python"
# Modules for more than one crate import each other relatively, so they
# live in a package; each loads libandroid_bindings.so from its own folder.
touch "$OUT/python/agent_ffi/__init__.py"
cp "$SO" "$OUT/python/agent_ffi/"
PYTHONPATH="$OUT/python" python3 android-bindings/tests/python/test_agent.py \
    "$TGT/debug/cli-sim" "$ROOT/schemas"
T5=$(t)

echo "== timings: cargo $(secs "$T0" "$T1") s, bindgen $(secs "$T1" "$T2") s, kotlinc $(secs "$T2" "$T3") s, JVM run $(secs "$T3" "$T4") s, Python $(secs "$T4" "$T5") s"
echo "BINDINGS OK"
