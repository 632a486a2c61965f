#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_sidecar_sources.sh: wsscale-sidecar beside a real wsscale-server, once per source: N held
#   WebSocket connections show as websocket_connections N on the sidecar's /metrics within two
#   sampling intervals (shm, socket, scrape of the server's /metrics), closing them brings 0,
#   and a SIGKILLed server makes shm stale and scrape missing: the count disappears, never 0.
# Does not: push (test_sidecar_push.sh) or involve Prometheus (test_sidecar_prometheus.sh).
# Threads: n/a (one shell; the connections are held by a wsscale-load process, stopped with SIGINT).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
HELPER=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/sidecar_helper.py")
SHM="/wsscale-itest-sidecar-$$"
INTERVAL_S=1
N=7
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -x "$SIDECAR" ] || wss_fail "missing $SIDECAR: build the wsscale-sidecar target"
[ -x "$LOAD" ] || wss_fail "missing $LOAD: build the wsscale-load target"
trap 'wss_cleanup; rm -f "/dev/shm$SHM"' EXIT
export POD_NAME=chat-0 POD_NAMESPACE=default POD_UID=5e0c3d5a-0000-4000-8000-000000000001

APP=$(wss_free_port)
wss_start server "$SERVER" --listen "127.0.0.1:$APP" --threads 2 --shm "$SHM"
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$APP/healthz" || wss_fail "server never became healthy"

# sidecar NAME ARGS...: starts a sidecar on a free port; sets <NAME>_PORT.
sidecar() {
  local name=$1 port
  shift
  port=$(wss_free_port)
  wss_start "$name" "$SIDECAR" --listen "127.0.0.1:$port" --interval "${INTERVAL_S}s" \
    --labels-file= "$@"
  printf -v "${name}_PORT" '%s' "$port"
  wss_wait_until 10 curl -sf "http://127.0.0.1:$port/readyz" || {
    cat "$WSS_TMP/$name.log" >&2
    wss_fail "$name never became ready"
  }
}

# expect NAME VALUE|absent SECONDS: the sidecar's websocket_connections within SECONDS.
expect() {
  local port_var="${1}_PORT" took
  if [ "$2" = absent ]; then
    took=$("${HELPER[@]}" wait-metric --url "http://127.0.0.1:${!port_var}/metrics" \
      --name websocket_connections --absent --timeout "$3") || wss_fail "$1: count still shown"
  else
    took=$("${HELPER[@]}" wait-metric --url "http://127.0.0.1:${!port_var}/metrics" \
      --name websocket_connections --value "$2" --timeout "$3") || wss_fail "$1: not $2 in $3 s"
  fi
  echo "$1: websocket_connections $2 after ${took}s"
}

# server_has N: the server's own /metrics counts N connections.
server_has() {
  [ "$(curl -sf "http://127.0.0.1:$APP/metrics" | awk '$1 == "websocket_connections" {print $2}')" = "$1" ]
}

# hold N: wsscale-load opens N connections and holds them; returns once the server counts them.
hold() {
  "$LOAD" --url "ws://127.0.0.1:$APP/ws" --connections "$1" --rate 1000 --mode hold \
    --duration 120s >"$WSS_TMP/load.log" 2>&1 &
  LOAD_PID=$!
  WSS_PIDS+=("$LOAD_PID")
  wss_wait_until 30 server_has "$1" || wss_fail "wsscale-load did not open $1 connections"
}

# release: SIGINT makes wsscale-load close every connection with 1000; it exits 0 when none failed.
release() {
  kill -INT "$LOAD_PID"
  wait "$LOAD_PID" || { cat "$WSS_TMP/load.log" >&2; return 1; }
}

# shm and socket side by side: neither touches the app's port, so the socket count is exact.
sidecar shm --source=shm --shm "$SHM"
sidecar sock --source=socket --ports "$APP"
expect shm 0 5
expect sock 0 5
hold "$N"
expect shm "$N" $((2 * INTERVAL_S))
expect sock "$N" $((2 * INTERVAL_S))
release || wss_fail "wsscale-load reported errors"
expect shm 0 $((2 * INTERVAL_S))
expect sock 0 $((2 * INTERVAL_S))
curl -s "http://127.0.0.1:$shm_PORT/metrics" | grep -qx "websocket_connections_opened_total $N" ||
  wss_fail "shm: opened_total is not $N"

# scrape: the server's own /metrics.
sidecar scrape --source=scrape --scrape-url "http://127.0.0.1:$APP/metrics"
expect scrape 0 5
hold "$N"
expect scrape "$N" $((2 * INTERVAL_S))
expect shm "$N" $((2 * INTERVAL_S))

# The app dies with connections open: no count at all, not 0, and the state says why.
kill -KILL "$SERVER_PID"
expect scrape absent $((2 * INTERVAL_S))
expect shm absent $((3 + 2 * INTERVAL_S))
m=$(curl -s "http://127.0.0.1:$shm_PORT/metrics")
grep -qx 'wsscale_sidecar_source_state{source="shm",state="stale"} 1' <<<"$m" ||
  wss_fail "shm: state is not stale after SIGKILL"
grep -qx 'wsscale_sidecar_source_up 0' <<<"$m" || wss_fail "shm: source_up is not 0"
curl -s "http://127.0.0.1:$scrape_PORT/metrics" |
  grep -qx 'wsscale_sidecar_source_state{source="scrape",state="missing"} 1' ||
  wss_fail "scrape: state is not missing with nothing listening"
grep -q '"source cannot count connections" source="shm" state="stale"' "$WSS_TMP/shm.log" ||
  wss_fail "shm: no log line for the stale state"
[ "$(grep -c '"source cannot count connections"' "$WSS_TMP/shm.log")" = 1 ] ||
  wss_fail "shm: the stale state was logged more than once"
release || true
echo "PASS test_sidecar_sources"
