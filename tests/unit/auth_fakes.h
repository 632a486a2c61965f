/* SPDX-License-Identifier: Apache-2.0 */
/* auth_fakes.h: test doubles of token_reviewer_check and access_reviewer_check, linked into the
 * authn/authz unit tests instead of the real Kubernetes clients; each records what it was asked.
 * Does not: talk to any API or cache anything; the real reviewers are tested elsewhere.
 * Threads: the fakes run on server worker threads; every field is under fake_lock. */
#ifndef WSSCALE_TEST_AUTH_FAKES_H
#define WSSCALE_TEST_AUTH_FAKES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "access_review.h"
#include "token_review.h"

#define FAKE_STR_LEN 256

/* What the fakes answer and what they saw. Tests set the answers, then read the record. */
struct auth_fakes {
    pthread_mutex_t lock;
    /* token reviewer: "good-token" authenticates as good_user (groups good_groups, extra
     * pod-name good_pod), "broken-token" is an ERROR, any other token is REJECTED. */
    unsigned token_calls;
    char last_token[FAKE_STR_LEN];
    /* access reviewer: answers `access` with `access_err` as the reason. */
    enum access_review_result access;
    char access_err[FAKE_STR_LEN];
    unsigned access_calls;
    struct {
        bool is_resource;
        char verb[FAKE_STR_LEN], namespace_[FAKE_STR_LEN], group[FAKE_STR_LEN],
            version[FAKE_STR_LEN], resource[FAKE_STR_LEN], subresource[FAKE_STR_LEN],
            name[FAKE_STR_LEN], path[FAKE_STR_LEN], user[FAKE_STR_LEN];
    } last;
};

extern struct auth_fakes auth_fakes;

/* Forgets the record and sets access back to ALLOWED with no reason. */
void auth_fakes_reset(void);

/* A non-NULL pointer to hand to configs as the reviewer; the fakes never look inside. */
struct token_reviewer *auth_fakes_token_reviewer(void);
struct access_reviewer *auth_fakes_access_reviewer(void);

#endif
