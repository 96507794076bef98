# shellcheck shell=bash
# Shared by bench/run.sh and bench/profile.sh: the Release build, the suite's nginx (downstream and
# proxy), memcached and one mosaicd per scenario on loopback, and wrk runs over them. Sourced, not
# run. The generic helpers (start_memcached, wrk number parsing, median, cleanup of PIDS on exit,
# and free_port from bench/common.sh) come from bench/cache/lib.sh.
MOSAIC_BENCH_BUILD=${MOSAIC_BENCH_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build-release}
# shellcheck source=../cache/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cache/lib.sh"

SUITE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rmdir "$WORK" && WORK="$(mktemp -d /tmp/mosaic-suite.XXXXXX)"  # removed on exit all the same
ECHO_MODULE=${ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
# Where the contenders (mosaicd, nginx as a proxy) run, and where the load generator, the
# downstream nginx and memcached run; empty: not pinned.
SERVER_CPU=${SERVER_CPU-1}
LOAD_CPU=${LOAD_CPU-0}
PIN_SERVER=()
PIN_LOAD=()
[ -n "$SERVER_CPU" ] && PIN_SERVER=(taskset -c "$SERVER_CPU")
[ -n "$LOAD_CPU" ] && PIN_LOAD=(taskset -c "$LOAD_CPU")
trap 'exit 130' INT TERM  # so that cleanup (bench/cache/lib.sh) runs when interrupted

suite_need_tools() {
  local tool
  for tool in nginx wrk memcached taskset curl python3 cmake; do
    command -v "$tool" >/dev/null || {
      echo "$tool is missing: bash scripts/install-deps.sh --bench" >&2
      exit 1
    }
  done
  [ -f "$ECHO_MODULE" ] || {
    echo "no nginx echo module at $ECHO_MODULE: bash scripts/install-deps.sh --bench" >&2
    exit 1
  }
}

# mosaicd and the plugins, Release. An existing build directory keeps its configuration.
suite_build() {
  [ -n "${MOSAIC_BENCH_NO_BUILD:-}" ] && [ -x "$BUILD/bin/mosaicd" ] && return 0
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    local generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD/CMakeCache.txt" || {
    echo "$BUILD is not a Release build" >&2
    exit 1
  }
  nice -n 10 cmake --build "$BUILD" -j2 --target mosaicd http >/dev/null
}

wait_until_answers() {  # URL [TRIES]: until it answers with any status
  local _
  for _ in $(seq 1 "${2:-100}"); do
    if curl -s -o /dev/null --max-time 2 "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# fill TEMPLATE OUT NAME=VALUE...: copies TEMPLATE to OUT with every @NAME@ replaced.
fill() {
  local template=$1 out=$2 pair args=()
  shift 2
  for pair in "$@"; do args+=(-e "s|@${pair%%=*}@|${pair#*=}|g"); done
  sed "${args[@]}" "$template" >"$out"
}

nginx_worker_of() {  # MASTER_PID -> the pid of its (single) worker
  local _
  for _ in $(seq 1 50); do
    local worker
    worker=$(awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null || true)
    if [ -n "$worker" ]; then echo "$worker"; return 0; fi
    sleep 0.1
  done
  return 1
}

# The downstream: nginx with the suite's fixed bodies and the payload files.
# -> DOWNSTREAM_PORT, DOWNSTREAM_PID (master), DOWNSTREAM_WORKER
start_downstream() {
  mkdir -p "$WORK/nginx" "$WORK/www"
  chmod 755 "$WORK" "$WORK/nginx" "$WORK/www"
  local size
  for size in 1k:1024 100k:102400 1m:1048576; do
    python3 "$SUITE_DIR/make_payload.py" "${size#*:}" "$WORK/www/payload-${size%%:*}.json"
  done
  chmod 644 "$WORK"/www/*
  DOWNSTREAM_PORT=$(free_port)
  fill "$SUITE_DIR/nginx.conf" "$WORK/nginx/downstream.conf" "ECHO_MODULE=$ECHO_MODULE" \
    "WORK=$WORK" "PORT=$DOWNSTREAM_PORT"
  start_nginx downstream "$DOWNSTREAM_PORT" "${PIN_LOAD[@]}"
  # shellcheck disable=SC2034  # an output, like DOWNSTREAM_WORKER
  DOWNSTREAM_PID=$NGINX_PID
  DOWNSTREAM_WORKER=$NGINX_WORKER
}

# nginx as a reverse proxy in front of the downstream. -> PROXY_PORT, PROXY_PID, PROXY_WORKER
start_proxy() {
  PROXY_PORT=$(free_port)
  fill "$SUITE_DIR/nginx-proxy.conf" "$WORK/nginx/proxy.conf" "WORK=$WORK" "PORT=$PROXY_PORT" \
    "DOWNSTREAM_PORT=$DOWNSTREAM_PORT"
  start_nginx proxy "$PROXY_PORT" "${PIN_SERVER[@]}"
  # shellcheck disable=SC2034  # an output, like PROXY_WORKER
  PROXY_PID=$NGINX_PID
  PROXY_WORKER=$NGINX_WORKER
}

# start_nginx NAME PORT [PIN...]: nginx on $WORK/nginx/NAME.conf (its error log NAME.error.log),
# under PIN (taskset and its cpus) if given, until PORT answers. -> NGINX_PID (master), NGINX_WORKER
start_nginx() {
  local name=$1 port=$2
  shift 2
  "$@" nginx -p "$WORK/nginx" -c "$WORK/nginx/$name.conf" 2>>"$WORK/nginx/stderr" &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_until_answers "http://127.0.0.1:$port/profile/1" || {
    echo "nginx ($name) did not start:" >&2
    cat "$WORK/nginx/stderr" "$WORK/nginx/$name.error.log" >&2
    exit 1
  }
  NGINX_WORKER=$(nginx_worker_of "$NGINX_PID")
}

# write_mosaic_config NAME PIPELINE_FILE PORT ADMIN_PORT -> path of $WORK/mosaicd-NAME/mosaic.yaml
write_mosaic_config() {
  local name=$1 pipeline=$2 port=$3 admin=$4 dir="$WORK/mosaicd-$1"
  mkdir -p "$dir"
  cp "$SUITE_DIR/pipelines/$pipeline" "$dir/"
  fill "$SUITE_DIR/mosaic.yaml" "$dir/mosaic.yaml" "PORT=$port" "ADMIN_PORT=$admin" \
    "PLUGINS=$BUILD/plugins" "MEMCACHED_PORT=$MEMCACHED_PORT" "NAME=$name" \
    "DOWNSTREAM_PORT=$DOWNSTREAM_PORT" "PIPELINE=$pipeline"
  echo "$dir/mosaic.yaml"
}

# start_mosaicd_for NAME PIPELINE_FILE PROBE_PATH [WRAPPER...] -> MOSAICD_PORT, MOSAICD_ADMIN,
# MOSAICD_PID. WRAPPER (e.g. valgrind and its options) runs mosaicd under it.
start_mosaicd_for() {
  local name=$1 pipeline=$2 probe=$3 config
  shift 3
  MOSAICD_PORT=$(free_port)
  MOSAICD_ADMIN=$(free_port)
  config=$(write_mosaic_config "$name" "$pipeline" "$MOSAICD_PORT" "$MOSAICD_ADMIN")
  "${PIN_SERVER[@]}" "$@" "$BUILD/bin/mosaicd" --config "$config" 2>>"$WORK/mosaicd-$name/stderr" &
  MOSAICD_PID=$!
  PIDS+=("$MOSAICD_PID")
  if ! wait_until_answers "http://127.0.0.1:$MOSAICD_PORT$probe" 600 || ! kill -0 "$MOSAICD_PID" 2>/dev/null; then
    echo "mosaicd ($name) did not start:" >&2
    cat "$WORK/mosaicd-$name/stderr" >&2
    exit 1
  fi
}

# CPU time a process has used so far (user + system, all its threads), in clock ticks. The fields
# are counted after the command name, which may hold spaces.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
vm_hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
requests_of() { awk '/requests in/ { print $1 }'; }

# Share of both cores busy over the next 2 seconds, in percent (the suite's own processes idle:
# what the rest of the machine is doing).
busy_percent() {
  local a b
  a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  sleep 2
  b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%d\n", 100 - 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}

# wrk_suite THREADS CONNECTIONS DURATION URL_BASE PREFIX -> wrk's report. GET PREFIX<id>, ids
# uniform over 1..1000 (users.lua); at nice 10 so that the downstream sharing its core is served
# first; bounded by the duration plus a minute.
wrk_suite() {
  local threads=$1 conns=$2 duration=$3 base=$4 prefix=$5
  BENCH_PREFIX=$prefix timeout "$((${duration%s} + 60))" nice -n 10 "${PIN_LOAD[@]}" \
    wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$SUITE_DIR/users.lua" "$base${prefix}1"
}
