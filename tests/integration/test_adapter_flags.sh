#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_flags.sh: wsscale-adapter refuses a bad start with exit code 2 and exactly one
#   line on stderr naming the flag (flag combinations, kubeconfigs that are missing or unset
#   outside a cluster, a bad --prometheus-url, an unusable --cert-dir, bad values); --help lists
#   the flag names users know from other adapters; --ingest-auth=none logs a loud warning;
#   given --tls-* files are served as they are; a port already taken is exit 1.
# Does not: serve any request past the start (the other test_adapter_*.sh do).
# Threads: n/a (one shell, one short-lived adapter at a time).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

ADAPTER="$WSS_BUILD_DIR/adapter/wsscale-adapter"
[ -x "$ADAPTER" ] || wss_fail "missing $ADAPTER: build the wsscale-adapter target"
PORT=$(wss_free_port)
MPORT=$(wss_free_port)
# Local use: no Kubernetes API at all, so no lookup of the authentication ConfigMap either.
LOCAL=(--ingest-auth=none --authorization-mode=always-allow --authentication-skip-lookup)
BASE=(--bind-address 127.0.0.1 --secure-port "$PORT" --metrics-bind-address "127.0.0.1:$MPORT"
  --cert-dir "$WSS_TMP/certs")

# refused WANT ARGS...: the adapter must exit 2 with one stderr line containing WANT.
refused() {
  local want=$1 rc=0
  shift
  env -i PATH="$PATH" "$ADAPTER" "${BASE[@]}" "$@" >"$WSS_TMP/out" 2>"$WSS_TMP/err" </dev/null ||
    rc=$?
  [ "$rc" = 2 ] || wss_fail "exit $rc, not 2, for: $* ($(cat "$WSS_TMP/err"))"
  [ "$(wc -l <"$WSS_TMP/err")" = 1 ] || wss_fail "not one line for: $*: $(cat "$WSS_TMP/err")"
  grep -qF -- "$want" "$WSS_TMP/err" || wss_fail "no \"$want\" in: $(cat "$WSS_TMP/err")"
  [ ! -s "$WSS_TMP/out" ] || wss_fail "stdout not empty for: $*"
}

refused 'wsscale-adapter: --source=prometheus needs --prometheus-url' "${LOCAL[@]}" --source=prometheus
refused 'wsscale-adapter: --tls-cert-file is set without --tls-private-key-file' "${LOCAL[@]}" \
  --tls-cert-file /x.crt
refused 'wsscale-adapter: --tls-private-key-file is set without --tls-cert-file' "${LOCAL[@]}" \
  --tls-private-key-file /x.key
refused '--requestheader-allowed-names needs --requestheader-client-ca-file' "${LOCAL[@]}" \
  --requestheader-allowed-names front-proxy-client
refused '--sidecar-audience must not be empty with --ingest-auth=tokenreview' \
  --authorization-mode=always-allow --sidecar-audience=
refused 'wsscale-adapter: --authentication-kubeconfig is not set and the in-cluster config is unavailable' \
  --authorization-mode=always-allow
refused 'it is needed by --ingest-auth=tokenreview' --authorization-mode=always-allow
refused 'wsscale-adapter: --authorization-kubeconfig is not set and the in-cluster config is unavailable' \
  --ingest-auth=none
refused "wsscale-adapter: --authentication-kubeconfig: $WSS_TMP/nope.yaml" "${LOCAL[@]}" \
  --authentication-kubeconfig "$WSS_TMP/nope.yaml"
refused 'wsscale-adapter: --client-ca-file and --requestheader-client-ca-file are not set, so they are looked up in ConfigMap kube-system/extension-apiserver-authentication' \
  --ingest-auth=none --authorization-mode=always-allow
refused 'invalid value "yes please" for --authentication-skip-lookup' "${LOCAL[@]}" \
  --authentication-skip-lookup='yes please'
refused 'invalid value "0s" for --authentication-config-refresh' "${LOCAL[@]}" \
  --authentication-config-refresh 0s
refused 'invalid value "maybe" for --authorization-mode' --authorization-mode maybe
refused 'invalid value "sometimes" for --ingest-auth' --ingest-auth sometimes
refused 'invalid value "70000" for --secure-port' "${LOCAL[@]}" --secure-port 70000
refused 'unknown flag' "${LOCAL[@]}" --lister-kubeconfig x
refused 'wsscale-adapter: --prometheus-url' "${LOCAL[@]}" --source=prometheus --prometheus-url 'ftp://x'
touch "$WSS_TMP/file"
refused "wsscale-adapter: --cert-dir: $WSS_TMP/file/certs: Not a directory" "${LOCAL[@]}" --cert-dir "$WSS_TMP/file/certs"
refused 'wsscale-adapter: --cert-sans: at most 11 names' "${LOCAL[@]}" --cert-sans a,b,c,d,e,f,g,h,i,j,k,l
refused 'wsscale-adapter: --metrics-bind-address uses the --secure-port' "${LOCAL[@]}" \
  --metrics-bind-address "127.0.0.1:$PORT"

# --help: the names users know.
"$ADAPTER" --help >"$WSS_TMP/help" || wss_fail "--help failed"
for flag in secure-port bind-address tls-cert-file tls-private-key-file cert-dir client-ca-file \
  requestheader-client-ca-file requestheader-allowed-names requestheader-username-headers \
  requestheader-group-headers requestheader-extra-headers-prefix authentication-kubeconfig \
  authorization-kubeconfig authorization-mode authorization-always-allow-paths \
  authentication-token-webhook-cache-ttl authorization-webhook-cache-authorized-ttl \
  authorization-webhook-cache-unauthorized-ttl ingest-auth sidecar-audience source prometheus-url \
  prometheus-timeout stale-after max-pods metrics-bind-address threads log-level log-format \
  authentication-skip-lookup authentication-tolerate-lookup-failure \
  authentication-config-refresh; do
  grep -q -- "--$flag" "$WSS_TMP/help" || wss_fail "--help lacks --$flag"
done

grep -q 'a change of them applies on restart' "$WSS_TMP/help" ||
  wss_fail "--help does not say when ConfigMap header settings apply"

# A good local start with the serving pair given as files (no --cert-dir pair is made) warns
# loudly, and a second one on the same port fails with exit 1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$WSS_TMP/tls.key" -out "$WSS_TMP/tls.crt" -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null || wss_fail "openssl"
TLS=(--tls-cert-file "$WSS_TMP/tls.crt" --tls-private-key-file "$WSS_TMP/tls.key")
wss_start adapter "$ADAPTER" "${BASE[@]}" "${LOCAL[@]}" "${TLS[@]}"
PID=${WSS_PIDS[-1]}
wss_wait_until 15 curl -sf --cacert "$WSS_TMP/tls.crt" "https://127.0.0.1:$PORT/livez" ||
  wss_fail "the adapter did not start: $(cat "$WSS_TMP/adapter.log")"
[ ! -e "$WSS_TMP/certs" ] || wss_fail "a self-signed pair was made although --tls-cert-file was given"
grep -q 'WARNING: --ingest-auth=none' "$WSS_TMP/adapter.log" || wss_fail "no loud warning for --ingest-auth=none"
rc=0
"$ADAPTER" "${BASE[@]}" "${LOCAL[@]}" "${TLS[@]}" --metrics-bind-address 127.0.0.1:0 >"$WSS_TMP/second.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || wss_fail "a second adapter on the same port exited $rc: $(cat "$WSS_TMP/second.log")"
grep -q '"cannot serve"' "$WSS_TMP/second.log" || wss_fail "no reason: $(cat "$WSS_TMP/second.log")"
kill -INT "$PID"
rc=0
wait "$PID" || rc=$?
[ "$rc" = 0 ] || wss_fail "SIGINT: exit $rc"
echo "PASS test_adapter_flags"
