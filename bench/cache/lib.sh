# Shared by the cache benchmarks: a Release build, mosaicd and memcached processes on loopback
# ports, wrk runs and their numbers. Sourced, not run. build_release and free_port come from
# bench/common.sh.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
BUILD="${MOSAIC_BENCH_BUILD:-$ROOT/build-bench-cache}"
# shellcheck source=../common.sh
source "$BENCH_DIR/../common.sh"
WORK="$(mktemp -d /tmp/mosaic-cache-bench.XXXXXX)"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    if [ -n "$pid" ]; then
      kill -CONT "$pid" 2>/dev/null || true
      kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    fi
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

need_tools() {
  local tool
  for tool in wrk taskset memcached curl python3 g++; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk util-linux memcached curl python3 g++)" >&2; exit 1; }
  done
}

# start_memcached PORT CPUS -> pid in MEMCACHED_PID
start_memcached() {
  local port=$1 cpus=$2 user=()
  [ "$(id -u)" = 0 ] && user=(-u nobody)
  taskset -c "$cpus" memcached -l 127.0.0.1 -p "$port" -U 0 -m 256 -c 4096 -t 1 "${user[@]}" >/dev/null 2>&1 &
  MEMCACHED_PID=$!
  PIDS+=("$MEMCACHED_PID")
  for _ in $(seq 1 50); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "memcached did not start on port $port" >&2
  exit 1
}

# write_config NAME PORT CACHE_YAML PIPELINE_DIR -> path of a mosaic.yaml in $WORK/NAME
write_config() {
  local name=$1 port=$2 cache=$3 pipelines=$4 dir="$WORK/$1"
  mkdir -p "$dir"
  cp "$BENCH_DIR/pipelines/$pipelines"/*.yaml "$dir/"
  cat >"$dir/mosaic.yaml" <<YAML
server:   { listen: 127.0.0.1:$port, threads: 128, queue: 1024 }
admin:    { listen: 127.0.0.1:0 }
plugins:  { paths: [$BUILD/plugins] }
logging:  { level: off }
cache:    $cache
downstreams:
  users:  { plugin: mock, timeout: 300ms, config: { latency: 1ms } }
  orders: { plugin: mock, timeout: 300ms, config: { latency: 2ms } }
  recs:   { plugin: mock, timeout: 2s,    config: { latency: 5ms } }
pipelines: [dashboard.yaml]
YAML
  echo "$dir/mosaic.yaml"
}

# start_mosaicd CONFIG PORT CPUS -> waits until the port answers; pid in MOSAICD_PID
start_mosaicd() {
  local config=$1 port=$2 cpus=$3
  taskset -c "$cpus" "$BUILD/bin/mosaicd" --config "$config" 2>>"$WORK/mosaicd.stderr" &
  MOSAICD_PID=$!
  PIDS+=("$MOSAICD_PID")
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/dashboard/1"; then return 0; fi
    sleep 0.1
  done
  echo "mosaicd did not start on port $port; stderr:" >&2
  cat "$WORK/mosaicd.stderr" >&2
  exit 1
}

stop_pid() {
  kill -CONT "$1" 2>/dev/null || true
  kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true
}

# wrk_run CPUS THREADS CONNECTIONS SECONDS URL -> wrk's report (users.lua spreads the user ids);
# at nice 10, so memcached sharing its core is not starved by the load generator.
wrk_run() {
  local cpus=$1 threads=$2 conns=$3 secs=$4 url=$5
  nice -n 10 taskset -c "$cpus" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$BENCH_DIR/users.lua" "$url"
}

rps_of() { awk '/^Requests\/sec:/ { print $2 }'; }
non2xx_of() { awk '/Non-2xx or 3xx responses:/ { n = $5 } END { print n + 0 }'; }
errors_of() { awk '/Socket errors:/ { gsub(",", ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }'; }
# a percentile line of wrk --latency ("99%  12.34ms") in milliseconds
pct_ms_of() {
  local p=$1
  awk -v p="$p%" '$1 == p {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); gsub(/[a-z]/, "", v)
    if (unit == "us") v = v / 1000; else if (unit == "s") v = v * 1000; else if (unit == "m") v = v * 60000
    printf "%.3f\n", v }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
