/* SPDX-License-Identifier: Apache-2.0 */
/* test_k8s_names.c: name, label key and label value validation with the apiserver's messages,
 * and Go-style quoting of bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/k8s_names.h"

/* The apiserver's texts, spelled out here independently of the code under test. */
#define NAME_RE                                                                                    \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RE                                                                                   \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define DNS_LABEL_RE                                                                               \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "     \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define SUBDOMAIN_RE                                                                               \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

typedef int (*check_fn)(const char *s, size_t len, char *msg, size_t msg_len);

struct bad_case {
    const char *input;
    size_t len; /* 0 = strlen(input) unless input is "" */
    const char *want;
};

static char long_a[300];

/* n copies of c, then tail; in a static buffer that lives for the test. */
static const char *repeat(char c, size_t n, const char *tail)
{
    assert_true(n + strlen(tail) < sizeof(long_a));
    memset(long_a, c, n);
    strcpy(long_a + n, tail);
    return long_a;
}

static void expect_ok(check_fn fn, const char *s, size_t len)
{
    char msg[WSS_K8S_NAMES_MSG_LEN] = "untouched";
    int rc = fn(s, len, msg, sizeof(msg));
    if (rc != 0)
        fail_msg("rejected '%.*s': %s", (int)len, s, msg);
    assert_string_equal(msg, "");
}

static void expect_bad(check_fn fn, const char *s, size_t len, const char *want)
{
    char msg[WSS_K8S_NAMES_MSG_LEN];
    assert_int_equal(fn(s, len, msg, sizeof(msg)), -1);
    assert_string_equal(msg, want);
}

static void accepts_valid_dns_labels(void **state)
{
    (void)state;
    static const char *good[] = {"a", "0", "my-ns", "kube-system", "1-2-3", "a--b"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect_ok(wss_k8s_names_check_dns_label, good[i], strlen(good[i]));
    expect_ok(wss_k8s_names_check_dns_label, repeat('a', 63, ""), 63);
}

static void rejects_dns_labels_with_apiserver_text(void **state)
{
    (void)state;
    static const struct bad_case bad[] = {
        {"", 0, DNS_LABEL_RE},     {"My-ns", 0, DNS_LABEL_RE}, {"-a", 0, DNS_LABEL_RE},
        {"a-", 0, DNS_LABEL_RE},   {"a_b", 0, DNS_LABEL_RE},   {"a.b", 0, "must not contain dots"},
        {"a\0b", 3, DNS_LABEL_RE}, {"a b", 0, DNS_LABEL_RE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = bad[i].len != 0 ? bad[i].len : strlen(bad[i].input);
        expect_bad(wss_k8s_names_check_dns_label, bad[i].input, len, bad[i].want);
    }
    expect_bad(wss_k8s_names_check_dns_label, repeat('a', 64, ""), 64,
               "must be no more than 63 bytes");
    expect_bad(wss_k8s_names_check_dns_label, repeat('a', 63, "-"), 64,
               "must be no more than 63 bytes; " DNS_LABEL_RE);
}

static void accepts_valid_dns_subdomains(void **state)
{
    (void)state;
    static const char *good[] = {"a", "chat-7d9f8b-x2x4q", "a.b.c", "0.0", "web-0.web"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect_ok(wss_k8s_names_check_dns_subdomain, good[i], strlen(good[i]));
    expect_ok(wss_k8s_names_check_dns_subdomain, repeat('a', 253, ""), 253);
}

static void rejects_dns_subdomains_with_apiserver_text(void **state)
{
    (void)state;
    static const char *bad[] = {"", "A", "a..b", ".a", "a.", "a_b", "a.-b", "pod/1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_bad(wss_k8s_names_check_dns_subdomain, bad[i], strlen(bad[i]), SUBDOMAIN_RE);
    expect_bad(wss_k8s_names_check_dns_subdomain, repeat('a', 254, ""), 254,
               "must be no more than 253 bytes");
}

static void accepts_valid_label_keys(void **state)
{
    (void)state;
    static const char *good[] = {"app",      "app.kubernetes.io/name", "a/b",
                                 "A_b.c-D9", "pod-template-hash",      "example.com/MyName"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect_ok(wss_k8s_names_check_label_key, good[i], strlen(good[i]));
    expect_ok(wss_k8s_names_check_label_key, repeat('x', 63, ""), 63);
    expect_ok(wss_k8s_names_check_label_key, repeat('p', 253, "/n"), 255);
}

static void rejects_label_keys_with_apiserver_text(void **state)
{
    (void)state;
    static const struct bad_case bad[] = {
        {"", 0, "name part must be non-empty; name part " NAME_RE},
        {"-app", 0, "name part " NAME_RE},
        {"app.", 0, "name part " NAME_RE},
        {"app:monolith", 0, "name part " NAME_RE},
        {"a b", 0, "name part " NAME_RE},
        {"/a", 0, "prefix part must be non-empty"},
        {"a/", 0, "name part must be non-empty; name part " NAME_RE},
        {"Example.com/a", 0, "prefix part " SUBDOMAIN_RE},
        {"app.kubernetes_io/name", 0, "prefix part " SUBDOMAIN_RE},
        {"a/b/c", 0,
         "a valid label key " NAME_RE
         " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
        {"_/-", 0, "prefix part " SUBDOMAIN_RE "; name part " NAME_RE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_bad(wss_k8s_names_check_label_key, bad[i].input, strlen(bad[i].input), bad[i].want);
    expect_bad(wss_k8s_names_check_label_key, repeat('x', 64, ""), 64,
               "name part must be no more than 63 bytes");
    expect_bad(wss_k8s_names_check_label_key, repeat('p', 254, "/n"), 256,
               "prefix part must be no more than 253 bytes");
}

static void accepts_valid_label_values(void **state)
{
    (void)state;
    static const char *good[] = {"", "v", "1.2_3-x", "MyValue", "12345", "in"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        expect_ok(wss_k8s_names_check_label_value, good[i], strlen(good[i]));
    expect_ok(wss_k8s_names_check_label_value, repeat('v', 63, ""), 63);
}

static void rejects_label_values_with_apiserver_text(void **state)
{
    (void)state;
    static const char *bad[] = {"-a", "a-", "a b", "a/b", "é", "_"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_bad(wss_k8s_names_check_label_value, bad[i], strlen(bad[i]), VALUE_RE);
    expect_bad(wss_k8s_names_check_label_value, repeat('v', 64, ""), 64,
               "must be no more than 63 bytes");
    expect_bad(wss_k8s_names_check_label_value, repeat('v', 64, "."), 65,
               "must be no more than 63 bytes; " VALUE_RE);
}

static void longest_message_fits_the_advertised_buffer(void **state)
{
    (void)state;
    /* Over-long bad prefix and over-long bad name: four reasons, the most any check gives. */
    char key[400];
    memset(key, '_', 254);
    key[254] = '/';
    memset(key + 255, '-', 64);
    char msg[WSS_K8S_NAMES_MSG_LEN];
    assert_int_equal(wss_k8s_names_check_label_key(key, 319, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "prefix part must be no more than 253 bytes; prefix part " SUBDOMAIN_RE
                             "; name part must be no more than 63 bytes; name part " NAME_RE);
    assert_true(strlen(msg) < sizeof(msg) - 1);
}

static void short_or_missing_message_buffer_is_safe(void **state)
{
    (void)state;
    char msg[10];
    memset(msg, 'z', sizeof(msg));
    assert_int_equal(wss_k8s_names_check_label_key("-", 1, msg, sizeof(msg)), -1);
    assert_string_equal(msg, "name part");
    assert_int_equal(wss_k8s_names_check_label_value("-", 1, NULL, 0), -1);
    assert_int_equal(wss_k8s_names_check_dns_label("ok", 2, NULL, 0), 0);
    assert_int_equal(wss_k8s_names_check_dns_subdomain("-", 1, msg, 1), -1);
    assert_string_equal(msg, "");
}

static void quotes_like_go_percent_q(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"abc", 3, "\"abc\""},
        {"", 0, "\"\""},
        {"a\"b\\", 4, "\"a\\\"b\\\\\""},
        {"\n\t\r\a\b\f\v", 7, "\"\\n\\t\\r\\a\\b\\f\\v\""},
        {"\x01\x7f", 2, "\"\\x01\\x7f\""},
        {"a\0b", 3, "\"a\\x00b\""},
        {"\xc3\xa4", 2, "\"\xc3\xa4\""},            /* printable UTF-8 stays */
        {"\xff\xc3", 2, "\"\\xff\\xc3\""},          /* invalid and cut-off UTF-8 */
        {"\xc2\x85", 2, "\"\\u0085\""},             /* a C1 control */
        {"\xed\xa0\x80", 3, "\"\\xed\\xa0\\x80\""}, /* a surrogate is invalid UTF-8 */
        {"\xe2\x82\xac!", 4, "\"\xe2\x82\xac!\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        size_t n = wss_k8s_names_quote(cases[i].in, cases[i].len, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
}

static void quote_cuts_to_the_buffer(void **state)
{
    (void)state;
    char out[6];
    size_t n = wss_k8s_names_quote("abcdefgh", 8, out, sizeof(out));
    assert_int_equal(n, 5);
    assert_string_equal(out, "\"abcd");
    assert_int_equal(wss_k8s_names_quote("abc", 3, out, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_valid_dns_labels),
        cmocka_unit_test(rejects_dns_labels_with_apiserver_text),
        cmocka_unit_test(accepts_valid_dns_subdomains),
        cmocka_unit_test(rejects_dns_subdomains_with_apiserver_text),
        cmocka_unit_test(accepts_valid_label_keys),
        cmocka_unit_test(rejects_label_keys_with_apiserver_text),
        cmocka_unit_test(accepts_valid_label_values),
        cmocka_unit_test(rejects_label_values_with_apiserver_text),
        cmocka_unit_test(longest_message_fits_the_advertised_buffer),
        cmocka_unit_test(short_or_missing_message_buffer_is_safe),
        cmocka_unit_test(quotes_like_go_percent_q),
        cmocka_unit_test(quote_cuts_to_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
