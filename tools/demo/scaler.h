/* SPDX-License-Identifier: Apache-2.0 */
/* scaler.h: the two choices between the HPA and the pods: how the HPA sees each pod (its phase
 * from the pod list, its value from the adapter's reply, as replica_calculator.go groups them),
 * and which pods a scale-down deletes (the ReplicaSet's order with pod-deletion-cost set from the
 * connection count: pending before running, then the fewest connections first).
 * Does not: start or stop anything, read anything, or run the HPA; pure functions only.
 * Threads: any. */
#ifndef DEMO_SCALER_H
#define DEMO_SCALER_H

#include <stddef.h>

#include "hpa.h"
#include "metrics_reader.h"
#include "pods.h"

/* Fills out (cap entries) with one hpa_pod per pod (Pending -> HPA_POD_PENDING, Deleting ->
 * HPA_POD_IGNORED, Running -> HPA_POD_READY) with the reply's value when it has one, then one
 * HPA_POD_UNLISTED entry per reply item naming no pod. Names are borrowed from pods and reply.
 * Returns the number of entries (at most cap). Pure. */
size_t scaler_hpa_pods(const struct pod_info *const *pods, size_t n_pods,
                       const struct metrics_reply *reply, struct hpa_pod *out, size_t cap);

/* Picks k pods to delete among the pods not already deleting: pending first, then by fewest
 * connections (a pod without a count counts as 0), ties by name. Writes their indexes into
 * victims and returns how many (at most k). Pure. */
size_t scaler_pick_victims(const struct pod_info *const *pods, size_t n_pods, size_t k,
                           size_t *victims);

/* Pods that count toward the ReplicaSet's replicas: those not deleting. Pure. */
size_t scaler_live_pods(const struct pod_info *const *pods, size_t n_pods);

#endif
