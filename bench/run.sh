#!/usr/bin/env bash
# The performance suite: Mosaic against nginx on loopback, every scenario, one command.
#
#   bash bench/run.sh                    # ROUNDS=3 DURATION=10s, results in bench/results/
#   bash bench/run.sh --quick            # ROUNDS=1 DURATION=3s WARMUP=1s: a smoke run
#   SCENARIOS="direct proxy" ROUNDS=5 bash bench/run.sh
#
# It builds mosaicd Release (build-release/, or MOSAIC_BENCH_BUILD; MOSAIC_BENCH_NO_BUILD=1 uses
# the binary as it is), then starts on loopback:
#   - the downstream: nginx, one worker, fixed JSON bodies of 0.3-1.5 KB per path, echo_sleep
#     delays for the background services, payload files (bench/suite/nginx.conf);
#   - nginx as a reverse proxy (proxy_pass, upstream keepalive; bench/suite/nginx-proxy.conf);
#   - memcached (the dashboard's cache);
#   - one mosaicd per scenario (bench/suite/mosaic.yaml + bench/suite/pipelines/), every downstream
#     being the nginx above through the `http` plugin.
# The contenders (mosaicd, the proxy nginx) are pinned to SERVER_CPU (1); wrk, the downstream
# nginx and memcached to LOAD_CPU (0), wrk at nice 10 (empty values: no pinning).
#
# Scenarios (SCENARIOS selects groups: direct proxy dashboard fanout chain payload):
#   direct-c1, direct-c64   wrk -> nginx /profile/<id>: the limit of one call on this machine
#   proxy-c1, proxy-c64     nginx proxy_pass vs a one-step pipeline, same path
#   dashboard               GET /dashboard/<id> at 64 connections (4 downstream calls a page)
#   fanout-2/6/12/24        N parallel steps, 16 connections
#   chain-4                 4 dependent steps, 16 connections
#   payload-1k/100k/1m      one step whose body is 1 KB/100 KB/1 MB, vs nginx direct, 16 connections
# wrk --latency draws user ids uniformly from 1..1000 (bench/suite/users.lua). Every scenario and
# contender runs once a round after a WARMUP, for DURATION; the order is reversed every other
# round so that a slow spell of a shared machine does not fall on one contender only. Per run:
# requests/s, p50/p90/p99, non-2xx, socket errors, CPU microseconds per request of the serving
# process (utime+stime from /proc over the measured window / requests; for mosaicd the whole
# process, background steps included), of the downstream nginx, and peak RSS (VmHWM).
#
# Writes bench/results/<date>.md (medians, ratios, targets) and <date>.json (every run, the
# medians, the ratios) (RESULTS_DIR to put them elsewhere; --quick runs end in -quick).
set -euo pipefail
source "$(dirname "$0")/suite/lib.sh"

QUICK=
[ "${1:-}" = --quick ] && QUICK=1
if [ -n "$QUICK" ]; then
  ROUNDS=${ROUNDS:-1}
  DURATION=${DURATION:-3s}
  WARMUP=${WARMUP:-1s}
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SCENARIOS=${SCENARIOS:-"direct proxy dashboard fanout chain payload"}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
DURATION=${DURATION%s}s
WARMUP=${WARMUP%s}s
[[ ${DURATION%s} =~ ^[0-9]+$ && ${WARMUP%s} =~ ^[0-9]+$ ]] || {
  echo "DURATION and WARMUP are whole seconds (10 or 10s)" >&2
  exit 2
}

selected() { [[ " $SCENARIOS " == *" $1 "* ]]; }

suite_need_tools
echo "building mosaicd (Release) in $BUILD" >&2
suite_build

MEMCACHED_PORT=$(free_port)
start_memcached "$MEMCACHED_PORT" "${LOAD_CPU:-0-$(($(nproc) - 1))}"
start_downstream
selected proxy && start_proxy

# One mosaicd per scenario, all started now and kept for every round (their caches and pools stay
# warm; an idle one costs nothing measurable). Peak RSS is then each scenario's own.
declare -A PORT ADMIN PID
add_mosaicd() {  # NAME PIPELINE PREFIX
  start_mosaicd_for "$1" "$2" "${3}1"
  PORT[$1]=$MOSAICD_PORT
  ADMIN[$1]=$MOSAICD_ADMIN
  PID[$1]=$MOSAICD_PID
}
selected proxy && add_mosaicd proxy proxy.yaml /profile/
selected dashboard && add_mosaicd dashboard dashboard.yaml /dashboard/
if selected fanout; then
  for n in 2 6 12 24; do add_mosaicd "fanout-$n" "fanout-$n.yaml" "/fanout/$n/"; done
fi
selected chain && add_mosaicd chain-4 chain-4.yaml /chain/4/
if selected payload; then
  for size in 1k 100k 1m; do add_mosaicd "payload-$size" payload.yaml "/payload/$size/"; done
fi

# The runs of one round, in order: SCENARIO CONTENDER CONNECTIONS PATH_PREFIX
RUNS=()
if selected direct || selected proxy || selected dashboard; then
  RUNS+=("direct-c1 nginx 1 /profile/")
  selected proxy && RUNS+=("proxy-c1 nginx-proxy 1 /profile/" "proxy-c1 mosaic 1 /profile/")
  RUNS+=("direct-c64 nginx 64 /profile/")
  selected proxy && RUNS+=("proxy-c64 nginx-proxy 64 /profile/" "proxy-c64 mosaic 64 /profile/")
fi
selected dashboard && RUNS+=("dashboard mosaic 64 /dashboard/")
if selected fanout; then
  for n in 2 6 12 24; do RUNS+=("fanout-$n mosaic 16 /fanout/$n/"); done
fi
selected chain && RUNS+=("chain-4 mosaic 16 /chain/4/")
if selected payload; then
  for size in 1k 100k 1m; do
    RUNS+=("payload-$size nginx 16 /payload/$size/" "payload-$size mosaic 16 /payload/$size/")
  done
fi

mkdir -p "$WORK/metrics"
SAMPLES="$WORK/samples.tsv"
printf 'round\tscenario\tcontender\tconns\trps\tp50_ms\tp90_ms\tp99_ms\trequests\tnon2xx\terrors\tcpu_us\tdownstream_cpu_us\trss_kb\tmetrics\n' >"$SAMPLES"
HZ=$(getconf CLK_TCK)

# run_one ROUND SCENARIO CONTENDER CONNS PREFIX: a warm-up, then the measured window.
run_one() {
  local round=$1 scenario=$2 contender=$3 conns=$4 prefix=$5 port pid admin="" tag out
  case $contender in
    nginx) port=$DOWNSTREAM_PORT pid=$DOWNSTREAM_WORKER ;;
    nginx-proxy) port=$PROXY_PORT pid=$PROXY_WORKER ;;
    mosaic)
      local instance=$scenario
      [[ $scenario == proxy-* ]] && instance=proxy
      port=${PORT[$instance]} pid=${PID[$instance]} admin=${ADMIN[$instance]}
      ;;
  esac
  local threads=2
  [ "$conns" -lt 2 ] && threads=1
  tag="r$round-$scenario-$contender"
  wrk_suite "$threads" "$conns" "$WARMUP" "http://127.0.0.1:$port" "$prefix" >/dev/null
  [ -n "$admin" ] && curl -s "http://127.0.0.1:$admin/metrics" >"$WORK/metrics/$tag.before"
  local cpu0 ds0 cpu1 ds1
  cpu0=$(cpu_ticks "$pid")
  ds0=$(cpu_ticks "$DOWNSTREAM_WORKER")
  out=$(wrk_suite "$threads" "$conns" "$DURATION" "http://127.0.0.1:$port" "$prefix")
  cpu1=$(cpu_ticks "$pid")
  ds1=$(cpu_ticks "$DOWNSTREAM_WORKER")
  local metrics=-
  if [ -n "$admin" ]; then
    curl -s "http://127.0.0.1:$admin/metrics" >"$WORK/metrics/$tag.after"
    metrics=$tag
  fi
  echo "$out" >"$WORK/metrics/$tag.wrk"
  local requests rps
  requests=$(echo "$out" | requests_of)
  rps=$(echo "$out" | rps_of)
  per_request() { awk -v t="$1" -v n="$requests" -v hz="$HZ" 'BEGIN { printf "%.1f", n ? t / hz * 1e6 / n : 0 }'; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$scenario" "$contender" \
    "$conns" "$rps" "$(echo "$out" | pct_ms_of 50)" "$(echo "$out" | pct_ms_of 90)" \
    "$(echo "$out" | pct_ms_of 99)" "$requests" "$(echo "$out" | non2xx_of)" "$(echo "$out" | errors_of)" \
    "$(per_request $((cpu1 - cpu0)))" "$(per_request $((ds1 - ds0)))" "$(vm_hwm_kb "$pid")" "$metrics" \
    >>"$SAMPLES"
  tail -1 "$SAMPLES" | awk -F'\t' '{ printf "  %-13s %-11s c%-3s %9s req/s  p50 %7s ms  p99 %8s ms  non-2xx %s  errors %s  cpu %s us/req\n",
    $2, $3, $4, $5, $6, $8, $10, $11, $12 }' >&2
}

START_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
ROUND_LOAD=()
for round in $(seq 1 "$ROUNDS"); do
  busy=$(busy_percent)
  ROUND_LOAD+=("$round $(cut -d' ' -f1-3 /proc/loadavg) $busy")
  echo "round $round/$ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg); machine ${busy}% busy before the round)" >&2
  order=("${RUNS[@]}")
  if [ $((round % 2)) = 0 ]; then
    order=()
    for ((i = ${#RUNS[@]} - 1; i >= 0; i--)); do order+=("${RUNS[$i]}"); done
  fi
  for entry in "${order[@]}"; do
    # shellcheck disable=SC2086
    run_one "$round" $entry
  done
done
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)

# Everything the report states about the run.
STAMP=$(date -u +%Y-%m-%d-%H%M)
[ -n "$QUICK" ] && STAMP="$STAMP-quick"
mkdir -p "$RESULTS_DIR"
python3 - "$WORK/meta.json" <<PY
import json, sys
rounds = []
for line in """$(printf '%s\n' "${ROUND_LOAD[@]}")""".strip().splitlines():
    r, l1, l5, l15, busy = line.split()
    rounds.append({"round": int(r), "loadavg": [float(l1), float(l5), float(l15)], "busy_percent_before": int(busy)})
json.dump({
    "commit": "$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)",
    "modified_files": int("$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)"),
    "started": "$START_DATE",
    "finished": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
    "quick": bool("$QUICK"),
    "settings": {"rounds": $ROUNDS, "duration_s": ${DURATION%s}, "warmup_s": ${WARMUP%s},
                 "server_cpu": "$SERVER_CPU", "load_cpu": "$LOAD_CPU", "users": 1000,
                 "scenarios": "$SCENARIOS", "build": "$BUILD"},
    "machine": {"cpus": $(nproc), "kernel": "$(uname -r)",
                "loadavg_start": [float(x) for x in "$LOADAVG_START".split()],
                "loadavg_end": [float(x) for x in "$LOADAVG_END".split()], "rounds": rounds},
    "versions": {"nginx": "$(nginx -v 2>&1 | sed 's/.*nginx\///')",
                 "wrk": "$(wrk -v 2>&1 | head -1 | awk '{ print $2 }')",
                 "memcached": "$(memcached -V | awk '{ print $2 }')",
                 "compiler": "$(awk -F= '/^CMAKE_CXX_COMPILER:/ { print $2 }' "$BUILD/CMakeCache.txt")"},
}, open(sys.argv[1], "w"), indent=1)
PY
python3 "$SUITE_DIR/report.py" "$WORK" "$RESULTS_DIR/$STAMP"
echo "results: $RESULTS_DIR/$STAMP.md and $RESULTS_DIR/$STAMP.json" >&2
