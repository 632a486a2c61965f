#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_manifests.sh: manifests/ renders offline with `kubectl kustomize` (base, example and every
#   overlay, so every component too, after scripts/make-certs.sh in a copy of the tree); every
#   rendered object passes tests/js/validate_manifests.js (kubernetes-models schemas plus our own
#   unknown-field walk, whose self-test must catch planted errors) and its policy checks; every
#   flag and WSSCALE_* variable given to our programs exists in their --help; the make-certs
#   certificate verifies for both Service names and is the caBundle and the sidecars' CA; the
#   adapter starts with exactly the rendered arguments (plus --authentication-skip-lookup, less
#   --pod-watch: no cluster holds the authentication ConfigMap or pods here) and serves /livez
#   and discovery over that certificate; the scrape config passes promtool.
# Does not: apply anything to a cluster, or run the example pod (the podman test does).
# Threads: n/a (one shell; one adapter at a time).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SRC="$WSS_SOURCE_DIR"
JS="$SRC/tests/js"
declare -A BIN=(
  [wsscale-adapter]="$WSS_BUILD_DIR/adapter/wsscale-adapter"
  [wsscale-sidecar]="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
  [wsscale-server]="$WSS_BUILD_DIR/server/wsscale-server"
)
for b in "${!BIN[@]}"; do
  [ -x "${BIN[$b]}" ] || wss_fail "missing ${BIN[$b]}: build the $b target"
done
# The versioned kubectl skips the dispatcher's /version probe; plain kubectl works too.
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl) || wss_fail "kubectl is not installed"
for t in node openssl jq promtool curl; do
  command -v "$t" >/dev/null || wss_fail "$t is not installed"
done
[ -d "$JS/node_modules/kubernetes-models" ] && [ -d "$JS/node_modules/yaml" ] ||
  wss_fail "tests/js/node_modules is missing: run scripts/install-deps.sh --tests"
validate() { node "$JS/validate_manifests.js" "$@"; }

# --- the checker itself catches planted unknown fields and type errors -------------------------
validate --self-test >"$WSS_TMP/self.out" || { cat "$WSS_TMP/self.out" >&2; wss_fail "validator self-test"; }

# --- render every kustomization, with make-certs output in a copy of the tree -------------------
M="$WSS_TMP/manifests"
cp -r "$SRC/manifests" "$M"
rm -rf "$M/components/make-certs/generated" "$M/components/make-certs-app/generated"
"$SRC/scripts/make-certs.sh" --manifests "$M" --days 2 >"$WSS_TMP/certs.log" ||
  wss_fail "make-certs.sh: $(cat "$WSS_TMP/certs.log")"
R="$WSS_TMP/rendered"
mkdir -p "$R"
mapfile -t KDIRS < <(cd "$M" && grep -l '^kind: Kustomization$' -r --include=kustomization.yaml . |
  xargs -n1 dirname | sed 's|^\./||' | sort)
[ "${#KDIRS[@]}" -ge 6 ] || wss_fail "only ${#KDIRS[@]} kustomizations found: ${KDIRS[*]}"
for d in base example; do
  [[ " ${KDIRS[*]} " == *" $d "* ]] || wss_fail "manifests/$d is not a kustomization"
done
for d in "${KDIRS[@]}"; do
  out="$R/${d//\//_}.yaml"
  "$KUBECTL" kustomize "$M/$d" >"$out" 2>"$WSS_TMP/kustomize.err" ||
    wss_fail "kubectl kustomize manifests/$d: $(cat "$WSS_TMP/kustomize.err")"
  [ -s "$out" ] || wss_fail "manifests/$d rendered nothing"
done
# Every component is used by some kustomization, so rendering them all renders every component.
for c in "$M"/components/*/; do
  c=$(basename "$c")
  grep -rqs "components/$c\$" --include=kustomization.yaml "$M/base" "$M/example" "$M/overlays" ||
    wss_fail "component $c is used by no kustomization, so it is never rendered"
done

# --- schemas, unknown fields, policy -------------------------------------------------------------
validate "$R"/*.yaml >"$WSS_TMP/validate.out" ||
  { cat "$WSS_TMP/validate.out" >&2; wss_fail "rendered manifests do not validate"; }
validate --policy "$R/base.yaml" "$R/example.yaml" >"$WSS_TMP/policy.out" ||
  { cat "$WSS_TMP/policy.out" >&2; wss_fail "policy checks"; }
# Both checks can fail: a planted unknown field and a weakened scale-down are caught.
sed 's/^  minReplicas: 2$/  minReplicas: 2\n  minReplica: 2/' "$R/example.yaml" >"$WSS_TMP/planted.yaml"
grep -q '^  minReplica: 2$' "$WSS_TMP/planted.yaml" || wss_fail "could not plant the unknown field"
! validate "$WSS_TMP/planted.yaml" >"$WSS_TMP/planted.out" || wss_fail "a planted unknown field passed"
grep -qF 'HorizontalPodAutoscaler/wsscale-server: spec.minReplica: unknown field "minReplica"' \
  "$WSS_TMP/planted.out" || wss_fail "wrong report for the planted field: $(cat "$WSS_TMP/planted.out")"
sed 's/stabilizationWindowSeconds: 600/stabilizationWindowSeconds: 60/' "$R/example.yaml" >"$WSS_TMP/weak.yaml"
! validate --policy "$R/base.yaml" "$WSS_TMP/weak.yaml" >"$WSS_TMP/weak.out" ||
  wss_fail "a 60 s scale-down window passed the policy check"
grep -qF "scale-down waits at least 10 minutes" "$WSS_TMP/weak.out" || wss_fail "wrong policy report"

# --- every flag and variable we pass exists in the program's --help ------------------------------
for b in "${!BIN[@]}"; do
  "${BIN[$b]}" --help >"$WSS_TMP/$b.help"
  # The help wraps "env NAME" across lines: one line of single spaces to search for variables.
  tr -s ' \n' ' ' <"$WSS_TMP/$b.help" >"$WSS_TMP/$b.flat"
done
# in_help PROGRAM flag|env NAME: NAME is a flag or environment variable PROGRAM --help lists.
in_help() {
  case $2 in
  flag) grep -qE -- "^  (-h, )?$3( |\$)" "$WSS_TMP/$1.help" ;;
  env) grep -qE -- "env $3[;)]" "$WSS_TMP/$1.flat" ;;
  esac
}
! in_help wsscale-adapter flag --no-such-flag || wss_fail "the --help check accepts anything"
! in_help wsscale-sidecar env WSSCALE_NO_SUCH || wss_fail "the --help check accepts any variable"
validate --list-flags "$R"/*.yaml | sort -u >"$WSS_TMP/flags"
[ "$(wc -l <"$WSS_TMP/flags")" -ge 20 ] || wss_fail "too few flags found: $(cat "$WSS_TMP/flags")"
for b in "${!BIN[@]}"; do grep -q "^$b flag " "$WSS_TMP/flags" || wss_fail "no flags for $b"; done
while read -r prog what name; do
  in_help "$prog" "$what" "$name" || wss_fail "$prog --help has no $what $name (used in manifests/)"
done <"$WSS_TMP/flags"

# --- the make-certs material ----------------------------------------------------------------------
# Each rendered file once more as a JSON array, for jq.
node -e '
  const YAML = require(process.argv[1] + "/node_modules/yaml");
  const fs = require("fs");
  for (const f of process.argv.slice(2)) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(f, "utf8")).map((d) => d.toJS()).filter(Boolean);
    fs.writeFileSync(f.replace(/\.yaml$/, ".json"), JSON.stringify(docs));
  }' "$JS" "$R"/*.yaml
# objfield FILE.yaml KIND NAME JQ-FILTER: prints JQ-FILTER of the rendered object KIND/NAME.
objfield() {
  jq -er --arg k "$2" --arg n "$3" ".[] | select(.kind == \$k and .metadata.name == \$n) | $4" \
    "${1%.yaml}.json"
}
C="$WSS_TMP/certs"
mkdir -p "$C"
MC="$R/overlays_make-certs.yaml"
objfield "$MC" Secret wsscale-adapter-tls '.data["tls.crt"]' | base64 -d >"$C/tls.crt"
objfield "$MC" Secret wsscale-adapter-tls '.data["tls.key"]' | base64 -d >"$C/tls.key"
objfield "$MC" Secret wsscale-adapter-tls '.data["ca.crt"]' | base64 -d >"$C/ca.crt"
[ "$(objfield "$MC" Secret wsscale-adapter-tls .type)" = kubernetes.io/tls ] || wss_fail "secret type"
for n in wsscale-adapter.wsscale-system.svc wsscale-adapter-headless.wsscale-system.svc; do
  openssl verify -CAfile "$C/ca.crt" -verify_hostname "$n" -purpose sslserver "$C/tls.crt" \
    >/dev/null 2>&1 || wss_fail "the serving certificate does not verify for $n"
done
! openssl verify -CAfile "$C/ca.crt" -verify_hostname other.wsscale-system.svc "$C/tls.crt" \
  >/dev/null 2>&1 || wss_fail "the serving certificate verifies for any name"
[ "$(openssl x509 -in "$C/tls.crt" -noout -pubkey)" = "$(openssl pkey -in "$C/tls.key" -pubout)" ] ||
  wss_fail "tls.key does not belong to tls.crt"
CA64=$(base64 -w0 <"$C/ca.crt")
for a in v1beta2.custom.metrics.k8s.io v1beta1.custom.metrics.k8s.io v1beta1.external.metrics.k8s.io; do
  [ "$(objfield "$MC" APIService "$a" .spec.caBundle)" = "$CA64" ] || wss_fail "$a: caBundle is not the CA"
done
[ "$(objfield "$R/overlays_example-make-certs.yaml" ConfigMap wsscale-adapter-ca '.data["ca.crt"]')" = \
  "$(cat "$C/ca.crt")" ] || wss_fail "the sidecars' CA ConfigMap is not the CA"
[ "$(objfield "$R/overlays_example-make-certs.yaml" ConfigMap wsscale-adapter-ca .metadata.namespace)" = \
  ws-demo ] || wss_fail "the sidecars' CA ConfigMap is not in ws-demo"

# --- the adapter runs with the rendered arguments and the Secret ------------------------------------
mapfile -t ARGS < <(objfield "$MC" Deployment wsscale-adapter \
  '.spec.template.spec.containers[0].args[]')
PORT=$(wss_free_port)
MPORT=$(wss_free_port)
RUN=()
for a in "${ARGS[@]}"; do
  a=${a//\/var\/run\/serving-cert/$C}
  case $a in
  --secure-port=*) a="--secure-port=$PORT" ;;
  --metrics-bind-address=*) a="--metrics-bind-address=127.0.0.1:$MPORT" ;;
  --pod-watch) continue ;; # no cluster to watch (test_adapter_pod_watch.sh has the stand-in)
  esac
  RUN+=("$a")
done
# No cluster here: no TokenReview or SubjectAccessReview to ask, no authentication ConfigMap to
# read (test_adapter_authn_lookup.sh covers that lookup against the API stand-in).
env -i PATH="$PATH" "${BIN[wsscale-adapter]}" "${RUN[@]}" --bind-address=127.0.0.1 \
  --ingest-auth=none --authorization-mode=always-allow --authentication-skip-lookup \
  >"$WSS_TMP/adapter.log" 2>&1 &
WSS_PIDS+=($!)
SVC=wsscale-adapter.wsscale-system.svc
CURL=(curl -sf --max-time 5 --cacert "$C/ca.crt" --resolve "$SVC:$PORT:127.0.0.1")
wss_wait_until 15 "${CURL[@]}" "https://$SVC:$PORT/livez" ||
  wss_fail "adapter with the rendered arguments never served /livez: $(tail -5 "$WSS_TMP/adapter.log")"
"${CURL[@]}" "https://$SVC:$PORT/apis/custom.metrics.k8s.io/v1beta2" >"$WSS_TMP/disc.json" ||
  wss_fail "discovery over the make-certs certificate failed"
[ "$(jq -r .kind "$WSS_TMP/disc.json")" = APIResourceList ] || wss_fail "discovery: $(cat "$WSS_TMP/disc.json")"
curl -sf --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$WSS_TMP/metrics.txt" ||
  wss_fail "the adapter's metrics port from the manifest does not answer"
grep -q '^wsscale_adapter_' "$WSS_TMP/metrics.txt" ||
  wss_fail "the adapter's metrics port from the manifest serves no wsscale_adapter_ metrics"

# --- the plain Prometheus scrape config ----------------------------------------------------------
objfield "$R/overlays_prometheus.yaml" ConfigMap wsscale-scrape-config '.data["wsscale-scrape.yml"]' \
  >"$WSS_TMP/scrape.yml"
grep -c 'kubernetes_sd_configs:' "$WSS_TMP/scrape.yml" | grep -qx 2 || wss_fail "scrape jobs without Kubernetes SD"
# Debian's Prometheus is built without Kubernetes service discovery: the check swaps it for
# file_sd_configs, so promtool checks everything else (jobs, intervals, relabel rules).
sed -i 's/^    kubernetes_sd_configs:$/    file_sd_configs: [{files: [targets.json]}]\n    x_kubernetes_sd_configs:/' \
  "$WSS_TMP/scrape.yml"
/usr/bin/python3 - "$WSS_TMP/scrape.yml" <<'PY'
import re, sys
p = sys.argv[1]
text = open(p).read()
# Drop the renamed Kubernetes SD block (the key and its deeper-indented lines).
text = re.sub(r"    x_kubernetes_sd_configs:\n(?:      .*\n)+", "", text)
open(p, "w").write(text)
PY
echo '[]' >"$WSS_TMP/targets.json"
promtool check config "$WSS_TMP/scrape.yml" >"$WSS_TMP/promtool.out" 2>&1 ||
  wss_fail "promtool check config: $(cat "$WSS_TMP/promtool.out")"

echo "PASS manifests: ${#KDIRS[@]} kustomizations, $(grep -c . "$WSS_TMP/flags") flags and variables checked"
