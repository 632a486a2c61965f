/* SPDX-License-Identifier: Apache-2.0 */
/* pod_event.c: the pod watch event and PodList readers over cJSON, copying the few strings kept
 * into the caller's text.
 * Does not: keep the parsed tree past the call, or look at any pod field but those in the header.
 * Threads: pure; cJSON's error pointer (a global) is never read. */
#include "pod_event.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "wsscale/k8s_names.h"

#define TEXT_SLACK 16 /* NULs of the strings kept, beyond their bytes */
#define ECHO_MAX   64 /* bytes of a bad value a message shows */

/* Quotes up to ECHO_MAX bytes of s as Go's %q does, so a message naming a bad value stays on
 * one line and always ends in its closing quote (out fits the worst case, \u00XX per 2 bytes). */
static const char *echo(const char *s, char out[4 * ECHO_MAX + 3])
{
    size_t n = strlen(s);
    wss_k8s_names_quote(s, n < ECHO_MAX ? n : ECHO_MAX, out, 4 * ECHO_MAX + 3);
    return out;
}

size_t pod_event_text_cap(size_t len)
{
    /* An unescaped JSON string is never longer than its escaped form in the input. */
    return len + TEXT_SLACK;
}

/* Copies s into the text after text_len; NULL when out of room. */
static const char *keep(char *text, size_t cap, size_t *used, const char *s)
{
    size_t n = strlen(s);
    if (*used + n + 1 > cap)
        return NULL;
    char *out = text + *used;
    memcpy(out, s, n + 1);
    *used += n + 1;
    return out;
}

/* Reads an optional string field of obj into *out ("" when absent). 0, or -1 with err. */
static int read_string(const cJSON *obj, const char *key, const char *where, size_t max,
                       bool is_required, char *text, size_t cap, size_t *used, const char **out,
                       struct wss_parse_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = "";
    if (v == NULL || cJSON_IsNull(v)) {
        if (is_required)
            return wss_parse_fail(err, 0, "%s%s: missing", where, key);
        return 0;
    }
    if (!cJSON_IsString(v))
        return wss_parse_fail(err, 0, "%s%s: not a string", where, key);
    if (max > 0 && strlen(v->valuestring) > max)
        return wss_parse_fail(err, 0, "%s%s: longer than %zu bytes", where, key, max);
    if (is_required && v->valuestring[0] == '\0')
        return wss_parse_fail(err, 0, "%s%s: empty", where, key);
    if ((*out = keep(text, cap, used, v->valuestring)) == NULL)
        return wss_parse_fail(err, 0, "%s%s: out of room for the values", where, key);
    return 0;
}

/* Reads a Pod object (prefix names it in messages: "object." or "items[3]."). */
static int read_pod(const cJSON *pod, const char *prefix, struct pod_event *ev,
                    struct wss_parse_err *err)
{
    char where[64];
    if (!cJSON_IsObject(pod))
        return wss_parse_fail(err, 0, "%.40s: not a JSON object", prefix);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    snprintf(where, sizeof(where), "%.40smetadata", prefix);
    if (!cJSON_IsObject(meta))
        return wss_parse_fail(err, 0, "%s: %s", where, meta == NULL ? "missing" : "not an object");
    snprintf(where, sizeof(where), "%.40smetadata.", prefix);
    char *t = ev->text;
    size_t cap = ev->text_cap;
    if (read_string(meta, "uid", where, POD_EVENT_UID_MAX, true, t, cap, &ev->text_len, &ev->uid,
                    err) != 0 ||
        read_string(meta, "resourceVersion", where, POD_EVENT_RV_MAX, false, t, cap, &ev->text_len,
                    &ev->resource_version, err) != 0 ||
        read_string(meta, "namespace", where, 0, false, t, cap, &ev->text_len, &ev->ns, err) != 0 ||
        read_string(meta, "name", where, 0, false, t, cap, &ev->text_len, &ev->name, err) != 0)
        return -1;
    const cJSON *del = cJSON_GetObjectItemCaseSensitive(meta, "deletionTimestamp");
    if (del != NULL && !cJSON_IsNull(del) && !cJSON_IsString(del))
        return wss_parse_fail(err, 0, "%sdeletionTimestamp: not a string", where);
    ev->has_deletion_timestamp = cJSON_IsString(del) && del->valuestring[0] != '\0';
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(pod, "status");
    snprintf(where, sizeof(where), "%.40sstatus", prefix);
    if (status != NULL && !cJSON_IsNull(status) && !cJSON_IsObject(status))
        return wss_parse_fail(err, 0, "%s: not an object", where);
    snprintf(where, sizeof(where), "%.40sstatus.", prefix);
    return read_string(status, "phase", where, 0, false, t, cap, &ev->text_len, &ev->phase, err);
}

static const char *const type_names[] = {NULL, "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};

static void reset(struct pod_event *ev)
{
    char *text = ev->text;
    size_t cap = ev->text_cap;
    *ev = (struct pod_event){
        .text = text, .text_cap = cap, .uid = "", .ns = "", .name = "", .phase = ""};
    ev->resource_version = "";
    ev->message = "";
}

static int read_event(const cJSON *doc, struct pod_event *ev, struct wss_parse_err *err)
{
    if (!cJSON_IsObject(doc))
        return wss_parse_fail(err, 0, "the event is not a JSON object");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    if (!cJSON_IsString(type))
        return wss_parse_fail(err, 0, "type: %s", type == NULL ? "missing" : "not a string");
    for (int i = POD_EVENT_ADDED; i <= POD_EVENT_ERROR; i++)
        if (strcmp(type->valuestring, type_names[i]) == 0)
            ev->type = (enum pod_event_type)i;
    char quoted[4 * ECHO_MAX + 3];
    if (ev->type == 0)
        return wss_parse_fail(err, 0, "type: unknown event type %s",
                              echo(type->valuestring, quoted));
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(doc, "object");
    if (!cJSON_IsObject(obj))
        return wss_parse_fail(err, 0, "object: %s", obj == NULL ? "missing" : "not an object");
    if (ev->type == POD_EVENT_ERROR) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
        if (!cJSON_IsNumber(code) || code->valuedouble != (double)code->valueint)
            return wss_parse_fail(err, 0, "object.code: %s",
                                  code == NULL ? "missing" : "not an integer");
        ev->code = code->valueint;
        return read_string(obj, "message", "object.", 0, false, ev->text, ev->text_cap,
                           &ev->text_len, &ev->message, err);
    }
    if (ev->type == POD_EVENT_BOOKMARK) {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        if (!cJSON_IsObject(meta))
            return wss_parse_fail(err, 0, "object.metadata: %s",
                                  meta == NULL ? "missing" : "not an object");
        return read_string(meta, "resourceVersion", "object.metadata.", POD_EVENT_RV_MAX, true,
                           ev->text, ev->text_cap, &ev->text_len, &ev->resource_version, err);
    }
    if (read_pod(obj, "object.", ev, err) != 0)
        return -1;
    if (ev->resource_version[0] == '\0')
        return wss_parse_fail(err, 0, "object.metadata.resourceVersion: missing");
    return 0;
}

int pod_event_parse(const char *line, size_t len, struct pod_event *ev, struct wss_parse_err *err)
{
    reset(ev);
    if (len > POD_EVENT_MAX_LINE)
        return wss_parse_fail(err, POD_EVENT_MAX_LINE, "the event is larger than %d bytes",
                              POD_EVENT_MAX_LINE);
    cJSON *doc = cJSON_ParseWithLength(line, len);
    if (doc == NULL)
        return wss_parse_fail(err, 0, "the event is not JSON");
    int rc = read_event(doc, ev, err);
    cJSON_Delete(doc);
    if (rc != 0) {
        reset(ev);
        return WSS_PARSE_INVALID;
    }
    return (int)len;
}

static int read_list(const cJSON *doc, struct pod_event_list *list, const cJSON **items,
                     struct wss_parse_err *err)
{
    if (!cJSON_IsObject(doc))
        return wss_parse_fail(err, 0, "the list is not a JSON object");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    char quoted[4 * ECHO_MAX + 3];
    if (kind != NULL && !cJSON_IsString(kind))
        return wss_parse_fail(err, 0, "kind: not a string");
    if (kind != NULL && strcmp(kind->valuestring, "PodList") != 0)
        return wss_parse_fail(err, 0, "not a PodList: kind is %s", echo(kind->valuestring, quoted));
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    if (!cJSON_IsObject(meta))
        return wss_parse_fail(err, 0, "metadata: %s", meta == NULL ? "missing" : "not an object");
    if (read_string(meta, "resourceVersion", "metadata.", POD_EVENT_RV_MAX, true, list->text,
                    list->text_cap, &list->text_len, &list->resource_version, err) != 0 ||
        read_string(meta, "continue", "metadata.", 0, false, list->text, list->text_cap,
                    &list->text_len, &list->continue_token, err) != 0)
        return -1;
    *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (*items != NULL && !cJSON_IsNull(*items) && !cJSON_IsArray(*items))
        return wss_parse_fail(err, 0, "items: not an array");
    return 0;
}

/* Reads item i of items into ev, its strings after the list's own in the text. */
static int read_item(const cJSON *item, size_t i, const struct pod_event_list *list,
                     struct pod_event *ev, struct wss_parse_err *err)
{
    char prefix[40];
    snprintf(prefix, sizeof(prefix), "items[%zu].", i);
    *ev = (struct pod_event){.text = list->text, .text_cap = list->text_cap};
    reset(ev);
    ev->text_len = list->text_len;
    ev->type = POD_EVENT_ADDED;
    return read_pod(item, prefix, ev, err);
}

int pod_event_list_parse(const char *json, size_t len, struct pod_event_list *list,
                         pod_event_item_cb cb, void *arg, struct wss_parse_err *err)
{
    char *text = list->text;
    size_t cap = list->text_cap;
    *list = (struct pod_event_list){
        .text = text, .text_cap = cap, .resource_version = "", .continue_token = ""};
    if (len > POD_EVENT_MAX_LIST)
        return wss_parse_fail(err, POD_EVENT_MAX_LIST, "the list is larger than %d bytes",
                              POD_EVENT_MAX_LIST);
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (doc == NULL)
        return wss_parse_fail(err, 0, "the list is not JSON");
    const cJSON *items = NULL, *item;
    int rc = read_list(doc, list, &items, err);
    struct pod_event ev;
    size_t i = 0;
    if (rc == 0) {
        cJSON_ArrayForEach(item, items)
        {
            if ((rc = read_item(item, i++, list, &ev, err)) != 0)
                break;
        }
    }
    if (rc == 0) {
        list->nitems = i;
        i = 0;
        cJSON_ArrayForEach(item, items)
        {
            read_item(item, i++, list, &ev, err);
            if (cb != NULL)
                cb(&ev, arg);
        }
    }
    cJSON_Delete(doc);
    if (rc != 0) {
        *list = (struct pod_event_list){
            .text = text, .text_cap = cap, .resource_version = "", .continue_token = ""};
        return WSS_PARSE_INVALID;
    }
    return (int)len;
}

bool pod_event_is_gone(const struct pod_event *ev)
{
    if (ev->type == POD_EVENT_DELETED)
        return true;
    if (ev->type != POD_EVENT_ADDED && ev->type != POD_EVENT_MODIFIED)
        return false;
    return strcmp(ev->phase, "Succeeded") == 0 || strcmp(ev->phase, "Failed") == 0;
}
