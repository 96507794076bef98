#!/usr/bin/env bash
# Benchmark: the dashboard page (bench/cache/pipelines) with no cache, with the memory backend and
# with the memcached backend, at full load.
#
# Three mosaicd (Release, pinned to SERVER_CPU) serve the same page over mock downstreams (users
# 1 ms, orders 2 ms, recs 5 ms); the cached ones cache profile, orders and recs (auth stays live).
# wrk (and memcached) run on LOAD_CPU, spreading requests over USERS user ids. Runs alternate
# for ROUNDS rounds of SECS seconds; medians of requests/sec, p50 and p99 are printed, with
# the ratios to the uncached page.
#
#   bash bench/cache/cache_throughput.sh                 # ROUNDS=5 SECS=10 CONNS=64 USERS=100
#   ROUNDS=3 SECS=5 bash bench/cache/cache_throughput.sh
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
SECS=${SECS:-10}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
export USERS=${USERS:-100}

need_tools
build_release mosaicd mock

mc_port=$(free_port)
start_memcached "$mc_port" "$LOAD_CPU"

declare -A PORT CONFIG PID
PORT[none]=$(free_port)
CONFIG[none]=$(write_config none "${PORT[none]}" "{ backend: memory }" uncached)
PORT[memory]=$(free_port)
CONFIG[memory]=$(write_config memory "${PORT[memory]}" "{ backend: memory, max_bytes: 64MiB }" cached)
PORT[memcached]=$(free_port)
CONFIG[memcached]=$(write_config memcached "${PORT[memcached]}" \
  "{ backend: memcached, servers: [127.0.0.1:$mc_port], timeout: 50ms, prefix: \"bench:\" }" cached)

for name in none memory memcached; do
  start_mosaicd "${CONFIG[$name]}" "${PORT[$name]}" "$SERVER_CPU"
  PID[$name]=$MOSAICD_PID
done

# Only one mosaicd runs at a time: the others are stopped (SIGSTOP) so they cost nothing.
declare -A RPS P50 P99 BAD CPU
# CPU seconds (user + system) mosaicd used so far: a per-request cost that holds up even when
# other work shares the machine.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run_one() {
  local name=$1 other out before after requests
  for other in none memory memcached; do
    if [ "$other" = "$name" ]; then kill -CONT "${PID[$other]}"; else kill -STOP "${PID[$other]}"; fi
  done
  wrk_run "$LOAD_CPU" 1 16 2 "http://127.0.0.1:${PORT[$name]}/dashboard/1" >/dev/null  # warm the cache
  before=$(cpu_ticks "${PID[$name]}")
  out=$(wrk_run "$LOAD_CPU" 2 "$CONNS" "$SECS" "http://127.0.0.1:${PORT[$name]}/dashboard/1")
  after=$(cpu_ticks "${PID[$name]}")
  requests=$(echo "$out" | awk '/requests in/ { print $1 }')
  CPU[$name]+="$(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }') "
  RPS[$name]+="$(echo "$out" | rps_of) "
  P50[$name]+="$(echo "$out" | pct_ms_of 50) "
  P99[$name]+="$(echo "$out" | pct_ms_of 99) "
  BAD[$name]+="$(( $(echo "$out" | non2xx_of) + $(echo "$out" | errors_of) )) "
}

for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="none memory memcached"; else order="memcached memory none"; fi
  for name in $order; do run_one "$name"; done
  last() { echo "$1" | awk '{ print $NF }'; }
  echo "round $round: none $(last "${RPS[none]}") memory $(last "${RPS[memory]}") memcached $(last "${RPS[memcached]}") req/s" >&2
done
for other in none memory memcached; do kill -CONT "${PID[$other]}"; done

med() { echo "$1" | tr ' ' '\n' | grep -v '^$' | median; }
base_rps=$(med "${RPS[none]}")
base_p99=$(med "${P99[none]}")
echo
echo "dashboard page, $ROUNDS rounds x ${SECS}s, $CONNS connections, $USERS users, medians"
printf "%-10s %12s %10s %10s %14s %12s %12s %8s\n" cache "requests/s" "p50 ms" "p99 ms" "CPU us/page" "rps ratio" "p99 ratio" "non-2xx"
for name in none memory memcached; do
  rps=$(med "${RPS[$name]}"); p50=$(med "${P50[$name]}"); p99=$(med "${P99[$name]}"); cpu=$(med "${CPU[$name]}")
  bad=$(echo "${BAD[$name]}" | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')
  printf "%-10s %12s %10s %10s %14s %12s %12s %8s\n" "$name" "$rps" "$p50" "$p99" "$cpu" \
    "$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.2fx", a / b }')" \
    "$(awk -v a="$p99" -v b="$base_p99" 'BEGIN { printf "%.2fx", a / b }')" "$bad"
done
