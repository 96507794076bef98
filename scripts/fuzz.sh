#!/usr/bin/env bash
# Builds the libFuzzer targets (MOSAIC_FUZZ=ON, clang 14, -fsanitize=fuzzer,address) into
# build-fuzz and runs each for FUZZ_SECONDS (default 30) from its seed corpus in
# tests/fuzz/corpus/<target>/ (new inputs go to build-fuzz/corpus/<target>/, crashes to
# build-fuzz/crashes/). Exits non-zero on the first crash. FUZZ_TARGETS limits the set.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"fuzz_config_loader fuzz_template fuzz_routing fuzz_json_body fuzz_http_response"}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
CC=clang CXX=clang++ cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMOSAIC_FUZZ=ON -DMOSAIC_BUILD_TESTS=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build build-fuzz -j "${JOBS:-$(nproc)}" --target $targets
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
for target in $targets; do
  mkdir -p "build-fuzz/corpus/$target"
  echo "== $target: ${seconds}s"
  status=0
  build-fuzz/bin/$target -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="build-fuzz/crashes/$target-" -print_final_stats=1 \
    "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target" >"build-fuzz/$target.log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units|SUMMARY)|ERROR" "build-fuzz/$target.log" || true
  [[ $status -eq 0 ]] || { echo "$target crashed: see build-fuzz/$target.log and build-fuzz/crashes/"; exit 1; }
done
