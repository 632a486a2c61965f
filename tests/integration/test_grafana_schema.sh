#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_grafana_schema.sh: grafana/dashboards/*.json type-checks as a @grafana/schema Dashboard
#   (tsc --noEmit on a .ts file that assigns the JSON to a typed constant), and the same check fails,
#   naming the problem, on planted errors (a string gridPos.x, a missing time.to, a bad variable
#   type); what tsc cannot see is checked with jq: unique panel ids, a datasource on every panel,
#   unique refIds with an expr in every target, the variables the queries use defined. The
#   provisioning YAML parses and points at the dashboard's datasource uid. promtool check rules
#   and promtool test rules pass on grafana/rules, and the unit tests fail on a planted wrong rule.
# Does not: run the queries (test_grafana_queries.sh), or start Grafana (there is none to install).
# Threads: n/a (one shell).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

JS="$WSS_SOURCE_DIR/tests/js"
GRAFANA="$WSS_SOURCE_DIR/grafana"
for tool in jq node promtool; do
  command -v "$tool" >/dev/null || wss_fail "$tool is not installed"
done
if [ ! -x "$JS/node_modules/.bin/tsc" ] || [ ! -d "$JS/node_modules/@grafana/schema" ]; then
  wss_fail "tests/js/node_modules lacks typescript or @grafana/schema: run scripts/install-deps.sh --tests"
fi

# typecheck JSON_FILE: tsc on a module that types the JSON as Dashboard; prints tsc's messages.
CHK="$WSS_TMP/chk"
mkdir -p "$CHK"
ln -s "$JS/node_modules" "$CHK/node_modules"
typecheck() {
  {
    echo 'import type { Dashboard } from "@grafana/schema";'
    printf 'export const d: Dashboard = '
    cat "$1"
    echo ';'
  } >"$CHK/check.ts"
  "$JS/node_modules/.bin/tsc" --noEmit --strict --module nodenext --moduleResolution nodenext \
    --target es2022 "$CHK/check.ts" 2>&1
}

# planted NAME JQ_FILTER EXPECTED_TEXT: the dashboard changed by JQ_FILTER must fail with the text.
planted() {
  local out rc=0
  jq "$2" "$DASH" >"$WSS_TMP/$1.json"
  out=$(typecheck "$WSS_TMP/$1.json") || rc=$?
  [ "$rc" != 0 ] || wss_fail "planted error '$1' passed the type check"
  grep -qF -- "$3" <<<"$out" || wss_fail "planted error '$1': tsc did not say '$3': $out"
  echo "planted error '$1' caught: $(grep -m1 'error TS' <<<"$out")"
}

n=0
for DASH in "$GRAFANA"/dashboards/*.json; do
  n=$((n + 1))
  out=$(typecheck "$DASH") || wss_fail "${DASH##*/} does not type-check as a Dashboard: $out"
  echo "${DASH##*/}: type-checks as @grafana/schema Dashboard"

  # What tsc misses (it accepts unknown panel keys and targets without refId).
  jq -e '[.panels[].id] | length == (unique | length)' "$DASH" >/dev/null ||
    wss_fail "${DASH##*/}: panel ids are not unique"
  bad=$(jq -r '.panels[] | select(.type != "row") |
    select((.datasource.uid // "") == "" or (.targets | length) == 0 or
      ([.targets[].refId] | length != (unique | length)) or
      any(.targets[]; (.refId // "") == "" or (.expr // "") == "")) | .title' "$DASH")
  [ -z "$bad" ] || wss_fail "${DASH##*/}: panels without datasource, targets, refIds or expr: $bad"
  defined=$(jq -r '[.templating.list[].name] | join(" ")' "$DASH")
  for used in $(jq -r '[.panels[].targets[]?.expr, (.templating.list[] | .query.query? // empty)] |
      map(scan("\\$([a-z_]+)") | .[0]) | unique | .[]' "$DASH"); do
    [[ "$used" == __* ]] && continue
    [[ " $defined " == *" $used "* ]] || wss_fail "${DASH##*/}: \$$used is used but not defined"
  done
  # The datasource variable defaults to the provisioned datasource's uid.
  ds_uid=$(node -e 'const Y=require(process.argv[1]);const fs=require("fs");
    const d=Y.parse(fs.readFileSync(process.argv[2],"utf8"));
    const p=Y.parse(fs.readFileSync(process.argv[3],"utf8"));
    if(!p.providers||!p.providers[0].options||!p.providers[0].options.path)process.exit(3);
    console.log(d.datasources.find(x=>x.type==="prometheus").uid)' \
    "$JS/node_modules/yaml" "$GRAFANA/provisioning/datasources/prometheus.yaml" \
    "$GRAFANA/provisioning/dashboards/wsscale.yaml") || wss_fail "the provisioning YAML is not valid"
  [ "$(jq -r '.templating.list[] | select(.name == "datasource") | .current.value' "$DASH")" = "$ds_uid" ] ||
    wss_fail "${DASH##*/}: the datasource variable does not default to the provisioned uid $ds_uid"
done
[ "$n" -ge 1 ] || wss_fail "no dashboard in grafana/dashboards"

# The checker must be able to fail.
DASH="$GRAFANA/dashboards/wsscale.json"
planted gridpos-string '.panels[1].gridPos.x = "0"' "Type 'string' is not assignable to type 'number'"
planted no-time-to 'del(.time.to)' "Property 'to' is missing"
planted bad-variable-type '.templating.list[1].type = "querry"' '"querry"'
planted no-schema-version 'del(.schemaVersion)' "Property 'schemaVersion' is missing"

# Prometheus rules: syntax, then the unit tests; a wrong threshold must fail the unit tests.
promtool check rules "$GRAFANA"/rules/*.rules.yml || wss_fail "promtool check rules failed"
(cd "$GRAFANA/rules" && promtool test rules ./*_test.yml) || wss_fail "promtool test rules failed"
mkdir -p "$WSS_TMP/rules"
cp "$GRAFANA"/rules/* "$WSS_TMP/rules/"
sed -i 's/wsscale_sidecar_last_push_success_timestamp_seconds > 60)/wsscale_sidecar_last_push_success_timestamp_seconds > 600)/' \
  "$WSS_TMP/rules/wsscale.rules.yml"
! cmp -s "$WSS_TMP/rules/wsscale.rules.yml" "$GRAFANA/rules/wsscale.rules.yml" ||
  wss_fail "could not plant the wrong threshold"
out=$(cd "$WSS_TMP/rules" && promtool test rules wsscale_test.yml 2>&1) &&
  wss_fail "promtool test rules passed a rule with a wrong threshold"
grep -q 'alertname: WsscaleSidecarNotPushing' <<<"$out" ||
  wss_fail "the failing unit test does not name WsscaleSidecarNotPushing: $out"
echo "PASS test_grafana_schema"
