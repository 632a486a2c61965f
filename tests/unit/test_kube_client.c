/* SPDX-License-Identifier: Apache-2.0 */
/* test_kube_client.c: POSTs to the Kubernetes API stand-in: client-certificate and bearer
 * authentication, GETs on the same pool, token file rotation, a CA that does not match, refused and
 * timed-out calls, and inline kubeconfig material that outlives its kube_config. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fake_kube.h"
#include "http_pki.h"
#include "kube_client.h"
#include "kube_config.h"
#include "wait.h"

#define SAR_BODY                                                                                   \
    "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{"      \
    "\"user\":\"alice\",\"nonResourceAttributes\":{\"path\":\"/apis\",\"verb\":\"get\"}}}"

static char pki[HTTP_PKI_PATH_LEN];

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

static char *pki_file(const char *name)
{
    static char paths[8][HTTP_PKI_PATH_LEN];
    static int next;
    char *p = paths[next++ % 8];
    http_pki_path(pki, name, p, HTTP_PKI_PATH_LEN);
    return p;
}

/* A kube_config of borrowed strings (never cleared). */
static struct kube_config cert_config(const char *server)
{
    return (struct kube_config){.server = (char *)server,
                                .ca_file = pki_file("ca-srv.crt"),
                                .client_cert_file = pki_file("client-b.crt"),
                                .client_key_file = pki_file("client-b.key")};
}

static const cJSON *record_field(cJSON *all, int i, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(all, i), name);
}

static void client_certificate_authenticates_and_body_arrives_verbatim(void **state)
{
    (void)state;
    struct fake_kube f;
    assert_int_equal(fake_kube_start(&f, pki, NULL), 0);
    struct kube_config cfg = cert_config(f.server);
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_non_null(c);
    char *reply = NULL;
    long code = kube_client_post_json(c, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                      SAR_BODY, &reply, err, sizeof(err));
    assert_int_equal(code, 201);
    cJSON *doc = cJSON_Parse(reply);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "kind")->valuestring, "SubjectAccessReview");
    cJSON_Delete(doc);
    free(reply);

    /* a second call on the kept connection works as well */
    code = kube_client_post_json(c, "/apis/authorization.k8s.io/v1/subjectaccessreviews", SAR_BODY,
                                 &reply, err, sizeof(err));
    assert_int_equal(code, 201);
    free(reply);

    cJSON *all = fake_kube_records(&f);
    assert_int_equal(cJSON_GetArraySize(all), 2);
    assert_string_equal(record_field(all, 0, "method")->valuestring, "POST");
    assert_string_equal(record_field(all, 0, "path")->valuestring,
                        "/apis/authorization.k8s.io/v1/subjectaccessreviews");
    assert_string_equal(record_field(all, 0, "content_type")->valuestring, "application/json");
    assert_string_equal(record_field(all, 0, "client_cn")->valuestring, "alice");
    assert_string_equal(record_field(all, 0, "authorization")->valuestring, "");
    cJSON *want = cJSON_Parse(SAR_BODY);
    assert_true(cJSON_Compare(record_field(all, 0, "body"), want, 1));
    cJSON_Delete(want);
    cJSON_Delete(all);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void no_credentials_get_the_apiservers_401_status(void **state)
{
    (void)state;
    struct fake_kube f;
    assert_int_equal(fake_kube_start(&f, pki, NULL), 0);
    struct kube_config cfg = {.server = f.server, .ca_file = pki_file("ca-srv.crt")};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_non_null(c);
    char *reply = NULL;
    long code = kube_client_post_json(c, "/apis/authentication.k8s.io/v1/tokenreviews", "{}",
                                      &reply, err, sizeof(err));
    assert_int_equal(code, 401);
    cJSON *doc = cJSON_Parse(reply);
    assert_string_equal(cJSON_GetObjectItem(doc, "kind")->valuestring, "Status");
    assert_string_equal(cJSON_GetObjectItem(doc, "message")->valuestring, "Unauthorized");
    cJSON_Delete(doc);
    free(reply);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void get_sends_no_body_and_reads_the_reply_after_a_post(void **state)
{
    (void)state;
    struct fake_kube f;
    assert_int_equal(fake_kube_start(&f, pki, NULL), 0);
    struct kube_config cfg = cert_config(f.server);
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_non_null(c);
    char *reply = NULL;
    /* the POST first, so the GET reuses a pooled handle that last sent a body */
    long code = kube_client_post_json(c, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                      SAR_BODY, &reply, err, sizeof(err));
    assert_int_equal(code, 201);
    free(reply);
    code = kube_client_get_json(c, "/version", &reply, err, sizeof(err));
    assert_int_equal(code, 200);
    cJSON *doc = cJSON_Parse(reply);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "gitVersion")->valuestring, "v1.30.0");
    cJSON_Delete(doc);
    free(reply);
    code = kube_client_get_json(c, "/api/v1/nothing", &reply, err, sizeof(err));
    assert_int_equal(code, 404);
    free(reply);

    cJSON *all = fake_kube_records(&f);
    assert_int_equal(cJSON_GetArraySize(all), 3);
    assert_string_equal(record_field(all, 1, "method")->valuestring, "GET");
    assert_string_equal(record_field(all, 1, "path")->valuestring, "/version");
    assert_string_equal(record_field(all, 1, "content_type")->valuestring, "");
    assert_string_equal(record_field(all, 1, "client_cn")->valuestring, "alice");
    assert_true(cJSON_IsNull(record_field(all, 1, "body")));
    cJSON_Delete(all);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void get_of_a_refused_connection_names_the_method_and_url(void **state)
{
    (void)state;
    struct kube_config cfg = {.server = "https://127.0.0.1:1", .ca_file = pki_file("ca-srv.crt")};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_non_null(c);
    char *reply = NULL;
    assert_int_equal(kube_client_get_json(c, "/api/v1/x", &reply, err, sizeof(err)), -1);
    assert_null(reply);
    assert_non_null(strstr(err, "GET https://127.0.0.1:1/api/v1/x: Connection refused"));
    kube_client_free(c);
}

struct token_dir {
    char dir[HTTP_PKI_PATH_LEN];
    char file[HTTP_PKI_PATH_LEN + 16];
};

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

static void make_token_dir(struct token_dir *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/kube-token.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->file, sizeof(t->file), "%s/token", t->dir);
}

static void bearer_token_file_is_read_again_on_every_call(void **state)
{
    (void)state;
    struct fake_kube f;
    struct fake_kube_opts o = {.caller_token = "second-token"};
    assert_int_equal(fake_kube_start(&f, pki, &o), 0);
    struct token_dir t;
    make_token_dir(&t);
    write_file(t.file, "first-token\n");
    struct kube_config cfg = {.server = f.server,
                              .ca_file = pki_file("ca-srv.crt"),
                              .token = "fixed-token",
                              .token_file = t.file};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_non_null(c);
    char *reply = NULL;
    const char *path = "/apis/authentication.k8s.io/v1/tokenreviews";
    assert_int_equal(kube_client_post_json(c, path, "{}", &reply, err, sizeof(err)), 401);
    free(reply);
    /* the kubelet rotates the file: the next call sends the new token */
    write_file(t.file, "  second-token\r\n");
    assert_int_equal(kube_client_post_json(c, path, "{}", &reply, err, sizeof(err)), 400);
    free(reply);
    cJSON *all = fake_kube_records(&f);
    assert_string_equal(record_field(all, 0, "authorization")->valuestring, "Bearer first-token");
    assert_string_equal(record_field(all, 1, "authorization")->valuestring, "Bearer second-token");
    assert_string_equal(record_field(all, 1, "client_cn")->valuestring, "");
    cJSON_Delete(all);

    /* an emptied or vanished token file fails the call before anything is sent */
    write_file(t.file, "\n");
    assert_int_equal(kube_client_post_json(c, path, "{}", &reply, err, sizeof(err)), -1);
    assert_null(reply);
    char want[2 * KUBE_CLIENT_ERR_LEN];
    snprintf(want, sizeof(want), "POST %s%s: read token file: %s: empty", f.server, path, t.file);
    assert_string_equal(err, want);
    unlink(t.file);
    assert_int_equal(kube_client_post_json(c, path, "{}", &reply, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "POST %s%s: read token file: %s: No such file or directory",
             f.server, path, t.file);
    assert_string_equal(err, want);
    assert_int_equal(fake_kube_count(&f), 2);
    rmdir(t.dir);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void fixed_token_is_sent_when_there_is_no_file(void **state)
{
    (void)state;
    struct fake_kube f;
    struct fake_kube_opts o = {.caller_token = "fixed-token"};
    assert_int_equal(fake_kube_start(&f, pki, &o), 0);
    struct kube_config cfg = {
        .server = f.server, .ca_file = pki_file("ca-srv.crt"), .token = "fixed-token"};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    char *reply = NULL;
    assert_int_equal(kube_client_post_json(c, "/version-not-here", "{}", &reply, err, sizeof(err)),
                     404);
    free(reply);
    cJSON *all = fake_kube_records(&f);
    assert_string_equal(record_field(all, 0, "authorization")->valuestring, "Bearer fixed-token");
    cJSON_Delete(all);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void server_certificate_from_another_ca_is_refused(void **state)
{
    (void)state;
    struct fake_kube f;
    assert_int_equal(fake_kube_start(&f, pki, NULL), 0);
    struct kube_config cfg = cert_config(f.server);
    cfg.ca_file = pki_file("ca-x.crt");
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    char *reply = NULL;
    assert_int_equal(kube_client_post_json(c, "/x", "{}", &reply, err, sizeof(err)), -1);
    assert_null(reply);
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "POST %s/x: ", f.server);
    assert_memory_equal(err, prefix, strlen(prefix));
    assert_non_null(strstr(err, "certificate"));
    assert_int_equal(fake_kube_count(&f), 0);
    kube_client_free(c);

    /* insecure-skip-tls-verify accepts it */
    cfg.ca_file = NULL;
    cfg.insecure_skip_tls_verify = true;
    c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_int_equal(kube_client_post_json(c, "/x", "{}", &reply, err, sizeof(err)), 404);
    free(reply);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void refused_connection_names_the_url(void **state)
{
    (void)state;
    /* a port that was just free: bind, read the port, close */
    struct fake_kube f;
    assert_int_equal(fake_kube_start(&f, pki, NULL), 0);
    char server[64];
    snprintf(server, sizeof(server), "%s", f.server);
    fake_kube_stop(&f);
    struct kube_config cfg = cert_config(server);
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    char *reply = NULL;
    assert_int_equal(kube_client_post_json(c, "/apis/authentication.k8s.io/v1/tokenreviews", "{}",
                                           &reply, err, sizeof(err)),
                     -1);
    char prefix[128];
    snprintf(prefix, sizeof(prefix),
             "POST %s/apis/authentication.k8s.io/v1/tokenreviews: ", server);
    assert_memory_equal(err, prefix, strlen(prefix));
    if (strstr(err, "Connection refused") == NULL)
        fail_msg("%s", err);
    kube_client_free(c);
}

static void slow_reply_times_out_at_the_deadline(void **state)
{
    (void)state;
    struct fake_kube f;
    struct fake_kube_opts o = {.delay_ms = 3000};
    assert_int_equal(fake_kube_start(&f, pki, &o), 0);
    struct kube_config cfg = cert_config(f.server);
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 300, err, sizeof(err));
    char *reply = NULL;
    long long t0 = wss_wait_now_ms();
    assert_int_equal(kube_client_post_json(c, "/apis/authentication.k8s.io/v1/tokenreviews", "{}",
                                           &reply, err, sizeof(err)),
                     -1);
    long long took = wss_wait_now_ms() - t0;
    assert_true(took >= 290 && took < 2000);
    assert_non_null(strstr(err, "timed out"));
    kube_client_free(c);
    fake_kube_stop(&f);
}

struct delayed_stop {
    atomic_bool *stop;
    int after_ms;
};

static void *set_stop_later(void *arg)
{
    struct delayed_stop *d = arg;
    struct timespec ts = {.tv_sec = d->after_ms / 1000, .tv_nsec = (d->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(d->stop, true);
    return NULL;
}

/* A LIST the server is slow to answer ends soon after the stop flag, not at the 10 s deadline. */
static void stoppable_get_ends_soon_after_the_stop_flag(void **state)
{
    (void)state;
    struct fake_kube f;
    struct fake_kube_opts o = {.delay_ms = 8000};
    assert_int_equal(fake_kube_start(&f, pki, &o), 0);
    struct kube_config cfg = cert_config(f.server);
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client *c = kube_client_new(&cfg, 10000, err, sizeof(err));
    assert_non_null(c);
    atomic_bool stop = false;
    struct delayed_stop d = {&stop, 200};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, set_stop_later, &d), 0);
    char *reply = NULL;
    long long t0 = wss_wait_now_ms();
    assert_int_equal(kube_client_get_json_stoppable(c, "/api/v1/pods?limit=500", &stop, 0, &reply,
                                                    err, sizeof(err)),
                     -1);
    long long took = wss_wait_now_ms() - t0;
    pthread_join(t, NULL);
    assert_null(reply);
    assert_non_null(strstr(err, "GET https://"));
    assert_non_null(strstr(err, ": stopped"));
    assert_true(took >= 200 && took < 2500);
    kube_client_free(c);
    fake_kube_stop(&f);
}

/* Inline *-data material lives in the kube_config's scratch directory, which kube_config_clear
 * removes: the client keeps copies of its own. */
static void inline_kubeconfig_material_outlives_the_config(void **state)
{
    (void)state;
    struct fake_kube f;
    assert_int_equal(fake_kube_start(&f, pki, NULL), 0);
    char kc[HTTP_PKI_PATH_LEN + 32], cmd[4 * HTTP_PKI_PATH_LEN];
    snprintf(kc, sizeof(kc), "%s/inline.kubeconfig", pki);
    snprintf(cmd, sizeof(cmd),
             "printf 'apiVersion: v1\\nkind: Config\\ncurrent-context: c\\n"
             "clusters: [{name: k, cluster: {server: \"%s/\", certificate-authority-data: %%s}}]\\n"
             "users: [{name: u, user: {client-certificate-data: %%s, client-key-data: %%s}}]\\n"
             "contexts: [{name: c, context: {cluster: k, user: u}}]\\n' "
             "$(base64 -w0 ca-srv.crt) $(base64 -w0 client-b.crt) $(base64 -w0 client-b.key) "
             "> inline.kubeconfig",
             f.server);
    assert_int_equal(http_pki_sh(pki, cmd), 0);
    struct kube_config cfg;
    char err[KUBE_CLIENT_ERR_LEN] = "";
    assert_int_equal(kube_config_load_file(kc, &cfg, err, sizeof(err)), 0);
    struct kube_client *c = kube_client_new(&cfg, 0, err, sizeof(err));
    assert_non_null(c);
    char scratch[HTTP_PKI_PATH_LEN];
    snprintf(scratch, sizeof(scratch), "%s", cfg.scratch_dir);
    kube_config_clear(&cfg);
    assert_int_equal(access(scratch, F_OK), -1);
    char *reply = NULL;
    assert_int_equal(kube_client_post_json(c, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                           SAR_BODY, &reply, err, sizeof(err)),
                     201);
    free(reply);
    cJSON *all = fake_kube_records(&f);
    assert_string_equal(record_field(all, 0, "client_cn")->valuestring, "alice");
    cJSON_Delete(all);
    kube_client_free(c);
    fake_kube_stop(&f);
}

static void remove_token_dir(struct token_dir *t)
{
    char pods[HTTP_PKI_PATH_LEN + 16];
    snprintf(pods, sizeof(pods), "%s/pods.json", t->dir);
    unlink(pods);
    rmdir(t->dir);
}

struct lines {
    char first[512];
    int n, stop_after;
    atomic_bool *stop; /* set after the first line when non-NULL */
};

static int on_line(const char *line, size_t len, void *arg)
{
    struct lines *l = arg;
    if (l->n++ == 0)
        snprintf(l->first, sizeof(l->first), "%.*s", (int)len, line);
    assert_int_not_equal(line[len - 1], '\n');
    if (l->stop != NULL)
        atomic_store(l->stop, true);
    return l->stop_after > 0 && l->n >= l->stop_after;
}

#define TWO_PODS                                                                                   \
    "{\"pods\":[{\"namespace\":\"ws\",\"name\":\"a\",\"uid\":\"u-a\"},"                            \
    "{\"namespace\":\"ws\",\"name\":\"b\",\"uid\":\"u-b\"}]}"
#define WATCH_PATH "/api/v1/pods?watch=1&resourceVersion=1&timeoutSeconds=30"

/* Starts the stand-in with two pods and a client of it. */
static struct kube_client *watch_setup(struct fake_kube *f, struct token_dir *t)
{
    make_token_dir(t);
    char pods[HTTP_PKI_PATH_LEN + 16];
    snprintf(pods, sizeof(pods), "%s/pods.json", t->dir);
    write_file(pods, TWO_PODS);
    struct fake_kube_opts o = {.pods_file = pods};
    assert_int_equal(fake_kube_start(f, pki, &o), 0);
    return fake_kube_client(f, pki, true, 0);
}

static void watch_teardown(struct kube_client *c, struct fake_kube *f, struct token_dir *t)
{
    kube_client_free(c);
    fake_kube_stop(f);
    remove_token_dir(t);
}

static void watch_hands_each_event_line_to_the_callback_until_it_says_stop(void **state)
{
    (void)state;
    struct fake_kube f;
    struct token_dir t;
    struct kube_client *c = watch_setup(&f, &t);
    struct lines l = {.stop_after = 2};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    assert_int_equal(kube_client_watch(c, WATCH_PATH, on_line, &l, NULL, err, sizeof(err)), 200);
    assert_int_equal(l.n, 2);
    static const char added[] = "{\"type\": \"ADDED\", \"object\": {";
    assert_memory_equal(l.first, added, sizeof(added) - 1);
    watch_teardown(c, &f, &t);
}

static void watch_stop_flag_ends_a_quiet_stream_within_the_poll_period(void **state)
{
    (void)state;
    struct fake_kube f;
    struct token_dir t;
    struct kube_client *c = watch_setup(&f, &t);
    atomic_bool stop = false;
    struct lines l = {.stop = &stop};
    struct kube_client_watch_opts o = {.stop = &stop};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    long long t0 = wss_wait_now_ms();
    assert_int_equal(kube_client_watch(c, WATCH_PATH, on_line, &l, &o, err, sizeof(err)), -1);
    long long took = wss_wait_now_ms() - t0;
    assert_int_equal(l.n, 2);
    assert_non_null(strstr(err, ": stopped"));
    assert_true(took < 5 * KUBE_CLIENT_WATCH_POLL_MS + 1000);
    watch_teardown(c, &f, &t);
}

static void watch_fails_on_idle_timeout_and_on_an_overlong_line(void **state)
{
    (void)state;
    struct fake_kube f;
    struct token_dir t;
    struct kube_client *c = watch_setup(&f, &t);
    struct lines l = {0};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    struct kube_client_watch_opts idle = {.idle_timeout_ms = 300};
    assert_int_equal(kube_client_watch(c, WATCH_PATH, on_line, &l, &idle, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ": no data within the idle timeout"));
    assert_int_equal(l.n, 2);
    l.n = 0;
    struct kube_client_watch_opts small = {.max_line = 50};
    assert_int_equal(kube_client_watch(c, WATCH_PATH, on_line, &l, &small, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ": a line longer than 50 bytes"));
    assert_int_equal(l.n, 0);
    watch_teardown(c, &f, &t);
}

static void watch_refused_gives_the_status_and_never_calls_back(void **state)
{
    (void)state;
    struct fake_kube f;
    struct token_dir t;
    struct kube_client *c = watch_setup(&f, &t);
    struct lines l = {0};
    char err[KUBE_CLIENT_ERR_LEN] = "";
    assert_int_equal(
        kube_client_watch(c, "/api/v1/nodes?watch=1", on_line, &l, NULL, err, sizeof(err)), 404);
    assert_int_equal(l.n, 0);
    assert_non_null(strstr(err, "/api/v1/nodes?watch=1: HTTP 404: {"));
    assert_non_null(strstr(err, "the server could not find the requested resource"));
    watch_teardown(c, &f, &t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(watch_hands_each_event_line_to_the_callback_until_it_says_stop),
        cmocka_unit_test(watch_stop_flag_ends_a_quiet_stream_within_the_poll_period),
        cmocka_unit_test(watch_fails_on_idle_timeout_and_on_an_overlong_line),
        cmocka_unit_test(watch_refused_gives_the_status_and_never_calls_back),
        cmocka_unit_test(client_certificate_authenticates_and_body_arrives_verbatim),
        cmocka_unit_test(no_credentials_get_the_apiservers_401_status),
        cmocka_unit_test(get_sends_no_body_and_reads_the_reply_after_a_post),
        cmocka_unit_test(get_of_a_refused_connection_names_the_method_and_url),
        cmocka_unit_test(bearer_token_file_is_read_again_on_every_call),
        cmocka_unit_test(fixed_token_is_sent_when_there_is_no_file),
        cmocka_unit_test(server_certificate_from_another_ca_is_refused),
        cmocka_unit_test(refused_connection_names_the_url),
        cmocka_unit_test(slow_reply_times_out_at_the_deadline),
        cmocka_unit_test(stoppable_get_ends_soon_after_the_stop_flag),
        cmocka_unit_test(inline_kubeconfig_material_outlives_the_config),
    };
    return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
