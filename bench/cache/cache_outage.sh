#!/usr/bin/env bash
# Benchmark: memcached killed (SIGKILL) and frozen (SIGSTOP: it still accepts connections but
# never answers) under load, with the cached dashboard page on the memcached backend.
#
# mosaicd (Release) runs on SERVER_CPU; memcached and the load generator (bench/cache/loadgen.cpp,
# built here with g++, at nice 10 so memcached on the same core is not starved) on LOAD_CPU. The
# load runs SECS seconds over CONNS keep-alive connections; memcached fails at INCIDENT seconds. windows.py prints latency per 250 ms window, the normal p99,
# the p99 of the second starting one second after the incident, and the failed requests.
#
#   bash bench/cache/cache_outage.sh            # both modes; SECS=6 INCIDENT=2 CONNS=16 USERS=100
#   MODES=frozen bash bench/cache/cache_outage.sh
source "$(dirname "$0")/lib.sh"

MODES=${MODES:-"killed frozen"}
SECS=${SECS:-6}
INCIDENT=${INCIDENT:-2}
CONNS=${CONNS:-16}
USERS=${USERS:-100}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}

need_tools
build_release mosaicd mock
g++ -O2 -std=c++20 -o "$WORK/loadgen" "$BENCH_DIR/loadgen.cpp" -lPocoNet -lPocoFoundation -lpthread

for mode in $MODES; do
  mc_port=$(free_port)
  start_memcached "$mc_port" "$LOAD_CPU"
  port=$(free_port)
  config=$(write_config "outage-$mode" "$port" \
    "{ backend: memcached, servers: [127.0.0.1:$mc_port], timeout: 50ms, prefix: \"outage:\" }" cached)
  start_mosaicd "$config" "$port" "$SERVER_CPU"
  mosaicd_pid=$MOSAICD_PID
  # Warm: every user's page cached.
  nice -n 10 taskset -c "$LOAD_CPU" "$WORK/loadgen" "$port" 4 1 "$USERS" "$WORK/warm.csv"
  nice -n 10 taskset -c "$LOAD_CPU" "$WORK/loadgen" "$port" "$CONNS" "$SECS" "$USERS" "$WORK/$mode.csv" &
  load=$!
  sleep "$INCIDENT"
  if [ "$mode" = frozen ]; then kill -STOP "$MEMCACHED_PID"; else kill -KILL "$MEMCACHED_PID"; fi
  incident=$(date +%s%3N)
  wait "$load"
  echo
  echo "== memcached $mode at +${INCIDENT}s, $CONNS connections, $USERS users"
  python3 "$BENCH_DIR/windows.py" "$WORK/$mode.csv" "$incident"
  stop_pid "$MEMCACHED_PID"
  stop_pid "$mosaicd_pid"
done
