/* SPDX-License-Identifier: Apache-2.0 */
/* redis_loop.c: the hiredis event hooks on a wss_loop_io. Each hook is idempotent: it changes one
 * bit of the interest and tells the loop only when the interest changed.
 * Does not: free the context; hiredis calls cleanup from inside its own free, even from within
 * redisAsyncHandleRead(), so nothing here touches the context after a handler returns.
 * Threads: the loop's thread. */
#include "redis_loop.h"

#include <errno.h>

static void apply(struct redis_loop_io *rio, uint32_t interest)
{
    if (!rio->ac || interest == rio->interest)
        return;
    int rc = wss_loop_io_set(rio->loop, &rio->io, interest);
    if (rc != 0) {
        if (rio->err == 0)
            rio->err = rc;
        return;
    }
    rio->interest = interest;
}

static void add_read(void *privdata)
{
    struct redis_loop_io *rio = privdata;
    apply(rio, rio->interest | WSS_LOOP_READ);
}

static void del_read(void *privdata)
{
    struct redis_loop_io *rio = privdata;
    apply(rio, rio->interest & ~WSS_LOOP_READ);
}

static void add_write(void *privdata)
{
    struct redis_loop_io *rio = privdata;
    apply(rio, rio->interest | WSS_LOOP_WRITE);
}

static void del_write(void *privdata)
{
    struct redis_loop_io *rio = privdata;
    apply(rio, rio->interest & ~WSS_LOOP_WRITE);
}

/* hiredis is freeing the context (and will close the fd right after): stop watching it now. */
static void cleanup(void *privdata)
{
    struct redis_loop_io *rio = privdata;
    wss_loop_io_stop(rio->loop, &rio->io);
    rio->interest = 0;
    rio->ac = NULL;
}

static void on_io(struct wss_loop_io *io, uint32_t events)
{
    struct redis_loop_io *rio = WSS_LOOP_CONTAINER_OF(io, struct redis_loop_io, io);
    /* A hang-up goes to the read side: hiredis learns of it from read(2) or from the socket
     * error while connecting, and frees the context. */
    if (rio->ac && (events & (WSS_LOOP_READ | WSS_LOOP_HUP)))
        redisAsyncHandleRead(rio->ac);
    if (rio->ac && (events & WSS_LOOP_WRITE))
        redisAsyncHandleWrite(rio->ac);
}

int redis_loop_attach(struct redis_loop_io *rio, struct wss_loop *l, redisAsyncContext *ac)
{
    if (ac->ev.data != NULL)
        return -EEXIST;
    wss_loop_io_init(&rio->io, ac->c.fd, on_io);
    rio->loop = l;
    rio->ac = ac;
    rio->interest = 0;
    rio->err = 0;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = rio;
    return 0;
}
