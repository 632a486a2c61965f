/* SPDX-License-Identifier: Apache-2.0 */
/* access_review.c: allow or deny from a SubjectAccessReview; the answer is cached under the
 * SHA-256 of the whole spec (identity and attributes), allow and deny with their own TTLs.
 * Does not: derive attributes from a path, or let any identity through without asking.
 * Threads: any number of callers; the cache locks itself, the counters are atomics. */
#include "access_review.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "review_cache.h"
#include "wsscale/clock.h"

#define DENIED_TEXT "denied by the Kubernetes API (no reason given)"

struct access_reviewer {
    struct kube_client *client; /* borrowed */
    int64_t allow_ttl_ms;       /* < 0: not cached */
    int64_t deny_ttl_ms;
    struct review_cache *cache;
    _Atomic uint64_t calls;
    _Atomic uint64_t cache_hits;
    _Atomic uint64_t errors;
};

struct access_reviewer *access_reviewer_new(struct kube_client *client, int64_t allow_ttl_ms,
                                            int64_t deny_ttl_ms)
{
    struct access_reviewer *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->client = client;
    r->allow_ttl_ms = allow_ttl_ms == 0 ? ACCESS_REVIEW_DEFAULT_TTL_MS : allow_ttl_ms;
    r->deny_ttl_ms = deny_ttl_ms == 0 ? ACCESS_REVIEW_DEFAULT_TTL_MS : deny_ttl_ms;
    r->cache = review_cache_new(ACCESS_REVIEW_MAX_ENTRIES);
    if (r->cache == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void access_reviewer_free(struct access_reviewer *r)
{
    if (r == NULL)
        return;
    review_cache_free(r->cache);
    free(r);
}

void access_reviewer_stats(struct access_reviewer *r, struct access_review_stats *out)
{
    out->calls = atomic_load(&r->calls);
    out->cache_hits = atomic_load(&r->cache_hits);
    out->errors = atomic_load(&r->errors);
}

/* Adds key: s unless s is NULL or empty (Go's omitempty). False when out of memory. */
static bool add_nonempty(cJSON *obj, const char *key, const char *s)
{
    return s == NULL || s[0] == '\0' || cJSON_AddStringToObject(obj, key, s) != NULL;
}

static bool add_strings(cJSON *obj, const char *key, char *const *v, size_t n)
{
    if (n == 0)
        return true;
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    for (size_t i = 0; arr != NULL && i < n; i++) {
        cJSON *s = cJSON_CreateString(v[i]);
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return arr != NULL;
}

/* The spec, in the field order of the spec document; NULL when out of memory. */
static cJSON *build_spec(const struct user_info *u, const struct access_attributes *at)
{
    cJSON *spec = cJSON_CreateObject();
    bool ok = spec != NULL && add_nonempty(spec, "user", u->name) &&
              add_strings(spec, "groups", u->groups, u->ngroups);
    if (ok && u->nextra > 0) {
        cJSON *extra = cJSON_AddObjectToObject(spec, "extra");
        ok = extra != NULL;
        for (size_t i = 0; ok && i < u->nextra; i++)
            ok = add_strings(extra, u->extra[i].key, u->extra[i].values, u->extra[i].nvalues);
    }
    ok = ok && add_nonempty(spec, "uid", u->uid);
    cJSON *attrs = NULL;
    if (ok)
        attrs = cJSON_AddObjectToObject(spec, at->is_resource ? "resourceAttributes"
                                                              : "nonResourceAttributes");
    ok = ok && attrs != NULL;
    if (ok && at->is_resource)
        ok = add_nonempty(attrs, "namespace", at->namespace_) &&
             add_nonempty(attrs, "verb", at->verb) && add_nonempty(attrs, "group", at->group) &&
             add_nonempty(attrs, "version", at->version) &&
             add_nonempty(attrs, "resource", at->resource) &&
             add_nonempty(attrs, "subresource", at->subresource) &&
             add_nonempty(attrs, "name", at->name);
    else if (ok)
        ok = add_nonempty(attrs, "path", at->path) && add_nonempty(attrs, "verb", at->verb);
    if (!ok) {
        cJSON_Delete(spec);
        return NULL;
    }
    return spec;
}

static void describe_failure(long code, const char *reply, char *err, size_t errlen)
{
    cJSON *doc = cJSON_Parse(reply);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (cJSON_IsString(msg) && msg->valuestring[0] != '\0')
        snprintf(err, errlen, "SubjectAccessReview failed: HTTP %ld: %s", code, msg->valuestring);
    else
        snprintf(err, errlen, "SubjectAccessReview failed: HTTP %ld: %.200s", code, reply);
    cJSON_Delete(doc);
}

static int read_reply(const char *reply, struct review_answer *a, char *err, size_t errlen)
{
    cJSON *doc = cJSON_Parse(reply);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    int rc = -1;
    if (!cJSON_IsObject(status)) {
        snprintf(err, errlen, "SubjectAccessReview reply: %s",
                 doc == NULL ? "not JSON" : "no status object");
        goto done;
    }
    const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(status, "allowed");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(status, "reason");
    const cJSON *eval = cJSON_GetObjectItemCaseSensitive(status, "evaluationError");
    rc = 0;
    if (cJSON_IsTrue(allowed)) {
        a->result = ACCESS_REVIEW_ALLOWED;
        goto done;
    }
    /* denied:true and "no opinion" both refuse, as the Go authorizer chain ends */
    a->result = ACCESS_REVIEW_DENIED;
    const char *why = DENIED_TEXT;
    if (cJSON_IsString(reason) && reason->valuestring[0] != '\0')
        why = reason->valuestring;
    else if (cJSON_IsString(eval) && eval->valuestring[0] != '\0')
        why = eval->valuestring;
    a->reason = strdup(why);
    if (a->reason == NULL) {
        snprintf(err, errlen, "SubjectAccessReview reply: out of memory");
        rc = -1;
    }
done:
    cJSON_Delete(doc);
    return rc;
}

static enum access_review_result deliver(const struct review_answer *a, char *err, size_t errlen)
{
    if (a->result != ACCESS_REVIEW_ALLOWED && errlen > 0)
        snprintf(err, errlen, "%s", a->reason != NULL ? a->reason : DENIED_TEXT);
    return a->result;
}

enum access_review_result access_reviewer_check(struct access_reviewer *r,
                                                const struct user_info *user,
                                                const struct access_attributes *attrs,
                                                bool *from_cache, char *err, size_t errlen)
{
    if (from_cache != NULL)
        *from_cache = false;
    struct review_answer a = {0};
    char *spec_text = NULL, *body = NULL, *reply = NULL;
    cJSON *doc = NULL;
    cJSON *spec = build_spec(user, attrs);
    if (spec != NULL)
        spec_text = cJSON_PrintUnformatted(spec);
    if (spec_text == NULL) {
        cJSON_Delete(spec);
        snprintf(err, errlen, "SubjectAccessReview: out of memory");
        atomic_fetch_add(&r->errors, 1);
        return ACCESS_REVIEW_ERROR;
    }
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    review_cache_key(spec_text, strlen(spec_text), key);
    free(spec_text);
    if (review_cache_get(r->cache, key, wss_clock_mono_ms(), &a)) {
        cJSON_Delete(spec);
        atomic_fetch_add(&r->cache_hits, 1);
        if (from_cache != NULL)
            *from_cache = true;
        enum access_review_result res = deliver(&a, err, errlen);
        review_answer_clear(&a);
        return res;
    }

    atomic_fetch_add(&r->calls, 1);
    doc = cJSON_CreateObject();
    if (doc == NULL ||
        cJSON_AddStringToObject(doc, "apiVersion", "authorization.k8s.io/v1") == NULL ||
        cJSON_AddStringToObject(doc, "kind", "SubjectAccessReview") == NULL) {
        cJSON_Delete(spec);
        goto oom;
    }
    cJSON_AddItemToObject(doc, "spec", spec);
    body = cJSON_PrintUnformatted(doc);
    if (body == NULL)
        goto oom;
    long code = kube_client_post_json(r->client, ACCESS_REVIEW_PATH, body, &reply, err, errlen);
    if (code < 0)
        goto error;
    if (code < 200 || code > 299) {
        describe_failure(code, reply, err, errlen);
        goto error;
    }
    if (read_reply(reply, &a, err, errlen) != 0)
        goto error;
    int64_t ttl = a.result == ACCESS_REVIEW_ALLOWED ? r->allow_ttl_ms : r->deny_ttl_ms;
    if (ttl > 0)
        review_cache_put(r->cache, key, &a, wss_clock_mono_ms() + ttl);
    enum access_review_result res = deliver(&a, err, errlen);
    review_answer_clear(&a);
    cJSON_Delete(doc);
    free(body);
    free(reply);
    return res;
oom:
    snprintf(err, errlen, "SubjectAccessReview: out of memory");
error:
    review_answer_clear(&a);
    cJSON_Delete(doc);
    free(body);
    free(reply);
    atomic_fetch_add(&r->errors, 1);
    return ACCESS_REVIEW_ERROR;
}
