#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# test_shm_counter_doc.sh: proves docs/shm-counter.md: objects written by a Python writer that
#   follows only the doc are read back by counter.h (shm_counter_read) with the right values.
# Does not: start long-running processes; each writer and reader runs once and exits.
# Threads: n/a (one shell, sequential steps).
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

READER="$WSS_BUILD_DIR/tests/integration/shm_counter_read"
WRITER=("/usr/bin/python3" "$WSS_SOURCE_DIR/tests/integration/shm_counter_writer.py")
NAME="/wsscale-itest-$$"
STALE_AFTER_MS=3000
[ -x "$READER" ] || wss_fail "missing $READER: build the shm_counter_read target"
trap 'rm -f "/dev/shm${NAME}"; wss_cleanup' EXIT

# expect KEY=VALUE...: every pair must be a line of the last reader output.
expect() {
  local pair
  for pair in "$@"; do
    grep -qxF "$pair" "$WSS_TMP/read.out" || {
      cat "$WSS_TMP/read.out" >&2
      wss_fail "expected $pair"
    }
  done
}

read_counter() {
  "$READER" "$NAME" "$STALE_AFTER_MS" >"$WSS_TMP/read.out" || wss_fail "reader failed"
}

# Nothing written yet.
read_counter
expect status=missing

# Four slots (opened:closed): active 2+5+0+0 = 7, opened 10, closed 3.
"${WRITER[@]}" --name "$NAME" --slots 3:1,5:0,0:0,2:2 --state serving --port 8080 \
  --instance-id 1234567890123456789 >/dev/null
[ "$(stat -c %a "/dev/shm${NAME}")" = 644 ] || wss_fail "object mode is not 0644"
read_counter
expect status=ok active=7 opened_total=10 closed_total=3 state=serving is_draining=0 \
  instance_id=1234567890123456789 slot_count=4 listen_port=8080

# A close on another slot than the open: slot 1's active wraps below zero, the sum stays right.
"${WRITER[@]}" --name "$NAME" --slots 2:0,0:1 --state draining >/dev/null
read_counter
expect status=ok active=1 opened_total=2 closed_total=1 state=draining is_draining=1 slot_count=2

# The heartbeat is older than the reader's limit.
"${WRITER[@]}" --name "$NAME" --slots 1:0 --heartbeat-age-ms $((STALE_AFTER_MS + 60000)) >/dev/null
read_counter
expect status=stale active=1

# A clean exit.
"${WRITER[@]}" --name "$NAME" --slots 4:1 --state stopped >/dev/null
read_counter
expect status=stopped state=stopped

# A wrong magic is never read as counts.
"${WRITER[@]}" --name "$NAME" --slots 9:0 --magic 0x1122334455667788 >/dev/null
read_counter
expect status=bad_layout
[ "$(wc -l <"$WSS_TMP/read.out")" -eq 1 ] || wss_fail "bad layout printed counts"

# No temporary files are left beside the object.
if ls -A /dev/shm | grep -q "^\.${NAME#/}\.tmp\."; then
  wss_fail "writer left a temporary file"
fi
echo "PASS: shm counter written from the doc reads back through counter.h"
