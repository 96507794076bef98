# Shared by the logging and offload benchmarks: a Release build, mosaicd processes on loopback
# ports, wrk runs and their numbers. Sourced, not run. build_release and free_port come from
# bench/common.sh.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
BUILD="${MOSAIC_BENCH_BUILD:-$ROOT/build-bench}"
# shellcheck source=../common.sh
source "$BENCH_DIR/../common.sh"
WORK="$(mktemp -d /tmp/mosaic-bench.XXXXXX)"
PIDS=()
# The machine may be shared (builds, other benchmarks): as root, the benchmark's own processes
# run at a higher priority so that others' work disturbs the comparison less. BENCH_NICE=0 turns
# that off.
BENCH_NICE=${BENCH_NICE:--10}
[ "$(id -u)" = 0 ] || BENCH_NICE=0
# A wrk run is bounded even if something wedges (the duration plus a minute).
bounded() { local secs=$1; shift; timeout "$((secs + 60))" "$@"; }

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted

need_tools() {
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
  command -v taskset >/dev/null || { echo "taskset is missing: apt-get install -y util-linux" >&2; exit 1; }
}

# write_config NAME PORT "LOGGING" "OFFLOAD" -> path of a mosaic.yaml in $WORK/NAME
write_config() {
  local name=$1 port=$2 logging=$3 offload=$4 dir="$WORK/$1"
  mkdir -p "$dir"
  cp "$BENCH_DIR"/pipelines/*.yaml "$dir/"
  cat >"$dir/mosaic.yaml" <<YAML
server:   { listen: 127.0.0.1:$port, threads: 128, queue: 1024 }
admin:    { listen: 127.0.0.1:0 }
plugins:  { paths: [$BUILD/plugins] }
logging:  $logging
offload:  $offload
downstreams:
  users:  { plugin: mock, timeout: 300ms, config: { latency: 1ms } }
  orders: { plugin: mock, timeout: 300ms, config: { latency: 2ms, fail_rate: 0.02 } }
  recs:   { plugin: mock, timeout: 2s,    config: { latency: 5ms } }
  big:    { plugin: mock, timeout: 2s }
pipelines: [dashboard.yaml, large.yaml]
YAML
  echo "$dir/mosaic.yaml"
}

# start_mosaicd CONFIG PORT CPUS -> waits until the port answers
start_mosaicd() {
  local config=$1 port=$2 cpus=$3
  # Not through a shell function: $! must be mosaicd itself (nice and taskset exec it).
  nice -n "$BENCH_NICE" taskset -c "$cpus" "$BUILD/bin/mosaicd" --config "$config" 2>>"$WORK/mosaicd.stderr" &
  LAST_PID=$!
  PIDS+=($LAST_PID)
  for _ in $(seq 1 100); do
    if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/dashboard/1"; then return 0; fi
    sleep 0.1
  done
  echo "mosaicd did not start on port $port; stderr:" >&2
  cat "$WORK/mosaicd.stderr" >&2
  exit 1
}

# wrk_run CPUS THREADS CONNECTIONS SECONDS URL [LUA] -> wrk's output on stdout
wrk_run() {
  local cpus=$1 threads=$2 conns=$3 secs=$4 url=$5 lua=${6:-}
  if [ -n "$lua" ]; then
    bounded "$secs" nice -n "$BENCH_NICE" taskset -c "$cpus" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$lua" "$url"
  else
    bounded "$secs" nice -n "$BENCH_NICE" taskset -c "$cpus" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$url"
  fi
}

# Numbers out of a wrk report.
rps_of() { awk '/^Requests\/sec:/ { print $2 }'; }
requests_of() { awk '/requests in/ { print $1 }'; }
non2xx_of() { awk '/Non-2xx or 3xx responses:/ { n = $5 } END { print n + 0 }'; }
# percentile line ("99%  12.34ms") in milliseconds
pct_ms_of() {
  local p=$1
  awk -v p="$p%" '$1 == p {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); gsub(/[a-z]/, "", v)
    if (unit == "us") v = v / 1000; else if (unit == "s") v = v * 1000; else if (unit == "m") v = v * 60000
    printf "%.3f\n", v }'
}

# CPU time (user + system) a process has used so far, in milliseconds.
cpu_ms_of_pid() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

# Share of CPU time (all cores) that was idle over the next 2 seconds, in percent.
idle_percent() {
  local a b
  a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  sleep 2
  b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%d\n", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}

# Between runs the benchmark's own processes are idle: waits (up to QUIET_WAIT seconds) until the
# machine is at least QUIET_IDLE% idle, so that a run does not start in the middle of somebody
# else's build. Prints the idle share it started at.
wait_for_quiet() {
  local waited=0 idle
  while :; do
    idle=$(idle_percent)
    if (( idle >= ${QUIET_IDLE:-85} || waited >= ${QUIET_WAIT:-0} )); then
      echo "${idle}% idle"
      return
    fi
    sleep 3
    waited=$((waited + 5))
  done
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
