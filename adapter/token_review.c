/* SPDX-License-Identifier: Apache-2.0 */
/* token_review.c: a bearer token's identity from a TokenReview, the answer cached under the
 * SHA-256 of the audience and token.
 * Does not: keep the token itself, retry, or decide what the identity may do.
 * Threads: any number of callers; the cache locks itself, the counters are atomics. */
#include "token_review.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "review_cache.h"
#include "wsscale/clock.h"

#define NOT_AUTHENTICATED_TEXT "the token was not authenticated"

struct token_reviewer {
    struct kube_client *client; /* borrowed */
    char *audience;             /* owned; NULL = none */
    int64_t ttl_ms;             /* < 0: nothing cached */
    struct review_cache *cache;
    _Atomic uint64_t calls;
    _Atomic uint64_t cache_hits;
    _Atomic uint64_t errors;
};

struct token_reviewer *token_reviewer_new(struct kube_client *client,
                                          const struct token_review_config *cfg)
{
    struct token_reviewer *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->client = client;
    r->ttl_ms = cfg->ttl_ms == 0 ? TOKEN_REVIEW_DEFAULT_TTL_MS : cfg->ttl_ms;
    r->cache = review_cache_new(TOKEN_REVIEW_MAX_ENTRIES);
    if (cfg->audience != NULL && cfg->audience[0] != '\0')
        r->audience = strdup(cfg->audience);
    if (r->cache == NULL ||
        (cfg->audience != NULL && cfg->audience[0] != '\0' && r->audience == NULL)) {
        token_reviewer_free(r);
        return NULL;
    }
    return r;
}

void token_reviewer_free(struct token_reviewer *r)
{
    if (r == NULL)
        return;
    review_cache_free(r->cache);
    free(r->audience);
    free(r);
}

void token_reviewer_stats(struct token_reviewer *r, struct token_review_stats *out)
{
    out->calls = atomic_load(&r->calls);
    out->cache_hits = atomic_load(&r->cache_hits);
    out->errors = atomic_load(&r->errors);
}

static char *request_body(const struct token_reviewer *r, const char *token)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *spec = cJSON_CreateObject();
    char *text = NULL;
    if (doc == NULL || spec == NULL) {
        cJSON_Delete(spec);
        goto done;
    }
    cJSON_AddItemToObject(doc, "spec", spec);
    bool ok = cJSON_AddStringToObject(doc, "apiVersion", "authentication.k8s.io/v1") != NULL &&
              cJSON_AddStringToObject(doc, "kind", "TokenReview") != NULL &&
              cJSON_AddStringToObject(spec, "token", token) != NULL;
    if (ok && r->audience != NULL) {
        cJSON *auds = cJSON_AddArrayToObject(spec, "audiences");
        cJSON *aud = cJSON_CreateString(r->audience);
        ok = auds != NULL && aud != NULL && cJSON_AddItemToArray(auds, aud);
        if (!ok)
            cJSON_Delete(aud);
    }
    if (ok)
        text = cJSON_PrintUnformatted(doc);
done:
    cJSON_Delete(doc);
    return text;
}

/* The message of a Status reply, or a short piece of whatever came. */
static void describe_failure(const char *what, long code, const char *reply, char *err,
                             size_t errlen)
{
    cJSON *doc = cJSON_Parse(reply);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (cJSON_IsString(msg) && msg->valuestring[0] != '\0')
        snprintf(err, errlen, "%s failed: HTTP %ld: %s", what, code, msg->valuestring);
    else
        snprintf(err, errlen, "%s failed: HTTP %ld: %.200s", what, code, reply);
    cJSON_Delete(doc);
}

static bool has_string(const cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return true;
    }
    return false;
}

/* status.user into a->user; -1 with err when the API's answer is malformed. */
static int read_user(const cJSON *user, struct review_answer *a, char *err, size_t errlen)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(user, "username");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(user, "uid");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(user, "groups");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(user, "extra");
    if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
        snprintf(err, errlen, "TokenReview reply: authenticated without status.user.username");
        return -1;
    }
    if (user_info_set_name(&a->user, name->valuestring) != 0 ||
        (cJSON_IsString(uid) && uid->valuestring[0] != '\0' &&
         user_info_set_uid(&a->user, uid->valuestring) != 0))
        goto oom;
    const cJSON *it;
    const cJSON *group_list = cJSON_IsArray(groups) ? groups : NULL;
    const cJSON *extra_map = cJSON_IsObject(extra) ? extra : NULL;
    cJSON_ArrayForEach(it, group_list)
    {
        if (!cJSON_IsString(it)) {
            snprintf(err, errlen, "TokenReview reply: status.user.groups holds a non-string");
            return -1;
        }
        if (user_info_add_group(&a->user, it->valuestring) != 0)
            goto oom;
    }
    cJSON_ArrayForEach(it, extra_map)
    {
        const cJSON *v;
        if (!cJSON_IsArray(it)) {
            snprintf(err, errlen, "TokenReview reply: status.user.extra[%s] is not a list",
                     it->string);
            return -1;
        }
        cJSON_ArrayForEach(v, it)
        {
            if (!cJSON_IsString(v)) {
                snprintf(err, errlen,
                         "TokenReview reply: status.user.extra[%s] holds a "
                         "non-string",
                         it->string);
                return -1;
            }
            if (user_info_add_extra(&a->user, it->string, v->valuestring) != 0)
                goto oom;
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "TokenReview reply: out of memory");
    return -1;
}

/* The API's answer into a; -1 with err when there is no usable answer. */
static int read_reply(const struct token_reviewer *r, const char *reply, struct review_answer *a,
                      char *err, size_t errlen)
{
    cJSON *doc = cJSON_Parse(reply);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    int rc = -1;
    if (!cJSON_IsObject(status)) {
        snprintf(err, errlen, "TokenReview reply: %s",
                 doc == NULL ? "not JSON" : "no status object");
        goto done;
    }
    const cJSON *authn = cJSON_GetObjectItemCaseSensitive(status, "authenticated");
    const cJSON *why = cJSON_GetObjectItemCaseSensitive(status, "error");
    const cJSON *auds = cJSON_GetObjectItemCaseSensitive(status, "audiences");
    if (!cJSON_IsTrue(authn)) {
        a->result = TOKEN_REVIEW_REJECTED;
        a->reason =
            strdup(cJSON_IsString(why) && why->valuestring[0] != '\0' ? why->valuestring
                                                                      : NOT_AUTHENTICATED_TEXT);
        rc = a->reason != NULL ? 0 : -1;
        if (rc != 0)
            snprintf(err, errlen, "TokenReview reply: out of memory");
        goto done;
    }
    if (r->audience != NULL && !has_string(auds, r->audience)) {
        /* the apiserver says authenticated, but not for us: as the Go webhook client does */
        a->result = TOKEN_REVIEW_REJECTED;
        char text[TOKEN_REVIEW_ERR_LEN];
        snprintf(text, sizeof(text), "the token's audiences do not include \"%s\"", r->audience);
        a->reason = strdup(text);
        rc = a->reason != NULL ? 0 : -1;
        goto done;
    }
    a->result = TOKEN_REVIEW_AUTHENTICATED;
    rc = read_user(cJSON_GetObjectItemCaseSensitive(status, "user"), a, err, errlen);
done:
    cJSON_Delete(doc);
    return rc;
}

/* Hands a's identity and reason to the caller. */
static enum token_review_result deliver(struct review_answer *a, struct user_info *user, char *err,
                                        size_t errlen)
{
    if (a->result == TOKEN_REVIEW_AUTHENTICATED) {
        user_info_clear(user);
        *user = a->user;
        a->user = (struct user_info){0};
    } else if (errlen > 0) {
        snprintf(err, errlen, "%s", a->reason != NULL ? a->reason : NOT_AUTHENTICATED_TEXT);
    }
    return a->result;
}

enum token_review_result token_reviewer_check(struct token_reviewer *r, const char *token,
                                              struct user_info *user, bool *from_cache, char *err,
                                              size_t errlen)
{
    if (from_cache != NULL)
        *from_cache = false;
    if (token == NULL || token[0] == '\0') {
        snprintf(err, errlen, "empty bearer token");
        return TOKEN_REVIEW_REJECTED;
    }
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    const char *aud = r->audience != NULL ? r->audience : "";
    size_t alen = strlen(aud), tlen = strlen(token);
    char *keytext = malloc(alen + 1 + tlen);
    if (keytext == NULL) {
        atomic_fetch_add(&r->errors, 1);
        snprintf(err, errlen, "out of memory");
        return TOKEN_REVIEW_ERROR;
    }
    memcpy(keytext, aud, alen + 1); /* the NUL separates audience and token */
    memcpy(keytext + alen + 1, token, tlen);
    review_cache_key(keytext, alen + 1 + tlen, key);
    memset(keytext, 0, alen + 1 + tlen);
    free(keytext);

    struct review_answer a = {0};
    enum token_review_result result;
    if (r->ttl_ms >= 0 && review_cache_get(r->cache, key, wss_clock_mono_ms(), &a)) {
        atomic_fetch_add(&r->cache_hits, 1);
        if (from_cache != NULL)
            *from_cache = true;
        result = deliver(&a, user, err, errlen);
        review_answer_clear(&a);
        return result;
    }

    char *body = request_body(r, token);
    char *reply = NULL;
    atomic_fetch_add(&r->calls, 1);
    if (body == NULL) {
        snprintf(err, errlen, "TokenReview: out of memory");
        goto error;
    }
    long code = kube_client_post_json(r->client, TOKEN_REVIEW_PATH, body, &reply, err, errlen);
    size_t blen = strlen(body);
    memset(body, 0, blen); /* the token is in it */
    free(body);
    if (code < 0)
        goto error;
    if (code < 200 || code > 299) {
        describe_failure("TokenReview", code, reply, err, errlen);
        goto error;
    }
    if (read_reply(r, reply, &a, err, errlen) != 0)
        goto error;
    free(reply);
    if (r->ttl_ms > 0)
        review_cache_put(r->cache, key, &a, wss_clock_mono_ms() + r->ttl_ms);
    result = deliver(&a, user, err, errlen);
    review_answer_clear(&a);
    return result;
error:
    free(reply);
    review_answer_clear(&a);
    atomic_fetch_add(&r->errors, 1);
    return TOKEN_REVIEW_ERROR;
}
