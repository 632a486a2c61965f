/* SPDX-License-Identifier: Apache-2.0 */
/* http_router.c: compiles path patterns into segment lists and picks the most specific route.
 * Does not: allocate or write anything but the caller's match while matching; know about MHD.
 * Threads: add before serving (one thread); match reads the table from any number of threads. */
#include "wsscale/http_router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The order is the specificity rank: a lower kind wins at the first segment where two differ. */
enum seg_kind {
    SEG_LITERAL = 0,
    SEG_PARAM = 1,
    SEG_REST = 2,
};

struct seg {
    enum seg_kind kind;
    const char *text; /* borrowed from route->pattern: the literal bytes or the capture name */
    size_t len;
};

struct route {
    char method[WSS_HTTP_ROUTER_MAX_METHOD + 1];
    char *pattern; /* owned */
    struct seg segs[WSS_HTTP_ROUTER_MAX_SEGMENTS];
    size_t nsegs;
    wss_http_handler_cb handler;
    void *arg;
};

struct wss_http_router {
    struct route *routes; /* owned */
    size_t nroutes;
    size_t cap;
};

/* Distinct methods one 405 answer can list; more are left out of Allow rather than overflow. */
#define ALLOW_MAX_METHODS 16

struct wss_http_router *wss_http_router_new(void)
{
    return calloc(1, sizeof(struct wss_http_router));
}

void wss_http_router_free(struct wss_http_router *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nroutes; i++)
        free(r->routes[i].pattern);
    free(r->routes);
    free(r);
}

static bool is_name_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int check_method(const char *method, struct wss_parse_err *err)
{
    size_t n = strlen(method);
    if (n == 0 || n > WSS_HTTP_ROUTER_MAX_METHOD)
        return wss_parse_fail(err, 0, "method must be 1 to %d uppercase letters",
                              WSS_HTTP_ROUTER_MAX_METHOD);
    for (size_t i = 0; i < n; i++) {
        if (method[i] < 'A' || method[i] > 'Z')
            return wss_parse_fail(err, i, "method must be 1 to %d uppercase letters",
                                  WSS_HTTP_ROUTER_MAX_METHOD);
    }
    return 0;
}

/* Checks a capture name (the bytes after '{' or '*'); off is its offset in the pattern. */
static int check_name(const char *name, size_t len, size_t off, struct wss_parse_err *err)
{
    if (len == 0)
        return wss_parse_fail(err, off, "empty parameter name");
    for (size_t i = 0; i < len; i++) {
        if (!is_name_byte(name[i]))
            return wss_parse_fail(err, off + i, "invalid character '%c' in parameter name",
                                  name[i]);
    }
    return 0;
}

/* Splits pattern (already copied into rt->pattern) into rt->segs, validating as it goes. */
static int compile(struct route *rt, struct wss_parse_err *err)
{
    const char *p = rt->pattern;
    size_t len = strlen(p);
    if (len == 0 || p[0] != '/')
        return wss_parse_fail(err, 0, "pattern must start with '/'");
    size_t nparams = 0;
    size_t pos = 1;
    for (;;) {
        const char *slash = memchr(p + pos, '/', len - pos);
        size_t end = slash != NULL ? (size_t)(slash - p) : len;
        bool is_last = slash == NULL;
        if (rt->nsegs == WSS_HTTP_ROUTER_MAX_SEGMENTS)
            return wss_parse_fail(err, pos, "pattern has more than %d segments",
                                  WSS_HTTP_ROUTER_MAX_SEGMENTS);
        struct seg *s = &rt->segs[rt->nsegs];
        size_t n = end - pos;
        if (n > 0 && (p[pos] == '{' || p[pos] == '*')) {
            bool is_rest = p[pos] == '*';
            size_t name_off = pos + 1;
            size_t name_len = n - 1;
            if (!is_rest) {
                if (n < 2 || p[end - 1] != '}')
                    return wss_parse_fail(err, pos, "unterminated '{'");
                name_len = n - 2;
            }
            if (is_rest && !is_last)
                return wss_parse_fail(err, pos, "*rest must be the last segment");
            if (check_name(p + name_off, name_len, name_off, err) != 0)
                return WSS_PARSE_INVALID;
            for (size_t i = 0; i < rt->nsegs; i++) {
                const struct seg *o = &rt->segs[i];
                if (o->kind != SEG_LITERAL && o->len == name_len &&
                    memcmp(o->text, p + name_off, name_len) == 0)
                    return wss_parse_fail(err, name_off, "duplicate parameter name '%.*s'",
                                          (int)name_len, p + name_off);
            }
            if (nparams == WSS_HTTP_ROUTER_MAX_PARAMS)
                return wss_parse_fail(err, pos, "more than %d parameters",
                                      WSS_HTTP_ROUTER_MAX_PARAMS);
            nparams++;
            s->kind = is_rest ? SEG_REST : SEG_PARAM;
            s->text = p + name_off;
            s->len = name_len;
        } else {
            if (n == 0 && !is_last)
                return wss_parse_fail(err, pos, "empty segment");
            for (size_t i = pos; i < end; i++) {
                if (p[i] == '{' || p[i] == '}' || p[i] == '*')
                    return wss_parse_fail(
                        err, i, "'%c' is only allowed in a {name} or *rest segment", p[i]);
            }
            s->kind = SEG_LITERAL;
            s->text = p + pos;
            s->len = n;
        }
        rt->nsegs++;
        if (is_last)
            return 0;
        pos = end + 1;
    }
}

/* Same shape: the same kinds in the same places and the same literals; capture names don't count.
 */
static bool same_shape(const struct route *a, const struct route *b)
{
    if (a->nsegs != b->nsegs)
        return false;
    for (size_t i = 0; i < a->nsegs; i++) {
        if (a->segs[i].kind != b->segs[i].kind)
            return false;
        if (a->segs[i].kind == SEG_LITERAL &&
            (a->segs[i].len != b->segs[i].len ||
             memcmp(a->segs[i].text, b->segs[i].text, a->segs[i].len) != 0))
            return false;
    }
    return true;
}

int wss_http_router_add(struct wss_http_router *r, const char *method, const char *pattern,
                        wss_http_handler_cb handler, void *arg, struct wss_parse_err *err)
{
    if (check_method(method, err) != 0)
        return WSS_PARSE_INVALID;
    if (r->nroutes == r->cap) {
        size_t cap = r->cap != 0 ? r->cap * 2 : 8;
        struct route *grown = realloc(r->routes, cap * sizeof(*grown));
        if (grown == NULL)
            return wss_parse_fail(err, 0, "out of memory");
        r->routes = grown;
        r->cap = cap;
    }
    struct route *rt = &r->routes[r->nroutes];
    memset(rt, 0, sizeof(*rt));
    memcpy(rt->method, method, strlen(method) + 1);
    rt->pattern = strdup(pattern);
    if (rt->pattern == NULL)
        return wss_parse_fail(err, 0, "out of memory");
    rt->handler = handler;
    rt->arg = arg;
    if (compile(rt, err) != 0)
        goto fail;
    for (size_t i = 0; i < r->nroutes; i++) {
        if (strcmp(r->routes[i].method, method) == 0 && same_shape(&r->routes[i], rt)) {
            wss_parse_fail(err, 0, "duplicate route %s %s (same shape as %s)", method, pattern,
                           r->routes[i].pattern);
            goto fail;
        }
    }
    r->nroutes++;
    return 0;

fail:
    free(rt->pattern);
    rt->pattern = NULL;
    return WSS_PARSE_INVALID;
}

/* Matches rt against the path; on success fills params (when non-NULL) and returns true. */
static bool match_path(const struct route *rt, const char *path, size_t path_len,
                       struct wss_http_param *params, size_t *nparams)
{
    size_t pos = 1; /* start of the current path segment */
    bool has_seg = true;
    size_t np = 0;
    for (size_t i = 0; i < rt->nsegs; i++) {
        const struct seg *s = &rt->segs[i];
        if (!has_seg)
            return false;
        if (s->kind == SEG_REST) {
            if (params != NULL)
                params[np] = (struct wss_http_param){s->text, s->len, path + pos, path_len - pos};
            np++;
            has_seg = false;
            break;
        }
        const char *slash = memchr(path + pos, '/', path_len - pos);
        size_t end = slash != NULL ? (size_t)(slash - path) : path_len;
        size_t n = end - pos;
        if (s->kind == SEG_LITERAL) {
            if (n != s->len || memcmp(path + pos, s->text, n) != 0)
                return false;
        } else {
            if (n == 0)
                return false;
            if (params != NULL)
                params[np] = (struct wss_http_param){s->text, s->len, path + pos, n};
            np++;
        }
        has_seg = slash != NULL;
        pos = end + 1;
    }
    if (has_seg)
        return false; /* the path has segments left over */
    if (nparams != NULL)
        *nparams = np;
    return true;
}

/* True when a should be chosen over b (both match the path). */
static bool is_more_specific(const struct route *a, const struct route *b)
{
    size_t n = a->nsegs < b->nsegs ? a->nsegs : b->nsegs;
    for (size_t i = 0; i < n; i++) {
        if (a->segs[i].kind != b->segs[i].kind)
            return a->segs[i].kind < b->segs[i].kind;
    }
    return false;
}

/* Adds m to the sorted, de-duplicated list; drops it when the list is full. */
static void allow_add(const char **list, size_t *n, const char *m)
{
    size_t i = 0;
    while (i < *n && strcmp(list[i], m) < 0)
        i++;
    if ((i < *n && strcmp(list[i], m) == 0) || *n == ALLOW_MAX_METHODS)
        return;
    memmove(&list[i + 1], &list[i], (*n - i) * sizeof(*list));
    list[i] = m;
    (*n)++;
}

static void allow_render(const char **list, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t need = strlen(list[i]) + (i > 0 ? 2 : 0);
        if (len + need + 1 > cap)
            return; /* a whole entry or nothing: never a cut method name */
        if (i > 0) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, list[i], strlen(list[i]));
        len += strlen(list[i]);
        out[len] = '\0';
    }
}

enum wss_http_route_result wss_http_router_match(const struct wss_http_router *r,
                                                 const char *method, const char *path,
                                                 size_t path_len, struct wss_http_match *m)
{
    memset(m, 0, sizeof(*m));
    if (path_len == 0 || path[0] != '/')
        return WSS_HTTP_ROUTE_NOT_FOUND;
    bool is_head = strcmp(method, "HEAD") == 0;
    const struct route *best = NULL;
    bool is_best_exact = false;
    bool has_path = false;
    for (size_t i = 0; i < r->nroutes; i++) {
        const struct route *rt = &r->routes[i];
        if (!match_path(rt, path, path_len, NULL, NULL))
            continue;
        has_path = true;
        bool is_exact = strcmp(rt->method, method) == 0;
        if (!is_exact && !(is_head && strcmp(rt->method, "GET") == 0))
            continue;
        /* At equal specificity an explicit HEAD route beats GET answering HEAD. */
        if (best == NULL || is_more_specific(rt, best) ||
            (!is_more_specific(best, rt) && is_exact && !is_best_exact)) {
            best = rt;
            is_best_exact = is_exact;
        }
    }
    if (best != NULL) {
        match_path(best, path, path_len, m->params, &m->nparams);
        m->handler = best->handler;
        m->arg = best->arg;
        m->pattern = best->pattern;
        return WSS_HTTP_ROUTE_FOUND;
    }
    if (!has_path)
        return WSS_HTTP_ROUTE_NOT_FOUND;
    const char *list[ALLOW_MAX_METHODS];
    size_t n = 0;
    for (size_t i = 0; i < r->nroutes; i++) {
        const struct route *rt = &r->routes[i];
        if (!match_path(rt, path, path_len, NULL, NULL))
            continue;
        allow_add(list, &n, rt->method);
        if (strcmp(rt->method, "GET") == 0)
            allow_add(list, &n, "HEAD");
    }
    allow_render(list, n, m->allow, sizeof(m->allow));
    return WSS_HTTP_ROUTE_METHOD_NOT_ALLOWED;
}

const char *wss_http_router_param(const struct wss_http_match *m, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < m->nparams; i++) {
        if (m->params[i].name_len == n && memcmp(m->params[i].name, name, n) == 0) {
            if (len != NULL)
                *len = m->params[i].value_len;
            return m->params[i].value;
        }
    }
    return NULL;
}
