#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sidecar_cost.sh: what wsscale-sidecar costs beside a wsscale-server holding CONNECTIONS idle
#   connections, sampling every second for WINDOW seconds: CPU (utime+stime, as % of one core)
#   and memory (VmRSS split into anonymous, file-backed and shmem pages, and private vs shared
#   pages from /proc/PID/smaps_rollup), for the shm and socket sources, each both pushing to a
#   local HTTPS receiver (bench/push_sink.py) and with no adapter.
# Does not: run under ctest; compare with another sidecar (there is none here: the figures are set
#   against the goal, 0.5% of a core and 4 MiB RSS); scrape the sidecar during the window.
# Threads: n/a (one shell; server, holder, receiver and four sidecars in the background).
#
# usage: bench/sidecar_cost.sh [BUILD_DIR]   (default: build; needs wsscale-server, -load, -sidecar)
# env:   CONNECTIONS=1000 WINDOW=60 INTERVAL=1s
# The four sidecars run side by side over the same window (each is charged only its own CPU).
# The window starts once every sidecar has a good sample of CONNECTIONS and every pushing one has
# had a report acknowledged, so start-up (TLS handshake included) is not in it.
WSS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
WSS_BUILD_DIR=$(cd "${1:-$WSS_SOURCE_DIR/build}" && pwd)
export WSS_SOURCE_DIR WSS_BUILD_DIR
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/bench/bench_lib.sh"

CONNECTIONS=${CONNECTIONS:-1000}
WINDOW=${WINDOW:-60}
INTERVAL=${INTERVAL:-1s}
GOAL_CPU_PCT=0.5
GOAL_RSS_KIB=4096
SERVER="$WSS_BUILD_DIR/server/wsscale-server"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
SINK="$WSS_SOURCE_DIR/bench/push_sink.py"
SHM="/wsscale-bench-$$"
bench_require "$SERVER" "$LOAD" "$SIDECAR"
command -v openssl >/dev/null || wss_fail "openssl is not installed"
trap 'wss_cleanup; rm -f "/dev/shm$SHM"' EXIT

APP=$(wss_free_port)
SINK_PORT=$(wss_free_port)

# The receiver's certificate: self-signed for 127.0.0.1, given to the sidecars as their CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$WSS_TMP/sink.key" -out "$WSS_TMP/sink.crt" 2>"$WSS_TMP/openssl.log" ||
  wss_fail "openssl: $(cat "$WSS_TMP/openssl.log")"
printf 'bench-token\n' >"$WSS_TMP/token"
wss_start sink /usr/bin/python3 "$SINK" "$SINK_PORT" "$WSS_TMP/sink.crt" "$WSS_TMP/sink.key" \
  "$WSS_TMP/reports"
wss_wait_until 10 grep -q listening "$WSS_TMP/sink.log" || wss_fail "receiver did not start"

wss_start server "$SERVER" --listen "127.0.0.1:$APP" --threads 1 --shm "$SHM" --log-level warn \
  --drain-delay 0s --drain-seconds 1
wss_wait_until 10 curl -sf "http://127.0.0.1:$APP/healthz" || wss_fail "wsscale-server did not start"
wss_start load "$LOAD" --url "ws://127.0.0.1:$APP/ws" --mode hold --connections "$CONNECTIONS" \
  --rate 5000 --duration 0 --progress 200ms --json
all_open() { grep -q "open $CONNECTIONS/$CONNECTIONS" "$WSS_TMP/load.log"; }
wss_wait_until 30 all_open || wss_fail "the load did not open $CONNECTIONS connections"

# The sidecars: NAME SOURCE-FLAGS..., pushing when NAME ends in -push.
VARIANTS=(shm-push shm-none socket-push socket-none)
declare -A SC_PID SC_PORT
n=0
for v in "${VARIANTS[@]}"; do
  n=$((n + 1))
  case $v in
  shm-*) src=(--source shm --shm "$SHM") ;;
  socket-*) src=(--source socket --ports "$APP") ;;
  esac
  push=()
  [[ $v == *-push ]] && push=(--adapter-url "https://127.0.0.1:$SINK_PORT"
    --adapter-ca-file "$WSS_TMP/sink.crt" --token-file "$WSS_TMP/token")
  SC_PORT[$v]=$(wss_free_port)
  wss_start "sc-$v" env POD_NAMESPACE=bench POD_NAME="bench-$v" \
    POD_UID="00000000-0000-4000-8000-00000000000$n" \
    "$SIDECAR" "${src[@]}" --interval "$INTERVAL" --listen "127.0.0.1:${SC_PORT[$v]}" \
    --labels-file= --log-level warn "${push[@]}"
  SC_PID[$v]=${WSS_PIDS[-1]}
done

# counts V N: sidecar V's /metrics shows websocket_connections N.
counts() {
  [ "$(curl -sf "http://127.0.0.1:${SC_PORT[$1]}/metrics" | awk '$1 == "websocket_connections" { print $2 }')" = "$2" ]
}
# pushed V N: the receiver's newest report from sidecar V says N connections.
pushed() { [ "$(grep "^bench-$1 " "$WSS_TMP/reports" | tail -n1 | cut -d' ' -f2)" = "$2" ]; }
for v in "${VARIANTS[@]}"; do
  wss_wait_until 10 counts "$v" "$CONNECTIONS" || wss_fail "sidecar $v does not count $CONNECTIONS"
  if [[ $v == *-push ]]; then
    wss_wait_until 10 pushed "$v" "$CONNECTIONS" || wss_fail "sidecar $v never pushed $CONNECTIONS"
  fi
done

# sample_time V: "SUM COUNT" of sidecar V's sample duration histogram (seconds, samples).
sample_time() {
  curl -sf "http://127.0.0.1:${SC_PORT[$1]}/metrics" | awk '
    $1 == "wsscale_sidecar_sample_duration_seconds_sum" { s = $2 }
    $1 == "wsscale_sidecar_sample_duration_seconds_count" { c = $2 } END { print s + 0, c + 0 }'
}

# Scrapes happen outside the CPU readings: before the first, after the last.
declare -A CPU0 REPORTS0 SAMPLES0
for v in "${VARIANTS[@]}"; do
  SAMPLES0[$v]=$(sample_time "$v")
  CPU0[$v]=$(bench_cpu_ticks "${SC_PID[$v]}")
  REPORTS0[$v]=$(grep -c "^bench-$v " "$WSS_TMP/reports" || true)
done
tcp0=$(grep "^TCP:" /proc/net/sockstat)
t0=$(date +%s%N)
sleep "$WINDOW" # the measured window itself: the sidecars run on their own meanwhile
t1=$(date +%s%N)
tcp1=$(grep "^TCP:" /proc/net/sockstat)

echo "sidecar_cost: $CONNECTIONS idle connections on wsscale-server --threads 1, --interval $INTERVAL," \
  "${WINDOW}s window"
echo "machine: $(bench_machine)"
# The socket source walks the whole TCP table in the kernel: other sockets (TIME_WAIT ones left by
# other work on the machine) make its samples dearer, so the table's size is part of the result.
echo "TCP sockets in this namespace (/proc/net/sockstat): at start \"$tcp0\", at end \"$tcp1\""
echo "push: to bench/push_sink.py on 127.0.0.1 over HTTPS keep-alive (ECDSA P-256 certificate, bearer token)"
printf '\n%-12s %8s %7s %9s %8s %8s %8s %8s %8s %8s %8s %8s %7s\n' sidecar cpu_s cpu_pct sample_ms \
  vmrss anon file shmem priv_dirty priv_clean shared pss pushes
for v in "${VARIANTS[@]}"; do
  pid=${SC_PID[$v]}
  ticks=$(($(bench_cpu_ticks "$pid") - CPU0[$v]))
  sample_ms=$(awk -v a="${SAMPLES0[$v]}" -v b="$(sample_time "$v")" 'BEGIN { split(a, x, " ");
    split(b, y, " "); if (y[2] > x[2]) printf "%.3f", 1000 * (y[1] - x[1]) / (y[2] - x[2]); else print "-" }')
  pushes=$(($(grep -c "^bench-$v " "$WSS_TMP/reports" || true) - REPORTS0[$v]))
  counts "$v" "$CONNECTIONS" || wss_fail "sidecar $v no longer counts $CONNECTIONS"
  printf '%-12s %8s %6s%% %9s %8s %8s %8s %8s %8s %8s %8s %8s %7s\n' "$v" "$(bench_ticks_to_s "$ticks")" \
    "$(awk -v t="$ticks" -v hz="$WSS_CLK_TCK" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", 100 * t / hz / ((b - a) / 1e9) }')" \
    "$sample_ms" \
    "$(bench_status_kib "$pid" VmRSS)" "$(bench_status_kib "$pid" RssAnon)" \
    "$(bench_status_kib "$pid" RssFile)" "$(bench_status_kib "$pid" RssShmem)" \
    "$(bench_rollup_kib "$pid" Private_Dirty)" "$(bench_rollup_kib "$pid" Private_Clean)" \
    "$(bench_rollup_kib "$pid" Shared_Clean Shared_Dirty)" "$(bench_rollup_kib "$pid" Pss)" \
    "$([[ $v == *-push ]] && echo "$pushes" || echo -)" | tee -a "$WSS_TMP/rows"
done
echo "(sample_ms: mean time of one sample, from the sidecar's own histogram; memory in KiB;"
echo " vmrss = anon + file + shmem; file pages are mostly shared libraries)"
awk -v gc="$GOAL_CPU_PCT" -v gr="$GOAL_RSS_KIB" '
  { cpu = $3; sub(/%/, "", cpu)
    printf "%-12s CPU %.3f%% of a core (goal < %.1f%%: %s), VmRSS %d KiB (goal < %d KiB: %s)\n", $1, cpu,
      gc, (cpu + 0 < gc) ? "met" : "NOT met", $5, gr, ($5 + 0 < gr) ? "met" : "NOT met" }' "$WSS_TMP/rows"
