# lib.sh: shared helpers for the integration test scripts (sourced, not run).
# Every wait polls a condition against a deadline; every process started is stopped on exit.

set -Eeuo pipefail
# A command that fails under set -e would end the test without a word: name it and where it was.
trap 'echo "FAIL: exit $? at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR

: "${WSS_BUILD_DIR:?run through ctest, which sets WSS_BUILD_DIR}"
: "${WSS_SOURCE_DIR:?run through ctest, which sets WSS_SOURCE_DIR}"

WSS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wsscale-test.XXXXXX")
WSS_PIDS=()

wss_cleanup() {
  local pid
  for pid in "${WSS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${WSS_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WSS_TMP"
}
trap wss_cleanup EXIT

# wss_start NAME CMD...: runs CMD in the background, logging to $WSS_TMP/NAME.log.
wss_start() {
  local name=$1
  shift
  "$@" >"$WSS_TMP/$name.log" 2>&1 &
  WSS_PIDS+=($!)
}

# wss_wait_until SECONDS CMD...: polls CMD every 50 ms until it succeeds; fails after SECONDS.
wss_wait_until() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "timed out after ${seconds}s waiting for: $*" >&2
      return 1
    fi
    sleep 0.05
  done
}

# wss_free_port: prints a TCP port on 127.0.0.1 that nothing listens on right now.
wss_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wss_fail MSG: prints MSG and fails the test.
wss_fail() {
  echo "FAIL: $*" >&2
  exit 1
}
