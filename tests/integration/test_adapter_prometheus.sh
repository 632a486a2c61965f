#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_prometheus.sh: wsscale-adapter --source=prometheus against a real Prometheus
#   scraping two real sidecars beside two wsscale-servers: kubectl reads each pod's count from
#   Prometheus, pod labels come from the sidecars' pushed reports (so labelSelector works), the
#   namespace total and the external sum agree; a pod whose sidecar is gone drops out; Prometheus
#   down is a 503 Status, never old data. Exit 77 (skipped) when wsscale-adapter is not built.
# Does not: test the Prometheus reply reader case by case (its unit and fuzz tests do).
# Threads: n/a (one shell; Prometheus, servers, sidecars, holders and the adapter in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
if [ ! -x "$WSS_BUILD_DIR/adapter/wsscale-adapter" ]; then
  echo "SKIP: wsscale-adapter is not built"
  exit 77
fi
source "$WSS_SOURCE_DIR/tests/integration/adapter_lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
HELPER=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/sidecar_helper.py")
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -x "$SIDECAR" ] || wss_fail "missing $SIDECAR: build the wsscale-sidecar target"
command -v prometheus >/dev/null || wss_fail "prometheus is not installed"
SHM0="/wsscale-itest-adapter-prom-0-$$"
SHM1="/wsscale-itest-adapter-prom-1-$$"
trap 'wss_cleanup; rm -f "/dev/shm$SHM0" "/dev/shm$SHM1"' EXIT

make_pki
PROM=$(wss_free_port)
start_adapter --ingest-auth=none --authorization-mode=always-allow --source=prometheus \
  --prometheus-url "http://127.0.0.1:$PROM" --prometheus-timeout 1s --stale-after 60s

# pod I TIER: wsscale-server + sidecar (pushing to the adapter).
declare -A SIDE SIDE_PID APP_PORT
pod() {
  local i=$1 tier=$2 shm
  shm=$([ "$i" = 0 ] && echo "$SHM0" || echo "$SHM1")
  local app side
  app=$(wss_free_port)
  side=$(wss_free_port)
  SIDE[$i]=$side
  printf 'app="chat"\ntier="%s"\n' "$tier" >"$WSS_TMP/labels-$i"
  wss_start "server-$i" "$SERVER" --listen "127.0.0.1:$app" --threads 1 --shm "$shm"
  wss_wait_until 10 curl -sf "http://127.0.0.1:$app/healthz" || wss_fail "server $i never healthy"
  wss_start "sidecar-$i" env POD_NAME="chat-$i" POD_NAMESPACE=ws POD_UID="uid-$i" \
    "$SIDECAR" --listen "127.0.0.1:$side" --shm "$shm" --interval 1s \
    --labels-file "$WSS_TMP/labels-$i" --adapter-url "https://127.0.0.1:$PORT" \
    --adapter-ca-file "$WSS_TMP/certs/apiserver.crt"
  SIDE_PID[$i]=${WSS_PIDS[-1]}
  wss_wait_until 10 curl -sf "http://127.0.0.1:$side/healthz" || wss_fail "sidecar $i never healthy"
  APP_PORT[$i]=$app
}
pod 0 web
coproc HOLD0 { "${HELPER[@]}" hold --port "${APP_PORT[0]}" --n 3; }
read -r -t 30 -u "${HOLD0[0]}" _ || wss_fail "holder 0 did not open its connections"
pod 1 api

cat >"$WSS_TMP/prom.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: sidecar
    static_configs:
      - {targets: ['127.0.0.1:${SIDE[0]}'], labels: {namespace: ws, pod: chat-0}}
      - {targets: ['127.0.0.1:${SIDE[1]}'], labels: {namespace: ws, pod: chat-1}}
YAML
wss_start prometheus prometheus --config.file="$WSS_TMP/prom.yml" \
  --storage.tsdb.path="$WSS_TMP/prom-data" --web.listen-address="127.0.0.1:$PROM"
PROM_PID=${WSS_PIDS[-1]}
wss_wait_until 15 curl -sf "http://127.0.0.1:$PROM/-/ready" || wss_fail "prometheus never ready"

CM=/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws
pods_are() {
  [ "$(kraw "$CM/pods/%2A/websocket_connections?labelSelector=$1" |
    jq -r '[.items[] | "\(.describedObject.name)=\(.value)"] | sort | join(" ")')" = "$2" ]
}
# The first scrape comes about 6 s after Prometheus starts.
wss_wait_until 20 pods_are app%3Dchat "chat-0=3 chat-1=0" ||
  wss_fail "the adapter never served both pods from Prometheus: $(kraw "$CM/pods/%2A/websocket_connections")"
pods_are tier%3Dweb "chat-0=3" ||
  wss_fail "labelSelector tier=web: $(kraw "$CM/pods/%2A/websocket_connections?labelSelector=tier%3Dweb")"
pods_are 'tier%20notin%20(web)' "chat-1=0" || wss_fail "labelSelector tier notin (web)"
[ "$(kraw "$CM/pods/chat-0/websocket_connections" | jq -r '.items[0].value')" = 3 ] ||
  wss_fail "one pod from Prometheus"
[ "$(kraw "$CM/metrics/websocket_connections" | jq -r '.items[0].value')" = 3 ] ||
  wss_fail "namespace total from Prometheus"
[ "$(kraw "/apis/external.metrics.k8s.io/v1beta1/namespaces/ws/websocket_connections?labelSelector=app%3Dchat" |
  jq -r '.items[0].value')" = 3 ] || wss_fail "external sum from Prometheus"

# chat-1's sidecar goes away: its series goes stale in Prometheus and the pod is no longer served,
# though the store still holds its labels.
kill "${SIDE_PID[1]}"
gone() { [ "$(code_of "$(call admin "$CM/pods/chat-1/websocket_connections")")" = 404 ]; }
wss_wait_until 15 gone || wss_fail "a gone pod is still served: $(call admin "$CM/pods/chat-1/websocket_connections")"
pods_are "" "chat-0=3" || wss_fail "a gone pod is still listed: $(kraw "$CM/pods/%2A/websocket_connections")"

# Prometheus goes away: 503, not the last value.
kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null || true
out=$(call admin "$CM/pods/%2A/websocket_connections")
[ "$(code_of "$out")" = 503 ] || wss_fail "Prometheus down: $out"
body_of "$out" | jq -e '.kind == "Status" and .code == 503 and .reason == "ServiceUnavailable"' \
  >/dev/null || wss_fail "Prometheus down Status: $out"
[ "$(code_of "$(call admin /apis/custom.metrics.k8s.io/v1beta2)")" = 200 ] ||
  wss_fail "discovery failed while Prometheus is down"
{ echo close >&"${HOLD0[1]}"; } 2>/dev/null || true
echo "PASS test_adapter_prometheus"
