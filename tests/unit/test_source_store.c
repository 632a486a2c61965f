/* SPDX-License-Identifier: Apache-2.0 */
/* test_source_store.c: the metric source over the store: one pod, pods matching a selector, the
 * sum, unknown metrics, and stale, unknown or not-OK pods left out rather than served as 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "metric_values.h"
#include "source_store.h"
#include "wsscale/selector.h"

static int64_t fake_now_ms;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now_ms;
}

#define METRIC "websocket_connections"

struct fixture {
    struct store *st;
    struct metric_source src;
};

static void put(struct store *st, const char *ns, const char *name, const char *app, uint64_t conns,
                enum store_state state, uint32_t interval_ms)
{
    struct wss_label l = {"app", 3, app, strlen(app)};
    struct store_update u = {.ns = ns,
                             .ns_len = strlen(ns),
                             .name = name,
                             .name_len = strlen(name),
                             .uid = name,
                             .uid_len = strlen(name),
                             .labels = &l,
                             .nlabels = 1,
                             .state = state,
                             .active_connections = conns,
                             .sample_time_unix_ms = 1700000000000 + (int64_t)(conns % 1000),
                             .interval_ms = interval_ms,
                             .sidecar_instance = 1,
                             .sequence = 1};
    assert_int_equal(store_apply(st, &u, 1, NULL, NULL, 0), 0);
}

/* ws: chat-a (3, app=chat), chat-b (0, app=chat, idle), game-a (5, app=game),
 * chat-err (9, app=chat, state ERROR), chat-old (7, app=chat, goes stale);
 * other: chat-x (100, app=chat). */
static int setup(void **state)
{
    static struct fixture f;
    fake_now_ms = 1000;
    struct store_config cfg = {.now_ms = fake_clock};
    f.st = store_new(&cfg);
    if (!f.st || source_store_new(f.st, &f.src) != WSS_SRC_OK)
        return -1;
    put(f.st, "ws", "chat-old", "chat", 7, STORE_STATE_OK, 100); /* stale after 300 ms */
    fake_now_ms += 301;
    put(f.st, "ws", "chat-a", "chat", 3, STORE_STATE_OK, 1000);
    put(f.st, "ws", "chat-b", "chat", 0, STORE_STATE_OK, 1000);
    put(f.st, "ws", "game-a", "game", 5, STORE_STATE_OK, 2000);
    put(f.st, "ws", "chat-err", "chat", 9, STORE_STATE_ERROR, 1000);
    put(f.st, "other", "chat-x", "chat", 100, STORE_STATE_OK, 1000);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    f->src.ops->destroy(f->src.self);
    store_free(f->st);
    return 0;
}

static void parse_selector(const char *text, struct wss_selector *sel, struct wss_sel_req *reqs,
                           struct wss_sel_value *vals)
{
    wss_selector_init(sel, reqs, 8, vals, 8);
    struct wss_parse_err err;
    assert_int_equal(wss_selector_parse(text, strlen(text), sel, &err), (int)strlen(text));
}

static void lists_exactly_one_metric(void **state)
{
    struct fixture *f = *state;
    const char *const *m = f->src.ops->list_metrics(f->src.self);
    assert_string_equal(m[0], METRIC);
    assert_null(m[1]);
}

static void pod_value_serves_a_live_pod_in_milli_units(void **state)
{
    struct fixture *f = *state;
    struct metric_value v;
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-a", &v), WSS_SRC_OK);
    assert_string_equal(v.namespace_, "ws");
    assert_string_equal(v.name, "chat-a");
    assert_int_equal(v.milli_value, 3000);
    assert_int_equal(v.timestamp_unix_ms, 1700000000003);
    assert_int_equal(v.window_ms, 1000);
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "ws", "chat-b", &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, 0);
}

static void pod_value_distinguishes_unknown_stale_and_wrong_metric(void **state)
{
    struct fixture *f = *state;
    struct metric_value v;
    static const struct {
        const char *metric, *ns, *pod;
        int want;
    } cases[] = {
        {METRIC, "ws", "nope", WSS_SRC_NOT_FOUND},
        {METRIC, "other", "chat-a", WSS_SRC_NOT_FOUND},
        {METRIC, "ws", "chat-old", WSS_SRC_STALE},
        {METRIC, "ws", "chat-err", WSS_SRC_STALE},
        {"http_requests", "ws", "chat-a", WSS_SRC_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(
            f->src.ops->pod_value(f->src.self, cases[i].metric, cases[i].ns, cases[i].pod, &v),
            cases[i].want);
}

static bool has(const struct metric_values *vals, const char *name)
{
    for (size_t i = 0; i < vals->n; i++)
        if (strcmp(vals->items[i].name, name) == 0)
            return true;
    return false;
}

static void pods_matching_returns_live_matching_pods_only(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *selector;
        size_t n;
        const char *names[3];
    } cases[] = {
        {"app=chat", 2, {"chat-a", "chat-b"}},
        {"app in (chat,game)", 3, {"chat-a", "chat-b", "game-a"}},
        {"app!=chat", 1, {"game-a"}},
        {"", 3, {"chat-a", "chat-b", "game-a"}},
        {"tier", 0, {NULL}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_selector sel;
        struct wss_sel_req reqs[8];
        struct wss_sel_value vals[8];
        parse_selector(cases[i].selector, &sel, reqs, vals);
        struct metric_values out = {0};
        assert_int_equal(f->src.ops->pods_matching(f->src.self, METRIC, "ws", &sel, &out),
                         WSS_SRC_OK);
        assert_int_equal(out.n, cases[i].n);
        for (size_t j = 0; j < cases[i].n; j++)
            assert_true(has(&out, cases[i].names[j]));
        assert_false(has(&out, "chat-old"));
        assert_false(has(&out, "chat-err"));
        metric_values_free(&out);
    }
}

/* The store's label index serves =, == and in; the rest walk the namespace; either way the pods
 * come in arrival order (game-a was stored between chat-b and chat-err). */
static void pods_matching_lists_pods_in_arrival_order_whichever_walk_serves_it(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *selector;
        const char *names;
    } cases[] = {
        {"app in (chat,game)", "chat-a chat-b game-a"},    {"app in (game,nobody)", "game-a"},
        {"app==chat,app in (chat,game)", "chat-a chat-b"}, {"app", "chat-a chat-b game-a"},
        {"app notin (nobody)", "chat-a chat-b game-a"},    {"app=nobody", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_selector sel;
        struct wss_sel_req reqs[8];
        struct wss_sel_value vals[8];
        parse_selector(cases[i].selector, &sel, reqs, vals);
        struct metric_values out = {0};
        assert_int_equal(f->src.ops->pods_matching(f->src.self, METRIC, "ws", &sel, &out),
                         WSS_SRC_OK);
        char names[256] = "";
        for (size_t j = 0; j < out.n; j++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", j ? " " : "",
                     out.items[j].name);
        if (strcmp(names, cases[i].names) != 0)
            fail_msg("selector \"%s\": got \"%s\", want \"%s\"", cases[i].selector, names,
                     cases[i].names);
        metric_values_free(&out);
    }
}

static void pods_matching_unknown_metric_is_not_found(void **state)
{
    struct fixture *f = *state;
    struct wss_selector sel;
    struct wss_sel_req reqs[8];
    struct wss_sel_value vals[8];
    parse_selector("", &sel, reqs, vals);
    struct metric_values out = {0};
    assert_int_equal(f->src.ops->pods_matching(f->src.self, "nope", "ws", &sel, &out),
                     WSS_SRC_NOT_FOUND);
    assert_int_equal(out.n, 0);
    metric_values_free(&out);
}

static void sum_matching_adds_live_matching_pods(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *ns, *selector;
        int64_t milli;
    } cases[] = {
        {"ws", "app=chat", 3000}, {"ws", "", 8000}, {"other", "", 100000}, {"empty", "", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wss_selector sel;
        struct wss_sel_req reqs[8];
        struct wss_sel_value vals[8];
        parse_selector(cases[i].selector, &sel, reqs, vals);
        struct metric_value v;
        assert_int_equal(f->src.ops->sum_matching(f->src.self, METRIC, cases[i].ns, &sel, &v),
                         WSS_SRC_OK);
        assert_int_equal(v.milli_value, cases[i].milli);
        assert_string_equal(v.namespace_, cases[i].ns);
    }
    struct wss_selector sel;
    struct wss_sel_req reqs[8];
    struct wss_sel_value vals[8];
    parse_selector("", &sel, reqs, vals);
    struct metric_value v;
    assert_int_equal(f->src.ops->sum_matching(f->src.self, "nope", "ws", &sel, &v),
                     WSS_SRC_NOT_FOUND);
}

static void null_selector_matches_every_live_pod(void **state)
{
    struct fixture *f = *state;
    struct metric_values out = {0};
    assert_int_equal(f->src.ops->pods_matching(f->src.self, METRIC, "ws", NULL, &out), WSS_SRC_OK);
    assert_int_equal(out.n, 3);
    metric_values_free(&out);
    struct metric_value v;
    assert_int_equal(f->src.ops->sum_matching(f->src.self, METRIC, "ws", NULL, &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, 8000);
}

static void huge_counts_saturate_instead_of_wrapping(void **state)
{
    struct fixture *f = *state;
    put(f->st, "big", "a", "x", UINT64_MAX, STORE_STATE_OK, 1000);
    put(f->st, "big", "b", "x", UINT64_MAX / 2, STORE_STATE_OK, 1000);
    struct metric_value v;
    assert_int_equal(f->src.ops->pod_value(f->src.self, METRIC, "big", "a", &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, INT64_MAX);
    struct wss_selector sel;
    struct wss_sel_req reqs[8];
    struct wss_sel_value vals[8];
    parse_selector("", &sel, reqs, vals);
    assert_int_equal(f->src.ops->sum_matching(f->src.self, METRIC, "big", &sel, &v), WSS_SRC_OK);
    assert_int_equal(v.milli_value, INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lists_exactly_one_metric, setup, teardown),
        cmocka_unit_test_setup_teardown(pod_value_serves_a_live_pod_in_milli_units, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pod_value_distinguishes_unknown_stale_and_wrong_metric,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(pods_matching_returns_live_matching_pods_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            pods_matching_lists_pods_in_arrival_order_whichever_walk_serves_it, setup, teardown),
        cmocka_unit_test_setup_teardown(pods_matching_unknown_metric_is_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(sum_matching_adds_live_matching_pods, setup, teardown),
        cmocka_unit_test_setup_teardown(null_selector_matches_every_live_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(huge_counts_saturate_instead_of_wrapping, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
