/* SPDX-License-Identifier: Apache-2.0 */
/* test_sampler.c: the sampling thread over a fake source: numbered samples reach the callback
 * and the latest copy, draining marks later samples, the wait for the app to finish ends on the
 * right samples only (not one begun before SIGTERM), stopping hands back the newest sample,
 * state changes are logged once, and bad configs are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "sampler.h"
#include "wait.h"
#include "wsscale/log.h"

#define INTERVAL_MS 10
#define WAIT_MS     5000
/* A wait that must not end early: long enough for several samples. */
#define NOT_DONE_MS 100

struct fake {
    _Atomic int state; /* enum source_state */
    _Atomic uint64_t active;
    _Atomic bool is_draining;
    _Atomic uint64_t calls;
    _Atomic int gate_fd;  /* >= 0: each sample first reads a byte from it (the test holds it) */
    _Atomic bool is_held; /* a sample is waiting at the gate */
};

static int fake_sample(void *self, struct source_sample *out)
{
    struct fake *f = self;
    int gate = atomic_load(&f->gate_fd);
    if (gate >= 0) {
        atomic_store(&f->is_held, true);
        char c;
        ssize_t n = read(gate, &c, 1); /* 0 at EOF: the gate is open for good */
        (void)n;
        atomic_store(&f->is_held, false);
    }
    memset(out, 0, sizeof(*out));
    out->state = (enum source_state)atomic_load(&f->state);
    out->active = out->state == SOURCE_OK ? atomic_load(&f->active) : 0;
    out->is_draining = atomic_load(&f->is_draining);
    if (out->state != SOURCE_OK)
        snprintf(out->reason, sizeof(out->reason), "fake says no");
    atomic_fetch_add(&f->calls, 1);
    return 0;
}

static void fake_destroy(void *self)
{
    (void)self;
}

static const struct source_ops fake_ops = {"fake", fake_sample, fake_destroy};

struct seen {
    _Atomic uint64_t count;
    _Atomic uint64_t last_number;
    _Atomic bool is_ordered; /* every number was the previous one plus 1 */
};

static void on_sample(const struct sample *s, void *arg)
{
    struct seen *seen = arg;
    uint64_t prev = atomic_exchange(&seen->last_number, s->number);
    if (s->number != prev + 1 || strcmp(s->kind, "fake") != 0 || s->time_unix_ms <= 0 ||
        s->duration_s < 0)
        atomic_store(&seen->is_ordered, false);
    atomic_fetch_add(&seen->count, 1);
}

struct rig {
    struct fake fake;
    struct source source;
    struct seen seen;
    struct sampler *sampler;
};

static struct rig *rig_start(void)
{
    struct rig *r = calloc(1, sizeof(*r));
    atomic_store(&r->fake.gate_fd, -1);
    atomic_store(&r->fake.state, SOURCE_OK);
    atomic_store(&r->fake.active, 3);
    atomic_store(&r->seen.is_ordered, true);
    r->source = (struct source){.ops = &fake_ops, .self = &r->fake};
    struct sampler_config cfg = {&r->source, INTERVAL_MS, on_sample, &r->seen};
    char err[SAMPLER_ERR_LEN];
    r->sampler = sampler_start(&cfg, err, sizeof(err));
    assert_non_null(r->sampler);
    return r;
}

static void rig_stop(struct rig *r)
{
    sampler_stop(r->sampler, NULL);
    free(r);
}

static bool has_five(void *arg)
{
    struct rig *r = arg;
    return atomic_load(&r->seen.count) >= 5;
}

static void samples_are_numbered_and_reach_callback_and_latest(void **state)
{
    (void)state;
    struct rig *r = rig_start();
    assert_true(wss_wait_until(has_five, r, WAIT_MS));
    struct sample latest;
    assert_true(sampler_latest(r->sampler, &latest));
    assert_true(latest.number >= 5);
    assert_int_equal(latest.src.state, SOURCE_OK);
    assert_int_equal(latest.src.active, 3);
    assert_false(latest.is_draining);
    assert_true(atomic_load(&r->seen.is_ordered));
    rig_stop(r);
}

struct after {
    struct rig *r;
    uint64_t number;
};

static bool has_sample_after(void *arg)
{
    struct after *a = arg;
    struct sample s;
    return sampler_latest(a->r->sampler, &s) && s.number > a->number + 1;
}

static void draining_marks_later_samples_and_waits_for_zero(void **state)
{
    (void)state;
    struct rig *r = rig_start();
    assert_true(wss_wait_until(has_five, r, WAIT_MS));
    /* Not draining yet: nothing to wait for. */
    assert_false(sampler_wait_app_done(r->sampler, 0));

    struct sample s;
    assert_true(sampler_latest(r->sampler, &s));
    sampler_set_draining(r->sampler);
    struct after a = {r, s.number};
    assert_true(wss_wait_until(has_sample_after, &a, WAIT_MS));
    assert_true(sampler_latest(r->sampler, &s));
    assert_true(s.is_draining);
    /* Three connections are still open. */
    assert_false(sampler_wait_app_done(r->sampler, NOT_DONE_MS));
    atomic_store(&r->fake.active, 0);
    assert_true(sampler_wait_app_done(r->sampler, WAIT_MS));
    rig_stop(r);
}

static void app_that_vanishes_while_draining_is_done(void **state)
{
    (void)state;
    struct rig *r = rig_start();
    assert_true(wss_wait_until(has_five, r, WAIT_MS));
    sampler_set_draining(r->sampler);
    atomic_store(&r->fake.state, SOURCE_STALE);
    assert_true(sampler_wait_app_done(r->sampler, WAIT_MS));
    struct sample s;
    assert_true(sampler_latest(r->sampler, &s));
    assert_int_equal(s.src.state, SOURCE_STALE);
    rig_stop(r);
}

static void source_draining_flag_is_carried_without_sigterm(void **state)
{
    (void)state;
    struct rig *r = rig_start();
    assert_true(wss_wait_until(has_five, r, WAIT_MS));
    atomic_store(&r->fake.is_draining, true);
    struct sample s;
    assert_true(sampler_latest(r->sampler, &s));
    struct after a = {r, s.number};
    assert_true(wss_wait_until(has_sample_after, &a, WAIT_MS));
    assert_true(sampler_latest(r->sampler, &s));
    assert_true(s.is_draining);
    /* The app drains but the sidecar was not told to stop: no wait applies. */
    assert_false(sampler_wait_app_done(r->sampler, 0));
    rig_stop(r);
}

static void app_is_done_only_at_zero_or_when_gone(void **state)
{
    (void)state;
    static const struct {
        enum source_state st;
        uint64_t active;
        bool is_done;
    } cases[] = {
        {SOURCE_OK, 0, true},      {SOURCE_OK, 1, false},   {SOURCE_STALE, 0, true},
        {SOURCE_MISSING, 0, true}, {SOURCE_ERROR, 0, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sample s = {.src = {.state = cases[i].st, .active = cases[i].active}};
        assert_int_equal(sampler_app_is_done(&s), cases[i].is_done);
    }
}

/* Reads whatever the logger wrote to the pipe so far. */
static size_t drain_pipe(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    return n;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

struct calls_at_least {
    struct fake *f;
    uint64_t n;
};

static bool has_calls(void *arg)
{
    struct calls_at_least *c = arg;
    return atomic_load(&c->f->calls) >= c->n;
}

static void state_changes_are_logged_once_each(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    wss_log_set_fd(fds[1]);
    struct rig *r = rig_start();
    struct calls_at_least c = {&r->fake, 5};
    assert_true(wss_wait_until(has_calls, &c, WAIT_MS));
    atomic_store(&r->fake.state, SOURCE_MISSING);
    c.n = atomic_load(&r->fake.calls) + 5;
    assert_true(wss_wait_until(has_calls, &c, WAIT_MS));
    atomic_store(&r->fake.state, SOURCE_OK);
    c.n = atomic_load(&r->fake.calls) + 5;
    assert_true(wss_wait_until(has_calls, &c, WAIT_MS));
    rig_stop(r);
    wss_log_set_fd(STDERR_FILENO);
    char buf[8192];
    drain_pipe(fds[0], buf, sizeof(buf));
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(count(buf, "\"source ok\""), 2);
    assert_int_equal(count(buf, "\"source cannot count connections\""), 1);
    assert_non_null(strstr(buf, "state=\"missing\" reason=\"fake says no\""));
    assert_non_null(strstr(buf, "was=\"missing\""));
}

static void bad_config_is_refused(void **state)
{
    (void)state;
    char err[SAMPLER_ERR_LEN];
    struct fake f = {0};
    struct source src = {.ops = &fake_ops, .self = &f};
    struct sampler_config cfg = {&src, 0, NULL, NULL};
    assert_null(sampler_start(&cfg, err, sizeof(err)));
    assert_string_equal(err, "sampler: needs a source and a positive interval");
    cfg = (struct sampler_config){NULL, INTERVAL_MS, NULL, NULL};
    assert_null(sampler_start(&cfg, err, sizeof(err)));
    assert_false(sampler_stop(NULL, NULL));
}

static bool is_held(void *arg)
{
    struct rig *r = arg;
    return atomic_load(&r->fake.is_held);
}

/* Holds the next sample at the gate: returns the pipe's write end (the read end is the gate). */
static int hold_next_sample(struct rig *r)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    atomic_store(&r->fake.gate_fd, p[0]);
    assert_true(wss_wait_until(is_held, r, WAIT_MS));
    return p[1];
}

static void release(int fd)
{
    assert_int_equal(write(fd, "x", 1), 1);
}

/* A sample begun before SIGTERM that ends after it, reading 0, does not end the wait: only one
 * begun while draining can say the app is done. */
static void sample_begun_before_draining_does_not_end_the_wait(void **state)
{
    (void)state;
    struct rig *r = rig_start();
    assert_true(wss_wait_until(has_five, r, WAIT_MS));
    int gate = hold_next_sample(r);
    atomic_store(&r->fake.active, 0);
    sampler_set_draining(r->sampler);
    release(gate); /* the held sample ends with 0; the next one waits at the gate */
    assert_false(sampler_wait_app_done(r->sampler, NOT_DONE_MS));
    struct sample s;
    assert_true(sampler_latest(r->sampler, &s));
    assert_int_equal(s.src.active, 0);
    assert_false(s.is_draining);
    close(gate); /* EOF: samples run freely */
    assert_true(sampler_wait_app_done(r->sampler, WAIT_MS));
    assert_true(sampler_latest(r->sampler, &s));
    assert_true(s.is_draining);
    int gate_read = atomic_load(&r->fake.gate_fd);
    rig_stop(r);
    close(gate_read);
}

struct stopper {
    struct sampler *sampler;
    struct sample last;
    bool has_last;
};

static void *stop_sampler(void *arg)
{
    struct stopper *st = arg;
    st->has_last = sampler_stop(st->sampler, &st->last);
    return NULL;
}

/* sampler_stop hands back the newest sample, also one in progress when it was called. */
static void stop_returns_the_sample_in_progress(void **state)
{
    (void)state;
    struct rig *r = rig_start();
    assert_true(wss_wait_until(has_five, r, WAIT_MS));
    int gate = hold_next_sample(r);
    struct sample before;
    assert_true(sampler_latest(r->sampler, &before));
    atomic_store(&r->fake.active, 7);
    struct stopper st = {.sampler = r->sampler};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stop_sampler, &st), 0);
    release(gate);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(st.has_last);
    assert_int_equal(st.last.number, before.number + 1);
    assert_int_equal(st.last.src.active, 7);
    close(gate);
    close(atomic_load(&r->fake.gate_fd));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples_are_numbered_and_reach_callback_and_latest),
        cmocka_unit_test(draining_marks_later_samples_and_waits_for_zero),
        cmocka_unit_test(app_that_vanishes_while_draining_is_done),
        cmocka_unit_test(sample_begun_before_draining_does_not_end_the_wait),
        cmocka_unit_test(stop_returns_the_sample_in_progress),
        cmocka_unit_test(source_draining_flag_is_carried_without_sigterm),
        cmocka_unit_test(app_is_done_only_at_zero_or_when_gone),
        cmocka_unit_test(state_changes_are_logged_once_each),
        cmocka_unit_test(bad_config_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
