#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_sidecar_prometheus.sh: a real Prometheus (Debian's) scrapes wsscale-sidecar every second
#   while a wsscale-server holds N connections; the query API returns websocket_connections N;
#   `promtool check metrics` is clean on the sidecar's exposition, both while counting and while
#   the source is missing (the count then absent from Prometheus too).
# Does not: test the sources one by one (test_sidecar_sources.sh).
# Threads: n/a (one shell; Prometheus, the server, the sidecar and a holder in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
HELPER=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/sidecar_helper.py")
SHM="/wsscale-itest-sidecar-prom-$$"
N=4
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -x "$SIDECAR" ] || wss_fail "missing $SIDECAR: build the wsscale-sidecar target"
command -v prometheus >/dev/null || wss_fail "prometheus is not installed"
command -v promtool >/dev/null || wss_fail "promtool is not installed"
trap 'wss_cleanup; rm -f "/dev/shm$SHM"' EXIT

APP=$(wss_free_port)
SIDE=$(wss_free_port)
PROM=$(wss_free_port)
wss_start sidecar env POD_NAME=chat-0 POD_NAMESPACE=default POD_UID=5e0c3d5a-0000-4000-8000-0002 \
  "$SIDECAR" --listen "127.0.0.1:$SIDE" --shm "$SHM" --interval 1s --labels-file=
wss_wait_until 10 curl -sf "http://127.0.0.1:$SIDE/healthz" || wss_fail "sidecar never became healthy"

# Before the app starts, the source is missing: the exposition must still be clean.
curl -sf "http://127.0.0.1:$SIDE/metrics" >"$WSS_TMP/missing.txt"
grep -q '^websocket_connections ' "$WSS_TMP/missing.txt" && wss_fail "a count before the app started"
promtool check metrics <"$WSS_TMP/missing.txt" || wss_fail "promtool: exposition while missing"

wss_start server "$SERVER" --listen "127.0.0.1:$APP" --threads 1 --shm "$SHM"
wss_wait_until 10 curl -sf "http://127.0.0.1:$APP/healthz" || wss_fail "server never became healthy"
coproc HOLDER { "${HELPER[@]}" hold --port "$APP" --n "$N"; }
read -r -t 30 -u "${HOLDER[0]}" line || wss_fail "holder did not open its connections"
"${HELPER[@]}" wait-metric --url "http://127.0.0.1:$SIDE/metrics" --name websocket_connections \
  --value "$N" --timeout 5 >/dev/null || wss_fail "sidecar does not show $N"
curl -sf "http://127.0.0.1:$SIDE/metrics" >"$WSS_TMP/ok.txt"
promtool check metrics <"$WSS_TMP/ok.txt" || wss_fail "promtool: exposition while counting"

cat >"$WSS_TMP/prom.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: sidecar
    static_configs: [{targets: ['127.0.0.1:$SIDE']}]
EOF
promtool check config "$WSS_TMP/prom.yml" >/dev/null || wss_fail "promtool: config"
wss_start prometheus prometheus --config.file="$WSS_TMP/prom.yml" \
  --storage.tsdb.path="$WSS_TMP/prom-data" --web.listen-address="127.0.0.1:$PROM"
wss_wait_until 15 curl -sf "http://127.0.0.1:$PROM/-/ready" || wss_fail "prometheus never ready"

query() {
  curl -sf "http://127.0.0.1:$PROM/api/v1/query" --data-urlencode "query=$1" |
    jq -r '.data.result[0].value[1] // "none"'
}
value_is() { [ "$(query "$1")" = "$2" ]; }
# The first scrape comes about 6 s after start; 20 s is the budget.
wss_wait_until 20 value_is 'websocket_connections{job="sidecar"}' "$N" ||
  wss_fail "Prometheus never saw websocket_connections $N (last: $(query websocket_connections))"
value_is 'wsscale_sidecar_source_up{job="sidecar"}' 1 || wss_fail "source_up is not 1 in Prometheus"
value_is 'sum(wsscale_sidecar_source_state{job="sidecar"})' 1 ||
  wss_fail "source_state is not one-hot in Prometheus"
[ "$(curl -sf "http://127.0.0.1:$PROM/api/v1/targets" | jq -r '.data.activeTargets[0].health')" = up ] ||
  wss_fail "the scrape target is not up"
echo close >&"${HOLDER[1]}"
echo "PASS test_sidecar_prometheus"
