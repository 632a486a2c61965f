/* SPDX-License-Identifier: Apache-2.0 */
/* name_hash.c: the chained hash of short names: FNV-1a, power-of-two buckets, doubling when the
 * entries outnumber the buckets.
 * Does not: allocate entries or shrink; a table only grows until released.
 * Threads: none; callers guard each table. */
#include "name_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* First bucket count of a table. */
#define FIRST_BUCKETS 16

/* FNV-1a: short keys, and no adversary gains much from collisions in a table that only grows. */
uint32_t name_hash_of(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void name_key_set(struct name_key *k, const char *s, size_t len, uint32_t hv)
{
    k->next = NULL;
    k->hash = hv;
    k->len = (uint8_t)len;
    memcpy(k->name, s, len);
}

struct name_key *name_hash_find(const struct name_hash *h, const char *s, size_t len, uint32_t hv)
{
    if (!h->nbuckets)
        return NULL;
    for (struct name_key *k = h->buckets[hv & (h->nbuckets - 1)]; k; k = k->next)
        if (k->hash == hv && k->len == len && memcmp(k->name, s, len) == 0)
            return k;
    return NULL;
}

int name_hash_insert(struct name_hash *h, struct name_key *k)
{
    if (h->count >= h->nbuckets) {
        size_t n = h->nbuckets ? h->nbuckets * 2 : FIRST_BUCKETS;
        struct name_key **b = calloc(n, sizeof(*b));
        if (!b)
            return -ENOMEM;
        for (size_t i = 0; i < h->nbuckets; i++) {
            for (struct name_key *e = h->buckets[i], *next; e; e = next) {
                next = e->next;
                e->next = b[e->hash & (n - 1)];
                b[e->hash & (n - 1)] = e;
            }
        }
        free(h->buckets);
        h->buckets = b;
        h->nbuckets = n;
    }
    struct name_key **slot = &h->buckets[k->hash & (h->nbuckets - 1)];
    k->next = *slot;
    *slot = k;
    h->count++;
    return 0;
}

void name_hash_remove(struct name_hash *h, struct name_key *k)
{
    for (struct name_key **p = &h->buckets[k->hash & (h->nbuckets - 1)]; *p; p = &(*p)->next) {
        if (*p == k) {
            *p = k->next;
            h->count--;
            return;
        }
    }
}

static struct name_key *first_from(const struct name_hash *h, size_t bucket)
{
    for (size_t i = bucket; i < h->nbuckets; i++)
        if (h->buckets[i])
            return h->buckets[i];
    return NULL;
}

struct name_key *name_hash_first(const struct name_hash *h)
{
    return first_from(h, 0);
}

struct name_key *name_hash_next(const struct name_hash *h, const struct name_key *k)
{
    if (k->next)
        return k->next;
    return first_from(h, (k->hash & (h->nbuckets - 1)) + 1);
}

void name_hash_release(struct name_hash *h)
{
    free(h->buckets);
    h->buckets = NULL;
    h->nbuckets = h->count = 0;
}
