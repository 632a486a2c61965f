#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_adapter_pod_watch.sh: wsscale-adapter --pod-watch LISTs and WATCHes pods on the Kubernetes
#   API stand-in; two pods report and are served; one is deleted on the stand-in and disappears
#   from kubectl get --raw within seconds although --stale-after is 60s (only the watch can
#   explain it); a late report for its UID does not bring it back (counted); a compacted history
#   (410 Gone) makes it relist (counted) and it keeps working (a pod that turns Failed is
#   dropped); a WATCH refused with 410 relists, one refused with 500 backs off further on each
#   refusal and recovers; its metrics pass promtool; without --pod-watch nothing of this happens and no pod
#   is LISTed.
# Does not: test paging (the unit test of the LIST reader does) or RBAC.
# Threads: n/a (one shell; the stand-in and the adapter in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"
source "$WSS_SOURCE_DIR/tests/integration/adapter_lib.sh"
command -v promtool >/dev/null || wss_fail "promtool is not installed"

make_pki
PODS="$WSS_TMP/pods.json"
# pods EXPIRE POD...: writes the stand-in's pod set at once (rename); POD is name:uid:phase.
# WATCH_STATUS=N in the environment makes the stand-in refuse new WATCHes with a Status N;
# PAD=N gives every pod an annotation of N bytes.
pods() {
  local expire=$1 p name uid phase items=()
  shift
  for p in "$@"; do
    IFS=: read -r name uid phase <<<"$p"
    items+=("$(jq -nc --arg n "$name" --arg u "$uid" --arg ph "$phase" --argjson pad "${PAD:-0}" \
      '{namespace: "ws", name: $n, uid: $u, phase: $ph, annotation_bytes: $pad}')")
  done
  printf '%s\n' "${items[@]}" | jq -s --argjson e "$expire" --argjson w "${WATCH_STATUS:-0}" \
    '{pods: ., expire: $e, watch_status: $w}' >"$PODS.tmp"
  mv "$PODS.tmp" "$PODS"
}
pods 0 chat-a:uid-a:Running chat-b:uid-b:Running
start_fake_kube --pods "$PODS"
KC="$WSS_TMP/adapter-kube.yaml"
LIST=/apis/custom.metrics.k8s.io/v1beta2/namespaces/ws/pods/%2A/websocket_connections
served() { kraw "$LIST" | jq -r '[.items[].describedObject.name] | sort | join(",")'; }
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
metric_at_least() { local v; v=$(metric "$1"); [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]; }
served_is() { [ "$(served)" = "$1" ]; }
send() { # send NAME UID SEQ
  report "$WSS_TMP/$1-$3.pb" "$(pod_report ws "$1" "$2" 5 "$3")"
  local out
  out=$(push "$WSS_TMP/$1-$3.pb")
  [ "$(code_of "$out")" = 200 ] || wss_fail "push $1: $out"
  body_of "$out"
}

start_adapter --authentication-kubeconfig "$KC" --authorization-mode=always-allow \
  --ingest-auth=none --stale-after 60s --pod-watch
wss_wait_until 15 metric_is wsscale_adapter_pod_watch_up 1 ||
  wss_fail "the pod watch is not up: $(tail -n5 "$WSS_TMP/adapter.log")"
# (jq 1.6's -e looks at the last input only: slurp, then any)
jq -se 'any(.[]; .path == "/api/v1/pods" and (.query | test("^limit=")) and
  .authorization == "Bearer adapter-secret")' "$WSS_TMP/kube.jsonl" >/dev/null ||
  wss_fail "no LIST of pods: $(cat "$WSS_TMP/kube.jsonl")"
wss_wait_until 10 jq -se 'any(.[]; .path == "/api/v1/pods" and (.query | test("watch=1")) and
  (.query | test("allowWatchBookmarks=true")))' "$WSS_TMP/kube.jsonl" || wss_fail "no WATCH of pods"
send chat-a uid-a 1 >/dev/null
send chat-b uid-b 1 >/dev/null
served_is chat-a,chat-b || wss_fail "both pods are not served: $(served)"

# ---- a pod deleted without a final report is dropped at once ----
start_s=$SECONDS
pods 0 chat-b:uid-b:Running
wss_wait_until 10 served_is chat-b || wss_fail "the deleted pod is still served: $(served)"
[ $((SECONDS - start_s)) -lt 30 ] || wss_fail "dropped only after $((SECONDS - start_s))s"
metric_is wsscale_adapter_pod_watch_pods_dropped_total 1 ||
  wss_fail "pods dropped: $(metric wsscale_adapter_pod_watch_pods_dropped_total)"
metric_at_least 'wsscale_adapter_pod_watch_events_total{type="DELETED"}' 1 || wss_fail "no DELETED counted"
grep -q 'pod gone: dropped its sample' "$WSS_TMP/adapter.log" || wss_fail "no log of the drop"

# ---- a late report for the deleted UID does not bring it back ----
body=$(send chat-a uid-a 2)
[ "$body" = '{"stored":0,"removed":0,"ignored":1}' ] || wss_fail "late report: $body"
served_is chat-b || wss_fail "the late report brought the pod back: $(served)"
metric_is wsscale_adapter_pod_watch_reports_refused_total 1 || wss_fail "refused not counted"

# ---- 410 Gone: relist, then the watch still works ----
pods 1 chat-b:uid-b:Running
wss_wait_until 15 metric_at_least wsscale_adapter_pod_watch_relists_total 1 ||
  wss_fail "no relist after 410: $(tail -n5 "$WSS_TMP/adapter.log")"
metric_at_least 'wsscale_adapter_pod_watch_events_total{type="ERROR"}' 1 || wss_fail "no ERROR counted"
grep -q 'resourceVersion too old (410): relisting' "$WSS_TMP/adapter.log" || wss_fail "no log of the relist"
wss_wait_until 10 metric_is wsscale_adapter_pod_watch_up 1 || wss_fail "not up after the relist"
pods 1 chat-b:uid-b:Failed
wss_wait_until 10 served_is "" || wss_fail "a Failed pod is still served after the relist: $(served)"
metric_is wsscale_adapter_pod_watch_pods_dropped_total 2 || wss_fail "second drop not counted"

# ---- a WATCH refused with 410 (as an etcd-backed apiserver does) relists, backing off ----
# (raising "expire" ends the open watch; the stand-in refuses the new ones)
relists=$(metric wsscale_adapter_pod_watch_relists_total)
WATCH_STATUS=410 pods 2
wss_wait_until 15 metric_at_least wsscale_adapter_pod_watch_relists_total $((${relists%.*} + 3)) ||
  wss_fail "a WATCH refused with 410 did not relist: $(tail -n5 "$WSS_TMP/adapter.log")"
wss_wait_until 15 grep -Eq 'pod watch failed; retrying.*HTTP 410.*failures=2' "$WSS_TMP/adapter.log" ||
  wss_fail "no backoff between relists: $(grep 'retrying' "$WSS_TMP/adapter.log" | tail -n3)"
pods 2
wss_wait_until 20 grep -q 'the pod watch is back' "$WSS_TMP/adapter.log" ||
  wss_fail "no recovery once the WATCH is allowed: $(tail -n3 "$WSS_TMP/adapter.log")"

# ---- a WATCH refused again and again backs off further each time, then recovers ----
WATCH_STATUS=500 pods 3
wss_wait_until 20 grep -Eq 'pod watch failed; retrying.*HTTP 500.*failures=3' "$WSS_TMP/adapter.log" ||
  wss_fail "failures do not grow while the WATCH is refused: $(grep 'retrying' "$WSS_TMP/adapter.log" | tail -n3)"
metric_is wsscale_adapter_pod_watch_up 0 || wss_fail "up while the WATCH is refused"
pods 3
wss_wait_until 20 metric_is wsscale_adapter_pod_watch_up 1 || wss_fail "not up once the WATCH is allowed"
wss_wait_until 20 [ "$(grep -c 'the pod watch is back' "$WSS_TMP/adapter.log")" -ge 2 ] ||
  wss_fail "no log of the second recovery"

# ---- pods too large for one LIST page (4 x 1.4 MB): the LIST asks for fewer at a time ----
PAD=1400000 pods 4 big-1:uid-x1:Running big-2:uid-x2:Running big-3:uid-x3:Running big-4:uid-x4:Running
wss_wait_until 30 grep -Eq 'listed pods.*pages=[2-9]' "$WSS_TMP/adapter.log" ||
  wss_fail "no paged relist of large pods: $(tail -n3 "$WSS_TMP/adapter.log" | cut -c1-300)"
grep -q 'LIST pods: page too large; asking for fewer pods' "$WSS_TMP/adapter.log" ||
  wss_fail "no log of the smaller pages"
jq -se 'any(.[]; .path == "/api/v1/pods" and (.query | test("^limit=(1|3|6|12|25)$|^limit=(1|3|6|12|25)&")))' \
  "$WSS_TMP/kube.jsonl" >/dev/null || wss_fail "no LIST with a smaller limit"
wss_wait_until 10 metric_is wsscale_adapter_pod_watch_up 1 || wss_fail "not up after the large relist"

# The pod watch's metrics, with every type and refusal counted by now, pass promtool.
curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WSS_TMP/metrics.txt"
promtool check metrics <"$WSS_TMP/metrics.txt" || wss_fail "promtool check metrics failed on the pod watch's metrics"
kill -TERM "$ADAPTER_PID"
rc=0
wait "$ADAPTER_PID" || rc=$?
[ "$rc" = 0 ] || wss_fail "adapter exit $rc after SIGTERM: $(tail -n5 "$WSS_TMP/adapter.log")"

# ---- without --pod-watch: no LIST, no metrics, a deleted pod stays until --stale-after ----
n=$(jq -c 'select(.path == "/api/v1/pods")' "$WSS_TMP/kube.jsonl" | wc -l)
start_adapter --authentication-kubeconfig "$KC" --authorization-mode=always-allow \
  --ingest-auth=none --stale-after 60s
send chat-c uid-c 1 >/dev/null
served_is chat-c || wss_fail "without --pod-watch: $(served)"
[ -z "$(metric wsscale_adapter_pod_watch_up)" ] || wss_fail "pod watch metrics without --pod-watch"
body=$(send chat-a uid-a 3)
[ "$body" = '{"stored":1,"removed":0,"ignored":0}' ] || wss_fail "without --pod-watch: $body"
served_is chat-a,chat-c || wss_fail "without --pod-watch: $(served)"
[ "$(jq -c 'select(.path == "/api/v1/pods")' "$WSS_TMP/kube.jsonl" | wc -l)" = "$n" ] ||
  wss_fail "pods were LISTed without --pod-watch"
echo "PASS test_adapter_pod_watch"
