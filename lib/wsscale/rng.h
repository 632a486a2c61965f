/* SPDX-License-Identifier: Apache-2.0 */
/* rng.h: a small, fast pseudo-random generator (splitmix64), header-only, for backoff jitter,
 * WebSocket handshake nonces and masking keys, and random ids; seeded from getrandom(2).
 * Does not: give cryptographic strength (64 bits of state decide the whole sequence), lock, or
 * block: retry jitter and nonces need values other processes do not share, not secrecy.
 * Threads: a generator belongs to one thread; seeding a generator is thread-safe. */
#ifndef WSSCALE_RNG_H
#define WSSCALE_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* The splitmix64 increment: the 64-bit golden ratio, odd, so the state visits every value. */
#define WSS_RNG_GAMMA UINT64_C(0x9E3779B97F4A7C15)

/* A generator; put it where its one thread can reach it and seed it before use. */
struct wss_rng {
    uint64_t state; /* private */
};

/* Starts r at seed: the same seed gives the same sequence (tests, reproducible runs). Any value,
 * 0 included, is a good seed. Cannot fail. */
static inline void wss_rng_seed(struct wss_rng *r, uint64_t seed)
{
    r->state = seed;
}

/* Seeds r with 64 bits from getrandom(2) without blocking. Fallback, when the kernel's pool is not
 * ready yet (early boot) or getrandom is refused (old kernel, seccomp): the realtime clock in ns,
 * the pid and r's own address mixed together, which still differs between processes and between
 * the generators of one process, though an observer could guess it. Returns true when getrandom
 * gave the seed, false for the fallback; r is seeded either way. Thread-safe. */
static inline bool wss_rng_seed_random(struct wss_rng *r)
{
    uint64_t seed = 0;
    /* Up to 256 bytes are never cut short or interrupted once the pool is ready. */
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed)) {
        r->state = seed;
        return true;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r->state = ((uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec) ^
               ((uint64_t)getpid() << 40) ^ ((uint64_t)(uintptr_t)r * WSS_RNG_GAMMA);
    return false;
}

/* The next 64 random bits. Cannot fail. */
static inline uint64_t wss_rng_next(struct wss_rng *r)
{
    uint64_t z = (r->state += WSS_RNG_GAMMA);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Fills out[0..n) with random bytes: each wss_rng_next() value gives 8 bytes, least significant
 * first, and a tail shorter than 8 uses the low bytes of one more value. n = 0 draws nothing.
 * Cannot fail. */
static inline void wss_rng_fill(struct wss_rng *r, void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        uint64_t v = wss_rng_next(r);
        size_t k = n < sizeof(v) ? n : sizeof(v);
        for (size_t i = 0; i < k; i++)
            p[i] = (unsigned char)(v >> (8 * i));
        p += k;
        n -= k;
    }
}

#endif
