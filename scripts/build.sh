#!/usr/bin/env bash
# Builds one of shifan's three builds, each in its own directory, under a lock on it (so a
# build started ahead in the background and the build that needs it never run at once):
#   scripts/build.sh plain     build/       RelWithDebInfo (make run, the plain test pass)
#   scripts/build.sh asan      build-asan/  Debug with AddressSanitizer and UBSan
#   scripts/build.sh fuzz      build-fuzz/  clang, libFuzzer, ASan and UBSan (fuzz/)
# With --ahead it returns at once and builds the kinds named, one after the other, at nice 19
# in the background, on the cycles a test pass leaves idle; the next `scripts/build.sh KIND`
# waits for that build (a lock on its directory) and finds it done. `make test` starts all
# three first: the plain build runs beside the contract's lint and TypeScript check, the other
# two during the plain pass, which waits on the database more than it computes. None runs
# beside the sanitizers' pass, which computes: a build beside it slowed its HTTP suite from
# 66 s to 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."

# scripts/build.sh --ahead KIND...: builds each KIND in turn, in the background
if [ "${1:-}" = --ahead ]; then
  shift
  # its output is dropped: a failure shows again when the build is made in the foreground
  ( renice -n 19 -p "$BASHPID" >/dev/null
    for kind in "$@"; do scripts/build.sh "$kind" >/dev/null 2>&1 || true; done ) </dev/null &
  exit 0
fi

kind=${1:?usage: scripts/build.sh plain|asan|fuzz, or scripts/build.sh --ahead KIND...}
case "$kind" in
  plain) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DSHIFAN_SANITIZE=ON) ;;
  fuzz) dir=build-fuzz; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIFAN_FUZZ=ON); export CC=clang ;;
  *) echo "scripts/build.sh: no build named $kind" >&2; exit 2 ;;
esac
mkdir -p "$dir"
(
  flock 9
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
) 9>"$dir/.build.lock"
