/* SPDX-License-Identifier: Apache-2.0 */
/* resolver.c: the lookup thread: questions in per-key slots under one lock, answered one at a
 * time outside it; reference-counted so a lookup stuck in DNS can outlive resolver_stop.
 * Does not: cancel a lookup (getaddrinfo cannot be), or call wake after resolver_stop.
 * Threads: the slots, flags and count are under r->lock; wake runs under it too, so stopping
 * (which takes the lock) orders it before anything the caller frees next. */
#include "resolver.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsscale/mono_cond.h"

enum slot_state { SLOT_FREE = 0, SLOT_ASKED, SLOT_LOOKING, SLOT_ANSWERED };

struct slot {
    enum slot_state state;
    char host[PUSH_URL_HOST_LEN];
    int n;
    char addrs[RESOLVER_MAX_ADDRS][PUSH_URL_ADDR_LEN];
};

struct resolver {
    resolver_lookup_cb lookup;
    void *lookup_arg;
    resolver_wake_cb wake;
    void *wake_arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* work for the thread, or a lookup ended (for resolver_stop) */
    /* Under lock: */
    struct slot slots[RESOLVER_MAX_KEYS];
    bool is_stopping;
    bool is_looking; /* the thread is inside lookup() */
    bool is_done;    /* the thread has left its loop */
    int refs;        /* the owner and the thread */
};

static void release(struct resolver *r)
{
    pthread_mutex_lock(&r->lock);
    bool is_last = --r->refs == 0;
    pthread_mutex_unlock(&r->lock);
    if (!is_last)
        return;
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static struct slot *next_asked(struct resolver *r)
{
    for (size_t i = 0; i < RESOLVER_MAX_KEYS; i++)
        if (r->slots[i].state == SLOT_ASKED)
            return &r->slots[i];
    return NULL;
}

static void *run(void *arg)
{
    struct resolver *r = arg;
    char host[PUSH_URL_HOST_LEN];
    char addrs[RESOLVER_MAX_ADDRS][PUSH_URL_ADDR_LEN];
    pthread_mutex_lock(&r->lock);
    while (!r->is_stopping) {
        struct slot *s = next_asked(r);
        if (s == NULL) {
            pthread_cond_wait(&r->cond, &r->lock);
            continue;
        }
        s->state = SLOT_LOOKING;
        memcpy(host, s->host, sizeof(host));
        r->is_looking = true;
        pthread_mutex_unlock(&r->lock);
        int n = r->lookup(host, addrs, RESOLVER_MAX_ADDRS, r->lookup_arg);
        pthread_mutex_lock(&r->lock);
        r->is_looking = false;
        pthread_cond_broadcast(&r->cond);
        if (r->is_stopping)
            break;
        s->n = n < 0 ? -1 : n > RESOLVER_MAX_ADDRS ? RESOLVER_MAX_ADDRS : n;
        if (s->n > 0)
            memcpy(s->addrs, addrs, (size_t)s->n * sizeof(addrs[0]));
        s->state = SLOT_ANSWERED;
        r->wake(r->wake_arg);
    }
    r->is_done = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    release(r);
    return NULL;
}

struct resolver *resolver_start(resolver_lookup_cb lookup, void *lookup_arg, resolver_wake_cb wake,
                                void *wake_arg)
{
    struct resolver *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    *r = (struct resolver){
        .lookup = lookup, .lookup_arg = lookup_arg, .wake = wake, .wake_arg = wake_arg, .refs = 2};
    pthread_mutex_init(&r->lock, NULL);
    if (wss_mono_cond_init(&r->cond) != 0) {
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

bool resolver_ask(struct resolver *r, size_t key, const char *host)
{
    if (key >= RESOLVER_MAX_KEYS || strlen(host) >= PUSH_URL_HOST_LEN)
        return false;
    pthread_mutex_lock(&r->lock);
    struct slot *s = &r->slots[key];
    bool is_free = s->state == SLOT_FREE;
    if (is_free) {
        snprintf(s->host, sizeof(s->host), "%s", host);
        s->state = SLOT_ASKED;
        pthread_cond_broadcast(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    return is_free;
}

bool resolver_take(struct resolver *r, size_t *key, int *n, char (*addrs)[PUSH_URL_ADDR_LEN],
                   size_t cap)
{
    bool is_taken = false;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < RESOLVER_MAX_KEYS && !is_taken; i++) {
        struct slot *s = &r->slots[i];
        if (s->state != SLOT_ANSWERED)
            continue;
        *key = i;
        *n = s->n;
        size_t copy = s->n > 0 ? ((size_t)s->n < cap ? (size_t)s->n : cap) : 0;
        memcpy(addrs, s->addrs, copy * sizeof(s->addrs[0]));
        s->state = SLOT_FREE;
        is_taken = true;
    }
    pthread_mutex_unlock(&r->lock);
    return is_taken;
}

void resolver_stop(struct resolver *r)
{
    if (r == NULL)
        return;
    struct timespec until = wss_mono_deadline_ms(RESOLVER_STOP_WAIT_MS);
    pthread_mutex_lock(&r->lock);
    r->is_stopping = true;
    pthread_cond_broadcast(&r->cond);
    int rc = 0;
    while (!r->is_done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&r->cond, &r->lock, &until);
    bool is_done = r->is_done;
    pthread_mutex_unlock(&r->lock);
    if (is_done)
        pthread_join(r->thread, NULL);
    else
        pthread_detach(r->thread); /* stuck in DNS: it ends, and frees, by itself */
    release(r);
}
