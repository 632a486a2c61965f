/* SPDX-License-Identifier: Apache-2.0 */
/* auth_fakes.c: the fake reviewers auth_fakes.h describes.
 * Does not: reach the network; answers are fixed by the test.
 * Threads: any thread; all state under auth_fakes.lock. */
#include "auth_fakes.h"

#include <stdio.h>
#include <string.h>

struct auth_fakes auth_fakes = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Stand-ins for the opaque handles: only their addresses are used. */
static char token_handle;
static char access_handle;

void auth_fakes_reset(void)
{
    pthread_mutex_lock(&auth_fakes.lock);
    auth_fakes.token_calls = 0;
    auth_fakes.last_token[0] = '\0';
    auth_fakes.access = ACCESS_REVIEW_ALLOWED;
    auth_fakes.access_err[0] = '\0';
    auth_fakes.access_calls = 0;
    memset(&auth_fakes.last, 0, sizeof(auth_fakes.last));
    pthread_mutex_unlock(&auth_fakes.lock);
}

struct token_reviewer *auth_fakes_token_reviewer(void)
{
    return (struct token_reviewer *)(void *)&token_handle;
}

struct access_reviewer *auth_fakes_access_reviewer(void)
{
    return (struct access_reviewer *)(void *)&access_handle;
}

enum token_review_result token_reviewer_check(struct token_reviewer *r, const char *token,
                                              struct user_info *user, bool *from_cache, char *err,
                                              size_t errlen)
{
    (void)r;
    if (from_cache != NULL)
        *from_cache = false;
    pthread_mutex_lock(&auth_fakes.lock);
    auth_fakes.token_calls++;
    snprintf(auth_fakes.last_token, sizeof(auth_fakes.last_token), "%s", token);
    pthread_mutex_unlock(&auth_fakes.lock);
    if (strcmp(token, "broken-token") == 0) {
        snprintf(err, errlen, "connection refused");
        return TOKEN_REVIEW_ERROR;
    }
    if (strcmp(token, "good-token") != 0) {
        snprintf(err, errlen, "token has expired");
        return TOKEN_REVIEW_REJECTED;
    }
    if (user_info_set_name(user, "system:serviceaccount:ws:ws-app") != 0 ||
        user_info_set_uid(user, "sa-uid") != 0 ||
        user_info_add_group(user, "system:serviceaccounts") != 0 ||
        user_info_add_group(user, "system:serviceaccounts:ws") != 0 ||
        user_info_add_group(user, "system:authenticated") != 0 ||
        user_info_add_extra(user, USER_INFO_EXTRA_POD_NAME, "ws-7d9c5-abcde") != 0) {
        snprintf(err, errlen, "out of memory");
        return TOKEN_REVIEW_ERROR;
    }
    return TOKEN_REVIEW_AUTHENTICATED;
}

static void copy(char *dst, const char *src)
{
    snprintf(dst, FAKE_STR_LEN, "%s", src != NULL ? src : "(null)");
}

enum access_review_result access_reviewer_check(struct access_reviewer *r,
                                                const struct user_info *user,
                                                const struct access_attributes *attrs,
                                                bool *from_cache, char *err, size_t errlen)
{
    (void)r;
    if (from_cache != NULL)
        *from_cache = false;
    pthread_mutex_lock(&auth_fakes.lock);
    auth_fakes.access_calls++;
    auth_fakes.last.is_resource = attrs->is_resource;
    copy(auth_fakes.last.verb, attrs->verb);
    copy(auth_fakes.last.namespace_, attrs->namespace_);
    copy(auth_fakes.last.group, attrs->group);
    copy(auth_fakes.last.version, attrs->version);
    copy(auth_fakes.last.resource, attrs->resource);
    copy(auth_fakes.last.subresource, attrs->subresource);
    copy(auth_fakes.last.name, attrs->name);
    copy(auth_fakes.last.path, attrs->path);
    copy(auth_fakes.last.user, user->name);
    enum access_review_result answer = auth_fakes.access;
    snprintf(err, errlen, "%s", auth_fakes.access_err);
    pthread_mutex_unlock(&auth_fakes.lock);
    return answer;
}
