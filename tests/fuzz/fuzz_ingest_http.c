/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ingest_http.c: bytes -> the ingest route's two pure checks. Up to the first newline is a
 * Content-Type for ingest_http_media_kind; the rest is a body for ingest_http_check_pod under a
 * pod-bound token, read as the kind the Content-Type picked (Report when refused).
 * Does not: run the HTTP handler or the store (fuzz_ingest covers ingest_body).
 * Threads: libFuzzer runs one input at a time on one thread. */
#include <string.h>

#include "fuzz_check.h"
#include "ingest_http.h"

#define MAX_CT 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < MAX_CT ? size : MAX_CT);
    size_t ct_len = nl != NULL ? (size_t)(nl - data) : (size < MAX_CT - 1 ? size : MAX_CT - 1);
    char ct[MAX_CT];
    memcpy(ct, data, ct_len);
    ct[ct_len] = '\0';
    const uint8_t *body = data + ct_len + (nl != NULL ? 1 : 0);
    size_t body_len = size - (size_t)(body - data);

    enum ingest_kind kind = INGEST_KIND_REPORT;
    int rc = ingest_http_media_kind(ct, &kind);
    CHECK(rc == 0 || rc == -1);
    CHECK(kind == INGEST_KIND_REPORT || kind == INGEST_KIND_BATCH);
    /* A media type that is accepted stays accepted with the case of its type changed. */
    if (rc == 0 && ct_len > 0) {
        char upper[MAX_CT];
        for (size_t i = 0; i <= ct_len; i++)
            upper[i] =
                ct[i] >= 'a' && ct[i] <= 'z' && i < strcspn(ct, ";") ? (char)(ct[i] - 32) : ct[i];
        enum ingest_kind again = INGEST_KIND_REPORT;
        CHECK(ingest_http_media_kind(upper, &again) == 0 && again == kind);
    }

    struct user_info u = {0};
    if (user_info_set_name(&u, "system:serviceaccount:ws:app") != 0 ||
        user_info_add_extra(&u, USER_INFO_EXTRA_POD_NAME, "chat-0") != 0 ||
        user_info_add_extra(&u, USER_INFO_EXTRA_POD_UID, "u0") != 0) {
        user_info_clear(&u);
        return 0;
    }
    char reason[INGEST_HTTP_REASON_LEN];
    reason[0] = '\0';
    int pod = ingest_http_check_pod(&u, kind, body, body_len, reason, sizeof(reason));
    CHECK(pod == INGEST_HTTP_POD_OK || pod == INGEST_HTTP_POD_FORBIDDEN ||
          pod == INGEST_HTTP_POD_UNDECODED);
    CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
    if (pod == INGEST_HTTP_POD_FORBIDDEN)
        CHECK(strstr(reason, "cannot report for pod") != NULL);
    user_info_clear(&u);
    return 0;
}
