#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz) for FUZZ_SECONDS (default 30) from its seeds in
# tests/fuzz/corpus/<target>/. The targets build in the clang ASan+UBSan tree that
# scripts/test-sanitizers.sh uses (scripts/sanitizer-tree.sh): after that script nothing is
# compiled here. Each target runs inside <tree>/fuzz/<target>/, so libFuzzer's files never land
# in the source tree: inputs it finds go to corpus/ there, a crash to crash-* there, its output
# to <tree>/fuzz/<target>.log. Every target runs; the exit status is non-zero if any failed.
#   FUZZ_SECONDS=600 FUZZ_TARGETS="fuzz_template" bash scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sanitizer-tree.sh
seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"fuzz_config_loader fuzz_template fuzz_routing fuzz_json_body fuzz_http_response fuzz_http_wire fuzz_json_span fuzz_json_text_check fuzz_request_head"}
configure_asan_tree
# shellcheck disable=SC2086
cmake --build "$asan_dir" -j "${JOBS:-$(nproc)}" --target $targets

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
source_dir=$PWD
failed=()
for target in $targets; do
  work="$asan_dir/fuzz/$target"
  mkdir -p "$work/corpus"
  dict=()
  [[ -f tests/fuzz/$target.dict ]] && dict=(-dict="$source_dir/tests/fuzz/$target.dict")
  echo "== $target: ${seconds} s"
  status=0
  (cd "$work" && "$source_dir/$asan_dir/bin/$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$PWD/" "${dict[@]}" \
    corpus "$source_dir/tests/fuzz/corpus/$target") >"$asan_dir/fuzz/$target.log" 2>&1 || status=$?
  grep -E "^Done|^stat::number_of_executed_units|^SUMMARY" "$asan_dir/fuzz/$target.log" || true
  echo "corpus: $(find "$work/corpus" -type f | wc -l) inputs found, $(find "tests/fuzz/corpus/$target" -type f | wc -l) seeds"
  if [[ $status -ne 0 ]]; then
    echo "$target FAILED ($status): see $asan_dir/fuzz/$target.log and $work/"
    failed+=("$target")
  fi
done
((${#failed[@]} == 0)) || { echo "fuzz targets failed: ${failed[*]}"; exit 1; }
