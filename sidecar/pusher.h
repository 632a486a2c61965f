/* SPDX-License-Identifier: Apache-2.0 */
/* pusher.h: the pushing thread: each sample as a protobuf Report POSTed to every adapter
 * address (every --adapter-url, and every address its name resolves to), keep-alive, short
 * timeouts, capped jittered backoff per target, the newest sample winning over older ones.
 * Does not: sample, block the sampler (pusher_offer only copies under a lock), or queue old
 * samples for a slow target: a target that is busy or backing off skips to the newest.
 * Threads: one thread of its own does all I/O, DNS and file reads; pusher_offer may be called
 * from any thread; start, finish and free from one (main's). */
#ifndef SIDECAR_PUSHER_H
#define SIDECAR_PUSHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "push_policy.h"
#include "push_url.h"
#include "sample.h"
#include "wsscale/prom.h"

#define PUSHER_CONNECT_TIMEOUT_MS 1000
#define PUSHER_TOTAL_TIMEOUT_MS   2000
/* Most --adapter-url values, and most addresses used per URL. */
#define PUSHER_MAX_URLS  8
#define PUSHER_MAX_ADDRS 16
/* Room for a numeric address as text, IPv6 included. */
#define PUSHER_ADDR_LEN PUSH_URL_ADDR_LEN
/* Largest token file read (a projected service-account token is about 1 KiB). */
#define PUSHER_TOKEN_MAX_BYTES (16 * 1024)
/* Room for a start error message. */
#define PUSHER_ERR_LEN 512

/* Looks host up and writes up to cap numeric addresses (no brackets) into addrs. Returns how
 * many (0 is allowed), or -1 when the name does not resolve. Runs on the pusher's lookup thread
 * and may block: pushes to the addresses already known go on meanwhile. resolve_arg must stay
 * valid until a lookup running at pusher_free ends (pusher_free waits RESOLVER_STOP_WAIT_MS for
 * it, then leaves it to end by itself). push_url_resolve is the default. */
typedef int (*pusher_resolve_cb)(const char *host, char (*addrs)[PUSHER_ADDR_LEN], size_t cap,
                                 void *arg);

struct pusher_config {
    const char *const *urls;     /* borrowed during start: base URLs, http:// or https:// */
    size_t nurls;                /* 1..PUSHER_MAX_URLS */
    const char *ca_file;         /* NULL or "": the system's trust store */
    bool is_insecure;            /* skip TLS verification (tests and emergencies) */
    const char *token_file;      /* borrowed; copied; NULL or "": no Authorization header */
    struct identity *identity;   /* borrowed: only the pusher thread touches it after start */
    uint32_t interval_ms;        /* the sampling interval: sent in reports; caps the backoff so a
                                    target that comes back gets a report within one interval */
    int64_t resolve_interval_ms; /* how often names are looked up again; > 0 */
    pusher_resolve_cb resolve;   /* NULL: push_url_resolve (getaddrinfo) */
    void *resolve_arg;
    struct wss_prom_registry *registry; /* borrowed; gets the push families */
};

/* A snapshot of the push counters, for tests. */
struct pusher_stats {
    uint64_t pushes;                /* acknowledged with 2xx */
    uint64_t errors[PUSH_NRESULTS]; /* by reason; errors[PUSH_OK] stays 0 */
    size_t targets;                 /* addresses pushed to now */
    uint64_t sequence;              /* of the newest report built */
};

/* Checks the URLs (scheme, host), registers the push families, picks a random instance id and
 * starts the thread. Returns NULL with a message in err for a bad URL, too many URLs, a
 * registry error, or a thread or curl handle that cannot be made. curl_global_init must have
 * run. */
struct pusher *pusher_start(const struct pusher_config *cfg, char *err, size_t errlen);

/* Hands the thread a sample to report; a newer one replaces one not yet taken. Never blocks on
 * I/O. Ignored after pusher_finish began; accepts NULL p. Thread-safe. */
void pusher_offer(struct pusher *p, const struct sample *s);

/* Reports last as the final report (final = true) to every target, retrying failures until
 * timeout_ms, then stops the thread. Returns how many targets (a URL that resolved to nothing
 * counts as one) did not acknowledge it; 0 for NULL p. Once. */
int pusher_finish(struct pusher *p, const struct sample *last, int64_t timeout_ms);

/* Copies the counters. Thread-safe. */
void pusher_stats(struct pusher *p, struct pusher_stats *out);

/* Stops the thread if still running (no final report), frees everything; accepts NULL. Before
 * the registry is freed. */
void pusher_free(struct pusher *p);

#endif
