#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_grafana_queries.sh: every query of grafana/dashboards/wsscale.json, variables substituted,
#   returns data from a real Prometheus scraping real processes: two wsscale-server + wsscale-sidecar
#   pairs (pods of Deployment "chat" in namespace "ws", 3 and 2 held connections) pushing to a
#   wsscale-adapter (--ingest-auth=none --authorization-mode=always-allow) that also answers one
#   read and one unknown metric (a 404 for the error panel). The kube-state-metrics series come from
#   a static exposition file (tests/integration/grafana_ksm.prom) served by python's http.server:
#   there is no cluster here. Each panel query must give at least one finite sample; the variable
#   queries (label_values) must offer "ws" and "chat"; a few values are checked exactly (total 5,
#   2 pods, desired 3, deployment replicas 2, target 100) so a wrong filter fails.
# Does not: render the dashboard (no Grafana), or check the type (test_grafana_schema.sh does).
# Threads: n/a (one shell; servers, sidecars, adapter, holders, http.server and Prometheus in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
ADAPTER="$WSS_BUILD_DIR/adapter/wsscale-adapter"
HELPER=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/sidecar_helper.py")
DASH=${WSS_GRAFANA_DASHBOARD:-"$WSS_SOURCE_DIR/grafana/dashboards/wsscale.json"} # override: to see it fail
NS=ws
DEPLOY=chat
PODS=(chat-5d8f7c9b6-x7k2p chat-5d8f7c9b6-m4q9z)
HOLD=(3 2)
RATE_INTERVAL=1m
for b in "$SERVER" "$SIDECAR" "$ADAPTER"; do
  [ -x "$b" ] || wss_fail "missing $b: build the ${b##*/} target"
done
for tool in jq curl prometheus; do
  command -v "$tool" >/dev/null || wss_fail "$tool is not installed"
done
SHM_BASE="/wsscale-itest-grafana-$$"
trap 'wss_cleanup; rm -f /dev/shm${SHM_BASE}-*' EXIT

# The adapter, serving HTTPS with a self-signed pair; its metrics on plain HTTP.
APORT=$(wss_free_port)
AMPORT=$(wss_free_port)
wss_start adapter "$ADAPTER" --bind-address 127.0.0.1 --secure-port "$APORT" \
  --metrics-bind-address "127.0.0.1:$AMPORT" --cert-dir "$WSS_TMP/certs" \
  --ingest-auth=none --authorization-mode=always-allow --authentication-skip-lookup
CA="$WSS_TMP/certs/apiserver.crt"
wss_wait_until 15 curl -sf --cacert "$CA" "https://127.0.0.1:$APORT/healthz" ||
  { cat "$WSS_TMP/adapter.log" >&2; wss_fail "the adapter did not start"; }

# Two pods: a server and its sidecar each, the sidecar pushing to the adapter.
mkfifo "$WSS_TMP/hold.fifo"
exec 7<>"$WSS_TMP/hold.fifo" # keeps the holders' stdin open until the test ends
SCRAPE_PODS=""
SCRAPE_APPS=""
for i in 0 1; do
  pod=${PODS[$i]}
  app=$(wss_free_port)
  side=$(wss_free_port)
  wss_start "server$i" "$SERVER" --listen "127.0.0.1:$app" --threads 1 --shm "$SHM_BASE-$i" \
    --drain-delay 0s --drain-seconds 1
  wss_wait_until 10 curl -sf "http://127.0.0.1:$app/healthz" || wss_fail "server $i never became healthy"
  wss_start "sidecar$i" env POD_NAME="$pod" POD_NAMESPACE="$NS" POD_UID="uid-$i" \
    "$SIDECAR" --listen "127.0.0.1:$side" --shm "$SHM_BASE-$i" --interval 500ms \
    --labels-file= --adapter-url "https://127.0.0.1:$APORT" --adapter-ca-file "$CA"
  # Started here, not with wss_start: a background job's stdin would be /dev/null.
  "${HELPER[@]}" hold --port "$app" --n "${HOLD[$i]}" <&7 >"$WSS_TMP/hold$i.log" 2>&1 &
  WSS_PIDS+=($!)
  SCRAPE_PODS+="      - {targets: ['127.0.0.1:$side'], labels: {namespace: $NS, pod: $pod}}"$'\n'
  SCRAPE_APPS+="      - {targets: ['127.0.0.1:$app'], labels: {namespace: $NS, pod: $pod}}"$'\n'
done
for i in 0 1; do
  wss_wait_until 20 grep -q "^open ${HOLD[$i]}" "$WSS_TMP/hold$i.log" ||
    wss_fail "holder $i did not open its connections: $(cat "$WSS_TMP/hold$i.log")"
done

# The kube-state-metrics stand-in: the static file, served by python's http.server as /metrics.
KSM=$(wss_free_port)
mkdir -p "$WSS_TMP/ksm"
cp "$WSS_SOURCE_DIR/tests/integration/grafana_ksm.prom" "$WSS_TMP/ksm/metrics"
wss_start ksm /usr/bin/python3 -m http.server "$KSM" --bind 127.0.0.1 --directory "$WSS_TMP/ksm"
wss_wait_until 10 curl -sf "http://127.0.0.1:$KSM/metrics" || wss_fail "the kube-state-metrics stand-in did not start"

# Prometheus scraping everything every second; job names and the namespace / pod target labels as
# manifests/components/monitoring sets them in a cluster.
PROM=$(wss_free_port)
cat >"$WSS_TMP/prom.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ['$WSS_SOURCE_DIR/grafana/rules/wsscale.rules.yml']
scrape_configs:
  - job_name: wsscale-sidecars
    static_configs:
$SCRAPE_PODS
  - job_name: wsscale-server
    static_configs:
$SCRAPE_APPS
  - job_name: wsscale-adapter
    static_configs:
      - targets: ['127.0.0.1:$AMPORT']
        labels: {namespace: wsscale-system, pod: wsscale-adapter-6c7d8e9f0a-q2w3e}
  - job_name: kube-state-metrics
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$KSM']
YAML
promtool check config "$WSS_TMP/prom.yml" >/dev/null || wss_fail "the test's prom.yml is invalid"
wss_start prometheus prometheus --config.file="$WSS_TMP/prom.yml" \
  --storage.tsdb.path="$WSS_TMP/prom-data" --web.listen-address="127.0.0.1:$PROM"
PROM_URL="http://127.0.0.1:$PROM"
wss_wait_until 15 curl -sf "$PROM_URL/-/ready" || wss_fail "Prometheus did not become ready"

# Traffic for the adapter's read and error panels: a read (200) and an unknown metric (404).
BASE="https://127.0.0.1:$APORT/apis/custom.metrics.k8s.io/v1beta2/namespaces/$NS/pods/*"
[ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$BASE/websocket_connections")" = 200 ] ||
  wss_fail "the adapter did not answer the read"
[ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$BASE/no_such_metric")" = 404 ] ||
  wss_fail "the adapter did not answer 404 for an unknown metric"

# The dashboard's queries, one per line: "<panel title> / <refId>\t<expr>", variables substituted.
ADAPTER_JOB=$(jq -r '.templating.list[] | select(.name == "adapter_job") | .current.value' "$DASH")
subst() {
  sed -e "s/\\\$namespace/$NS/g; s/\\\$deployment/$DEPLOY/g; s/\\\$adapter_job/$ADAPTER_JOB/g" \
    -e "s/\\\$__rate_interval/$RATE_INTERVAL/g"
}
jq -r '.panels[] | select(.type != "row") | .title as $t | .targets[] |
  "\($t) / \(.refId)\t\(.expr | gsub("\n"; " "))"' "$DASH" | subst >"$WSS_TMP/queries.tsv"
n_queries=$(wc -l <"$WSS_TMP/queries.tsv")
[ "$n_queries" -ge 20 ] || wss_fail "only $n_queries queries extracted from the dashboard"
! grep -q '\$' "$WSS_TMP/queries.tsv" || wss_fail "a variable was left unsubstituted: $(grep '\$' "$WSS_TMP/queries.tsv")"

# query EXPR: the JSON answer of an instant query.
query() { curl -s --max-time 5 "$PROM_URL/api/v1/query" --data-urlencode "query=$1"; }
# finite EXPR: true when the query succeeds with at least one finite sample.
finite() {
  query "$1" | jq -e '.status == "success" and
    ([.data.result[].value[1] | select(. != "NaN" and . != "+Inf" and . != "-Inf")] | length > 0)' >/dev/null
}
# all_finite: every dashboard query gives data; names the ones that do not in $WSS_TMP/missing.
all_finite() {
  : >"$WSS_TMP/missing"
  while IFS=$'\t' read -r name expr; do
    finite "$expr" || printf '%s: %s\n' "$name" "$expr" >>"$WSS_TMP/missing"
  done <"$WSS_TMP/queries.tsv"
  [ ! -s "$WSS_TMP/missing" ]
}
start=$SECONDS
if ! wss_wait_until 40 all_finite; then
  all_finite || true
  echo "---- queries without data ----" >&2
  cat "$WSS_TMP/missing" >&2
  curl -s "$PROM_URL/api/v1/targets" | jq -c '.data.activeTargets[] | {job: .labels.job, health, lastError}' >&2
  wss_fail "$(wc -l <"$WSS_TMP/missing") of $n_queries dashboard queries returned no data"
fi
echo "all $n_queries dashboard queries returned data after $((SECONDS - start)) s"

# Exact values through the panels' own queries: the filters select the right series.
# value TITLE REFID: the single value the panel's query returns now.
value() {
  local expr
  expr=$(awk -F'\t' -v k="$1 / $2" '$1 == k {print $2}' "$WSS_TMP/queries.tsv")
  [ -n "$expr" ] || wss_fail "no query '$1 / $2' in the dashboard"
  query "$expr" | jq -r 'if (.data.result | length) == 1 then .data.result[0].value[1] else "many" end'
}
expect() {
  local got
  got=$(value "$1" "$2")
  [ "$got" = "$3" ] || wss_fail "'$1 / $2' is $got, expected $3"
}
expect "Open connections, total" A $((HOLD[0] + HOLD[1]))
expect "Pods reporting" A 2
expect "Replicas: desired vs current" A 3
expect "Replicas: desired vs current" B 2
expect "Replicas: desired vs current" C 2
expect "Replicas: desired vs current" D 10
expect "Average per pod vs HPA target" B 100
got=$(query "$(awk -F'\t' '$1 == "Open connections per pod / A" {print $2}' "$WSS_TMP/queries.tsv")" |
  jq -c '[.data.result[] | {(.metric.pod): .value[1]}] | add')
[ "$got" = "{\"${PODS[0]}\":\"${HOLD[0]}\",\"${PODS[1]}\":\"${HOLD[1]}\"}" ] ||
  [ "$got" = "{\"${PODS[1]}\":\"${HOLD[1]}\",\"${PODS[0]}\":\"${HOLD[0]}\"}" ] ||
  wss_fail "connections per pod: $got"
got=$(query "$(awk -F'\t' '$1 == "API errors / A" {print $2}' "$WSS_TMP/queries.tsv")" |
  jq -r '[.data.result[].metric | "\(.kind) \(.code)"] | join(",")')
[[ "$got" == *"pods 404"* ]] || wss_fail "the error panel does not show the 404: $got"

# The variable queries: label_values(SELECTOR, LABEL) read through the series API.
jq -r '.templating.list[] | select(.type == "query") | "\(.name)\t\(.query.query // .query)"' "$DASH" |
  subst >"$WSS_TMP/vars.tsv"
[ "$(wc -l <"$WSS_TMP/vars.tsv")" = 2 ] || wss_fail "expected the namespace and deployment variables"
while IFS=$'\t' read -r name q; do
  [[ "$q" =~ ^label_values\((.+),\ *([a-z_]+)\)$ ]] || wss_fail "variable $name: not label_values(): $q"
  sel=${BASH_REMATCH[1]}
  label=${BASH_REMATCH[2]}
  want=$([ "$name" = namespace ] && echo "$NS" || echo "$DEPLOY")
  values=$(curl -s "$PROM_URL/api/v1/series" --data-urlencode "match[]=$sel" |
    jq -r --arg l "$label" '[.data[][$l]] | unique | join(",")')
  [[ ",$values," == *",$want,"* ]] || wss_fail "variable $name offers '$values', not $want"
  echo "variable $name offers: $values"
done <"$WSS_TMP/vars.tsv"
# The rules, loaded by this Prometheus: every metric they name exists here, every recording rule
# has data (the Deployment's sum is the held total), and no alert is pending or firing.
RULES="$WSS_SOURCE_DIR/grafana/rules/wsscale.rules.yml"
names=$(grep -v '^ *#' "$RULES" | grep -oP '(?<![:\w])(wsscale|websocket|kube)_[a-z_]*[a-z](?![:\w])' | sort -u)
[ "$(wc -l <<<"$names")" -ge 10 ] || wss_fail "too few metric names found in the rules: $names"
for m in $names; do
  finite "count({__name__=\"$m\"})" || wss_fail "the rules use $m, which no program here exposes"
done
records=$(grep -oE '^ *- record: *[^ ]+' "$RULES" | sed 's/.*record: *//')
wss_wait_until 20 finite "namespace_deployment:websocket_connections:sum" ||
  wss_fail "the recording rules were never evaluated"
for r in $records; do
  finite "$r" || wss_fail "recording rule $r has no data"
done
got=$(query "namespace_deployment:websocket_connections:sum{namespace=\"$NS\", deployment=\"$DEPLOY\"}" |
  jq -r '.data.result[0].value[1]')
[ "$got" = $((HOLD[0] + HOLD[1])) ] || wss_fail "namespace_deployment:websocket_connections:sum is $got"
[ "$(curl -s "$PROM_URL/api/v1/rules" | jq '[.data.groups[].rules[]] | length')" -ge 16 ] ||
  wss_fail "Prometheus did not load the rules"
alerts=$(query 'ALERTS{alertname=~"Wsscale.*"}' | jq -c '[.data.result[].metric]')
[ "$alerts" = "[]" ] || wss_fail "alerts pending or firing on a healthy setup: $alerts"
echo "rules: $(wc -l <<<"$names") metric names exist, $(wc -w <<<"$records") recording rules have data, no alert"
echo "PASS test_grafana_queries"
