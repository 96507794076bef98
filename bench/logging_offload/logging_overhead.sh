#!/usr/bin/env bash
# Benchmark (a): what default logging costs at full load.
#
# Two mosaicd (Release) serve the same dashboard-like pipeline (bench/logging_offload/pipelines):
# one with the default `logging:` (sample_rate 0.1, adaptive, access lines, writing to a file),
# one with `logging: { level: off }`. Both are pinned to CPU 1 and wrk to CPU 0, so the server
# is the bottleneck and the load generator does not steal its core. Runs alternate (A B, then
# B A, ...) for ROUNDS rounds of SECS seconds; the medians of requests/sec are compared.
#
#   bash bench/logging_offload/logging_overhead.sh            # ROUNDS=7 SECS=10 CONNS=64
#   ROUNDS=3 SECS=5 bash bench/logging_offload/logging_overhead.sh
#   QUIET_WAIT=600 QUIET_IDLE=85 ...   # each run first waits (up to 600 s) for a quiet machine
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-7}
SECS=${SECS:-10}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}

need_tools
build_release mosaicd mock

port_default=$(free_port)
port_off=$(free_port)
config_default=$(write_config logging-default "$port_default" "{ sink: \"file:$WORK/mosaic.log\" }" "{}")
config_off=$(write_config logging-off "$port_off" "{ level: off }" "{}")
start_mosaicd "$config_default" "$port_default" "$SERVER_CPU"
pid_default=$LAST_PID
start_mosaicd "$config_off" "$port_off" "$SERVER_CPU"
pid_off=$LAST_PID

url() { echo "http://127.0.0.1:$1/dashboard/42"; }
# run NAME PORT PID -> appends req/s to $WORK/NAME.rps and the server's CPU microseconds per
# request to $WORK/NAME.cpu (CPU per request is much less sensitive than req/s to whatever else
# the machine is doing).
run() {
  local out cpu_before cpu_after load
  load=$(wait_for_quiet)
  cpu_before=$(cpu_ms_of_pid "$3")
  out=$(wrk_run "$CLIENT_CPU" 1 "$CONNS" "$SECS" "$(url "$2")")
  cpu_after=$(cpu_ms_of_pid "$3")
  local rps non2xx requests cpu_us
  rps=$(rps_of <<<"$out")
  non2xx=$(non2xx_of <<<"$out")
  requests=$(requests_of <<<"$out")
  cpu_us=$(awk -v c=$((cpu_after - cpu_before)) -v n="$requests" 'BEGIN { printf "%.1f", c * 1000 / n }')
  echo "$rps" >>"$WORK/$1.rps"
  echo "$cpu_us" >>"$WORK/$1.cpu"
  printf '  %-8s %10s req/s  p99 %8s ms  %6s us CPU/request  non-2xx %s  (before: %s)\n' "$1" "$rps" \
    "$(pct_ms_of 99 <<<"$out")" "$cpu_us" "$non2xx" "$load"
}

echo "warm-up"
wrk_run "$CLIENT_CPU" 1 "$CONNS" 3 "$(url "$port_default")" >/dev/null
wrk_run "$CLIENT_CPU" 1 "$CONNS" 3 "$(url "$port_off")" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  if (( round % 2 )); then
    run default "$port_default" "$pid_default"
    run off "$port_off" "$pid_off"
  else
    run off "$port_off" "$pid_off"
    run default "$port_default" "$pid_default"
  fi
done

median_default=$(median <"$WORK/default.rps")
median_off=$(median <"$WORK/off.rps")
lines=$(wc -l <"$WORK/mosaic.log")
echo
echo "median req/s  default logging: $median_default   logging off: $median_off"
awk -v a="$median_default" -v b="$median_off" 'BEGIN { printf "throughput loss with default logging: %.2f%%\n", (1 - a / b) * 100 }'
# Paired by round (the two runs of a round are back to back): less sensitive to slow drifts.
paste "$WORK/default.rps" "$WORK/off.rps" | awk '{ printf "%.4f\n", $1 / $2 }' >"$WORK/ratio"
echo "median of per-round ratios (default / off): $(median <"$WORK/ratio")"
cpu_default=$(median <"$WORK/default.cpu")
cpu_off=$(median <"$WORK/off.cpu")
echo "median CPU per request  default logging: $cpu_default us   logging off: $cpu_off us"
awk -v a="$cpu_default" -v b="$cpu_off" 'BEGIN { printf "CPU cost of default logging: %+.2f%%\n", (a / b - 1) * 100 }'
echo "lines written by the default-logging server: $lines"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (+ uncommitted changes)')"
