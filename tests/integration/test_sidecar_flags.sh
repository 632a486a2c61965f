#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_sidecar_flags.sh: wsscale-sidecar refuses a bad start with exit code 2 and exactly one
#   line on stderr naming what is wrong (missing identity, a bad value, a missing labels file, a
#   bad adapter URL, a source without its options); --help says what `socket` cannot tell apart.
# Does not: run a sidecar past its start (the other test_sidecar_*.sh do).
# Threads: n/a (one shell, one short-lived sidecar at a time).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

SIDECAR="$WSS_BUILD_DIR/sidecar/wsscale-sidecar"
[ -x "$SIDECAR" ] || wss_fail "missing $SIDECAR: build the wsscale-sidecar target"
ID=(POD_NAME=chat-0 POD_NAMESPACE=default POD_UID=5e0c3d5a-0000-4000-8000-000000000004)
PORT=$(wss_free_port)

# refused WANT ENV... -- ARGS...: the sidecar must exit 2 with one stderr line containing WANT.
refused() {
  local want=$1 envs=() rc=0
  shift
  while [ "$1" != -- ]; do
    envs+=("$1")
    shift
  done
  shift
  env -i PATH="$PATH" "${envs[@]}" "$SIDECAR" --listen "127.0.0.1:$PORT" "$@" \
    >"$WSS_TMP/out" 2>"$WSS_TMP/err" </dev/null || rc=$?
  [ "$rc" = 2 ] || wss_fail "exit $rc, not 2, for: $* ($(cat "$WSS_TMP/err"))"
  [ "$(wc -l <"$WSS_TMP/err")" = 1 ] || wss_fail "not one line for: $*: $(cat "$WSS_TMP/err")"
  grep -qF -- "$want" "$WSS_TMP/err" || wss_fail "no \"$want\" in: $(cat "$WSS_TMP/err")"
  [ ! -s "$WSS_TMP/out" ] || wss_fail "stdout not empty for: $*"
}

refused 'missing pod identity: POD_NAMESPACE (--pod-namespace), POD_NAME (--pod-name), POD_UID (--pod-uid)' \
  -- --labels-file=
refused 'missing pod identity: POD_UID (--pod-uid)' POD_NAME=chat-0 POD_NAMESPACE=default \
  -- --labels-file=
refused 'invalid POD_NAMESPACE "Default"' POD_NAME=chat-0 POD_NAMESPACE=Default POD_UID=x \
  -- --labels-file=
refused "labels file $WSS_TMP/nope: No such file or directory" "${ID[@]}" \
  -- --labels-file="$WSS_TMP/nope"
refused 'invalid value "0.05s" for --interval' "${ID[@]}" -- --labels-file= --interval 0.05s
refused 'unknown flag' "${ID[@]}" -- --labels-file= --no-such-flag
refused 'invalid value "tcp" for --source' "${ID[@]}" -- --labels-file= --source tcp
refused 'adapter-url "ftp://adapter" must be https:// (or http://)' "${ID[@]}" \
  -- --labels-file= --adapter-url ftp://adapter
refused '--source=socket needs --ports' "${ID[@]}" -- --labels-file= --source socket
refused '--ports: "http" is not a port number' "${ID[@]}" -- --labels-file= --source socket \
  --ports 8080,http
refused '--source=scrape needs --scrape-url' "${ID[@]}" -- --labels-file= --source scrape
refused 'scrape-selector "app in (": unable to parse requirement' "${ID[@]}" -- --labels-file= --source scrape \
  --scrape-url http://127.0.0.1:1/metrics --scrape-selector 'app in ('
# The identity comes from the environment twins of the flags too.
refused 'invalid POD_NAME "Chat"' POD_NAMESPACE=default POD_UID=x -- --labels-file= --pod-name Chat

"$SIDECAR" --help >"$WSS_TMP/help" || wss_fail "--help did not exit 0"
tr '\n' ' ' <"$WSS_TMP/help" | tr -s ' ' | grep -q "cannot tell a WebSocket from an HTTP keep-alive" ||
  wss_fail "--help does not say what socket cannot tell apart"
for f in POD_NAME POD_NAMESPACE POD_UID --adapter-url --token-file --labels-file --shutdown-timeout; do
  grep -q -- "$f" "$WSS_TMP/help" || wss_fail "--help does not mention $f"
done
echo "PASS test_sidecar_flags"
