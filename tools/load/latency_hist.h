/* SPDX-License-Identifier: Apache-2.0 */
/* latency_hist.h: a log-linear histogram of durations in microseconds: fixed buckets, about 3%
 * relative error, no per-sample storage, mergeable across threads after the run.
 * Does not: lock, allocate, or know what it measures.
 * Threads: a histogram belongs to one thread; merge copies only after the owner has stopped. */
#ifndef WSSCALE_LOAD_LATENCY_HIST_H
#define WSSCALE_LOAD_LATENCY_HIST_H

#include <stdint.h>

/* Each power of two is cut into 2^SUB_BITS linear buckets: 32, so a bucket spans ~3%. */
#define LATENCY_HIST_SUB_BITS 5
#define LATENCY_HIST_SUB      (1u << LATENCY_HIST_SUB_BITS)
/* Powers of two above the exact range (0..63 us): up to ~2^37 us, about 38 hours. */
#define LATENCY_HIST_SHIFTS  31
#define LATENCY_HIST_BUCKETS ((LATENCY_HIST_SHIFTS + 2) * LATENCY_HIST_SUB)

/* Zero-initialise before use. */
struct latency_hist {
    uint64_t count;
    uint64_t sum_us;
    uint64_t min_us; /* meaningful only when count > 0 */
    uint64_t max_us;
    uint64_t buckets[LATENCY_HIST_BUCKETS];
};

/* Adds one sample; values past the top bucket are counted in it (max_us keeps the true value).
 * Cannot fail; not thread-safe. */
void latency_hist_record(struct latency_hist *h, uint64_t us);

/* The q-quantile (0 < q <= 1) as the upper edge of the bucket holding it, clamped to
 * [min_us, max_us]: never below the true value by more than a bucket. 0 when empty. Pure. */
uint64_t latency_hist_quantile(const struct latency_hist *h, double q);

/* Adds every sample of from into into. Cannot fail; the caller keeps both threads apart. */
void latency_hist_merge(struct latency_hist *into, const struct latency_hist *from);

/* The bucket a value falls in (the last one for values past the top). Pure. */
unsigned latency_hist_bucket(uint64_t us);

/* The largest value a bucket holds. Pure. */
uint64_t latency_hist_bucket_upper(unsigned bucket);

#endif
