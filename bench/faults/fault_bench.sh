#!/usr/bin/env bash
# Fault benchmark: one page (a critical step on `users`, a degradable step on `orders`, both
# `http` downstreams) against a real downstream, nginx from Debian on loopback, in five cases:
#
#   healthy              both answer (nginx `return 200`)
#   degradable hung      orders accepts and does not answer in time (echo_sleep 5 s; its timeout is
#                        200 ms): default resilience (bulkhead 64/64/50ms, breaker on)
#   degradable hung, bulkhead only   the same with `breaker: off` on orders: with the default
#                        bulkhead (64), and with `max_concurrent: 16, max_queue: 16`
#   degradable failing   orders answers 503 at once
#   critical failing     users answers 503 at once (every page is a 502, by design)
#
# For each case a fresh mosaicd (Release, pinned to SERVER_CPU, resilience settings left at their
# defaults except where named) is warmed up, then wrk --latency runs CONNS connections for SECS
# seconds on LOAD_CPU, beside nginx (one worker; wrk at nice 10 so that nginx is not starved).
# Printed per case: requests/s, p50, p99, the status mix (and how many pages were partial) and
# mosaicd's open file descriptors before the run, at its end, and one second after it.
#
#   bash bench/faults/fault_bench.sh                  # ROUNDS=3 SECS=10 CONNS=64
#   ROUNDS=1 SECS=5 CASES="healthy degradable_hung" bash bench/faults/fault_bench.sh
#
# Each case runs ROUNDS times (order reversed every other round, so a slow spell of a shared
# machine does not fall on one case only); the table at the end has the medians.
#
# Needs: nginx-light libnginx-mod-http-echo wrk (apt-get install -y nginx-light
# libnginx-mod-http-echo wrk), taskset, curl.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
BUILD="${MOSAIC_BENCH_BUILD:-$ROOT/build-bench-faults}"
# shellcheck source=../common.sh
source "$BENCH_DIR/../common.sh"  # build_release, free_port
WORK="$(mktemp -d /tmp/mosaic-fault-bench.XXXXXX)"
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
CASES=${CASES:-"healthy degradable_hung degradable_hung_bulkhead_only degradable_hung_bulkhead_16 degradable_failing critical_failing"}
ECHO_MODULE=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

for tool in nginx wrk taskset curl; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing (apt-get install -y nginx-light libnginx-mod-http-echo wrk util-linux curl)" >&2
    exit 1
  }
done
[ -f "$ECHO_MODULE" ] || { echo "no echo module at $ECHO_MODULE (apt-get install -y libnginx-mod-http-echo)" >&2; exit 1; }

build_release mosaicd http

wait_for() {  # URL: until it answers at all
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# --- nginx: fixed JSON, a 503, and a request that never gets an answer -----------------------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
chmod 755 "$WORK" "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<NGINX
load_module $ECHO_MODULE;
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    default_type application/json;
    location = /user   { return 200 '{"id":"42","name":"Ada Lovelace","segment":"gold"}'; }
    location = /orders { return 200 '[{"id":1,"total":12.5},{"id":2,"total":7}]'; }
    location = /fail   { return 503 '{"error":"unavailable"}'; }
    location = /hang   { echo_sleep 5; echo '{"late":true}'; }
  }
}
NGINX
taskset -c "$LOAD_CPU" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>>"$WORK/nginx/logs/stderr" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_for "http://127.0.0.1:$NGINX_PORT/user" || { echo "nginx did not start:"; cat "$WORK/nginx/logs/"*; exit 1; } >&2

# --- mosaicd per case -------------------------------------------------------------------------
write_config() {  # NAME PORT ADMIN_PORT ORDERS_EXTRA -> mosaic.yaml path
  local dir="$WORK/$1" port=$2 admin=$3 extra=$4
  mkdir -p "$dir"
  cp "$BENCH_DIR"/pipelines/*.yaml "$dir/"
  cat >"$dir/mosaic.yaml" <<YAML
server:   { listen: 127.0.0.1:$port, threads: 128, queue: 1024 }
admin:    { listen: 127.0.0.1:$admin }
plugins:  { paths: [$BUILD/plugins] }
logging:  { level: off }
downstreams:
  users:
    plugin: http
    timeout: 300ms
    config: { base_url: "http://127.0.0.1:$NGINX_PORT", max_connections: 128 }
  orders:
    plugin: http
    timeout: 200ms
    config: { base_url: "http://127.0.0.1:$NGINX_PORT", max_connections: 128 }
$extra
pipelines: [healthy.yaml, degradable_hung.yaml, degradable_failing.yaml, critical_failing.yaml]
YAML
  echo "$dir/mosaic.yaml"
}

fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rps_of() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }'; }
errors_of() { awk '/Socket errors:/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }'; }
status_of() { awk '/^STATUS/ { $1 = ""; sub(/^ /, ""); print }'; }
pct_ms_of() {  # a wrk --latency percentile line ("99%  12.34ms") in milliseconds
  awk -v p="$1%" '$1 == p {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); gsub(/[a-z]/, "", v)
    if (unit == "us") v = v / 1000; else if (unit == "s") v = v * 1000; else if (unit == "m") v = v * 60000
    printf "%.2f\n", v }'
}

declare -A URL EXTRA
URL[healthy]=/healthy/42
URL[degradable_hung]=/degradable-hung/42
URL[degradable_hung_bulkhead_only]=/degradable-hung/42
URL[degradable_hung_bulkhead_16]=/degradable-hung/42
URL[degradable_failing]=/degradable-failing/42
URL[critical_failing]=/critical-failing/42
EXTRA[degradable_hung_bulkhead_only]="    breaker: off"
EXTRA[degradable_hung_bulkhead_16]="    breaker: off
    bulkhead: { max_concurrent: 16, max_queue: 16 }"

resilience_of() {  # ADMIN_PORT
  curl -s "http://127.0.0.1:$1/metrics" | awk '
    /^mosaic_breaker_transitions_total\{downstream="(orders|users)",to="open"\}/ { open += $2 }
    /^mosaic_bulkhead_shed_total\{downstream="(orders|users)"/ { shed += $2 }
    /^mosaic_breaker_rejected_total\{downstream="(orders|users)"\}/ { rejected += $2 }
    /^mosaic_step_calls_total\{downstream="orders",outcome="timeout"\}/ { timeouts += $2 }
    /^mosaic_step_calls_total\{downstream="users",outcome=/ && !/outcome="ok"/ && $2 > 0 {
      split($1, parts, "outcome=\""); sub(/".*/, "", parts[2]); users = users " " parts[2] ":" $2 }
    END { printf "breaker opened %d, circuit_open %d, shed %d, orders timeouts %d, users failures:%s",
                 open, rejected, shed, timeouts, users == "" ? " 0" : users }'
}

# start_mosaicd NAME EXTRA -> PORT, ADMIN, PID (a taken port is retried with another one)
start_mosaicd() {
  local name=$1 extra=$2 config attempt
  for attempt in 1 2 3; do
    PORT=$(free_port)
    ADMIN=$(free_port)
    config=$(write_config "$name" "$PORT" "$ADMIN" "$extra")
    taskset -c "$SERVER_CPU" "$BUILD/bin/mosaicd" --config "$config" 2>>"$WORK/mosaicd.stderr" &
    PID=$!
    PIDS+=("$PID")
    if wait_for "http://127.0.0.1:$PORT/healthy/42" && kill -0 "$PID" 2>/dev/null; then return 0; fi
    kill "$PID" 2>/dev/null || true
  done
  echo "mosaicd did not start:" >&2
  cat "$WORK/mosaicd.stderr" >&2
  exit 1
}

declare -A RPS P50 P99 MIX FDS RES
run_case() {  # NAME: one run, printed as it ends and kept for the medians
  local name=$1 url out before at_end after mix errors rps p50 p99
  start_mosaicd "$name" "${EXTRA[$name]:-}"
  url="http://127.0.0.1:$PORT${URL[$name]}"
  nice -n 10 taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d2s "$url" >/dev/null  # warm: threads, pools
  sleep 1
  before=$(fds "$PID")
  out=$(nice -n 10 taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$BENCH_DIR/status.lua" "$url")
  at_end=$(fds "$PID")
  sleep 1
  after=$(fds "$PID")
  mix="$(echo "$out" | status_of)"
  errors=$(echo "$out" | errors_of)
  [ "$errors" = 0 ] || mix="$mix socket_errors:$errors"
  rps=$(echo "$out" | rps_of)
  p50=$(echo "$out" | pct_ms_of 50)
  p99=$(echo "$out" | pct_ms_of 99)
  RPS[$name]+="$rps "
  P50[$name]+="$p50 "
  P99[$name]+="$p99 "
  MIX[$name]+="[$mix] "
  FDS[$name]+="$before/$at_end/$after "
  RES[$name]="$(resilience_of "$ADMIN")"
  printf "%-30s %7s %9s %9s  %-34s %-12s %s\n" "$name" "$rps" "$p50" "$p99" "$mix" "$before/$at_end/$after" \
    "${RES[$name]}" >&2
  [ -z "${VERBOSE:-}" ] || echo "$out" >&2
  kill "$PID" && wait "$PID" 2>/dev/null || true
}

echo "each run: case, req/s, p50 ms, p99 ms, status mix, mosaicd fds before/end/+1s, resilience counters (warm-up included)" >&2
for round in $(seq 1 "$ROUNDS"); do
  order=$CASES
  [ $((round % 2)) = 1 ] || order=$(echo "$CASES" | tr ' ' '\n' | tac | tr '\n' ' ')
  for name in $order; do run_case "$name"; done
done

med() { echo "$1" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
echo "medians of $ROUNDS round(s) x ${SECS}s, $CONNS connections"
printf "%-30s %8s %8s %8s  %s\n" case "req/s" "p50 ms" "p99 ms" "status mix per run; mosaicd fds before/end/+1s per run; last run's counters"
for name in $CASES; do
  printf "%-30s %8s %8s %8s  %s; fds %s; %s\n" "$name" "$(med "${RPS[$name]}")" "$(med "${P50[$name]}")" \
    "$(med "${P99[$name]}")" "${MIX[$name]% }" "${FDS[$name]% }" "${RES[$name]}"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNS -d${SECS}s on cpu $LOAD_CPU with nginx (1 worker); mosaicd on cpu $SERVER_CPU;" \
  "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- engine plugins sdk 2>/dev/null || echo '+uncommitted')"
