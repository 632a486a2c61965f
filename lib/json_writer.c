/* SPDX-License-Identifier: Apache-2.0 */
/* json_writer.c: JSON string escaping and integers appended to a strbuf.
 * Does not: allocate beyond the strbuf's own growth, or keep any state between calls.
 * Threads: none of its own; the caller owns the buffer. */
#include "wsscale/json_writer.h"

#include <string.h>

/* The longest escape: \u00XX. */
#define ESCAPE_MAX 6
/* Decimal digits of INT64_MIN with its sign. */
#define INT64_TEXT_MAX 20

/* Writes the escape for byte c into out, returning its length, or 0 when c needs none. */
static size_t escape(unsigned char c, char out[ESCAPE_MAX])
{
    static const char hex[] = "0123456789abcdef";
    char short_form = 0;
    switch (c) {
    case '"':
        short_form = '"';
        break;
    case '\\':
        short_form = '\\';
        break;
    case '\b':
        short_form = 'b';
        break;
    case '\f':
        short_form = 'f';
        break;
    case '\n':
        short_form = 'n';
        break;
    case '\r':
        short_form = 'r';
        break;
    case '\t':
        short_form = 't';
        break;
    default:
        if (c >= 0x20)
            return 0;
        memcpy(out, "\\u00", 4);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 0xf];
        return ESCAPE_MAX;
    }
    out[0] = '\\';
    out[1] = short_form;
    return 2;
}

static int needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

int wss_json_writer_string(struct wss_strbuf *b, const char *s, size_t len)
{
    /* Names and values rarely need escaping: find the first byte that does, copy up to it in one
     * append, and go byte by byte only after it. */
    size_t i = 0;
    while (i < len && !needs_escape((unsigned char)s[i]))
        i++;
    wss_strbuf_append(b, "\"", 1);
    wss_strbuf_append(b, s, i);
    size_t run = i; /* start of the bytes not yet copied */
    char esc[ESCAPE_MAX];
    for (; i < len; i++) {
        size_t n = escape((unsigned char)s[i], esc);
        if (n == 0)
            continue;
        wss_strbuf_append(b, s + run, i - run);
        wss_strbuf_append(b, esc, n);
        run = i + 1;
    }
    wss_strbuf_append(b, s + run, len - run);
    return wss_strbuf_append(b, "\"", 1);
}

int wss_json_writer_cstring(struct wss_strbuf *b, const char *s)
{
    return wss_json_writer_string(b, s, strlen(s));
}

int wss_json_writer_key(struct wss_strbuf *b, const char *key)
{
    wss_json_writer_cstring(b, key);
    return wss_strbuf_append(b, ":", 1);
}

int wss_json_writer_int(struct wss_strbuf *b, int64_t v)
{
    char text[INT64_TEXT_MAX + 1];
    char *p = text + sizeof(text);
    /* Negate digit by digit in unsigned arithmetic so INT64_MIN needs no special case. */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return wss_strbuf_append(b, p, (size_t)(text + sizeof(text) - p));
}
