/* SPDX-License-Identifier: Apache-2.0 */
/* source_socktable.c: the `socket` source's I/O: runs the sock_diag dumps (one per address
 * family) or reads /proc/net/tcp{,6}, feeds the pure parsers, and falls back to /proc when the
 * kernel refuses sock_diag.
 * Does not: build or parse netlink messages or /proc lines itself (socktable_diag.c and
 * socktable_proc.c do), or retry a refused sock_diag (a refusal is the pod's policy).
 * Threads: one sampler thread; `active` is atomic because /metrics reads it from its own. */
#include "source_socktable.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "socktable_diag.h"
#include "socktable_proc.h"
#include "wsscale/clock.h"
#include "wsscale/errbuf.h"
#include "wsscale/log.h"

/* One buffer serves both methods. A sock_diag datagram is at most 32 KiB (the kernel caps dump
 * allocations there); /proc reads gain nothing from more than a few hundred lines at a time. */
#define RECV_BUF_LEN (64 * 1024)

#define DEFAULT_PROC_NET_DIR "/proc/net"

/* Bounds the loop over one dump even if a broken kernel never sent NLMSG_DONE: a 32 KiB datagram
 * holds 300 or so sockets, so this is some hundred million sockets, far past any real table. */
#define MAX_DATAGRAMS_PER_DUMP (1 << 20)

_Static_assert(SOURCE_SOCKTABLE_MAX_PORTS == SOCKTABLE_DIAG_MAX_PORTS,
               "the source takes as many ports as the kernel filter holds");

struct socktable {
    uint16_t ports[SOCKTABLE_DIAG_MAX_PORTS];
    size_t nports;
    enum source_socktable_method wanted;
    _Atomic int active; /* SOURCE_SOCKTABLE_SOCK_DIAG or _PROC; sampler writes, /metrics reads */
    bool is_method_logged;
    int timeout_ms;
    int nl_fd;    /* the sock_diag socket, kept between good samples; -1 when closed */
    uint32_t seq; /* last dump's sequence number */
    /* sock_diag, by family (IPv4, IPv6): */
    uint64_t found_last[2];     /* sockets the family's last walk found */
    unsigned samples_from_full; /* 0: the next sample walks both families */
    _Atomic uint64_t walks[2];  /* established-table walks done (source_socktable_walks) */
    char proc_tcp[SOURCE_SOCKTABLE_DIR_MAX + sizeof("/tcp6")];
    char proc_tcp6[SOURCE_SOCKTABLE_DIR_MAX + sizeof("/tcp6")];
    unsigned char *buf; /* owned; RECV_BUF_LEN bytes */
};

/* How one attempt ended. */
enum outcome {
    OUTCOME_OK,
    OUTCOME_REFUSED, /* sock_diag is not allowed or not there: the cue to fall back */
    OUTCOME_FAILED,
};

static const char *method_name(int method)
{
    return method == SOURCE_SOCKTABLE_PROC ? "proc" : "sock_diag";
}

static const char *errno_text(int e, char *buf, size_t len)
{
    return strerror_r(e, buf, len); /* the GNU variant: returns the text, maybe not in buf */
}

static void close_netlink(struct socktable *t)
{
    if (t->nl_fd >= 0)
        close(t->nl_fd);
    t->nl_fd = -1;
}

/* socket() or send() failing so means sock_diag is not for this pod. */
static bool is_refusal_errno(int e)
{
    return e == EPERM || e == EACCES || e == EPROTONOSUPPORT || e == EAFNOSUPPORT;
}

/* An NLMSG_ERROR normally means the kernel refused the dump (EPERM from a security module,
 * ENOENT without inet_diag, EINVAL for a filter it does not know). These few say "not now"
 * instead, and must not make the source give up sock_diag for the pod's lifetime. */
static bool is_transient_errno(int e)
{
    return e == ENOMEM || e == ENOBUFS || e == EBUSY || e == EINTR || e == EAGAIN;
}

/* Receives one datagram, waiting at most until deadline. Returns its length, or -1 with reason
 * set. The kernel builds the next part of a dump as the previous one is read, so the
 * non-blocking attempt usually succeeds and poll() is rarely needed. */
static ssize_t recv_part(struct socktable *t, long long deadline, char *reason, size_t rlen)
{
    for (;;) {
        struct iovec iov = {.iov_base = t->buf, .iov_len = RECV_BUF_LEN};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(t->nl_fd, &msg, MSG_DONTWAIT);
        if (n >= 0) {
            if (msg.msg_flags & MSG_TRUNC) {
                wss_errbuf_printf(reason, rlen, "sock_diag: reply datagram larger than %d bytes",
                                  RECV_BUF_LEN);
                return -1;
            }
            return n;
        }
        char eb[64];
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            wss_errbuf_printf(reason, rlen, "sock_diag: recv: %s",
                              errno_text(errno, eb, sizeof(eb)));
            return -1;
        }
        long long left = deadline - wss_clock_mono_ms();
        if (left <= 0) {
            wss_errbuf_printf(reason, rlen, "sock_diag: no complete reply within %d ms",
                              t->timeout_ms);
            return -1;
        }
        struct pollfd pfd = {.fd = t->nl_fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
            wss_errbuf_printf(reason, rlen, "sock_diag: poll: %s",
                              errno_text(errno, eb, sizeof(eb)));
            return -1;
        }
    }
}

/* Runs one dump for family and states and adds its sockets to *count. */
static enum outcome dump_family(struct socktable *t, int family, uint32_t states,
                                long long deadline, uint64_t *count, char *reason, size_t rlen)
{
    unsigned char req[SOCKTABLE_DIAG_REQUEST_MAX];
    uint32_t seq = ++t->seq;
    size_t req_len =
        socktable_diag_request(req, sizeof(req), family, states, t->ports, t->nports, seq);
    if (req_len == 0) {
        wss_errbuf_printf(reason, rlen, "sock_diag: cannot build the request");
        return OUTCOME_FAILED;
    }
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    char eb[64];
    ssize_t sent;
    do {
        sent = sendto(t->nl_fd, req, req_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        int e = errno;
        wss_errbuf_printf(reason, rlen, "sock_diag: send: %s", errno_text(e, eb, sizeof(eb)));
        return is_refusal_errno(e) ? OUTCOME_REFUSED : OUTCOME_FAILED;
    }

    struct socktable_diag_reply reply = {0};
    for (long i = 0; i < MAX_DATAGRAMS_PER_DUMP && !reply.is_done && reply.error == 0; i++) {
        ssize_t n = recv_part(t, deadline, reason, rlen);
        if (n < 0)
            return OUTCOME_FAILED;
        struct wss_parse_err perr;
        if (socktable_diag_parse(t->buf, (size_t)n, seq, &reply, &perr) < 0) {
            wss_errbuf_printf(reason, rlen, "sock_diag reply: %s", perr.msg);
            return OUTCOME_FAILED;
        }
    }
    if (reply.error == ENOENT && family == AF_INET6)
        return OUTCOME_OK; /* a kernel without IPv6 has no IPv6 sockets to count */
    if (reply.error != 0) {
        wss_errbuf_printf(reason, rlen, "sock_diag refused the %s dump: %s",
                          family == AF_INET ? "IPv4" : "IPv6",
                          errno_text(reply.error, eb, sizeof(eb)));
        return is_transient_errno(reply.error) ? OUTCOME_FAILED : OUTCOME_REFUSED;
    }
    if (!reply.is_done) {
        wss_errbuf_printf(reason, rlen, "sock_diag: dump did not end after %d datagrams",
                          MAX_DATAGRAMS_PER_DUMP);
        return OUTCOME_FAILED;
    }
    *count += reply.sockets;
    return OUTCOME_OK;
}

static enum outcome count_sock_diag(struct socktable *t, long long deadline, uint64_t *count,
                                    char *reason, size_t rlen)
{
    if (t->nl_fd < 0) {
        t->nl_fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (t->nl_fd < 0) {
            int e = errno;
            char eb[64];
            wss_errbuf_printf(reason, rlen, "sock_diag: socket: %s", errno_text(e, eb, sizeof(eb)));
            return is_refusal_errno(e) ? OUTCOME_REFUSED : OUTCOME_FAILED;
        }
    }
    static const int families[] = {AF_INET, AF_INET6};
    /* Which families to walk: a listener dump reads only the small listening table. */
    bool is_full = t->samples_from_full == 0, has_listener[2] = {false, false};
    for (size_t i = 0; i < 2 && !is_full; i++) {
        uint64_t n = 0;
        enum outcome o =
            dump_family(t, families[i], SOCKTABLE_DIAG_LISTEN, deadline, &n, reason, rlen);
        if (o != OUTCOME_OK) {
            close_netlink(t);
            return o;
        }
        has_listener[i] = n > 0;
    }
    /* No listener at all (not listening yet, or draining): walk both. */
    is_full = is_full || (!has_listener[0] && !has_listener[1]);
    uint64_t total = 0;
    for (size_t i = 0; i < 2; i++) {
        if (!is_full && !has_listener[i] && t->found_last[i] == 0)
            continue;
        uint64_t n = 0;
        enum outcome o =
            dump_family(t, families[i], SOCKTABLE_DIAG_ESTABLISHED, deadline, &n, reason, rlen);
        atomic_fetch_add(&t->walks[i], 1);
        if (o != OUTCOME_OK) {
            /* A dump cut short may still be running and would refuse the next one (EBUSY). */
            close_netlink(t);
            t->samples_from_full = 0;
            return o;
        }
        t->found_last[i] = n;
        total += n;
    }
    t->samples_from_full =
        is_full ? 1 : (t->samples_from_full + 1) % SOURCE_SOCKTABLE_FULL_WALK_EVERY;
    *count = total;
    return OUTCOME_OK;
}

/* Counts the wanted sockets in one /proc file. A missing tcp6 is a kernel without IPv6. */
static enum outcome count_proc_file(struct socktable *t, const char *path, bool is_missing_ok,
                                    long long deadline, uint64_t *count, char *reason, size_t rlen)
{
    char eb[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && is_missing_ok)
            return OUTCOME_OK;
        wss_errbuf_printf(reason, rlen, "open %s: %s", path, errno_text(errno, eb, sizeof(eb)));
        return OUTCOME_FAILED;
    }
    struct socktable_proc_count c = {0};
    struct wss_parse_err perr;
    char *buf = (char *)t->buf;
    size_t have = 0;
    enum outcome o = OUTCOME_FAILED;
    /* Each pass reads at least one byte or ends, so the file's length bounds the loop. */
    for (;;) {
        if (wss_clock_mono_ms() > deadline) {
            wss_errbuf_printf(reason, rlen, "read %s: not done within %d ms", path, t->timeout_ms);
            goto done;
        }
        ssize_t n = read(fd, buf + have, RECV_BUF_LEN - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            wss_errbuf_printf(reason, rlen, "read %s: %s", path, errno_text(errno, eb, sizeof(eb)));
            goto done;
        }
        if (n == 0)
            break;
        have += (size_t)n;
        int rc = socktable_proc_feed(&c, buf, have, t->ports, t->nports, &perr);
        if (rc == WSS_PARSE_INVALID) {
            wss_errbuf_printf(reason, rlen, "%s: %s", path, perr.msg);
            goto done;
        }
        if (rc > 0) {
            memmove(buf, buf + rc, have - (size_t)rc);
            have -= (size_t)rc;
        }
    }
    if (socktable_proc_end(&c, have, &perr) != 0) {
        wss_errbuf_printf(reason, rlen, "%s: %s", path, perr.msg);
        goto done;
    }
    *count += c.matched;
    o = OUTCOME_OK;
done:
    close(fd);
    return o;
}

static enum outcome count_proc(struct socktable *t, long long deadline, uint64_t *count,
                               char *reason, size_t rlen)
{
    uint64_t total = 0;
    enum outcome o = count_proc_file(t, t->proc_tcp, false, deadline, &total, reason, rlen);
    if (o == OUTCOME_OK)
        o = count_proc_file(t, t->proc_tcp6, true, deadline, &total, reason, rlen);
    if (o == OUTCOME_OK)
        *count = total;
    return o;
}

static void log_method(struct socktable *t, int method, const char *why)
{
    if (t->is_method_logged && atomic_load(&t->active) == method)
        return;
    if (!t->is_method_logged)
        WSS_INFO("socket source counting", WSS_KV_STR("method", method_name(method)),
                 WSS_KV_STR("reason", why));
    else
        WSS_WARN("socket source switched method", WSS_KV_STR("method", method_name(method)),
                 WSS_KV_STR("reason", why));
    t->is_method_logged = true;
    atomic_store(&t->active, method);
}

static int socktable_sample(void *self, struct source_sample *out)
{
    struct socktable *t = self;
    if (out == NULL)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    if (t == NULL) {
        out->state = SOURCE_ERROR;
        wss_errbuf_printf(out->reason, sizeof(out->reason),
                          "socket source: sampled without a source");
        return -EINVAL;
    }
    long long deadline = wss_clock_mono_ms() + t->timeout_ms;
    uint64_t count = 0;
    enum outcome o;
    if (atomic_load(&t->active) == SOURCE_SOCKTABLE_SOCK_DIAG) {
        o = count_sock_diag(t, deadline, &count, out->reason, sizeof(out->reason));
        if (o == OUTCOME_REFUSED && t->wanted == SOURCE_SOCKTABLE_AUTO) {
            log_method(t, SOURCE_SOCKTABLE_PROC, out->reason);
            out->reason[0] = '\0';
            o = count_proc(t, deadline, &count, out->reason, sizeof(out->reason));
        } else if (o == OUTCOME_OK) {
            log_method(t, SOURCE_SOCKTABLE_SOCK_DIAG, "sock_diag answered");
        }
    } else {
        o = count_proc(t, deadline, &count, out->reason, sizeof(out->reason));
        if (o == OUTCOME_OK)
            log_method(t, SOURCE_SOCKTABLE_PROC,
                       t->wanted == SOURCE_SOCKTABLE_PROC ? "chosen" : "sock_diag refused");
    }
    if (o != OUTCOME_OK) {
        out->state = SOURCE_ERROR;
        return 0;
    }
    out->state = SOURCE_OK;
    out->active = count;
    out->reason[0] = '\0';
    return 0;
}

static void socktable_destroy(void *self)
{
    struct socktable *t = self;
    if (t == NULL)
        return;
    close_netlink(t);
    free(t->buf);
    free(t);
}

static const struct source_ops socktable_ops = {
    .kind = "socket",
    .sample = socktable_sample,
    .destroy = socktable_destroy,
};

static struct source fail(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", msg);
    return (struct source){.ops = NULL, .self = NULL};
}

struct source source_socktable_new_opts(const uint16_t *ports, size_t nports,
                                        const struct source_socktable_opts *opts, char *err,
                                        size_t errlen)
{
    static const struct source_socktable_opts defaults = {.method = SOURCE_SOCKTABLE_AUTO};
    if (opts == NULL)
        opts = &defaults;
    char msg[160];
    if (ports == NULL || nports == 0)
        return fail(err, errlen,
                    "socket source: no ports to count (give the app's listening "
                    "ports)");
    if (nports > SOURCE_SOCKTABLE_MAX_PORTS) {
        snprintf(msg, sizeof(msg), "socket source: %zu ports, at most %d", nports,
                 SOCKTABLE_DIAG_MAX_PORTS);
        return fail(err, errlen, msg);
    }
    for (size_t i = 0; i < nports; i++) {
        if (ports[i] == 0)
            return fail(err, errlen, "socket source: port 0 is not a listening port");
    }
    if (opts->method != SOURCE_SOCKTABLE_AUTO && opts->method != SOURCE_SOCKTABLE_SOCK_DIAG &&
        opts->method != SOURCE_SOCKTABLE_PROC)
        return fail(err, errlen, "socket source: unknown method");
    if (opts->timeout_ms < 0)
        return fail(err, errlen, "socket source: negative timeout");
    const char *dir = opts->proc_net_dir != NULL ? opts->proc_net_dir : DEFAULT_PROC_NET_DIR;
    if (strlen(dir) > SOURCE_SOCKTABLE_DIR_MAX) {
        snprintf(msg, sizeof(msg), "socket source: proc directory longer than %d bytes",
                 SOURCE_SOCKTABLE_DIR_MAX);
        return fail(err, errlen, msg);
    }

    struct socktable *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return fail(err, errlen, "socket source: out of memory");
    t->buf = malloc(RECV_BUF_LEN);
    if (t->buf == NULL) {
        free(t);
        return fail(err, errlen, "socket source: out of memory");
    }
    memcpy(t->ports, ports, nports * sizeof(ports[0]));
    t->nports = nports;
    t->wanted = opts->method;
    atomic_init(&t->active, opts->method == SOURCE_SOCKTABLE_PROC ? SOURCE_SOCKTABLE_PROC
                                                                  : SOURCE_SOCKTABLE_SOCK_DIAG);
    t->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : SOURCE_SOCKTABLE_TIMEOUT_MS;
    t->nl_fd = -1;
    snprintf(t->proc_tcp, sizeof(t->proc_tcp), "%s/tcp", dir);
    snprintf(t->proc_tcp6, sizeof(t->proc_tcp6), "%s/tcp6", dir);
    return (struct source){.ops = &socktable_ops, .self = t};
}

struct source source_socktable_new(const uint16_t *ports, size_t nports, char *err, size_t errlen)
{
    return source_socktable_new_opts(ports, nports, NULL, err, errlen);
}

void source_socktable_walks(const struct source *src, uint64_t *ipv4, uint64_t *ipv6)
{
    *ipv4 = *ipv6 = 0;
    if (src == NULL || src->ops != &socktable_ops || src->self == NULL)
        return;
    struct socktable *t = src->self;
    *ipv4 = atomic_load(&t->walks[0]);
    *ipv6 = atomic_load(&t->walks[1]);
}

const char *source_socktable_method(const struct source *src)
{
    if (src == NULL || src->ops != &socktable_ops || src->self == NULL)
        return NULL;
    const struct socktable *t = src->self;
    return method_name(atomic_load(&t->active));
}

int source_socktable_method_parse(const char *s, enum source_socktable_method *out)
{
    static const struct {
        const char *name;
        enum source_socktable_method method;
    } names[] = {
        {"auto", SOURCE_SOCKTABLE_AUTO},
        {"sock_diag", SOURCE_SOCKTABLE_SOCK_DIAG},
        {"proc", SOURCE_SOCKTABLE_PROC},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].method;
            return 0;
        }
    }
    return -1;
}
