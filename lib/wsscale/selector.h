/* SPDX-License-Identifier: Apache-2.0 */
/* selector.h: Kubernetes label selectors (`app=chat,tier notin (canary)`): parsing into caller
 * storage (selector_parse.c) and matching a pod's labels (selector_match.c).
 * Does not: allocate, copy strings, or print a selector back out.
 * Threads: a parsed selector is read-only data; any number of threads may match against it. */
#ifndef WSSCALE_SELECTOR_H
#define WSSCALE_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "wsscale/labels.h"
#include "wsscale/parse.h"

enum wss_sel_op {
    WSS_SEL_OP_IN = 0,         /* k in (a,b): k present and its value listed */
    WSS_SEL_OP_NOT_IN,         /* k notin (a,b): k absent or its value not listed */
    WSS_SEL_OP_EQUALS,         /* k=v */
    WSS_SEL_OP_DOUBLE_EQUALS,  /* k==v, same meaning as k=v */
    WSS_SEL_OP_NOT_EQUALS,     /* k!=v: k absent or its value differs */
    WSS_SEL_OP_EXISTS,         /* k */
    WSS_SEL_OP_DOES_NOT_EXIST, /* !k */
    WSS_SEL_OP_GREATER_THAN,   /* k>5: k's value is an integer above 5 */
    WSS_SEL_OP_LESS_THAN,      /* k<5: k's value is an integer below 5 */
};

/* A value of a requirement. */
struct wss_sel_value {
    const char *ptr; /* borrowed from the parsed input; not NUL-terminated; may be empty */
    size_t len;
};

/* One requirement; a selector holds when all of its requirements hold. */
struct wss_sel_req {
    const char *key; /* borrowed from the parsed input; not NUL-terminated */
    size_t key_len;
    enum wss_sel_op op;
    size_t first_value; /* index of this requirement's first value in wss_selector.values */
    size_t nvalues;     /* in/notin: >= 1, sorted bytewise, no duplicates (as Kubernetes keeps
                           them); =, ==, !=, >, <: 1; exists, does-not-exist: 0 */
    long long bound;    /* >, <: the value as an integer; 0 otherwise */
};

/* A parsed selector in storage the caller provides. All fields public: the caller sets the
 * arrays and capacities (wss_selector_init), the parser sets the counts. */
struct wss_selector {
    struct wss_sel_req *reqs; /* borrowed; reqs_cap entries */
    size_t reqs_cap;
    size_t nreqs;                 /* requirements parsed; 0 = matches everything */
    struct wss_sel_value *values; /* borrowed; values_cap entries, shared by all requirements */
    size_t values_cap;
    size_t nvalues;
};

/* Points sel at the caller's arrays and empties it (an empty selector matches everything). */
void wss_selector_init(struct wss_selector *sel, struct wss_sel_req *reqs, size_t reqs_cap,
                       struct wss_sel_value *values, size_t values_cap);

/* Parses s[0..len) with the grammar and error texts of apimachinery's labels.Parse. Returns len,
 * or WSS_PARSE_INVALID with err set (message as the apiserver writes it, offset of the token
 * at fault) on a syntax error, an invalid key or value, or more requirements or values than sel
 * has room for; sel is then empty. Keys and values point into s, which must outlive sel.
 * Pure; thread-safe on distinct selectors. */
int wss_selector_parse(const char *s, size_t len, struct wss_selector *sel,
                       struct wss_parse_err *err);

/* Parses s[0..len) as Go's strconv.ParseInt(s, 10, 64) does: optional sign, decimal digits,
 * no overflow. Returns 0 and sets *out, or -1. Pure. */
int wss_selector_parse_int64(const char *s, size_t len, long long *out);

/* True when the labels satisfy every requirement (Kubernetes semantics: notin and != hold for
 * an absent key, > and < need an integer label value, no requirements match everything). If a
 * key appears twice in labels, the first wins. Pure; thread-safe. */
bool wss_selector_matches(const struct wss_selector *sel, const struct wss_label *labels,
                          size_t nlabels);

#endif
