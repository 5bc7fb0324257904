# A private PostgreSQL 15 cluster on a Unix socket, for `make run` and `make test`.
# Sourced, not run:  pg_cluster_start DIR  → exports PG_SOCKET_DIR and SHIFAN_DATABASE_URL
#                    pg_cluster_stop DIR
# PG_FSYNC=off (make test's throw-away clusters only): commits are written to the operating
# system, not flushed to the disk. A crash of PostgreSQL or shifan still loses nothing (the
# faults suite's kills); only a crash of the machine would, and the cluster is deleted after
# the run anyway. `make run` and bench/ keep the default, on.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the unprivileged
# "postgres" user (created by Debian's postgresql-15 package). When that user cannot reach
# DIR (a checkout under /root, say), the cluster lives under /var/lib/shifan instead and DIR
# holds a symlink to it.

PG_BIN=/usr/lib/postgresql/15/bin

pg__as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The directory that holds the cluster for DIR (DIR/pg, or its stand-in as described above).
pg__cluster_dir() {
  local dir="$1"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -L "$dir/pg" ] || [ -d "$dir/pg" ]; then
    readlink -f "$dir/pg"
    return
  fi
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$dir"; then
    local alt="/var/lib/shifan/$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
    mkdir -p "$alt"
    ln -s "$alt" "$dir/pg"
    echo "$alt"
    return
  fi
  mkdir -p "$dir/pg"
  echo "$dir/pg"
}

pg_cluster_start() {
  local dir="$1" cluster
  cluster=$(pg__cluster_dir "$dir")
  [ "$(id -u)" -eq 0 ] && chown postgres: "$cluster"
  chmod 700 "$cluster"
  if [ ! -f "$cluster/data/PG_VERSION" ]; then
    echo "shifan: creating a private PostgreSQL cluster in $cluster" >&2
    pg__as_owner "$PG_BIN/initdb" -D "$cluster/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth=trust >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; return 1; }
    mkdir -p "$cluster/run"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$cluster/run"
    chmod 700 "$cluster/run"
    cat >>"$cluster/data/postgresql.conf" <<CONF
# shifan: private cluster, Unix socket only
listen_addresses = ''
unix_socket_directories = '$cluster/run'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
fsync = ${PG_FSYNC:-on}
logging_collector = off
# DESIGN.md's dates are Liaoning dates: shifan's own sessions say so (persistence/pool.c);
# this makes every other session (psql, a test's direct connection) see the same day
timezone = 'Asia/Shanghai'
CONF
  fi
  PG_SOCKET_DIR="$cluster/run"
  # a cluster left running by a killed session is reused as it is
  if ! pg__as_owner "$PG_BIN/pg_ctl" -D "$cluster/data" status >/dev/null 2>&1; then
    # setsid: Ctrl-C in the terminal reaches shifan, which drains; the cluster stops after it
    pg__as_owner setsid "$PG_BIN/pg_ctl" -D "$cluster/data" -l "$cluster/postgres.log" -w -t 60 start \
      >/dev/null || { tail -n 20 "$cluster/postgres.log" >&2; return 1; }
  fi
  if ! pg__as_owner "$PG_BIN/psql" -h "$PG_SOCKET_DIR" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_roles WHERE rolname = 'shifan'" | grep -q 1; then
    pg__as_owner "$PG_BIN/psql" -q -h "$PG_SOCKET_DIR" -U postgres -d postgres \
      -c "CREATE ROLE shifan LOGIN" -c "CREATE DATABASE shifan OWNER shifan" >/dev/null
  fi
  export PG_SOCKET_DIR
  export SHIFAN_DATABASE_URL="host=$PG_SOCKET_DIR dbname=shifan user=shifan"
}

# Creates an empty database NAME owned by shifan in the running cluster (for test suites).
pg_create_database() {
  pg__as_owner "$PG_BIN/psql" -q -h "$PG_SOCKET_DIR" -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 OWNER shifan" >/dev/null
}

pg_cluster_stop() {
  local dir="$1" cluster
  cluster=$(readlink -f "$dir/pg" 2>/dev/null) || return 0
  [ -f "$cluster/data/PG_VERSION" ] || return 0
  pg__as_owner "$PG_BIN/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 || true
}
