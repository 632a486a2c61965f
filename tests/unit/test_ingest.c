/* SPDX-License-Identifier: Apache-2.0 */
/* test_ingest.c: protobuf Report and ReportBatch bodies into the store: accepted reports, every
 * rejection with its exact reason and the store unchanged, sequence order, final reports and
 * expiry on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest.h"
#include "wsscale.pb-c.h"

static int64_t fake_now_ms;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now_ms;
}

#define MAX_TEST_LABELS 8
#define BODY_MAX        4096

/* A report under construction: the protobuf struct and storage for its labels. */
struct rep {
    Wsscale__V1__Report r;
    Wsscale__V1__Label labels[MAX_TEST_LABELS];
    Wsscale__V1__Label *label_ptrs[MAX_TEST_LABELS];
};

static void rep_init(struct rep *p, const char *ns, const char *pod, const char *uid)
{
    wsscale__v1__report__init(&p->r);
    p->r.namespace_ = (char *)(uintptr_t)ns;
    p->r.pod = (char *)(uintptr_t)pod;
    p->r.pod_uid = (char *)(uintptr_t)uid;
    p->r.source = WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM;
    p->r.source_state = WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK;
    p->r.active_connections = 42;
    p->r.sample_time_unix_ms = 1700000000000;
    p->r.interval_ms = 1000;
    p->r.sidecar_instance = 0xabcdef;
    p->r.sequence = 1;
    p->r.labels = p->label_ptrs;
}

static void rep_label(struct rep *p, const char *k, const char *v)
{
    assert_true(p->r.n_labels < MAX_TEST_LABELS);
    Wsscale__V1__Label *l = &p->labels[p->r.n_labels];
    wsscale__v1__label__init(l);
    l->key = (char *)(uintptr_t)k;
    l->value = (char *)(uintptr_t)v;
    p->label_ptrs[p->r.n_labels++] = l;
}

static size_t pack(const struct rep *p, uint8_t *buf)
{
    assert_true(wsscale__v1__report__get_packed_size(&p->r) <= BODY_MAX);
    return wsscale__v1__report__pack(&p->r, buf);
}

static size_t pack_batch(struct rep *reps, size_t n, uint8_t *buf)
{
    Wsscale__V1__ReportBatch b;
    wsscale__v1__report_batch__init(&b);
    Wsscale__V1__Report *ptrs[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &reps[i].r;
    b.reports = ptrs;
    b.n_reports = n;
    assert_true(wsscale__v1__report_batch__get_packed_size(&b) <= BODY_MAX);
    return wsscale__v1__report_batch__pack(&b, buf);
}

static int setup(void **state)
{
    fake_now_ms = 1000;
    struct store_config cfg = {.max_pods = 4, .now_ms = fake_clock};
    struct store *st = store_new(&cfg);
    if (!st)
        return -1;
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    store_free(*state);
    return 0;
}

struct seen {
    uint64_t conns;
    uint64_t sequence;
    int calls;
    bool is_servable;
    size_t nlabels;
};

static bool remember(const struct store_pod_view *p, void *arg)
{
    struct seen *s = arg;
    s->conns = p->active_connections;
    s->sequence = p->sequence;
    s->is_servable = p->is_servable;
    s->nlabels = p->nlabels;
    s->calls++;
    return true;
}

static struct seen find(struct store *st, const char *ns, const char *name)
{
    struct seen s = {0};
    store_find(st, ns, name, remember, &s);
    return s;
}

/* Puts ws/chat-1 (42 connections, sequence 5) in the store: the state every rejection must
 * leave alone. */
static void seed(struct store *st)
{
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-1", "uid-1");
    p.r.sequence = 5;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(
        ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), NULL, reason, sizeof(reason)),
        0);
    assert_string_equal(reason, "");
}

static void assert_seed_unchanged(struct store *st)
{
    assert_int_equal(store_count(st), 1);
    struct seen s = find(st, "ws", "chat-1");
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.conns, 42);
    assert_int_equal(s.sequence, 5);
}

static void accepts_a_report_with_labels(void **state)
{
    struct store *st = *state;
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-2", "uid-2");
    rep_label(&p, "app", "chat");
    rep_label(&p, "example.com/tier", "");
    struct store_apply_result res;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(
        ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), &res, reason, sizeof(reason)),
        0);
    assert_int_equal(res.stored, 1);
    struct seen s = find(st, "ws", "chat-2");
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.conns, 42);
    assert_int_equal(s.nlabels, 2);
    assert_true(s.is_servable);
}

static void accepts_a_batch(void **state)
{
    struct store *st = *state;
    struct rep p[3];
    uint8_t buf[BODY_MAX];
    rep_init(&p[0], "ws", "a", "ua");
    rep_init(&p[1], "ws", "b", "ub");
    rep_init(&p[2], "other", "c", "uc");
    struct store_apply_result res;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(ingest_body(st, NULL, INGEST_KIND_BATCH, buf, pack_batch(p, 3, buf), &res,
                                 reason, sizeof(reason)),
                     0);
    assert_int_equal(res.stored, 3);
    assert_int_equal(store_count(st), 3);
    assert_int_equal(find(st, "other", "c").calls, 1);
}

static void rejects_malformed_protobuf_and_changes_nothing(void **state)
{
    struct store *st = *state;
    seed(st);
    static const struct {
        const char *body;
        size_t len;
        enum ingest_kind kind;
        const char *reason;
    } cases[] = {
        {"\x0a\x05ws", 4, INGEST_KIND_REPORT, "body is not a valid protobuf wsscale.v1.Report"},
        {"\xff\xff\xff", 3, INGEST_KIND_REPORT, "body is not a valid protobuf wsscale.v1.Report"},
        {"\x0a\x02ws\x0f", 5, INGEST_KIND_REPORT, "body is not a valid protobuf wsscale.v1.Report"},
        {"\x0a\x03\x0a\x01", 4, INGEST_KIND_BATCH,
         "body is not a valid protobuf wsscale.v1.ReportBatch"},
        {"", 0, INGEST_KIND_BATCH, "reports: Required value: the batch is empty"},
        {"", 0, INGEST_KIND_REPORT,
         "namespace: Invalid value: \"\": a lowercase RFC 1123 label must consist of lower case "
         "alphanumeric characters or '-', and must start and end with an alphanumeric character "
         "(e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char reason[INGEST_REASON_LEN];
        assert_int_equal(ingest_body(st, NULL, cases[i].kind, (const uint8_t *)cases[i].body,
                                     cases[i].len, NULL, reason, sizeof(reason)),
                         INGEST_E_INVALID);
        assert_string_equal(reason, cases[i].reason);
        assert_seed_unchanged(st);
    }
}

static void rejects_oversized_body_and_batch(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p[3];
    uint8_t buf[BODY_MAX];
    for (size_t i = 0; i < 3; i++)
        rep_init(&p[i], "ws", "chat-1", "uid-1");
    size_t len = pack_batch(p, 3, buf);
    char reason[INGEST_REASON_LEN];
    struct ingest_limits small_body = {.max_body_bytes = len - 1};
    assert_int_equal(
        ingest_body(st, &small_body, INGEST_KIND_BATCH, buf, len, NULL, reason, sizeof(reason)),
        INGEST_E_TOO_LARGE);
    char want[128];
    snprintf(want, sizeof(want), "body of %zu bytes exceeds the limit of %zu bytes", len, len - 1);
    assert_string_equal(reason, want);
    assert_seed_unchanged(st);
    struct ingest_limits two = {.max_reports = 2};
    assert_int_equal(
        ingest_body(st, &two, INGEST_KIND_BATCH, buf, len, NULL, reason, sizeof(reason)),
        INGEST_E_TOO_LARGE);
    assert_string_equal(reason, "reports: Too many: 3: must have at most 2 items");
    assert_seed_unchanged(st);
}

#define DNS_LABEL_RULE                                                                             \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "     \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define SUBDOMAIN_RULE                                                                             \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_NAME_RULE                                                                            \
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "  \
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_RULE                                                                           \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', " \
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static void rejects_bad_names_and_labels_with_exact_reasons(void **state)
{
    struct store *st = *state;
    seed(st);
    static const struct {
        const char *ns, *pod, *uid, *key, *value, *key2;
        const char *reason;
    } cases[] = {
        {"Bad_NS", "p", "u", NULL, NULL, NULL,
         "namespace: Invalid value: \"Bad_NS\": " DNS_LABEL_RULE},
        {"ws", "-p", "u", NULL, NULL, NULL, "pod: Invalid value: \"-p\": " SUBDOMAIN_RULE},
        {"ws", "p", "", NULL, NULL, NULL, "pod_uid: Required value"},
        {"ws", "p", "a b", NULL, NULL, NULL,
         "pod_uid: Invalid value: must be printable ASCII without spaces"},
        {"ws", "p", "u", "-app", "x", NULL,
         "labels[0].key: Invalid value: \"-app\": " LABEL_NAME_RULE},
        {"ws", "p", "u", "app", "a b", NULL,
         "labels[0].value: Invalid value: \"a b\": " LABEL_VALUE_RULE},
        {"ws", "p", "u", "app", "x", "app", "labels[1].key: Duplicate value: \"app\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rep p;
        uint8_t buf[BODY_MAX];
        rep_init(&p, cases[i].ns, cases[i].pod, cases[i].uid);
        if (cases[i].key)
            rep_label(&p, cases[i].key, cases[i].value);
        if (cases[i].key2)
            rep_label(&p, cases[i].key2, "y");
        char reason[INGEST_REASON_LEN];
        assert_int_equal(ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), NULL, reason,
                                     sizeof(reason)),
                         INGEST_E_INVALID);
        assert_string_equal(reason, cases[i].reason);
        assert_seed_unchanged(st);
    }
}

static void rejects_label_count_and_bytes_over_limits(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-1", "uid-1");
    p.r.sequence = 9;
    rep_label(&p, "a", "12345");
    rep_label(&p, "b", "12345");
    rep_label(&p, "c", "12345");
    size_t len = pack(&p, buf);
    char reason[INGEST_REASON_LEN];
    struct ingest_limits two = {.max_labels = 2};
    assert_int_equal(
        ingest_body(st, &two, INGEST_KIND_REPORT, buf, len, NULL, reason, sizeof(reason)),
        INGEST_E_INVALID);
    assert_string_equal(reason, "labels: Too many: 3: must have at most 2 items");
    assert_seed_unchanged(st);
    struct ingest_limits bytes = {.max_label_bytes = 17};
    assert_int_equal(
        ingest_body(st, &bytes, INGEST_KIND_REPORT, buf, len, NULL, reason, sizeof(reason)),
        INGEST_E_INVALID);
    assert_string_equal(reason,
                        "labels: Too long: 18 bytes of keys and values: must be no more than 17");
    assert_seed_unchanged(st);
}

static void rejects_unknown_source_state(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-1", "uid-1");
    p.r.sequence = 9;
    p.r.source_state = 9;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(
        ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), NULL, reason, sizeof(reason)),
        INGEST_E_INVALID);
    assert_string_equal(reason, "source_state: Unsupported value: 9");
    assert_seed_unchanged(st);
}

static void one_bad_report_rejects_the_whole_batch(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p[2];
    uint8_t buf[BODY_MAX];
    rep_init(&p[0], "ws", "chat-1", "uid-1");
    p[0].r.sequence = 9;
    p[0].r.active_connections = 7;
    rep_init(&p[1], "ws", "ok-pod", "uid-x");
    rep_label(&p[1], "app", "has space");
    char reason[INGEST_REASON_LEN];
    assert_int_equal(ingest_body(st, NULL, INGEST_KIND_BATCH, buf, pack_batch(p, 2, buf), NULL,
                                 reason, sizeof(reason)),
                     INGEST_E_INVALID);
    assert_string_equal(
        reason, "reports[1].labels[0].value: Invalid value: \"has space\": " LABEL_VALUE_RULE);
    assert_seed_unchanged(st);
}

static void full_store_rejects_new_pods_and_changes_nothing(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p[4];
    uint8_t buf[BODY_MAX];
    static const char *const names[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        rep_init(&p[i], "ws", names[i], names[i]);
    char reason[INGEST_REASON_LEN];
    assert_int_equal(ingest_body(st, NULL, INGEST_KIND_BATCH, buf, pack_batch(p, 4, buf), NULL,
                                 reason, sizeof(reason)),
                     INGEST_E_FULL);
    assert_string_equal(reason, "the store holds its maximum of 4 pods");
    assert_seed_unchanged(st);
}

static void older_sequence_is_ignored_not_rejected(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-1", "uid-1");
    p.r.sequence = 4;
    p.r.active_connections = 1;
    struct store_apply_result res;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(
        ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), &res, reason, sizeof(reason)),
        0);
    assert_int_equal(res.ignored, 1);
    assert_int_equal(res.stored, 0);
    assert_seed_unchanged(st);
}

static void final_report_drops_the_pod(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-1", "uid-1");
    p.r.sequence = 6;
    p.r.final = 1;
    struct store_apply_result res;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(
        ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), &res, reason, sizeof(reason)),
        0);
    assert_int_equal(res.removed, 1);
    assert_int_equal(find(st, "ws", "chat-1").calls, 0);
    assert_int_equal(store_count(st), 0);
}

static void not_ok_state_is_stored_but_not_servable(void **state)
{
    struct store *st = *state;
    seed(st);
    struct rep p;
    uint8_t buf[BODY_MAX];
    rep_init(&p, "ws", "chat-1", "uid-1");
    p.r.sequence = 6;
    p.r.source_state = WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_ERROR;
    char reason[INGEST_REASON_LEN];
    assert_int_equal(
        ingest_body(st, NULL, INGEST_KIND_REPORT, buf, pack(&p, buf), NULL, reason, sizeof(reason)),
        0);
    struct seen s = find(st, "ws", "chat-1");
    assert_int_equal(s.calls, 1);
    assert_false(s.is_servable);
}

static void pod_expires_after_three_intervals_on_the_fake_clock(void **state)
{
    struct store *st = *state;
    seed(st); /* interval 1000 ms */
    fake_now_ms += 3000;
    assert_true(find(st, "ws", "chat-1").is_servable);
    fake_now_ms += 1;
    assert_false(find(st, "ws", "chat-1").is_servable);
    assert_int_equal(store_expire(st), 1);
    assert_int_equal(store_count(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accepts_a_report_with_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(accepts_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_malformed_protobuf_and_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rejects_oversized_body_and_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_bad_names_and_labels_with_exact_reasons, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rejects_label_count_and_bytes_over_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(rejects_unknown_source_state, setup, teardown),
        cmocka_unit_test_setup_teardown(one_bad_report_rejects_the_whole_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(full_store_rejects_new_pods_and_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(older_sequence_is_ignored_not_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(final_report_drops_the_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(not_ok_state_is_stored_but_not_servable, setup, teardown),
        cmocka_unit_test_setup_teardown(pod_expires_after_three_intervals_on_the_fake_clock, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
