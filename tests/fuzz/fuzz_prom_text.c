/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_prom_text.c: libFuzzer target for the exposition text pieces of lib/prom: escaping
 * round-trips, number formatting reads back exactly, name checks agree with the grammar.
 * Does not: exercise the registry's locks or atomics (tests/unit/test_prom.c does).
 * Threads: libFuzzer's one. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "prom_internal.h"

/* Undoes label-value escaping; asserts the text has only the escapes we write and no raw
 * newline or quote. Returns the unescaped length written to out. */
static size_t unescape(const char *s, size_t len, char *out, bool is_label_value)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        CHECK(s[i] != '\n');
        CHECK(!is_label_value || s[i] != '"');
        if (s[i] != '\\') {
            out[n++] = s[i];
            continue;
        }
        CHECK(i + 1 < len);
        char e = s[++i];
        if (e == 'n')
            out[n++] = '\n';
        else if (e == '\\')
            out[n++] = '\\';
        else if (e == '"' && is_label_value)
            out[n++] = '"';
        else
            CHECK(!"unexpected escape");
    }
    return n;
}

static void check_escape_round_trip(const char *s, size_t len, bool is_label_value)
{
    struct wss_strbuf b = {0};
    if (is_label_value)
        wss__prom_put_label_value(&b, s);
    else
        wss__prom_put_help(&b, s);
    CHECK(!b.is_failed);
    CHECK(b.len >= len && b.len <= 2 * len);
    char *back = malloc(len + 1);
    CHECK(back != NULL);
    size_t n = unescape(b.data != NULL ? b.data : "", b.len, back, is_label_value);
    CHECK(n == len && memcmp(back, s, len) == 0);
    free(back);
    wss_strbuf_free(&b);
}

static bool is_name_byte(char c, bool is_first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!is_first && c >= '0' && c <= '9');
}

/* Whatever a check accepts is a grammatical name that does not start with "__". */
static void check_name_rules(const char *s, size_t len)
{
    static const enum wss_prom_type types[] = {WSS_PROM_COUNTER, WSS_PROM_GAUGE,
                                               WSS_PROM_HISTOGRAM};
    for (size_t t = 0; t <= sizeof(types) / sizeof(types[0]); t++) {
        struct wss_parse_err err = {0};
        int rc = t < sizeof(types) / sizeof(types[0])
                     ? wss__prom_check_metric_name(s, types[t], &err)
                     : wss__prom_check_label_name(s, &err);
        if (rc != 0) {
            CHECK(rc == WSS_PARSE_INVALID);
            CHECK(err.offset <= len);
            CHECK(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
            continue;
        }
        CHECK(len > 0 && !(len >= 2 && s[0] == '_' && s[1] == '_'));
        for (size_t i = 0; i < len; i++)
            CHECK(is_name_byte(s[i], i == 0));
        bool has_total = len >= 6 && memcmp(s + len - 6, "_total", 6) == 0;
        if (t < sizeof(types) / sizeof(types[0]))
            CHECK(has_total == (types[t] == WSS_PROM_COUNTER));
    }
}

static void check_utf8(const char *s, size_t len)
{
    size_t bad = len + 1;
    if (wss__prom_is_utf8(s, len, &bad))
        return;
    CHECK(bad < len);
    CHECK(wss__prom_is_utf8(s, bad, NULL));
}

static void check_number(const uint8_t *data, size_t size)
{
    if (size < sizeof(double))
        return;
    double v;
    memcpy(&v, data, sizeof(v));
    char text[WSS__PROM_NUM_LEN];
    size_t n = wss__prom_format_double(v, text);
    CHECK(n > 0 && n < sizeof(text) && strlen(text) == n);
    double back = strtod(text, NULL);
    CHECK(isnan(v) ? isnan(back) : back == v);
    if (!isnan(v) && !isinf(v) && fabs(v) < 9007199254740992.0 && v == (double)(long long)v)
        CHECK(strchr(text, 'e') == NULL && strchr(text, '.') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t len = strlen(s); /* the escapers take C strings: stop at the first NUL */
    check_escape_round_trip(s, len, true);
    check_escape_round_trip(s, len, false);
    check_name_rules(s, len);
    check_utf8(s, len);
    check_number(data, size);
    free(s);
    return 0;
}
