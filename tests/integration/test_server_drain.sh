#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_server_drain.sh: SIGTERM with 200 clients connected: /readyz 503 within 100 ms, accepting
#   through --drain-delay, every client closed with 1001 "going away", the closes spread evenly
#   over --drain-seconds, the shm counter marked draining, and exit 0 once the last is gone.
# Does not: test reconnecting clients or the load generator (later issues).
# Threads: n/a (one shell; the server and one Python client).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
READER="$WSS_BUILD_DIR/tests/integration/shm_counter_read"
CLIENT=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/server_ws_client.py")
SHM="/wsscale-itest-drain-$$"
CLIENTS=200
DELAY_S=0.5
WINDOW_S=2
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
trap 'wss_cleanup; rm -f "/dev/shm$SHM"' EXIT

PORT=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm "$SHM" \
  --drain-delay 500ms --drain-seconds "$WINDOW_S"
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" || wss_fail "server never became healthy"

started=$SECONDS
"${CLIENT[@]}" drain --port "$PORT" --n "$CLIENTS" --pid "$SERVER_PID" --delay "$DELAY_S" \
  --window "$WINDOW_S" --shm "$SHM" --reader "$READER" || wss_fail "drain"
wait "$SERVER_PID" || wss_fail "server exited $? after the drain, want 0"
[ $((SECONDS - started)) -le 15 ] || wss_fail "the drain took $((SECONDS - started))s"
grep -q '"drain: accept stopped, closing connections"' "$WSS_TMP/server.log" ||
  wss_fail "no drain log line"
echo "PASS test_server_drain"
