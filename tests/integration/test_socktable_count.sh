#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_socktable_count.sh: the sidecar's socket source, both methods, against real connections:
# IPv4, IPv6 and IPv4-mapped listeners count exactly their server ends, connections to another
# port and the clients' own ends do not count, and every count drops to 0 once they close.
# Does not: run the sidecar; socktable_count prints what the source says.
# Threads: n/a (one shell; one Python process holds the connections).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

COUNT="$WSS_BUILD_DIR/tests/integration/socktable_count"
PEERS="$WSS_SOURCE_DIR/tests/integration/socktable_peers.py"
N4=5 N6=4 NMAPPED=3 NOTHER=6

[ -x "$COUNT" ] || wss_fail "build socktable_count first ($COUNT)"

wss_start peers /usr/bin/python3 "$PEERS" --ready "$WSS_TMP/ready" \
  "v4,127.0.0.1,0,127.0.0.1,$N4" \
  "v6,::1,1,::1,$N6" \
  "mapped,::ffff:127.0.0.1,0,127.0.0.1,$NMAPPED" \
  "other,127.0.0.1,0,127.0.0.1,$NOTHER"
wss_wait_until 20 test -f "$WSS_TMP/ready" || { cat "$WSS_TMP/peers.log" >&2; exit 1; }
port_of() { awk -v n="$1" '$1 == n { print $2 }' "$WSS_TMP/ready"; }
P4=$(port_of v4) P6=$(port_of v6) PMAPPED=$(port_of mapped) POTHER=$(port_of other)
echo "ports: v4 $P4, v6 $P6, mapped $PMAPPED, other $POTHER"

# count_is METHOD WANT PORT...: the source's count through METHOD is WANT.
count_is() {
  local method=$1 want=$2 out
  shift 2
  out=$("$COUNT" --method "$method" "$@") || return 1
  [ "${out%% *}" = "$want" ]
}

# expect_count METHOD WANT PORT...: polls until it holds, then says so; fails with the last count.
expect_count() {
  local method=$1 want=$2
  shift 2
  if ! wss_wait_until 10 count_is "$method" "$want" "$@"; then
    wss_fail "$method on ports $*: got '$("$COUNT" --method "$method" "$@" 2>&1)', want $want"
  fi
  echo "ok: $method ports $* = $want"
}

# The peers' numbers are what the kernel holds: ss agrees before the source is asked.
ss_count() { ss -Htn state established "( sport = :$1 )" | wc -l; }
[ "$(ss_count "$P4")" = "$N4" ] || wss_fail "ss sees $(ss_count "$P4") on $P4, want $N4"

for method in auto sock_diag proc; do
  expect_count "$method" $((N4 + N6 + NMAPPED)) "$P4" "$P6" "$PMAPPED"
  expect_count "$method" "$N4" "$P4"
  expect_count "$method" "$N6" "$P6"
  expect_count "$method" "$NMAPPED" "$PMAPPED" # mapped: once, as the IPv6 sockets they are
  expect_count "$method" "$NOTHER" "$POTHER"   # the other port's connections are real ...
done
# ... and the method in use is the one asked for (auto: sock_diag, which this host allows).
[ "$("$COUNT" --method auto "$P4" | cut -d' ' -f2)" = sock_diag ] || wss_fail "auto is not sock_diag"
[ "$("$COUNT" --method proc "$P4" | cut -d' ' -f2)" = proc ] || wss_fail "proc is not proc"

kill -USR1 "${WSS_PIDS[0]}"
wss_wait_until 10 test -f "$WSS_TMP/ready.closed" || wss_fail "peers did not close"
for method in auto sock_diag proc; do
  expect_count "$method" 0 "$P4" "$P6" "$PMAPPED" "$POTHER"
done
echo "PASS"
