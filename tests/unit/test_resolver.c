/* SPDX-License-Identifier: Apache-2.0 */
/* test_resolver.c: the lookup thread: a question is answered and taken once, with the wake
 * callback run; one question per key at a time; failures come back as -1; stopping is at once
 * when idle and bounded when a lookup hangs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "resolver.h"
#include "wait.h"

#define WAIT_MS 5000

struct dns {
    _Atomic int delay_ms;
    _Atomic unsigned calls;
    _Atomic unsigned wakes;
};

/* "two.test" has two addresses, "hang.test" sleeps first, anything else does not resolve. */
static int lookup(const char *host, char (*addrs)[PUSH_URL_ADDR_LEN], size_t cap, void *arg)
{
    struct dns *d = arg;
    atomic_fetch_add(&d->calls, 1);
    int delay = atomic_load(&d->delay_ms);
    if (strcmp(host, "hang.test") == 0 && delay > 0) {
        struct timespec ts = {.tv_sec = delay / 1000, .tv_nsec = (delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (strcmp(host, "two.test") != 0)
        return -1;
    static const char *const two[] = {"10.0.0.1", "fd00::1"};
    for (size_t i = 0; i < 2 && i < cap; i++)
        snprintf(addrs[i], PUSH_URL_ADDR_LEN, "%s", two[i]);
    return 2;
}

static void on_wake(void *arg)
{
    atomic_fetch_add(&((struct dns *)arg)->wakes, 1);
}

struct answer {
    struct resolver *r;
    size_t key;
    int n;
    char addrs[RESOLVER_MAX_ADDRS][PUSH_URL_ADDR_LEN];
};

static bool took(void *arg)
{
    struct answer *a = arg;
    return resolver_take(a->r, &a->key, &a->n, a->addrs, RESOLVER_MAX_ADDRS);
}

static void answers_are_taken_once_per_question(void **state)
{
    (void)state;
    static struct dns d;
    struct resolver *r = resolver_start(lookup, &d, on_wake, &d);
    assert_non_null(r);
    struct answer a = {.r = r};
    assert_false(took(&a)); /* nothing asked */
    assert_true(resolver_ask(r, 3, "two.test"));
    assert_false(resolver_ask(r, 3, "two.test")); /* one question per key at a time */
    assert_true(wss_wait_until(took, &a, WAIT_MS));
    assert_int_equal(a.key, 3);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.addrs[0], "10.0.0.1");
    assert_string_equal(a.addrs[1], "fd00::1");
    assert_true(atomic_load(&d.wakes) >= 1);
    assert_false(took(&a));                          /* taken once */
    assert_true(resolver_ask(r, 3, "nowhere.test")); /* the key is free again */
    assert_true(resolver_ask(r, 5, "two.test"));
    bool seen[RESOLVER_MAX_KEYS] = {false};
    for (int i = 0; i < 2; i++) {
        assert_true(wss_wait_until(took, &a, WAIT_MS));
        seen[a.key] = true;
        assert_int_equal(a.n, a.key == 3 ? -1 : 2);
    }
    assert_true(seen[3] && seen[5]);
    assert_false(resolver_ask(r, RESOLVER_MAX_KEYS, "two.test"));
    long long t0 = wss_wait_now_ms();
    resolver_stop(r); /* idle: at once */
    assert_true(wss_wait_now_ms() - t0 < RESOLVER_STOP_WAIT_MS);
}

static bool is_looking(void *arg)
{
    return atomic_load(&((struct dns *)arg)->calls) > 0;
}

static void stop_does_not_wait_for_a_hanging_lookup(void **state)
{
    (void)state;
    static struct dns d = {.delay_ms = 3000}; /* static: read after the test by the lookup */
    struct resolver *r = resolver_start(lookup, &d, on_wake, &d);
    assert_non_null(r);
    assert_true(resolver_ask(r, 0, "hang.test"));
    assert_true(wss_wait_until(is_looking, &d, WAIT_MS));
    long long t0 = wss_wait_now_ms();
    resolver_stop(r);
    long long took_ms = wss_wait_now_ms() - t0;
    assert_true(took_ms >= RESOLVER_STOP_WAIT_MS - 10 && took_ms < RESOLVER_STOP_WAIT_MS + 500);
    assert_int_equal(atomic_load(&d.wakes), 0); /* no wake after stop */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_are_taken_once_per_question),
        cmocka_unit_test(stop_does_not_wait_for_a_hanging_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
