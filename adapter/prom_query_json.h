/* SPDX-License-Identifier: Apache-2.0 */
/* prom_query_json.h: reads a Prometheus /api/v1/query reply (status, errorType/error, an instant
 * vector of series: labels and [timestamp, "value"]) into caller-provided arrays of samples.
 * Does not: do I/O, build queries, group series by pod, or keep anything past the call (cJSON's
 * tree is freed before it returns; every output string is copied into the caller's arena).
 * Threads: pure over its arguments; any number of threads may read distinct replies at once. */
#ifndef ADAPTER_PROM_QUERY_JSON_H
#define ADAPTER_PROM_QUERY_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/labels.h"
#include "wsscale/parse.h"

/* Bounds on one reply, with units. */
#define PROM_QUERY_JSON_MAX_BYTES       (8 * 1024 * 1024) /* a longer reply is refused */
#define PROM_QUERY_JSON_MAX_SERIES      100000            /* series in one vector */
#define PROM_QUERY_JSON_MAX_LABELS      64                /* labels on one series */
#define PROM_QUERY_JSON_MAX_LABEL_BYTES 1024              /* bytes of one label name or value */
/* Timestamps past this (year 2286) are refused, so seconds x 1000 always fits int64. */
#define PROM_QUERY_JSON_MAX_UNIX_S 9999999999.0

/* Why a well-formed sample has no milli_value (static texts, compared by tests). */
#define PROM_QUERY_JSON_NAN       "the value is NaN, which is not a Quantity"
#define PROM_QUERY_JSON_INFINITE  "the value is infinite, which is not a Quantity"
#define PROM_QUERY_JSON_TOO_LARGE "the value does not fit a Quantity in milli-units"

/* One series of the vector. Label strings are NUL-terminated copies in the result's arena. */
struct prom_sample {
    const struct wss_label *labels; /* borrowed; into prom_query_result.labels; __name__ kept */
    size_t nlabels;
    int64_t timestamp_ms;       /* the evaluation time Prometheus stamps an instant vector with */
    int64_t milli_value;        /* value x 1000, rounded up as Quantity's MilliValue(); 0 when
                                   invalid_reason is set */
    const char *invalid_reason; /* NULL, or one of the static PROM_QUERY_JSON_NAN/... texts */
};

/* Caller-owned output storage: the caller sets the arrays and capacities (prom_query_json_caps
 * gives capacities that always suffice for a reply of a given length), the reader the counts. */
struct prom_query_result {
    struct prom_sample *samples; /* borrowed; samples_cap entries */
    size_t samples_cap, nsamples;
    struct wss_label *labels; /* borrowed; labels_cap entries, shared by all samples */
    size_t labels_cap, nlabels;
    char *text; /* borrowed; text_cap bytes for label names and values with their NULs */
    size_t text_cap, text_len;
};

/* Capacities with which prom_query_json_read never runs out of room on a reply of len bytes:
 * every sample, label and string needs at least as many input bytes as it takes. Pure. */
void prom_query_json_caps(size_t len, size_t *samples_cap, size_t *labels_cap, size_t *text_cap);

/* Reads the reply json[0..len) (no NUL needed) into res. Returns len for a "success" reply whose
 * data.resultType is "vector", or WSS_PARSE_INVALID with err set: not JSON, a missing or
 * mistyped field, a status "error" reply (the message carries errorType and error), another
 * resultType, a label or timestamp out of bounds, a value that is neither a decimal number nor
 * NaN/+Inf/-Inf, or res too small; res then holds no samples. A NaN, ±Inf or out-of-range value
 * fails only its sample (invalid_reason), never the reply. Negative values are kept: Quantity
 * allows them and the caller decides. Thread-safe on distinct results. */
int prom_query_json_read(const char *json, size_t len, struct prom_query_result *res,
                         struct wss_parse_err *err);

/* The value of label name on s, or NULL. Pure. */
const struct wss_label *prom_sample_label(const struct prom_sample *s, const char *name);

#endif
