/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics_reader.c: decoding the adapter's MetricValueList as the HPA reads it: names and
 * MilliValue()s of the items, and each malformed reply refused with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "metrics_reader.h"

static struct metrics_reply reply; /* large: off the stack */

static void reads_names_and_milli_values(void **state)
{
    (void)state;
    static const char body[] =
        "{\"kind\":\"MetricValueList\",\"apiVersion\":\"custom.metrics.k8s.io/v1beta2\","
        "\"metadata\":{},\"items\":["
        "{\"describedObject\":{\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"chat-a\"},"
        "\"metric\":{\"name\":\"websocket_connections\"},\"value\":\"120\"},"
        "{\"describedObject\":{\"kind\":\"Pod\",\"name\":\"chat-b\"},\"value\":\"1500m\"},"
        "{\"describedObject\":{\"kind\":\"Pod\",\"name\":\"chat-c\"},\"value\":\"2k\"}]}";
    assert_int_equal(metrics_reader_parse(body, strlen(body), &reply), 0);
    assert_int_equal(reply.n, 3);
    assert_string_equal(reply.items[0].name, "chat-a");
    assert_int_equal(reply.items[0].milli_value, 120000);
    assert_string_equal(reply.items[1].name, "chat-b");
    assert_int_equal(reply.items[1].milli_value, 1500);
    assert_int_equal(reply.items[2].milli_value, 2000000);
    assert_string_equal(reply.error, "");
}

static void an_empty_list_is_no_items(void **state)
{
    (void)state;
    static const char body[] = "{\"kind\":\"MetricValueList\",\"items\":[]}";
    assert_int_equal(metrics_reader_parse(body, strlen(body), &reply), 0);
    assert_int_equal(reply.n, 0);
}

static void refuses_malformed_replies_with_a_reason(void **state)
{
    (void)state;
    static const struct {
        const char *body, *error;
    } cases[] = {
        {"", "the reply is not JSON"},
        {"{\"kind\":", "the reply is not JSON"},
        {"{\"kind\":\"Status\",\"message\":\"no\"}", "the reply is not a MetricValueList"},
        {"{\"kind\":\"MetricValueList\",\"items\":{}}", "the reply is not a MetricValueList"},
        {"{\"kind\":\"MetricValueList\",\"items\":[{\"value\":\"1\"}]}",
         "an item without describedObject.name or value"},
        {"{\"kind\":\"MetricValueList\",\"items\":[{\"describedObject\":{\"name\":\"a\"},"
         "\"value\":1}]}",
         "an item without describedObject.name or value"},
        {"{\"kind\":\"MetricValueList\",\"items\":[{\"describedObject\":{\"name\":\"a\"},"
         "\"value\":\"12 apples\"}]}",
         "a bad Quantity: 12 apples"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(metrics_reader_parse(cases[i].body, strlen(cases[i].body), &reply), -1);
        assert_string_equal(reply.error, cases[i].error);
        assert_int_equal(reply.n, 0);
    }
}

static void refuses_more_items_than_it_keeps(void **state)
{
    (void)state;
    static char body[64 * 1024];
    size_t len = (size_t)snprintf(body, sizeof(body), "{\"kind\":\"MetricValueList\",\"items\":[");
    for (int i = 0; i <= METRICS_READER_MAX_ITEMS; i++)
        len += (size_t)snprintf(body + len, sizeof(body) - len,
                                "%s{\"describedObject\":{\"name\":\"p%d\"},\"value\":\"1\"}",
                                i ? "," : "", i);
    len += (size_t)snprintf(body + len, sizeof(body) - len, "]}");
    assert_int_equal(metrics_reader_parse(body, len, &reply), -1);
    assert_string_equal(reply.error, "too many items");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_names_and_milli_values),
        cmocka_unit_test(an_empty_list_is_no_items),
        cmocka_unit_test(refuses_malformed_replies_with_a_reason),
        cmocka_unit_test(refuses_more_items_than_it_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
