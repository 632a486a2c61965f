/* SPDX-License-Identifier: Apache-2.0 */
/* test_front.c: the demo's round-robin front over real 127.0.0.1 sockets and echo backends:
 * round robin, endpoint removal, refusals, backpressure, half-close and stop.
 * Does not: sleep to synchronise; it waits on the front's counters with wss_wait_until().
 * Threads: each echo backend runs an acceptor thread and one thread per connection. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "front.h"
#include "wait.h"

/* How long any one wait in these tests may take before it counts as a failure. */
#define DEADLINE_MS 5000

/* Most connections one echo backend serves in a test. */
#define ECHO_MAX_CONNS 16

/* What an echo backend writes after the client's EOF, before its own. */
#define ECHO_TRAILER "<EOF>"

/* ---- echo backends -------------------------------------------------------------------------- */

struct echo_conn {
    int fd;
    pthread_t thread;
};

struct echo {
    int lfd;
    uint16_t port;
    int stop_pipe[2];
    pthread_t acceptor;
    atomic_int accepted; /* connections accepted; any thread reads it */
    int n_conns;         /* serving threads started; the acceptor's until it is joined */
    struct echo_conn conns[ECHO_MAX_CONNS]; /* written by the acceptor, read after it is joined */
};

/* Echoes until EOF, then writes ECHO_TRAILER and ends its side; the fd is closed by echo_stop. */
static void *echo_serve(void *arg)
{
    int fd = *(int *)arg;
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            if (n == 0) {
                (void)send(fd, ECHO_TRAILER, strlen(ECHO_TRAILER), MSG_NOSIGNAL);
                (void)shutdown(fd, SHUT_WR);
            }
            return NULL;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w <= 0)
                return NULL;
            off += w;
        }
    }
}

static void *echo_accept(void *arg)
{
    struct echo *e = arg;
    struct pollfd pfd[2] = {{.fd = e->lfd, .events = POLLIN},
                            {.fd = e->stop_pipe[0], .events = POLLIN}};
    while (e->n_conns < ECHO_MAX_CONNS) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            return NULL;
        if (pfd[1].revents)
            return NULL;
        if (!(pfd[0].revents & POLLIN))
            continue;
        int fd = accept(e->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        int i = e->n_conns;
        e->conns[i].fd = fd;
        /* Counted before the first echo can reach the client, which checks the count after it. */
        atomic_fetch_add(&e->accepted, 1);
        if (pthread_create(&e->conns[i].thread, NULL, echo_serve, &e->conns[i].fd) != 0) {
            close(fd);
            return NULL;
        }
        e->n_conns++;
    }
    return NULL;
}

/* A listening socket on 127.0.0.1 with an ephemeral port; returns the fd. */
static int listen_loopback(uint16_t *port, int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, backlog), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void echo_start(struct echo *e)
{
    memset(e, 0, sizeof(*e));
    e->lfd = listen_loopback(&e->port, 64);
    assert_int_equal(pipe(e->stop_pipe), 0);
    assert_int_equal(pthread_create(&e->acceptor, NULL, echo_accept, e), 0);
}

static void echo_stop(struct echo *e)
{
    assert_true(write(e->stop_pipe[1], "x", 1) == 1);
    assert_int_equal(pthread_join(e->acceptor, NULL), 0);
    for (int i = 0; i < e->n_conns; i++) {
        (void)shutdown(e->conns[i].fd, SHUT_RDWR);
        assert_int_equal(pthread_join(e->conns[i].thread, NULL), 0);
        close(e->conns[i].fd);
    }
    close(e->lfd);
    close(e->stop_pipe[0]);
    close(e->stop_pipe[1]);
}

/* ---- clients -------------------------------------------------------------------------------- */

/* A blocking client of the front whose reads give up after DEADLINE_MS. */
static int client_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = DEADLINE_MS / 1000};
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Reads exactly len bytes; false on EOF, error or the read deadline. */
static bool read_exact(int fd, char *buf, size_t len)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* Sends msg and checks that the same bytes come back. */
static void assert_echoes(int fd, const char *msg)
{
    size_t len = strlen(msg);
    char buf[256];
    assert_true(len < sizeof(buf));
    assert_int_equal(send(fd, msg, len, MSG_NOSIGNAL), (ssize_t)len);
    assert_true(read_exact(fd, buf, len));
    assert_memory_equal(buf, msg, len);
}

/* True when the peer has ended the connection (EOF or reset) within the read deadline. */
static bool is_closed_by_peer(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

/* ---- waiting on the front ------------------------------------------------------------------- */

struct stat_wait {
    struct front *f;
    const char *field; /* "accepted", "refused", "failed", "open", "over_cap" */
    uint64_t want;
};

static bool stat_reached(void *arg)
{
    struct stat_wait *w = arg;
    static struct front_stats st; /* large; the tests run on one thread */
    front_stats(w->f, &st);
    uint64_t v = !strcmp(w->field, "accepted")   ? st.accepted
                 : !strcmp(w->field, "refused")  ? st.refused_no_endpoint
                 : !strcmp(w->field, "failed")   ? st.backend_failed
                 : !strcmp(w->field, "over_cap") ? st.refused_over_cap
                                                 : st.open;
    return v == w->want;
}

static void wait_stat(struct front *f, const char *field, uint64_t want)
{
    struct stat_wait w = {f, field, want};
    if (!wss_wait_until(stat_reached, &w, DEADLINE_MS))
        fail_msg("front stat %s never reached %llu", field, (unsigned long long)want);
}

static const struct front_endpoint_stats *find_ep(const struct front_stats *st, const char *name)
{
    for (size_t i = 0; i < st->n_endpoints; i++)
        if (!strcmp(st->endpoints[i].name, name))
            return &st->endpoints[i];
    return NULL;
}

static struct front *start_front(const struct front_options *opt)
{
    char err[FRONT_ERR_LEN];
    struct front *f = front_start("127.0.0.1", 0, opt, err, sizeof(err));
    if (!f)
        fail_msg("front_start: %s", err);
    assert_true(front_port(f) != 0);
    return f;
}

static struct front_stats stats; /* large; the tests run on one thread */

/* ---- tests ---------------------------------------------------------------------------------- */

static void spreads_new_connections_round_robin_over_three_backends(void **state)
{
    (void)state;
    struct echo b[3];
    const char *names[3] = {"chat-a", "chat-b", "chat-c"};
    struct front_endpoint eps[3];
    for (int i = 0; i < 3; i++) {
        echo_start(&b[i]);
        eps[i] = (struct front_endpoint){"127.0.0.1", b[i].port, names[i]};
    }
    struct front *f = start_front(NULL);
    assert_int_equal(front_set_endpoints(f, eps, 3), 0);
    int fds[9];
    for (int i = 0; i < 9; i++) {
        fds[i] = client_connect(front_port(f));
        assert_echoes(fds[i], "ping");
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(atomic_load(&b[i].accepted), 3);
    front_stats(f, &stats);
    assert_int_equal(stats.accepted, 9);
    assert_int_equal(stats.open, 9);
    assert_int_equal(stats.n_endpoints, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(stats.endpoints[i].name, names[i]);
        assert_string_equal(stats.endpoints[i].host, "127.0.0.1");
        assert_int_equal(stats.endpoints[i].port, b[i].port);
        assert_true(stats.endpoints[i].is_ready);
        assert_int_equal(stats.endpoints[i].open, 3);
        assert_int_equal(stats.endpoints[i].total, 3);
    }
    for (int i = 0; i < 9; i++)
        close(fds[i]);
    wait_stat(f, "open", 0);
    front_stop(f);
    for (int i = 0; i < 3; i++)
        echo_stop(&b[i]);
}

static void removed_endpoint_keeps_its_connections_and_gets_no_new_ones(void **state)
{
    (void)state;
    struct echo a, b;
    echo_start(&a);
    echo_start(&b);
    struct front_endpoint both[2] = {{"127.0.0.1", a.port, "pod-a"},
                                     {"127.0.0.1", b.port, "pod-b"}};
    struct front *f = start_front(NULL);
    assert_int_equal(front_set_endpoints(f, both, 2), 0);
    int on_a = client_connect(front_port(f));
    assert_echoes(on_a, "first");
    int on_b = client_connect(front_port(f));
    assert_echoes(on_b, "second");
    assert_int_equal(atomic_load(&a.accepted), 1);

    assert_int_equal(front_set_endpoints(f, &both[1], 1), 0);
    int later[3];
    for (int i = 0; i < 3; i++) {
        later[i] = client_connect(front_port(f));
        assert_echoes(later[i], "later");
    }
    assert_int_equal(atomic_load(&a.accepted), 1);
    assert_int_equal(atomic_load(&b.accepted), 4);
    assert_echoes(on_a, "still here"); /* the removed pod's connection still works */

    front_stats(f, &stats);
    const struct front_endpoint_stats *sa = find_ep(&stats, "pod-a");
    assert_non_null(sa);
    assert_false(sa->is_ready);
    assert_int_equal(sa->open, 1);
    assert_true(find_ep(&stats, "pod-b")->is_ready);
    assert_int_equal(find_ep(&stats, "pod-b")->open, 4);

    /* Once its last connection ends, a removed endpoint is forgotten. */
    close(on_a);
    wait_stat(f, "open", 4);
    front_stats(f, &stats);
    assert_null(find_ep(&stats, "pod-a"));
    assert_int_equal(stats.n_endpoints, 1);

    close(on_b);
    for (int i = 0; i < 3; i++)
        close(later[i]);
    front_stop(f);
    echo_stop(&a);
    echo_stop(&b);
}

static void closes_at_once_without_endpoints(void **state)
{
    (void)state;
    struct front *f = start_front(NULL);
    int fd = client_connect(front_port(f));
    assert_true(is_closed_by_peer(fd));
    wait_stat(f, "refused", 1);
    front_stats(f, &stats);
    assert_int_equal(stats.accepted, 1);
    assert_int_equal(stats.open, 0);
    close(fd);

    /* Emptying the set of a front that had endpoints does the same. */
    struct echo b;
    echo_start(&b);
    struct front_endpoint ep = {"127.0.0.1", b.port, "pod-b"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    assert_int_equal(front_set_endpoints(f, NULL, 0), 0);
    fd = client_connect(front_port(f));
    assert_true(is_closed_by_peer(fd));
    wait_stat(f, "refused", 2);
    assert_int_equal(atomic_load(&b.accepted), 0);
    close(fd);
    front_stop(f);
    echo_stop(&b);
}

static void closes_client_when_backend_refuses(void **state)
{
    (void)state;
    uint16_t dead_port;
    close(listen_loopback(&dead_port, 1)); /* nothing listens there any more */
    struct front *f = start_front(NULL);
    struct front_endpoint ep = {"127.0.0.1", dead_port, "pod-dead"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    int fd = client_connect(front_port(f));
    assert_true(is_closed_by_peer(fd));
    wait_stat(f, "failed", 1);
    wait_stat(f, "open", 0);
    front_stats(f, &stats);
    assert_int_equal(stats.endpoints[0].failed, 1);
    assert_int_equal(stats.endpoints[0].open, 0);
    close(fd);
    front_stop(f);
}

static void closes_client_when_backend_connect_times_out(void **state)
{
    (void)state;
    /* A listener that never accepts: once its queue is full the kernel drops further SYNs. */
    uint16_t port;
    int lfd = listen_loopback(&port, 0);
    int fillers[4];
    int n_fill = 0;
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (; n_fill < 4; n_fill++) {
        fillers[n_fill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_true(fillers[n_fill] >= 0);
        (void)connect(fillers[n_fill], (struct sockaddr *)&a, sizeof(a));
    }
    struct front_options opt = {.connect_timeout_ms = 200};
    struct front *f = start_front(&opt);
    struct front_endpoint ep = {"127.0.0.1", port, "pod-stuck"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    int fd = client_connect(front_port(f));
    long long t0 = wss_wait_now_ms();
    assert_true(is_closed_by_peer(fd));
    assert_true(wss_wait_now_ms() - t0 < DEADLINE_MS);
    wait_stat(f, "failed", 1);
    close(fd);
    front_stop(f);
    for (int i = 0; i < n_fill; i++)
        close(fillers[i]);
    close(lfd);
}

static void refuses_connections_over_the_cap(void **state)
{
    (void)state;
    struct echo b;
    echo_start(&b);
    struct front_options opt = {.max_conns = 2};
    struct front *f = start_front(&opt);
    struct front_endpoint ep = {"127.0.0.1", b.port, "pod-b"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    int c1 = client_connect(front_port(f));
    assert_echoes(c1, "one");
    int c2 = client_connect(front_port(f));
    assert_echoes(c2, "two");
    int c3 = client_connect(front_port(f));
    assert_true(is_closed_by_peer(c3));
    wait_stat(f, "over_cap", 1);
    close(c3);
    close(c1);
    wait_stat(f, "open", 1);
    int c4 = client_connect(front_port(f)); /* room again */
    assert_echoes(c4, "four");
    close(c2);
    close(c4);
    front_stop(f);
    echo_stop(&b);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Bytes the large-transfer test pushes each way. */
#define BIG_TOTAL (64u * 1024u * 1024u)
/* The front's per-direction buffer in that test. */
#define SMALL_BUF 4096
/* How long the writer must make no progress to count as held back. */
#define STALL_MS 300

static void moves_large_transfers_both_ways_through_small_buffers(void **state)
{
    (void)state;
    struct echo b;
    echo_start(&b);
    struct front_options opt = {.buf_bytes = SMALL_BUF};
    struct front *f = start_front(&opt);
    struct front_endpoint ep = {"127.0.0.1", b.port, "pod-b"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    int fd = client_connect(front_port(f));
    assert_echoes(fd, "hello"); /* connected through */

    static unsigned char out[65536], in[65536];
    uint64_t rng = 0x9e3779b97f4a7c15ull, h_sent = 1469598103934665603ull;
    uint64_t h_recv = h_sent;
    size_t sent = 0, recvd = 0, out_len = 0, out_off = 0;
    long long deadline = wss_wait_now_ms() + 4 * DEADLINE_MS;

    /* Phase 1: write without reading; the front must hold the writer back long before the end. */
    bool is_stalled = false;
    while (!is_stalled && sent < BIG_TOTAL && wss_wait_now_ms() < deadline) {
        if (out_off == out_len) {
            out_len = sizeof(out) < BIG_TOTAL - sent ? sizeof(out) : BIG_TOTAL - sent;
            for (size_t i = 0; i < out_len; i += 8) {
                uint64_t r = xorshift(&rng);
                memcpy(out + i, &r, 8);
            }
            h_sent = fnv1a(h_sent, out, out_len);
            out_off = 0;
        }
        ssize_t n = send(fd, out + out_off, out_len - out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            out_off += (size_t)n;
            sent += (size_t)n;
            continue;
        }
        assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        is_stalled = poll(&p, 1, STALL_MS) == 0;
    }
    assert_true(is_stalled);
    assert_true(sent < BIG_TOTAL);
    print_message("writer held back after %zu of %u bytes\n", sent, BIG_TOTAL);

    /* Phase 2: both ways at once until every byte came back. */
    while (recvd < BIG_TOTAL && wss_wait_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < BIG_TOTAL ? POLLOUT : 0)};
        assert_true(poll(&p, 1, DEADLINE_MS) > 0);
        if (p.revents & POLLOUT) {
            if (out_off == out_len) {
                out_len = sizeof(out) < BIG_TOTAL - sent ? sizeof(out) : BIG_TOTAL - sent;
                for (size_t i = 0; i < out_len; i += 8) {
                    uint64_t r = xorshift(&rng);
                    memcpy(out + i, &r, 8);
                }
                h_sent = fnv1a(h_sent, out, out_len);
                out_off = 0;
            }
            ssize_t n = send(fd, out + out_off, out_len - out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                out_off += (size_t)n;
                sent += (size_t)n;
            }
        }
        if (p.revents & POLLIN) {
            size_t want = BIG_TOTAL - recvd < sizeof(in) ? BIG_TOTAL - recvd : sizeof(in);
            ssize_t n = recv(fd, in, want, MSG_DONTWAIT);
            assert_true(n > 0 || (n < 0 && errno == EAGAIN));
            if (n > 0) {
                h_recv = fnv1a(h_recv, in, (size_t)n);
                recvd += (size_t)n;
            }
        }
    }
    assert_int_equal(sent, BIG_TOTAL);
    assert_int_equal(recvd, BIG_TOTAL);
    assert_true(h_recv == h_sent);
    close(fd);
    wait_stat(f, "open", 0);
    front_stop(f);
    echo_stop(&b);
}

static void forwards_half_close_and_keeps_the_other_direction(void **state)
{
    (void)state;
    struct echo b;
    echo_start(&b);
    struct front *f = start_front(NULL);
    struct front_endpoint ep = {"127.0.0.1", b.port, "pod-b"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    int fd = client_connect(front_port(f));
    assert_int_equal(send(fd, "bye", 3, MSG_NOSIGNAL), 3);
    assert_int_equal(shutdown(fd, SHUT_WR), 0);
    /* The backend sees our EOF and still gets its echo and trailer through, then its own EOF. */
    char buf[16];
    const char *want = "bye" ECHO_TRAILER;
    assert_true(read_exact(fd, buf, strlen(want)));
    assert_memory_equal(buf, want, strlen(want));
    assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);
    wait_stat(f, "open", 0); /* both directions ended: the front let go */
    close(fd);
    front_stop(f);
    echo_stop(&b);
}

static void stop_closes_open_connections(void **state)
{
    (void)state;
    struct echo b;
    echo_start(&b);
    struct front *f = start_front(NULL);
    struct front_endpoint ep = {"127.0.0.1", b.port, "pod-b"};
    assert_int_equal(front_set_endpoints(f, &ep, 1), 0);
    int c1 = client_connect(front_port(f));
    assert_echoes(c1, "one");
    int c2 = client_connect(front_port(f));
    assert_echoes(c2, "two");
    front_stop(f);
    assert_true(is_closed_by_peer(c1));
    assert_true(is_closed_by_peer(c2));
    close(c1);
    close(c2);
    echo_stop(&b);
}

static void rejects_bad_endpoints_and_keeps_the_old_set(void **state)
{
    (void)state;
    char long_name[FRONT_NAME_LEN + 1];
    memset(long_name, 'x', FRONT_NAME_LEN);
    long_name[FRONT_NAME_LEN] = '\0';
    static const struct {
        struct front_endpoint ep;
        int want;
    } bad[] = {
        {{"localhost", 80, "p"}, -EINVAL},   {{"127.0.0.1", 0, "p"}, -EINVAL},
        {{"127.0.0.256", 80, "p"}, -EINVAL}, {{NULL, 80, "p"}, -EINVAL},
        {{"127.0.0.1", 80, NULL}, -EINVAL},  {{"[::1]", 80, "p"}, -EINVAL},
    };
    struct front *f = start_front(NULL);
    struct front_endpoint good = {"::1", 8080, "pod-v6"};
    assert_int_equal(front_set_endpoints(f, &good, 1), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(front_set_endpoints(f, &bad[i].ep, 1), bad[i].want);
    struct front_endpoint named = {"127.0.0.1", 80, long_name};
    assert_int_equal(front_set_endpoints(f, &named, 1), -ENAMETOOLONG);
    struct front_endpoint many[FRONT_MAX_ENDPOINTS + 1];
    for (size_t i = 0; i <= FRONT_MAX_ENDPOINTS; i++)
        many[i] = good;
    assert_int_equal(front_set_endpoints(f, many, FRONT_MAX_ENDPOINTS + 1), -EINVAL);
    front_stats(f, &stats);
    assert_int_equal(stats.n_endpoints, 1);
    assert_string_equal(stats.endpoints[0].name, "pod-v6");
    assert_true(stats.endpoints[0].is_ready);
    front_stop(f);
    front_stop(NULL);
}

static void start_reports_a_bad_listen_address(void **state)
{
    (void)state;
    char err[FRONT_ERR_LEN];
    assert_null(front_start("localhost", 0, NULL, err, sizeof(err)));
    assert_string_equal(err,
                        "front: listen address localhost is not a numeric IPv4 or IPv6 address");
    uint16_t port;
    int lfd = listen_loopback(&port, 1);
    assert_null(front_start("127.0.0.1", port, NULL, err, sizeof(err)));
    char want[FRONT_ERR_LEN];
    snprintf(want, sizeof(want), "front: listening on 127.0.0.1 port %u: Address already in use",
             (unsigned)port);
    assert_string_equal(err, want);
    close(lfd);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spreads_new_connections_round_robin_over_three_backends),
        cmocka_unit_test(removed_endpoint_keeps_its_connections_and_gets_no_new_ones),
        cmocka_unit_test(closes_at_once_without_endpoints),
        cmocka_unit_test(closes_client_when_backend_refuses),
        cmocka_unit_test(closes_client_when_backend_connect_times_out),
        cmocka_unit_test(refuses_connections_over_the_cap),
        cmocka_unit_test(moves_large_transfers_both_ways_through_small_buffers),
        cmocka_unit_test(forwards_half_close_and_keeps_the_other_direction),
        cmocka_unit_test(stop_closes_open_connections),
        cmocka_unit_test(rejects_bad_endpoints_and_keeps_the_old_set),
        cmocka_unit_test(start_reports_a_bad_listen_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
