/* SPDX-License-Identifier: Apache-2.0 */
/* json_writer.h: appends JSON strings and integers to a wss_strbuf, for documents built straight
 * into one buffer (the metrics API's pod lists) instead of a tree of allocated nodes.
 * Does not: check document structure (the caller writes braces, commas and colons), parse JSON,
 * or validate UTF-8 (bytes >= 0x80 pass through as they are, as cJSON does).
 * Threads: no state; a buffer belongs to one thread at a time (see strbuf.h). */
#ifndef WSSCALE_JSON_WRITER_H
#define WSSCALE_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/strbuf.h"

/* Appends s[0, len) as a quoted JSON string: " and \ escaped, \b \f \n \r \t for those controls,
 * \u00XX for the other bytes below 0x20, everything else verbatim. Returns 0, or -1 when the
 * buffer fails (see wss_strbuf_append). Thread-safe on distinct buffers. */
int wss_json_writer_string(struct wss_strbuf *b, const char *s, size_t len);

/* As wss_json_writer_string for a NUL-terminated string. */
int wss_json_writer_cstring(struct wss_strbuf *b, const char *s);

/* Appends "key": (quoted and escaped as wss_json_writer_string, then a colon). Returns 0 or -1
 * as wss_strbuf_append. Thread-safe on distinct buffers. */
int wss_json_writer_key(struct wss_strbuf *b, const char *key);

/* Appends v as a JSON integer in decimal. Returns 0 or -1 as wss_strbuf_append. Thread-safe on
 * distinct buffers. */
int wss_json_writer_int(struct wss_strbuf *b, int64_t v);

#endif
