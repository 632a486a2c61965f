/* SPDX-License-Identifier: Apache-2.0 */
/* test_endpoints.c: the sidecar's HTTP port on 127.0.0.1 (libcurl as the client): /readyz before
 * and after a good sample, /metrics with a count only while the source is OK, totals only when
 * the source knows them, state and duration families, and refused listen addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curl/curl.h>

#include "endpoints.h"
#include "wsscale/strbuf.h"

struct reply {
    long status;
    struct wss_strbuf body;
    char content_type[128];
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct wss_strbuf *b = arg;
    wss_strbuf_append(b, data, size * nmemb);
    return size * nmemb;
}

static void get(const struct endpoints *e, const char *path, struct reply *r)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", endpoints_port(e), path);
    memset(r, 0, sizeof(*r));
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(r->content_type, sizeof(r->content_type), "%s", ct != NULL ? ct : "");
    wss_strbuf_puts(&r->body, "");
    curl_easy_cleanup(c);
}

static bool has_line(const struct reply *r, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = r->body.data; p != NULL && (p = strstr(p, line)) != NULL; p++)
        if ((p == r->body.data || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

static struct endpoints *start(void)
{
    struct wss_parse_err perr;
    struct endpoints *e = endpoints_new("shm", &perr);
    assert_non_null(e);
    struct wss_hostport hp = {.host = "127.0.0.1", .host_len = 9, .kind = WSS_HOST_IPV4};
    char err[256];
    assert_int_equal(endpoints_serve(e, &hp, err, sizeof(err)), 0);
    assert_true(endpoints_port(e) > 0);
    return e;
}

static struct sample make(enum source_state st, uint64_t active, bool has_totals)
{
    struct sample s = {.kind = "shm", .number = 1, .time_unix_ms = 1, .duration_s = 0.0002};
    s.src.state = st;
    s.src.active = active;
    s.src.has_totals = has_totals;
    s.src.opened_total = 10;
    s.src.closed_total = 10 - active;
    if (st != SOURCE_OK)
        snprintf(s.src.reason, sizeof(s.src.reason), "no heartbeat for 4.0s");
    return s;
}

static void not_ready_and_no_count_before_a_good_sample(void **state)
{
    (void)state;
    struct endpoints *e = start();
    struct reply r;
    get(e, "/readyz", &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body.data, "no good sample yet: no sample taken yet\n");
    wss_strbuf_free(&r.body);

    struct sample s = make(SOURCE_MISSING, 0, false);
    snprintf(s.src.reason, sizeof(s.src.reason), "no counter yet: the app has not started");
    endpoints_on_sample(e, &s);
    assert_false(endpoints_is_ready(e));
    get(e, "/readyz", &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body.data,
                        "no good sample yet: no counter yet: the app has not started\n");
    wss_strbuf_free(&r.body);

    get(e, "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, WSS_PROM_CONTENT_TYPE);
    assert_null(strstr(r.body.data, "websocket_connections "));
    assert_null(strstr(r.body.data, "# TYPE websocket_connections gauge"));
    assert_true(has_line(&r, "wsscale_sidecar_source_up 0"));
    assert_true(has_line(&r, "wsscale_sidecar_source_state{source=\"shm\",state=\"missing\"} 1"));
    assert_true(has_line(&r, "wsscale_sidecar_source_state{source=\"shm\",state=\"ok\"} 0"));
    assert_true(has_line(&r, "wsscale_sidecar_samples_total{state=\"missing\"} 1"));
    wss_strbuf_free(&r.body);

    get(e, "/healthz", &r);
    assert_int_equal(r.status, 200);
    wss_strbuf_free(&r.body);
    endpoints_free(e);
}

static void ok_sample_shows_count_totals_and_timing(void **state)
{
    (void)state;
    struct endpoints *e = start();
    struct sample s = make(SOURCE_OK, 7, true);
    endpoints_on_sample(e, &s);
    assert_true(endpoints_is_ready(e));
    struct reply r;
    get(e, "/metrics", &r);
    assert_true(has_line(&r, "# TYPE websocket_connections gauge"));
    assert_true(has_line(&r, "websocket_connections 7"));
    assert_true(has_line(&r, "websocket_connections_opened_total 10"));
    assert_true(has_line(&r, "websocket_connections_closed_total 3"));
    assert_true(has_line(&r, "wsscale_sidecar_source_up 1"));
    assert_true(has_line(&r, "wsscale_sidecar_source_state{source=\"shm\",state=\"ok\"} 1"));
    assert_true(has_line(&r, "wsscale_sidecar_source_state{source=\"shm\",state=\"stale\"} 0"));
    assert_true(has_line(&r, "wsscale_sidecar_sample_duration_seconds_bucket{le=\"0.00025\"} 1"));
    assert_true(has_line(&r, "wsscale_sidecar_sample_duration_seconds_bucket{le=\"0.0001\"} 0"));
    assert_true(has_line(&r, "wsscale_sidecar_sample_duration_seconds_count 1"));
    assert_true(has_line(&r, "wsscale_sidecar_draining 0"));
    wss_strbuf_free(&r.body);
    get(e, "/readyz", &r);
    assert_int_equal(r.status, 200);
    wss_strbuf_free(&r.body);

    /* A source without totals: the count, but no counters it cannot know. */
    s = make(SOURCE_OK, 2, false);
    s.is_draining = true;
    endpoints_on_sample(e, &s);
    get(e, "/metrics", &r);
    assert_true(has_line(&r, "websocket_connections 2"));
    assert_null(strstr(r.body.data, "websocket_connections_opened_total"));
    assert_null(strstr(r.body.data, "websocket_connections_closed_total"));
    assert_true(has_line(&r, "wsscale_sidecar_draining 1"));
    wss_strbuf_free(&r.body);
    endpoints_free(e);
}

static void stale_sample_hides_the_count_but_stays_ready(void **state)
{
    (void)state;
    struct endpoints *e = start();
    struct sample s = make(SOURCE_OK, 4, true);
    endpoints_on_sample(e, &s);
    s = make(SOURCE_STALE, 0, false);
    endpoints_on_sample(e, &s);
    struct reply r;
    get(e, "/metrics", &r);
    assert_null(strstr(r.body.data, "websocket_connections "));
    assert_null(strstr(r.body.data, "websocket_connections_opened_total"));
    assert_true(has_line(&r, "wsscale_sidecar_source_up 0"));
    assert_true(has_line(&r, "wsscale_sidecar_source_state{source=\"shm\",state=\"stale\"} 1"));
    assert_true(has_line(&r, "wsscale_sidecar_samples_total{state=\"ok\"} 1"));
    assert_true(has_line(&r, "wsscale_sidecar_samples_total{state=\"stale\"} 1"));
    wss_strbuf_free(&r.body);
    /* Readiness means "has counted once"; a later stale sample does not take it back. */
    get(e, "/readyz", &r);
    assert_int_equal(r.status, 200);
    wss_strbuf_free(&r.body);
    endpoints_free(e);
}

static void listen_on_a_host_name_is_refused(void **state)
{
    (void)state;
    struct wss_parse_err perr;
    struct endpoints *e = endpoints_new("scrape", &perr);
    assert_non_null(e);
    struct wss_hostport hp = {.host = "localhost", .host_len = 9, .kind = WSS_HOST_NAME};
    char err[256];
    assert_int_equal(endpoints_serve(e, &hp, err, sizeof(err)), -1);
    assert_string_equal(err, "listen address must be an IP address, not \"localhost\"");
    assert_int_equal(endpoints_port(e), 0);
    endpoints_free(e);
    endpoints_free(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(not_ready_and_no_count_before_a_good_sample),
        cmocka_unit_test(ok_sample_shows_count_totals_and_timing),
        cmocka_unit_test(stale_sample_hides_the_count_but_stays_ready),
        cmocka_unit_test(listen_on_a_host_name_is_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
