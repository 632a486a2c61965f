/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_socktable.c: the `socket` source: constructor checks, /proc files it reads (good,
 * missing, malformed), the fall back to /proc when sock_diag is refused (a seccomp filter makes
 * socket(AF_NETLINK) fail in a child), and both methods against real loopback sockets: IPv4,
 * IPv6 and IPv4-mapped connections counted once, other ports and client ends not at all. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>

#include "source_socktable.h"
#include "wait.h"
#include "wsscale/log.h"

#define WAIT_MS 5000

/* ---- Constructor ---- */

static void constructor_rejects_bad_ports_and_options(void **state)
{
    (void)state;
    uint16_t too_many[SOURCE_SOCKTABLE_MAX_PORTS + 1];
    for (size_t i = 0; i < SOURCE_SOCKTABLE_MAX_PORTS + 1; i++)
        too_many[i] = (uint16_t)(1000 + i);
    const uint16_t good[] = {8080};
    const uint16_t zero[] = {8080, 0};
    char long_dir[SOURCE_SOCKTABLE_DIR_MAX + 2];
    memset(long_dir, 'd', sizeof(long_dir) - 1);
    long_dir[sizeof(long_dir) - 1] = '\0';
    const struct source_socktable_opts bad_dir = {.proc_net_dir = long_dir};
    const struct source_socktable_opts bad_timeout = {.timeout_ms = -1};
    const struct source_socktable_opts bad_method = {.method = (enum source_socktable_method)7};
    const struct {
        const uint16_t *ports;
        size_t n;
        const struct source_socktable_opts *opts;
        const char *msg;
    } cases[] = {
        {NULL, 1, NULL, "socket source: no ports to count (give the app's listening ports)"},
        {good, 0, NULL, "socket source: no ports to count (give the app's listening ports)"},
        {too_many, SOURCE_SOCKTABLE_MAX_PORTS + 1, NULL, "socket source: 65 ports, at most 64"},
        {zero, 2, NULL, "socket source: port 0 is not a listening port"},
        {good, 1, &bad_dir, "socket source: proc directory longer than 200 bytes"},
        {good, 1, &bad_timeout, "socket source: negative timeout"},
        {good, 1, &bad_method, "socket source: unknown method"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        struct source s =
            source_socktable_new_opts(cases[i].ports, cases[i].n, cases[i].opts, err, sizeof(err));
        assert_null(s.ops);
        assert_string_equal(err, cases[i].msg);
        source_destroy(&s);
    }
    char err[256];
    struct source s = source_socktable_new(too_many, SOURCE_SOCKTABLE_MAX_PORTS, err, sizeof(err));
    assert_non_null(s.ops);
    assert_string_equal(s.ops->kind, "socket");
    assert_string_equal(source_socktable_method(&s), "sock_diag");
    source_destroy(&s);
    struct source other = {0};
    assert_null(source_socktable_method(&other));
}

static void method_names_parse(void **state)
{
    (void)state;
    enum source_socktable_method m;
    assert_int_equal(source_socktable_method_parse("auto", &m), 0);
    assert_int_equal(m, SOURCE_SOCKTABLE_AUTO);
    assert_int_equal(source_socktable_method_parse("sock_diag", &m), 0);
    assert_int_equal(m, SOURCE_SOCKTABLE_SOCK_DIAG);
    assert_int_equal(source_socktable_method_parse("proc", &m), 0);
    assert_int_equal(m, SOURCE_SOCKTABLE_PROC);
    assert_int_equal(source_socktable_method_parse("netlink", &m), -1);
    assert_int_equal(source_socktable_method_parse("", &m), -1);
}

/* ---- /proc files in a scratch directory ---- */

#define HEADER               "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when\n"
#define LINE4(sl, lport, st) "  " sl ": 0100007F:" lport " 0100007F:C000 " st " 0:0 0 0\n"
#define HEADER6                                                                                    \
    "  sl  local_address                         remote_address                        st\n"
#define LINE6(sl, lport, st)                                                                       \
    "  " sl ": 0000000000000000FFFF00000100007F:" lport                                            \
    " 0000000000000000FFFF00000100007F:C001 " st " 0:0\n"

struct scratch {
    char dir[64];
};

static void write_file(const struct scratch *d, const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", d->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const struct scratch *d, const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", d->dir, name);
    unlink(path);
}

static int make_scratch(void **state)
{
    struct scratch *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -1;
    snprintf(d->dir, sizeof(d->dir), "/tmp/test_source_socktable.XXXXXX");
    if (mkdtemp(d->dir) == NULL)
        return -1;
    *state = d;
    return 0;
}

static int drop_scratch(void **state)
{
    struct scratch *d = *state;
    remove_file(d, "tcp");
    remove_file(d, "tcp6");
    rmdir(d->dir);
    free(d);
    return 0;
}

static struct source proc_source(const struct scratch *d, enum source_socktable_method method)
{
    static const uint16_t ports[] = {0x1F90, 0x01BB}; /* 8080, 443 */
    const struct source_socktable_opts opts = {.method = method, .proc_net_dir = d->dir};
    char err[256];
    struct source s = source_socktable_new_opts(ports, 2, &opts, err, sizeof(err));
    if (s.ops == NULL)
        fail_msg("%s", err);
    return s;
}

static void proc_method_sums_tcp_and_tcp6(void **state)
{
    struct scratch *d = *state;
    write_file(d, "tcp",
               HEADER LINE4("0", "1F90", "0A") LINE4("1", "1F90", "01") LINE4("2", "01BB", "01")
                   LINE4("3", "0050", "01") LINE4("4", "1F90", "06"));
    write_file(d, "tcp6", HEADER6 LINE6("0", "1F90", "01") LINE6("1", "1F90", "08"));
    struct source s = proc_source(d, SOURCE_SOCKTABLE_PROC);
    struct source_sample out;
    assert_int_equal(s.ops->sample(s.self, &out), 0);
    assert_int_equal(out.state, SOURCE_OK);
    assert_int_equal(out.active, 3);
    assert_string_equal(out.reason, "");
    assert_false(out.has_totals);
    assert_string_equal(source_socktable_method(&s), "proc");
    source_destroy(&s);
}

static void proc_method_counts_ipv4_alone_when_tcp6_is_missing(void **state)
{
    struct scratch *d = *state;
    write_file(d, "tcp", HEADER LINE4("0", "01BB", "01"));
    remove_file(d, "tcp6");
    struct source s = proc_source(d, SOURCE_SOCKTABLE_PROC);
    struct source_sample out;
    s.ops->sample(s.self, &out);
    assert_int_equal(out.state, SOURCE_OK);
    assert_int_equal(out.active, 1);
    source_destroy(&s);
}

static void proc_method_reports_a_missing_or_malformed_file(void **state)
{
    struct scratch *d = *state;
    struct source s = proc_source(d, SOURCE_SOCKTABLE_PROC);
    struct source_sample out;
    char want[256];

    remove_file(d, "tcp");
    s.ops->sample(s.self, &out);
    assert_int_equal(out.state, SOURCE_ERROR);
    snprintf(want, sizeof(want), "open %s/tcp: No such file or directory", d->dir);
    assert_string_equal(out.reason, want);

    write_file(d, "tcp", HEADER LINE4("0", "01BB", "01") "  1: garbage\n");
    write_file(d, "tcp6", HEADER6);
    s.ops->sample(s.self, &out);
    assert_int_equal(out.state, SOURCE_ERROR);
    snprintf(want, sizeof(want), "%s/tcp: line 3: local address has 0 hex digits, want 8 or 32",
             d->dir);
    assert_string_equal(out.reason, want);

    write_file(d, "tcp", HEADER LINE4("0", "01BB", "01"));
    write_file(d, "tcp6", HEADER6 "  0: 0000");
    s.ops->sample(s.self, &out);
    assert_int_equal(out.state, SOURCE_ERROR);
    snprintf(want, sizeof(want), "%s/tcp6: line 2: file ends inside the line", d->dir);
    assert_string_equal(out.reason, want);

    write_file(d, "tcp6", HEADER6);
    s.ops->sample(s.self, &out);
    assert_int_equal(out.state, SOURCE_OK);
    assert_int_equal(out.active, 1);
    source_destroy(&s);
}

/* ---- sock_diag refused: a seccomp filter makes socket(AF_NETLINK, ...) fail with EPERM ---- */

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef TEST_AUDIT_ARCH
static int refuse_netlink_sockets(void)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 2),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    };
    struct sock_fprog fprog = {.len = sizeof(prog) / sizeof(prog[0]), .filter = prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
}
#endif

struct child_result {
    int state;
    unsigned long long active;
    char method[16];
    char reason[SOURCE_DETAIL_LEN];
    char log[1024];
};

/* Samples once under the filter in a child, so the filter never reaches the test process. */
static void sample_refused(const struct scratch *d, enum source_socktable_method method,
                           struct child_result *res)
{
#ifdef TEST_AUDIT_ARCH
    int result_pipe[2], log_pipe[2];
    assert_int_equal(pipe(result_pipe), 0);
    assert_int_equal(pipe(log_pipe), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct child_result r = {0};
        wss_log_set_fd(log_pipe[1]);
        if (refuse_netlink_sockets() != 0)
            _exit(3);
        struct source s = proc_source(d, method);
        struct source_sample out;
        s.ops->sample(s.self, &out);
        r.state = (int)out.state;
        r.active = (unsigned long long)out.active;
        snprintf(r.method, sizeof(r.method), "%s", source_socktable_method(&s));
        snprintf(r.reason, sizeof(r.reason), "%s", out.reason);
        source_destroy(&s);
        _exit(write(result_pipe[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 4);
    }
    close(result_pipe[1]);
    close(log_pipe[1]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(read(result_pipe[0], res, sizeof(*res)), (ssize_t)sizeof(*res));
    ssize_t n = read(log_pipe[0], res->log, sizeof(res->log) - 1);
    res->log[n > 0 ? n : 0] = '\0';
    close(result_pipe[0]);
    close(log_pipe[0]);
#else
    (void)d;
    (void)method;
    (void)res;
    skip();
#endif
}

static void auto_falls_back_to_proc_when_netlink_is_refused(void **state)
{
    struct scratch *d = *state;
    write_file(d, "tcp", HEADER LINE4("0", "1F90", "01") LINE4("1", "1F90", "01"));
    write_file(d, "tcp6", HEADER6 LINE6("0", "01BB", "01"));
    struct child_result r;
    sample_refused(d, SOURCE_SOCKTABLE_AUTO, &r);
    assert_int_equal(r.state, SOURCE_OK);
    assert_int_equal(r.active, 3);
    assert_string_equal(r.method, "proc");
    assert_string_equal(r.reason, "");
    assert_non_null(strstr(r.log, "\"socket source counting\" method=\"proc\" "
                                  "reason=\"sock_diag: socket: Operation not permitted\""));
}

static void sock_diag_only_reports_the_refusal(void **state)
{
    struct scratch *d = *state;
    write_file(d, "tcp", HEADER LINE4("0", "1F90", "01"));
    struct child_result r;
    sample_refused(d, SOURCE_SOCKTABLE_SOCK_DIAG, &r);
    assert_int_equal(r.state, SOURCE_ERROR);
    assert_string_equal(r.method, "sock_diag");
    assert_string_equal(r.reason, "sock_diag: socket: Operation not permitted");
}

/* ---- Real sockets on loopback ---- */

#define MAX_CONNS 8

struct conns {
    int listener;
    uint16_t port;
    int client[MAX_CONNS];
    int server[MAX_CONNS];
    int n;
};

/* Listens on addr (an IPv4 or IPv6 literal; v6only as given) and port (0: any), connects n
 * clients from client_addr's family and accepts them all. */
static void open_conns_on(struct conns *c, const char *addr, uint16_t port, int is_v6only,
                          const char *client_addr, int n)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    int family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        assert_int_equal(inet_pton(AF_INET6, addr, &a->sin6_addr), 1);
        sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        assert_int_equal(inet_pton(AF_INET, addr, &a->sin_addr), 1);
        sl = sizeof(*a);
    }
    c->listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c->listener >= 0);
    if (family == AF_INET6)
        assert_int_equal(
            setsockopt(c->listener, IPPROTO_IPV6, IPV6_V6ONLY, &is_v6only, sizeof(is_v6only)), 0);
    assert_int_equal(bind(c->listener, (struct sockaddr *)&ss, sl), 0);
    assert_int_equal(listen(c->listener, MAX_CONNS), 0);
    assert_int_equal(getsockname(c->listener, (struct sockaddr *)&ss, &sl), 0);
    c->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                       : ((struct sockaddr_in *)&ss)->sin_port);

    struct sockaddr_storage to = {0};
    socklen_t tl;
    int cfamily = strchr(client_addr, ':') != NULL ? AF_INET6 : AF_INET;
    if (cfamily == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(c->port);
        assert_int_equal(inet_pton(AF_INET6, client_addr, &a->sin6_addr), 1);
        tl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&to;
        a->sin_family = AF_INET;
        a->sin_port = htons(c->port);
        assert_int_equal(inet_pton(AF_INET, client_addr, &a->sin_addr), 1);
        tl = sizeof(*a);
    }
    assert_true(n <= MAX_CONNS);
    c->n = n;
    for (int i = 0; i < n; i++) {
        c->client[i] = socket(cfamily, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(c->client[i] >= 0);
        assert_int_equal(connect(c->client[i], (struct sockaddr *)&to, tl), 0);
        c->server[i] = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
        assert_true(c->server[i] >= 0);
    }
}

static void open_conns(struct conns *c, const char *addr, int is_v6only, const char *client_addr,
                       int n)
{
    open_conns_on(c, addr, 0, is_v6only, client_addr, n);
}

static void close_conns(struct conns *c)
{
    for (int i = 0; i < c->n; i++) {
        close(c->client[i]);
        close(c->server[i]);
    }
    close(c->listener);
    c->n = 0;
}

struct expect {
    struct source *src;
    uint64_t want;
    struct source_sample last;
};

static bool count_is(void *arg)
{
    struct expect *e = arg;
    e->src->ops->sample(e->src->self, &e->last);
    return e->last.state == SOURCE_OK && e->last.active == e->want;
}

static void expect_count(struct source *s, uint64_t want)
{
    struct expect e = {.src = s, .want = want};
    if (!wss_wait_until(count_is, &e, WAIT_MS))
        fail_msg("%s: count %llu state %d (%s), want %llu", source_socktable_method(s),
                 (unsigned long long)e.last.active, (int)e.last.state, e.last.reason,
                 (unsigned long long)want);
}

static void both_methods_count_v4_v6_and_mapped_server_ends_only(void **state)
{
    (void)state;
    struct conns v4, v6, mapped, other;
    open_conns(&v4, "127.0.0.1", 0, "127.0.0.1", 3);
    open_conns(&v6, "::1", 1, "::1", 2);
    open_conns(&mapped, "::ffff:127.0.0.1", 0, "127.0.0.1", 4);
    open_conns(&other, "127.0.0.1", 0, "127.0.0.1", 5);
    const uint16_t all[] = {v4.port, v6.port, mapped.port};
    const uint16_t only_mapped[] = {mapped.port};
    const enum source_socktable_method methods[] = {SOURCE_SOCKTABLE_AUTO, SOURCE_SOCKTABLE_PROC};
    const char *names[] = {"sock_diag", "proc"};
    for (size_t m = 0; m < 2; m++) {
        const struct source_socktable_opts opts = {.method = methods[m]};
        char err[256];
        struct source s = source_socktable_new_opts(all, 3, &opts, err, sizeof(err));
        assert_non_null(s.ops);
        expect_count(&s, 9);
        assert_string_equal(source_socktable_method(&s), names[m]);
        struct source s_mapped = source_socktable_new_opts(only_mapped, 1, &opts, err, sizeof(err));
        assert_non_null(s_mapped.ops);
        expect_count(&s_mapped, 4);
        source_destroy(&s_mapped);
        source_destroy(&s);
    }
    close_conns(&v4);
    close_conns(&v6);
    close_conns(&mapped);
    for (size_t m = 0; m < 2; m++) {
        const struct source_socktable_opts opts = {.method = methods[m]};
        char err[256];
        struct source s = source_socktable_new_opts(all, 3, &opts, err, sizeof(err));
        assert_non_null(s.ops);
        expect_count(&s, 0);
        source_destroy(&s);
    }
    close_conns(&other);
}

static uint64_t sample_count(struct source *s)
{
    struct source_sample out;
    assert_int_equal(s->ops->sample(s->self, &out), 0);
    if (out.state != SOURCE_OK)
        fail_msg("sample: state %d (%s)", (int)out.state, out.reason);
    return out.active;
}

/* sock_diag walks the established table only for the families in use, yet loses no connection:
 * not one whose listener is gone (draining), nor, within SOURCE_SOCKTABLE_FULL_WALK_EVERY samples,
 * one of a family whose listener came and went between two samples. */
static void sock_diag_walks_only_the_families_in_use(void **state)
{
    (void)state;
    struct conns v4, v6;
    open_conns(&v4, "127.0.0.1", 0, "127.0.0.1", 3);
    const struct source_socktable_opts opts = {.method = SOURCE_SOCKTABLE_SOCK_DIAG};
    char err[256];
    struct source s = source_socktable_new_opts(&v4.port, 1, &opts, err, sizeof(err));
    assert_non_null(s.ops);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sample_count(&s), 3);
    uint64_t w4, w6;
    source_socktable_walks(&s, &w4, &w6);
    assert_int_equal(w4, 5);
    assert_int_equal(w6, 1); /* the first sample walks both */

    /* IPv6 connections on the same port whose listener closed before the next sample. */
    open_conns_on(&v6, "::1", v4.port, 1, "::1", 2);
    close(v6.listener);
    v6.listener = -1;
    assert_int_equal(sample_count(&s), 3);
    int samples = 1;
    while (sample_count(&s) != 5 && samples < SOURCE_SOCKTABLE_FULL_WALK_EVERY)
        samples++;
    if (samples >= SOURCE_SOCKTABLE_FULL_WALK_EVERY)
        fail_msg("the IPv6 connections were not found in %d samples", samples);
    for (int i = 0; i < 3; i++) /* found once, walked while they last */
        assert_int_equal(sample_count(&s), 5);

    /* Draining: no listener at all, every connection still counted. */
    close(v4.listener);
    v4.listener = -1;
    assert_int_equal(sample_count(&s), 5);
    close_conns(&v6);
    assert_int_equal(sample_count(&s), 3);
    close_conns(&v4);
    assert_int_equal(sample_count(&s), 0);
    source_destroy(&s);
}

int main(void)
{
    wss_log_configure(WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(constructor_rejects_bad_ports_and_options),
        cmocka_unit_test(method_names_parse),
        cmocka_unit_test_setup_teardown(proc_method_sums_tcp_and_tcp6, make_scratch, drop_scratch),
        cmocka_unit_test_setup_teardown(proc_method_counts_ipv4_alone_when_tcp6_is_missing,
                                        make_scratch, drop_scratch),
        cmocka_unit_test_setup_teardown(proc_method_reports_a_missing_or_malformed_file,
                                        make_scratch, drop_scratch),
        cmocka_unit_test_setup_teardown(auto_falls_back_to_proc_when_netlink_is_refused,
                                        make_scratch, drop_scratch),
        cmocka_unit_test_setup_teardown(sock_diag_only_reports_the_refusal, make_scratch,
                                        drop_scratch),
        cmocka_unit_test(both_methods_count_v4_v6_and_mapped_server_ends_only),
        cmocka_unit_test(sock_diag_walks_only_the_families_in_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
