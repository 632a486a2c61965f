/* SPDX-License-Identifier: Apache-2.0 */
/* labels_file.c: parses the kubelet's downward-API labels file into labels, undoing the Go
 * quoting of each value.
 * Does not: read files, allocate, or judge values (the kubelet wrote what the API accepted).
 * Threads: any; writes only the caller's outputs. */
#include "wsscale/labels_file.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "wsscale/k8s_names.h"

struct cursor {
    const char *s;
    size_t len;
    size_t line; /* 1-based, for messages */
    struct wss_parse_err *err;
};

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads n hex digits at s[i..end); returns the number or -1. */
static long read_hex(const char *s, size_t i, size_t end, int n)
{
    long v = 0;
    if (end - i < (size_t)n)
        return -1;
    for (int k = 0; k < n; k++) {
        int d = hex_digit((unsigned char)s[i + (size_t)k]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the escape at s[i] == '\\' (the value ends before end) into out; returns the bytes it
 * spans in the input, or 0 if it is not one Go accepts in a double-quoted string. */
static size_t unescape(const char *s, size_t i, size_t end, char out[4], size_t *out_len)
{
    static const char letters[] = "abfnrtv\\\"";
    static const char bytes[] = "\a\b\f\n\r\t\v\\\"";
    if (i + 1 >= end)
        return 0;
    unsigned char c = (unsigned char)s[i + 1];
    const char *hit = memchr(letters, c, sizeof(letters) - 1);
    if (hit != NULL) {
        out[0] = bytes[hit - letters];
        *out_len = 1;
        return 2;
    }
    if (c == 'x') {
        long v = read_hex(s, i + 2, end, 2);
        if (v < 0)
            return 0;
        out[0] = (char)v;
        *out_len = 1;
        return 4;
    }
    if (c == 'u' || c == 'U') {
        int ndigits = c == 'u' ? 4 : 8;
        long v = read_hex(s, i + 2, end, ndigits);
        if (v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
            return 0;
        *out_len = utf8_encode((uint32_t)v, out);
        return 2 + (size_t)ndigits;
    }
    if (c >= '0' && c <= '7') {
        /* Exactly three octal digits, at most \377. */
        if (end - i < 4)
            return 0;
        int v = 0;
        for (size_t k = 1; k <= 3; k++) {
            unsigned char d = (unsigned char)s[i + k];
            if (d < '0' || d > '7')
                return 0;
            v = v * 8 + (d - '0');
        }
        if (v > 0xff)
            return 0;
        out[0] = (char)v;
        *out_len = 1;
        return 4;
    }
    return 0;
}

/* Parses the quoted value at s[start] == '"' on a line ending at end, into *out. */
static int parse_value(struct cursor *c, size_t start, size_t end, struct wss_label *out, char *buf,
                       size_t buf_len, size_t *buf_used)
{
    const char *s = c->s;
    size_t close = start + 1;
    int has_escape = 0;
    while (close < end && s[close] != '"') {
        unsigned char b = (unsigned char)s[close];
        if (b < 0x20 || b == 0x7f)
            return wss_parse_fail(c->err, close,
                                  "line %zu: control byte 0x%02x in value must be escaped", c->line,
                                  b);
        if (b == '\\') {
            has_escape = 1;
            close++; /* whatever follows is checked below; it cannot close the string */
        }
        close++;
    }
    if (close >= end)
        return wss_parse_fail(c->err, end, "line %zu: value has no closing quote", c->line);
    if (close + 1 != end)
        return wss_parse_fail(c->err, close + 1, "line %zu: unexpected text after the value",
                              c->line);
    if (!has_escape) {
        out->value = s + start + 1;
        out->value_len = close - start - 1;
        return 0;
    }

    char *dst = buf != NULL ? buf + *buf_used : NULL;
    size_t room = buf != NULL ? buf_len - *buf_used : 0;
    size_t n = 0;
    for (size_t i = start + 1; i < close;) {
        char tmp[4];
        size_t tmp_len = 1;
        size_t used = 1;
        tmp[0] = s[i];
        if (s[i] == '\\') {
            used = unescape(s, i, close, tmp, &tmp_len);
            if (used == 0) {
                unsigned char e = (unsigned char)s[i + 1];
                if (e > 0x20 && e < 0x7f)
                    return wss_parse_fail(c->err, i,
                                          "line %zu: invalid escape sequence starting '\\%c' "
                                          "in value",
                                          c->line, e);
                return wss_parse_fail(c->err, i, "line %zu: invalid escape sequence in value",
                                      c->line);
            }
        }
        if (tmp_len > room - n)
            return wss_parse_fail(c->err, i,
                                  "line %zu: no room to unescape the value (buffer of %zu "
                                  "bytes)",
                                  c->line, buf_len);
        memcpy(dst + n, tmp, tmp_len);
        n += tmp_len;
        i += used;
    }
    out->value = dst != NULL ? dst : s + start + 1; /* dst is NULL only when n == 0 */
    out->value_len = n;
    *buf_used += n;
    return 0;
}

int wss_labels_file_parse(const char *s, size_t len, struct wss_label *labels, size_t *nlabels,
                          char *buf, size_t buf_len, struct wss_parse_err *err)
{
    size_t cap = labels != NULL ? *nlabels : 0;
    size_t count = 0;
    size_t buf_used = 0;
    struct cursor c = {s, len, 0, err};
    *nlabels = 0;
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "labels file longer than %d bytes", INT_MAX);

    /* One turn per line; each moves past at least one byte. */
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - s) : len;
        c.line++;
        if (end == i) {
            size_t rest = i;
            while (rest < len && s[rest] == '\n')
                rest++;
            if (rest == len)
                break;
            return wss_parse_fail(err, i, "line %zu: empty line", c.line);
        }

        const char *eq = memchr(s + i, '=', end - i);
        if (eq == NULL)
            return wss_parse_fail(err, i, "line %zu: expected key=\"value\"", c.line);
        size_t key_len = (size_t)(eq - (s + i));
        char reasons[WSS_K8S_NAMES_MSG_LEN];
        char quoted[WSS_PARSE_ERR_MSG_LEN];
        if (wss_k8s_names_check_label_key(s + i, key_len, reasons, sizeof(reasons)) != 0) {
            wss_k8s_names_quote(s + i, key_len, quoted, sizeof(quoted));
            return wss_parse_fail(err, i, "line %zu: invalid label key %s: %s", c.line, quoted,
                                  reasons);
        }
        for (size_t k = 0; k < count; k++) {
            if (labels[k].key_len == key_len && memcmp(labels[k].key, s + i, key_len) == 0) {
                wss_k8s_names_quote(s + i, key_len, quoted, sizeof(quoted));
                return wss_parse_fail(err, i, "line %zu: duplicate label key %s", c.line, quoted);
            }
        }
        size_t vstart = key_len + i + 1;
        if (vstart >= end || s[vstart] != '"')
            return wss_parse_fail(err, vstart, "line %zu: value must be a double-quoted string",
                                  c.line);
        if (count >= cap)
            return wss_parse_fail(err, i, "line %zu: too many labels (limit %zu)", c.line, cap);
        struct wss_label *l = &labels[count];
        l->key = s + i;
        l->key_len = key_len;
        if (parse_value(&c, vstart, end, l, buf, buf_len, &buf_used) != 0)
            return WSS_PARSE_INVALID;
        count++;
        i = end + 1;
    }
    *nlabels = count;
    return (int)len;
}
