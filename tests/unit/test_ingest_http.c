/* SPDX-License-Identifier: Apache-2.0 */
/* test_ingest_http.c: POST /ingest/v1/reports: the media type table, the token-to-pod check,
 * and the handler behind a real lib http server with a fake token check: each refusal's code
 * and text, and the store left unchanged by every refused request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "api_status.h"
#include "ingest_http.h"
#include "wsscale.pb-c.h"
#include "wsscale/http_server.h"

#define NS       "ws"
#define POD      "chat-0"
#define POD_UID  "5e0c3d5a-0000-4000-8000-000000000001"
#define BODY_MAX 8192
#define CALL_MS  10000

/* --- building Reports ----------------------------------------------------------------------- */

struct report_spec {
    const char *ns, *pod, *uid;
    uint64_t active, sequence;
};

static void fill_report(Wsscale__V1__Report *r, const struct report_spec *s)
{
    wsscale__v1__report__init(r);
    r->namespace_ = (char *)s->ns;
    r->pod = (char *)s->pod;
    r->pod_uid = (char *)s->uid;
    r->source = WSSCALE__V1__SOURCE_KIND__SOURCE_KIND_SHM;
    r->source_state = WSSCALE__V1__SOURCE_STATE__SOURCE_STATE_OK;
    r->active_connections = s->active;
    r->sample_time_unix_ms = 1700000000000;
    r->interval_ms = 1000;
    r->sidecar_instance = 42;
    r->sequence = s->sequence;
}

/* Packs one Report into buf; returns its length. */
static size_t pack_report(const struct report_spec *s, uint8_t *buf, size_t cap)
{
    Wsscale__V1__Report r;
    fill_report(&r, s);
    size_t n = wsscale__v1__report__get_packed_size(&r);
    assert_true(n <= cap);
    return wsscale__v1__report__pack(&r, buf);
}

/* Packs a ReportBatch of n reports. */
static size_t pack_batch(const struct report_spec *specs, size_t n, uint8_t *buf, size_t cap)
{
    Wsscale__V1__Report rs[4], *ptrs[4];
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++) {
        fill_report(&rs[i], &specs[i]);
        ptrs[i] = &rs[i];
    }
    Wsscale__V1__ReportBatch b;
    wsscale__v1__report_batch__init(&b);
    b.n_reports = n;
    b.reports = ptrs;
    assert_true(wsscale__v1__report_batch__get_packed_size(&b) <= cap);
    return wsscale__v1__report_batch__pack(&b, buf);
}

static void pod_user(struct user_info *u, const char *name, const char *pod, const char *uid)
{
    memset(u, 0, sizeof(*u));
    assert_int_equal(user_info_set_name(u, name), 0);
    if (pod != NULL)
        assert_int_equal(user_info_add_extra(u, USER_INFO_EXTRA_POD_NAME, pod), 0);
    if (uid != NULL)
        assert_int_equal(user_info_add_extra(u, USER_INFO_EXTRA_POD_UID, uid), 0);
}

/* --- pure parts ----------------------------------------------------------------------------- */

static void media_types_pick_report_or_batch_and_refuse_the_rest(void **state)
{
    (void)state;
    static const struct {
        const char *ct;
        int rc;
        enum ingest_kind kind;
    } cases[] = {
        {"application/x-protobuf", 0, INGEST_KIND_REPORT},
        {"Application/X-Protobuf ; messageType=wsscale.v1.Report", 0, INGEST_KIND_REPORT},
        {"application/x-protobuf; messageType=wsscale.v1.ReportBatch", 0, INGEST_KIND_BATCH},
        {"application/x-protobuf;charset=binary;MESSAGETYPE=\"wsscale.v1.ReportBatch\"", 0,
         INGEST_KIND_BATCH},
        {"application/x-protobuf;", 0, INGEST_KIND_REPORT},
        {NULL, -1, 0},
        {"", -1, 0},
        {"application/json", -1, 0},
        {"application/x-protobufx", -1, 0},
        {"application/x-protobuf; messageType=wsscale.v1.Other", -1, 0},
        {"application/x-protobuf; messageType=wsscale.v1.reportbatch", -1, 0},
        {"application/x-protobuf; messageType=wsscale.v1.Report; messageType=wsscale.v1.Report", -1,
         0},
        {"application/x-protobuf; junk", -1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum ingest_kind kind = (enum ingest_kind)99;
        int rc = ingest_http_media_kind(cases[i].ct, &kind);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d", i, cases[i].ct ? cases[i].ct : "NULL", rc,
                     cases[i].rc);
        if (rc == 0)
            assert_int_equal(kind, cases[i].kind);
    }
}

static void only_the_tokens_own_pod_may_be_reported(void **state)
{
    (void)state;
    static const struct {
        const char *user, *pod, *uid; /* the token's identity */
        struct report_spec report;
        int rc;
        const char *reason;
    } cases[] = {
        {"system:serviceaccount:ws:app", POD, POD_UID, {NS, POD, POD_UID, 1, 1}, 0, ""},
        {"system:serviceaccount:ws:app",
         POD,
         POD_UID,
         {NS, "chat-1", POD_UID, 1, 1},
         1,
         "the token of pod ws/chat-0 (uid " POD_UID
         ") cannot report for pod ws/chat-1 (uid " POD_UID ")"},
        {"system:serviceaccount:ws:app",
         POD,
         POD_UID,
         {NS, POD, "other-uid", 1, 1},
         1,
         "the token of pod ws/chat-0 (uid " POD_UID ") cannot report for pod ws/chat-0 (uid "
         "other-uid)"},
        {"system:serviceaccount:other:app",
         POD,
         POD_UID,
         {NS, POD, POD_UID, 1, 1},
         1,
         "the token of pod other/chat-0 (uid " POD_UID
         ") cannot report for pod ws/chat-0 (uid " POD_UID ")"},
        {"alice",
         POD,
         POD_UID,
         {NS, POD, POD_UID, 1, 1},
         1,
         "the token of \"alice\" is not a service account token bound to a pod: only a pod's own "
         "token may report for it"},
        {"system:serviceaccount:ws:app",
         NULL,
         NULL,
         {NS, POD, POD_UID, 1, 1},
         1,
         "the token of \"system:serviceaccount:ws:app\" is not a service account token bound to "
         "a pod: only a pod's own token may report for it"},
        {"system:serviceaccount:ws:",
         POD,
         POD_UID,
         {NS, POD, POD_UID, 1, 1},
         1,
         "the token of \"system:serviceaccount:ws:\" is not a service account token bound to a "
         "pod: only a pod's own token may report for it"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct user_info u;
        uint8_t body[BODY_MAX];
        char reason[INGEST_HTTP_REASON_LEN] = "";
        pod_user(&u, cases[i].user, cases[i].pod, cases[i].uid);
        size_t n = pack_report(&cases[i].report, body, sizeof(body));
        int rc = ingest_http_check_pod(&u, INGEST_KIND_REPORT, body, n, reason, sizeof(reason));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, want %d (%s)", i, rc, cases[i].rc, reason);
        if (rc != 0)
            assert_string_equal(reason, cases[i].reason);
        user_info_clear(&u);
    }
}

static void a_batch_is_refused_when_any_report_is_for_another_pod(void **state)
{
    (void)state;
    struct user_info u;
    uint8_t body[BODY_MAX];
    char reason[INGEST_HTTP_REASON_LEN] = "";
    pod_user(&u, "system:serviceaccount:ws:app", POD, POD_UID);
    struct report_spec specs[] = {{NS, POD, POD_UID, 1, 1}, {NS, "chat-9", "u9", 1, 1}};
    size_t n = pack_batch(specs, 1, body, sizeof(body));
    assert_int_equal(ingest_http_check_pod(&u, INGEST_KIND_BATCH, body, n, reason, sizeof(reason)),
                     INGEST_HTTP_POD_OK);
    n = pack_batch(specs, 2, body, sizeof(body));
    assert_int_equal(ingest_http_check_pod(&u, INGEST_KIND_BATCH, body, n, reason, sizeof(reason)),
                     INGEST_HTTP_POD_FORBIDDEN);
    assert_non_null(strstr(reason, "cannot report for pod ws/chat-9 (uid u9)"));
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x01};
    assert_int_equal(ingest_http_check_pod(&u, INGEST_KIND_REPORT, garbage, sizeof(garbage), reason,
                                           sizeof(reason)),
                     INGEST_HTTP_POD_UNDECODED);
    user_info_clear(&u);
}

/* --- the handler behind a server ------------------------------------------------------------ */

struct served {
    struct store *store;
    struct self_metrics *metrics;
    struct ingest_http *ingest;
    struct wss_http_router *router;
    struct wss_http_server *server;
    char url[96];
};

/* "good" is pod ws/chat-0; "other" a token of pod ws/chat-1; "bad" is rejected; "err" fails. */
static enum ingest_http_auth fake_check(void *arg, const char *token, struct user_info *user,
                                        char *reason, size_t reason_len)
{
    (void)arg;
    if (strcmp(token, "good") == 0 || strcmp(token, "other") == 0) {
        user_info_set_name(user, "system:serviceaccount:ws:app");
        user_info_add_extra(user, USER_INFO_EXTRA_POD_NAME, token[0] == 'g' ? POD : "chat-1");
        user_info_add_extra(user, USER_INFO_EXTRA_POD_UID, POD_UID);
        return INGEST_HTTP_AUTH_OK;
    }
    if (strcmp(token, "err") == 0) {
        snprintf(reason, reason_len, "connect to the Kubernetes API: connection refused");
        return INGEST_HTTP_AUTH_ERROR;
    }
    snprintf(reason, reason_len, "token has expired");
    return INGEST_HTTP_AUTH_REJECTED;
}

static void serve(struct served *s, bool with_auth)
{
    memset(s, 0, sizeof(*s));
    struct wss_parse_err perr;
    char err[WSS_HTTP_ERR_LEN];
    assert_non_null(s->store = store_new(NULL));
    struct self_metrics_config mc = {s->store, NULL, NULL, NULL, NULL};
    assert_non_null(s->metrics = self_metrics_new(&mc, &perr));
    struct ingest_http_config ic = {.store = s->store,
                                    .limits = {.max_body_bytes = 4096},
                                    .authenticate = with_auth ? fake_check : NULL,
                                    .metrics = s->metrics};
    assert_non_null(s->ingest = ingest_http_new(&ic));
    assert_non_null(s->router = wss_http_router_new());
    assert_int_equal(ingest_http_add_routes(s->ingest, s->router, &perr), 0);
    struct wss_http_server_config cfg = {
        .host = "127.0.0.1", .on_error = api_status_on_error, .max_body_bytes = 8192};
    s->server = wss_http_server_start(&cfg, s->router, err, sizeof(err));
    if (s->server == NULL)
        fail_msg("server: %s", err);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u" INGEST_HTTP_PATH,
             (unsigned)wss_http_server_port(s->server));
}

static void unserve(struct served *s)
{
    wss_http_server_stop(s->server);
    wss_http_router_free(s->router);
    ingest_http_free(s->ingest);
    self_metrics_free(s->metrics);
    store_free(s->store);
}

struct reply {
    long code;
    char body[BODY_MAX];
    size_t len;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t len = size * n, room = sizeof(r->body) - 1 - r->len;
    size_t keep = len < room ? len : room;
    memcpy(r->body + r->len, data, keep);
    r->len += keep;
    r->body[r->len] = '\0';
    return len;
}

static void post(const struct served *s, const char *ct, const char *token, const void *body,
                 size_t len, struct reply *r)
{
    memset(r, 0, sizeof(*r));
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hdrs = NULL;
    char line[256];
    snprintf(line, sizeof(line), "Content-Type: %s", ct);
    hdrs = curl_slist_append(hdrs, line);
    if (token != NULL) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
        hdrs = curl_slist_append(hdrs, line);
    }
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)CALL_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

static bool copy_active(const struct store_pod_view *pod, void *arg)
{
    *(uint64_t *)arg = pod->active_connections;
    return false;
}

/* The stored count of ws/chat-0, or UINT64_MAX when the pod is not in the store. */
static uint64_t stored_active(const struct served *s)
{
    uint64_t v = UINT64_MAX;
    store_find(s->store, NS, POD, copy_active, &v);
    return v;
}

#define PB    "application/x-protobuf"
#define BATCH PB "; messageType=wsscale.v1.ReportBatch"

static void refused_requests_get_their_status_and_leave_the_store_alone(void **state)
{
    (void)state;
    struct served s;
    serve(&s, true);
    uint8_t good[BODY_MAX], other[BODY_MAX], old[BODY_MAX];
    struct report_spec mine = {NS, POD, POD_UID, 7, 10};
    size_t good_len = pack_report(&mine, good, sizeof(good));
    struct reply r;
    post(&s, PB, "good", good, good_len, &r);
    assert_int_equal(r.code, 200);
    assert_string_equal(r.body, "{\"stored\":1,\"removed\":0,\"ignored\":0}");
    assert_int_equal(stored_active(&s), 7);

    struct report_spec theirs = {NS, "chat-1", "u1", 99, 11};
    size_t other_len = pack_report(&theirs, other, sizeof(other));
    struct report_spec older = {NS, POD, POD_UID, 55, 9};
    size_t old_len = pack_report(&older, old, sizeof(old));
    static char big[6000];
    memset(big, 'x', sizeof(big));
    static const char garbage[] = "\xff\xff\xff\x01";
    static const struct {
        const char *ct, *token;
        int which; /* 0 good, 1 other pod, 2 garbage, 3 too big, 4 old sequence */
        long code;
        const char *text;
    } cases[] = {
        {PB, NULL, 0, 401,
         "\"message\":\"Unauthorized: a bearer token (the pod's service account token) is "
         "required\""},
        {PB, "bad", 0, 401, "\"message\":\"Unauthorized: token has expired\""},
        {PB, "err", 0, 503,
         "\"message\":\"the token cannot be checked now: connect to the Kubernetes API: "
         "connection refused\""},
        {PB, "other", 0, 403,
         "\"message\":\"the token of pod ws/chat-1 (uid " POD_UID ") cannot report for pod "
         "ws/chat-0 (uid " POD_UID ")\""},
        {PB, "good", 1, 403, "cannot report for pod ws/chat-1 (uid u1)"},
        {"application/json", "good", 0, 415,
         "\"message\":\"unsupported media type \\\"application/json\\\": send "
         "application/x-protobuf with messageType=wsscale.v1.Report or "
         "wsscale.v1.ReportBatch\""},
        {BATCH, "good", 0, 400,
         "\"message\":\"body is not a valid protobuf wsscale.v1.ReportBatch\""},
        {PB, "good", 2, 400, "\"message\":\"body is not a valid protobuf wsscale.v1.Report\""},
        {PB, "good", 3, 413, "\"message\":\"body of 6000 bytes exceeds the limit of 4096 bytes\""},
        {PB, "good", 4, 200, "{\"stored\":0,\"removed\":0,\"ignored\":1}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const void *body[] = {good, other, garbage, big, old};
        size_t len[] = {good_len, other_len, sizeof(garbage) - 1, sizeof(big), old_len};
        post(&s, cases[i].ct, cases[i].token, body[cases[i].which], len[cases[i].which], &r);
        if (r.code != cases[i].code || strstr(r.body, cases[i].text) == NULL)
            fail_msg("case %zu: %ld %s; want %ld with %s", i, r.code, r.body, cases[i].code,
                     cases[i].text);
        if (r.code != 200)
            assert_non_null(strstr(r.body, "\"kind\":\"Status\""));
        assert_int_equal(stored_active(&s), 7);
        assert_int_equal(store_count(s.store), 1);
    }
    unserve(&s);
}

static void without_ingest_auth_any_client_may_report(void **state)
{
    (void)state;
    struct served s;
    serve(&s, false);
    uint8_t body[BODY_MAX];
    struct report_spec specs[] = {{NS, POD, POD_UID, 3, 1}, {NS, "chat-1", "u1", 4, 1}};
    size_t n = pack_batch(specs, 2, body, sizeof(body));
    struct reply r;
    post(&s, BATCH, NULL, body, n, &r);
    assert_int_equal(r.code, 200);
    assert_string_equal(r.body, "{\"stored\":2,\"removed\":0,\"ignored\":0}");
    assert_int_equal(stored_active(&s), 3);
    assert_int_equal(store_count(s.store), 2);
    unserve(&s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(media_types_pick_report_or_batch_and_refuse_the_rest),
        cmocka_unit_test(only_the_tokens_own_pod_may_be_reported),
        cmocka_unit_test(a_batch_is_refused_when_any_report_is_for_another_pod),
        cmocka_unit_test(refused_requests_get_their_status_and_leave_the_store_alone),
        cmocka_unit_test(without_ingest_auth_any_client_may_report),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
