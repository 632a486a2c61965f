/* SPDX-License-Identifier: Apache-2.0 */
/* front.c: the demo's round-robin TCP front (a Service): accept, pick the next ready endpoint,
 * connect to it without blocking, then copy bytes both ways through bounded buffers.
 * Does not: parse what it forwards, cut connections when their endpoint is removed, or retry a
 * failed backend on another endpoint (kube-proxy's iptables mode does not either).
 * Threads: connections, the listener and the loop belong to the front's thread; the endpoint
 * records and counters are shared with front_set_endpoints()/front_stats() under f->lock. */
#include "front.h"

#include "wsscale/loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connections accepted per listener wakeup, so a burst of clients cannot starve forwarding. */
#define ACCEPT_BATCH 64

/* Pause before accepting again after accept() failed for lack of fds or memory. */
#define ACCEPT_RETRY_MS 100

/* An endpoint, ready or removed-but-still-used; freed when removed and its last connection ends. */
struct ep {
    struct ep *next;                /* under f->lock: every record, in first-set order */
    struct front_endpoint_stats st; /* under f->lock */
    struct sockaddr_storage addr;   /* immutable once listed */
    socklen_t addrlen;
};

/* One direction's buffer: bytes read from one socket and not yet written to the other. */
struct pipe_buf {
    char *data; /* borrowed: points into the connection's allocation */
    size_t start, len;
};

/* One socket of a connection. */
struct side {
    struct wss_loop_io io;
    bool saw_eof; /* read returned 0: nothing more will come from it */
    bool is_shut; /* we shut down its write half: nothing more will go to it */
    bool saw_hup; /* the kernel reported hang-up; it must not stay registered while quiet */
};

struct conn {
    struct front *f;
    struct conn *prev, *next; /* f->conns; loop thread */
    struct ep *ep;            /* shared record; kept alive by ep->st.open */
    struct side client, backend;
    struct pipe_buf up;   /* client -> backend */
    struct pipe_buf down; /* backend -> client */
    struct wss_loop_timer connect_timer;
    struct wss_loop_defer free_later;
    bool is_connected;
    bool is_closed;
};

struct front {
    pthread_mutex_t lock;
    /* Under lock. */
    struct ep *eps;
    struct ep *ready[FRONT_MAX_ENDPOINTS]; /* borrowed from eps */
    size_t n_ready;
    size_t rr_next;
    uint64_t accepted, refused_no_endpoint, refused_over_cap, backend_failed, open;
    bool is_stopping;

    /* Immutable after front_start(). */
    uint16_t port;
    size_t buf_bytes;
    uint32_t connect_timeout_ms;
    size_t max_conns;

    /* The loop thread's. */
    struct wss_loop *loop; /* owned */
    struct wss_loop_io listen_io;
    struct wss_loop_timer accept_retry;
    struct conn *conns;
    pthread_t thread;
};

/* ---- endpoint records (under f->lock) ---------------------------------------------------------
 */

static void ep_sweep(struct front *f)
{
    struct ep **pp = &f->eps;
    while (*pp) {
        struct ep *e = *pp;
        if (!e->st.is_ready && e->st.open == 0) {
            *pp = e->next;
            free(e);
        } else {
            pp = &e->next;
        }
    }
}

/* Fills addr from a numeric host; false if host is not an IPv4 or IPv6 literal. */
static bool parse_addr(const char *host, uint16_t port, struct sockaddr_storage *addr,
                       socklen_t *addrlen)
{
    memset(addr, 0, sizeof(*addr));
    struct sockaddr_in *in4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(port);
        *addrlen = sizeof(*in4);
        return true;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        *addrlen = sizeof(*in6);
        return true;
    }
    return false;
}

int front_set_endpoints(struct front *f, const struct front_endpoint *eps, size_t n)
{
    if (n > FRONT_MAX_ENDPOINTS)
        return -EINVAL;
    /* Validate and allocate everything first, so that applying under the lock cannot fail. */
    struct ep *fresh[FRONT_MAX_ENDPOINTS] = {0};
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!eps[i].host || !eps[i].name || eps[i].port == 0) {
            rc = -EINVAL;
            goto out;
        }
        if (strlen(eps[i].name) >= FRONT_NAME_LEN || strlen(eps[i].host) >= FRONT_HOST_LEN) {
            rc = -ENAMETOOLONG;
            goto out;
        }
        fresh[i] = calloc(1, sizeof(*fresh[i]));
        if (!fresh[i]) {
            rc = -ENOMEM;
            goto out;
        }
        if (!parse_addr(eps[i].host, eps[i].port, &fresh[i]->addr, &fresh[i]->addrlen)) {
            rc = -EINVAL;
            goto out;
        }
        snprintf(fresh[i]->st.name, sizeof(fresh[i]->st.name), "%s", eps[i].name);
        snprintf(fresh[i]->st.host, sizeof(fresh[i]->st.host), "%s", eps[i].host);
        fresh[i]->st.port = eps[i].port;
    }

    pthread_mutex_lock(&f->lock);
    for (struct ep *e = f->eps; e; e = e->next)
        e->st.is_ready = false;
    struct ep **tail = &f->eps;
    while (*tail)
        tail = &(*tail)->next;
    f->n_ready = 0;
    for (size_t i = 0; i < n; i++) {
        struct ep *e = f->eps;
        while (e && (e->st.port != fresh[i]->st.port || strcmp(e->st.name, fresh[i]->st.name) ||
                     strcmp(e->st.host, fresh[i]->st.host)))
            e = e->next;
        if (e && e->st.is_ready)
            continue; /* listed twice in eps */
        if (!e) {
            e = fresh[i];
            fresh[i] = NULL;
            *tail = e;
            tail = &e->next;
        }
        e->st.is_ready = true;
        f->ready[f->n_ready++] = e;
    }
    f->rr_next = f->n_ready ? f->rr_next % f->n_ready : 0;
    ep_sweep(f);
    pthread_mutex_unlock(&f->lock);
out:
    for (size_t i = 0; i < n; i++)
        free(fresh[i]);
    return rc;
}

void front_stats(struct front *f, struct front_stats *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&f->lock);
    out->accepted = f->accepted;
    out->refused_no_endpoint = f->refused_no_endpoint;
    out->refused_over_cap = f->refused_over_cap;
    out->backend_failed = f->backend_failed;
    out->open = f->open;
    for (struct ep *e = f->eps; e; e = e->next) {
        if (out->n_endpoints < FRONT_MAX_TRACKED)
            out->endpoints[out->n_endpoints++] = e->st;
        else
            out->n_omitted++;
    }
    pthread_mutex_unlock(&f->lock);
}

uint16_t front_port(const struct front *f)
{
    return f->port;
}

/* ---- connections (loop thread) ----------------------------------------------------------------
 */

/* Closes fd so that the peer sees a reset rather than an orderly end: a refusal or an error. */
static void close_abortive(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

static void conn_free(struct wss_loop_defer *d)
{
    free(WSS_LOOP_CONTAINER_OF(d, struct conn, free_later));
}

/* Ends both sockets (is_abortive: with a reset) and releases the endpoint; the memory goes once
 * this iteration's callbacks have returned. */
static void conn_close(struct conn *c, bool is_abortive, bool is_backend_failure)
{
    if (c->is_closed)
        return;
    c->is_closed = true;
    struct front *f = c->f;
    struct side *sides[2] = {&c->client, &c->backend};
    for (int i = 0; i < 2; i++) {
        if (sides[i]->io.fd < 0)
            continue;
        (void)wss_loop_io_stop(f->loop, &sides[i]->io);
        if (is_abortive)
            close_abortive(sides[i]->io.fd);
        else
            close(sides[i]->io.fd);
        sides[i]->io.fd = -1;
    }
    wss_loop_timer_stop(f->loop, &c->connect_timer);
    if (c->prev)
        c->prev->next = c->next;
    else
        f->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;

    pthread_mutex_lock(&f->lock);
    f->open--;
    c->ep->st.open--;
    if (is_backend_failure) {
        f->backend_failed++;
        c->ep->st.failed++;
    }
    if (!c->ep->st.is_ready && c->ep->st.open == 0)
        ep_sweep(f);
    pthread_mutex_unlock(&f->lock);
    wss_loop_defer(f->loop, &c->free_later, conn_free);
}

/* One read from s into p if p has room; 0, or -1 on a socket error. */
static int fill(struct side *s, struct pipe_buf *p, size_t cap)
{
    if (s->saw_eof || p->len == cap)
        return 0;
    if (p->start > 0) {
        memmove(p->data, p->data + p->start, p->len);
        p->start = 0;
    }
    for (;;) {
        ssize_t n = recv(s->io.fd, p->data + p->len, cap - p->len, 0);
        if (n > 0) {
            p->len += (size_t)n;
            return 0;
        }
        if (n == 0) {
            s->saw_eof = true;
            return 0;
        }
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

/* One write of p's bytes to s, then the half-close once the source has ended and p is empty;
 * 0, or -1 on a socket error. */
static int flush(struct side *s, struct pipe_buf *p, const struct side *source)
{
    while (p->len > 0) {
        ssize_t n = send(s->io.fd, p->data + p->start, p->len, MSG_NOSIGNAL);
        if (n > 0) {
            p->start += (size_t)n;
            p->len -= (size_t)n;
            if (p->len == 0)
                p->start = 0;
            break;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    if (p->len == 0 && source->saw_eof && !s->is_shut) {
        if (shutdown(s->io.fd, SHUT_WR) != 0 && errno != ENOTCONN)
            return -1;
        s->is_shut = true;
    }
    return 0;
}

/* Registers what each side waits for: read while the other direction's buffer has room
 * (backpressure), write while bytes wait. Closes c when both directions have ended. */
static void conn_update(struct conn *c)
{
    size_t cap = c->f->buf_bytes;
    if (c->client.is_shut && c->backend.is_shut) {
        conn_close(c, false, false);
        return;
    }
    uint32_t want_client = 0, want_backend = 0;
    if (!c->client.saw_eof && c->up.len < cap)
        want_client |= WSS_LOOP_READ;
    if (c->down.len > 0)
        want_client |= WSS_LOOP_WRITE;
    if (!c->is_connected) {
        want_backend = WSS_LOOP_WRITE;
    } else {
        if (!c->backend.saw_eof && c->down.len < cap)
            want_backend |= WSS_LOOP_READ;
        if (c->up.len > 0)
            want_backend |= WSS_LOOP_WRITE;
    }
    struct side *sides[2] = {&c->client, &c->backend};
    uint32_t wants[2] = {want_client, want_backend};
    for (int i = 0; i < 2; i++) {
        int rc;
        /* A hung-up socket is reported whatever the interest: unregister it while it is quiet. */
        if (wants[i] == 0 && sides[i]->saw_hup)
            rc = wss_loop_io_stop(c->f->loop, &sides[i]->io);
        else
            rc = wss_loop_io_set(c->f->loop, &sides[i]->io, wants[i]);
        if (rc != 0) {
            conn_close(c, true, false);
            return;
        }
    }
}

static int socket_error(int fd)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        return errno;
    return soerr;
}

/* Moves whatever can move in both directions, then re-registers. */
static void conn_pump(struct conn *c)
{
    size_t cap = c->f->buf_bytes;
    if (fill(&c->client, &c->up, cap) != 0 ||
        (c->is_connected && fill(&c->backend, &c->down, cap) != 0) ||
        (c->is_connected && flush(&c->backend, &c->up, &c->client) != 0) ||
        flush(&c->client, &c->down, &c->backend) != 0) {
        conn_close(c, true, false);
        return;
    }
    conn_update(c);
}

static void on_client(struct wss_loop_io *io, uint32_t events)
{
    struct conn *c = WSS_LOOP_CONTAINER_OF(io, struct conn, client.io);
    if (events & WSS_LOOP_HUP) {
        c->client.saw_hup = true;
        if (socket_error(io->fd) != 0) {
            conn_close(c, true, false);
            return;
        }
    }
    conn_pump(c);
}

static void on_backend(struct wss_loop_io *io, uint32_t events)
{
    struct conn *c = WSS_LOOP_CONTAINER_OF(io, struct conn, backend.io);
    if (events & WSS_LOOP_HUP)
        c->backend.saw_hup = true;
    if (!c->is_connected || (events & WSS_LOOP_HUP)) {
        if (socket_error(io->fd) != 0) {
            conn_close(c, true, !c->is_connected);
            return;
        }
    }
    if (!c->is_connected) {
        c->is_connected = true;
        wss_loop_timer_stop(c->f->loop, &c->connect_timer);
    }
    conn_pump(c);
}

static void on_connect_timeout(struct wss_loop_timer *t)
{
    conn_close(WSS_LOOP_CONTAINER_OF(t, struct conn, connect_timer), true, true);
}

static void set_nodelay(int fd)
{
    int one = 1;
    /* Forwarded frames are small and latency matters more than segment count; best effort. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Takes ownership of client_fd; ep has already been charged with this connection. */
static void conn_open(struct front *f, int client_fd, struct ep *ep)
{
    struct conn *c = calloc(1, sizeof(*c) + 2 * f->buf_bytes);
    if (!c) {
        close_abortive(client_fd);
        pthread_mutex_lock(&f->lock);
        f->open--;
        ep->st.open--;
        f->backend_failed++;
        ep->st.failed++;
        if (!ep->st.is_ready && ep->st.open == 0)
            ep_sweep(f);
        pthread_mutex_unlock(&f->lock);
        return;
    }
    c->f = f;
    c->ep = ep;
    c->up.data = (char *)(c + 1);
    c->down.data = c->up.data + f->buf_bytes;
    wss_loop_io_init(&c->client.io, client_fd, on_client);
    wss_loop_io_init(&c->backend.io, -1, on_backend);
    wss_loop_timer_init(&c->connect_timer, on_connect_timeout);
    c->next = f->conns;
    if (f->conns)
        f->conns->prev = c;
    f->conns = c;
    set_nodelay(client_fd);

    int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        conn_close(c, true, true);
        return;
    }
    c->backend.io.fd = fd;
    set_nodelay(fd);
    if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) != 0 && errno != EINPROGRESS) {
        conn_close(c, true, true);
        return;
    }
    if (wss_loop_timer_start(f->loop, &c->connect_timer, f->connect_timeout_ms) != 0) {
        conn_close(c, true, true);
        return;
    }
    /* Until the backend answers, the client may already send: it is buffered up to buf_bytes. */
    conn_update(c);
}

/* ---- the listener and the thread (loop thread) ------------------------------------------------
 */

static void accept_some(struct front *f)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(f->listen_io.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Level-triggered: leaving the listener armed would spin until an fd frees. */
                if (wss_loop_io_set(f->loop, &f->listen_io, 0) == 0)
                    (void)wss_loop_timer_start(f->loop, &f->accept_retry, ACCEPT_RETRY_MS);
            }
            return;
        }
        struct ep *ep = NULL;
        pthread_mutex_lock(&f->lock);
        f->accepted++;
        if (f->n_ready == 0) {
            f->refused_no_endpoint++;
        } else if (f->open >= f->max_conns) {
            f->refused_over_cap++;
        } else {
            ep = f->ready[f->rr_next];
            f->rr_next = (f->rr_next + 1) % f->n_ready;
            ep->st.open++;
            ep->st.total++;
            f->open++;
        }
        pthread_mutex_unlock(&f->lock);
        if (!ep)
            close_abortive(fd);
        else
            conn_open(f, fd, ep);
    }
}

static void on_listener(struct wss_loop_io *io, uint32_t events)
{
    (void)events;
    accept_some(WSS_LOOP_CONTAINER_OF(io, struct front, listen_io));
}

static void on_accept_retry(struct wss_loop_timer *t)
{
    struct front *f = WSS_LOOP_CONTAINER_OF(t, struct front, accept_retry);
    if (wss_loop_io_set(f->loop, &f->listen_io, WSS_LOOP_READ) != 0)
        (void)wss_loop_timer_start(f->loop, &f->accept_retry, ACCEPT_RETRY_MS);
}

static void on_wakeup(struct wss_loop *l, void *arg)
{
    struct front *f = arg;
    pthread_mutex_lock(&f->lock);
    bool is_stopping = f->is_stopping;
    pthread_mutex_unlock(&f->lock);
    if (is_stopping)
        wss_loop_stop(l);
}

static void *front_thread(void *arg)
{
    struct front *f = arg;
    /* A backend failure ends the loop early; teardown below is the same either way. */
    (void)wss_loop_run(f->loop);
    while (f->conns)
        conn_close(f->conns, false, false);
    wss_loop_timer_stop(f->loop, &f->accept_retry);
    (void)wss_loop_io_stop(f->loop, &f->listen_io);
    close(f->listen_io.fd);
    f->listen_io.fd = -1;
    wss_loop_run_deferred(f->loop);
    return NULL;
}

/* ---- lifecycle --------------------------------------------------------------------------------
 */

static int listen_on(const char *host, uint16_t port, uint16_t *bound, char *err, size_t errlen)
{
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (!host || !parse_addr(host, port, &addr, &addrlen)) {
        snprintf(err, errlen, "front: listen address %s is not a numeric IPv4 or IPv6 address",
                 host ? host : "(null)");
        return -1;
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "front: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (const struct sockaddr *)&addr, addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "front: listening on %s port %u: %s", host, (unsigned)port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    struct sockaddr_storage got;
    socklen_t gotlen = sizeof(got);
    if (getsockname(fd, (struct sockaddr *)&got, &gotlen) != 0) {
        snprintf(err, errlen, "front: getsockname: %s", strerror(errno));
        close(fd);
        return -1;
    }
    *bound = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
                                            : ((struct sockaddr_in6 *)&got)->sin6_port);
    return fd;
}

struct front *front_start(const char *listen_host, uint16_t port, const struct front_options *opt,
                          char *err, size_t errlen)
{
    struct front *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "front: out of memory");
        return NULL;
    }
    int rc = pthread_mutex_init(&f->lock, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "front: pthread_mutex_init: %s", strerror(rc));
        free(f);
        return NULL;
    }
    f->buf_bytes = opt && opt->buf_bytes ? opt->buf_bytes : FRONT_DEFAULT_BUF_BYTES;
    f->connect_timeout_ms =
        opt && opt->connect_timeout_ms ? opt->connect_timeout_ms : FRONT_DEFAULT_CONNECT_TIMEOUT_MS;
    f->max_conns = opt && opt->max_conns ? opt->max_conns : FRONT_DEFAULT_MAX_CONNS;
    wss_loop_io_init(&f->listen_io, -1, on_listener);
    wss_loop_timer_init(&f->accept_retry, on_accept_retry);

    char lerr[WSS_LOOP_ERR_LEN];
    f->loop = wss_loop_create(NULL, lerr, sizeof(lerr));
    if (!f->loop) {
        snprintf(err, errlen, "front: %s", lerr);
        goto fail;
    }
    f->listen_io.fd = listen_on(listen_host, port, &f->port, err, errlen);
    if (f->listen_io.fd < 0)
        goto fail;
    rc = wss_loop_io_set(f->loop, &f->listen_io, WSS_LOOP_READ);
    if (rc != 0) {
        snprintf(err, errlen, "front: registering the listener: %s", strerror(-rc));
        goto fail;
    }
    wss_loop_set_wakeup_cb(f->loop, on_wakeup, f);
    rc = pthread_create(&f->thread, NULL, front_thread, f);
    if (rc != 0) {
        snprintf(err, errlen, "front: pthread_create: %s", strerror(rc));
        goto fail;
    }
    return f;
fail:
    if (f->listen_io.fd >= 0) {
        if (f->loop)
            (void)wss_loop_io_stop(f->loop, &f->listen_io);
        close(f->listen_io.fd);
    }
    wss_loop_free(f->loop);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return NULL;
}

void front_stop(struct front *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->lock);
    f->is_stopping = true;
    pthread_mutex_unlock(&f->lock);
    /* If the wakeup cannot be written the loop has failed and its thread is already ending. */
    (void)wss_loop_wakeup(f->loop);
    (void)pthread_join(f->thread, NULL);
    while (f->eps) {
        struct ep *e = f->eps;
        f->eps = e->next;
        free(e);
    }
    wss_loop_free(f->loop);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
