/* SPDX-License-Identifier: Apache-2.0 */
/* authn_lookup_watch.h: fetches ConfigMap kube-system/extension-apiserver-authentication at
 * start, writes its CA PEMs into files of a private directory for the HTTPS server's client-CA
 * bundles, and re-reads it every refresh period on a thread of its own, rewriting the files
 * when the CAs rotate (the server reloads changed CA files itself).
 * Does not: parse the document (authn_lookup.h), decide which flags win (main does), or change
 * the header settings after start (a change is logged: it applies on restart).
 * Threads: new/values/files on main's thread; one refresh thread between start and free. */
#ifndef ADAPTER_AUTHN_LOOKUP_WATCH_H
#define ADAPTER_AUTHN_LOOKUP_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "authn_lookup.h"
#include "kube_client.h"

#define AUTHN_LOOKUP_WATCH_ERR_LEN       1024 /* room for one error line, NUL included */
#define AUTHN_LOOKUP_WATCH_RETRY_BASE_MS 1000 /* first retry after a failed refresh */
#define AUTHN_LOOKUP_WATCH_CLIENT_CA     "client-ca.crt"
#define AUTHN_LOOKUP_WATCH_REQUESTHEADER "requestheader-client-ca.crt"

struct authn_lookup_watch_config {
    struct kube_client *client; /* borrowed; must outlive the watch */
    const char *parent_dir;     /* where the private directory is made; NULL = $TMPDIR or /tmp */
    int64_t refresh_ms;         /* period of re-reads (> 0); failures retry sooner, backed off */
};

struct authn_lookup_watch;

/* GETs and parses the ConfigMap once and writes the CA files present in it into a new 0700
 * directory. NULL with one line in err (naming the ConfigMap and why: the HTTP code and the API's
 * message, the parse error, or the file error). Not thread-safe. */
struct authn_lookup_watch *authn_lookup_watch_new(const struct authn_lookup_watch_config *cfg,
                                                  char *err, size_t errlen);

/* The values read at start (borrowed from w; unchanged until free). Not thread-safe. */
const struct authn_lookup_values *authn_lookup_watch_values(const struct authn_lookup_watch *w);

/* The file holding the client-ca-file / requestheader-client-ca-file PEM, or NULL when the
 * ConfigMap had none at start (borrowed from w). Not thread-safe. */
const char *authn_lookup_watch_client_ca_file(const struct authn_lookup_watch *w);
const char *authn_lookup_watch_requestheader_ca_file(const struct authn_lookup_watch *w);

/* Starts the refresh thread. 0, or -1 with err when the thread cannot start. */
int authn_lookup_watch_start(struct authn_lookup_watch *w, char *err, size_t errlen);

/* Refreshes that wrote new CA files so far (tests and logs). Thread-safe. */
uint64_t authn_lookup_watch_rotations(struct authn_lookup_watch *w);

/* Stops the thread (waking it at once), joins it and removes the directory; accepts NULL. */
void authn_lookup_watch_free(struct authn_lookup_watch *w);

#endif
