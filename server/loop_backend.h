/* SPDX-License-Identifier: Apache-2.0 */
/* loop_backend.h: the readiness-polling interface loop.c runs on; one implementation is linked in.
 * Does not: own timers, callbacks or connections; it only maps fds to readiness events.
 * Threads: a backend belongs to the one thread that runs its loop. */
#ifndef WSSCALE_SERVER_LOOP_BACKEND_H
#define WSSCALE_SERVER_LOOP_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Interest and readiness bits, shared with loop.h. */
#define LOOP_READ  0x1u /* readable, or a listener has a connection waiting */
#define LOOP_WRITE 0x2u /* writable */
#define LOOP_HUP   0x4u /* error or hang-up; reported whether asked for or not */

/* Length of the error text a failing loop_backend_create() leaves in err. */
#define LOOP_BACKEND_ERR_LEN 128

struct loop_backend; /* opaque */

/* One ready fd as loop_backend_wait() reports it. */
struct loop_backend_event {
    void *data;      /* borrowed: the pointer given to loop_backend_add() */
    uint32_t events; /* LOOP_READ | LOOP_WRITE | LOOP_HUP */
};

/* Creates a backend; NULL on failure with the reason in err (LOOP_BACKEND_ERR_LEN bytes). */
struct loop_backend *loop_backend_create(char *err, size_t errlen);

/* Starts watching fd for events (LOOP_READ|LOOP_WRITE) and tags it with data; 0 or -errno. */
int loop_backend_add(struct loop_backend *b, int fd, uint32_t events, void *data);

/* Changes the watched events of an fd already added; 0 or -errno. */
int loop_backend_modify(struct loop_backend *b, int fd, uint32_t events, void *data);

/* Stops watching fd; 0 or -errno. Must be called before the fd is closed. */
int loop_backend_remove(struct loop_backend *b, int fd);

/* Waits up to timeout_ms (-1 = no limit, 0 = poll) and fills at most max events; returns the
 * count (0 on timeout or EINTR) or -errno. */
int loop_backend_wait(struct loop_backend *b, struct loop_backend_event *out, int max,
                      int timeout_ms);

/* The backend's name for logs ("epoll"). */
const char *loop_backend_name(void);

/* Releases the backend; accepts NULL. Watched fds are not closed. */
void loop_backend_free(struct loop_backend *b);

#endif
