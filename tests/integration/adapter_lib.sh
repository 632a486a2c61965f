# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# adapter_lib.sh: what the wsscale-adapter integration tests share (sourced after
#   tests/support/lib.sh): a test PKI, kubeconfigs, starting the adapter and the Kubernetes API
#   stand-in, crafting Report bodies with protoc-c, and kubectl / curl calls.
# Does not: sleep to wait (every wait polls with a deadline), or reach beyond 127.0.0.1.
# Threads: n/a (sourced by one shell).

ADAPTER="$WSS_BUILD_DIR/adapter/wsscale-adapter"
FAKE_KUBE=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/support/fake_kube_api.py")
PKI="$WSS_TMP/pki"
[ -x "$ADAPTER" ] || wss_fail "missing $ADAPTER: build the wsscale-adapter target"
for tool in jq openssl protoc-c kubectl curl; do
  command -v "$tool" >/dev/null || wss_fail "$tool is not installed"
done

# cert NAME CA SUBJ EKU [SAN]: an EC key and a certificate signed by CA (a file stem in $PKI).
cert() {
  local name=$1 ca=$2 subj=$3 eku=$4 san=${5:-}
  local ext="extendedKeyUsage=$eku"
  [ -n "$san" ] && ext="$ext"$'\n'"subjectAltName=$san"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$name.key" \
    -out "$PKI/$name.csr" -subj "$subj" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
    -CAcreateserial -out "$PKI/$name.crt" -days 2 -extfile <(printf '%s\n' "$ext") 2>/dev/null
}

# ca NAME: a self-signed EC CA.
ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$1.key" \
    -out "$PKI/$1.crt" -days 2 -subj "/CN=$1" 2>/dev/null
}

# make_pki: client CA (admin in system:masters, alice in dev), front-proxy CA (the aggregator's
# front-proxy-client and a not-allowed CN), a rogue CA with a front-proxy-client CN, and the
# stand-in's serving pair.
make_pki() {
  mkdir -p "$PKI"
  ca client-ca
  ca front-proxy-ca
  ca rogue-ca
  ca kube-ca
  cert admin client-ca "/O=system:masters/CN=admin" clientAuth
  cert alice client-ca "/O=dev/CN=alice" clientAuth
  cert front-proxy front-proxy-ca "/CN=front-proxy-client" clientAuth
  cert other-proxy front-proxy-ca "/CN=some-other-proxy" clientAuth
  cert rogue-proxy rogue-ca "/CN=front-proxy-client" clientAuth
  cert kube-server kube-ca "/CN=127.0.0.1" serverAuth "IP:127.0.0.1,DNS:localhost"
}

# kubeconfig FILE SERVER CA [CERT KEY | token TOKEN]: a kubeconfig with one context.
kubeconfig() {
  local file=$1 server=$2 cafile=$3 user
  if [ "${4:-}" = token ]; then
    user="{token: \"$5\"}"
  else
    user="{client-certificate: \"$4\", client-key: \"$5\"}"
  fi
  cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "$server", certificate-authority: "$cafile"}}]
users: [{name: u, user: $user}]
contexts: [{name: t, context: {cluster: t, user: u, namespace: default}}]
current-context: t
YAML
}

# start_fake_kube [ARGS...]: starts the stand-in (records to $WSS_TMP/kube.jsonl); sets KUBE_URL.
start_fake_kube() {
  : >"$WSS_TMP/kube.jsonl"
  rm -f "$WSS_TMP/kube.port"
  wss_start kube "${FAKE_KUBE[@]}" --cert "$PKI/kube-server.crt" --key "$PKI/kube-server.key" \
    --client-ca "$PKI/kube-ca.crt" --port-file "$WSS_TMP/kube.port" \
    --record "$WSS_TMP/kube.jsonl" --caller-token adapter-secret "$@"
  wss_wait_until 10 test -s "$WSS_TMP/kube.port" || wss_fail "the Kubernetes API stand-in did not start"
  KUBE_URL="https://127.0.0.1:$(cat "$WSS_TMP/kube.port")"
  kubeconfig "$WSS_TMP/adapter-kube.yaml" "$KUBE_URL" "$PKI/kube-ca.crt" token adapter-secret
}

# start_adapter [ARGS...]: starts wsscale-adapter on $PORT (HTTPS) and $MPORT (/metrics), with the
# client and front-proxy CAs; waits for /healthz. Sets ADAPTER_PID (used by the tests).
start_adapter() {
  PORT=$(wss_free_port)
  MPORT=$(wss_free_port)
  wss_start adapter "$ADAPTER" --bind-address 127.0.0.1 --secure-port "$PORT" \
    --metrics-bind-address "127.0.0.1:$MPORT" --cert-dir "$WSS_TMP/certs" \
    --client-ca-file "$PKI/client-ca.crt" --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names front-proxy-client "$@"
  # shellcheck disable=SC2034
  ADAPTER_PID=${WSS_PIDS[-1]}
  wss_wait_until 15 curl -sf --cacert "$WSS_TMP/certs/apiserver.crt" \
    "https://127.0.0.1:$PORT/healthz" || { cat "$WSS_TMP/adapter.log" >&2; wss_fail "the adapter did not start"; }
  kubeconfig "$WSS_TMP/admin.yaml" "https://127.0.0.1:$PORT" "$WSS_TMP/certs/apiserver.crt" \
    "$PKI/admin.crt" "$PKI/admin.key"
}

# kraw PATH: kubectl get --raw as the system:masters admin.
kraw() {
  kubectl --kubeconfig "$WSS_TMP/admin.yaml" --cache-dir "$WSS_TMP/kc" get --raw "$1"
}

# call WHO PATH [CURL ARGS...]: curl with WHO's client certificate (none: no certificate);
# prints the body, then a last line with the HTTP code.
call() {
  local who=$1 path=$2
  shift 2
  local id=()
  [ "$who" != none ] && id=(--cert "$PKI/$who.crt" --key "$PKI/$who.key")
  curl -s --cacert "$WSS_TMP/certs/apiserver.crt" "${id[@]}" -w '\n%{http_code}' "$@" \
    "https://127.0.0.1:$PORT$path"
}

# report FILE TEXT: encodes the text-format wsscale.v1.Report TEXT into FILE.
report() {
  printf '%s\n' "$2" | protoc-c --proto_path="$WSS_SOURCE_DIR/proto" \
    --encode=wsscale.v1.Report wsscale.proto >"$1"
}

# pod_report NS POD UID ACTIVE SEQ [LABELS TEXT]: the text of an OK report sampled now.
pod_report() {
  printf 'namespace: "%s" pod: "%s" pod_uid: "%s" source: SOURCE_KIND_SHM source_state: SOURCE_STATE_OK active_connections: %s sample_time_unix_ms: %s interval_ms: 1000 sidecar_instance: 7 sequence: %s %s' \
    "$1" "$2" "$3" "$4" "$(date +%s%3N)" "$5" "${6:-}"
}

# push FILE [TOKEN]: POSTs the Report in FILE; prints the body and the code on the last line.
push() {
  local auth=()
  [ -n "${2:-}" ] && auth=(-H "Authorization: Bearer $2")
  # Expect: 100-continue lets a refusal (401, 413) come before the body is sent; without it curl
  # may still be sending when the adapter answers and closes (exit 55).
  curl -s --cacert "$WSS_TMP/certs/apiserver.crt" -w '\n%{http_code}' "${auth[@]}" \
    -H 'Content-Type: application/x-protobuf' -H 'Expect: 100-continue' --data-binary "@$1" \
    "https://127.0.0.1:$PORT/ingest/v1/reports"
}

# code_of OUTPUT: the last line (the HTTP code); body_of OUTPUT: every line before it.
code_of() { printf '%s\n' "$1" | tail -n1; }
body_of() { printf '%s\n' "$1" | sed '$d'; }
