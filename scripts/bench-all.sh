#!/usr/bin/env bash
# Every figure of BENCHMARKS.md in one run, into one report:
#   1. the performance suite (submit, drain of 10,000 forms x 3 runs, 2G link,
#      scale to 100,000 forms, a health post's month over 2G to both
#      destinations; tests/benches/suite.rs), release build;
#   2. the Raspberry Pi-class sizes: cli-sim and the uniffi library
#      (libandroid_bindings.so) cross-built for aarch64 with the release-pi
#      profile (stripped), and the aarch64 cli-sim's record -> sync -> status
#      under qemu-user (scripts/aarch64-test.sh).
#
# Usage: ./scripts/bench-all.sh [report.md]      (default target/bench/report.md)
# Env:   BENCH_DIR (the disk the databases go to; default the temp folder),
#        SUITE_ARGS (extra suite arguments, e.g. "--quick").
# Needs what scripts/test-tools.sh --aarch64 installs for the aarch64 part (cross gcc, arm64 glibc,
# qemu-user, the Rust target); without it the sizes are reported as missing.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-target/bench/report.md}"
mkdir -p "$(dirname "$OUT")"
SUITE_OUT="$(mktemp "${TMPDIR:-/tmp}/suite.XXXXXX.md")"
trap 'rm -f "$SUITE_OUT"' EXIT

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
# shellcheck disable=SC2086
cargo bench --locked -p e2e-tests --bench suite -- --out "$SUITE_OUT" ${SUITE_ARGS:-}

{
    echo "<!-- scripts/bench-all.sh, started $started -->"
    echo "Every figure below comes from one run of \`scripts/bench-all.sh\` on commit" \
        "\`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')," \
        "started $started; load average (1, 5, 15 min) at the start: $load_start."
    echo
    cat "$SUITE_OUT"
    echo
    echo "## 6. Raspberry Pi-class build (aarch64-unknown-linux-gnu, profile release-pi)"
    echo
} >"$OUT"

TARGET=aarch64-unknown-linux-gnu
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    t0=$(date +%s)
    # Without the simulated servers, as a Pi runs it (cli-sim's `servers` feature).
    cargo build --locked --profile release-pi --target "$TARGET" -p cli-sim -p android-bindings --no-default-features
    t1=$(date +%s)
    cli="${CARGO_TARGET_DIR:-target}/$TARGET/release-pi/cli-sim"
    lib="${CARGO_TARGET_DIR:-target}/$TARGET/release-pi/libandroid_bindings.so"
    # release-pi strips; strip again in case a profile change drops it.
    for f in "$cli" "$lib"; do aarch64-linux-gnu-strip "$f" 2>/dev/null || true; done
    cli_size=$(stat -c %s "$cli")
    lib_size=$(stat -c %s "$lib")
    mib() { awk "BEGIN { printf \"%.2f\", $1 / 1048576 }"; }
    {
        echo "| artefact | stripped size | limit | ratio |"
        echo "|---|---|---|---|"
        echo "| cli-sim (\`--no-default-features\`: no simulated servers) | $cli_size B ($(mib "$cli_size") MiB) | 10 MB (10,000,000 B) | $(awk "BEGIN { printf \"%.2f\", $cli_size / 10000000 }") |"
        echo "| libandroid_bindings.so (uniffi) | $lib_size B ($(mib "$lib_size") MiB) | — | — |"
        echo
        echo "Cross-build of both (after the suite, crates already downloaded): $((t1 - t0)) s."
        echo
    } >>"$OUT"
    if command -v qemu-aarch64 >/dev/null 2>&1; then
        log="$(mktemp)"
        if ./scripts/aarch64-test.sh >"$log" 2>&1; then
            {
                echo "aarch64 cli-sim under qemu-user against the simulated servers:"
                echo
                grep -E "^(states:|== timings)" "$log" | sed 's/^/    /'
                echo
            } >>"$OUT"
        else
            echo "aarch64 test FAILED; see scripts/aarch64-test.sh output." >>"$OUT"
            cat "$log" >&2
            rm -f "$log"
            exit 1
        fi
        rm -f "$log"
    fi
else
    echo "Not measured: the aarch64 cross toolchain is missing (see .ci/run)." >>"$OUT"
fi
{
    echo
    echo "bench-all.sh took $(($(date +%s) - t_start)) s in all (builds included); load average at the end:" \
        "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) on $(nproc) CPUs."
} >>"$OUT"
echo "report written to $OUT"
