/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_selector_parse.c: libFuzzer target for wss_selector_parse and wss_selector_matches.
 * Does not: judge error texts (the unit test does); it checks invariants on any input.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/k8s_names.h"
#include "wsscale/selector.h"

#define MAX_REQS   16
#define MAX_VALUES 32
#define RENDER_MAX 65536 /* bytes for the re-printed selector; longer ones skip the round trip */

static int span_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen < blen ? -1 : alen > blen);
}

static int inside(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

static const char *op_text(enum wss_sel_op op)
{
    static const char *const text[] = {" in ", " notin ", "=", "==", "!=", "", "", ">", "<"};
    return text[op];
}

/* Prints sel back in the grammar; returns the length, or 0 if it does not fit. */
static size_t render(const struct wss_selector *sel, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sel->nreqs; i++) {
        const struct wss_sel_req *r = &sel->reqs[i];
        int is_set = r->op == WSS_SEL_OP_IN || r->op == WSS_SEL_OP_NOT_IN;
        int w = snprintf(out + n, cap - n, "%s%s%.*s%s%s", i > 0 ? "," : "",
                         r->op == WSS_SEL_OP_DOES_NOT_EXIST ? "!" : "", (int)r->key_len, r->key,
                         op_text(r->op), is_set ? "(" : "");
        if (w < 0 || (size_t)w >= cap - n)
            return 0;
        n += (size_t)w;
        for (size_t v = 0; v < r->nvalues; v++) {
            const struct wss_sel_value *val = &sel->values[r->first_value + v];
            w = snprintf(out + n, cap - n, "%s%.*s", v > 0 ? "," : "", (int)val->len, val->ptr);
            if (w < 0 || (size_t)w >= cap - n)
                return 0;
            n += (size_t)w;
        }
        if (is_set) {
            if (n + 1 >= cap)
                return 0;
            out[n++] = ')';
        }
    }
    return n;
}

static void check_valid(const struct wss_selector *sel, const char *s, size_t size)
{
    CHECK(sel->nreqs <= MAX_REQS && sel->nvalues <= MAX_VALUES);
    size_t used = 0;
    for (size_t i = 0; i < sel->nreqs; i++) {
        const struct wss_sel_req *r = &sel->reqs[i];
        CHECK(inside(r->key, r->key_len, s, size));
        CHECK(wss_k8s_names_check_label_key(r->key, r->key_len, NULL, 0) == 0);
        CHECK(r->first_value == used);
        used += r->nvalues;
        switch (r->op) {
        case WSS_SEL_OP_IN:
        case WSS_SEL_OP_NOT_IN:
            CHECK(r->nvalues >= 1);
            break;
        case WSS_SEL_OP_EXISTS:
        case WSS_SEL_OP_DOES_NOT_EXIST:
            CHECK(r->nvalues == 0);
            break;
        default:
            CHECK(r->nvalues == 1);
        }
        for (size_t v = 0; v < r->nvalues; v++) {
            const struct wss_sel_value *val = &sel->values[r->first_value + v];
            CHECK(inside(val->ptr, val->len, s, size));
            CHECK(wss_k8s_names_check_label_value(val->ptr, val->len, NULL, 0) == 0);
            if (v > 0) {
                const struct wss_sel_value *prev = val - 1;
                CHECK(span_cmp(prev->ptr, prev->len, val->ptr, val->len) < 0);
            }
        }
        if (r->op == WSS_SEL_OP_GREATER_THAN || r->op == WSS_SEL_OP_LESS_THAN) {
            long long b;
            CHECK(wss_selector_parse_int64(sel->values[r->first_value].ptr,
                                           sel->values[r->first_value].len, &b) == 0);
            CHECK(b == r->bound);
        }
    }
    CHECK(used == sel->nvalues);
}

/* Matching against labels made from the selector's own keys and values: a selector holds
 * exactly when each of its requirements, taken alone, holds. */
static void check_matching(const struct wss_selector *sel)
{
    struct wss_label labels[MAX_REQS];
    size_t nlabels = 0;
    for (size_t i = 0; i < sel->nreqs; i++) {
        const struct wss_sel_req *r = &sel->reqs[i];
        if (r->op == WSS_SEL_OP_DOES_NOT_EXIST || (i % 3) == 2)
            continue;
        labels[nlabels].key = r->key;
        labels[nlabels].key_len = r->key_len;
        labels[nlabels].value = r->nvalues > 0 ? sel->values[r->first_value].ptr : "7";
        labels[nlabels].value_len = r->nvalues > 0 ? sel->values[r->first_value].len : 1;
        nlabels++;
    }
    int all = 1;
    for (size_t i = 0; i < sel->nreqs; i++) {
        struct wss_selector one = *sel;
        one.reqs = &sel->reqs[i];
        one.nreqs = 1;
        all &= wss_selector_matches(&one, labels, nlabels);
    }
    CHECK(wss_selector_matches(sel, labels, nlabels) == (all != 0));
    CHECK(wss_selector_matches(sel, NULL, 0) == wss_selector_matches(sel, labels, 0));
    struct wss_selector none = *sel;
    none.nreqs = 0;
    CHECK(wss_selector_matches(&none, labels, nlabels));
}

static void check_round_trip(const struct wss_selector *sel)
{
    static char text[RENDER_MAX];
    size_t n = render(sel, text, sizeof(text));
    if (n == 0 && sel->nreqs > 0)
        return;
    struct wss_sel_req reqs[MAX_REQS];
    struct wss_sel_value values[MAX_VALUES];
    struct wss_selector again;
    struct wss_parse_err err;
    wss_selector_init(&again, reqs, MAX_REQS, values, MAX_VALUES);
    if (wss_selector_parse(text, n, &again, &err) != (int)n) {
        fprintf(stderr, "re-parse of '%.*s' failed: %s\n", (int)n, text, err.msg);
        abort();
    }
    CHECK(again.nreqs == sel->nreqs && again.nvalues == sel->nvalues);
    for (size_t i = 0; i < sel->nreqs; i++) {
        const struct wss_sel_req *a = &sel->reqs[i];
        const struct wss_sel_req *b = &again.reqs[i];
        CHECK(a->op == b->op && a->nvalues == b->nvalues && a->bound == b->bound);
        CHECK(span_cmp(a->key, a->key_len, b->key, b->key_len) == 0);
        for (size_t v = 0; v < a->nvalues; v++) {
            const struct wss_sel_value *x = &sel->values[a->first_value + v];
            const struct wss_sel_value *y = &again.values[b->first_value + v];
            CHECK(span_cmp(x->ptr, x->len, y->ptr, y->len) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct wss_sel_req reqs[MAX_REQS];
    struct wss_sel_value values[MAX_VALUES];
    struct wss_selector sel;
    struct wss_parse_err err;
    memset(&err, 0, sizeof(err));
    wss_selector_init(&sel, reqs, MAX_REQS, values, MAX_VALUES);
    int rc = wss_selector_parse(s, size, &sel, &err);
    if (rc >= 0) {
        CHECK((size_t)rc == size);
        check_valid(&sel, s, size);
        check_matching(&sel);
        check_round_trip(&sel);
    } else {
        CHECK(rc == WSS_PARSE_INVALID);
        CHECK(err.offset <= size);
        size_t mlen = strnlen(err.msg, sizeof(err.msg));
        CHECK(mlen > 0 && mlen < sizeof(err.msg));
        CHECK(memchr(err.msg, '\n', mlen) == NULL);
        CHECK(sel.nreqs == 0 && sel.nvalues == 0);
    }

    /* With no room at all, only an empty selector can succeed. */
    wss_selector_init(&sel, NULL, 0, NULL, 0);
    rc = wss_selector_parse(s, size, &sel, &err);
    CHECK(rc < 0 || sel.nreqs == 0);
    return 0;
}
