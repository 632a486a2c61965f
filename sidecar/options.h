/* SPDX-License-Identifier: Apache-2.0 */
/* options.h: wsscale-sidecar's command line: every flag with its help, default and environment
 * twin (POD_NAME, POD_NAMESPACE, POD_UID for the identity), parsed into one struct.
 * Does not: check what the values mean together (the parts do) or build anything.
 * Threads: main's thread, before any other starts. */
#ifndef SIDECAR_OPTIONS_H
#define SIDECAR_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "wsscale/flags.h"
#include "wsscale/flags_main.h"

struct sidecar_options {
    int source;        /* index into SOURCE_SELECT_CHOICES */
    int socket_method; /* index into SOURCE_SELECT_METHODS */
    struct wss_log_flags log;
    int64_t interval_ms, stale_after_ms, scrape_timeout_ms, resolve_ms, shutdown_ms;
    /* Text values are borrowed from argv, the environment or the table's defaults. */
    const char *shm, *scrape_url, *scrape_metric, *scrape_selector, *ca_file, *token_file;
    const char *ns, *pod, *uid, *labels_file; /* NULL when unset */
    struct wss_flag_list ports, adapter_urls;
    struct wss_hostport listen;
    bool is_insecure;
};

/* Parses argv and the environment. Returns the options, or NULL with *exit_code set after
 * printing --help, --version (0) or the one-line error (2). Call options_free() either way. */
const struct sidecar_options *options_parse(int argc, char **argv, int *exit_code);

/* Releases what parsing allocated (the lists). */
void options_free(void);

#endif
