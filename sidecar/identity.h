/* SPDX-License-Identifier: Apache-2.0 */
/* identity.h: who the reports are about: the pod's namespace, name and UID (downward-API env)
 * and its labels (the downward-API labels file, re-read when the kubelet rewrites it).
 * Does not: send anything or decide what a missing identity means for the process (main exits).
 * Threads: built on main's thread, then used by the pusher's thread only. */
#ifndef SIDECAR_IDENTITY_H
#define SIDECAR_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* Largest labels file read. */
#define IDENTITY_MAX_FILE_BYTES (64 * 1024)
/* Room for any message these functions write. */
#define IDENTITY_ERR_LEN 1536

struct identity_config {
    const char *ns;          /* POD_NAMESPACE; NULL or "" when unset */
    const char *pod;         /* POD_NAME */
    const char *uid;         /* POD_UID */
    const char *labels_file; /* path; NULL or "" sends no labels */
};

/* Checks the three names: first which are missing (all named in one message, with their flags),
 * then each against Kubernetes' rules (namespace: DNS-1123 label, pod: DNS-1123 subdomain, UID:
 * 1-64 of [A-Za-z0-9-]). Returns 0 or -1 with a one-line message in err. Pure. */
int identity_check(const struct identity_config *cfg, char *err, size_t errlen);

/* Checks cfg and reads the labels file. Returns NULL with a one-line message in err for a bad
 * identity, a labels file that cannot be read (naming it) or parsed (its line and reason), or
 * out of memory. Free with identity_free(). */
struct identity *identity_new(const struct identity_config *cfg, char *err, size_t errlen);

/* Re-reads the labels file if it changed since the last good read. Returns 0 (with *is_changed
 * saying whether the labels were replaced), or -1 with a message in err: the file is gone or
 * bad, and the labels last read stay in use. */
int identity_refresh(struct identity *id, bool *is_changed, char *err, size_t errlen);

/* Points out at the identity's strings and labels; valid until the next refresh or free. */
void identity_view(const struct identity *id, struct report_identity *out);

/* Frees everything; accepts NULL. */
void identity_free(struct identity *id);

#endif
