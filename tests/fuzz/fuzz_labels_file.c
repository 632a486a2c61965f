/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_labels_file.c: libFuzzer target for wss_labels_file_parse, with a round trip through
 * Go-style quoting (wss_k8s_names_quote) back to the same labels.
 * Does not: judge error texts (the unit test does); it checks invariants on any input.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/k8s_names.h"
#include "wsscale/labels_file.h"

#define MAX_LABELS 16

static int inside(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

/* Writes the labels as the kubelet would (key="%q" lines) and parses that again. */
static void check_round_trip(const struct wss_label *labels, size_t n)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += labels[i].key_len + 4 * labels[i].value_len + 4; /* \xNN is the widest escape */
    char *text = malloc(cap);
    char *buf = malloc(cap);
    CHECK(text != NULL && buf != NULL);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            text[len++] = '\n';
        memcpy(text + len, labels[i].key, labels[i].key_len);
        len += labels[i].key_len;
        text[len++] = '=';
        len += wss_k8s_names_quote(labels[i].value, labels[i].value_len, text + len, cap - len);
    }
    struct wss_label again[MAX_LABELS];
    size_t nagain = MAX_LABELS;
    struct wss_parse_err err;
    if (wss_labels_file_parse(text, len, again, &nagain, buf, cap, &err) != (int)len) {
        fprintf(stderr, "re-parse failed: %s\n%.*s\n", err.msg, (int)len, text);
        abort();
    }
    CHECK(nagain == n);
    for (size_t i = 0; i < n; i++) {
        CHECK(again[i].key_len == labels[i].key_len &&
              memcmp(again[i].key, labels[i].key, labels[i].key_len) == 0);
        CHECK(again[i].value_len == labels[i].value_len &&
              (labels[i].value_len == 0 ||
               memcmp(again[i].value, labels[i].value, labels[i].value_len) == 0));
    }
    free(text);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct wss_label labels[MAX_LABELS];
    size_t n = MAX_LABELS;
    struct wss_parse_err err;
    memset(&err, 0, sizeof(err));
    /* The documented bound: a buffer as long as the input always holds the unescaped values. */
    char *buf = malloc(size > 0 ? size : 1);
    CHECK(buf != NULL);
    int rc = wss_labels_file_parse(s, size, labels, &n, buf, size, &err);
    if (rc >= 0) {
        CHECK((size_t)rc == size);
        CHECK(n <= MAX_LABELS);
        for (size_t i = 0; i < n; i++) {
            CHECK(inside(labels[i].key, labels[i].key_len, s, size));
            CHECK(wss_k8s_names_check_label_key(labels[i].key, labels[i].key_len, NULL, 0) == 0);
            CHECK(inside(labels[i].value, labels[i].value_len, s, size) ||
                  inside(labels[i].value, labels[i].value_len, buf, size));
            for (size_t j = 0; j < i; j++)
                CHECK(labels[j].key_len != labels[i].key_len ||
                      memcmp(labels[j].key, labels[i].key, labels[i].key_len) != 0);
        }
        check_round_trip(labels, n);
    } else {
        CHECK(rc == WSS_PARSE_INVALID);
        CHECK(err.offset <= size);
        size_t mlen = strnlen(err.msg, sizeof(err.msg));
        CHECK(mlen > 0 && mlen < sizeof(err.msg));
        CHECK(memchr(err.msg, '\n', mlen) == NULL);
        /* Every message is "line N: <reason>" or about the whole file; never a full buffer. */
        const char *reason = strncmp(err.msg, "line ", 5) == 0 ? strchr(err.msg, ':') : NULL;
        CHECK(reason == NULL || strncmp(reason, ": no room to unescape", 21) != 0);
        CHECK(n == 0);
    }
    free(buf);
    return 0;
}
