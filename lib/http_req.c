/* SPDX-License-Identifier: Apache-2.0 */
/* http_req.c: a request's life inside MHD: route it when its headers are in, refuse an oversized
 * body before reading it, collect the body, run the handler; and the accessors handlers call.
 * Does not: build replies (http_reply.c) or manage daemons and certificates (http_server.c).
 * Threads: everything here runs on the MHD worker thread that owns the connection. */
#include "http_internal.h"

#include <stdlib.h>
#include <string.h>

#include "wsscale/clock.h"
#include "wsscale/log.h"

/* The first body allocation when the length is not known yet; it doubles up to the server's cap. */
#define BODY_FIRST_CAP 4096

/* What plain HTTP and failed allocations report: nothing presented, nothing verified. */
static const struct wss_http_peer no_peer;

static void req_free(struct wss_http_req *req)
{
    if (req == NULL)
        return;
    wss__http_reply_headers_free(req);
    /* A buffer filled but not sent (the handler replied another way, or sending it failed) goes
     * back to the connection within the same limit as a sent one. The request is its only user. */
    if (req->rbuf != NULL && req->rbuf->buf.cap > WSS_HTTP_REPLY_KEEP_BYTES)
        wss_strbuf_free(&req->rbuf->buf);
    wss__http_rbuf_release(req->rbuf);
    free(req->params);
    free(req->body);
    free(req);
}

/* Copies every capture into one buffer of NUL-terminated strings. */
static int copy_params(struct wss_http_req *req)
{
    size_t total = 0;
    for (size_t i = 0; i < req->match.nparams; i++)
        total += req->match.params[i].value_len + 1;
    if (total == 0)
        return 0;
    req->params = malloc(total);
    if (req->params == NULL)
        return -1;
    char *p = req->params;
    for (size_t i = 0; i < req->match.nparams; i++) {
        memcpy(p, req->match.params[i].value, req->match.params[i].value_len);
        p[req->match.params[i].value_len] = '\0';
        req->param_values[i] = p;
        p += req->match.params[i].value_len + 1;
    }
    return 0;
}

static void fill_remote(struct wss_http_req *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    req->remote[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, req->remote,
                  sizeof(req->remote));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                  req->remote, sizeof(req->remote));
}

/* Parses a Content-Length value; false when absent. A value too large to represent counts as
 * larger than any limit. MHD has already rejected malformed ones with 400. */
static bool content_length(struct MHD_Connection *conn, unsigned long long *out)
{
    const char *v =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v == NULL)
        return false;
    unsigned long long n = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        if (n > (~0ULL - 9) / 10) {
            *out = ~0ULL;
            return true;
        }
        n = n * 10 + (unsigned long long)(*v - '0');
    }
    *out = n;
    return true;
}

/* Appends a piece of the body; false once the total would pass the server's cap. */
static bool body_append(struct wss_http_req *req, const char *data, size_t n)
{
    size_t max = req->gen->server->max_body_bytes;
    if (n > max - req->body_len)
        return false;
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap != 0 ? req->body_cap : BODY_FIRST_CAP;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        if (cap > max + 1)
            cap = max + 1;
        char *grown = realloc(req->body, cap);
        if (grown == NULL)
            return false;
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
    return true;
}

/* The reply MHD will send; the handler's result, or MHD_NO when nothing could be queued. */
static enum MHD_Result result_of(const struct wss_http_req *req)
{
    return req->is_replied ? req->queue_result : MHD_NO;
}

/* First call for a request: its headers are complete, no body byte has been read. Answers at
 * once what needs no body (the gate's refusal, 404, 405, 413); MHD then closes instead of
 * reading the body. */
static enum MHD_Result begin(struct wss__http_gen *gen, struct MHD_Connection *conn,
                             const char *url, const char *method, void **con_cls)
{
    const struct wss_http_server *s = gen->server;
    struct wss_http_req *req = calloc(1, sizeof(*req));
    if (req == NULL)
        return MHD_NO;
    req->gen = gen;
    req->conn = conn;
    req->method = method;
    req->path = url;
    req->start_ns = wss_clock_mono_ns();
    req->queue_result = MHD_NO;
    fill_remote(req);
    *con_cls = req;

    if (s->gate != NULL && !s->gate(req, s->gate_arg)) {
        if (!req->is_replied)
            wss_http_reply_error(req, 403, "forbidden");
        return result_of(req);
    }
    enum wss_http_route_result rr =
        wss_http_router_match(s->router, method, url, strlen(url), &req->match);
    if (rr == WSS_HTTP_ROUTE_NOT_FOUND) {
        wss_http_reply_error(req, 404, "not found");
        return result_of(req);
    }
    if (rr == WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED) {
        if (wss_http_reply_header(req, "Allow", req->match.allow) != 0)
            return MHD_NO;
        wss_http_reply_error(req, 405, "method not allowed");
        return result_of(req);
    }
    if (copy_params(req) != 0)
        return MHD_NO;
    unsigned long long len = 0;
    if (content_length(conn, &len) && len > s->max_body_bytes) {
        wss_http_reply_error(req, 413, "request body too large");
        return result_of(req);
    }
    return MHD_YES;
}

enum MHD_Result wss__http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    (void)version;
    struct wss__http_gen *gen = cls;
    struct wss_http_req *req = *con_cls;
    if (req == NULL)
        return begin(gen, conn, url, method, con_cls);
    if (req->is_replied) {
        /* Answered early; MHD does not read the rest, but be safe if it offers more. */
        *upload_data_size = 0;
        return result_of(req);
    }
    if (*upload_data_size != 0) {
        if (!body_append(req, upload_data, *upload_data_size)) {
            /* Only a chunked body gets here (a declared length was checked up front). MHD
             * cannot queue a reply in the middle of a body, so the connection is closed. */
            WSS_INFO("http request body over the limit, closing the connection",
                     WSS_KV_STR("path", req->path), WSS_KV_STR("remote", req->remote),
                     WSS_KV_UINT("max_bytes", gen->server->max_body_bytes));
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    req->match.handler(req, req->match.arg);
    if (!req->is_replied)
        wss_http_reply_error(req, 500, "internal error: the handler did not reply");
    return result_of(req);
}

void wss__http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct wss_http_req *req = *con_cls;
    if (req == NULL)
        return;
    const struct wss_http_server *s = req->gen->server;
    if (s->on_done != NULL) {
        unsigned status = req->is_replied && req->queue_result == MHD_YES ? req->status : 0;
        s->on_done(req, status, (double)(wss_clock_mono_ns() - req->start_ns) / 1e9,
                   s->on_done_arg);
    }
    req_free(req);
    *con_cls = NULL;
}

void wss__http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* Small and made here because MHD sets the socket context only in this callback; the
         * costly part, the certificate check, waits until a handler asks. NULL on failure just
         * means "no certificate" later. */
        *socket_context = calloc(1, sizeof(struct wss__http_conn));
        return;
    }
    struct wss__http_conn *c = *socket_context;
    if (c != NULL) {
        free(c->peer);
        wss__http_rbuf_release(c->rbuf);
        free(c);
    }
    *socket_context = NULL;
}

const char *wss_http_req_method(const struct wss_http_req *req)
{
    return req->method;
}

const char *wss_http_req_path(const struct wss_http_req *req)
{
    return req->path;
}

const char *wss_http_req_route(const struct wss_http_req *req)
{
    return req->match.pattern != NULL ? req->match.pattern : "";
}

const char *wss_http_req_param(const struct wss_http_req *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->match.nparams; i++) {
        if (req->match.params[i].name_len == n && memcmp(req->match.params[i].name, name, n) == 0)
            return req->param_values[i];
    }
    return NULL;
}

const char *wss_http_req_query(const struct wss_http_req *req, const char *name)
{
    const char *value = NULL;
    if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &value,
                                      NULL) != MHD_YES)
        return NULL;
    return value != NULL ? value : "";
}

const char *wss_http_req_header(const struct wss_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct header_walk {
    wss_http_header_cb cb;
    void *arg;
};

static enum MHD_Result header_step(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    const struct header_walk *w = cls;
    return w->cb(key, value != NULL ? value : "", w->arg) ? MHD_YES : MHD_NO;
}

void wss_http_req_headers_each(const struct wss_http_req *req, wss_http_header_cb cb, void *arg)
{
    struct header_walk w = {cb, arg};
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, header_step, &w);
}

const char *wss_http_req_body(const struct wss_http_req *req, size_t *len)
{
    if (len != NULL)
        *len = req->body_len;
    return req->body != NULL ? req->body : "";
}

const char *wss_http_req_remote_addr(const struct wss_http_req *req)
{
    return req->remote;
}

struct wss__http_conn *wss__http_req_conn(struct wss_http_req *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

const struct wss_http_peer *wss_http_req_peer(struct wss_http_req *req)
{
    const struct wss_http_tls *tls = req->gen->tls;
    struct wss__http_conn *c = wss__http_req_conn(req);
    if (tls == NULL || c == NULL)
        return &no_peer;
    if (c->peer != NULL)
        return c->peer;
    struct wss_http_peer *peer = malloc(sizeof(*peer));
    if (peer == NULL)
        return &no_peer;
    unsigned n = 0;
    const gnutls_datum_t *certs = NULL;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (ci != NULL && ci->tls_session != NULL)
        certs = gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &n);
    wss_http_tls_verify_peer(tls, certs, certs != NULL ? n : 0, peer);
    c->peer = peer;
    return peer;
}

bool wss_http_req_peer_verified(struct wss_http_req *req, const char *bundle)
{
    if (req->gen->tls == NULL)
        return false;
    int i = wss_http_tls_bundle_index(req->gen->tls, bundle);
    if (i < 0)
        return false;
    return wss_http_req_peer(req)->is_verified[i];
}

const char *wss_http_req_peer_reason(struct wss_http_req *req, const char *bundle)
{
    if (req->gen->tls == NULL)
        return NULL;
    int i = wss_http_tls_bundle_index(req->gen->tls, bundle);
    if (i < 0)
        return NULL;
    return wss_http_req_peer(req)->reason[i];
}
