/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_reader.c: libcurl GET of the pods metric and the cJSON decode of its items.
 * Does not: log or print; errors go back in the reply.
 * Threads: one reader, one thread. */
#include "metrics_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "wsscale/parse.h"
#include "wsscale/quantity.h"
#include "wsscale/strbuf.h"

/* Longest URL built. */
#define URL_LEN 1024
/* Largest body accepted: 128 items are far below it. */
#define MAX_BODY_BYTES (1024 * 1024)

struct metrics_reader {
    CURL *h;
    char url[URL_LEN];
    struct wss_strbuf body;
    int64_t timeout_ms;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *arg)
{
    struct wss_strbuf *b = arg;
    if (wss_strbuf_append(b, ptr, size * n) != 0)
        return 0;
    return size * n;
}

struct metrics_reader *metrics_reader_create(const char *base_url, const char *ca_file,
                                             const char *ns, const char *app, int64_t timeout_ms)
{
    struct metrics_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->h = curl_easy_init();
    if (r->h == NULL) {
        free(r);
        return NULL;
    }
    snprintf(r->url, sizeof(r->url),
             "%s/apis/custom.metrics.k8s.io/v1beta2/namespaces/%s/pods/%%2A/"
             "websocket_connections?labelSelector=app%%3D%s",
             base_url, ns, app);
    r->timeout_ms = timeout_ms;
    wss_strbuf_init(&r->body, MAX_BODY_BYTES);
    curl_easy_setopt(r->h, CURLOPT_URL, r->url);
    curl_easy_setopt(r->h, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(r->h, CURLOPT_CAPATH, NULL);
    curl_easy_setopt(r->h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(r->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->h, CURLOPT_USERAGENT, "wsscale-demo (the HPA's request)");
    curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->body);
    return r;
}

const char *metrics_reader_url(const struct metrics_reader *r)
{
    return r->url;
}

static int fail(struct metrics_reply *out, const char *what, const char *detail)
{
    snprintf(out->error, sizeof(out->error), "%s%s%.200s", what, detail[0] ? ": " : "", detail);
    out->n = 0;
    return -1;
}

int metrics_reader_parse(const char *body, size_t len, struct metrics_reply *out)
{
    out->n = 0;
    out->error[0] = '\0';
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (doc == NULL)
        return fail(out, "the reply is not JSON", "");
    int rc = 0;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "MetricValueList") != 0 ||
        !cJSON_IsArray(items)) {
        rc = fail(out, "the reply is not a MetricValueList", "");
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(it, "describedObject");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (!cJSON_IsString(name) || !cJSON_IsString(value)) {
            rc = fail(out, "an item without describedObject.name or value", "");
            goto out;
        }
        if (out->n == METRICS_READER_MAX_ITEMS) {
            rc = fail(out, "too many items", "");
            goto out;
        }
        struct metrics_item *m = &out->items[out->n];
        struct wss_parse_err perr;
        if (wss_quantity_parse_milli(value->valuestring, strlen(value->valuestring),
                                     &m->milli_value, &perr) < 0) {
            rc = fail(out, "a bad Quantity", value->valuestring);
            goto out;
        }
        snprintf(m->name, sizeof(m->name), "%s", name->valuestring);
        out->n++;
    }
out:
    cJSON_Delete(doc);
    return rc;
}

/* The message of a Kubernetes Status body, or the body's start. */
static void status_message(const char *body, size_t len, char *msg, size_t cap)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    snprintf(msg, cap, "%.*s", cJSON_IsString(m) ? (int)strlen(m->valuestring) : (int)len,
             cJSON_IsString(m) ? m->valuestring : body);
    cJSON_Delete(doc);
}

int metrics_reader_read(struct metrics_reader *r, struct metrics_reply *out)
{
    wss_strbuf_reset(&r->body);
    CURLcode cc = curl_easy_perform(r->h);
    if (cc != CURLE_OK)
        return fail(out, "GET failed", curl_easy_strerror(cc));
    long code = 0;
    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &code);
    const char *body = r->body.len > 0 ? r->body.data : "";
    if (code != 200) {
        char msg[METRICS_READER_ERR_LEN / 2], what[32];
        status_message(body, r->body.len, msg, sizeof(msg));
        snprintf(what, sizeof(what), "HTTP %ld", code);
        return fail(out, what, msg);
    }
    return metrics_reader_parse(body, r->body.len, out);
}

void metrics_reader_destroy(struct metrics_reader *r)
{
    if (r == NULL)
        return;
    curl_easy_cleanup(r->h);
    wss_strbuf_free(&r->body);
    free(r);
}
