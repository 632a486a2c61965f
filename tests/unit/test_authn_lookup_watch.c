/* SPDX-License-Identifier: Apache-2.0 */
/* test_authn_lookup_watch.c: the authentication ConfigMap fetched from the Kubernetes API
 * stand-in: CA files in a private directory, a rotated CA rewritten by the refresh thread, the
 * API's refusal as one error line, and a stop that does not wait for the refresh period. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "authn_lookup_watch.h"
#include "fake_kube.h"
#include "http_pki.h"
#include "kube_client.h"
#include "kube_config.h"
#include "wait.h"
#include "wsscale/file_read.h"

#define PEM_X   "-----BEGIN CERTIFICATE-----\\nMIIBxx==\\n-----END CERTIFICATE-----\\n"
#define PEM_Y   "-----BEGIN CERTIFICATE-----\\nMIIByy==\\n-----END CERTIFICATE-----\\n"
#define PEM_X_R "-----BEGIN CERTIFICATE-----\nMIIBxx==\n-----END CERTIFICATE-----\n"
#define PEM_Y_R "-----BEGIN CERTIFICATE-----\nMIIByy==\n-----END CERTIFICATE-----\n"
#define CM(client, rh)                                                                             \
    "{\"kind\":\"ConfigMap\",\"data\":{\"client-ca-file\":\"" client "\","                         \
    "\"requestheader-client-ca-file\":\"" rh "\","                                                 \
    "\"requestheader-allowed-names\":\"[\\\"front-proxy-client\\\"]\"}}"
#define WAIT_MS 10000

static char pki[HTTP_PKI_PATH_LEN];
static char cm_file[HTTP_PKI_PATH_LEN + 32];

static int setup(void **state)
{
    (void)state;
    if (http_pki_make(pki, sizeof(pki)) != 0)
        return -1;
    snprintf(cm_file, sizeof(cm_file), "%s/cm.json", pki);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(cm_file);
    http_pki_remove(pki);
    return 0;
}

/* Writes the ConfigMap whole (rename), as a test rotating it must. */
static void write_cm(const char *text)
{
    char tmp[sizeof(cm_file) + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", cm_file);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, cm_file), 0);
}

static char *read_text(const char *path)
{
    char *data = NULL, err[256];
    size_t len = 0;
    if (wss_file_read(path, 1 << 20, &data, &len, NULL, err, sizeof(err)) != 0)
        return NULL;
    return data;
}

struct env {
    struct fake_kube f;
    struct kube_client *client;
    char dir[HTTP_PKI_PATH_LEN];
};

static void start(struct env *e)
{
    struct fake_kube_opts o = {.configmap_file = cm_file};
    assert_int_equal(fake_kube_start(&e->f, pki, &o), 0);
    e->client = fake_kube_client(&e->f, pki, true, 0);
    snprintf(e->dir, sizeof(e->dir), "%s", pki);
}

static void stop(struct env *e)
{
    kube_client_free(e->client);
    fake_kube_stop(&e->f);
}

static void cas_land_in_a_private_directory_removed_at_free(void **state)
{
    (void)state;
    struct env e;
    write_cm(CM(PEM_X, PEM_Y));
    start(&e);
    struct authn_lookup_watch_config cfg = {e.client, e.dir, 60000};
    char err[AUTHN_LOOKUP_WATCH_ERR_LEN] = "";
    struct authn_lookup_watch *w = authn_lookup_watch_new(&cfg, err, sizeof(err));
    if (w == NULL)
        fail_msg("%s", err);
    const char *cf = authn_lookup_watch_client_ca_file(w);
    const char *rf = authn_lookup_watch_requestheader_ca_file(w);
    assert_non_null(cf);
    assert_non_null(rf);
    char *text = read_text(cf);
    assert_string_equal(text, PEM_X_R);
    free(text);
    text = read_text(rf);
    assert_string_equal(text, PEM_Y_R);
    free(text);
    char dir[HTTP_PKI_PATH_LEN + 64];
    snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(cf, '/') - cf), cf);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(authn_lookup_watch_values(w)->allowed_names.n, 1);
    assert_string_equal(authn_lookup_watch_values(w)->allowed_names.items[0], "front-proxy-client");
    authn_lookup_watch_free(w);
    assert_int_equal(stat(dir, &st), -1);
    stop(&e);
}

static bool rotated(void *arg)
{
    return authn_lookup_watch_rotations(arg) >= 1;
}

static void rotated_ca_is_rewritten_by_the_refresh_thread(void **state)
{
    (void)state;
    struct env e;
    write_cm(CM(PEM_X, PEM_X));
    start(&e);
    struct authn_lookup_watch_config cfg = {e.client, e.dir, 50};
    char err[AUTHN_LOOKUP_WATCH_ERR_LEN] = "";
    struct authn_lookup_watch *w = authn_lookup_watch_new(&cfg, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(authn_lookup_watch_start(w, err, sizeof(err)), 0);
    int before = fake_kube_count(&e.f);
    write_cm(CM(PEM_X, PEM_Y));
    assert_true(wss_wait_until(rotated, w, WAIT_MS));
    char *text = read_text(authn_lookup_watch_requestheader_ca_file(w));
    assert_string_equal(text, PEM_Y_R);
    free(text);
    text = read_text(authn_lookup_watch_client_ca_file(w));
    assert_string_equal(text, PEM_X_R);
    free(text);
    assert_true(fake_kube_count(&e.f) > before);
    /* the values applied at start do not change */
    assert_string_equal(authn_lookup_watch_values(w)->requestheader_ca, PEM_X_R);
    authn_lookup_watch_free(w);
    stop(&e);
}

static void refusal_comes_back_as_one_line_with_the_apis_message(void **state)
{
    (void)state;
    static const struct {
        const char *cm;
        const char *want;
    } cases[] = {
        {"{\"kind\":\"Status\",\"code\":403,\"message\":\"configmaps is forbidden\"}",
         "cannot read ConfigMap kube-system/extension-apiserver-authentication: HTTP 403: "
         "configmaps is forbidden (bind the adapter's ServiceAccount to Role "
         "extension-apiserver-authentication-reader in kube-system)"},
        {NULL, "cannot read ConfigMap kube-system/extension-apiserver-authentication: HTTP 404: "
               "configmaps \"extension-apiserver-authentication\" not found"},
        {"{\"kind\":\"ConfigMap\",\"data\":{\"client-ca-file\":\"nope\"}}",
         "ConfigMap kube-system/extension-apiserver-authentication is not usable: "
         "data.client-ca-file: no PEM certificate in it"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].cm != NULL)
            write_cm(cases[i].cm);
        else
            unlink(cm_file);
        struct env e;
        start(&e);
        struct authn_lookup_watch_config cfg = {e.client, e.dir, 60000};
        char err[AUTHN_LOOKUP_WATCH_ERR_LEN] = "";
        assert_null(authn_lookup_watch_new(&cfg, err, sizeof(err)));
        assert_string_equal(err, cases[i].want);
        stop(&e);
    }
}

static void free_does_not_wait_for_the_refresh_period(void **state)
{
    (void)state;
    struct env e;
    write_cm(CM(PEM_X, PEM_Y));
    start(&e);
    struct authn_lookup_watch_config cfg = {e.client, e.dir, 3600000};
    char err[AUTHN_LOOKUP_WATCH_ERR_LEN] = "";
    struct authn_lookup_watch *w = authn_lookup_watch_new(&cfg, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(authn_lookup_watch_start(w, err, sizeof(err)), 0);
    long long t0 = wss_wait_now_ms();
    authn_lookup_watch_free(w);
    assert_true(wss_wait_now_ms() - t0 < 2000);
    assert_int_equal(fake_kube_count(&e.f), 1);
    stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cas_land_in_a_private_directory_removed_at_free),
        cmocka_unit_test(rotated_ca_is_rewritten_by_the_refresh_thread),
        cmocka_unit_test(refusal_comes_back_as_one_line_with_the_apis_message),
        cmocka_unit_test(free_does_not_wait_for_the_refresh_period),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
