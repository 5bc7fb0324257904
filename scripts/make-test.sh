#!/usr/bin/env bash
# `make test` after its packages are installed: the contract's lint, the TypeScript check, every
# suite plain and under ASan/UBSan (scripts/test.sh), and the short fuzz run (scripts/fuzz.sh).
# The three builds are made ahead, in the background, while the lint, the check and the plain
# pass run (scripts/build.sh --ahead); they are waited for before the plain pass's HTTP suite
# (it measures latencies: scripts/test.sh) and before the sanitizers' pass, and stopped, with
# everything they started, if this script ends first.
set -euo pipefail
cd "$(dirname "$0")/.."

# a process group of its own (setsid), so that every compiler it started goes with it
setsid scripts/build.sh --ahead plain asan fuzz </dev/null >/dev/null 2>&1 &
ahead=$!
trap 'kill -- -"$ahead" 2>/dev/null || true' EXIT

scripts/lint-openapi.sh
scripts/ts-check.sh
scripts/test.sh
wait "$ahead" || true
SHIFAN_SANITIZE=1 scripts/test.sh
FUZZ_SECONDS="${FUZZ_SECONDS:-3}" scripts/fuzz.sh
