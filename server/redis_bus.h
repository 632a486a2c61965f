/* SPDX-License-Identifier: Apache-2.0 */
/* redis_bus.h: one worker thread's link to Redis pub/sub, which carries room messages between
 * server processes: a publisher and a subscriber connection driven by the worker's own loop,
 * reconnected with capped, jittered backoff and watched by a heartbeat. Room messages go out in
 * an envelope naming this process (redis_envelope.h); envelopes from other processes are handed
 * to the deliver callback, and this process's own are skipped, since broadcast.c has already
 * delivered them here directly.
 * Does not: deliver to connections (the deliver callback does), decide which rooms exist (rooms.c
 * reports them through redis_bus_room_watch), or resolve names after start-up.
 * Threads: a bus belongs to its worker's thread; its counters (struct stats) are read by any. */
#ifndef WSSCALE_SERVER_REDIS_BUS_H
#define WSSCALE_SERVER_REDIS_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/loop.h"
#include "msg.h"
#include "rooms.h"
#include "stats.h"

/* Length of the error text redis_bus_resolve() leaves in err. */
#define REDIS_BUS_ERR_LEN 320
/* Room for a numeric IPv4 or IPv6 address with its NUL. */
#define REDIS_BUS_HOST_CAP 48
/* Longest channel prefix. */
#define REDIS_BUS_PREFIX_MAX 64

/* First reconnect delay after a lost or failed connection; it doubles up to the configured cap,
 * and each wait is drawn from [delay/2, delay]. */
#define REDIS_BUS_BACKOFF_FIRST_MS 100
/* A connection attempt (both connections up, heartbeat subscribed) must finish within this. */
#define REDIS_BUS_CONNECT_TIMEOUT_MS 3000
/* The heartbeat: published on the thread's own channel this often while up... */
#define REDIS_BUS_HEARTBEAT_MS 1000
/* ...and the link is dropped when none has come back for this long (a half-open TCP connection
 * or a wedged server; a closed one is noticed at once). */
#define REDIS_BUS_HEARTBEAT_TIMEOUT_MS 5000
/* Publishing stops (and counts errors) while this many bytes wait unsent to Redis. */
#define REDIS_BUS_MAX_UNSENT_BYTES (16u << 20)
/* ...or while this many PUBLISH replies are outstanding. */
#define REDIS_BUS_MAX_IN_FLIGHT 65536

/* Where Redis is and how to name things there; shared read-only by every worker's bus. */
struct redis_bus_config {
    char host[REDIS_BUS_HOST_CAP]; /* numeric address, filled by redis_bus_resolve() */
    int port;
    char prefix[REDIS_BUS_PREFIX_MAX + 1]; /* rooms on <prefix>room:<name>, heartbeats on
                                              <prefix>hb:<origin>:<thread> */
    uint64_t origin;                       /* this process's id in envelopes; never 0 */
    uint64_t reconnect_max_ms;             /* backoff cap, >= REDIS_BUS_BACKOFF_FIRST_MS */
};

/* Receives a message for a room from another process: m is a whole server frame (text or binary)
 * tagged with the room name, borrowed for the call. */
typedef void (*redis_bus_deliver_cb)(void *arg, struct msg *m);

struct redis_bus; /* opaque */

/* Fills cfg->host and cfg->port from addr, host:port text (a name is looked up once, now, with
 * getaddrinfo: a ClusterIP Service keeps its address), and cfg->prefix from prefix. 0, or -1
 * with err (REDIS_BUS_ERR_LEN) for bad text, an empty host, port 0, a failed lookup or a prefix
 * too long. Blocking (DNS); call from main before the workers start. */
int redis_bus_resolve(const char *addr, const char *prefix, struct redis_bus_config *cfg, char *err,
                      size_t errlen);

/* Creates thread `thread`'s bus on loop l, connecting as soon as the loop runs. cfg and stats (this
 * thread's counters) are borrowed; deliver gets messages from other processes. NULL when out of
 * memory or a timer cannot be armed. Call before the loop's thread starts, or on it. */
struct redis_bus *redis_bus_new(struct wss_loop *l, const struct redis_bus_config *cfg,
                                unsigned thread, struct stats *stats, redis_bus_deliver_cb deliver,
                                void *arg);

/* A rooms_watch_cb (arg: the bus): subscribes to a room's channel when it gets its first local
 * member and unsubscribes when the last leaves. Never fails visibly (out of memory: the room
 * misses messages from other processes, and a warning is logged). */
void redis_bus_room_watch(void *arg, struct room *r, bool is_added);

/* Publishes the data frame m->data[m->start..m->len) (as built by this server) to the room's
 * channel. When the link is down or Redis is behind, the message is not published and
 * stats.redis_publish_errors counts it; members elsewhere miss it. Never fails visibly. */
void redis_bus_publish(struct redis_bus *b, const char *room, size_t room_len, const struct msg *m);

/* True while both connections are up and the heartbeat channel is subscribed. */
bool redis_bus_is_up(const struct redis_bus *b);

/* Closes both connections (pending publishes are dropped) and frees the bus; accepts NULL. On
 * the loop's thread, or after it has ended. */
void redis_bus_free(struct redis_bus *b);

#endif
