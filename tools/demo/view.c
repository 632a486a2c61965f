/* SPDX-License-Identifier: Apache-2.0 */
/* view.c: the one-line-a-second formatter.
 * Does not: colour, move the cursor, or read any clock.
 * Threads: any; no state. */
#include "view.h"

#include <stdarg.h>
#include <string.h>

/* Characters of a pod name shown: its generated suffix is what tells pods apart. */
#define SHORT_NAME_LEN 5

struct cursor {
    char *buf;
    size_t cap, len;
};

static void put(struct cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct cursor *c, const char *fmt, ...)
{
    if (c->len + 1 >= c->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->buf + c->len, c->cap - c->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        c->len += (size_t)n < c->cap - c->len ? (size_t)n : c->cap - c->len - 1;
}

static const char *short_name(const char *name)
{
    size_t n = strlen(name);
    return n > SHORT_NAME_LEN ? name + n - SHORT_NAME_LEN : name;
}

size_t view_format(const struct view_state *s, char *buf, size_t cap)
{
    struct cursor c = {buf, cap, 0};
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    put(&c, "%5.0fs  conns %5lld/%-5lld  replicas %2d -> %-2d |", s->t_s, (long long)s->total,
        (long long)s->wanted, (int)s->replicas, (int)s->desired);
    for (size_t i = 0; i < s->n_pods; i++) {
        const struct pod_info *p = s->pods[i];
        const char *mark = p->phase == POD_PENDING ? "P" : p->phase == POD_DELETING ? "D" : "";
        put(&c, " %s:%llu%s", short_name(p->name), (unsigned long long)p->count, mark);
    }
    if (s->decision != NULL && s->decision[0] != '\0')
        put(&c, " | %s", s->decision);
    return c.len;
}

void view_print(FILE *out, const struct view_state *s)
{
    char line[VIEW_LINE_LEN];
    view_format(s, line, sizeof(line));
    fprintf(out, "%s\n", line);
    fflush(out);
}
