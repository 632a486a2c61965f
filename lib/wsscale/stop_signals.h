/* SPDX-License-Identifier: Apache-2.0 */
/* stop_signals.h: the signals that ask a wsscale program to stop (SIGTERM from the kubelet,
 * SIGINT from a terminal), blocked first thing in main so that one thread takes them (sigwait,
 * sigtimedwait or a signalfd) instead of whichever thread the kernel picks.
 * Does not: wait for them or decide what stopping means (each program's main or drain does).
 * Threads: wss_stop_signals_block acts on the calling thread; threads created after inherit it. */
#ifndef WSSCALE_STOP_SIGNALS_H
#define WSSCALE_STOP_SIGNALS_H

#include <signal.h>

/* The set {SIGTERM, SIGINT}. Cannot fail. */
sigset_t wss_stop_signals(void);

/* Blocks the stop signals in the calling thread. 0, or -errno. */
int wss_stop_signals_block(void);

#endif
