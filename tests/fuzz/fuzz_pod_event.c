/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_pod_event.c: libFuzzer target for the pod watch event and PodList readers: all of the
 * input or invalid, every output string NUL-terminated inside the caller's text, the text
 * capacity never short, an invalid input leaving nothing set, and a round trip (an event written
 * back as JSON reads again to the same fields).
 * Does not: fuzz cJSON itself (the system library is not instrumented; our reader is).
 * Threads: one input at a time. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "pod_event.h"

static bool inside(const char *s, const char *text, size_t text_len)
{
    return s[0] == '\0' || (s >= text && s + strlen(s) < text + text_len);
}

static void check_event(const struct pod_event *ev)
{
    CHECK(ev->text_len <= ev->text_cap);
    const char *strs[] = {ev->uid, ev->ns, ev->name, ev->resource_version, ev->phase, ev->message};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        CHECK(inside(strs[i], ev->text, ev->text_len));
    CHECK(strlen(ev->uid) <= POD_EVENT_UID_MAX && strlen(ev->resource_version) <= POD_EVENT_RV_MAX);
    CHECK(ev->type >= POD_EVENT_ADDED && ev->type <= POD_EVENT_ERROR);
    if (ev->type <= POD_EVENT_DELETED)
        CHECK(ev->uid[0] != '\0');
}

/* A capacity of pod_event_text_cap never runs short: no message ends in "out of room...".
 * (Messages that echo a value quote it, so an echoed value cannot end a message.) */
static bool is_out_of_room(const char *msg)
{
    static const char room[] = ": out of room for the values";
    size_t n = strlen(msg);
    return n >= sizeof(room) - 1 && strcmp(msg + n - (sizeof(room) - 1), room) == 0;
}

static const char *const types[] = {"", "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};

static void round_trip(const struct pod_event *ev)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "type", types[ev->type]);
    cJSON *obj = cJSON_AddObjectToObject(doc, "object");
    if (ev->type == POD_EVENT_ERROR) {
        cJSON_AddNumberToObject(obj, "code", ev->code);
        cJSON_AddStringToObject(obj, "message", ev->message);
    } else {
        cJSON *meta = cJSON_AddObjectToObject(obj, "metadata");
        cJSON_AddStringToObject(meta, "resourceVersion", ev->resource_version);
        if (ev->type != POD_EVENT_BOOKMARK) {
            cJSON_AddStringToObject(meta, "uid", ev->uid);
            cJSON_AddStringToObject(meta, "namespace", ev->ns);
            cJSON_AddStringToObject(meta, "name", ev->name);
            if (ev->has_deletion_timestamp)
                cJSON_AddStringToObject(meta, "deletionTimestamp", "x");
            cJSON_AddStringToObject(cJSON_AddObjectToObject(obj, "status"), "phase", ev->phase);
        }
    }
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    CHECK(json != NULL);
    size_t len = strlen(json);
    struct pod_event w = {.text = malloc(pod_event_text_cap(len)),
                          .text_cap = pod_event_text_cap(len)};
    CHECK(w.text != NULL);
    struct wss_parse_err err = {0};
    CHECK(pod_event_parse(json, len, &w, &err) == (int)len);
    CHECK(w.type == ev->type && w.code == ev->code);
    CHECK(strcmp(w.uid, ev->uid) == 0 && strcmp(w.resource_version, ev->resource_version) == 0);
    CHECK(strcmp(w.message, ev->message) == 0 && strcmp(w.phase, ev->phase) == 0);
    CHECK(pod_event_is_gone(&w) == pod_event_is_gone(ev));
    free(w.text);
    free(json);
}

static void on_item(const struct pod_event *item, void *arg)
{
    size_t *n = arg;
    check_event(item);
    CHECK(item->type == POD_EVENT_ADDED);
    (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    size_t cap = pod_event_text_cap(size);
    struct pod_event ev = {.text = malloc(cap), .text_cap = cap};
    CHECK(ev.text != NULL);
    struct wss_parse_err err = {0};
    int rc = pod_event_parse(json, size, &ev, &err);
    CHECK(rc == WSS_PARSE_INVALID || rc == (int)size);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.msg[0] != '\0' && err.offset <= size && ev.type == 0 && ev.uid[0] == '\0');
        CHECK(!is_out_of_room(err.msg));
    } else {
        check_event(&ev);
        CHECK(ev.type == POD_EVENT_ERROR || ev.resource_version[0] != '\0');
        round_trip(&ev);
    }
    struct pod_event_list list = {.text = ev.text, .text_cap = cap};
    size_t n = 0;
    memset(&err, 0, sizeof(err));
    rc = pod_event_list_parse(json, size, &list, on_item, &n, &err);
    CHECK(rc == WSS_PARSE_INVALID || rc == (int)size);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(n == 0 && err.msg[0] != '\0' && list.resource_version[0] == '\0');
        CHECK(!is_out_of_room(err.msg));
    } else {
        CHECK(n == list.nitems && list.resource_version[0] != '\0');
        CHECK(inside(list.continue_token, list.text, list.text_len));
    }
    free(ev.text);
    return 0;
}
