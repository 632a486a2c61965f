#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_sidecar_push.sh: wsscale-sidecar pushing to two test receivers (one by IP, one by a name
#   the sidecar resolves itself) that decode every Report by hand: identity, labels, counts,
#   times, ordering and the bearer token; a rotated token and rewritten labels are picked up; a
#   receiver that goes away is counted by reason while /metrics keeps sampling, and pushes resume
#   within one interval of it coming back; SIGTERM to app and sidecar ends with draining reports,
#   a final report at every receiver and exit 0.
# Does not: test TLS or multi-address names (tests/unit/test_pusher.c does, with a fake resolver).
# Threads: n/a (one shell; receivers, server, sidecar and a holder in the background).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SERVER="$WSS_BUILD_DIR/server/wsscale-server"
SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
HELPER=(/usr/bin/python3 "$WSS_SOURCE_DIR/tests/integration/sidecar_helper.py")
SHM="/wsscale-itest-sidecar-push-$$"
UID_="5e0c3d5a-0000-4000-8000-000000000003"
INTERVAL_MS=1000
N=2
[ -x "$SERVER" ] || wss_fail "missing $SERVER: build the wsscale-server target"
[ -x "$SIDECAR" ] || wss_fail "missing $SIDECAR: build the wsscale-sidecar target"
command -v jq >/dev/null || wss_fail "jq is not installed"
trap 'wss_cleanup; rm -f "/dev/shm$SHM"' EXIT

# receiver NAME PORT: starts a receiver writing $WSS_TMP/NAME.jsonl; sets <NAME>_PID.
receiver() {
  wss_start "$1" "${HELPER[@]}" receive --port "$2" --out "$WSS_TMP/$1.jsonl"
  printf -v "${1}_PID" '%s' "${WSS_PIDS[-1]}"
  wss_wait_until 10 grep -q listening "$WSS_TMP/$1.log" || wss_fail "receiver $1 did not start"
}
# last NAME FILTER: true when the newest report NAME received satisfies the jq FILTER.
last() { [ -s "$WSS_TMP/$1.jsonl" ] && tail -n1 "$WSS_TMP/$1.jsonl" | jq -e "$2" >/dev/null; }
metric() {
  "${HELPER[@]}" wait-metric --url "http://127.0.0.1:$SIDE/metrics" --name "$1" --value "$2" \
    --at-least --timeout "$3" >/dev/null
}

R1=$(wss_free_port)
R2=$(wss_free_port)
APP=$(wss_free_port)
SIDE=$(wss_free_port)
receiver r1 "$R1"
receiver r2 "$R2"
printf 'tok-1\n' >"$WSS_TMP/token"
printf 'app="chat"\ntier="web"\n' >"$WSS_TMP/labels"

wss_start server "$SERVER" --listen "127.0.0.1:$APP" --threads 1 --shm "$SHM" \
  --drain-delay 0s --drain-seconds 1
SERVER_PID=${WSS_PIDS[-1]}
wss_wait_until 10 curl -sf "http://127.0.0.1:$APP/healthz" || wss_fail "server never became healthy"
wss_start sidecar env POD_NAME=chat-0 POD_NAMESPACE=default POD_UID="$UID_" \
  "$SIDECAR" --listen "127.0.0.1:$SIDE" --shm "$SHM" --interval "${INTERVAL_MS}ms" \
  --labels-file "$WSS_TMP/labels" --token-file "$WSS_TMP/token" --shutdown-timeout 15s \
  --adapter-url "http://127.0.0.1:$R1" --adapter-url "http://localhost:$R2/"
SIDECAR_PID=${WSS_PIDS[-1]}
coproc HOLDER { "${HELPER[@]}" hold --port "$APP" --n "$N"; }
read -r -t 30 -u "${HOLDER[0]}" line || wss_fail "holder did not open its connections"

# Every field of the Report, at both receivers.
wss_wait_until 10 last r1 ".active_connections == $N" || wss_fail "r1 never got a count of $N"
wss_wait_until 10 last r2 ".active_connections == $N" || wss_fail "r2 never got a count of $N"
now_ms=$(date +%s%3N)
for r in r1 r2; do
  last "$r" "
    .namespace == \"default\" and .pod == \"chat-0\" and .pod_uid == \"$UID_\" and
    .labels == {\"app\": \"chat\", \"tier\": \"web\"} and .source == 1 and .source_state == 1 and
    .has_totals == true and .opened_total == $N and .closed_total == 0 and
    .interval_ms == $INTERVAL_MS and .sidecar_instance != 0 and .sequence > 0 and
    .draining == false and .final == false and
    (.sample_time_unix_ms - $now_ms | fabs) < 60000 and
    .auth == \"Bearer tok-1\" and .content_type == \"application/x-protobuf\"" ||
    wss_fail "$r: a field is wrong: $(tail -n1 "$WSS_TMP/$r.jsonl")"
done
last r2 ".host == \"localhost:$R2\"" || wss_fail "r2: Host is not the URL's name"
[ "$(jq -s 'map(.sidecar_instance) | unique | length' "$WSS_TMP/r1.jsonl")" = 1 ] ||
  wss_fail "r1: more than one sidecar_instance"

# The kubelet rotates the token and rewrites the labels (new files renamed into place).
printf 'tok-2\n' >"$WSS_TMP/token.new" && mv "$WSS_TMP/token.new" "$WSS_TMP/token"
printf 'app="chat"\ntier="web"\nversion="2"\n' >"$WSS_TMP/labels.new"
mv "$WSS_TMP/labels.new" "$WSS_TMP/labels"
wss_wait_until 10 last r1 '.auth == "Bearer tok-2" and .labels.version == "2"' ||
  wss_fail "r1: token or labels not re-read: $(tail -n1 "$WSS_TMP/r1.jsonl")"

# r1 goes away: failures counted by reason, sampling and /metrics go on.
kill "$r1_PID"
wait "$r1_PID" 2>/dev/null || true
samples_before=$(curl -s "http://127.0.0.1:$SIDE/metrics" |
  awk '$1 == "wsscale_sidecar_samples_total{state=\"ok\"}" {print $2}')
metric 'wsscale_sidecar_push_errors_total{reason="connect"}' 3 10 ||
  wss_fail "connect errors are not counted"
metric 'wsscale_sidecar_samples_total{state="ok"}' $((samples_before + 2)) 5 ||
  wss_fail "sampling stopped while pushes failed"
metric websocket_connections "$N" 1 || wss_fail "/metrics lost the count while pushes failed"
[ "$(grep -c '"push failing"' "$WSS_TMP/sidecar.log")" = 1 ] ||
  wss_fail "push failures were logged more than once: $(grep -c '"push failing"' "$WSS_TMP/sidecar.log")"
last r2 ".sequence > 0" || wss_fail "r2 stopped receiving"

# r1 comes back on its port: a report within one interval (plus scheduling slack).
mv "$WSS_TMP/r1.jsonl" "$WSS_TMP/r1-before.jsonl"
receiver r1 "$R1"
back_ms=$(date +%s%3N)
wss_wait_until 5 test -s "$WSS_TMP/r1.jsonl" || wss_fail "pushes to r1 did not resume"
first_ms=$(head -n1 "$WSS_TMP/r1.jsonl" | jq .received_unix_ms)
echo "pushes resumed $((first_ms - back_ms)) ms after the receiver came back"
[ $((first_ms - back_ms)) -le $((INTERVAL_MS + 250)) ] || wss_fail "resumed later than one interval"
grep -q '"push recovered"' "$WSS_TMP/sidecar.log" || wss_fail "no recovery log line"

# The pod goes away: app and sidecar get SIGTERM together.
seq_before=$(tail -n1 "$WSS_TMP/r2.jsonl" | jq .sequence)
kill -TERM "$SERVER_PID" "$SIDECAR_PID"
rc=0
wait "$SIDECAR_PID" || rc=$?
[ "$rc" = 0 ] || wss_fail "sidecar exited $rc after SIGTERM"
for r in r1 r2; do
  last "$r" '.final == true and .draining == true and .active_connections == 0' ||
    wss_fail "$r: no final report: $(tail -n1 "$WSS_TMP/$r.jsonl")"
  [ "$(jq -s 'map(select(.final)) | length' "$WSS_TMP/$r.jsonl")" = 1 ] ||
    wss_fail "$r: not exactly one final report"
  jq -s -e 'map(.sequence) as $s | $s == ($s | sort) and ($s | unique | length) == ($s | length)' \
    "$WSS_TMP/$r.jsonl" >/dev/null || wss_fail "$r: sequences are not increasing"
done
[ "$(tail -n1 "$WSS_TMP/r2.jsonl" | jq .sequence)" -gt "$seq_before" ] || wss_fail "no new sequence"
grep -q '"stopped"' "$WSS_TMP/sidecar.log" || wss_fail "no stop log line"
echo close >&"${HOLDER[1]}" 2>/dev/null || true
echo "PASS test_sidecar_push"
