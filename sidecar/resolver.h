/* SPDX-License-Identifier: Apache-2.0 */
/* resolver.h: name lookups on a thread of their own, so a slow or failing DNS (a lookup may block
 * for its timeouts times the search domains: tens of seconds) never holds up the pushes to the
 * addresses already known. One question per key at a time; answers are collected without waiting.
 * Does not: cache, retry or schedule lookups (the pusher decides when to ask).
 * Threads: resolver_ask, resolver_take and resolver_stop from one thread (the pusher's); the
 * lookup callback and the wake callback run on the resolver's thread. */
#ifndef SIDECAR_RESOLVER_H
#define SIDECAR_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>

#include "push_url.h"

#define RESOLVER_MAX_KEYS  8  /* questions outstanding at once (one per adapter URL) */
#define RESOLVER_MAX_ADDRS 16 /* addresses kept from one answer */
/* How long resolver_stop waits for a lookup in progress before leaving it to end by itself. */
#define RESOLVER_STOP_WAIT_MS 200

/* Looks host up (blocking is fine): up to cap numeric addresses into addrs; returns how many, or
 * -1 when the name does not resolve. push_url_resolve is one. */
typedef int (*resolver_lookup_cb)(const char *host, char (*addrs)[PUSH_URL_ADDR_LEN], size_t cap,
                                  void *arg);

/* Called on the resolver's thread when an answer is ready (never after resolver_stop returns). */
typedef void (*resolver_wake_cb)(void *arg);

struct resolver;

/* Starts the thread. lookup_arg must stay valid until resolver_stop returns (and, for a lookup
 * still running then, until it ends). NULL when the thread cannot start or out of memory. */
struct resolver *resolver_start(resolver_lookup_cb lookup, void *lookup_arg, resolver_wake_cb wake,
                                void *wake_arg);

/* Asks for host's addresses under key (< RESOLVER_MAX_KEYS). False when that key's previous
 * question is not answered and taken yet, or the host is too long. */
bool resolver_ask(struct resolver *r, size_t key, const char *host);

/* Takes one answer, if one is ready: true with *key and *n (-1: does not resolve) set and the
 * addresses in addrs[0, min(n, cap)). Never blocks. */
bool resolver_take(struct resolver *r, size_t *key, int *n, char (*addrs)[PUSH_URL_ADDR_LEN],
                   size_t cap);

/* Ends the thread: at once when it is idle, else after its lookup in progress or
 * RESOLVER_STOP_WAIT_MS, whichever comes first (a lookup still running then finishes on its own,
 * and the last of the two frees the memory). Accepts NULL. */
void resolver_stop(struct resolver *r);

#endif
