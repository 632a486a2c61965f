/* SPDX-License-Identifier: Apache-2.0 */
/* loop_epoll.c: the Linux epoll(7) implementation of lib/loop_backend.h (the wss_loop_epoll unit).
 * Does not: know about timers, connections or callbacks; loop.c owns those.
 * Threads: a backend belongs to the thread that runs its loop. */
#include "loop_backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* wss__loop_backend_wait() never asks for more than this per call; keeps the stack array small. */
#define EPOLL_MAX_EVENTS 256

struct wss__loop_backend {
    int epfd;
};

static uint32_t to_epoll(uint32_t events)
{
    uint32_t e = 0;
    if (events & WSS_LOOP_READ)
        e |= EPOLLIN | EPOLLRDHUP;
    if (events & WSS_LOOP_WRITE)
        e |= EPOLLOUT;
    return e;
}

static uint32_t from_epoll(uint32_t e)
{
    uint32_t events = 0;
    if (e & (EPOLLIN | EPOLLRDHUP))
        events |= WSS_LOOP_READ;
    if (e & EPOLLOUT)
        events |= WSS_LOOP_WRITE;
    if (e & (EPOLLERR | EPOLLHUP))
        events |= WSS_LOOP_HUP;
    return events;
}

struct wss__loop_backend *wss__loop_backend_create(char *err, size_t errlen)
{
    struct wss__loop_backend *b = malloc(sizeof(*b));
    if (!b) {
        snprintf(err, errlen, "epoll backend: out of memory");
        return NULL;
    }
    b->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (b->epfd < 0) {
        snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
        free(b);
        return NULL;
    }
    return b;
}

static int ctl(struct wss__loop_backend *b, int op, int fd, uint32_t events, void *data)
{
    struct epoll_event ev = {.events = to_epoll(events), .data.ptr = data};
    if (epoll_ctl(b->epfd, op, fd, &ev) != 0)
        return -errno;
    return 0;
}

int wss__loop_backend_add(struct wss__loop_backend *b, int fd, uint32_t events, void *data)
{
    return ctl(b, EPOLL_CTL_ADD, fd, events, data);
}

int wss__loop_backend_modify(struct wss__loop_backend *b, int fd, uint32_t events, void *data)
{
    return ctl(b, EPOLL_CTL_MOD, fd, events, data);
}

int wss__loop_backend_remove(struct wss__loop_backend *b, int fd)
{
    return ctl(b, EPOLL_CTL_DEL, fd, 0, NULL);
}

int wss__loop_backend_wait(struct wss__loop_backend *b, struct wss__loop_backend_event *out,
                           int max, int timeout_ms)
{
    struct epoll_event evs[EPOLL_MAX_EVENTS];
    if (max > EPOLL_MAX_EVENTS)
        max = EPOLL_MAX_EVENTS;
    int n = epoll_wait(b->epfd, evs, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        out[i].data = evs[i].data.ptr;
        out[i].events = from_epoll(evs[i].events);
    }
    return n;
}

const char *wss__loop_backend_name(void)
{
    return "epoll";
}

void wss__loop_backend_free(struct wss__loop_backend *b)
{
    if (!b)
        return;
    close(b->epfd);
    free(b);
}
