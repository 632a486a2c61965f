/* SPDX-License-Identifier: Apache-2.0 */
/* source_select.h: builds the source --source names from the sidecar's options, so main only
 * wires: shm (source_shm), socket (source_socktable) or scrape (source_scrape).
 * Does not: sample, or know about flags beyond the values they produced.
 * Threads: main's thread, before the sampler starts; the port parser is pure. */
#ifndef SIDECAR_SOURCE_SELECT_H
#define SIDECAR_SOURCE_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* The --source choices, in this order; the index is enum source_select_kind. */
#define SOURCE_SELECT_CHOICES "shm", "socket", "scrape"
/* The --socket-method choices, in the order of enum source_socktable_method. */
#define SOURCE_SELECT_METHODS "auto", "sock_diag", "proc"

enum source_select_kind {
    SOURCE_SELECT_SHM = 0,
    SOURCE_SELECT_SOCKET = 1,
    SOURCE_SELECT_SCRAPE = 2,
};

struct source_options {
    enum source_select_kind kind;
    /* shm */
    const char *shm;
    int64_t stale_after_ms;
    /* socket */
    const char *const *ports; /* decimal port numbers, as --ports gives them */
    size_t nports;
    int socket_method; /* index into SOURCE_SELECT_METHODS */
    /* scrape */
    const char *scrape_url;
    const char *scrape_metric;
    const char *scrape_selector;
    int64_t scrape_timeout_ms;
};

/* Parses items[0..n) as TCP ports 1-65535 into ports (cap entries), without duplicates.
 * Returns 0 and sets *nports, or -1 with a message naming the bad item in err (not a number,
 * out of range, a duplicate, more than cap, or none at all). Pure. */
int source_select_ports(const char *const *items, size_t n, uint16_t *ports, size_t cap,
                        size_t *nports, char *err, size_t errlen);

/* Builds the source. Returns it, or one with ops == NULL and a one-line message in err saying
 * which option is wrong (the chosen source's own checks included). Free with source_destroy(). */
struct source source_select(const struct source_options *o, char *err, size_t errlen);

#endif
