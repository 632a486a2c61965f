/* SPDX-License-Identifier: Apache-2.0 */
/* test_store.c: the adapter's pod store: updates by UID, sequence order, final reports, expiry
 * on a fake clock, the pod cap and label limits (all or nothing), readers beside a writer, and
 * the label index behind store_visit_selected checked against a brute-force walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "store.h"
#include "wsscale/selector.h"

static int64_t fake_now_ms;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now_ms;
}

static struct store *new_store(size_t max_pods, int64_t stale_after_ms)
{
    struct store_config cfg = {.max_pods = max_pods,
                               .max_labels = 4,
                               .max_label_bytes = 64,
                               .stale_after_ms = stale_after_ms,
                               .now_ms = fake_clock};
    fake_now_ms = 1000;
    struct store *st = store_new(&cfg);
    assert_non_null(st);
    return st;
}

static const struct wss_label app_chat[] = {{"app", 3, "chat", 4}};

static struct store_update upd(const char *name, const char *uid, uint64_t instance, uint64_t seq,
                               uint64_t conns)
{
    return (struct store_update){.ns = "ws",
                                 .ns_len = 2,
                                 .name = name,
                                 .name_len = strlen(name),
                                 .uid = uid,
                                 .uid_len = strlen(uid),
                                 .labels = app_chat,
                                 .nlabels = 1,
                                 .state = STORE_STATE_OK,
                                 .active_connections = conns,
                                 .sample_time_unix_ms = 5000,
                                 .interval_ms = 1000,
                                 .sidecar_instance = instance,
                                 .sequence = seq};
}

static int apply1(struct store *st, struct store_update u, struct store_apply_result *res)
{
    char msg[256];
    return store_apply(st, &u, 1, res, msg, sizeof(msg));
}

struct seen {
    struct store_pod_view v;
    char uid[STORE_UID_MAX + 1];
    char label_value[16];
    int calls;
};

static bool remember(const struct store_pod_view *p, void *arg)
{
    struct seen *s = arg;
    s->v = *p;
    snprintf(s->uid, sizeof(s->uid), "%s", p->uid);
    if (p->nlabels > 0)
        snprintf(s->label_value, sizeof(s->label_value), "%.*s", (int)p->labels[0].value_len,
                 p->labels[0].value);
    s->calls++;
    return true;
}

/* The pod ws/name, or calls == 0 when absent. */
static struct seen find(struct store *st, const char *name)
{
    struct seen s = {0};
    bool found = store_find(st, "ws", name, remember, &s);
    assert_int_equal(found, s.calls == 1);
    return s;
}

static void stores_a_pod_and_finds_it_by_namespace_and_name(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 1, 42), &res), 0);
    assert_int_equal(res.stored, 1);
    struct seen s = find(st, "chat-1");
    assert_int_equal(s.calls, 1);
    assert_string_equal(s.uid, "u1");
    assert_string_equal(s.v.ns, "ws");
    assert_int_equal(s.v.active_connections, 42);
    assert_string_equal(s.label_value, "chat");
    assert_true(s.v.is_servable);
    assert_int_equal(find(st, "chat-2").calls, 0);
    assert_int_equal(store_count(st), 1);
    store_free(st);
}

static void copies_labels_so_the_callers_buffer_may_change(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    char value[] = "chat";
    struct wss_label l = {"app", 3, value, 4};
    struct store_update u = upd("chat-1", "u1", 7, 1, 1);
    u.labels = &l;
    assert_int_equal(apply1(st, u, NULL), 0);
    memcpy(value, "XXXX", 4);
    assert_string_equal(find(st, "chat-1").label_value, "chat");
    store_free(st);
}

static void ignores_older_or_equal_sequence_from_same_instance(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 10, 42), &res), 0);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 9, 1), &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 10, 2), &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(find(st, "chat-1").v.active_connections, 42);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 11, 3), &res), 0);
    assert_int_equal(res.stored, 1);
    assert_int_equal(find(st, "chat-1").v.active_connections, 3);
    store_free(st);
}

static void new_instance_restarts_the_sequence(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 500, 42), &res), 0);
    struct store_update u = upd("chat-1", "u1", 8, 1, 5);
    u.sample_time_unix_ms = 6000;
    assert_int_equal(apply1(st, u, &res), 0);
    assert_int_equal(res.stored, 1);
    struct seen s = find(st, "chat-1");
    assert_int_equal(s.v.active_connections, 5);
    assert_int_equal(s.v.sidecar_instance, 8);
    assert_int_equal(s.v.sequence, 1);
    store_free(st);
}

static void ignores_an_older_sample_from_another_instance(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 5, 42), &res), 0);
    struct store_update u = upd("chat-1", "u1", 6, 99, 1);
    u.sample_time_unix_ms = 4000;
    assert_int_equal(apply1(st, u, &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(find(st, "chat-1").v.active_connections, 42);
    store_free(st);
}

static void final_report_drops_the_pod_at_once(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 1, 42), &res), 0);
    struct store_update fin = upd("chat-1", "u1", 7, 2, 0);
    fin.is_final = true;
    assert_int_equal(apply1(st, fin, &res), 0);
    assert_int_equal(res.removed, 1);
    assert_int_equal(find(st, "chat-1").calls, 0);
    assert_int_equal(store_count(st), 0);
    /* a final report for a pod never seen changes nothing */
    fin.uid = "u9";
    fin.uid_len = 2;
    assert_int_equal(apply1(st, fin, &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(store_count(st), 0);
    store_free(st);
}

static void stale_final_report_does_not_drop_a_newer_sample(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 5, 42), NULL), 0);
    struct store_update fin = upd("chat-1", "u1", 7, 4, 0);
    fin.is_final = true;
    struct store_apply_result res;
    assert_int_equal(apply1(st, fin, &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(find(st, "chat-1").calls, 1);
    store_free(st);
}

static void stale_after_defaults_to_three_intervals(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 1, 42), NULL), 0); /* interval 1 s */
    fake_now_ms += 3000;
    assert_true(find(st, "chat-1").v.is_servable);
    fake_now_ms += 1;
    assert_false(find(st, "chat-1").v.is_servable);
    assert_int_equal(store_expire(st), 1);
    assert_int_equal(find(st, "chat-1").calls, 0);
    store_free(st);
}

static void default_stale_after_is_capped_at_ten_seconds(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_update u = upd("chat-1", "u1", 7, 1, 42);
    u.interval_ms = 60000;
    assert_int_equal(apply1(st, u, NULL), 0);
    fake_now_ms += STORE_STALE_CAP_MS;
    assert_true(find(st, "chat-1").v.is_servable);
    fake_now_ms += 1;
    assert_false(find(st, "chat-1").v.is_servable);
    store_free(st);
}

static void explicit_stale_after_overrides_the_interval(void **state)
{
    (void)state;
    struct store *st = new_store(8, 500);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 1, 42), NULL), 0);
    fake_now_ms += 500;
    assert_int_equal(store_expire(st), 0);
    fake_now_ms += 1;
    assert_int_equal(store_expire(st), 1);
    assert_int_equal(store_count(st), 0);
    store_free(st);
}

static void state_other_than_ok_is_held_but_not_servable(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    static const enum store_state states[] = {STORE_STATE_UNSPECIFIED, STORE_STATE_STALE,
                                              STORE_STATE_MISSING, STORE_STATE_ERROR};
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        struct store_update u = upd("chat-1", "u1", 7, i + 1, 42);
        u.state = states[i];
        assert_int_equal(apply1(st, u, NULL), 0);
        struct seen s = find(st, "chat-1");
        assert_int_equal(s.calls, 1);
        assert_false(s.v.is_servable);
    }
    store_free(st);
}

static void full_store_rejects_a_new_pod_and_changes_nothing(void **state)
{
    (void)state;
    struct store *st = new_store(2, 0);
    char msg[256];
    struct store_update ups[2] = {upd("a", "ua", 1, 1, 1), upd("b", "ub", 1, 1, 2)};
    assert_int_equal(store_apply(st, ups, 2, NULL, msg, sizeof(msg)), 0);
    /* an update to a known pod plus a new pod: all or nothing */
    struct store_update more[2] = {upd("a", "ua", 1, 2, 100), upd("c", "uc", 1, 1, 3)};
    assert_int_equal(store_apply(st, more, 2, NULL, msg, sizeof(msg)), STORE_E_FULL);
    assert_string_equal(msg, "the store holds its maximum of 2 pods");
    assert_int_equal(find(st, "a").v.active_connections, 1);
    assert_int_equal(find(st, "c").calls, 0);
    assert_int_equal(store_count(st), 2);
    store_free(st);
}

static void full_store_makes_room_by_dropping_expired_pods(void **state)
{
    (void)state;
    struct store *st = new_store(1, 0);
    assert_int_equal(apply1(st, upd("a", "ua", 1, 1, 1), NULL), 0);
    fake_now_ms += STORE_STALE_CAP_MS + 1;
    assert_int_equal(apply1(st, upd("b", "ub", 1, 1, 2), NULL), 0);
    assert_int_equal(find(st, "a").calls, 0);
    assert_int_equal(find(st, "b").calls, 1);
    store_free(st);
}

static void over_limit_update_fails_the_whole_batch(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    static const struct wss_label five[] = {
        {"a", 1, "1", 1}, {"b", 1, "1", 1}, {"c", 1, "1", 1}, {"d", 1, "1", 1}, {"e", 1, "1", 1}};
    char long_value[65];
    memset(long_value, 'v', 64);
    struct wss_label big = {"k", 1, long_value, 64};
    static const struct {
        const char *why;
        size_t nlabels;
        const char *uid;
    } cases[] = {{"label count out of bounds", 5, "u"},
                 {"label bytes out of bounds", 1, "u"},
                 {"pod UID length out of bounds", 1,
                  "0123456789012345678901234567890123456789012345678901234567890123456789"},
                 {"pod UID length out of bounds", 1, ""}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct store_update ups[2] = {upd("good", "ug", 1, 1, 1),
                                      upd("bad", cases[i].uid, 1, 1, 1)};
        ups[1].nlabels = cases[i].nlabels;
        ups[1].labels = i == 0 ? five : i == 1 ? &big : app_chat;
        char msg[256];
        assert_int_equal(store_apply(st, ups, 2, NULL, msg, sizeof(msg)), STORE_E_LIMIT);
        assert_string_equal(msg, cases[i].why);
        assert_int_equal(store_count(st), 0);
    }
    store_free(st);
}

static void new_uid_under_the_same_name_replaces_the_old_pod(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    assert_int_equal(apply1(st, upd("db-0", "old", 1, 9, 1), NULL), 0);
    struct store_update u = upd("db-0", "new", 2, 1, 2);
    u.sample_time_unix_ms = 7000;
    assert_int_equal(apply1(st, u, NULL), 0);
    assert_string_equal(find(st, "db-0").uid, "new");
    assert_int_equal(store_count(st), 1);
    /* a late report from the old pod does not come back */
    struct store_update late = upd("db-0", "old", 1, 10, 5);
    struct store_apply_result res;
    assert_int_equal(apply1(st, late, &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_string_equal(find(st, "db-0").uid, "new");
    store_free(st);
}

static bool count_pod(const struct store_pod_view *p, void *arg)
{
    (void)p;
    (*(int *)arg)++;
    return true;
}

static void visit_walks_only_the_namespace_asked(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_update ups[3] = {upd("a", "ua", 1, 1, 1), upd("b", "ub", 1, 1, 1),
                                  upd("c", "uc", 1, 1, 1)};
    ups[2].ns = "other";
    ups[2].ns_len = 5;
    assert_int_equal(store_apply(st, ups, 3, NULL, NULL, 0), 0);
    int n = 0;
    store_visit(st, "ws", count_pod, &n);
    assert_int_equal(n, 2);
    n = 0;
    store_visit(st, "other", count_pod, &n);
    assert_int_equal(n, 1);
    n = 0;
    store_visit(st, NULL, count_pod, &n);
    assert_int_equal(n, 3);
    store_free(st);
}

#define INDEX_NAMESPACES 40 /* more namespaces than a 256-bucket index keeps apart */

struct ns_walk {
    const char *ns;
    char pods[INDEX_NAMESPACES * 2][32]; /* "name:uid" of each pod visited */
    int n;
    int stop_after; /* 0 = walk to the end */
};

static bool collect_pod(const struct store_pod_view *p, void *arg)
{
    struct ns_walk *w = arg;
    assert_string_equal(p->ns, w->ns);
    assert_true(w->n < INDEX_NAMESPACES * 2);
    snprintf(w->pods[w->n++], sizeof(w->pods[0]), "%s:%s", p->name, p->uid);
    return w->stop_after == 0 || w->n < w->stop_after;
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The pods of ns as "name:uid name:uid", sorted (the walk has no set order). */
static void walk_ns(struct store *st, const char *ns, char *out, size_t cap)
{
    struct ns_walk w = {.ns = ns};
    store_visit(st, ns, collect_pod, &w);
    qsort(w.pods, (size_t)w.n, sizeof(w.pods[0]), compare_text);
    out[0] = '\0';
    for (int i = 0; i < w.n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", w.pods[i]);
}

static struct store_update ns_upd(const char *ns, const char *name, const char *uid, uint64_t seq)
{
    struct store_update u = upd(name, uid, 1, seq, 1);
    u.ns = ns;
    u.ns_len = strlen(ns);
    return u;
}

static void visit_by_namespace_stays_exact_through_replace_remove_and_expiry(void **state)
{
    (void)state;
    struct store *st = new_store(INDEX_NAMESPACES * 2 + 8, 0); /* stale after 3 x 1 s */
    char ns[INDEX_NAMESPACES][16], uid[64], got[256], want[256];
    for (int i = 0; i < INDEX_NAMESPACES; i++) {
        snprintf(ns[i], sizeof(ns[i]), "ns-%d", i);
        snprintf(uid, sizeof(uid), "%d-a", i);
        assert_int_equal(apply1(st, ns_upd(ns[i], "a", uid, 1), NULL), 0);
        snprintf(uid, sizeof(uid), "%d-b", i);
        assert_int_equal(apply1(st, ns_upd(ns[i], "b", uid, 1), NULL), 0);
    }
    struct store_update final = ns_upd(ns[3], "a", "3-a", 2);
    final.is_final = true;
    assert_int_equal(apply1(st, final, NULL), 0);
    struct store_update renamed = ns_upd(ns[5], "b", "5-b-new", 1);
    renamed.sample_time_unix_ms = 6000;
    assert_int_equal(apply1(st, renamed, NULL), 0);
    for (int i = 0; i < INDEX_NAMESPACES; i++) {
        walk_ns(st, ns[i], got, sizeof(got));
        if (i == 3)
            snprintf(want, sizeof(want), "b:3-b");
        else if (i == 5)
            snprintf(want, sizeof(want), "a:5-a b:5-b-new");
        else
            snprintf(want, sizeof(want), "a:%d-a b:%d-b", i, i);
        assert_string_equal(got, want);
    }
    walk_ns(st, "ns-none", got, sizeof(got));
    assert_string_equal(got, "");

    fake_now_ms = 3500; /* only ns-9/a hears again before the others expire */
    assert_int_equal(apply1(st, ns_upd(ns[9], "a", "9-a", 2), NULL), 0);
    fake_now_ms = 5000;
    assert_int_equal(store_expire(st), INDEX_NAMESPACES * 2 - 2);
    for (int i = 0; i < INDEX_NAMESPACES; i++) {
        walk_ns(st, ns[i], got, sizeof(got));
        assert_string_equal(got, i == 9 ? "a:9-a" : "");
    }
    store_free(st);
}

/* A batch whose first update for a new namespace is a final report, then a pod that stays. */
static void a_new_namespace_after_a_final_report_in_one_batch_is_walked(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_update ups[3] = {ns_upd("fresh", "gone", "u-gone", 1),
                                  ns_upd("fresh", "kept", "u-kept", 1),
                                  ns_upd("other", "x", "u-x", 1)};
    ups[0].is_final = true;
    struct store_apply_result res;
    assert_int_equal(store_apply(st, ups, 3, &res, NULL, 0), 0);
    assert_int_equal(res.stored, 2);
    assert_int_equal(res.ignored, 1);
    char got[256];
    walk_ns(st, "fresh", got, sizeof(got));
    assert_string_equal(got, "kept:u-kept");
    struct store_update last = ns_upd("fresh", "kept", "u-kept", 2);
    last.is_final = true;
    assert_int_equal(apply1(st, last, NULL), 0);
    walk_ns(st, "fresh", got, sizeof(got));
    assert_string_equal(got, "");
    assert_int_equal(apply1(st, ns_upd("fresh", "again", "u-again", 1), NULL), 0);
    walk_ns(st, "fresh", got, sizeof(got));
    assert_string_equal(got, "again:u-again");
    walk_ns(st, "other", got, sizeof(got));
    assert_string_equal(got, "x:u-x");
    store_free(st);
}

/* The walk of one namespace follows arrival order, also after the last and a middle pod left. */
static void namespace_walk_keeps_arrival_order(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_update ups[4] = {upd("a", "ua", 1, 1, 1), upd("b", "ub", 1, 1, 1),
                                  upd("c", "uc", 1, 1, 1), upd("d", "ud", 1, 1, 1)};
    assert_int_equal(store_apply(st, ups, 4, NULL, NULL, 0), 0);
    struct store_update gone[2] = {upd("d", "ud", 1, 2, 1), upd("b", "ub", 1, 2, 1)};
    gone[0].is_final = gone[1].is_final = true;
    assert_int_equal(store_apply(st, gone, 2, NULL, NULL, 0), 0);
    assert_int_equal(apply1(st, upd("e", "ue", 1, 1, 1), NULL), 0);
    struct ns_walk w = {.ns = "ws"};
    store_visit(st, "ws", collect_pod, &w);
    assert_int_equal(w.n, 3);
    assert_string_equal(w.pods[0], "a:ua");
    assert_string_equal(w.pods[1], "c:uc");
    assert_string_equal(w.pods[2], "e:ue");
    store_free(st);
}

static void namespace_walk_stops_when_the_callback_says_so(void **state)
{
    (void)state;
    struct store *st = new_store(8, 0);
    struct store_update ups[3] = {upd("a", "ua", 1, 1, 1), upd("b", "ub", 1, 1, 1),
                                  upd("c", "uc", 1, 1, 1)};
    assert_int_equal(store_apply(st, ups, 3, NULL, NULL, 0), 0);
    struct ns_walk w = {.ns = "ws", .stop_after = 2};
    store_visit(st, "ws", collect_pod, &w);
    assert_int_equal(w.n, 2);
    store_free(st);
}

#define RACE_UPDATES 2000
#define RACE_PODS    50

static void *writer(void *arg)
{
    struct store *st = arg;
    char name[16];
    for (int i = 0; i < RACE_UPDATES; i++) {
        snprintf(name, sizeof(name), "p%d", i % RACE_PODS);
        if (apply1(st, upd(name, name, 1, (uint64_t)i + 1, (uint64_t)i), NULL) != 0)
            return (void *)1;
    }
    return NULL;
}

static void readers_and_a_writer_run_together(void **state)
{
    (void)state;
    struct store *st = new_store(RACE_PODS, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, writer, st), 0);
    for (int i = 0; i < RACE_UPDATES; i++) {
        int n = 0;
        store_visit(st, "ws", count_pod, &n);
        assert_true(n <= RACE_PODS);
    }
    void *ret;
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_null(ret);
    assert_int_equal(store_count(st), RACE_PODS);
    assert_int_equal(find(st, "p49").v.active_connections, RACE_UPDATES - 1);
    store_free(st);
}

/* The label index (store_visit_selected). Pods here carry up to IDX_LABELS labels. */
#define IDX_LABELS     4
#define IDX_PODS       48
#define IDX_SEL_REQS   8
#define IDX_SEL_VALUES 48
#define IDX_OUT        4096

static struct store *new_index_store(size_t max_pods)
{
    struct store_config cfg = {.max_pods = max_pods,
                               .max_labels = IDX_LABELS,
                               .max_label_bytes = 256,
                               .stale_after_ms = 5000,
                               .now_ms = fake_clock};
    fake_now_ms = 1000;
    struct store *st = store_new(&cfg);
    assert_non_null(st);
    return st;
}

struct idx_sel {
    struct wss_selector sel;
    struct wss_sel_req reqs[IDX_SEL_REQS];
    struct wss_sel_value values[IDX_SEL_VALUES];
};

static void parse_sel(const char *text, struct idx_sel *s)
{
    struct wss_parse_err err;
    wss_selector_init(&s->sel, s->reqs, IDX_SEL_REQS, s->values, IDX_SEL_VALUES);
    assert_int_equal(wss_selector_parse(text, strlen(text), &s->sel, &err), (int)strlen(text));
}

struct names {
    char text[IDX_OUT];
    const struct wss_selector *sel; /* brute force only: filter here */
    int calls;
    int stop_after; /* 0: never */
};

static bool append_name(const struct store_pod_view *p, void *arg)
{
    struct names *n = arg;
    if (n->sel && !wss_selector_matches(n->sel, p->labels, p->nlabels))
        return true;
    size_t len = strlen(n->text);
    snprintf(n->text + len, sizeof(n->text) - len, "%s%s", len ? " " : "", p->name);
    n->calls++;
    return n->stop_after == 0 || n->calls < n->stop_after;
}

/* The pods store_visit_selected walks, as "name name ...", in walk order. */
static void selected(struct store *st, const char *ns, const struct wss_selector *sel,
                     struct names *out)
{
    *out = (struct names){0};
    store_visit_selected(st, ns, sel, append_name, out);
}

/* The same from a brute-force walk of the namespace and the matcher. */
static void brute_force(struct store *st, const char *ns, const struct wss_selector *sel,
                        struct names *out)
{
    *out = (struct names){.sel = sel};
    store_visit(st, ns, append_name, out);
}

static struct store_update idx_upd(const char *ns, const char *name, const char *uid, uint64_t seq,
                                   const struct wss_label *labels, size_t nlabels)
{
    struct store_update u = upd(name, uid, 1, seq, 1);
    u.ns = ns;
    u.ns_len = strlen(ns);
    u.labels = labels;
    u.nlabels = nlabels;
    u.sample_time_unix_ms = (int64_t)seq;
    return u;
}

#define L(k, v)                                                                                    \
    {                                                                                              \
        k, sizeof(k) - 1, v, sizeof(v) - 1                                                         \
    }

static const struct wss_label lab_web_a[] = {L("app", "web"), L("tier", "a"), L("n", "1")};
static const struct wss_label lab_web_b[] = {L("app", "web"), L("tier", "b"), L("n", "7")};
static const struct wss_label lab_chat_a[] = {L("app", "chat"), L("tier", "a")};
static const struct wss_label lab_chat[] = {L("app", "chat")};
static const struct wss_label lab_none[] = {L("x", "")};
static const struct wss_label lab_twice[] = {L("app", "web"), L("app", "chat")};

/* Selectors every kind of requirement: those the index serves, those it cannot, and mixes. */
static const char *const idx_selectors[] = {
    "",
    "app=web",
    "app==chat",
    "app=nobody",
    "app in (chat,web)",
    "app in (chat,nobody)",
    "app in (nobody,zz)",
    "tier in (a,b),app=web",
    "app=web,tier=a",
    "app in (web),tier in (a,b)",
    "app",
    "!tier",
    "app!=web",
    "tier notin (a)",
    "n>3",
    "n<3",
    "x=",
    "x in (,y)",
    "app=chat,!tier",
    "app in (chat,web),n>0",
};

static void check_every_selector(struct store *st, const char *ns)
{
    for (size_t i = 0; i < sizeof(idx_selectors) / sizeof(idx_selectors[0]); i++) {
        struct idx_sel s;
        parse_sel(idx_selectors[i], &s);
        struct names got, want;
        selected(st, ns, &s.sel, &got);
        brute_force(st, ns, &s.sel, &want);
        if (strcmp(got.text, want.text) != 0)
            fail_msg("ns %s selector \"%s\": index walk \"%s\", brute force \"%s\"", ns,
                     idx_selectors[i], got.text, want.text);
    }
}

#define IDX_PAIR_SZ 96

struct pairs {
    char text[IDX_PODS * IDX_LABELS][IDX_PAIR_SZ];
    size_t n;
};

static bool add_pairs(const struct store_pod_view *p, void *arg)
{
    struct pairs *ps = arg;
    for (size_t i = 0; i < p->nlabels; i++) {
        bool is_repeat = false;
        for (size_t j = 0; j < i && !is_repeat; j++)
            is_repeat = p->labels[j].key_len == p->labels[i].key_len &&
                        memcmp(p->labels[j].key, p->labels[i].key, p->labels[i].key_len) == 0;
        if (is_repeat)
            continue;
        assert_true(ps->n < IDX_PODS * IDX_LABELS);
        snprintf(ps->text[ps->n++], IDX_PAIR_SZ, "%s/%.*s=%.*s", p->ns, (int)p->labels[i].key_len,
                 p->labels[i].key, (int)p->labels[i].value_len, p->labels[i].value);
    }
    return true;
}

static int compare_pair(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The index holds exactly the distinct (namespace, key, value) of the pods held: no more. */
static void check_postings(struct store *st)
{
    static struct pairs ps;
    ps.n = 0;
    store_visit(st, NULL, add_pairs, &ps);
    qsort(ps.text, ps.n, IDX_PAIR_SZ, compare_pair);
    size_t distinct = 0;
    for (size_t i = 0; i < ps.n; i++)
        distinct += i == 0 || strcmp(ps.text[i], ps.text[i - 1]) != 0;
    assert_int_equal(store_postings(st), distinct);
}

static void fill_index_table_store(struct store *st)
{
    struct store_update ups[] = {
        idx_upd("ws", "w1", "u1", 1, lab_web_a, 3),    idx_upd("ws", "c1", "u2", 2, lab_chat_a, 2),
        idx_upd("ws", "w2", "u3", 3, lab_web_b, 3),    idx_upd("ws", "c2", "u4", 4, lab_chat, 1),
        idx_upd("ws", "x1", "u5", 5, lab_none, 1),     idx_upd("ws", "d1", "u6", 6, lab_twice, 2),
        idx_upd("other", "w9", "u7", 7, lab_web_a, 3),
    };
    assert_int_equal(store_apply(st, ups, sizeof(ups) / sizeof(ups[0]), NULL, NULL, 0), 0);
}

static void selected_walk_returns_the_matching_pods_in_link_order(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_PODS);
    fill_index_table_store(st);
    static const struct {
        const char *selector;
        const char *want;
    } cases[] = {
        {"", "w1 c1 w2 c2 x1 d1"},
        {"app=web", "w1 w2 d1"},
        {"app==chat", "c1 c2"}, /* d1's second app label does not count: the first wins */
        {"app=nobody", ""},
        {"app in (chat,web)", "w1 c1 w2 c2 d1"},
        {"app in (nobody,web)", "w1 w2 d1"},
        {"tier in (a,b),app=web", "w1 w2"},
        {"app=web,tier=a", "w1"},
        {"app,!tier", "c2 d1"},
        {"app!=web", "c1 c2 x1"},
        {"n>3", "w2"},
        {"x=", "x1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct idx_sel s;
        parse_sel(cases[i].selector, &s);
        struct names got;
        selected(st, "ws", &s.sel, &got);
        if (strcmp(got.text, cases[i].want) != 0)
            fail_msg("selector \"%s\": got \"%s\", want \"%s\"", cases[i].selector, got.text,
                     cases[i].want);
    }
    check_every_selector(st, "ws");
    check_every_selector(st, "other");
    check_postings(st);
    assert_int_equal(store_postings(st), 10);
    store_free(st);
}

static void selected_walk_of_an_unknown_namespace_or_no_selector(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_PODS);
    fill_index_table_store(st);
    struct idx_sel s;
    parse_sel("app=web", &s);
    struct names got;
    selected(st, "nowhere", &s.sel, &got);
    assert_string_equal(got.text, "");
    selected(st, "other", NULL, &got);
    assert_string_equal(got.text, "w9");
    selected(st, NULL, &s.sel, &got); /* every namespace; the whole store has no set order */
    assert_int_equal(got.calls, 4);
    store_free(st);
}

static void selected_walk_follows_a_label_value_change(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_PODS);
    assert_int_equal(apply1(st, idx_upd("ws", "p", "u1", 1, lab_web_a, 3), NULL), 0);
    assert_int_equal(apply1(st, idx_upd("ws", "q", "u2", 2, lab_chat, 1), NULL), 0);
    /* Same UID, newer sequence, app web -> chat: it moves to the end of the link order. */
    assert_int_equal(apply1(st, idx_upd("ws", "p", "u1", 3, lab_chat_a, 2), NULL), 0);
    struct idx_sel web, chat, tier_b;
    parse_sel("app=web", &web);
    parse_sel("app=chat", &chat);
    parse_sel("tier=b", &tier_b);
    struct names got;
    selected(st, "ws", &web.sel, &got);
    assert_string_equal(got.text, "");
    selected(st, "ws", &chat.sel, &got);
    assert_string_equal(got.text, "q p");
    /* Replaced by a new UID under the same name, now tier=b. */
    assert_int_equal(apply1(st, idx_upd("ws", "p", "u9", 4, lab_web_b, 3), NULL), 0);
    selected(st, "ws", &chat.sel, &got);
    assert_string_equal(got.text, "q");
    selected(st, "ws", &tier_b.sel, &got);
    assert_string_equal(got.text, "p");
    check_every_selector(st, "ws");
    check_postings(st);
    store_free(st);
}

static void selected_walk_visits_a_pod_once_when_a_value_is_listed_twice(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_PODS);
    fill_index_table_store(st);
    /* The parser drops repeated values; a hand-built selector may not. */
    struct wss_sel_value values[] = {{"web", 3}, {"chat", 4}, {"web", 3}};
    struct wss_sel_req req = {.key = "app", .key_len = 3, .op = WSS_SEL_OP_IN, .nvalues = 3};
    struct wss_selector sel;
    wss_selector_init(&sel, &req, 1, values, 3);
    sel.nreqs = 1;
    sel.nvalues = 3;
    struct names got;
    selected(st, "ws", &sel, &got);
    assert_string_equal(got.text, "w1 c1 w2 c2 d1");
    store_free(st);
}

static void selected_walk_stops_when_the_callback_says_so(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_PODS);
    fill_index_table_store(st);
    const char *const sels[] = {"app in (chat,web)", "app"}; /* index merge, namespace walk */
    for (size_t i = 0; i < 2; i++) {
        struct idx_sel s;
        parse_sel(sels[i], &s);
        struct names got = {.stop_after = 2};
        store_visit_selected(st, "ws", &s.sel, append_name, &got);
        assert_string_equal(got.text, "w1 c1");
    }
    store_free(st);
}

static void an_in_with_more_values_than_the_merge_holds_walks_the_namespace(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_PODS);
    fill_index_table_store(st);
    char text[512] = "app in (web";
    for (int i = 0; i < STORE_INDEX_MERGE_MAX; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), ",v%02d", i);
    snprintf(text + strlen(text), sizeof(text) - strlen(text), ")");
    struct idx_sel s;
    parse_sel(text, &s);
    assert_true(s.reqs[0].nvalues > STORE_INDEX_MERGE_MAX);
    struct names got;
    selected(st, "ws", &s.sel, &got);
    assert_string_equal(got.text, "w1 w2 d1");
    store_free(st);
}

/* A deterministic generator for the randomized sequence (xorshift64). */
static uint64_t idx_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define IDX_STEPS    600
#define IDX_NAMES    24
#define IDX_BATCH    4
#define IDX_VALUE_SZ 8

static void index_stays_exact_through_a_random_sequence_of_changes(void **state)
{
    (void)state;
    struct store *st = new_index_store(IDX_NAMES + IDX_BATCH); /* room for a full batch */
    static const char *const apps[] = {"web", "chat", "nobody"};
    static const char *const tiers[] = {"a", "b"};
    static const char *const nss[] = {"ws", "other"};
    uint64_t rnd = 0x9e3779b97f4a7c15ULL;
    uint64_t seq = 1;
    uint64_t uid_gen[IDX_NAMES] = {0};
    size_t stored = 0, removed = 0, expired = 0;
    for (int step = 0; step < IDX_STEPS; step++) {
        struct store_update ups[IDX_BATCH];
        struct wss_label labels[IDX_BATCH][IDX_LABELS];
        char names[IDX_BATCH][16], uids[IDX_BATCH][32], nvals[IDX_BATCH][IDX_VALUE_SZ];
        size_t n = 1 + idx_rand(&rnd) % IDX_BATCH;
        for (size_t i = 0; i < n; i++) {
            size_t who = idx_rand(&rnd) % IDX_NAMES;
            uint64_t kind = idx_rand(&rnd) % 10;
            if (kind == 0)
                uid_gen[who]++; /* a replacement: a new UID under the same name */
            snprintf(names[i], sizeof(names[i]), "p%zu", who);
            snprintf(uids[i], sizeof(uids[i]), "u%zu-%llu", who, (unsigned long long)uid_gen[who]);
            snprintf(nvals[i], sizeof(nvals[i]), "%d", (int)(idx_rand(&rnd) % 6));
            size_t nl = 0;
            uint64_t mask = idx_rand(&rnd);
            if (mask & 1)
                labels[i][nl++] = (struct wss_label){"app", 3, apps[(mask >> 4) % 3],
                                                     strlen(apps[(mask >> 4) % 3])};
            if (mask & 2)
                labels[i][nl++] = (struct wss_label){"tier", 4, tiers[(mask >> 8) % 2], 1};
            if (mask & 4)
                labels[i][nl++] = (struct wss_label){"n", 1, nvals[i], strlen(nvals[i])};
            if ((mask & 8) && nl > 0) /* a repeated key: the first one counts */
                labels[i][nl++] = (struct wss_label){"app", 3, "web", 3};
            ups[i] = idx_upd(nss[who % 2], names[i], uids[i], seq++, labels[i], nl);
            ups[i].is_final = kind == 1;
        }
        struct store_apply_result res;
        assert_int_equal(store_apply(st, ups, n, &res, NULL, 0), 0);
        stored += res.stored;
        removed += res.removed;
        if (idx_rand(&rnd) % 8 == 0) {
            fake_now_ms += 1500 + (int64_t)(idx_rand(&rnd) % 4000);
            expired += store_expire(st);
        } else {
            fake_now_ms += 10;
        }
        check_every_selector(st, "ws");
        check_every_selector(st, "other");
        check_postings(st);
    }
    /* The sequence did exercise every kind of change. */
    assert_true(stored > IDX_STEPS);
    assert_true(removed > 10);
    assert_true(expired > 10);
    fake_now_ms += 10 * 5000;
    store_expire(st);
    assert_int_equal(store_count(st), 0);
    assert_int_equal(store_postings(st), 0);
    store_free(st);
}

static void forgotten_uid_is_dropped_and_refused_until_the_deadline(void **state)
{
    (void)state;
    struct store *st = new_store(8, 5000); /* gone for 2 x 5 s */
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 1, 42), &res), 0);
    assert_int_equal(apply1(st, upd("chat-2", "u2", 7, 1, 5), &res), 0);
    assert_true(store_forget(st, "u1", 2));
    assert_int_equal(find(st, "chat-1").calls, 0);
    assert_int_equal(find(st, "chat-2").calls, 1);
    /* a report in flight when the pod died does not bring it back */
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 2, 42), &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(res.stored, 0);
    assert_int_equal(find(st, "chat-1").calls, 0);
    assert_int_equal(store_refused_gone(st), 1);
    /* a new pod of the same name has a new UID and is stored */
    assert_int_equal(apply1(st, upd("chat-1", "u3", 8, 1, 1), &res), 0);
    assert_int_equal(res.stored, 1);
    /* forgetting a UID never held still refuses it; past the deadline it is accepted */
    assert_false(store_forget(st, "u4", 2));
    assert_int_equal(apply1(st, upd("chat-4", "u4", 7, 1, 1), &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(store_refused_gone(st), 2);
    fake_now_ms += 10001;
    assert_int_equal(apply1(st, upd("chat-4", "u4", 7, 2, 1), &res), 0);
    assert_int_equal(res.stored, 1);
    assert_int_equal(store_refused_gone(st), 2);
    store_free(st);
}

/* A relist's finished pods: only one held is dropped and remembered. */
static void forget_held_remembers_only_a_held_uid(void **state)
{
    (void)state;
    struct store *st = new_store(8, 5000);
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 1, 42), &res), 0);
    assert_true(store_forget_held(st, "u1", 2));
    assert_int_equal(find(st, "chat-1").calls, 0);
    assert_int_equal(apply1(st, upd("chat-1", "u1", 7, 2, 42), &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_false(store_forget_held(st, "u2", 2)); /* a Job's pod that never reported */
    assert_int_equal(apply1(st, upd("chat-2", "u2", 7, 1, 3), &res), 0);
    assert_int_equal(res.stored, 1);
    assert_int_equal(store_refused_gone(st), 1);
    store_free(st);
}

static void gone_table_stays_bounded_and_keeps_the_newest(void **state)
{
    (void)state;
    struct store *st = new_store(8, 5000);
    char uid[32];
    /* ten times the table's room: the newest UID is still refused, memory never grows */
    for (int i = 0; i < 40960; i++) {
        snprintf(uid, sizeof(uid), "uid-%d", i);
        fake_now_ms++;
        store_forget(st, uid, strlen(uid));
    }
    struct store_apply_result res;
    assert_int_equal(apply1(st, upd("chat-1", uid, 7, 1, 1), &res), 0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(store_refused_gone(st), 1);
    assert_int_equal(apply1(st, upd("chat-1", "uid-0", 7, 1, 1), &res), 0);
    assert_int_equal(res.stored, 1);
    store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forgotten_uid_is_dropped_and_refused_until_the_deadline),
        cmocka_unit_test(forget_held_remembers_only_a_held_uid),
        cmocka_unit_test(gone_table_stays_bounded_and_keeps_the_newest),
        cmocka_unit_test(stores_a_pod_and_finds_it_by_namespace_and_name),
        cmocka_unit_test(copies_labels_so_the_callers_buffer_may_change),
        cmocka_unit_test(ignores_older_or_equal_sequence_from_same_instance),
        cmocka_unit_test(new_instance_restarts_the_sequence),
        cmocka_unit_test(ignores_an_older_sample_from_another_instance),
        cmocka_unit_test(final_report_drops_the_pod_at_once),
        cmocka_unit_test(stale_final_report_does_not_drop_a_newer_sample),
        cmocka_unit_test(stale_after_defaults_to_three_intervals),
        cmocka_unit_test(default_stale_after_is_capped_at_ten_seconds),
        cmocka_unit_test(explicit_stale_after_overrides_the_interval),
        cmocka_unit_test(state_other_than_ok_is_held_but_not_servable),
        cmocka_unit_test(full_store_rejects_a_new_pod_and_changes_nothing),
        cmocka_unit_test(full_store_makes_room_by_dropping_expired_pods),
        cmocka_unit_test(over_limit_update_fails_the_whole_batch),
        cmocka_unit_test(new_uid_under_the_same_name_replaces_the_old_pod),
        cmocka_unit_test(visit_walks_only_the_namespace_asked),
        cmocka_unit_test(visit_by_namespace_stays_exact_through_replace_remove_and_expiry),
        cmocka_unit_test(namespace_walk_stops_when_the_callback_says_so),
        cmocka_unit_test(namespace_walk_keeps_arrival_order),
        cmocka_unit_test(a_new_namespace_after_a_final_report_in_one_batch_is_walked),
        cmocka_unit_test(readers_and_a_writer_run_together),
        cmocka_unit_test(selected_walk_returns_the_matching_pods_in_link_order),
        cmocka_unit_test(selected_walk_of_an_unknown_namespace_or_no_selector),
        cmocka_unit_test(selected_walk_follows_a_label_value_change),
        cmocka_unit_test(selected_walk_visits_a_pod_once_when_a_value_is_listed_twice),
        cmocka_unit_test(selected_walk_stops_when_the_callback_says_so),
        cmocka_unit_test(an_in_with_more_values_than_the_merge_holds_walks_the_namespace),
        cmocka_unit_test(index_stays_exact_through_a_random_sequence_of_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
