/* SPDX-License-Identifier: Apache-2.0 */
/* http_reply.c: turns a handler's status, content type, headers and body into one MHD response,
 * and error replies into the program's error document or plain text.
 * Does not: route, read requests, or decide which errors happen.
 * Threads: the worker thread serving the request, during its handler (or error callback). */
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

int wss_http_reply_take(struct wss_http_req *req, unsigned status, const char *content_type,
                        char *body, size_t len)
{
    if (req->is_replied || status < 200 || status > 599 || content_type == NULL ||
        !is_safe_value(content_type) || (body == NULL && len != 0)) {
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
