/* SPDX-License-Identifier: Apache-2.0 */
/* load_targets.h: turns --url, --origin, --protocol and --source-addrs into the resolved targets
 * and bind addresses of a load_config, with one-line errors that name the flag at fault.
 * Does not: open sockets or keep copies of the text: targets borrow the flag strings.
 * Threads: main, before the run. */
#ifndef WSSCALE_LOAD_TARGETS_H
#define WSSCALE_LOAD_TARGETS_H

#include <stddef.h>

#include "load_config.h"

/* Length of the error text these functions leave. */
#define LOAD_TARGETS_ERR_LEN 400

/* Parses and resolves each URL (wss_ws_url_parse, wss_hostport_resolve) into a new array of
 * nurls targets carrying origin and protocols (either may be NULL or empty for none). Returns the
 * array (free it with free()), or NULL with err naming the flag and the problem. The targets
 * borrow urls, origin and protocols, which must outlive them. May block on DNS. */
struct load_target *load_targets_build(char *const *urls, size_t nurls, const char *origin,
                                       const char *protocols, char *err, size_t errlen);

/* Parses the --source-addrs items into a new array (free with free()) and checks that each
 * target can be reached from every one (same address family). Returns 0 with *out and *nout set
 * (NULL and 0 for no items), or -1 with err naming the flag. */
int load_targets_sources(char *const *items, size_t nitems, const struct load_target *targets,
                         size_t ntargets, struct sockaddr_storage **out, size_t *nout, char *err,
                         size_t errlen);

#endif
