/* SPDX-License-Identifier: Apache-2.0 */
/* store_gone.c: a set-associative table of gone UIDs: the UID's hash picks a bucket of
 * STORE_GONE_WAYS slots, so both memory and the cost of a lookup are fixed.
 * Does not: lock or log.
 * Threads: the caller serialises every call (the store's write lock). */
#include "store_gone.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    int64_t until_ms; /* 0: free */
    uint8_t len;
    char uid[STORE_GONE_UID_MAX];
};

struct store_gone {
    struct slot slots[STORE_GONE_BUCKETS][STORE_GONE_WAYS];
};

/* FNV-1a: UIDs are random, any spread is enough. */
static size_t bucket_of(const char *uid, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)uid[i]) * 1099511628211ULL;
    return (size_t)(h % STORE_GONE_BUCKETS);
}

struct store_gone *store_gone_new(void)
{
    return calloc(1, sizeof(struct store_gone));
}

void store_gone_free(struct store_gone *g)
{
    free(g);
}

static bool is_uid(const struct slot *s, const char *uid, size_t len)
{
    return s->len == len && memcmp(s->uid, uid, len) == 0;
}

void store_gone_add(struct store_gone *g, const char *uid, size_t len, int64_t until_ms)
{
    if (len == 0 || len > STORE_GONE_UID_MAX)
        return;
    struct slot *b = g->slots[bucket_of(uid, len)], *victim = &b[0];
    for (size_t i = 0; i < STORE_GONE_WAYS; i++) {
        if (b[i].until_ms != 0 && is_uid(&b[i], uid, len)) {
            victim = &b[i];
            break;
        }
        if (b[i].until_ms < victim->until_ms)
            victim = &b[i];
    }
    victim->until_ms = until_ms;
    victim->len = (uint8_t)len;
    memcpy(victim->uid, uid, len);
}

bool store_gone_has(const struct store_gone *g, const char *uid, size_t len, int64_t now_ms)
{
    if (len == 0 || len > STORE_GONE_UID_MAX)
        return false;
    const struct slot *b = g->slots[bucket_of(uid, len)];
    for (size_t i = 0; i < STORE_GONE_WAYS; i++)
        if (b[i].until_ms > now_ms && is_uid(&b[i], uid, len))
            return true;
    return false;
}
