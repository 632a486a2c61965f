/* SPDX-License-Identifier: Apache-2.0 */
/* load_procs.c: --processes: forks the children, each of which runs the runner on its share and
 * reports over a pipe; the parent passes signals on, sums progress, merges results, and never
 * waits for a child without a deadline.
 * Does not: open connections or print the summary; the parent does no load itself.
 * Threads: the parent forks before any thread exists and stays single-threaded; a child's
 * runner starts its own workers after the fork. */
#include "load_procs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsscale/clock.h"
#include "wsscale/log.h"

#define NS_PER_MS 1000000u
#define MS_PER_S  1000u
/* Longest the parent sleeps in poll while nothing is due. */
#define POLL_MS 200
/* After a stop, how long beyond close_timeout_ms a child may take before it is killed: the
 * runner forces its own stop 2 s after close_timeout_ms, then joins its workers and sends. */
#define KILL_GRACE_MS 8000
/* After a second signal (a forced stop), how long a child may take before it is killed. */
#define FORCED_GRACE_MS 3000
/* After SIGKILL, how long to wait for a child's pipe to close before giving up on it. */
#define GIVE_UP_MS 2000
/* How long a child whose pipe closed may take to exit before it is killed, and how often the
 * parent looks meanwhile. */
#define REAP_MS      2000
#define REAP_POLL_MS 10
/* Bytes read from a pipe at a time. */
#define READ_CHUNK (64u * 1024u)
/* How often a child sends its totals at most, so the parent's line is at most this stale. */
#define CHILD_PROGRESS_MS 100
/* Writes retried after EINTR before a record is given up. */
#define WRITE_TRIES 64

/* ---- the split (pure) ----------------------------------------------------------------------- */

uint64_t load_procs_share(uint64_t total, unsigned nprocs, unsigned index)
{
    if (nprocs == 0)
        nprocs = 1;
    return total / nprocs + (index < total % nprocs ? 1 : 0);
}

uint64_t load_procs_first_slot(uint64_t total, unsigned nprocs, unsigned index)
{
    if (nprocs == 0)
        nprocs = 1;
    uint64_t extra = total % nprocs;
    return (uint64_t)index * (total / nprocs) + (index < extra ? index : extra);
}

int load_procs_check(uint64_t connections, uint64_t rate_per_s, unsigned nprocs, char *err,
                     size_t errlen)
{
    if (nprocs > 1 && connections < nprocs) {
        snprintf(err, errlen,
                 "invalid value \"%u\" for --processes: more processes than --connections (%llu)",
                 nprocs, (unsigned long long)connections);
        return -1;
    }
    if (nprocs > 1 && rate_per_s > 0 && rate_per_s < nprocs) {
        snprintf(err, errlen,
                 "invalid value \"%llu\" for --rate: %u processes need 0 (no pacing) or at least "
                 "%u, one per second each",
                 (unsigned long long)rate_per_s, nprocs, nprocs);
        return -1;
    }
    return 0;
}

void load_procs_child_config(const struct load_config *all, unsigned nprocs, unsigned index,
                             struct load_config *out, struct load_target *targets_buf,
                             struct sockaddr_storage *sources_buf)
{
    uint64_t first = load_procs_first_slot(all->connections, nprocs, index);
    *out = *all;
    out->connections = load_procs_share(all->connections, nprocs, index);
    out->rate_per_s = load_procs_share(all->rate_per_s, nprocs, index);
    /* Child slot i is run slot first + i: start each list where that slot's entry is. */
    for (size_t i = 0; i < all->ntargets; i++)
        targets_buf[i] = all->targets[(first + i) % all->ntargets];
    out->targets = targets_buf;
    if (all->nsources > 0) {
        for (size_t i = 0; i < all->nsources; i++)
            sources_buf[i] = all->sources[(first + i) % all->nsources];
        out->sources = sources_buf;
    }
}

void load_procs_merge(struct runner_result *into, const struct load_wire_result *from,
                      const struct load_stats *stats)
{
    load_stats_merge(into->stats, stats);
    into->open_at_stop += from->open_at_stop;
    if (from->measured_ms > into->measured_ms)
        into->measured_ms = from->measured_ms;
    into->was_forced = into->was_forced || from->was_forced;
}

/* ---- shared helpers ------------------------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static int write_all(int fd, const char *p, size_t n)
{
    for (int tries = 0; n > 0 && tries < WRITE_TRIES;) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            tries++;
            continue;
        }
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return n == 0 ? 0 : -1;
}

/* ---- a child -------------------------------------------------------------------------------- */

/* What a child's progress callback needs. */
struct child_out {
    int fd;                /* the pipe's write end */
    struct wss_strbuf rec; /* reused for every progress record */
};

static void send_progress(const struct load_totals *t, void *arg)
{
    struct child_out *co = arg;
    wss_strbuf_reset(&co->rec);
    /* Best effort: the parent reads continuously; a lost parent is noticed through SIGTERM. */
    if (load_wire_put_progress(&co->rec, t) == 0)
        (void)write_all(co->fd, co->rec.data, co->rec.len);
}

/* Runs child index's share and sends its result to fd. Returns the child's exit status. */
static int run_child(const struct load_config *all, const struct runner_options *opt,
                     unsigned nprocs, unsigned index, int fd, uint64_t run_start_ns)
{
    struct load_target *targets = calloc(all->ntargets, sizeof(*targets));
    struct sockaddr_storage *sources =
        all->nsources > 0 ? calloc(all->nsources, sizeof(*sources)) : NULL;
    struct child_out co = {.fd = fd};
    struct runner_result res = {0};
    char err[RUNNER_ERR_LEN];
    int rc = 1;

    if (targets == NULL || (all->nsources > 0 && sources == NULL)) {
        WSS_ERROR("cannot run", WSS_KV_STR("error", "out of memory"));
        goto out;
    }
    struct load_config cfg;
    load_procs_child_config(all, nprocs, index, &cfg, targets, sources);
    struct runner_options copt = *opt;
    copt.run_start_ns = run_start_ns;
    copt.progress_ms = min_u64(opt->progress_ms, CHILD_PROGRESS_MS);
    copt.on_progress = send_progress;
    copt.progress_arg = &co;
    if (runner_run(&cfg, &copt, &res, err, sizeof(err)) != 0) {
        WSS_ERROR("cannot run", WSS_KV_STR("error", err), WSS_KV_UINT("process", index));
        goto out;
    }
    const struct load_wire_result wr = {
        .measured_ms = res.measured_ms,
        .elapsed_ms = res.elapsed_ms,
        .open_at_stop = res.open_at_stop,
        .was_forced = res.was_forced,
    };
    wss_strbuf_reset(&co.rec);
    if (load_wire_put_result(&co.rec, &wr, res.stats) != 0 ||
        write_all(fd, co.rec.data, co.rec.len) != 0) {
        WSS_ERROR("cannot send the result to the parent process",
                  WSS_KV_STR("error", co.rec.is_failed ? "out of memory" : strerror(errno)));
        goto out;
    }
    rc = 0;
out:
    free(res.stats);
    wss_strbuf_free(&co.rec);
    free(sources);
    free(targets);
    return rc;
}

/* ---- the parent ----------------------------------------------------------------------------- */

struct child {
    pid_t pid;
    int fd;                      /* the pipe's read end; -1 once closed */
    bool has_result;             /* its result arrived */
    bool is_lost;                /* ended (or was given up) without a result */
    bool is_reaped;              /* waitpid collected it */
    int status;                  /* from waitpid, once reaped */
    struct load_totals progress; /* its latest totals */
    uint8_t *buf;                /* owned: bytes read and not parsed yet */
    size_t len, cap;
};

/* The parent's whole state during a run. */
struct parent {
    const struct load_config *cfg;
    const struct runner_options *opt;
    struct child *kids; /* owned array of nprocs, of which n were forked */
    unsigned n;
    unsigned nprocs;
    struct load_procs_result *res;
    struct load_stats *scratch; /* owned: where a result record is decoded */
    int sfd;                    /* signalfd for SIGINT and SIGTERM */
    uint64_t start_ms;
    uint64_t stop_at;    /* 0 until a stop began */
    uint64_t kill_at;    /* 0 = no deadline yet: children still running are killed then */
    uint64_t give_up_at; /* 0 until stragglers were killed: their pipes are dropped then */
    bool is_forced;
};

/* Waits up to REAP_MS for a child to exit, then kills it; fills c->status. */
static void reap(struct child *c)
{
    if (c->is_reaped)
        return;
    c->is_reaped = true;
    for (unsigned i = 0; i <= REAP_MS / REAP_POLL_MS; i++) {
        pid_t r = waitpid(c->pid, &c->status, WNOHANG);
        if (r == c->pid)
            return;
        if (r < 0 && errno != EINTR) {
            c->status = 0;
            return;
        }
        struct timespec ts = {0, (long)REAP_POLL_MS * (long)NS_PER_MS};
        nanosleep(&ts, NULL);
    }
    kill(c->pid, SIGKILL);
    if (waitpid(c->pid, &c->status, 0) != c->pid)
        c->status = 0;
}

static void describe_status(int status, char *out, size_t cap)
{
    if (WIFSIGNALED(status))
        snprintf(out, cap, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(out, cap, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(out, cap, "ended");
}

static void signal_children(struct parent *p, int sig)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->kids[i].fd >= 0 && !p->kids[i].has_result)
            kill(p->kids[i].pid, sig);
}

/* Begins the stop of every child still running (SIGTERM unless sig says otherwise). */
static void begin_stop(struct parent *p, int sig)
{
    uint64_t now = wss_clock_mono_ms();
    signal_children(p, sig);
    if (p->stop_at == 0) {
        p->stop_at = now;
        p->kill_at = now + p->cfg->close_timeout_ms + KILL_GRACE_MS;
    } else if (!p->is_forced) {
        p->is_forced = true;
        p->kill_at = min_u64(p->kill_at, now + FORCED_GRACE_MS);
    }
}

static void close_child(struct child *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->progress.open = 0;
    c->progress.unfinished = 0;
}

/* A child ended without a result: log why, count it, and stop the others. */
static void lose_child(struct parent *p, unsigned i, const char *why)
{
    struct child *c = &p->kids[i];
    char status[96];
    close_child(c);
    if (c->is_lost)
        return;
    c->is_lost = true;
    p->res->lost++;
    reap(c);
    describe_status(c->status, status, sizeof(status));
    WSS_ERROR("load process ended without a result", WSS_KV_UINT("process", i),
              WSS_KV_INT("pid", c->pid), WSS_KV_STR("why", why), WSS_KV_STR("status", status));
    if (p->stop_at == 0)
        begin_stop(p, SIGTERM);
}

/* Parses every complete record in c's buffer. 0, or -1 after a bad record (child lost). */
static int parse_records(struct parent *p, unsigned i)
{
    struct child *c = &p->kids[i];
    size_t off = 0;
    int rc = 0;
    while (off < c->len) {
        struct load_wire_msg msg;
        struct wss_parse_err perr;
        int n = load_wire_parse(c->buf + off, c->len - off, &msg, p->scratch, &perr);
        if (n == WSS_PARSE_INCOMPLETE)
            break;
        if (n < 0 || c->has_result) {
            char why[sizeof(perr.msg) + 32];
            snprintf(why, sizeof(why), "bad record: %s",
                     n < 0 ? perr.msg : "bytes after its result");
            kill(c->pid, SIGKILL);
            lose_child(p, i, why);
            rc = -1;
            break;
        }
        off += (size_t)n;
        if (msg.type == LOAD_WIRE_PROGRESS) {
            c->progress = msg.progress;
            continue;
        }
        c->has_result = true;
        load_procs_merge(&p->res->run, &msg.result, p->scratch);
        c->progress = (struct load_totals){.opened = p->scratch->opened,
                                           .msgs_received = p->scratch->msgs_received,
                                           .errors = load_stats_error_total(p->scratch)};
    }
    if (rc == 0) {
        memmove(c->buf, c->buf + off, c->len - off);
        c->len -= off;
    }
    return rc;
}

/* Reads what child i sent; handles its end. */
static void read_child(struct parent *p, unsigned i)
{
    struct child *c = &p->kids[i];
    if (c->cap - c->len < READ_CHUNK) {
        size_t cap = c->len + READ_CHUNK;
        uint8_t *b = cap <= LOAD_WIRE_HEADER_LEN + LOAD_WIRE_MAX_PAYLOAD + READ_CHUNK
                         ? realloc(c->buf, cap)
                         : NULL;
        if (b == NULL) {
            kill(c->pid, SIGKILL);
            lose_child(p, i, "out of memory for its records");
            return;
        }
        c->buf = b;
        c->cap = cap;
    }
    ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r > 0) {
        c->len += (size_t)r;
        (void)parse_records(p, i);
        return;
    }
    if (c->has_result) {
        close_child(c); /* reaped after the loop: its exit need not hold up the others */
        return;
    }
    lose_child(p, i,
               r == 0 ? (c->len > 0 ? "pipe closed inside a record" : "pipe closed")
                      : strerror(errno));
}

static void read_signals(struct parent *p)
{
    struct signalfd_siginfo si;
    /* One read per poll wake-up: each signal is one step (stop, then force). */
    if (read(p->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        begin_stop(p, (int)si.ssi_signo);
}

/* At the kill deadline: SIGKILL whatever still runs; later, drop pipes that never closed. */
static void enforce_deadlines(struct parent *p, uint64_t now)
{
    if (p->give_up_at != 0 && now >= p->give_up_at) {
        for (unsigned i = 0; i < p->n; i++) {
            struct child *c = &p->kids[i];
            if (c->fd >= 0 && c->has_result) {
                close_child(c);
                reap(c);
            } else if (c->fd >= 0) {
                lose_child(p, i, "its pipe stayed open after it was killed");
            }
        }
        return;
    }
    if (p->kill_at == 0 || now < p->kill_at || p->give_up_at != 0)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        struct child *c = &p->kids[i];
        if (c->fd < 0)
            continue;
        if (!c->has_result)
            WSS_ERROR("load process did not finish in time; killing it", WSS_KV_UINT("process", i),
                      WSS_KV_INT("pid", c->pid));
        kill(c->pid, SIGKILL);
    }
    p->give_up_at = now + GIVE_UP_MS;
}

static bool any_open(const struct parent *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->kids[i].fd >= 0)
            return true;
    return false;
}

static void parent_loop(struct parent *p)
{
    const struct runner_options *opt = p->opt;
    struct runner_progress pg = {.last_ms = p->start_ms};
    struct pollfd *pfds = calloc(p->n + 1, sizeof(*pfds));
    unsigned *which = calloc(p->n + 1, sizeof(*which));

    if (pfds == NULL || which == NULL) {
        /* Without memory the parent cannot watch: stop and give up on every child. */
        for (unsigned i = 0; i < p->n; i++) {
            kill(p->kids[i].pid, SIGKILL);
            lose_child(p, i, "the parent ran out of memory");
        }
    }
    while (pfds != NULL && which != NULL && any_open(p)) {
        uint64_t now = wss_clock_mono_ms();
        enforce_deadlines(p, now);
        if (opt->progress_ms > 0 && now - pg.last_ms >= opt->progress_ms) {
            struct load_totals t = {0};
            for (unsigned i = 0; i < p->n; i++) {
                t.open += p->kids[i].progress.open;
                t.opened += p->kids[i].progress.opened;
                t.msgs_received += p->kids[i].progress.msgs_received;
                t.errors += p->kids[i].progress.errors;
                t.unfinished += p->kids[i].progress.unfinished;
            }
            runner_progress_print(opt, &pg, &t, p->cfg->connections, now, p->start_ms);
        }
        uint64_t wait = POLL_MS;
        if (opt->progress_ms > 0)
            wait = min_u64(wait, pg.last_ms + opt->progress_ms - now);
        if (p->kill_at != 0 && p->give_up_at == 0)
            wait = min_u64(wait, p->kill_at > now ? p->kill_at - now : 0);
        if (p->give_up_at != 0)
            wait = min_u64(wait, p->give_up_at > now ? p->give_up_at - now : 0);
        nfds_t nfds = 0;
        pfds[nfds++] = (struct pollfd){.fd = p->sfd, .events = POLLIN};
        for (unsigned i = 0; i < p->n; i++) {
            if (p->kids[i].fd < 0)
                continue;
            which[nfds] = i;
            pfds[nfds++] = (struct pollfd){.fd = p->kids[i].fd, .events = POLLIN};
        }
        int nready = poll(pfds, nfds, (int)wait);
        if (nready <= 0)
            continue;
        if (pfds[0].revents & POLLIN)
            read_signals(p);
        for (nfds_t k = 1; k < nfds; k++)
            if (pfds[k].revents != 0 && p->kids[which[k]].fd == pfds[k].fd)
                read_child(p, which[k]);
    }
    runner_progress_end(opt, &pg);
    free(which);
    free(pfds);
}

/* Forks child index with its pipe; in the child, runs it and sets res->is_child. Returns the
 * pid in the parent (and 0 in the child), or -1 with err set. */
static pid_t fork_child(struct parent *p, unsigned index, uint64_t run_start_ns, char *err,
                        size_t errlen)
{
    int fds[2];
    pid_t parent_pid = getpid();
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        /* Its own process group, so a terminal's ^C reaches only the parent, which passes it on
         * once; done on both sides of the fork so no signal slips in between. */
        (void)setpgid(pid, pid);
        p->kids[index] = (struct child){.pid = pid, .fd = fds[0]};
        return pid;
    }
    (void)setpgid(0, 0);
    /* A parent killed outright must not leave its children loading forever: they stop as on
     * SIGTERM (closing their connections cleanly). */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    close(fds[0]);
    for (unsigned i = 0; i < index; i++) {
        close(p->kids[i].fd);
        p->kids[i].fd = -1;
    }
    p->res->is_child = true;
    p->res->child_rc = getppid() != parent_pid
                           ? 1
                           : run_child(p->cfg, p->opt, p->nprocs, index, fds[1], run_start_ns);
    close(fds[1]);
    return 0;
}

static void free_parent(struct parent *p)
{
    for (unsigned i = 0; p->kids != NULL && i < p->n; i++) {
        if (p->kids[i].fd >= 0)
            close(p->kids[i].fd);
        free(p->kids[i].buf);
    }
    free(p->kids);
    free(p->scratch);
    if (p->sfd >= 0)
        close(p->sfd);
}

int load_procs_run(const struct load_config *cfg, const struct runner_options *opt, unsigned nprocs,
                   struct load_procs_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    if (nprocs <= 1)
        return runner_run(cfg, opt, &res->run, err, errlen);

    uint64_t run_start_ns = wss_clock_mono_ns();
    struct parent p = {
        .cfg = cfg,
        .opt = opt,
        .kids = calloc(nprocs, sizeof(struct child)),
        .n = 0,
        .nprocs = nprocs,
        .res = res,
        .scratch = calloc(1, sizeof(struct load_stats)),
        .sfd = -1,
        .start_ms = run_start_ns / NS_PER_MS,
    };
    res->run.stats = calloc(1, sizeof(*res->run.stats));
    if (p.kids == NULL || p.scratch == NULL || res->run.stats == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    (void)fflush(NULL);
    for (; p.n < nprocs; p.n++) {
        pid_t pid = fork_child(&p, p.n, run_start_ns, err, errlen);
        if (pid == 0) {
            /* In the child, now done: kids[0..p.n) hold only closed pipes. */
            free_parent(&p);
            free(res->run.stats);
            res->run.stats = NULL;
            return 0;
        }
        if (pid < 0)
            goto fail;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    p.sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (p.sfd < 0) {
        snprintf(err, errlen, "signalfd: %s", strerror(errno));
        goto fail;
    }
    if (opt->duration_ms > 0)
        p.kill_at = p.start_ms + opt->duration_ms + cfg->close_timeout_ms + KILL_GRACE_MS;
    parent_loop(&p);
    for (unsigned i = 0; i < p.n; i++)
        reap(&p.kids[i]);
    res->run.elapsed_ms = wss_clock_mono_ms() - p.start_ms;
    free_parent(&p);
    return 0;
fail:
    /* Children already running have loaded nothing worth a summary: end them now. */
    for (unsigned i = 0; i < p.n; i++) {
        kill(p.kids[i].pid, SIGKILL);
        reap(&p.kids[i]);
    }
    free_parent(&p);
    free(res->run.stats);
    res->run.stats = NULL;
    return -1;
}
