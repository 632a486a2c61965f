#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh TEST.js: runs one Node test file (node:test) in tests/js against a fresh wsscale-server on
#   loopback, passing its port as WSS_PORT, then checks the server still drains and exits 0.
# Does not: install anything: node_modules comes from `npm ci` (scripts/install-deps.sh --tests).
# Threads: n/a (one shell; the server and one node process).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

HERE="$WSS_SOURCE_DIR/tests/js"
SERVER="$WSS_BUILD_DIR/server/wsscale-server"
MAX_MESSAGE=1048576
TEST_TIMEOUT_MS=60000 # per test in the file
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -f "$HERE/${1:?usage: run.sh TEST.js}" ] || wss_fail "no such test file $1"
command -v node >/dev/null || wss_fail "node is not installed"
if [ ! -d "$HERE/node_modules/ws" ] || [ ! -d "$HERE/node_modules/playwright-core" ]; then
  wss_fail "tests/js/node_modules is missing: run scripts/install-deps.sh --tests"
fi

PORT=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm= \
  --max-message-bytes "$MAX_MESSAGE" --drain-delay 0s --drain-seconds 1
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" ||
  wss_fail "server never became healthy"

if ! WSS_PORT=$PORT WSS_MAX_MESSAGE_BYTES=$MAX_MESSAGE WSS_TMP=$WSS_TMP \
  node --test --test-timeout="$TEST_TIMEOUT_MS" "$HERE/$1"; then
  echo "---- last lines of the server log ----" >&2
  tail -n 40 "$WSS_TMP/server.log" >&2
  wss_fail "node tests in $1 failed"
fi
kill -0 "$SERVER_PID" 2>/dev/null || wss_fail "the server died during $1"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || wss_fail "server exited $? after SIGTERM"
echo "PASS $1"
