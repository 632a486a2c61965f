/* SPDX-License-Identifier: Apache-2.0 */
/* broadcast.h: room fan-out: a message from a member goes to the room's members on this thread
 * directly, to the other threads with members through their inboxes, and with --redis to the
 * other server processes through the thread's Redis bus.
 * Does not: encode frames, parse room names, or speak the Redis protocol (redis_bus.c does).
 * Threads: the calling loop thread; crossing threads only through inbox_post(). */
#ifndef WSSCALE_SERVER_BROADCAST_H
#define WSSCALE_SERVER_BROADCAST_H

#include "conn.h"
#include "msg.h"
#include "rooms.h"

/* Sends m's frame to every member of room on ctx's thread, posts m (tagged with the room's name)
 * to every other thread with members, and publishes it to Redis when ctx->bus is set. Borrows m.
 * Never fails visibly: a thread whose inbox is full misses the message and
 * stats.room_inbox_refused counts it; a message Redis does not take counts in
 * stats.redis_publish_errors. */
void broadcast_publish(struct conn_ctx *ctx, struct room *room, struct msg *m);

/* Delivers a message another thread posted (or another server sent through Redis) to the local
 * members of the room its tag names, if any are left. Borrows m. */
void broadcast_deliver(struct conn_ctx *ctx, struct msg *m);

/* Takes everything waiting in ib and delivers it; the loop's wakeup calls this. */
void broadcast_drain_inbox(struct conn_ctx *ctx, struct inbox *ib);

#endif
