#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_demo_e2e.sh: wsscale-demo end to end on a short profile (300 clients in 3 steps, the last
#   held 20 s longer so the scale-down drains pods with clients; target 50 per pod,
#   2..8 replicas, 3 s sync): replicas rise once connections per pod pass the target and settle at
#   the count the HPA formula gives for the per-pod values kubectl reads; kubectl's answer equals
#   the sum of the servers' own counts; every scale-down deleted the emptiest pods (from the
#   demo's event log) and their clients got 1001 and reconnected without errors; the demo ends by
#   itself with its chart and summary, and nothing it started is left running.
#   With --netns (root only, else skipped): the same run with every pod in a network namespace of
#   its own on a pod network, all servers on the same port 8080, the sidecars counting their own
#   namespace's socket table; and afterwards the host has no interface of the demo's left.
# Does not: check the HPA's algorithm case by case (tests/unit/test_hpa.c) or the front alone.
# Threads: n/a (one shell; the demo in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

DEMO="$WSS_BUILD_DIR/tools/demo/wsscale-demo"
[ -x "$DEMO" ] || wss_fail "missing $DEMO: build the wsscale-demo target"
OUT="$WSS_TMP/out"
EVENTS="$OUT/events.jsonl"
TARGET=50
RAMP_UP_S=12
HOLD_S=20
SAMPLE_S=1
MODE_ARGS=()
NETNS=0
if [ "${1:-}" = --netns ]; then
  NETNS=1
  [ "$(id -u)" = 0 ] || { echo "SKIP: --netns needs root"; exit 77; }
  # A /24 of its own per run, so a concurrent run elsewhere does not collide.
  CIDR_NET="10.213.$((RANDOM % 150 + 100))"
  MODE_ARGS=(--netns --pod-cidr "$CIDR_NET.0/24" --sidecar-source socket)
fi

wss_start demo "$DEMO" --bin-dir "$WSS_BUILD_DIR" --out-dir "$OUT" --quiet \
  --connections 300 --target "$TARGET" --min-replicas 2 --max-replicas 8 --load-steps 3 \
  --ramp-up "${RAMP_UP_S}s" --hold "${HOLD_S}s" --ramp-down 12s --sync-period 3s \
  --tail 20s --scale-down-stabilization 6s --sample-interval "${SAMPLE_S}s" --drain-delay 500ms \
  --drain-seconds 2 "${MODE_ARGS[@]}"
DEMO_PID=${WSS_PIDS[-1]}

# events [JQ FILTER]: the event log as one JSON array, filtered.
events() {
  jq -s "${1:-.}" "$EVENTS"
}
has_event() {
  [ -f "$EVENTS" ] && [ "$(events "map(select($1)) | length")" -gt 0 ]
}

wss_wait_until 30 has_event '.event == "start"' || { cat "$WSS_TMP/demo.log" >&2; wss_fail "the demo did not start"; }
KUBECONFIG_FILE=$(events 'map(select(.event == "start"))[0].kubeconfig' | jq -r .)
FRONT=$(events 'map(select(.event == "start"))[0].front' | jq -r .)
PATH_M='/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/%2A/websocket_connections?labelSelector=app%3Dchat'
kraw() {
  kubectl --kubeconfig "$KUBECONFIG_FILE" --cache-dir "$WSS_TMP/kc" get --raw "$1"
}
if [ "$NETNS" = 1 ]; then
  HOST_IF=$(events 'map(select(.event == "start"))[0].host_interface' | jq -r .)
  ip -4 -o addr show dev "$HOST_IF" | grep -q "inet $CIDR_NET.1/24" ||
    wss_fail "the host side $HOST_IF lacks $CIDR_NET.1/24: $(ip -4 -o addr show dev "$HOST_IF")"
  events 'map(select(.event == "start"))[0].adapter' | grep -q "https://$CIDR_NET.1:" ||
    wss_fail "the adapter is not on the pod network: $(events 'map(select(.event == "start"))')"
fi

# The hold: wait for a sync well into it, after the replicas had time to follow the ramp.
settle_t=$((RAMP_UP_S + 9))
wss_wait_until 90 has_event ".event == \"hpa\" and .t >= $settle_t" || wss_fail "no HPA sync during the hold"

# servers_sum: the sum of websocket_connections on every running server's own /metrics.
servers_sum() {
  local sum=0 addr v
  for addr in $(events 'map(select(.event == "pod_phase" and .phase == "Running")) | map("\(.ip):\(.port)") | unique' | jq -r '.[]'); do
    v=$(curl -sf --max-time 1 "http://$addr/metrics" | awk '$1 == "websocket_connections" {print $2}') || v=0
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# kubectl's total matches the servers' own total read just before or just after it; a change in
# between gets another try (each read is well within one sample interval).
matched=0
for _ in 1 2 3 4 5; do
  before=$(servers_sum)
  reply=$(kraw "$PATH_M")
  after=$(servers_sum)
  k_sum=$(jq '[.items[].value | tonumber] | add // 0' <<<"$reply")
  if [ "$k_sum" = "$before" ] || [ "$k_sum" = "$after" ]; then
    matched=1
    break
  fi
  echo "kubectl total $k_sum, servers $before then $after: again" >&2
done
[ "$matched" = 1 ] || wss_fail "kubectl's total never matched the servers' own counts"
[ "$k_sum" -gt 0 ] || wss_fail "no connections during the hold: $reply"

# The HPA formula on kubectl's per-pod values: within 10% of the target keeps the count, else
# ceil(sum / target). The demo's replicas at that moment must be that count.
n_items=$(jq '.items | length' <<<"$reply")
replicas=$(events 'map(select(.event == "hpa")) | last | .desired')
expected=$(jq -n --argjson sum "$k_sum" --argjson n "$n_items" --argjson t "$TARGET" '
  ($sum / $n / $t) as $ratio
  | if ($ratio - 1 | fabs) <= 0.1 then $n else ($sum / $t | ceil) end')
[ "$replicas" = "$expected" ] || wss_fail "replicas $replicas, but the HPA formula gives $expected for $k_sum connections over $n_items pods ($reply)"
[ "$replicas" -gt 2 ] || wss_fail "the replicas never rose above minReplicas"

# The first scale-up came when the average per pod was over the target (plus tolerance).
first_up=$(events 'map(select(.event == "hpa" and .desired > .current)) | first')
[ "$first_up" != null ] || wss_fail "no scale-up"
jq -e --argjson t "$TARGET" '.usage > $t * 1.1' <<<"$first_up" >/dev/null ||
  wss_fail "scaled up below the target: $first_up"

# The demo ends by itself (profile end plus the scale-down and drains) and exits 0.
wss_wait_until 120 bash -c "! kill -0 $DEMO_PID 2>/dev/null" || wss_fail "the demo did not end"
wait "$DEMO_PID" && rc=0 || rc=$?
[ "$rc" = 0 ] || { tail -30 "$WSS_TMP/demo.log" >&2; wss_fail "the demo exited $rc"; }
for f in scaling.csv scaling.png summary.txt; do
  [ -s "$OUT/$f" ] || wss_fail "no $f"
done
[ "$(head -c 4 "$OUT/scaling.png" | tail -c 3)" = PNG ] || wss_fail "scaling.png is not a PNG"
grep -q 'freshness (server count change -> adapter API shows it' "$OUT/summary.txt" ||
  wss_fail "no freshness line: $(cat "$OUT/summary.txt")"
events 'map(select(.event == "end"))[0]' | jq -e '.final_replicas == 2 and .load_ok and .freshness_n > 0' \
  >/dev/null || wss_fail "end event: $(events 'map(select(.event == "end"))')"

# Every scale-down deleted pods with no more connections than any pod it kept.
downs=$(events 'map(select(.event == "scale_down"))')
[ "$(jq length <<<"$downs")" -gt 0 ] || wss_fail "no scale-down"
jq -e 'all(.[]; (.counts | to_entries) as $c | (.deleted) as $d
  | ([$c[] | select(.key as $k | $d | index($k)) | .value] | max // 0)
    <= ([$c[] | select(.key as $k | ($d | index($k)) | not) | .value] | min // 1e9))' \
  <<<"$downs" >/dev/null || wss_fail "a scale-down deleted a fuller pod: $downs"
drained=$(jq '[.[] | (.counts | to_entries) as $c | .deleted[] as $k | $c[] | select(.key == $k) | .value] | add // 0' <<<"$downs")

# The clients: every 1001 came from a drained pod and was followed by a reconnect; no errors.
loads=$(jq -s '.' "$OUT"/load-*.json)
c1001=$(jq '[.[].close_codes["1001"].count // 0] | add' <<<"$loads")
reconnects=$(jq '[.[].reconnects] | add' <<<"$loads")
errors=$(jq '[.[].errors.total] | add' <<<"$loads")
other=$(jq '[.[] | (.close_codes | to_entries[] | select(.key != "1001" and .key != "1000") | .value.count), .close_codes_other] | add // 0' <<<"$loads")
echo "scale-downs drained $drained clients; 1001 closes $c1001, reconnects $reconnects, errors $errors, other closes $other"
[ "$drained" -gt 0 ] || wss_fail "no scale-down had clients to drain: $downs"
[ "$c1001" -gt 0 ] && [ "$c1001" -le "$drained" ] || wss_fail "1001 closes $c1001 for $drained drained clients"
[ "$reconnects" -ge "$c1001" ] || wss_fail "$c1001 clients got 1001 but only $reconnects reconnected"
[ "$errors" = 0 ] && [ "$other" = 0 ] || wss_fail "load errors: $(jq -c '[.[] | .errors, .error_examples]' <<<"$loads")"

# With --netns every pod had an address of its own on the pod network and the same port (only
# possible in namespaces of their own), and the host's end of the pod network went with the demo.
if [ "$NETNS" = 1 ]; then
  phases=$(events 'map(select(.event == "pod_phase"))')
  jq -e --arg net "$CIDR_NET." 'all(.[]; (.ip | startswith($net)) and .port == 8080)' <<<"$phases" >/dev/null ||
    wss_fail "pods not on the pod network at port 8080: $(jq -c 'map({pod, ip, port})' <<<"$phases")"
  n_ips=$(jq '[.[].ip] | unique | length' <<<"$phases")
  n_pods=$(jq '[.[].pod] | unique | length' <<<"$phases")
  [ "$n_ips" -ge 2 ] && [ "$n_ips" = "$n_pods" ] || wss_fail "$n_pods pods but $n_ips addresses"
  wss_wait_until 10 bash -c "! ip link show dev '$HOST_IF' >/dev/null 2>&1" ||
    wss_fail "the host interface $HOST_IF is left: $(ip -o link show dev "$HOST_IF")"
  ! ip -4 -o addr show | grep -q "inet $CIDR_NET\." || wss_fail "an address on $CIDR_NET.0/24 is left: $(ip -4 -o addr show)"
fi

# Nothing left running: no process with the demo's shm names, cert dir or front URL, no shm.
for pat in "wsscale-demo-$DEMO_PID-" "$OUT/run/certs" "$FRONT"; do
  if pgrep -f -- "$pat" >/dev/null; then
    wss_fail "left running: $(pgrep -af -- "$pat")"
  fi
done
if compgen -G "/dev/shm/wsscale-demo-$DEMO_PID-*" >/dev/null; then
  wss_fail "shm counters left: $(ls /dev/shm/wsscale-demo-"$DEMO_PID"-*)"
fi
echo "PASS: $(grep -E 'replicas:|freshness' "$OUT/summary.txt" | tr -s ' ')"
