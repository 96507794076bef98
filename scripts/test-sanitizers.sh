#!/usr/bin/env bash
# Sanitizer stage of CI (after scripts/test.sh):
#   asan: the clang ASan+UBSan tree (scripts/sanitizer-tree.sh; the fuzz targets build in it too,
#         for scripts/fuzz.sh), the whole ctest suite run in it with leak detection.
#   tsan: build-tsan (clang, ThreadSanitizer), the concurrency tests only: execution, downstream
#         pools, delivery, cache, logging, offload, resilience, server (the admission gate), and
#         from the integration binary reload, drain, the connection guard and admission.
# MOSAIC_SANITIZERS=asan|tsan|all (default all). Suppressions: tests/sanitizers/*.supp, each
# entry justified there by the third-party frame it names.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitizer-tree.sh
which=${MOSAIC_SANITIZERS:-all}
jobs=${JOBS:-$(nproc)}
supp="$PWD/tests/sanitizers"
start=$(date +%s)

if [[ $which == all || $which == asan ]]; then
  configure_asan_tree
  cmake --build "$asan_dir" -j "$jobs"
  echo "asan+ubsan build: $(($(date +%s) - start)) s"
  t0=$(date +%s)
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_init_order=1:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  (cd "$asan_dir" && ctest --output-on-failure --timeout 600 -j2)
  echo "asan+ubsan ctest: $(($(date +%s) - t0)) s"
fi

if [[ $which == all || $which == tsan ]]; then
  t0=$(date +%s)
  install_clang
  generator=()
  [[ ! -f build-tsan/CMakeCache.txt ]] && command -v ninja >/dev/null && generator=(-G Ninja)
  CC=clang CXX=clang++ cmake -S . -B build-tsan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMOSAIC_TSAN=ON -DMOSAIC_WERROR=ON -DMOSAIC_BUILD_BENCH=OFF >/dev/null
  tsan_bins=(mosaic_execution_tests mosaic_downstream_tests mosaic_delivery_tests mosaic_cache_tests
             mosaic_logging_tests mosaic_offload_tests mosaic_resilience_tests mosaic_server_tests)
  cmake --build build-tsan -j "$jobs" --target "${tsan_bins[@]}" mosaic_integration_tests
  echo "tsan build: $(($(date +%s) - t0)) s"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"
  for bin in "${tsan_bins[@]}"; do
    echo "== tsan: $bin"
    "build-tsan/bin/$bin" --gtest_brief=1
  done
  # Reload (config and TLS files), drain and SIGTERM, the connection guard's watchdog thread, and
  # requests queued for a turn (server.max_active).
  echo "== tsan: reload, drain, connection guard, admission (integration)"
  build-tsan/bin/mosaic_integration_tests --gtest_brief=1 \
    --gtest_filter='Reload*:ListenerRenewal*:*Shutdown*:*Drain*:MosaicdProcess*:HostileClient*:Admission*'
  echo "tsan stage: $(($(date +%s) - t0)) s"
fi
echo "sanitizers: $(($(date +%s) - start)) s"
