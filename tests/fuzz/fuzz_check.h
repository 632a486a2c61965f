/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_check.h: the invariant check every fuzz target uses, and the libFuzzer entry point.
 * Does not: depend on assert(), which NDEBUG (set by RelWithDebInfo) would compile away.
 * Threads: libFuzzer runs one input at a time on one thread. */
#ifndef WSSCALE_FUZZ_CHECK_H
#define WSSCALE_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Aborts with the failed condition, so libFuzzer saves the input as a crash. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
