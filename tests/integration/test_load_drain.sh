#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_load_drain.sh: the drain from the load's side. Two wsscale-server processes share one port
#   (SO_REUSEPORT); `wsscale-load --reconnect` holds 1,000 connections across both. SIGTERM to
#   one: its /readyz turns 503 within 100 ms, every client it held gets Close 1001 (the load's
#   close-code count equals the connections it held) and none sees an abrupt close or any other
#   error, the 1001s are spread over --drain-seconds, the drained server exits 0, and every
#   client reconnects to the other, whose /metrics climbs back to 1,000.
# Does not: test the server's own pacing in detail (test_server_drain.sh does).
# Threads: n/a (one shell; two servers, one load process, a Python probe).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
READER="$WSS_BUILD_DIR/tests/integration/shm_counter_read"
PROBE=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/load_readyz_probe.py")
for f in "$SERVER" "$LOAD" "$READER"; do
  [ -x "$f" ] || wss_fail "missing $f: build it first"
done
CONNS=1000
WINDOW_S=3
READY_LIMIT_MS=100
SHM_A="/wsscale-itest-load-a-$$"
SHM_B="/wsscale-itest-load-b-$$"
trap 'wss_cleanup; rm -f "/dev/shm$SHM_A" "/dev/shm$SHM_B"' EXIT

PORT=$(wss_free_port)
wss_start server-a "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm "$SHM_A" \
  --drain-delay 500ms --drain-seconds "$WINDOW_S"
A_PID=${WSS_PIDS[-1]}
wss_start server-b "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm "$SHM_B" \
  --drain-delay 0s --drain-seconds 1
wss_wait_until 10 "$READER" "$SHM_A" 5000 || wss_fail "server A did not start"
wss_wait_until 10 "$READER" "$SHM_B" 5000 || wss_fail "server B did not start"

# active SHM: the connections one server holds, from its shared-memory counter.
active() {
  "$READER" "$1" 5000 | awk -F= '$1 == "active" {print $2}'
}
total_is() {
  [ $(($(active "$SHM_A") + $(active "$SHM_B"))) = "$1" ]
}
metric_is() {
  [ "$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 == "websocket_connections" {print $2}')" = "$1" ]
}

wss_start load "$LOAD" --url "ws://127.0.0.1:$PORT/ws" --mode hold --connections "$CONNS" \
  --rate 2000 --reconnect --reconnect-backoff 200ms --duration 0 --json
LOAD_PID=${WSS_PIDS[-1]}
wss_wait_until 30 total_is "$CONNS" || wss_fail "servers hold $(active "$SHM_A")+$(active "$SHM_B"), want $CONNS"
HELD_A=$(active "$SHM_A")
[ "$HELD_A" -ge 250 ] && [ "$HELD_A" -le 750 ] ||
  wss_fail "SO_REUSEPORT gave server A $HELD_A of $CONNS connections"

READY_MS=$("${PROBE[@]}" --port "$PORT" --pid "$A_PID" --timeout-ms 2000) ||
  wss_fail "server A's /readyz never answered 503"
awk -v ms="$READY_MS" -v lim="$READY_LIMIT_MS" 'BEGIN {exit !(ms <= lim)}' ||
  wss_fail "/readyz turned 503 after $READY_MS ms, want <= $READY_LIMIT_MS"
wait "$A_PID" || wss_fail "server A exited $? after the drain, want 0"

# Only B listens now: its /metrics is the port's.
wss_wait_until 20 metric_is "$CONNS" || wss_fail "server B holds $(active "$SHM_B") after the drain, want $CONNS"
kill -INT "$LOAD_PID"
wait "$LOAD_PID" || wss_fail "the load exited $? (errors?): $(grep '^{' "$WSS_TMP/load.log")"
S=$(grep '^{' "$WSS_TMP/load.log") || wss_fail "no JSON summary: $(cat "$WSS_TMP/load.log")"
check() {
  jq -e --argjson held "$HELD_A" --argjson conns "$CONNS" --argjson w "$WINDOW_S" "$1" \
    <<<"$S" >/dev/null || wss_fail "want $1, summary: $S"
}
check '.close_codes["1001"].count == $held and (.close_codes | keys) == ["1001"]'
check '.errors.abrupt_close == 0 and .errors.total == 0 and .ok'
check '.reconnects == $held and .opened == $conns + $held and .open_at_stop == $conns'
check '.closed_by_server == $held and .closed_by_us == $conns'
# Spread: an even drain puts the 1001s across the window, the median near its middle.
check '.close_codes["1001"] | (.last_s - .first_s) >= 0.7 * $w and (.last_s - .first_s) <= $w + 0.5'
check '.close_codes["1001"] | (.p50_s - .first_s) >= 0.3 * $w and (.p50_s - .first_s) <= 0.7 * $w'
check '.close_codes["1001"] | (.p90_s - .p10_s) >= 0.6 * $w'
echo "PASS test_load_drain (A held $HELD_A, /readyz 503 after $READY_MS ms)"
