/* SPDX-License-Identifier: Apache-2.0 */
/* backoff.h: how long to wait before the next retry: capped exponential backoff with jitter, so
 * clients that failed together (a restarted Redis, an adapter rollout) do not return together.
 * Does not: sleep, arm timers, count attempts or draw random numbers; the caller passes both.
 * Threads: pure; safe from any thread. */
#ifndef WSSCALE_BACKOFF_H
#define WSSCALE_BACKOFF_H

#include <stdint.h>

/* Where in [0, d] the delay falls, d being the capped exponential ceiling (see wss_backoff_ms). */
enum wss_backoff_jitter {
    WSS_BACKOFF_FULL,  /* uniform in [0, d]: spreads retries most; one may come at once */
    WSS_BACKOFF_EQUAL, /* uniform in [d - d/2, d] (d/2 rounded down): never under half of d */
};

/* The delay before retry number attempt (0 = the first retry): with the ceiling
 * d = min(cap_ms, base_ms * 2^attempt), a point of the jitter's range picked by random (any 64-bit
 * value, e.g. from wss_rng_next). A jitter other than WSS_BACKOFF_EQUAL means full jitter. Never
 * overflows, whatever attempt, base_ms and cap_ms; cannot fail. Pure; thread-safe. */
uint64_t wss_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                        enum wss_backoff_jitter jitter, uint64_t random);

#endif
