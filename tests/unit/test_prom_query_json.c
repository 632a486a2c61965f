/* SPDX-License-Identifier: Apache-2.0 */
/* test_prom_query_json.c: Prometheus /api/v1/query replies read into samples: real-shaped
 * vectors, NaN/Inf/huge values per sample, and broken or refused replies with their exact texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "prom_query_json.h"

/* Storage sized by prom_query_json_caps, as the source sizes it. */
struct storage {
    struct prom_query_result res;
};

static void storage_init(struct storage *st, size_t len)
{
    size_t ns, nl, nt;
    prom_query_json_caps(len, &ns, &nl, &nt);
    st->res = (struct prom_query_result){
        .samples = calloc(ns, sizeof(struct prom_sample)),
        .samples_cap = ns,
        .labels = calloc(nl, sizeof(struct wss_label)),
        .labels_cap = nl,
        .text = malloc(nt),
        .text_cap = nt,
    };
    assert_non_null(st->res.samples);
    assert_non_null(st->res.labels);
    assert_non_null(st->res.text);
}

static void storage_free(struct storage *st)
{
    free(st->res.samples);
    free(st->res.labels);
    free(st->res.text);
}

static int read_str(const char *json, struct storage *st, struct wss_parse_err *err)
{
    storage_init(st, strlen(json));
    return prom_query_json_read(json, strlen(json), &st->res, err);
}

static const char *label(const struct prom_sample *s, const char *name)
{
    const struct wss_label *l = prom_sample_label(s, name);
    return l ? l->value : NULL;
}

/* What Prometheus 2.42 answers for websocket_connections{namespace="ws"} with two pods. */
static const char *const TWO_PODS =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
    "{\"metric\":{\"__name__\":\"websocket_connections\",\"instance\":\"127.0.0.1:9102\","
    "\"job\":\"sidecar\",\"namespace\":\"ws\",\"pod\":\"chat-0\",\"app\":\"chat\"},"
    "\"value\":[1700000000.123,\"42\"]},"
    "{\"metric\":{\"namespace\":\"ws\",\"pod\":\"chat-1\"},\"value\":[1700000001,\"0\"]}]}}";

static void success_vector_gives_each_series_labels_time_and_milli_value(void **state)
{
    (void)state;
    struct storage st;
    struct wss_parse_err err;
    assert_int_equal(read_str(TWO_PODS, &st, &err), (int)strlen(TWO_PODS));
    assert_int_equal(st.res.nsamples, 2);
    const struct prom_sample *a = &st.res.samples[0], *b = &st.res.samples[1];
    assert_int_equal(a->nlabels, 6);
    assert_string_equal(label(a, "__name__"), "websocket_connections");
    assert_string_equal(label(a, "pod"), "chat-0");
    assert_string_equal(label(a, "app"), "chat");
    assert_null(label(a, "absent"));
    assert_int_equal(a->timestamp_ms, 1700000000123LL);
    assert_int_equal(a->milli_value, 42000);
    assert_null(a->invalid_reason);
    assert_string_equal(label(b, "pod"), "chat-1");
    assert_int_equal(b->nlabels, 2);
    assert_int_equal(b->timestamp_ms, 1700000001000LL);
    assert_int_equal(b->milli_value, 0);
    storage_free(&st);
}

static void empty_vector_and_extra_fields_are_fine(void **state)
{
    (void)state;
    const char *const good[] = {
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
        "  {\"status\":\"success\",\"warnings\":[\"w\"],\"data\":{\"result\":[],"
        "\"resultType\":\"vector\",\"stats\":{}}}\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct storage st;
        struct wss_parse_err err;
        assert_int_equal(read_str(good[i], &st, &err), (int)strlen(good[i]));
        assert_int_equal(st.res.nsamples, 0);
        storage_free(&st);
    }
}

struct value_case {
    const char *text;
    int64_t milli;
    const char *reason;
};

static void values_become_milli_units_or_a_per_sample_reason(void **state)
{
    (void)state;
    const struct value_case cases[] = {
        {"3", 3000, NULL},
        {"1.5", 1500, NULL},
        {"0.0001", 1, NULL}, /* rounded up, as MilliValue() */
        {"-2", -2000, NULL}, /* Quantity allows it; the source refuses it */
        {"1e+06", 1000000000, NULL},
        {"9223372036854775807", 0, PROM_QUERY_JSON_TOO_LARGE},
        {"NaN", 0, PROM_QUERY_JSON_NAN},
        {"+Inf", 0, PROM_QUERY_JSON_INFINITE},
        {"-Inf", 0, PROM_QUERY_JSON_INFINITE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                 "{\"metric\":{\"pod\":\"p\"},\"value\":[1,\"%s\"]},"
                 "{\"metric\":{\"pod\":\"q\"},\"value\":[1,\"7\"]}]}}",
                 cases[i].text);
        struct storage st;
        struct wss_parse_err err;
        assert_int_equal(read_str(json, &st, &err), (int)strlen(json));
        assert_int_equal(st.res.nsamples, 2);
        assert_int_equal(st.res.samples[0].milli_value, cases[i].milli);
        if (cases[i].reason)
            assert_string_equal(st.res.samples[0].invalid_reason, cases[i].reason);
        else
            assert_null(st.res.samples[0].invalid_reason);
        assert_int_equal(st.res.samples[1].milli_value, 7000); /* one bad sample, not the reply */
        storage_free(&st);
    }
}

static void label_values_are_unescaped_copies(void **state)
{
    (void)state;
    const char *json = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                       "{\"metric\":{\"pod\":\"a\\\"b\\u003cc\",\"empty\":\"\"},"
                       "\"value\":[2.5,\"1\"]}]}}";
    struct storage st;
    struct wss_parse_err err;
    assert_int_equal(read_str(json, &st, &err), (int)strlen(json));
    assert_string_equal(label(&st.res.samples[0], "pod"), "a\"b<c");
    assert_int_equal(prom_sample_label(&st.res.samples[0], "pod")->value_len, 5);
    assert_string_equal(label(&st.res.samples[0], "empty"), "");
    assert_int_equal(st.res.samples[0].timestamp_ms, 2500);
    storage_free(&st);
}

struct bad_case {
    const char *json;
    const char *msg;
};

#define VEC(r) "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" r "]}}"

static void broken_or_refused_replies_fail_with_their_reason(void **state)
{
    (void)state;
    const struct bad_case cases[] = {
        {"", "reply is not JSON"},
        {"{\"status\":", "reply is not JSON"},
        {"<html>502 Bad Gateway</html>", "reply is not JSON"},
        {"{\"status\":\"success\"} x", "reply has bytes after the JSON"},
        {"[]", "reply is not a JSON object"},
        {"{\"data\":{}}", "reply has no \"status\" string"},
        {"{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error: "
         "unexpected character\"}",
         "Prometheus answered error (bad_data): 1:5: parse error: unexpected character"},
        {"{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in "
         "expression evaluation\"}",
         "Prometheus answered error (timeout): query timed out in expression evaluation"},
        {"{\"status\":\"error\"}", "Prometheus answered error (no errorType): no error"},
        {"{\"status\":\"pending\"}", "status \"pending\" is neither success nor error"},
        {"{\"status\":\"success\"}", "reply has no data.resultType and data.result"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
         "reply has no data.resultType and data.result"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
         "resultType \"matrix\" is not a vector"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}",
         "resultType \"scalar\" is not a vector"},
        {VEC("1"), "result 0: not an object"},
        {VEC("{\"value\":[1,\"1\"]}"), "result 0: no \"metric\" object"},
        {VEC("{\"metric\":{}}"), "result 0: no \"value\" array"},
        {VEC("{\"metric\":{},\"value\":[1]}"), "result 0: \"value\" is not [timestamp, \"value\"]"},
        {VEC("{\"metric\":{},\"value\":[\"1\",\"1\"]}"),
         "result 0: \"value\" is not [timestamp, \"value\"]"},
        {VEC("{\"metric\":{},\"value\":[1,1]}"),
         "result 0: \"value\" is not [timestamp, \"value\"]"},
        {VEC("{\"metric\":{},\"value\":[1,\"1\",2]}"),
         "result 0: \"value\" is not [timestamp, \"value\"]"},
        {VEC("{\"metric\":{},\"value\":[-1,\"1\"]}"), "result 0: timestamp out of range"},
        {VEC("{\"metric\":{},\"value\":[1e300,\"1\"]}"), "result 0: timestamp out of range"},
        {VEC("{\"metric\":{},\"value\":[1,\"1\"]},{\"metric\":{},\"value\":[1,\"abc\"]}"),
         "result 1: value \"abc\" is not a number"},
        {VEC("{\"metric\":{},\"value\":[1,\"1.\"]}"), "result 0: value \"1.\" is not a number"},
        {VEC("{\"metric\":{},\"value\":[1,\"inf\"]}"), "result 0: value \"inf\" is not a number"},
        {VEC("{\"metric\":{},\"value\":[1,\"1k\"]}"), "result 0: value \"1k\" is not a number"},
        {VEC("{\"metric\":{\"pod\":1},\"value\":[1,\"1\"]}"),
         "result 0: label pod is not a string"},
        {VEC("{\"metric\":{\"\":\"x\"},\"value\":[1,\"1\"]}"), "result 0: an empty label name"},
        {VEC("{\"metric\":{\"pod\":\"a\",\"pod\":\"b\"},\"value\":[1,\"1\"]}"),
         "result 0: label pod appears twice"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct storage st;
        struct wss_parse_err err;
        int rc = read_str(cases[i].json, &st, &err);
        if (rc != WSS_PARSE_INVALID || strcmp(err.msg, cases[i].msg) != 0)
            fail_msg("case %zu: rc %d, msg \"%s\", want \"%s\"", i, rc,
                     rc == WSS_PARSE_INVALID ? err.msg : "", cases[i].msg);
        assert_int_equal(st.res.nsamples, 0);
        assert_int_equal(st.res.nlabels, 0);
        storage_free(&st);
    }
}

static void not_json_reports_the_offset_where_it_broke(void **state)
{
    (void)state;
    struct storage st;
    struct wss_parse_err err;
    assert_int_equal(read_str("{\"status\": x}", &st, &err), WSS_PARSE_INVALID);
    assert_int_equal(err.offset, 11);
    storage_free(&st);
}

/* Builds a one-series vector whose metric object is labels_json. */
static char *one_series(const char *labels_json)
{
    size_t n = strlen(labels_json) + 128;
    char *j = malloc(n);
    assert_non_null(j);
    snprintf(j, n, VEC("{\"metric\":{%s},\"value\":[1,\"1\"]}"), labels_json);
    return j;
}

static void bounds_on_label_count_and_size_are_enforced(void **state)
{
    (void)state;
    char big[PROM_QUERY_JSON_MAX_LABEL_BYTES + 16];
    memset(big, 'x', sizeof(big));
    big[PROM_QUERY_JSON_MAX_LABEL_BYTES + 1] = '\0'; /* one byte too long */
    char labels[PROM_QUERY_JSON_MAX_LABEL_BYTES + 64];
    snprintf(labels, sizeof(labels), "\"pod\":\"%s\"", big);
    char *j = one_series(labels);
    struct storage st;
    struct wss_parse_err err;
    assert_int_equal(read_str(j, &st, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "result 0: a label longer than 1024 bytes");
    storage_free(&st);
    free(j);

    big[PROM_QUERY_JSON_MAX_LABEL_BYTES] = '\0'; /* exactly the limit */
    snprintf(labels, sizeof(labels), "\"pod\":\"%s\"", big);
    j = one_series(labels);
    assert_int_equal(read_str(j, &st, &err), (int)strlen(j));
    storage_free(&st);
    free(j);

    char many[(PROM_QUERY_JSON_MAX_LABELS + 1) * 16] = "";
    for (int i = 0; i <= PROM_QUERY_JSON_MAX_LABELS; i++) {
        char one[16];
        snprintf(one, sizeof(one), "%s\"l%d\":\"v\"", i ? "," : "", i);
        strcat(many, one);
    }
    j = one_series(many);
    assert_int_equal(read_str(j, &st, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "result 0: more than 64 labels");
    storage_free(&st);
    free(j);
}

static void storage_smaller_than_caps_is_refused_not_overrun(void **state)
{
    (void)state;
    struct prom_sample samples[1];
    struct wss_label labels[8];
    char text[256];
    struct prom_query_result res = {samples, 1, 0, labels, 8, 0, text, sizeof(text), 0};
    struct wss_parse_err err;
    assert_int_equal(prom_query_json_read(TWO_PODS, strlen(TWO_PODS), &res, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "result 1: more samples than the room given");
    res = (struct prom_query_result){samples, 1, 0, labels, 2, 0, text, sizeof(text), 0};
    assert_int_equal(prom_query_json_read(TWO_PODS, strlen(TWO_PODS), &res, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "result 0: more labels than the room given");
    res = (struct prom_query_result){samples, 1, 0, labels, 8, 0, text, 20, 0};
    assert_int_equal(prom_query_json_read(TWO_PODS, strlen(TWO_PODS), &res, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "result 0: more label text than the room given");
    assert_int_equal(res.nsamples, 0);
}

static void reply_longer_than_the_bound_is_refused_before_parsing(void **state)
{
    (void)state;
    struct prom_query_result res = {0};
    struct wss_parse_err err;
    assert_int_equal(prom_query_json_read("{}", (size_t)PROM_QUERY_JSON_MAX_BYTES + 1, &res, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "reply longer than 8388608 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_vector_gives_each_series_labels_time_and_milli_value),
        cmocka_unit_test(empty_vector_and_extra_fields_are_fine),
        cmocka_unit_test(values_become_milli_units_or_a_per_sample_reason),
        cmocka_unit_test(label_values_are_unescaped_copies),
        cmocka_unit_test(broken_or_refused_replies_fail_with_their_reason),
        cmocka_unit_test(not_json_reports_the_offset_where_it_broke),
        cmocka_unit_test(bounds_on_label_count_and_size_are_enforced),
        cmocka_unit_test(storage_smaller_than_caps_is_refused_not_overrun),
        cmocka_unit_test(reply_longer_than_the_bound_is_refused_before_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
