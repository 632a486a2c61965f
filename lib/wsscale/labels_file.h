/* SPDX-License-Identifier: Apache-2.0 */
/* labels_file.h: the downward-API labels file the kubelet writes for a pod (one `key="value"`
 * line per label, keys sorted, the value quoted as Go's %q does).
 * Does not: open or read the file, or watch it for updates; the sidecar does that.
 * Threads: pure parser; any thread, on distinct outputs. */
#ifndef WSSCALE_LABELS_FILE_H
#define WSSCALE_LABELS_FILE_H

#include <stddef.h>

#include "wsscale/labels.h"
#include "wsscale/parse.h"

/* Parses s[0..len). *nlabels is the capacity of labels going in and the count coming out.
 * Keys point into s; a value points into s when it has no escapes, else into buf, where it is
 * unescaped (\" \\ \a \b \f \n \r \t \v \xNN \NNN \uNNNN \UNNNNNNNN); buf_len >= len always
 * suffices. Trailing empty lines are accepted (the kubelet writes none; editors add one).
 * Returns len, or WSS_PARSE_INVALID with err naming the line ("line 3: ...") for a malformed
 * line, an invalid or duplicate key, more labels than fit, or a full buf. Pure. */
int wss_labels_file_parse(const char *s, size_t len, struct wss_label *labels, size_t *nlabels,
                          char *buf, size_t buf_len, struct wss_parse_err *err);

#endif
