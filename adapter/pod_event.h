/* SPDX-License-Identifier: Apache-2.0 */
/* pod_event.h: reads what the Kubernetes API says about pods, as JSON: one line of a pod WATCH
 * stream ({"type": ..., "object": ...}) and one page of a pod LIST (a PodList), keeping only what
 * the pod watch needs (UID, namespace, name, resourceVersion, phase, deletionTimestamp set, and
 * an ERROR event's Status code and message).
 * Does not: fetch anything, keep pods, or decide what a pod's state means for the store
 * (pod_watch.c does).
 * Threads: pure over its arguments; any number of threads may read distinct documents. */
#ifndef ADAPTER_POD_EVENT_H
#define ADAPTER_POD_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "wsscale/parse.h"

#define POD_EVENT_MAX_LINE (2 * 1024 * 1024) /* bytes of one watch event (objects < 1.5 MiB) */
#define POD_EVENT_MAX_LIST (4 * 1024 * 1024) /* bytes of one LIST page (the cap asked for) */
#define POD_EVENT_UID_MAX  64                /* bytes of a UID (Kubernetes writes 36) */
#define POD_EVENT_RV_MAX   128               /* bytes of a resourceVersion (etcd writes ~10) */

enum pod_event_type {
    POD_EVENT_ADDED = 1,
    POD_EVENT_MODIFIED,
    POD_EVENT_DELETED,
    POD_EVENT_BOOKMARK, /* only resource_version is set */
    POD_EVENT_ERROR,    /* only code and message are set: the object is a Status */
};

/* One pod (or event). Every string is NUL-terminated, "" when absent, and lives in the caller's
 * text: text_cap bytes set by the caller (pod_event_text_cap(len) always suffices). */
struct pod_event {
    enum pod_event_type type;
    const char *uid, *ns, *name, *resource_version, *phase;
    bool has_deletion_timestamp;
    int code;            /* ERROR: the Status code (410: too old resource version) */
    const char *message; /* ERROR: the Status message */
    char *text;          /* borrowed; text_cap bytes */
    size_t text_cap, text_len;
};

/* Bytes of text with which the parsers never run short on a document of len bytes. Pure. */
size_t pod_event_text_cap(size_t len);

/* Reads one watch event line[0..len) (no newline, no NUL needed) into ev (text and text_cap set
 * by the caller). Returns len, or WSS_PARSE_INVALID with err: not JSON, an unknown type, no
 * object, a pod event without metadata.uid or metadata.resourceVersion, a BOOKMARK without
 * resourceVersion, an ERROR without an integer code, a value of the wrong JSON type, a UID or
 * resourceVersion over its cap, or a line over POD_EVENT_MAX_LINE. Messages name the field, e.g.
 * "object.metadata.uid: missing". Pure. */
int pod_event_parse(const char *line, size_t len, struct pod_event *ev, struct wss_parse_err *err);

/* Called for each item of a PodList, in order; item (type POD_EVENT_ADDED) and its strings are
 * valid only during the call. */
typedef void (*pod_event_item_cb)(const struct pod_event *item, void *arg);

/* One LIST page: the list's resourceVersion and continue token, in the caller's text. */
struct pod_event_list {
    const char *resource_version; /* required */
    const char *continue_token;   /* "" on the last page */
    size_t nitems;
    char *text; /* borrowed; text_cap bytes */
    size_t text_cap, text_len;
};

/* Reads a PodList json[0..len) into list and calls cb for each item (all items are checked
 * before the first call, so an invalid page calls cb never). Returns len, or WSS_PARSE_INVALID
 * with err: not JSON, kind not PodList, no metadata.resourceVersion, items not an array, an item
 * as pod_event_parse would refuse it (the message starts "items[N]."), or over
 * POD_EVENT_MAX_LIST. Pure but for cb. */
int pod_event_list_parse(const char *json, size_t len, struct pod_event_list *list,
                         pod_event_item_cb cb, void *arg, struct wss_parse_err *err);

/* True when the pod is gone for good: DELETED, or its phase is Succeeded or Failed. A pod that
 * is terminating (deletionTimestamp set) is not: it still holds connections while it drains. */
bool pod_event_is_gone(const struct pod_event *ev);

#endif
