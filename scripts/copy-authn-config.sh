#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# copy-authn-config.sh: copies what the adapter needs from ConfigMap
#   kube-system/extension-apiserver-authentication (the client and front-proxy CAs, the allowed
#   front-proxy names and the header names) into ConfigMap wsscale-adapter-authn in the adapter's
#   namespace, as files (the CAs) and comma-separated lists (the JSON arrays), which is what
#   wsscale-adapter's --client-ca-file, --requestheader-* flags and WSSCALE_* variables take.
# Does not: watch for changes. When the cluster's CAs rotate, run it again and restart the adapter
#   (kubectl -n wsscale-system rollout restart deployment/wsscale-adapter).
# Threads: n/a (a shell script).
# Usage: copy-authn-config.sh [--namespace NS] [--from-file CONFIGMAP.json] [--print]
#   --from-file reads the source ConfigMap (JSON) from a file instead of the cluster;
#   --print writes the new ConfigMap (JSON) to stdout instead of applying it.
set -euo pipefail

namespace=wsscale-system
from=
print=0
while [ $# -gt 0 ]; do
  case $1 in
  --namespace) namespace=${2:?--namespace needs a name}; shift 2 ;;
  --from-file) from=${2:?--from-file needs a file}; shift 2 ;;
  --print) print=1; shift ;;
  *) echo "usage: copy-authn-config.sh [--namespace NS] [--from-file FILE] [--print]" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "copy-authn-config.sh: jq is not installed" >&2; exit 1; }

if [ -n "$from" ]; then
  src=$(cat "$from")
else
  src=$(kubectl -n kube-system get configmap extension-apiserver-authentication -o json)
fi

# Missing lists take the Kubernetes defaults; a missing CA is an error, not an empty trust pool.
out=$(jq --arg ns "$namespace" '
  def list($k; $default): ((.data[$k] // $default) | fromjson | join(","));
  def pem($k): (.data[$k] // error("the source ConfigMap has no \($k)"));
  {apiVersion: "v1", kind: "ConfigMap",
   metadata: {name: "wsscale-adapter-authn", namespace: $ns,
              labels: {"app.kubernetes.io/part-of": "wsscale"}},
   data: {
     "client-ca.crt": pem("client-ca-file"),
     "requestheader-client-ca.crt": pem("requestheader-client-ca-file"),
     "requestheader-allowed-names": list("requestheader-allowed-names"; "[]"),
     "requestheader-username-headers": list("requestheader-username-headers"; "[\"X-Remote-User\"]"),
     "requestheader-group-headers": list("requestheader-group-headers"; "[\"X-Remote-Group\"]"),
     "requestheader-extra-headers-prefix":
       ((.data["requestheader-extra-headers-prefix"] // "[\"X-Remote-Extra-\"]") | fromjson | .[0])
   }}' <<<"$src") || { echo "copy-authn-config.sh: cannot convert the ConfigMap" >&2; exit 1; }

if [ "$print" = 1 ]; then
  printf '%s\n' "$out"
else
  printf '%s\n' "$out" | kubectl apply -f -
fi
