/* SPDX-License-Identifier: Apache-2.0 */
/* test_serving_cert.c: the self-signed serving pair: generated with the names asked for, a CA
 * that verifies the leaf, a private key file, reused while valid, regenerated when expiring, for
 * other names or when a file is damaged, usable by lib/http_tls, and errors that name the path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "serving_cert.h"
#include "wsscale/file_read.h"
#include "wsscale/http_tls.h"

#define MAX_PEM (64 * 1024)

static const char *const names[] = {"localhost", "127.0.0.1", "::1", "adapter.ws.svc"};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static char dir[256];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "%s/wsscale-serving-cert.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    char err[256];
    if (wss_file_read(path, MAX_PEM, &data, len, NULL, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return data;
}

static void ensure(const char *sub, const char *const *n, size_t nn, int64_t now,
                   struct serving_cert_result *out)
{
    char d[300], err[SERVING_CERT_ERR_LEN];
    snprintf(d, sizeof(d), "%s/%s", dir, sub);
    struct serving_cert_request req = {d, n, nn, now};
    if (serving_cert_ensure(&req, out, err, sizeof(err)) != 0)
        fail_msg("ensure: %s", err);
}

static void a_new_pair_covers_every_name_and_its_ca_verifies_the_leaf(void **state)
{
    (void)state;
    struct serving_cert_result res;
    ensure("a/b/certs", names, NNAMES, 0, &res);
    assert_true(res.is_generated);
    assert_non_null(strstr(res.cert_file, "/a/b/certs/apiserver.crt"));
    assert_non_null(strstr(res.key_file, "/a/b/certs/apiserver.key"));
    struct stat st;
    assert_int_equal(stat(res.key_file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    size_t len = 0;
    char *pem = slurp(res.cert_file, &len);
    gnutls_x509_crt_t chain[4];
    unsigned n = 4;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
    assert_int_equal(gnutls_x509_crt_list_import(chain, &n, &d, GNUTLS_X509_FMT_PEM, 0), 2);
    assert_true(gnutls_x509_crt_check_hostname(chain[0], "localhost"));
    assert_true(gnutls_x509_crt_check_hostname(chain[0], "adapter.ws.svc"));
    assert_false(gnutls_x509_crt_check_hostname(chain[0], "other.ws.svc"));
    static const unsigned char lo4[4] = {127, 0, 0, 1};
    assert_true(gnutls_x509_crt_check_ip(chain[0], lo4, 4, 0));
    unsigned is_ca = 0;
    assert_true(gnutls_x509_crt_get_basic_constraints(chain[1], NULL, &is_ca, NULL) >= 0);
    assert_true(is_ca);
    unsigned status = 1;
    assert_int_equal(gnutls_x509_crt_list_verify(chain, 1, &chain[1], 1, NULL, 0, 0, &status), 0);
    assert_int_equal(status, 0);
    char oid[128];
    size_t oidlen = sizeof(oid);
    assert_int_equal(gnutls_x509_crt_get_key_purpose_oid(chain[0], 0, oid, &oidlen, NULL), 0);
    assert_string_equal(oid, GNUTLS_KP_TLS_WWW_SERVER);
    gnutls_x509_crt_deinit(chain[0]);
    gnutls_x509_crt_deinit(chain[1]);
    free(pem);

    /* The server's own loader takes the pair as it is. */
    char err[WSS_HTTP_TLS_ERR_LEN];
    struct wss_http_tls_files files = {res.cert_file, res.key_file, NULL, 0};
    struct wss_http_tls *t = wss_http_tls_load(&files, err, sizeof(err));
    if (t == NULL)
        fail_msg("http_tls: %s", err);
    wss_http_tls_free(t);
}

static void a_valid_pair_is_reused_byte_for_byte(void **state)
{
    (void)state;
    struct serving_cert_result first, second;
    ensure("reuse", names, NNAMES, 0, &first);
    size_t l1, l2;
    char *c1 = slurp(first.cert_file, &l1);
    ensure("reuse", names, 2, 0, &second); /* a subset of the names is still covered */
    assert_false(second.is_generated);
    char *c2 = slurp(second.cert_file, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(c1, c2, l1);
    free(c1);
    free(c2);
}

static void a_pair_is_regenerated_for_new_names_expiry_or_damage(void **state)
{
    (void)state;
    struct serving_cert_result res;
    ensure("regen", names, 2, 0, &res);
    assert_true(res.is_generated);

    ensure("regen", names, NNAMES, 0, &res);
    assert_true(res.is_generated);
    assert_string_equal(res.why_generated, "the certificate does not cover ::1");

    int64_t later = (int64_t)time(NULL) + SERVING_CERT_VALID_S - SERVING_CERT_RENEW_S + 60;
    ensure("regen", names, NNAMES, later, &res);
    assert_true(res.is_generated);
    assert_string_equal(res.why_generated, "the certificate is not valid long enough");

    FILE *f = fopen(res.key_file, "w");
    assert_non_null(f);
    fputs("not a key\n", f);
    fclose(f);
    ensure("regen", names, NNAMES, 0, &res);
    assert_true(res.is_generated);
    assert_non_null(strstr(res.why_generated, "apiserver.key: no private key"));

    unlink(res.cert_file);
    ensure("regen", names, NNAMES, 0, &res);
    assert_true(res.is_generated);
    assert_non_null(strstr(res.why_generated, "apiserver.crt"));
}

static void a_key_that_does_not_match_is_not_usable(void **state)
{
    (void)state;
    struct serving_cert_result a, b;
    ensure("match-a", names, NNAMES, 0, &a);
    ensure("match-b", names, NNAMES, 0, &b);
    size_t cl, kl;
    char *cert = slurp(a.cert_file, &cl);
    char *key = slurp(b.key_file, &kl);
    char why[SERVING_CERT_ERR_LEN];
    assert_false(serving_cert_is_usable(cert, cl, key, kl, names, NNAMES, (int64_t)time(NULL), why,
                                        sizeof(why)));
    assert_string_equal(why, "apiserver.key does not match the certificate");
    assert_false(serving_cert_is_usable("", 0, key, kl, names, NNAMES, (int64_t)time(NULL), why,
                                        sizeof(why)));
    assert_non_null(strstr(why, "apiserver.crt: no certificate chain"));
    free(cert);
    free(key);
}

static void an_unwritable_directory_is_an_error_naming_it(void **state)
{
    (void)state;
    char d[300], err[SERVING_CERT_ERR_LEN];
    snprintf(d, sizeof(d), "%s/file", dir);
    FILE *f = fopen(d, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(d, sizeof(d), "%s/file/certs", dir);
    struct serving_cert_request req = {d, names, NNAMES, 0};
    struct serving_cert_result res;
    assert_int_equal(serving_cert_ensure(&req, &res, err, sizeof(err)), -1);
    char want[400];
    snprintf(want, sizeof(want), "%s/file/certs: Not a directory", dir);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_pair_covers_every_name_and_its_ca_verifies_the_leaf),
        cmocka_unit_test(a_valid_pair_is_reused_byte_for_byte),
        cmocka_unit_test(a_pair_is_regenerated_for_new_names_expiry_or_damage),
        cmocka_unit_test(a_key_that_does_not_match_is_not_usable),
        cmocka_unit_test(an_unwritable_directory_is_an_error_naming_it),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
