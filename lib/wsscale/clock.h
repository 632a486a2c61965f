/* SPDX-License-Identifier: Apache-2.0 */
/* clock.h: the time readings the programs share: CLOCK_MONOTONIC in ns or ms for intervals and
 * deadlines, CLOCK_REALTIME in ns for timestamps that leave the process; header-only.
 * Does not: sleep, convert to timespec, or serve apps (counter.h keeps its own clock reads).
 * Threads: every function is thread-safe and lock-free. */
#ifndef WSSCALE_CLOCK_H
#define WSSCALE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Signed so that deadline arithmetic can go below zero; 63 bits of ns last 292 years. */

/* CLOCK_MONOTONIC in nanoseconds. Cannot fail on Linux. Thread-safe. */
static inline int64_t wss_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_MONOTONIC in milliseconds, truncated. Cannot fail on Linux. Thread-safe. */
static inline int64_t wss_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CLOCK_REALTIME (the Unix epoch) in nanoseconds. Cannot fail on Linux. Thread-safe. */
static inline int64_t wss_clock_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
