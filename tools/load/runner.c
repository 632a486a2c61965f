/* SPDX-License-Identifier: Apache-2.0 */
/* runner.c: the main thread's part of a run: worker lifecycle, deadline, signals, progress line
 * and the merge of the workers' stats.
 * Does not: touch sockets or format the summary.
 * Threads: the main thread; workers are reached only through worker.h's thread-safe calls. */
#include "runner.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"
#include "wsscale/clock.h"

/* How often the main thread looks at the workers while nothing else is due. */
#define POLL_MS 50
/* After a graceful stop, how long beyond close_timeout_ms before the stop is forced. */
#define STOP_GRACE_MS 2000
#define NS_PER_MS     1000000u
#define MS_PER_S      1000u
/* Room for one progress line. */
#define PROGRESS_CAP 256

static void signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

int runner_block_signals(void)
{
    sigset_t set;
    signal_set(&set);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

static struct load_totals sum_live(struct worker **ws, unsigned n)
{
    struct load_totals t = {0};
    for (unsigned i = 0; i < n; i++) {
        const struct load_live *l = worker_live(ws[i]);
        t.open += atomic_load_explicit(&l->open, memory_order_relaxed);
        t.opened += atomic_load_explicit(&l->opened, memory_order_relaxed);
        t.msgs_received += atomic_load_explicit(&l->msgs_received, memory_order_relaxed);
        t.errors += atomic_load_explicit(&l->errors, memory_order_relaxed);
        t.unfinished += atomic_load_explicit(&l->unfinished, memory_order_relaxed);
    }
    return t;
}

static bool all_finished(struct worker **ws, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!worker_is_finished(ws[i]))
            return false;
    return true;
}

static void write_all(int fd, const char *p, size_t n)
{
    /* Progress is best effort: a full or closed stderr must not stop the run. */
    for (int tries = 0; n > 0 && tries < 8; tries++) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

void runner_progress_print(const struct runner_options *opt, struct runner_progress *pg,
                           const struct load_totals *t, uint64_t connections, uint64_t now,
                           uint64_t start)
{
    char line[PROGRESS_CAP];
    uint64_t dt = now - pg->last_ms;
    double rate = dt > 0 ? (double)(t->msgs_received - pg->last_msgs) * MS_PER_S / (double)dt : 0;
    int n = snprintf(
        line, sizeof(line), "%s[%6.1fs] open %llu/%llu  opened %llu  msgs/s %.0f  errors %llu%s",
        opt->is_progress_tty ? "\r" : "", (double)(now - start) / MS_PER_S,
        (unsigned long long)t->open, (unsigned long long)connections, (unsigned long long)t->opened,
        rate, (unsigned long long)t->errors, opt->is_progress_tty ? "\033[K" : "\n");
    if (n > 0)
        write_all(opt->progress_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    pg->last_ms = now;
    pg->last_msgs = t->msgs_received;
    pg->has_printed = true;
}

void runner_progress_end(const struct runner_options *opt, const struct runner_progress *pg)
{
    if (opt->is_progress_tty && pg->has_printed)
        write_all(opt->progress_fd, "\n", 1);
}

/* Joins and frees the workers, merging the stats of those that ran into total (may be NULL). */
static void reap(struct worker **ws, unsigned n, struct load_stats *total)
{
    for (unsigned i = 0; i < n; i++) {
        if (worker_join(ws[i]) == 0 && total != NULL)
            load_stats_merge(total, worker_stats(ws[i]));
        worker_free(ws[i]);
    }
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Waits for a signal up to wait_ms; returns the signal or 0. */
static int wait_signal(uint64_t wait_ms)
{
    sigset_t set;
    struct timespec ts = {.tv_sec = (time_t)(wait_ms / MS_PER_S),
                          .tv_nsec = (long)(wait_ms % MS_PER_S) * (long)NS_PER_MS};
    signal_set(&set);
    int sig = sigtimedwait(&set, NULL, &ts);
    return sig > 0 ? sig : 0;
}

int runner_run(const struct load_config *cfg, const struct runner_options *opt,
               struct runner_result *res, char *err, size_t errlen)
{
    struct worker **ws = calloc(opt->threads, sizeof(*ws));
    struct load_stats *total = calloc(1, sizeof(*total));
    unsigned n = 0;
    uint64_t run_start_ns =
        opt->run_start_ns != 0 ? opt->run_start_ns : (uint64_t)wss_clock_mono_ns();
    uint64_t start = run_start_ns / NS_PER_MS;

    memset(res, 0, sizeof(*res));
    if (ws == NULL || total == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (; n < opt->threads; n++) {
        ws[n] = worker_create(cfg, n, opt->threads, run_start_ns, err, errlen);
        if (ws[n] == NULL)
            goto fail;
    }
    for (unsigned i = 0; i < n; i++) {
        if (worker_start(ws[i], err, errlen) != 0) {
            for (unsigned j = 0; j < i; j++)
                worker_request_stop(ws[j], true);
            goto fail;
        }
    }

    struct runner_progress pg = {.last_ms = start};
    uint64_t stop_at = 0; /* 0 until a stop was requested */
    bool is_forced = false;
    for (;;) {
        uint64_t now = wss_clock_mono_ms();
        bool is_deadline = opt->duration_ms > 0 && now - start >= opt->duration_ms;
        if (stop_at == 0 && (is_deadline || all_finished(ws, n))) {
            stop_at = now;
            res->open_at_stop = sum_live(ws, n).open;
            for (unsigned i = 0; i < n; i++)
                worker_request_stop(ws[i], false);
        }
        if (all_finished(ws, n))
            break;
        if (stop_at != 0 && !is_forced && now - stop_at > cfg->close_timeout_ms + STOP_GRACE_MS) {
            is_forced = true;
            for (unsigned i = 0; i < n; i++)
                worker_request_stop(ws[i], true);
        }
        if (opt->progress_ms > 0 && now - pg.last_ms >= opt->progress_ms) {
            struct load_totals t = sum_live(ws, n);
            if (opt->on_progress != NULL) {
                opt->on_progress(&t, opt->progress_arg);
                pg.last_ms = now;
            } else {
                runner_progress_print(opt, &pg, &t, cfg->connections, now, start);
            }
        }
        uint64_t wait = POLL_MS;
        if (opt->progress_ms > 0)
            wait = min_u64(wait, pg.last_ms + opt->progress_ms - now);
        if (stop_at == 0 && opt->duration_ms > 0)
            wait = min_u64(wait, start + opt->duration_ms - now);
        if (wait_signal(wait) == 0)
            continue;
        if (stop_at == 0) {
            stop_at = wss_clock_mono_ms();
            res->open_at_stop = sum_live(ws, n).open;
            for (unsigned i = 0; i < n; i++)
                worker_request_stop(ws[i], false);
        } else if (!is_forced) {
            is_forced = true;
            for (unsigned i = 0; i < n; i++)
                worker_request_stop(ws[i], true);
        }
    }
    runner_progress_end(opt, &pg);
    reap(ws, n, total);
    free(ws);
    res->stats = total;
    res->measured_ms = (stop_at != 0 ? stop_at : (uint64_t)wss_clock_mono_ms()) - start;
    res->elapsed_ms = wss_clock_mono_ms() - start;
    res->was_forced = is_forced;
    return 0;
fail:
    reap(ws, n, NULL);
    free(ws);
    free(total);
    return -1;
}
