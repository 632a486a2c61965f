/* SPDX-License-Identifier: Apache-2.0 */
/* broadcast.c: delivering one shared frame to a room's members here, on other threads and, with
 * --redis, handing it to the Redis bus for other servers.
 * Does not: build frames or decide who is a slow consumer (conn_send_msg does).
 * Threads: the calling loop thread; other threads are reached only through their inboxes. */
#include "broadcast.h"

#include "inbox.h"
#include "redis_bus.h"
#include "stats.h"

static void deliver_local(struct room *room, struct msg *m)
{
    /* Fetch the next member first: sending may close (and unlist) the current one. */
    for (struct room_member *p = room_first(room), *next; p; p = next) {
        next = room_next(room, p);
        conn_send_msg(conn_of_member(p), m);
    }
}

void broadcast_publish(struct conn_ctx *ctx, struct room *room, struct msg *m)
{
    if (ctx->bus) {
        size_t len;
        const char *name = room_name(room, &len);
        /* Only queued here: the bytes go out when the loop next polls. Local members are served
         * directly below, and this server skips its own envelopes when Redis echoes them. */
        redis_bus_publish(ctx->bus, name, len, m);
    }
    uint64_t remote = rooms_remote_threads(ctx->rooms, room);
    if (remote) {
        size_t len;
        const char *name = room_name(room, &len);
        msg_set_tag(m, name, len); /* cannot fail: room names fit a tag */
        for (unsigned t = 0; t < ctx->nthreads; t++) {
            if ((remote >> t) & 1u) {
                if (inbox_post(ctx->inboxes[t], m) != 0)
                    stats_add(&ctx->stats->room_inbox_refused, 1);
            }
        }
    }
    deliver_local(room, m);
}

void broadcast_deliver(struct conn_ctx *ctx, struct msg *m)
{
    struct room *room = rooms_find(ctx->rooms, m->tag, m->tag_len);
    if (room)
        deliver_local(room, m);
}

void broadcast_drain_inbox(struct conn_ctx *ctx, struct inbox *ib)
{
    struct msg **msgs;
    size_t n = inbox_take(ib, &msgs);
    for (size_t i = 0; i < n; i++) {
        broadcast_deliver(ctx, msgs[i]);
        msg_unref(msgs[i]);
    }
}
