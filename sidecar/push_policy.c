/* SPDX-License-Identifier: Apache-2.0 */
/* push_policy.c: push results by reason, and the pusher's retry delay (lib's equal-jitter backoff).
 * Does not: keep state; the pusher counts failures per target.
 * Threads: pure functions. */
#include "push_policy.h"

#include "wsscale/backoff.h"

const char *push_policy_result_name(enum push_result r)
{
    static const char *const names[PUSH_NRESULTS] = {
        "ok",  "resolve", "connect",  "network",  "timeout",
        "tls", "auth",    "http_4xx", "http_5xx", "other",
    };
    return r >= 0 && r < PUSH_NRESULTS ? names[r] : "other";
}

enum push_result push_policy_classify(CURLcode code, long http_status)
{
    switch (code) {
    case CURLE_OK:
        if (http_status >= 200 && http_status <= 299)
            return PUSH_OK;
        if (http_status == 401 || http_status == 403)
            return PUSH_ERR_AUTH;
        if (http_status >= 400 && http_status <= 499)
            return PUSH_ERR_HTTP_4XX;
        if (http_status >= 500 && http_status <= 599)
            return PUSH_ERR_HTTP_5XX;
        return PUSH_ERR_OTHER;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return PUSH_ERR_RESOLVE;
    case CURLE_COULDNT_CONNECT:
        return PUSH_ERR_CONNECT;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return PUSH_ERR_NETWORK;
    case CURLE_OPERATION_TIMEDOUT:
        return PUSH_ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
        return PUSH_ERR_TLS;
    default:
        return PUSH_ERR_OTHER;
    }
}

int64_t push_policy_backoff_ms(unsigned failures, int64_t cap_ms, uint64_t random)
{
    if (cap_ms <= 0 || failures == 0)
        return 0;
    /* The first failure waits about the base: attempt 0. The result is at most cap_ms, so it
     * fits an int64_t. */
    return (int64_t)wss_backoff_ms(failures - 1, PUSH_POLICY_BACKOFF_BASE_MS, (uint64_t)cap_ms,
                                   WSS_BACKOFF_EQUAL, random);
}
