/* SPDX-License-Identifier: Apache-2.0 */
/* redis_subs.h: one subscriber connection's bookkeeping: which rooms this thread wants Redis
 * messages for, and what Redis has confirmed, with at most one SUBSCRIBE or UNSUBSCRIBE in flight
 * per room, so a room that empties and fills again quickly never races its own commands.
 * Does not: send commands or parse replies (redis_bus.c does); it only says what to send next.
 * Threads: a table belongs to one loop thread; nothing here is thread-safe. */
#ifndef WSSCALE_SERVER_REDIS_SUBS_H
#define WSSCALE_SERVER_REDIS_SUBS_H

#include <stdbool.h>
#include <stddef.h>

/* What the caller must send for a room now. */
enum redis_subs_cmd {
    REDIS_SUBS_NONE = 0,        /* nothing: in step, disconnected, or a command is in flight */
    REDIS_SUBS_SUBSCRIBE = 1,   /* send SUBSCRIBE for the room's channel */
    REDIS_SUBS_UNSUBSCRIBE = 2, /* send UNSUBSCRIBE for the room's channel */
};

/* Longest room name tracked, in bytes (ROOM_NAME_MAX). */
#define REDIS_SUBS_NAME_MAX 64

struct redis_subs; /* opaque */

/* Called by redis_subs_connected() once per wanted room, to send its SUBSCRIBE. */
typedef void (*redis_subs_send_cb)(void *arg, const char *name, size_t len);

/* Creates an empty table, disconnected. NULL when out of memory. */
struct redis_subs *redis_subs_new(void);

/* Frees the table; accepts NULL. */
void redis_subs_free(struct redis_subs *s);

/* Records that the room named name[0..len) now has local members (want) or has none. Returns the
 * enum redis_subs_cmd to send now, -EINVAL for an empty or too long name, or -ENOMEM (the room is
 * then not tracked and gets no Redis messages). */
int redis_subs_want(struct redis_subs *s, const char *name, size_t len, bool want);

/* Redis confirmed a SUBSCRIBE (is_subscribe) or an UNSUBSCRIBE of the room. Returns the command
 * to send next because the want changed meanwhile, or REDIS_SUBS_NONE; a confirmation with no
 * matching command in flight (a stale one, an unknown room) changes nothing. Cannot fail. */
enum redis_subs_cmd redis_subs_confirm(struct redis_subs *s, const char *name, size_t len,
                                       bool is_subscribe);

/* The subscriber connection is gone: nothing is subscribed or in flight any more, and rooms no
 * longer wanted are forgotten. Cannot fail. */
void redis_subs_disconnected(struct redis_subs *s);

/* A new subscriber connection is up: every wanted room gets a SUBSCRIBE in flight, sent by cb
 * (which must not call back into s). Returns the number of rooms. Cannot fail. */
size_t redis_subs_connected(struct redis_subs *s, redis_subs_send_cb cb, void *arg);

/* True between redis_subs_connected() and redis_subs_disconnected(). */
bool redis_subs_is_connected(const struct redis_subs *s);

/* True if the room has local members (its messages are to be delivered). */
bool redis_subs_is_wanted(const struct redis_subs *s, const char *name, size_t len);

/* True if Redis has confirmed the room's subscription (and no UNSUBSCRIBE is in flight). */
bool redis_subs_is_subscribed(const struct redis_subs *s, const char *name, size_t len);

/* Rooms whose subscription Redis has confirmed. */
size_t redis_subs_subscribed(const struct redis_subs *s);

/* Rooms tracked: wanted, or with a command still in flight. */
size_t redis_subs_tracked(const struct redis_subs *s);

#endif
