/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_http_head.c: libFuzzer target for the HTTP/1.1 head walk both handshake parsers share:
 * every line and header handed out lies inside the input, a finished head ends with the blank
 * line, and list searches agree with a plain element-by-element comparison.
 * Does not: check WebSocket rules (fuzz_ws_handshake.c and fuzz_ws_client_handshake.c do).
 * Threads: libFuzzer's one thread. */
#include <string.h>

#include "fuzz_check.h"
#include "http_head.h"

/* The head size cap used here: small, so the too-long path is reached often. */
#define FUZZ_MAX_HEAD 512

struct walk {
    const char *buf;
    size_t len;
    size_t headers;
};

static int on_start_line(void *arg, const char *line, size_t n)
{
    struct walk *w = arg;
    CHECK(line == w->buf && n <= w->len);
    return 0;
}

static int on_header(void *arg, const struct wss__http_header *h)
{
    struct walk *w = arg;
    CHECK(h->name >= w->buf && h->name + h->name_len <= w->buf + w->len);
    CHECK(h->value >= w->buf && h->value + h->value_len <= w->buf + w->len);
    CHECK(h->name_len > 0);
    CHECK(h->off == (size_t)(h->name - w->buf));
    CHECK(h->value_off == (size_t)(h->value - w->buf));
    for (size_t i = 0; i < h->name_len; i++)
        CHECK(wss__http_head_is_tchar((unsigned char)h->name[i]));
    CHECK(h->value_len == 0 || (!wss__http_head_is_ows(h->value[0]) &&
                                !wss__http_head_is_ows(h->value[h->value_len - 1])));
    /* A list holds each of its own trimmed elements. */
    const char *comma = memchr(h->value, ',', h->value_len);
    size_t first = comma != NULL ? (size_t)(comma - h->value) : h->value_len;
    while (first > 0 && wss__http_head_is_ows(h->value[first - 1]))
        first--;
    if (first > 0 && memchr(h->value, '\0', first) == NULL) {
        char token[FUZZ_MAX_HEAD + 1];
        memcpy(token, h->value, first);
        token[first] = '\0';
        CHECK(wss__http_head_list_has(h->value, h->value_len, token, true));
    }
    w->headers++;
    return 0;
}

static const struct wss__http_head_ops ops = {
    .max_head = FUZZ_MAX_HEAD,
    .start_line = on_start_line,
    .header = on_header,
    .texts = {"head", "CR not followed by LF", "bare LF", "folded header line", "no colon",
              "empty header name", "bad header name character"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct walk w = {buf, size, 0};
    struct wss__http_head head;
    struct wss_parse_err err;
    int rc = wss__http_head_walk(buf, size, &ops, &w, &head, &err);
    CHECK(rc >= 4 || rc == WSS_PARSE_INCOMPLETE || rc == WSS_PARSE_INVALID);
    if (rc >= 0) {
        CHECK((size_t)rc <= size && (size_t)rc <= FUZZ_MAX_HEAD);
        CHECK(memcmp(buf + rc - 4, "\r\n\r\n", 4) == 0 || (rc == 2 && buf[0] == '\r'));
        CHECK(head.headers >= buf && head.headers + head.headers_len <= buf + rc);
    } else if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= size);
        CHECK(strlen(err.msg) < sizeof(err.msg));
    }
    return 0;
}
