/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_expo_parse.c: libFuzzer target for expo_parse_line over a whole input, line by line, with
 * every sample written back out in canonical text and parsed again to the same name, labels,
 * value and timestamp.
 * Does not: judge error texts (the unit test does); it checks invariants on any input.
 * Threads: libFuzzer's one thread. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo_parse.h"
#include "fuzz_check.h"

#define MAX_LABELS 8

static bool inside(const char *p, size_t n, const char *base, size_t size)
{
    return n == 0 || (p >= base && n <= size && (size_t)(p - base) <= size - n);
}

/* Appends s with \\, \" (label values only) and \n escaped. */
static size_t put_escaped(char *out, const char *s, size_t n, bool is_label_value)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '\n' || (is_label_value && s[i] == '"'))
            out[k++] = '\\';
        out[k++] = s[i] == '\n' ? 'n' : s[i];
    }
    return k;
}

static size_t put_value(char *out, double v)
{
    if (isnan(v))
        return (size_t)sprintf(out, "NaN");
    if (isinf(v))
        return (size_t)sprintf(out, v > 0 ? "+Inf" : "-Inf");
    return (size_t)sprintf(out, "%.17g", v);
}

static void check_sample_round_trip(const struct expo_line *l)
{
    size_t cap = l->name_len + 64 + 2 * 32;
    for (size_t i = 0; i < l->nlabels; i++)
        cap += l->labels[i].key_len + 2 * l->labels[i].value_len + 8;
    char *text = malloc(cap);
    char *buf = malloc(cap);
    CHECK(text != NULL && buf != NULL);
    size_t n = 0;
    memcpy(text, l->name, l->name_len);
    n += l->name_len;
    text[n++] = '{';
    for (size_t i = 0; i < l->nlabels; i++) {
        memcpy(text + n, l->labels[i].key, l->labels[i].key_len);
        n += l->labels[i].key_len;
        text[n++] = '=';
        text[n++] = '"';
        n += put_escaped(text + n, l->labels[i].value, l->labels[i].value_len, true);
        text[n++] = '"';
        text[n++] = ',';
    }
    text[n++] = '}';
    text[n++] = ' ';
    n += put_value(text + n, l->value);
    if (l->has_timestamp)
        n += (size_t)sprintf(text + n, " %lld", (long long)l->timestamp_ms);
    text[n++] = '\n';
    CHECK(n <= cap);

    struct wss_label labels[MAX_LABELS];
    struct expo_line again = {
        .labels = labels, .labels_cap = MAX_LABELS, .buf = buf, .buf_len = cap};
    struct expo_parser p = {0};
    struct wss_parse_err err;
    int rc = expo_parse_line(&p, text, n, false, &again, &err);
    if (rc != (int)n) {
        fprintf(stderr, "re-parse failed (%d): %s\n%.*s", rc, err.msg, (int)n, text);
        abort();
    }
    CHECK(again.kind == EXPO_LINE_SAMPLE);
    CHECK(again.name_len == l->name_len && memcmp(again.name, l->name, l->name_len) == 0);
    CHECK(again.nlabels == l->nlabels);
    for (size_t i = 0; i < l->nlabels; i++) {
        CHECK(again.labels[i].key_len == l->labels[i].key_len &&
              memcmp(again.labels[i].key, l->labels[i].key, l->labels[i].key_len) == 0);
        CHECK(again.labels[i].value_len == l->labels[i].value_len &&
              (l->labels[i].value_len == 0 ||
               memcmp(again.labels[i].value, l->labels[i].value, l->labels[i].value_len) == 0));
    }
    CHECK(isnan(l->value) ? isnan(again.value) : again.value == l->value);
    CHECK(again.has_timestamp == l->has_timestamp && again.timestamp_ms == l->timestamp_ms);
    free(text);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    /* The documented bound: a buffer as long as the line always holds its unescaped text. */
    char *buf = malloc(size > 0 ? size : 1);
    CHECK(buf != NULL);
    struct wss_label labels[MAX_LABELS];
    struct expo_parser p = {0};
    size_t off = 0;
    /* Every successful call consumes at least one byte, so this ends within size + 1 calls. */
    for (size_t calls = 0; calls <= size + 1; calls++) {
        struct expo_line l = {
            .labels = labels, .labels_cap = MAX_LABELS, .buf = buf, .buf_len = size};
        struct wss_parse_err err;
        memset(&err, 0, sizeof(err));
        /* Without is_eof, a tail without '\n' must wait for more bytes. */
        struct expo_parser probe = p;
        int partial = expo_parse_line(&probe, s + off, size - off, false, &l, &err);
        const char *nl = memchr(s + off, '\n', size - off);
        CHECK(nl != NULL || partial == WSS_PARSE_INCOMPLETE);
        int rc = expo_parse_line(&p, s + off, size - off, true, &l, &err);
        if (rc == 0) {
            CHECK(off == size);
            break;
        }
        if (rc < 0) {
            CHECK(rc == WSS_PARSE_INVALID);
            CHECK(err.offset >= off && err.offset <= size);
            size_t mlen = strnlen(err.msg, sizeof(err.msg));
            CHECK(mlen > 0 && mlen < sizeof(err.msg) && strncmp(err.msg, "line ", 5) == 0);
            CHECK(l.nlabels == 0);
            break;
        }
        CHECK(rc > 0 && (size_t)rc <= size - off);
        CHECK(nl == NULL ? (size_t)rc == size - off : (size_t)rc == (size_t)(nl - (s + off)) + 1);
        if (nl != NULL)
            CHECK(partial == rc);
        const char *line = s + off;
        size_t line_len = (size_t)rc;
        if (l.kind != EXPO_LINE_BLANK && l.kind != EXPO_LINE_COMMENT)
            CHECK(l.name_len > 0 && inside(l.name, l.name_len, line, line_len));
        if (l.kind == EXPO_LINE_HELP)
            CHECK(inside(l.help, l.help_len, line, line_len) ||
                  inside(l.help, l.help_len, buf, line_len));
        if (l.kind == EXPO_LINE_SAMPLE) {
            CHECK(l.nlabels <= MAX_LABELS);
            for (size_t i = 0; i < l.nlabels; i++) {
                CHECK(inside(l.labels[i].key, l.labels[i].key_len, line, line_len));
                CHECK(inside(l.labels[i].value, l.labels[i].value_len, line, line_len) ||
                      inside(l.labels[i].value, l.labels[i].value_len, buf, line_len));
            }
            check_sample_round_trip(&l);
        }
        off += (size_t)rc;
    }
    free(buf);
    return 0;
}
