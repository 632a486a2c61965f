/* SPDX-License-Identifier: Apache-2.0 */
/* test_access_review.c: SubjectAccessReviews against the Kubernetes API stand-in: exact bodies
 * (Go's omitempty), allow / deny / no opinion, reasons, API errors, and a cache keyed by the
 * whole question with separate allow and deny TTLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "access_review.h"
#include "fake_kube.h"
#include "http_pki.h"
#include "kube_client.h"
#include "wait.h"

#define HPA "system:serviceaccount:kube-system:horizontal-pod-autoscaler"

static const char rules_json[] =
    "[{\"user\": \"" HPA "\", \"verb\": \"get\", \"resource\": \"pods\", \"allowed\": true},"
    " {\"user\": \"" HPA "\", \"verb\": \"list\", \"allowed\": true},"
    " {\"group\": \"system:authenticated\", \"path\": \"/apis/custom.metrics.k8s.io/v1beta2\","
    " \"allowed\": true},"
    " {\"user\": \"mallory\", \"allowed\": false, \"reason\": \"mallory is banned\"}]";

static char pki[HTTP_PKI_PATH_LEN];

struct fixture {
    struct fake_kube fake;
    struct kube_client *client;
    struct access_reviewer *reviewer;
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

static void start(struct fixture *fx, const struct fake_kube_opts *opts, int64_t allow_ttl_ms,
                  int64_t deny_ttl_ms)
{
    struct fake_kube_opts o = opts != NULL ? *opts : (struct fake_kube_opts){0};
    o.rules_json = rules_json;
    assert_int_equal(fake_kube_start(&fx->fake, pki, &o), 0);
    fx->client = fake_kube_client(&fx->fake, pki, true, 0);
    fx->reviewer = access_reviewer_new(fx->client, allow_ttl_ms, deny_ttl_ms);
    assert_non_null(fx->reviewer);
}

static void stop(struct fixture *fx)
{
    access_reviewer_free(fx->reviewer);
    kube_client_free(fx->client);
    fake_kube_stop(&fx->fake);
}

/* The HPA's identity as the spec shows it. */
static void hpa_user(struct user_info *u)
{
    *u = (struct user_info){0};
    assert_int_equal(user_info_set_name(u, HPA), 0);
    assert_int_equal(user_info_add_group(u, "system:serviceaccounts"), 0);
    assert_int_equal(user_info_add_group(u, "system:serviceaccounts:kube-system"), 0);
    assert_int_equal(user_info_add_group(u, "system:authenticated"), 0);
    assert_int_equal(user_info_add_extra(u, "authentication.kubernetes.io/credential-id", "JTI=1"),
                     0);
}

static const struct access_attributes hpa_pods = {
    .is_resource = true,
    .verb = "get",
    .namespace_ = "ws",
    .group = "custom.metrics.k8s.io",
    .version = "v1beta2",
    .resource = "pods",
    .subresource = "websocket_connections",
    .name = "*",
};

static void assert_body(struct fixture *fx, int i, const char *want_json)
{
    cJSON *all = fake_kube_records(&fx->fake);
    cJSON *rec = cJSON_GetArrayItem(all, i);
    assert_non_null(rec);
    assert_string_equal(cJSON_GetObjectItem(rec, "path")->valuestring, ACCESS_REVIEW_PATH);
    cJSON *want = cJSON_Parse(want_json);
    assert_non_null(want);
    if (!cJSON_Compare(cJSON_GetObjectItem(rec, "body"), want, 1)) {
        char *got = cJSON_PrintUnformatted(cJSON_GetObjectItem(rec, "body"));
        fail_msg("body\n  %s\nwant\n  %s", got, want_json);
    }
    cJSON_Delete(want);
    cJSON_Delete(all);
}

static void hpa_pods_question_is_sent_as_the_spec_shows_and_allowed(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 0, 0);
    struct user_info u;
    hpa_user(&u);
    bool from_cache = true;
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_ALLOWED);
    assert_false(from_cache);
    assert_body(&fx, 0,
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
                "\"spec\":{\"user\":\"" HPA "\","
                "\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:kube-system\","
                "\"system:authenticated\"],"
                "\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=1\"]},"
                "\"resourceAttributes\":{\"namespace\":\"ws\",\"verb\":\"get\","
                "\"group\":\"custom.metrics.k8s.io\",\"version\":\"v1beta2\","
                "\"resource\":\"pods\",\"subresource\":\"websocket_connections\","
                "\"name\":\"*\"}}}");
    user_info_clear(&u);
    stop(&fx);
}

static void discovery_path_is_a_non_resource_question(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 0, 0);
    struct user_info u = {0};
    assert_int_equal(user_info_set_name(&u, "system:kube-aggregator"), 0);
    assert_int_equal(user_info_add_group(&u, "system:authenticated"), 0);
    struct access_attributes at = {.verb = "get", .path = "/apis/custom.metrics.k8s.io/v1beta2"};
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &at, NULL, err, sizeof(err)),
                     ACCESS_REVIEW_ALLOWED);
    assert_body(&fx, 0,
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
                "\"spec\":{\"user\":\"system:kube-aggregator\","
                "\"groups\":[\"system:authenticated\"],"
                "\"nonResourceAttributes\":{\"path\":\"/apis/custom.metrics.k8s.io/v1beta2\","
                "\"verb\":\"get\"}}}");
    user_info_clear(&u);
    stop(&fx);
}

static void empty_fields_are_left_out_and_uid_sent_when_set(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 0, 0);
    struct user_info u = {0};
    assert_int_equal(user_info_set_name(&u, HPA), 0);
    assert_int_equal(user_info_set_uid(&u, "uid-7"), 0);
    /* the external form: list, core group "" and no name or subresource */
    struct access_attributes at = {.is_resource = true,
                                   .verb = "list",
                                   .namespace_ = "ws",
                                   .group = "",
                                   .version = "v1beta1",
                                   .resource = "queue_length",
                                   .subresource = NULL,
                                   .name = ""};
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &at, NULL, err, sizeof(err)),
                     ACCESS_REVIEW_ALLOWED);
    assert_body(&fx, 0,
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\","
                "\"spec\":{\"user\":\"" HPA "\",\"uid\":\"uid-7\","
                "\"resourceAttributes\":{\"namespace\":\"ws\",\"verb\":\"list\","
                "\"version\":\"v1beta1\",\"resource\":\"queue_length\"}}}");
    user_info_clear(&u);
    stop(&fx);
}

static void denial_carries_the_apis_reason(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 0, 0);
    struct user_info u = {0};
    assert_int_equal(user_info_set_name(&u, "mallory"), 0);
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &hpa_pods, NULL, err, sizeof(err)),
                     ACCESS_REVIEW_DENIED);
    assert_string_equal(err, "mallory is banned");

    /* no rule: allowed false without denied ("no opinion") refuses too */
    assert_int_equal(user_info_set_name(&u, "nobody"), 0);
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &hpa_pods, NULL, err, sizeof(err)),
                     ACCESS_REVIEW_DENIED);
    assert_string_equal(err, "no RBAC policy matched");
    user_info_clear(&u);
    stop(&fx);
}

static void same_question_is_cached_and_any_change_asks_again(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 0, 0);
    struct user_info u;
    hpa_user(&u);
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    bool from_cache = false;
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_ALLOWED);
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_ALLOWED);
    assert_true(from_cache);
    assert_int_equal(fake_kube_count(&fx.fake), 1);

    struct access_attributes other = hpa_pods;
    other.name = "ws-1"; /* another attribute */
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &other, &from_cache, err, sizeof(err)),
                     ACCESS_REVIEW_ALLOWED);
    assert_false(from_cache);
    assert_int_equal(user_info_add_group(&u, "extra-group"), 0); /* another group */
    access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err));
    assert_false(from_cache);
    assert_int_equal(user_info_add_extra(&u, "authentication.kubernetes.io/credential-id", "J2"),
                     0); /* another extra value */
    access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err));
    assert_false(from_cache);
    assert_int_equal(user_info_set_uid(&u, "u"), 0); /* a UID */
    access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err));
    assert_false(from_cache);
    assert_int_equal(fake_kube_count(&fx.fake), 5);

    struct access_review_stats st;
    access_reviewer_stats(fx.reviewer, &st);
    assert_int_equal(st.calls, 5);
    assert_int_equal(st.cache_hits, 1);
    assert_int_equal(st.errors, 0);
    user_info_clear(&u);
    stop(&fx);
}

static void denials_are_cached_by_their_own_ttl(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, -1, 0); /* allow answers not cached, denials for the default TTL */
    struct user_info bad = {0}, good;
    assert_int_equal(user_info_set_name(&bad, "mallory"), 0);
    hpa_user(&good);
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    bool from_cache = false;
    access_reviewer_check(fx.reviewer, &bad, &hpa_pods, &from_cache, err, sizeof(err));
    err[0] = '\0';
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &bad, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_DENIED);
    assert_true(from_cache);
    assert_string_equal(err, "mallory is banned");
    access_reviewer_check(fx.reviewer, &good, &hpa_pods, &from_cache, err, sizeof(err));
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &good, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_ALLOWED);
    assert_false(from_cache);
    assert_int_equal(fake_kube_count(&fx.fake), 3);
    user_info_clear(&bad);
    user_info_clear(&good);
    stop(&fx);
}

struct expiry_wait {
    struct fixture *fx;
    const struct user_info *u;
    int checks;
};

static bool asked_again(void *arg)
{
    struct expiry_wait *w = arg;
    bool from_cache = true;
    char err[ACCESS_REVIEW_ERR_LEN];
    enum access_review_result r =
        access_reviewer_check(w->fx->reviewer, w->u, &hpa_pods, &from_cache, err, sizeof(err));
    w->checks++;
    return r == ACCESS_REVIEW_ALLOWED && !from_cache;
}

static void allow_answer_expires_after_its_ttl(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 200, -1);
    struct user_info u;
    hpa_user(&u);
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    long long t0 = wss_wait_now_ms();
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &hpa_pods, NULL, err, sizeof(err)),
                     ACCESS_REVIEW_ALLOWED);
    struct expiry_wait w = {.fx = &fx, .u = &u};
    assert_true(wss_wait_until(asked_again, &w, 5000));
    assert_true(wss_wait_now_ms() - t0 >= 200);
    assert_true(w.checks > 1);
    assert_int_equal(fake_kube_count(&fx.fake), 2);
    user_info_clear(&u);
    stop(&fx);
}

static void api_error_is_reported_and_never_cached(void **state)
{
    (void)state;
    struct fixture fx;
    struct fake_kube_opts o = {.fail_status = 503};
    start(&fx, &o, 0, 0);
    struct user_info u;
    hpa_user(&u);
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    bool from_cache = true;
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_ERROR);
    assert_string_equal(err, "SubjectAccessReview failed: HTTP 503: fake failure 503");
    assert_int_equal(
        access_reviewer_check(fx.reviewer, &u, &hpa_pods, &from_cache, err, sizeof(err)),
        ACCESS_REVIEW_ERROR);
    assert_false(from_cache);
    assert_int_equal(fake_kube_count(&fx.fake), 2);
    struct access_review_stats st;
    access_reviewer_stats(fx.reviewer, &st);
    assert_int_equal(st.errors, 2);
    user_info_clear(&u);
    stop(&fx);
}

static void unreachable_api_is_an_error_naming_the_url(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, NULL, 0, 0);
    char server[64];
    snprintf(server, sizeof(server), "%s", fx.fake.server);
    fake_kube_stop(&fx.fake);
    struct user_info u;
    hpa_user(&u);
    char err[ACCESS_REVIEW_ERR_LEN] = "", prefix[160];
    assert_int_equal(access_reviewer_check(fx.reviewer, &u, &hpa_pods, NULL, err, sizeof(err)),
                     ACCESS_REVIEW_ERROR);
    snprintf(prefix, sizeof(prefix), "POST %s%s: Connection refused", server, ACCESS_REVIEW_PATH);
    assert_memory_equal(err, prefix, strlen(prefix));
    user_info_clear(&u);
    access_reviewer_free(fx.reviewer);
    kube_client_free(fx.client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hpa_pods_question_is_sent_as_the_spec_shows_and_allowed),
        cmocka_unit_test(discovery_path_is_a_non_resource_question),
        cmocka_unit_test(empty_fields_are_left_out_and_uid_sent_when_set),
        cmocka_unit_test(denial_carries_the_apis_reason),
        cmocka_unit_test(same_question_is_cached_and_any_change_asks_again),
        cmocka_unit_test(denials_are_cached_by_their_own_ttl),
        cmocka_unit_test(allow_answer_expires_after_its_ttl),
        cmocka_unit_test(api_error_is_reported_and_never_cached),
        cmocka_unit_test(unreachable_api_is_an_error_naming_the_url),
    };
    return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
