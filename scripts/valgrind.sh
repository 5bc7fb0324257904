#!/usr/bin/env bash
# `make valgrind`: the HTTP suite under valgrind memcheck. Both processes are checked: the test
# binary (tests/test_http) runs under valgrind, and so does every server it forks, through a
# wrapper given as SHIFAN_BIN. A memcheck error or a definitely lost block makes valgrind
# exit with 99: for the test binary that fails this script; for a server, the tests read
# its exit status when they stop it (the_server_is_still_up_and_stops_cleanly, and the
# SIGTERM drain test), so the suite fails and prints the report from the server's log.
# Waits in the tests are scaled by SHIFAN_TEST_TIME_FACTOR (valgrind is 20-50 times slower).
# It takes about 12 minutes on a 2-core machine (mostly the password hashes of the logins), so
# it is its own target and not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

scripts/build.sh plain >/dev/null

tmp=$(mktemp -d /tmp/shifan-valgrind.XXXXXX)
chmod 755 "$tmp"
cleanup() {
  pg_cluster_stop "$tmp"
  rm -rf "$tmp"
}
trap cleanup EXIT
pg_cluster_start "$tmp"
pg_create_database shifan_http

# (add --track-origins=yes to find where an uninitialised value came from: it doubles the time)
memcheck=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
          --errors-for-leak-kinds=definite --num-callers=30
          --suppressions="$PWD/tests/valgrind.supp")
# the server's wrapper: its stderr is the server's log, which the tests read
cat >"$tmp/shifan-memcheck" <<WRAP
#!/bin/sh
exec ${memcheck[*]} "$PWD/build/shifan" "\$@"
WRAP
chmod 755 "$tmp/shifan-memcheck"

export SHIFAN_TEST_HTTP_URL="host=$PG_SOCKET_DIR dbname=shifan_http user=shifan"
export SHIFAN_TEST_ADMIN_URL="host=$PG_SOCKET_DIR dbname=postgres user=postgres"
export SHIFAN_TEST_TMP="$tmp"
export SHIFAN_BIN="$tmp/shifan-memcheck"
export SHIFAN_TEST_TIME_FACTOR="${SHIFAN_TEST_TIME_FACTOR:-20}"
# The server's own clocks, scaled the same way for the servers the suite starts (they inherit
# this environment; the suite sets none of these): a password hash takes about 20 s under
# valgrind, so the suite runs for over half an hour, longer than the login-failure window and
# lock (15 min), and a login in flight outlasts the 30 s drain on SIGTERM.
factor=$SHIFAN_TEST_TIME_FACTOR
cap() { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }
export SHIFAN_LOGIN_WINDOW=$(cap $((900 * factor)) 86400)
export SHIFAN_LOGIN_LOCK=$(cap $((900 * factor)) 86400)
export SHIFAN_SHUTDOWN_TIMEOUT=$(cap $((30 * factor)) 3600)
export SHIFAN_IDLE_TIMEOUT=$(cap $((60 * factor)) 3600)
export SHIFAN_POOL_TIMEOUT_MS=$(cap $((5000 * factor)) 600000)
unset SHIFAN_DATABASE_URL

echo "== suite: http under valgrind memcheck (test binary and servers)"
if ! "${memcheck[@]}" build/test_http; then
  echo "FAILED: the HTTP suite under valgrind (a failed test, a memcheck error or a definite leak)"
  exit 1
fi
echo "the HTTP suite passed under valgrind with no memcheck error and no definite leak"
