/* SPDX-License-Identifier: Apache-2.0 */
/* strbuf.c: growable byte buffer with a length cap and sticky failure.
 * Does not: share buffers between threads or print anything.
 * Threads: the owning thread only. */
#include "wsscale/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation; later ones double. */
#define STRBUF_FIRST_CAP 256

void wss_strbuf_init(struct wss_strbuf *b, size_t max_len)
{
    memset(b, 0, sizeof(*b));
    b->max_len = max_len;
}

/* Makes room for `more` bytes plus the NUL. */
static int reserve(struct wss_strbuf *b, size_t more)
{
    if (b->is_failed)
        return -1;
    if (more > (size_t)-1 / 2 - b->len || (b->max_len != 0 && b->len + more > b->max_len)) {
        b->is_failed = true;
        return -1;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap != 0 ? b->cap : STRBUF_FIRST_CAP;
    while (cap < need)
        cap *= 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->is_failed = true;
        return -1;
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

int wss__strbuf_append_grow(struct wss_strbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int wss_strbuf_puts(struct wss_strbuf *b, const char *s)
{
    return wss_strbuf_append(b, s, strlen(s));
}

int wss_strbuf_printf(struct wss_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->is_failed = true;
        return -1;
    }
    if (reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void wss_strbuf_reset(struct wss_strbuf *b)
{
    b->len = 0;
    b->is_failed = false;
    if (b->data != NULL)
        b->data[0] = '\0';
}

char *wss_strbuf_take(struct wss_strbuf *b, size_t *len)
{
    char *out = b->is_failed ? NULL : b->data;
    if (len != NULL)
        *len = out != NULL ? b->len : 0;
    if (out == NULL)
        free(b->data);
    size_t max_len = b->max_len;
    wss_strbuf_init(b, max_len);
    return out;
}

void wss_strbuf_free(struct wss_strbuf *b)
{
    free(b->data);
    size_t max_len = b->max_len;
    wss_strbuf_init(b, max_len);
}
