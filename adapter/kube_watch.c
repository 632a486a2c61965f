/* SPDX-License-Identifier: Apache-2.0 */
/* kube_watch.c: kube_client_watch, a streaming GET (a ?watch=1 URL) on a handle of its own,
 * handing each complete line to the caller, with a line cap, an idle timer and a stop flag.
 * Does not: parse the lines (pod_event.c does), or retry (pod_watch.c does).
 * Threads: the caller's; the handle is never pooled. */
#include "kube_client.h"
#include "kube_client_internal.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "wsscale/clock.h"
#include "wsscale/strbuf.h"

/* What a watch's write callback carries between calls. */
struct watch_state {
    CURL *h;
    kube_client_line_cb cb;
    void *arg;
    long code;              /* 0 until the first body bytes */
    struct wss_strbuf line; /* the line so far; capped at max_line */
    struct wss_strbuf body; /* a non-2xx reply's first bytes */
    int64_t last_data_ms;   /* monotonic; any byte of the body resets the idle timer */
    bool is_too_long, is_ended_by_cb;
};

static int deliver(struct watch_state *ws, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    if (ws->cb(line, len, ws->arg) != 0) {
        ws->is_ended_by_cb = true;
        return -1;
    }
    return 0;
}

static size_t on_watch_body(char *data, size_t size, size_t n, void *arg)
{
    struct watch_state *ws = arg;
    size_t total = size * n;
    ws->last_data_ms = wss_clock_mono_ms();
    if (ws->code == 0)
        curl_easy_getinfo(ws->h, CURLINFO_RESPONSE_CODE, &ws->code);
    if (ws->code < 200 || ws->code > 299) {
        size_t room = KUBE_CLIENT_WATCH_ERR_BODY - ws->body.len;
        wss_strbuf_append(&ws->body, data, total < room ? total : room);
        return total;
    }
    size_t at = 0;
    while (at < total) {
        const char *nl = memchr(data + at, '\n', total - at);
        size_t seg = nl != NULL ? (size_t)(nl - (data + at)) : total - at;
        if (nl != NULL && ws->line.len == 0) {
            /* a whole line in this chunk: no copy */
            if (seg > ws->line.max_len) {
                ws->is_too_long = true;
                return 0;
            }
            if (deliver(ws, data + at, seg) != 0)
                return 0;
        } else {
            if (wss_strbuf_append(&ws->line, data + at, seg) != 0) {
                ws->is_too_long = true;
                return 0;
            }
            if (nl != NULL) {
                int rc = deliver(ws, ws->line.data, ws->line.len);
                wss_strbuf_reset(&ws->line);
                if (rc != 0)
                    return 0;
            }
        }
        at += seg + (nl != NULL ? 1 : 0);
    }
    return total;
}

/* Runs h to its end on a multi handle, checking stop and the idle timer between polls. Returns
 * curl's result, or CURLE_ABORTED_BY_CALLBACK with *why set when stopped or idle. */
static CURLcode run_watch(CURL *h, struct watch_state *ws, const struct kube_client_watch_opts *o,
                          int64_t idle_ms, const char **why)
{
    CURLM *m = curl_multi_init();
    if (m == NULL || curl_multi_add_handle(m, h) != CURLM_OK) {
        curl_multi_cleanup(m);
        *why = "curl_multi_init failed";
        return CURLE_FAILED_INIT;
    }
    CURLcode rc = CURLE_OK;
    int running = 1;
    ws->last_data_ms = wss_clock_mono_ms();
    while (running) {
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            *why = "curl_multi_perform failed";
            break;
        }
        if (!running)
            break;
        if (o->stop != NULL && atomic_load(o->stop)) {
            rc = CURLE_ABORTED_BY_CALLBACK;
            *why = "stopped";
            break;
        }
        if (wss_clock_mono_ms() - ws->last_data_ms > idle_ms) {
            rc = CURLE_ABORTED_BY_CALLBACK;
            *why = "no data within the idle timeout";
            break;
        }
        curl_multi_poll(m, NULL, 0, KUBE_CLIENT_WATCH_POLL_MS, NULL);
    }
    if (running == 0) {
        int left = 0;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h)
                rc = msg->data.result;
    }
    curl_multi_remove_handle(m, h);
    curl_multi_cleanup(m);
    return rc;
}

long kube_client_watch(struct kube_client *c, const char *path, kube_client_line_cb cb, void *arg,
                       const struct kube_client_watch_opts *opts, char *err, size_t errlen)
{
    struct kube_client_watch_opts o = opts != NULL ? *opts : (struct kube_client_watch_opts){0};
    int64_t idle_ms = o.idle_timeout_ms > 0 ? o.idle_timeout_ms : KUBE_CLIENT_WATCH_IDLE_MS;
    struct watch_state ws = {.cb = cb, .arg = arg};
    wss_strbuf_init(&ws.line, o.max_line > 0 ? o.max_line : KUBE_CLIENT_WATCH_MAX_LINE);
    wss_strbuf_init(&ws.body, KUBE_CLIENT_WATCH_ERR_BODY);
    struct wss_strbuf url = {0};
    struct curl_slist *headers = NULL;
    char curl_err[CURL_ERROR_SIZE] = "";
    long code = -1;
    CURL *h = NULL;

    wss_strbuf_printf(&url, "%s%s", c->server, path);
    if (url.is_failed) {
        snprintf(err, errlen, "GET %s%s: out of memory", c->server, path);
        goto done;
    }
    if ((headers = kube_client__headers(c, "GET", url.data, NULL, err, errlen)) == NULL)
        goto done;
    if ((h = ws.h = kube_client__new_handle(c)) == NULL) {
        snprintf(err, errlen, "GET %s: curl_easy_init failed", url.data);
        goto done;
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_watch_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ws);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    const char *stop_why = NULL;
    CURLcode rc = run_watch(h, &ws, &o, idle_ms, &stop_why);
    if (ws.is_ended_by_cb || rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code < 200 || code > 299)
            snprintf(err, errlen, "GET %s: HTTP %ld: %s", url.data, code,
                     ws.body.data != NULL ? ws.body.data : "");
    } else if (ws.is_too_long) {
        snprintf(err, errlen, "GET %s: a line longer than %zu bytes", url.data, ws.line.max_len);
    } else if (stop_why != NULL) {
        snprintf(err, errlen, "GET %s: %s", url.data, stop_why);
    } else {
        kube_client__describe_curl_error(h, rc, "GET", url.data, curl_err, err, errlen);
    }
done:
    if (h != NULL)
        curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    wss_strbuf_free(&url);
    wss_strbuf_free(&ws.line);
    wss_strbuf_free(&ws.body);
    return code;
}
