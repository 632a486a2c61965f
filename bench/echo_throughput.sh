#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# echo_throughput.sh: closed-loop echo throughput of `wsscale-server --threads 1` beside a Node `ws`
#   echo server (bench/node_ws_echo.js) in the same run, one server at a time, the same client
#   (wsscale-load --in-flight 1), server and client pinned to different cores. Reports msgs/s,
#   RTT p50/p99, the server's CPU time and echoes per server CPU-second, and wsscale/node ratios.
# Does not: run under ctest, or pass/fail on the goal (it prints whether the goal is met); the
#   numbers are only as quiet as the machine: the load average is printed with them.
# Threads: n/a (one shell; one server and one load process at a time, on loopback).
#
# usage: bench/echo_throughput.sh [BUILD_DIR]    (default: build; needs wsscale-server, wsscale-load)
# env:   SIZES="32 512" CONNECTIONS=100 DURATION=10 WARMUP=3 ROUNDS=2 SERVER_CPU=0 LOAD_CPU=1
# Per size and server: a WARMUP-second run (Node's JIT, both servers' caches), then the measured
# DURATION-second run; the server's utime+stime (/proc/PID/stat, every thread) is read just before
# the measured load process starts and just after it exits, so the window holds its 100 handshakes
# and closes as well as the echoes. Rounds alternate which server goes first.
WSS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
WSS_BUILD_DIR=$(cd "${1:-$WSS_SOURCE_DIR/build}" && pwd)
export WSS_SOURCE_DIR WSS_BUILD_DIR
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/bench/bench_lib.sh"

SIZES=${SIZES:-32 512}
CONNECTIONS=${CONNECTIONS:-100}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-2}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
GOAL=1.7
SERVER="$WSS_BUILD_DIR/server/wsscale-server"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
NODE_ECHO="$WSS_SOURCE_DIR/bench/node_ws_echo.js"
bench_require "$SERVER" "$LOAD"
command -v node >/dev/null || wss_fail "node is not installed"
[ -d "$WSS_SOURCE_DIR/tests/js/node_modules/ws" ] ||
  wss_fail "no tests/js/node_modules/ws: run scripts/install-deps.sh --tests"
command -v jq >/dev/null || wss_fail "jq is not installed"
command -v taskset >/dev/null || wss_fail "taskset is not installed"

# start_server NAME PORT: starts server NAME (wsscale or node) pinned to SERVER_CPU; sets SRV_PID.
start_server() {
  case $1 in
  wsscale)
    wss_start "srv-$1-$2" taskset -c "$SERVER_CPU" "$SERVER" --listen "127.0.0.1:$2" --threads 1 \
      --shm= --log-level warn --drain-delay 0s --drain-seconds 1
    SRV_PID=${WSS_PIDS[-1]}
    wss_wait_until 10 curl -sf "http://127.0.0.1:$2/healthz" || wss_fail "wsscale-server did not start"
    ;;
  node)
    wss_start "srv-$1-$2" taskset -c "$SERVER_CPU" node "$NODE_ECHO" 127.0.0.1 "$2"
    SRV_PID=${WSS_PIDS[-1]}
    wss_wait_until 10 grep -q '^listening' "$WSS_TMP/srv-$1-$2.log" || wss_fail "node echo did not start"
    ;;
  esac
}

# stop_server: stops SRV_PID and forgets it.
stop_server() {
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  local keep=() pid
  for pid in "${WSS_PIDS[@]}"; do
    [ "$pid" = "$SRV_PID" ] || keep+=("$pid")
  done
  WSS_PIDS=("${keep[@]}")
}

# load PORT SIZE SECONDS OUT: one closed-loop run pinned to LOAD_CPU, its JSON summary in OUT.
# The load's own user+system seconds go to OUT.cpu (bash's time keyword: the child's rusage).
load() {
  local TIMEFORMAT='%3U %3S' rc=0
  { time taskset -c "$LOAD_CPU" "$LOAD" --url "ws://127.0.0.1:$1/ws" --connections "$CONNECTIONS" \
    --rate 0 --in-flight 1 --payload-bytes "$2" --duration "${3}s" --json >"$4" 2>"$4.err" || rc=$?; } \
    2>"$4.time"
  [ "$rc" = 0 ] || wss_fail "load run against port $1 failed: $(cat "$4" "$4.err")"
  awk '{ print $1 + $2 }' "$4.time" >"$4.cpu"
  jq -e ".ok and .errors.total == 0 and .opened == $CONNECTIONS" "$4" >/dev/null ||
    wss_fail "load run against port $1 had errors: $(jq -c '.errors' "$4")"
}

# measure NAME SIZE: one server's warm-up and measured run; appends a row to $WSS_TMP/rows.
measure() {
  local name=$1 size=$2 port out cpu0 cpu1 wall0 wall1
  port=$(wss_free_port)
  start_server "$name" "$port"
  load "$port" "$size" "$WARMUP" "$WSS_TMP/warm.json"
  out="$WSS_TMP/$name-$size-$round.json"
  cpu0=$(bench_cpu_ticks "$SRV_PID")
  wall0=$(date +%s%N)
  load "$port" "$size" "$DURATION" "$out"
  wall1=$(date +%s%N)
  cpu1=$(bench_cpu_ticks "$SRV_PID")
  stop_server
  # name size msgs/s p50 p99 echoes server_cpu_s window_s load_cpu_s
  printf '%s %s %s %s %s %s %s %s %s\n' "$name" "$size" "$(jq '.messages.received_per_s' "$out")" \
    "$(jq '.rtt_ms.p50' "$out")" "$(jq '.rtt_ms.p99' "$out")" "$(jq '.messages.received' "$out")" \
    "$(bench_ticks_to_s $((cpu1 - cpu0)))" \
    "$(awk -v a="$wall0" -v b="$wall1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')" \
    "$(cat "$out.cpu")" >>"$WSS_TMP/rows"
}

echo "echo_throughput: $CONNECTIONS connections, one message in flight each, ${DURATION}s measured" \
  "after ${WARMUP}s warm-up; server on CPU $SERVER_CPU, wsscale-load on CPU $LOAD_CPU"
echo "machine: $(bench_machine)"
echo "peer: Node $(node --version), ws $(jq -r .version "$WSS_SOURCE_DIR/tests/js/node_modules/ws/package.json")"
: >"$WSS_TMP/rows"
for ((round = 1; round <= ROUNDS; round++)); do
  for size in $SIZES; do
    if ((round % 2)); then order="wsscale node"; else order="node wsscale"; fi
    for name in $order; do
      measure "$name" "$size"
    done
  done
done

printf '\n%-8s %6s %5s %10s %8s %8s %12s %8s %16s %9s\n' server bytes round msgs_per_s p50_ms p99_ms \
  server_cpu_s cpu_pct echoes_per_cpu_s load_cpu
# The rows, then per round and size the ratios; every figure derives from the rows file.
awk -v rounds="$ROUNDS" -v sizes="$SIZES" '
  { r = int((NR - 1) / (2 * split(sizes, tmp, " "))) + 1
    eps = ($7 > 0) ? $6 / $7 : 0
    printf "%-8s %6s %5d %10.0f %8.3f %8.3f %12.3f %7.1f%% %16.0f %8.1f%%\n", $1, $2, r, $3, $4, $5, $7,
      100 * $7 / $8, eps, 100 * $9 / $8
    key = r " " $2; rate[key, $1] = $3; per_cpu[key, $1] = eps; p50[key, $1] = $4; p99[key, $1] = $5
    if (!(key in seen)) { seen[key] = 1; keys[++n] = key } }
  END {
    print ""
    for (i = 1; i <= n; i++) {
      split(keys[i], k, " ")
      if (per_cpu[keys[i], "node"] == 0 || rate[keys[i], "node"] == 0) continue
      ratio = per_cpu[keys[i], "wsscale"] / per_cpu[keys[i], "node"]
      printf "round %d, %s B: wsscale/node msgs/s %.2fx, echoes per server CPU-second %.2fx (goal >= %.1fx: %s), p50 %.2fx, p99 %.2fx\n",
        k[1], k[2], rate[keys[i], "wsscale"] / rate[keys[i], "node"], ratio, goal,
        (ratio >= goal) ? "met" : "NOT met",
        p50[keys[i], "wsscale"] / p50[keys[i], "node"], p99[keys[i], "wsscale"] / p99[keys[i], "node"]
    }
  }' goal="$GOAL" "$WSS_TMP/rows"
echo "machine at the end: $(bench_machine)"
