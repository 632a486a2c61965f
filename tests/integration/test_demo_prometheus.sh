#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_demo_prometheus.sh: wsscale-demo --prometheus on a very short profile (120 clients in 2 steps,
#   target 30 per pod, 2..6 replicas, 2 s sync): prom.yml passes promtool; while the replicas are up,
#   Prometheus's websocket_connections per pod (job wsscale-sidecars, with the namespace and pod
#   labels the dashboard uses) equals what the adapter serves to kubectl, pod for pod; the file_sd
#   targets files list exactly the pods alive (from the demo's event log), Prometheus's active
#   targets follow them, and the adapter's own target is up; after the scale-down the files list only
#   the pods that remain; the demo ends by itself with the Prometheus line in its summary and no
#   Prometheus left running.
# Does not: check scaling, draining or freshness (test_demo_e2e.sh), or the dashboard
#   (test_grafana_queries.sh).
# Threads: n/a (one shell; the demo in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

DEMO="$WSS_BUILD_DIR/tools/demo/wsscale-demo"
[ -x "$DEMO" ] || wss_fail "missing $DEMO: build the wsscale-demo target"
for tool in jq curl prometheus promtool kubectl; do
  command -v "$tool" >/dev/null || wss_fail "$tool is not installed"
done
OUT="$WSS_TMP/out"
EVENTS="$OUT/events.jsonl"
TARGETS="$OUT/prometheus/targets"

wss_start demo "$DEMO" --bin-dir "$WSS_BUILD_DIR" --out-dir "$OUT" --quiet --prometheus \
  --prometheus-bin "$(command -v prometheus)" \
  --connections 120 --target 30 --min-replicas 2 --max-replicas 6 --load-steps 2 \
  --ramp-up 6s --hold 20s --ramp-down 4s --tail 6s --sync-period 2s \
  --scale-down-stabilization 4s --sample-interval 1s --drain-delay 300ms --drain-seconds 1
DEMO_PID=${WSS_PIDS[-1]}

events() {
  jq -s "${1:-.}" "$EVENTS"
}
has_event() {
  [ -f "$EVENTS" ] && [ "$(events "map(select($1)) | length")" -gt 0 ]
}

wss_wait_until 60 has_event '.event == "start"' || { cat "$WSS_TMP/demo.log" >&2; wss_fail "the demo did not start"; }
PROM_URL=$(events 'map(select(.event == "start"))[0].prometheus' | jq -r .)
KUBECONFIG_FILE=$(events 'map(select(.event == "start"))[0].kubeconfig' | jq -r .)
[[ "$PROM_URL" == http://127.0.0.1:* ]] || wss_fail "no Prometheus URL in the start event: $PROM_URL"
curl -sf "$PROM_URL/-/ready" >/dev/null || wss_fail "Prometheus is not ready after the demo said it started"
promtool check config "$OUT/prometheus/prom.yml" >/dev/null || wss_fail "the demo's prom.yml is invalid"
grep -q "prometheus $PROM_URL" "$WSS_TMP/demo.log" || wss_fail "the demo did not print the Prometheus URL"

PATH_M='/apis/custom.metrics.k8s.io/v1beta2/namespaces/demo/pods/%2A/websocket_connections?labelSelector=app%3Dchat'
query() { curl -s --max-time 5 "$PROM_URL/api/v1/query" --data-urlencode "query=$1"; }

# alive_pods: the pods the event log shows as present (a phase seen, not gone), sorted, one a line.
alive_pods() {
  events '[.[] | select(.event == "pod_phase" or .event == "pod_gone")] | group_by(.pod)
    | map(select(last.event != "pod_gone") | .[0].pod) | sort | .[]' | jq -r .
}
# file_pods KIND: the pods a targets file lists, sorted.
file_pods() {
  jq -r '[.[].labels.pod] | sort | .[]' "$TARGETS/$1.json"
}
# prom_pods JOB: the pods of Prometheus's active targets of JOB, sorted.
prom_pods() {
  curl -s --max-time 5 "$PROM_URL/api/v1/targets?state=active" |
    jq -r --arg j "$1" '[.data.activeTargets[] | select(.labels.job == $j) | .labels.pod] | sort | .[]'
}
# files_follow_pods: both targets files and Prometheus's targets list exactly the alive pods.
files_follow_pods() {
  local want
  want=$(alive_pods)
  [ -n "$want" ] && [ "$(file_pods sidecars)" = "$want" ] && [ "$(file_pods servers)" = "$want" ] &&
    [ "$(prom_pods wsscale-sidecars)" = "$want" ] && [ "$(prom_pods wsscale-server)" = "$want" ]
}
# counts_match: Prometheus's per-pod value equals the adapter's, for the same set of pods, over 2 pods
# with connections; the compared maps are left in $WSS_TMP/{prom,adapter}.json.
counts_match() {
  query 'websocket_connections{job="wsscale-sidecars", namespace="demo"}' |
    jq -S '[.data.result[] | {(.metric.pod): (.value[1] | tonumber)}] | add // {}' >"$WSS_TMP/prom.json"
  kubectl --kubeconfig "$KUBECONFIG_FILE" --cache-dir "$WSS_TMP/kc" get --raw "$PATH_M" |
    jq -S '[.items[] | {(.describedObject.name): (.value | tonumber)}] | add // {}' >"$WSS_TMP/adapter.json"
  [ "$(jq 'length' "$WSS_TMP/adapter.json")" -gt 2 ] && [ "$(jq '[.[]] | add' "$WSS_TMP/adapter.json")" -gt 0 ] &&
    cmp -s "$WSS_TMP/prom.json" "$WSS_TMP/adapter.json"
}

# The hold: the replicas rose above 2, so the pod set changed since the start.
wss_wait_until 60 has_event '.event == "hpa" and .desired > 2' || wss_fail "the replicas never rose above 2"
wss_wait_until 30 files_follow_pods || {
  echo "alive: $(alive_pods | tr '\n' ' ')" >&2
  echo "files: $(file_pods sidecars | tr '\n' ' ') / $(file_pods servers | tr '\n' ' ')" >&2
  echo "prometheus: $(prom_pods wsscale-sidecars | tr '\n' ' ') / $(prom_pods wsscale-server | tr '\n' ' ')" >&2
  wss_fail "the targets did not follow the pod set"
}
n_up=$(alive_pods | wc -l)
[ "$n_up" -gt 2 ] || wss_fail "only $n_up pods in the targets during the hold"
wss_wait_until 20 counts_match || wss_fail "Prometheus $(cat "$WSS_TMP/prom.json") != adapter $(cat "$WSS_TMP/adapter.json")"
echo "hold: $n_up pods in the targets; Prometheus == adapter: $(jq -c . "$WSS_TMP/prom.json")"
[ "$(query 'up{job="wsscale-adapter", namespace="wsscale-system"}' | jq -r '.data.result[0].value[1]')" = 1 ] ||
  wss_fail "the adapter's metrics target is not up"

# The end: the demo exits 0 by itself; the files list only the pods that remained; no Prometheus.
wss_wait_until 120 bash -c "! kill -0 $DEMO_PID 2>/dev/null" || wss_fail "the demo did not end"
wait "$DEMO_PID" && rc=0 || rc=$?
[ "$rc" = 0 ] || { tail -30 "$WSS_TMP/demo.log" >&2; wss_fail "the demo exited $rc"; }
final=$(alive_pods)
[ "$(wc -l <<<"$final")" = 2 ] || wss_fail "expected 2 pods at the end, the event log shows: $final"
if [ "$(file_pods sidecars)" != "$final" ] || [ "$(file_pods servers)" != "$final" ]; then
  wss_fail "after the scale-down the targets list $(file_pods sidecars | tr '\n' ' '), not $(tr '\n' ' ' <<<"$final")"
fi
grep -q "prometheus: was at $PROM_URL" "$OUT/summary.txt" || wss_fail "no Prometheus line in the summary"
if pgrep -f -- "$OUT/prometheus/prom.yml" >/dev/null; then
  wss_fail "Prometheus left running: $(pgrep -af -- "$OUT/prometheus/prom.yml")"
fi
! curl -s --max-time 1 "$PROM_URL/-/ready" >/dev/null || wss_fail "something still answers on $PROM_URL"
echo "PASS test_demo_prometheus: $n_up pods during the hold, $(tr '\n' ' ' <<<"$final")at the end"
