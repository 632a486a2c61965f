#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_auth.sh: who wsscale-adapter believes and what it asks: with the Kubernetes API
#   stand-in answering SubjectAccessReviews, no certificate is anonymous and refused (403 Status);
#   the aggregator's front-proxy certificate with an allowed CN makes X-Remote-User / -Group /
#   -Extra-* the identity of the SAR, whose exact body is checked; a front-proxy certificate from
#   another CA, or with a CN not allowed, is refused (401, its headers unread), and a forged
#   X-Remote-User over a plain client certificate is ignored (both logged); system:masters and the
#   health paths send no SAR; an answer is cached; bearer tokens go through a TokenReview (401
#   when unknown); kubectl sees the apiserver's Forbidden message.
# Does not: test TokenReview of sidecar tokens (test_adapter_ingest.sh does).
# Threads: n/a (one shell; the stand-in and the adapter in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/tests/integration/adapter_lib.sh"

HPA=system:serviceaccount:kube-system:horizontal-pod-autoscaler
make_pki
cat >"$WSS_TMP/rules.json" <<JSON
[{"user": "$HPA", "resource": "pods", "subresource": "websocket_connections", "allowed": true},
 {"user": "alice", "allowed": false, "reason": "alice is not allowed to read metrics"}]
JSON
cat >"$WSS_TMP/tokens.json" <<JSON
{"hpa-token": {"username": "$HPA", "groups": ["system:serviceaccounts"]}}
JSON
start_fake_kube --sar-rules "$WSS_TMP/rules.json" --tokens "$WSS_TMP/tokens.json"
# Denials are not cached, so every refused request shows its own SAR; allowed answers and tokens
# are kept longer than the test runs, so a cache hit does not depend on the machine's speed.
start_adapter --ingest-auth=none --authorization-kubeconfig "$WSS_TMP/adapter-kube.yaml" \
  --authentication-kubeconfig "$WSS_TMP/adapter-kube.yaml" \
  --authorization-webhook-cache-unauthorized-ttl 0s \
  --authorization-webhook-cache-authorized-ttl 10m --authentication-token-webhook-cache-ttl 10m
report "$WSS_TMP/r.pb" "$(pod_report ws chat-0 u0 4 1)"
[ "$(code_of "$(push "$WSS_TMP/r.pb")")" = 200 ] || wss_fail "push"

PODS=/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws/pods/%2A/websocket_connections
sars() { jq -c 'select(.path == "/apis/authorization.k8s.io/v1/subjectaccessreviews")' "$WSS_TMP/kube.jsonl"; }
nsars() { sars | wc -l; }
last_sar() { sars | tail -n1; }
# expect_sar SPEC_JSON: the newest SAR the stand-in got is exactly this spec, sent as the API
# wants it (JSON, the adapter's bearer token).
expect_sar() {
  last_sar | jq -e --argjson spec "$1" '.method == "POST" and .content_type == "application/json"
    and .authorization == "Bearer adapter-secret" and .body == {"apiVersion":
    "authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":$spec}' >/dev/null ||
    wss_fail "SAR body: $(last_sar) wanted spec $1"
}
ATTRS='{"namespace":"ws","verb":"get","group":"custom.metrics.k8s.io","version":"v1beta2","resource":"pods","subresource":"websocket_connections","name":"*"}'
# forbidden USER: the apiserver's 403 message for USER reading the pods wildcard in ws.
forbidden() {
  printf 'pods.custom.metrics.k8s.io "*" is forbidden: User "%s" cannot get resource "pods/websocket_connections" in API group "custom.metrics.k8s.io" in the namespace "ws"' "$1"
}

# No certificate: anonymous, asked about, refused with the apiserver's message.
out=$(call none "$PODS")
[ "$(code_of "$out")" = 403 ] || wss_fail "anonymous: $out"
body_of "$out" | jq -e '.kind == "Status" and .code == 403 and .reason == "Forbidden"' >/dev/null ||
  wss_fail "anonymous Status: $out"
[ "$(body_of "$out" | jq -r .message)" = "$(forbidden system:anonymous): no RBAC policy matched" ] ||
  wss_fail "anonymous message: $out"
expect_sar "{\"user\":\"system:anonymous\",\"groups\":[\"system:unauthenticated\"],\"resourceAttributes\":$ATTRS}"

# The aggregator: front-proxy certificate, allowed CN; the headers are the identity.
HDRS=(-H "X-Remote-User: $HPA" -H "X-Remote-Group: system:serviceaccounts"
  -H "X-Remote-Group: system:serviceaccounts:kube-system"
  -H "X-Remote-Extra-Authentication.kubernetes.io%2fcredential-id: JTI=abc")
out=$(call front-proxy "$PODS" "${HDRS[@]}")
[ "$(code_of "$out")" = 200 ] || wss_fail "front proxy: $out"
body_of "$out" | jq -e '.items[0].describedObject.name == "chat-0" and .items[0].value == "4"' \
  >/dev/null || wss_fail "front proxy body: $out"
expect_sar "{\"user\":\"$HPA\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:kube-system\",\"system:authenticated\"],\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=abc\"]},\"resourceAttributes\":$ATTRS}"
# The same question again is answered from the cache.
n=$(nsars)
[ "$(code_of "$(call front-proxy "$PODS" "${HDRS[@]}")")" = 200 ] || wss_fail "cached allow"
[ "$(nsars)" = "$n" ] || wss_fail "an allowed answer was not cached"

# Headers that must not be believed. A certificate from another CA, or the front-proxy CA's with
# a CN not allowed, is a credential that failed: 401, as the apiserver answers, and no SAR.
for who in rogue-proxy other-proxy; do
  n=$(nsars)
  out=$(call "$who" "$PODS?x=$who" -H "X-Remote-User: $HPA" -H "X-Remote-Group: system:masters")
  [ "$(code_of "$out")" = 401 ] || wss_fail "$who was believed: $out"
  body_of "$out" | jq -e '.kind == "Status" and .code == 401 and .reason == "Unauthorized"' \
    >/dev/null || wss_fail "$who Status: $out"
  [ "$(nsars)" = "$n" ] || wss_fail "$who: a SAR was sent: $(last_sar)"
done
out=$(call alice "$PODS" -H "X-Remote-User: $HPA" -H "X-Remote-Group: system:masters")
[ "$(code_of "$out")" = 403 ] || wss_fail "a forged X-Remote-User over alice's cert: $out"
body_of "$out" | jq -e '.message | endswith(": alice is not allowed to read metrics")' >/dev/null ||
  wss_fail "alice's refusal reason: $out"
expect_sar "{\"user\":\"alice\",\"groups\":[\"dev\",\"system:authenticated\"],\"resourceAttributes\":$ATTRS}"
# Three requests had their headers ignored within seconds: one log line (rate-limited).
[ "$(grep -c 'request headers naming a user were not believed' "$WSS_TMP/adapter.log")" = 1 ] ||
  wss_fail "not one log line about the ignored headers: $(grep -c 'not believed' "$WSS_TMP/adapter.log")"
grep -q 'is not in --requestheader-allowed-names\|does not verify against' "$WSS_TMP/adapter.log" ||
  wss_fail "the log line does not say why"

# A bearer token is reviewed without an audience (the apiserver's own), then authorized; an
# unknown one is 401.
out=$(call none "$PODS" -H "Authorization: Bearer hpa-token")
[ "$(code_of "$out")" = 200 ] || wss_fail "bearer token: $out"
jq -c 'select(.path == "/apis/authentication.k8s.io/v1/tokenreviews")' "$WSS_TMP/kube.jsonl" |
  tail -n1 | jq -e '.body == {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",
  "spec":{"token":"hpa-token"}}' >/dev/null || wss_fail "TokenReview body: $(tail -n2 "$WSS_TMP/kube.jsonl")"
out=$(call none "$PODS" -H "Authorization: Bearer nope")
[ "$(code_of "$out")" = 401 ] || wss_fail "unknown bearer token: $out"
body_of "$out" | jq -e '.kind == "Status" and .code == 401 and .reason == "Unauthorized"' \
  >/dev/null || wss_fail "401 Status: $out"

# system:masters and the health paths: no SAR at all.
n=$(nsars)
[ "$(code_of "$(call admin "$PODS")")" = 200 ] || wss_fail "system:masters"
for p in /healthz /livez /readyz; do
  [ "$(code_of "$(call none "$p")")" = 200 ] || wss_fail "anonymous $p"
done
[ "$(nsars)" = "$n" ] || wss_fail "a SAR was sent for system:masters or a health path: $(last_sar)"

# Discovery is a non-resource request.
out=$(call alice /apis/custom.metrics.k8s.io/v1beta1)
[ "$(code_of "$out")" = 403 ] || wss_fail "alice discovery: $out"
expect_sar '{"user":"alice","groups":["dev","system:authenticated"],"nonResourceAttributes":{"path":"/apis/custom.metrics.k8s.io/v1beta1","verb":"get"}}'

# kubectl (the dispatcher; its /version request is authorized too) shows the Forbidden message.
kubeconfig "$WSS_TMP/alice.yaml" "https://127.0.0.1:$PORT" "$WSS_TMP/certs/apiserver.crt" \
  "$PKI/alice.crt" "$PKI/alice.key"
kubectl --kubeconfig "$WSS_TMP/alice.yaml" --cache-dir "$WSS_TMP/kc" get --raw "$PODS" \
  2>"$WSS_TMP/kerr" && wss_fail "kubectl as alice succeeded"
grep -q 'Error from server (Forbidden)' "$WSS_TMP/kerr" || wss_fail "kubectl: $(cat "$WSS_TMP/kerr")"
grep -qF 'User "alice" cannot get resource "pods/websocket_connections"' "$WSS_TMP/kerr" ||
  wss_fail "kubectl message: $(cat "$WSS_TMP/kerr")"

# The SAR counters on /metrics.
m=$(curl -s "http://127.0.0.1:$MPORT/metrics")
calls=$(echo "$m" | awk '$1 == "wsscale_adapter_subjectaccessreview_calls_total" {print $2}')
hits=$(echo "$m" | awk '$1 == "wsscale_adapter_subjectaccessreview_cache_hits_total" {print $2}')
[ "$calls" = "$(nsars)" ] || wss_fail "SAR calls on /metrics: $calls, the stand-in got $(nsars)"
[ "${hits:-0}" -ge 1 ] || wss_fail "no SAR cache hits counted"
echo "PASS test_adapter_auth"
