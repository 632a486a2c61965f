/* SPDX-License-Identifier: Apache-2.0 */
/* api_fixture.c: the adapter API behind a real lib http server, and a libcurl client for it.
 * Does not: assert; tests check what it returns.
 * Threads: test thread only; the server's worker threads run the routes. */
#include "api_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "api_discovery.h"
#include "api_metrics.h"
#include "api_status.h"
#include "wsscale/http_server.h"

/* Upper bound for one request, in ms. */
#define CALL_TIMEOUT_MS 10000

struct api_fixture {
    struct wss_http_router *router;
    struct api_metrics *metrics;
    struct wss_http_server *server;
    char base_url[64];
};

struct api_fixture *api_fixture_start(const struct metric_source *src)
{
    struct wss_parse_err perr;
    char err[WSS_HTTP_ERR_LEN];
    struct api_fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->router = wss_http_router_new();
    if (f->router == NULL || api_discovery_add_routes(f->router, &perr) != 0)
        goto fail;
    if (src != NULL) {
        f->metrics = api_metrics_new(src);
        if (f->metrics == NULL || api_metrics_add_routes(f->metrics, f->router, &perr) != 0)
            goto fail;
    }
    struct wss_http_server_config cfg = {
        .host = "127.0.0.1",
        .on_error = api_status_on_error,
        .max_body_bytes = 16,
    };
    f->server = wss_http_server_start(&cfg, f->router, err, sizeof(err));
    if (f->server == NULL)
        goto fail;
    snprintf(f->base_url, sizeof(f->base_url), "http://127.0.0.1:%u",
             (unsigned)wss_http_server_port(f->server));
    return f;
fail:
    api_fixture_stop(f);
    return NULL;
}

void api_fixture_stop(struct api_fixture *f)
{
    if (f == NULL)
        return;
    wss_http_server_stop(f->server);
    api_metrics_free(f->metrics);
    wss_http_router_free(f->router);
    free(f);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct api_reply *r = arg;
    size_t len = size * n;
    size_t room = sizeof(r->body) - 1 - r->body_len;
    size_t keep = len < room ? len : room;
    memcpy(r->body + r->body_len, data, keep);
    r->body_len += keep;
    r->body[r->body_len] = '\0';
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct api_reply *r = arg;
    size_t len = size * n;
    static const char name[] = "content-type:";
    if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        const char *v = data + sizeof(name) - 1;
        size_t vlen = len - (sizeof(name) - 1);
        while (vlen > 0 && *v == ' ')
            v++, vlen--;
        while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
            vlen--;
        if (vlen >= sizeof(r->content_type))
            vlen = sizeof(r->content_type) - 1;
        memcpy(r->content_type, v, vlen);
        r->content_type[vlen] = '\0';
    }
    return len;
}

void api_fixture_call(struct api_fixture *f, const char *method, const char *path,
                      const char *header, struct api_reply *r)
{
    memset(r, 0, sizeof(*r));
    CURL *h = curl_easy_init();
    if (h == NULL)
        return;
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", f->base_url, path);
    struct curl_slist *hdrs = NULL;
    if (header != NULL)
        hdrs = curl_slist_append(hdrs, header);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)CALL_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (method != NULL && strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "0123456789abcdefghijklmnopqrstuvwxyz");
    } else if (method != NULL) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}
