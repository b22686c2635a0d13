#!/usr/bin/env bash
# The Raspberry Pi-class build and its end-to-end test: cross-builds cli-sim
# for aarch64-unknown-linux-gnu (profile release-pi, .cargo/config.toml), starts
# the simulated DHIS2 and OpenLMIS servers with the HOST cli-sim, then runs the
# aarch64 binary under qemu-user: record a form, sync it, and check that both
# destinations say "delivered".
#
# Needs (scripts/test-tools.sh --aarch64 installs them):
#   apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
#   rustup target add aarch64-unknown-linux-gnu
# The aarch64 build leaves the simulated servers out (`--no-default-features`:
# cli-sim's `servers` feature, as a Pi build should); with the release-pi
# profile its stripped size must stay within 10 MB (issue 17).
# Env: AARCH64_PROFILE (default release-pi) to test another profile.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TARGET=aarch64-unknown-linux-gnu
PROFILE="${AARCH64_PROFILE:-release-pi}"
SYSROOT=/usr/aarch64-linux-gnu
# Cargo's `dev` profile builds into the `debug` folder.
DIR="$PROFILE"
[ "$PROFILE" = dev ] && DIR=debug
# Cargo's output folder (CARGO_TARGET_DIR when set, as CI may share one).
TGT="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TGT/$TARGET/$DIR/cli-sim"
# The library an Android app ships, built for aarch64 Linux (no NDK here).
CDYLIB="$TGT/$TARGET/$DIR/libandroid_bindings.so"
HOST_BIN="$TGT/debug/cli-sim"
FORMS="$ROOT/schemas/forms"
FACILITIES="$ROOT/schemas/facilities/example.json"
DRAFT="$ROOT/schemas/examples/draft-chw-valid.json"

missing=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=("aarch64-linux-gnu-gcc: apt-get install -y gcc-aarch64-linux-gnu")
[ -f "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || missing+=("$SYSROOT (aarch64 glibc): apt-get install -y libc6-dev-arm64-cross")
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=("qemu-aarch64: apt-get install -y qemu-user")
rustup target list --installed 2>/dev/null | grep -qx "$TARGET" ||
    missing+=("Rust target: rustup target add $TARGET")
command -v curl >/dev/null 2>&1 || missing+=("curl: apt-get install -y curl")
if [ ${#missing[@]} -gt 0 ]; then
    echo "aarch64-test: missing tools:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
fi

t() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }
qemu() { qemu-aarch64 -L "$SYSROOT" "$@"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aarch64-test.XXXXXX")"
PIDS=()
cleanup() {
    local rc=$?
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$rc" -ne 0 ]; then
        echo "aarch64-test: FAILED (exit $rc); server logs:" >&2
        tail -n 20 "$WORK"/*.log >&2 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$(t)
echo "== build: cli-sim (without the simulated servers) and the android-bindings cdylib for $TARGET (profile $PROFILE), host cli-sim for the simulated servers"
cargo build --locked --profile "$PROFILE" -p cli-sim -p android-bindings --no-default-features --target "$TARGET"
T1=$(t)
cargo build --locked -p cli-sim
T2=$(t)

echo "== the binary"
file "$BIN" 2>/dev/null || true
# The proof that the ELF is aarch64, without relying on `file`: e_machine 0xB7 (183) = EM_AARCH64.
machine=$(od -An -t u2 -j 18 -N 2 "$BIN" | tr -d ' ')
[ "$machine" = 183 ] || { echo "not an aarch64 ELF (e_machine=$machine)" >&2; exit 1; }
SIZE=$(stat -c %s "$BIN")
echo "ELF e_machine=$machine (EM_AARCH64), $SIZE bytes"
# The Pi limit (issue 17): 10 MB = 10,000,000 bytes, stripped (release-pi strips).
LIMIT=10000000
if [ "$PROFILE" = release-pi ] && [ "$SIZE" -gt "$LIMIT" ]; then
    echo "aarch64-test: the stripped release-pi cli-sim is $SIZE bytes, over the $LIMIT-byte (10 MB) limit" >&2
    echo "  (was it built with the simulated servers? this script builds it with --no-default-features)" >&2
    exit 1
fi
if qemu-aarch64 -L "$SYSROOT" "$BIN" mock --help >/dev/null 2>&1; then
    echo "aarch64-test: the aarch64 cli-sim has the 'mock' command: it was built with the simulated servers" >&2
    exit 1
fi
echo "no simulated servers in the aarch64 cli-sim (no 'mock' command)"

echo "== 16 KB pages: every LOAD segment aligned >= 0x4000 (cli-sim and the cdylib)"
# Raspberry Pi 5 kernels and Android 15+ devices use 16 KB pages; a segment
# aligned to 4 KB does not load there. The flag is in .cargo/config.toml
# (GNU ld for aarch64 would give 64 KB without it; a 4 KB setting fails
# here). This checks binaries linked for aarch64 Linux by GNU ld, among
# them libandroid_bindings.so (the cdylib the app's JNA loads), not an NDK
# build: check the app's .so the same way after cargo ndk.
READELF=readelf
command -v aarch64-linux-gnu-readelf >/dev/null 2>&1 && READELF=aarch64-linux-gnu-readelf
check_pages() { # <ELF file>
    local loads align
    loads=$("$READELF" -lW "$1" | awk '$1 == "LOAD" { print $NF }')
    [ -n "$loads" ] || { echo "aarch64-test: readelf found no LOAD segment in $1" >&2; exit 1; }
    for align in $loads; do
        if [ $((align)) -lt $((0x4000)) ]; then
            echo "aarch64-test: a LOAD segment of $1 is aligned to $align, less than 16 KB (0x4000):" >&2
            "$READELF" -lW "$1" | grep -E 'LOAD|Align' >&2
            echo "  keep '-C link-arg=-Wl,-z,max-page-size=16384' for $TARGET in .cargo/config.toml" >&2
            exit 1
        fi
    done
    echo "$(basename "$1"): LOAD segments aligned $(echo $loads | tr '\n' ' ')"
}
check_pages "$BIN"
machine=$(od -An -t u2 -j 18 -N 2 "$CDYLIB" | tr -d ' ')
[ "$machine" = 183 ] || { echo "$CDYLIB is not an aarch64 ELF (e_machine=$machine)" >&2; exit 1; }
check_pages "$CDYLIB"

echo "== simulated servers (host cli-sim, free ports)"
# --port 0 lets the OS pick a free port; each server prints its URL first.
"$HOST_BIN" mock dhis2 --port 0 --forms "$FORMS" --facilities "$FACILITIES" >"$WORK/dhis2.log" 2>&1 &
PIDS+=($!)
"$HOST_BIN" mock lmis --port 0 --forms "$FORMS" --facilities "$FACILITIES" >"$WORK/lmis.log" 2>&1 &
PIDS+=($!)
server_url() { # <log> -> the URL once the server printed it and answers HTTP
    local url=""
    for _ in $(seq 1 150); do
        url=$(sed -n 's/.* listening on \(http:[^ ]*\).*/\1/p' "$1" | head -n 1)
        if [ -n "$url" ] && curl -s -o /dev/null --max-time 2 "$url/"; then
            echo "$url"
            return 0
        fi
        sleep 0.1
    done
    echo "aarch64-test: server in $1 did not answer within 15 s" >&2
    return 1
}
DHIS2_URL=$(server_url "$WORK/dhis2.log")
LMIS_URL=$(server_url "$WORK/lmis.log")
echo "DHIS2 $DHIS2_URL, OpenLMIS $LMIS_URL"

printf 'district\n' >"$WORK/dhis2.password"
printf 'changeme\n' >"$WORK/lmis.secret"
printf 'password\n' >"$WORK/lmis.password"
chmod 600 "$WORK/dhis2.password" "$WORK/lmis.secret" "$WORK/lmis.password"
cat >"$WORK/agent.toml" <<EOF
[agent]
database = "outbox.sqlite"
forms = "$FORMS"
facilities = "$FACILITIES"

[dhis2]
url = "$DHIS2_URL"
username = "admin"
password_file = "dhis2.password"

[lmis]
kind = "openlmis"
url = "$LMIS_URL"
client_id = "user-client"
client_secret_file = "lmis.secret"
username = "administrator"
password_file = "lmis.password"
EOF
CFG="$WORK/agent.toml"

echo "== under qemu-aarch64: the binary runs as an aarch64 guest"
# A qemu-user guest has no uname binary here; the ELF header above plus qemu
# running it (no x86-64 host can exec it natively) is the proof.
echo "qemu-aarch64 -L $SYSROOT $(basename "$BIN") --version -> $(qemu "$BIN" --version)"

T3=$(t)
echo "== under qemu-aarch64: record"
ID=$(qemu "$BIN" --config "$CFG" record --file "$DRAFT" | tee "$WORK/record.out" |
    grep -Eo '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -n 1)
[ -n "$ID" ] || { echo "record printed no submission id:" >&2; cat "$WORK/record.out" >&2; exit 1; }
echo "submission $ID"
T4=$(t)
echo "== under qemu-aarch64: sync"
qemu "$BIN" --config "$CFG" sync --until-done 5 --retry-now --json >"$WORK/sync.json"
T5=$(t)
echo "== under qemu-aarch64: status"
qemu "$BIN" --config "$CFG" status --json >"$WORK/status.json"
T6=$(t)

if command -v jq >/dev/null 2>&1; then
    states=$(jq -r --arg id "$ID" \
        '.submissions[] | select(.id == $id) | .destinations[] | "\(.destination)=\(.state)"' "$WORK/status.json" |
        sort | tr '\n' ' ')
else
    states=$(python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["submissions"]:
    if s["id"] == sys.argv[2]:
        for d in sorted(s["destinations"], key=lambda d: d["destination"]):
            print(d["destination"] + "=" + d["state"], end=" ")
' "$WORK/status.json" "$ID")
fi
echo "states: $states"
if [ "$states" != "dhis2=delivered lmis=delivered " ]; then
    echo "aarch64-test: expected dhis2=delivered lmis=delivered for $ID; status:" >&2
    cat "$WORK/status.json" >&2
    echo "sync report:" >&2
    cat "$WORK/sync.json" >&2
    exit 1
fi

echo "== timings: aarch64 build $(secs "$T0" "$T1") s, host build $(secs "$T1" "$T2") s," \
    "qemu record $(secs "$T3" "$T4") s, sync $(secs "$T4" "$T5") s, status $(secs "$T5" "$T6") s"
echo "AARCH64 OK"
