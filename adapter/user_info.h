/* SPDX-License-Identifier: Apache-2.0 */
/* user_info.h: who made a request, as Kubernetes names it (user, UID, groups, extra), built by
 * authentication and read by authorization and the ingest pod check.
 * Does not: decide anything; it only holds the identity.
 * Threads: one request's identity, used on that request's thread only. */
#ifndef ADAPTER_USER_INFO_H
#define ADAPTER_USER_INFO_H

#include <stddef.h>

#define USER_INFO_ANONYMOUS       "system:anonymous"
#define USER_INFO_UNAUTHENTICATED "system:unauthenticated"
#define USER_INFO_AUTHENTICATED   "system:authenticated"
#define USER_INFO_MASTERS         "system:masters"
/* The extras a pod-bound service account token carries. */
#define USER_INFO_EXTRA_POD_NAME "authentication.kubernetes.io/pod-name"
#define USER_INFO_EXTRA_POD_UID  "authentication.kubernetes.io/pod-uid"

/* One extra key with its values, in arrival order. */
struct user_extra {
    char *key;     /* owned; lowercase as Kubernetes stores it */
    char **values; /* owned */
    size_t nvalues;
};

/* Every string is owned (malloc'd); an all-zero struct is a valid empty identity. */
struct user_info {
    char *name; /* NULL until set */
    char *uid;  /* NULL when unknown */
    char **groups;
    size_t ngroups;
    struct user_extra *extra;
    size_t nextra;
};

/* Each returns 0, or -1 when out of memory (the identity is unchanged then). */
int user_info_set_name(struct user_info *u, const char *name);
int user_info_set_uid(struct user_info *u, const char *uid);
/* Adds group unless it is already there. */
int user_info_add_group(struct user_info *u, const char *group);
/* Appends value to the values of key (created at the end when new). */
int user_info_add_extra(struct user_info *u, const char *key, const char *value);

/* True when the identity has group. */
int user_info_has_group(const struct user_info *u, const char *group);

/* The first value of extra key, or NULL. */
const char *user_info_extra_first(const struct user_info *u, const char *key);

/* Frees every string and zeroes u; accepts an all-zero u. */
void user_info_clear(struct user_info *u);

#endif
