#!/usr/bin/env bash
# Soak: the dashboard pipeline for REQUESTS requests (default 1,000,000) through mosaicd with wrk,
# against mock downstreams failing FAIL_RATE (10%) and hanging HANG_RATE (1%) of calls (a hung
# call ends at its timeout). Reports RSS after warm-up and at the end (growth %), open fds and
# threads before and after the load, and the status counts (5xx only from critical failures).
# Usage: REQUESTS=100000 bash bench/soak.sh [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
requests=${REQUESTS:-1000000}
connections=${CONNECTIONS:-32}
port=${PORT:-18480}
work=$(mktemp -d /tmp/mosaic-soak.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/pipelines"
cat >"$work/mosaic.yaml" <<YAML
server: { listen: 127.0.0.1:$port, threads: 64, queue: 256 }
admin: { listen: 127.0.0.1:$((port + 1)) }
logging: { level: warn }
plugins: { paths: [$PWD/$build/plugins] }
downstreams:
  users:
    plugin: mock
    timeout: 200ms
    config: { latency: 2ms, fail_rate: ${FAIL_RATE:-0.10}, hang_rate: ${HANG_RATE:-0.01} }
  auth:  # the same service under its own name, so that the critical step's outcomes are counted apart
    plugin: mock
    timeout: 200ms
    config: { latency: 2ms, fail_rate: ${FAIL_RATE:-0.10}, hang_rate: ${HANG_RATE:-0.01} }
pipelines: [pipelines/*.yaml]
YAML
cat >"$work/pipelines/dashboard.yaml" <<'YAML'
endpoint: GET /dashboard/{userId}
deadline: 1500ms
steps:
  auth:    { call: auth,  class: critical,   with: { body: { token: "t-${params.userId}" } } }
  profile: { call: users, class: degradable, with: { body: { name: "Ada" } } }
  orders:  { call: users, class: degradable, with: { body: [1, 2, 3] } }
  recs:    { call: users, class: background, with: { body: ["b-1"] } }
response:
  user: { auth: "${steps.auth}", profile: "${steps.profile}" }
  orders: "${steps.orders}"
YAML
"$build/bin/mosaicd" --config "$work/mosaic.yaml" 2>"$work/mosaicd.err" &
pid=$!
for _ in $(seq 100); do curl -fso /dev/null "http://127.0.0.1:$port/dashboard/1" 2>/dev/null && break; sleep 0.1; done
snapshot() {  # rss_kb fds threads
  echo "$(awk '/VmRSS/{print $2}' /proc/$pid/status) $(ls /proc/$pid/fd | wc -l) $(awk '/Threads/{print $2}' /proc/$pid/status)"
}
read -r rss0 fds0 threads0 < <(snapshot)
# wrk runs for a duration, not a request count (a Lua script that stops its thread after N
# requests leaves wrk waiting out the duration): a short probe measures the rate, then ONE wrk run
# covers the warm-up and the load, long enough for REQUESTS after the warm-up at that rate. One
# run, because restarting wrk is itself a burst: its new connections arrive while the calls of
# the old ones still hang (up to their 200 ms timeout), and the step pool grows threads for both;
# measured across a restart, that step in RSS says more about the restart than about the load.
script="$work/users.lua"
printf 'local n = 0\nrequest = function() n = n + 1; return wrk.format(nil, "/dashboard/" .. (n %% 1000)) end\n' >"$script"
probe_seconds=${PROBE_SECONDS:-10}
wrk -t2 -c"$connections" -d"${probe_seconds}s" --timeout 5s -s "$script" "http://127.0.0.1:$port" >"$work/probe.txt"
rate=$(awk '/^Requests\/sec:/ { print $2 }' "$work/probe.txt")
warm_seconds=${WARMUP_SECONDS:-30}
load_seconds=$(awk -v n="$requests" -v r="$rate" 'BEGIN { s = int(n / r * 1.05) + 1; print (s < 10 ? 10 : s) }')
start=$(date +%s)
# RSS and threads every 10 s: a leak grows with the requests, a working set levels off.
(while kill -0 "$pid" 2>/dev/null; do
   echo "$(( $(date +%s) - start )) $(awk '/VmRSS/{print $2}' /proc/$pid/status) $(awk '/Threads/{print $2}' /proc/$pid/status)"
   sleep 10
 done) >"$work/rss.txt" &
sampler=$!
wrk -t2 -c"$connections" -d"$((warm_seconds + load_seconds))s" --timeout 5s --latency -s "$script" \
  "http://127.0.0.1:$port" >"$work/load.txt" &
load=$!
sleep "$warm_seconds"
read -r rss1 fds1 threads1 < <(snapshot)
wait "$load"
elapsed=$(( $(date +%s) - start ))
kill "$sampler" 2>/dev/null || true
read -r rss2 _ _ < <(snapshot)
sleep "${SETTLE:-45}"  # idle pool threads leave after 30 s (collected every 5 s); connections close
read -r rss3 fds3 threads3 < <(snapshot)
statuses=$(grep -hE "Non-2xx|requests in|Socket errors" "$work/load.txt" || true)
echo "requests asked: $requests after the warm-up; made: $(awk '/requests in/ { print $1 }' "$work/load.txt") in ${elapsed}s, the first ${warm_seconds}s of which were the warm-up (probe: $rate req/s over ${probe_seconds}s), $connections connections"
echo "$statuses"
grep -A4 "Latency Distribution" "$work/load.txt" || true
echo "rss kB: start $rss0, after warm-up ($warm_seconds s into the load) $rss1, end of load $rss2, settled $rss3;" \
     "growth after warm-up $(awk -v a="$rss1" -v b="$rss2" 'BEGIN{printf "%.2f", (b-a)*100/a}')%"
echo "rss kB and threads during warm-up and load, every 10 s (seconds, rss, threads):" $(awk '{ printf "%s:%s/%s ", $1, $2, $3 }' "$work/rss.txt")
echo "fds: baseline $fds0 (after warm-up $fds1), settled $fds3; threads: baseline $threads0 (after warm-up $threads1), settled $threads3"
curl -s "http://127.0.0.1:$port/dashboard/1" -o /dev/null -w "still serving: %{http_code}\n"
# Every answer by status, and the critical step's calls by outcome: the 5xx must match the
# critical step's failures (502) and timeouts (504), nothing else.
echo "mosaicd's counters (warm-up and load together):"
curl -s "http://127.0.0.1:$((port + 1))/metrics" |
  grep -E '^mosaic_requests_total|^mosaic_step_calls_total\{downstream="auth"' | grep -v ' 0$' | sed 's/^/  /'

