/* SPDX-License-Identifier: Apache-2.0 */
/* loop_backend.h: private to lib/: the readiness-polling interface lib/loop.c runs on; one
 * implementation is linked in (wss_loop_epoll), or a fake in tests/unit/test_loop.c.
 * Does not: own timers, callbacks or connections; it only maps fds to readiness events.
 * Threads: a backend belongs to the one thread that runs its loop. */
#ifndef WSSCALE_LOOP_BACKEND_H
#define WSSCALE_LOOP_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/loop.h" /* WSS_LOOP_READ, WSS_LOOP_WRITE, WSS_LOOP_HUP */

/* Length of the error text a failing wss__loop_backend_create() leaves in err. */
#define WSS__LOOP_BACKEND_ERR_LEN 128

struct wss__loop_backend; /* opaque */

/* One ready fd as wss__loop_backend_wait() reports it. */
struct wss__loop_backend_event {
    void *data;      /* borrowed: the pointer given to wss__loop_backend_add() */
    uint32_t events; /* WSS_LOOP_READ | WSS_LOOP_WRITE | WSS_LOOP_HUP */
};

/* Creates a backend; NULL on failure with the reason in err (WSS__LOOP_BACKEND_ERR_LEN bytes). */
struct wss__loop_backend *wss__loop_backend_create(char *err, size_t errlen);

/* Watches fd for events (WSS_LOOP_READ|WSS_LOOP_WRITE), tagged with data; 0 or -errno. */
int wss__loop_backend_add(struct wss__loop_backend *b, int fd, uint32_t events, void *data);

/* Changes the watched events of an fd already added; 0 or -errno. */
int wss__loop_backend_modify(struct wss__loop_backend *b, int fd, uint32_t events, void *data);

/* Stops watching fd; 0 or -errno. Must be called before the fd is closed. */
int wss__loop_backend_remove(struct wss__loop_backend *b, int fd);

/* Waits up to timeout_ms (-1 = no limit, 0 = poll) and fills at most max events; returns the
 * count (0 on timeout or EINTR) or -errno. */
int wss__loop_backend_wait(struct wss__loop_backend *b, struct wss__loop_backend_event *out,
                           int max, int timeout_ms);

/* The backend's name for logs ("epoll"). */
const char *wss__loop_backend_name(void);

/* Releases the backend; accepts NULL. Watched fds are not closed. */
void wss__loop_backend_free(struct wss__loop_backend *b);

#endif
