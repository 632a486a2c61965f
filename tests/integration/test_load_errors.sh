#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_load_errors.sh: wsscale-load against a misbehaving fake server: a wrong accept is a failed
#   handshake, a 101 split across writes with a frame behind it still opens, TCP dropped without
#   a Close is an abrupt close, masked frames and reserved opcodes are protocol errors (answered
#   with Close 1002), a 1011 Close is counted by code and as an error, pings get their pongs;
#   and the exit status follows --max-errors.
# Does not: test the real server (test_load_echo_hold.sh and test_load_drain.sh do).
# Threads: n/a (one shell; the fake server is one Python process per case).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
FAKE=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/load_fake_server.py")
[ -x "$LOAD" ] || wss_fail "missing $LOAD: build the wsscale-load target"

# run_case MODE LOAD_ARGS...: starts the fake in MODE, runs the load against it with --json
#   into $WSS_TMP/MODE.json (exit status in $WSS_TMP/MODE.rc), then stops the fake.
run_case() {
  local mode=$1
  shift
  local port log rc=0
  port=$(wss_free_port)
  log="$WSS_TMP/$mode.fake"
  wss_start "fake-$mode" "${FAKE[@]}" --port "$port" --mode "$mode" --log "$log"
  local pid=${WSS_PIDS[-1]}
  wss_wait_until 10 grep -q ready "$log" || wss_fail "$mode: fake server did not start"
  "$LOAD" --url "ws://127.0.0.1:$port/ws" --connections 3 --json "$@" \
    >"$WSS_TMP/$mode.json" 2>"$WSS_TMP/$mode.err" || rc=$?
  echo "$rc" >"$WSS_TMP/$mode.rc"
  kill "$pid" 2>/dev/null || true
  jq -e . "$WSS_TMP/$mode.json" >/dev/null || wss_fail "$mode: summary is not JSON"
}

# fake_logged MODE LINE N: the fake server of MODE logged LINE exactly N times (re-read per call).
fake_logged() {
  [ "$(grep -cx "$2" "$WSS_TMP/$1.fake")" = "$3" ]
}

# expect MODE JQ_EXPR: the summary of MODE satisfies the jq boolean expression.
expect() {
  jq -e "$2" "$WSS_TMP/$1.json" >/dev/null ||
    wss_fail "$1: want $2, summary: $(jq -c '{opened, msgs: .messages, close_codes, errors, error_examples}' "$WSS_TMP/$1.json")"
}

run_case bad-accept --duration 5s
expect bad-accept '.errors.handshake_failed == 3 and .errors.total == 3 and .opened == 0'
expect bad-accept '.error_examples.handshake_failed == "Sec-WebSocket-Accept does not match the key that was sent"'
[ "$(cat "$WSS_TMP/bad-accept.rc")" = 1 ] || wss_fail "bad-accept: exit $(cat "$WSS_TMP/bad-accept.rc"), want 1"
# every connection ended by itself, so the run stopped long before --duration
expect bad-accept '.duration_s < 4'

run_case split-101 --mode hold --duration 1s
expect split-101 '.opened == 3 and .errors.total == 0 and .messages.received == 3 and .closed_by_us == 3'
[ "$(cat "$WSS_TMP/split-101.rc")" = 0 ] || wss_fail "split-101: exit $(cat "$WSS_TMP/split-101.rc"), want 0"

run_case abrupt --mode hold --duration 5s
expect abrupt '.opened == 3 and .errors.abrupt_close == 3 and .errors.total == 3'
expect abrupt '.error_examples.abrupt_close == "server closed TCP without a Close frame"'

run_case masked-frame --mode hold --duration 5s
expect masked-frame '.errors.protocol_error == 3 and .errors.total == 3'
expect masked-frame '.error_examples.protocol_error == "masked frame from a server"'
wss_wait_until 5 fake_logged masked-frame 'close 1002' 3 ||
  wss_fail "masked-frame: the fake did not get three Close 1002: $(cat "$WSS_TMP/masked-frame.fake")"

run_case reserved-opcode --mode hold --duration 5s --max-errors 3
expect reserved-opcode '.errors.protocol_error == 3 and .ok == true'
expect reserved-opcode '.error_examples.protocol_error == "reserved opcode 0x3"'
[ "$(cat "$WSS_TMP/reserved-opcode.rc")" = 0 ] || wss_fail "reserved-opcode: --max-errors 3 still failed"

run_case close-1011 --mode hold --duration 5s
expect close-1011 '.close_codes["1011"].count == 3 and .errors.close_code == 3 and .closed_by_server == 3'
expect close-1011 '.errors.abrupt_close == 0 and (.error_examples.close_code | startswith("server closed with 1011"))'
wss_wait_until 5 fake_logged close-1011 'close 1011' 3 ||
  wss_fail "close-1011: the Close was not echoed with its code"

run_case ping --mode echo --message-interval 100ms --duration 1s
expect ping '.messages.pings_answered == 3 and .errors.total == 0 and .rtt_ms.count > 0'
wss_wait_until 5 fake_logged ping 'pong are you there' 3 ||
  wss_fail "ping: pongs did not carry the ping's payload: $(cat "$WSS_TMP/ping.fake")"
echo "PASS test_load_errors"
