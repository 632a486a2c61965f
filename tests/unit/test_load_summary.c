/* SPDX-License-Identifier: Apache-2.0 */
/* test_load_summary.c: wsscale-load's stats and report: error and close-code counting, merging
 * two workers, the JSON fields scripts rely on, the text lines, and the failure rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "load_summary.h"

static struct load_stats *new_stats(void)
{
    struct load_stats *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    return s;
}

static const struct load_summary_info echo_info = {
    .mode = "echo",
    .connections = 10,
    .nurls = 2,
    .measured_ms = 2000,
    .elapsed_ms = 2100,
    .open_at_stop = 9,
    .max_errors = 0,
};

static double num(const cJSON *o, const char *path)
{
    /* path: "a.b.c" */
    char buf[128];
    strncpy(buf, path, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    const cJSON *cur = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
        if (cur == NULL)
            fail_msg("missing %s", path);
    }
    assert_true(cJSON_IsNumber(cur));
    return cur->valuedouble;
}

static void errors_keep_the_first_example_as_one_line(void **state)
{
    (void)state;
    struct load_stats *s = new_stats();
    struct load_live live = {0};
    load_stats_error(s, &live, LOAD_ERR_HANDSHAKE_FAILED, "server answered 404\ninjected");
    load_stats_error(s, &live, LOAD_ERR_HANDSHAKE_FAILED, "second");
    load_stats_error(s, NULL, LOAD_ERR_ABRUPT_CLOSE, NULL);
    load_stats_error(s, NULL, LOAD_ERR_KINDS, "ignored");
    assert_int_equal(s->errors[LOAD_ERR_HANDSHAKE_FAILED], 2);
    assert_int_equal(s->errors[LOAD_ERR_ABRUPT_CLOSE], 1);
    assert_int_equal(load_stats_error_total(s), 3);
    assert_int_equal(atomic_load(&live.errors), 2);
    assert_string_equal(s->examples[LOAD_ERR_HANDSHAKE_FAILED], "server answered 404?injected");
    assert_string_equal(s->examples[LOAD_ERR_ABRUPT_CLOSE], "");
    assert_string_equal(load_stats_error_name(LOAD_ERR_CONNECT_REFUSED), "connect_refused");
    assert_string_equal(load_stats_error_name(LOAD_ERR_CLOSE_TIMEOUT), "close_timeout");
    assert_string_equal(load_stats_error_name(LOAD_ERR_KINDS), "unknown");
    free(s);
}

static void close_codes_past_the_table_go_to_other(void **state)
{
    (void)state;
    struct load_stats *s = new_stats();
    for (uint16_t i = 0; i < LOAD_STATS_CLOSE_CODES + 3; i++)
        load_stats_close_code(s, (uint16_t)(4000 + i), 1000u * i);
    load_stats_close_code(s, 4000, 5);
    assert_int_equal(s->nclose_codes, LOAD_STATS_CLOSE_CODES);
    assert_int_equal(s->close_codes_other, 3);
    assert_int_equal(s->close_codes[0].count, 2);
    assert_int_equal(s->close_codes[0].at_us.min_us, 0);
    assert_int_equal(s->close_codes[0].at_us.max_us, 5);
    free(s);
}

static void merge_adds_counters_histograms_and_codes(void **state)
{
    (void)state;
    struct load_stats *a = new_stats(), *b = new_stats();
    a->opened = 3;
    b->opened = 4;
    a->msgs_sent = 10;
    b->msgs_sent = 5;
    load_stats_error(b, NULL, LOAD_ERR_PROTOCOL, "masked frame from a server");
    load_stats_close_code(a, 1001, 1000000);
    load_stats_close_code(b, 1001, 3000000);
    load_stats_close_code(b, 1011, 2000000);
    latency_hist_record(&a->rtt_us, 100);
    latency_hist_record(&b->rtt_us, 300);
    load_stats_merge(a, b);
    assert_int_equal(a->opened, 7);
    assert_int_equal(a->msgs_sent, 15);
    assert_int_equal(a->errors[LOAD_ERR_PROTOCOL], 1);
    assert_string_equal(a->examples[LOAD_ERR_PROTOCOL], "masked frame from a server");
    assert_int_equal(a->nclose_codes, 2);
    assert_int_equal(a->close_codes[0].code, 1001);
    assert_int_equal(a->close_codes[0].count, 2);
    assert_int_equal(a->close_codes[0].at_us.max_us, 3000000);
    assert_int_equal(a->close_codes[1].code, 1011);
    assert_int_equal(a->rtt_us.count, 2);
    free(a);
    free(b);
}

static void json_report_has_the_documented_fields(void **state)
{
    (void)state;
    struct load_stats *s = new_stats();
    s->attempts = 12;
    s->opened = 10;
    s->reconnects = 2;
    s->closed_by_us = 9;
    s->closed_by_server = 1;
    s->msgs_sent = 400;
    s->msgs_received = 398;
    for (uint64_t v = 1; v <= 100; v++) {
        latency_hist_record(&s->rtt_us, v * 10);
        latency_hist_record(&s->connect_us, v * 100);
    }
    for (uint64_t i = 0; i < 10; i++)
        load_stats_close_code(s, 1001, 1000000 + i * 200000);
    load_stats_error(s, NULL, LOAD_ERR_ABRUPT_CLOSE, "server closed TCP without a Close frame");

    struct wss_strbuf out = {0};
    assert_int_equal(load_summary_json(s, &echo_info, &out), 0);
    assert_int_equal(out.data[out.len - 1], '\n');
    assert_null(memchr(out.data, '\n', out.len - 1)); /* one line */
    cJSON *doc = cJSON_Parse(out.data);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "mode")->valuestring, "echo");
    assert_true(num(doc, "connections") == 10);
    assert_true(num(doc, "urls") == 2);
    assert_true(num(doc, "duration_s") == 2.0);
    assert_true(num(doc, "open_at_stop") == 9);
    assert_true(num(doc, "opened") == 10 && num(doc, "reconnects") == 2);
    assert_true(num(doc, "messages.sent") == 400 && num(doc, "messages.received") == 398);
    assert_true(num(doc, "messages.received_per_s") == 199);
    assert_true(num(doc, "rtt_ms.count") == 100);
    double p50 = num(doc, "rtt_ms.p50"), p99 = num(doc, "rtt_ms.p99");
    assert_true(p50 >= 0.5 && p50 <= 0.52);
    assert_true(p99 >= 0.99 && p99 <= 1.0);
    assert_true(num(doc, "rtt_ms.max") == 1.0);
    assert_true(num(doc, "connect_ms.p90") >= 9.0);
    assert_true(num(doc, "close_codes.1001.count") == 10);
    assert_true(num(doc, "close_codes.1001.first_s") == 1.0);
    assert_true(num(doc, "close_codes.1001.last_s") == 2.8);
    assert_true(num(doc, "close_codes.1001.p50_s") >= 1.8);
    assert_true(num(doc, "errors.total") == 1 && num(doc, "errors.abrupt_close") == 1);
    assert_true(num(doc, "errors.connect_refused") == 0);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "error_examples"), "abrupt_close")
            ->valuestring,
        "server closed TCP without a Close frame");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "ok")));
    assert_null(cJSON_GetObjectItem(doc, "delivery_ms"));
    cJSON_Delete(doc);
    wss_strbuf_free(&out);
    free(s);
}

static void hold_mode_has_no_message_latency_and_room_names_it_delivery(void **state)
{
    (void)state;
    struct load_stats *s = new_stats();
    struct load_summary_info info = echo_info;
    struct wss_strbuf out = {0};
    info.mode = "hold";
    assert_int_equal(load_summary_json(s, &info, &out), 0);
    cJSON *doc = cJSON_Parse(out.data);
    assert_non_null(doc);
    assert_null(cJSON_GetObjectItem(doc, "rtt_ms"));
    assert_null(cJSON_GetObjectItem(doc, "delivery_ms"));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok")));
    cJSON_Delete(doc);
    wss_strbuf_reset(&out);
    info.mode = "room";
    assert_int_equal(load_summary_json(s, &info, &out), 0);
    doc = cJSON_Parse(out.data);
    assert_non_null(cJSON_GetObjectItem(doc, "delivery_ms"));
    cJSON_Delete(doc);
    wss_strbuf_free(&out);
    free(s);
}

static void text_report_names_latencies_codes_and_errors(void **state)
{
    (void)state;
    struct load_stats *s = new_stats();
    struct wss_strbuf out = {0};
    s->opened = 10;
    latency_hist_record(&s->rtt_us, 1500);
    load_stats_close_code(s, 1001, 2500000);
    load_stats_error(s, NULL, LOAD_ERR_CONNECT_REFUSED, "connect: Connection refused");
    assert_int_equal(load_summary_text(s, &echo_info, &out), 0);
    assert_non_null(strstr(out.data, "wsscale-load: mode echo, 10 connections to 2 URLs, 2.0 s\n"));
    assert_non_null(strstr(out.data, "  message RTT       p50 1.500  p90 1.500  p99 1.500  max "
                                     "1.500 ms  (n=1)\n"));
    assert_non_null(strstr(out.data, "  close codes       1001 x1 (2.50-2.50 s)\n"));
    assert_non_null(strstr(out.data, "    connect_refused  1  (e.g. connect: Connection refused)"));
    assert_non_null(strstr(out.data, "  result            FAIL\n"));

    struct load_summary_info lenient = echo_info;
    lenient.max_errors = 1;
    assert_false(load_summary_is_failed(s, &lenient));
    assert_true(load_summary_is_failed(s, &echo_info));
    wss_strbuf_free(&out);
    free(s);
}

static void a_lost_process_fails_the_run_and_is_reported(void **state)
{
    (void)state;
    struct load_stats *s = new_stats();
    struct load_summary_info info = echo_info;
    struct wss_strbuf out = {0};
    info.processes = 3;
    assert_int_equal(load_summary_text(s, &info, &out), 0);
    assert_non_null(strstr(out.data, "  processes         3, lost 0\n"));
    assert_false(load_summary_is_failed(s, &info));

    info.processes_lost = 1;
    wss_strbuf_reset(&out);
    assert_int_equal(load_summary_json(s, &info, &out), 0);
    cJSON *doc = cJSON_Parse(out.data);
    assert_non_null(doc);
    assert_true(num(doc, "processes") == 3 && num(doc, "processes_lost") == 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "ok")));
    assert_true(load_summary_is_failed(s, &info));
    cJSON_Delete(doc);

    /* One process: no processes line in the text; JSON says 1. */
    wss_strbuf_reset(&out);
    assert_int_equal(load_summary_text(s, &echo_info, &out), 0);
    assert_null(strstr(out.data, "processes"));
    wss_strbuf_reset(&out);
    assert_int_equal(load_summary_json(s, &echo_info, &out), 0);
    doc = cJSON_Parse(out.data);
    assert_true(num(doc, "processes") == 1 && num(doc, "processes_lost") == 0);
    cJSON_Delete(doc);
    wss_strbuf_free(&out);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_keep_the_first_example_as_one_line),
        cmocka_unit_test(close_codes_past_the_table_go_to_other),
        cmocka_unit_test(merge_adds_counters_histograms_and_codes),
        cmocka_unit_test(json_report_has_the_documented_fields),
        cmocka_unit_test(hold_mode_has_no_message_latency_and_room_names_it_delivery),
        cmocka_unit_test(text_report_names_latencies_codes_and_errors),
        cmocka_unit_test(a_lost_process_fails_the_run_and_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
