/* SPDX-License-Identifier: Apache-2.0 */
/* http_internal.h: what http_server.c, http_req.c and http_reply.c share and nobody else sees:
 * the server, one daemon generation, one request, and the MHD callbacks.
 * Does not: declare anything a program may call; that is wsscale/http_server.h.
 * Threads: each struct below says who writes which field. */
#ifndef WSSCALE_HTTP_INTERNAL_H
#define WSSCALE_HTTP_INTERNAL_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "wsscale/http_server.h"
#include "wsscale/strbuf.h"

/* One MHD daemon and the TLS material it was started with. A certificate change makes a new
 * generation on the same listening socket; the old one drains and is then stopped. */
struct wss__http_gen {
    struct wss_http_server *server; /* borrowed; outlives every generation */
    struct wss_http_tls *tls;       /* owned; NULL on plain HTTP; read-only while serving */
    struct MHD_Daemon *daemon;      /* owned */
    long long retired_ms;           /* monotonic ms when it stopped accepting; watcher only */
    struct wss__http_gen *next;     /* the retired list; watcher only */
};

struct wss_http_server {
    /* Set by start, read-only afterwards (any thread). */
    const struct wss_http_router *router; /* borrowed */
    unsigned threads;
    unsigned timeout_s;
    unsigned max_connections;
    unsigned reload_ms;
    size_t max_body_bytes;
    wss_http_error_cb on_error;
    void *on_error_arg;
    wss_http_done_cb on_done;
    void *on_done_arg;
    wss_http_gate_cb gate;
    void *gate_arg;
    bool is_tls;
    char *cert_file; /* owned copies of the file names, re-read on every reload */
    char *key_file;
    struct wss_http_ca_bundle bundles[WSS_HTTP_TLS_MAX_BUNDLES]; /* name and file owned */
    struct wss_http_tls_files files;                             /* points at the above */
    int listen_fd; /* owned; shared by every generation's daemon */
    uint16_t port;

    /* The watcher thread's own state (start and stop touch it only while it is not running). */
    struct wss__http_gen *current;   /* the generation accepting connections */
    struct wss__http_gen *retired;   /* quiesced generations still finishing connections */
    struct wss_http_tls_stamp stamp; /* the files as they were at the last load attempt */
    pthread_t watcher;
    bool has_watcher;

    /* Wakes the watcher early for shutdown. is_stopping is under lock. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool is_stopping;

    /* Counters: written by the watcher, read by anyone. */
    _Atomic uint64_t loads_ok;
    _Atomic uint64_t loads_failed;
    _Atomic unsigned draining;
};

/* A reply buffer (wss_http_reply_buffer) and who holds it: its connection (which keeps it between
 * requests), the request writing into it, the response sending it. The last holder to let go
 * frees it. The connection only keeps it; it lends it to a new request only when it is the sole
 * holder (holders == 1), so at most one request or response touches buf at a time, and that one
 * trims it to WSS_HTTP_REPLY_KEEP_BYTES before letting go. */
struct wss__http_rbuf {
    struct wss_strbuf buf;
    atomic_uint holders;
};

/* Per connection (MHD's socket context): the client certificate, checked on first use, and the
 * reply buffer it keeps. Touched only by the thread serving that connection. */
struct wss__http_conn {
    struct wss_http_peer *peer;  /* owned; NULL until a handler asks */
    struct wss__http_rbuf *rbuf; /* one hold; NULL until a handler asks for a reply buffer */
};

/* One request, from its headers to MHD's completion callback. Touched only by the worker thread
 * serving its connection. */
struct wss_http_req {
    struct wss__http_gen *gen;   /* borrowed */
    struct MHD_Connection *conn; /* borrowed */
    const char *method;          /* borrowed from MHD; valid until completion */
    const char *path;            /* borrowed from MHD; %-decoded */
    struct wss_http_match match;
    const char *param_values[WSS_HTTP_ROUTER_MAX_PARAMS]; /* point into params */
    char *params;                                         /* owned; NUL-terminated copies */
    char *body;                                           /* owned; NULL until bytes arrive */
    size_t body_len;
    size_t body_cap;
    bool is_replied;     /* a response was handed to MHD (or MHD refused it) */
    bool is_in_error_cb; /* stops an error callback from recursing into itself */
    enum MHD_Result queue_result;
    unsigned status; /* the status queued; 0 while none */
    struct {
        char *name;  /* owned */
        char *value; /* owned */
    } headers[WSS_HTTP_MAX_REPLY_HEADERS];
    size_t nheaders;
    struct wss__http_rbuf *rbuf; /* one hold while the handler writes; passed to the response */
    char remote[INET6_ADDRSTRLEN];
    long long start_ns; /* monotonic */
};

/* MHD callbacks (http_req.c); cls is the struct wss__http_gen of the daemon. */
enum MHD_Result wss__http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls);
void wss__http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe);
void wss__http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                             enum MHD_ConnectionNotificationCode toe);

/* The request's connection state (http_req.c); NULL when it could not be allocated. */
struct wss__http_conn *wss__http_req_conn(struct wss_http_req *req);

/* Frees the pending reply headers (http_reply.c); the request's own cleanup calls it. */
void wss__http_reply_headers_free(struct wss_http_req *req);

/* Lets go of one hold on a reply buffer, freeing it if that was the last (http_reply.c); accepts
 * NULL. Any thread. */
void wss__http_rbuf_release(struct wss__http_rbuf *r);

#endif
