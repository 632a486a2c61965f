#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_socktable_netns.sh: the socket source sees only its own network namespace, as a sidecar
# sees only its pod: connections on the same port in the host namespace do not count, and the
# pod's do not count from the host.
# Does not: run without root and `ip netns` (exits 77, which ctest reports as skipped).
# Threads: n/a (one shell; one Python holder in each namespace).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

COUNT="$WSS_BUILD_DIR/tests/integration/socktable_count"
PEERS="$WSS_SOURCE_DIR/tests/integration/socktable_peers.py"
NPOD4=4 NPOD6=3 NHOST=9

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
  echo "SKIP: needs root and ip(8) for a network namespace"
  exit 77
fi
[ -x "$COUNT" ] || wss_fail "build socktable_count first ($COUNT)"

NS="wss-test-$$"
netns_cleanup() {
  wss_cleanup
  ip netns del "$NS" 2>/dev/null || true
}
trap netns_cleanup EXIT
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip -n "$NS" link set lo up

# One port number, used in both namespaces: free on the host, and the pod's namespace is empty.
PORT=$(wss_free_port)
wss_start pod ip netns exec "$NS" /usr/bin/python3 "$PEERS" --ready "$WSS_TMP/pod" \
  "pod4,127.0.0.1,0,127.0.0.1,$NPOD4,$PORT" "pod6,::1,1,::1,$NPOD6,$PORT"
wss_start host /usr/bin/python3 "$PEERS" --ready "$WSS_TMP/host" \
  "host,127.0.0.1,0,127.0.0.1,$NHOST,$PORT"
wss_wait_until 20 test -f "$WSS_TMP/pod" || { cat "$WSS_TMP/pod.log" >&2; exit 1; }
wss_wait_until 20 test -f "$WSS_TMP/host" || { cat "$WSS_TMP/host.log" >&2; exit 1; }

# count_in WHERE METHOD: the count on PORT from inside the pod's namespace or from the host.
count_in() {
  if [ "$1" = pod ]; then
    ip netns exec "$NS" "$COUNT" --method "$2" "$PORT"
  else
    "$COUNT" --method "$2" "$PORT"
  fi
}
count_is() { local out; out=$(count_in "$1" "$2") && [ "${out%% *}" = "$3" ]; }

for method in auto proc; do
  for where in pod host; do
    want=$NHOST
    [ "$where" = pod ] && want=$((NPOD4 + NPOD6))
    wss_wait_until 10 count_is "$where" "$method" "$want" ||
      wss_fail "$where/$method on port $PORT: got '$(count_in "$where" "$method" 2>&1)', want $want"
    echo "ok: $where $method port $PORT = $want"
  done
done

kill -USR1 "${WSS_PIDS[0]}"
wss_wait_until 10 test -f "$WSS_TMP/pod.closed" || wss_fail "pod peers did not close"
for method in auto proc; do
  wss_wait_until 10 count_is pod "$method" 0 || wss_fail "pod/$method did not drop to 0"
  count_is host "$method" "$NHOST" || wss_fail "host/$method changed when the pod's closed"
done
echo "PASS"
