/* SPDX-License-Identifier: Apache-2.0 */
/* test_health.c: /healthz, /livez and /readyz answer "ok" (the checks with ?verbose), readyz
 * turns 503 once shutting down while the others stay 200, and /version is a version.Info
 * document with every field kubectl reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "health.h"
#include "wsscale/http_server.h"
#include "wsscale/version.h"

#define CALL_MS 10000

struct reply {
    long code;
    char body[1024];
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

static void get(uint16_t port, const char *path, struct reply *r)
{
    memset(r, 0, sizeof(*r));
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)CALL_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
    curl_easy_cleanup(h);
}

static void readyz_fails_once_shutting_down_and_the_others_stay_ok(void **state)
{
    (void)state;
    struct health *h = health_new();
    struct wss_http_router *r = wss_http_router_new();
    struct wss_parse_err perr;
    char err[WSS_HTTP_ERR_LEN];
    assert_non_null(h);
    assert_non_null(r);
    assert_int_equal(health_add_routes(h, r, &perr), 0);
    struct wss_http_server_config cfg = {.host = "127.0.0.1"};
    struct wss_http_server *s = wss_http_server_start(&cfg, r, err, sizeof(err));
    assert_non_null(s);
    uint16_t port = wss_http_server_port(s);
    struct reply rep;
    static const char *const paths[] = {"/healthz", "/livez", "/readyz"};
    for (size_t i = 0; i < 3; i++) {
        get(port, paths[i], &rep);
        assert_int_equal(rep.code, 200);
        assert_string_equal(rep.body, "ok");
    }
    get(port, "/readyz?verbose", &rep);
    assert_int_equal(rep.code, 200);
    assert_string_equal(rep.body, "[+]ping ok\n[+]shutdown ok\nreadyz check passed\n");

    health_set_shutting_down(h);
    get(port, "/readyz", &rep);
    assert_int_equal(rep.code, 503);
    assert_string_equal(rep.body, "[-]shutdown failed: reason withheld\nreadyz check failed\n");
    get(port, "/readyz?verbose", &rep);
    assert_int_equal(rep.code, 503);
    assert_string_equal(rep.body, "[+]ping ok\n[-]shutdown failed\nreadyz check failed\n");
    get(port, "/livez", &rep);
    assert_int_equal(rep.code, 200);
    get(port, "/healthz?verbose", &rep);
    assert_int_equal(rep.code, 200);
    assert_string_equal(rep.body, "[+]ping ok\n[+]shutdown ok\nhealthz check passed\n");
    wss_http_server_stop(s);
    wss_http_router_free(r);
    health_free(h);
}

static void version_is_a_version_info_document(void **state)
{
    (void)state;
    char buf[512];
    int n = health_version_json(buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(buf));
    cJSON *doc = cJSON_Parse(buf);
    assert_non_null(doc);
    static const char *const fields[] = {"major",     "minor",        "gitVersion",
                                         "gitCommit", "gitTreeState", "buildDate",
                                         "goVersion", "compiler",     "platform"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, fields[i])));
    char want[64];
    snprintf(want, sizeof(want), "v%s", WSS_VERSION);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "gitVersion")->valuestring, want);
    assert_non_null(
        strstr(cJSON_GetObjectItemCaseSensitive(doc, "platform")->valuestring, "linux/"));
    cJSON_Delete(doc);
    assert_int_equal(health_version_json(buf, 16), -1);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readyz_fails_once_shutting_down_and_the_others_stay_ok),
        cmocka_unit_test(version_is_a_version_info_document),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
