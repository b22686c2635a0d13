#!/usr/bin/env bash
# Every test, on a machine with only Rust and this repository: installs what
# the tests need when it is missing (scripts/test-tools.sh), then runs
#   1. cargo test --workspace --locked: unit, integration, crash, end-to-end
#      and chaos tests, and the Kotlin (JVM) and Python bindings tests;
#   2. scripts/aarch64-test.sh: cli-sim cross-built for aarch64 (Raspberry
#      Pi-class) recording and syncing under qemu-user. It builds with the
#      quick `dev` profile here; the size-tuned `release-pi` build and its
#      figures come from scripts/bench-all.sh (AARCH64_PROFILE=release-pi
#      runs this test on it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/test-tools.sh --aarch64
echo "== cargo test --workspace --locked"
cargo test --workspace --locked
echo "== aarch64 under qemu"
AARCH64_PROFILE="${AARCH64_PROFILE:-dev}" ./scripts/aarch64-test.sh
