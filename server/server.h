/* SPDX-License-Identifier: Apache-2.0 */
/* server.h: the assembled wsscale-server: metrics registry, rooms, endpoints, shared-memory
 * counter, control loop, workers (with their Redis buses), drain and heartbeat, built in
 * dependency order and torn down in reverse.
 * Does not: parse flags or configure logging (main.c), or serve anything itself.
 * Threads: server_new/server_run/server_free on the main thread, which runs the control loop. */
#ifndef WSSCALE_SERVER_SERVER_H
#define WSSCALE_SERVER_SERVER_H

#include <sys/socket.h>

#include "conn.h"
#include "drain.h"
#include "redis_bus.h"

/* Length of the error text server_new() leaves in err. */
#define SERVER_ERR_LEN 320

struct server_config {
    struct sockaddr_storage addr; /* where to listen; port 0 lets the kernel choose */
    socklen_t addr_len;
    unsigned threads; /* 1..ROOMS_MAX_THREADS */
    const char *shm;  /* counter name or path; "" = none. Borrowed */
    struct conn_limits limits;
    struct drain_config drain;
    bool has_redis;                /* rooms across processes through Redis pub/sub */
    struct redis_bus_config redis; /* with has_redis: filled by redis_bus_resolve(); the origin
                                      is chosen by server_new() */
};

struct server; /* opaque */

/* Builds everything and binds the listeners; nothing runs yet. NULL with err on failure. */
struct server *server_new(const struct server_config *cfg, char *err, size_t errlen);

/* Starts the workers and runs the control loop until they have all ended. Returns 0 when a
 * signal drained the server, -1 when it stopped for another reason. */
int server_run(struct server *s);

/* Stops anything still running and frees everything; accepts NULL. */
void server_free(struct server *s);

#endif
