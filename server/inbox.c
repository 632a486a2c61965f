/* SPDX-License-Identifier: Apache-2.0 */
/* inbox.c: a mutex-guarded array that posters append to and the owner swaps out whole, so the
 * lock is held for one append or one pointer swap and nothing is allocated once warm.
 * Does not: interpret messages.
 * Threads: posters and the owner meet under ib->lock; everything else is the owner's. */
#include "inbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* First capacity of each array; they double as needed up to INBOX_MAX_PENDING. */
#define INBOX_FIRST_CAP 64

struct inbox {
    pthread_mutex_t lock;
    struct msg **pending; /* owned; under lock: posted, not yet taken */
    size_t pending_len, pending_cap;
    struct msg **taken; /* owned; owner's thread: handed out by the last take */
    size_t taken_cap;
    struct wss_loop *loop; /* borrowed */
    atomic_size_t refused; /* any thread */
};

struct inbox *inbox_new(struct wss_loop *l)
{
    struct inbox *ib = calloc(1, sizeof(*ib));
    if (!ib)
        return NULL;
    if (pthread_mutex_init(&ib->lock, NULL) != 0) {
        free(ib);
        return NULL;
    }
    ib->loop = l;
    atomic_init(&ib->refused, 0);
    return ib;
}

int inbox_post(struct inbox *ib, struct msg *m)
{
    int rc = 0;
    bool was_empty = false;
    if (pthread_mutex_lock(&ib->lock) != 0)
        return -EAGAIN;
    if (ib->pending_len >= INBOX_MAX_PENDING) {
        rc = -EAGAIN;
    } else if (ib->pending_len == ib->pending_cap) {
        size_t cap = ib->pending_cap ? ib->pending_cap * 2 : INBOX_FIRST_CAP;
        struct msg **p = realloc(ib->pending, cap * sizeof(*p));
        if (!p)
            rc = -ENOMEM;
        else {
            ib->pending = p;
            ib->pending_cap = cap;
        }
    }
    if (rc == 0) {
        was_empty = ib->pending_len == 0;
        ib->pending[ib->pending_len++] = msg_ref(m);
    }
    pthread_mutex_unlock(&ib->lock);
    if (rc != 0) {
        atomic_fetch_add_explicit(&ib->refused, 1, memory_order_relaxed);
        return rc;
    }
    if (was_empty)
        wss_loop_wakeup(ib->loop); /* can only fail if the eventfd is gone: the loop is ending */
    return 0;
}

size_t inbox_take(struct inbox *ib, struct msg ***out)
{
    if (pthread_mutex_lock(&ib->lock) != 0) {
        *out = NULL;
        return 0;
    }
    struct msg **full = ib->pending;
    size_t len = ib->pending_len, cap = ib->pending_cap;
    ib->pending = ib->taken;
    ib->pending_cap = ib->taken_cap;
    ib->pending_len = 0;
    pthread_mutex_unlock(&ib->lock);
    ib->taken = full;
    ib->taken_cap = cap;
    *out = full;
    return len;
}

size_t inbox_refused(const struct inbox *ib)
{
    return atomic_load_explicit(&ib->refused, memory_order_relaxed);
}

void inbox_free(struct inbox *ib)
{
    if (!ib)
        return;
    for (size_t i = 0; i < ib->pending_len; i++)
        msg_unref(ib->pending[i]);
    free(ib->pending);
    free(ib->taken);
    pthread_mutex_destroy(&ib->lock);
    free(ib);
}
