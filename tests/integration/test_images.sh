#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_images.sh: the container images and the example pod under podman, offline: builds the
#   images from this build's programs (scripts/build-images.sh); each holds exactly its binary, the
#   libraries ldd lists and the loader, runs as a numeric non-root user and has no shell; then
#   `podman kube play` runs the pod of manifests/example (server + sidecar sharing the network and
#   IPC namespaces, so /dev/shm) from those images, real WebSocket clients connect to the server on
#   127.0.0.1, and the sidecar's websocket_connections follows their number up and down; `podman
#   kube down` leaves no pod, container or volume behind.
# Podman 4.3 does not honour all of the example: tests/integration/podman-overlay replaces the
#   downward API and projected volumes, the metadata.namespace fieldRef, the memory emptyDir at
#   /dev/shm and the bare containerPorts, and points the Redis name at loopback (no Redis here);
#   only the server Deployment and the overlay's ConfigMaps are played.
# Does not: push to an adapter (none runs; the sidecar's count is read from its /metrics), or
#   remove the four images it tags (wsscale-{adapter,sidecar,server}:<version>, wsscale-pause:1):
#   a rebuild reuses them. Needs root (rootful podman); exit 77 otherwise.
# Threads: n/a (one shell; the pod and the clients in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: rootful podman needs root"; exit 77; }
for tool in podman kubectl node ldd; do
  command -v "$tool" >/dev/null || wss_fail "$tool is not installed (scripts/install-deps.sh --tests)"
done
export CONTAINERS_CONF="$WSS_SOURCE_DIR/packaging/containers.conf"
export NODE_PATH="$WSS_SOURCE_DIR/tests/js/node_modules"
[ -d "$NODE_PATH/yaml" ] || wss_fail "missing $NODE_PATH/yaml: run scripts/install-deps.sh --tests"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
[ -x "$LOAD" ] || wss_fail "missing $LOAD: build the wsscale-load target"
declare -A BIN=([adapter]=adapter/wsscale-adapter [sidecar]=sidecar/wsscale-sidecar
  [server]=server/wsscale-server)
TAG=$("$WSS_BUILD_DIR/${BIN[server]}" --version | awk '{print $2}')
OVERLAY="$WSS_SOURCE_DIR/tests/integration/podman-overlay"
# The loopback ports podman-overlay/pod.yaml publishes (hostPort) for the server and the sidecar.
SERVER_PORT=28080
SIDECAR_PORT=29102
# A Deployment played by podman becomes the pod <name>-pod-0 with containers <pod>-<container>.
POD=wsscale-server-pod-0
# What the test creates in podman's store, removed on any exit.
RUN_CTRS=()
PLAYED=0
VOLUMES_BEFORE=$(podman volume ls -q | sort)

images_cleanup() {
  local c v
  for c in "${RUN_CTRS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  if [ "$PLAYED" = 1 ]; then podman kube down "$WSS_TMP/play.yaml" >/dev/null 2>&1 || true; fi
  for v in $(comm -13 <(printf '%s\n' "$VOLUMES_BEFORE") <(podman volume ls -q | sort)); do
    podman volume rm -f "$v" >/dev/null 2>&1 || true
  done
}
trap 'images_cleanup; wss_cleanup' EXIT

# all_images: the ids of every image in the store, as image inspect prints them.
all_images() { podman images -a -q --no-trunc | sed 's/^sha256://' | sort -u; }
IMAGES_BEFORE=$(all_images)

# --- Build -----------------------------------------------------------------------------------
echo "building the images from $WSS_BUILD_DIR"
"$WSS_SOURCE_DIR/scripts/build-images.sh" "$WSS_BUILD_DIR" | tee "$WSS_TMP/sizes.txt" ||
  wss_fail "scripts/build-images.sh failed"
KEPT=$(for p in adapter sidecar server; do
  podman image inspect --format '{{.Id}}' "localhost/wsscale-$p:$TAG"
done; podman image inspect --format '{{.Id}}' localhost/wsscale-pause:1)

# --- Each image: exactly its files, a numeric non-root user, no shell --------------------------
# expected_files BINARY NAME: the paths (no leading /) an image of BINARY as NAME must hold.
expected_files() {
  {
    echo "usr/local/bin/$2"
    ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// {print substr($3, 2)} $1 ~ /^\// {print substr($1, 2)}'
  } | sort -u
}

# image_files REF: every non-directory path in image REF (no leading /).
image_files() {
  local mnt
  mnt=$(podman image mount "$1") || return 1
  (cd "$mnt" && find . ! -type d | sed 's|^\./||' | sort)
  podman image unmount "$1" >/dev/null
}

# running_uid CONTAINER: the real, effective, saved and fs uids of the container's process.
running_uid() {
  local pid
  pid=$(podman inspect --format '{{.State.Pid}}' "$1")
  [ "$pid" -gt 0 ] && awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status"
}

is_running() { [ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ]; }

# Arguments that keep each program up on its own, with no network and no cluster.
declare -A STANDALONE_ARGS=(
  [adapter]="--ingest-auth=none --authorization-mode=always-allow --authentication-skip-lookup"
  [sidecar]="--pod-namespace=ns --pod-name=pod --pod-uid=uid --labels-file="
  [server]=""
)
for p in adapter sidecar server; do
  ref="localhost/wsscale-$p:$TAG"
  diff <(expected_files "$WSS_BUILD_DIR/${BIN[$p]}" "wsscale-$p") <(image_files "$ref") >"$WSS_TMP/files.diff" ||
    wss_fail "$ref holds other files than its binary, its libraries and the loader (< expected, > image):
$(cat "$WSS_TMP/files.diff")"

  user=$(podman image inspect --format '{{.Config.User}}' "$ref")
  [[ "$user" =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || wss_fail "$ref: USER '$user' is not a numeric non-root uid:gid"

  if out=$(podman run --rm --network none --entrypoint /bin/sh "$ref" -c true 2>&1); then
    wss_fail "$ref ran /bin/sh: $out"
  fi
  [[ "$out" == *"stat /bin/sh: no such file or directory"* ]] || wss_fail "$ref: /bin/sh failed for another reason: $out"

  name="wsscale-imgtest-$p-$$"
  RUN_CTRS+=("$name")
  # shellcheck disable=SC2086 # the arguments are words
  podman run -d --name "$name" --network none "$ref" ${STANDALONE_ARGS[$p]} >/dev/null ||
    wss_fail "$ref did not start"
  wss_wait_until 10 running_uid "$name" || wss_fail "$ref: no process: $(podman logs "$name" 2>&1)"
  uids=$(running_uid "$name")
  [ "$uids" = "${user%%:*} ${user%%:*} ${user%%:*} ${user%%:*}" ] || wss_fail "$ref runs with uids '$uids', want ${user%%:*}"
  is_running "$name" || wss_fail "$ref exited: $(podman logs "$name" 2>&1)"
  podman rm -f -t 0 "$name" >/dev/null
  echo "ok: $ref: $(wc -l < <(image_files "$ref")) files, user $user, no shell"
done

# --- The example pod --------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$SERVER_PORT" "$SIDECAR_PORT"; do
  port_free "$port" || wss_fail "127.0.0.1:$port is in use; podman-overlay/pod.yaml publishes the pod there"
done
podman pod exists "$POD" && wss_fail "a pod $POD already exists (another run?); remove it first"

kubectl kustomize "$OVERLAY" >"$WSS_TMP/rendered.yaml" || wss_fail "kubectl kustomize $OVERLAY"
# The server Deployment and the ConfigMaps its volumes name; the rest (Redis from a registry, the
# Service, Ingress, HPA, PDB) means nothing to podman.
node -e '
const YAML = require("yaml"), fs = require("fs");
const docs = YAML.parseAllDocuments(fs.readFileSync(0, "utf8")).map((d) => d.toJS()).filter(Boolean);
const keep = docs.filter((o) => o.kind === "ConfigMap" ||
  (o.kind === "Deployment" && o.metadata.name === "wsscale-server"));
if (keep.filter((o) => o.kind === "Deployment").length !== 1) process.exit(1);
process.stdout.write(keep.map((o) => YAML.stringify(o)).join("---\n"));
' <"$WSS_TMP/rendered.yaml" >"$WSS_TMP/play.yaml" || wss_fail "no Deployment wsscale-server in manifests/example"
grep -q "image: localhost/wsscale-server:$TAG" "$WSS_TMP/play.yaml" ||
  wss_fail "the example does not run localhost/wsscale-server:$TAG: $(grep 'image:' "$WSS_TMP/play.yaml")"

PLAYED=1
podman kube play "$WSS_TMP/play.yaml" >"$WSS_TMP/play.log" 2>&1 || wss_fail "podman kube play: $(cat "$WSS_TMP/play.log")"
shared=$(podman pod inspect --format '{{.SharedNamespaces}}' "$POD")
[[ "$shared" == *ipc* && "$shared" == *net* ]] || wss_fail "pod $POD shares $shared, want ipc and net"
for c in server sidecar; do
  is_running "$POD-$c" || wss_fail "$POD-$c is not running: $(podman logs "$POD-$c" 2>&1)"
  uids=$(running_uid "$POD-$c")
  [ "$uids" = "65532 65532 65532 65532" ] || wss_fail "$POD-$c runs with uids '$uids'"
done

# sidecar_count: the sidecar's websocket_connections (absent while it cannot count).
sidecar_count() {
  curl -sf "http://127.0.0.1:$SIDECAR_PORT/metrics" | awk '$1 == "websocket_connections" {print $2}'
}
# count_is N: the sidecar counts N.
count_is() { [ "$(sidecar_count)" = "$1" ]; }
wss_wait_until 20 count_is 0 || wss_fail "the sidecar never counted 0 through /dev/shm: '$(sidecar_count)'
$(podman logs "$POD-sidecar" 2>&1 | tail -n 5)
$(podman logs "$POD-server" 2>&1 | tail -n 5)"

URL="ws://127.0.0.1:$SERVER_PORT/ws"
wss_start load3 "$LOAD" --url "$URL" --mode hold --connections 3 --duration 0
LOAD3=${WSS_PIDS[-1]}
wss_start load2 "$LOAD" --url "$URL" --mode hold --connections 2 --duration 0
LOAD2=${WSS_PIDS[-1]}
wss_wait_until 20 count_is 5 || wss_fail "5 clients open, the sidecar counts '$(sidecar_count)'"
echo "ok: 5 connections open, the sidecar in the pod counts 5"
kill "$LOAD2"
wait "$LOAD2" || wss_fail "wsscale-load (2 connections): $(cat "$WSS_TMP/load2.log")"
wss_wait_until 20 count_is 3 || wss_fail "2 of 5 clients closed, the sidecar counts '$(sidecar_count)'"
kill "$LOAD3"
wait "$LOAD3" || wss_fail "wsscale-load (3 connections): $(cat "$WSS_TMP/load3.log")"
wss_wait_until 20 count_is 0 || wss_fail "every client closed, the sidecar counts '$(sidecar_count)'"
echo "ok: the count followed the clients: 5, 3, 0"

# --- kube down: nothing left ------------------------------------------------------------------
podman kube down "$WSS_TMP/play.yaml" >"$WSS_TMP/down.log" 2>&1 || wss_fail "podman kube down: $(cat "$WSS_TMP/down.log")"
PLAYED=0
podman pod exists "$POD" && wss_fail "pod $POD is still there after kube down"
left=$(podman ps -a --format '{{.Names}} {{.PodName}}' | grep -F "$POD" || true)
[ -z "$left" ] || wss_fail "containers left after kube down: $left"
# podman 4.3's kube down removes emptyDir volumes but not those it made for ConfigMaps: remove
# those (named after the ConfigMaps), then nothing of the test may remain.
for v in $(comm -13 <(printf '%s\n' "$VOLUMES_BEFORE") <(podman volume ls -q | sort)); do
  grep -qx "  name: $v" "$WSS_TMP/play.yaml" || wss_fail "kube down left volume $v, which is no ConfigMap of the pod"
  podman volume rm "$v" >/dev/null
done
[ "$(podman volume ls -q | sort)" = "$VOLUMES_BEFORE" ] || wss_fail "volumes left: $(podman volume ls -q)"
extra=$(comm -13 <(printf '%s\n' "$IMAGES_BEFORE" "$KEPT" | sort -u) <(all_images))
[ -z "$extra" ] || wss_fail "images left besides the tagged ones: $extra"
echo "ok: kube down left no pod, container, volume or image"
sed 's/^/image size (bytes): /' "$WSS_TMP/sizes.txt"
