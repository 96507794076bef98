#!/usr/bin/env bash
# Sanitizer stage of CI (after scripts/test.sh):
#   1. ASan+UBSan (the asan preset's settings) build of everything in build-asan, whole ctest suite.
#   2. TSan build in build-tsan of the concurrency tests only (execution, downstream pools,
#      delivery, cache, logging, offload, resilience; reload through the integration binary).
# MOSAIC_SANITIZERS=asan|tsan|all (default all). Suppressions: tests/sanitizers/*.supp, each
# entry justified there by the third-party frame it names.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${MOSAIC_SANITIZERS:-all}
jobs=${JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
supp="$PWD/tests/sanitizers"
start=$(date +%s)

if [[ $which == all || $which == asan ]]; then
  cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DMOSAIC_SANITIZE=ON -DMOSAIC_WERROR=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_init_order=1:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp"
  (cd build-asan && ctest --output-on-failure --timeout 600 -j2)
  echo "asan+ubsan stage: $(( $(date +%s) - start )) s"
fi

if [[ $which == all || $which == tsan ]]; then
  t0=$(date +%s)
  cmake -S . -B build-tsan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOSAIC_TSAN=ON -DMOSAIC_WERROR=ON >/dev/null
  tsan_bins=(mosaic_execution_tests mosaic_downstream_tests mosaic_delivery_tests mosaic_cache_tests
             mosaic_logging_tests mosaic_offload_tests mosaic_resilience_tests)
  cmake --build build-tsan -j "$jobs" --target "${tsan_bins[@]}" mosaic_integration_tests
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
  for bin in "${tsan_bins[@]}"; do
    echo "== tsan: $bin"
    build-tsan/bin/$bin --gtest_brief=1
  done
  echo "== tsan: reload (integration)"
  build-tsan/bin/mosaic_integration_tests --gtest_brief=1 --gtest_filter='Reload*:*Shutdown*:*Drain*'
  echo "tsan stage: $(( $(date +%s) - t0 )) s"
fi
echo "sanitizers: $(( $(date +%s) - start )) s"
