/* SPDX-License-Identifier: Apache-2.0 */
/* test_prom.c: the metrics registry: exact exposition text for every family type, escaping,
 * number formatting, name rules and their error text, collect callbacks, and exact sums under
 * concurrent increments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/prom.h"
#include "wait.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Renders the whole registry; the caller frees the text. */
static char *render(struct wss_prom_registry *r)
{
    struct wss_strbuf b = {0};
    assert_int_equal(wss_prom_render(r, &b), 0);
    char *s = wss_strbuf_take(&b, NULL);
    return s != NULL ? s : strdup("");
}

static void assert_render(struct wss_prom_registry *r, const char *want)
{
    char *got = render(r);
    assert_string_equal(got, want);
    free(got);
}

/* Registers a family that must be valid. */
static struct wss_prom_family *must_family(struct wss_prom_registry *r, struct wss_prom_desc d)
{
    struct wss_parse_err err = {0};
    struct wss_prom_family *f = wss_prom_family_new(r, &d, &err);
    if (f == NULL)
        fail_msg("registering %s: %s", d.name, err.msg);
    return f;
}

static const char *const code_label[] = {"code"};

static void content_type_is_text_format_0_0_4(void **state)
{
    (void)state;
    assert_string_equal(WSS_PROM_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
}

static void counter_children_render_in_creation_order(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    struct wss_prom_family *f =
        must_family(r, (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                              .name = "wss_test_requests_total",
                                              .help = "Requests served, by status code.",
                                              .label_names = code_label,
                                              .nlabels = 1});
    struct wss_prom_counter *ok = wss_prom_counter_get(f, WSS_PROM_VALUES("200"), NULL);
    struct wss_prom_counter *bad = wss_prom_counter_get(f, WSS_PROM_VALUES("500"), NULL);
    assert_non_null(ok);
    assert_non_null(bad);
    wss_prom_counter_inc(bad);
    wss_prom_counter_add(ok, 3);
    wss_prom_counter_add(ok, 18446744073709551000ULL - 3);
    assert_int_equal(wss_prom_counter_value(bad), 1);
    assert_render(r, "# HELP wss_test_requests_total Requests served, by status code.\n"
                     "# TYPE wss_test_requests_total counter\n"
                     "wss_test_requests_total{code=\"200\"} 18446744073709551000\n"
                     "wss_test_requests_total{code=\"500\"} 1\n");
    wss_prom_registry_free(r);
}

static void same_label_values_return_the_same_child(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    static const char *const names[] = {"method", "code"};
    struct wss_prom_family *f = must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                                                      .name = "wss_test_inflight",
                                                                      .help = "In flight.",
                                                                      .label_names = names,
                                                                      .nlabels = 2});
    struct wss_prom_gauge *a = wss_prom_gauge_get(f, WSS_PROM_VALUES("GET", "200"), NULL);
    char method[] = "GET"; /* a different pointer with the same bytes */
    const char *values[] = {method, "200"};
    assert_ptr_equal(wss_prom_gauge_get(f, values, 2, NULL), a);
    assert_ptr_not_equal(wss_prom_gauge_get(f, WSS_PROM_VALUES("GET", "404"), NULL), a);
    assert_ptr_not_equal(wss_prom_gauge_get(f, WSS_PROM_VALUES("200", "GET"), NULL), a);
    wss_prom_registry_free(r);
}

static void unlabelled_families_render_zero_from_creation(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    static const double bounds[] = {1};
    must_family(r,
                (struct wss_prom_desc){.type = WSS_PROM_COUNTER, .name = "a_total", .help = "A."});
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE, .name = "b", .help = "B."});
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                          .name = "c_seconds",
                                          .help = "C.",
                                          .bounds = bounds,
                                          .nbounds = 1});
    assert_render(r, "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
                     "# HELP b B.\n# TYPE b gauge\nb 0\n"
                     "# HELP c_seconds C.\n# TYPE c_seconds histogram\n"
                     "c_seconds_bucket{le=\"1\"} 0\nc_seconds_bucket{le=\"+Inf\"} 0\n"
                     "c_seconds_sum 0\nc_seconds_count 0\n");
    wss_prom_registry_free(r);
}

static void labelled_family_without_children_renders_nothing(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                          .name = "x_total",
                                          .help = "X.",
                                          .label_names = code_label,
                                          .nlabels = 1});
    assert_render(r, "");
    wss_prom_registry_free(r);
}

static void gauge_values_print_as_prometheus_does(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {-1, "-1"},
        {1e6, "1000000"},
        {1234567890123.0, "1234567890123"},
        {-9007199254740993.0, "-9007199254740992"},
        {0.5, "0.5"},
        {0.1, "0.1"},
        {-2.25, "-2.25"},
        {1.0 / 3, "0.3333333333333333"},
        {123456789.25, "123456789.25"},
        {1e-7, "1e-07"},
        {1.5e300, "1.5e+300"},
        {1e19, "1e+19"},
        {5e-324, "5e-324"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {NAN, "NaN"},
    };
    struct wss_prom_registry *r = wss_prom_registry_new();
    struct wss_prom_family *f =
        must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE, .name = "g", .help = "G."});
    struct wss_prom_gauge *g = wss_prom_gauge_get(f, NULL, 0, NULL);
    for (size_t i = 0; i < COUNT(cases); i++) {
        char want[128];
        snprintf(want, sizeof(want), "# HELP g G.\n# TYPE g gauge\ng %s\n", cases[i].text);
        wss_prom_gauge_set(g, cases[i].v);
        assert_render(r, want);
    }
    wss_prom_gauge_set(g, 2.5);
    wss_prom_gauge_add(g, -4);
    assert_true(wss_prom_gauge_value(g) == -1.5);
    wss_prom_registry_free(r);
}

static void histogram_buckets_are_cumulative_with_sum_and_count(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    static const double bounds[] = {0.005, 0.1, 1, 2.5, 1e6};
    static const char *const names[] = {"route"};
    struct wss_prom_family *f =
        must_family(r, (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                              .name = "wss_test_duration_seconds",
                                              .help = "Time per request.",
                                              .label_names = names,
                                              .nlabels = 1,
                                              .bounds = bounds,
                                              .nbounds = COUNT(bounds)});
    struct wss_prom_histogram *h = wss_prom_histogram_get(f, WSS_PROM_VALUES("/x"), NULL);
    assert_non_null(h);
    wss_prom_histogram_observe(h, 0.001);
    wss_prom_histogram_observe(h, 0.1); /* on a bound: counted in that bucket */
    wss_prom_histogram_observe(h, 0.75);
    wss_prom_histogram_observe(h, 0.75);
    wss_prom_histogram_observe(h, 5e6); /* above every bound */
    assert_render(r, "# HELP wss_test_duration_seconds Time per request.\n"
                     "# TYPE wss_test_duration_seconds histogram\n"
                     "wss_test_duration_seconds_bucket{route=\"/x\",le=\"0.005\"} 1\n"
                     "wss_test_duration_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
                     "wss_test_duration_seconds_bucket{route=\"/x\",le=\"1\"} 4\n"
                     "wss_test_duration_seconds_bucket{route=\"/x\",le=\"2.5\"} 4\n"
                     "wss_test_duration_seconds_bucket{route=\"/x\",le=\"1000000\"} 4\n"
                     "wss_test_duration_seconds_bucket{route=\"/x\",le=\"+Inf\"} 5\n"
                     "wss_test_duration_seconds_sum{route=\"/x\"} 5000001.601\n"
                     "wss_test_duration_seconds_count{route=\"/x\"} 5\n");
    wss_prom_registry_free(r);
}

static void histogram_nan_lands_in_inf_and_trailing_inf_bound_is_implied(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    static const double bounds[] = {1, INFINITY};
    struct wss_prom_family *f = must_family(r, (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                                                      .name = "h_bytes",
                                                                      .help = "H.",
                                                                      .bounds = bounds,
                                                                      .nbounds = COUNT(bounds)});
    struct wss_prom_histogram *h = wss_prom_histogram_get(f, NULL, 0, NULL);
    wss_prom_histogram_observe(h, -3);
    wss_prom_histogram_observe(h, NAN);
    assert_render(r, "# HELP h_bytes H.\n# TYPE h_bytes histogram\n"
                     "h_bytes_bucket{le=\"1\"} 1\nh_bytes_bucket{le=\"+Inf\"} 2\n"
                     "h_bytes_sum NaN\nh_bytes_count 2\n");
    wss_prom_registry_free(r);
}

static void help_and_label_values_are_escaped(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    static const char *const names[] = {"room", "peer"};
    struct wss_prom_family *f = must_family(
        r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                  .name = "wss_test_members",
                                  .help = "Members per room.\nSecond line has \\ and \"quotes\".",
                                  .label_names = names,
                                  .nlabels = 2});
    static const char *const values[][2] = {
        {"C:\\path\\", "say \"hi\""},
        {"two\nlines", "tab\there\rcr"},
        {"", "caf\xc3\xa9 \xe2\x9c\x93 {a=\"b\",c}"},
    };
    for (size_t i = 0; i < COUNT(values); i++)
        wss_prom_gauge_set(wss_prom_gauge_get(f, values[i], 2, NULL), (double)i);
    assert_render(
        r, "# HELP wss_test_members Members per room.\\nSecond line has \\\\ and \"quotes\".\n"
           "# TYPE wss_test_members gauge\n"
           "wss_test_members{room=\"C:\\\\path\\\\\",peer=\"say \\\"hi\\\"\"} 0\n"
           "wss_test_members{room=\"two\\nlines\",peer=\"tab\there\rcr\"} 1\n"
           "wss_test_members{room=\"\",peer=\"caf\xc3\xa9 \xe2\x9c\x93 {a=\\\"b\\\",c}\"} 2\n");
    wss_prom_registry_free(r);
}

static void rejects_bad_metric_names_with_reason(void **state)
{
    (void)state;
    static const struct {
        enum wss_prom_type type;
        const char *name;
        size_t offset;
        const char *msg;
    } cases[] = {
        {WSS_PROM_GAUGE, "", 0, "metric name is empty"},
        {WSS_PROM_COUNTER, "1abc_total", 0, "metric name has invalid byte 0x31 at offset 0"},
        {WSS_PROM_GAUGE, "a-b", 1, "metric name has invalid byte 0x2d at offset 1"},
        {WSS_PROM_GAUGE, "a b\n", 1, "metric name has invalid byte 0x20 at offset 1"},
        {WSS_PROM_GAUGE, "caf\xc3\xa9", 3, "metric name has invalid byte 0xc3 at offset 3"},
        {WSS_PROM_GAUGE, "job:up", 3,
         "metric name has ':' at offset 3; colons are reserved for recording rules"},
        {WSS_PROM_GAUGE, "__up", 0, "metric name \"__up\" starts with \"__\", which is reserved"},
        {WSS_PROM_GAUGE, "openConns", 4,
         "metric name \"openConns\" must be snake_case, not camelCase"},
        {WSS_PROM_COUNTER, "requests", 8, "counter name \"requests\" must end in \"_total\""},
        {WSS_PROM_GAUGE, "open_total", 4,
         "only counter names may end in \"_total\", not \"open_total\""},
        {WSS_PROM_HISTOGRAM, "x_seconds_total", 9,
         "only counter names may end in \"_total\", not \"x_seconds_total\""},
        {WSS_PROM_GAUGE, "latency_sum", 7,
         "metric name \"latency_sum\" ends in \"_sum\", which histograms reserve"},
        {WSS_PROM_GAUGE, "requests_count", 8,
         "metric name \"requests_count\" ends in \"_count\", which histograms reserve"},
        {WSS_PROM_HISTOGRAM, "x_bucket", 1,
         "metric name \"x_bucket\" ends in \"_bucket\", which histograms reserve"},
        {WSS_PROM_GAUGE, "queue_gauge", 6,
         "metric name \"queue_gauge\" must not contain its type (\"gauge\")"},
        {WSS_PROM_COUNTER, "x_Counter_total", 2,
         "metric name \"x_Counter_total\" must not contain its type (\"counter\")"},
        {WSS_PROM_HISTOGRAM, "wait_ms", 5,
         "metric name \"wait_ms\" has abbreviated unit \"ms\"; spell out the base unit"},
        {WSS_PROM_COUNTER, "sent_kb_total", 5,
         "metric name \"sent_kb_total\" has abbreviated unit \"kb\"; spell out the base unit"},
        {WSS_PROM_HISTOGRAM, "wait_milliseconds", 5,
         "metric name \"wait_milliseconds\" uses unit \"milliseconds\"; use the base unit "
         "\"seconds\""},
        {WSS_PROM_GAUGE, "uptime_hours", 7,
         "metric name \"uptime_hours\" uses unit \"hours\"; use the base unit \"seconds\""},
        {WSS_PROM_COUNTER, "kilobytes_sent_total", 0,
         "metric name \"kilobytes_sent_total\" uses unit \"kilobytes\"; use the base unit "
         "\"bytes\""},
    };
    struct wss_prom_registry *r = wss_prom_registry_new();
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct wss_parse_err err = {0};
        struct wss_prom_desc d = {.type = cases[i].type, .name = cases[i].name, .help = "H."};
        if (wss_prom_family_new(r, &d, &err) != NULL)
            fail_msg("accepted %s", cases[i].name);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(err.offset, cases[i].offset);
    }
    assert_render(r, "");
    wss_prom_registry_free(r);
}

static void accepts_the_names_wsscale_exposes(void **state)
{
    (void)state;
    static const double bounds[] = {0.01, 0.1, 1};
    static const struct {
        enum wss_prom_type type;
        const char *name;
    } cases[] = {
        {WSS_PROM_GAUGE, "websocket_connections"},
        {WSS_PROM_COUNTER, "websocket_connections_opened_total"},
        {WSS_PROM_COUNTER, "websocket_connections_closed_total"},
        {WSS_PROM_HISTOGRAM, "wsscale_sidecar_sample_duration_seconds"},
        {WSS_PROM_COUNTER, "wsscale_sidecar_push_errors_total"},
        {WSS_PROM_GAUGE, "wsscale_sidecar_last_push_timestamp_seconds"},
        {WSS_PROM_GAUGE, "wsscale_adapter_pods_tracked"},
        {WSS_PROM_COUNTER, "wsscale_adapter_reports_rejected_total"},
        {WSS_PROM_HISTOGRAM, "wsscale_adapter_request_duration_seconds"},
        {WSS_PROM_COUNTER, "wsscale_server_sent_bytes_total"},
        {WSS_PROM_GAUGE, "Process_open_fds"},
        {WSS_PROM_GAUGE, "_x9"},
    };
    struct wss_prom_registry *r = wss_prom_registry_new();
    for (size_t i = 0; i < COUNT(cases); i++) {
        bool is_histogram = cases[i].type == WSS_PROM_HISTOGRAM;
        must_family(r, (struct wss_prom_desc){.type = cases[i].type,
                                              .name = cases[i].name,
                                              .help = "H.",
                                              .bounds = is_histogram ? bounds : NULL,
                                              .nbounds = is_histogram ? COUNT(bounds) : 0});
    }
    wss_prom_registry_free(r);
}

static void rejects_bad_labels_help_and_bounds_with_reason(void **state)
{
    (void)state;
    static const char *const empty[] = {""};
    static const char *const digit[] = {"1a"};
    static const char *const reserved[] = {"__meta"};
    static const char *const camel[] = {"podName"};
    static const char *const le[] = {"le"};
    static const char *const quantile[] = {"quantile"};
    static const char *const twice[] = {"code", "pod", "code"};
    static const char *const with_null[] = {"code", NULL};
    static const char *const many[17] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                         "j", "k", "l", "m", "n", "o", "p", "q"};
    static const double same[] = {1, 1};
    static const double falling[] = {2, 1};
    static const double nan[] = {NAN};
    static const double neg_inf[] = {-INFINITY, 1};
    static const double inner_inf[] = {1, INFINITY, 2};
    static double too_many[WSS_PROM_MAX_BUCKETS + 1];
    for (size_t i = 0; i < COUNT(too_many); i++)
        too_many[i] = (double)i;
    const struct {
        struct wss_prom_desc d;
        size_t offset;
        const char *msg;
    } cases[] = {
        {{.type = WSS_PROM_COUNTER,
          .name = "x_total",
          .help = "H.",
          .label_names = empty,
          .nlabels = 1},
         0,
         "label name is empty"},
        {{.type = WSS_PROM_COUNTER,
          .name = "x_total",
          .help = "H.",
          .label_names = digit,
          .nlabels = 1},
         0,
         "label name has invalid byte 0x31 at offset 0"},
        {{.type = WSS_PROM_COUNTER,
          .name = "x_total",
          .help = "H.",
          .label_names = reserved,
          .nlabels = 1},
         0,
         "label name \"__meta\" starts with \"__\", which is reserved"},
        {{.type = WSS_PROM_COUNTER,
          .name = "x_total",
          .help = "H.",
          .label_names = camel,
          .nlabels = 1},
         3,
         "label name \"podName\" must be snake_case, not camelCase"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "x_seconds",
          .help = "H.",
          .label_names = le,
          .nlabels = 1},
         0,
         "label name \"le\" is reserved for histogram buckets"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "H.", .label_names = le, .nlabels = 1},
         0,
         "label name \"le\" is reserved for histogram buckets"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "H.", .label_names = quantile, .nlabels = 1},
         0,
         "label name \"quantile\" is reserved for summaries"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "H.", .label_names = twice, .nlabels = 3},
         0,
         "label name \"code\" appears twice in \"x\""},
        {{.type = WSS_PROM_GAUGE,
          .name = "x",
          .help = "H.",
          .label_names = with_null,
          .nlabels = 2},
         0,
         "label name 1 of \"x\" is NULL"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "H.", .nlabels = 1},
         0,
         "\"x\" has 1 label names but no array of them"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "H.", .label_names = many, .nlabels = 17},
         0,
         "\"x\" has 17 label names; at most 16 are allowed"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = ""}, 0, "\"x\" has no help text"},
        {{.type = WSS_PROM_GAUGE, .name = "x"}, 0, "\"x\" has no help text"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "bad \xff here"},
         4,
         "help text of \"x\" is not UTF-8 at offset 4"},
        {{.type = WSS_PROM_GAUGE, .name = "x", .help = "H.", .bounds = same, .nbounds = 2},
         0,
         "\"x\" is a gauge; only histograms take bucket bounds"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "h_seconds",
          .help = "H.",
          .bounds = same,
          .nbounds = 2},
         0,
         "bucket bounds of \"h_seconds\" must increase strictly (bound 1)"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "h_seconds",
          .help = "H.",
          .bounds = falling,
          .nbounds = 2},
         0,
         "bucket bounds of \"h_seconds\" must increase strictly (bound 1)"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "h_seconds",
          .help = "H.",
          .bounds = nan,
          .nbounds = 1},
         0,
         "bucket bound 0 of \"h_seconds\" is not finite"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "h_seconds",
          .help = "H.",
          .bounds = neg_inf,
          .nbounds = 2},
         0,
         "bucket bound 0 of \"h_seconds\" is not finite"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "h_seconds",
          .help = "H.",
          .bounds = inner_inf,
          .nbounds = 3},
         0,
         "bucket bound 1 of \"h_seconds\" is not finite"},
        {{.type = WSS_PROM_HISTOGRAM, .name = "h_seconds", .help = "H.", .nbounds = 3},
         0,
         "\"h_seconds\" has 3 bucket bounds but no array of them"},
        {{.type = WSS_PROM_HISTOGRAM,
          .name = "h_seconds",
          .help = "H.",
          .bounds = too_many,
          .nbounds = COUNT(too_many)},
         0,
         "\"h_seconds\" has 65 bucket bounds; at most 64 are allowed"},
        {{.type = (enum wss_prom_type)0, .name = "x", .help = "H."}, 0, "unknown metric type 0"},
        {{.type = WSS_PROM_GAUGE, .help = "H."}, 0, "metric name is NULL"},
    };
    struct wss_prom_registry *r = wss_prom_registry_new();
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct wss_parse_err err = {0};
        if (wss_prom_family_new(r, &cases[i].d, &err) != NULL)
            fail_msg("case %zu accepted", i);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(err.offset, cases[i].offset);
    }
    assert_render(r, "");
    wss_prom_registry_free(r);
}

static void rejects_a_name_registered_twice(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE, .name = "g", .help = "G."});
    struct wss_parse_err err = {0};
    struct wss_prom_desc again = {.type = WSS_PROM_GAUGE, .name = "g", .help = "Other."};
    assert_null(wss_prom_family_new(r, &again, &err));
    assert_string_equal(err.msg, "metric \"g\" is already registered");
    assert_render(r, "# HELP g G.\n# TYPE g gauge\ng 0\n");
    wss_prom_registry_free(r);
}

static void collect_cb(struct wss_prom_writer *w, void *arg)
{
    (void)w;
    (void)arg;
}

static void child_get_rejects_wrong_values_type_and_collect_family(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    struct wss_prom_family *f = must_family(r, (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                                                      .name = "x_total",
                                                                      .help = "X.",
                                                                      .label_names = code_label,
                                                                      .nlabels = 1});
    struct wss_prom_family *c = must_family(
        r, (struct wss_prom_desc){
               .type = WSS_PROM_GAUGE, .name = "c", .help = "C.", .collect = collect_cb});
    struct wss_parse_err err = {0};
    assert_null(wss_prom_counter_get(f, WSS_PROM_VALUES("1", "2"), &err));
    assert_string_equal(err.msg, "\"x_total\" needs 1 label value(s), got 2");
    assert_null(wss_prom_counter_get(f, NULL, 0, &err));
    assert_string_equal(err.msg, "\"x_total\" needs 1 label value(s), got 0");
    assert_null(wss_prom_counter_get(f, WSS_PROM_VALUES(NULL), &err));
    assert_string_equal(err.msg, "value of label \"code\" of \"x_total\" is NULL");
    assert_null(wss_prom_counter_get(f, WSS_PROM_VALUES("a\xc0\xafz"), &err));
    assert_string_equal(err.msg, "value of label \"code\" of \"x_total\" is not UTF-8 at offset 1");
    assert_int_equal(err.offset, 1);
    assert_null(wss_prom_gauge_get(f, WSS_PROM_VALUES("1"), &err));
    assert_string_equal(err.msg, "\"x_total\" is a counter, not a gauge");
    assert_null(wss_prom_histogram_get(f, WSS_PROM_VALUES("1"), &err));
    assert_string_equal(err.msg, "\"x_total\" is a counter, not a histogram");
    assert_null(wss_prom_gauge_get(c, NULL, 0, &err));
    assert_string_equal(err.msg, "\"c\" is filled by its collect callback and has no children");
    assert_render(r, "");
    wss_prom_registry_free(r);
}

/* What the collect callbacks below report; changed between renders. */
struct fake_source {
    double per_thread[3];
    uint64_t buckets[3];
    double sum;
    int calls;
    int rc_bad_arity, rc_bad_kind, rc_bad_utf8;
};

static void collect_threads(struct wss_prom_writer *w, void *arg)
{
    struct fake_source *src = arg;
    src->calls++;
    double total = 0;
    for (size_t i = 0; i < COUNT(src->per_thread); i++)
        total += src->per_thread[i];
    src->rc_bad_arity = wss_prom_writer_sample(w, WSS_PROM_VALUES("echo", "extra"), 1);
    src->rc_bad_kind =
        wss_prom_writer_histogram(w, WSS_PROM_VALUES("echo"), src->buckets, src->sum);
    src->rc_bad_utf8 = wss_prom_writer_sample(w, WSS_PROM_VALUES("\xed\xa0\x80"), 1);
    assert_int_equal(wss_prom_writer_sample(w, WSS_PROM_VALUES("echo"), total), 0);
    assert_int_equal(wss_prom_writer_sample(w, WSS_PROM_VALUES("rooms"), 0.25), 0);
}

static void collect_latency(struct wss_prom_writer *w, void *arg)
{
    struct fake_source *src = arg;
    assert_int_equal(wss_prom_writer_histogram(w, NULL, 0, src->buckets, src->sum), 0);
}

static void collect_nothing(struct wss_prom_writer *w, void *arg)
{
    (void)w;
    ((struct fake_source *)arg)->calls++;
}

static void collect_callbacks_write_samples_at_each_render(void **state)
{
    (void)state;
    struct fake_source src = {.per_thread = {1, 2, 3}, .buckets = {1, 0, 2}, .sum = 7.5};
    static const char *const route[] = {"route"};
    static const double bounds[] = {0.5, 1};
    struct wss_prom_registry *r = wss_prom_registry_new();
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                          .name = "wss_test_frames_total",
                                          .help = "Frames, summed over threads.",
                                          .label_names = route,
                                          .nlabels = 1,
                                          .collect = collect_threads,
                                          .collect_arg = &src});
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                          .name = "wss_test_empty",
                                          .help = "Nothing to report.",
                                          .collect = collect_nothing,
                                          .collect_arg = &src});
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                          .name = "wss_test_latency_seconds",
                                          .help = "Latency.",
                                          .bounds = bounds,
                                          .nbounds = COUNT(bounds),
                                          .collect = collect_latency,
                                          .collect_arg = &src});
    assert_render(r, "# HELP wss_test_frames_total Frames, summed over threads.\n"
                     "# TYPE wss_test_frames_total counter\n"
                     "wss_test_frames_total{route=\"echo\"} 6\n"
                     "wss_test_frames_total{route=\"rooms\"} 0.25\n"
                     "# HELP wss_test_latency_seconds Latency.\n"
                     "# TYPE wss_test_latency_seconds histogram\n"
                     "wss_test_latency_seconds_bucket{le=\"0.5\"} 1\n"
                     "wss_test_latency_seconds_bucket{le=\"1\"} 1\n"
                     "wss_test_latency_seconds_bucket{le=\"+Inf\"} 3\n"
                     "wss_test_latency_seconds_sum 7.5\n"
                     "wss_test_latency_seconds_count 3\n");
    assert_int_equal(src.calls, 2);
    assert_int_equal(src.rc_bad_arity, -EINVAL);
    assert_int_equal(src.rc_bad_kind, -EINVAL);
    assert_int_equal(src.rc_bad_utf8, -EINVAL);
    src.per_thread[2] = 10;
    src.buckets[1] = 4;
    assert_render(r, "# HELP wss_test_frames_total Frames, summed over threads.\n"
                     "# TYPE wss_test_frames_total counter\n"
                     "wss_test_frames_total{route=\"echo\"} 13\n"
                     "wss_test_frames_total{route=\"rooms\"} 0.25\n"
                     "# HELP wss_test_latency_seconds Latency.\n"
                     "# TYPE wss_test_latency_seconds histogram\n"
                     "wss_test_latency_seconds_bucket{le=\"0.5\"} 1\n"
                     "wss_test_latency_seconds_bucket{le=\"1\"} 5\n"
                     "wss_test_latency_seconds_bucket{le=\"+Inf\"} 7\n"
                     "wss_test_latency_seconds_sum 7.5\n"
                     "wss_test_latency_seconds_count 7\n");
    assert_int_equal(src.calls, 4);
    wss_prom_registry_free(r);
}

static void render_reports_a_failed_buffer(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE, .name = "g", .help = "G."});
    struct wss_strbuf b;
    wss_strbuf_init(&b, 10);
    assert_int_equal(wss_prom_render(r, &b), -ENOMEM);
    assert_true(b.is_failed);
    wss_strbuf_free(&b);
    wss_prom_registry_free(r);
    wss_prom_registry_free(NULL);
}

/* Many threads hammer one child of each type while the test thread renders. */
#define WORKERS         4
#define ADDS_PER_WORKER 200000
#define RENDERS         100

struct hot {
    struct wss_prom_counter *counter;
    struct wss_prom_gauge *gauge;
    struct wss_prom_histogram *histogram;
};

static void *hammer(void *arg)
{
    struct hot *hot = arg;
    for (int i = 0; i < ADDS_PER_WORKER; i++) {
        wss_prom_counter_inc(hot->counter);
        wss_prom_gauge_add(hot->gauge, 1);
        wss_prom_histogram_observe(hot->histogram, i % 2 == 0 ? 0.5 : 2.0);
    }
    return NULL;
}

/* Renders mean more once the workers are under way. */
static bool hot_has_started(void *arg)
{
    return wss_prom_counter_value(((struct hot *)arg)->counter) > 0;
}

/* The value of the first sample line starting with prefix. */
static double sample_value(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    assert_non_null(p);
    return strtod(p + strlen(prefix), NULL);
}

static void concurrent_increments_sum_exactly(void **state)
{
    (void)state;
    static const double bounds[] = {1};
    struct wss_prom_registry *r = wss_prom_registry_new();
    struct wss_prom_family *cf = must_family(r, (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                                                       .name = "c_total",
                                                                       .help = "C.",
                                                                       .label_names = code_label,
                                                                       .nlabels = 1});
    struct wss_prom_family *gf =
        must_family(r, (struct wss_prom_desc){.type = WSS_PROM_GAUGE, .name = "g", .help = "G."});
    struct wss_prom_family *hf = must_family(r, (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                                                       .name = "h_seconds",
                                                                       .help = "H.",
                                                                       .bounds = bounds,
                                                                       .nbounds = 1});
    struct hot hot = {
        .counter = wss_prom_counter_get(cf, WSS_PROM_VALUES("200"), NULL),
        .gauge = wss_prom_gauge_get(gf, NULL, 0, NULL),
        .histogram = wss_prom_histogram_get(hf, NULL, 0, NULL),
    };
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hammer, &hot), 0);
    assert_true(wss_wait_until(hot_has_started, &hot, 5000));
    double last = 0;
    for (int i = 0; i < RENDERS; i++) {
        char *text = render(r);
        double now = sample_value(text, "c_total{code=\"200\"} ");
        assert_true(now >= last);
        assert_true(now <= (double)WORKERS * ADDS_PER_WORKER);
        assert_true(sample_value(text, "h_seconds_count ") ==
                    sample_value(text, "h_seconds_bucket{le=\"+Inf\"} "));
        last = now;
        free(text);
    }
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(wss_prom_counter_value(hot.counter), WORKERS * ADDS_PER_WORKER);
    assert_true(wss_prom_gauge_value(hot.gauge) == WORKERS * ADDS_PER_WORKER);
    assert_render(r, "# HELP c_total C.\n# TYPE c_total counter\nc_total{code=\"200\"} 800000\n"
                     "# HELP g G.\n# TYPE g gauge\ng 800000\n"
                     "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
                     "h_seconds_bucket{le=\"1\"} 400000\nh_seconds_bucket{le=\"+Inf\"} 800000\n"
                     "h_seconds_sum 1000000\nh_seconds_count 800000\n");
    wss_prom_registry_free(r);
}

/* Threads race to create the same children; each tuple must end up with one child. */
#define RACE_VALUES 10
#define RACE_ROUNDS 50

static void *race_children(void *arg)
{
    struct wss_prom_family *f = arg;
    for (int round = 0; round < RACE_ROUNDS; round++) {
        for (int v = 0; v < RACE_VALUES; v++) {
            char value[8];
            snprintf(value, sizeof(value), "v%d", v);
            const char *values[] = {value};
            struct wss_prom_counter *c = wss_prom_counter_get(f, values, 1, NULL);
            if (c == NULL)
                return (void *)1;
            wss_prom_counter_inc(c);
        }
    }
    return NULL;
}

static void concurrent_first_use_creates_one_child_per_tuple(void **state)
{
    (void)state;
    struct wss_prom_registry *r = wss_prom_registry_new();
    struct wss_prom_family *f = must_family(r, (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                                                      .name = "race_total",
                                                                      .help = "R.",
                                                                      .label_names = code_label,
                                                                      .nlabels = 1});
    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, race_children, f), 0);
    for (int i = 0; i < WORKERS; i++) {
        void *rc;
        assert_int_equal(pthread_join(threads[i], &rc), 0);
        assert_null(rc);
    }
    struct wss_strbuf want = {0};
    wss_strbuf_puts(&want, "# HELP race_total R.\n# TYPE race_total counter\n");
    for (int v = 0; v < RACE_VALUES; v++)
        wss_strbuf_printf(&want, "race_total{code=\"v%d\"} %d\n", v, WORKERS * RACE_ROUNDS);
    assert_render(r, want.data);
    wss_strbuf_free(&want);
    wss_prom_registry_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_type_is_text_format_0_0_4),
        cmocka_unit_test(counter_children_render_in_creation_order),
        cmocka_unit_test(same_label_values_return_the_same_child),
        cmocka_unit_test(unlabelled_families_render_zero_from_creation),
        cmocka_unit_test(labelled_family_without_children_renders_nothing),
        cmocka_unit_test(gauge_values_print_as_prometheus_does),
        cmocka_unit_test(histogram_buckets_are_cumulative_with_sum_and_count),
        cmocka_unit_test(histogram_nan_lands_in_inf_and_trailing_inf_bound_is_implied),
        cmocka_unit_test(help_and_label_values_are_escaped),
        cmocka_unit_test(rejects_bad_metric_names_with_reason),
        cmocka_unit_test(accepts_the_names_wsscale_exposes),
        cmocka_unit_test(rejects_bad_labels_help_and_bounds_with_reason),
        cmocka_unit_test(rejects_a_name_registered_twice),
        cmocka_unit_test(child_get_rejects_wrong_values_type_and_collect_family),
        cmocka_unit_test(collect_callbacks_write_samples_at_each_render),
        cmocka_unit_test(render_reports_a_failed_buffer),
        cmocka_unit_test(concurrent_increments_sum_exactly),
        cmocka_unit_test(concurrent_first_use_creates_one_child_per_tuple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
