#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_server_redis.sh: two wsscale-servers (two threads each) sharing a room through a real
#   redis-server on a free loopback port: messages cross both ways exactly once (text and binary,
#   every length encoding, past the read buffers and past the receiving server's
#   --max-message-bytes), an outside publisher's envelope is delivered and garbage is not; with
#   Redis killed local delivery goes on and /metrics shows the link down; after a restart
#   cross-server delivery resumes within the backoff bound; a frozen Redis (SIGSTOP) is caught by
#   the heartbeat. Bad --redis values exit 2. Every failure says what it saw.
# Does not: test rooms within one server (test_server_echo_rooms.sh).
# Threads: n/a (one shell; redis_rooms_client.py drives the clients and redis-server).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
CLIENT=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/redis_rooms_client.py")
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
command -v redis-server >/dev/null || wss_fail "redis-server is not installed"
# The client starts redis-server itself (it kills and restarts it); this catches it if the client
# dies first.
kill_redis() {
  local pid
  pid=$(cat "$WSS_TMP/redis.pid" 2>/dev/null) || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill -9 "$pid" 2>/dev/null || true
}
trap 'kill_redis; wss_cleanup' EXIT
# The end of each server's and Redis's log, for a failure message.
log_tails() {
  local f
  for f in server-a server-b redis; do
    echo "--- last lines of $f.log:"
    tail -n 15 "$WSS_TMP/$f.log" 2>/dev/null || echo "(none)"
  done
}

# Bad --redis values are refused before anything starts, saying why.
check_refused() { # WANT_TEXT ARGS...
  local want=$1 rc=0
  shift
  "$SERVER" --listen 127.0.0.1:0 --shm= "$@" 2>"$WSS_TMP/bad.err" || rc=$?
  [ "$rc" = 2 ] || wss_fail "$* exited $rc, want 2"
  grep -qF -- "$want" "$WSS_TMP/bad.err" || wss_fail "$*: want '$want', got: $(cat "$WSS_TMP/bad.err")"
}
check_refused "--redis :6379: the Redis address needs a host" --redis :6379
check_refused "--redis 127.0.0.1:0: the Redis address needs a port other than 0" --redis 127.0.0.1:0
check_refused "--redis 127.0.0.1: missing ':port'" --redis 127.0.0.1
check_refused "cannot resolve the Redis host no-such-host.invalid" --redis no-such-host.invalid:6379
check_refused "channel prefix of 65 bytes is longer than 64" --redis 127.0.0.1:1 \
  --redis-prefix "$(printf 'p%.0s' {1..65})"

RPORT=$(wss_free_port)
PORT_A=$(wss_free_port)
PORT_B=$(wss_free_port)
RECONNECT_MAX_S=1
# A large send buffer: this test is about delivery, not about slow consumers (1008).
COMMON=(--threads 2 --shm= --redis "127.0.0.1:$RPORT" --redis-reconnect-max "${RECONNECT_MAX_S}s"
        --max-send-buffer-bytes 67108864
        --log-level debug)
wss_start server-a "$SERVER" --listen "127.0.0.1:$PORT_A" --max-message-bytes 2097152 "${COMMON[@]}"
PID_A=${WSS_PIDS[-1]}
wss_start server-b "$SERVER" --listen "127.0.0.1:$PORT_B" "${COMMON[@]}"
PID_B=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT_A/healthz" ||
  wss_fail "server A never became healthy on $PORT_A; $(log_tails)"
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT_B/healthz" ||
  wss_fail "server B never became healthy on $PORT_B; $(log_tails)"

rc=0
"${CLIENT[@]}" --port-a "$PORT_A" --port-b "$PORT_B" --redis-port "$RPORT" --tmp "$WSS_TMP" \
  --reconnect-max "$RECONNECT_MAX_S" --big 1500000 || rc=$?
# The client's own FAIL line (above) names the step and what it saw.
[ "$rc" = 0 ] || wss_fail "redis_rooms_client.py exited $rc; $(log_tails)"

grep -q '"redis link lost' "$WSS_TMP/server-a.log" ||
  wss_fail "server A did not log the lost link; its redis lines: $(grep -F redis "$WSS_TMP/server-a.log" | tail -n 10)"
grep -q 'no heartbeat came back' "$WSS_TMP/server-b.log" ||
  wss_fail "server B did not log the heartbeat timeout; its redis lines: $(grep -F redis "$WSS_TMP/server-b.log" | tail -n 10)"
# SIGINT drains within DRAIN_SIGINT_WINDOW_MAX_MS (1 s); a server still running well after that
# fails here, naming itself, instead of hanging the script until ctest's timeout.
kill -INT "$PID_A" "$PID_B"
is_gone() { # PID: exited (an unreaped child shows as a zombie until the wait below)
  local st
  st=$(ps -o stat= -p "$1") || return 0
  [[ $st == Z* ]]
}
wss_wait_until 20 is_gone "$PID_A" || wss_fail "server A still running 20s after SIGINT; $(log_tails)"
wss_wait_until 20 is_gone "$PID_B" || wss_fail "server B still running 20s after SIGINT; $(log_tails)"
rc=0
wait "$PID_A" || rc=$?
[ "$rc" = 0 ] || wss_fail "server A exited $rc after SIGINT; $(log_tails)"
rc=0
wait "$PID_B" || rc=$?
[ "$rc" = 0 ] || wss_fail "server B exited $rc after SIGINT; $(log_tails)"
echo "PASS test_server_redis"
