/* SPDX-License-Identifier: Apache-2.0 */
/* conn_pacer.c: the arithmetic of conn_pacer.h: connection k (from 0) is due k/rate seconds
 * after the start.
 * Does not: read clocks; times come from the caller.
 * Threads: see conn_pacer.h. */
#include "conn_pacer.h"

#define MS_PER_S 1000u

void conn_pacer_init(struct conn_pacer *p, uint64_t now_ms, uint64_t rate_per_s, uint64_t divisor,
                     uint64_t total)
{
    p->start_ms = now_ms;
    p->rate_per_s = rate_per_s;
    p->divisor = divisor == 0 ? 1 : divisor;
    p->total = total;
    p->started = 0;
}

uint64_t conn_pacer_due(const struct conn_pacer *p, uint64_t now_ms)
{
    uint64_t left = p->total - p->started;
    if (p->rate_per_s == 0 || left == 0)
        return left;
    uint64_t elapsed = now_ms > p->start_ms ? now_ms - p->start_ms : 0;
    /* Connections with index k <= elapsed * rate / (1000 * divisor) are due; 128-bit math so
     * long runs at high rates cannot overflow. */
    unsigned __int128 allowed =
        (unsigned __int128)elapsed * p->rate_per_s / ((unsigned __int128)MS_PER_S * p->divisor) + 1;
    if (allowed <= p->started)
        return 0;
    uint64_t due = allowed - p->started > left ? left : (uint64_t)(allowed - p->started);
    return due;
}

void conn_pacer_took(struct conn_pacer *p, uint64_t n)
{
    p->started += n;
    if (p->started > p->total)
        p->started = p->total;
}

uint64_t conn_pacer_next_ms(const struct conn_pacer *p)
{
    if (p->started >= p->total)
        return CONN_PACER_NEVER;
    if (p->rate_per_s == 0)
        return p->start_ms;
    /* The smallest elapsed with elapsed * rate >= started * 1000 * divisor. */
    unsigned __int128 need = (unsigned __int128)p->started * MS_PER_S * p->divisor;
    unsigned __int128 elapsed = (need + p->rate_per_s - 1) / p->rate_per_s;
    if (elapsed > UINT64_MAX - p->start_ms)
        return CONN_PACER_NEVER;
    return p->start_ms + (uint64_t)elapsed;
}
