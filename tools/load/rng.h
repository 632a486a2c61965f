/* SPDX-License-Identifier: Apache-2.0 */
/* rng.h: a small, fast pseudo-random generator (splitmix64) for handshake nonces, masking keys
 * and backoff jitter; each worker seeds its own from getrandom(2).
 * Does not: provide cryptographic strength; a load generator needs keys no proxy can predict
 * in advance, not secrecy.
 * Threads: a generator belongs to one thread. */
#ifndef WSSCALE_LOAD_RNG_H
#define WSSCALE_LOAD_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rng {
    uint64_t state;
};

/* The next 64 random bits. Cannot fail. */
static inline uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Fills out[0..n) with random bytes. Cannot fail. */
static inline void rng_fill(struct rng *r, uint8_t *out, size_t n)
{
    while (n > 0) {
        uint64_t v = rng_next(r);
        size_t k = n < sizeof(v) ? n : sizeof(v);
        memcpy(out, &v, k);
        out += k;
        n -= k;
    }
}

#endif
