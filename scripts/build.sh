#!/usr/bin/env bash
# Configures and builds into build/ (or $MOSAIC_BUILD_DIR). Warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${MOSAIC_BUILD_DIR:-build}
build_type=${MOSAIC_BUILD_TYPE:-RelWithDebInfo}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" -DMOSAIC_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
