#!/usr/bin/env bash
# The fault-injection suite's own PostgreSQL cluster (tests/test_faults.c), apart from the
# cluster the other suites share, so that stopping it disturbs nobody else.
#   faultdb.sh start DIR      creates (first time) and starts the cluster under DIR, with an
#                             empty database shifan_faults; prints its socket directory
#   faultdb.sh stop DIR fast|immediate
#                             stops it: "fast" ends sessions cleanly, "immediate" is a crash
#                             (the server recovers from its WAL at the next start)
#   faultdb.sh signal DIR STOP|CONT
#                             freezes (or thaws) the server and every backend: a hung database
# The cluster is a private one of scripts/pg.sh, run by the "postgres" user when root.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh

cmd="$1" dir="$2"
case "$cmd" in
start)
  fresh=0
  [ -e "$dir/pg" ] || fresh=1
  pg_cluster_start "$dir" >/dev/null
  if [ "$fresh" = 1 ]; then
    pg_create_database shifan_faults
  fi
  echo "$PG_SOCKET_DIR"
  ;;
stop)
  cluster=$(readlink -f "$dir/pg")
  pg__as_owner "$PG_BIN/pg_ctl" -D "$cluster/data" -m "${3:-fast}" -w -t 60 stop >/dev/null
  ;;
signal)
  cluster=$(readlink -f "$dir/pg")
  postmaster=$(head -n 1 "$cluster/data/postmaster.pid")
  kill -s "$3" "$postmaster" $(pgrep -P "$postmaster" || true)
  ;;
*)
  echo "usage: $0 start DIR | stop DIR fast|immediate | signal DIR STOP|CONT" >&2
  exit 2
  ;;
esac
