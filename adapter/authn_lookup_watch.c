/* SPDX-License-Identifier: Apache-2.0 */
/* authn_lookup_watch.c: the ConfigMap fetch, the CA files (written to a temporary name, then
 * renamed, so the server never loads half a file) and the refresh thread with its backoff.
 * Does not: parse JSON itself beyond a Status message, or touch the HTTPS server.
 * Threads: the refresh thread owns last/written state after start; main only starts and frees;
 * is_stopping is under lock and the condition variable wakes the thread to stop. */
#include "authn_lookup_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "wsscale/backoff.h"
#include "wsscale/log.h"
#include "wsscale/mono_cond.h"
#include "wsscale/rng.h"

#define WATCH_DIR_TEMPLATE "wsscale-authn.XXXXXX"
#define WHAT               "ConfigMap " AUTHN_LOOKUP_NAMESPACE "/" AUTHN_LOOKUP_NAME
#define STATUS_MSG_MAX     300 /* bytes of the API's Status message quoted in an error */

/* One parsed document and the arena its strings live in. */
struct snapshot {
    char *text; /* owned */
    struct authn_lookup_values v;
};

struct authn_lookup_watch {
    struct kube_client *client; /* borrowed */
    int64_t refresh_ms;
    char *dir;                   /* owned; the private directory */
    char *client_file, *rh_file; /* owned; NULL when the ConfigMap had no such CA at start */
    struct snapshot start;       /* the values applied at start; read-only after new */
    struct snapshot last;        /* refresh thread only: the newest good document */
    char *written[2];            /* owned; refresh thread only: the PEMs in the files */
    size_t written_len[2];
    bool is_new_ca_logged[2]; /* refresh thread only: "restart to use it" said once */
    pthread_t thread;
    bool is_started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool is_stopping; /* under lock */
    atomic_uint_fast64_t rotations;
    struct wss_rng rng; /* refresh thread only */
};

static void snapshot_clear(struct snapshot *s)
{
    free(s->text);
    *s = (struct snapshot){0};
}

/* The message of a Status reply, or "" when the body is not one. */
static void status_message(const char *reply, char *out, size_t outlen)
{
    out[0] = '\0';
    cJSON *doc = reply != NULL ? cJSON_Parse(reply) : NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (cJSON_IsString(m))
        snprintf(out, outlen, "%.*s", STATUS_MSG_MAX, m->valuestring);
    cJSON_Delete(doc);
}

/* GET + parse into *s. 0, or -1 with one line in err. */
static int fetch(struct kube_client *c, struct snapshot *s, char *err, size_t errlen)
{
    char *reply = NULL;
    char why[KUBE_CLIENT_ERR_LEN];
    long code = kube_client_get_json(c, AUTHN_LOOKUP_PATH, &reply, why, sizeof(why));
    if (code < 0) {
        snprintf(err, errlen, "cannot read " WHAT ": %s", why);
        return -1;
    }
    if (code != 200) {
        char msg[STATUS_MSG_MAX + 1];
        status_message(reply, msg, sizeof(msg));
        snprintf(err, errlen, "cannot read " WHAT ": HTTP %ld%s%s%s", code,
                 msg[0] != '\0' ? ": " : "", msg,
                 code == 403 ? " (bind the adapter's ServiceAccount to Role "
                               "extension-apiserver-authentication-reader in kube-system)"
                             : "");
        free(reply);
        return -1;
    }
    size_t len = strlen(reply);
    *s = (struct snapshot){.text = malloc(authn_lookup_text_cap(len))};
    if (s->text == NULL) {
        snprintf(err, errlen, "cannot read " WHAT ": out of memory");
        free(reply);
        return -1;
    }
    s->v.text = s->text;
    s->v.text_cap = authn_lookup_text_cap(len);
    struct wss_parse_err perr = {0};
    int rc = authn_lookup_parse(reply, len, &s->v, &perr);
    free(reply);
    if (rc < 0) {
        snprintf(err, errlen, WHAT " is not usable: %s", perr.msg);
        snapshot_clear(s);
        return -1;
    }
    return 0;
}

/* Writes dir/name as data: a temporary file, then rename. 0, or -1 with err. */
static int write_atomically(const char *path, const char *data, size_t len, char *err,
                            size_t errlen)
{
    size_t n = strlen(path) + sizeof(".tmp");
    char *tmp = malloc(n);
    if (tmp == NULL) {
        snprintf(err, errlen, "write %s: out of memory", path);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    size_t done = 0;
    while (ok && done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok)
            done += (size_t)w;
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

struct authn_lookup_watch *authn_lookup_watch_new(const struct authn_lookup_watch_config *cfg,
                                                  char *err, size_t errlen)
{
    struct authn_lookup_watch *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->client = cfg->client;
    w->refresh_ms = cfg->refresh_ms > 0 ? cfg->refresh_ms : 60000;
    atomic_init(&w->rotations, 0);
    wss_rng_seed_random(&w->rng);
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        snprintf(err, errlen, "pthread_mutex_init failed");
        free(w);
        return NULL;
    }
    if (wss_mono_cond_init(&w->cond) != 0) {
        snprintf(err, errlen, "pthread_cond_init failed");
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    if (fetch(w->client, &w->start, err, errlen) != 0)
        goto fail;
    const char *parent = cfg->parent_dir;
    if (parent == NULL || parent[0] == '\0')
        parent = getenv("TMPDIR");
    if (parent == NULL || parent[0] == '\0')
        parent = "/tmp";
    if ((w->dir = join(parent, WATCH_DIR_TEMPLATE)) == NULL)
        goto oom;
    /* mkdtemp makes it 0700: only this user reads the CAs or could swap them */
    if (mkdtemp(w->dir) == NULL) {
        snprintf(err, errlen, "mkdtemp %s: %s", w->dir, strerror(errno));
        free(w->dir);
        w->dir = NULL;
        goto fail;
    }
    const struct authn_lookup_values *v = &w->start.v;
    if (v->client_ca != NULL &&
        ((w->client_file = join(w->dir, AUTHN_LOOKUP_WATCH_CLIENT_CA)) == NULL ||
         write_atomically(w->client_file, v->client_ca, v->client_ca_len, err, errlen) != 0))
        goto fail_or_oom;
    if (v->requestheader_ca != NULL &&
        ((w->rh_file = join(w->dir, AUTHN_LOOKUP_WATCH_REQUESTHEADER)) == NULL ||
         write_atomically(w->rh_file, v->requestheader_ca, v->requestheader_ca_len, err, errlen) !=
             0))
        goto fail_or_oom;
    const char *pems[2] = {v->client_ca, v->requestheader_ca};
    size_t lens[2] = {v->client_ca_len, v->requestheader_ca_len};
    for (int i = 0; i < 2; i++) {
        if (pems[i] == NULL)
            continue;
        if ((w->written[i] = malloc(lens[i])) == NULL)
            goto oom;
        memcpy(w->written[i], pems[i], lens[i]);
        w->written_len[i] = lens[i];
    }
    return w;
fail_or_oom:
    if ((v->client_ca != NULL && w->client_file == NULL) ||
        (v->requestheader_ca != NULL && w->rh_file == NULL))
        goto oom;
    goto fail;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    authn_lookup_watch_free(w);
    return NULL;
}

const struct authn_lookup_values *authn_lookup_watch_values(const struct authn_lookup_watch *w)
{
    return &w->start.v;
}

const char *authn_lookup_watch_client_ca_file(const struct authn_lookup_watch *w)
{
    return w->client_file;
}

const char *authn_lookup_watch_requestheader_ca_file(const struct authn_lookup_watch *w)
{
    return w->rh_file;
}

uint64_t authn_lookup_watch_rotations(struct authn_lookup_watch *w)
{
    return atomic_load(&w->rotations);
}

static bool same_pem(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool same_headers(const struct authn_lookup_values *a, const struct authn_lookup_values *b)
{
    return authn_lookup_list_equal(&a->allowed_names, &b->allowed_names) &&
           authn_lookup_list_equal(&a->username_headers, &b->username_headers) &&
           authn_lookup_list_equal(&a->group_headers, &b->group_headers) &&
           authn_lookup_list_equal(&a->extra_prefixes, &b->extra_prefixes);
}

/* One CA key (i: 0 client, 1 requestheader) after a good refresh: rewrite its file when the
 * PEM differs from what the file holds. */
static int refresh_ca(struct authn_lookup_watch *w, int i, const char *file, const char *key,
                      const char *pem, size_t len, bool *is_rotated, char *err, size_t errlen)
{
    if (file == NULL) {
        if (pem != NULL && !w->is_new_ca_logged[i]) {
            w->is_new_ca_logged[i] = true;
            WSS_WARN(WHAT " now has a CA it had not at start; it is used after a restart",
                     WSS_KV_STR("key", key));
        }
        return 0;
    }
    if (pem == NULL) {
        WSS_WARN(WHAT " no longer has this CA; the last one stays in use", WSS_KV_STR("key", key));
        return 0;
    }
    if (same_pem(pem, len, w->written[i], w->written_len[i]))
        return 0;
    char *copy = malloc(len);
    if (copy == NULL) {
        snprintf(err, errlen, "write %s: out of memory", file);
        return -1;
    }
    memcpy(copy, pem, len);
    if (write_atomically(file, pem, len, err, errlen) != 0) {
        free(copy);
        return -1;
    }
    free(w->written[i]);
    w->written[i] = copy;
    w->written_len[i] = len;
    *is_rotated = true;
    WSS_INFO(WHAT ": CA changed; file rewritten, the server reloads it", WSS_KV_STR("key", key),
             WSS_KV_STR("file", file));
    return 0;
}

static int refresh(struct authn_lookup_watch *w, char *err, size_t errlen)
{
    struct snapshot next;
    if (fetch(w->client, &next, err, errlen) != 0)
        return -1;
    const struct authn_lookup_values *nv = &next.v;
    bool is_rotated = false;
    if (refresh_ca(w, 0, w->client_file, "client-ca-file", nv->client_ca, nv->client_ca_len,
                   &is_rotated, err, errlen) != 0 ||
        refresh_ca(w, 1, w->rh_file, "requestheader-client-ca-file", nv->requestheader_ca,
                   nv->requestheader_ca_len, &is_rotated, err, errlen) != 0) {
        snapshot_clear(&next);
        return -1; /* the next refresh compares with the files again and retries */
    }
    const struct authn_lookup_values *prev = w->last.text != NULL ? &w->last.v : &w->start.v;
    if (!same_headers(prev, nv))
        WSS_WARN(WHAT ": the requestheader-* names or headers changed; they apply when the "
                      "adapter restarts",
                 WSS_KV_BOOL("differs_from_start", !same_headers(&w->start.v, nv)));
    if (is_rotated)
        atomic_fetch_add(&w->rotations, 1);
    snapshot_clear(&w->last);
    w->last = next;
    return 0;
}

static void *run(void *arg)
{
    struct authn_lookup_watch *w = arg;
    unsigned failures = 0;
    char err[AUTHN_LOOKUP_WATCH_ERR_LEN];
    if (pthread_mutex_lock(&w->lock) != 0)
        return NULL;
    while (!w->is_stopping) {
        uint64_t delay = (uint64_t)w->refresh_ms;
        if (failures > 0) {
            uint64_t b = wss_backoff_ms(failures - 1, AUTHN_LOOKUP_WATCH_RETRY_BASE_MS, delay,
                                        WSS_BACKOFF_EQUAL, wss_rng_next(&w->rng));
            delay = b < delay ? b : delay;
        }
        struct timespec at = wss_mono_deadline_ms((int64_t)delay);
        int rc = 0;
        while (!w->is_stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->cond, &w->lock, &at);
        if (w->is_stopping)
            break;
        pthread_mutex_unlock(&w->lock);
        if (refresh(w, err, sizeof(err)) != 0) {
            failures++;
            WSS_WARN("cannot refresh the authentication ConfigMap; the CAs in use stay",
                     WSS_KV_STR("error", err), WSS_KV_UINT("failures", failures));
        } else if (failures > 0) {
            WSS_INFO("the authentication ConfigMap is readable again",
                     WSS_KV_UINT("failures", failures));
            failures = 0;
        }
        if (pthread_mutex_lock(&w->lock) != 0)
            return NULL;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int authn_lookup_watch_start(struct authn_lookup_watch *w, char *err, size_t errlen)
{
    int rc = pthread_create(&w->thread, NULL, run, w);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the ConfigMap refresh thread: %s", strerror(rc));
        return -1;
    }
    w->is_started = true;
    return 0;
}

void authn_lookup_watch_free(struct authn_lookup_watch *w)
{
    if (w == NULL)
        return;
    if (w->is_started) {
        pthread_mutex_lock(&w->lock);
        w->is_stopping = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    if (w->client_file != NULL)
        unlink(w->client_file);
    if (w->rh_file != NULL)
        unlink(w->rh_file);
    if (w->dir != NULL)
        rmdir(w->dir);
    free(w->client_file);
    free(w->rh_file);
    free(w->dir);
    snapshot_clear(&w->start);
    snapshot_clear(&w->last);
    free(w->written[0]);
    free(w->written[1]);
    free(w);
}
