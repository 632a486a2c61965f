#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_load_processes.sh: wsscale-load --processes against wsscale-server: 3 processes hold the
#   300 connections the server's /metrics reports, the parent shows their summed progress and one
#   merged JSON summary, and a ^C to its process group stops every child cleanly; an echo run
#   over 3 processes merges RTT and connect latencies; a child killed with SIGKILL is reported,
#   the others stop, and the parent exits 1 within a bounded time; the open-file check applies
#   per process; bad values exit 2 with one line naming the flag.
# Does not: test what one process does (test_load_echo_hold.sh) or reconnects (test_load_drain.sh).
# Threads: n/a (one shell; one server, one load run at a time).
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
conns_are() {
  [ "$(metric websocket_connections)" = "$1" ]
}
expect() {
  jq -e "$2" "$1" >/dev/null || wss_fail "$1: want $2, got $(jq -c . "$1")"
}
is_gone() {
  ! kill -0 "$1" 2>/dev/null
}
# children_are PID N: PID has exactly N child processes.
children_are() {
  [ "$(pgrep -c -P "$1")" = "$2" ]
}

# 1. Hold 300 over 3 processes, in a process group of its own, as a terminal would run it.
wss_start hold setsid "$LOAD" --url "ws://127.0.0.1:$PORT/ws" --mode hold --connections 300 \
  --processes 3 --rate 3000 --duration 0 --progress 200ms --json
LOAD_PID=${WSS_PIDS[-1]}
wss_wait_until 20 conns_are 300 ||
  wss_fail "server holds $(metric websocket_connections) connections, want 300"
[ "$(ps -o pgid= -p "$LOAD_PID" | tr -d ' ')" = "$LOAD_PID" ] || wss_fail "setsid did not make a group"
children_are "$LOAD_PID" 3 || wss_fail "want 3 load processes, have: $(pgrep -a -P "$LOAD_PID")"
for kid in $(pgrep -P "$LOAD_PID"); do
  n=$(ls "/proc/$kid/fd" | wc -l)
  [ "$n" -ge 100 ] && [ "$n" -lt 200 ] || wss_fail "child $kid has $n files open, want about 100"
done
[ "$(ls "/proc/$LOAD_PID/fd" | wc -l)" -lt 20 ] || wss_fail "the parent holds connections itself"
wss_wait_until 5 grep -q 'open 300/300  opened 300' "$WSS_TMP/hold.log" ||
  wss_fail "no summed progress line: $(cat "$WSS_TMP/hold.log")"
# ^C reaches the whole foreground group; the children have their own, so each is stopped once,
# by the parent, and closes cleanly (a doubled signal would force and drop the connections).
kill -INT -- "-$LOAD_PID"
wss_wait_until 20 is_gone "$LOAD_PID" || wss_fail "load did not stop after SIGINT"
wait "$LOAD_PID" || wss_fail "hold run exited $? after SIGINT, want 0"
grep '^{' "$WSS_TMP/hold.log" >"$WSS_TMP/hold.json"
H="$WSS_TMP/hold.json"
[ "$(wc -l <"$H")" = 1 ] || wss_fail "want one summary, got: $(cat "$H")"
expect "$H" '.ok and .processes == 3 and .processes_lost == 0 and .connections == 300'
expect "$H" '.opened == 300 and .attempts == 300 and .open_at_stop == 300 and .closed_by_us == 300'
expect "$H" '.errors.total == 0 and .close_codes == {}'
expect "$H" '.connect_ms.count == 300 and .connect_ms.min > 0 and .connect_ms.min <= .connect_ms.p50 and .connect_ms.p50 <= .connect_ms.p99 and .connect_ms.p99 <= .connect_ms.max and .connect_ms.max < 5000'
wss_wait_until 10 conns_are 0 || wss_fail "server still holds $(metric websocket_connections)"

# 2. Echo over 3 processes: every child's RTT samples end up in one merged histogram.
"$LOAD" --url "ws://127.0.0.1:$PORT/ws" --connections 60 --processes 3 --rate 600 \
  --message-interval 100ms --duration 2s --json >"$WSS_TMP/echo.json" ||
  wss_fail "echo run failed: $(cat "$WSS_TMP/echo.json")"
E="$WSS_TMP/echo.json"
expect "$E" '.ok and .opened == 60 and .closed_by_us == 60 and .connect_ms.count == 60'
expect "$E" '.messages.sent >= 900 and .messages.sent <= 1300 and .messages.received == .messages.sent'
expect "$E" '.rtt_ms.count == .messages.received and .rtt_ms.min > 0 and .rtt_ms.min <= .rtt_ms.p50 and .rtt_ms.p50 <= .rtt_ms.p90 and .rtt_ms.p90 <= .rtt_ms.p99 and .rtt_ms.p99 <= .rtt_ms.max and .rtt_ms.max < 1000'
expect "$E" '.duration_s >= 1.9 and .duration_s < 2.5'

# 3. A child killed outright: reported, the rest stopped, exit 1, all within a bounded time.
wss_start lost "$LOAD" --url "ws://127.0.0.1:$PORT/ws" --mode hold --connections 300 \
  --processes 3 --duration 0 --json
LOAD_PID=${WSS_PIDS[-1]}
wss_wait_until 20 conns_are 300 || wss_fail "lost run: $(metric websocket_connections) held"
mapfile -t KIDS < <(pgrep -P "$LOAD_PID")
[ "${#KIDS[@]}" = 3 ] || wss_fail "want 3 load processes, have ${KIDS[*]}"
kill -KILL "${KIDS[0]}"
wss_wait_until 15 is_gone "$LOAD_PID" || wss_fail "parent still runs after a child was killed"
rc=0
wait "$LOAD_PID" || rc=$?
[ "$rc" = 1 ] || wss_fail "parent exited $rc after losing a child, want 1"
for kid in "${KIDS[@]}"; do
  is_gone "$kid" || [ "$(ps -o stat= -p "$kid")" = Z ] || wss_fail "child $kid outlived the parent"
done
grep -q "load process ended without a result.*pid=${KIDS[0]}.*killed by signal 9" "$WSS_TMP/lost.log" ||
  wss_fail "the lost child is not reported: $(cat "$WSS_TMP/lost.log")"
grep '^{' "$WSS_TMP/lost.log" >"$WSS_TMP/lost.json"
L="$WSS_TMP/lost.json"
expect "$L" '.ok == false and .processes_lost == 1 and .opened == 200 and .closed_by_us == 200'
wss_wait_until 10 conns_are 0 || wss_fail "after the lost run $(metric websocket_connections) held"

# 4. The open-file check is per process: 3x the limit fits in 4 processes, not in 2.
DEAD=$(wss_free_port)
limit=$(ulimit -Hn)
if [ "$limit" != unlimited ] && [ "$limit" -lt 300000 ]; then
  "$LOAD" --url "ws://127.0.0.1:$DEAD/ws" --connections $((3 * limit)) --processes 4 --rate 4 \
    --duration 500ms --max-errors 1000000 --json >"$WSS_TMP/budget.json" 2>"$WSS_TMP/budget.err" ||
    wss_fail "$((3 * limit)) over 4 processes refused: $(cat "$WSS_TMP/budget.err")"
  expect "$WSS_TMP/budget.json" '.attempts >= 4 and .errors.connect_refused == .attempts and .ok'
  rc=0
  "$LOAD" --url "ws://127.0.0.1:$DEAD/ws" --connections $((3 * limit)) --processes 2 \
    2>"$WSS_TMP/err" || rc=$?
  [ "$rc" = 2 ] || wss_fail "$((3 * limit)) over 2 processes: exit $rc, want 2"
  grep -q -- '--connections.*over 2 processes.*--processes' "$WSS_TMP/err" ||
    wss_fail "budget error: $(cat "$WSS_TMP/err")"
fi

# 5. Bad values: exit 2, one line naming the flag, nothing on stdout, no child started.
bad() {
  local flag=$1 rc=0
  shift
  "$LOAD" --url "ws://127.0.0.1:$DEAD/ws" "$@" >"$WSS_TMP/out" 2>"$WSS_TMP/err" || rc=$?
  [ "$rc" = 2 ] || wss_fail "$*: exit $rc, want 2"
  [ "$(wc -l <"$WSS_TMP/err")" = 1 ] || wss_fail "$*: stderr is not one line: $(cat "$WSS_TMP/err")"
  grep -q -- "--$flag" "$WSS_TMP/err" || wss_fail "$*: stderr does not name --$flag: $(cat "$WSS_TMP/err")"
  [ ! -s "$WSS_TMP/out" ] || wss_fail "$*: wrote to stdout"
}
bad processes --processes 0
bad processes --processes 65
bad processes --processes two
bad processes --processes 4 --connections 3
bad rate --processes 4 --rate 3
echo "PASS test_load_processes"
