/* SPDX-License-Identifier: Apache-2.0 */
/* parse.h: return codes and the error record shared by every parser in lib/ and the programs.
 * Does not: parse anything itself; each parser lives in its own unit.
 * Threads: the error record is caller-owned; nothing here is shared. */
#ifndef WSSCALE_PARSE_H
#define WSSCALE_PARSE_H

#include <stddef.h>

/* A parser returns bytes consumed (>= 0) or one of these. */
#define WSS_PARSE_INVALID    (-1) /* the input can never become valid; err says why */
#define WSS_PARSE_INCOMPLETE (-2) /* streams only: valid so far, feed more bytes */

/* Long enough for the apiserver's longest validation text (a bad key and value with both regex
 * explanations), so a Status message is never cut. */
#define WSS_PARSE_ERR_MSG_LEN 1024

struct wss_parse_err {
    size_t offset;                   /* byte offset into the input where parsing failed */
    char msg[WSS_PARSE_ERR_MSG_LEN]; /* NUL-terminated, one line, no trailing period */
};

/* Fills err (if non-NULL) with offset and a printf-style message, truncated to fit; returns
 * WSS_PARSE_INVALID so a parser can `return wss_parse_fail(...)`. Thread-safe. */
int wss_parse_fail(struct wss_parse_err *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Room for one byte as wss_parse_describe_byte writes it, with its NUL. */
#define WSS_PARSE_BYTE_TEXT_LEN 8

/* Writes one input byte as an error message shows it: 'x' when printable ASCII, \xNN otherwise,
 * so a message stays one line of plain text. Pure; thread-safe. */
void wss_parse_describe_byte(char c, char out[WSS_PARSE_BYTE_TEXT_LEN]);

#endif
