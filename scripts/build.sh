#!/usr/bin/env bash
# Builds one of shifan's three builds, each in its own directory, under a lock on it (so a
# build started ahead in the background and the build that needs it never run at once):
#   scripts/build.sh plain     build/       RelWithDebInfo (make run, the plain test pass)
#   scripts/build.sh asan      build-asan/  Debug with AddressSanitizer and UBSan
#   scripts/build.sh fuzz      build-fuzz/  clang, libFuzzer, ASan and UBSan (fuzz/)
# scripts/build.sh --ahead KIND... builds each KIND in turn (after the first, at nice 19) with
# its output dropped, and never fails (a failure shows again when the build is made in the
# foreground): the caller runs it in the background, and the next `scripts/build.sh KIND` waits
# for that build (a lock per build directory, kept outside it in .build-locks/) and finds it
# done. scripts/make-test.sh runs the plain and the sanitizers' builds so, beside the
# contract's lint, the TypeScript check and the plain pass, which waits on the database more
# than it computes, and waits for them before the sanitizers' pass, which computes (a build
# beside it slowed its HTTP suite from 66 s to 120 s). The whole run holds
# .build-locks/ahead.lock, which scripts/test.sh waits on before the suite whose tests measure
# latencies (the HTTP suite).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --ahead ]; then
  shift
  # held until every build is made: scripts/test.sh waits on it before its HTTP suite
  mkdir -p .build-locks
  exec 8>.build-locks/ahead.lock
  flock 8
  # the first is needed first (the plain pass waits for it, beside the lint and the check)
  scripts/build.sh "$1" >/dev/null 2>&1 8>&- || true
  shift
  renice -n 19 -p $$ >/dev/null || true
  # With the kernel's autogroups, a session (setsid) shares the CPU with the others as a
  # group, whatever its processes' nice: the group itself is made nice 19, or the builds take
  # half the machine from the suites beside them (a health check of the login flood test
  # took 294 ms so)
  echo 19 2>/dev/null >"/proc/$$/autogroup" || true
  for kind in "$@"; do scripts/build.sh "$kind" >/dev/null 2>&1 8>&- || true; done
  exit 0
fi

kind=${1:?usage: scripts/build.sh plain|asan|fuzz, or scripts/build.sh --ahead KIND...}
case "$kind" in
  plain) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DSHIFAN_SANITIZE=ON) ;;
  fuzz) dir=build-fuzz; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIFAN_FUZZ=ON); export CC=clang ;;
  *) echo "scripts/build.sh: no build named $kind" >&2; exit 2 ;;
esac
mkdir -p "$dir" .build-locks
(
  flock 9
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
) 9>".build-locks/$dir.lock"
