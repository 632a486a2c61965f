/* SPDX-License-Identifier: Apache-2.0 */
/* review_cache.c: a fixed ring of entries (the next slot to fill holds the oldest entry) with a
 * chained hash index over it, so lookup, insert and eviction are O(1).
 * Does not: read a clock; callers pass the time, so tests control it.
 * Threads: every public function takes c->lock. */
#include "review_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#define NO_ENTRY (-1)

struct entry {
    bool is_used;
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    int64_t expires_ms;
    struct review_answer answer; /* owned */
    long next;                   /* next entry in the same bucket, or NO_ENTRY */
};

struct review_cache {
    pthread_mutex_t lock;
    struct entry *entries; /* max entries, a ring; under lock */
    size_t max;
    size_t next_slot; /* the slot the next put fills; under lock */
    size_t count;     /* under lock */
    long *buckets;    /* nbuckets heads; under lock */
    size_t nbuckets;  /* a power of two */
};

int review_answer_copy(struct review_answer *dst, const struct review_answer *src)
{
    *dst = (struct review_answer){.result = src->result};
    const struct user_info *u = &src->user;
    bool ok = (src->reason == NULL || (dst->reason = strdup(src->reason)) != NULL) &&
              (u->name == NULL || user_info_set_name(&dst->user, u->name) == 0) &&
              (u->uid == NULL || user_info_set_uid(&dst->user, u->uid) == 0);
    for (size_t i = 0; ok && i < u->ngroups; i++)
        ok = user_info_add_group(&dst->user, u->groups[i]) == 0;
    for (size_t i = 0; ok && i < u->nextra; i++)
        for (size_t j = 0; ok && j < u->extra[i].nvalues; j++)
            ok = user_info_add_extra(&dst->user, u->extra[i].key, u->extra[i].values[j]) == 0;
    if (!ok)
        review_answer_clear(dst);
    return ok ? 0 : -1;
}

void review_answer_clear(struct review_answer *a)
{
    free(a->reason);
    user_info_clear(&a->user);
    *a = (struct review_answer){0};
}

struct review_cache *review_cache_new(size_t max_entries)
{
    if (max_entries == 0)
        max_entries = 1;
    struct review_cache *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->max = max_entries;
    c->nbuckets = 1;
    while (c->nbuckets < max_entries)
        c->nbuckets <<= 1;
    c->entries = calloc(c->max, sizeof(*c->entries));
    c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
    if (c->entries == NULL || c->buckets == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->entries);
        free(c->buckets);
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->nbuckets; i++)
        c->buckets[i] = NO_ENTRY;
    return c;
}

void review_cache_free(struct review_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->max; i++)
        review_answer_clear(&c->entries[i].answer);
    pthread_mutex_destroy(&c->lock);
    free(c->entries);
    free(c->buckets);
    free(c);
}

void review_cache_key(const void *data, size_t len, uint8_t key[REVIEW_CACHE_KEY_LEN])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, REVIEW_CACHE_KEY_LEN, key);
}

/* The key is a hash already: its first bytes index the buckets evenly. */
static size_t bucket_of(const struct review_cache *c, const uint8_t *key)
{
    uint32_t v;
    memcpy(&v, key, sizeof(v));
    return v & (c->nbuckets - 1);
}

static long find(const struct review_cache *c, const uint8_t *key)
{
    for (long i = c->buckets[bucket_of(c, key)]; i != NO_ENTRY; i = c->entries[i].next)
        if (memcmp(c->entries[i].key, key, REVIEW_CACHE_KEY_LEN) == 0)
            return i;
    return NO_ENTRY;
}

static void drop(struct review_cache *c, long slot)
{
    struct entry *e = &c->entries[slot];
    long *link = &c->buckets[bucket_of(c, e->key)];
    while (*link != slot)
        link = &c->entries[*link].next;
    *link = e->next;
    review_answer_clear(&e->answer);
    *e = (struct entry){0};
    c->count--;
}

bool review_cache_get(struct review_cache *c, const uint8_t key[REVIEW_CACHE_KEY_LEN],
                      int64_t now_ms, struct review_answer *out)
{
    bool found = false;
    if (pthread_mutex_lock(&c->lock) != 0)
        return false;
    long i = find(c, key);
    if (i != NO_ENTRY && c->entries[i].expires_ms <= now_ms)
        drop(c, i);
    else if (i != NO_ENTRY)
        found = review_answer_copy(out, &c->entries[i].answer) == 0;
    pthread_mutex_unlock(&c->lock);
    return found;
}

int review_cache_put(struct review_cache *c, const uint8_t key[REVIEW_CACHE_KEY_LEN],
                     const struct review_answer *a, int64_t expires_ms)
{
    struct review_answer copy;
    if (review_answer_copy(&copy, a) != 0)
        return -1;
    if (pthread_mutex_lock(&c->lock) != 0) {
        review_answer_clear(&copy);
        return -1;
    }
    long old = find(c, key);
    if (old != NO_ENTRY)
        drop(c, old);
    long slot = (long)c->next_slot;
    if (c->entries[slot].is_used)
        drop(c, slot);
    struct entry *e = &c->entries[slot];
    e->is_used = true;
    memcpy(e->key, key, REVIEW_CACHE_KEY_LEN);
    e->expires_ms = expires_ms;
    e->answer = copy;
    size_t b = bucket_of(c, key);
    e->next = c->buckets[b];
    c->buckets[b] = slot;
    c->count++;
    c->next_slot = (c->next_slot + 1) % c->max;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

size_t review_cache_count(struct review_cache *c)
{
    size_t n = 0;
    if (pthread_mutex_lock(&c->lock) == 0) {
        n = c->count;
        pthread_mutex_unlock(&c->lock);
    }
    return n;
}
