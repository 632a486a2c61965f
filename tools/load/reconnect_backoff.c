/* SPDX-License-Identifier: Apache-2.0 */
/* reconnect_backoff.c: the full-jitter delay of reconnect_backoff.h.
 * Does not: sleep, arm timers, or draw random numbers.
 * Threads: any. */
#include "reconnect_backoff.h"

uint64_t reconnect_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms, uint64_t random)
{
    uint64_t ceiling = base_ms;
    /* Doubling stops at the cap, so neither the shift nor the product can overflow. */
    for (unsigned i = 0; i < attempt && ceiling > 0 && ceiling < cap_ms; i++)
        ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    if (ceiling == UINT64_MAX)
        return random;
    return random % (ceiling + 1);
}
