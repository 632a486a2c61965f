/* SPDX-License-Identifier: Apache-2.0 */
/* test_selector_match.c: Kubernetes matching semantics for every operator, absent keys,
 * integer bounds and the empty selector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wsscale/selector.h"

#define L(k, v)                                                                                    \
    {                                                                                              \
        (k), sizeof(k) - 1, (v), sizeof(v) - 1                                                     \
    }

/* A pod's labels, including values a real label could not hold, to test integer parsing. */
static const struct wss_label pod[] = {
    L("app", "chat"),
    L("tier", "web"),
    L("version", "3"),
    L("weird", "abc"),
    L("neg", "-5"),
    L("empty", ""),
    L("big", "9223372036854775807"),
    L("huge", "99999999999999999999"),
    L("app.kubernetes.io/name", "chat-server"),
};
#define NPOD (sizeof(pod) / sizeof(pod[0]))

static bool matches(const char *selector, const struct wss_label *labels, size_t nlabels)
{
    struct wss_sel_req reqs[8];
    struct wss_sel_value values[16];
    struct wss_selector sel;
    struct wss_parse_err err;
    wss_selector_init(&sel, reqs, 8, values, 16);
    int rc = wss_selector_parse(selector, strlen(selector), &sel, &err);
    if (rc < 0)
        fail_msg("'%s' does not parse: %s", selector, err.msg);
    return wss_selector_matches(&sel, labels, nlabels);
}

struct match_case {
    const char *selector;
    bool want;
};

static void check_table(const struct match_case *cases, size_t n, const struct wss_label *labels,
                        size_t nlabels)
{
    for (size_t i = 0; i < n; i++) {
        bool got = matches(cases[i].selector, labels, nlabels);
        if (got != cases[i].want)
            fail_msg("'%s': got %d, want %d", cases[i].selector, got, cases[i].want);
    }
}

static void equality_operators_need_the_key_and_value(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"app=chat", true},   {"app==chat", true},
        {"app=other", false}, {"missing=chat", false},
        {"app=cha", false},   {"app=chatx", false},
        {"empty=", true},     {"empty=x", false},
        {"missing=", false},  {"app.kubernetes.io/name=chat-server", true},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), pod, NPOD);
}

static void not_equals_and_notin_hold_for_absent_keys(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"app!=chat", false},        {"app!=other", true},      {"missing!=x", true},
        {"app notin (chat)", false}, {"app notin (x,y)", true}, {"missing notin (x)", true},
        {"empty notin ()", false},   {"empty!=", false},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), pod, NPOD);
}

static void in_needs_the_key_and_a_listed_value(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"app in (chat)", true},    {"app in (x,chat,y)", true}, {"app in (x)", false},
        {"missing in (x)", false},  {"empty in ()", true},       {"empty in (a,)", true},
        {"tier in (web,db)", true},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), pod, NPOD);
}

static void exists_and_does_not_exist(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"app", true},      {"empty", true}, {"missing", false},
        {"!missing", true}, {"!app", false}, {"!empty", false},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), pod, NPOD);
}

static void bounds_compare_integer_label_values_only(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"version>2", true},
        {"version>3", false},
        {"version<4", true},
        {"version<3", false},
        {"version>02", true},
        {"missing>1", false},
        {"missing<1", false},
        {"weird>1", false},
        {"weird<1", false},
        {"empty<1", false},
        {"neg<0", true},
        {"neg>0", false},
        {"big>9223372036854775806", true},
        {"big<9223372036854775807", false},
        {"huge>1", false},
        {"huge<1", false},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), pod, NPOD);
}

static void all_requirements_must_hold(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"app=chat,tier=web", true},
        {"app=chat,tier=db", false},
        {"tier=db,app=chat", false},
        {"app in (chat),!missing,version>1,tier notin (db)", true},
        {"app in (chat),!missing,version>1,tier notin (web)", false},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), pod, NPOD);
}

static void empty_selector_matches_everything(void **state)
{
    (void)state;
    assert_true(matches("", pod, NPOD));
    assert_true(matches("  ", NULL, 0));
}

static void no_labels_behaves_as_all_keys_absent(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        {"a", false},        {"!a", true},          {"a=b", false}, {"a!=b", true},
        {"a in (b)", false}, {"a notin (b)", true}, {"a>1", false}, {"a<1", false},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), NULL, 0);
}

static void first_of_duplicate_label_keys_wins(void **state)
{
    (void)state;
    static const struct wss_label dup[] = {L("app", "chat"), L("app", "other")};
    assert_true(matches("app=chat", dup, 2));
    assert_false(matches("app=other", dup, 2));
}

static void keys_compare_bytewise_with_lengths(void **state)
{
    (void)state;
    /* "ap" must not match "app" by prefix, nor "app" match a longer key. */
    static const struct wss_label labels[] = {L("app", "chat"), L("application", "x")};
    assert_false(matches("ap", labels, 2));
    assert_false(matches("App", labels, 2));
    assert_true(matches("application=x", labels, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equality_operators_need_the_key_and_value),
        cmocka_unit_test(not_equals_and_notin_hold_for_absent_keys),
        cmocka_unit_test(in_needs_the_key_and_a_listed_value),
        cmocka_unit_test(exists_and_does_not_exist),
        cmocka_unit_test(bounds_compare_integer_label_values_only),
        cmocka_unit_test(all_requirements_must_hold),
        cmocka_unit_test(empty_selector_matches_everything),
        cmocka_unit_test(no_labels_behaves_as_all_keys_absent),
        cmocka_unit_test(first_of_duplicate_label_keys_wins),
        cmocka_unit_test(keys_compare_bytewise_with_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
