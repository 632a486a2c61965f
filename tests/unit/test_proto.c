/* SPDX-License-Identifier: Apache-2.0 */
/* test_proto.c: the generated Report code packs and unpacks every field the adapter reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale.pb-c.h"

static void report_round_trips_every_field(void **state)
{
    (void)state;
    Wsscale__V1__Label app = WSSCALE__V1__LABEL__INIT;
    app.key = "app";
    app.value = "chat";
    Wsscale__V1__Label *labels[] = {&app};
    Wsscale__V1__Report r = WSSCALE__V1__REPORT__INIT;
    r.namespace_ = "demo";
    r.pod = "chat-7d9f-abcde";
    r.pod_uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    r.n_labels = 1;
    r.labels = labels;
    r.source = WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM;
    r.source_state = WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK;
    r.active_connections = 1234;
    r.has_totals = 1;
    r.opened_total = 5000;
    r.closed_total = 3766;
    r.sample_time_unix_ms = 1795805817123;
    r.interval_ms = 1000;
    r.sidecar_instance = 0xfeedfacecafebeefULL;
    r.sequence = 42;
    r.draining = 1;
    r.final = 1;

    size_t len = wsscale__v1__report__get_packed_size(&r);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(wsscale__v1__report__pack(&r, buf), len);

    Wsscale__V1__Report *back = wsscale__v1__report__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_string_equal(back->namespace_, "demo");
    assert_string_equal(back->pod, r.pod);
    assert_string_equal(back->pod_uid, r.pod_uid);
    assert_int_equal(back->n_labels, 1);
    assert_string_equal(back->labels[0]->key, "app");
    assert_string_equal(back->labels[0]->value, "chat");
    assert_int_equal(back->source, r.source);
    assert_int_equal(back->source_state, r.source_state);
    assert_int_equal(back->active_connections, 1234);
    assert_true(back->has_totals);
    assert_int_equal(back->opened_total, 5000);
    assert_int_equal(back->closed_total, 3766);
    assert_int_equal(back->sample_time_unix_ms, r.sample_time_unix_ms);
    assert_int_equal(back->interval_ms, 1000);
    assert_int_equal(back->sidecar_instance, r.sidecar_instance);
    assert_int_equal(back->sequence, 42);
    assert_true(back->draining);
    assert_true(back->final);
    wsscale__v1__report__free_unpacked(back, NULL);
    free(buf);
}

static void truncated_report_is_rejected(void **state)
{
    (void)state;
    Wsscale__V1__Report r = WSSCALE__V1__REPORT__INIT;
    r.namespace_ = "demo";
    r.pod = "chat-1";
    size_t len = wsscale__v1__report__get_packed_size(&r);
    uint8_t buf[64];
    assert_true(len <= sizeof(buf));
    wsscale__v1__report__pack(&r, buf);
    assert_null(wsscale__v1__report__unpack(NULL, len - 1, buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_round_trips_every_field),
        cmocka_unit_test(truncated_report_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
