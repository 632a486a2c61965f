/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ingest.c: bytes -> ingest_body into a small store seeded with one pod. The first input
 * byte picks Report or ReportBatch; the rest is the body.
 * Does not: check reason wording (test_ingest does); it checks that a rejection changes nothing
 * and that everything stored passes validation and the store's bounds.
 * Threads: libFuzzer runs one input at a time on one thread. */
#include <stdbool.h>
#include <string.h>

#include "fuzz_check.h"
#include "ingest.h"
#include "wsscale/k8s_names.h"

#define FUZZ_MAX_PODS   4
#define FUZZ_MAX_LABELS 4
#define FUZZ_MAX_BYTES  128

static int64_t fixed_clock(void *arg)
{
    (void)arg;
    return 1000;
}

struct snapshot {
    size_t count;
    uint64_t seed_sequence;
    uint64_t seed_conns;
    bool has_seed;
};

static bool check_pod(const struct store_pod_view *p, void *arg)
{
    size_t *n = arg;
    CHECK(wss_k8s_names_check_dns_label(p->ns, strlen(p->ns), NULL, 0) == 0);
    CHECK(wss_k8s_names_check_dns_subdomain(p->name, strlen(p->name), NULL, 0) == 0);
    CHECK(strlen(p->uid) >= 1 && strlen(p->uid) <= STORE_UID_MAX);
    CHECK(p->nlabels <= FUZZ_MAX_LABELS);
    size_t bytes = 0;
    for (size_t i = 0; i < p->nlabels; i++) {
        const struct wss_label *l = &p->labels[i];
        CHECK(wss_k8s_names_check_label_key(l->key, l->key_len, NULL, 0) == 0);
        CHECK(wss_k8s_names_check_label_value(l->value, l->value_len, NULL, 0) == 0);
        bytes += l->key_len + l->value_len;
    }
    CHECK(bytes <= FUZZ_MAX_BYTES);
    (*n)++;
    return true;
}

static bool seed_view(const struct store_pod_view *p, void *arg)
{
    struct snapshot *s = arg;
    s->seed_sequence = p->sequence;
    s->seed_conns = p->active_connections;
    return false;
}

static struct snapshot take(struct store *st)
{
    struct snapshot s = {.count = store_count(st)};
    s.has_seed = store_find(st, "ws", "seed", seed_view, &s);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct store_config cfg = {.max_pods = FUZZ_MAX_PODS,
                               .max_labels = FUZZ_MAX_LABELS,
                               .max_label_bytes = FUZZ_MAX_BYTES,
                               .now_ms = fixed_clock};
    struct store *st = store_new(&cfg);
    CHECK(st != NULL);
    struct store_update seed = {.ns = "ws",
                                .ns_len = 2,
                                .name = "seed",
                                .name_len = 4,
                                .uid = "seed-uid",
                                .uid_len = 8,
                                .state = STORE_STATE_OK,
                                .active_connections = 3,
                                .interval_ms = 1000,
                                .sidecar_instance = 1,
                                .sequence = 5};
    CHECK(store_apply(st, &seed, 1, NULL, NULL, 0) == 0);

    struct ingest_limits lim = {.max_body_bytes = 4096,
                                .max_reports = 8,
                                .max_labels = FUZZ_MAX_LABELS,
                                .max_label_bytes = FUZZ_MAX_BYTES};
    enum ingest_kind kind = (data[0] & 1) ? INGEST_KIND_BATCH : INGEST_KIND_REPORT;
    struct snapshot before = take(st);
    struct store_apply_result res;
    char reason[INGEST_REASON_LEN];
    memset(reason, 'x', sizeof(reason));
    int rc = ingest_body(st, &lim, kind, data + 1, size - 1, &res, reason, sizeof(reason));
    CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
    if (rc == 0) {
        CHECK(reason[0] == '\0');
        CHECK(res.stored + res.removed + res.ignored >= 1);
        CHECK(res.stored + res.removed + res.ignored <= lim.max_reports);
    } else {
        CHECK(rc == INGEST_E_INVALID || rc == INGEST_E_TOO_LARGE || rc == INGEST_E_FULL);
        CHECK(reason[0] != '\0');
        struct snapshot after = take(st);
        CHECK(after.count == before.count && after.has_seed == before.has_seed &&
              after.seed_sequence == before.seed_sequence && after.seed_conns == before.seed_conns);
    }
    size_t n = 0;
    store_visit(st, NULL, check_pod, &n);
    CHECK(n == store_count(st));
    CHECK(n <= FUZZ_MAX_PODS);
    store_free(st);
    return 0;
}
