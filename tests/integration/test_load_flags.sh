#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_load_flags.sh: wsscale-load refuses bad flags with exit 2 and one stderr line that names
#   the flag, before opening any connection; --help exits 0.
# Does not: run any load (nothing listens on the URLs used here).
# Threads: n/a.
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

LOAD="$WSS_BUILD_DIR/tools/load/wsscale-load"
[ -x "$LOAD" ] || wss_fail "missing $LOAD: build the wsscale-load target"

# bad FLAG ARGS...: exit 2, exactly one line on stderr naming --FLAG, nothing on stdout.
bad() {
  local flag=$1 rc=0
  shift
  "$LOAD" "$@" >"$WSS_TMP/out" 2>"$WSS_TMP/err" || rc=$?
  [ "$rc" = 2 ] || wss_fail "$*: exit $rc, want 2"
  [ "$(wc -l <"$WSS_TMP/err")" = 1 ] || wss_fail "$*: stderr is not one line: $(cat "$WSS_TMP/err")"
  grep -q -- "--$flag" "$WSS_TMP/err" || wss_fail "$*: stderr does not name --$flag: $(cat "$WSS_TMP/err")"
  [ ! -s "$WSS_TMP/out" ] || wss_fail "$*: wrote to stdout"
}

bad connections --connections 0
bad connections --connections many
bad mode --mode flood
bad payload-bytes --payload-bytes 8
bad duration --duration 10
bad url --url wss://127.0.0.1:1/ws
bad url --url http://127.0.0.1:1/ws
bad url --url 'ws://127.0.0.1:1/a b'
bad url --url ws://127.0.0.1:99999/ws
bad source-addrs --source-addrs 127.0.0.300
bad source-addrs --source-addrs 127.0.0.9-127.0.0.2
bad source-addrs --url 'ws://[::1]:1/ws' --source-addrs 127.0.0.2
bad in-flight --in-flight 1 --mode hold
bad protocol --protocol 'chat v2'
bad origin --origin "$(printf 'http://x\001')"
bad nope --nope
WSSCALE_RATE=fast bad rate
grep -q 'WSSCALE_RATE' "$WSS_TMP/err" || wss_fail "env error does not name WSSCALE_RATE"
# The file budget: more connections than this process may open names --connections too.
limit=$(ulimit -Hn)
if [ "$limit" != unlimited ] && [ "$limit" -lt 1000000 ]; then
  bad connections --connections $((limit + 1))
  grep -q 'several processes' "$WSS_TMP/err" || wss_fail "no hint to use several processes"
fi

"$LOAD" --help >"$WSS_TMP/help" || wss_fail "--help exited $?"
grep -q -- '--source-addrs' "$WSS_TMP/help" || wss_fail "--help lacks --source-addrs"
grep -q 'several processes' "$WSS_TMP/help" || wss_fail "--help does not mention the file cap"
echo "PASS test_load_flags"
