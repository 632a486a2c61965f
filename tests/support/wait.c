/* SPDX-License-Identifier: Apache-2.0 */
/* wait.c: polls a test's condition against a monotonic deadline.
 * Does not: know what it waits for.
 * Threads: the caller's. */
#include "wait.h"

#include <time.h>

#include "wsscale/clock.h"

long long wss_wait_now_ms(void)
{
    return wss_clock_mono_ms();
}

bool wss_wait_until(wss_wait_cond_cb cond, void *arg, int timeout_ms)
{
    long long deadline = wss_wait_now_ms() + timeout_ms;
    while (wss_wait_now_ms() < deadline) {
        if (cond(arg))
            return true;
        struct timespec pause = {0, WSS_WAIT_POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    return cond(arg);
}
