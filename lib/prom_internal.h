/* SPDX-License-Identifier: Apache-2.0 */
/* prom_internal.h: what the prom unit's files share: name rules (prom_name.c) and the text
 * format's escaping and number formatting (prom_text.c), used by the registry (prom_registry.c).
 * Does not: declare anything for callers outside lib/prom_*.c and the prom fuzz target.
 * Threads: every function here is pure or writes only the caller's buffer; any thread. */
#ifndef WSSCALE_PROM_INTERNAL_H
#define WSSCALE_PROM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "wsscale/parse.h"
#include "wsscale/prom.h"
#include "wsscale/strbuf.h"

/* Longest text wss__prom_format_double writes, plus its NUL ("-2.2250738585072014e-308"). */
#define WSS__PROM_NUM_LEN 32

/* Checks a metric name against Prometheus's grammar and the lint rules promtool applies for a
 * family of this type. Returns 0, or WSS_PARSE_INVALID with err->offset at the offending byte. */
int wss__prom_check_metric_name(const char *name, enum wss_prom_type type,
                                struct wss_parse_err *err);

/* Checks a label name: grammar, "__" prefix, snake_case, and the names histograms and
 * summaries reserve. Returns 0 or WSS_PARSE_INVALID with err. */
int wss__prom_check_label_name(const char *name, struct wss_parse_err *err);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF); otherwise false with *bad_offset (if non-NULL) at the first bad byte. */
bool wss__prom_is_utf8(const char *s, size_t len, size_t *bad_offset);

/* Appends help text with \ and newline escaped, as # HELP lines need. */
void wss__prom_put_help(struct wss_strbuf *b, const char *s);

/* Appends a label value with \, " and newline escaped, without the surrounding quotes. */
void wss__prom_put_label_value(struct wss_strbuf *b, const char *s);

/* Writes v as Prometheus prints it into out (NUL-terminated) and returns its length: integral
 * values without exponent, +Inf, -Inf, NaN, otherwise the shortest text that reads back as v.
 * Assumes the C locale for LC_NUMERIC (no wsscale program calls setlocale). */
size_t wss__prom_format_double(double v, char out[WSS__PROM_NUM_LEN]);

#endif
