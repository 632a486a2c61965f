/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_quantity.c: libFuzzer target for Quantity text: whatever parses must format canonically
 * and parse back to the same value, at the nano, milli and unit scales, consistently.
 * Does not: compare against Go; tests/unit/test_quantity.c pins the values Go gives.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/quantity.h"

/* Inputs up to this long are also tried with a '-' in front. */
#define NEGATE_MAX_LEN 256

static const int scales[] = {WSS_QUANTITY_SCALE_NANO, WSS_QUANTITY_SCALE_MILLI,
                             WSS_QUANTITY_SCALE_UNIT};
#define NSCALES (sizeof(scales) / sizeof(scales[0]))

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* Parses at one scale and checks the error record or the format -> parse round trip. */
static int parse_checked(const char *s, size_t len, int scale, int64_t *out)
{
    struct wss_parse_err err;
    memset(&err, 0, sizeof(err));
    int rc = wss_quantity_parse(s, len, scale, out, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= len);
        CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        CHECK(err.msg[0] != '\0');
        CHECK(strchr(err.msg, '\n') == NULL);
        return rc;
    }
    CHECK(rc >= 0 && (size_t)rc == len);

    char text[WSS_QUANTITY_FORMAT_MAX];
    int n = wss_quantity_format(*out, scale, text, sizeof(text));
    CHECK(n > 0 && (size_t)n < sizeof(text) && strlen(text) == (size_t)n);
    int64_t back = 0;
    CHECK(wss_quantity_parse(text, (size_t)n, scale, &back, NULL) == n);
    CHECK(back == *out);
    /* Canonical text is a fixed point: formatting the value read back gives the same bytes. */
    char again[WSS_QUANTITY_FORMAT_MAX];
    CHECK(wss_quantity_format(back, scale, again, sizeof(again)) == n);
    CHECK(memcmp(text, again, (size_t)n + 1) == 0);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t v[NSCALES];
    int rc[NSCALES];
    for (size_t i = 0; i < NSCALES; i++)
        rc[i] = parse_checked(s, size, scales[i], &v[i]);

    /* Syntax does not depend on the scale: a coarser scale only fails where a finer one
     * overflows. Where both succeed, rounding up twice equals rounding up once. */
    for (size_t i = 0; i + 1 < NSCALES; i++) {
        if (rc[i] == WSS_PARSE_INVALID) {
            continue;
        }
        CHECK(rc[i + 1] != WSS_PARSE_INVALID);
        uint64_t step = 1;
        for (int k = scales[i]; k < scales[i + 1]; k++)
            step *= 10;
        uint64_t fine = magnitude(v[i]);
        uint64_t coarse = fine / step + (fine % step != 0);
        CHECK(magnitude(v[i + 1]) == coarse);
        CHECK((v[i] < 0) == (v[i + 1] < 0));
    }

    /* Rounding is symmetric: "-x" is exactly -("x"). */
    if (size > 0 && size < NEGATE_MAX_LEN && s[0] != '-' && s[0] != '+') {
        char neg[NEGATE_MAX_LEN + 1];
        neg[0] = '-';
        memcpy(neg + 1, s, size);
        int64_t nv = 0;
        int nrc = wss_quantity_parse(neg, size + 1, WSS_QUANTITY_SCALE_MILLI, &nv, NULL);
        size_t milli = 1;
        CHECK((nrc == WSS_PARSE_INVALID) == (rc[milli] == WSS_PARSE_INVALID));
        if (nrc != WSS_PARSE_INVALID)
            CHECK(nv == -v[milli]);
    }
    return 0;
}
