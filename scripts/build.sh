#!/usr/bin/env bash
# Builds one of shifan's three builds, each in its own directory, under a lock on it (so a
# build started ahead in the background and the build that needs it never run at once):
#   scripts/build.sh plain     build/       RelWithDebInfo (make run, the plain test pass)
#   scripts/build.sh asan      build-asan/  Debug with AddressSanitizer and UBSan
#   scripts/build.sh fuzz      build-fuzz/  clang, libFuzzer, ASan and UBSan (fuzz/)
# With --ahead it returns at once and builds at nice 19 in the background, on the cycles a
# test pass leaves idle; the next `scripts/build.sh KIND` waits for it and finds it done.
# `make test` builds the sanitizers' build ahead during the plain pass, and the fuzzers'
# during the sanitizers' pass.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:?usage: scripts/build.sh plain|asan|fuzz [--ahead]}
case "$kind" in
  plain) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DSHIFAN_SANITIZE=ON) ;;
  fuzz) dir=build-fuzz; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIFAN_FUZZ=ON); export CC=clang ;;
  *) echo "scripts/build.sh: no build named $kind" >&2; exit 2 ;;
esac
mkdir -p "$dir"

build() {
  flock 9
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

if [ "${2:-}" = --ahead ]; then
  # its output goes to a log; a failure shows again when the build is made in the foreground
  ( renice -n 19 -p "$BASHPID" >/dev/null; build 9>"$dir/.build.lock" >"$dir/ahead.log" 2>&1 || true ) </dev/null &
  exit 0
fi
build 9>"$dir/.build.lock"
