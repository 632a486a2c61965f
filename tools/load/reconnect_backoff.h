/* SPDX-License-Identifier: Apache-2.0 */
/* reconnect_backoff.h: how long a client waits before its next connection attempt: capped
 * exponential backoff with full jitter, so clients closed together do not return together.
 * Does not: draw random numbers or keep attempt counts; the caller passes both.
 * Threads: pure; safe from any thread. */
#ifndef WSSCALE_LOAD_RECONNECT_BACKOFF_H
#define WSSCALE_LOAD_RECONNECT_BACKOFF_H

#include <stdint.h>

/* A delay drawn uniformly from [0, min(cap_ms, base_ms * 2^attempt)] using random (any 64-bit
 * value): attempt 0 is the first retry after a connection ends. Never overflows. Pure. */
uint64_t reconnect_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms, uint64_t random);

#endif
