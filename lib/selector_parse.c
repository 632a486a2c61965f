/* SPDX-License-Identifier: Apache-2.0 */
/* selector_parse.c: a label selector string into requirements, with the lexer, grammar and error
 * texts of apimachinery's labels.Parse, so a 400 Status reads like the apiserver's.
 * Does not: allocate, copy keys or values (they point into the input), or sort requirements.
 * Threads: any; writes only the caller's selector and error record. */
#include "wsscale/selector.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wsscale/k8s_names.h"

/* Token kinds of the reference lexer. In a value position `in` and `notin` are identifiers. */
enum tok {
    T_EOS,
    T_ID,
    T_IN,
    T_NOTIN,
    T_NOT,   /* ! */
    T_EQ,    /* = */
    T_DEQ,   /* == */
    T_NEQ,   /* != */
    T_GT,    /* > */
    T_LT,    /* < */
    T_OPEN,  /* ( */
    T_CLOSE, /* ) */
    T_COMMA,
};

struct token {
    enum tok kind;
    const char *lit; /* points into the input; "" (length 0) at the end of the string */
    size_t len;
    size_t off; /* where the token starts in the input */
};

struct parser {
    const char *s;
    size_t len;
    size_t pos;        /* where the lexer resumes */
    struct token next; /* one token of lookahead, as lexed (keywords not yet remapped) */
    struct wss_selector *sel;
    struct wss_parse_err *err;
};

enum context { KEY_AND_OPERATOR, VALUES };

/* apimachinery's prefix for every error raised while parsing one requirement. */
#define REQ_PREFIX "unable to parse requirement: "

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_special(unsigned char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

/* Unlike the reference, which stops at a NUL byte, a NUL here is an ordinary byte of an
 * identifier, so it ends up rejected by key or value validation instead of hiding the rest. */
static void lex(struct parser *p)
{
    size_t i = p->pos;
    while (i < p->len && is_space((unsigned char)p->s[i]))
        i++;
    struct token t = {T_EOS, p->s + i, 0, i};
    if (i < p->len) {
        unsigned char c = (unsigned char)p->s[i];
        t.len = 1;
        if ((c == '=' || c == '!') && i + 1 < p->len && p->s[i + 1] == '=') {
            /* The reference lexer is greedy, and == and != are its only two-byte symbols. */
            t.kind = c == '=' ? T_DEQ : T_NEQ;
            t.len = 2;
        } else if (is_special(c)) {
            static const char sym[] = "=!(),><";
            static const enum tok kinds[] = {T_EQ, T_NOT, T_OPEN, T_CLOSE, T_COMMA, T_GT, T_LT};
            t.kind = kinds[(const char *)memchr(sym, c, sizeof(sym) - 1) - sym];
        } else {
            size_t j = i;
            while (j < p->len && !is_space((unsigned char)p->s[j]) &&
                   !is_special((unsigned char)p->s[j]))
                j++;
            t.len = j - i;
            t.kind = T_ID;
            if (t.len == 2 && memcmp(t.lit, "in", 2) == 0)
                t.kind = T_IN;
            else if (t.len == 5 && memcmp(t.lit, "notin", 5) == 0)
                t.kind = T_NOTIN;
        }
    }
    p->pos = i + t.len;
    p->next = t;
}

static struct token peek(const struct parser *p, enum context ctx)
{
    struct token t = p->next;
    if (ctx == VALUES && (t.kind == T_IN || t.kind == T_NOTIN))
        t.kind = T_ID;
    return t;
}

static struct token take(struct parser *p, enum context ctx)
{
    struct token t = peek(p, ctx);
    lex(p);
    return t;
}

/* Bounded text for composing a message before it goes into the error record. */
struct msg {
    char buf[WSS_PARSE_ERR_MSG_LEN];
    size_t len;
};

static void msg_printf(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_printf(struct msg *m, const char *fmt, ...)
{
    if (m->len >= sizeof(m->buf) - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->buf + m->len, sizeof(m->buf) - m->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->len += (size_t)n < sizeof(m->buf) - m->len ? (size_t)n : sizeof(m->buf) - 1 - m->len;
}

/* A token as the reference prints it with %s, except that bytes outside printable ASCII are
 * written as \xNN so the message stays one line of plain text. */
static void render_literal(const struct token *t, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < t->len && o + 5 <= cap; i++) {
        unsigned char c = (unsigned char)t->lit[i];
        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        }
    }
    out[o] = '\0';
}

/* "found '<tok>'<tail>", the shape of every syntax error the reference parser reports. */
static int fail_token(struct parser *p, int in_requirement, const struct token *t, const char *tail)
{
    char lit[WSS_PARSE_ERR_MSG_LEN];
    render_literal(t, lit, sizeof(lit));
    return wss_parse_fail(p->err, t->off, "%sfound '%s'%s", in_requirement ? REQ_PREFIX : "", lit,
                          tail);
}

static int span_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* Adds a value to the requirement being built (the last one in the pool), keeping its values
 * sorted and unique as the reference's string set does. */
static int add_value(struct parser *p, struct wss_sel_req *r, const char *ptr, size_t len)
{
    struct wss_selector *sel = p->sel;
    struct wss_sel_value *base = sel->values + r->first_value;
    size_t i = 0;
    int c = 1;
    while (i < r->nvalues && (c = span_cmp(base[i].ptr, base[i].len, ptr, len)) < 0)
        i++;
    if (i < r->nvalues && c == 0)
        return 0;
    if (sel->nvalues >= sel->values_cap)
        return wss_parse_fail(p->err, (size_t)(ptr - p->s),
                              "too many values in selector (limit %zu)", sel->values_cap);
    memmove(base + i + 1, base + i, (r->nvalues - i) * sizeof(*base));
    base[i].ptr = ptr;
    base[i].len = len;
    r->nvalues++;
    sel->nvalues++;
    return 0;
}

static int add_token_value(struct parser *p, struct wss_sel_req *r, const struct token *t)
{
    return add_value(p, r, t->lit, t->len);
}

/* ( v1, v2, ... ) after in / notin. */
static int parse_values(struct parser *p, struct wss_sel_req *r)
{
    struct token t = take(p, VALUES);
    if (t.kind != T_OPEN)
        return fail_token(p, 1, &t, " expected: '('");
    t = peek(p, VALUES);
    if (t.kind == T_CLOSE) {
        take(p, VALUES);
        return add_value(p, r, t.lit, 0); /* "k in ()" is the set {""} */
    }
    if (t.kind != T_ID && t.kind != T_COMMA)
        return fail_token(p, 1, &t, ", expected: ',', ')' or identifier");
    /* Each turn takes at least one token, and the end of the string stops it. */
    for (;;) {
        struct token v = take(p, VALUES);
        if (v.kind == T_ID) {
            if (add_token_value(p, r, &v) != 0)
                return WSS_PARSE_INVALID;
            struct token n = peek(p, VALUES);
            if (n.kind == T_CLOSE)
                break;
            if (n.kind != T_COMMA)
                return fail_token(p, 1, &n, ", expected: ',' or ')'");
        } else if (v.kind == T_COMMA) {
            /* A comma with nothing before or after it stands for the empty value. */
            if (r->nvalues == 0 && add_value(p, r, v.lit, 0) != 0)
                return WSS_PARSE_INVALID;
            struct token n = peek(p, VALUES);
            if (n.kind == T_CLOSE) {
                if (add_value(p, r, n.lit, 0) != 0)
                    return WSS_PARSE_INVALID;
                break;
            }
            if (n.kind == T_COMMA) {
                take(p, VALUES);
                if (add_value(p, r, n.lit, 0) != 0)
                    return WSS_PARSE_INVALID;
            }
        } else {
            return fail_token(p, 1, &v, ", expected: ',', or identifier");
        }
    }
    take(p, VALUES); /* the ')' seen above */
    return 0;
}

/* The single value after =, ==, !=, > or <; nothing before ',' or the end means "". */
static int parse_exact_value(struct parser *p, struct wss_sel_req *r)
{
    struct token t = peek(p, VALUES);
    if (t.kind == T_EOS || t.kind == T_COMMA)
        return add_value(p, r, t.lit, 0);
    t = take(p, VALUES);
    if (t.kind != T_ID)
        return fail_token(p, 1, &t, ", expected: identifier");
    return add_token_value(p, r, &t);
}

/* What the reference's NewRequirement checks once the values are known: integer bounds for
 * > and <, and every value's shape. All failures are reported together, bracketed when more
 * than one, as an aggregate error prints. */
static int check_values(struct parser *p, struct wss_sel_req *r)
{
    const struct wss_sel_value *v = p->sel->values + r->first_value;
    int is_bound = r->op == WSS_SEL_OP_GREATER_THAN || r->op == WSS_SEL_OP_LESS_THAN;
    int bad_int = is_bound && wss_selector_parse_int64(v[0].ptr, v[0].len, &r->bound) != 0;
    size_t nbad = bad_int ? 1 : 0;
    size_t first_bad = bad_int ? 0 : SIZE_MAX;
    for (size_t i = 0; i < r->nvalues; i++) {
        if (wss_k8s_names_check_label_value(v[i].ptr, v[i].len, NULL, 0) != 0) {
            nbad++;
            if (first_bad == SIZE_MAX)
                first_bad = i;
        }
    }
    if (nbad == 0)
        return 0;

    struct msg m = {.len = 0};
    char quoted[WSS_PARSE_ERR_MSG_LEN];
    char reasons[WSS_K8S_NAMES_MSG_LEN];
    int n = 0;
    msg_printf(&m, "%s%s", REQ_PREFIX, nbad > 1 ? "[" : "");
    if (bad_int) {
        wss_k8s_names_quote(v[0].ptr, v[0].len, quoted, sizeof(quoted));
        msg_printf(&m,
                   "values[0]: Invalid value: %s: for 'Gt', 'Lt' operators, the value must "
                   "be an integer",
                   quoted);
        n++;
    }
    for (size_t i = 0; i < r->nvalues; i++) {
        if (wss_k8s_names_check_label_value(v[i].ptr, v[i].len, reasons, sizeof(reasons)) == 0)
            continue;
        wss_k8s_names_quote(v[i].ptr, v[i].len, quoted, sizeof(quoted));
        msg_printf(&m, "%svalues[%zu][%.*s]: Invalid value: %s: %s", n++ > 0 ? ", " : "", i,
                   (int)r->key_len, r->key, quoted, reasons);
    }
    msg_printf(&m, "%s", nbad > 1 ? "]" : "");
    return wss_parse_fail(p->err, (size_t)(v[first_bad].ptr - p->s), "%s", m.buf);
}

/* [!] KEY [ op values ]; on success the requirement is the selector's last. */
static int parse_requirement(struct parser *p)
{
    struct wss_selector *sel = p->sel;
    int is_absent = 0;
    struct token t = take(p, VALUES);
    if (t.kind == T_NOT) {
        is_absent = 1;
        t = take(p, VALUES);
    }
    if (t.kind != T_ID)
        return fail_token(p, 1, &t, ", expected: identifier");

    char reasons[WSS_K8S_NAMES_MSG_LEN];
    if (wss_k8s_names_check_label_key(t.lit, t.len, reasons, sizeof(reasons)) != 0) {
        char quoted[WSS_PARSE_ERR_MSG_LEN];
        wss_k8s_names_quote(t.lit, t.len, quoted, sizeof(quoted));
        /* The reference validates the key with no field path, which Go prints as <nil>. */
        return wss_parse_fail(p->err, t.off, REQ_PREFIX "<nil>: Invalid value: %s: %s", quoted,
                              reasons);
    }
    if (sel->nreqs >= sel->reqs_cap)
        return wss_parse_fail(p->err, t.off, "too many requirements in selector (limit %zu)",
                              sel->reqs_cap);
    struct wss_sel_req *r = &sel->reqs[sel->nreqs];
    r->key = t.lit;
    r->key_len = t.len;
    r->first_value = sel->nvalues;
    r->nvalues = 0;
    r->bound = 0;

    struct token n = peek(p, VALUES);
    if (is_absent || n.kind == T_EOS || n.kind == T_COMMA) {
        /* "!k=v" is "!k" followed by junk, which the caller reports. */
        r->op = is_absent ? WSS_SEL_OP_DOES_NOT_EXIST : WSS_SEL_OP_EXISTS;
        sel->nreqs++;
        return 0;
    }

    struct token op = take(p, KEY_AND_OPERATOR);
    int rc;
    switch (op.kind) {
    case T_IN:
    case T_NOTIN:
        r->op = op.kind == T_IN ? WSS_SEL_OP_IN : WSS_SEL_OP_NOT_IN;
        rc = parse_values(p, r);
        break;
    case T_EQ:
    case T_DEQ:
    case T_NEQ:
    case T_GT:
    case T_LT:
        r->op = op.kind == T_EQ    ? WSS_SEL_OP_EQUALS
                : op.kind == T_DEQ ? WSS_SEL_OP_DOUBLE_EQUALS
                : op.kind == T_NEQ ? WSS_SEL_OP_NOT_EQUALS
                : op.kind == T_GT  ? WSS_SEL_OP_GREATER_THAN
                                   : WSS_SEL_OP_LESS_THAN;
        rc = parse_exact_value(p, r);
        break;
    default:
        return fail_token(p, 1, &op, ", expected: in, notin, =, ==, !=, gt, lt");
    }
    if (rc != 0 || check_values(p, r) != 0)
        return WSS_PARSE_INVALID;
    sel->nreqs++;
    return 0;
}

static int parse_selector(struct parser *p)
{
    /* Each turn takes at least one token, and the end of the string stops it. */
    for (;;) {
        struct token t = peek(p, VALUES);
        if (t.kind == T_EOS)
            return 0;
        if (t.kind != T_ID && t.kind != T_NOT)
            return fail_token(p, 0, &t, ", expected: !, identifier, or 'end of string'");
        if (parse_requirement(p) != 0)
            return WSS_PARSE_INVALID;
        t = take(p, VALUES);
        if (t.kind == T_EOS)
            return 0;
        if (t.kind != T_COMMA)
            return fail_token(p, 0, &t, ", expected: ',' or 'end of string'");
        t = peek(p, VALUES);
        if (t.kind != T_ID && t.kind != T_NOT)
            return fail_token(p, 0, &t, ", expected: identifier after ','");
    }
}

void wss_selector_init(struct wss_selector *sel, struct wss_sel_req *reqs, size_t reqs_cap,
                       struct wss_sel_value *values, size_t values_cap)
{
    sel->reqs = reqs;
    sel->reqs_cap = reqs != NULL ? reqs_cap : 0;
    sel->nreqs = 0;
    sel->values = values;
    sel->values_cap = values != NULL ? values_cap : 0;
    sel->nvalues = 0;
}

int wss_selector_parse(const char *s, size_t len, struct wss_selector *sel,
                       struct wss_parse_err *err)
{
    sel->nreqs = 0;
    sel->nvalues = 0;
    if (s == NULL)
        s = ""; /* only valid with len == 0; keeps pointer arithmetic defined */
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "selector longer than %d bytes", INT_MAX);
    struct parser p = {.s = s, .len = len, .pos = 0, .sel = sel, .err = err};
    lex(&p);
    if (parse_selector(&p) != 0) {
        sel->nreqs = 0;
        sel->nvalues = 0;
        return WSS_PARSE_INVALID;
    }
    return (int)len;
}

int wss_selector_parse_int64(const char *s, size_t len, long long *out)
{
    size_t i = 0;
    int is_negative = 0;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        is_negative = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return -1;
    /* The magnitude of LLONG_MIN is one more than LLONG_MAX. */
    unsigned long long limit = is_negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    unsigned long long acc = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (limit - d) / 10)
            return -1;
        acc = acc * 10 + d;
    }
    if (is_negative)
        *out = acc == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)acc;
    else
        *out = (long long)acc;
    return 0;
}
