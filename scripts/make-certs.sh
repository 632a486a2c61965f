#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make-certs.sh: makes a private CA and the adapter's serving certificate with openssl, valid for
#   <service>.<namespace>.svc (and the headless Service's name the sidecars dial), and writes them as
#   kustomize inputs: the Secret wsscale-adapter-tls and the APIServices' caBundle patch
#   (components/make-certs/generated/), and the CA as ConfigMap wsscale-adapter-ca for the sidecars
#   (components/make-certs-app/generated/, namespace --app-namespace). Run again to replace all of them (a new CA each time).
# Does not: apply anything to a cluster, or keep the CA's private key (nothing can sign with it later).
# Threads: n/a (a shell script).
# Usage: make-certs.sh [--manifests DIR] [--service NAME] [--namespace NS] [--app-namespace NS]
#                     [--days N]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifests="$here/manifests"
service=wsscale-adapter
namespace=wsscale-system
app_namespace=ws-demo
days=365

usage() {
  echo "usage: make-certs.sh [--manifests DIR] [--service NAME] [--namespace NS] [--app-namespace NS] [--days N]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
  --manifests) manifests=${2:?--manifests needs a directory}; shift 2 ;;
  --service) service=${2:?--service needs a name}; shift 2 ;;
  --namespace) namespace=${2:?--namespace needs a name}; shift 2 ;;
  --app-namespace) app_namespace=${2:?--app-namespace needs a name}; shift 2 ;;
  --days) days=${2:?--days needs a number}; shift 2 ;;
  -h | --help) usage ;;
  *) echo "make-certs.sh: unknown argument $1" >&2; usage ;;
  esac
done
case $days in '' | *[!0-9]* | 0) echo "make-certs.sh: --days must be a positive integer" >&2; exit 2 ;; esac
for n in "$service" "$namespace" "$app_namespace"; do
  [[ $n =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || { echo "make-certs.sh: not a DNS label: $n" >&2; exit 2; }
done
[ -d "$manifests/components/make-certs" ] && [ -d "$manifests/components/make-certs-app" ] ||
  { echo "make-certs.sh: no components/make-certs{,-app} under $manifests" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is not installed" >&2; exit 1; }

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

svc="$service.$namespace.svc"
headless="$service-headless.$namespace.svc"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
  -keyout "$work/ca.key" -out "$work/ca.crt" -subj "/CN=$service-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>"$work/log" || { cat "$work/log" >&2; exit 1; }
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls.key" \
  -out "$work/tls.csr" -subj "/CN=$svc" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
printf '%s\n' \
  "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature,keyEncipherment" \
  "extendedKeyUsage=serverAuth" \
  "subjectAltName=DNS:$svc,DNS:$svc.cluster.local,DNS:$headless,DNS:$headless.cluster.local" \
  >"$work/ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days "$days" -extfile "$work/ext" -out "$work/tls.crt" 2>"$work/log" ||
  { cat "$work/log" >&2; exit 1; }

b64() { base64 -w0 <"$1"; }
out="$manifests/components/make-certs/generated"
app="$manifests/components/make-certs-app/generated"
mkdir -p "$out" "$app"
cat >"$out/adapter-tls-secret.yaml" <<YAML
# Written by scripts/make-certs.sh: the adapter's serving certificate for $svc.
apiVersion: v1
kind: Secret
metadata:
  name: $service-tls
  namespace: $namespace
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$work/tls.crt")
  tls.key: $(b64 "$work/tls.key")
  ca.crt: $(b64 "$work/ca.crt")
YAML
cat >"$out/cabundle-patch.yaml" <<YAML
# Written by scripts/make-certs.sh: the CA the aggregator checks the adapter's certificate with.
- op: add
  path: /spec/caBundle
  value: $(b64 "$work/ca.crt")
YAML
{
  echo "# Written by scripts/make-certs.sh: the CA the sidecars check the adapter's certificate with."
  echo "apiVersion: v1"
  echo "kind: ConfigMap"
  echo "metadata:"
  echo "  name: $service-ca"
  echo "  namespace: $app_namespace"
  echo "data:"
  echo "  ca.crt: |"
  sed 's/^/    /' "$work/ca.crt"
} >"$app/adapter-ca-configmap.yaml"
chmod 600 "$out/adapter-tls-secret.yaml"
echo "make-certs.sh: wrote $out and $app (certificate for $svc and $headless, $days days)"
