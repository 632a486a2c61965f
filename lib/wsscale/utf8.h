/* SPDX-License-Identifier: Apache-2.0 */
/* utf8.h: an incremental UTF-8 validator (WebSocket text and close reasons, exposition text).
 * Does not: decode code points, copy bytes, or know about frames; it only says valid or not.
 * Threads: a validator belongs to one connection; callers own and zero-initialise it. */
#ifndef WSSCALE_UTF8_H
#define WSSCALE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results of wss_utf8_feed and wss_utf8_finish. */
enum wss_utf8_result {
    WSS_UTF8_OK = 0,         /* everything so far is valid and ends on a code point boundary */
    WSS_UTF8_INCOMPLETE = 1, /* valid so far, but a code point is still open */
    WSS_UTF8_INVALID = -1,   /* some byte can never be part of valid UTF-8 */
};

/* Validator state: zero-initialise (or wss_utf8_reset) before the first byte of a message. */
struct wss_utf8 {
    uint8_t state; /* private: the DFA state between calls */
};

/* Forgets any open code point, ready for a new message. Cannot fail; not shared. */
void wss_utf8_reset(struct wss_utf8 *v);

/* Validates the next n bytes of a stream that may split code points anywhere. Fails fast: returns
 * WSS_UTF8_INVALID as soon as a byte makes the prefix impossible to complete (overlong forms,
 * surrogates, code points above U+10FFFF, stray continuation bytes) and, if bad_at is non-NULL,
 * stores that byte's index in p there. Once invalid, stays invalid until reset. */
enum wss_utf8_result wss_utf8_feed(struct wss_utf8 *v, const uint8_t *p, size_t n, size_t *bad_at);

/* At the end of a message: WSS_UTF8_OK if the text is complete, WSS_UTF8_INCOMPLETE if it stops
 * inside a code point, WSS_UTF8_INVALID if an earlier feed failed. Does not change v. */
enum wss_utf8_result wss_utf8_finish(const struct wss_utf8 *v);

/* Validates a whole buffer in one call (a close reason, a header value): true if valid and
 * complete. Pure; thread-safe. */
bool wss_utf8_is_valid(const uint8_t *p, size_t n);

#endif
