/* SPDX-License-Identifier: Apache-2.0 */
/* timeline.h: what the demo leaves behind: scaling.csv (one row a second: connections per pod,
 * target, replicas), scaling.png drawn from it by gnuplot, and summary.txt.
 * Does not: measure anything (main hands it rows) or decide anything.
 * Threads: one owner thread. */
#ifndef DEMO_TIMELINE_H
#define DEMO_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

/* Length of the pods column ("name=count;..."). */
#define TIMELINE_PODS_LEN 2048

struct timeline_row {
    double t_s;
    int64_t total;             /* the servers' own counts, summed */
    int64_t wanted;            /* clients the load profile wants open */
    int64_t target;            /* the HPA's target per pod */
    int32_t replicas, desired; /* the ReplicaSet's spec.replicas, the HPA's last answer */
    int32_t ready;             /* Running pods */
    double per_pod_avg, per_pod_min, per_pod_max; /* over Running pods */
    char pods[TIMELINE_PODS_LEN];                 /* "name=count;..." of every pod */
};

struct timeline;

/* Opens dir/scaling.csv (truncating) and writes its header. NULL with errno. */
struct timeline *timeline_open(const char *dir);

/* Appends one row. 0 or -1. */
int timeline_add(struct timeline *tl, const struct timeline_row *row);

/* Closes the CSV and runs gnuplot_bin on a script that draws dir/scaling.png; waits at most
 * timeout_ms. 0, or -1 with a reason in err (errlen bytes) (gnuplot missing or failing). */
int timeline_plot(struct timeline *tl, const char *gnuplot_bin, int64_t timeout_ms, char *err,
                  size_t errlen);

/* Writes dir/summary.txt from text. 0 or -1. */
int timeline_write_summary(const struct timeline *tl, const char *text);

/* Closes what is open and frees tl; accepts NULL. */
void timeline_close(struct timeline *tl);

#endif
