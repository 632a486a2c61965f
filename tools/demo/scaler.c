/* SPDX-License-Identifier: Apache-2.0 */
/* scaler.c: pod grouping for the HPA and the deletion order of a scale-down.
 * Does not: allocate, print, or keep state.
 * Threads: any. */
#include "scaler.h"

#include <stdbool.h>
#include <string.h>

size_t scaler_hpa_pods(const struct pod_info *const *pods, size_t n_pods,
                       const struct metrics_reply *reply, struct hpa_pod *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < n_pods && n < cap; i++) {
        struct hpa_pod *h = &out[n++];
        h->name = pods[i]->name;
        h->phase = pods[i]->phase == POD_PENDING    ? HPA_POD_PENDING
                   : pods[i]->phase == POD_DELETING ? HPA_POD_IGNORED
                                                    : HPA_POD_READY;
        h->has_value = false;
        h->milli_value = 0;
        for (size_t k = 0; reply != NULL && k < reply->n; k++) {
            if (strcmp(reply->items[k].name, pods[i]->name) == 0) {
                h->has_value = true;
                h->milli_value = reply->items[k].milli_value;
                break;
            }
        }
    }
    for (size_t k = 0; reply != NULL && k < reply->n && n < cap; k++) {
        bool is_listed = false;
        for (size_t i = 0; i < n_pods && !is_listed; i++)
            is_listed = strcmp(reply->items[k].name, pods[i]->name) == 0;
        if (!is_listed)
            out[n++] = (struct hpa_pod){reply->items[k].name, HPA_POD_UNLISTED, true,
                                        reply->items[k].milli_value};
    }
    return n;
}

/* True when pod a goes before pod b in the deletion order. */
static bool deletes_before(const struct pod_info *a, const struct pod_info *b)
{
    bool a_pending = a->phase == POD_PENDING, b_pending = b->phase == POD_PENDING;
    if (a_pending != b_pending)
        return a_pending;
    uint64_t ca = a->has_count ? a->count : 0, cb = b->has_count ? b->count : 0;
    if (ca != cb)
        return ca < cb;
    return strcmp(a->name, b->name) < 0;
}

size_t scaler_pick_victims(const struct pod_info *const *pods, size_t n_pods, size_t k,
                           size_t *victims)
{
    size_t n = 0;
    /* Selection by repeated minimum: n_pods and k are small (PODS_MAX). */
    while (n < k) {
        size_t best = n_pods;
        for (size_t i = 0; i < n_pods; i++) {
            if (pods[i]->phase == POD_DELETING)
                continue;
            bool is_taken = false;
            for (size_t j = 0; j < n && !is_taken; j++)
                is_taken = victims[j] == i;
            if (is_taken)
                continue;
            if (best == n_pods || deletes_before(pods[i], pods[best]))
                best = i;
        }
        if (best == n_pods)
            break;
        victims[n++] = best;
    }
    return n;
}

size_t scaler_live_pods(const struct pod_info *const *pods, size_t n_pods)
{
    size_t n = 0;
    for (size_t i = 0; i < n_pods; i++)
        n += pods[i]->phase != POD_DELETING;
    return n;
}
