/* SPDX-License-Identifier: Apache-2.0 */
/* test_store.c: the adapter's pod store: updates by UID, sequence order, final reports, expiry
 * on a fake clock, the pod cap and label limits (all or nothing), and readers beside a writer. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
