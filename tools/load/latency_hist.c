/* SPDX-License-Identifier: Apache-2.0 */
/* latency_hist.c: bucket arithmetic, recording, quantiles and merging for latency_hist.h.
 * Does not: allocate, print, or keep samples.
 * Threads: see latency_hist.h; nothing here is shared. */
#include "latency_hist.h"

#include <math.h>

/* Values below this are their own bucket (shift 0 covers two powers of two exactly). */
#define EXACT_LIMIT (2u * LATENCY_HIST_SUB)

unsigned latency_hist_bucket(uint64_t us)
{
    if (us < EXACT_LIMIT)
        return (unsigned)us;
    unsigned msb = 63u - (unsigned)__builtin_clzll(us);
    unsigned shift = msb - LATENCY_HIST_SUB_BITS;
    if (shift > LATENCY_HIST_SHIFTS)
        return LATENCY_HIST_BUCKETS - 1;
    /* us >> shift is in [SUB, 2*SUB): the top bits under the leading one pick the bucket. */
    return shift * LATENCY_HIST_SUB + (unsigned)(us >> shift);
}

uint64_t latency_hist_bucket_upper(unsigned bucket)
{
    if (bucket < EXACT_LIMIT)
        return bucket;
    unsigned shift = bucket / LATENCY_HIST_SUB - 1;
    uint64_t mantissa = bucket - shift * LATENCY_HIST_SUB;
    return ((mantissa + 1) << shift) - 1;
}

void latency_hist_record(struct latency_hist *h, uint64_t us)
{
    if (h->count == 0 || us < h->min_us)
        h->min_us = us;
    if (us > h->max_us)
        h->max_us = us;
    h->count++;
    h->sum_us += us;
    h->buckets[latency_hist_bucket(us)]++;
}

uint64_t latency_hist_quantile(const struct latency_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min_us;
    if (q >= 1)
        return h->max_us;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            uint64_t v = latency_hist_bucket_upper(b);
            if (v > h->max_us)
                v = h->max_us;
            if (v < h->min_us)
                v = h->min_us;
            return v;
        }
    }
    return h->max_us;
}

void latency_hist_merge(struct latency_hist *into, const struct latency_hist *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0 || from->min_us < into->min_us)
        into->min_us = from->min_us;
    if (from->max_us > into->max_us)
        into->max_us = from->max_us;
    into->count += from->count;
    into->sum_us += from->sum_us;
    for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++)
        into->buckets[b] += from->buckets[b];
}
