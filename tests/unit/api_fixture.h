/* SPDX-License-Identifier: Apache-2.0 */
/* api_fixture.h: a plain-HTTP lib http server on 127.0.0.1 port 0 carrying the adapter's API
 * routes (discovery + metric reads over a given source, Status errors), and a libcurl GET.
 * Does not: use TLS or authenticate; those are tested with the server and the authn unit.
 * Threads: start/stop/get from the test thread; handlers run on the server's workers. */
#ifndef WSSCALE_TEST_API_FIXTURE_H
#define WSSCALE_TEST_API_FIXTURE_H

#include <stddef.h>

#include "metric_source.h"

/* Most body bytes a reply keeps; more is cut (and fails the JSON parse). */
#define API_FIXTURE_BODY_MAX 65536

struct api_fixture;

struct api_reply {
    long code;                       /* HTTP status; 0 when the request failed */
    char content_type[128];          /* the Content-Type header, "" if none */
    char body[API_FIXTURE_BODY_MAX]; /* NUL-terminated */
    size_t body_len;
};

/* Starts the server with the API routes over src (borrowed; may be NULL for discovery only).
 * NULL on failure. */
struct api_fixture *api_fixture_start(const struct metric_source *src);

/* Stops the server and frees everything; accepts NULL. */
void api_fixture_stop(struct api_fixture *f);

/* Requests method (NULL = GET) path (sent as written, escapes kept) with an optional extra
 * header line; fills r. */
void api_fixture_call(struct api_fixture *f, const char *method, const char *path,
                      const char *header, struct api_reply *r);

#endif
