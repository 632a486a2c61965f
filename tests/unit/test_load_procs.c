/* SPDX-License-Identifier: Apache-2.0 */
/* test_load_procs.c: wsscale-load --processes without forking: the even split of connections and
 * rate, the flag checks, each child's URLs and source addresses lining up with one process's,
 * and the merge of children's results sent through load_wire: histograms exactly as one
 * histogram of every sample, close-code time ranges spanning every child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "load_procs.h"

static void shares_are_even_with_the_remainder_to_the_first(void **state)
{
    (void)state;
    static const struct {
        uint64_t total;
        unsigned nprocs;
        uint64_t want[5];
    } cases[] = {
        {300, 3, {100, 100, 100}},
        {10, 3, {4, 3, 3}},
        {11, 3, {4, 4, 3}},
        {60000, 4, {15000, 15000, 15000, 15000}},
        {100000, 5, {20000, 20000, 20000, 20000, 20000}},
        {1001, 2, {501, 500}},
        {7, 1, {7}},
        {0, 3, {0, 0, 0}},
        {1000, 0, {1000}}, /* 0 processes counts as 1 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned n = cases[i].nprocs > 0 ? cases[i].nprocs : 1;
        uint64_t sum = 0;
        for (unsigned k = 0; k < n; k++) {
            uint64_t got = load_procs_share(cases[i].total, cases[i].nprocs, k);
            if (got != cases[i].want[k])
                fail_msg("share(%llu, %u, %u) = %llu, want %llu",
                         (unsigned long long)cases[i].total, cases[i].nprocs, k,
                         (unsigned long long)got, (unsigned long long)cases[i].want[k]);
            assert_int_equal(load_procs_first_slot(cases[i].total, cases[i].nprocs, k), sum);
            sum += got;
        }
        assert_int_equal(sum, cases[i].total);
    }
}

static void check_names_the_flag_that_cannot_be_split(void **state)
{
    (void)state;
    static const struct {
        uint64_t connections, rate;
        unsigned nprocs;
        const char *want; /* NULL: accepted */
    } cases[] = {
        {300, 1000, 3, NULL},
        {3, 3, 3, NULL},
        {300, 0, 64, NULL}, /* no pacing splits any way */
        {1, 1, 1, NULL},
        {2, 0, 3, "invalid value \"3\" for --processes: more processes than --connections (2)"},
        {300, 2, 3,
         "invalid value \"2\" for --rate: 3 processes need 0 (no pacing) or at least 3, one "
         "per second each"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[LOAD_PROCS_ERR_LEN] = "";
        int rc = load_procs_check(cases[i].connections, cases[i].rate, cases[i].nprocs, err,
                                  sizeof(err));
        if (cases[i].want == NULL) {
            assert_int_equal(rc, 0);
            continue;
        }
        assert_int_equal(rc, -1);
        assert_string_equal(err, cases[i].want);
    }
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void each_child_slot_keeps_the_url_and_source_of_one_process(void **state)
{
    (void)state;
    enum { NT = 3, NS = 4, TOTAL = 11, NPROCS = 3 };
    struct load_target targets[NT];
    struct sockaddr_storage sources[NS];
    memset(targets, 0, sizeof(targets));
    memset(sources, 0, sizeof(sources));
    for (int i = 0; i < NT; i++) {
        targets[i].addr.ss_family = AF_INET;
        ((struct sockaddr_in *)&targets[i].addr)->sin_port = htons((uint16_t)(8000 + i));
    }
    for (int i = 0; i < NS; i++) {
        sources[i].ss_family = AF_INET;
        ((struct sockaddr_in *)&sources[i])->sin_port = htons((uint16_t)(100 + i));
    }
    const struct load_config all = {.targets = targets,
                                    .ntargets = NT,
                                    .sources = sources,
                                    .nsources = NS,
                                    .connections = TOTAL,
                                    .rate_per_s = 1000,
                                    .payload_bytes = 32,
                                    .close_timeout_ms = 5000};
    uint64_t slot = 0, rate = 0;
    for (unsigned k = 0; k < NPROCS; k++) {
        struct load_target tb[NT];
        struct sockaddr_storage sb[NS];
        struct load_config c;
        load_procs_child_config(&all, NPROCS, k, &c, tb, sb);
        assert_int_equal(c.connections, load_procs_share(TOTAL, NPROCS, k));
        assert_int_equal(c.ntargets, NT);
        assert_int_equal(c.nsources, NS);
        assert_int_equal(c.payload_bytes, 32);
        assert_int_equal(c.close_timeout_ms, 5000);
        rate += c.rate_per_s;
        /* Child slot i is run slot `slot`: same URL and address as one process would use. */
        for (uint64_t i = 0; i < c.connections; i++, slot++) {
            assert_int_equal(port_of(&c.targets[i % c.ntargets].addr),
                             port_of(&targets[slot % NT].addr));
            assert_int_equal(port_of(&c.sources[i % c.nsources]), port_of(&sources[slot % NS]));
        }
    }
    assert_int_equal(slot, TOTAL);
    assert_int_equal(rate, 1000);

    /* Without source addresses a child has none either. */
    struct load_config none = all, c;
    struct load_target tb[NT];
    none.sources = NULL;
    none.nsources = 0;
    load_procs_child_config(&none, NPROCS, 1, &c, tb, NULL);
    assert_null(c.sources);
    assert_int_equal(c.nsources, 0);
}

/* Sends s through a result record and merges what the parent parses, as the parent does. */
static void merge_via_wire(struct runner_result *into, const struct load_wire_result *r,
                           const struct load_stats *s)
{
    struct wss_strbuf rec = {0};
    struct load_stats *parsed = calloc(1, sizeof(*parsed));
    struct load_wire_msg msg;
    struct wss_parse_err err;
    assert_non_null(parsed);
    assert_int_equal(load_wire_put_result(&rec, r, s), 0);
    assert_int_equal(load_wire_parse((const uint8_t *)rec.data, rec.len, &msg, parsed, &err),
                     (int)rec.len);
    load_procs_merge(into, &msg.result, parsed);
    wss_strbuf_free(&rec);
    free(parsed);
}

/* A small deterministic generator of latencies spread over several decades. */
static uint64_t next_sample(uint64_t *x)
{
    *x = *x * 6364136223846793005u + 1442695040888963407u;
    return (*x >> 33) % ((*x >> 20 & 1) ? 2000u : 2000000u);
}

static void merged_histograms_equal_one_histogram_of_every_sample(void **state)
{
    (void)state;
    enum { KIDS = 3, SAMPLES = 20000 };
    struct load_stats *kids[KIDS], *one = calloc(1, sizeof(*one));
    struct runner_result total = {.stats = calloc(1, sizeof(struct load_stats))};
    uint64_t x = 42;
    assert_non_null(one);
    assert_non_null(total.stats);
    for (int k = 0; k < KIDS; k++) {
        kids[k] = calloc(1, sizeof(*kids[k]));
        assert_non_null(kids[k]);
    }
    /* Children see different latencies: child 2 is slow, so averaging percentiles would lie. */
    for (int i = 0; i < SAMPLES; i++) {
        int k = i % KIDS;
        uint64_t v = next_sample(&x) * (k == 2 ? 10u : 1u);
        latency_hist_record(&kids[k]->rtt_us, v);
        latency_hist_record(&one->rtt_us, v);
        latency_hist_record(&kids[k]->connect_us, v / 7);
        latency_hist_record(&one->connect_us, v / 7);
    }
    for (int k = 0; k < KIDS; k++) {
        const struct load_wire_result r = {.measured_ms = 1000u + (uint64_t)k,
                                           .open_at_stop = 10u * (uint64_t)(k + 1),
                                           .was_forced = k == 1};
        merge_via_wire(&total, &r, kids[k]);
    }
    const struct latency_hist *got = &total.stats->rtt_us, *want = &one->rtt_us;
    assert_int_equal(got->count, want->count);
    assert_int_equal(got->sum_us, want->sum_us);
    assert_int_equal(got->min_us, want->min_us);
    assert_int_equal(got->max_us, want->max_us);
    assert_memory_equal(got->buckets, want->buckets, sizeof(want->buckets));
    assert_memory_equal(total.stats->connect_us.buckets, one->connect_us.buckets,
                        sizeof(one->connect_us.buckets));
    static const double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        assert_int_equal(latency_hist_quantile(got, qs[i]), latency_hist_quantile(want, qs[i]));
    assert_int_equal(total.open_at_stop, 60);
    assert_int_equal(total.measured_ms, 1002);
    assert_true(total.was_forced);
    for (int k = 0; k < KIDS; k++)
        free(kids[k]);
    free(one);
    free(total.stats);
}

static void close_code_times_span_every_child(void **state)
{
    (void)state;
    struct load_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    struct runner_result total = {.stats = calloc(1, sizeof(struct load_stats))};
    const struct load_wire_result r = {.measured_ms = 3000};
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(total.stats);
    /* Child a saw 1001 from 0.5 s to 2 s; child b from 0.2 s to 1.5 s and one 1011 at 3 s. */
    load_stats_close_code(a, 1001, 500000);
    load_stats_close_code(a, 1001, 2000000);
    load_stats_close_code(b, 1001, 200000);
    load_stats_close_code(b, 1001, 1500000);
    load_stats_close_code(b, 1011, 3000000);
    a->opened = 150;
    b->opened = 150;
    load_stats_error(b, NULL, LOAD_ERR_CLOSE_CODE, "server closed with 1011");
    merge_via_wire(&total, &r, a);
    merge_via_wire(&total, &r, b);

    const struct load_stats *s = total.stats;
    assert_int_equal(s->opened, 300);
    assert_int_equal(s->nclose_codes, 2);
    assert_int_equal(s->close_codes[0].code, 1001);
    assert_int_equal(s->close_codes[0].count, 4);
    assert_int_equal(s->close_codes[0].at_us.min_us, 200000);  /* first_s: the earliest */
    assert_int_equal(s->close_codes[0].at_us.max_us, 2000000); /* last_s: the latest */
    assert_int_equal(s->close_codes[1].code, 1011);
    assert_int_equal(s->close_codes[1].at_us.min_us, 3000000);
    assert_int_equal(s->errors[LOAD_ERR_CLOSE_CODE], 1);
    assert_string_equal(s->examples[LOAD_ERR_CLOSE_CODE], "server closed with 1011");
    assert_false(total.was_forced);
    free(a);
    free(b);
    free(total.stats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shares_are_even_with_the_remainder_to_the_first),
        cmocka_unit_test(check_names_the_flag_that_cannot_be_split),
        cmocka_unit_test(each_child_slot_keeps_the_url_and_source_of_one_process),
        cmocka_unit_test(merged_histograms_equal_one_histogram_of_every_sample),
        cmocka_unit_test(close_code_times_span_every_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
