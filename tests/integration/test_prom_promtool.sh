# SPDX-License-Identifier: Apache-2.0
# prom_promtool.sh: the exposition lib/prom renders for every kind of family, nasty label values
# and special numbers passes `promtool check metrics` with rc 0 and no complaint at all.
# Does not: scrape over HTTP or start Prometheus; promtool reads prom_sample's stdout.
# Processes: prom_sample, then promtool, one after the other; files live in $WSS_TMP.
source "$WSS_SOURCE_DIR/tests/support/lib.sh"

sample="$WSS_BUILD_DIR/tests/integration/prom_sample"
[ -x "$sample" ] || wss_fail "prom_sample is not built: $sample"
command -v promtool >/dev/null || wss_fail "promtool is not on PATH"

# The judge must be able to say no: a counter without _total and without help is linted (rc 3),
# and a broken line is a parse error (rc 1).
printf '# TYPE bad counter\nbad 1\n' >"$WSS_TMP/lint.txt"
rc=0
promtool check metrics <"$WSS_TMP/lint.txt" >"$WSS_TMP/lint.out" 2>&1 || rc=$?
[ "$rc" -eq 3 ] || wss_fail "promtool gave rc $rc for a lint problem, expected 3"
printf 'bad{x="unterminated} 1\n' >"$WSS_TMP/parse.txt"
rc=0
promtool check metrics <"$WSS_TMP/parse.txt" >"$WSS_TMP/parse.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || wss_fail "promtool gave rc $rc for a parse error, expected 1"

"$sample" >"$WSS_TMP/metrics.txt" || wss_fail "prom_sample failed"

rc=0
promtool check metrics <"$WSS_TMP/metrics.txt" >"$WSS_TMP/promtool.out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$WSS_TMP/promtool.out" ]; then
  cat "$WSS_TMP/promtool.out" >&2
  wss_fail "promtool check metrics: rc $rc on prom_sample's output (above)"
fi

# Everything the sample registers is there: 9 families with samples (the silent one is left
# out), nasty values escaped, special numbers spelled the Prometheus way.
families=$(grep -c '^# TYPE ' "$WSS_TMP/metrics.txt")
[ "$families" -eq 9 ] || wss_fail "expected 9 families, found $families"
expect() {
  grep -qF -- "$1" "$WSS_TMP/metrics.txt" || wss_fail "missing from the exposition: $1"
}
expect 'wsscale_sample_room_members{room="two\nlines\n"} -0.5'
expect 'wsscale_sample_room_members{room="back\\slash\\"} -2.5'
expect 'wsscale_sample_requests_total{code="200",method="say \"hi\""} 2'
expect '# HELP wsscale_sample_requests_total Requests by code and method; help with \\ and\na second line'
expect 'wsscale_sample_special_values{kind="pos_inf"} +Inf'
expect 'wsscale_sample_special_values{kind="neg_inf"} -Inf'
expect 'wsscale_sample_special_values{kind="nan"} NaN'
expect 'wsscale_sample_special_values{kind="big_int"} 9007199254740992'
expect 'wsscale_sample_duration_seconds_bucket{route="/ws",le="+Inf"} 8'
expect 'wsscale_sample_duration_seconds_count{route="/ws"} 8'
expect 'wsscale_sample_latency_seconds_bucket{route="/ws",le="+Inf"} 13'
expect 'wsscale_sample_frames_total{kind="text"} 42'
expect 'wsscale_sample_store_pods 1234'
if grep -q 'wsscale_sample_silent' "$WSS_TMP/metrics.txt"; then
  wss_fail "a collect family that wrote nothing was rendered"
fi
echo "ok: promtool accepts $(wc -l <"$WSS_TMP/metrics.txt") lines in $families families"
