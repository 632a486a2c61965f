/* SPDX-License-Identifier: Apache-2.0 */
/* test_rng.c: lib/wsscale/rng.h: a fixed seed gives the published splitmix64 sequence, fill
 * writes exactly n bytes (0 to 17) from the same sequence, and random seeds differ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/rng.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Filler for bytes wss_rng_fill must not touch. */
#define CANARY 0xA5

static void fixed_seeds_give_the_reference_sequence(void **state)
{
    (void)state;
    /* splitmix64 reference outputs; seed 1234567 is the commonly published test vector. */
    static const struct {
        uint64_t seed;
        uint64_t want[5];
    } cases[] = {
        {1234567,
         {6457827717110365317u, 3203168211198807973u, 9817491932198370423u, 4593380528125082431u,
          16408922859458223821u}},
        {0,
         {0xe220a8397b1dcdafu, 0x6e789e6aa1b965f4u, 0x06c45d188009454fu, 0xf88bb8a8724c81ecu,
          0x1b39896a51a8749bu}},
        {UINT64_MAX,
         {0xe4d971771b652c20u, 0xe99ff867dbf682c9u, 0x382ff84cb27281e9u, 0x6d1db36ccba982d2u,
          0xb4a0472e578069aeu}},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct wss_rng r;
        wss_rng_seed(&r, cases[i].seed);
        for (size_t k = 0; k < N_ELEMS(cases[i].want); k++) {
            uint64_t got = wss_rng_next(&r);
            if (got != cases[i].want[k])
                fail_msg("seed %llu, draw %zu: got %#llx, want %#llx",
                         (unsigned long long)cases[i].seed, k, (unsigned long long)got,
                         (unsigned long long)cases[i].want[k]);
        }
    }
}

static void fill_writes_exactly_n_bytes_of_the_sequence_little_endian_first(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 17; n++) {
        struct wss_rng filler, ref;
        wss_rng_seed(&filler, 42);
        wss_rng_seed(&ref, 42);
        unsigned char buf[32], want[32];
        memset(buf, CANARY, sizeof(buf));
        memset(want, CANARY, sizeof(want));
        wss_rng_fill(&filler, buf + 1, n);
        /* The bytes it should have written: each draw's least significant byte first. */
        for (size_t off = 0; off < n; off += 8) {
            uint64_t v = wss_rng_next(&ref);
            for (size_t b = 0; b < 8 && off + b < n; b++)
                want[1 + off + b] = (unsigned char)(v >> (8 * b));
        }
        if (memcmp(buf, want, sizeof(buf)) != 0)
            fail_msg("n %zu: filled bytes differ from the sequence or overran", n);
        /* It drew ceil(n / 8) values: both generators continue in step. */
        assert_int_equal(wss_rng_next(&filler), wss_rng_next(&ref));
    }
}

static void random_seeds_come_from_getrandom_and_differ(void **state)
{
    (void)state;
    struct wss_rng a, b;
    assert_true(wss_rng_seed_random(&a));
    assert_true(wss_rng_seed_random(&b));
    /* Two 64-bit draws from independent seeds collide with probability 2^-64. */
    assert_int_not_equal(wss_rng_next(&a), wss_rng_next(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_seeds_give_the_reference_sequence),
        cmocka_unit_test(fill_writes_exactly_n_bytes_of_the_sequence_little_endian_first),
        cmocka_unit_test(random_seeds_come_from_getrandom_and_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
