# shellcheck shell=bash
# Sourced by scripts/test-sanitizers.sh and scripts/fuzz.sh. One clang tree serves both:
# ASan+UBSan on everything plus libFuzzer's coverage instrumentation (MOSAIC_FUZZ=ON), Debug at
# -O1. The whole test suite runs in it and the fuzz targets link from the same objects, so
# whichever script runs first builds what the other needs and CI compiles the project once more,
# not twice. Sets $asan_dir; configure_asan_tree makes sure the tree exists and is clang.

asan_dir=${MOSAIC_ASAN_DIR:-build-asan}

# clang, and compiler-rt (libFuzzer and the sanitizer runtimes): a recommendation of clang-14 only,
# so an install with --no-install-recommends lacks it. Quick when both are there.
install_clang() {
  local missing=()
  for p in clang libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

configure_asan_tree() {
  install_clang
  local generator=()
  if [[ -f $asan_dir/CMakeCache.txt ]]; then
    if ! grep -Eq '^CMAKE_CXX_COMPILER:[A-Z]+=.*clang\+\+' "$asan_dir/CMakeCache.txt"; then
      echo "$asan_dir was configured with another compiler than clang++: remove it first" >&2
      exit 1
    fi
  elif command -v ninja >/dev/null; then
    generator=(-G Ninja)
  fi
  CC=clang CXX=clang++ cmake -S . -B "$asan_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
    -DMOSAIC_FUZZ=ON -DMOSAIC_WERROR=ON -DMOSAIC_BUILD_BENCH=OFF >/dev/null
}
