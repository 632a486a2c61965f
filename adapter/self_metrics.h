/* SPDX-License-Identifier: Apache-2.0 */
/* self_metrics.h: wsscale-adapter's own Prometheus metrics: pods tracked and servable, reports by
 * result, API requests by path kind and code with a duration histogram, and the TokenReview and
 * SubjectAccessReview call, cache-hit and error counters.
 * Does not: run a server (main serves the /metrics route on --metrics-bind-address), or keep the
 * review counters itself (it reads them from the reviewers at scrape time through callbacks).
 * Threads: counting calls are lock-free or take the prom family lock briefly, from any thread;
 * the registry renders on the metrics server's worker threads. */
#ifndef ADAPTER_SELF_METRICS_H
#define ADAPTER_SELF_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "wsscale/http_router.h"
#include "wsscale/parse.h"
#include "wsscale/prom.h"

/* Results of reports, the values of wsscale_adapter_reports_total{result}. */
enum self_metrics_report {
    SELF_METRICS_REPORT_STORED = 0,   /* per report */
    SELF_METRICS_REPORT_REMOVED,      /* per final report */
    SELF_METRICS_REPORT_IGNORED,      /* per report with an old sequence */
    SELF_METRICS_REPORT_INVALID,      /* per refused request from here on: 400 */
    SELF_METRICS_REPORT_TOO_LARGE,    /* 413 */
    SELF_METRICS_REPORT_UNSUPPORTED,  /* 415 */
    SELF_METRICS_REPORT_UNAUTHORIZED, /* 401 */
    SELF_METRICS_REPORT_FORBIDDEN,    /* 403 */
    SELF_METRICS_REPORT_UNAVAILABLE,  /* 503: store full or the TokenReview failed */
    SELF_METRICS_REPORT_ERROR,        /* 500 */
    SELF_METRICS_NREPORT,
};

/* Reads a reviewer's counters at scrape time (calls, answers from cache, calls that failed). */
typedef void (*self_metrics_review_cb)(void *arg, uint64_t *calls, uint64_t *cache_hits,
                                       uint64_t *errors);

struct self_metrics_config {
    struct store *store;                  /* borrowed; pods tracked / servable; NULL = not shown */
    self_metrics_review_cb token_reviews; /* NULL = no TokenReview counters shown */
    void *token_reviews_arg;
    self_metrics_review_cb access_reviews; /* NULL = no SubjectAccessReview counters shown */
    void *access_reviews_arg;
};

struct self_metrics;

/* Creates the registry and every family. NULL with err (a prom error) or when out of memory.
 * Free with self_metrics_free(). */
struct self_metrics *self_metrics_new(const struct self_metrics_config *cfg,
                                      struct wss_parse_err *err);

/* Frees everything; accepts NULL. Not while a render or count may run. */
void self_metrics_free(struct self_metrics *m);

/* The registry to render on /metrics (borrowed). Thread-safe. */
struct wss_prom_registry *self_metrics_registry(struct self_metrics *m);

/* Adds GET /metrics rendering the registry (text format 0.0.4). Returns 0, or WSS_PARSE_INVALID
 * with err. Before serving only. */
int self_metrics_add_route(struct self_metrics *m, struct wss_http_router *r,
                           struct wss_parse_err *err);

/* Adds n to reports_total{result}. Accepts m NULL (does nothing). Thread-safe, lock-free. */
void self_metrics_report(struct self_metrics *m, enum self_metrics_report result, uint64_t n);

/* Counts one API request of kind (see self_metrics_route_kind) answered with code in seconds.
 * Accepts m NULL. Thread-safe (the family lock, briefly, on a new kind/code pair). */
void self_metrics_request(struct self_metrics *m, const char *kind, unsigned code, double seconds);

/* The path kind label of a request from its matched route pattern (lib/http_router syntax) and
 * its {name} capture: "discovery", "openapi", "pods" (name "*"), "pod", "namespace", "root",
 * "external", "health", "version", "ingest", or "other" (no route, or an unknown one). Pure. */
const char *self_metrics_route_kind(const char *pattern, const char *name);

#endif
