/* SPDX-License-Identifier: Apache-2.0 */
/* push_policy.h: the pusher's rules as pure functions: what a finished transfer counts as (one
 * reason label per kind of failure) and how long a failing target waits before the next try.
 * Does not: send, sleep, log or draw random numbers (the caller passes the randomness).
 * Threads: pure; any thread. */
#ifndef SIDECAR_PUSH_POLICY_H
#define SIDECAR_PUSH_POLICY_H

#include <stdint.h>

#include <curl/curl.h>

/* The first retry waits about this long; each failure doubles it up to the cap. */
#define PUSH_POLICY_BACKOFF_BASE_MS 100

/* What one push came to; every value but PUSH_OK is a reason label of push_errors_total. */
enum push_result {
    PUSH_OK = 0,
    PUSH_ERR_RESOLVE,  /* the adapter's name did not resolve */
    PUSH_ERR_CONNECT,  /* connection refused or unreachable */
    PUSH_ERR_NETWORK,  /* the connection broke: reset, nothing received, send or receive failed */
    PUSH_ERR_TIMEOUT,  /* connect or total timeout */
    PUSH_ERR_TLS,      /* handshake or certificate verification failed */
    PUSH_ERR_AUTH,     /* HTTP 401 or 403: the token was refused */
    PUSH_ERR_HTTP_4XX, /* any other 4xx: the adapter rejected the report */
    PUSH_ERR_HTTP_5XX, /* the adapter failed */
    PUSH_ERR_OTHER,    /* anything else, 1xx and 3xx included */
    PUSH_NRESULTS,
};

/* "ok", "resolve", "connect", "network", "timeout", "tls", "auth", "http_4xx", "http_5xx",
 * "other". Pure. */
const char *push_policy_result_name(enum push_result r);

/* Classifies a finished transfer: its curl code and, for CURLE_OK, the HTTP status (2xx is
 * PUSH_OK). Pure. */
enum push_result push_policy_classify(CURLcode code, long http_status);

/* How long to wait after the failures-th failure in a row (>= 1): d = min(cap_ms,
 * PUSH_POLICY_BACKOFF_BASE_MS * 2^(failures-1)), then a point in [d/2, d] picked by random (any
 * 64-bit value), so the sidecars of a Deployment do not retry in step (wss_backoff_ms, equal
 * jitter). cap_ms <= 0 means no wait. Pure. */
int64_t push_policy_backoff_ms(unsigned failures, int64_t cap_ms, uint64_t random);

#endif
