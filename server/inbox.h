/* SPDX-License-Identifier: Apache-2.0 */
/* inbox.h: a thread's queue of shared messages posted by other threads (room broadcasts), which
 * wakes the owning loop when it stops being empty.
 * Does not: deliver messages to connections or look at their bytes.
 * Threads: inbox_post() from any thread; inbox_take() and inbox_free() on the owner's thread. */
#ifndef WSSCALE_SERVER_INBOX_H
#define WSSCALE_SERVER_INBOX_H

#include <stddef.h>

#include "wsscale/loop.h"
#include "msg.h"

/* Messages waiting in one inbox before posts are refused: a thread that far behind sheds load
 * instead of growing without bound. */
#define INBOX_MAX_PENDING 65536

struct inbox; /* opaque */

/* Creates an inbox that wakes l (borrowed; must outlive the inbox); NULL when out of memory. */
struct inbox *inbox_new(struct wss_loop *l);

/* Queues a new reference to m and wakes the owner if the inbox was empty. 0, -EAGAIN when
 * INBOX_MAX_PENDING are waiting, -ENOMEM; on failure m is untouched. Thread-safe. */
int inbox_post(struct inbox *ib, struct msg *m);

/* Takes everything posted so far: *out points at the messages (valid until the next take); the
 * caller owns one reference to each. Returns the count. Owner's thread only. */
size_t inbox_take(struct inbox *ib, struct msg ***out);

/* Messages refused by inbox_post() so far. Thread-safe. */
size_t inbox_refused(const struct inbox *ib);

/* Drops every queued message and frees the inbox; accepts NULL. Owner's thread, after every
 * poster has stopped. */
void inbox_free(struct inbox *ib);

#endif
