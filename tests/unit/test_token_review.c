/* SPDX-License-Identifier: Apache-2.0 */
/* test_token_review.c: TokenReviews against the Kubernetes API stand-in: the exact request body,
 * the identity read back, rejections, audience mismatch, API errors, caching and its expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fake_kube.h"
#include "http_pki.h"
#include "kube_client.h"
#include "token_review.h"
#include "wait.h"

#define AUDIENCE "ws-conn-adapter"
#define POD_USER "system:serviceaccount:ws:ws-app"

static const char tokens_json[] =
    "{\"pod-token\": {\"username\": \"" POD_USER "\", \"uid\": \"sa-uid-1\","
    " \"groups\": [\"system:serviceaccounts\", \"system:serviceaccounts:ws\","
    " \"system:authenticated\"],"
    " \"extra\": {\"authentication.kubernetes.io/pod-name\": [\"ws-7d9c5-abcde\"],"
    " \"authentication.kubernetes.io/pod-uid\": [\"1f0c-uid\"]},"
    " \"audiences\": [\"" AUDIENCE "\"]},"
    " \"apiserver-token\": {\"username\": \"bob\", \"audiences\": "
    "[\"https://kubernetes.default.svc\"]}}";

static char pki[HTTP_PKI_PATH_LEN];

/* One stand-in, one client, one reviewer per test. */
struct fixture {
    struct fake_kube fake;
    struct kube_client *client;
    struct token_reviewer *reviewer;
};

static int make_pki(void **state)
{
    (void)state;
    return http_pki_make(pki, sizeof(pki));
}

static int remove_pki(void **state)
{
    (void)state;
    http_pki_remove(pki);
    return 0;
}

static void start(struct fixture *fx, const struct fake_kube_opts *opts, bool use_cert,
                  int64_t timeout_ms, const struct token_review_config *rc)
{
    struct fake_kube_opts o = opts != NULL ? *opts : (struct fake_kube_opts){0};
    o.tokens_json = tokens_json;
    assert_int_equal(fake_kube_start(&fx->fake, pki, &o), 0);
    fx->client = fake_kube_client(&fx->fake, pki, use_cert, timeout_ms);
    struct token_review_config dflt = {.audience = AUDIENCE};
    fx->reviewer = token_reviewer_new(fx->client, rc != NULL ? rc : &dflt);
    assert_non_null(fx->reviewer);
}

static void stop(struct fixture *fx)
{
    token_reviewer_free(fx->reviewer);
    kube_client_free(fx->client);
    fake_kube_stop(&fx->fake);
}

static enum token_review_result check(struct fixture *fx, const char *token, struct user_info *u,
                                      bool *from_cache, char *err)
{
    user_info_clear(u);
    return token_reviewer_check(fx->reviewer, token, u, from_cache, err, TOKEN_REVIEW_ERR_LEN);
}

static void assert_body(struct fixture *fx, int i, const char *want_json)
{
    cJSON *all = fake_kube_records(&fx->fake);
    cJSON *rec = cJSON_GetArrayItem(all, i);
    assert_non_null(rec);
    assert_string_equal(cJSON_GetObjectItem(rec, "path")->valuestring, TOKEN_REVIEW_PATH);
    assert_string_equal(cJSON_GetObjectItem(rec, "content_type")->valuestring, "application/json");
    cJSON *want = cJSON_Parse(want_json);
    assert_non_null(want);
    if (!cJSON_Compare(cJSON_GetObjectItem(rec, "body"), want, 1)) {
        char *got = cJSON_PrintUnformatted(cJSON_GetObjectItem(rec, "body"));
        fail_msg("body\n  %s\nwant\n  %s", got, want_json);
    }
    cJSON_Delete(want);
    cJSON_Delete(all);
}

static void pod_token_yields_the_pods_identity_from_the_exact_request(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, true, 0, NULL);
    struct user_info u = {0};
    bool from_cache = true;
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_AUTHENTICATED);
    assert_false(from_cache);
    assert_string_equal(u.name, POD_USER);
    assert_string_equal(u.uid, "sa-uid-1");
    assert_int_equal(u.ngroups, 3);
    assert_string_equal(u.groups[0], "system:serviceaccounts");
    assert_string_equal(u.groups[2], "system:authenticated");
    assert_string_equal(user_info_extra_first(&u, USER_INFO_EXTRA_POD_NAME), "ws-7d9c5-abcde");
    assert_string_equal(user_info_extra_first(&u, USER_INFO_EXTRA_POD_UID), "1f0c-uid");
    assert_body(&fx, 0,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
                "\"spec\":{\"token\":\"pod-token\",\"audiences\":[\"" AUDIENCE "\"]}}");
    struct token_review_stats st;
    token_reviewer_stats(fx.reviewer, &st);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.cache_hits, 0);
    assert_int_equal(st.errors, 0);
    user_info_clear(&u);
    stop(&fx);
}

static void second_check_of_a_token_is_answered_from_the_cache(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, true, 0, NULL);
    struct user_info u = {0};
    bool from_cache = false;
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_AUTHENTICATED);
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_AUTHENTICATED);
    assert_true(from_cache);
    assert_string_equal(u.name, POD_USER);
    assert_string_equal(user_info_extra_first(&u, USER_INFO_EXTRA_POD_UID), "1f0c-uid");
    assert_int_equal(fake_kube_count(&fx.fake), 1);
    struct token_review_stats st;
    token_reviewer_stats(fx.reviewer, &st);
    assert_int_equal(st.calls, 1);
    assert_int_equal(st.cache_hits, 1);
    user_info_clear(&u);
    stop(&fx);
}

static void unknown_token_is_rejected_and_the_rejection_cached(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, true, 0, NULL);
    struct user_info u = {0};
    bool from_cache = true;
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "who-knows", &u, &from_cache, err), TOKEN_REVIEW_REJECTED);
    assert_false(from_cache);
    assert_string_equal(err, "[invalid bearer token, token not known]");
    assert_null(u.name);
    err[0] = '\0';
    assert_int_equal(check(&fx, "who-knows", &u, &from_cache, err), TOKEN_REVIEW_REJECTED);
    assert_true(from_cache);
    assert_string_equal(err, "[invalid bearer token, token not known]");
    assert_int_equal(fake_kube_count(&fx.fake), 1);
    stop(&fx);
}

static void token_for_another_audience_is_rejected(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, true, 0, NULL);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "apiserver-token", &u, NULL, err), TOKEN_REVIEW_REJECTED);
    assert_string_equal(err, "[invalid bearer token, token audiences "
                             "[\"https://kubernetes.default.svc\"] is invalid for the target "
                             "audiences [\"" AUDIENCE "\"]]");
    assert_null(u.name);
    stop(&fx);
}

static void without_an_audience_none_is_sent(void **state)
{
    (void)state;
    struct fixture fx;
    struct token_review_config rc = {.audience = ""};
    start(&fx, NULL, true, 0, &rc);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "apiserver-token", &u, NULL, err), TOKEN_REVIEW_AUTHENTICATED);
    assert_string_equal(u.name, "bob");
    assert_null(u.uid);
    assert_int_equal(u.ngroups, 0);
    assert_body(&fx, 0,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\","
                "\"spec\":{\"token\":\"apiserver-token\"}}");
    user_info_clear(&u);
    stop(&fx);
}

static void api_error_status_is_reported_and_never_cached(void **state)
{
    (void)state;
    struct fixture fx;
    struct fake_kube_opts o = {.fail_status = 500};
    start(&fx, &o, true, 0, NULL);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    bool from_cache = true;
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_ERROR);
    assert_string_equal(err, "TokenReview failed: HTTP 500: fake failure 500");
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_ERROR);
    assert_false(from_cache);
    assert_null(u.name);
    assert_int_equal(fake_kube_count(&fx.fake), 2);
    struct token_review_stats st;
    token_reviewer_stats(fx.reviewer, &st);
    assert_int_equal(st.errors, 2);
    assert_int_equal(st.cache_hits, 0);
    stop(&fx);
}

static void adapter_without_credentials_gets_the_401_message(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, false, 0, NULL);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "pod-token", &u, NULL, err), TOKEN_REVIEW_ERROR);
    assert_string_equal(err, "TokenReview failed: HTTP 401: Unauthorized");
    stop(&fx);
}

static void slow_api_is_an_error_after_the_timeout(void **state)
{
    (void)state;
    struct fixture fx;
    struct fake_kube_opts o = {.delay_ms = 3000};
    start(&fx, &o, true, 250, NULL);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    long long t0 = wss_wait_now_ms();
    assert_int_equal(check(&fx, "pod-token", &u, NULL, err), TOKEN_REVIEW_ERROR);
    assert_true(wss_wait_now_ms() - t0 < 2000);
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "POST %s%s: ", fx.fake.server, TOKEN_REVIEW_PATH);
    assert_memory_equal(err, prefix, strlen(prefix));
    assert_non_null(strstr(err, "timed out"));
    stop(&fx);
}

struct expiry_wait {
    struct fixture *fx;
    int checks;
};

/* True once a check had to ask the API again. */
static bool asked_again(void *arg)
{
    struct expiry_wait *w = arg;
    struct user_info u = {0};
    bool from_cache = true;
    char err[TOKEN_REVIEW_ERR_LEN];
    enum token_review_result r = check(w->fx, "pod-token", &u, &from_cache, err);
    user_info_clear(&u);
    w->checks++;
    return r == TOKEN_REVIEW_AUTHENTICATED && !from_cache;
}

static void cached_answer_expires_after_its_ttl(void **state)
{
    (void)state;
    struct fixture fx;
    struct token_review_config rc = {.audience = AUDIENCE, .ttl_ms = 200};
    start(&fx, NULL, true, 0, &rc);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    long long t0 = wss_wait_now_ms();
    assert_int_equal(check(&fx, "pod-token", &u, NULL, err), TOKEN_REVIEW_AUTHENTICATED);
    user_info_clear(&u);
    struct expiry_wait w = {.fx = &fx};
    assert_true(wss_wait_until(asked_again, &w, 5000));
    assert_true(wss_wait_now_ms() - t0 >= 200);
    assert_true(w.checks > 1); /* the checks before expiry were cache hits */
    assert_int_equal(fake_kube_count(&fx.fake), 2);
    stop(&fx);
}

static void negative_ttl_disables_the_cache(void **state)
{
    (void)state;
    struct fixture fx;
    struct token_review_config rc = {.audience = AUDIENCE, .ttl_ms = -1};
    start(&fx, NULL, true, 0, &rc);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    bool from_cache = true;
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_AUTHENTICATED);
    assert_int_equal(check(&fx, "pod-token", &u, &from_cache, err), TOKEN_REVIEW_AUTHENTICATED);
    assert_false(from_cache);
    assert_int_equal(fake_kube_count(&fx.fake), 2);
    user_info_clear(&u);
    stop(&fx);
}

static void empty_token_is_rejected_without_asking(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, true, 0, NULL);
    struct user_info u = {0};
    char err[TOKEN_REVIEW_ERR_LEN] = "";
    assert_int_equal(check(&fx, "", &u, NULL, err), TOKEN_REVIEW_REJECTED);
    assert_string_equal(err, "empty bearer token");
    assert_int_equal(fake_kube_count(&fx.fake), 0);
    stop(&fx);
}

enum { WORKERS = 4, CHECKS_PER_WORKER = 25 };

struct worker {
    struct fixture *fx;
    int index;
    int good; /* checks that gave the right answer */
};

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < CHECKS_PER_WORKER; i++) {
        struct user_info u = {0};
        char err[TOKEN_REVIEW_ERR_LEN];
        /* a fresh token per check forces real calls; every fifth repeats a cached one */
        char token[32];
        bool is_known = (i + w->index) % 5 == 0;
        snprintf(token, sizeof(token), "unknown-%d-%d", w->index, i);
        enum token_review_result r = token_reviewer_check(
            w->fx->reviewer, is_known ? "pod-token" : token, &u, NULL, err, sizeof(err));
        if (is_known ? r == TOKEN_REVIEW_AUTHENTICATED && strcmp(u.name, POD_USER) == 0
                     : r == TOKEN_REVIEW_REJECTED)
            w->good++;
        user_info_clear(&u);
    }
    return NULL;
}

static void concurrent_checks_share_the_pool_and_the_cache(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, true, 0, NULL);
    pthread_t threads[WORKERS];
    struct worker workers[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (struct worker){.fx = &fx, .index = i};
        assert_int_equal(pthread_create(&threads[i], NULL, run_worker, &workers[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(workers[i].good, CHECKS_PER_WORKER);
    }
    struct token_review_stats st;
    token_reviewer_stats(fx.reviewer, &st);
    assert_int_equal(st.calls + st.cache_hits, WORKERS * CHECKS_PER_WORKER);
    assert_int_equal(st.errors, 0);
    assert_int_equal((int)st.calls, fake_kube_count(&fx.fake));
    assert_true(st.cache_hits >= 1);
    stop(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pod_token_yields_the_pods_identity_from_the_exact_request),
        cmocka_unit_test(second_check_of_a_token_is_answered_from_the_cache),
        cmocka_unit_test(unknown_token_is_rejected_and_the_rejection_cached),
        cmocka_unit_test(token_for_another_audience_is_rejected),
        cmocka_unit_test(without_an_audience_none_is_sent),
        cmocka_unit_test(api_error_status_is_reported_and_never_cached),
        cmocka_unit_test(adapter_without_credentials_gets_the_401_message),
        cmocka_unit_test(slow_api_is_an_error_after_the_timeout),
        cmocka_unit_test(cached_answer_expires_after_its_ttl),
        cmocka_unit_test(negative_ttl_disables_the_cache),
        cmocka_unit_test(empty_token_is_rejected_without_asking),
        cmocka_unit_test(concurrent_checks_share_the_pool_and_the_cache),
    };
    return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
