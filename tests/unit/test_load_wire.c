/* SPDX-License-Identifier: Apache-2.0 */
/* test_load_wire.c: the records wsscale-load children send their parent: progress and result
 * round trips (to the same bytes), partial input, records back to back, and a table of malformed
 * records with the offset and text of each error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "load_wire.h"

static struct load_stats *new_stats(void)
{
    struct load_stats *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    return s;
}

/* Stats with every kind of field set, as a child's worker would leave them. */
static struct load_stats *busy_stats(void)
{
    struct load_stats *s = new_stats();
    s->attempts = 1200;
    s->reconnects = 200;
    s->opened = 1000;
    s->closed_by_us = 990;
    s->closed_by_server = 10;
    s->msgs_sent = UINT64_MAX; /* the widest integer survives */
    s->msgs_received = 123456789;
    s->bytes_sent = 1u << 30;
    s->bytes_received = 127;
    s->msgs_foreign = 128;
    s->msgs_skipped = 1;
    s->pings_answered = 16384;
    load_stats_error(s, NULL, LOAD_ERR_CONNECT_REFUSED, "connect: Connection refused");
    load_stats_error(s, NULL, LOAD_ERR_ABRUPT_CLOSE, NULL);
    /* Longer than an example may be: kept cut to LOAD_STATS_EXAMPLE_LEN - 1 bytes. */
    load_stats_error(s, NULL, LOAD_ERR_CLOSE_TIMEOUT,
                     "0123456789012345678901234567890123456789012345678901234567890123456789"
                     "0123456789012345678901234567890123456789012345678901234567890123456789");
    assert_int_equal(strlen(s->examples[LOAD_ERR_CLOSE_TIMEOUT]), LOAD_STATS_EXAMPLE_LEN - 1);
    load_stats_close_code(s, 1001, 1500000);
    load_stats_close_code(s, 1001, 2500000);
    load_stats_close_code(s, 1011, 0);
    load_stats_close_code(s, 4999, UINT64_C(1) << 40); /* past the top bucket */
    s->close_codes_other = 3;
    for (uint64_t v = 0; v < 5000; v += 7)
        latency_hist_record(&s->rtt_us, v * v);
    latency_hist_record(&s->connect_us, 250);
    return s;
}

static void result_round_trips_to_the_same_stats_and_bytes(void **state)
{
    (void)state;
    struct load_stats *s = busy_stats(), *got = new_stats();
    const struct load_wire_result r = {
        .measured_ms = 10000, .elapsed_ms = 10250, .open_at_stop = 998, .was_forced = true};
    struct wss_strbuf out = {0}, again = {0};
    assert_int_equal(load_wire_put_result(&out, &r, s), 0);
    assert_int_equal(out.data[0], LOAD_WIRE_RESULT);
    assert_true(out.len < 8 * 1024); /* sparse histograms keep it small */

    struct load_wire_msg msg;
    struct wss_parse_err err;
    assert_int_equal(load_wire_parse((const uint8_t *)out.data, out.len, &msg, got, &err),
                     (int)out.len);
    assert_int_equal(msg.type, LOAD_WIRE_RESULT);
    assert_int_equal(msg.result.measured_ms, 10000);
    assert_int_equal(msg.result.elapsed_ms, 10250);
    assert_int_equal(msg.result.open_at_stop, 998);
    assert_true(msg.result.was_forced);
    assert_memory_equal(got, s, sizeof(*s));

    assert_int_equal(load_wire_put_result(&again, &msg.result, got), 0);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.data, out.data, out.len);
    wss_strbuf_free(&out);
    wss_strbuf_free(&again);
    free(got);
    free(s);
}

static void progress_round_trips(void **state)
{
    (void)state;
    const struct load_totals t = {
        .open = 15000, .opened = 15001, .msgs_received = 0, .errors = 1, .unfinished = 14999};
    struct wss_strbuf out = {0};
    assert_int_equal(load_wire_put_progress(&out, &t), 0);
    struct load_wire_msg msg;
    struct wss_parse_err err;
    assert_int_equal(load_wire_parse((const uint8_t *)out.data, out.len, &msg, NULL, &err),
                     (int)out.len);
    assert_int_equal(msg.type, LOAD_WIRE_PROGRESS);
    assert_memory_equal(&msg.progress, &t, sizeof(t));
    wss_strbuf_free(&out);
}

static void every_prefix_of_a_record_is_incomplete(void **state)
{
    (void)state;
    struct load_stats *s = busy_stats(), *got = new_stats();
    const struct load_wire_result r = {.measured_ms = 1};
    struct wss_strbuf out = {0};
    assert_int_equal(load_wire_put_result(&out, &r, s), 0);
    struct load_wire_msg msg;
    struct wss_parse_err err;
    for (size_t n = 0; n < out.len; n++)
        assert_int_equal(load_wire_parse((const uint8_t *)out.data, n, &msg, got, &err),
                         WSS_PARSE_INCOMPLETE);
    wss_strbuf_free(&out);
    free(got);
    free(s);
}

static void records_back_to_back_parse_one_at_a_time(void **state)
{
    (void)state;
    struct load_stats *s = busy_stats(), *got = new_stats();
    const struct load_totals t1 = {.open = 1}, t2 = {.open = 2};
    const struct load_wire_result r = {.open_at_stop = 2};
    struct wss_strbuf out = {0};
    assert_int_equal(load_wire_put_progress(&out, &t1), 0);
    size_t first = out.len;
    assert_int_equal(load_wire_put_progress(&out, &t2), 0);
    assert_int_equal(load_wire_put_result(&out, &r, s), 0);

    const uint8_t *p = (const uint8_t *)out.data;
    struct load_wire_msg msg;
    struct wss_parse_err err;
    int n = load_wire_parse(p, out.len, &msg, got, &err);
    assert_int_equal(n, (int)first);
    assert_int_equal(msg.progress.open, 1);
    size_t off = (size_t)n;
    n = load_wire_parse(p + off, out.len - off, &msg, got, &err);
    assert_int_equal(msg.type, LOAD_WIRE_PROGRESS);
    assert_int_equal(msg.progress.open, 2);
    off += (size_t)n;
    n = load_wire_parse(p + off, out.len - off, &msg, got, &err);
    assert_int_equal(msg.type, LOAD_WIRE_RESULT);
    assert_int_equal(off + (size_t)n, out.len);
    assert_int_equal(msg.result.open_at_stop, 2);
    wss_strbuf_free(&out);
    free(got);
    free(s);
}

/* ---- malformed records ---------------------------------------------------------------------- */

/* A record built by hand, independently of load_wire.c's encoder. */
struct rec {
    uint8_t b[512];
    size_t len;
};

static void byte(struct rec *r, unsigned v)
{
    assert_true(r->len < sizeof(r->b));
    r->b[r->len++] = (uint8_t)v;
}

static void var(struct rec *r, uint64_t v)
{
    do {
        byte(r, (unsigned)(v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v != 0);
}

static void begin(struct rec *r, unsigned type)
{
    r->len = 0;
    byte(r, type);
    for (int i = 0; i < 4; i++)
        byte(r, 0);
}

static void end(struct rec *r)
{
    size_t n = r->len - LOAD_WIRE_HEADER_LEN;
    for (int i = 0; i < 4; i++)
        r->b[1 + i] = (uint8_t)(n >> (8 * i));
}

/* An empty histogram. */
static void hist0(struct rec *r)
{
    for (int i = 0; i < 5; i++)
        var(r, 0);
}

/* Result fields up to and including the error kinds, all zero. */
static void result_head(struct rec *r, unsigned forced)
{
    begin(r, LOAD_WIRE_RESULT);
    var(r, 0); /* measured_ms, elapsed_ms, open_at_stop */
    var(r, 0);
    var(r, 0);
    var(r, forced);
    for (int i = 0; i < 12; i++)
        var(r, 0);
    var(r, LOAD_ERR_KINDS);
    for (int k = 0; k < LOAD_ERR_KINDS; k++) {
        var(r, 0);
        var(r, 0);
    }
}

/* The rest of a result after the close codes: other, connect_us, rtt_us. */
static void result_tail(struct rec *r)
{
    var(r, 0);
    hist0(r);
    hist0(r);
    end(r);
}

typedef void (*build_fn)(struct rec *r);

static void bad_type(struct rec *r)
{
    begin(r, 7);
    end(r);
}
static void too_long(struct rec *r)
{
    begin(r, LOAD_WIRE_PROGRESS);
    uint32_t n = LOAD_WIRE_MAX_PAYLOAD + 1;
    for (int i = 0; i < 4; i++)
        r->b[1 + i] = (uint8_t)(n >> (8 * i));
}
static void progress_left_over(struct rec *r)
{
    begin(r, LOAD_WIRE_PROGRESS);
    for (int i = 0; i < 6; i++)
        var(r, 1);
    end(r);
}
static void progress_short(struct rec *r)
{
    begin(r, LOAD_WIRE_PROGRESS);
    var(r, 1);
    var(r, 1);
    byte(r, 0x80);
    end(r);
}
static void overlong_zero(struct rec *r)
{
    begin(r, LOAD_WIRE_PROGRESS);
    byte(r, 0x80);
    byte(r, 0x00);
    end(r);
}
static void over_64_bits(struct rec *r)
{
    begin(r, LOAD_WIRE_PROGRESS);
    for (int i = 0; i < 9; i++)
        byte(r, 0xFF);
    byte(r, 0x02);
    end(r);
}
static void eleven_bytes(struct rec *r)
{
    begin(r, LOAD_WIRE_PROGRESS);
    for (int i = 0; i < 10; i++)
        byte(r, 0x80);
    byte(r, 0x01);
    end(r);
}
static void forced_two(struct rec *r)
{
    result_head(r, 2);
    end(r);
}
static void wrong_kinds(struct rec *r)
{
    begin(r, LOAD_WIRE_RESULT);
    for (int i = 0; i < 16; i++)
        var(r, 0);
    var(r, LOAD_ERR_KINDS - 1);
    end(r);
}
static void example_with_nul(struct rec *r)
{
    begin(r, LOAD_WIRE_RESULT);
    for (int i = 0; i < 16; i++)
        var(r, 0);
    var(r, LOAD_ERR_KINDS);
    var(r, 1);
    var(r, 3);
    byte(r, 'a');
    byte(r, 0);
    byte(r, 'b');
    end(r);
}
static void example_too_long(struct rec *r)
{
    begin(r, LOAD_WIRE_RESULT);
    for (int i = 0; i < 16; i++)
        var(r, 0);
    var(r, LOAD_ERR_KINDS);
    var(r, 1);
    var(r, LOAD_STATS_EXAMPLE_LEN);
    end(r);
}
static void example_past_end(struct rec *r)
{
    begin(r, LOAD_WIRE_RESULT);
    for (int i = 0; i < 16; i++)
        var(r, 0);
    var(r, LOAD_ERR_KINDS);
    var(r, 1);
    var(r, 5);
    byte(r, 'a');
    end(r);
}
static void too_many_codes(struct rec *r)
{
    result_head(r, 0);
    var(r, LOAD_STATS_CLOSE_CODES + 1);
    end(r);
}
static void code_too_big(struct rec *r)
{
    result_head(r, 0);
    var(r, 1);
    var(r, 65536);
    end(r);
}
/* One close-code entry: code, count 1, a histogram with one sample at at_us. */
static void code_entry(struct rec *r, unsigned code, uint64_t at_us)
{
    var(r, code);
    var(r, 1);
    var(r, 1);
    var(r, at_us);
    var(r, at_us);
    var(r, at_us);
    var(r, 1);
    var(r, latency_hist_bucket(at_us));
    var(r, 1);
}
static void code_twice(struct rec *r)
{
    result_head(r, 0);
    var(r, 2);
    code_entry(r, 1000, 5);
    code_entry(r, 1000, 6);
    result_tail(r);
}
static void code_count_mismatch(struct rec *r)
{
    result_head(r, 0);
    var(r, 1);
    var(r, 1000);
    var(r, 2); /* count 2, one close time */
    var(r, 1);
    var(r, 5);
    var(r, 5);
    var(r, 5);
    var(r, 1);
    var(r, 5);
    var(r, 1);
    result_tail(r);
}
static void good_codes(struct rec *r)
{
    result_head(r, 0);
    var(r, 2);
    code_entry(r, 1000, 5);
    code_entry(r, 1001, 3000000);
    result_tail(r);
}
/* A result whose connect_us histogram is count, sum, min, max, then the bucket pairs. */
static void connect_hist(struct rec *r, const uint64_t *fields, size_t n)
{
    result_head(r, 0);
    var(r, 0); /* no close codes */
    var(r, 0); /* other */
    for (size_t i = 0; i < n; i++)
        var(r, fields[i]);
    hist0(r);
    end(r);
}
static void hist_sum_mismatch(struct rec *r)
{
    const uint64_t f[] = {2, 10, 5, 5, 1, 5, 1};
    connect_hist(r, f, sizeof(f) / sizeof(f[0]));
}
static void hist_bucket_past_end(struct rec *r)
{
    const uint64_t f[] = {2, 10, 5, 5, 2, 5, 1, LATENCY_HIST_BUCKETS - 6, 1};
    connect_hist(r, f, sizeof(f) / sizeof(f[0]));
}
static void hist_zero_bucket(struct rec *r)
{
    const uint64_t f[] = {1, 5, 5, 5, 1, 5, 0};
    connect_hist(r, f, sizeof(f) / sizeof(f[0]));
}
static void hist_empty_with_max(struct rec *r)
{
    const uint64_t f[] = {0, 0, 0, 9, 0};
    connect_hist(r, f, sizeof(f) / sizeof(f[0]));
}
static void hist_min_outside(struct rec *r)
{
    const uint64_t f[] = {1, 5, 4, 5, 1, 5, 1};
    connect_hist(r, f, sizeof(f) / sizeof(f[0]));
}
static void hist_too_many_buckets(struct rec *r)
{
    const uint64_t f[] = {1, 5, 5, 5, LATENCY_HIST_BUCKETS + 1};
    connect_hist(r, f, sizeof(f) / sizeof(f[0]));
}

static void malformed_records_are_rejected_with_offset_and_reason(void **state)
{
    (void)state;
    /* Offsets count from the record's first byte: 5 is the first payload byte. The result head
     * is 5 + 4 + 12 + 1 + 2 * 10 = 42 bytes; close code 1000 takes two. */
    static const struct {
        const char *name;
        build_fn build;
        size_t offset;
        const char *msg;
    } cases[] = {
        {"bad type", bad_type, 0, "unknown record type 7"},
        {"too long", too_long, 1, "payload of 1048577 bytes, at most 1048576"},
        {"left over", progress_left_over, 10, "1 bytes left over at the end of the record"},
        {"short", progress_short, 7, "integer runs past the end of the record"},
        {"overlong", overlong_zero, 5, "integer is not in its shortest form"},
        {"65 bits", over_64_bits, 5, "integer overflows 64 bits"},
        {"11 bytes", eleven_bytes, 5, "integer is longer than 10 bytes"},
        {"forced 2", forced_two, 8, "was_forced is 2, at most 1"},
        {"kinds", wrong_kinds, 21, "9 error kinds, want 10"},
        {"nul", example_with_nul, 24, "error example holds a NUL byte"},
        {"example len", example_too_long, 23, "error example length is 120, at most 119"},
        {"example end", example_past_end, 24, "error example runs past the end of the record"},
        {"codes", too_many_codes, 42, "number of close codes is 17, at most 16"},
        {"code", code_too_big, 43, "close code is 65536, at most 65535"},
        {"twice", code_twice, 53, "close code 1000 appears twice"},
        {"count", code_count_mismatch, 45, "close code 1000: count 2 but 1 close times"},
        {"sum", hist_sum_mismatch, 44, "connect_us: buckets hold 1 samples, count says 2"},
        {"past end", hist_bucket_past_end, 51, "connect_us: bucket past the last (1055)"},
        {"zero", hist_zero_bucket, 50, "connect_us: bucket 5 is listed with no samples"},
        {"empty", hist_empty_with_max, 44, "connect_us: empty but sum, min or max is set"},
        {"min", hist_min_outside, 44,
         "connect_us: min 4 or max 5 lies outside the first and last buckets"},
        {"buckets", hist_too_many_buckets, 48, "histogram bucket count is 1057, at most 1056"},
    };
    struct load_stats *got = new_stats();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rec r;
        struct load_wire_msg msg;
        struct wss_parse_err err = {0};
        cases[i].build(&r);
        int rc = load_wire_parse(r.b, r.len, &msg, got, &err);
        if (rc != WSS_PARSE_INVALID || strcmp(err.msg, cases[i].msg) != 0 ||
            err.offset != cases[i].offset)
            fail_msg("%s: rc %d, offset %zu, \"%s\"; want offset %zu, \"%s\"", cases[i].name, rc,
                     err.offset, err.msg, cases[i].offset, cases[i].msg);
    }
    free(got);
}

static void hand_built_close_codes_parse(void **state)
{
    (void)state;
    struct rec r;
    struct load_wire_msg msg;
    struct wss_parse_err err;
    struct load_stats *got = new_stats();
    good_codes(&r);
    assert_int_equal(load_wire_parse(r.b, r.len, &msg, got, &err), (int)r.len);
    assert_int_equal(got->nclose_codes, 2);
    assert_int_equal(got->close_codes[1].code, 1001);
    assert_int_equal(got->close_codes[1].at_us.max_us, 3000000);
    assert_int_equal(got->close_codes[1].at_us.buckets[latency_hist_bucket(3000000)], 1);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(result_round_trips_to_the_same_stats_and_bytes),
        cmocka_unit_test(progress_round_trips),
        cmocka_unit_test(every_prefix_of_a_record_is_incomplete),
        cmocka_unit_test(records_back_to_back_parse_one_at_a_time),
        cmocka_unit_test(malformed_records_are_rejected_with_offset_and_reason),
        cmocka_unit_test(hand_built_close_codes_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
