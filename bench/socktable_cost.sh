#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# socktable_cost.sh: the cost of one `socket` source sample (sock_diag, and the /proc fallback) at
# 20,000 and 100,000 established connections on one port, beside
# `ss -Htn state established '( sport = :PORT )' | wc -l` timed in the same run.
# Does not: run under ctest; it needs about 2 GiB of memory and a minute or two (no root).
# Threads: n/a (one shell; Python holder processes, up to PER_HOLDER connections each).
#
# usage: bench/socktable_cost.sh [BUILD_DIR]     (default: build; needs tests/integration/socktable_count)
# env:   SIZES="20000 100000"  REPEAT=15  PER_HOLDER=9000  READY_SECONDS=180
# Connections are held by several processes (the per-process fd cap here is 20,000), each
# listening on its own 127.0.0.x address with the same port, both ends of each connection in it.
WSS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
WSS_BUILD_DIR=$(cd "${1:-$WSS_SOURCE_DIR/build}" && pwd)
export WSS_SOURCE_DIR WSS_BUILD_DIR
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SIZES=${SIZES:-20000 100000}
REPEAT=${REPEAT:-15}
PER_HOLDER=${PER_HOLDER:-9000}
READY_SECONDS=${READY_SECONDS:-180}
COUNT="$WSS_BUILD_DIR/tests/integration/socktable_count"
HOLD="$WSS_SOURCE_DIR/bench/socktable_hold.py"
[ -x "$COUNT" ] || wss_fail "build socktable_count first: cmake --build $WSS_BUILD_DIR --target socktable_count"

PORT=$(wss_free_port)

# median FILE: the median of the numbers in FILE, one a line.
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

now_us() { echo $(($(date +%s%N) / 1000)); }

count_is() { [ "$("$COUNT" --method "$1" "$PORT" | cut -d' ' -f1)" = "$2" ]; }

ss_count() { ss -Htn state established "( sport = :$PORT )" | wc -l; }

# hold TOTAL: starts holders until TOTAL connections are established on PORT.
HOLDERS=0
hold() {
  local total=$1 left n addr
  left=$total
  while [ "$left" -gt 0 ]; do
    n=$((left < PER_HOLDER ? left : PER_HOLDER))
    HOLDERS=$((HOLDERS + 1))
    addr="127.0.0.$((HOLDERS + 1))"
    wss_start "hold$HOLDERS" /usr/bin/python3 "$HOLD" "$addr" "$PORT" "$n" "$WSS_TMP/ready$HOLDERS"
    left=$((left - n))
  done
  local k
  for ((k = 1; k <= HOLDERS; k++)); do
    wss_wait_until "$READY_SECONDS" test -f "$WSS_TMP/ready$k" ||
      { cat "$WSS_TMP/hold$k.log" >&2; wss_fail "holder $k not ready"; }
  done
}

# release: stops every holder and waits for their connections to leave ESTABLISHED.
release() {
  local pid
  for pid in "${WSS_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${WSS_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  WSS_PIDS=()
  rm -f "$WSS_TMP"/ready*
  HOLDERS=0
  wss_wait_until 60 no_connections
}

no_connections() { [ "$(ss_count)" = 0 ]; }

echo "socket source: one sample, median of $REPEAT rounds, port $PORT, $(nproc) CPUs," \
  "kernel $(uname -r), load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-12s %12s %12s %12s %12s %14s %14s\n' connections sock_diag_us proc_us ss_us \
  'process_us' 'sock_diag/ss' 'process/ss'
for size in $SIZES; do
  hold "$size"
  # Every method must see exactly the connections held before its time means anything.
  [ "$(ss_count)" = "$size" ] || wss_fail "ss counts $(ss_count), want $size"
  # Neither method reads a snapshot: while the table churns (TIME_WAIT sockets of an earlier
  # size expiring), a walk can see a socket twice or miss one. Wait for an exact answer a while,
  # then go on with a warning: the timing is what this measures.
  for method in sock_diag proc; do
    if ! wss_wait_until 20 count_is "$method" "$size"; then
      echo "warning: $method counts $("$COUNT" --method "$method" "$PORT"), want $size" >&2
    fi
  done
  # Rounds interleave the three so that load from elsewhere on the machine hits them alike.
  # In-process time: what the sidecar pays per sample (median of 3 samples on one socket).
  # Process time: like for like with ss, a whole process started from the shell.
  rm -f "$WSS_TMP"/t.*
  for ((round = 0; round < REPEAT; round++)); do
    "$COUNT" --method sock_diag --repeat 3 --time "$PORT" | cut -d' ' -f3 >>"$WSS_TMP/t.diag"
    t0=$(now_us)
    "$COUNT" --method sock_diag "$PORT" >/dev/null
    t1=$(now_us)
    ss_count >/dev/null
    t2=$(now_us)
    "$COUNT" --method proc --repeat 3 --time "$PORT" | cut -d' ' -f3 >>"$WSS_TMP/t.proc"
    echo $((t1 - t0)) >>"$WSS_TMP/t.process"
    echo $((t2 - t1)) >>"$WSS_TMP/t.ss"
  done
  diag_us=$(median "$WSS_TMP/t.diag") proc_us=$(median "$WSS_TMP/t.proc")
  ss_us=$(median "$WSS_TMP/t.ss") process_us=$(median "$WSS_TMP/t.process")
  printf '%-12s %12s %12s %12s %12s %14s %14s\n' "$size" "$diag_us" "$proc_us" "$ss_us" \
    "$process_us" "$(awk -v a="$diag_us" -v b="$ss_us" 'BEGIN { printf "%.3f", a / b }')" \
    "$(awk -v a="$process_us" -v b="$ss_us" 'BEGIN { printf "%.3f", a / b }')"
  release
done
