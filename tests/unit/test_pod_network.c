/* SPDX-License-Identifier: Apache-2.0 */
/* test_pod_network.c: --netns on the real kernel: the host's uplink and gateway, pod addresses,
 * TCP host -> pod and pod -> gateway, each pod's own loopback, round-robin addresses, refusals
 * (overlap, text, no root), and nothing left on the host. Needs root: exits 77 otherwise.
 * Does not: sleep to wait (polls and wss_wait_until with deadlines), or touch any namespace but
 * the ones it creates; every child it forks dies with it (PR_SET_PDEATHSIG).
 * Threads: one; helpers run in forked children, never in threads (setns is per thread). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pod_network.h"
#include "wait.h"

#define SKIP_RC 77
/* The third octet of this run's 10.213.X.0/24 is picked in this range, so runs rarely collide. */
#define OCTET_MIN       100
#define OCTET_MAX       250
#define IO_TIMEOUT_MS   5000
#define EXIT_TIMEOUT_MS 10000
#define GONE_TIMEOUT_MS 5000
/* pause() calls the killed child makes before giving up on its SIGKILL. */
#define KILLED_CHILD_WAITS 1000
/* Inside a pod the whole port space is the pod's own. */
#define POD_PORT 8080
#define MAX_PODS 16
#define MAX_KIDS 4
#define ERR_LEN  256
#define TEXT_LEN 64
/* "10.213.250." and its NUL, with room. */
#define PREFIX_TEXT_LEN 20
#define OUTPUT_MAX      65536
/* An unprivileged user to become when checking the message without root. */
#define NOBODY_UID 65534

/* What a child in a pod exits with, so a failure says which step failed. */
enum child_rc {
    CHILD_OK = 0,
    CHILD_SETNS = 10,
    CHILD_LISTEN = 11,
    CHILD_ACCEPT = 12,
    CHILD_READ = 13,
    CHILD_WRITE = 14,
    CHILD_CONNECT = 15,
    CHILD_HOST_LOOPBACK_VISIBLE = 16,
    CHILD_LOOPBACK_DOWN = 17,
    CHILD_NO_ADDRESS = 18,
    CHILD_SETUP = 19,
    CHILD_UNEXPECTED_SUCCESS = 20,
};

static char run_cidr[TEXT_LEN];          /* "10.213.X.0/24" */
static char run_prefix[PREFIX_TEXT_LEN]; /* "10.213.X." */

struct fixture {
    struct pod_network *net;
    struct pod_sandbox pods[MAX_PODS];
    size_t n_pods;
    pid_t kids[MAX_KIDS];
    size_t n_kids;
};

/* The fixture of the running test, for the exit handler when a test dies mid-way. */
static struct fixture *live;

static void kill_kids(struct fixture *f)
{
    for (size_t i = 0; i < f->n_kids; i++) {
        kill(f->kids[i], SIGKILL);
        waitpid(f->kids[i], NULL, 0);
    }
    f->n_kids = 0;
}

static void fixture_clean(struct fixture *f)
{
    kill_kids(f);
    for (size_t i = 0; i < f->n_pods; i++)
        pod_network_remove(f->net, &f->pods[i]);
    f->n_pods = 0;
    pod_network_destroy(f->net);
    f->net = NULL;
}

static void clean_at_exit(void)
{
    if (live != NULL)
        fixture_clean(live);
}

/* A fixture with a pod network on cidr. */
static int setup_on(void **state, const char *cidr)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    char err[ERR_LEN] = "";
    f->net = pod_network_create(cidr, err, sizeof(err));
    if (f->net == NULL) {
        fprintf(stderr, "pod_network_create(%s): %s\n", cidr, err);
        free(f);
        return -1;
    }
    live = f;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_on(state, run_cidr);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fixture_clean(f);
    live = NULL;
    free(f);
    return 0;
}

static struct pod_sandbox *add_pod(struct fixture *f)
{
    assert_true(f->n_pods < MAX_PODS);
    char err[ERR_LEN] = "";
    struct pod_sandbox *sb = &f->pods[f->n_pods];
    if (pod_network_add(f->net, sb, err, sizeof(err)) != 0)
        fail_msg("pod_network_add: %s", err);
    f->n_pods++;
    return sb;
}

static void run_ip(char *ip, size_t cap, unsigned last_octet)
{
    snprintf(ip, cap, "%s%u", run_prefix, last_octet);
}

/* ---- sockets with deadlines, for the test and its children ---- */

static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    long long deadline = wss_wait_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - wss_wait_now_ms();
        if (left < 0)
            left = 0;
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 0;
        if (n == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

static struct sockaddr_in sockaddr_of(const char *ip, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
        sa.sin_family = AF_UNSPEC;
    return sa;
}

/* Connects with a deadline: a non-blocking fd, or -errno. */
static int tcp_connect(const char *ip, uint16_t port, int timeout_ms)
{
    struct sockaddr_in sa = sockaddr_of(ip, port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        rc = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, timeout_ms) : -errno;
        int so_error = 0;
        socklen_t len = sizeof(so_error);
        if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
            rc = -errno;
        else if (rc == 0 && so_error != 0)
            rc = -so_error;
    }
    if (rc != 0) {
        close(fd);
        return rc;
    }
    return fd;
}

/* A non-blocking listener on ip:port (0: any); *bound gets the port. The fd, or -errno. */
static int tcp_listen(const char *ip, uint16_t port, uint16_t *bound)
{
    struct sockaddr_in sa = sockaddr_of(ip, port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    socklen_t len = sizeof(sa);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (bound != NULL)
        *bound = ntohs(sa.sin_port);
    return fd;
}

/* Accepts one connection with a deadline: a non-blocking fd, or -errno. */
static int accept_within(int lfd, int timeout_ms)
{
    int rc = wait_fd(lfd, POLLIN, timeout_ms);
    if (rc != 0)
        return rc;
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/* Reads exactly n bytes with a deadline: 0, or -errno (-EPIPE when the peer closed early). */
static int read_exact(int fd, char *buf, size_t n, int timeout_ms)
{
    long long deadline = wss_wait_now_ms() + timeout_ms;
    size_t got = 0;
    while (got < n) {
        long long left = deadline - wss_wait_now_ms();
        int rc = wait_fd(fd, POLLIN, left > 0 ? (int)left : 0);
        if (rc != 0)
            return rc;
        ssize_t r = read(fd, buf + got, n - got);
        if (r == 0)
            return -EPIPE;
        if (r < 0 && errno != EAGAIN && errno != EINTR)
            return -errno;
        if (r > 0)
            got += (size_t)r;
    }
    return 0;
}

/* Writes a short message on a fresh socket (it fits the send buffer at once). 0 or -errno. */
static int write_all(int fd, const char *s)
{
    size_t n = strlen(s);
    ssize_t w = write(fd, s, n);
    if (w < 0)
        return -errno;
    return (size_t)w == n ? 0 : -EIO;
}

/* ---- children inside a pod ---- */

typedef int (*child_fn)(void *arg);

/* Forks a child that joins netns_fd (-1: stays) and exits with fn(arg); it dies with us. */
static pid_t spawn_in(struct fixture *f, int netns_fd, child_fn fn, void *arg)
{
    assert_true(f == NULL || f->n_kids < MAX_KIDS);
    pid_t parent = getpid();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(CHILD_SETUP);
        if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0)
            _exit(CHILD_SETNS);
        _exit(fn(arg));
    }
    if (f != NULL)
        f->kids[f->n_kids++] = pid;
    return pid;
}

struct reap {
    pid_t pid;
    int status;
    bool is_done;
};

static bool child_reaped(void *arg)
{
    struct reap *r = arg;
    if (!r->is_done && waitpid(r->pid, &r->status, WNOHANG) == r->pid)
        r->is_done = true;
    return r->is_done;
}

/* Waits for a child to exit and returns its exit code (-1: killed or still running). */
static int child_exit_code(struct fixture *f, pid_t pid)
{
    struct reap r = {.pid = pid};
    bool is_done = wss_wait_until(child_reaped, &r, EXIT_TIMEOUT_MS);
    if (f != NULL)
        for (size_t i = 0; i < f->n_kids; i++)
            if (f->kids[i] == pid && is_done)
                f->kids[i] = f->kids[--f->n_kids];
    if (!is_done || !WIFEXITED(r.status))
        return -1;
    return WEXITSTATUS(r.status);
}

/* ---- the host's view ---- */

/* Looks for name in the host's interfaces: its IPv4 address and prefix, and whether it is up. */
static bool host_iface(const char *name, char ip[POD_NETWORK_IP_LEN], unsigned *prefix, bool *is_up)
{
    struct ifaddrs *all = NULL;
    assert_int_equal(getifaddrs(&all), 0);
    bool found = false;
    for (const struct ifaddrs *a = all; a != NULL && !found; a = a->ifa_next) {
        if (strcmp(a->ifa_name, name) != 0 || a->ifa_addr == NULL ||
            a->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *sa = (const void *)a->ifa_addr;
        const struct sockaddr_in *mask = (const void *)a->ifa_netmask;
        inet_ntop(AF_INET, &sa->sin_addr, ip, POD_NETWORK_IP_LEN);
        *prefix = (unsigned)__builtin_popcount(mask->sin_addr.s_addr);
        *is_up = (a->ifa_flags & IFF_UP) != 0;
        found = true;
    }
    freeifaddrs(all);
    return found;
}

static bool iface_gone(void *arg)
{
    return if_nametoindex((const char *)arg) == 0;
}

/* `ip -o link` in full (the way an operator would look). */
static void ip_link_output(char *out, size_t cap)
{
    FILE *p = popen("ip -o link 2>&1", "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
}

static bool ip_link_shows(const char *output, const char *ifname)
{
    char with_peer[TEXT_LEN + 2];
    char alone[TEXT_LEN + 2];
    snprintf(with_peer, sizeof(with_peer), " %s@", ifname);
    snprintf(alone, sizeof(alone), " %s:", ifname);
    return strstr(output, with_peer) != NULL || strstr(output, alone) != NULL;
}

/* ---- what children do inside a pod ---- */

static int eth0_has_address(void *arg)
{
    const char *want = arg;
    char ip[POD_NETWORK_IP_LEN];
    unsigned prefix = 0;
    bool is_up = false;
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) != 0)
        return CHILD_SETUP;
    int rc = CHILD_NO_ADDRESS;
    for (const struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
        if (strcmp(a->ifa_name, "eth0") != 0 || a->ifa_addr == NULL ||
            a->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *sa = (const void *)a->ifa_addr;
        const struct sockaddr_in *mask = (const void *)a->ifa_netmask;
        inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
        prefix = (unsigned)__builtin_popcount(mask->sin_addr.s_addr);
        is_up = (a->ifa_flags & IFF_UP) != 0;
        if (strcmp(ip, want) == 0 && prefix == 24 && is_up)
            rc = CHILD_OK;
    }
    freeifaddrs(all);
    return rc;
}

struct serve_args {
    int ready_fd; /* a byte is written here once the server listens */
};

/* Listens on 0.0.0.0:POD_PORT in the pod, answers one "ping" with "pong". */
static int serve_one_ping(void *arg)
{
    const struct serve_args *a = arg;
    int lfd = tcp_listen("0.0.0.0", POD_PORT, NULL);
    if (lfd < 0)
        return CHILD_LISTEN;
    if (write(a->ready_fd, "r", 1) != 1)
        return CHILD_WRITE;
    int fd = accept_within(lfd, IO_TIMEOUT_MS);
    if (fd < 0)
        return CHILD_ACCEPT;
    char buf[4];
    if (read_exact(fd, buf, sizeof(buf), IO_TIMEOUT_MS) != 0 || memcmp(buf, "ping", 4) != 0)
        return CHILD_READ;
    return write_all(fd, "pong") == 0 ? CHILD_OK : CHILD_WRITE;
}

struct report_args {
    const char *gateway;
    uint16_t port;
};

/* From the pod, connects to the host at the gateway (as the sidecar reaches the adapter). */
static int report_to_gateway(void *arg)
{
    const struct report_args *a = arg;
    int fd = tcp_connect(a->gateway, a->port, IO_TIMEOUT_MS);
    if (fd < 0)
        return CHILD_CONNECT;
    if (write_all(fd, "report") != 0)
        return CHILD_WRITE;
    char buf[3];
    if (read_exact(fd, buf, sizeof(buf), IO_TIMEOUT_MS) != 0 || memcmp(buf, "ack", 3) != 0)
        return CHILD_READ;
    return CHILD_OK;
}

/* The host's loopback listener must be refused (not unreachable: lo is up), and a listener on
 * the pod's own 127.0.0.1 must answer. */
static int probe_loopbacks(void *arg)
{
    uint16_t host_port = *(const uint16_t *)arg;
    int fd = tcp_connect("127.0.0.1", host_port, IO_TIMEOUT_MS);
    if (fd >= 0)
        return CHILD_HOST_LOOPBACK_VISIBLE;
    if (fd != -ECONNREFUSED)
        return CHILD_LOOPBACK_DOWN;
    uint16_t port = 0;
    int lfd = tcp_listen("127.0.0.1", 0, &port);
    if (lfd < 0)
        return CHILD_LISTEN;
    int cfd = tcp_connect("127.0.0.1", port, IO_TIMEOUT_MS);
    if (cfd < 0)
        return CHILD_CONNECT;
    int afd = accept_within(lfd, IO_TIMEOUT_MS);
    if (afd < 0)
        return CHILD_ACCEPT;
    if (write_all(cfd, "lo") != 0)
        return CHILD_WRITE;
    char buf[2];
    if (read_exact(afd, buf, sizeof(buf), IO_TIMEOUT_MS) != 0 || memcmp(buf, "lo", 2) != 0)
        return CHILD_READ;
    return CHILD_OK;
}

/* ---- the tests ---- */

static void create_gives_the_host_an_uplink_with_the_gateway_address(void **state)
{
    struct fixture *f = *state;
    char want_gateway[TEXT_LEN];
    char want_ifname[TEXT_LEN];
    run_ip(want_gateway, sizeof(want_gateway), 1);
    snprintf(want_ifname, sizeof(want_ifname), "wsd%ld", (long)getpid());
    assert_string_equal(pod_network_gateway(f->net), want_gateway);
    assert_string_equal(pod_network_host_ifname(f->net), want_ifname);

    char ip[POD_NETWORK_IP_LEN];
    unsigned prefix = 0;
    bool is_up = false;
    assert_true(host_iface(want_ifname, ip, &prefix, &is_up));
    assert_string_equal(ip, want_gateway);
    assert_int_equal(prefix, 24);
    assert_true(is_up);
}

static void two_pods_get_distinct_addresses_on_their_eth0(void **state)
{
    struct fixture *f = *state;
    struct pod_sandbox *one = add_pod(f);
    struct pod_sandbox *two = add_pod(f);
    char want[TEXT_LEN];
    run_ip(want, sizeof(want), 2);
    assert_string_equal(one->ip, want);
    run_ip(want, sizeof(want), 3);
    assert_string_equal(two->ip, want);
    assert_int_equal(two->addr, one->addr + 1);
    assert_true(one->netns_fd >= 0 && two->netns_fd >= 0 && one->netns_fd != two->netns_fd);

    struct pod_sandbox *pods[] = {one, two};
    for (size_t i = 0; i < 2; i++) {
        pid_t pid = spawn_in(f, pods[i]->netns_fd, eth0_has_address, pods[i]->ip);
        assert_int_equal(child_exit_code(f, pid), CHILD_OK);
    }
    /* and the host's own namespace has no eth0 address of theirs */
    char ip[POD_NETWORK_IP_LEN];
    unsigned prefix = 0;
    bool is_up = false;
    if (host_iface("eth0", ip, &prefix, &is_up))
        assert_string_not_equal(ip, one->ip);
}

static void host_reaches_a_pod_server_and_the_pod_reaches_the_gateway(void **state)
{
    struct fixture *f = *state;
    struct pod_sandbox *server_pod = add_pod(f);
    struct pod_sandbox *client_pod = add_pod(f);

    /* host -> pod: a server on 0.0.0.0:POD_PORT inside pod 1, reached at its pod IP */
    int ready[2];
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    struct serve_args serve = {.ready_fd = ready[1]};
    pid_t server = spawn_in(f, server_pod->netns_fd, serve_one_ping, &serve);
    close(ready[1]);
    assert_int_equal(wait_fd(ready[0], POLLIN, IO_TIMEOUT_MS), 0);
    close(ready[0]);
    int fd = tcp_connect(server_pod->ip, POD_PORT, IO_TIMEOUT_MS);
    if (fd < 0)
        fail_msg("connect %s:%d: %s", server_pod->ip, POD_PORT, strerror(-fd));
    assert_int_equal(write_all(fd, "ping"), 0);
    char buf[8] = "";
    assert_int_equal(read_exact(fd, buf, 4, IO_TIMEOUT_MS), 0);
    assert_memory_equal(buf, "pong", 4);
    close(fd);
    assert_int_equal(child_exit_code(f, server), CHILD_OK);

    /* pod -> host: the sidecar -> adapter path, to a host listener on the gateway address */
    uint16_t port = 0;
    int lfd = tcp_listen(pod_network_gateway(f->net), 0, &port);
    assert_true(lfd >= 0);
    struct report_args report = {.gateway = pod_network_gateway(f->net), .port = port};
    pid_t client = spawn_in(f, client_pod->netns_fd, report_to_gateway, &report);
    int afd = accept_within(lfd, IO_TIMEOUT_MS);
    close(lfd);
    if (afd < 0)
        fail_msg("accept on %s:%u: %s", report.gateway, port, strerror(-afd));
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    assert_int_equal(getpeername(afd, (struct sockaddr *)&peer, &len), 0);
    char peer_ip[POD_NETWORK_IP_LEN];
    inet_ntop(AF_INET, &peer.sin_addr, peer_ip, sizeof(peer_ip));
    assert_string_equal(peer_ip, client_pod->ip);
    assert_int_equal(read_exact(afd, buf, 6, IO_TIMEOUT_MS), 0);
    assert_memory_equal(buf, "report", 6);
    assert_int_equal(write_all(afd, "ack"), 0);
    assert_int_equal(child_exit_code(f, client), CHILD_OK);
    close(afd);
}

static void a_pod_has_its_own_loopback_and_not_the_hosts(void **state)
{
    struct fixture *f = *state;
    struct pod_sandbox *pod = add_pod(f);
    uint16_t port = 0;
    int lfd = tcp_listen("127.0.0.1", 0, &port);
    assert_true(lfd >= 0);
    /* the listener is there for the host itself */
    int fd = tcp_connect("127.0.0.1", port, IO_TIMEOUT_MS);
    assert_true(fd >= 0);
    close(fd);
    pid_t pid = spawn_in(f, pod->netns_fd, probe_loopbacks, &port);
    assert_int_equal(child_exit_code(f, pid), CHILD_OK);
    close(lfd);
}

static void remove_then_add_does_not_reuse_the_freed_address(void **state)
{
    struct fixture *f = *state;
    struct pod_sandbox *a = add_pod(f);
    struct pod_sandbox *b = add_pod(f);
    char freed[POD_NETWORK_IP_LEN];
    memcpy(freed, a->ip, sizeof(freed));
    pod_network_remove(f->net, a);
    assert_int_equal(a->netns_fd, -1);
    pod_network_remove(f->net, a); /* a removed sandbox is accepted */
    struct pod_sandbox *c = add_pod(f);
    assert_string_not_equal(c->ip, freed);
    assert_string_not_equal(c->ip, b->ip);
    char want[TEXT_LEN];
    run_ip(want, sizeof(want), 4);
    assert_string_equal(c->ip, want);
}

static int setup_small(void **state)
{
    char cidr[TEXT_LEN];
    snprintf(cidr, sizeof(cidr), "%s16/28", run_prefix);
    return setup_on(state, cidr);
}

/* In 10.213.X.16/28 pods get .18 to .30; then addresses go round, skipping the taken ones. */
static void addresses_go_round_and_run_out_in_a_small_network(void **state)
{
    struct fixture *f = *state;
    char want[TEXT_LEN];
    for (unsigned i = 0; i < 13; i++) {
        struct pod_sandbox *sb = add_pod(f);
        run_ip(want, sizeof(want), 18 + i);
        assert_string_equal(sb->ip, want);
    }
    struct pod_sandbox extra;
    char err[ERR_LEN] = "";
    assert_int_equal(pod_network_add(f->net, &extra, err, sizeof(err)), -1);
    assert_int_equal(extra.netns_fd, -1);
    char want_err[ERR_LEN];
    snprintf(want_err, sizeof(want_err), "the pod network %s16/28 has no free address (13 pods)",
             run_prefix);
    assert_string_equal(err, want_err);

    pod_network_remove(f->net, &f->pods[4]); /* .22: the only free one */
    run_ip(want, sizeof(want), 22);
    assert_string_equal(add_pod(f)->ip, want);
    pod_network_remove(f->net, &f->pods[2]); /* .20 */
    pod_network_remove(f->net, &f->pods[7]); /* .25 */
    run_ip(want, sizeof(want), 25);          /* the next after .22, not the lowest */
    assert_string_equal(add_pod(f)->ip, want);
    run_ip(want, sizeof(want), 20); /* round past .30 back to the start */
    assert_string_equal(add_pod(f)->ip, want);
}

static void second_create_over_the_same_network_is_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const suffixes[] = {"0/24", "64/26"};
    for (size_t i = 0; i < 2; i++) {
        char cidr[TEXT_LEN];
        char want[ERR_LEN];
        char err[ERR_LEN] = "";
        snprintf(cidr, sizeof(cidr), "%s%s", run_prefix, suffixes[i]);
        snprintf(want, sizeof(want), "--pod-cidr %s overlaps %s/24 on %s; choose another", cidr,
                 pod_network_gateway(f->net), pod_network_host_ifname(f->net));
        assert_null(pod_network_create(cidr, err, sizeof(err)));
        assert_string_equal(err, want);
    }
}

struct refusal_args {
    const char *cidr;
    int err_fd; /* the message is written here */
};

/* In a network namespace of its own with a route over the run's network on lo. */
static int create_beside_a_route(void *arg)
{
    const struct refusal_args *a = arg;
    if (unshare(CLONE_NEWNET) != 0)
        return CHILD_SETNS;
    char cmd[ERR_LEN];
    snprintf(cmd, sizeof(cmd), "ip link set lo up && ip route add %s0/25 dev lo", run_prefix);
    if (system(cmd) != 0)
        return CHILD_SETUP;
    char err[ERR_LEN] = "";
    struct pod_network *n = pod_network_create(a->cidr, err, sizeof(err));
    if (write(a->err_fd, err, strlen(err)) < 0)
        return CHILD_WRITE;
    return n == NULL ? CHILD_OK : CHILD_UNEXPECTED_SUCCESS;
}

/* As nobody: no capabilities at all. */
static int create_without_root(void *arg)
{
    const struct refusal_args *a = arg;
    if (setresgid(NOBODY_UID, NOBODY_UID, NOBODY_UID) != 0 ||
        setresuid(NOBODY_UID, NOBODY_UID, NOBODY_UID) != 0 ||
        prctl(PR_SET_DUMPABLE, 1) != 0) /* so /proc/thread-self stays ours */
        return CHILD_SETUP;
    char err[ERR_LEN] = "";
    struct pod_network *n = pod_network_create(a->cidr, err, sizeof(err));
    if (write(a->err_fd, err, strlen(err)) < 0)
        return CHILD_WRITE;
    return n == NULL ? CHILD_OK : CHILD_UNEXPECTED_SUCCESS;
}

/* Runs fn in a child and returns the message it wrote. */
static void refusal_in_child(child_fn fn, char *msg, size_t cap)
{
    int pipe_fds[2];
    assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
    struct refusal_args args = {.cidr = run_cidr, .err_fd = pipe_fds[1]};
    pid_t pid = spawn_in(NULL, -1, fn, &args);
    close(pipe_fds[1]);
    int code = child_exit_code(NULL, pid);
    ssize_t n = read(pipe_fds[0], msg, cap - 1);
    close(pipe_fds[0]);
    msg[n > 0 ? n : 0] = '\0';
    if (code != CHILD_OK)
        fail_msg("child exited %d; it said \"%s\"", code, msg);
}

static void a_route_over_the_network_is_refused(void **state)
{
    (void)state;
    char msg[ERR_LEN];
    char want[ERR_LEN];
    refusal_in_child(create_beside_a_route, msg, sizeof(msg));
    snprintf(want, sizeof(want), "--pod-cidr %s overlaps the route to %s0/25 on lo; choose another",
             run_cidr, run_prefix);
    assert_string_equal(msg, want);
}

static void without_root_create_says_root_is_needed(void **state)
{
    (void)state;
    char msg[ERR_LEN];
    refusal_in_child(create_without_root, msg, sizeof(msg));
    assert_string_equal(
        msg, "--netns needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN): Operation not permitted");
}

static void refuses_loopback_host_bits_and_bad_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *cidr;
        const char *err;
    } bad[] = {
        {"127.0.0.0/16", "--pod-cidr 127.0.0.0/16 overlaps 127.0.0.1/8 on lo; choose another"},
        {"127.1.2.0/24", "--pod-cidr 127.1.2.0/24 overlaps 127.0.0.1/8 on lo; choose another"},
        {"10.213.0.1/24", "--pod-cidr 10.213.0.1/24: host bits set: 10.213.0.1/24 is an address "
                          "in 10.213.0.0/24, not a network"},
        {"10.0.0.0/8", "--pod-cidr 10.0.0.0/8: want a prefix length from /16 to /28"},
        {"10.213.0.0/29", "--pod-cidr 10.213.0.0/29: want a prefix length from /16 to /28"},
        {"10.213.0.0/33", "--pod-cidr 10.213.0.0/33: prefix length 33 is over 32"},
        {"10.213.0.0", "--pod-cidr 10.213.0.0: want '/' and a prefix length, got the end of the "
                       "text"},
        {"10.213.0.0/24\n", "--pod-cidr 10.213.0.0/24?: unexpected \\x0a after the prefix length"},
        {"", "--pod-cidr: empty; want an IPv4 network such as 10.213.0.0/24"},
    };
    char ifname[TEXT_LEN];
    snprintf(ifname, sizeof(ifname), "wsd%ld", (long)getpid());
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[ERR_LEN] = "";
        assert_null(pod_network_create(bad[i].cidr, err, sizeof(err)));
        assert_string_equal(err, bad[i].err);
        assert_int_equal(if_nametoindex(ifname), 0);
    }
}

static void destroy_removes_the_uplink_from_the_host(void **state)
{
    struct fixture *f = *state;
    char ifname[TEXT_LEN];
    snprintf(ifname, sizeof(ifname), "%s", pod_network_host_ifname(f->net));
    struct pod_sandbox *pod = add_pod(f);
    pod_network_remove(f->net, pod);
    assert_true(if_nametoindex(ifname) > 0);
    pod_network_destroy(f->net);
    f->net = NULL;
    /* Gone when destroy returns: it deletes the host end itself, not the kernel later. */
    assert_int_equal(if_nametoindex(ifname), 0);
}

/* The demo killed with SIGKILL: a child makes the pod network and a pod, then dies without
 * removing or destroying anything; the kernel must take the host's end away with it. */
static void a_killed_demo_leaves_nothing_on_the_host(void **state)
{
    (void)state;
    int ready[2];
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[ERR_LEN];
        struct pod_network *net = pod_network_create(run_cidr, err, sizeof(err));
        struct pod_sandbox pod;
        if (net == NULL || pod_network_add(net, &pod, err, sizeof(err)) != 0)
            _exit(1);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        for (int i = 0; i < KILLED_CHILD_WAITS; i++)
            pause(); /* until the parent's SIGKILL; bounded should a stray signal come */
        _exit(1);
    }
    close(ready[1]);
    assert_int_equal(wait_fd(ready[0], POLLIN, IO_TIMEOUT_MS), 0);
    char byte = 0;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    char ifname[TEXT_LEN];
    snprintf(ifname, sizeof(ifname), "wsd%ld", (long)pid);
    static char out[OUTPUT_MAX];
    ip_link_output(out, sizeof(out));
    assert_true(ip_link_shows(out, ifname));

    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    if (!wss_wait_until(iface_gone, ifname, GONE_TIMEOUT_MS)) {
        ip_link_output(out, sizeof(out));
        fail_msg("%s is still on the host after its demo was killed:\n%s", ifname, out);
    }
}

/* ---- running ---- */

/* Exits 77 (skipped) unless this process may make network namespaces. */
static void skip_unless_root(void)
{
    if (geteuid() != 0) {
        printf("test_pod_network: skipped: needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)\n");
        exit(SKIP_RC);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0)
        _exit(unshare(CLONE_NEWNET) == 0 ? 0 : errno);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("test_pod_network: skipped: unshare(CLONE_NEWNET): %s\n",
               WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "child died");
        exit(SKIP_RC);
    }
}

/* Picks this run's 10.213.X.0/24 where the host has nothing yet (trying create for real). */
static int pick_run_cidr(void)
{
    unsigned span = OCTET_MAX - OCTET_MIN + 1;
    unsigned start = ((unsigned)getpid() ^ (unsigned)time(NULL)) % span;
    for (unsigned k = 0; k < span; k++) {
        unsigned octet = OCTET_MIN + (start + k) % span;
        snprintf(run_cidr, sizeof(run_cidr), "10.213.%u.0/24", octet);
        snprintf(run_prefix, sizeof(run_prefix), "10.213.%u.", octet);
        char err[ERR_LEN] = "";
        struct pod_network *n = pod_network_create(run_cidr, err, sizeof(err));
        if (n != NULL) {
            pod_network_destroy(n);
            return 0;
        }
        if (strstr(err, " overlaps ") == NULL) {
            fprintf(stderr, "test_pod_network: %s\n", err);
            return -1;
        }
    }
    fprintf(stderr, "test_pod_network: every 10.213.%d-%d.0/24 is in use\n", OCTET_MIN, OCTET_MAX);
    return -1;
}

int main(void)
{
    skip_unless_root();
    if (pick_run_cidr() != 0)
        return 1;
    atexit(clean_at_exit);
    printf("test_pod_network: this run's pod network is %s\n", run_cidr);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_gives_the_host_an_uplink_with_the_gateway_address,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(two_pods_get_distinct_addresses_on_their_eth0, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(host_reaches_a_pod_server_and_the_pod_reaches_the_gateway,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_pod_has_its_own_loopback_and_not_the_hosts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(remove_then_add_does_not_reuse_the_freed_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(addresses_go_round_and_run_out_in_a_small_network,
                                        setup_small, teardown),
        cmocka_unit_test_setup_teardown(second_create_over_the_same_network_is_refused, setup,
                                        teardown),
        cmocka_unit_test(a_route_over_the_network_is_refused),
        cmocka_unit_test(without_root_create_says_root_is_needed),
        cmocka_unit_test(refuses_loopback_host_bits_and_bad_prefixes),
        cmocka_unit_test_setup_teardown(destroy_removes_the_uplink_from_the_host, setup, teardown),
        cmocka_unit_test(a_killed_demo_leaves_nothing_on_the_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
