#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_paths.sh: wsscale-adapter read with kubectl as the client (the dispatcher, which
#   asks /version first): every path of the API on v1beta1 and v1beta2 with their own field
#   names, the pods wildcard under every selector operator, one pod, the namespace total, the
#   root-scoped and external forms, 404 naming the metrics, 400 for a bad selector, openapi 404,
#   health, version; a stale pod is never served; the self-signed serving certificate is reused
#   across a restart; a pod that goes quiet is dropped; SIGTERM exits 0.
# Does not: test authentication (test_adapter_auth.sh) or ingest refusals (test_adapter_ingest.sh).
# Threads: n/a (one shell; the adapter in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/tests/integration/adapter_lib.sh"

make_pki
start_adapter --ingest-auth=none --authorization-mode=always-allow --stale-after 60s

# Five pods: three live in app=chat (one idle), one stale, one in another namespace.
i=0
while read -r ns pod uid active state labels; do
  i=$((i + 1))
  text=$(pod_report "$ns" "$pod" "$uid" "$active" 1 "${labels//_/ }")
  report "$WSS_TMP/r$i.pb" "${text/SOURCE_STATE_OK/$state}"
  out=$(push "$WSS_TMP/r$i.pb")
  [ "$(code_of "$out")" = 200 ] || wss_fail "push of $pod: $out"
done <<'PODS'
ws chat-0 u0 5 SOURCE_STATE_OK labels_{key:_"app"_value:_"chat"}_labels_{key:_"tier"_value:_"web"}
ws chat-1 u1 0 SOURCE_STATE_OK labels_{key:_"app"_value:_"chat"}_labels_{key:_"tier"_value:_"api"}
ws chat-2 u2 3 SOURCE_STATE_OK labels_{key:_"app"_value:_"chat"}
ws stale-0 u3 9 SOURCE_STATE_STALE labels_{key:_"app"_value:_"chat"}
other chat-9 u9 100 SOURCE_STATE_OK labels_{key:_"app"_value:_"chat"}
PODS

CM=/apis/custom.metrics.k8s.io
M=websocket_connections
# pods_of VERSION SELECTOR: the sorted "name=value" list of the pods wildcard.
pods_of() {
  local q=""
  [ -n "$2" ] && q="?labelSelector=$(jq -rn --arg s "$2" '$s|@uri')"
  kraw "$CM/$1/namespaces/ws/pods/%2A/$M$q" | jq -r '[.items[] | "\(.describedObject.name)=\(.value)"] | sort | join(" ")'
}

# Discovery, health, version.
for v in v1beta1 v1beta2; do
  kraw "$CM/$v" | jq -e --arg gv "custom.metrics.k8s.io/$v" '.kind == "APIResourceList" and
    .groupVersion == $gv and (.resources | map(.name) | index("pods/websocket_connections") != null)' \
    >/dev/null || wss_fail "discovery $v"
done
kraw /apis | jq -e '.kind == "APIGroupList"' >/dev/null || wss_fail "/apis"
kraw /apis/external.metrics.k8s.io/v1beta1 | jq -e '.resources[0].kind == "ExternalMetricValueList"' \
  >/dev/null || wss_fail "external discovery"
for p in /healthz /livez /readyz; do
  [ "$(kraw "$p")" = ok ] || wss_fail "$p is not ok"
done
kraw /version | jq -e 'keys == ["buildDate","compiler","gitCommit","gitTreeState","gitVersion",
  "goVersion","major","minor","platform"] and .gitVersion == "v\(.major).\(.minor).0"' >/dev/null ||
  wss_fail "/version: $(kraw /version)"
out=$(call admin /openapi/v2)
[ "$(code_of "$out")" = 404 ] || wss_fail "/openapi/v2 is not 404: $out"
[ "$(code_of "$(call admin /openapi/v3)")" = 404 ] || wss_fail "/openapi/v3 is not 404"

# Every selector operator, on both versions; the stale pod and the other namespace never appear.
while IFS='|' read -r sel want; do
  for v in v1beta1 v1beta2; do
    got=$(pods_of "$v" "$sel")
    [ "$got" = "$want" ] || wss_fail "$v labelSelector '$sel': got '$got', want '$want'"
  done
done <<'SELECTORS'
|chat-0=5 chat-1=0 chat-2=3
app=chat|chat-0=5 chat-1=0 chat-2=3
app==chat|chat-0=5 chat-1=0 chat-2=3
tier!=web|chat-1=0 chat-2=3
tier in (web,api)|chat-0=5 chat-1=0
tier notin (web)|chat-1=0 chat-2=3
tier|chat-0=5 chat-1=0
!tier|chat-2=3
app=chat,tier=api|chat-1=0
app=nope|
SELECTORS

# The exact fields of an item, per version.
kraw "$CM/v1beta2/namespaces/ws/pods/chat-0/$M" | jq -e '
  .kind == "MetricValueList" and .apiVersion == "custom.metrics.k8s.io/v1beta2" and
  .metadata == {} and (.items | length) == 1 and
  (.items[0] | keys == ["describedObject","metric","timestamp","value","windowSeconds"]) and
  .items[0].describedObject.kind == "Pod" and .items[0].describedObject.namespace == "ws" and
  .items[0].describedObject.name == "chat-0" and .items[0].metric == {"name":"websocket_connections","selector":null} and
  .items[0].windowSeconds == 1 and .items[0].value == "5" and
  (.items[0].timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))' >/dev/null ||
  wss_fail "v1beta2 item: $(kraw "$CM/v1beta2/namespaces/ws/pods/chat-0/$M")"
kraw "$CM/v1beta1/namespaces/ws/pods/chat-0/$M" | jq -e '
  .kind == "MetricValueList" and .apiVersion == "custom.metrics.k8s.io/v1beta1" and
  (.items[0] | has("metric") | not) and (.items[0] | has("windowSeconds") | not) and
  .items[0].metricName == "websocket_connections" and .items[0].selector == null and
  .items[0].value == "5" and .items[0].describedObject.name == "chat-0"' >/dev/null ||
  wss_fail "v1beta1 item: $(kraw "$CM/v1beta1/namespaces/ws/pods/chat-0/$M")"

# The namespace total (both forms) and the external sum.
for v in v1beta1 v1beta2; do
  [ "$(kraw "$CM/$v/namespaces/ws/metrics/$M" | jq -r '.items[0].value')" = 8 ] ||
    wss_fail "$v namespace total: $(kraw "$CM/$v/namespaces/ws/metrics/$M")"
  kraw "$CM/$v/namespaces/ws/metrics/$M" | jq -e '.items[0].describedObject.kind == "Namespace"
    and .items[0].describedObject.name == "ws"' >/dev/null || wss_fail "$v namespace object"
  [ "$(kraw "$CM/$v/namespaces/ws/$M" | jq -r '.items[0].value')" = 8 ] ||
    wss_fail "$v root-scoped namespace: $(kraw "$CM/$v/namespaces/ws/$M")"
done
ext=$(kraw "/apis/external.metrics.k8s.io/v1beta1/namespaces/ws/$M?labelSelector=tier%20in%20(web%2Capi)")
echo "$ext" | jq -e '.kind == "ExternalMetricValueList" and
  .apiVersion == "external.metrics.k8s.io/v1beta1" and (.items | length) == 1 and
  .items[0].metricName == "websocket_connections" and .items[0].value == "5"' >/dev/null ||
  wss_fail "external sum: $ext"
[ "$(kraw "/apis/external.metrics.k8s.io/v1beta1/namespaces/other/$M" | jq -r '.items[0].value')" = 100 ] ||
  wss_fail "external sum of namespace other"

# Errors: a Status with the right code; the message names the metrics that exist.
out=$(call admin "$CM/v1beta2/namespaces/ws/pods/%2A/http_requests")
[ "$(code_of "$out")" = 404 ] || wss_fail "unknown metric: $out"
body_of "$out" | jq -e '.kind == "Status" and .code == 404 and .reason == "NotFound" and
  (.message | contains("websocket_connections"))' >/dev/null || wss_fail "404 Status: $out"
out=$(call admin "$CM/v1beta2/namespaces/ws/pods/%2A/$M?labelSelector=app%3D%3D%3D")
[ "$(code_of "$out")" = 400 ] || wss_fail "bad selector: $out"
body_of "$out" | jq -e '.kind == "Status" and .code == 400 and .reason == "BadRequest" and
  (.message | length > 0)' >/dev/null || wss_fail "400 Status: $out"
out=$(call admin "$CM/v1beta2/namespaces/ws/pods/stale-0/$M")
[ "$(code_of "$out")" = 404 ] || wss_fail "a stale pod was served: $out"
kubectl --kubeconfig "$WSS_TMP/admin.yaml" --cache-dir "$WSS_TMP/kc" get --raw \
  "$CM/v1beta2/namespaces/ws/pods/%2A/nope" 2>"$WSS_TMP/kerr" && wss_fail "kubectl got a 404 as success"
grep -q 'websocket_connections' "$WSS_TMP/kerr" || wss_fail "kubectl's error does not name the metric: $(cat "$WSS_TMP/kerr")"

# Restart: the self-signed pair is reused; SIGTERM makes readyz fail, then exit 0.
sum=$(sha256sum <"$WSS_TMP/certs/apiserver.crt")
kill -TERM "$ADAPTER_PID"
rc=0
wait "$ADAPTER_PID" || rc=$?
[ "$rc" = 0 ] || wss_fail "the adapter exited $rc after SIGTERM"
grep -q '"stopped"' "$WSS_TMP/adapter.log" || wss_fail "no stop log line"
start_adapter --ingest-auth=none --authorization-mode=always-allow
grep -q 'reusing the self-signed serving certificate' "$WSS_TMP/adapter.log" || wss_fail "not reused"
[ "$(sha256sum <"$WSS_TMP/certs/apiserver.crt")" = "$sum" ] || wss_fail "the certificate changed"

# Default --stale-after (3 intervals): a pod reporting every 100 ms that goes quiet stops being
# served within 300 ms and is dropped from the store by the 1 s expiry tick.
text=$(pod_report ws quiet-0 uq 2 1)
report "$WSS_TMP/quiet.pb" "${text/interval_ms: 1000/interval_ms: 100}"
[ "$(code_of "$(push "$WSS_TMP/quiet.pb")")" = 200 ] || wss_fail "push quiet-0"
gone() { [ "$(code_of "$(call admin "$CM/v1beta2/namespaces/ws/pods/quiet-0/$M")")" = 404 ]; }
tracked() {
  [ "$(curl -s "http://127.0.0.1:$MPORT/metrics" |
    awk '$1 == "wsscale_adapter_pods{state=\"tracked\"}" {print $2}')" = "$1" ]
}
wss_wait_until 3 gone || wss_fail "a quiet pod is still served"
wss_wait_until 3 tracked 0 || wss_fail "a quiet pod was not dropped by the expiry tick"
echo "PASS test_adapter_paths"
