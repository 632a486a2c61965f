/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_server.c: real servers on 127.0.0.1 port 0 driven by libcurl (and openssl s_client):
 * routing, decoding, bodies and their limit, error replies, client certificates per CA bundle,
 * the CA names the handshake sends, certificate rotation with a broken replacement, the
 * request gate that answers before routing and before any body is read, and the reply buffer
 * each connection keeps between its requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http_pki.h"
#include "wait.h"
#include "wsscale/http_server.h"
#include "wsscale/log.h"
#include "wsscale/strbuf.h"

/* Small, so the limit tests need little data. */
#define MAX_BODY 1024
/* How often the TLS tests' servers look at their files. */
#define RELOAD_MS 50
/* Upper bound for anything the tests wait on. */
#define WAIT_MS 10000

/* ---------------------------------------------------------------- handlers */

static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

static const char *or_null(const char *s)
{
    return s != NULL ? s : "(null)";
}

/* Tells the client everything the request API saw, one "key=value" per line. */
static void echo(struct wss_http_req *req, void *arg)
{
    (void)arg;
    char out[4096];
    size_t len = 0;
    size_t body_len = 0;
    const char *body = wss_http_req_body(req, &body_len);
    put(out, sizeof(out), &len, "method=%s\npath=%s\nroute=%s\n", wss_http_req_method(req),
        wss_http_req_path(req), wss_http_req_route(req));
    put(out, sizeof(out), &len, "a=%s\nrest=%s\nnone=%s\n", or_null(wss_http_req_param(req, "a")),
        or_null(wss_http_req_param(req, "rest")), or_null(wss_http_req_param(req, "none")));
    static const char *const query_keys[] = {"labelSelector", "plus",  "pretty",
                                             "empty",         "twice", "absent"};
    for (size_t i = 0; i < sizeof(query_keys) / sizeof(query_keys[0]); i++)
        put(out, sizeof(out), &len, "q.%s=%s\n", query_keys[i],
            or_null(wss_http_req_query(req, query_keys[i])));
    put(out, sizeof(out), &len, "header=%s\nremote=%s\nbody_len=%zu\nbody_nul=%d\n",
        or_null(wss_http_req_header(req, "x-TEST")), wss_http_req_remote_addr(req), body_len,
        memchr(body, '\0', body_len) != NULL);
    put(out, sizeof(out), &len, "extra_rc=%d\n", wss_http_reply_header(req, "X-Extra", "yes"));
    wss_http_reply_text(req, 200, out);
}

static bool collect_groups(const char *name, const char *value, void *arg)
{
    char *out = arg;
    if (strcasecmp(name, "X-Remote-Group") == 0) {
        if (out[0] != '\0')
            strcat(out, ",");
        strncat(out, value, 64);
    }
    return true;
}

static void groups(struct wss_http_req *req, void *arg)
{
    (void)arg;
    char out[512] = "";
    wss_http_req_headers_each(req, collect_groups, out);
    wss_http_reply_text(req, 200, out);
}

static void no_reply(struct wss_http_req *req, void *arg)
{
    (void)req;
    (void)arg;
}

static void bad_request(struct wss_http_req *req, void *arg)
{
    (void)arg;
    wss_http_reply_error(req, 400, "unable to parse requirement");
}

/* Handlers run on worker threads, where cmocka's asserts must not be used: results that cannot
 * travel in the reply body are left here for the test thread. */
static atomic_int second_reply_rc = 1;

static void bad_header(struct wss_http_req *req, void *arg)
{
    (void)arg;
    char out[128];
    snprintf(out, sizeof(out), "crlf=%d colon=%d\n",
             wss_http_reply_header(req, "X-Bad", "a\r\nInjected: 1"),
             wss_http_reply_header(req, "X:Bad", "a"));
    wss_http_reply_text(req, 200, out);
    atomic_store(&second_reply_rc, wss_http_reply_text(req, 201, "again"));
}

static void json(struct wss_http_req *req, void *arg)
{
    (void)arg;
    wss_http_reply_json(req, 201, "{\"ok\":true}");
}

/* Writes ?n= bytes of ?c= (a letter; 'x' when absent) into the connection's reply buffer and
 * sends it; X-Extra says whether the buffer came with room already ("kept") or new ("fresh"). */
static void buffered(struct wss_http_req *req, void *arg)
{
    (void)arg;
    const char *n_text = wss_http_req_query(req, "n");
    const char *c_text = wss_http_req_query(req, "c");
    size_t n = n_text != NULL ? strtoul(n_text, NULL, 10) : 0;
    char c = c_text != NULL && c_text[0] != '\0' ? c_text[0] : 'x';
    struct wss_strbuf *b = wss_http_reply_buffer(req);
    if (b == NULL) {
        wss_http_reply_error(req, 500, "no reply buffer");
        return;
    }
    wss_http_reply_header(req, "X-Extra", b->cap > 0 ? "kept" : "fresh");
    char chunk[1000];
    memset(chunk, c, sizeof(chunk));
    /* In uneven pieces, as documents are written. */
    for (size_t done = 0, step = 1; done < n; done += step, step = step % 997 + 1) {
        if (step > n - done)
            step = n - done;
        wss_strbuf_append(b, chunk, step);
    }
    wss_http_reply_buffered(req, 200, "text/plain");
}

/* Results of buffer_misuse, for the test thread. */
static atomic_int unasked_rc = 1;
static atomic_bool is_buffer_after_reply = true;

/* Sends the reply buffer without asking for it, then asks for it, writes into it and answers
 * with a copy instead: the unused buffer must go back to the connection, not leak. */
static void buffer_misuse(struct wss_http_req *req, void *arg)
{
    (void)arg;
    atomic_store(&unasked_rc, wss_http_reply_buffered(req, 200, "text/plain"));
    struct wss_strbuf *b = wss_http_reply_buffer(req);
    if (b != NULL)
        wss_strbuf_puts(b, "never sent");
    wss_http_reply_text(req, 200, b != NULL ? "copied" : "no buffer");
    atomic_store(&is_buffer_after_reply, wss_http_reply_buffer(req) != NULL);
}

/* Reports the client certificate as the server saw it. */
static void peer(struct wss_http_req *req, void *arg)
{
    (void)arg;
    const struct wss_http_peer *pr = wss_http_req_peer(req);
    char out[2048];
    size_t len = 0;
    put(out, sizeof(out), &len,
        "presented=%d requestheader=%d client=%d other=%d any=%d cn=%s o=", pr->is_presented,
        wss_http_req_peer_verified(req, "requestheader"), wss_http_req_peer_verified(req, "client"),
        wss_http_req_peer_verified(req, "other"), pr->is_verified_any, pr->cn);
    for (size_t i = 0; i < pr->norgs; i++)
        put(out, sizeof(out), &len, "%s%s", i > 0 ? "," : "", pr->orgs[i]);
    put(out, sizeof(out), &len, "\n");
    for (size_t i = 0; i < pr->nbundles; i++)
        put(out, sizeof(out), &len, "reason%zu=%s\n", i, pr->reason[i]);
    wss_http_reply_text(req, 200, out);
}

/* Renders errors as a small Kubernetes-like Status document. */
static void status_doc(struct wss_http_req *req, unsigned status, const char *message, void *arg)
{
    (void)arg;
    char out[512];
    snprintf(out, sizeof(out),
             "{\"kind\":\"Status\",\"code\":%u,\"message\":\"%s\",\"route\":\"%s\"}", status,
             message, wss_http_req_route(req));
    wss_http_reply_json(req, status, out);
}

/* on_done records: how many requests finished, and the last one's route and status. */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned done_count;
static unsigned done_status;
static char done_route[128];
static bool is_done_duration_bad;

static void on_done(const struct wss_http_req *req, unsigned status, double duration_s, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&done_lock);
    is_done_duration_bad |= !(duration_s >= 0 && duration_s < 60);
    done_count++;
    done_status = status;
    snprintf(done_route, sizeof(done_route), "%s", wss_http_req_route(req));
    pthread_mutex_unlock(&done_lock);
}

static struct wss_http_router *make_router(void)
{
    struct wss_http_router *r = wss_http_router_new();
    assert_non_null(r);
    struct wss_parse_err err;
    static const struct {
        const char *method;
        const char *pattern;
        wss_http_handler_cb cb;
    } routes[] = {
        {"GET", "/echo/{a}/*rest", echo},
        {"POST", "/echo/{a}/*rest", echo},
        {"GET", "/groups", groups},
        {"GET", "/noreply", no_reply},
        {"GET", "/error", bad_request},
        {"GET", "/badheader", bad_header},
        {"POST", "/json", json},
        {"PUT", "/json", json},
        {"GET", "/peer", peer},
        {"GET", "/buffered", buffered},
        {"GET", "/buffer-misuse", buffer_misuse},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        assert_int_equal(
            wss_http_router_add(r, routes[i].method, routes[i].pattern, routes[i].cb, NULL, &err),
            0);
    return r;
}

/* ---------------------------------------------------------------- client */

struct call {
    const char *method; /* NULL = GET */
    const char *path;   /* after the base URL */
    const char *body;   /* sent as is, with Content-Length */
    size_t body_len;
    long long stream_len; /* > 0: stream this many zero bytes from a read callback */
    bool is_chunked;      /* stream without Content-Length */
    const char *header1, *header2, *header3;
    const char *client; /* PKI name of a client cert (TLS); NULL = none */
    CURL *reuse;        /* a keep-alive handle; NULL = fresh connection */
};

struct reply {
    CURLcode rc;
    long status;
    char body[8192];
    size_t len;
    char content_type[128];
    char allow[128];
    char extra[128];
    char subject[256]; /* the server certificate's subject (TLS) */
    long connects;     /* new connections this request needed */
    size_t total;      /* body bytes received, also past sizeof(body) */
    size_t unlike;     /* body bytes unlike the first one (the uniform bodies of /buffered) */
    long long sent;    /* body bytes curl pulled from the read callback */
};

static char base_url[64];
static char pki[HTTP_PKI_PATH_LEN];
static char ca_file[HTTP_PKI_PATH_LEN];

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    size_t take = size * n;
    for (size_t i = 0; i < size * n; i++)
        r->unlike += data[i] != (r->total > 0 ? r->body[0] : data[0]);
    r->total += size * n;
    if (take > sizeof(r->body) - 1 - r->len)
        take = sizeof(r->body) - 1 - r->len;
    memcpy(r->body + r->len, data, take);
    r->len += take;
    r->body[r->len] = '\0';
    return size * n;
}

/* Copies a header's value (without CRLF) when the line starts with name. */
static void grab(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0)
        return;
    line += k;
    n -= k;
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, line, n);
    out[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;
    grab(data, size * n, "Content-Type: ", r->content_type, sizeof(r->content_type));
    grab(data, size * n, "Allow: ", r->allow, sizeof(r->allow));
    grab(data, size * n, "X-Extra: ", r->extra, sizeof(r->extra));
    return size * n;
}

struct stream {
    long long left;
    long long *sent;
};

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
    struct stream *s = arg;
    size_t give = size * n;
    if ((long long)give > s->left)
        give = (size_t)s->left;
    memset(buf, 'z', give);
    s->left -= (long long)give;
    *s->sent += (long long)give;
    return give;
}

static void do_call(const struct call *c, struct reply *r)
{
    memset(r, 0, sizeof(*r));
    CURL *h = c->reuse != NULL ? c->reuse : curl_easy_init();
    assert_non_null(h);
    char url[512];
    char cert[HTTP_PKI_PATH_LEN], key[HTTP_PKI_PATH_LEN];
    snprintf(url, sizeof(url), "%s%s", base_url, c->path);
    struct curl_slist *hdrs = NULL;
    const char *const extra[] = {c->header1, c->header2, c->header3};
    for (size_t i = 0; i < 3; i++)
        if (extra[i] != NULL)
            hdrs = curl_slist_append(hdrs, extra[i]);
    struct stream st = {c->stream_len, &r->sent};
    if (c->is_chunked)
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)WAIT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (c->reuse == NULL) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
    if (c->body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)c->body_len);
    } else if (c->stream_len > 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &st);
        if (!c->is_chunked)
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->stream_len);
    }
    if (c->method != NULL && strcmp(c->method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (c->method != NULL)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    if (strncmp(base_url, "https:", 6) == 0) {
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
        curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
        if (c->client != NULL) {
            char name[64];
            snprintf(name, sizeof(name), "%s.crt", c->client);
            curl_easy_setopt(h, CURLOPT_SSLCERT, http_pki_path(pki, name, cert, sizeof(cert)));
            snprintf(name, sizeof(name), "%s.key", c->client);
            curl_easy_setopt(h, CURLOPT_SSLKEY, http_pki_path(pki, name, key, sizeof(key)));
        }
    }
    r->rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->connects);
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci != NULL &&
        ci->num_of_certs > 0) {
        for (struct curl_slist *s = ci->certinfo[0]; s != NULL; s = s->next)
            if (strncmp(s->data, "Subject:", 8) == 0)
                snprintf(r->subject, sizeof(r->subject), "%s", s->data + 8);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (c->reuse == NULL)
        curl_easy_cleanup(h);
}

/* GET path on a fresh connection. */
static void get(const char *path, struct reply *r)
{
    struct call c = {.path = path};
    do_call(&c, r);
}

static void assert_has(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("[%s] not found in:\n%s", needle, hay);
}

/* ---------------------------------------------------------------- plain HTTP fixture */

struct fixture {
    struct wss_http_router *router;
    struct wss_http_server *server;
};

static struct wss_http_server *start_or_fail(const struct wss_http_server_config *cfg,
                                             const struct wss_http_router *router)
{
    char err[WSS_HTTP_ERR_LEN] = "";
    struct wss_http_server *s = wss_http_server_start(cfg, router, err, sizeof(err));
    if (s == NULL)
        fail_msg("server start: %s", err);
    return s;
}

static int plain_setup(void **state)
{
    static struct fixture f;
    f.router = make_router();
    struct wss_http_server_config cfg = {
        .host = "127.0.0.1",
        .threads = 4,
        .max_body_bytes = MAX_BODY,
        .timeout_s = 5,
        .on_done = on_done,
    };
    f.server = start_or_fail(&cfg, f.router);
    snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u", wss_http_server_port(f.server));
    *state = &f;
    return 0;
}

static int server_teardown(void **state)
{
    struct fixture *f = *state;
    wss_http_server_stop(f->server);
    wss_http_router_free(f->router);
    return 0;
}

static void binds_an_ephemeral_port_and_serves_get(void **state)
{
    struct fixture *f = *state;
    assert_true(wss_http_server_port(f->server) != 0);
    struct reply r;
    get("/echo/one/two", &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/plain; charset=utf-8");
    assert_string_equal(r.extra, "yes");
    assert_has(r.body, "method=GET\npath=/echo/one/two\nroute=/echo/{a}/*rest\n");
    assert_has(r.body, "a=one\nrest=two\nnone=(null)\n");
    assert_has(r.body, "remote=127.0.0.1\n");
    assert_has(r.body, "body_len=0\n");
    assert_has(r.body, "extra_rc=0\n");
}

/* MHD decodes %XX in the path (kubectl and the HPA send "*" as %2A) but leaves '+' alone. */
static void path_is_percent_decoded_and_plus_is_kept(void **state)
{
    (void)state;
    struct reply r;
    get("/echo/%2A/a+b%20c/%2Fd", &r);
    assert_int_equal(r.status, 200);
    assert_has(r.body, "path=/echo/*/a+b c//d\n");
    assert_has(r.body, "a=*\nrest=a+b c//d\n");
}

struct query_case {
    const char *query;
    const char *want; /* lines that must be in the echo */
};

/* The aggregator re-encodes queries the Go way: space as '+', '=' and ',' escaped. */
static void query_values_are_decoded_with_plus_as_space(void **state)
{
    (void)state;
    static const struct query_case cases[] = {
        {"labelSelector=app%3Dchat%2Ctier+in+%28a%2Cb%29",
         "q.labelSelector=app=chat,tier in (a,b)\n"},
        {"plus=%2B1", "q.plus=+1\n"},
        {"plus=a+b%20c", "q.plus=a b c\n"},
        {"pretty", "q.pretty=\n"},
        {"empty=", "q.empty=\n"},
        {"twice=1&twice=2", "q.twice=1\n"},
        {"x=1", "q.absent=(null)\n"},
        {"labelSelector=a%26b", "q.labelSelector=a&b\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "/echo/q/r?%s", cases[i].query);
        struct reply r;
        get(path, &r);
        assert_int_equal(r.status, 200);
        if (strstr(r.body, cases[i].want) == NULL)
            fail_msg("query %s: want [%s] in\n%s", cases[i].query, cases[i].want, r.body);
        /* the query never leaks into the path */
        assert_has(r.body, "path=/echo/q/r\n");
    }
}

static void headers_are_case_insensitive_and_repeatable(void **state)
{
    (void)state;
    struct reply r;
    struct call c = {.path = "/echo/h/h", .header1 = "X-Test: first"};
    do_call(&c, &r);
    assert_has(r.body, "header=first\n");
    struct call g = {.path = "/groups",
                     .header1 = "X-Remote-Group: system:masters",
                     .header2 = "x-remote-group: team-a",
                     .header3 = "X-Remote-User: admin"};
    do_call(&g, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "system:masters,team-a");
}

static void post_body_reaches_the_handler(void **state)
{
    (void)state;
    struct reply r;
    static const char body[] = "a\0b";
    struct call c = {.method = "POST", .path = "/echo/p/p", .body = body, .body_len = 3};
    do_call(&c, &r);
    assert_int_equal(r.status, 200);
    assert_has(r.body, "method=POST\n");
    assert_has(r.body, "body_len=3\nbody_nul=1\n");

    /* exactly the limit is fine, declared or chunked */
    struct call at = {.method = "POST", .path = "/echo/p/p", .stream_len = MAX_BODY};
    do_call(&at, &r);
    assert_int_equal(r.status, 200);
    assert_has(r.body, "body_len=1024\n");
    at.is_chunked = true;
    do_call(&at, &r);
    assert_int_equal(r.status, 200);
    assert_has(r.body, "body_len=1024\n");
}

/* A declared length past the limit is refused from the headers alone: curl waits for
 * "100 Continue", gets 413 instead, and never sends the 64 MiB. */
static void declared_body_over_the_limit_gets_413_unread(void **state)
{
    (void)state;
    struct reply r;
    struct call c = {.method = "POST", .path = "/echo/p/p", .stream_len = 64LL << 20};
    do_call(&c, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body, "request body too large\n");
    if (r.sent >= MAX_BODY)
        fail_msg("curl sent %lld body bytes before the 413", r.sent);
    struct call one = {.method = "POST", .path = "/echo/p/p", .stream_len = MAX_BODY + 1};
    do_call(&one, &r);
    assert_int_equal(r.status, 413);
}

/* MHD cannot queue a reply in the middle of a body, so a chunked body that outgrows the limit
 * ends the connection with no reply at all. */
static void chunked_body_over_the_limit_closes_the_connection(void **state)
{
    (void)state;
    struct reply r;
    struct call c = {
        .method = "POST", .path = "/echo/p/p", .stream_len = MAX_BODY * 64, .is_chunked = true};
    do_call(&c, &r);
    assert_int_not_equal(r.rc, CURLE_OK);
    /* at most the interim "100 Continue" arrived, never a final status */
    assert_true(r.status < 200);
    /* and the server is fine afterwards */
    get("/echo/a/b", &r);
    assert_int_equal(r.status, 200);
}

static void unknown_path_is_404_and_wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    struct reply r;
    get("/nope", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "not found\n");
    assert_string_equal(r.content_type, "text/plain; charset=utf-8");
    assert_string_equal(r.allow, "");
    struct call c = {.method = "DELETE", .path = "/echo/a/b"};
    do_call(&c, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.body, "method not allowed\n");
    assert_string_equal(r.allow, "GET, HEAD, POST");
    /* a body on a request that cannot be routed is not read either */
    struct call big = {.method = "PATCH", .path = "/json", .stream_len = 64LL << 20};
    do_call(&big, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "POST, PUT");
    assert_true(r.sent < MAX_BODY);
}

static void head_on_a_get_route_answers_without_body(void **state)
{
    (void)state;
    struct reply r;
    struct call c = {.method = "HEAD", .path = "/echo/a/b"};
    do_call(&c, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    assert_string_equal(r.extra, "yes");
}

static void json_reply_and_handler_mistakes(void **state)
{
    (void)state;
    struct reply r;
    struct call c = {.method = "PUT", .path = "/json", .body = "{}", .body_len = 2};
    do_call(&c, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body, "{\"ok\":true}");
    get("/noreply", &r);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "internal error: the handler did not reply\n");
    get("/error", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "unable to parse requirement\n");
    /* header injection and bad names are refused; a second reply is refused */
    get("/badheader", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "crlf=-1 colon=-1\n");
    assert_int_equal(atomic_load(&second_reply_rc), -1);
}

struct done_want {
    unsigned count;
};

static bool done_reached(void *arg)
{
    const struct done_want *w = arg;
    pthread_mutex_lock(&done_lock);
    bool ok = done_count >= w->count;
    pthread_mutex_unlock(&done_lock);
    return ok;
}

static void done_callback_sees_route_and_status(void **state)
{
    (void)state;
    pthread_mutex_lock(&done_lock);
    struct done_want w = {done_count + 1};
    pthread_mutex_unlock(&done_lock);
    struct reply r;
    get("/error", &r);
    assert_true(wss_wait_until(done_reached, &w, WAIT_MS));
    pthread_mutex_lock(&done_lock);
    assert_int_equal(done_status, 400);
    assert_string_equal(done_route, "/error");
    w.count = done_count + 1;
    pthread_mutex_unlock(&done_lock);
    get("/missing", &r);
    assert_true(wss_wait_until(done_reached, &w, WAIT_MS));
    pthread_mutex_lock(&done_lock);
    assert_int_equal(done_status, 404);
    assert_string_equal(done_route, "");
    assert_false(is_done_duration_bad);
    pthread_mutex_unlock(&done_lock);
}

#define PAR_THREADS  4
#define PAR_REQUESTS 25

static void *hammer(void *arg)
{
    atomic_int *ok = arg;
    CURL *h = curl_easy_init();
    for (int i = 0; i < PAR_REQUESTS; i++) {
        struct reply r;
        char path[64];
        snprintf(path, sizeof(path), "/echo/t%d/%d", i, i);
        struct call c = {.path = path, .reuse = h};
        do_call(&c, &r);
        char want[64];
        snprintf(want, sizeof(want), "a=t%d\nrest=%d\n", i, i);
        if (r.status == 200 && strstr(r.body, want) != NULL)
            atomic_fetch_add(ok, 1);
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* Handlers run on several worker threads at once; every answer must be its own request's. */
static void parallel_clients_each_get_their_own_answer(void **state)
{
    (void)state;
    pthread_t t[PAR_THREADS];
    atomic_int ok = 0;
    for (int i = 0; i < PAR_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &ok), 0);
    for (int i = 0; i < PAR_THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&ok), PAR_THREADS * PAR_REQUESTS);
}

/* GET /buffered?n=N&c=C on the keep-alive handle h: status 200, N bytes, every one C, the buffer
 * "kept" or "fresh" as expected, and no new connection unless is_first. */
static void get_buffered(CURL *h, size_t n, char c, const char *want_buffer, bool is_first)
{
    char path[64];
    snprintf(path, sizeof(path), "/buffered?n=%zu&c=%c", n, c);
    struct reply r;
    struct call call = {.path = path, .reuse = h};
    do_call(&call, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.total, n);
    assert_int_equal(r.unlike, 0);
    if (n > 0)
        assert_int_equal(r.body[0], c);
    assert_string_equal(r.extra, want_buffer);
    assert_int_equal(r.connects, is_first ? 1 : 0);
}

/* A keep-alive connection writes each reply into the buffer its last one used, and a short reply
 * after a long one carries only its own bytes. */
static void reply_buffer_is_kept_by_its_connection_without_old_bytes(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    static const struct {
        size_t n;
        char c;
        const char *want_buffer;
    } steps[] = {
        {6000, 'a', "fresh"}, {5, 'b', "kept"},     {0, 'z', "kept"},
        {1, 'c', "kept"},     {60000, 'd', "kept"}, /* bigger than anything before: grows in place
                                                     */
        {7, 'e', "kept"},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        get_buffered(h, steps[i].n, steps[i].c, steps[i].want_buffer, i == 0);
    curl_easy_cleanup(h);
}

/* A buffer grown past WSS_HTTP_REPLY_KEEP_BYTES is sent whole, then not kept. */
static void reply_buffer_over_the_keep_limit_is_dropped_after_sending(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    get_buffered(h, 10, 'a', "fresh", true);
    get_buffered(h, WSS_HTTP_REPLY_KEEP_BYTES + 1, 'b', "kept", false);
    get_buffered(h, 10, 'c', "fresh", false);
    get_buffered(h, 10, 'd', "kept", false);
    curl_easy_cleanup(h);
}

/* Two connections interleaved: each has its own buffer, and neither sees the other's bytes. */
static void each_connection_has_its_own_reply_buffer(void **state)
{
    (void)state;
    CURL *a = curl_easy_init(), *b = curl_easy_init();
    assert_non_null(a);
    assert_non_null(b);
    get_buffered(a, 3000, 'a', "fresh", true);
    get_buffered(b, 10, 'b', "fresh", true);
    get_buffered(a, 10, 'c', "kept", false);
    get_buffered(b, 3000, 'd', "kept", false);
    get_buffered(a, 20, 'e', "kept", false);
    curl_easy_cleanup(a);
    curl_easy_cleanup(b);
}

/* Sending the reply buffer without asking for it fails; a buffer asked for and not sent goes
 * back to the connection; none is handed out once the request is answered. */
static void reply_buffer_misuse_fails_and_leaks_nothing(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct reply r;
    struct call call = {.path = "/buffer-misuse", .reuse = h};
    do_call(&call, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "copied");
    assert_int_equal(atomic_load(&unasked_rc), -1);
    assert_false(atomic_load(&is_buffer_after_reply));
    get_buffered(h, 5, 'q', "kept", false);
    curl_easy_cleanup(h);
}

static void *buffered_hammer(void *arg)
{
    atomic_int *ok = arg;
    char c = (char)('a' + atomic_fetch_add(ok, 1) % 26);
    CURL *h = curl_easy_init();
    for (int i = 0; h != NULL && i < PAR_REQUESTS; i++) {
        size_t n = (size_t)(i * 7919) % 20000;
        char path[64];
        snprintf(path, sizeof(path), "/buffered?n=%zu&c=%c", n, c);
        struct reply r;
        struct call call = {.path = path, .reuse = h};
        do_call(&call, &r);
        if (r.status == 200 && r.total == n && r.unlike == 0 && (n == 0 || r.body[0] == c))
            atomic_fetch_add(ok, 1);
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* Connections served at once on several worker threads each write into their own buffer. */
static void parallel_connections_never_share_a_reply_buffer(void **state)
{
    (void)state;
    pthread_t t[PAR_THREADS];
    atomic_int ok = 0;
    for (int i = 0; i < PAR_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, buffered_hammer, &ok), 0);
    for (int i = 0; i < PAR_THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&ok), PAR_THREADS + PAR_THREADS * PAR_REQUESTS);
}

/* ---------------------------------------------------------------- servers of their own */

static void error_callback_renders_every_error(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server_config cfg = {
        .host = "127.0.0.1", .max_body_bytes = MAX_BODY, .on_error = status_doc};
    struct wss_http_server *s = start_or_fail(&cfg, router);
    snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u", wss_http_server_port(s));
    struct reply r;
    get("/nope", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(
        r.body, "{\"kind\":\"Status\",\"code\":404,\"message\":\"not found\",\"route\":\"\"}");
    struct call c = {.method = "POST", .path = "/peer"};
    do_call(&c, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, HEAD");
    assert_has(r.body, "\"code\":405,\"message\":\"method not allowed\"");
    struct call big = {.method = "POST", .path = "/json", .stream_len = MAX_BODY + 1};
    do_call(&big, &r);
    assert_int_equal(r.status, 413);
    assert_has(r.body, "\"code\":413,\"message\":\"request body too large\",\"route\":\"/json\"");
    get("/noreply", &r);
    assert_int_equal(r.status, 500);
    assert_has(r.body, "\"code\":500");
    get("/error", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, "{\"kind\":\"Status\",\"code\":400,\"message\":\"unable to parse "
                                "requirement\",\"route\":\"/error\"}");
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

static void serves_on_ipv6_loopback(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server_config cfg = {.host = "::1"};
    char err[WSS_HTTP_ERR_LEN];
    struct wss_http_server *s = wss_http_server_start(&cfg, router, err, sizeof(err));
    if (s == NULL && strstr(err, "Cannot assign requested address") != NULL) {
        wss_http_router_free(router);
        skip(); /* no IPv6 on this machine's loopback */
    }
    if (s == NULL)
        fail_msg("start on ::1: %s", err);
    snprintf(base_url, sizeof(base_url), "http://[::1]:%u", wss_http_server_port(s));
    struct reply r;
    get("/echo/six/x", &r);
    assert_int_equal(r.status, 200);
    assert_has(r.body, "remote=::1\n");
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

/* A raw TCP connection to the server under test; -1 on failure. */
static int raw_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = WAIT_MS / 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Blocks until the server closes fd (true) or the receive timeout passes (false). */
static bool closed_by_server(int fd)
{
    char b;
    return recv(fd, &b, 1, 0) == 0;
}

/* An idle connection is closed after timeout_s; the wait is the server's, bounded by SO_RCVTIMEO.
 */
static void idle_connection_is_closed_after_the_timeout(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server_config cfg = {.host = "127.0.0.1", .timeout_s = 1};
    struct wss_http_server *s = start_or_fail(&cfg, router);
    int fd = raw_connect(wss_http_server_port(s));
    assert_true(fd >= 0);
    long long t0 = wss_wait_now_ms();
    assert_true(closed_by_server(fd));
    long long took = wss_wait_now_ms() - t0;
    if (took < 900 || took > 5000)
        fail_msg("closed after %lld ms, want about 1000", took);
    close(fd);
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

/* How long a connection past the limit is watched for (wrongly) getting an answer. A slow
 * machine can only make this pass by mistake, never fail by mistake. */
#define HELD_BACK_MS 300

/* At max_connections MHD stops accepting: the next connection waits in the kernel's backlog,
 * unanswered, and is served as soon as a slot frees. */
static void connections_past_the_limit_wait_for_a_free_slot(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server_config cfg = {.host = "127.0.0.1", .threads = 1, .max_connections = 2};
    struct wss_http_server *s = start_or_fail(&cfg, router);
    uint16_t port = wss_http_server_port(s);
    int a = raw_connect(port);
    int b = raw_connect(port);
    int c = raw_connect(port);
    assert_true(a >= 0 && b >= 0 && c >= 0);
    static const char request[] = "GET /echo/c/d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(send(c, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
    struct pollfd pfd = {.fd = c, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, HELD_BACK_MS), 0);
    close(a);
    char buf[4096];
    size_t len = 0;
    for (;;) {
        ssize_t n = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0 || len + (size_t)n >= sizeof(buf) - 1)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    assert_has(buf, "HTTP/1.1 200 OK\r\n");
    assert_has(buf, "rest=d\n");
    close(b);
    close(c);
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

struct bad_start {
    struct wss_http_server_config cfg;
    const char *want;
};

static void start_refuses_bad_config_with_a_reason(void **state)
{
    (void)state;
    static const struct wss_http_ca_bundle one = {"client", "/nonexistent/ca.crt"};
    struct wss_http_router *router = make_router();
    const struct bad_start cases[] = {
        {{.host = "localhost"},
         "listen address \"localhost\" is not a numeric IPv4 or IPv6 address"},
        {{.host = "127.0.0.1", .tls_cert_file = "/nonexistent/tls.crt"},
         "tls needs both a cert file and a key file, or neither"},
        {{.host = "127.0.0.1", .client_cas = &one, .nclient_cas = 1},
         "client CA bundles need tls (a cert file and a key file)"},
        {{.host = "127.0.0.1",
          .tls_cert_file = "/nonexistent/tls.crt",
          .tls_key_file = "/nonexistent/tls.key"},
         "tls cert /nonexistent/tls.crt: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[WSS_HTTP_ERR_LEN] = "";
        struct wss_http_server *s = wss_http_server_start(&cases[i].cfg, router, err, sizeof(err));
        if (s != NULL)
            fail_msg("case %zu started", i);
        if (strcmp(err, cases[i].want) != 0)
            fail_msg("case %zu: \"%s\", want \"%s\"", i, err, cases[i].want);
    }
    /* a port in use */
    struct wss_http_server_config ok = {.host = "127.0.0.1"};
    struct wss_http_server *s = start_or_fail(&ok, router);
    struct wss_http_server_config clash = {.host = "127.0.0.1", .port = wss_http_server_port(s)};
    char err[WSS_HTTP_ERR_LEN], want[WSS_HTTP_ERR_LEN];
    assert_null(wss_http_server_start(&clash, router, err, sizeof(err)));
    snprintf(want, sizeof(want), "bind 127.0.0.1:%u: Address already in use",
             wss_http_server_port(s));
    assert_string_equal(err, want);
    wss_http_server_stop(s);
    wss_http_server_stop(NULL);
    wss_http_router_free(router);
}

/* ---------------------------------------------------------------- HTTPS */

/* The files the TLS servers are given: a kubelet-style projected directory, live/, whose entries
 * point through the ..data symlink into one generation directory. */
static char live_cert[HTTP_PKI_PATH_LEN], live_key[HTTP_PKI_PATH_LEN];
static char live_rh[HTTP_PKI_PATH_LEN], live_client[HTTP_PKI_PATH_LEN];

/* Fills live/<gen>/ with a serving pair and the two bundles' CA files. */
static void make_gen(const char *gen, const char *server, const char *rh_ca, const char *client_ca)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "mkdir -p live/%s && cp %s.crt live/%s/tls.crt && cp %s.key live/%s/tls.key && "
             "cp %s live/%s/requestheader.crt && cp %s live/%s/client.crt",
             gen, server, gen, server, gen, rh_ca, gen, client_ca, gen);
    assert_int_equal(http_pki_sh(pki, cmd), 0);
}

/* Points ..data at gen in one rename, as the kubelet's atomic writer does. */
static void swap_to(const char *gen)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ln -sfn %s live/..tmp && mv -T live/..tmp live/..data", gen);
    assert_int_equal(http_pki_sh(pki, cmd), 0);
}

/* The TLS group's log lines go to a file in the PKI directory, so a test can read them. Set while
 * no server threads run (between groups), as lib/log requires. */
static int log_fd = -1;
static char log_path[HTTP_PKI_PATH_LEN];

/* Rebuilds live/ from nothing and points it at generation g1: server-1, requestheader = ca-a,
 * client = ca-b. */
static int reset_live(void)
{
    if (http_pki_sh(pki, "rm -rf live && mkdir live && ln -s ..data/tls.crt live/tls.crt && "
                         "ln -s ..data/tls.key live/tls.key && "
                         "ln -s ..data/requestheader.crt live/requestheader.crt && "
                         "ln -s ..data/client.crt live/client.crt") != 0)
        return -1;
    make_gen("g1", "server-1", "ca-a.crt", "ca-b.crt");
    swap_to("g1");
    return 0;
}

static int tls_group_setup(void **state)
{
    (void)state;
    if (http_pki_make(pki, sizeof(pki)) != 0)
        return -1;
    http_pki_path(pki, "server.log", log_path, sizeof(log_path));
    log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0)
        return -1;
    wss_log_set_fd(log_fd);
    wss_log_configure(WSS_LOG_WARN, WSS_LOG_FORMAT_TEXT);
    http_pki_path(pki, "ca-srv.crt", ca_file, sizeof(ca_file));
    http_pki_path(pki, "live/tls.crt", live_cert, sizeof(live_cert));
    http_pki_path(pki, "live/tls.key", live_key, sizeof(live_key));
    http_pki_path(pki, "live/requestheader.crt", live_rh, sizeof(live_rh));
    http_pki_path(pki, "live/client.crt", live_client, sizeof(live_client));
    return 0;
}

static int tls_group_teardown(void **state)
{
    (void)state;
    wss_log_set_fd(STDERR_FILENO);
    wss_log_configure(WSS_LOG_ERROR, WSS_LOG_FORMAT_TEXT);
    close(log_fd);
    http_pki_remove(pki);
    return 0;
}

/* Resets live/ to generation g1 and starts an HTTPS server on it with both bundles. */
static int tls_setup(void **state)
{
    static struct fixture f;
    if (reset_live() != 0)
        return -1;
    static struct wss_http_ca_bundle bundles[2];
    bundles[0] = (struct wss_http_ca_bundle){"requestheader", live_rh};
    bundles[1] = (struct wss_http_ca_bundle){"client", live_client};
    f.router = make_router();
    struct wss_http_server_config cfg = {
        .host = "127.0.0.1",
        .threads = 2,
        .tls_cert_file = live_cert,
        .tls_key_file = live_key,
        .client_cas = bundles,
        .nclient_cas = 2,
        .timeout_s = 5,
        .reload_ms = RELOAD_MS,
    };
    f.server = start_or_fail(&cfg, f.router);
    snprintf(base_url, sizeof(base_url), "https://127.0.0.1:%u", wss_http_server_port(f.server));
    *state = &f;
    return 0;
}

/* Over TLS too, the kept buffer serves a short reply after a long one with only its own bytes. */
static void https_reply_buffer_is_kept_between_requests(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    get_buffered(h, 100000, 'a', "fresh", true);
    get_buffered(h, 3, 'b', "kept", false);
    get_buffered(h, 40000, 'c', "kept", false);
    curl_easy_cleanup(h);
}

static void https_serves_the_configured_certificate(void **state)
{
    struct fixture *f = *state;
    struct reply r;
    get("/peer", &r);
    if (r.rc != CURLE_OK)
        fail_msg("curl: %s", curl_easy_strerror(r.rc));
    assert_int_equal(r.status, 200);
    assert_has(r.subject, "server-1");
    /* no client certificate: the handshake still completes, the handler sees none */
    assert_has(r.body, "presented=0 requestheader=0 client=0 other=0 any=0 cn= o=\n");
    assert_has(r.body, "reason0=\nreason1=\n");
    struct wss_http_server_stats st;
    wss_http_server_stats(f->server, &st);
    assert_int_equal(st.tls_loads_ok, 1);
    assert_int_equal(st.tls_loads_failed, 0);
    assert_int_equal(st.daemons_draining, 0);
}

struct client_case {
    const char *client;
    const char *want;
};

/* A certificate that chains to a bundle is reported for THAT bundle only. An untrusted one does
 * not fail the handshake: MHD only asks for a certificate and gnutls does not judge it there, so
 * the request reaches the handler, which sees "presented, verified by nothing". */
static void client_certificates_are_verified_per_bundle(void **state)
{
    (void)state;
    static const struct client_case cases[] = {
        {"client-a", "presented=1 requestheader=1 client=0 other=0 any=1 "
                     "cn=front-proxy-client o=system:masters,team-a\n"},
        {"client-b", "presented=1 requestheader=0 client=1 other=0 any=1 cn=alice o=dev\n"},
        {"client-x", "presented=1 requestheader=0 client=0 other=0 any=0 cn= o=\n"},
        {"client-a-server", "presented=1 requestheader=0 client=0 other=0 any=0 cn= o=\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct reply r;
        struct call c = {.path = "/peer", .client = cases[i].client};
        do_call(&c, &r);
        if (r.rc != CURLE_OK)
            fail_msg("%s: curl: %s", cases[i].client, curl_easy_strerror(r.rc));
        assert_int_equal(r.status, 200);
        if (strncmp(r.body, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("%s:\n got  %s\n want %s", cases[i].client, r.body, cases[i].want);
    }
    struct reply r;
    struct call x = {.path = "/peer", .client = "client-x"};
    do_call(&x, &r);
    assert_has(r.body,
               "reason0=The certificate is NOT trusted. The certificate issuer is unknown.");
    struct call s = {.path = "/peer", .client = "client-a-server"};
    do_call(&s, &r);
    assert_has(r.body, "reason0=The certificate is NOT trusted. The certificate chain does not "
                       "match the intended purpose.");
}

/* Runs openssl s_client against the server and returns its output in out. */
static void s_client(const char *version, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "openssl s_client -connect %s %s -CAfile '%s' </dev/null 2>&1",
             base_url + strlen("https://"), version, ca_file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
}

/* Go clients (the aggregator) send a certificate only if its issuer is among the CA names in the
 * CertificateRequest; gnutls fills them from the trust pool: both bundles, TLS 1.2 and 1.3. */
static void certificate_request_names_every_bundle_ca(void **state)
{
    (void)state;
    static char out[65536];
    static const char *const versions[] = {"-tls1_2", "-tls1_3"};
    for (size_t i = 0; i < 2; i++) {
        s_client(versions[i], out, sizeof(out));
        const char *names = strstr(out, "Acceptable client certificate CA names\n");
        if (names == NULL)
            fail_msg("%s: no CA names in\n%s", versions[i], out);
        assert_has(names, "CN = ca-a\nCN = ca-b\n");
        assert_has(out, "Verify return code: 0 (ok)");
    }
}

static struct wss_http_server *fixture_server(void **state)
{
    return ((struct fixture *)*state)->server;
}

static bool serves_subject(void *arg)
{
    struct reply r;
    get("/peer", &r);
    return r.status == 200 && strstr(r.subject, (const char *)arg) != NULL;
}

struct stats_want {
    struct wss_http_server *server;
    uint64_t loads_failed;
    unsigned draining;
};

static bool failed_loads_reached(void *arg)
{
    const struct stats_want *w = arg;
    struct wss_http_server_stats st;
    wss_http_server_stats(w->server, &st);
    return st.tls_loads_failed >= w->loads_failed;
}

static bool draining_is(void *arg)
{
    const struct stats_want *w = arg;
    struct wss_http_server_stats st;
    wss_http_server_stats(w->server, &st);
    return st.daemons_draining == w->draining;
}

/* A new serving pair swapped in is served on new connections within the reload period, while a
 * keep-alive connection opened before keeps working on the old daemon until it closes; then the
 * old daemon stops and the shared listening socket goes on accepting. */
static void rotated_certificate_is_served_and_old_connections_drain(void **state)
{
    struct wss_http_server *s = fixture_server(state);
    struct reply r;
    CURL *kept = curl_easy_init();
    struct call c = {.path = "/echo/k/1", .reuse = kept};
    do_call(&c, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.connects, 1);
    assert_has(r.subject, "server-1");

    make_gen("g2", "server-2", "ca-a.crt", "ca-b.crt");
    swap_to("g2");
    assert_true(wss_wait_until(serves_subject, (void *)"server-2", WAIT_MS));
    struct wss_http_server_stats st;
    wss_http_server_stats(s, &st);
    assert_int_equal(st.tls_loads_ok, 2);
    assert_int_equal(st.daemons_draining, 1);
    /* the old daemon accepts nothing new: every fresh connection gets the new certificate */
    for (int i = 0; i < 10; i++) {
        get("/peer", &r);
        assert_has(r.subject, "server-2");
    }
    /* the kept connection still works, on the old daemon */
    c.path = "/echo/k/2";
    do_call(&c, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.connects, 0);
    assert_has(r.body, "rest=2\n");
    curl_easy_cleanup(kept);

    struct stats_want w = {.server = s, .draining = 0};
    assert_true(wss_wait_until(draining_is, &w, WAIT_MS));
    get("/peer", &r);
    assert_int_equal(r.status, 200);
    assert_has(r.subject, "server-2");
}

/* A replacement that does not load (a key for another certificate, then garbage) is reported and
 * the previous material keeps serving; fixing the files is picked up again. */
static void broken_replacement_keeps_the_old_certificate(void **state)
{
    struct wss_http_server *s = fixture_server(state);
    struct reply r;
    make_gen("bad", "server-2", "ca-a.crt", "ca-b.crt");
    assert_int_equal(http_pki_sh(pki, "cp server-3.key live/bad/tls.key"), 0);
    swap_to("bad");
    struct stats_want w = {.server = s, .loads_failed = 1};
    assert_true(wss_wait_until(failed_loads_reached, &w, WAIT_MS));
    get("/peer", &r);
    assert_int_equal(r.status, 200);
    assert_has(r.subject, "server-1");
    /* ...and logged, saying which files and why */
    static char log[65536];
    char want[3 * HTTP_PKI_PATH_LEN];
    snprintf(want, sizeof(want),
             "\"tls files changed but do not load; still serving the previous ones\" "
             "error=\"tls cert %s with key %s: %s\"",
             live_cert, live_key, gnutls_strerror(GNUTLS_E_CERTIFICATE_KEY_MISMATCH));
    FILE *f = fopen(log_path, "r");
    assert_non_null(f);
    log[fread(log, 1, sizeof(log) - 1, f)] = '\0';
    fclose(f);
    assert_has(log, want);

    /* garbage written in place: another failure, still serving server-1 */
    assert_int_equal(http_pki_sh(pki, "cp garbage.pem live/bad/tls.crt"), 0);
    w.loads_failed = 2;
    assert_true(wss_wait_until(failed_loads_reached, &w, WAIT_MS));
    get("/peer", &r);
    assert_int_equal(r.status, 200);
    assert_has(r.subject, "server-1");
    struct wss_http_server_stats st;
    wss_http_server_stats(s, &st);
    assert_int_equal(st.tls_loads_ok, 1);

    make_gen("g3", "server-3", "ca-a.crt", "ca-b.crt");
    swap_to("g3");
    assert_true(wss_wait_until(serves_subject, (void *)"server-3", WAIT_MS));
}

static bool client_c_is_verified(void *arg)
{
    (void)arg;
    struct reply r;
    struct call c = {.path = "/peer", .client = "client-c"};
    do_call(&c, &r);
    return r.status == 200 && strstr(r.body, "requestheader=0 client=1 ") != NULL;
}

/* The client bundle's file is rotated to another CA: its clients become verified, the old ones
 * stop being so. */
static void rotated_client_bundle_changes_who_verifies(void **state)
{
    (void)state;
    struct reply r;
    struct call c = {.path = "/peer", .client = "client-c"};
    do_call(&c, &r);
    assert_has(r.body, "presented=1 requestheader=0 client=0 ");
    make_gen("g4", "server-1", "ca-a.crt", "ca-c.crt");
    swap_to("g4");
    assert_true(wss_wait_until(client_c_is_verified, NULL, WAIT_MS));
    struct call b = {.path = "/peer", .client = "client-b"};
    do_call(&b, &r);
    assert_has(r.body, "presented=1 requestheader=0 client=0 ");
    struct call a = {.path = "/peer", .client = "client-a"};
    do_call(&a, &r);
    assert_has(r.body, "presented=1 requestheader=1 client=0 ");
}

/* Without bundles there is no trust pool, and the handshake asks for no certificate at all. */
static void without_bundles_no_certificate_is_requested(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server_config cfg = {
        .host = "127.0.0.1", .tls_cert_file = live_cert, .tls_key_file = live_key};
    assert_int_equal(reset_live(), 0);
    struct wss_http_server *s = start_or_fail(&cfg, router);
    snprintf(base_url, sizeof(base_url), "https://127.0.0.1:%u", wss_http_server_port(s));
    static char out[65536];
    s_client("-tls1_2", out, sizeof(out));
    assert_has(out, "No client certificate CA names sent");
    struct reply r;
    struct call c = {.path = "/peer", .client = "client-a"};
    do_call(&c, &r);
    assert_int_equal(r.status, 200);
    assert_has(r.body, "presented=0 ");
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

/* ---------------------------------------------------------------- the request gate */

/* What the gate saw, for the test thread: calls, and the last request's header, route and body
 * length at gate time; gate_done_* what on_done saw of the body afterwards. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned gate_calls;
static char gate_header[64];
static char gate_route[64];
static size_t gate_body_len;
static unsigned gate_done_count;
static size_t gate_done_body_len;
static unsigned gate_done_status;

/* Refuses /echo/deny/... with its own 401, /echo/silent/... without replying, and lets the rest
 * through (unknown paths included, so routing still answers 404 after it). */
static bool test_gate(struct wss_http_req *req, void *arg)
{
    (void)arg;
    size_t body_len = 0;
    wss_http_req_body(req, &body_len);
    pthread_mutex_lock(&gate_lock);
    gate_calls++;
    snprintf(gate_header, sizeof(gate_header), "%s", or_null(wss_http_req_header(req, "X-Test")));
    snprintf(gate_route, sizeof(gate_route), "%s", wss_http_req_route(req));
    gate_body_len = body_len;
    pthread_mutex_unlock(&gate_lock);
    const char *path = wss_http_req_path(req);
    if (strncmp(path, "/echo/deny/", 11) == 0) {
        wss_http_reply_text(req, 401, "gate says no");
        return false;
    }
    return strncmp(path, "/echo/silent/", 13) != 0;
}

static void gate_on_done(const struct wss_http_req *req, unsigned status, double duration_s,
                         void *arg)
{
    (void)arg;
    (void)duration_s;
    size_t body_len = 0;
    wss_http_req_body(req, &body_len);
    pthread_mutex_lock(&gate_lock);
    gate_done_count++;
    gate_done_body_len = body_len;
    gate_done_status = status;
    pthread_mutex_unlock(&gate_lock);
}

static bool gate_done_reached(void *arg)
{
    const unsigned *want = arg;
    pthread_mutex_lock(&gate_lock);
    bool ok = gate_done_count >= *want;
    pthread_mutex_unlock(&gate_lock);
    return ok;
}

/* Starts a plain server with test_gate, the Status error document and gate_on_done. */
static struct wss_http_server *start_gated(struct wss_http_router *router)
{
    struct wss_http_server_config cfg = {.host = "127.0.0.1",
                                         .max_body_bytes = MAX_BODY,
                                         .on_error = status_doc,
                                         .on_done = gate_on_done,
                                         .gate = test_gate};
    struct wss_http_server *s = start_or_fail(&cfg, router);
    snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u", wss_http_server_port(s));
    return s;
}

static void gate_runs_before_routing_for_every_request(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server *s = start_gated(router);
    static const struct {
        const char *method;
        const char *path;
        long status;
        const char *body; /* a substring of the reply */
    } cases[] = {
        {"GET", "/echo/ok/x", 200, "route=/echo/{a}/*rest\n"},
        {"GET", "/missing", 404, "\"code\":404,\"message\":\"not found\""},
        {"DELETE", "/peer", 405, "\"code\":405"},
        {"GET", "/echo/deny/x", 401, "gate says no"},
        {"GET", "/echo/silent/x", 403, "\"code\":403,\"message\":\"forbidden\",\"route\":\"\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pthread_mutex_lock(&gate_lock);
        unsigned before = gate_calls;
        pthread_mutex_unlock(&gate_lock);
        struct reply r;
        struct call c = {.method = cases[i].method, .path = cases[i].path, .header1 = "X-Test: t"};
        do_call(&c, &r);
        if (r.status != cases[i].status)
            fail_msg("%s %s: status %ld, want %ld", cases[i].method, cases[i].path, r.status,
                     cases[i].status);
        assert_has(r.body, cases[i].body);
        pthread_mutex_lock(&gate_lock);
        assert_int_equal(gate_calls, before + 1);
        assert_string_equal(gate_header, "t");
        assert_string_equal(gate_route, "");
        pthread_mutex_unlock(&gate_lock);
    }
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

/* A refused POST is answered from its head: the body is never buffered (the done callback sees
 * none), and a large one that waits for "100 Continue" is never even sent. A let-through POST
 * still gets its body. */
static void gate_refusal_never_reads_the_body(void **state)
{
    (void)state;
    struct wss_http_router *router = make_router();
    struct wss_http_server *s = start_gated(router);
    static const char body[] = "secret";
    static const struct {
        const char *path;
        long long stream_len; /* 0 = the small body above */
        long status;
        size_t done_body_len;
    } cases[] = {
        {"/echo/deny/x", 0, 401, 0},
        {"/echo/deny/x", 64LL << 20, 401, 0},
        {"/echo/silent/x", MAX_BODY / 2, 403, 0},
        {"/echo/ok/x", 0, 200, sizeof(body) - 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pthread_mutex_lock(&gate_lock);
        unsigned want = gate_done_count + 1;
        pthread_mutex_unlock(&gate_lock);
        struct call c = {.method = "POST", .path = cases[i].path};
        if (cases[i].stream_len > 0) {
            c.stream_len = cases[i].stream_len;
        } else {
            c.body = body;
            c.body_len = sizeof(body) - 1;
        }
        struct reply r;
        do_call(&c, &r);
        if (r.status != cases[i].status)
            fail_msg("case %zu: status %ld, want %ld", i, r.status, cases[i].status);
        if (cases[i].stream_len > MAX_BODY && r.sent >= MAX_BODY)
            fail_msg("case %zu: curl sent %lld body bytes before the refusal", i, r.sent);
        assert_true(wss_wait_until(gate_done_reached, &want, WAIT_MS));
        pthread_mutex_lock(&gate_lock);
        assert_int_equal(gate_body_len, 0);
        assert_int_equal(gate_done_status, (unsigned)cases[i].status);
        if (gate_done_body_len != cases[i].done_body_len)
            fail_msg("case %zu: %zu body bytes buffered, want %zu", i, gate_done_body_len,
                     cases[i].done_body_len);
        pthread_mutex_unlock(&gate_lock);
    }
    wss_http_server_stop(s);
    wss_http_router_free(router);
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
        return 1;
    /* MHD's own lines (a client hanging up mid-body) are expected here; keep the output quiet. */
    wss_log_configure(WSS_LOG_ERROR, WSS_LOG_FORMAT_TEXT);
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(binds_an_ephemeral_port_and_serves_get),
        cmocka_unit_test(path_is_percent_decoded_and_plus_is_kept),
        cmocka_unit_test(query_values_are_decoded_with_plus_as_space),
        cmocka_unit_test(headers_are_case_insensitive_and_repeatable),
        cmocka_unit_test(post_body_reaches_the_handler),
        cmocka_unit_test(declared_body_over_the_limit_gets_413_unread),
        cmocka_unit_test(chunked_body_over_the_limit_closes_the_connection),
        cmocka_unit_test(unknown_path_is_404_and_wrong_method_is_405_with_allow),
        cmocka_unit_test(head_on_a_get_route_answers_without_body),
        cmocka_unit_test(json_reply_and_handler_mistakes),
        cmocka_unit_test(done_callback_sees_route_and_status),
        cmocka_unit_test(parallel_clients_each_get_their_own_answer),
        cmocka_unit_test(reply_buffer_is_kept_by_its_connection_without_old_bytes),
        cmocka_unit_test(reply_buffer_over_the_keep_limit_is_dropped_after_sending),
        cmocka_unit_test(each_connection_has_its_own_reply_buffer),
        cmocka_unit_test(reply_buffer_misuse_fails_and_leaks_nothing),
        cmocka_unit_test(parallel_connections_never_share_a_reply_buffer),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test(error_callback_renders_every_error),
        cmocka_unit_test(serves_on_ipv6_loopback),
        cmocka_unit_test(start_refuses_bad_config_with_a_reason),
        cmocka_unit_test(idle_connection_is_closed_after_the_timeout),
        cmocka_unit_test(connections_past_the_limit_wait_for_a_free_slot),
        cmocka_unit_test(gate_runs_before_routing_for_every_request),
        cmocka_unit_test(gate_refusal_never_reads_the_body),
    };
    const struct CMUnitTest tls[] = {
        cmocka_unit_test_setup_teardown(https_serves_the_configured_certificate, tls_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(client_certificates_are_verified_per_bundle, tls_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(certificate_request_names_every_bundle_ca, tls_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(rotated_certificate_is_served_and_old_connections_drain,
                                        tls_setup, server_teardown),
        cmocka_unit_test_setup_teardown(broken_replacement_keeps_the_old_certificate, tls_setup,
                                        server_teardown),
        cmocka_unit_test_setup_teardown(rotated_client_bundle_changes_who_verifies, tls_setup,
                                        server_teardown),
        cmocka_unit_test(without_bundles_no_certificate_is_requested),
        cmocka_unit_test_setup_teardown(https_reply_buffer_is_kept_between_requests, tls_setup,
                                        server_teardown),
    };
    int failed = cmocka_run_group_tests_name("plain", plain, plain_setup, server_teardown);
    failed += cmocka_run_group_tests_name("own", own, NULL, NULL);
    failed += cmocka_run_group_tests_name("tls", tls, tls_group_setup, tls_group_teardown);
    curl_global_cleanup();
    return failed;
}
