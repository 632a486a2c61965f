/* SPDX-License-Identifier: Apache-2.0 */
/* user_info.c: the owned strings of a request's identity. */
#include "user_info.h"

#include <stdlib.h>
#include <string.h>

int user_info_set_name(struct user_info *u, const char *name)
{
    char *copy = strdup(name);
    if (copy == NULL)
        return -1;
    free(u->name);
    u->name = copy;
    return 0;
}

int user_info_set_uid(struct user_info *u, const char *uid)
{
    char *copy = strdup(uid);
    if (copy == NULL)
        return -1;
    free(u->uid);
    u->uid = copy;
    return 0;
}

/* Appends a copy of s to the string array *arr of *n entries. */
static int append_string(char ***arr, size_t *n, const char *s)
{
    char *copy = strdup(s);
    char **grown = copy != NULL ? realloc(*arr, (*n + 1) * sizeof(**arr)) : NULL;
    if (grown == NULL) {
        free(copy);
        return -1;
    }
    grown[(*n)++] = copy;
    *arr = grown;
    return 0;
}

int user_info_add_group(struct user_info *u, const char *group)
{
    if (user_info_has_group(u, group))
        return 0;
    return append_string(&u->groups, &u->ngroups, group);
}

int user_info_add_extra(struct user_info *u, const char *key, const char *value)
{
    for (size_t i = 0; i < u->nextra; i++)
        if (strcmp(u->extra[i].key, key) == 0)
            return append_string(&u->extra[i].values, &u->extra[i].nvalues, value);
    struct user_extra *grown = realloc(u->extra, (u->nextra + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    u->extra = grown;
    struct user_extra *e = &u->extra[u->nextra];
    *e = (struct user_extra){.key = strdup(key)};
    if (e->key == NULL)
        return -1;
    if (append_string(&e->values, &e->nvalues, value) != 0) {
        free(e->key);
        return -1;
    }
    u->nextra++;
    return 0;
}

int user_info_has_group(const struct user_info *u, const char *group)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (strcmp(u->groups[i], group) == 0)
            return 1;
    return 0;
}

const char *user_info_extra_first(const struct user_info *u, const char *key)
{
    for (size_t i = 0; i < u->nextra; i++)
        if (strcmp(u->extra[i].key, key) == 0 && u->extra[i].nvalues > 0)
            return u->extra[i].values[0];
    return NULL;
}

void user_info_clear(struct user_info *u)
{
    free(u->name);
    free(u->uid);
    for (size_t i = 0; i < u->ngroups; i++)
        free(u->groups[i]);
    free(u->groups);
    for (size_t i = 0; i < u->nextra; i++) {
        for (size_t j = 0; j < u->extra[i].nvalues; j++)
            free(u->extra[i].values[j]);
        free(u->extra[i].values);
        free(u->extra[i].key);
    }
    free(u->extra);
    *u = (struct user_info){0};
}
