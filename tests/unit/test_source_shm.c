/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_shm.c: the shm source: every counter status mapped to a sample state (a table over
 * snapshots), then the real source over a counter file written with counter.h's writer: missing,
 * starting, counting, draining, stale, restarted, stopped and a bad layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "source_shm.h"
#include "wait.h"

#define NS_PER_S INT64_C(1000000000)
#define STALE_NS (3 * NS_PER_S)
/* A short staleness limit for the live tests, so going stale takes little time. */
#define LIVE_STALE_MS 100
#define WAIT_MS       5000

static void every_status_maps_to_a_state_and_only_ok_counts(void **state)
{
    (void)state;
    struct wss_counter_snapshot live = {.active = 5,
                                        .opened_total = 9,
                                        .closed_total = 4,
                                        .state = WSS_COUNTER_STATE_SERVING,
                                        .heartbeat_age_ns = NS_PER_S};
    struct wss_counter_snapshot draining = live;
    draining.state = WSS_COUNTER_STATE_DRAINING;
    draining.is_draining = true;
    struct wss_counter_snapshot old = live;
    old.heartbeat_age_ns = 4 * NS_PER_S;
    struct wss_counter_snapshot stopped = live;
    stopped.state = WSS_COUNTER_STATE_STOPPED;
    struct wss_counter_snapshot zero = {0};
    const struct {
        int status;
        const struct wss_counter_snapshot *snap;
        enum source_state want;
        uint64_t active;
        bool has_totals, is_draining, is_restarted;
        const char *reason;
    } cases[] = {
        {WSS_COUNTER_OK, &live, SOURCE_OK, 5, true, false, false, ""},
        {WSS_COUNTER_OK, &draining, SOURCE_OK, 5, true, true, false, ""},
        {WSS_COUNTER_STOPPED, &stopped, SOURCE_OK, 0, true, false, false, ""},
        {WSS_COUNTER_MISSING, &zero, SOURCE_MISSING, 0, false, false, false,
         "no counter yet: the app has not started"},
        {WSS_COUNTER_STALE, &old, SOURCE_STALE, 0, false, false, false,
         "no heartbeat for 4.0s (limit 3.0s): the app is hung or gone"},
        {WSS_COUNTER_BAD_LAYOUT, &zero, SOURCE_ERROR, 0, false, false, false,
         "not a counter this sidecar reads (magic, version, sizes or state)"},
        {WSS_COUNTER_RESTARTED, &live, SOURCE_OK, 5, true, false, true, ""},
        {WSS_COUNTER_RESTARTED, &old, SOURCE_STALE, 0, false, false, true,
         "no heartbeat for 4.0s (limit 3.0s): the app is hung or gone"},
        {WSS_COUNTER_RESTARTED, &stopped, SOURCE_OK, 0, true, false, true, ""},
        {-13, &zero, SOURCE_ERROR, 0, false, false, false,
         "cannot read the counter: Permission denied"},
        {42, &zero, SOURCE_ERROR, 0, false, false, false, "unknown counter status 42"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct source_sample out;
        memset(&out, 0x5a, sizeof(out));
        source_shm_classify(cases[i].status, cases[i].snap, STALE_NS, &out);
        if (out.state != cases[i].want || strcmp(out.reason, cases[i].reason) != 0)
            fail_msg("case %zu: state %d reason \"%s\"", i, out.state, out.reason);
        assert_int_equal(out.active, cases[i].active);
        assert_int_equal(out.has_totals, cases[i].has_totals);
        assert_int_equal(out.is_draining, cases[i].is_draining);
        assert_int_equal(out.is_restarted, cases[i].is_restarted);
        if (out.has_totals) {
            assert_int_equal(out.opened_total, 9);
            assert_int_equal(out.closed_total, 4);
        }
    }
}

static void bad_arguments_give_no_source_and_a_message(void **state)
{
    (void)state;
    char err[256];
    struct source s = source_shm_new("relative", 1000, err, sizeof(err));
    assert_null(s.ops);
    assert_string_equal(err, "bad shm counter name \"relative\": want \"/name\" (POSIX shm) or an "
                             "absolute file path (Invalid argument)");
    s = source_shm_new("/wsscale", 0, err, sizeof(err));
    assert_null(s.ops);
    assert_string_equal(err, "stale-after must be a positive duration");
    source_destroy(&s);
}

struct live {
    char dir[256];
    char path[300];
    struct source src;
    struct source_sample last;
};

static void take(struct live *l)
{
    assert_int_equal(l->src.ops->sample(l->src.self, &l->last), 0);
}

static bool is_stale(void *arg)
{
    struct live *l = arg;
    take(l);
    return l->last.state == SOURCE_STALE;
}

static void live_counter_goes_through_every_state(void **state)
{
    (void)state;
    struct live l;
    const char *tmp = getenv("TMPDIR");
    snprintf(l.dir, sizeof(l.dir), "%s/test_source_shm.XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(l.dir));
    snprintf(l.path, sizeof(l.path), "%s/counter", l.dir);
    char err[256];
    l.src = source_shm_new(l.path, LIVE_STALE_MS, err, sizeof(err));
    assert_non_null(l.src.ops);
    assert_string_equal(l.src.ops->kind, "shm");

    take(&l);
    assert_int_equal(l.last.state, SOURCE_MISSING);
    char want[400];
    snprintf(want, sizeof(want), "%s: no counter yet: the app has not started", l.path);
    assert_string_equal(l.last.reason, want);

    struct wss_counter_writer w;
    assert_int_equal(wss_counter_writer_open(&w, l.path, 2, 8080), 0);
    take(&l);
    assert_int_equal(l.last.state, SOURCE_OK); /* starting: no connection yet, and that is true */
    assert_int_equal(l.last.active, 0);
    assert_false(l.last.is_restarted);

    wss_counter_set_state(&w, WSS_COUNTER_STATE_SERVING);
    for (int i = 0; i < 3; i++)
        wss_counter_conn_opened(&w, (uint32_t)i % 2);
    wss_counter_conn_closed(&w, 1);
    wss_counter_heartbeat(&w);
    take(&l);
    assert_int_equal(l.last.state, SOURCE_OK);
    assert_int_equal(l.last.active, 2);
    assert_true(l.last.has_totals);
    assert_int_equal(l.last.opened_total, 3);
    assert_int_equal(l.last.closed_total, 1);
    assert_false(l.last.is_draining);

    wss_counter_set_draining(&w);
    wss_counter_heartbeat(&w);
    take(&l);
    assert_true(l.last.is_draining);

    /* No more heartbeats: stale once the limit passes, and never a count. */
    assert_true(wss_wait_until(is_stale, &l, WAIT_MS));
    assert_int_equal(l.last.active, 0);
    assert_false(l.last.has_totals);

    /* The app starts again: a new object under the same name. */
    struct wss_counter_writer w2;
    assert_int_equal(wss_counter_writer_open(&w2, l.path, 1, 8080), 0);
    wss_counter_conn_opened(&w2, 0);
    take(&l);
    assert_int_equal(l.last.state, SOURCE_OK);
    assert_true(l.last.is_restarted);
    assert_int_equal(l.last.active, 1);
    take(&l);
    assert_false(l.last.is_restarted);

    /* A clean exit: the app holds no connection any more. */
    wss_counter_writer_close(&w2);
    take(&l);
    assert_int_equal(l.last.state, SOURCE_OK);
    assert_int_equal(l.last.active, 0);
    assert_int_equal(l.last.opened_total, 1);

    /* Garbage where the counter should be. */
    unlink(l.path);
    FILE *f = fopen(l.path, "w");
    assert_non_null(f);
    for (int i = 0; i < 256; i++)
        fputc('x', f);
    fclose(f);
    take(&l);
    assert_int_equal(l.last.state, SOURCE_ERROR);
    assert_non_null(strstr(l.last.reason, ": not a counter this sidecar reads"));

    wss_counter_writer_close(&w);
    source_destroy(&l.src);
    unlink(l.path);
    rmdir(l.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_status_maps_to_a_state_and_only_ok_counts),
        cmocka_unit_test(bad_arguments_give_no_source_and_a_message),
        cmocka_unit_test(live_counter_goes_through_every_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
