/* SPDX-License-Identifier: Apache-2.0 */
/* test_authn_lookup.c: the reader of ConfigMap kube-system/extension-apiserver-authentication:
 * real-shaped ConfigMaps (kubeadm's, one without the front-proxy keys, one without data) and
 * broken ones, each with its exact error text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "authn_lookup.h"

#define PEM_A "-----BEGIN CERTIFICATE-----\nMIIBAAA=\n-----END CERTIFICATE-----\n"
#define PEM_J "-----BEGIN CERTIFICATE-----\\nMIIBAAA=\\n-----END CERTIFICATE-----\\n"
#define META                                                                                       \
    "\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"                         \
    "\"extension-apiserver-authentication\",\"namespace\":\"kube-system\","                        \
    "\"resourceVersion\":\"42\"}"

/* What kubeadm's control plane publishes. */
static const char kubeadm[] =
    "{" META ",\"data\":{\"client-ca-file\":\"" PEM_J "\","
    "\"requestheader-allowed-names\":\"[\\\"front-proxy-client\\\"]\","
    "\"requestheader-client-ca-file\":\"" PEM_J "" PEM_J "\","
    "\"requestheader-extra-headers-prefix\":\"[\\\"X-Remote-Extra-\\\"]\","
    "\"requestheader-group-headers\":\"[\\\"X-Remote-Group\\\"]\","
    "\"requestheader-uid-headers\":\"[\\\"X-Remote-Uid\\\"]\","
    "\"requestheader-username-headers\":\"[\\\"X-Remote-User\\\",\\\"X-Other-User\\\"]\"}}";

struct parsed {
    struct authn_lookup_values v;
    char text[4096];
};

static int parse(const char *doc, struct parsed *p, struct wss_parse_err *err)
{
    memset(p, 0, sizeof(*p));
    p->v.text = p->text;
    p->v.text_cap = authn_lookup_text_cap(strlen(doc));
    assert_true(p->v.text_cap <= sizeof(p->text));
    return authn_lookup_parse(doc, strlen(doc), &p->v, err);
}

static void reads_kubeadms_configmap(void **state)
{
    (void)state;
    struct parsed p;
    struct wss_parse_err err = {0};
    assert_int_equal(parse(kubeadm, &p, &err), (int)strlen(kubeadm));
    assert_string_equal(p.v.client_ca, PEM_A);
    assert_int_equal(p.v.client_ca_len, strlen(PEM_A));
    assert_string_equal(p.v.requestheader_ca, PEM_A PEM_A);
    assert_int_equal(p.v.allowed_names.n, 1);
    assert_string_equal(p.v.allowed_names.items[0], "front-proxy-client");
    assert_int_equal(p.v.username_headers.n, 2);
    assert_string_equal(p.v.username_headers.items[0], "X-Remote-User");
    assert_string_equal(p.v.username_headers.items[1], "X-Other-User");
    assert_string_equal(p.v.group_headers.items[0], "X-Remote-Group");
    assert_string_equal(p.v.extra_prefixes.items[0], "X-Remote-Extra-");
    assert_true(p.v.text_len <= p.v.text_cap);
}

static void missing_keys_get_the_apiserver_defaults(void **state)
{
    (void)state;
    static const char *const docs[] = {
        /* a cluster without the aggregation layer's front proxy */
        "{" META ",\"data\":{\"client-ca-file\":\"" PEM_J "\"}}",
        /* empty values count as unset */
        "{" META ",\"data\":{\"client-ca-file\":\"" PEM_J "\",\"requestheader-allowed-names\":"
        "\"\",\"requestheader-username-headers\":\"[]\",\"requestheader-client-ca-file\":\"\"}}",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct parsed p;
        struct wss_parse_err err = {0};
        assert_int_equal(parse(docs[i], &p, &err), (int)strlen(docs[i]));
        assert_string_equal(p.v.client_ca, PEM_A);
        assert_null(p.v.requestheader_ca);
        assert_int_equal(p.v.allowed_names.n, 0);
        assert_int_equal(p.v.username_headers.n, 1);
        assert_string_equal(p.v.username_headers.items[0], AUTHN_LOOKUP_DEFAULT_USERNAME_HEADER);
        assert_string_equal(p.v.group_headers.items[0], AUTHN_LOOKUP_DEFAULT_GROUP_HEADER);
        assert_string_equal(p.v.extra_prefixes.items[0], AUTHN_LOOKUP_DEFAULT_EXTRA_PREFIX);
    }
}

static void configmap_without_data_has_no_cas(void **state)
{
    (void)state;
    static const char *const docs[] = {"{" META "}", "{" META ",\"data\":null}", "{\"data\":{}}"};
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct parsed p;
        struct wss_parse_err err = {0};
        assert_int_equal(parse(docs[i], &p, &err), (int)strlen(docs[i]));
        assert_null(p.v.client_ca);
        assert_null(p.v.requestheader_ca);
        assert_int_equal(p.v.username_headers.n, 1);
    }
}

static void broken_configmaps_are_refused_with_the_key_named(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        const char *msg;
    } cases[] = {
        {"", "the ConfigMap is not JSON"},
        {"{\"data\":{}", "the ConfigMap is not JSON"},
        {"[]", "the ConfigMap is not a JSON object"},
        {"{\"kind\":\"Status\",\"code\":403}", "not a ConfigMap: kind is Status"},
        {"{\"kind\":7}", "not a ConfigMap: kind is not a string"},
        {"{\"data\":[]}", "data is not a JSON object"},
        {"{\"data\":{\"client-ca-file\":3}}", "data.client-ca-file is not a string"},
        {"{\"data\":{\"client-ca-file\":\"MIIB\"}}",
         "data.client-ca-file: no PEM certificate in it"},
        {"{\"data\":{\"requestheader-client-ca-file\":\"-----BEGIN PRIVATE KEY-----\"}}",
         "data.requestheader-client-ca-file: no PEM certificate in it"},
        {"{\"data\":{\"requestheader-allowed-names\":\"front-proxy-client\"}}",
         "data.requestheader-allowed-names: not a JSON array of strings"},
        {"{\"data\":{\"requestheader-allowed-names\":\"{}\"}}",
         "data.requestheader-allowed-names: not a JSON array of strings"},
        {"{\"data\":{\"requestheader-group-headers\":\"[1]\"}}",
         "data.requestheader-group-headers: not a JSON array of strings"},
        {"{\"data\":{\"requestheader-username-headers\":\"[\\\"X-Remote User\\\"]\"}}",
         "data.requestheader-username-headers: entry 0 is not a header name"},
        {"{\"data\":{\"requestheader-username-headers\":\"[\\\"X-A\\\",\\\"\\\"]\"}}",
         "data.requestheader-username-headers: entry 1 is empty"},
        {"{\"data\":{\"requestheader-allowed-names\":\"[\\\"a\\\\nb\\\"]\"}}",
         "data.requestheader-allowed-names: entry 0 is not a certificate name"},
        {"{\"data\":{\"requestheader-extra-headers-prefix\":\"[\\\"a\\\",\\\"b\\\",\\\"c\\\","
         "\\\"d\\\",\\\"e\\\",\\\"f\\\",\\\"g\\\",\\\"h\\\",\\\"i\\\",\\\"j\\\",\\\"k\\\","
         "\\\"l\\\",\\\"m\\\",\\\"n\\\",\\\"o\\\",\\\"p\\\",\\\"q\\\"]\"}}",
         "data.requestheader-extra-headers-prefix: more than 16 entries"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct parsed p;
        struct wss_parse_err err = {0};
        assert_int_equal(parse(cases[i].doc, &p, &err), WSS_PARSE_INVALID);
        if (strcmp(err.msg, cases[i].msg) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, cases[i].msg);
        assert_null(p.v.client_ca);
        assert_int_equal(p.v.username_headers.n, 0);
    }
}

static void too_small_text_is_refused_not_overrun(void **state)
{
    (void)state;
    char text[8];
    struct authn_lookup_values v = {.text = text, .text_cap = sizeof(text)};
    struct wss_parse_err err = {0};
    assert_int_equal(authn_lookup_parse(kubeadm, strlen(kubeadm), &v, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "data.client-ca-file: out of room for the values");
}

static void oversized_document_is_refused_unread(void **state)
{
    (void)state;
    char text[8];
    struct authn_lookup_values v = {.text = text, .text_cap = sizeof(text)};
    struct wss_parse_err err = {0};
    assert_int_equal(authn_lookup_parse("{}", AUTHN_LOOKUP_MAX_BYTES + 1, &v, &err),
                     WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "the ConfigMap is larger than 1048576 bytes");
}

static void lists_compare_by_content_and_order(void **state)
{
    (void)state;
    struct authn_lookup_list a = {{"x", "y"}, 2}, b = {{"x", "y"}, 2}, c = {{"y", "x"}, 2},
                             d = {{"x"}, 1};
    assert_true(authn_lookup_list_equal(&a, &b));
    assert_false(authn_lookup_list_equal(&a, &c));
    assert_false(authn_lookup_list_equal(&a, &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_kubeadms_configmap),
        cmocka_unit_test(missing_keys_get_the_apiserver_defaults),
        cmocka_unit_test(configmap_without_data_has_no_cas),
        cmocka_unit_test(broken_configmaps_are_refused_with_the_key_named),
        cmocka_unit_test(too_small_text_is_refused_not_overrun),
        cmocka_unit_test(oversized_document_is_refused_unread),
        cmocka_unit_test(lists_compare_by_content_and_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
