/* SPDX-License-Identifier: Apache-2.0 */
/* redis_subs.c: a name_hash of rooms, each with what this thread wants and what Redis is known to
 * hold, stepping one command at a time per room.
 * Does not: talk to Redis, or know channel names (the caller adds its prefix).
 * Threads: one loop thread per table. */
#include "redis_subs.h"

#include <errno.h>
#include <stdlib.h>

#include "name_hash.h"

_Static_assert(REDIS_SUBS_NAME_MAX == NAME_HASH_KEY_MAX, "a room name must fit a hash key");

/* Where a room stands on the current connection. */
enum state {
    IDLE = 0,      /* not subscribed; nothing in flight */
    SUBSCRIBING,   /* SUBSCRIBE sent, not confirmed */
    SUBSCRIBED,    /* confirmed */
    UNSUBSCRIBING, /* UNSUBSCRIBE sent, not confirmed */
};

struct entry {
    struct name_key key; /* first: a struct name_key * is a struct entry * */
    bool is_wanted;      /* the room has local members */
    unsigned char state; /* enum state */
};

struct redis_subs {
    struct name_hash table; /* of struct entry, owned */
    size_t subscribed;      /* entries in SUBSCRIBED */
    bool is_connected;
};

struct redis_subs *redis_subs_new(void)
{
    return calloc(1, sizeof(struct redis_subs));
}

void redis_subs_free(struct redis_subs *s)
{
    if (!s)
        return;
    for (struct name_key *k = name_hash_first(&s->table), *next; k; k = next) {
        next = name_hash_next(&s->table, k);
        free(k);
    }
    name_hash_release(&s->table);
    free(s);
}

static void forget(struct redis_subs *s, struct entry *e)
{
    name_hash_remove(&s->table, &e->key);
    free(e);
}

static void set_state(struct redis_subs *s, struct entry *e, enum state st)
{
    if (e->state == SUBSCRIBED)
        s->subscribed--;
    if (st == SUBSCRIBED)
        s->subscribed++;
    e->state = (unsigned char)st;
}

static struct entry *find(const struct redis_subs *s, const char *name, size_t len)
{
    if (len == 0 || len > REDIS_SUBS_NAME_MAX)
        return NULL;
    return (struct entry *)name_hash_find(&s->table, name, len, name_hash_of(name, len));
}

int redis_subs_want(struct redis_subs *s, const char *name, size_t len, bool want)
{
    if (len == 0 || len > REDIS_SUBS_NAME_MAX)
        return -EINVAL;
    struct entry *e = find(s, name, len);
    if (!e) {
        if (!want)
            return REDIS_SUBS_NONE;
        e = calloc(1, sizeof(*e));
        if (!e)
            return -ENOMEM;
        name_key_set(&e->key, name, len, name_hash_of(name, len));
        if (name_hash_insert(&s->table, &e->key) != 0) {
            free(e);
            return -ENOMEM;
        }
    }
    e->is_wanted = want;
    if (!s->is_connected) {
        if (!want)
            forget(s, e);
        return REDIS_SUBS_NONE;
    }
    if (want && e->state == IDLE) {
        set_state(s, e, SUBSCRIBING);
        return REDIS_SUBS_SUBSCRIBE;
    }
    if (!want && e->state == SUBSCRIBED) {
        set_state(s, e, UNSUBSCRIBING);
        return REDIS_SUBS_UNSUBSCRIBE;
    }
    if (!want && e->state == IDLE)
        forget(s, e);
    return REDIS_SUBS_NONE; /* in flight: redis_subs_confirm() takes the next step */
}

enum redis_subs_cmd redis_subs_confirm(struct redis_subs *s, const char *name, size_t len,
                                       bool is_subscribe)
{
    struct entry *e = find(s, name, len);
    if (!e || !s->is_connected)
        return REDIS_SUBS_NONE;
    if (is_subscribe && e->state == SUBSCRIBING) {
        if (e->is_wanted) {
            set_state(s, e, SUBSCRIBED);
            return REDIS_SUBS_NONE;
        }
        set_state(s, e, UNSUBSCRIBING);
        return REDIS_SUBS_UNSUBSCRIBE;
    }
    if (!is_subscribe && e->state == UNSUBSCRIBING) {
        if (e->is_wanted) {
            set_state(s, e, SUBSCRIBING);
            return REDIS_SUBS_SUBSCRIBE;
        }
        set_state(s, e, IDLE);
        forget(s, e);
    }
    return REDIS_SUBS_NONE;
}

void redis_subs_disconnected(struct redis_subs *s)
{
    s->is_connected = false;
    for (struct name_key *k = name_hash_first(&s->table), *next; k; k = next) {
        next = name_hash_next(&s->table, k);
        struct entry *e = (struct entry *)k;
        set_state(s, e, IDLE);
        if (!e->is_wanted)
            forget(s, e);
    }
}

size_t redis_subs_connected(struct redis_subs *s, redis_subs_send_cb cb, void *arg)
{
    s->is_connected = true;
    size_t n = 0;
    for (struct name_key *k = name_hash_first(&s->table); k; k = name_hash_next(&s->table, k)) {
        struct entry *e = (struct entry *)k;
        if (e->is_wanted && e->state == IDLE) {
            set_state(s, e, SUBSCRIBING);
            cb(arg, e->key.name, e->key.len);
            n++;
        }
    }
    return n;
}

bool redis_subs_is_connected(const struct redis_subs *s)
{
    return s->is_connected;
}

bool redis_subs_is_wanted(const struct redis_subs *s, const char *name, size_t len)
{
    const struct entry *e = find(s, name, len);
    return e && e->is_wanted;
}

bool redis_subs_is_subscribed(const struct redis_subs *s, const char *name, size_t len)
{
    const struct entry *e = find(s, name, len);
    return e && e->state == SUBSCRIBED;
}

size_t redis_subs_subscribed(const struct redis_subs *s)
{
    return s->subscribed;
}

size_t redis_subs_tracked(const struct redis_subs *s)
{
    return s->table.count;
}
