/* SPDX-License-Identifier: Apache-2.0 */
/* rooms.c: the registry (a name_hash of room names to a thread mask, under a mutex taken on
 * join and leave) and the per-thread tables (a name_hash of member lists, without locks).
 * Does not: send, queue or count messages.
 * Threads: registry entries under g->lock, except `threads`, an atomic read without it; a
 * rooms_local and everything reachable from it belong to its thread. */
#include "rooms.h"

#include "name_hash.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(ROOM_NAME_MAX == NAME_HASH_KEY_MAX, "a room name must fit a hash key");

/* A room in the registry. */
struct entry {
    struct name_key key;      /* first: a struct name_key * is a struct entry * */
    _Atomic uint64_t threads; /* bit i: thread i has members; written under g->lock */
};

struct rooms {
    pthread_mutex_t lock;
    struct name_hash table; /* of struct entry, under lock */
    unsigned nthreads;
    atomic_size_t count; /* == table.count, readable without the lock */
};

struct room {
    struct name_key key;     /* first: a struct name_key * is a struct room * */
    struct entry *entry;     /* shared; alive while this room has members */
    struct room_member head; /* sentinel of the member list */
    size_t members;
};

struct rooms_local {
    struct rooms *g; /* borrowed */
    unsigned thread;
    struct name_hash table; /* of struct room */
    rooms_watch_cb watch;   /* NULL: nobody watches */
    void *watch_arg;        /* borrowed */
};

bool room_name_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > ROOM_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '~' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

struct rooms *rooms_new(unsigned nthreads)
{
    if (nthreads == 0 || nthreads > ROOMS_MAX_THREADS)
        return NULL;
    struct rooms *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    if (pthread_mutex_init(&g->lock, NULL) != 0) {
        free(g);
        return NULL;
    }
    g->nthreads = nthreads;
    atomic_init(&g->count, 0);
    return g;
}

void rooms_free(struct rooms *g)
{
    if (!g)
        return;
    for (struct name_key *k = name_hash_first(&g->table), *next; k; k = next) {
        next = name_hash_next(&g->table, k);
        free(k);
    }
    name_hash_release(&g->table);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

size_t rooms_count(const struct rooms *g)
{
    return atomic_load_explicit(&g->count, memory_order_relaxed);
}

struct rooms_local *rooms_local_new(struct rooms *g, unsigned thread)
{
    if (thread >= g->nthreads)
        return NULL;
    struct rooms_local *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->g = g;
    t->thread = thread;
    return t;
}

/* Marks this thread as holding members of the named room; returns the registry entry. */
static struct entry *registry_enter(struct rooms_local *t, const char *name, size_t len,
                                    uint32_t hv)
{
    struct rooms *g = t->g;
    struct entry *e = NULL;
    if (pthread_mutex_lock(&g->lock) != 0)
        return NULL;
    e = (struct entry *)name_hash_find(&g->table, name, len, hv);
    if (!e) {
        e = calloc(1, sizeof(*e));
        if (e) {
            name_key_set(&e->key, name, len, hv);
            atomic_init(&e->threads, 0);
            if (name_hash_insert(&g->table, &e->key) != 0) {
                free(e);
                e = NULL;
            } else {
                atomic_fetch_add_explicit(&g->count, 1, memory_order_relaxed);
            }
        }
    }
    if (e)
        atomic_fetch_or_explicit(&e->threads, UINT64_C(1) << t->thread, memory_order_release);
    pthread_mutex_unlock(&g->lock);
    return e;
}

static void registry_leave(struct rooms_local *t, struct entry *e)
{
    struct rooms *g = t->g;
    /* Without the lock the entry could be freed under another thread's join: leak instead. */
    if (pthread_mutex_lock(&g->lock) != 0)
        return;
    uint64_t left =
        atomic_fetch_and_explicit(&e->threads, ~(UINT64_C(1) << t->thread), memory_order_release) &
        ~(UINT64_C(1) << t->thread);
    if (left == 0) {
        name_hash_remove(&g->table, &e->key);
        atomic_fetch_sub_explicit(&g->count, 1, memory_order_relaxed);
        free(e);
    }
    pthread_mutex_unlock(&g->lock);
}

int rooms_join(struct rooms_local *t, const char *name, size_t len, struct room_member *m)
{
    if (!room_name_is_valid(name, len) || m->room)
        return -EINVAL;
    uint32_t hv = name_hash_of(name, len);
    struct room *r = (struct room *)name_hash_find(&t->table, name, len, hv);
    bool is_new = false;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return -ENOMEM;
        name_key_set(&r->key, name, len, hv);
        r->head.prev = r->head.next = &r->head;
        r->entry = registry_enter(t, name, len, hv);
        if (!r->entry) {
            free(r);
            return -ENOMEM;
        }
        if (name_hash_insert(&t->table, &r->key) != 0) {
            registry_leave(t, r->entry);
            free(r);
            return -ENOMEM;
        }
        is_new = true;
    }
    m->prev = r->head.prev;
    m->next = &r->head;
    r->head.prev->next = m;
    r->head.prev = m;
    m->room = r;
    r->members++;
    if (is_new && t->watch)
        t->watch(t->watch_arg, r, true);
    return 0;
}

void rooms_leave(struct rooms_local *t, struct room_member *m)
{
    struct room *r = m->room;
    if (!r)
        return;
    m->prev->next = m->next;
    m->next->prev = m->prev;
    m->prev = m->next = NULL;
    m->room = NULL;
    if (--r->members > 0)
        return;
    if (t->watch)
        t->watch(t->watch_arg, r, false);
    name_hash_remove(&t->table, &r->key);
    registry_leave(t, r->entry);
    free(r);
}

void rooms_local_free(struct rooms_local *t)
{
    if (!t)
        return;
    while (t->table.count > 0) {
        struct room *r = (struct room *)name_hash_first(&t->table);
        while (r->members > 1)
            rooms_leave(t, r->head.next);
        rooms_leave(t, r->head.next); /* frees r */
    }
    name_hash_release(&t->table);
    free(t);
}

void rooms_local_watch(struct rooms_local *t, rooms_watch_cb cb, void *arg)
{
    t->watch = cb;
    t->watch_arg = arg;
}

struct room *rooms_find(struct rooms_local *t, const char *name, size_t len)
{
    return (struct room *)name_hash_find(&t->table, name, len, name_hash_of(name, len));
}

struct room *room_of(const struct room_member *m)
{
    return m->room;
}

const char *room_name(const struct room *r, size_t *len)
{
    *len = r->key.len;
    return r->key.name;
}

size_t room_local_members(const struct room *r)
{
    return r->members;
}

struct room_member *room_first(struct room *r)
{
    return r->head.next == &r->head ? NULL : r->head.next;
}

struct room_member *room_next(struct room *r, struct room_member *m)
{
    return m->next == &r->head ? NULL : m->next;
}

uint64_t rooms_remote_threads(const struct rooms_local *t, const struct room *r)
{
    return atomic_load_explicit(&r->entry->threads, memory_order_acquire) &
           ~(UINT64_C(1) << t->thread);
}
