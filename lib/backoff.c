/* SPDX-License-Identifier: Apache-2.0 */
/* backoff.c: the capped, jittered exponential delay of wsscale/backoff.h.
 * Does not: sleep, arm timers, keep attempt counts or draw random numbers.
 * Threads: any; nothing here has state. */
#include "wsscale/backoff.h"

/* min(cap_ms, base_ms * 2^attempt). Doubling stops at the cap, so neither the product nor the
 * loop count can run away: at most 64 doublings happen before the ceiling reaches any cap. */
static uint64_t ceiling_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms)
{
    uint64_t d = base_ms;
    for (unsigned i = 0; i < attempt && d > 0 && d < cap_ms; i++)
        d = d > cap_ms / 2 ? cap_ms : d * 2;
    return d > cap_ms ? cap_ms : d;
}

uint64_t wss_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms,
                        enum wss_backoff_jitter jitter, uint64_t random)
{
    uint64_t d = ceiling_ms(attempt, base_ms, cap_ms);
    if (jitter == WSS_BACKOFF_EQUAL) {
        uint64_t half = d / 2; /* half + 1 cannot overflow: half <= UINT64_MAX / 2 */
        return d - half + random % (half + 1);
    }
    if (d == UINT64_MAX) /* [0, UINT64_MAX] is every value random can take */
        return random;
    return random % (d + 1);
}
