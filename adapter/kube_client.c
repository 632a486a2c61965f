/* SPDX-License-Identifier: Apache-2.0 */
/* kube_client.c: the client (its credentials and options), and JSON POSTs and GETs to the
 * Kubernetes API over libcurl easy handles kept in a small pool, so connections stay alive
 * between reviews. Does not: retry, follow redirects, use proxies from the environment, read the
 * JSON, or stream (kube_watch.c does). Threads: any number of callers; the pool is under c->lock,
 * a borrowed handle is the caller's. */
#include "kube_client.h"
#include "kube_client_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "wsscale/file_read.h"
#include "wsscale/strbuf.h"

#define KUBE_CLIENT_TOKEN_MAX  (64 * 1024) /* bytes of a token file */
#define KUBE_CLIENT_COPY_MAX   (1024 * 1024)
#define KUBE_CLIENT_USER_AGENT "wsscale-adapter"
#define KUBE_CLIENT_SCRATCH    "wsscale-kube-client.XXXXXX"

static char *dup_or_null(const char *s, bool *oom)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *oom = true;
    return d;
}

/* A file inside cfg's scratch directory vanishes when cfg is cleared: keep a copy of our own. */
static int keep_file(struct kube_client *c, const struct kube_config *cfg, char **path, char *err,
                     size_t errlen)
{
    size_t dl = cfg->scratch_dir != NULL ? strlen(cfg->scratch_dir) : 0;
    if (*path == NULL || dl == 0 || strncmp(*path, cfg->scratch_dir, dl) != 0 || (*path)[dl] != '/')
        return 0;
    if (c->scratch_dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0')
            tmp = "/tmp";
        size_t n = strlen(tmp) + 1 + sizeof(KUBE_CLIENT_SCRATCH);
        c->scratch_dir = malloc(n);
        if (c->scratch_dir == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        snprintf(c->scratch_dir, n, "%s/%s", tmp, KUBE_CLIENT_SCRATCH);
        if (mkdtemp(c->scratch_dir) == NULL) {
            snprintf(err, errlen, "mkdtemp %s: %s", c->scratch_dir, strerror(errno));
            free(c->scratch_dir);
            c->scratch_dir = NULL;
            return -1;
        }
    }
    char *data = NULL;
    size_t len = 0;
    if (wss_file_read(*path, KUBE_CLIENT_COPY_MAX, &data, &len, NULL, err, errlen) != 0)
        return -1;
    const char *base = *path + dl + 1;
    size_t n = strlen(c->scratch_dir) + 1 + strlen(base) + 1;
    char *copy = malloc(n);
    int fd = -1;
    if (copy != NULL) {
        snprintf(copy, n, "%s/%s", c->scratch_dir, base);
        fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    }
    bool ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    free(data);
    if (!ok) {
        snprintf(err, errlen, "copy %s: %s", *path,
                 copy == NULL ? "out of memory" : strerror(errno));
        free(copy);
        return -1;
    }
    free(*path);
    *path = copy;
    return 0;
}

struct kube_client *kube_client_new(const struct kube_config *cfg, int64_t timeout_ms, char *err,
                                    size_t errlen)
{
    if (cfg->server == NULL) {
        snprintf(err, errlen, "no Kubernetes API server given");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed");
        return NULL;
    }
    struct kube_client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        curl_global_cleanup();
        return NULL;
    }
    bool oom = false;
    c->server = dup_or_null(cfg->server, &oom);
    c->ca_file = dup_or_null(cfg->ca_file, &oom);
    c->cert_file = dup_or_null(cfg->client_cert_file, &oom);
    c->key_file = dup_or_null(cfg->client_key_file, &oom);
    c->token = dup_or_null(cfg->token, &oom);
    c->token_file = dup_or_null(cfg->token_file, &oom);
    c->is_insecure = cfg->insecure_skip_tls_verify;
    c->timeout_ms = timeout_ms > 0 ? (long)timeout_ms : KUBE_CLIENT_DEFAULT_TIMEOUT_MS;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        snprintf(err, errlen, "pthread_mutex_init failed");
        free(c->server);
        free(c->ca_file);
        free(c->cert_file);
        free(c->key_file);
        free(c->token);
        free(c->token_file);
        free(c);
        curl_global_cleanup();
        return NULL;
    }
    if (oom) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (keep_file(c, cfg, &c->ca_file, err, errlen) != 0 ||
        keep_file(c, cfg, &c->cert_file, err, errlen) != 0 ||
        keep_file(c, cfg, &c->key_file, err, errlen) != 0)
        goto fail;
    return c;
fail:
    kube_client_free(c);
    return NULL;
}

void kube_client_free(struct kube_client *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->server);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c->token);
    free(c->token_file);
    kube_config_remove_scratch(c->scratch_dir);
    free(c->scratch_dir);
    free(c);
    curl_global_cleanup();
}

/* The options that never change for a handle. */
CURL *kube_client__new_handle(struct kube_client *c)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* Proxy variables on apiserver hosts send API calls astray: never use them. */
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, KUBE_CLIENT_USER_AGENT);
    if (c->is_insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (c->ca_file != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    if (c->cert_file != NULL && c->key_file != NULL) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    return h;
}

static CURL *borrow(struct kube_client *c)
{
    CURL *h = NULL;
    if (pthread_mutex_lock(&c->lock) == 0) {
        if (c->nidle > 0)
            h = c->idle[--c->nidle];
        pthread_mutex_unlock(&c->lock);
    }
    return h != NULL ? h : kube_client__new_handle(c);
}

static void give_back(struct kube_client *c, CURL *h)
{
    if (pthread_mutex_lock(&c->lock) == 0) {
        if (c->nidle < KUBE_CLIENT_POOL_SIZE) {
            c->idle[c->nidle++] = h;
            h = NULL;
        }
        pthread_mutex_unlock(&c->lock);
    }
    if (h != NULL)
        curl_easy_cleanup(h);
}

/* Where a reply body goes; is_over_cap tells a reply too large from memory running out. */
struct body_sink {
    struct wss_strbuf buf;
    bool is_over_cap;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct body_sink *b = arg;
    if (b->buf.max_len > 0 && size * n > b->buf.max_len - b->buf.len) {
        b->is_over_cap = true;
        return 0; /* returning short makes curl stop with CURLE_WRITE_ERROR */
    }
    return wss_strbuf_append(&b->buf, data, size * n) == 0 ? size * n : 0;
}

/* The bearer token: the file (trimmed, as client-go does) when set, else the fixed token. */
static int bearer_header(struct kube_client *c, struct wss_strbuf *hdr, char *err, size_t errlen)
{
    if (c->token_file == NULL) {
        if (c->token != NULL)
            wss_strbuf_printf(hdr, "Authorization: Bearer %s", c->token);
        return 0;
    }
    char *data = NULL;
    size_t len = 0;
    char why[KUBE_CLIENT_ERR_LEN / 2];
    if (wss_file_read(c->token_file, KUBE_CLIENT_TOKEN_MAX, &data, &len, NULL, why, sizeof(why)) !=
        0) {
        snprintf(err, errlen, "read token file: %s", why);
        return -1;
    }
    size_t start = 0;
    while (start < len && (data[start] == ' ' || data[start] == '\t' || data[start] == '\n' ||
                           data[start] == '\r'))
        start++;
    while (len > start && (data[len - 1] == ' ' || data[len - 1] == '\t' || data[len - 1] == '\n' ||
                           data[len - 1] == '\r'))
        len--;
    bool bad = len == start || memchr(data + start, '\n', len - start) != NULL ||
               memchr(data + start, '\r', len - start) != NULL ||
               memchr(data + start, '\0', len - start) != NULL;
    if (bad) {
        snprintf(err, errlen, "read token file: %s: %s", c->token_file,
                 len == start ? "empty" : "not a single-line token");
        free(data);
        return -1;
    }
    wss_strbuf_printf(hdr, "Authorization: Bearer %.*s", (int)(len - start), data + start);
    free(data);
    return 0;
}

struct curl_slist *kube_client__headers(struct kube_client *c, const char *method, const char *url,
                                        const char *const *extra, char *err, size_t errlen)
{
    struct wss_strbuf auth = {0};
    char why[KUBE_CLIENT_ERR_LEN];
    if (bearer_header(c, &auth, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s %s: %s", method, url, why);
        return NULL;
    }
    struct curl_slist *headers = NULL;
    bool is_failed = auth.is_failed;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && !is_failed; i++) {
        struct curl_slist *grown = curl_slist_append(headers, extra[i]);
        is_failed = grown == NULL;
        headers = grown != NULL ? grown : headers;
    }
    const char *lines[] = {"Accept: application/json", auth.data};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && !is_failed; i++) {
        if (lines[i] == NULL)
            continue; /* no credentials but the client certificate */
        struct curl_slist *grown = curl_slist_append(headers, lines[i]);
        is_failed = grown == NULL;
        headers = grown != NULL ? grown : headers;
    }
    wss_strbuf_free(&auth);
    if (is_failed) {
        curl_slist_free_all(headers);
        snprintf(err, errlen, "%s %s: out of memory", method, url);
        return NULL;
    }
    return headers;
}

void kube_client__describe_curl_error(CURL *h, CURLcode rc, const char *method, const char *url,
                                      const char *curl_err, char *err, size_t errlen)
{
    const char *what = curl_err[0] != '\0' ? curl_err : curl_easy_strerror(rc);
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    const char *why = os_errno != 0 ? strerror((int)os_errno) : NULL;
    if (why != NULL && strstr(what, why) == NULL)
        snprintf(err, errlen, "%s %s: %s: %s", method, url, why, what);
    else
        snprintf(err, errlen, "%s %s: %s", method, url, what);
}

/* curl's progress callback: a non-zero return aborts the transfer. curl calls it at least once a
 * second, also while it waits for the server. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load((const atomic_bool *)arg) ? 1 : 0;
}

/* What a call may add to the plain POST or GET. */
struct request_opts {
    const atomic_bool *stop; /* NULL, or ends the call early */
    size_t max_reply;        /* 0: KUBE_CLIENT_MAX_REPLY */
    long too_large;          /* returned for a reply over max_reply */
};

/* One call: POST with body, or GET when body is NULL. */
static long request(struct kube_client *c, const char *path, const char *body,
                    const struct request_opts *ro, char **reply, char *err, size_t errlen)
{
    const atomic_bool *stop = ro->stop;
    size_t max_reply = ro->max_reply > 0 ? ro->max_reply : KUBE_CLIENT_MAX_REPLY;
    const char *method = body != NULL ? "POST" : "GET";
    *reply = NULL;
    struct wss_strbuf url = {0};
    struct body_sink out = {0};
    wss_strbuf_init(&out.buf, max_reply);
    struct curl_slist *headers = NULL;
    long code = -1;
    CURL *h = NULL;
    char curl_err[CURL_ERROR_SIZE] = "";

    wss_strbuf_printf(&url, "%s%s", c->server, path);
    if (url.is_failed) {
        snprintf(err, errlen, "%s %s%s: out of memory", method, c->server, path);
        goto done;
    }
    /* (no "Expect: 100-continue": a review is small) */
    const char *extra[] = {"Expect:", body != NULL ? "Content-Type: application/json" : NULL, NULL};
    if ((headers = kube_client__headers(c, method, url.data, extra, err, errlen)) == NULL)
        goto done;
    h = borrow(c);
    if (h == NULL) {
        snprintf(err, errlen, "%s %s: curl_easy_init failed", method, url.data);
        goto done;
    }
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        /* a pooled handle may have POSTed last time */
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    if (stop != NULL) {
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)(uintptr_t)stop);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, NULL);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    if (rc != CURLE_OK) {
        if (rc == CURLE_WRITE_ERROR && out.is_over_cap) {
            snprintf(err, errlen, "%s %s: reply larger than %zu bytes", method, url.data,
                     max_reply);
            code = ro->too_large;
        } else if (rc == CURLE_WRITE_ERROR && out.buf.is_failed) {
            snprintf(err, errlen, "%s %s: out of memory for the reply", method, url.data);
        } else if (rc == CURLE_ABORTED_BY_CALLBACK && stop != NULL && atomic_load(stop)) {
            snprintf(err, errlen, "%s %s: stopped", method, url.data);
        } else {
            kube_client__describe_curl_error(h, rc, method, url.data, curl_err, err, errlen);
        }
        /* a handle that failed mid-transfer starts afresh next time */
        curl_easy_cleanup(h);
        h = NULL;
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    size_t len = 0;
    *reply = wss_strbuf_take(&out.buf, &len);
    if (*reply == NULL)
        *reply = strdup("");
    if (*reply == NULL) {
        snprintf(err, errlen, "%s %s: out of memory", method, url.data);
        code = -1;
    }
done:
    if (h != NULL)
        give_back(c, h);
    curl_slist_free_all(headers);
    wss_strbuf_free(&url);
    wss_strbuf_free(&out.buf);
    return code;
}

long kube_client_post_json(struct kube_client *c, const char *path, const char *body, char **reply,
                           char *err, size_t errlen)
{
    const struct request_opts ro = {.too_large = -1};
    return request(c, path, body, &ro, reply, err, errlen);
}

long kube_client_get_json(struct kube_client *c, const char *path, char **reply, char *err,
                          size_t errlen)
{
    const struct request_opts ro = {.too_large = -1};
    return request(c, path, NULL, &ro, reply, err, errlen);
}

long kube_client_get_json_stoppable(struct kube_client *c, const char *path,
                                    const atomic_bool *stop, size_t max_reply, char **reply,
                                    char *err, size_t errlen)
{
    const struct request_opts ro = {
        .stop = stop, .max_reply = max_reply, .too_large = KUBE_CLIENT_TOO_LARGE};
    return request(c, path, NULL, &ro, reply, err, errlen);
}
