/* SPDX-License-Identifier: Apache-2.0 */
/* labels.h: one Kubernetes label as a pair of byte strings, shared by the labels-file parser,
 * selector matching, the sidecar's report and the adapter's store.
 * Does not: own memory or validate anything (see k8s_names.h for that).
 * Threads: plain data; whoever owns the bytes decides who may read them. */
#ifndef WSSCALE_LABELS_H
#define WSSCALE_LABELS_H

#include <stddef.h>

struct wss_label {
    const char *key; /* borrowed; not NUL-terminated */
    size_t key_len;
    const char *value; /* borrowed; not NUL-terminated; may be empty */
    size_t value_len;
};

#endif
