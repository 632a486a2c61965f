/* SPDX-License-Identifier: Apache-2.0 */
/* msg.c: allocation and reference counting of shared frame buffers.
 * Does not: fill or interpret the bytes.
 * Threads: any; the count is atomic (acquire-release on the last drop). */
#include "msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct msg *msg_new(size_t len)
{
    if (len > MSG_MAX_LEN)
        return NULL;
    struct msg *m = malloc(sizeof(*m) + len);
    if (!m)
        return NULL;
    atomic_init(&m->refs, 1);
    m->len = (uint32_t)len;
    m->start = 0;
    m->tag_len = 0;
    return m;
}

struct msg *msg_resize(struct msg *m, size_t len)
{
    if (len > MSG_MAX_LEN)
        return NULL;
    struct msg *n = realloc(m, sizeof(*m) + len);
    if (!n)
        return NULL;
    n->len = (uint32_t)len;
    return n;
}

int msg_set_tag(struct msg *m, const char *tag, size_t len)
{
    if (len > MSG_TAG_MAX)
        return -EINVAL;
    memcpy(m->tag, tag, len);
    m->tag_len = (uint8_t)len;
    return 0;
}

struct msg *msg_ref(struct msg *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void msg_unref(struct msg *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        free(m);
}
