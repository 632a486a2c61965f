/* SPDX-License-Identifier: Apache-2.0 */
/* free_port.h: a TCP port on 127.0.0.1 that nothing listens on at the moment of asking, for the
 * children the demo starts (each binds it a moment later; a clash makes that child fail loudly).
 * Does not: reserve the port.
 * Threads: any. */
#ifndef DEMO_FREE_PORT_H
#define DEMO_FREE_PORT_H

/* The port, or -errno. Thread-safe. */
int free_port(void);

#endif
