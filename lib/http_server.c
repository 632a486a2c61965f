/* SPDX-License-Identifier: Apache-2.0 */
/* http_server.c: owns the listening socket and the MHD daemons on it; for HTTPS, a watcher thread
 * notices changed cert/key/CA files, starts a daemon with the new material on the same socket,
 * quiesces the old one and stops it once its connections are gone.
 * Does not: handle requests (http_req.c) or build replies (http_reply.c).
 * Threads: start/stop on the owner's thread; the watcher thread alone swaps generations; handlers
 * reach their generation through MHD's closure and never see the swap. */
#include "http_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsscale/clock.h"
#include "wsscale/errbuf.h"
#include "wsscale/log.h"
#include "wsscale/mono_cond.h"

/* Pending connections the kernel may queue; it clamps this to net.core.somaxconn. */
#define LISTEN_BACKLOG 1024
/* TLS 1.2 and 1.3 only: what Kubernetes clients speak, and nothing older. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* Longest libmicrohttpd log message passed on to lib/log. */
#define MHD_LOG_LINE_MAX 512
/* Entries in the MHD option array: everything gen_start may set, plus the end marker. */
#define MHD_OPTIONS_MAX 16

/* libmicrohttpd's own messages (failed handshakes, resets) go through lib/log like ours. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[MHD_LOG_LINE_MAX];
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    if (n < 0)
        return;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    WSS_INFO("libmicrohttpd", WSS_KV_STR("detail", line));
}

/* Binds host:port (numeric only) and listens; the fd is non-blocking because several daemons'
 * threads may race to accept from it. */
static int open_listener(const char *host, uint16_t port, uint16_t *bound, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sslen = sizeof(*sin);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        sslen = sizeof(*sin6);
    } else {
        wss_errbuf_printf(err, errlen,
                          "listen address \"%s\" is not a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        wss_errbuf_printf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
        wss_errbuf_printf(err, errlen, "setsockopt SO_REUSEADDR: %s", strerror(errno));
        goto fail;
    }
    const char *open_br = ss.ss_family == AF_INET6 ? "[" : "";
    const char *close_br = ss.ss_family == AF_INET6 ? "]" : "";
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0) {
        wss_errbuf_printf(err, errlen, "bind %s%s%s:%u: %s", open_br, host, close_br,
                          (unsigned)port, strerror(errno));
        goto fail;
    }
    if (listen(fd, LISTEN_BACKLOG) != 0) {
        wss_errbuf_printf(err, errlen, "listen %s%s%s:%u: %s", open_br, host, close_br,
                          (unsigned)port, strerror(errno));
        goto fail;
    }
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        wss_errbuf_printf(err, errlen, "getsockname: %s", strerror(errno));
        goto fail;
    }
    *bound = ntohs(ss.ss_family == AF_INET6 ? sin6->sin6_port : sin->sin_port);
    return fd;

fail:
    close(fd);
    return -1;
}

static void gen_free(struct wss__http_gen *g)
{
    if (g == NULL)
        return;
    wss_http_tls_free(g->tls);
    free(g);
}

/* Starts a daemon on the shared socket with tls (ownership passes to the generation, also on
 * failure). */
static struct wss__http_gen *gen_start(struct wss_http_server *s, struct wss_http_tls *tls,
                                       char *err, size_t errlen)
{
    struct wss__http_gen *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        wss_http_tls_free(tls);
        wss_errbuf_printf(err, errlen, "out of memory");
        return NULL;
    }
    g->server = s;
    g->tls = tls;
    /* ITC is what lets MHD_quiesce_daemon hand the socket back while threads still run. poll, not
     * epoll: in libmicrohttpd 0.9.75 quiescing an epoll daemon races its polling thread over
     * removing the listen socket, and the loser aborts the process ("Failed to remove listen FD
     * from epoll set"). With poll, quiescing only signals the thread. */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem ops[MHD_OPTIONS_MAX];
    size_t n = 0;
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, s->timeout_s, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, s->max_connections, NULL};
    if (s->threads > 1)
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->threads, NULL};
    ops[n++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)wss__http_on_completed, g};
    ops[n++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)wss__http_on_connection, g};
    if (tls != NULL) {
        flags |= MHD_USE_TLS;
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                           (void *)wss_http_tls_cert_pem(tls)};
        ops[n++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)wss_http_tls_key_pem(tls)};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
        /* The trust pool makes gnutls ask for a client certificate and name these CAs in the
         * request, which is what lets a Go client (the aggregator) pick its certificate. */
        if (wss_http_tls_trust_pem(tls) != NULL)
            ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
                                               (void *)wss_http_tls_trust_pem(tls)};
    }
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    g->daemon = MHD_start_daemon(flags, 0, NULL, NULL, wss__http_on_request, g, MHD_OPTION_ARRAY,
                                 ops, MHD_OPTION_END);
    if (g->daemon == NULL) {
        wss_errbuf_printf(err, errlen, "libmicrohttpd refused to start (see its log line)");
        gen_free(g);
        return NULL;
    }
    return g;
}

/* Stops a daemon that no longer owns the socket, or the current one at shutdown. */
static void gen_stop(struct wss__http_gen *g)
{
    MHD_stop_daemon(g->daemon);
    gen_free(g);
}

static unsigned daemon_connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info != NULL ? info->num_connections : 0;
}

/* Stops retired generations whose connections are gone, or that outstayed the idle timeout (a
 * client holding a keep-alive connection open past it would be cut by MHD anyway). */
static void reap(struct wss_http_server *s)
{
    long long limit_ms = (long long)s->timeout_s * 1000 + s->reload_ms;
    struct wss__http_gen **pp = &s->retired;
    while (*pp != NULL) {
        struct wss__http_gen *g = *pp;
        unsigned conns = daemon_connections(g->daemon);
        if (conns == 0 || wss_clock_mono_ms() - g->retired_ms > limit_ms) {
            *pp = g->next;
            if (conns != 0)
                WSS_WARN("stopping a replaced https daemon with connections still open",
                         WSS_KV_UINT("connections", conns));
            gen_stop(g);
            atomic_fetch_sub(&s->draining, 1);
            continue;
        }
        pp = &g->next;
    }
}

/* One watcher step: reap, then reload if any file changed since the last attempt. */
static void tick(struct wss_http_server *s)
{
    reap(s);
    struct wss_http_tls_stamp stamp;
    wss_http_tls_stamp_take(&s->files, &stamp);
    if (wss_http_tls_stamp_equal(&stamp, &s->stamp))
        return;
    /* Remember this state even if the load fails: a broken file is reported once, and the next
     * change (the fix, or the rest of a rotation) is tried again. */
    s->stamp = stamp;
    char err[WSS_HTTP_TLS_ERR_LEN];
    struct wss_http_tls *tls = wss_http_tls_load(&s->files, err, sizeof(err));
    if (tls == NULL) {
        atomic_fetch_add(&s->loads_failed, 1);
        WSS_WARN("tls files changed but do not load; still serving the previous ones",
                 WSS_KV_STR("error", err));
        return;
    }
    /* The new daemon listens before the old one stops, so no connection waits in between. */
    struct wss__http_gen *g = gen_start(s, tls, err, sizeof(err));
    if (g == NULL) {
        atomic_fetch_add(&s->loads_failed, 1);
        WSS_WARN("tls files changed but the new daemon did not start; still serving the previous "
                 "ones",
                 WSS_KV_STR("error", err));
        return;
    }
    struct wss__http_gen *old = s->current;
    if (MHD_quiesce_daemon(old->daemon) == MHD_INVALID_SOCKET) {
        /* Cannot happen with MHD_USE_ITC on a listening daemon. If it did, stopping the old one
         * would close the shared socket: keep it and drop the new one instead. */
        atomic_fetch_add(&s->loads_failed, 1);
        WSS_ERROR("could not quiesce the https daemon; keeping the previous tls files");
        MHD_quiesce_daemon(g->daemon);
        gen_stop(g);
        return;
    }
    old->retired_ms = wss_clock_mono_ms();
    old->next = s->retired;
    s->retired = old;
    s->current = g;
    atomic_fetch_add(&s->draining, 1);
    atomic_fetch_add(&s->loads_ok, 1);
    WSS_INFO("tls files reloaded", WSS_KV_STR("cert", s->cert_file),
             WSS_KV_UINT("client_ca_bundles", s->files.nbundles));
}

/* Logs a failed pthread call around the watcher thread; they fail only on a broken mutex or
 * thread, so there is nothing better to do than say so. */
static void log_pthread_failure(const char *call, int rc)
{
    WSS_ERROR("tls reload watcher: pthread call failed", WSS_KV_STR("call", call),
              WSS_KV_STR("error", strerror(rc)));
}

static void *watch_main(void *arg)
{
    struct wss_http_server *s = arg;
    int rc = pthread_mutex_lock(&s->lock);
    if (rc != 0) {
        log_pthread_failure("pthread_mutex_lock", rc);
        return NULL;
    }
    while (!s->is_stopping) {
        struct timespec deadline = wss_mono_deadline_ms((int64_t)s->reload_ms);
        rc = 0;
        while (!s->is_stopping && rc == 0)
            rc = pthread_cond_timedwait(&s->wake, &s->lock, &deadline);
        if (s->is_stopping)
            break;
        rc = pthread_mutex_unlock(&s->lock);
        if (rc != 0) {
            log_pthread_failure("pthread_mutex_unlock", rc);
            return NULL;
        }
        tick(s);
        rc = pthread_mutex_lock(&s->lock);
        if (rc != 0) {
            log_pthread_failure("pthread_mutex_lock", rc);
            return NULL;
        }
    }
    rc = pthread_mutex_unlock(&s->lock);
    if (rc != 0)
        log_pthread_failure("pthread_mutex_unlock", rc);
    return NULL;
}

static char *dup_or_null(const char *s, bool *is_oom)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *is_oom = true;
    return d;
}

static int copy_config(struct wss_http_server *s, const struct wss_http_server_config *cfg,
                       char *err, size_t errlen)
{
    if ((cfg->tls_cert_file == NULL) != (cfg->tls_key_file == NULL)) {
        wss_errbuf_printf(err, errlen, "tls needs both a cert file and a key file, or neither");
        return -1;
    }
    s->is_tls = cfg->tls_cert_file != NULL;
    if (cfg->nclient_cas > 0 && !s->is_tls) {
        wss_errbuf_printf(err, errlen, "client CA bundles need tls (a cert file and a key file)");
        return -1;
    }
    if (cfg->nclient_cas > WSS_HTTP_TLS_MAX_BUNDLES) {
        wss_errbuf_printf(err, errlen, "at most %d client CA bundles", WSS_HTTP_TLS_MAX_BUNDLES);
        return -1;
    }
    s->threads = cfg->threads != 0 ? cfg->threads : WSS_HTTP_DEFAULT_THREADS;
    s->timeout_s = cfg->timeout_s != 0 ? cfg->timeout_s : WSS_HTTP_DEFAULT_TIMEOUT_S;
    s->max_connections =
        cfg->max_connections != 0 ? cfg->max_connections : WSS_HTTP_DEFAULT_MAX_CONNECTIONS;
    s->reload_ms = cfg->reload_ms != 0 ? cfg->reload_ms : WSS_HTTP_DEFAULT_RELOAD_MS;
    s->max_body_bytes =
        cfg->max_body_bytes != 0 ? cfg->max_body_bytes : WSS_HTTP_DEFAULT_MAX_BODY_BYTES;
    s->on_error = cfg->on_error;
    s->on_error_arg = cfg->on_error_arg;
    s->on_done = cfg->on_done;
    s->on_done_arg = cfg->on_done_arg;
    s->gate = cfg->gate;
    s->gate_arg = cfg->gate_arg;
    bool is_oom = false;
    s->cert_file = dup_or_null(cfg->tls_cert_file, &is_oom);
    s->key_file = dup_or_null(cfg->tls_key_file, &is_oom);
    for (size_t i = 0; i < cfg->nclient_cas; i++) {
        s->bundles[i].name = dup_or_null(cfg->client_cas[i].name, &is_oom);
        s->bundles[i].file = dup_or_null(cfg->client_cas[i].file, &is_oom);
    }
    s->files = (struct wss_http_tls_files){s->cert_file, s->key_file, s->bundles, cfg->nclient_cas};
    if (is_oom) {
        wss_errbuf_printf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static void server_free(struct wss_http_server *s)
{
    free(s->cert_file);
    free(s->key_file);
    for (size_t i = 0; i < WSS_HTTP_TLS_MAX_BUNDLES; i++) {
        free((char *)s->bundles[i].name);
        free((char *)s->bundles[i].file);
    }
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int init_sync(struct wss_http_server *s, char *err, size_t errlen)
{
    int rc = pthread_mutex_init(&s->lock, NULL);
    if (rc != 0) {
        wss_errbuf_printf(err, errlen, "pthread_mutex_init: %s", strerror(rc));
        return -1;
    }
    rc = wss_mono_cond_init(&s->wake); /* the reload period must not jump with the wall clock */
    if (rc != 0) {
        pthread_mutex_destroy(&s->lock);
        wss_errbuf_printf(err, errlen, "pthread_cond_init: %s", strerror(rc));
        return -1;
    }
    return 0;
}

/* Stops the accepting generation. Quiesced first: a quiesced daemon leaves the socket to us, so it
 * is closed exactly once, by server_free. */
static void stop_current(struct wss_http_server *s)
{
    if (s->current == NULL)
        return;
    if (MHD_quiesce_daemon(s->current->daemon) == MHD_INVALID_SOCKET)
        s->listen_fd = -1; /* MHD kept it and closes it on stop */
    gen_stop(s->current);
    s->current = NULL;
}

struct wss_http_server *wss_http_server_start(const struct wss_http_server_config *cfg,
                                              const struct wss_http_router *router, char *err,
                                              size_t errlen)
{
    struct wss_http_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        wss_errbuf_printf(err, errlen, "out of memory");
        return NULL;
    }
    s->listen_fd = -1;
    s->router = router;
    if (init_sync(s, err, errlen) != 0) {
        free(s);
        return NULL;
    }
    if (copy_config(s, cfg, err, errlen) != 0)
        goto fail;
    s->listen_fd =
        open_listener(cfg->host != NULL ? cfg->host : "0.0.0.0", cfg->port, &s->port, err, errlen);
    if (s->listen_fd < 0)
        goto fail;
    struct wss_http_tls *tls = NULL;
    if (s->is_tls) {
        /* Stamp before reading, so a change racing this load is seen on the next tick. */
        wss_http_tls_stamp_take(&s->files, &s->stamp);
        tls = wss_http_tls_load(&s->files, err, errlen);
        if (tls == NULL)
            goto fail;
        atomic_store(&s->loads_ok, 1);
    }
    s->current = gen_start(s, tls, err, errlen);
    if (s->current == NULL)
        goto fail;
    if (s->is_tls) {
        int rc = pthread_create(&s->watcher, NULL, watch_main, s);
        if (rc != 0) {
            wss_errbuf_printf(err, errlen, "pthread_create: %s", strerror(rc));
            goto fail;
        }
        s->has_watcher = true;
    }
    return s;

fail:
    stop_current(s);
    server_free(s);
    return NULL;
}

void wss_http_server_stop(struct wss_http_server *s)
{
    if (s == NULL)
        return;
    if (s->has_watcher) {
        int rc = pthread_mutex_lock(&s->lock);
        if (rc != 0) {
            log_pthread_failure("pthread_mutex_lock", rc);
        } else {
            s->is_stopping = true;
            rc = pthread_cond_signal(&s->wake);
            if (rc != 0)
                log_pthread_failure("pthread_cond_signal", rc);
            rc = pthread_mutex_unlock(&s->lock);
            if (rc != 0)
                log_pthread_failure("pthread_mutex_unlock", rc);
        }
        rc = pthread_join(s->watcher, NULL);
        if (rc != 0) {
            /* The watcher may still be using s: leaking it is safe, freeing it is not. */
            log_pthread_failure("pthread_join", rc);
            return;
        }
    }
    stop_current(s);
    while (s->retired != NULL) {
        struct wss__http_gen *g = s->retired;
        s->retired = g->next;
        gen_stop(g);
    }
    server_free(s);
}

uint16_t wss_http_server_port(const struct wss_http_server *s)
{
    return s->port;
}

void wss_http_server_stats(const struct wss_http_server *s, struct wss_http_server_stats *out)
{
    out->tls_loads_ok = atomic_load(&s->loads_ok);
    out->tls_loads_failed = atomic_load(&s->loads_failed);
    out->daemons_draining = atomic_load(&s->draining);
}
