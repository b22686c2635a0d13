#!/usr/bin/env bash
# Installs what the tests need beyond Rust, only what is missing, and says
# what it did. Idempotent: a second run installs nothing.
#   - the bindings test (android-bindings/tests/bindings_script.rs runs
#     scripts/bindings-test.sh): a JDK (with jmods), JNA, python3, ProGuard
#     (proguard-cli), and kotlinc (npm
#     package kotlin-compiler into .tools/kotlin, kept out of git);
#   - with --aarch64, the Raspberry Pi-class test (scripts/aarch64-test.sh):
#     the aarch64 cross gcc and glibc, qemu-user, curl and the Rust target.
# Debian packages are installed with apt-get as root (or through sudo); when
# neither is possible it prints the exact commands and exits 2.
set -euo pipefail
cd "$(dirname "$0")/.."

aarch64=false
[ "${1:-}" = "--aarch64" ] && aarch64=true

need_apt=()
[ -f /usr/share/java/jna.jar ] || need_apt+=(libjna-java)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# ProGuard and the JDK's jmods (its platform classes) for the R8-rules check.
command -v proguard >/dev/null 2>&1 || need_apt+=(proguard-cli)
if ! command -v java >/dev/null 2>&1 ||
    [ ! -f "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/jmods/java.base.jmod" ]; then
    need_apt+=(default-jdk-headless)
fi
KOTLINC=.tools/kotlin/node_modules/kotlin-compiler/bin/kotlinc
if [ ! -x "$KOTLINC" ] && ! command -v kotlinc >/dev/null 2>&1; then
    command -v npm >/dev/null 2>&1 || need_apt+=(npm)
fi
if $aarch64; then
    command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need_apt+=(gcc-aarch64-linux-gnu)
    [ -f /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need_apt+=(libc6-dev-arm64-cross)
    command -v qemu-aarch64 >/dev/null 2>&1 || need_apt+=(qemu-user)
    command -v curl >/dev/null 2>&1 || need_apt+=(curl)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo)
    else
        echo "test-tools: these Debian packages are missing: ${need_apt[*]}" >&2
        echo "test-tools: install them as root, then run the tests again:" >&2
        echo "  apt-get update && apt-get install -y ${need_apt[*]}" >&2
        exit 2
    fi
    echo "test-tools: installing ${need_apt[*]}"
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$KOTLINC" ] && ! command -v kotlinc >/dev/null 2>&1; then
    echo "test-tools: installing kotlinc (npm kotlin-compiler@2.4.20) into .tools/kotlin"
    npm install --prefix .tools/kotlin --no-audit --no-fund --silent kotlin-compiler@2.4.20
fi

if $aarch64 && ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
    echo "test-tools: adding the Rust target aarch64-unknown-linux-gnu"
    rustup target add aarch64-unknown-linux-gnu
fi
