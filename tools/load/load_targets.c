/* SPDX-License-Identifier: Apache-2.0 */
/* load_targets.c: --url values to resolved targets, --source-addrs items to bind addresses, and
 * the checks between them.
 * Does not: connect, or print (errors are returned as text).
 * Threads: main, before the run. */
#include "load_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_addrs.h"
#include "wsscale/hostport_resolve.h"
#include "wsscale/ws_url.h"

/* Room for a test request while checking --origin and --protocol. */
#define PROBE_CAP 8192

static const char *family_name(int family)
{
    return family == AF_INET ? "IPv4" : "IPv6";
}

/* Writes a request with the given optional fields; true if it can be written. */
static bool can_write(const struct wss_ws_client_handshake *hs)
{
    char probe[PROBE_CAP];
    return wss_ws_client_handshake_write(probe, sizeof(probe), hs) > 0;
}

static int build_one(const char *url, const char *origin, const char *protocols,
                     struct load_target *t, char *err, size_t errlen)
{
    struct wss_ws_url u;
    struct wss_parse_err perr = {0};
    if (wss_ws_url_parse(url, strlen(url), &u, &perr) < 0) {
        snprintf(err, errlen, "invalid value \"%s\" for --url: %s", url, perr.msg);
        return -1;
    }
    if (wss_hostport_resolve(&u.addr, AF_INET, &t->addr, &t->addr_len) != 0) {
        snprintf(err, errlen, "invalid value \"%s\" for --url: cannot resolve host \"%.*s\"", url,
                 (int)u.addr.host_len, u.addr.host);
        return -1;
    }
    t->hs = (struct wss_ws_client_handshake){
        .host = u.authority,
        .host_len = u.authority_len,
        .path = u.path,
        .path_len = u.path_len,
        .query = u.query,
        .query_len = u.query_len,
    };
    if (!can_write(&t->hs)) {
        snprintf(err, errlen, "invalid value \"%s\" for --url: no upgrade request can carry it",
                 url);
        return -1;
    }
    if (origin != NULL && origin[0] != '\0') {
        t->hs.origin = origin;
        t->hs.origin_len = strlen(origin);
        if (!can_write(&t->hs)) {
            snprintf(err, errlen,
                     "invalid value \"%s\" for --origin: want printable ASCII of a header line",
                     origin);
            return -1;
        }
    }
    if (protocols != NULL && protocols[0] != '\0') {
        t->hs.protocols = protocols;
        t->hs.protocols_len = strlen(protocols);
        if (!can_write(&t->hs)) {
            snprintf(err, errlen,
                     "invalid value \"%s\" for --protocol: want a comma-separated list of tokens",
                     protocols);
            return -1;
        }
    }
    return 0;
}

struct load_target *load_targets_build(char *const *urls, size_t nurls, const char *origin,
                                       const char *protocols, char *err, size_t errlen)
{
    if (nurls == 0) {
        snprintf(err, errlen, "--url needs at least one ws:// URL");
        return NULL;
    }
    struct load_target *ts = calloc(nurls, sizeof(*ts));
    if (ts == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < nurls; i++) {
        if (build_one(urls[i], origin, protocols, &ts[i], err, errlen) != 0) {
            free(ts);
            return NULL;
        }
    }
    return ts;
}

int load_targets_sources(char *const *items, size_t nitems, const struct load_target *targets,
                         size_t ntargets, struct sockaddr_storage **out, size_t *nout, char *err,
                         size_t errlen)
{
    *out = NULL;
    *nout = 0;
    if (nitems == 0)
        return 0;
    struct sockaddr_storage *addrs = calloc(SOURCE_ADDRS_MAX, sizeof(*addrs));
    size_t n = 0;
    if (addrs == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nitems; i++) {
        struct wss_parse_err perr = {0};
        if (source_addrs_parse(items[i], strlen(items[i]), addrs, SOURCE_ADDRS_MAX, &n, &perr) <
            0) {
            snprintf(err, errlen, "invalid value \"%s\" for --source-addrs: %s", items[i],
                     perr.msg);
            free(addrs);
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < ntargets; j++) {
            if (addrs[i].ss_family != targets[j].addr.ss_family) {
                snprintf(err, errlen,
                         "invalid value for --source-addrs: source address %zu is %s but target "
                         "%zu is %s; use one family",
                         i + 1, family_name(addrs[i].ss_family), j + 1,
                         family_name(targets[j].addr.ss_family));
                free(addrs);
                return -1;
            }
        }
    }
    *out = addrs;
    *nout = n;
    return 0;
}
