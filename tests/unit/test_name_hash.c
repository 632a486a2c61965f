/* SPDX-License-Identifier: Apache-2.0 */
/* test_name_hash.c: the intrusive hash of short names: find after growth, names that differ only
 * in length or one byte, removal, and iteration that visits every entry once even while removing
 * the current one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "name_hash.h"

#define N 500

static struct name_key keys[N];

static size_t name_of(int i, char *out)
{
    return (size_t)snprintf(out, 16, "room-%d", i);
}

static struct name_key *find(const struct name_hash *h, const char *s, size_t len)
{
    return name_hash_find(h, s, len, name_hash_of(s, len));
}

static void finds_every_name_after_growing(void **state)
{
    (void)state;
    struct name_hash h = {0};
    assert_null(find(&h, "x", 1)); /* empty: no buckets yet */
    assert_null(name_hash_first(&h));
    for (int i = 0; i < N; i++) {
        char s[16];
        size_t len = name_of(i, s);
        name_key_set(&keys[i], s, len, name_hash_of(s, len));
        assert_int_equal(name_hash_insert(&h, &keys[i]), 0);
    }
    assert_int_equal(h.count, N);
    for (int i = 0; i < N; i++) {
        char s[16];
        size_t len = name_of(i, s);
        assert_ptr_equal(find(&h, s, len), &keys[i]);
    }
    assert_null(find(&h, "room-", 5));     /* a prefix of every name */
    assert_null(find(&h, "room-1x", 7));   /* one byte off */
    assert_null(find(&h, "room-5000", 9)); /* longer */
    name_hash_release(&h);
    assert_int_equal(h.count, 0);
}

static void iteration_visits_each_entry_once_while_removing(void **state)
{
    (void)state;
    struct name_hash h = {0};
    for (int i = 0; i < N; i++) {
        char s[16];
        size_t len = name_of(i, s);
        name_key_set(&keys[i], s, len, name_hash_of(s, len));
        assert_int_equal(name_hash_insert(&h, &keys[i]), 0);
    }
    static int seen[N];
    memset(seen, 0, sizeof(seen));
    size_t visits = 0;
    for (struct name_key *k = name_hash_first(&h), *next; k && visits <= N; k = next) {
        next = name_hash_next(&h, k);
        seen[k - keys]++;
        visits++;
        if ((k - keys) % 2 == 0)
            name_hash_remove(&h, k);
    }
    assert_int_equal(visits, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(h.count, N / 2);
    for (int i = 0; i < N; i++) {
        char s[16];
        size_t len = name_of(i, s);
        if (i % 2 == 0)
            assert_null(find(&h, s, len));
        else
            assert_ptr_equal(find(&h, s, len), &keys[i]);
    }
    name_hash_release(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_every_name_after_growing),
        cmocka_unit_test(iteration_visits_each_entry_once_while_removing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
