/* SPDX-License-Identifier: Apache-2.0 */
/* mono_cond.h: condition variables timed against CLOCK_MONOTONIC, so a timed wait neither jumps
 * nor stalls with the wall clock: their init, and deadlines as pthread_cond_timedwait wants them;
 * header-only.
 * Does not: own a mutex, a flag or the wait loop (each caller keeps its own around the wait).
 * Threads: every function is thread-safe. */
#ifndef WSSCALE_MONO_COND_H
#define WSSCALE_MONO_COND_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "wsscale/clock.h"

/* Initialises c to time its waits on CLOCK_MONOTONIC. Returns 0 or an error number. */
static inline int wss_mono_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

/* A CLOCK_MONOTONIC time in ns (wss_clock_mono_ns) as a deadline for such a condition. */
static inline struct timespec wss_mono_timespec(int64_t mono_ns)
{
    return (struct timespec){.tv_sec = (time_t)(mono_ns / 1000000000),
                             .tv_nsec = (long)(mono_ns % 1000000000)};
}

/* The deadline ms milliseconds from now. */
static inline struct timespec wss_mono_deadline_ms(int64_t ms)
{
    return wss_mono_timespec(wss_clock_mono_ns() + ms * 1000000);
}

#endif
