/* SPDX-License-Identifier: Apache-2.0 */
/* test_review_cache.c: the review answer cache: deep copies, expiry per entry, the oldest entry
 * evicted at the bound, replacement, and its SHA-256 key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "review_cache.h"

static void key_of(const char *s, uint8_t key[REVIEW_CACHE_KEY_LEN])
{
    review_cache_key(s, strlen(s), key);
}

static struct review_answer answer(int result, const char *reason)
{
    return (struct review_answer){.result = result, .reason = (char *)reason};
}

static void key_is_the_sha256_of_the_bytes(void **state)
{
    (void)state;
    static const uint8_t abc[REVIEW_CACHE_KEY_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    key_of("abc", key);
    assert_memory_equal(key, abc, sizeof(abc));
}

static void stored_answer_comes_back_as_a_deep_copy(void **state)
{
    (void)state;
    struct review_cache *c = review_cache_new(4);
    assert_non_null(c);
    struct review_answer a = answer(0, NULL);
    assert_int_equal(user_info_set_name(&a.user, "alice"), 0);
    assert_int_equal(user_info_set_uid(&a.user, "u-1"), 0);
    assert_int_equal(user_info_add_group(&a.user, "dev"), 0);
    assert_int_equal(user_info_add_extra(&a.user, "k", "v1"), 0);
    assert_int_equal(user_info_add_extra(&a.user, "k", "v2"), 0);
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    key_of("token", key);
    assert_int_equal(review_cache_put(c, key, &a, 1000), 0);
    user_info_clear(&a.user); /* the cache holds its own copy */

    struct review_answer got = {0};
    assert_true(review_cache_get(c, key, 999, &got));
    assert_int_equal(got.result, 0);
    assert_null(got.reason);
    assert_string_equal(got.user.name, "alice");
    assert_string_equal(got.user.uid, "u-1");
    assert_string_equal(got.user.groups[0], "dev");
    assert_int_equal(got.user.extra[0].nvalues, 2);
    assert_string_equal(got.user.extra[0].values[1], "v2");
    review_answer_clear(&got);
    review_cache_free(c);
}

static void entries_expire_each_at_their_own_time(void **state)
{
    (void)state;
    struct review_cache *c = review_cache_new(4);
    uint8_t k1[REVIEW_CACHE_KEY_LEN], k2[REVIEW_CACHE_KEY_LEN];
    key_of("allow", k1);
    key_of("deny", k2);
    struct review_answer allow = answer(0, NULL), deny = answer(1, "no");
    assert_int_equal(review_cache_put(c, k1, &allow, 100), 0);
    assert_int_equal(review_cache_put(c, k2, &deny, 50), 0);
    struct review_answer got = {0};
    assert_true(review_cache_get(c, k2, 49, &got));
    assert_string_equal(got.reason, "no");
    review_answer_clear(&got);
    assert_false(review_cache_get(c, k2, 50, &got)); /* expiry is exclusive */
    assert_int_equal(review_cache_count(c), 1);      /* and the expired entry is gone */
    assert_true(review_cache_get(c, k1, 99, &got));
    review_answer_clear(&got);
    assert_false(review_cache_get(c, k1, 100, &got));
    assert_int_equal(review_cache_count(c), 0);
    review_cache_free(c);
}

static void full_cache_evicts_the_oldest_entry(void **state)
{
    (void)state;
    struct review_cache *c = review_cache_new(3);
    uint8_t keys[5][REVIEW_CACHE_KEY_LEN];
    struct review_answer a = answer(0, NULL), got = {0};
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof(name), "k%d", i);
        key_of(name, keys[i]);
        assert_int_equal(review_cache_put(c, keys[i], &a, 1000), 0);
    }
    assert_int_equal(review_cache_count(c), 3);
    assert_false(review_cache_get(c, keys[0], 0, &got));
    assert_false(review_cache_get(c, keys[1], 0, &got));
    for (int i = 2; i < 5; i++) {
        assert_true(review_cache_get(c, keys[i], 0, &got));
        review_answer_clear(&got);
    }
    review_cache_free(c);
}

static void putting_a_key_again_replaces_its_answer(void **state)
{
    (void)state;
    struct review_cache *c = review_cache_new(8);
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    key_of("q", key);
    struct review_answer first = answer(1, "first"), second = answer(1, "second"), got = {0};
    assert_int_equal(review_cache_put(c, key, &first, 1000), 0);
    assert_int_equal(review_cache_put(c, key, &second, 2000), 0);
    assert_int_equal(review_cache_count(c), 1);
    assert_true(review_cache_get(c, key, 1500, &got));
    assert_string_equal(got.reason, "second");
    review_answer_clear(&got);
    review_cache_free(c);
}

/* Many keys through a small cache: buckets chain and unchain correctly under eviction. */
static void many_keys_keep_exactly_the_newest(void **state)
{
    (void)state;
    enum { CAP = 64, TOTAL = 5000 };
    struct review_cache *c = review_cache_new(CAP);
    struct review_answer a = answer(0, NULL), got = {0};
    uint8_t key[REVIEW_CACHE_KEY_LEN];
    char name[16];
    for (int i = 0; i < TOTAL; i++) {
        snprintf(name, sizeof(name), "key-%d", i);
        key_of(name, key);
        a.result = i;
        assert_int_equal(review_cache_put(c, key, &a, 1000), 0);
    }
    assert_int_equal(review_cache_count(c), CAP);
    for (int i = 0; i < TOTAL; i++) {
        snprintf(name, sizeof(name), "key-%d", i);
        key_of(name, key);
        bool want = i >= TOTAL - CAP;
        assert_int_equal(review_cache_get(c, key, 0, &got), want);
        if (want)
            assert_int_equal(got.result, i);
        review_answer_clear(&got);
    }
    review_cache_free(c);
    review_cache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_is_the_sha256_of_the_bytes),
        cmocka_unit_test(stored_answer_comes_back_as_a_deep_copy),
        cmocka_unit_test(entries_expire_each_at_their_own_time),
        cmocka_unit_test(full_cache_evicts_the_oldest_entry),
        cmocka_unit_test(putting_a_key_again_replaces_its_answer),
        cmocka_unit_test(many_keys_keep_exactly_the_newest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
