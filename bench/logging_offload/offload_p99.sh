#!/usr/bin/env bash
# Benchmark (b): small requests' p99 while 5% of requests carry a 5 MB downstream payload.
#
# One mosaicd (Release) per variant, pinned to CPU 1 (wrk on CPU 0):
#   offload on   offload: { threads: 1, threshold: 100KiB }: the 5 MB body is parsed on the pool
#   offload off  offload: { threshold: 1GiB }: the body is parsed on the request's own thread
# Two wrk runs at once, each connection paced (pace.lua): small requests to /dashboard (16
# connections, SMALL_DELAY ms between requests) and large ones to /catalog, whose downstream
# answers a 5 MB JSON body (LARGE_CONNS connections, LARGE_DELAY ms). The baseline is the same
# small load with no large requests. Rounds rotate the order; medians are reported.
#
#   bash bench/logging_offload/offload_p99.sh            # ROUNDS=5 SECS=15
#   QUIET_WAIT=600 QUIET_IDLE=85 ...   # each run first waits (up to 600 s) for a quiet machine
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-5}
SECS=${SECS:-15}
SMALL_CONNS=${SMALL_CONNS:-16}
SMALL_DELAY=${SMALL_DELAY:-30}
LARGE_CONNS=${LARGE_CONNS:-2}
LARGE_DELAY=${LARGE_DELAY:-55}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}

need_tools
build_release mosaicd mock

port_on=$(free_port)
port_off=$(free_port)
logging="{ sink: \"file:$WORK/mosaic.log\" }"
config_on=$(write_config offload-on "$port_on" "$logging" "{ threads: 1, threshold: 100KiB }")
config_off=$(write_config offload-off "$port_off" "$logging" "{ threshold: 1GiB }")
start_mosaicd "$config_on" "$port_on" "$SERVER_CPU"
start_mosaicd "$config_off" "$port_off" "$SERVER_CPU"

small() { DELAY_MS=$SMALL_DELAY wrk_run "$CLIENT_CPU" 1 "$SMALL_CONNS" "$SECS" "http://127.0.0.1:$1/dashboard/42" "$BENCH_DIR/pace.lua"; }
large() { DELAY_MS=$LARGE_DELAY wrk_run "$CLIENT_CPU" 1 "$LARGE_CONNS" "$SECS" "http://127.0.0.1:$1/catalog/7" "$BENCH_DIR/pace.lua"; }

# scenario NAME PORT WITH_LARGE
scenario() {
  local name=$1 port=$2 with_large=$3 small_out large_out="" load
  load=$(wait_for_quiet)
  if [ "$with_large" = yes ]; then
    large "$port" >"$WORK/large.out" &
    local large_pid=$!
    small_out=$(small "$port")
    wait "$large_pid"
    large_out=$(cat "$WORK/large.out")
  else
    small_out=$(small "$port")
  fi
  local p99 p50 n_small n_large=0 share="-" large_p99="-"
  p99=$(pct_ms_of 99 <<<"$small_out")
  p50=$(pct_ms_of 50 <<<"$small_out")
  n_small=$(requests_of <<<"$small_out")
  if [ -n "$large_out" ]; then
    n_large=$(requests_of <<<"$large_out")
    large_p99=$(pct_ms_of 99 <<<"$large_out")
    share=$(awk -v l="$n_large" -v s="$n_small" 'BEGIN { printf "%.1f%%", 100 * l / (l + s) }')
    echo "$large_p99" >>"$WORK/$name.large_p99"
    echo "$n_large" >>"$WORK/$name.large_n"
  fi
  echo "$p99" >>"$WORK/$name.p99"
  echo "$p50" >>"$WORK/$name.p50"
  printf '  %-9s small p50 %8s ms  p99 %8s ms  (%s small, %s large = %s)  large p99 %s ms  non-2xx %s  (before: %s)\n' \
    "$name" "$p50" "$p99" "$n_small" "$n_large" "$share" "$large_p99" "$(non2xx_of <<<"$small_out$large_out")" "$load"
}

echo "warm-up"
scenario warmup "$port_on" yes >/dev/null
scenario warmup "$port_off" yes >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  case $(( round % 3 )) in
    1) scenario baseline "$port_on" no; scenario off "$port_off" yes; scenario on "$port_on" yes ;;
    2) scenario on "$port_on" yes; scenario baseline "$port_on" no; scenario off "$port_off" yes ;;
    0) scenario off "$port_off" yes; scenario on "$port_on" yes; scenario baseline "$port_on" no ;;
  esac
done

base=$(median <"$WORK/baseline.p99")
on=$(median <"$WORK/on.p99")
off=$(median <"$WORK/off.p99")
echo
echo "median small-request p99: no large payloads $base ms | offload off $off ms | offload on $on ms"
awk -v b="$base" -v on="$on" -v off="$off" 'BEGIN { printf "ratio to no-large baseline: offload on %.2fx, offload off %.2fx\n", on / b, off / b }'
echo "median large-request p99: offload off $(median <"$WORK/off.large_p99") ms | offload on $(median <"$WORK/on.large_p99") ms"
echo "median large requests per run: offload off $(median <"$WORK/off.large_n") | offload on $(median <"$WORK/on.large_n")"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (+ uncommitted changes)')"
