/* SPDX-License-Identifier: Apache-2.0 */
/* run.h: the demo's control loop: every ~50 ms it reaps and readies pods, samples the servers' own
 * counts and the adapter's answer (freshness), drives the load profile; every second a view line
 * and a CSV row; every sync period one HPA step, then the ReplicaSet reconciles (scale-up starts
 * pods, scale-down deletes the emptiest). Ends when the load has ended and the replicas are back
 * at minReplicas (bounded), or on a stop request.
 * Does not: build or tear down the parts (main does) or format output itself.
 * Threads: main's thread; the front runs its own. */
#ifndef DEMO_RUN_H
#define DEMO_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "freshness.h"
#include "front.h"
#include "hpa.h"
#include "load_profile.h"
#include "metrics_reader.h"
#include "pods.h"
#include "prom_run.h"
#include "timeline.h"

/* The parts the loop drives; every pointer is borrowed from main. */
struct run_parts {
    struct pods *pods;
    struct front *front;
    struct metrics_reader *reader;
    struct hpa *hpa;
    struct load_profile *load;
    struct freshness *fresh;
    struct events *events;
    struct timeline *timeline;
    FILE *view;                         /* NULL: no live view */
    volatile sig_atomic_t *is_stopping; /* set by main's signal handler */
    struct prom_run *prom;              /* NULL without --prometheus: its targets follow the pods */
};

/* The loop's settings. */
struct run_config {
    int32_t min_replicas;
    int64_t target, sync_ms, sample_ms, settle_max_ms;
};

/* What the run saw, for the summary. */
struct run_outcome {
    int64_t elapsed_ms;
    int32_t max_replicas_seen, final_replicas;
    int n_scale_ups, n_scale_downs, n_pods_started, n_pods_deleted;
    int n_read_errors;     /* adapter reads that failed */
    bool is_stopped_early; /* a signal or a failure ended it */
    char failure[256];     /* why, when it failed */
};

/* Runs until the end; 0, or -1 with out->failure set (a pod or load run could not start). */
int run_loop(const struct run_parts *parts, const struct run_config *cfg, struct run_outcome *out);

#endif
