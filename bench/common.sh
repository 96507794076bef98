# shellcheck shell=bash
# Shared by the benchmark scripts: bench/cache/lib.sh (and so bench/suite/lib.sh),
# bench/logging_offload/lib.sh and bench/faults/fault_bench.sh. A Release build and free loopback
# ports. Sourced, not run. The sourcing script sets ROOT (the source tree) and BUILD (its build folder).

# build_release TARGET...: configures BUILD as Release without the tests and builds the TARGETs;
# with MOSAIC_BENCH_NO_BUILD set and a mosaicd already in BUILD, leaves the build as it is.
build_release() {
  if [ ! -x "$BUILD/bin/mosaicd" ] || [ -z "${MOSAIC_BENCH_NO_BUILD:-}" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMOSAIC_BUILD_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j2 --target "$@" >/dev/null
  fi
}

# A loopback port nothing listens on: random tries in 20000-60000 (at most 50), each a connect
# that must be refused.
free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}
