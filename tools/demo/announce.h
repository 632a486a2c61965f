/* SPDX-License-Identifier: Apache-2.0 */
/* announce.h: the start of a demo run: the "start" event with where every part listens, and the
 * lines that tell the user what runs and the kubectl command that reads what the HPA reads.
 * Does not: start anything or read the parts; main hands it the addresses.
 * Threads: main's thread only. */
#ifndef DEMO_ANNOUNCE_H
#define DEMO_ANNOUNCE_H

#include <stdint.h>
#include <stdio.h>

#include "events.h"

/* What is announced; strings are borrowed, the optional ones NULL when absent. */
struct announce {
    const char *adapter_url, *kubeconfig, *front_url, *metrics_url;
    const char *ns, *app;
    int64_t connections, target, sample_ms, min_replicas, max_replicas;
    const char *prom_url;                         /* NULL without --prometheus */
    const char *pod_cidr, *gateway, *host_ifname; /* NULL without --netns */
};

/* Emits the "start" event at t_ms and prints the announcement to out. Cannot fail. */
void announce_start(struct events *events, int64_t t_ms, FILE *out, const struct announce *a);

#endif
