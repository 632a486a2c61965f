/* SPDX-License-Identifier: Apache-2.0 */
/* quantity.h: Kubernetes Quantity text ("1500m", "2k", "1Ki", "2e3") to and from scaled int64.
 * Does not: keep the suffix family a value was written in (we always write DecimalSI), or
 * allocate; values travel as integers in units of 10^scale, never as floating point.
 * Threads: every function is pure and thread-safe. */
#ifndef WSSCALE_QUANTITY_H
#define WSSCALE_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"

/* Scales: a value is an int64 count of 10^scale units. Milli is what the HPA reads. */
#define WSS_QUANTITY_SCALE_NANO  (-9)
#define WSS_QUANTITY_SCALE_MICRO (-6)
#define WSS_QUANTITY_SCALE_MILLI (-3)
#define WSS_QUANTITY_SCALE_UNIT  0
/* The largest scale accepted; 10^18 is the E suffix, the largest Kubernetes has. */
#define WSS_QUANTITY_SCALE_MAX 18

/* Bytes a formatted quantity needs, NUL included, at any scale: '-', 19 digits, two padding
 * zeros, a suffix of at most three bytes ("e21") and the NUL make 26. */
#define WSS_QUANTITY_FORMAT_MAX 32

/* Parses all of s[0..len) as a Quantity into *out, counted in units of 10^scale (scale in
 * WSS_QUANTITY_SCALE_NANO..WSS_QUANTITY_SCALE_MAX). A value finer than one unit rounds away from
 * zero, as Go's MilliValue() does: "0.1m" at milli scale is 1, "-1.5m" is -2. Returns len, or
 * WSS_PARSE_INVALID with err filled for bad syntax, an unknown suffix, a value whose magnitude
 * does not fit int64 (never clamped), a bad scale, or len > INT_MAX. *out is untouched on
 * failure. Pure and thread-safe. */
int wss_quantity_parse(const char *s, size_t len, int scale, int64_t *out,
                       struct wss_parse_err *err);

/* wss_quantity_parse at WSS_QUANTITY_SCALE_MILLI: the value Go's MilliValue() returns. */
int wss_quantity_parse_milli(const char *s, size_t len, int64_t *milli, struct wss_parse_err *err);

/* Writes value x 10^scale (scale in WSS_QUANTITY_SCALE_NANO..WSS_QUANTITY_SCALE_MAX) to buf in
 * Go's canonical DecimalSI form ("0", "42", "1500m", "2k", "100u"; "e21" and up past E), NUL
 * terminated. Returns the length without the NUL, or -1 (buf untouched) when scale is out of
 * range or cap is too small; WSS_QUANTITY_FORMAT_MAX always suffices. Pure and thread-safe. */
int wss_quantity_format(int64_t value, int scale, char *buf, size_t cap);

/* wss_quantity_format at WSS_QUANTITY_SCALE_MILLI: 1500 -> "1500m", 2000 -> "2", 0 -> "0". */
int wss_quantity_format_milli(int64_t milli, char *buf, size_t cap);

#endif
