#!/usr/bin/env bash
# Configures and builds into build/ (or $MOSAIC_BUILD_DIR). Warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${MOSAIC_BUILD_DIR:-build}
build_type=${MOSAIC_BUILD_TYPE:-RelWithDebInfo}
# /usr: the same tree is what scripts/package-check.sh packages.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_INSTALL_PREFIX=/usr -DMOSAIC_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
