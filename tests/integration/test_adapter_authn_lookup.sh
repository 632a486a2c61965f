#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_authn_lookup.sh: wsscale-adapter started with NO --client-ca-file and NO
#   --requestheader-* flags learns them from ConfigMap kube-system/extension-apiserver-authentication
#   on the Kubernetes API stand-in (a GET with its bearer token, recorded): the front proxy's
#   X-Remote-User is believed (seen in the SAR body) and a client certificate authenticates; the
#   CA files sit in a private 0700 directory removed at exit; the ConfigMap is rotated to a new
#   front-proxy CA and, within the refresh period plus the server's reload, a certificate of the
#   new CA is believed and one of the old CA is refused (401); a lookup failure stops the start
#   with one line (exit 1), or with --authentication-tolerate-lookup-failure is a warning and
#   certificates count for nothing; no kubeconfig and no CA flags is exit 2 naming the flags.
# Does not: test the header rules in depth (test_adapter_auth.sh does, with the flags).
# Threads: n/a (one shell; the stand-in and the adapter in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/tests/integration/adapter_lib.sh"

HPA=system:serviceaccount:kube-system:horizontal-pod-autoscaler
CM_PATH=/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication
make_pki
ca front-proxy-ca-2
cert front-proxy-2 front-proxy-ca-2 "/CN=front-proxy-client" clientAuth

# configmap FILE FRONT_PROXY_CA: the ConfigMap as kubeadm's control plane publishes it, written
# whole at once (rename) so the stand-in never serves half of it.
configmap() {
  jq -n --rawfile client "$PKI/client-ca.crt" --rawfile fp "$PKI/$2.crt" '{kind: "ConfigMap",
    apiVersion: "v1", metadata: {name: "extension-apiserver-authentication",
    namespace: "kube-system"}, data: {"client-ca-file": $client,
    "requestheader-client-ca-file": $fp,
    "requestheader-allowed-names": "[\"front-proxy-client\"]",
    "requestheader-username-headers": "[\"X-Remote-User\"]",
    "requestheader-group-headers": "[\"X-Remote-Group\"]",
    "requestheader-extra-headers-prefix": "[\"X-Remote-Extra-\"]"}}' >"$1.tmp"
  mv "$1.tmp" "$1"
}
CM="$WSS_TMP/cm.json"
configmap "$CM" front-proxy-ca
cat >"$WSS_TMP/rules.json" <<JSON
[{"user": "$HPA", "allowed": true}, {"user": "alice", "allowed": false, "reason": "not alice"}]
JSON
start_fake_kube --sar-rules "$WSS_TMP/rules.json" --configmap "$CM"
KC="$WSS_TMP/adapter-kube.yaml"

# run_adapter NAME ARGS...: the adapter with the stand-in for both kubeconfigs and no CA flags.
run_adapter() {
  local name=$1
  shift
  PORT=$(wss_free_port)
  MPORT=$(wss_free_port)
  mkdir -p "$WSS_TMP/tmp-$name"
  wss_start "$name" env TMPDIR="$WSS_TMP/tmp-$name" "$ADAPTER" --bind-address 127.0.0.1 \
    --secure-port "$PORT" --metrics-bind-address "127.0.0.1:$MPORT" --cert-dir "$WSS_TMP/certs" \
    --ingest-auth=none --authentication-kubeconfig "$KC" --authorization-kubeconfig "$KC" \
    --authorization-webhook-cache-unauthorized-ttl 0s --authorization-webhook-cache-authorized-ttl 0s "$@"
  ADAPTER_PID=${WSS_PIDS[-1]}
  wss_wait_until 15 curl -sf --cacert "$WSS_TMP/certs/apiserver.crt" \
    "https://127.0.0.1:$PORT/healthz" || { cat "$WSS_TMP/$name.log" >&2; wss_fail "$name did not start"; }
}
sars() { jq -c 'select(.path == "/apis/authorization.k8s.io/v1/subjectaccessreviews")' "$WSS_TMP/kube.jsonl"; }
last_sar_user() { sars | tail -n1 | jq -r '.body.spec.user'; }
PODS=/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws/pods/%2A/websocket_connections
as_hpa() { call "$1" "$PODS" -H "X-Remote-User: $HPA" -H "X-Remote-Group: system:serviceaccounts"; }

# ---- learned from the ConfigMap ----
run_adapter adapter --authentication-config-refresh 1s
jq -e --arg p "$CM_PATH" 'select(.method == "GET" and .path == $p and
  .authorization == "Bearer adapter-secret" and .body == null)' "$WSS_TMP/kube.jsonl" >/dev/null ||
  wss_fail "no GET of the ConfigMap with the adapter's token: $(cat "$WSS_TMP/kube.jsonl")"
grep -q 'read the authentication ConfigMap' "$WSS_TMP/adapter.log" || wss_fail "no log of the lookup"
DIR=$(find "$WSS_TMP/tmp-adapter" -maxdepth 1 -name 'wsscale-authn.*' -type d)
[ -n "$DIR" ] && [ "$(stat -c %a "$DIR")" = 700 ] || wss_fail "CA directory not private: $DIR"
[ -f "$DIR/requestheader-client-ca.crt" ] && [ -f "$DIR/client-ca.crt" ] || wss_fail "CA files: $(ls -l "$DIR")"

out=$(as_hpa front-proxy)
[ "$(code_of "$out")" = 200 ] || wss_fail "front proxy of the ConfigMap's CA: $out"
[ "$(last_sar_user)" = "$HPA" ] || wss_fail "X-Remote-User not believed: $(sars | tail -n1)"
sars | tail -n1 | jq -e '.body.spec.groups == ["system:serviceaccounts","system:authenticated"]' \
  >/dev/null || wss_fail "SAR groups: $(sars | tail -n1)"
out=$(call alice "$PODS")
[ "$(code_of "$out")" = 403 ] || wss_fail "alice: $out"
[ "$(last_sar_user)" = alice ] || wss_fail "alice's client certificate did not authenticate: $(sars | tail -n1)"
out=$(as_hpa front-proxy-2)
[ "$(code_of "$out")" = 401 ] || wss_fail "a front proxy of a CA not yet published was believed: $out"

# ---- the CA rotates: the new one is believed, the old one refused, without a restart ----
n=$(jq -c --arg p "$CM_PATH" 'select(.path == $p)' "$WSS_TMP/kube.jsonl" | wc -l)
configmap "$CM" front-proxy-ca-2
new_believed() { [ "$(code_of "$(as_hpa front-proxy-2)")" = 200 ]; }
# 1 s refresh + the server's 5 s reload period, with room for a loaded machine.
wss_wait_until 30 new_believed || { tail -n 20 "$WSS_TMP/adapter.log" >&2; wss_fail "the rotated CA was not used"; }
[ "$(last_sar_user)" = "$HPA" ] || wss_fail "after rotation: $(sars | tail -n1)"
out=$(as_hpa front-proxy)
[ "$(code_of "$out")" = 401 ] || wss_fail "the old front-proxy CA is still believed: $out"
[ "$(jq -c --arg p "$CM_PATH" 'select(.path == $p)' "$WSS_TMP/kube.jsonl" | wc -l)" -gt "$n" ] ||
  wss_fail "the ConfigMap was not read again"
grep -q 'CA changed; file rewritten' "$WSS_TMP/adapter.log" || wss_fail "no log of the rotation"
[ "$(stat -c %a "$DIR")" = 700 ] || wss_fail "CA directory mode changed"
kill -TERM "$ADAPTER_PID"
rc=0
wait "$ADAPTER_PID" || rc=$?
[ "$rc" = 0 ] || wss_fail "adapter exit $rc after SIGTERM: $(tail -n5 "$WSS_TMP/adapter.log")"
[ ! -e "$DIR" ] || wss_fail "the CA directory was left behind: $DIR"

# ---- the lookup fails: refused start, or a warning with tolerate ----
jq -n '{kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 403,
  reason: "Forbidden", message: "configmaps \"extension-apiserver-authentication\" is forbidden: User \"system:serviceaccount:wsscale-system:wsscale-adapter\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"kube-system\""}' >"$CM"
rc=0
timeout 20 "$ADAPTER" --bind-address 127.0.0.1 --secure-port "$(wss_free_port)" \
  --metrics-bind-address "127.0.0.1:$(wss_free_port)" --cert-dir "$WSS_TMP/certs" \
  --ingest-auth=none --authentication-kubeconfig "$KC" --authorization-kubeconfig "$KC" \
  >"$WSS_TMP/fail.out" 2>"$WSS_TMP/fail.err" || rc=$?
[ "$rc" = 1 ] || wss_fail "exit $rc, not 1, when the lookup fails: $(cat "$WSS_TMP/fail.err")"
want='wsscale-adapter: cannot read ConfigMap kube-system/extension-apiserver-authentication: HTTP 403: configmaps "extension-apiserver-authentication" is forbidden'
grep -qF "$want" "$WSS_TMP/fail.err" || wss_fail "no clear line: $(cat "$WSS_TMP/fail.err")"
grep -qF 'extension-apiserver-authentication-reader in kube-system' "$WSS_TMP/fail.err" ||
  wss_fail "the line does not say how to fix it: $(cat "$WSS_TMP/fail.err")"
[ "$(grep -c . "$WSS_TMP/fail.err")" = 1 ] || wss_fail "not one line: $(cat "$WSS_TMP/fail.err")"

run_adapter tolerant --authentication-tolerate-lookup-failure
grep -q 'WARNING: --authentication-tolerate-lookup-failure' "$WSS_TMP/tolerant.log" ||
  wss_fail "no warning: $(cat "$WSS_TMP/tolerant.log")"
out=$(as_hpa front-proxy)
[ "$(code_of "$out")" = 403 ] || wss_fail "without the ConfigMap a front proxy got: $out"
[ "$(last_sar_user)" = system:anonymous ] || wss_fail "headers believed without a CA: $(sars | tail -n1)"
kill -TERM "$ADAPTER_PID"
wait "$ADAPTER_PID" || true

# ---- nothing to read it with ----
rc=0
env -i PATH="$PATH" "$ADAPTER" --bind-address 127.0.0.1 --secure-port "$(wss_free_port)" \
  --metrics-bind-address "127.0.0.1:$(wss_free_port)" --cert-dir "$WSS_TMP/certs" \
  --ingest-auth=none --authorization-mode=always-allow >/dev/null 2>"$WSS_TMP/none.err" || rc=$?
[ "$rc" = 2 ] || wss_fail "exit $rc, not 2, with no way to look up: $(cat "$WSS_TMP/none.err")"
grep -qF -- '--client-ca-file and --requestheader-client-ca-file are not set, so they are looked up in ConfigMap kube-system/extension-apiserver-authentication, but --authentication-kubeconfig is not set' \
  "$WSS_TMP/none.err" || wss_fail "message: $(cat "$WSS_TMP/none.err")"
grep -qF -- '--authentication-skip-lookup' "$WSS_TMP/none.err" || wss_fail "no way out named"
echo "PASS test_adapter_authn_lookup"
