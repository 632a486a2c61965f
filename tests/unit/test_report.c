/* SPDX-License-Identifier: Apache-2.0 */
/* test_report.c: samples packed as wsscale.v1.Report and unpacked again with protobuf-c: every
 * field, counts withheld for states that carry none, source kinds, and the label limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "report.h"
#include "wsscale.pb-c.h"

static const struct report_label labels[] = {{"app", "chat"}, {"pod-template-hash", ""}};

static const struct report_identity identity = {
    .ns = "default",
    .pod = "chat-7d9f-abcde",
    .uid = "0b5a2c1e-8f8e-4d55-9c3a-7e2f6d1b9a10",
    .labels = labels,
    .nlabels = 2,
};

static Wsscale__V1__Report *roundtrip(const struct sample *s, const struct report_meta *m)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(report_pack(&identity, s, m, &buf, &len), 0);
    Wsscale__V1__Report *r = wsscale__v1__report__unpack(NULL, len, buf);
    free(buf);
    assert_non_null(r);
    return r;
}

static void ok_sample_carries_every_field(void **state)
{
    (void)state;
    struct sample s = {.kind = "shm", .time_unix_ms = INT64_C(1700000000123), .is_draining = true};
    s.src = (struct source_sample){.state = SOURCE_OK,
                                   .active = 42,
                                   .has_totals = true,
                                   .opened_total = 100,
                                   .closed_total = 58};
    struct report_meta m = {.interval_ms = 1000,
                            .instance = UINT64_C(0xfedcba9876543210),
                            .sequence = 7,
                            .is_final = true};
    Wsscale__V1__Report *r = roundtrip(&s, &m);
    assert_string_equal(r->namespace_, "default");
    assert_string_equal(r->pod, "chat-7d9f-abcde");
    assert_string_equal(r->pod_uid, "0b5a2c1e-8f8e-4d55-9c3a-7e2f6d1b9a10");
    assert_int_equal(r->n_labels, 2);
    assert_string_equal(r->labels[0]->key, "app");
    assert_string_equal(r->labels[0]->value, "chat");
    assert_string_equal(r->labels[1]->key, "pod-template-hash");
    assert_string_equal(r->labels[1]->value, "");
    assert_int_equal(r->source, WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM);
    assert_int_equal(r->source_state, WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK);
    assert_int_equal(r->active_connections, 42);
    assert_true(r->has_totals);
    assert_int_equal(r->opened_total, 100);
    assert_int_equal(r->closed_total, 58);
    assert_int_equal(r->sample_time_unix_ms, INT64_C(1700000000123));
    assert_int_equal(r->interval_ms, 1000);
    assert_int_equal(r->sidecar_instance, UINT64_C(0xfedcba9876543210));
    assert_int_equal(r->sequence, 7);
    assert_true(r->draining);
    assert_true(r->final);
    wsscale__v1__report__free_unpacked(r, NULL);
}

static void states_without_a_count_send_no_count(void **state)
{
    (void)state;
    static const struct {
        enum source_state st;
        Wsscale__V1__SourceState want;
    } cases[] = {
        {SOURCE_STALE, WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_STALE},
        {SOURCE_MISSING, WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_MISSING},
        {SOURCE_ERROR, WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* A source that left numbers behind must not leak them into a report. */
        struct sample s = {.kind = "scrape"};
        s.src = (struct source_sample){
            .state = cases[i].st, .active = 9, .has_totals = true, .opened_total = 9};
        struct report_meta m = {.interval_ms = 500, .instance = 1, .sequence = 1};
        Wsscale__V1__Report *r = roundtrip(&s, &m);
        assert_int_equal(r->source_state, cases[i].want);
        assert_int_equal(r->source, WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SCRAPE);
        assert_int_equal(r->active_connections, 0);
        assert_false(r->has_totals);
        assert_int_equal(r->opened_total, 0);
        assert_false(r->final);
        assert_false(r->draining);
        wsscale__v1__report__free_unpacked(r, NULL);
    }
}

static void source_kinds_map_to_the_enum(void **state)
{
    (void)state;
    static const struct {
        const char *kind;
        Wsscale__V1__SourceKind want;
    } cases[] = {
        {"shm", WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM},
        {"socket", WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SOCKET},
        {"scrape", WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SCRAPE},
        {"other", WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_UNSPECIFIED},
        {NULL, WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_UNSPECIFIED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sample s = {.kind = cases[i].kind, .src = {.state = SOURCE_OK, .active = 1}};
        struct report_meta m = {.sequence = 1};
        Wsscale__V1__Report *r = roundtrip(&s, &m);
        assert_int_equal(r->source, cases[i].want);
        assert_false(r->has_totals);
        wsscale__v1__report__free_unpacked(r, NULL);
    }
}

static void too_many_labels_is_refused(void **state)
{
    (void)state;
    static struct report_label many[REPORT_MAX_LABELS + 1];
    for (size_t i = 0; i < REPORT_MAX_LABELS + 1; i++)
        many[i] = (struct report_label){"k", "v"};
    struct report_identity id = identity;
    id.labels = many;
    id.nlabels = REPORT_MAX_LABELS + 1;
    struct sample s = {.kind = "shm", .src = {.state = SOURCE_OK}};
    struct report_meta m = {0};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(report_pack(&id, &s, &m, &buf, &len), -EINVAL);
    assert_null(buf);
    id.nlabels = REPORT_MAX_LABELS;
    assert_int_equal(report_pack(&id, &s, &m, &buf, &len), 0);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ok_sample_carries_every_field),
        cmocka_unit_test(states_without_a_count_send_no_count),
        cmocka_unit_test(source_kinds_map_to_the_enum),
        cmocka_unit_test(too_many_labels_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
