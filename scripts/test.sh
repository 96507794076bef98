#!/usr/bin/env bash
# The whole test suite: installs what is needed, builds once, runs every test (unit and
# integration; the tests start their own servers on loopback ports).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 300 -j2
