/* SPDX-License-Identifier: Apache-2.0 */
/* stop_signals.c: the stop signal set and its pthread_sigmask.
 * Does not: install handlers.
 * Threads: the calling thread's mask only. */
#include "wsscale/stop_signals.h"

#include <pthread.h>

sigset_t wss_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

int wss_stop_signals_block(void)
{
    sigset_t set = wss_stop_signals();
    return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}
