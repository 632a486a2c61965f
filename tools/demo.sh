#!/usr/bin/env bash
# demo.sh BUILD_DIR: the local demo of the pieces that exist today, on loopback, about a minute long.
#
# Two "pods" share one port the way a Service spreads clients: each is a wsscale-server (SO_REUSEPORT on
# the same address) with its own shared-memory counter and a wsscale-sidecar reading it. wsscale-load
# opens echo clients that reconnect like well-behaved clients. Half-way through, pod chat-a is told to go
# away (SIGTERM): it fails readiness, drains its clients with 1001 spread over a few seconds, they
# reconnect to chat-b, and chat-a's sidecar sends its last sample. The sidecars' /metrics are what the
# adapter will serve to the HPA once it exists. Everything it starts is stopped when it ends.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/demo-out"
server="$build/server/wsscale-server"
sidecar="$build/sidecar/wsscale-sidecar"
load="$build/tools/load/wsscale-load"

CONNECTIONS=${DEMO_CONNECTIONS:-600}
DURATION_S=${DEMO_DURATION_S:-40}
DRAIN_AT_S=${DEMO_DRAIN_AT_S:-15}
DRAIN_SECONDS=${DEMO_DRAIN_SECONDS:-6}

for bin in "$server" "$sidecar" "$load"; do
  [ -x "$bin" ] || { echo "demo.sh: $bin is missing; run 'make build' first" >&2; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/*.log "$out/timeline.csv" "$out/load.json"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "/dev/shm/wsscale-demo-$$-a" "/dev/shm/wsscale-demo-$$-b"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_until SECONDS CMD...: polls CMD every 100 ms; fails after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "demo.sh: timed out waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}

# connections POD: the pod's sidecar's websocket_connections, or "-" while it has no good sample.
connections() {
  local v
  v=$(curl -sf --max-time 1 "http://127.0.0.1:${metrics_port[$1]}/metrics" 2>/dev/null |
    awk '$1 == "websocket_connections" {print $2}') || true
  echo "${v:--}"
}

app_port=$(free_port)
declare -A metrics_port server_pid sidecar_pid
for pod in a b; do
  metrics_port[$pod]=$(free_port)
  printf 'app="chat"\npod-template-hash="demo"\n' >"$out/chat-$pod.labels"
  "$server" --listen "127.0.0.1:$app_port" --threads 1 --shm "/wsscale-demo-$$-$pod" \
    --drain-delay 1s --drain-seconds "$DRAIN_SECONDS" >"$out/server-$pod.log" 2>&1 &
  server_pid[$pod]=$!
  pids+=($!)
  POD_NAMESPACE=demo POD_NAME="chat-$pod" POD_UID="00000000-0000-4000-8000-00000000000${pod/a/1}" \
    "$sidecar" --source shm --shm "/wsscale-demo-$$-$pod" --interval 500ms \
    --listen "127.0.0.1:${metrics_port[$pod]}" --labels-file "$out/chat-$pod.labels" \
    --adapter-url= >"$out/sidecar-$pod.log" 2>&1 &
  sidecar_pid[$pod]=$!
  pids+=($!)
done
for pod in a b; do
  wait_until 10 curl -sf "http://127.0.0.1:${metrics_port[$pod]}/readyz"
done

echo "wsscale demo: pods chat-a and chat-b serve ws://127.0.0.1:$app_port/ws (one port, SO_REUSEPORT)"
echo "  sidecars: http://127.0.0.1:${metrics_port[a]}/metrics  http://127.0.0.1:${metrics_port[b]}/metrics"
echo "  $CONNECTIONS echo clients for ${DURATION_S}s; chat-a is stopped at ${DRAIN_AT_S}s and drains over ${DRAIN_SECONDS}s"
echo

"$load" --url "ws://127.0.0.1:$app_port/ws" --connections "$CONNECTIONS" --rate 100 --mode echo \
  --message-interval 1s --payload-bytes 64 --reconnect --duration "${DURATION_S}s" --json \
  >"$out/load.json" 2>"$out/load.log" &
load_pid=$!
pids+=($!)

echo "t,chat-a,chat-b" >"$out/timeline.csv"
printf '%4s  %8s  %8s  %8s  %s\n' "t(s)" "chat-a" "chat-b" "total" "event"
drained=0
start=$SECONDS
# One line a second until the load ends (bounded by its --duration plus its close timeout).
while kill -0 "$load_pid" 2>/dev/null && [ $((SECONDS - start)) -le $((DURATION_S + 15)) ]; do
  t=$((SECONDS - start))
  event=""
  if [ "$drained" = 0 ] && [ "$t" -ge "$DRAIN_AT_S" ]; then
    kill -TERM "${server_pid[a]}"
    drained=1
    event="SIGTERM chat-a: readiness fails, clients get 1001 and move to chat-b"
  fi
  a=$(connections a)
  b=$(connections b)
  total=$(( ${a/-/0} + ${b/-/0} ))
  printf '%4d  %8s  %8s  %8d  %s\n' "$t" "$a" "$b" "$total" "$event"
  echo "$t,$a,$b" >>"$out/timeline.csv"
  sleep 1
done
wait "$load_pid" && load_rc=0 || load_rc=$?

# chat-a's server has exited after its drain; its sidecar now sends its last report and exits.
wait "${server_pid[a]}" && server_rc=0 || server_rc=$?
kill -TERM "${sidecar_pid[a]}"
wait "${sidecar_pid[a]}" && sidecar_rc=0 || sidecar_rc=$?

echo
echo "summary (full JSON in demo-out/load.json):"
jq -r '"  messages echoed: \(.messages.received) of \(.messages.sent) sent",
       "  round trip ms: p50 \(.rtt_ms.p50) p99 \(.rtt_ms.p99) max \(.rtt_ms.max)",
       "  close codes from the servers: \(.close_codes | to_entries | map("\(.key) x\(.value.count) between \(.value.first_s | floor)s and \(.value.last_s | floor)s") | join(", "))",
       "  clients that reconnected: \(.reconnects)",
       "  errors: \(.errors.total)"' \
  "$out/load.json" 2>/dev/null || cat "$out/load.json"
echo "  chat-a server exit code: $server_rc; chat-a sidecar exit code: $sidecar_rc; load exit code: $load_rc"
[ "$server_rc" = 0 ] && [ "$sidecar_rc" = 0 ] && [ "$load_rc" = 0 ]
