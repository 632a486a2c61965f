/* SPDX-License-Identifier: Apache-2.0 */
/* authn_lookup.h: reads ConfigMap kube-system/extension-apiserver-authentication (as the API
 * serves it in JSON) into the two client-CA PEMs and the front-proxy header settings.
 * Does not: fetch the ConfigMap, write files or apply anything (authn_lookup_watch.h does), or
 * verify the certificates beyond their PEM framing (the HTTPS server loads them).
 * Threads: pure over its arguments; any number of threads may read distinct documents. */
#ifndef ADAPTER_AUTHN_LOOKUP_H
#define ADAPTER_AUTHN_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "wsscale/parse.h"

/* Where the Kubernetes control plane publishes it. */
#define AUTHN_LOOKUP_NAMESPACE "kube-system"
#define AUTHN_LOOKUP_NAME      "extension-apiserver-authentication"
#define AUTHN_LOOKUP_PATH                                                                          \
    "/api/v1/namespaces/" AUTHN_LOOKUP_NAMESPACE "/configmaps/" AUTHN_LOOKUP_NAME

/* Bounds, with units. */
#define AUTHN_LOOKUP_MAX_BYTES (1024 * 1024) /* one ConfigMap reply; the API's own object cap */
#define AUTHN_LOOKUP_MAX_NAMES 16            /* entries of one JSON-array key */
#define AUTHN_LOOKUP_MAX_NAME  253           /* bytes of one entry (a DNS name at most) */

/* The defaults the apiserver applies to keys that are absent or empty. */
#define AUTHN_LOOKUP_DEFAULT_USERNAME_HEADER "X-Remote-User"
#define AUTHN_LOOKUP_DEFAULT_GROUP_HEADER    "X-Remote-Group"
#define AUTHN_LOOKUP_DEFAULT_EXTRA_PREFIX    "X-Remote-Extra-"

/* One JSON-array key: NUL-terminated strings. */
struct authn_lookup_list {
    const char *items[AUTHN_LOOKUP_MAX_NAMES]; /* borrowed; in the values' text or static */
    size_t n;
};

/* What the ConfigMap says. The caller provides text (authn_lookup_text_cap(len) bytes always
 * suffice); every output string is a NUL-terminated copy in it (or a static default). */
struct authn_lookup_values {
    const char *client_ca;        /* client-ca-file PEM; NULL when absent or empty */
    const char *requestheader_ca; /* requestheader-client-ca-file PEM; NULL likewise */
    size_t client_ca_len, requestheader_ca_len;
    struct authn_lookup_list allowed_names;    /* empty = any CN */
    struct authn_lookup_list username_headers; /* default X-Remote-User */
    struct authn_lookup_list group_headers;    /* default X-Remote-Group */
    struct authn_lookup_list extra_prefixes;   /* default X-Remote-Extra- */
    char *text;                                /* borrowed; text_cap bytes */
    size_t text_cap, text_len;
};

/* Bytes of text with which authn_lookup_parse never runs short on a document of len bytes. */
size_t authn_lookup_text_cap(size_t len);

/* Reads json[0..len) (no NUL needed) into v (text and text_cap set by the caller). Returns len,
 * or WSS_PARSE_INVALID with err: not JSON, not a ConfigMap object, a data value that is not a
 * string, a CA key with no PEM certificate, an array key that is not a JSON array of non-empty
 * header-safe strings, more than AUTHN_LOOKUP_MAX_NAMES entries, or text too small. Messages
 * name the key, e.g. "data.requestheader-allowed-names: not a JSON array of strings". Pure. */
int authn_lookup_parse(const char *json, size_t len, struct authn_lookup_values *v,
                       struct wss_parse_err *err);

/* True when two lists hold the same strings in the same order. Pure. */
bool authn_lookup_list_equal(const struct authn_lookup_list *a, const struct authn_lookup_list *b);

#endif
