#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_server_echo_rooms.sh: wsscale-server with two threads against real clients: echo of text
#   and binary up to 1 MiB, rooms delivered across threads, /metrics counting the open clients
#   (and clean under promtool), the shared-memory counter read back with counter.h, the chat page.
# Does not: test limits or the drain (test_server_limits.sh, test_server_drain.sh).
# Threads: n/a (one shell; the server and one Python client at a time).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
READER="$WSS_BUILD_DIR/tests/integration/shm_counter_read"
CLIENT=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/server_ws_client.py")
SHM="/wsscale-itest-rooms-$$"
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -x "$READER" ] || wss_fail "missing $READER: build the shm_counter_read target"
trap 'wss_cleanup; rm -f "/dev/shm$SHM"' EXIT

PORT=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm "$SHM" --log-level debug
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" || wss_fail "server never became healthy"

"${CLIENT[@]}" echo --port "$PORT" || wss_fail "echo"
# 20 members: SO_REUSEPORT spreads them over both threads (all on one: odds 2^-19).
"${CLIENT[@]}" rooms --port "$PORT" --n 20 || wss_fail "rooms"
"${CLIENT[@]}" metrics --port "$PORT" --n 7 --shm "$SHM" --reader "$READER" || wss_fail "metrics"

page=$(curl -sf "http://127.0.0.1:$PORT/") || wss_fail "GET / failed"
grep -q '/ws/rooms/' <<<"$page" || wss_fail "the chat page does not join a room"
[ "$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$PORT/")" = "text/html; charset=utf-8" ] ||
  wss_fail "the chat page is not served as HTML"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/missing")" = 404 ] ||
  wss_fail "an unknown path is not 404"
[ -z "$(curl -sI "http://127.0.0.1:$PORT/healthz" | tr -d '\r' | sed -n '/^$/,$p' | tail -n +2)" ] ||
  wss_fail "HEAD returned a body"

kill -INT "$SERVER_PID"
wait "$SERVER_PID" || wss_fail "server exited $? after SIGINT"
"$READER" "$SHM" 3000 | grep -qx state=stopped || wss_fail "shm state is not stopped after exit"
grep -q '"drained; exiting"' "$WSS_TMP/server.log" || wss_fail "no drain log line"
echo "PASS test_server_echo_rooms"
