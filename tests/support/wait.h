/* SPDX-License-Identifier: Apache-2.0 */
/* wait.h: the one way tests wait: poll a condition until it holds or a deadline passes.
 * Does not: sleep for a fixed time and hope; every wait has a deadline and reports a miss.
 * Threads: call from the test's own thread; the condition runs on it. */
#ifndef WSSCALE_TEST_WAIT_H
#define WSSCALE_TEST_WAIT_H

#include <stdbool.h>

/* How often a condition is re-checked while waiting. */
#define WSS_WAIT_POLL_MS 5

typedef bool (*wss_wait_cond_cb)(void *arg);

/* Polls cond(arg) every WSS_WAIT_POLL_MS until it returns true (-> true) or timeout_ms has passed
 * (-> false, after one last check). */
bool wss_wait_until(wss_wait_cond_cb cond, void *arg, int timeout_ms);

/* Milliseconds on the monotonic clock, for tests that measure how long something took. */
long long wss_wait_now_ms(void);

#endif
