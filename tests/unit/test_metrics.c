/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics.c: the server's families sum every thread's counters at scrape time, derive open
 * connections, and show rooms and the draining flag; with Redis, its link and traffic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

static const char *sample(const char *text, const char *name, char *line, size_t cap)
{
    char want[128];
    assert_true(strlen(name) + 3 <= sizeof(want));
    snprintf(want, sizeof(want), "\n%.*s ", (int)(sizeof(want) - 3), name);
    const char *p = strstr(text, want);
    if (!p)
        return NULL;
    p++;
    size_t n = strcspn(p, "\n");
    snprintf(line, cap, "%.*s", (int)n, p);
    return line;
}

static void families_sum_threads_and_follow_rooms_and_drain(void **state)
{
    (void)state;
    static struct stats st[2];
    memset(st, 0, sizeof(st));
    atomic_bool is_draining;
    atomic_init(&is_draining, false);
    struct rooms *rooms = rooms_new(2);
    struct rooms_local *t1 = rooms_local_new(rooms, 1);
    struct wss_prom_registry *reg = wss_prom_registry_new();
    struct wss_parse_err err;
    struct metrics *m =
        metrics_new(reg, &(struct metrics_source){st, 2, rooms, &is_draining, false}, &err);
    assert_non_null(m);

    stats_add(&st[0].opened, 5);
    stats_add(&st[0].closed, 1);
    stats_add(&st[1].opened, 3);
    stats_add(&st[1].closed, 2);
    stats_add(&st[0].bytes_in, 100);
    stats_add(&st[1].bytes_in, 23);
    stats_add(&st[1].send_buffer_drops, 2);
    struct room_member a = {0};
    assert_int_equal(rooms_join(t1, "x", 1, &a), 0);
    atomic_store(&is_draining, true);

    struct wss_strbuf out = {0};
    assert_int_equal(wss_prom_render(reg, &out), 0);
    static const struct {
        const char *name;
        const char *line;
    } want[] = {
        {"websocket_connections", "websocket_connections 5"},
        {"websocket_connections_opened_total", "websocket_connections_opened_total 8"},
        {"websocket_connections_closed_total", "websocket_connections_closed_total 3"},
        {"wsscale_server_received_bytes_total", "wsscale_server_received_bytes_total 123"},
        {"wsscale_server_send_buffer_drops_total", "wsscale_server_send_buffer_drops_total 2"},
        {"wsscale_server_rooms", "wsscale_server_rooms 1"},
        {"wsscale_server_draining", "wsscale_server_draining 1"},
        {"wsscale_server_messages_received_total", "wsscale_server_messages_received_total 0"},
    };
    char line[256];
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_non_null(sample(out.data, want[i].name, line, sizeof(line)));
        assert_string_equal(line, want[i].line);
    }
    assert_non_null(strstr(out.data, "# TYPE websocket_connections gauge\n"));
    assert_non_null(strstr(out.data, "# TYPE websocket_connections_opened_total counter\n"));
    assert_null(strstr(out.data, "wsscale_server_redis_")); /* only with --redis */

    wss_strbuf_free(&out);
    rooms_leave(t1, &a);
    rooms_local_free(t1);
    wss_prom_registry_free(reg);
    metrics_free(m);
    rooms_free(rooms);
}

static void redis_is_up_only_while_every_thread_is_and_counters_sum(void **state)
{
    (void)state;
    static struct stats st[2];
    memset(st, 0, sizeof(st));
    atomic_bool is_draining;
    atomic_init(&is_draining, false);
    struct rooms *rooms = rooms_new(2);
    struct wss_prom_registry *reg = wss_prom_registry_new();
    struct wss_parse_err err;
    struct metrics_source src = {st, 2, rooms, &is_draining, true};
    struct metrics *m = metrics_new(reg, &src, &err);
    assert_non_null(m);
    stats_add(&st[0].redis_published, 4);
    stats_add(&st[1].redis_published, 1);
    stats_add(&st[1].redis_publish_errors, 3);
    stats_add(&st[0].redis_reconnects, 2);
    stats_set(&st[0].redis_subscriptions, 2);
    stats_set(&st[1].redis_subscriptions, 1);
    char line[256];
    static const char *const up_want[] = {"wsscale_server_redis_up 0", "wsscale_server_redis_up 0",
                                          "wsscale_server_redis_up 1"};
    for (int round = 0; round < 3; round++) {
        if (round == 1)
            stats_set(&st[0].redis_up, 1); /* thread 1 still down */
        if (round == 2)
            stats_set(&st[1].redis_up, 1);
        struct wss_strbuf out = {0};
        assert_int_equal(wss_prom_render(reg, &out), 0);
        assert_non_null(sample(out.data, "wsscale_server_redis_up", line, sizeof(line)));
        assert_string_equal(line, up_want[round]);
        if (round == 2) {
            static const char *const want[] = {
                "wsscale_server_redis_published_total 5",
                "wsscale_server_redis_publish_errors_total 3",
                "wsscale_server_redis_reconnects_total 2",
                "wsscale_server_redis_subscriptions 3",
                "wsscale_server_redis_received_total 0",
                "wsscale_server_redis_invalid_messages_total 0",
            };
            for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                char name[128];
                snprintf(name, sizeof(name), "%.*s", (int)strcspn(want[i], " "), want[i]);
                assert_non_null(sample(out.data, name, line, sizeof(line)));
                assert_string_equal(line, want[i]);
            }
            assert_non_null(strstr(out.data, "# TYPE wsscale_server_redis_up gauge\n"));
        }
        wss_strbuf_free(&out);
    }
    wss_prom_registry_free(reg);
    metrics_free(m);
    rooms_free(rooms);
}

static void a_second_registration_fails_with_the_registry_error(void **state)
{
    (void)state;
    static struct stats st[1];
    atomic_bool is_draining;
    atomic_init(&is_draining, false);
    struct rooms *rooms = rooms_new(1);
    struct wss_prom_registry *reg = wss_prom_registry_new();
    struct wss_parse_err err;
    struct metrics_source src = {st, 1, rooms, &is_draining, false};
    struct metrics *m = metrics_new(reg, &src, &err);
    assert_non_null(m);
    assert_null(metrics_new(reg, &src, &err));
    assert_non_null(strstr(err.msg, "websocket_connections"));
    wss_prom_registry_free(reg);
    metrics_free(m);
    rooms_free(rooms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(families_sum_threads_and_follow_rooms_and_drain),
        cmocka_unit_test(a_second_registration_fails_with_the_registry_error),
        cmocka_unit_test(redis_is_up_only_while_every_thread_is_and_counters_sum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
