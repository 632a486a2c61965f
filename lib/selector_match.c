/* SPDX-License-Identifier: Apache-2.0 */
/* selector_match.c: decides whether a set of labels satisfies a parsed selector, with the
 * semantics of apimachinery's Requirement.Matches.
 * Does not: parse selectors, validate labels, or allocate.
 * Threads: any; reads only its arguments. */
#include "wsscale/selector.h"

#include <string.h>

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The first label with this key, or NULL. */
static const struct wss_label *find_label(const struct wss_label *labels, size_t nlabels,
                                          const char *key, size_t key_len)
{
    for (size_t i = 0; i < nlabels; i++) {
        if (same(labels[i].key, labels[i].key_len, key, key_len))
            return &labels[i];
    }
    return NULL;
}

static bool has_value(const struct wss_selector *sel, const struct wss_sel_req *r,
                      const struct wss_label *l)
{
    const struct wss_sel_value *v = sel->values + r->first_value;
    for (size_t i = 0; i < r->nvalues; i++) {
        if (same(v[i].ptr, v[i].len, l->value, l->value_len))
            return true;
    }
    return false;
}

static bool req_matches(const struct wss_selector *sel, const struct wss_sel_req *r,
                        const struct wss_label *labels, size_t nlabels)
{
    const struct wss_label *l = find_label(labels, nlabels, r->key, r->key_len);
    long long n;
    switch (r->op) {
    case WSS_SEL_OP_IN:
    case WSS_SEL_OP_EQUALS:
    case WSS_SEL_OP_DOUBLE_EQUALS:
        return l != NULL && has_value(sel, r, l);
    case WSS_SEL_OP_NOT_IN:
    case WSS_SEL_OP_NOT_EQUALS:
        return l == NULL || !has_value(sel, r, l);
    case WSS_SEL_OP_EXISTS:
        return l != NULL;
    case WSS_SEL_OP_DOES_NOT_EXIST:
        return l == NULL;
    case WSS_SEL_OP_GREATER_THAN:
    case WSS_SEL_OP_LESS_THAN:
        /* A value that is not an integer never satisfies a bound, as in the reference. */
        if (l == NULL || wss_selector_parse_int64(l->value, l->value_len, &n) != 0)
            return false;
        return r->op == WSS_SEL_OP_GREATER_THAN ? n > r->bound : n < r->bound;
    }
    return false;
}

bool wss_selector_matches(const struct wss_selector *sel, const struct wss_label *labels,
                          size_t nlabels)
{
    for (size_t i = 0; i < sel->nreqs; i++) {
        if (!req_matches(sel, &sel->reqs[i], labels, nlabels))
            return false;
    }
    return true;
}
