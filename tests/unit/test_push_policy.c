/* SPDX-License-Identifier: Apache-2.0 */
/* test_push_policy.c: transfers classified into push results (a table of curl codes and HTTP
 * statuses), their names, and the backoff: doubling, capped, jittered within [d/2, d]. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "push_policy.h"

static void transfers_are_classified_by_code_and_status(void **state)
{
    (void)state;
    static const struct {
        CURLcode code;
        long status;
        enum push_result want;
        const char *name;
    } cases[] = {
        {CURLE_OK, 200, PUSH_OK, "ok"},
        {CURLE_OK, 204, PUSH_OK, "ok"},
        {CURLE_OK, 401, PUSH_ERR_AUTH, "auth"},
        {CURLE_OK, 403, PUSH_ERR_AUTH, "auth"},
        {CURLE_OK, 400, PUSH_ERR_HTTP_4XX, "http_4xx"},
        {CURLE_OK, 413, PUSH_ERR_HTTP_4XX, "http_4xx"},
        {CURLE_OK, 503, PUSH_ERR_HTTP_5XX, "http_5xx"},
        {CURLE_OK, 302, PUSH_ERR_OTHER, "other"},
        {CURLE_OK, 0, PUSH_ERR_OTHER, "other"},
        {CURLE_COULDNT_RESOLVE_HOST, 0, PUSH_ERR_RESOLVE, "resolve"},
        {CURLE_COULDNT_CONNECT, 0, PUSH_ERR_CONNECT, "connect"},
        {CURLE_RECV_ERROR, 0, PUSH_ERR_NETWORK, "network"},
        {CURLE_GOT_NOTHING, 0, PUSH_ERR_NETWORK, "network"},
        {CURLE_OPERATION_TIMEDOUT, 0, PUSH_ERR_TIMEOUT, "timeout"},
        {CURLE_PEER_FAILED_VERIFICATION, 0, PUSH_ERR_TLS, "tls"},
        {CURLE_SSL_CONNECT_ERROR, 0, PUSH_ERR_TLS, "tls"},
        {CURLE_SSL_CACERT_BADFILE, 0, PUSH_ERR_TLS, "tls"},
        {CURLE_OUT_OF_MEMORY, 0, PUSH_ERR_OTHER, "other"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum push_result r = push_policy_classify(cases[i].code, cases[i].status);
        if (r != cases[i].want)
            fail_msg("case %zu: got %d", i, r);
        assert_string_equal(push_policy_result_name(r), cases[i].name);
    }
    assert_string_equal(push_policy_result_name(PUSH_NRESULTS), "other");
}

static void backoff_doubles_to_the_cap_within_its_jitter(void **state)
{
    (void)state;
    static const struct {
        unsigned failures;
        int64_t cap;
        int64_t full; /* d before jitter */
    } cases[] = {
        {1, 1000, 100},  {2, 1000, 200},   {3, 1000, 400},       {4, 1000, 800}, {5, 1000, 1000},
        {9, 1000, 1000}, {64, 1000, 1000}, {1000, 30000, 30000}, {1, 50, 50},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t lo = cases[i].full - cases[i].full / 2;
        assert_int_equal(push_policy_backoff_ms(cases[i].failures, cases[i].cap, 0), lo);
        assert_int_equal(
            push_policy_backoff_ms(cases[i].failures, cases[i].cap, (uint32_t)(cases[i].full / 2)),
            cases[i].full);
        for (uint32_t r = 0; r < 5000; r += 7) {
            int64_t d = push_policy_backoff_ms(cases[i].failures, cases[i].cap, r * 2654435761u);
            assert_true(d >= lo && d <= cases[i].full);
        }
    }
}

static void no_failure_or_no_cap_means_no_wait(void **state)
{
    (void)state;
    assert_int_equal(push_policy_backoff_ms(0, 1000, 12345), 0);
    assert_int_equal(push_policy_backoff_ms(3, 0, 12345), 0);
    assert_int_equal(push_policy_backoff_ms(3, -5, 12345), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transfers_are_classified_by_code_and_status),
        cmocka_unit_test(backoff_doubles_to_the_cap_within_its_jitter),
        cmocka_unit_test(no_failure_or_no_cap_means_no_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
