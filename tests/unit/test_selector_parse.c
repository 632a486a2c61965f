/* SPDX-License-Identifier: Apache-2.0 */
/* test_selector_parse.c: every operator and form of the label selector grammar, the
 * apiserver's error texts and offsets for malformed selectors, and capacity limits. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/selector.h"

#define NAME_RE                                                                                    \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RE                                                                                   \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define SUBDOMAIN_RE                                                                               \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define REQ     "unable to parse requirement: "
#define NOT_INT "for 'Gt', 'Lt' operators, the value must be an integer"

#define MAX_REQS   16
#define MAX_VALUES 64

struct fixture {
    struct wss_sel_req reqs[MAX_REQS];
    struct wss_sel_value values[MAX_VALUES];
    struct wss_selector sel;
    struct wss_parse_err err;
};

static struct fixture fx;

static const char *op_name(enum wss_sel_op op)
{
    switch (op) {
    case WSS_SEL_OP_IN:
        return "in";
    case WSS_SEL_OP_NOT_IN:
        return "notin";
    case WSS_SEL_OP_EQUALS:
        return "=";
    case WSS_SEL_OP_DOUBLE_EQUALS:
        return "==";
    case WSS_SEL_OP_NOT_EQUALS:
        return "!=";
    case WSS_SEL_OP_EXISTS:
        return "exists";
    case WSS_SEL_OP_DOES_NOT_EXIST:
        return "!";
    case WSS_SEL_OP_GREATER_THAN:
        return ">";
    case WSS_SEL_OP_LESS_THAN:
        return "<";
    }
    return "?";
}

/* Renders a parsed selector as "op:key['v1','v2'];..." so a table can state what it expects. */
static void render(const struct wss_selector *sel, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sel->nreqs; i++) {
        const struct wss_sel_req *r = &sel->reqs[i];
        n += (size_t)snprintf(out + n, cap - n, "%s%s:%.*s", i > 0 ? ";" : "", op_name(r->op),
                              (int)r->key_len, r->key);
        if (r->nvalues > 0)
            n += (size_t)snprintf(out + n, cap - n, "[");
        for (size_t v = 0; v < r->nvalues; v++) {
            const struct wss_sel_value *val = &sel->values[r->first_value + v];
            n += (size_t)snprintf(out + n, cap - n, "%s'%.*s'", v > 0 ? "," : "", (int)val->len,
                                  val->ptr);
        }
        if (r->nvalues > 0)
            n += (size_t)snprintf(out + n, cap - n, "]");
        assert_true(n < cap);
    }
}

static int parse_len(const char *s, size_t len)
{
    wss_selector_init(&fx.sel, fx.reqs, MAX_REQS, fx.values, MAX_VALUES);
    memset(&fx.err, 0, sizeof(fx.err));
    return wss_selector_parse(s, len, &fx.sel, &fx.err);
}

static void expect_parses(const char *s, const char *want)
{
    char got[1024];
    int rc = parse_len(s, strlen(s));
    if (rc < 0)
        fail_msg("'%s' failed at %zu: %s", s, fx.err.offset, fx.err.msg);
    assert_int_equal(rc, (int)strlen(s));
    render(&fx.sel, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("'%s': got %s, want %s", s, got, want);
    /* Keys and values borrow from the input. */
    for (size_t i = 0; i < fx.sel.nreqs; i++) {
        const struct wss_sel_req *r = &fx.sel.reqs[i];
        assert_true(r->key >= s && r->key + r->key_len <= s + strlen(s));
        for (size_t v = 0; v < r->nvalues; v++) {
            const struct wss_sel_value *val = &fx.sel.values[r->first_value + v];
            assert_true(val->ptr >= s && val->ptr + val->len <= s + strlen(s));
        }
    }
}

/* The error record holds WSS_PARSE_ERR_MSG_LEN - 1 bytes; longer apiserver texts are cut. */
static void expect_error_len(const char *s, size_t len, const char *want, size_t offset)
{
    char cut[WSS_PARSE_ERR_MSG_LEN];
    snprintf(cut, sizeof(cut), "%s", want);
    assert_int_equal(parse_len(s, len), WSS_PARSE_INVALID);
    if (strcmp(fx.err.msg, cut) != 0)
        fail_msg("'%.*s':\n got  %s\n want %s", (int)len, s, fx.err.msg, cut);
    if (fx.err.offset != offset)
        fail_msg("'%.*s': offset %zu, want %zu", (int)len, s, fx.err.offset, offset);
    assert_int_equal(fx.sel.nreqs, 0);
    assert_int_equal(fx.sel.nvalues, 0);
}

static void expect_error(const char *s, const char *want, size_t offset)
{
    expect_error_len(s, strlen(s), want, offset);
}

static void empty_and_blank_selectors_have_no_requirements(void **state)
{
    (void)state;
    expect_parses("", "");
    expect_parses(" \t\r\n ", "");
    assert_int_equal(parse_len(NULL, 0), 0);
}

static void parses_every_operator(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"x", "exists:x"},
        {"!x", "!:x"},
        {"x=a", "=:x['a']"},
        {"x==a", "==:x['a']"},
        {"x!=a", "!=:x['a']"},
        {"x>5", ">:x['5']"},
        {"x<10", "<:x['10']"},
        {"x in (a)", "in:x['a']"},
        {"x notin (a)", "notin:x['a']"},
        {"a=b,!c,d notin (e),f>1,g<2,h==i,j!=k,l,m in (n)",
         "=:a['b'];!:c;notin:d['e'];>:f['1'];<:g['2'];==:h['i'];!=:j['k'];exists:l;in:m['n']"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parses(cases[i].in, cases[i].want);
}

static void set_values_are_sorted_unique_and_may_be_empty(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"x in (b,a,b)", "in:x['a','b']"},
        {"x in ()", "in:x['']"},
        {"x in (a,,b)", "in:x['','a','b']"},
        {"x in (,a)", "in:x['','a']"},
        {"x in (a,)", "in:x['','a']"},
        {"x in (,)", "in:x['']"},
        {"x notin (,,,)", "notin:x['']"},
        {"x in (B,a,A,b)", "in:x['A','B','a','b']"},
        {"x in (ab,a,abc)", "in:x['a','ab','abc']"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_parses(cases[i].in, cases[i].want);
}

static void in_and_notin_are_words_in_value_and_key_position(void **state)
{
    (void)state;
    expect_parses("in in (in,notin)", "in:in['in','notin']");
    expect_parses("notin=notin", "=:notin['notin']");
    expect_parses("x notin (in)", "notin:x['in']");
    expect_parses("!in", "!:in");
    expect_parses("in", "exists:in");
    expect_parses("x==in", "==:x['in']");
}

static void empty_exact_values_and_whitespace(void **state)
{
    (void)state;
    expect_parses("x=", "=:x['']");
    expect_parses("x==,y", "==:x[''];exists:y");
    expect_parses("x!=", "!=:x['']");
    expect_parses(" a = b ,\tc\nin\r( d , e ) ", "=:a['b'];in:c['d','e']");
    expect_parses("app.kubernetes.io/name=chat,example.com/tier!=db",
                  "=:app.kubernetes.io/name['chat'];!=:example.com/tier['db']");
}

static void integer_bounds_are_parsed(void **state)
{
    (void)state;
    expect_parses("x>007", ">:x['007']");
    assert_int_equal(fx.reqs[0].bound, 7);
    expect_parses("x<9223372036854775807", "<:x['9223372036854775807']");
    assert_true(fx.reqs[0].bound == LLONG_MAX);
    expect_parses("x=5", "=:x['5']");
    assert_int_equal(fx.reqs[0].bound, 0);
}

static void accepts_longest_key_and_value(void **state)
{
    (void)state;
    char s[400];
    char want[800];
    memset(s, 'p', 253);
    s[253] = '/';
    memset(s + 254, 'n', 63);
    s[317] = '=';
    memset(s + 318, 'v', 63);
    s[381] = '\0';
    snprintf(want, sizeof(want), "=:%.317s['%.63s']", s, s + 318);
    expect_parses(s, want);
}

static void rejects_syntax_errors_with_apiserver_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
        size_t offset;
    } cases[] = {
        {",", "found ',', expected: !, identifier, or 'end of string'", 0},
        {"(a)", "found '(', expected: !, identifier, or 'end of string'", 0},
        {"a,", "found '', expected: identifier after ','", 2},
        {"a,,b", "found ',', expected: identifier after ','", 2},
        {"a=b c", "found 'c', expected: ',' or 'end of string'", 4},
        {"a=b=c", "found '=', expected: ',' or 'end of string'", 3},
        {"!a=b", "found '=', expected: ',' or 'end of string'", 2},
        {"a in (b)c", "found 'c', expected: ',' or 'end of string'", 8},
        {"a b", REQ "found 'b', expected: in, notin, =, ==, !=, gt, lt", 2},
        {"a!b", REQ "found '!', expected: in, notin, =, ==, !=, gt, lt", 1},
        {"!", REQ "found '', expected: identifier", 1},
        {"!!a", REQ "found '!', expected: identifier", 1},
        {"a=(", REQ "found '(', expected: identifier", 2},
        {"a===b", REQ "found '=', expected: identifier", 3},
        {"a in b", REQ "found 'b' expected: '('", 5},
        {"a in )", REQ "found ')' expected: '('", 5},
        {"a in", REQ "found '' expected: '('", 4},
        {"a in (=)", REQ "found '=', expected: ',', ')' or identifier", 6},
        {"a in (b", REQ "found '', expected: ',' or ')'", 7},
        {"a in (b,c", REQ "found '', expected: ',' or ')'", 9},
        {"a in (b c)", REQ "found 'c', expected: ',' or ')'", 8},
        {"a in (b,=)", REQ "found '=', expected: ',', or identifier", 8},
        {"a in (,", REQ "found '', expected: ',', or identifier", 7},
        {"a=b c\x01", "found 'c\\x01', expected: ',' or 'end of string'", 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(cases[i].in, cases[i].want, cases[i].offset);
}

static void rejects_invalid_keys_with_apiserver_text(void **state)
{
    (void)state;
    expect_error("-a=b", REQ "<nil>: Invalid value: \"-a\": name part " NAME_RE, 0);
    expect_error("x,app:monolith", REQ "<nil>: Invalid value: \"app:monolith\": name part " NAME_RE,
                 2);
    expect_error("a/b/c",
                 REQ "<nil>: Invalid value: \"a/b/c\": a valid label key " NAME_RE
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                 0);
    expect_error("!Foo.io/x", REQ "<nil>: Invalid value: \"Foo.io/x\": prefix part " SUBDOMAIN_RE,
                 1);
    expect_error_len("a\0b", 3, REQ "<nil>: Invalid value: \"a\\x00b\": name part " NAME_RE, 0);
    char key[65];
    char s[80];
    char want[200];
    memset(key, 'k', 64);
    key[64] = '\0';
    snprintf(s, sizeof(s), "%s=v", key);
    snprintf(want, sizeof(want),
             REQ "<nil>: Invalid value: \"%s\": name part must be no more than 63 bytes", key);
    expect_error(s, want, 0);
}

static void rejects_invalid_values_with_apiserver_text(void **state)
{
    (void)state;
    expect_error("a=-b", REQ "values[0][a]: Invalid value: \"-b\": " VALUE_RE, 2);
    expect_error("a in (x-,y-)",
                 REQ "[values[0][a]: Invalid value: \"x-\": " VALUE_RE
                     ", values[1][a]: Invalid value: \"y-\": " VALUE_RE "]",
                 6);
    /* Values are checked in sorted order, so the index is the sorted position. */
    expect_error("a in (z,b-)", REQ "values[0][a]: Invalid value: \"b-\": " VALUE_RE, 8);
    expect_error("a>b", REQ "values[0]: Invalid value: \"b\": " NOT_INT, 2);
    expect_error("a>", REQ "values[0]: Invalid value: \"\": " NOT_INT, 2);
    expect_error("a<99999999999999999999",
                 REQ "values[0]: Invalid value: \"99999999999999999999\": " NOT_INT, 2);
    expect_error("a>-1", REQ "values[0][a]: Invalid value: \"-1\": " VALUE_RE, 2);
    expect_error("a>b-",
                 REQ "[values[0]: Invalid value: \"b-\": " NOT_INT
                     ", values[0][a]: Invalid value: \"b-\": " VALUE_RE "]",
                 2);
    char s[80];
    memset(s, 'v', 64);
    s[64] = '\0';
    char in[90];
    char want[300];
    snprintf(in, sizeof(in), "a=%s", s);
    snprintf(want, sizeof(want),
             REQ "values[0][a]: Invalid value: \"%s\": must be no more than 63 bytes", s);
    expect_error(in, want, 2);
}

static void message_is_cut_to_the_record_not_overrun(void **state)
{
    (void)state;
    static char big[20000];
    memset(big, '*', sizeof(big) - 1);
    assert_int_equal(parse_len(big, sizeof(big) - 1), WSS_PARSE_INVALID);
    assert_int_equal(strlen(fx.err.msg), WSS_PARSE_ERR_MSG_LEN - 1);
    assert_memory_equal(fx.err.msg, REQ "<nil>: Invalid value: \"***", 54);
    assert_null(strchr(fx.err.msg, '\n'));
}

static void too_many_requirements_is_an_error_not_a_crash(void **state)
{
    (void)state;
    wss_selector_init(&fx.sel, fx.reqs, 2, fx.values, MAX_VALUES);
    assert_int_equal(wss_selector_parse("a,b", 3, &fx.sel, &fx.err), 3);
    assert_int_equal(fx.sel.nreqs, 2);
    assert_int_equal(wss_selector_parse("a,b,c", 5, &fx.sel, &fx.err), WSS_PARSE_INVALID);
    assert_string_equal(fx.err.msg, "too many requirements in selector (limit 2)");
    assert_int_equal(fx.err.offset, 4);
    assert_int_equal(fx.sel.nreqs, 0);

    wss_selector_init(&fx.sel, NULL, 0, NULL, 0);
    assert_int_equal(wss_selector_parse(" ", 1, &fx.sel, &fx.err), 1);
    assert_int_equal(wss_selector_parse("a", 1, &fx.sel, &fx.err), WSS_PARSE_INVALID);
    assert_string_equal(fx.err.msg, "too many requirements in selector (limit 0)");
}

static void too_many_values_is_an_error_not_a_crash(void **state)
{
    (void)state;
    const char *s = "a in (x,y),b in (z,w)";
    wss_selector_init(&fx.sel, fx.reqs, MAX_REQS, fx.values, 3);
    assert_int_equal(wss_selector_parse(s, strlen(s), &fx.sel, &fx.err), WSS_PARSE_INVALID);
    assert_string_equal(fx.err.msg, "too many values in selector (limit 3)");
    assert_int_equal(fx.err.offset, 19);
    assert_int_equal(fx.sel.nvalues, 0);

    /* Duplicates take no room; "x=" needs one value. */
    wss_selector_init(&fx.sel, fx.reqs, MAX_REQS, fx.values, 1);
    assert_int_equal(wss_selector_parse("a in (x,x,x)", 12, &fx.sel, &fx.err), 12);
    assert_int_equal(fx.sel.nvalues, 1);
    wss_selector_init(&fx.sel, fx.reqs, MAX_REQS, fx.values, 0);
    assert_int_equal(wss_selector_parse("a,!b", 4, &fx.sel, &fx.err), 4);
    assert_int_equal(wss_selector_parse("x=", 2, &fx.sel, &fx.err), WSS_PARSE_INVALID);
    assert_string_equal(fx.err.msg, "too many values in selector (limit 0)");
}

static void parses_int64_like_go(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        long long want;
    } cases[] = {
        {"0", 0, 0},
        {"42", 0, 42},
        {"+7", 0, 7},
        {"-7", 0, -7},
        {"007", 0, 7},
        {"9223372036854775807", 0, LLONG_MAX},
        {"-9223372036854775808", 0, LLONG_MIN},
        {"9223372036854775808", -1, 0},
        {"-9223372036854775809", -1, 0},
        {"", -1, 0},
        {"+", -1, 0},
        {"-", -1, 0},
        {"1_000", -1, 0},
        {"0x10", -1, 0},
        {" 1", -1, 0},
        {"1.0", -1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long got = -12345;
        int rc = wss_selector_parse_int64(cases[i].in, strlen(cases[i].in), &got);
        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d", cases[i].in, rc);
        if (rc == 0 && got != cases[i].want)
            fail_msg("'%s': got %lld", cases[i].in, got);
        if (rc != 0 && got != -12345)
            fail_msg("'%s': output written on failure", cases[i].in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_blank_selectors_have_no_requirements),
        cmocka_unit_test(parses_every_operator),
        cmocka_unit_test(set_values_are_sorted_unique_and_may_be_empty),
        cmocka_unit_test(in_and_notin_are_words_in_value_and_key_position),
        cmocka_unit_test(empty_exact_values_and_whitespace),
        cmocka_unit_test(integer_bounds_are_parsed),
        cmocka_unit_test(accepts_longest_key_and_value),
        cmocka_unit_test(rejects_syntax_errors_with_apiserver_text),
        cmocka_unit_test(rejects_invalid_keys_with_apiserver_text),
        cmocka_unit_test(rejects_invalid_values_with_apiserver_text),
        cmocka_unit_test(message_is_cut_to_the_record_not_overrun),
        cmocka_unit_test(too_many_requirements_is_an_error_not_a_crash),
        cmocka_unit_test(too_many_values_is_an_error_not_a_crash),
        cmocka_unit_test(parses_int64_like_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
