/* SPDX-License-Identifier: Apache-2.0 */
/* redis_loop.h: drives a hiredis async context from a server event loop, as hiredis' own
 * adapters do for ae or libevent: its addRead/delRead/addWrite/delWrite hooks set the wss_loop_io
 * interest, cleanup unregisters the fd, and readiness calls redisAsyncHandleRead/HandleWrite.
 * Does not: connect, reconnect, time out or issue commands (hiredis 0.14 has no timer hook, so
 * timeouts are the owner's; redis_bus.c keeps them).
 * Threads: the loop's thread only, like the context it drives. */
#ifndef WSSCALE_SERVER_REDIS_LOOP_H
#define WSSCALE_SERVER_REDIS_LOOP_H

#include <hiredis/async.h>

#include "wsscale/loop.h"

/* One attachment, embedded in its owner; zero-initialise before the first attach. */
struct redis_loop_io {
    struct wss_loop_io io; /* private */
    struct wss_loop *loop; /* private, borrowed */
    redisAsyncContext *ac; /* public, read-only: the attached context; NULL once hiredis has
                              called cleanup, which it does while freeing the context */
    uint32_t interest;     /* private: WSS_LOOP_READ | WSS_LOOP_WRITE wanted by hiredis */
    int err;               /* public, read-only: the first wss_loop_io_set() failure (-errno), or 0;
                              the owner must drop the context, which may never see I/O again */
};

/* Attaches ac (just created, not yet given other hooks) to l through rio, which must stay put
 * until hiredis calls cleanup. 0, or -EEXIST if ac already has hooks. Loop thread only. */
int redis_loop_attach(struct redis_loop_io *rio, struct wss_loop *l, redisAsyncContext *ac);

#endif
