#!/usr/bin/env bash
# Installs the Debian 12 packages Mosaic builds, tests and demos with (run as root).
# Quick when everything is already there: apt is only asked when a package is missing.
#   bash scripts/install-deps.sh           # build, tests, demo
#   bash scripts/install-deps.sh --bench   # and what the benchmarks drive (bench/run.sh, profiles)
set -euo pipefail

packages=(
  build-essential cmake pkg-config dpkg-dev
  libpoco-dev libyaml-cpp-dev libboost1.81-dev libboost-json1.81-dev
  libssl-dev openssl  # Poco NetSSL (https downstreams, TLS listener); tests make certificates
  libmemcached-dev memcached
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  curl python3
  python3-jsonschema python3-yaml python3-prometheus-client  # tests/schema, tests/ops
)
if [ "${1:-}" = --bench ]; then
  packages+=(nginx-light libnginx-mod-http-echo wrk util-linux valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
