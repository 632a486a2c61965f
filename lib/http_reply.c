/* SPDX-License-Identifier: Apache-2.0 */
/* http_reply.c: turns a handler's status, content type, headers and body into one MHD response,
 * error replies into the program's error document or plain text, and lends a connection's kept
 * reply buffer to the response that sends it.
 * Does not: route, read requests, or decide which errors happen.
 * Threads: the worker thread serving the request, during its handler (or error callback); MHD
 * runs the buffer's "sent" callback on whichever thread destroys the response, hence the atomic
 * hold count. */
#include "http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/log.h"

#define CONTENT_TYPE_JSON "application/json"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"

void wss__http_reply_headers_free(struct wss_http_req *req)
{
    for (size_t i = 0; i < req->nheaders; i++) {
        free(req->headers[i].name);
        free(req->headers[i].value);
    }
    req->nheaders = 0;
}

/* A header name is an HTTP token; a value may not break the header block. */
static bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
            return false;
    }
    return true;
}

static bool is_safe_value(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

int wss_http_reply_header(struct wss_http_req *req, const char *name, const char *value)
{
    if (req->is_replied || req->nheaders == WSS_HTTP_MAX_REPLY_HEADERS || !is_token(name) ||
        !is_safe_value(value))
        return -1;
    char *n = strdup(name);
    char *v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return -1;
    }
    req->headers[req->nheaders].name = n;
    req->headers[req->nheaders].value = v;
    req->nheaders++;
    return 0;
}

static void free_body(void *body)
{
    free(body);
}

/* Validates what every reply takes; body may be NULL only when len is 0. */
static bool reply_args_ok(const struct wss_http_req *req, unsigned status, const char *content_type,
                          const char *body, size_t len)
{
    return !req->is_replied && status >= 200 && status <= 599 && content_type != NULL &&
           is_safe_value(content_type) && (body != NULL || len == 0);
}

/* Adds Content-Type and the pending headers to resp and queues it; destroys our reference to resp
 * in every case (MHD keeps its own while it sends). */
static int queue(struct wss_http_req *req, unsigned status, const char *content_type,
                 struct MHD_Response *resp)
{
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES)
        goto fail;
    for (size_t i = 0; i < req->nheaders; i++) {
        if (MHD_add_response_header(resp, req->headers[i].name, req->headers[i].value) != MHD_YES)
            goto fail;
    }
    req->is_replied = true;
    req->status = status;
    req->queue_result = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    wss__http_reply_headers_free(req);
    return req->queue_result == MHD_YES ? 0 : -1;

fail:
    /* Drop the headers too, so that the 500 the server sends next is not refused the same way. */
    MHD_destroy_response(resp);
    wss__http_reply_headers_free(req);
    return -1;
}

int wss_http_reply_take(struct wss_http_req *req, unsigned status, const char *content_type,
                        char *body, size_t len)
{
    if (!reply_args_ok(req, status, content_type, body, len)) {
        free(body);
        return -1;
    }
    struct MHD_Response *resp;
    if (body == NULL)
        resp = MHD_create_response_from_buffer_with_free_callback(0, (void *)"", NULL);
    else
        resp = MHD_create_response_from_buffer_with_free_callback(len, body, free_body);
    if (resp == NULL) {
        free(body);
        return -1;
    }
    /* From here the response owns body. */
    return queue(req, status, content_type, resp);
}

/* ---------------------------------------------------------------- reply buffers */

void wss__http_rbuf_release(struct wss__http_rbuf *r)
{
    if (r == NULL || atomic_fetch_sub(&r->holders, 1) != 1)
        return;
    wss_strbuf_free(&r->buf);
    free(r);
}

/* MHD is done sending: trim a buffer too big to keep while this hold still keeps everyone else
 * off it, then let go (the connection may reuse it from then on). */
static void rbuf_sent(void *cls)
{
    struct wss__http_rbuf *r = cls;
    if (r->buf.cap > WSS_HTTP_REPLY_KEEP_BYTES)
        wss_strbuf_free(&r->buf);
    wss__http_rbuf_release(r);
}

static struct wss__http_rbuf *rbuf_new(void)
{
    struct wss__http_rbuf *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    wss_strbuf_init(&r->buf, 0);
    atomic_init(&r->holders, 1);
    return r;
}

struct wss_strbuf *wss_http_reply_buffer(struct wss_http_req *req)
{
    if (req->is_replied)
        return NULL;
    if (req->rbuf == NULL) {
        struct wss__http_conn *c = wss__http_req_conn(req);
        if (c != NULL && c->rbuf != NULL && atomic_load(&c->rbuf->holders) == 1) {
            /* The connection's own, no longer held by the previous reply. */
            atomic_fetch_add(&c->rbuf->holders, 1);
            req->rbuf = c->rbuf;
        } else {
            /* The first on this connection, or its previous reply is somehow still being
             * sent: a buffer of this request's own (kept by the connection if it has none). */
            req->rbuf = rbuf_new();
            if (req->rbuf == NULL)
                return NULL;
            if (c != NULL && c->rbuf == NULL) {
                atomic_fetch_add(&req->rbuf->holders, 1);
                c->rbuf = req->rbuf;
            }
        }
    }
    wss_strbuf_reset(&req->rbuf->buf);
    return &req->rbuf->buf;
}

int wss_http_reply_buffered(struct wss_http_req *req, unsigned status, const char *content_type)
{
    struct wss__http_rbuf *r = req->rbuf;
    if (r == NULL || r->buf.is_failed || !reply_args_ok(req, status, content_type, "", 0))
        return -1;
    /* The request's hold passes to the response, which lets go once MHD has sent it. */
    req->rbuf = NULL;
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
        r->buf.len, r->buf.len > 0 ? r->buf.data : (void *)"", rbuf_sent, r);
    if (resp == NULL) {
        wss__http_rbuf_release(r);
        return -1;
    }
    return queue(req, status, content_type, resp);
}

int wss_http_reply(struct wss_http_req *req, unsigned status, const char *content_type,
                   const void *body, size_t len)
{
    char *copy = NULL;
    if (len > 0) {
        if (body == NULL)
            return -1;
        copy = malloc(len);
        if (copy == NULL)
            return -1;
        memcpy(copy, body, len);
    }
    return wss_http_reply_take(req, status, content_type, copy, len);
}

int wss_http_reply_json(struct wss_http_req *req, unsigned status, const char *json)
{
    return wss_http_reply(req, status, CONTENT_TYPE_JSON, json, strlen(json));
}

int wss_http_reply_text(struct wss_http_req *req, unsigned status, const char *text)
{
    return wss_http_reply(req, status, CONTENT_TYPE_TEXT, text, strlen(text));
}

int wss_http_reply_error(struct wss_http_req *req, unsigned status, const char *message)
{
    if (req->is_replied)
        return -1;
    const struct wss_http_server *s = req->gen->server;
    if (s->on_error != NULL && !req->is_in_error_cb) {
        req->is_in_error_cb = true;
        s->on_error(req, status, message, s->on_error_arg);
        req->is_in_error_cb = false;
        if (req->is_replied)
            return req->queue_result == MHD_YES ? 0 : -1;
    }
    size_t len = strlen(message);
    char *text = malloc(len + 2);
    if (text == NULL)
        return -1;
    memcpy(text, message, len);
    text[len] = '\n';
    text[len + 1] = '\0';
    return wss_http_reply_take(req, status, CONTENT_TYPE_TEXT, text, len + 1);
}
