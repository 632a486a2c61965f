/* SPDX-License-Identifier: Apache-2.0 */
/* duration.h: Go-style duration text ("1s", "500ms", "1h30m", "1.5s") to and from milliseconds.
 * Does not: accept negative durations, bare numbers other than "0", or sub-millisecond totals.
 * Threads: pure functions over caller-owned buffers; safe from any thread. */
#ifndef WSSCALE_DURATION_H
#define WSSCALE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"

/* Room for the longest text wss_duration_format writes, NUL included ("-2562047788015h59m59.999s"
 * is 25 bytes). */
#define WSS_DURATION_TEXT_MAX 32

/* The largest duration wss_duration_parse accepts: INT64_MAX nanoseconds, as Go allows, cut to
 * whole milliseconds (about 292 years). */
#define WSS_DURATION_MAX_MS INT64_C(9223372036854)

/* Parses one or more <number><unit> terms (units ns, us, ms, s, m, h; the number may have a
 * fraction) or a bare "0" into *out_ms. Returns len, or WSS_PARSE_INVALID with err naming the
 * problem (empty, negative, missing or unknown unit, too large, finer than a millisecond). Pure, so
 * thread-safe. */
int wss_duration_parse(const char *s, size_t len, int64_t *out_ms, struct wss_parse_err *err);

/* Writes the shortest text that parses back to ms ("0s", "500ms", "1.5s", "1m30s", "1h"; a
 * negative value gets a leading '-') into buf, NUL-terminated. Returns the length without the
 * NUL, or -1 (and an empty string when cap > 0) if cap is too small. Pure, so thread-safe. */
int wss_duration_format(int64_t ms, char *buf, size_t cap);

#endif
