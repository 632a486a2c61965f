/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_reader.h: reads the adapter's custom metrics API over HTTPS the way the HPA does:
 * GET .../v1beta2/namespaces/<ns>/pods/%2A/websocket_connections?labelSelector=app%3D<app>, each
 * item's describedObject.name and value as Quantity.MilliValue().
 * Does not: decide anything with the values, or retry; a failed read is an error for that read.
 * Threads: a reader belongs to one thread. */
#ifndef DEMO_METRICS_READER_H
#define DEMO_METRICS_READER_H

#include <stddef.h>
#include <stdint.h>

/* Most items one read keeps; more make the read fail. */
#define METRICS_READER_MAX_ITEMS 128
/* Longest pod name kept, NUL included. */
#define METRICS_READER_NAME_LEN 254
/* Length of the error text a failed read leaves. */
#define METRICS_READER_ERR_LEN 256

struct metrics_item {
    char name[METRICS_READER_NAME_LEN];
    int64_t milli_value;
};

/* One answer of the API. */
struct metrics_reply {
    size_t n;
    struct metrics_item items[METRICS_READER_MAX_ITEMS];
    char error[METRICS_READER_ERR_LEN]; /* when the read failed */
};

struct metrics_reader;

/* A reader of base_url ("https://127.0.0.1:PORT") trusting ca_file, for pods of ns matching
 * app=<app>; the connection is kept alive between reads. NULL when out of memory. */
struct metrics_reader *metrics_reader_create(const char *base_url, const char *ca_file,
                                             const char *ns, const char *app, int64_t timeout_ms);

/* The URL each read asks for (what the HPA asks for). */
const char *metrics_reader_url(const struct metrics_reader *r);

/* One GET. 0 with out filled, or -1 with out->error set (transport, non-200 with the Status
 * message, bad JSON, a bad Quantity, too many items). */
int metrics_reader_read(struct metrics_reader *r, struct metrics_reply *out);

/* Parses a PodMetricsList (MetricValueList) body: 0, or -1 with out->error set. Pure. */
int metrics_reader_parse(const char *body, size_t len, struct metrics_reply *out);

/* Accepts NULL. */
void metrics_reader_destroy(struct metrics_reader *r);

#endif
