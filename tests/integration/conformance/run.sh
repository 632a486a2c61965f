#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh CASES.py [ARGS...]: runs one conformance category (a cat_*.py file beside this script)
#   against a fresh wsscale-server started with --max-message-bytes 16777216, then checks that
#   the server survived every case and still drains and exits 0.
# Does not: judge any case itself (the Python file does, one line per case).
# Threads: n/a (one shell; the server and one Python client).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

HERE="$WSS_SOURCE_DIR/tests/integration/conformance"
export PYTHONDONTWRITEBYTECODE=1 # the case files import harness.py: no __pycache__ in the tree
SERVER="$WSS_BUILD_DIR/server/wsscale-server"
MAX_MESSAGE=16777216
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -f "$HERE/${1:?usage: run.sh CASES.py [ARGS...]}" ] || wss_fail "no such case file $1"

PORT=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm= \
  --max-message-bytes "$MAX_MESSAGE" --drain-delay 0s --drain-seconds 1 --log-level debug
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" ||
  wss_fail "server never became healthy"

if ! /usr/bin/python3 "$HERE/$1" --port "$PORT" "${@:2}"; then
  echo "---- last lines of the server log ----" >&2
  tail -n 40 "$WSS_TMP/server.log" >&2
  wss_fail "conformance cases in $1 failed"
fi
kill -0 "$SERVER_PID" 2>/dev/null || wss_fail "the server died during $1"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || wss_fail "server exited $? after SIGTERM"
echo "PASS conformance $1"
