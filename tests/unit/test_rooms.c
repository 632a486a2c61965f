/* SPDX-License-Identifier: Apache-2.0 */
/* test_rooms.c: room names, joining and leaving, member order, the registry's thread masks and
 * room count across two thread tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rooms.h"

static void room_names_follow_the_url_safe_alphabet(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bool is_valid;
    } cases[] = {
        {"lobby", true},
        {"Room-1_a.b~c", true},
        {"0", true},
        {"1234567890123456789012345678901234567890123456789012345678901234", true}, /* 64 */
        {"", false},
        {"12345678901234567890123456789012345678901234567890123456789012345", false}, /* 65 */
        {"a/b", false},
        {"a b", false},
        {"caf\xc3\xa9", false},
        {"%41", false},
        {"a?b", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(room_name_is_valid(cases[i].name, strlen(cases[i].name)),
                         cases[i].is_valid);
}

static void registry_refuses_thread_counts_it_cannot_mask(void **state)
{
    (void)state;
    assert_null(rooms_new(0));
    assert_null(rooms_new(ROOMS_MAX_THREADS + 1));
    struct rooms *g = rooms_new(2);
    assert_non_null(g);
    assert_null(rooms_local_new(g, 2));
    rooms_free(g);
}

static void members_join_in_order_and_the_last_leaver_frees_the_room(void **state)
{
    (void)state;
    struct rooms *g = rooms_new(1);
    struct rooms_local *t = rooms_local_new(g, 0);
    struct room_member m[3];
    memset(m, 0, sizeof(m));
    for (int i = 0; i < 3; i++)
        assert_int_equal(rooms_join(t, "lobby", 5, &m[i]), 0);
    assert_int_equal(rooms_count(g), 1);
    struct room *r = rooms_find(t, "lobby", 5);
    assert_non_null(r);
    assert_ptr_equal(room_of(&m[1]), r);
    assert_int_equal(room_local_members(r), 3);
    size_t len;
    assert_memory_equal(room_name(r, &len), "lobby", 5);
    assert_int_equal(len, 5);
    int seen = 0;
    for (struct room_member *p = room_first(r); p; p = room_next(r, p))
        assert_ptr_equal(p, &m[seen++]);
    assert_int_equal(seen, 3);

    rooms_leave(t, &m[1]);
    assert_null(room_of(&m[1]));
    rooms_leave(t, &m[1]); /* twice is harmless */
    assert_ptr_equal(room_first(r), &m[0]);
    assert_ptr_equal(room_next(r, &m[0]), &m[2]);
    rooms_leave(t, &m[0]);
    rooms_leave(t, &m[2]);
    assert_null(rooms_find(t, "lobby", 5));
    assert_int_equal(rooms_count(g), 0);
    rooms_local_free(t);
    rooms_free(g);
}

static void join_refuses_bad_names_and_members_already_in_a_room(void **state)
{
    (void)state;
    struct rooms *g = rooms_new(1);
    struct rooms_local *t = rooms_local_new(g, 0);
    struct room_member m = {0};
    assert_int_equal(rooms_join(t, "a/b", 3, &m), -EINVAL);
    assert_null(room_of(&m));
    assert_int_equal(rooms_join(t, "a", 1, &m), 0);
    assert_int_equal(rooms_join(t, "b", 1, &m), -EINVAL);
    assert_int_equal(rooms_count(g), 1);
    rooms_local_free(t); /* takes the member out */
    assert_null(room_of(&m));
    rooms_free(g);
}

static void remote_threads_are_the_other_threads_with_members(void **state)
{
    (void)state;
    struct rooms *g = rooms_new(3);
    struct rooms_local *t0 = rooms_local_new(g, 0);
    struct rooms_local *t2 = rooms_local_new(g, 2);
    struct room_member a = {0}, b = {0}, c = {0};
    assert_int_equal(rooms_join(t0, "chat", 4, &a), 0);
    struct room *r0 = rooms_find(t0, "chat", 4);
    assert_int_equal(rooms_remote_threads(t0, r0), 0);
    assert_int_equal(rooms_join(t2, "chat", 4, &b), 0);
    assert_int_equal(rooms_join(t2, "other", 5, &c), 0);
    struct room *r2 = rooms_find(t2, "chat", 4);
    assert_int_equal(rooms_remote_threads(t0, r0), 1u << 2);
    assert_int_equal(rooms_remote_threads(t2, r2), 1u << 0);
    assert_int_equal(rooms_count(g), 2);
    assert_null(rooms_find(t0, "other", 5));
    rooms_leave(t2, &b);
    assert_int_equal(rooms_remote_threads(t0, r0), 0);
    assert_int_equal(rooms_count(g), 2); /* "chat" still has a member on thread 0 */
    rooms_leave(t0, &a);
    assert_int_equal(rooms_count(g), 1);
    rooms_local_free(t0);
    rooms_local_free(t2);
    rooms_free(g);
}

static void many_rooms_grow_both_tables(void **state)
{
    (void)state;
    enum { N = 300 };
    static struct room_member m[N];
    memset(m, 0, sizeof(m));
    struct rooms *g = rooms_new(1);
    struct rooms_local *t = rooms_local_new(g, 0);
    char name[16];
    for (int i = 0; i < N; i++) {
        int n = snprintf(name, sizeof(name), "r%d", i);
        assert_int_equal(rooms_join(t, name, (size_t)n, &m[i]), 0);
    }
    assert_int_equal(rooms_count(g), N);
    for (int i = 0; i < N; i++) {
        int n = snprintf(name, sizeof(name), "r%d", i);
        struct room *r = rooms_find(t, name, (size_t)n);
        assert_non_null(r);
        assert_ptr_equal(room_first(r), &m[i]);
    }
    for (int i = 0; i < N; i += 2)
        rooms_leave(t, &m[i]);
    assert_int_equal(rooms_count(g), N / 2);
    rooms_local_free(t);
    assert_int_equal(rooms_count(g), 0);
    rooms_free(g);
}

/* What a watcher heard, in order. */
struct heard {
    char events[8][16]; /* "+name" or "-name" */
    int n;
};

static void record(void *arg, struct room *r, bool is_added)
{
    struct heard *h = arg;
    size_t len;
    const char *name = room_name(r, &len);
    assert_true(h->n < 8);
    snprintf(h->events[h->n++], sizeof(h->events[0]), "%c%.*s", is_added ? '+' : '-', (int)len,
             name);
}

static void the_watcher_hears_a_rooms_first_join_and_last_leave_only(void **state)
{
    (void)state;
    struct rooms *g = rooms_new(1);
    struct rooms_local *t = rooms_local_new(g, 0);
    struct heard h = {0};
    rooms_local_watch(t, record, &h);
    struct room_member a = {0}, b = {0}, c = {0};
    assert_int_equal(rooms_join(t, "x", 1, &a), 0);
    assert_int_equal(rooms_join(t, "x", 1, &b), 0);
    assert_int_equal(rooms_join(t, "y", 1, &c), 0);
    assert_int_equal(rooms_join(t, "bad/", 4, &c), -EINVAL); /* refused: nothing heard */
    rooms_leave(t, &a);
    assert_int_equal(h.n, 2);
    rooms_leave(t, &b);
    assert_int_equal(h.n, 3);
    rooms_local_free(t); /* "y" still has a member: the watcher hears it go */
    static const char *const want[] = {"+x", "+y", "-x", "-y"};
    assert_int_equal(h.n, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(h.events[i], want[i]);
    rooms_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(room_names_follow_the_url_safe_alphabet),
        cmocka_unit_test(registry_refuses_thread_counts_it_cannot_mask),
        cmocka_unit_test(members_join_in_order_and_the_last_leaver_frees_the_room),
        cmocka_unit_test(join_refuses_bad_names_and_members_already_in_a_room),
        cmocka_unit_test(remote_threads_are_the_other_threads_with_members),
        cmocka_unit_test(many_rooms_grow_both_tables),
        cmocka_unit_test(the_watcher_hears_a_rooms_first_join_and_last_leave_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
