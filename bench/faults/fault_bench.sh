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
#   bash bench/faults/fault_bench.sh                  # SECS=10 CONNS=64
#   SECS=5 CASES="healthy degradable_hung" bash bench/faults/fault_bench.sh
#
# Needs: nginx-light libnginx-mod-http-echo wrk (apt-get install -y nginx-light
# libnginx-mod-http-echo wrk), taskset, curl.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
BUILD="${MOSAIC_BENCH_BUILD:-$ROOT/build-bench-faults}"
WORK="$(mktemp -d /tmp/mosaic-fault-bench.XXXXXX)"
SECS=${SECS:-10}
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

if [ ! -x "$BUILD/bin/mosaicd" ] || [ -z "${MOSAIC_BENCH_NO_BUILD:-}" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMOSAIC_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target mosaicd http >/dev/null
fi

free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

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
write_config() {  # NAME PORT ORDERS_EXTRA -> mosaic.yaml path
  local dir="$WORK/$1" port=$2 extra=$3
  mkdir -p "$dir"
  cp "$BENCH_DIR"/pipelines/*.yaml "$dir/"
  cat >"$dir/mosaic.yaml" <<YAML
server:   { listen: 127.0.0.1:$port, threads: 128, queue: 1024 }
admin:    { listen: 127.0.0.1:0 }
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
pct_of() {  # a wrk --latency percentile line, as printed ("99%  12.34ms")
  awk -v p="$1%" '$1 == p { print $2 }'
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

printf "%-32s %10s %9s %9s  %-40s %s\n" case "req/s" "p50" "p99" "status mix" "mosaicd fds before/end/+1s"
for name in $CASES; do
  port=$(free_port)
  config=$(write_config "$name" "$port" "${EXTRA[$name]:-}")
  taskset -c "$SERVER_CPU" "$BUILD/bin/mosaicd" --config "$config" 2>>"$WORK/mosaicd.stderr" &
  pid=$!
  PIDS+=("$pid")
  url="http://127.0.0.1:$port${URL[$name]}"
  wait_for "$url" || { echo "mosaicd did not start:" >&2; cat "$WORK/mosaicd.stderr" >&2; exit 1; }
  nice -n 10 taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d2s "$url" >/dev/null  # warm: threads, pools
  sleep 1
  before=$(fds "$pid")
  out=$(nice -n 10 taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$BENCH_DIR/status.lua" "$url")
  at_end=$(fds "$pid")
  sleep 1
  after=$(fds "$pid")
  mix="$(echo "$out" | status_of)"
  errors=$(echo "$out" | errors_of)
  [ "$errors" = 0 ] || mix="$mix socket_errors:$errors"
  printf "%-32s %10s %9s %9s  %-40s %s/%s/%s\n" "$name" "$(echo "$out" | rps_of)" "$(echo "$out" | pct_of 50)" \
    "$(echo "$out" | pct_of 99)" "$mix" "$before" "$at_end" "$after"
  [ -z "${VERBOSE:-}" ] || echo "$out" >&2
  kill "$pid" && wait "$pid" 2>/dev/null || true
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNS -d${SECS}s on cpu $LOAD_CPU with nginx (1 worker); mosaicd on cpu $SERVER_CPU;" \
  "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- engine plugins sdk 2>/dev/null || echo '+uncommitted')"
