/* SPDX-License-Identifier: Apache-2.0 */
/* review_cache.h: the answers of TokenReviews and SubjectAccessReviews, kept for a while under
 * the SHA-256 of the question, each with its own expiry; bounded, the oldest entry goes first.
 * Does not: build questions, talk to the API, or keep a token (only its hash is a key).
 * Threads: every function is thread-safe; the table is under one mutex. */
#ifndef ADAPTER_REVIEW_CACHE_H
#define ADAPTER_REVIEW_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user_info.h"

#define REVIEW_CACHE_KEY_LEN 32 /* bytes of a SHA-256 */

/* One cached answer. */
struct review_answer {
    int result;            /* the reviewer's result code */
    char *reason;          /* owned or NULL: the rejection or denial reason */
    struct user_info user; /* owned; filled by token reviews only */
};

/* Deep-copies src into dst (all zero before). Returns 0, or -1 when out of memory (dst is left
 * cleared). Thread-safe for distinct dst. */
int review_answer_copy(struct review_answer *dst, const struct review_answer *src);

/* Frees the strings of a and zeroes it; accepts an all-zero a. */
void review_answer_clear(struct review_answer *a);

struct review_cache;

/* A cache of at most max_entries answers (at least 1). NULL when out of memory. */
struct review_cache *review_cache_new(size_t max_entries);

/* Frees the cache and every answer; accepts NULL. No call may be running. */
void review_cache_free(struct review_cache *c);

/* key = SHA-256 of len bytes at data. Pure; thread-safe. */
void review_cache_key(const void *data, size_t len, uint8_t key[REVIEW_CACHE_KEY_LEN]);

/* True with a copy of the answer in *out (all zero before) when key has an entry that expires
 * after now_ms; an expired entry is dropped. False when absent, expired or out of memory.
 * Thread-safe. */
bool review_cache_get(struct review_cache *c, const uint8_t key[REVIEW_CACHE_KEY_LEN],
                      int64_t now_ms, struct review_answer *out);

/* Stores a copy of a under key until expires_ms (monotonic ms), replacing any entry for key and
 * evicting the oldest entry when full. Returns 0, or -1 when out of memory (nothing stored).
 * Thread-safe. */
int review_cache_put(struct review_cache *c, const uint8_t key[REVIEW_CACHE_KEY_LEN],
                     const struct review_answer *a, int64_t expires_ms);

/* Entries held, fresh or not yet dropped. Thread-safe. */
size_t review_cache_count(struct review_cache *c);

#endif
