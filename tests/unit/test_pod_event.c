/* SPDX-License-Identifier: Apache-2.0 */
/* test_pod_event.c: the pod watch event and PodList readers: events as the apiserver writes
 * them (ADDED, MODIFIED with a phase, DELETED with deletionTimestamp, BOOKMARK, the 410 ERROR),
 * broken ones with their exact error text, LIST pages with and without a continue token, and
 * which pods count as gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pod_event.h"

#define POD(uid, rv, extra_meta, phase)                                                            \
    "{\"metadata\":{\"name\":\"ws-0\",\"namespace\":\"ws\",\"uid\":\"" uid "\","                   \
    "\"resourceVersion\":\"" rv "\"" extra_meta "},\"spec\":{\"containers\":[]},"                  \
    "\"status\":{\"phase\":\"" phase "\"}}"

struct parsed {
    struct pod_event ev;
    char text[4096];
};

static int parse(const char *line, struct parsed *p, struct wss_parse_err *err)
{
    memset(p, 0, sizeof(*p));
    p->ev.text = p->text;
    p->ev.text_cap = sizeof(p->text);
    return pod_event_parse(line, strlen(line), &p->ev, err);
}

static void events_are_read_as_the_apiserver_writes_them(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        enum pod_event_type type;
        const char *uid, *rv, *phase;
        bool has_deletion, is_gone;
        int code;
    } cases[] = {
        {"{\"type\":\"ADDED\",\"object\":" POD("u-1", "101", "", "Running") "}", POD_EVENT_ADDED,
         "u-1", "101", "Running", false, false, 0},
        {"{\"type\":\"MODIFIED\",\"object\":" POD("u-1", "102", "", "Failed") "}",
         POD_EVENT_MODIFIED, "u-1", "102", "Failed", false, true, 0},
        {"{\"type\":\"MODIFIED\",\"object\":" POD("u-1", "103", "", "Succeeded") "}",
         POD_EVENT_MODIFIED, "u-1", "103", "Succeeded", false, true, 0},
        {"{\"type\":\"MODIFIED\",\"object\":" POD(
             "u-1", "104", ",\"deletionTimestamp\":\"2026-11-28T01:00:00Z\"", "Running") "}",
         POD_EVENT_MODIFIED, "u-1", "104", "Running", true, false, 0},
        {"{\"type\":\"DELETED\",\"object\":" POD(
             "u-1", "105", ",\"deletionTimestamp\":\"2026-11-28T01:00:00Z\"", "Running") "}",
         POD_EVENT_DELETED, "u-1", "105", "Running", true, true, 0},
        {"{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":"
         "{\"resourceVersion\":\"12746\",\"creationTimestamp\":null},\"spec\":{\"containers\":"
         "null},\"status\":{}}}",
         POD_EVENT_BOOKMARK, "", "12746", "", false, false, 0},
        {"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":"
         "{},\"status\":\"Failure\",\"message\":\"too old resource version: 5 (99)\",\"reason\":"
         "\"Expired\",\"code\":410}}",
         POD_EVENT_ERROR, "", "", "", false, false, 410},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        struct wss_parse_err err = {0};
        assert_int_equal(parse(cases[i].line, &p, &err), (int)strlen(cases[i].line));
        assert_int_equal(p.ev.type, cases[i].type);
        assert_string_equal(p.ev.uid, cases[i].uid);
        assert_string_equal(p.ev.resource_version, cases[i].rv);
        assert_string_equal(p.ev.phase, cases[i].phase);
        assert_int_equal(p.ev.has_deletion_timestamp, cases[i].has_deletion);
        assert_int_equal(pod_event_is_gone(&p.ev), cases[i].is_gone);
        assert_int_equal(p.ev.code, cases[i].code);
        if (cases[i].type == POD_EVENT_ADDED) {
            assert_string_equal(p.ev.ns, "ws");
            assert_string_equal(p.ev.name, "ws-0");
        }
        if (cases[i].code == 410)
            assert_string_equal(p.ev.message, "too old resource version: 5 (99)");
    }
}

static void broken_events_are_refused_with_the_field_named(void **state)
{
    (void)state;
    static const struct {
        const char *line, *msg;
    } cases[] = {
        {"", "the event is not JSON"},
        {"{\"type\":\"ADDED\"", "the event is not JSON"},
        {"[1]", "the event is not a JSON object"},
        {"{\"object\":{}}", "type: missing"},
        {"{\"type\":7,\"object\":{}}", "type: not a string"},
        {"{\"type\":\"RENAMED\",\"object\":{}}", "type: unknown event type \"RENAMED\""},
        {"{\"type\":\"ADDED\"}", "object: missing"},
        {"{\"type\":\"ADDED\",\"object\":[]}", "object: not an object"},
        {"{\"type\":\"ADDED\",\"object\":{}}", "object.metadata: missing"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}}}",
         "object.metadata.uid: missing"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"\"}}}",
         "object.metadata.uid: empty"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":5}}}",
         "object.metadata.uid: not a string"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"u\"}}}",
         "object.metadata.resourceVersion: missing"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"u\",\"resourceVersion\":\"1\","
         "\"deletionTimestamp\":1}}}",
         "object.metadata.deletionTimestamp: not a string"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"u\",\"resourceVersion\":\"1\"},"
         "\"status\":{\"phase\":1}}}",
         "object.status.phase: not a string"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":\"u\",\"resourceVersion\":\"1\"},"
         "\"status\":\"x\"}}",
         "object.status: not an object"},
        {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"uid\":"
         "\"0123456789012345678901234567890123"
         "45678901234567890123456789ABCDE\",\"resourceVersion\":\"1\"}}}",
         "object.metadata.uid: longer than 64 bytes"},
        {"{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{}}}",
         "object.metadata.resourceVersion: missing"},
        {"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\"}}", "object.code: missing"},
        {"{\"type\":\"ERROR\",\"object\":{\"code\":410.5}}", "object.code: not an integer"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        struct wss_parse_err err = {0};
        assert_int_equal(parse(cases[i].line, &p, &err), WSS_PARSE_INVALID);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(p.ev.type, 0);
        assert_string_equal(p.ev.uid, "");
    }
}

static void too_small_text_is_refused_not_overrun(void **state)
{
    (void)state;
    const char *line = "{\"type\":\"ADDED\",\"object\":" POD("u-1", "101", "", "Running") "}";
    char text[6];
    struct pod_event ev = {.text = text, .text_cap = sizeof(text)};
    struct wss_parse_err err = {0};
    assert_int_equal(pod_event_parse(line, strlen(line), &ev, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "object.metadata.resourceVersion: out of room for the values");
}

static void oversized_event_is_refused_unread(void **state)
{
    (void)state;
    struct parsed p;
    memset(&p, 0, sizeof(p));
    p.ev.text = p.text;
    p.ev.text_cap = sizeof(p.text);
    struct wss_parse_err err = {0};
    assert_int_equal(pod_event_parse("{}", (size_t)POD_EVENT_MAX_LINE + 1, &p.ev, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "the event is larger than 2097152 bytes");
}

struct seen {
    char uids[4][16];
    size_t n;
};

static void remember(const struct pod_event *item, void *arg)
{
    struct seen *s = arg;
    assert_int_equal(item->type, POD_EVENT_ADDED);
    assert_true(s->n < 4);
    strcpy(s->uids[s->n++], item->uid);
}

static int parse_list(const char *json, struct pod_event_list *l, char *text, size_t cap,
                      struct seen *s, struct wss_parse_err *err)
{
    memset(s, 0, sizeof(*s));
    *l = (struct pod_event_list){.text = text, .text_cap = cap};
    return pod_event_list_parse(json, strlen(json), l, remember, s, err);
}

static void list_pages_give_items_version_and_continue(void **state)
{
    (void)state;
    static const char page1[] =
        "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"200\","
        "\"continue\":\"eyJ2IjoxfQ\",\"remainingItemCount\":1},\"items\":[" POD(
            "u-1", "101", "", "Running") "," POD("u-2", "150", "", "Failed") "]}";
    static const char last[] = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":"
                               "{\"resourceVersion\":\"201\"},\"items\":[]}";
    char text[4096];
    struct pod_event_list l;
    struct seen s;
    struct wss_parse_err err = {0};
    assert_int_equal(parse_list(page1, &l, text, sizeof(text), &s, &err), (int)strlen(page1));
    assert_string_equal(l.resource_version, "200");
    assert_string_equal(l.continue_token, "eyJ2IjoxfQ");
    assert_int_equal(l.nitems, 2);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.uids[0], "u-1");
    assert_string_equal(s.uids[1], "u-2");
    assert_int_equal(parse_list(last, &l, text, sizeof(text), &s, &err), (int)strlen(last));
    assert_string_equal(l.resource_version, "201");
    assert_string_equal(l.continue_token, "");
    assert_int_equal(s.n, 0);
}

static void broken_lists_call_back_never(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"nope", "the list is not JSON"},
        {"{\"kind\":\"PodList\"}", "metadata: missing"},
        {"{\"kind\":\"ConfigMap\",\"metadata\":{}}", "not a PodList: kind is \"ConfigMap\""},
        /* An echoed value is quoted: one line, and never mistaken for the message's own end. */
        {"{\"kind\":\"Pod\\nList: out of room\",\"metadata\":{}}",
         "not a PodList: kind is \"Pod\\nList: out of room\""},
        {"{\"kind\":7,\"metadata\":{}}", "kind: not a string"},
        {"{\"metadata\":{}}", "metadata.resourceVersion: missing"},
        {"{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":{}}", "items: not an array"},
        {"{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[" POD("u-1", "1", "",
                                                                     "Running") ",{\"metadata\":"
                                                                                "{}}]}",
         "items[1].metadata.uid: missing"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[4096];
        struct pod_event_list l;
        struct seen s;
        struct wss_parse_err err = {0};
        assert_int_equal(parse_list(cases[i].json, &l, text, sizeof(text), &s, &err),
                         WSS_PARSE_INVALID);
        assert_string_equal(err.msg, cases[i].msg);
        assert_int_equal(s.n, 0);
        assert_string_equal(l.resource_version, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_are_read_as_the_apiserver_writes_them),
        cmocka_unit_test(broken_events_are_refused_with_the_field_named),
        cmocka_unit_test(too_small_text_is_refused_not_overrun),
        cmocka_unit_test(oversized_event_is_refused_unread),
        cmocka_unit_test(list_pages_give_items_version_and_continue),
        cmocka_unit_test(broken_lists_call_back_never),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
