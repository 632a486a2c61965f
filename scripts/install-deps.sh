#!/usr/bin/env bash
# install-deps.sh: installs every package wsscale needs to build, test and run its demo on Debian bookworm.
# Idempotent: asks apt only for what is missing, and runs `npm ci` only when the lock file changed.
# Usage: scripts/install-deps.sh [--tests]   (--tests adds what only the test suite needs)
set -euo pipefail

want_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (expected --tests)" >&2; exit 2 ;;
  esac
done

# What the programs need to build and run. libcurl is the GnuTLS flavour so that each program
# carries one TLS stack (libmicrohttpd uses GnuTLS too).
build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libcurl4-gnutls-dev libcjson-dev libyaml-dev
  libprotobuf-c-dev protobuf-c-compiler libgnutls28-dev nettle-dev libhiredis-dev gnuplot-nox
  prometheus jq openssl curl iproute2 python3)
# What only the tests, the sanitizer build and the fuzzers need.
# chromium: the headless browser of tests/js/browser.test.js (driven by npm's playwright-core).
# podman, buildah, runc: the images are built and the example pod is run offline (runc, because
# crun refuses this machine's hybrid cgroups; see packaging/containers.conf).
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev clang-format redis-server python3-websockets
  gnutls-bin chromium podman buildah runc)

pkgs=("${build_pkgs[@]}")
if [ "$want_tests" = 1 ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# JavaScript test helpers (real WebSocket clients, schema checks) have their own lock file.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$want_tests" = 1 ] && [ -f "$here/tests/js/package-lock.json" ]; then
  # Node 20 or later (playwright-core needs it) comes with the machine, npm with it.
  if ! command -v npm >/dev/null; then
    echo "install-deps.sh: npm not found; the JavaScript tests need Node.js 20 or later" >&2
    exit 1
  fi
  stamp="$here/tests/js/node_modules/.wsscale-lock"
  if ! cmp -s "$here/tests/js/package-lock.json" "$stamp" 2>/dev/null; then
    (cd "$here/tests/js" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$here/tests/js/package-lock.json" "$stamp"
  fi
fi
