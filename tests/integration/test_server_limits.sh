#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_server_limits.sh: what wsscale-server refuses: bad handshakes get the right HTTP status,
#   --max-message-bytes closes with 1009 (bad UTF-8 1007, reserved opcodes 1002), a room member
#   that stops reading is closed with 1008 without hurting the others, an echo client that stops
#   reading is no longer read (bounded memory) yet loses nothing, and --idle-timeout pings
#   and then drops a silent peer.
# Does not: test the codec case by case (its unit tests and fuzzers do) or the drain.
# Threads: n/a (one shell; the server and one Python client at a time).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
CLIENT=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/server_ws_client.py")
MAX_MESSAGE=1000
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"

PORT=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm= \
  --max-message-bytes "$MAX_MESSAGE" --max-send-buffer-bytes 65536 --idle-timeout 600ms
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" || wss_fail "server never became healthy"

"${CLIENT[@]}" handshakes --port "$PORT" || wss_fail "handshakes"
"${CLIENT[@]}" limits --port "$PORT" --max-message "$MAX_MESSAGE" || wss_fail "limits"
"${CLIENT[@]}" slow --port "$PORT" --max-message "$MAX_MESSAGE" || wss_fail "slow consumer"
"${CLIENT[@]}" backpressure --port "$PORT" --max-message "$MAX_MESSAGE" || wss_fail "echo backpressure"
"${CLIENT[@]}" idle --port "$PORT" --idle 0.6 || wss_fail "idle timeout"

rejected=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '$1 == "wsscale_server_rejected_requests_total" {print $2}')
[ "${rejected:-0}" -ge 10 ] || wss_fail "rejected requests counted: ${rejected:-none}, want >= 10"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || wss_fail "server exited $? after SIGTERM"
echo "PASS test_server_limits"
