#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# adapter_api.sh: wsscale-adapter pinned to one core with PODS pods pushed into it: the HPA's
#   500-pod selector query over HTTPS keep-alive (p50/p90/p99/max, req/s) with no ingest and with
#   ingest at RATE reports/s running beside it, the ingest rate (paced on one connection, and the
#   closed-loop maximum over MAX_PUSH_CONNECTIONS) with the adapter's CPU share, and its RSS;
#   beside Prometheus answering the equivalent instant query over PODS series it scrapes every
#   second, on the same core, in the same run.
# Does not: run under ctest, or pass/fail on a goal (it prints met / NOT met); stand in for
#   prometheus-adapter itself (Prometheus's query is the floor of its per-request path).
# Threads: n/a (one shell; the server under test, the exposition server and the clients in the
#   background, all on 127.0.0.1).
#
# usage: bench/adapter_api.sh [BUILD_DIR]   (default: build; needs wsscale-adapter and
#        wsscale-adapter-bench; prometheus and taskset on PATH)
# env:   PODS=10000 APPS=20 REQUESTS=20000 PROM_REQUESTS=REQUESTS WARMUP=500 RATE=10000
#        DURATION=10 BATCH=100 MAX_PUSH_CONNECTIONS=2 SERVER_CPU=0 CLIENT_CPU=1
#        ADAPTER=BUILD_DIR/adapter/wsscale-adapter (another build or a wrapper taking its flags)
# The adapter and Prometheus run one after the other on SERVER_CPU; every client runs on
# CLIENT_CPU. CPU shares are utime+stime of every thread (/proc/PID/stat) over the window.
WSS_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
WSS_BUILD_DIR=$(cd "${1:-$WSS_SOURCE_DIR/build}" && pwd)
export WSS_SOURCE_DIR WSS_BUILD_DIR
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/bench/bench_lib.sh"

PODS=${PODS:-10000}
APPS=${APPS:-20}
REQUESTS=${REQUESTS:-20000}
PROM_REQUESTS=${PROM_REQUESTS:-$REQUESTS}
WARMUP=${WARMUP:-500}
RATE=${RATE:-10000}
DURATION=${DURATION:-10}
BATCH=${BATCH:-100}
MAX_PUSH_CONNECTIONS=${MAX_PUSH_CONNECTIONS:-2}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
ADAPTER=${ADAPTER:-$WSS_BUILD_DIR/adapter/wsscale-adapter}
BENCH="$WSS_BUILD_DIR/bench/wsscale-adapter-bench"
GOAL_P99_MS=1
GOAL_RATE=10000
GOAL_RSS_KIB=$((32 * 1024))
APP=web-7 # the selector's value; pods i with i % APPS == 7 carry it
EXPECT=$(((PODS + APPS - 1 - 7) / APPS))
PROMQL="sum by (pod) (websocket_connections{namespace=\"bench\",app=\"$APP\"})"
bench_require "$ADAPTER" "$BENCH"
for tool in prometheus taskset jq curl; do
  command -v "$tool" >/dev/null || wss_fail "$tool is not installed"
done
((PODS > 7 && APPS > 7)) || wss_fail "PODS and APPS must be more than 7 (the selector is app=web-7)"

# stop PID: stops one process started with wss_start and waits for it (the EXIT trap does the rest).
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# pct TICKS SECONDS: CPU ticks over a window of SECONDS as a percentage of one core.
pct() { awk -v t="$1" -v s="$2" -v hz="$WSS_CLK_TCK" 'BEGIN { printf "%.1f", (s > 0) ? 100 * t / hz / s : 0 }'; }

# client NAME ARGS...: runs wsscale-adapter-bench on CLIENT_CPU, its JSON in $WSS_TMP/NAME.json;
# fails the run when the tool does (a wrong item count, a refused report, a failed request).
client() {
  local name=$1
  shift
  taskset -c "$CLIENT_CPU" "$BENCH" "$@" >"$WSS_TMP/$name.json" 2>"$WSS_TMP/$name.err" ||
    wss_fail "$name: $(jq -c '{codes, first_error}' "$WSS_TMP/$name.json" 2>/dev/null) $(cat "$WSS_TMP/$name.err")"
}

# row LABEL FILE CPU_PCT: one line of the latency table from a query summary and the server's CPU
# share over the run; cpu_ms_per_req = that share of a second / req_per_s (the warm-up included).
row() {
  jq -r --arg l "$1" '[$l, .latency_ms.p50, .latency_ms.p90, .latency_ms.p99, .latency_ms.max,
    .req_per_s, .requests, .bad, .new_connections] | map(tostring) | join(" ")' "$2" |
    awk -v c="$3" '{ printf "%-26s %8.3f %8.3f %8.3f %8.3f %9.0f %8d %4d %8d %9s%% %14.3f\n", $1, $2, $3,
      $4, $5, $6, $7, $8, $9, c, ($6 > 0) ? 10 * c / $6 : 0 }'
}

echo "adapter_api: $PODS pods (app=web-0..web-$((APPS - 1))), the HPA's query for app=$APP ($EXPECT pods)," \
  "$REQUESTS requests after $WARMUP warm-up on one keep-alive connection; servers on CPU $SERVER_CPU," \
  "clients on CPU $CLIENT_CPU"
echo "machine: $(bench_machine)"
echo "peer: $(prometheus --version 2>&1 | head -n1), $PODS series scraped every 1s from one" \
  "exposition endpoint, instant query: $PROMQL"

# ---- wsscale-adapter ----
PORT=$(wss_free_port)
MPORT=$(wss_free_port)
URL="https://127.0.0.1:$PORT"
wss_start adapter taskset -c "$SERVER_CPU" "$ADAPTER" --secure-port "$PORT" --bind-address 127.0.0.1 \
  --cert-dir "$WSS_TMP/certs" --authorization-mode=always-allow --ingest-auth=none --authentication-skip-lookup \
  --metrics-bind-address "127.0.0.1:$MPORT" --max-pods "$((PODS * 2))" --stale-after=10m \
  --log-level warn
ADAPTER_PID=${WSS_PIDS[-1]}
wss_wait_until 20 curl -skf "$URL/apis/custom.metrics.k8s.io/v1beta2" ||
  wss_fail "the adapter did not start: $(tail -n5 "$WSS_TMP/adapter.log")"
rss_start=$(bench_status_kib "$ADAPTER_PID" VmRSS)

# Every pod once; --stale-after keeps them servable through the query runs without a refresh.
client register --mode push --url "$URL" --insecure --pods "$PODS" --apps "$APPS" --batch "$BATCH" \
  --duration 0
rss_registered=$(bench_status_kib "$ADAPTER_PID" VmRSS)

# query NAME [RATE]: the query run, with a push client sending RATE reports/s beside it when RATE
# is given; that client is stopped (SIGTERM: it prints its summary) once the query run is over.
# The adapter's CPU share over the query run goes to NAME.cpu.
query() {
  local name=$1 push_pid="" cpu0 cpu1 t0 t1
  if [ -n "${2:-}" ]; then
    taskset -c "$CLIENT_CPU" "$BENCH" --mode push --url "$URL" --insecure --pods "$PODS" \
      --apps "$APPS" --batch "$BATCH" --register=false --rate "$2" --duration 3600s \
      --max-seconds 3600 >"$WSS_TMP/$name-push.json" 2>"$WSS_TMP/$name-push.err" &
    push_pid=$!
    WSS_PIDS+=("$push_pid")
  fi
  cpu0=$(bench_cpu_ticks "$ADAPTER_PID")
  t0=$(date +%s%N)
  client "$name" --mode query --url "$URL" --insecure --requests "$REQUESTS" --warmup "$WARMUP" \
    --expect-items "$EXPECT"
  t1=$(date +%s%N)
  cpu1=$(bench_cpu_ticks "$ADAPTER_PID")
  if [ -n "$push_pid" ]; then
    stop "$push_pid"
    jq -e '.ok' "$WSS_TMP/$name-push.json" >/dev/null ||
      wss_fail "$name: the push beside the queries failed: $(cat "$WSS_TMP/$name-push.json" "$WSS_TMP/$name-push.err")"
  fi
  pct $((cpu1 - cpu0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" >"$WSS_TMP/$name.cpu"
}
query q-idle
query q-ingest "$RATE"

# The ingest rate alone, paced, then closed-loop (as fast as the adapter answers).
ingest() {
  local name=$1 cpu0 cpu1
  shift
  cpu0=$(bench_cpu_ticks "$ADAPTER_PID")
  client "$name" --mode push --url "$URL" --insecure --pods "$PODS" --apps "$APPS" --batch "$BATCH" \
    --register=false --duration "${DURATION}s" "$@"
  cpu1=$(bench_cpu_ticks "$ADAPTER_PID")
  pct $((cpu1 - cpu0)) "$(jq '.duration_s' "$WSS_TMP/$name.json")" >"$WSS_TMP/$name.cpu"
}
ingest push-paced --rate "$RATE"
ingest push-max --rate 0 --connections "$MAX_PUSH_CONNECTIONS"
ADAPTER_RSS=$(bench_status_kib "$ADAPTER_PID" VmRSS)
ADAPTER_HWM=$(bench_status_kib "$ADAPTER_PID" VmHWM)
ADAPTER_ANON=$(bench_status_kib "$ADAPTER_PID" RssAnon)
stop "$ADAPTER_PID"

# ---- the peer: Prometheus ----
mkdir -p "$WSS_TMP/expo"
awk -v n="$PODS" -v apps="$APPS" 'BEGIN {
  print "# HELP websocket_connections Open WebSocket connections of the pod."
  print "# TYPE websocket_connections gauge"
  for (i = 0; i < n; i++)
    printf "websocket_connections{namespace=\"bench\",pod=\"p-%d\",app=\"web-%d\"} %d\n", i, i % apps, (i * 7 + 1) % 1000
}' >"$WSS_TMP/expo/metrics.txt"
EPORT=$(wss_free_port)
PPORT=$(wss_free_port)
wss_start expo taskset -c "$CLIENT_CPU" /usr/bin/python3 -m http.server --bind 127.0.0.1 \
  --directory "$WSS_TMP/expo" "$EPORT"
wss_wait_until 10 curl -sf "http://127.0.0.1:$EPORT/metrics.txt" || wss_fail "exposition server did not start"
cat >"$WSS_TMP/prom.yml" <<EOF
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: bench
    metrics_path: /metrics.txt
    static_configs: [{targets: ['127.0.0.1:$EPORT']}]
EOF
wss_start prometheus taskset -c "$SERVER_CPU" prometheus --config.file="$WSS_TMP/prom.yml" \
  --storage.tsdb.path="$WSS_TMP/prom-data" --web.listen-address="127.0.0.1:$PPORT" --log.level=warn
PROM_PID=${WSS_PIDS[-1]}
PROM="http://127.0.0.1:$PPORT"
wss_wait_until 20 curl -sf "$PROM/-/ready" || wss_fail "prometheus did not start"
series() {
  [ "$(curl -sf "$PROM/api/v1/query" --data-urlencode 'query=count(websocket_connections)' |
    jq -r '.data.result[0].value[1]')" = "$PODS" ]
}
wss_wait_until 60 series || wss_fail "prometheus never held $PODS series"

# Prometheus's own ingest: its CPU share while it scrapes PODS samples a second, no queries.
cpu0=$(bench_cpu_ticks "$PROM_PID")
t0=$SECONDS
sleep "$DURATION" # the measured window itself: Prometheus scrapes on its own meanwhile
PROM_SCRAPE_CPU=$(pct $(($(bench_cpu_ticks "$PROM_PID") - cpu0)) $((SECONDS - t0)))
cpu0=$(bench_cpu_ticks "$PROM_PID")
t0=$(date +%s%N)
client q-prom --mode query --format prometheus --url "$PROM" --expect-items "$EXPECT" \
  --requests "$PROM_REQUESTS" --warmup "$WARMUP" \
  --path "/api/v1/query?query=$(jq -rn --arg q "$PROMQL" '$q | @uri')"
PROM_QUERY_CPU=$(pct $(($(bench_cpu_ticks "$PROM_PID") - cpu0)) \
  "$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { print (b - a) / 1e9 }')")
PROM_RSS=$(bench_status_kib "$PROM_PID" VmRSS)
PROM_HWM=$(bench_status_kib "$PROM_PID" VmHWM)
stop "$PROM_PID"

# ---- the table ----
printf '\n%-26s %8s %8s %8s %8s %9s %8s %4s %8s %10s %14s\n' query p50_ms p90_ms p99_ms max_ms \
  req_per_s requests bad new_conn server_cpu cpu_ms_per_req
row adapter "$WSS_TMP/q-idle.json" "$(cat "$WSS_TMP/q-idle.cpu")"
row "adapter+ingest_${RATE}/s" "$WSS_TMP/q-ingest.json" "$(cat "$WSS_TMP/q-ingest.cpu")"
row prometheus "$WSS_TMP/q-prom.json" "$PROM_QUERY_CPU"
echo "(the second row ran beside a push of $(jq '.reports_per_s | floor' "$WSS_TMP/q-ingest-push.json")" \
  "reports/s; Prometheus scrapes $PODS samples a second throughout its row)"

printf '\n%-30s %12s %10s %8s %10s %10s %12s\n' ingest target_per_s achieved stored post_p50 post_p99 \
  adapter_cpu
for n in push-paced push-max; do
  jq -r '[.target_rate, .reports_per_s, .post_latency_ms.p50, .post_latency_ms.p99, .connections,
    .reports_stored, .reports_sent] | map(tostring) | join(" ")' "$WSS_TMP/$n.json" |
    awk -v n="$n" -v c="$(cat "$WSS_TMP/$n.cpu")" -v b="$BATCH" '{
      printf "%-30s %12s %10.0f %7.1f%% %8.3fms %8.3fms %11s%%\n", n " (" $5 " conn, batch " b ")",
        ($1 == 0 ? "max" : $1), $2, ($7 > 0) ? 100 * $6 / $7 : 0, $3, $4, c }'
done
echo "prometheus scraping $PODS samples/s (no queries): ${PROM_SCRAPE_CPU}% of its core"

printf '\n%-12s %10s %10s %10s\n' memory_kib VmRSS VmHWM RssAnon
printf '%-12s %10s %10s %10s   (at start %s, after registering %s pods %s)\n' adapter "$ADAPTER_RSS" \
  "$ADAPTER_HWM" "$ADAPTER_ANON" "$rss_start" "$PODS" "$rss_registered"
printf '%-12s %10s %10s %10s\n' prometheus "$PROM_RSS" "$PROM_HWM" "-"

echo
awk -v a50="$(jq '.latency_ms.p50' "$WSS_TMP/q-idle.json")" -v a99="$(jq '.latency_ms.p99' "$WSS_TMP/q-idle.json")" \
  -v i99="$(jq '.latency_ms.p99' "$WSS_TMP/q-ingest.json")" \
  -v p50="$(jq '.latency_ms.p50' "$WSS_TMP/q-prom.json")" -v p99="$(jq '.latency_ms.p99' "$WSS_TMP/q-prom.json")" \
  -v ar="$(jq '.req_per_s' "$WSS_TMP/q-idle.json")" -v pr="$(jq '.req_per_s' "$WSS_TMP/q-prom.json")" \
  -v rate="$(jq '.reports_per_s' "$WSS_TMP/push-paced.json")" -v cpu="$(cat "$WSS_TMP/push-paced.cpu")" \
  -v maxrate="$(jq '.reports_per_s' "$WSS_TMP/push-max.json")" -v target="$RATE" \
  -v acpu="$(cat "$WSS_TMP/q-idle.cpu")" -v pcpu="$PROM_QUERY_CPU" \
  -v arss="$ADAPTER_HWM" -v prss="$PROM_HWM" -v g99="$GOAL_P99_MS" -v grate="$GOAL_RATE" \
  -v grss="$GOAL_RSS_KIB" 'BEGIN {
    printf "adapter/prometheus: p50 %.3fx, p99 %.3fx, req/s %.2fx, server CPU per request %.3fx, peak RSS %.3fx\n",
      a50 / p50, a99 / p99, ar / pr, (acpu / ar) / (pcpu / pr), arss / prss
    printf "goal p99 < %d ms: %s (%.3f ms; %.3f ms with ingest)\n", g99,
      (a99 < g99 && i99 < g99) ? "met" : "NOT met", a99, i99
    printf "goal >= %d reports/s on one core: %s (closed loop %.0f/s; paced at %d/s: %.0f/s at %s%% of the adapter'"'"'s core)\n",
      grate, (maxrate >= grate) ? "met" : "NOT met", maxrate, target, rate, cpu
    printf "goal RSS < 32 MiB: %s (peak %d KiB)\n", (arss < grss) ? "met" : "NOT met", arss
  }'
echo "machine at the end: $(bench_machine)"
