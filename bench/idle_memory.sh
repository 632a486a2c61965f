#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# idle_memory.sh: user-space memory per idle WebSocket connection of `wsscale-server --threads 1`
#   beside a Node `ws` echo server (bench/node_ws_echo.js) in the same run: VmRSS before and after
#   CONNECTIONS connections held by `wsscale-load --mode hold`, the delta per connection and the
#   wsscale/node ratio.
# Does not: run under ctest, count kernel memory (socket slabs are the same for both servers, about
#   3.6 KB per socket), or pass/fail on the goal (it prints whether the goal is met).
# Threads: n/a (one shell; one server and one load process at a time, on loopback).
#
# usage: bench/idle_memory.sh [BUILD_DIR]     (default: build; needs wsscale-server, wsscale-load)
# env:   CONNECTIONS=10000 RATE=5000 READY_SECONDS=60 SETTLE_SECONDS=10
# "After" is read once every connection has completed its handshake (the load's progress line
# says open N/N) and VmRSS has stopped moving (two equal readings 500 ms apart, at most
# SETTLE_SECONDS). Node is started with --expose-gc and collected (SIGUSR2) before each reading,
# so its figure holds live objects only: the kinder measure for the peer.
WSS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
WSS_BUILD_DIR=$(cd "${1:-$WSS_SOURCE_DIR/build}" && pwd)
export WSS_SOURCE_DIR WSS_BUILD_DIR
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/bench/bench_lib.sh"

CONNECTIONS=${CONNECTIONS:-10000}
RATE=${RATE:-5000}
READY_SECONDS=${READY_SECONDS:-60}
SETTLE_SECONDS=${SETTLE_SECONDS:-10}
GOAL_BYTES=1024
SERVER="$WSS_BUILD_DIR/server/wsscale-server"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
NODE_ECHO="$WSS_SOURCE_DIR/bench/node_ws_echo.js"
bench_require "$SERVER" "$LOAD"
command -v node >/dev/null || wss_fail "node is not installed"
[ -d "$WSS_SOURCE_DIR/tests/js/node_modules/ws" ] ||
  wss_fail "no tests/js/node_modules/ws: run scripts/install-deps.sh --tests"
[ "$CONNECTIONS" -lt 19000 ] || wss_fail "CONNECTIONS must stay under the 20,000-file cap of one process"

# node_gc LOG: asks the Node server for a full collection and waits until it has run.
node_gc() {
  local before
  before=$(grep -c '^gc done' "$1" || true)
  kill -USR2 "$SRV_PID"
  wss_wait_until 10 gc_count_above "$1" "$before" || wss_fail "node did not collect"
}
gc_count_above() { [ "$(grep -c '^gc done' "$1")" -gt "$2" ]; }

# settled_rss NAME LOG: VmRSS in KiB once two readings 500 ms apart agree (Node: each after a GC).
settled_rss() {
  local prev=-1 cur deadline=$((SECONDS + SETTLE_SECONDS))
  while :; do
    [ "$1" = node ] && node_gc "$2"
    cur=$(bench_status_kib "$SRV_PID" VmRSS)
    if [ "$cur" = "$prev" ] || [ "$SECONDS" -ge "$deadline" ]; then
      echo "$cur"
      return
    fi
    prev=$cur
    sleep 0.5 # the interval between two readings, not a wait for an event
  done
}

# all_open LOG: the load's progress line shows every connection open.
all_open() { grep -q "open $CONNECTIONS/$CONNECTIONS" "$1"; }

# measure NAME: one server's before/after; prints a row "name conns before after".
measure() {
  local name=$1 port log before after load_pid pre_gc held
  port=$(wss_free_port)
  log="$WSS_TMP/srv-$name.log"
  case $name in
  wsscale)
    wss_start "srv-$name" "$SERVER" --listen "127.0.0.1:$port" --threads 1 --shm= \
      --log-level warn --drain-delay 0s --drain-seconds 1
    SRV_PID=${WSS_PIDS[-1]}
    wss_wait_until 10 curl -sf "http://127.0.0.1:$port/healthz" || wss_fail "wsscale-server did not start"
    ;;
  node)
    wss_start "srv-$name" node --expose-gc "$NODE_ECHO" 127.0.0.1 "$port"
    SRV_PID=${WSS_PIDS[-1]}
    wss_wait_until 10 grep -q '^listening' "$log" || wss_fail "node echo did not start"
    ;;
  esac
  before=$(settled_rss "$name" "$log")
  wss_start "load-$name" "$LOAD" --url "ws://127.0.0.1:$port/ws" --mode hold \
    --connections "$CONNECTIONS" --rate "$RATE" --duration 0 --progress 200ms \
    --connect-timeout 30s --close-timeout 30s --json
  load_pid=${WSS_PIDS[-1]}
  wss_wait_until "$READY_SECONDS" all_open "$WSS_TMP/load-$name.log" ||
    wss_fail "$name: not every connection opened: $(tail -c 300 "$WSS_TMP/load-$name.log")"
  pre_gc=$(bench_status_kib "$SRV_PID" VmRSS)
  after=$(settled_rss "$name" "$log")
  held=$(ss -Htn state established "( sport = :$port )" | wc -l)
  kill -INT "$load_pid"
  wait "$load_pid" || wss_fail "$name: the load reported errors: $(grep '^{' "$WSS_TMP/load-$name.log" | jq -c .errors)"
  kill "$SRV_PID"
  wait "$SRV_PID" 2>/dev/null || true
  echo "$name $held $before $after $pre_gc" >>"$WSS_TMP/rows"
}

echo "idle_memory: $CONNECTIONS idle connections held by wsscale-load --mode hold (rate $RATE/s)"
echo "machine: $(bench_machine)"
echo "peer: Node $(node --version), ws $(jq -r .version "$WSS_SOURCE_DIR/tests/js/node_modules/ws/package.json")"
: >"$WSS_TMP/rows"
measure wsscale
measure node

printf '\n%-8s %11s %14s %13s %12s %14s\n' server connections rss_before_kib rss_after_kib \
  delta_kib bytes_per_conn
awk -v goal="$GOAL_BYTES" '
  { per = ($2 > 0) ? ($4 - $3) * 1024 / $2 : 0; bpc[$1] = per
    printf "%-8s %11d %14d %13d %12d %14.0f\n", $1, $2, $3, $4, $4 - $3, per
    if ($1 == "node") pre = $5 }
  END {
    printf "\nnode before its last GC: %d KiB\n", pre
    printf "wsscale/node bytes per idle connection: %.3f (node/wsscale %.1fx); goal < %d B: %s\n",
      bpc["wsscale"] / bpc["node"], bpc["node"] / bpc["wsscale"], goal,
      (bpc["wsscale"] < goal) ? "met" : "NOT met"
  }' "$WSS_TMP/rows"
echo "machine at the end: $(bench_machine)"
