#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_ingest.sh: POST /ingest/v1/reports with --ingest-auth=tokenreview against the
#   Kubernetes API stand-in: the exact TokenReview body (audience --sidecar-audience); then
#   malformed protobuf, oversized bodies, bad names, bad labels, a token for another pod or
#   audience, no token, a wrong media type and an old sequence, each with its code and text and
#   the store unchanged as read back through the API with kubectl; a batch; a final report;
#   a failing TokenReview is 503; the report counters pass promtool.
# Does not: test the read API's selectors (test_adapter_paths.sh).
# Threads: n/a (one shell; the stand-ins and adapters in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/tests/integration/adapter_lib.sh"
command -v promtool >/dev/null || wss_fail "promtool is not installed"

make_pki
cat >"$WSS_TMP/tokens.json" <<'JSON'
{"tok-chat-0": {"username": "system:serviceaccount:ws:app", "uid": "sa-1",
   "groups": ["system:serviceaccounts", "system:serviceaccounts:ws", "system:authenticated"],
   "extra": {"authentication.kubernetes.io/pod-name": ["chat-0"],
             "authentication.kubernetes.io/pod-uid": ["u0"]}, "audiences": ["wsscale"]},
 "tok-chat-1": {"username": "system:serviceaccount:ws:app",
   "extra": {"authentication.kubernetes.io/pod-name": ["chat-1"],
             "authentication.kubernetes.io/pod-uid": ["u1"]}, "audiences": ["wsscale"]},
 "tok-bad-name": {"username": "system:serviceaccount:ws:app",
   "extra": {"authentication.kubernetes.io/pod-name": ["Chat_0"],
             "authentication.kubernetes.io/pod-uid": ["u0"]}, "audiences": ["wsscale"]},
 "tok-other-aud": {"username": "system:serviceaccount:ws:app",
   "extra": {"authentication.kubernetes.io/pod-name": ["chat-0"],
             "authentication.kubernetes.io/pod-uid": ["u0"]}, "audiences": ["vault"]}}
JSON
start_fake_kube --tokens "$WSS_TMP/tokens.json"
# Tokens stay cached longer than the test runs: the review count below must not depend on speed.
start_adapter --authentication-kubeconfig "$WSS_TMP/adapter-kube.yaml" \
  --authorization-mode=always-allow --stale-after 60s --authentication-token-webhook-cache-ttl 10m

POD=/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws/pods/chat-0/websocket_connections
value() { kraw "$POD" | jq -r '.items[0].value'; }
tracked() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk '$1 == "wsscale_adapter_pods{state=\"tracked\"}" {print $2}'; }

report "$WSS_TMP/good.pb" "$(pod_report ws chat-0 u0 4 5 'labels { key: "app" value: "chat" }')"
out=$(push "$WSS_TMP/good.pb" tok-chat-0)
[ "$(code_of "$out")" = 200 ] || wss_fail "good push: $out"
[ "$(body_of "$out")" = '{"stored":1,"removed":0,"ignored":0}' ] || wss_fail "good push body: $out"
jq -c 'select(.path == "/apis/authentication.k8s.io/v1/tokenreviews")' "$WSS_TMP/kube.jsonl" |
  tail -n1 | jq -e '.method == "POST" and .content_type == "application/json" and
  .authorization == "Bearer adapter-secret" and .body == {"apiVersion":"authentication.k8s.io/v1",
  "kind":"TokenReview","spec":{"token":"tok-chat-0","audiences":["wsscale"]}}' >/dev/null ||
  wss_fail "TokenReview body: $(tail -n1 "$WSS_TMP/kube.jsonl")"
[ "$(value)" = 4 ] || wss_fail "the good report is not served: $(kraw "$POD")"

# The bodies that must be refused.
printf '\xff\xff\xff\xff\x0f' >"$WSS_TMP/garbage.pb"
head -c 300000 /dev/zero >"$WSS_TMP/big.pb"
head -c 600000 /dev/zero >"$WSS_TMP/huge.pb"
report "$WSS_TMP/bad-name.pb" "$(pod_report ws Chat_0 u0 50 6)"
report "$WSS_TMP/bad-label.pb" "$(pod_report ws chat-0 u0 50 6 'labels { key: "bad key" value: "x" }')"
report "$WSS_TMP/bad-value.pb" "$(pod_report ws chat-0 u0 50 6 'labels { key: "app" value: "-x-" }')"
report "$WSS_TMP/old.pb" "$(pod_report ws chat-0 u0 99 3)"
report "$WSS_TMP/newer.pb" "$(pod_report ws chat-0 u0 6 7)"

while IFS='|' read -r file token code text; do
  out=$(push "$WSS_TMP/$file" "$token")
  [ "$(code_of "$out")" = "$code" ] || wss_fail "$file with '$token': want $code, got $out"
  msg=$(body_of "$out" | jq -r 'if .kind == "Status" then .message else tostring end')
  [[ "$msg" == *"$text"* ]] || wss_fail "$file with '$token': message '$msg' lacks '$text'"
  [ "$(value)" = 4 ] || wss_fail "$file with '$token' changed the stored value: $(kraw "$POD")"
  [ "$(tracked)" = 1 ] || wss_fail "$file with '$token' changed the pods tracked: $(tracked)"
done <<'CASES'
good.pb||401|Unauthorized: a bearer token (the pod's service account token) is required
good.pb|tok-unknown|401|Unauthorized: [invalid bearer token, token not known]
good.pb|tok-other-aud|401|is invalid for the target audiences ["wsscale"]
good.pb|tok-chat-1|403|the token of pod ws/chat-1 (uid u1) cannot report for pod ws/chat-0 (uid u0)
garbage.pb|tok-chat-0|400|body is not a valid protobuf wsscale.v1.Report
big.pb|tok-chat-0|413|body of 300000 bytes exceeds the limit of 262144 bytes
huge.pb|tok-chat-0|413|request body too large
bad-name.pb|tok-bad-name|400|Chat_0
bad-label.pb|tok-chat-0|400|bad key
bad-value.pb|tok-chat-0|400|-x-
old.pb|tok-chat-0|200|{"stored":0,"removed":0,"ignored":1}
CASES
out=$(curl -s --cacert "$WSS_TMP/certs/apiserver.crt" -w '\n%{http_code}' -H 'Authorization: Bearer tok-chat-0' \
  -H 'Content-Type: application/json' --data-binary "@$WSS_TMP/newer.pb" "https://127.0.0.1:$PORT/ingest/v1/reports")
[ "$(code_of "$out")" = 415 ] || wss_fail "wrong media type: $out"
[ "$(value)" = 4 ] || wss_fail "a 415 changed the store"

# A newer report, then a batch, then the final report that drops the pod at once.
[ "$(code_of "$(push "$WSS_TMP/newer.pb" tok-chat-0)")" = 200 ] || wss_fail "newer report"
[ "$(value)" = 6 ] || wss_fail "the newer report is not served"
final=$(pod_report ws chat-0 u0 0 8 'final: true')
printf 'reports { %s }\n' "$final" | protoc-c --proto_path="$WSS_SOURCE_DIR/proto" \
  --encode=wsscale.v1.ReportBatch wsscale.proto >"$WSS_TMP/final.pb"
out=$(curl -s --cacert "$WSS_TMP/certs/apiserver.crt" -w '\n%{http_code}' -H 'Authorization: Bearer tok-chat-0' \
  -H 'Content-Type: application/x-protobuf; messageType=wsscale.v1.ReportBatch' \
  --data-binary "@$WSS_TMP/final.pb" "https://127.0.0.1:$PORT/ingest/v1/reports")
[ "$(body_of "$out")" = '{"stored":0,"removed":1,"ignored":0}' ] || wss_fail "final batch: $out"
[ "$(code_of "$(call admin "$POD")")" = 404 ] || wss_fail "the pod is still served after its final report"

# The report counters, and promtool on the whole exposition. Five tokens were reviewed once
# each; every other check came from the cache.
reviews() { jq -c 'select(.path == "/apis/authentication.k8s.io/v1/tokenreviews")' "$WSS_TMP/kube.jsonl" | wc -l; }
[ "$(reviews)" = 5 ] || wss_fail "TokenReviews sent: $(reviews), want 5 (one per token)"
curl -s "http://127.0.0.1:$MPORT/metrics" >"$WSS_TMP/metrics.txt"
promtool check metrics <"$WSS_TMP/metrics.txt" || wss_fail "promtool check metrics failed"
for want in 'result="stored"} 2' 'result="removed"} 1' 'result="ignored"} 1' 'result="invalid"} 4' \
  'result="too_large"} 1' 'result="unauthorized"} 3' 'result="forbidden"} 1' \
  'result="unsupported_media_type"} 1' "wsscale_adapter_tokenreview_calls_total $(reviews)" \
  'wsscale_adapter_api_requests_total{kind="ingest",code="413"} 2'; do
  grep -qF "$want" "$WSS_TMP/metrics.txt" ||
    wss_fail "/metrics lacks '$want': $(grep -v -e '^#' -e _bucket "$WSS_TMP/metrics.txt")"
done

# A Kubernetes API that fails: the report is refused with 503, not stored, not taken as 401.
kill -TERM "$ADAPTER_PID"
wait "$ADAPTER_PID" || true
mv "$WSS_TMP/adapter.log" "$WSS_TMP/adapter-1.log"
start_fake_kube --tokens "$WSS_TMP/tokens.json" --fail-status 500
# Tokens stay cached longer than the test runs: the review count below must not depend on speed.
start_adapter --authentication-kubeconfig "$WSS_TMP/adapter-kube.yaml" \
  --authorization-mode=always-allow --stale-after 60s --authentication-token-webhook-cache-ttl 10m
out=$(push "$WSS_TMP/good.pb" tok-chat-0)
[ "$(code_of "$out")" = 503 ] || wss_fail "a failing TokenReview: $out"
body_of "$out" | jq -e '.kind == "Status" and .code == 503 and
  (.message | startswith("the token cannot be checked now: "))' >/dev/null || wss_fail "503 Status: $out"
[ "$(tracked)" = 0 ] || wss_fail "a report was stored while its token could not be checked"
echo "PASS test_adapter_ingest"
