#!/usr/bin/env bash
# Where a request's CPU goes, beyond what an instruction profile shows: mosaicd under the suite's
# load (the same downstream nginx, memcached, pinning and wrk as bench/run.sh), and per request
#   - user and system CPU time (utime and stime from /proc over the measured window),
#   - voluntary and involuntary context switches (summed over mosaicd's threads),
#   - the thread count at the end of the window,
#   - the same CPU time and switches by thread group (the threads' names: connection serves the
#     front-end connections, steps and background are the step pools, ...),
#   - with perf available, the system calls mosaicd made (syscalls:sys_enter_* tracepoints over a
#     second window of the same load).
# callgrind (bench/profile.sh) counts instructions and serializes threads: it does not see the
# kernel's share, nor what a hand-off between threads costs. This does.
#
#   bash bench/breakdown.sh dashboard        # or proxy, payload-100k...; CONNECTIONS=64 SECONDS_MEASURED=8
#   ROUNDS=3 bash bench/breakdown.sh dashboard
#
# MOSAIC_BENCH_BUILD names another build tree (bin/mosaicd and plugins/), to compare two builds.
set -euo pipefail
source "$(dirname "$0")/suite/lib.sh"

SCENARIO=${1:-dashboard}
CONNECTIONS=${CONNECTIONS:-64}
SECONDS_MEASURED=${SECONDS_MEASURED:-8}
ROUNDS=${ROUNDS:-1}
case $SCENARIO in
  dashboard) PIPELINE=dashboard.yaml PREFIX=/dashboard/ ;;
  proxy) PIPELINE=proxy.yaml PREFIX=/profile/ ;;
  payload-1k | payload-100k | payload-1m) PIPELINE=payload.yaml PREFIX=/payload/${SCENARIO#payload-}/ ;;
  *) echo "scenario: dashboard, proxy, payload-1k, payload-100k or payload-1m" >&2; exit 2 ;;
esac
suite_need_tools
suite_build

MEMCACHED_PORT=$(free_port)
start_memcached "$MEMCACHED_PORT" "${LOAD_CPU:-0-$(($(nproc) - 1))}"
start_downstream
start_mosaicd_for "$SCENARIO" "$PIPELINE" "${PREFIX}1"
BASE="http://127.0.0.1:$MOSAICD_PORT"

# utime stime (clock ticks) of the whole process; voluntary and involuntary switches of its threads
cpu_split() { sed 's/^.*) //' "/proc/$MOSAICD_PID/stat" | awk '{ print $12, $13 }'; }
switches() {
  cat /proc/"$MOSAICD_PID"/task/*/status 2>/dev/null |
    awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v, n }'
}
TICKS=$(getconf CLK_TCK)
# One line per thread: id, name, utime and stime (ticks), voluntary switches. A thread that
# leaves during the window drops out of the sums (the pools keep idle threads 30 s: rarely within
# a window).
by_thread() {
  local task
  for task in /proc/"$MOSAICD_PID"/task/*; do
    { read -r name <"$task/comm" &&
      ticks=$(sed 's/^.*) //' "$task/stat" | awk '{ print $12, $13 }') &&
      switches=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$task/status") &&
      echo "${task##*/} $name $ticks $switches"; } 2>/dev/null || true
  done
}

echo "warm-up" >&2
wrk_suite 2 "$CONNECTIONS" 3s "$BASE" "$PREFIX" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  cpu_before=$(cpu_split)
  cs_before=$(switches)
  by_thread >"$WORK/threads-before"
  report=$(wrk_suite 2 "$CONNECTIONS" "${SECONDS_MEASURED}s" "$BASE" "$PREFIX")
  cpu_after=$(cpu_split)
  cs_after=$(switches)
  by_thread >"$WORK/threads-after"
  requests=$(echo "$report" | requests_of)
  threads=$(find "/proc/$MOSAICD_PID/task" -mindepth 1 -maxdepth 1 | wc -l)
  awk -v a="$cpu_before $cs_before" -v b="$cpu_after $cs_after" -v n="$requests" -v hz="$TICKS" \
    -v rps="$(echo "$report" | rps_of)" -v p99="$(echo "$report" | pct_ms_of 99)" \
    -v threads="$threads" -v round="$round" 'BEGIN {
      split(a, x, " "); split(b, y, " ")
      printf "round %d: %.0f req/s, p99 %.1f ms, %d threads; per request: user %.1f us, system %.1f us, ", round, rps, p99, threads, (y[1] - x[1]) * 1e6 / hz / n, (y[2] - x[2]) * 1e6 / hz / n
      printf "%.2f voluntary and %.2f involuntary context switches\n", (y[3] - x[3]) / n, (y[4] - x[4]) / n
    }'
  # By thread group: threads present at both ends of the window (a new thread counts from 0).
  awk -v n="$requests" -v hz="$TICKS" '
    FNR == NR { user[$1] = $3; sys[$1] = $4; cs[$1] = $5; next }
    { group[$2] += 1; u[$2] += $3 - user[$1]; s[$2] += $4 - sys[$1]; sw[$2] += $5 - cs[$1] }
    END { for (g in group) printf "  %-16s %3d threads: user %6.1f us, system %6.1f us, %5.2f voluntary switches per request\n", g, group[g], u[g] * 1e6 / hz / n, s[g] * 1e6 / hz / n, sw[g] / n }' \
    "$WORK/threads-before" "$WORK/threads-after" | sort -k5 -rn
done

# grep reads perf's whole list: with -q it would stop early and fail the pipe (pipefail).
# shellcheck disable=SC2143
if command -v perf >/dev/null && [ -n "$(perf list 2>/dev/null | grep 'syscalls:sys_enter_futex')" ]; then
  events=""
  for call in futex recvfrom sendto sendmsg poll epoll_wait read write getpeername getsockname setsockopt; do
    events="$events,syscalls:sys_enter_$call"
  done
  wrk_suite 2 "$CONNECTIONS" "$((SECONDS_MEASURED + 3))s" "$BASE" "$PREFIX" >/dev/null &
  load=$!
  sleep 2
  # Requests served inside the counted window, from mosaicd's own counter.
  served() { curl -s "http://127.0.0.1:$MOSAICD_ADMIN/metrics" | awk '/^mosaic_requests_total/ { n += $NF } END { print n + 0 }'; }
  before=$(served)
  perf stat -x, -e "${events#,}" -p "$MOSAICD_PID" -- sleep "$SECONDS_MEASURED" 2>"$WORK/syscalls.csv" >/dev/null
  after=$(served)
  wait "$load"
  echo "system calls per request (perf, ${SECONDS_MEASURED} s, $((after - before)) requests):"
  awk -F, -v n="$((after - before))" \
    '$1 ~ /^[0-9]+$/ { sub("syscalls:sys_enter_", "", $3); printf "  %-12s %6.2f\n", $3, $1 / n }' \
    "$WORK/syscalls.csv"
else
  echo "perf with syscall tracepoints is not available: no system call counts" >&2
fi
