/* SPDX-License-Identifier: Apache-2.0 */
/* http_head.h: lib-internal HTTP/1.1 head scanning shared by the two sides of the WebSocket
 * handshake: tchar and list tests, CRLF lines, and a walk over the start line and header lines.
 * Does not: know WebSocket rules, allocate, do I/O, or belong to the public API (lib/ only).
 * Threads: any; functions touch only the caller's buffers. */
#ifndef WSSCALE_HTTP_HEAD_H
#define WSSCALE_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "wsscale/parse.h"

/* True for an RFC 9110 tchar (methods, header names, list tokens). Pure; thread-safe. */
bool wss__http_head_is_tchar(unsigned char c);

/* True for optional whitespace: space or horizontal tab. Pure; thread-safe. */
bool wss__http_head_is_ows(char c);

/* True if s[0..n) equals the NUL-terminated lit, ignoring ASCII case unless is_case_sensitive.
 * Pure; thread-safe. */
bool wss__http_head_equals(const char *s, size_t n, const char *lit, bool is_case_sensitive);

/* Called for one list element e[0..n); returning true stops the walk. */
typedef bool (*wss__http_head_element_cb)(const char *e, size_t n, const void *arg);

/* Calls visit for each non-empty element of the comma-separated list v[0..n), trimmed of
 * whitespace (RFC 9110 section 5.6.1); true as soon as visit is. Pure if visit is; thread-safe. */
bool wss__http_head_list_any(const char *v, size_t n, wss__http_head_element_cb visit,
                             const void *arg);

/* True if the list v[0..n) holds token, compared as wss__http_head_equals does. Pure;
 * thread-safe. */
bool wss__http_head_list_has(const char *v, size_t n, const char *token, bool is_case_sensitive);

/* One header line, split at the first colon, the value trimmed of OWS. */
struct wss__http_header {
    const char *name; /* borrowed; into the walked buffer */
    size_t name_len;
    const char *value; /* borrowed; into the walked buffer */
    size_t value_len;
    size_t off;       /* offset of the line in the buffer */
    size_t value_off; /* offset of the trimmed value in the buffer */
};

/* True if h names the header lit (lowercase), ignoring ASCII case. Pure; thread-safe. */
bool wss__http_head_name_is(const struct wss__http_header *h, const char *lit);

/* The start line, line[0..n) at offset 0 of the buffer; returns 0, or WSS_PARSE_INVALID after
 * filling the caller's own error record (carried in arg). */
typedef int (*wss__http_head_line_cb)(void *arg, const char *line, size_t n);

/* One header line; returns 0, or WSS_PARSE_INVALID after filling the caller's error record. */
typedef int (*wss__http_head_header_cb)(void *arg, const struct wss__http_header *h);

/* How one side walks its head: the size cap, the callbacks and its error texts. */
struct wss__http_head_ops {
    size_t max_head; /* bytes; a head not ended within them is refused */
    wss__http_head_line_cb start_line;
    wss__http_head_header_cb header;
    struct {
        const char *head;          /* the head inside a sentence, e.g. "request head" */
        const char *cr_without_lf; /* each of the rest is a whole message */
        const char *bare_lf;
        const char *folding;
        const char *no_colon;
        const char *empty_name;
        const char *bad_name_char;
    } texts;
};

/* What a finished walk saw. */
struct wss__http_head {
    const char *headers; /* borrowed; the header lines, CRLF-separated, without the blank line */
    size_t headers_len;
    int status; /* after the walk's own INVALID: 400 (malformed line) or 431 (head too long) */
};

/* Walks the head in buf[0..len): CRLF lines (bare CR or LF and control bytes refused), the start
 * line, then each "name: value" header, up to the blank line. Returns the head's length with the
 * blank line and fills head; WSS_PARSE_INCOMPLETE while it may still end within ops->max_head;
 * WSS_PARSE_INVALID with err filled (head->status set) or from a callback (head->status 0).
 * Pure if the callbacks are; thread-safe. */
int wss__http_head_walk(const char *buf, size_t len, const struct wss__http_head_ops *ops,
                        void *arg, struct wss__http_head *head, struct wss_parse_err *err);

#endif
