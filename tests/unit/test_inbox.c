/* SPDX-License-Identifier: Apache-2.0 */
/* test_inbox.c: messages posted from several threads arrive once each, wake the owning loop, keep
 * their references straight, and the inbox refuses posts past its bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "inbox.h"
#include "wait.h"

#define POSTERS          4
#define POSTS_PER_THREAD 5000

struct fixture {
    struct wss_loop *loop;
    struct inbox *ib;
    int wakeups;
};

static void on_wakeup(struct wss_loop *l, void *arg)
{
    (void)l;
    ((struct fixture *)arg)->wakeups++;
}

static int setup(void **state)
{
    static struct fixture f;
    char err[WSS_LOOP_ERR_LEN];
    memset(&f, 0, sizeof(f));
    f.loop = wss_loop_create(NULL, err, sizeof(err));
    if (!f.loop)
        return -1;
    wss_loop_set_wakeup_cb(f.loop, on_wakeup, &f);
    f.ib = inbox_new(f.loop);
    *state = &f;
    return f.ib ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    inbox_free(f->ib);
    wss_loop_free(f->loop);
    return 0;
}

struct poster {
    struct inbox *ib;
    struct msg *msgs[POSTS_PER_THREAD];
    int failures;
};

static void *post_all(void *arg)
{
    struct poster *p = arg;
    for (int i = 0; i < POSTS_PER_THREAD; i++)
        if (inbox_post(p->ib, p->msgs[i]) != 0)
            p->failures++;
    return NULL;
}

static void posts_from_many_threads_arrive_once_in_per_thread_order(void **state)
{
    struct fixture *f = *state;
    static struct poster posters[POSTERS];
    pthread_t th[POSTERS];
    for (int t = 0; t < POSTERS; t++) {
        posters[t].ib = f->ib;
        posters[t].failures = 0;
        for (int i = 0; i < POSTS_PER_THREAD; i++) {
            uint32_t tag = (uint32_t)(t * POSTS_PER_THREAD + i);
            posters[t].msgs[i] = msg_new(sizeof(tag));
            assert_non_null(posters[t].msgs[i]);
            memcpy(posters[t].msgs[i]->data, &tag, sizeof(tag));
        }
    }
    for (int t = 0; t < POSTERS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, post_all, &posters[t]), 0);
    static int next_of[POSTERS];
    memset(next_of, 0, sizeof(next_of));
    int received = 0;
    long long deadline = wss_wait_now_ms() + 10000;
    while (received < POSTERS * POSTS_PER_THREAD && wss_wait_now_ms() < deadline) {
        assert_int_equal(wss_loop_run_once(f->loop, 100), 0);
        struct msg **got;
        size_t n = inbox_take(f->ib, &got);
        for (size_t i = 0; i < n; i++) {
            uint32_t tag;
            memcpy(&tag, got[i]->data, sizeof(tag));
            int t = (int)(tag / POSTS_PER_THREAD);
            assert_int_equal((int)(tag % POSTS_PER_THREAD), next_of[t]);
            next_of[t]++;
            msg_unref(got[i]);
            received++;
        }
    }
    for (int t = 0; t < POSTERS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(posters[t].failures, 0);
    }
    assert_int_equal(received, POSTERS * POSTS_PER_THREAD);
    assert_true(f->wakeups >= 1);
    for (int t = 0; t < POSTERS; t++) {
        for (int i = 0; i < POSTS_PER_THREAD; i++) {
            /* The inbox's reference is gone: ours is the last. */
            assert_int_equal(atomic_load(&posters[t].msgs[i]->refs), 1);
            msg_unref(posters[t].msgs[i]);
        }
    }
}

static void post_to_empty_inbox_wakes_the_loop(void **state)
{
    struct fixture *f = *state;
    struct msg *m = msg_new(3);
    memcpy(m->data, "abc", 3);
    assert_int_equal(msg_set_tag(m, "r", 1), 0);
    assert_int_equal(inbox_post(f->ib, m), 0);
    assert_int_equal(wss_loop_run_once(f->loop, 2000), 0);
    assert_int_equal(f->wakeups, 1);
    struct msg **got;
    assert_int_equal(inbox_take(f->ib, &got), 1);
    assert_ptr_equal(got[0], m);
    assert_memory_equal(got[0]->data, "abc", 3);
    assert_int_equal(got[0]->tag_len, 1);
    assert_memory_equal(got[0]->tag, "r", 1);
    msg_unref(got[0]);
    assert_int_equal(inbox_take(f->ib, &got), 0);
    msg_unref(m);
}

static void inbox_refuses_posts_past_its_bound_and_counts_them(void **state)
{
    struct fixture *f = *state;
    struct msg *m = msg_new(0);
    for (int i = 0; i < INBOX_MAX_PENDING; i++)
        assert_int_equal(inbox_post(f->ib, m), 0);
    assert_int_equal(inbox_post(f->ib, m), -EAGAIN);
    assert_int_equal(inbox_refused(f->ib), 1);
    assert_int_equal(atomic_load(&m->refs), INBOX_MAX_PENDING + 1);
    struct msg **got;
    assert_int_equal(inbox_take(f->ib, &got), INBOX_MAX_PENDING);
    for (int i = 0; i < INBOX_MAX_PENDING; i++)
        msg_unref(got[i]);
    assert_int_equal(inbox_post(f->ib, m), 0); /* room again */
    /* inbox_free drops what is still queued. */
    assert_int_equal(atomic_load(&m->refs), 2);
    inbox_free(f->ib);
    f->ib = NULL;
    assert_int_equal(atomic_load(&m->refs), 1);
    msg_unref(m);
}

static void msg_refuses_sizes_and_tags_over_its_limits_and_resizes_keeping_bytes(void **state)
{
    (void)state;
    assert_null(msg_new((size_t)MSG_MAX_LEN + 1));
    struct msg *m = msg_new(4);
    assert_non_null(m);
    memcpy(m->data, "abcd", 4);
    char tag[MSG_TAG_MAX + 1];
    memset(tag, 'x', sizeof(tag));
    assert_int_equal(msg_set_tag(m, tag, MSG_TAG_MAX + 1), -EINVAL);
    assert_int_equal(msg_set_tag(m, tag, MSG_TAG_MAX), 0);
    assert_null(msg_resize(m, (size_t)MSG_MAX_LEN + 1));
    m = msg_resize(m, 1 << 20);
    assert_non_null(m);
    assert_int_equal(m->len, 1 << 20);
    assert_memory_equal(m->data, "abcd", 4);
    assert_int_equal(m->tag_len, MSG_TAG_MAX);
    msg_unref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(posts_from_many_threads_arrive_once_in_per_thread_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(post_to_empty_inbox_wakes_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(inbox_refuses_posts_past_its_bound_and_counts_them, setup,
                                        teardown),
        cmocka_unit_test(msg_refuses_sizes_and_tags_over_its_limits_and_resizes_keeping_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
