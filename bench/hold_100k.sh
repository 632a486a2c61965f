#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hold_100k.sh: 100,000 concurrent WebSocket connections held on this machine: several
# `wsscale-server --threads 1` processes share one port (SO_REUSEPORT), one `wsscale-load --mode
# hold --processes LOADS` spreads the connections over LOADS load processes and 2 x LOADS source
# addresses. Reports the time to open them all, each server's connections and RSS (and RSS per
# connection), each load process's RSS, the merged connect latency and errors, and the kernel
# slab growth.
# Does not: run under ctest; it needs about 1.5 GiB of memory and under a minute (no root).
#
# usage: bench/hold_100k.sh [BUILD_DIR]     (default: build; needs wsscale-server, wsscale-load)
# env:   TOTAL=100000 SERVERS=6 LOADS=6 RATE=3000 (per load process) READY_SECONDS=120
# The per-process file cap here is 20,000, so every process stays under it: TOTAL/SERVERS per
# server (SO_REUSEPORT spreads by hash, so allow some slack) and TOTAL/LOADS per load process
# (wsscale-load itself refuses a share over its cap). The connections go round-robin over the
# source addresses 127.0.1.10 and up, two per load process; one source address reaches one server
# port about 28,000 times.
WSS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
WSS_BUILD_DIR=$(cd "${1:-$WSS_SOURCE_DIR/build}" && pwd)
export WSS_SOURCE_DIR WSS_BUILD_DIR
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

TOTAL=${TOTAL:-100000}
SERVERS=${SERVERS:-6}
LOADS=${LOADS:-6}
RATE=${RATE:-3000}
READY_SECONDS=${READY_SECONDS:-120}
SERVER="$WSS_BUILD_DIR/server/wsscale-server"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
for f in "$SERVER" "$LOAD"; do
  [ -x "$f" ] || wss_fail "missing $f: cmake --build $WSS_BUILD_DIR --target wsscale-server wsscale-load"
done
[ $((LOADS * 2)) -le 200 ] || wss_fail "LOADS over 100 would run out of source addresses here"
[ $((TOTAL / SERVERS)) -lt 18500 ] || wss_fail "TOTAL/SERVERS leaves no slack under 20,000 files: raise SERVERS"

PORT=$(wss_free_port)

# rss_kib PID: resident set size from /proc, in KiB.
rss_kib() {
  awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"
}
slab_kib() {
  awk '$1 == "Slab:" {print $2}' /proc/meminfo
}
# held: established server-side connections on the port.
held() {
  ss -Htn state established "( sport = :$PORT )" | wc -l
}
all_held() {
  [ "$(held)" -ge "$TOTAL" ]
}
now_ms() {
  date +%s%3N
}

SERVER_PIDS=()
for ((i = 0; i < SERVERS; i++)); do
  wss_start "server$i" "$SERVER" --listen "127.0.0.1:$PORT" --threads 1 --shm= \
    --drain-delay 0s --drain-seconds 1 --log-level warn
  SERVER_PIDS+=("${WSS_PIDS[-1]}")
done
wss_wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz" || wss_fail "servers did not start"
# Every server is listening once each has its socket in the table.
listeners() {
  [ "$(ss -Htln "( sport = :$PORT )" | wc -l)" -ge "$SERVERS" ]
}
wss_wait_until 10 listeners || wss_fail "not every server is listening"
declare -A base_rss
for pid in "${SERVER_PIDS[@]}"; do
  base_rss[$pid]=$(rss_kib "$pid")
done
slab0=$(slab_kib)

t0=$(now_ms)
wss_start load "$LOAD" --url "ws://127.0.0.1:$PORT/ws" --mode hold --connections "$TOTAL" \
  --processes "$LOADS" --rate $((RATE * LOADS)) --source-addrs "127.0.1.10-127.0.1.$((9 + 2 * LOADS))" \
  --duration 0 --connect-timeout 30s --close-timeout 30s --json
LOAD_PID=${WSS_PIDS[-1]}
wss_wait_until "$READY_SECONDS" all_held || wss_fail "only $(held) of $TOTAL connections opened: $(cat "$WSS_TMP/load.log")"
t_open=$(($(now_ms) - t0))
# Let the servers finish any work on the last accepts before reading memory.
sleep 2
slab1=$(slab_kib)

printf 'hold_100k: %d connections to 127.0.0.1:%d, %d servers (--threads 1), %d load processes\n' \
  "$TOTAL" "$PORT" "$SERVERS" "$LOADS"
printf '  opened all in %.1f s (each load process paced at %d/s)\n' "$(awk -v m="$t_open" 'BEGIN{print m/1000}')" "$RATE"
printf '  %-8s %12s %10s %10s %14s\n' server connections rss_kib delta_kib bytes_per_conn
declare -A per_pid
while read -r pid count; do
  per_pid[$pid]=$count
done < <(ss -Htnp state established "( sport = :$PORT )" | grep -o 'pid=[0-9]*' | cut -d= -f2 |
  sort | uniq -c | awk '{print $2, $1}')
total_rss=0
for pid in "${SERVER_PIDS[@]}"; do
  rss=$(rss_kib "$pid")
  conns=${per_pid[$pid]:-0}
  delta=$((rss - base_rss[$pid]))
  total_rss=$((total_rss + rss))
  printf '  %-8s %12d %10d %10d %14s\n' "$pid" "$conns" "$rss" "$delta" \
    "$(awk -v d="$delta" -v c="$conns" 'BEGIN{ if (c > 0) printf "%.0f", d * 1024 / c; else print "-" }')"
done
printf '  servers together: %d KiB RSS; kernel slab grew by %d KiB (both ends of every connection)\n' \
  "$total_rss" "$((slab1 - slab0))"
printf '  load %-8s rss %d KiB (the parent: gathers progress and results only)\n' "$LOAD_PID" \
  "$(rss_kib "$LOAD_PID")"
for pid in $(pgrep -P "$LOAD_PID"); do
  printf '  load %-8s rss %d KiB\n' "$pid" "$(rss_kib "$pid")"
done

# Stop the load: its processes close their connections with 1000 and it prints one merged JSON
# summary. 100,000 closes at once take several seconds on two cores, hence --close-timeout 30s.
kill -INT "$LOAD_PID"
rc=0
wait "$LOAD_PID" || rc=1
jq -c "{opened, processes, processes_lost, errors: .errors.total, connect_p50_ms: .connect_ms.p50, connect_p99_ms: .connect_ms.p99, closed_by_us, error_kinds: (.errors | with_entries(select(.value > 0 and .key != \"total\"))), examples: .error_examples}" \
  <(grep '^{' "$WSS_TMP/load.log") | sed "s/^/  load: /"
[ "$rc" = 0 ] || echo "  the load reported errors or lost a process (see above)"
exit "$rc"
