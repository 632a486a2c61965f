/* SPDX-License-Identifier: Apache-2.0 */
/* prom_text.c: the byte-level pieces of text exposition format 0.0.4: escaping help text and
 * label values, and printing sample values the way Prometheus does.
 * Does not: know about families, lock, or decide what is rendered; the registry does.
 * Threads: any; writes only the caller's buffer. */
#include "prom_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Doubles in this range convert to long long exactly, so integral ones print without exponent. */
#define INTEGRAL_LIMIT 9.2e18

/* The most significant digits a double ever needs to read back unchanged. */
#define DOUBLE_ROUND_TRIP_DIGITS 17

/* Appends s, replacing each byte listed in `special` by a backslash and its letter. */
static void put_escaped(struct wss_strbuf *b, const char *s, const char *special)
{
    const char *run = s;
    for (const char *p = s; *p != '\0'; p++) {
        if (strchr(special, *p) == NULL)
            continue;
        wss_strbuf_append(b, run, (size_t)(p - run));
        wss_strbuf_append(b, *p == '\n' ? "\\n" : *p == '"' ? "\\\"" : "\\\\", 2);
        run = p + 1;
    }
    wss_strbuf_puts(b, run);
}

void wss__prom_put_help(struct wss_strbuf *b, const char *s)
{
    put_escaped(b, s, "\\\n");
}

void wss__prom_put_label_value(struct wss_strbuf *b, const char *s)
{
    put_escaped(b, s, "\\\"\n");
}

size_t wss__prom_format_double(double v, char out[WSS__PROM_NUM_LEN])
{
    int n;
    if (isnan(v)) {
        n = snprintf(out, WSS__PROM_NUM_LEN, "NaN");
    } else if (isinf(v)) {
        n = snprintf(out, WSS__PROM_NUM_LEN, "%s", v > 0 ? "+Inf" : "-Inf");
    } else if (v > -INTEGRAL_LIMIT && v < INTEGRAL_LIMIT && (double)(long long)v == v) {
        n = snprintf(out, WSS__PROM_NUM_LEN, "%lld", (long long)v);
    } else {
        /* The fewest digits that read back as v, as Go's strconv 'g' with precision -1 chooses;
         * %.17g always does, so the loop ends there at the latest. */
        n = 0;
        for (int digits = 1; digits <= DOUBLE_ROUND_TRIP_DIGITS; digits++) {
            n = snprintf(out, WSS__PROM_NUM_LEN, "%.*g", digits, v);
            if (strtod(out, NULL) == v)
                break;
        }
    }
    return n > 0 ? (size_t)n : 0;
}
