# Shared by bench/run and bench/soak (sourced, not run; the caller has `cd`'d to the checkout
# and sourced scripts/pg.sh). Everything lives in one temporary directory, 127.0.0.1 only:
#   bench_build DIR           a Release shifan in DIR (skipped when BENCH_BIN names a binary)
#   bench_tmp                 makes $tmp and the EXIT trap that stops the servers and the cluster
#   start_server              one shifan on a free port of the cluster of $SHIFAN_DATABASE_URL;
#                             appends to ports[] and server_pids[]
#   start_ceiling             the ceiling server (bench/ceiling.c) on the same database: ceiling_port
#   login USER PASSWORD       prints an access token
#   sql ARGS...               psql on the cluster, unaligned, tuples only
#   bench_city_users TOKEN    a user for each city, logged in: city_tokens[org], city_regions[org],
#                             and shenyang_token / shenyang_org

log() { echo "${log_prefix:-bench}: $*" >&2; }

bench_build() {
  bench_bin="${BENCH_BIN:-}"
  if [ -n "$bench_bin" ]; then
    [ -x "$bench_bin" ] || { log "BENCH_BIN=$bench_bin is not an executable"; exit 1; }
    return
  fi
  log "building $1/shifan and $1/shifan-ceiling (Release)"
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$1" -j"$(nproc)" --target shifan shifan-ceiling >/dev/null
  bench_bin="$1/shifan"
  ceiling_bin="$1/shifan-ceiling"
}

# The ceiling server (bench/ceiling.c) on a free port of the same database: ceiling_port.
start_ceiling() {
  local pid
  [ -n "${ceiling_bin:-}" ] && [ -x "$ceiling_bin" ] || {
    ceiling_bin="${BENCH_BUILD_DIR:-build-bench}/shifan-ceiling"
    cmake -S . -B "${BENCH_BUILD_DIR:-build-bench}" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "${BENCH_BUILD_DIR:-build-bench}" --target shifan-ceiling >/dev/null
  }
  ceiling_port=$(free_port)
  log "starting the ceiling server on 127.0.0.1:$ceiling_port (${BENCH_CEILING_THREADS:-8} threads, ${BENCH_CEILING_CONNECTIONS:-8} connections)"
  PGCONNINFO="$SHIFAN_DATABASE_URL" "$ceiling_bin" "$ceiling_port" "${BENCH_CEILING_THREADS:-8}" \
    "${BENCH_CEILING_CONNECTIONS:-8}" 2>"$tmp/ceiling.log" &
  pid=$!
  ceiling_pid=$pid
  for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$ceiling_port/healthz" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$ceiling_port/healthz" || { log "the ceiling server did not start"; exit 1; }
}

server_pids=()
ports=()
bench_cleanup() {
  set +e
  local pid
  for pid in ${server_pids[@]+"${server_pids[@]}"} ${ceiling_pid:-}; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  pg_cluster_stop "$tmp"
  # pg.sh may keep the cluster outside DIR (see there); remove that stand-in as well
  local cluster
  cluster=$(readlink -f "$tmp/pg" 2>/dev/null)
  case "$cluster" in /var/lib/shifan/?*) rm -rf "$cluster" ;; esac
  rm -rf "$tmp"
}
bench_tmp() {
  tmp=$(mktemp -d "/tmp/shifan-${log_prefix:-bench}.XXXXXX")
  chmod 755 "$tmp" # as root, the postgres user must reach the cluster directory inside
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# A free port on 127.0.0.1: ask the kernel for one.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
admin_password="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

start_server() {
  local port pid
  port=$(free_port)
  log "starting shifan on 127.0.0.1:$port (request log in $tmp/shifan-$port.log)"
  SHIFAN_LISTEN_ADDRESS=127.0.0.1 SHIFAN_PORT="$port" SHIFAN_DATA_DIR="$tmp" \
    SHIFAN_ADMIN_PASSWORD="$admin_password" "$bench_bin" 2>"$tmp/shifan-$port.log" &
  pid=$!
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
      log "shifan exited during start:"; tail -n 20 "$tmp/shifan-$port.log" >&2; exit 1
    fi
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" || { log "shifan is not ready"; exit 1; }
  ports+=("$port")
  server_pids+=("$pid")
}

login() {
  curl -fsS -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" \
    "http://127.0.0.1:${ports[0]}/v1/auth/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

sql() { psql "$SHIFAN_DATABASE_URL" -qAt -v ON_ERROR_STOP=1 "$@"; }

bench_city_users() {
  local admin_token="$1" org region
  city_password="bench-city-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  declare -gA city_tokens=() city_regions=()
  while read -r org region; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
      -d "{\"username\":\"bench$region\",\"password\":\"$city_password\",\"org_id\":$org,\"display_name\":\"bench $region\"}" \
      "http://127.0.0.1:${ports[0]}/v1/users"
    city_tokens[$org]=$(login "bench$region" "$city_password")
    city_regions[$org]=$region
    if [ "$region" = 210100 ]; then shenyang_token=${city_tokens[$org]}; shenyang_org=$org; fi
  done < <(sql -F ' ' -c "SELECT id, region_code FROM organizations WHERE type = 'city' ORDER BY region_code")
}
