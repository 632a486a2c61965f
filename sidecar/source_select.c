/* SPDX-License-Identifier: Apache-2.0 */
/* source_select.c: one of the three sources, built from the sidecar's options.
 * Does not: read flags or the environment, or sample.
 * Threads: main's thread. */
#include "source_select.h"

#include <stdio.h>
#include <string.h>

#include "source_scrape.h"
#include "source_shm.h"
#include "source_socktable.h"

#define PORT_MAX 65535

_Static_assert(SOURCE_SOCKTABLE_AUTO == 0 && SOURCE_SOCKTABLE_SOCK_DIAG == 1 &&
                   SOURCE_SOCKTABLE_PROC == 2,
               "SOURCE_SELECT_METHODS lists the socket methods in their enum's order");

int source_select_ports(const char *const *items, size_t n, uint16_t *ports, size_t cap,
                        size_t *nports, char *err, size_t errlen)
{
    *nports = 0;
    if (n == 0) {
        snprintf(err, errlen, "--source=socket needs --ports: the app's listening ports");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = items[i];
        long v = 0;
        size_t k = 0;
        for (; s[k] >= '0' && s[k] <= '9' && v <= PORT_MAX; k++)
            v = v * 10 + (s[k] - '0');
        if (k == 0 || s[k] != '\0' || v < 1 || v > PORT_MAX) {
            snprintf(err, errlen, "--ports: \"%s\" is not a port number (1-65535)", s);
            return -1;
        }
        for (size_t j = 0; j < *nports; j++)
            if (ports[j] == (uint16_t)v) {
                snprintf(err, errlen, "--ports: %ld is given twice", v);
                return -1;
            }
        if (*nports >= cap) {
            snprintf(err, errlen, "--ports: more than %zu ports", cap);
            return -1;
        }
        ports[(*nports)++] = (uint16_t)v;
    }
    return 0;
}

struct source source_select(const struct source_options *o, char *err, size_t errlen)
{
    struct source none = {0};
    switch (o->kind) {
    case SOURCE_SELECT_SHM:
        return source_shm_new(o->shm, o->stale_after_ms, err, errlen);
    case SOURCE_SELECT_SOCKET: {
        uint16_t ports[SOURCE_SOCKTABLE_MAX_PORTS];
        size_t nports = 0;
        if (source_select_ports(o->ports, o->nports, ports, SOURCE_SOCKTABLE_MAX_PORTS, &nports,
                                err, errlen) != 0)
            return none;
        struct source_socktable_opts opts = {.method =
                                                 (enum source_socktable_method)o->socket_method};
        return source_socktable_new_opts(ports, nports, &opts, err, errlen);
    }
    case SOURCE_SELECT_SCRAPE: {
        if (o->scrape_url == NULL || o->scrape_url[0] == '\0') {
            snprintf(err, errlen, "--source=scrape needs --scrape-url: the app's /metrics URL");
            return none;
        }
        struct source_scrape_config cfg = {o->scrape_url, o->scrape_metric, o->scrape_selector,
                                           o->scrape_timeout_ms};
        return source_scrape_new(&cfg, err, errlen);
    }
    }
    snprintf(err, errlen, "unknown source");
    return none;
}
