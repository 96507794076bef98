#!/usr/bin/env bash
# An instruction profile of mosaicd (valgrind --tool=callgrind) in one scenario of the performance
# suite, under a fixed load: the same downstream nginx, memcached and pipeline as bench/run.sh.
#
#   bash bench/profile.sh dashboard          # REQUESTS=2000 CONNECTIONS=8
#   bash bench/profile.sh proxy
#   PROFILE_OUT=/tmp/p REQUESTS=500 bash bench/profile.sh dashboard
#
# mosaicd starts under callgrind with instrumentation off; every user id is asked for once
# (warm-up: pools, connections, the dashboard's cache), then instrumentation goes on for exactly
# REQUESTS requests (bench/suite/fixed_load.py), and the profile is dumped. Written to PROFILE_OUT
# (default /tmp/mosaic-profile-SCENARIO): callgrind.out (open it with callgrind_annotate or
# kcachegrind), inclusive.txt and self.txt (the top functions by inclusive and by self cost).
# Callgrind counts instructions, so two runs of the same build agree closely even on a busy
# machine; it serializes threads, so it shows work, not waiting.
set -euo pipefail
source "$(dirname "$0")/suite/lib.sh"

SCENARIO=${1:-dashboard}
REQUESTS=${REQUESTS:-2000}
CONNECTIONS=${CONNECTIONS:-8}
PROFILE_OUT=${PROFILE_OUT:-/tmp/mosaic-profile-$SCENARIO}
case $SCENARIO in
  dashboard) PIPELINE=dashboard.yaml PREFIX=/dashboard/ ;;
  proxy) PIPELINE=proxy.yaml PREFIX=/profile/ ;;
  *) echo "scenario: dashboard or proxy" >&2; exit 2 ;;
esac
command -v valgrind >/dev/null || { echo "valgrind is missing: bash scripts/install-deps.sh --bench" >&2; exit 1; }
suite_need_tools
suite_build

MEMCACHED_PORT=$(free_port)
start_memcached "$MEMCACHED_PORT" "${LOAD_CPU:-0-$(($(nproc) - 1))}"
start_downstream
mkdir -p "$PROFILE_OUT"
start_mosaicd_for "$SCENARIO" "$PIPELINE" "${PREFIX}1" \
  valgrind --tool=callgrind --instr-atstart=no --fair-sched=yes --callgrind-out-file="$WORK/callgrind.out.%p"
echo "warm-up: every user once" >&2
python3 "$SUITE_DIR/fixed_load.py" "$MOSAICD_PORT" "$PREFIX" 1000 "$CONNECTIONS" >&2
sleep 1  # background steps of the warm-up finish
callgrind_control --instr=on "$MOSAICD_PID" >/dev/null
echo "profiled: $REQUESTS requests over $CONNECTIONS connections" >&2
# Under callgrind mosaicd runs tens of times slower: a call may now and then miss its timeout. The
# profile stays usable; the status counts say how many.
python3 "$SUITE_DIR/fixed_load.py" "$MOSAICD_PORT" "$PREFIX" "$REQUESTS" "$CONNECTIONS" >&2 ||
  echo "warning: not every answer was a 200 (see above)" >&2
sleep 1
callgrind_control --dump=profiled "$MOSAICD_PID" >/dev/null
# shellcheck disable=SC2012  # our own file names
dump=$(ls -t "$WORK"/callgrind.out.* | head -1)
cp "$dump" "$PROFILE_OUT/callgrind.out"
callgrind_annotate --inclusive=yes "$PROFILE_OUT/callgrind.out" >"$PROFILE_OUT/inclusive.txt"
callgrind_annotate "$PROFILE_OUT/callgrind.out" >"$PROFILE_OUT/self.txt"
echo "$PROFILE_OUT: callgrind.out, inclusive.txt, self.txt" >&2
head -40 "$PROFILE_OUT/inclusive.txt"
