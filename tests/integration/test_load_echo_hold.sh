#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_load_echo_hold.sh: wsscale-load against wsscale-server: echo with timed messages gives a
#   sane RTT summary in parseable JSON and in text; the closed-loop benchmark (--in-flight 1)
#   keeps one message outstanding; hold mode from two source addresses holds exactly the
#   connections the server's /metrics reports, until SIGTERM closes them all cleanly; room mode
#   counts every delivery.
# Does not: test draining or reconnects (test_load_drain.sh) or bad servers (test_load_errors.sh).
# Threads: n/a (one shell; one server, one load process at a time).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -x "$LOAD" ] || wss_fail "missing $LOAD: build the wsscale-load target"

PORT=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$PORT" --threads 2 --shm= --drain-delay 0s \
  --drain-seconds 1
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" || wss_fail "server never became healthy"

metric() {
  curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'
}
# conns_are N: the server's websocket_connections gauge is N (re-read on every call).
conns_are() {
  [ "$(metric websocket_connections)" = "$1" ]
}
expect() {
  jq -e "$2" "$1" >/dev/null || wss_fail "$1: want $2, got $(jq -c . "$1")"
}

# Echo, timed: 200 connections, a message each every 100 ms for 3 s.
"$LOAD" --url "ws://127.0.0.1:$PORT/ws" --connections 200 --rate 2000 --message-interval 100ms \
  --payload-bytes 64 --duration 3s --json >"$WSS_TMP/echo.json" || wss_fail "echo run failed: $(cat "$WSS_TMP/echo.json")"
E="$WSS_TMP/echo.json"
expect "$E" '.ok == true and .mode == "echo" and .errors.total == 0'
expect "$E" '.opened == 200 and .open_at_stop == 200 and .closed_by_us == 200 and .connect_ms.count == 200'
# ~30 messages per connection; all but the few in flight at the stop are echoed and timed
expect "$E" '.messages.sent >= 3000 and .messages.sent <= 6400'
expect "$E" '.messages.received == .messages.sent and .rtt_ms.count == .messages.received'
expect "$E" '.messages.bytes_received == 64 * .messages.received'
expect "$E" '.rtt_ms.min > 0 and .rtt_ms.min <= .rtt_ms.p50 and .rtt_ms.p50 <= .rtt_ms.p90 and .rtt_ms.p90 <= .rtt_ms.p99 and .rtt_ms.p99 <= .rtt_ms.max and .rtt_ms.max < 1000'
expect "$E" '.connect_ms.p50 > 0 and .connect_ms.max < 5000'
expect "$E" '.duration_s >= 2.9 and .duration_s < 3.5 and .close_codes == {}'

# The same in text.
"$LOAD" --url "ws://127.0.0.1:$PORT/ws" --connections 10 --message-interval 50ms --duration 1s \
  >"$WSS_TMP/echo.txt" || wss_fail "text run failed"
grep -Eq '^  message RTT +p50 [0-9.]+  p90 [0-9.]+  p99 [0-9.]+  max [0-9.]+ ms  \(n=[0-9]+\)$' \
  "$WSS_TMP/echo.txt" || wss_fail "no RTT line: $(cat "$WSS_TMP/echo.txt")"
grep -q '^  result            ok$' "$WSS_TMP/echo.txt" || wss_fail "text result not ok"

# Closed loop: one message in flight per connection, the next sent as the echo arrives.
"$LOAD" --url "ws://127.0.0.1:$PORT/ws" --connections 20 --in-flight 1 --duration 1s --json \
  >"$WSS_TMP/bench.json" || wss_fail "in-flight run failed"
B="$WSS_TMP/bench.json"
expect "$B" '.ok == true and .messages.received >= 1000'
expect "$B" '.messages.sent - .messages.received <= 20 and .messages.sent >= .messages.received'

# Hold: 500 connections from two source addresses, counted by the server.
wss_start hold "$LOAD" --url "ws://127.0.0.1:$PORT/ws" --mode hold --connections 500 --rate 5000 \
  --source-addrs 127.0.0.2,127.0.0.3 --duration 0 --progress 200ms --json
LOAD_PID=${WSS_PIDS[-1]}
wss_wait_until 20 conns_are 500 ||
  wss_fail "server holds $(metric websocket_connections) connections, want 500"
by_source=$(ss -Htn state established "( dport = :$PORT )" | awk '{split($3, a, ":"); print a[1]}' |
  sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
[ "$by_source" = "127.0.0.2=250 127.0.0.3=250 " ] || wss_fail "connections by source: $by_source"
wss_wait_until 5 grep -q 'open 500/500' "$WSS_TMP/hold.log" || wss_fail "no progress line on stderr"
kill -TERM "$LOAD_PID"
wait "$LOAD_PID" || wss_fail "hold run exited $? after SIGTERM, want 0"
H=$(grep '^{' "$WSS_TMP/hold.log")
jq -e '.ok and .open_at_stop == 500 and .closed_by_us == 500 and .errors.total == 0 and .reconnects == 0' \
  <<<"$H" >/dev/null || wss_fail "hold summary: $H"
wss_wait_until 10 conns_are 0 ||
  wss_fail "server still holds $(metric websocket_connections) after the load stopped"

# Room: each message is delivered to all 10 members.
"$LOAD" --url "ws://127.0.0.1:$PORT/ws/rooms/load-test" --mode room --connections 10 \
  --message-interval 100ms --duration 2s --json >"$WSS_TMP/room.json" || wss_fail "room run failed"
R="$WSS_TMP/room.json"
expect "$R" '.ok == true and .messages.sent >= 100 and .delivery_ms.count == .messages.received'
expect "$R" '.messages.received >= 9 * .messages.sent and .messages.received <= 10 * .messages.sent'
echo "PASS test_load_echo_hold"
