/* SPDX-License-Identifier: Apache-2.0 */
/* http_head.c: the HTTP/1.1 head scanner behind both WebSocket handshake parsers (RFC 9112
 * message syntax, RFC 9110 tokens and lists).
 * Does not: interpret any header, allocate, or do I/O; the callbacks decide what lines mean.
 * Threads: any; functions touch only the caller's buffers. */
#include "http_head.h"

#include <string.h>

/* Statuses a server answers to the walk's own refusals. */
#define STATUS_BAD_REQUEST    400
#define STATUS_HEAD_TOO_LARGE 431

bool wss__http_head_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool wss__http_head_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

bool wss__http_head_equals(const char *s, size_t n, const char *lit, bool is_case_sensitive)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)s[i];
        unsigned char b = (unsigned char)lit[i];
        if (b == '\0')
            return false;
        if (is_case_sensitive ? a != b : ascii_lower(a) != ascii_lower(b))
            return false;
    }
    return lit[n] == '\0';
}

bool wss__http_head_list_any(const char *v, size_t n, wss__http_head_element_cb visit,
                             const void *arg)
{
    size_t i = 0;
    /* Each pass moves i forward by at least one byte or ends the loop. */
    while (i < n) {
        while (i < n && (wss__http_head_is_ows(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && wss__http_head_is_ows(v[end - 1]))
            end--;
        if (end > start && visit(v + start, end - start, arg))
            return true;
    }
    return false;
}

static bool element_is_literal(const char *e, size_t n, const void *arg)
{
    return wss__http_head_equals(e, n, arg, true);
}

static bool element_is_literal_nocase(const char *e, size_t n, const void *arg)
{
    return wss__http_head_equals(e, n, arg, false);
}

bool wss__http_head_list_has(const char *v, size_t n, const char *token, bool is_case_sensitive)
{
    return wss__http_head_list_any(
        v, n, is_case_sensitive ? element_is_literal : element_is_literal_nocase, token);
}

bool wss__http_head_name_is(const struct wss__http_header *h, const char *lit)
{
    return wss__http_head_equals(h->name, h->name_len, lit, false);
}

/* Fills err and head->status for a refusal of the walk's own. */
#define FAIL(http_status, offset, ...)                                                             \
    (head->status = (http_status), wss_parse_fail(err, (offset), __VA_ARGS__))

/* Finds the CRLF that ends the line starting at pos, looking no further than limit. Returns 1
 * with *eol at the CR, 0 if the line is unfinished, or INVALID for a bare CR or LF or a control
 * byte, which no later byte can repair (so they fail before the head is complete). */
static int find_line(const char *buf, size_t limit, size_t pos, size_t *eol,
                     const struct wss__http_head_ops *ops, struct wss__http_head *head,
                     struct wss_parse_err *err)
{
    for (size_t i = pos; i < limit; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\r') {
            if (i + 1 == limit)
                return 0;
            if (buf[i + 1] != '\n')
                return FAIL(STATUS_BAD_REQUEST, i, "%s", ops->texts.cr_without_lf);
            *eol = i;
            return 1;
        }
        if (c == '\n')
            return FAIL(STATUS_BAD_REQUEST, i, "%s", ops->texts.bare_lf);
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return FAIL(STATUS_BAD_REQUEST, i, "control byte 0x%02X in the %s", c, ops->texts.head);
    }
    return 0;
}

/* The head has not ended within what we have: wait for more, unless it is already too long. */
static int unfinished(size_t len, const struct wss__http_head_ops *ops, struct wss__http_head *head,
                      struct wss_parse_err *err)
{
    if (len >= ops->max_head)
        return FAIL(STATUS_HEAD_TOO_LARGE, ops->max_head, "%s over %zu bytes", ops->texts.head,
                    ops->max_head);
    return WSS_PARSE_INCOMPLETE;
}

/* Splits the "name: value" line at buf[off..off+n) and hands it to ops->header. */
static int parse_header(const char *buf, size_t off, size_t n, const struct wss__http_head_ops *ops,
                        void *arg, struct wss__http_head *head, struct wss_parse_err *err)
{
    struct wss__http_header h = {.name = buf + off, .off = off};
    const char *colon;

    if (wss__http_head_is_ows(h.name[0]))
        return FAIL(STATUS_BAD_REQUEST, off, "%s", ops->texts.folding);
    colon = memchr(h.name, ':', n);
    if (colon == NULL)
        return FAIL(STATUS_BAD_REQUEST, off, "%s", ops->texts.no_colon);
    h.name_len = (size_t)(colon - h.name);
    if (h.name_len == 0)
        return FAIL(STATUS_BAD_REQUEST, off, "%s", ops->texts.empty_name);
    for (size_t i = 0; i < h.name_len; i++)
        if (!wss__http_head_is_tchar((unsigned char)h.name[i]))
            return FAIL(STATUS_BAD_REQUEST, off + i, "%s", ops->texts.bad_name_char);
    h.value = colon + 1;
    h.value_len = n - h.name_len - 1;
    while (h.value_len > 0 && wss__http_head_is_ows(h.value[0])) {
        h.value++;
        h.value_len--;
    }
    while (h.value_len > 0 && wss__http_head_is_ows(h.value[h.value_len - 1]))
        h.value_len--;
    h.value_off = (size_t)(h.value - buf);
    return ops->header(arg, &h);
}

int wss__http_head_walk(const char *buf, size_t len, const struct wss__http_head_ops *ops,
                        void *arg, struct wss__http_head *head, struct wss_parse_err *err)
{
    size_t limit = len < ops->max_head ? len : ops->max_head;
    size_t pos, eol = 0, headers_start;
    int rc;

    memset(head, 0, sizeof(*head));
    rc = find_line(buf, limit, 0, &eol, ops, head, err);
    if (rc <= 0)
        return rc < 0 ? rc : unfinished(len, ops, head, err);
    if (ops->start_line(arg, buf, eol) < 0)
        return WSS_PARSE_INVALID;
    pos = headers_start = eol + 2;
    /* Each pass consumes a line of at least 2 bytes and pos never passes limit. */
    while (pos < limit) {
        rc = find_line(buf, limit, pos, &eol, ops, head, err);
        if (rc <= 0)
            return rc < 0 ? rc : unfinished(len, ops, head, err);
        if (eol == pos) {
            head->headers = buf + headers_start;
            head->headers_len = pos - headers_start;
            return (int)(pos + 2);
        }
        if (parse_header(buf, pos, eol - pos, ops, arg, head, err) < 0)
            return WSS_PARSE_INVALID;
        pos = eol + 2;
    }
    return unfinished(len, ops, head, err);
}
