/* SPDX-License-Identifier: Apache-2.0 */
/* strbuf.h: a growable byte buffer for building replies (exposition text, JSON, log lines).
 * Does not: format numbers itself beyond printf, or grow past the cap its owner sets.
 * Threads: a buffer belongs to one thread at a time; nothing is shared. */
#ifndef WSSCALE_STRBUF_H
#define WSSCALE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct wss_strbuf {
    char *data;     /* owned; always NUL-terminated once anything was appended; NULL when empty */
    size_t len;     /* public, read-only: bytes used, not counting the NUL */
    size_t cap;     /* private: bytes allocated */
    size_t max_len; /* public: 0 = unlimited; appends past it fail and set is_failed */
    bool is_failed; /* public, read-only: an append failed (out of memory or past max_len) */
};

/* Zero-initialise a struct wss_strbuf to start; or use this to set a length cap. */
void wss_strbuf_init(struct wss_strbuf *b, size_t max_len);

/* wss_strbuf_append when the bytes do not fit yet (strbuf.c): grows, then appends; or fails. */
int wss__strbuf_append_grow(struct wss_strbuf *b, const char *s, size_t n);

/* Appends n bytes. Returns 0, or -1 (and sets is_failed) on allocation failure or past max_len;
 * after a failure every later append fails too, so callers may check once at the end. Inline
 * because documents are written a few bytes at a time (a 500-pod JSON list makes ~10,000 calls):
 * when the bytes fit, the call is one copy. */
static inline int wss_strbuf_append(struct wss_strbuf *b, const char *s, size_t n)
{
    /* Room for n bytes and the NUL (cap is 0 until the first growth), within max_len. */
    if (!b->is_failed && n < b->cap - b->len && (b->max_len == 0 || n <= b->max_len - b->len)) {
        if (n > 0)
            memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return wss__strbuf_append_grow(b, s, n);
}

/* Appends a NUL-terminated string; as wss_strbuf_append. */
int wss_strbuf_puts(struct wss_strbuf *b, const char *s);

/* Appends printf-style text; as wss_strbuf_append. */
int wss_strbuf_printf(struct wss_strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forgets the contents but keeps the allocation and the cap, and clears is_failed. */
void wss_strbuf_reset(struct wss_strbuf *b);

/* Hands the bytes to the caller (free with free()) and leaves b empty; NULL if nothing was
 * appended or an append failed. */
char *wss_strbuf_take(struct wss_strbuf *b, size_t *len);

/* Frees the contents; accepts a zeroed or already-freed buffer. */
void wss_strbuf_free(struct wss_strbuf *b);

#endif
