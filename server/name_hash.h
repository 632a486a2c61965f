/* SPDX-License-Identifier: Apache-2.0 */
/* name_hash.h: an intrusive chained hash table of short names (room names), doubling as it grows;
 * the rooms registry, each thread's room table and the Redis subscription table are built on it.
 * Does not: allocate or free entries, lock, or know what embeds a key.
 * Threads: none of its own; a table belongs to whoever guards it (a mutex, or one thread). */
#ifndef WSSCALE_SERVER_NAME_HASH_H
#define WSSCALE_SERVER_NAME_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Longest name a key holds, in bytes (ROOM_NAME_MAX). */
#define NAME_HASH_KEY_MAX 64

/* Embedded first in each entry, so a struct name_key * converts to the entry's pointer. */
struct name_key {
    struct name_key *next;        /* private: bucket chain */
    uint32_t hash;                /* private */
    uint8_t len;                  /* public, read-only */
    char name[NAME_HASH_KEY_MAX]; /* public, read-only: not NUL-terminated */
};

/* Zero-initialise; name_hash_release() frees the buckets. */
struct name_hash {
    struct name_key **buckets; /* private, owned */
    size_t nbuckets;           /* private */
    size_t count;              /* public, read-only: entries linked */
};

/* The hash of s[0..len) that find and key_set take (FNV-1a). Pure. */
uint32_t name_hash_of(const char *s, size_t len);

/* Fills k with s[0..len) (len <= NAME_HASH_KEY_MAX) and its hash hv, unlinked. */
void name_key_set(struct name_key *k, const char *s, size_t len, uint32_t hv);

/* The entry named s[0..len) whose hash is hv, or NULL. */
struct name_key *name_hash_find(const struct name_hash *h, const char *s, size_t len, uint32_t hv);

/* Links k (not already in h; its name not in h either). 0, or -ENOMEM growing the buckets (k is
 * then not linked). */
int name_hash_insert(struct name_hash *h, struct name_key *k);

/* Unlinks k, which must be in h. */
void name_hash_remove(struct name_hash *h, struct name_key *k);

/* The first entry in bucket order, or NULL when empty; with name_hash_next() it visits each entry
 * once if nothing is inserted meanwhile. Removing the current entry is fine once its successor
 * has been fetched. */
struct name_key *name_hash_first(const struct name_hash *h);

/* The entry after k in bucket order, or NULL. */
struct name_key *name_hash_next(const struct name_hash *h, const struct name_key *k);

/* Frees the bucket array (not the entries) and empties h. */
void name_hash_release(struct name_hash *h);

#endif
