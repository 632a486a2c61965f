/* SPDX-License-Identifier: Apache-2.0 */
/* store_gone.h: the store's bounded memory of pod UIDs the pod watch said are gone, each until a
 * deadline, so a report that arrives late for a deleted pod does not bring it back.
 * Does not: lock (the store calls it under its write lock), allocate after new, or know pods.
 * Threads: none of its own; the caller serialises every call. */
#ifndef ADAPTER_STORE_GONE_H
#define ADAPTER_STORE_GONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_GONE_WAYS    8   /* UIDs per bucket: a lookup compares at most this many */
#define STORE_GONE_BUCKETS 512 /* so STORE_GONE_WAYS x this = 4096 UIDs remembered at once */
#define STORE_GONE_UID_MAX 64  /* bytes of a UID (as STORE_UID_MAX) */

struct store_gone;

/* An empty table; NULL when out of memory. Free with store_gone_free(). */
struct store_gone *store_gone_new(void);

/* Frees the table; accepts NULL. */
void store_gone_free(struct store_gone *g);

/* Remembers uid as gone until until_ms (a UID over STORE_GONE_UID_MAX bytes is ignored). When its
 * bucket is full of live UIDs the one that expires first is forgotten. Cannot fail. */
void store_gone_add(struct store_gone *g, const char *uid, size_t len, int64_t until_ms);

/* True when uid was said gone and its deadline is after now_ms. O(STORE_GONE_WAYS). */
bool store_gone_has(const struct store_gone *g, const char *uid, size_t len, int64_t now_ms);

#endif
