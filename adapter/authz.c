/* SPDX-License-Identifier: Apache-2.0 */
/* authz.c: request attributes from the path (the apiserver's RequestInfo rules), the fast allows
 * (always-allow mode, system:masters, always-allow paths), the SubjectAccessReview, and the 403
 * message worded as the apiserver words it.
 * Does not: authenticate, reply, or cache (access_review.c caches answers).
 * Threads: no state of its own; the config is read-only; safe on any number of threads. */
#include "authz.h"

#include <stdio.h>
#include <string.h>

/* Path segments looked at: prefix, group, version, watch|proxy, "namespaces", ns, resource, name,
 * subresource. */
#define MAX_SEGS 9

struct seg {
    const char *p;
    size_t n;
};

/* Appends NUL-terminated strings to the caller's fixed buffer; remembers an overflow. */
struct buf_writer {
    char *buf;
    size_t cap;
    size_t len;
    bool is_full;
};

static const char *put(struct buf_writer *w, const char *s, size_t n)
{
    if (w->is_full || n + 1 > w->cap - w->len) {
        w->is_full = true;
        return NULL;
    }
    char *at = w->buf + w->len;
    memcpy(at, s, n);
    at[n] = '\0';
    w->len += n + 1;
    return at;
}

static const char *put_seg(struct buf_writer *w, struct seg s)
{
    return put(w, s.p, s.n);
}

static bool seg_is(struct seg s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* The verb of a resource request before the name is known, as Go maps the method. */
static const char *resource_verb(const char *method)
{
    static const struct {
        const char *method;
        const char *verb;
    } map[] = {{"POST", "create"}, {"GET", "get"},     {"HEAD", "get"},
               {"PUT", "update"},  {"PATCH", "patch"}, {"DELETE", "delete"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(method, map[i].method) == 0)
            return map[i].verb;
    return "";
}

/* Lowercases ASCII into w (no locale). */
static const char *put_lower(struct buf_writer *w, const char *s)
{
    size_t n = strlen(s);
    const char *at = put(w, s, n);
    if (at == NULL)
        return NULL;
    char *p = w->buf + w->len - n - 1;
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] - 'A' + 'a');
    return at;
}

/* Splits path as Go's strings.Split(strings.Trim(path, "/"), "/") does, keeping the first
 * MAX_SEGS segments; returns the total count (at least 1: an empty path is one empty segment). */
static size_t split(const char *path, struct seg *segs)
{
    const char *b = path;
    const char *e = path + strlen(path);
    while (b < e && *b == '/')
        b++;
    while (e > b && e[-1] == '/')
        e--;
    size_t n = 0;
    const char *start = b;
    for (const char *p = b;; p++) {
        if (p == e || *p == '/') {
            if (n < MAX_SEGS)
                segs[n] = (struct seg){start, (size_t)(p - start)};
            n++;
            if (p == e)
                break;
            start = p + 1;
        }
    }
    return n;
}

static int non_resource(const char *method, const char *path, struct buf_writer *w,
                        struct access_attributes *a)
{
    a->is_resource = false;
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        a->verb = put(w, "get", 3);
    else
        a->verb = put_lower(w, method);
    a->path = put(w, path, strlen(path));
    return w->is_full ? -1 : 0;
}

int authz_request_info(const char *method, const char *path, struct authz_request_info *out)
{
    memset(&out->attrs, 0, sizeof(out->attrs));
    struct buf_writer w = {out->buf, sizeof(out->buf), 0, false};
    struct access_attributes *a = &out->attrs;
    struct seg segs[MAX_SEGS];
    size_t nseg = split(path, segs);
    size_t cur;
    struct seg group = {"", 0};
    struct seg version;
    if (seg_is(segs[0], "apis") && nseg >= 4) {
        group = segs[1];
        version = segs[2];
        cur = 3;
    } else if (seg_is(segs[0], "api") && nseg >= 3) {
        version = segs[1];
        cur = 2;
    } else {
        return non_resource(method, path, &w, a);
    }
    a->is_resource = true;
    const char *verb = resource_verb(method);
    /* /watch/... and /proxy/... name the verb themselves (Go refuses them with nothing after). */
    if (nseg - cur >= 2 && (seg_is(segs[cur], "watch") || seg_is(segs[cur], "proxy"))) {
        verb = segs[cur].p[0] == 'w' ? "watch" : "proxy";
        cur++;
    }
    struct seg ns = {"", 0};
    if (cur < MAX_SEGS && seg_is(segs[cur], "namespaces") && nseg - cur > 1) {
        ns = segs[cur + 1];
        if (nseg - cur > 2 && !seg_is(segs[cur + 2], "status") &&
            !seg_is(segs[cur + 2], "finalize"))
            cur += 2;
    }
    /* cur <= 6 here, so parts[0..2] are among the kept segments. */
    size_t nparts = nseg - cur;
    struct seg resource = {"", 0}, name = {"", 0}, sub = {"", 0};
    if (nparts >= 3 && strcmp(verb, "proxy") != 0)
        sub = segs[cur + 2];
    if (nparts >= 2)
        name = segs[cur + 1];
    if (nparts >= 1)
        resource = segs[cur];
    if (name.n == 0 && strcmp(verb, "get") == 0)
        verb = "list";
    if (name.n == 0 && strcmp(verb, "delete") == 0)
        verb = "deletecollection";
    a->verb = put(&w, verb, strlen(verb));
    a->namespace_ = put_seg(&w, ns);
    a->group = put_seg(&w, group);
    a->version = put_seg(&w, version);
    a->resource = put_seg(&w, resource);
    a->subresource = put_seg(&w, sub);
    a->name = put_seg(&w, name);
    return w.is_full ? -1 : 0;
}

/* ---------------------------------------------------------------- the 403 message */

/* Writes into a fixed buffer, truncating at its end; always NUL-terminated. */
struct text {
    char *p;
    size_t cap;
    size_t len;
};

static void text_putc(struct text *t, char c)
{
    if (t->len + 1 < t->cap) {
        t->p[t->len++] = c;
        t->p[t->len] = '\0';
    }
}

static void text_puts(struct text *t, const char *s)
{
    for (; *s != '\0'; s++)
        text_putc(t, *s);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t want = s[0] >= 0xF0 && s[0] <= 0xF4   ? 4
                  : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                  : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
                                                 : 0;
    if (want == 0 || want > n)
        return 0;
    for (size_t i = 1; i < want; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return want;
}

/* Appends s quoted as Go's %q does, then with the apiserver's sanitizer (&, <, > as entities). */
static void text_quote(struct text *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    text_putc(t, '"');
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *named = NULL;
        switch (c) {
        case '\a':
            named = "\\a";
            break;
        case '\b':
            named = "\\b";
            break;
        case '\f':
            named = "\\f";
            break;
        case '\n':
            named = "\\n";
            break;
        case '\r':
            named = "\\r";
            break;
        case '\t':
            named = "\\t";
            break;
        case '\v':
            named = "\\v";
            break;
        case '\\':
            named = "\\\\";
            break;
        case '"':
            named = "\\\"";
            break;
        case '&':
            named = "&amp;";
            break;
        case '<':
            named = "&lt;";
            break;
        case '>':
            named = "&gt;";
            break;
        default:
            break;
        }
        if (named != NULL) {
            text_puts(t, named);
        } else if (c >= 0x20 && c < 0x7F) {
            text_putc(t, (char)c);
        } else if (c >= 0x80 && utf8_seq((const unsigned char *)s + i, n - i) != 0) {
            size_t k = utf8_seq((const unsigned char *)s + i, n - i);
            for (size_t j = 0; j < k; j++)
                text_putc(t, s[i + j]);
            i += k - 1;
        } else {
            text_puts(t, "\\x");
            text_putc(t, hex[c >> 4]);
            text_putc(t, hex[c & 0xF]);
        }
    }
    text_putc(t, '"');
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* The apiserver's Forbidden text: NewForbidden's "<resource>.<group> \"<name>\" is forbidden: "
 * (or "forbidden: " for a path) around forbiddenMessage, then ": <why>" when the review said. */
static void forbidden_message(const struct access_attributes *a, const char *user, const char *why,
                              char *out, size_t cap)
{
    struct text t = {out, cap, 0};
    if (cap == 0)
        return;
    out[0] = '\0';
    const char *resource = or_empty(a->resource);
    const char *group = or_empty(a->group);
    if (!a->is_resource || (resource[0] == '\0' && group[0] == '\0')) {
        text_puts(&t, "forbidden: ");
    } else {
        text_puts(&t, resource);
        if (group[0] != '\0') {
            text_putc(&t, '.');
            text_puts(&t, group);
        }
        if (or_empty(a->name)[0] != '\0') {
            text_putc(&t, ' ');
            text_quote(&t, a->name);
        }
        text_puts(&t, " is forbidden: ");
    }
    text_puts(&t, "User ");
    text_quote(&t, user);
    text_puts(&t, " cannot ");
    text_puts(&t, or_empty(a->verb));
    if (!a->is_resource) {
        text_puts(&t, " path ");
        text_quote(&t, or_empty(a->path));
    } else {
        char res[sizeof(((struct authz_request_info *)0)->buf)];
        const char *sub = or_empty(a->subresource);
        snprintf(res, sizeof(res), "%s%s%s", resource, sub[0] != '\0' ? "/" : "", sub);
        text_puts(&t, " resource ");
        text_quote(&t, res);
        text_puts(&t, " in API group ");
        text_quote(&t, group);
        if (or_empty(a->namespace_)[0] != '\0') {
            text_puts(&t, " in the namespace ");
            text_quote(&t, a->namespace_);
        } else {
            text_puts(&t, " at the cluster scope");
        }
    }
    if (why != NULL && why[0] != '\0') {
        text_puts(&t, ": ");
        text_puts(&t, why);
    }
}

/* --authorization-always-allow-paths as Go's path authorizer reads it: a leading "/" optional on
 * both sides, a trailing "*" makes the rest a prefix, anything else must match exactly. */
static bool is_always_allowed_path(const struct authz_config *cfg, const char *path)
{
    if (path[0] == '/')
        path++;
    for (size_t i = 0; i < cfg->nalways_allow_paths; i++) {
        const char *p = cfg->always_allow_paths[i];
        if (p[0] == '/')
            p++;
        size_t n = strlen(p);
        if (n > 0 && p[n - 1] == '*') {
            if (strncmp(path, p, n - 1) == 0)
                return true;
        } else if (strcmp(path, p) == 0) {
            return true;
        }
    }
    return false;
}

static void set_reason(char *reason, size_t reason_len, const char *s)
{
    if (reason != NULL && reason_len > 0)
        snprintf(reason, reason_len, "%s", s);
}

enum authz_result authz_check(const struct authz_config *cfg, const struct user_info *user,
                              const char *method, const char *path, char *reason, size_t reason_len)
{
    set_reason(reason, reason_len, "");
    if (cfg->is_always_allow || user_info_has_group(user, USER_INFO_MASTERS))
        return AUTHZ_ALLOWED;
    struct authz_request_info info;
    if (authz_request_info(method, path, &info) != 0) {
        set_reason(reason, reason_len, "forbidden: the request path is too long to authorize");
        return AUTHZ_FORBIDDEN;
    }
    if (!info.attrs.is_resource && is_always_allowed_path(cfg, path))
        return AUTHZ_ALLOWED;
    const char *name = user->name != NULL ? user->name : "";
    if (cfg->reviewer == NULL) {
        forbidden_message(&info.attrs, name, "", reason, reason_len);
        return AUTHZ_FORBIDDEN;
    }
    char err[ACCESS_REVIEW_ERR_LEN] = "";
    switch (access_reviewer_check(cfg->reviewer, user, &info.attrs, NULL, err, sizeof(err))) {
    case ACCESS_REVIEW_ALLOWED:
        return AUTHZ_ALLOWED;
    case ACCESS_REVIEW_DENIED:
        forbidden_message(&info.attrs, name, err, reason, reason_len);
        return AUTHZ_FORBIDDEN;
    case ACCESS_REVIEW_ERROR:
    default:
        set_reason(reason, reason_len, err[0] != '\0' ? err : "the access review failed");
        return AUTHZ_ERROR;
    }
}
