#!/usr/bin/env bash
# The packaging check (run as root on Debian 12; it installs and purges packages on this machine):
# builds the mosaic and mosaic-sdk-dev .debs in a fresh Release tree, lints them, installs them
# with apt, runs the installed mosaicctl and mosaicd (as the unit would), builds the plugin
# template against the installed SDK and loads it, upgrades to version N+1 keeping an edited
# conffile, purges and checks that nothing is left behind. Runnable again on the same machine.
#
#   bash scripts/package-check.sh
# It builds from a snapshot of the working tree (git's tracked and untracked files) in
# $MOSAIC_PKG_BUILD_DIR/src, so that edits made while it runs cannot change what it packages.
# Env: MOSAIC_PKG_BUILD_DIR (default build-pkgcheck), MOSAIC_PKG_REUSE_BUILD=1 keeps the build
# tree instead of starting fresh (quicker when iterating on packaging/ only).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg_root=${MOSAIC_PKG_BUILD_DIR:-$root/build-pkgcheck}
src_dir=$pkg_root/src
build_dir=$pkg_root/build
work=$(mktemp -d /tmp/mosaic-pkgcheck.XXXXXX)
chmod 755 "$work"  # the mosaic user reads the template build and config from here
export DEBIAN_FRONTEND=noninteractive

passed=0
failed=0
pids=()
pass() { passed=$((passed + 1)); echo "package-check: PASS $*"; }
fail() { failed=$((failed + 1)); echo "package-check: FAIL $*" >&2; }
note() { echo "package-check: $*"; }
started_at=$SECONDS
finished=0
finish() {
  finished=1
  echo "package-check: took $((SECONDS - started_at))s"
  echo "package-check: $passed passed, $failed failed"
  if [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]; then exit 0; fi
  exit 1
}

cleanup() {
  local rc=$? pid
  if [ "$finished" = 0 ]; then  # stopped by an unexpected error or a signal
    failed=$((failed + 1))
    echo "package-check: FAIL aborted (status $rc)" >&2
    echo "package-check: $passed passed, $failed failed"
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
present() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -qv "not-installed"; }

# Starts a command in the background as the mosaic user, the way systemd runs ExecStart= with
# User=mosaic and NoNewPrivileges=yes; LimitNOFILE=65536 is applied with ulimit (or this
# machine's hard limit, when a container caps it lower). Sets $started_pid.
start_as_mosaic() {
  local log=$1
  shift
  (ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
   exec setpriv --reuid=mosaic --regid=mosaic --init-groups --no-new-privs -- "$@") \
    >"$log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}

# Waits until URL answers (any HTTP status) while PID lives; prints the body of a 200.
wait_for_url() {
  local url=$1 pid=$2 i
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -fsS --max-time 2 "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# SIGTERM drains and exits 0.
stop_gracefully() {
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null || return 1
  wait "$pid" || rc=$?
  local left=() p
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || left+=("$p"); done
  pids=("${left[@]}")
  return "$rc"
}

port_free() { ! curl -s --max-time 1 -o /dev/null "http://$1/" 2>/dev/null; }

# --- 0. tools and a clean starting point ---------------------------------------------------------
bash scripts/install-deps.sh
if ! command -v lintian >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends lintian >/dev/null
fi
for pkg in mosaic mosaic-sdk-dev; do
  if present "$pkg"; then
    note "purging $pkg left by an earlier run"
    apt-get purge -y -qq "$pkg" >/dev/null
  fi
done

# --- 1. build Release once and package ------------------------------------------------------------
# MOSAIC_PKG_FROM_BUILD=DIR packages an existing build tree (configured with
# CMAKE_INSTALL_PREFIX=/usr, as scripts/build.sh does) instead of building again: CI builds once.
if [ -n "${MOSAIC_PKG_FROM_BUILD:-}" ]; then
  build_dir=$(cd "$MOSAIC_PKG_FROM_BUILD" && pwd)
  rm -f "$build_dir"/*.deb
  note "packaging the existing build in $build_dir"
  if ! (cd "$build_dir" && cpack >"$work/cpack.log" 2>&1); then
    tail -n 40 "$work/cpack.log" >&2 || true
    fail "cpack"
    finish
  fi
else
if [ "${MOSAIC_PKG_REUSE_BUILD:-0}" != 1 ]; then rm -rf "$pkg_root"; fi
rm -rf "$src_dir" "$build_dir"/*.deb
mkdir -p "$src_dir" "$build_dir"
# tar keeps modification times, so a reused build tree only recompiles what changed.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    { tar --null --ignore-failed-read -T - -cf - 2>/dev/null || true; } | tar -xf - -C "$src_dir"
else
  tar --exclude='./build*' -cf - . | tar -xf - -C "$src_dir"
fi
# Debian's hardening flags, as dpkg-buildflags gives them to any package (-g and -O2 are left to
# the Release build type; the binaries are stripped anyway).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cxxflags="$(cd "$src_dir" && dpkg-buildflags --get CPPFLAGS) $(cd "$src_dir" && dpkg-buildflags --get CXXFLAGS | sed -E 's/(^| )-g( |$)/ /; s/(^| )-O2( |$)/ /')"
ldflags=$(dpkg-buildflags --get LDFLAGS)
note "building Release from a snapshot of $root into $build_dir"
if cmake -S "$src_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DMOSAIC_BUILD_TESTS=OFF \
     "-DCMAKE_CXX_FLAGS=$cxxflags" "-DCMAKE_EXE_LINKER_FLAGS=$ldflags" \
     "-DCMAKE_MODULE_LINKER_FLAGS=$ldflags" "-DCMAKE_SHARED_LINKER_FLAGS=$ldflags" >"$work/configure.log" 2>&1 &&
   cmake --build "$build_dir" -j"$(nproc)" >"$work/build.log" 2>&1 &&
   (cd "$build_dir" && cpack >"$work/cpack.log" 2>&1); then
  :
else
  cat "$work/configure.log" "$work/build.log" "$work/cpack.log" 2>/dev/null | tail -n 40 >&2 || true
  fail "build and cpack"
  finish
fi
fi
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
runtime_deb=$(ls "$build_dir"/mosaic_"$version"_*.deb 2>/dev/null || true)
sdk_deb=$(ls "$build_dir"/mosaic-sdk-dev_"$version"_*.deb 2>/dev/null || true)
depends=$(dpkg-deb -f "$runtime_deb" Depends 2>/dev/null || true)
if [ -f "$runtime_deb" ] && [ -f "$sdk_deb" ] && [[ $depends == *libc6* ]]; then
  pass "built $(basename "$runtime_deb") and $(basename "$sdk_deb") (Depends: $depends)"
else
  fail "expected mosaic_${version}_*.deb and mosaic-sdk-dev_${version}_*.deb with shlibdeps Depends (got '$depends')"
  finish
fi

# --- 2. lintian: no errors; warnings are listed (and justified in docs/install.md) -----------------
lintian --fail-on none "$runtime_deb" "$sdk_deb" 2>&1 | grep -v "running with root privileges" >"$work/lintian.log" || true
errors=$(grep -c '^E:' "$work/lintian.log" || true)
warnings=$(grep -c '^W:' "$work/lintian.log" || true)
sed 's/^/  lintian: /' "$work/lintian.log"
if [ "$errors" -eq 0 ]; then
  pass "lintian: 0 errors, $warnings warnings"
else
  fail "lintian: $errors errors"
fi

# --- 3. install with apt (pulls the dependencies) ---------------------------------------------------
if apt-get install -y -qq "$runtime_deb" "$sdk_deb" >"$work/apt-install.log" 2>&1 &&
   installed mosaic && installed mosaic-sdk-dev && getent passwd mosaic >/dev/null &&
   dpkg-query -W -f='${Conffiles}\n' mosaic | grep -q ' /etc/mosaic/mosaic.yaml ' &&
   dpkg-query -W -f='${Conffiles}\n' mosaic | grep -q ' /etc/mosaic/pipelines/' &&
   [ -x /usr/bin/mosaicd ] && [ -f /usr/lib/mosaic/plugins/mock.so ] && [ -f /usr/include/mosaic/sdk.hpp ] &&
   [ -f /lib/systemd/system/mosaic.service ]; then
  pass "apt-get install: packages installed, mosaic user created, /etc/mosaic files are conffiles"
else
  tail -n 20 "$work/apt-install.log" >&2 || true
  fail "apt-get install of the packages"
  finish
fi
if command -v systemd-analyze >/dev/null; then
  if systemd-analyze verify /lib/systemd/system/mosaic.service >"$work/verify.log" 2>&1; then
    pass "systemd-analyze verify mosaic.service"
  else
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify mosaic.service"
  fi
fi

# --- 4. the installed config validates ------------------------------------------------------------
if mosaicctl validate /etc/mosaic/mosaic.yaml; then
  pass "mosaicctl validate /etc/mosaic/mosaic.yaml"
else
  fail "mosaicctl validate /etc/mosaic/mosaic.yaml"
fi

# --- 5. mosaicd as the unit starts it, and its example endpoint ------------------------------------
read -r -a exec_start <<<"$(sed -n 's/^ExecStart=//p' /lib/systemd/system/mosaic.service)"
listen=$(sed -n 's/^ *listen: *\([0-9.]*:[0-9]*\).*/\1/p' /etc/mosaic/mosaic.yaml | head -1)
if ! port_free "$listen"; then
  fail "something already listens on $listen; cannot start the installed mosaicd"
else
  start_as_mosaic "$work/mosaicd.log" "${exec_start[@]}"
  pid=$started_pid
  body=$(wait_for_url "http://$listen/hello/Ada" "$pid" || true)
  if [[ $body == *'"message":"Hello, Ada!"'* ]] && [ "$(ps -o user= -p "$pid")" = mosaic ]; then
    pass "installed mosaicd (${exec_start[*]}) as user mosaic: GET /hello/Ada -> $body"
  else
    cat "$work/mosaicd.log" >&2
    fail "installed mosaicd did not answer GET http://$listen/hello/Ada as expected (got '$body')"
  fi
  # ExecReload= sends SIGHUP: the config is re-read and the endpoint keeps answering.
  kill -HUP "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do grep -qi reload "$work/mosaicd.log" && break; sleep 0.1; done
  body=$(wait_for_url "http://$listen/hello/Grace" "$pid" || true)
  if [[ $body == *'"message":"Hello, Grace!"'* ]] && grep -qi reload "$work/mosaicd.log"; then
    pass "mosaicd: SIGHUP (ExecReload) keeps it serving"
  else
    cat "$work/mosaicd.log" >&2
    fail "mosaicd after SIGHUP (got '$body')"
  fi
  if stop_gracefully "$pid"; then pass "mosaicd: SIGTERM drains and exits 0"; else fail "mosaicd: SIGTERM exit status"; fi
fi

# --- 6. the plugin template: plain cmake against the installed SDK, its own test -----------------
template=$work/plugin
cp -r /usr/share/mosaic/plugin-template "$template"
if (cmake -S "$template" -B "$template/build" &&
    cmake --build "$template/build" -j"$(nproc)" &&
    ctest --test-dir "$template/build" --output-on-failure) >"$work/template.log" 2>&1; then
  pass "plugin template builds against the installed SDK and its tests pass ($(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$work/template.log" | tail -1))"
else
  tail -n 40 "$work/template.log" >&2 || true
  fail "plugin template build or test"
fi

# --- 7. the template's plugin loaded into the installed mosaicd ------------------------------------
if [ -f "$template/build/greeting.so" ]; then
  config=$template/example/mosaic.yaml  # plugins.paths: [../build, /usr/lib/mosaic/plugins]
  plugin_listen=$(sed -n 's/^ *listen: *\([0-9.]*:[0-9]*\).*/\1/p' "$config" | head -1)
  if mosaicctl validate "$config" >"$work/validate-plugin.log" 2>&1 && port_free "$plugin_listen"; then
    start_as_mosaic "$work/mosaicd-plugin.log" /usr/bin/mosaicd --config "$config"
    pid=$started_pid
    body=$(wait_for_url "http://$plugin_listen/greet/Ada" "$pid" || true)
    if [[ $body == *'"greeting":"Welcome, Ada!"'* ]]; then
      pass "installed mosaicd loads the template's greeting.so: GET /greet/Ada -> $body"
    else
      cat "$work/mosaicd-plugin.log" >&2
      fail "GET http://$plugin_listen/greet/Ada through greeting.so (got '$body')"
    fi
    stop_gracefully "$pid" || true
  else
    cat "$work/validate-plugin.log" >&2
    fail "the template's example config does not validate, or $plugin_listen is taken"
  fi
else
  fail "no greeting.so to load"
fi

# --- 8. upgrade N -> N+1 keeps an edited conffile -------------------------------------------------
marker="# edited by package-check $$"
sed -i "s/config: { latency: 2ms }/config: { latency: 3ms }  $marker/" /etc/mosaic/mosaic.yaml
next="$version+pkgcheck1"
mkdir -p "$work/next"
if (cd "$build_dir" && cpack -D CPACK_PACKAGE_VERSION="$next" -B "$work/next") >"$work/cpack-next.log" 2>&1 &&
   apt-get install -y -qq -o Dpkg::Options::=--force-confold \
     "$work/next"/mosaic_"$next"_*.deb "$work/next"/mosaic-sdk-dev_"$next"_*.deb >"$work/apt-upgrade.log" 2>&1; then
  now=$(dpkg-query -W -f='${Version}' mosaic)
  if [ "$now" = "$next" ] && grep -qF "$marker" /etc/mosaic/mosaic.yaml &&
     mosaicctl validate /etc/mosaic/mosaic.yaml >/dev/null; then
    pass "upgrade $version -> $next kept the edit to /etc/mosaic/mosaic.yaml (and it still validates)"
  else
    fail "upgrade to $next: version is '$now' or the edit to /etc/mosaic/mosaic.yaml was lost"
  fi
else
  tail -n 20 "$work/cpack-next.log" "$work/apt-upgrade.log" >&2 || true
  fail "repackaging or installing version $next"
fi

# --- 9. purge leaves nothing behind (the mosaic user stays, as Debian policy advises) -------------
apt-get purge -y -qq mosaic mosaic-sdk-dev >"$work/apt-purge.log" 2>&1 || true
leftovers=()
for path in /usr/bin/mosaicd /usr/bin/mosaicctl /usr/lib/mosaic /usr/include/mosaic /usr/share/mosaic \
            /usr/share/cmake/MosaicSdk /usr/share/doc/mosaic /usr/share/doc/mosaic-sdk-dev /etc/mosaic \
            /lib/systemd/system/mosaic.service /etc/systemd/system/mosaic.service \
            /etc/systemd/system/multi-user.target.wants/mosaic.service /var/lib/mosaic /var/log/mosaic \
            /etc/logrotate.d/mosaic /usr/share/man/man1/mosaicd.1.gz; do
  if [ -e "$path" ] || [ -L "$path" ]; then leftovers+=("$path"); fi
done
if present mosaic || present mosaic-sdk-dev; then leftovers+=("dpkg still knows the packages"); fi
if [ ${#leftovers[@]} -eq 0 ]; then
  pass "apt-get purge removed everything (the mosaic system user stays, per Debian policy)"
else
  cat "$work/apt-purge.log" >&2
  fail "left behind after purge: ${leftovers[*]}"
fi

finish
