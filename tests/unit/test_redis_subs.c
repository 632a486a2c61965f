/* SPDX-License-Identifier: Apache-2.0 */
/* test_redis_subs.c: the subscription bookkeeping of one Redis subscriber connection: what to send
 * when rooms fill and empty, one command in flight per room, reconnects, stale confirmations, and
 * a seeded churn against a simulated Redis that must end with Redis holding exactly the wanted
 * rooms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "redis_subs.h"

#define LEN(s) (sizeof(s) - 1)

/* Collects the names redis_subs_connected() asks to subscribe. */
struct sent {
    char names[8][REDIS_SUBS_NAME_MAX + 1];
    size_t n;
};

static void collect(void *arg, const char *name, size_t len)
{
    struct sent *s = arg;
    assert_true(s->n < 8);
    memcpy(s->names[s->n], name, len);
    s->names[s->n][len] = '\0';
    s->n++;
}

static void
rooms_wanted_while_disconnected_are_subscribed_when_the_connection_comes_up(void **state)
{
    (void)state;
    struct redis_subs *s = redis_subs_new();
    assert_false(redis_subs_is_connected(s));
    assert_int_equal(redis_subs_want(s, "a", 1, true), REDIS_SUBS_NONE);
    assert_int_equal(redis_subs_want(s, "b", 1, true), REDIS_SUBS_NONE);
    assert_int_equal(redis_subs_want(s, "c", 1, true), REDIS_SUBS_NONE);
    assert_int_equal(redis_subs_want(s, "c", 1, false), REDIS_SUBS_NONE); /* emptied again */
    assert_int_equal(redis_subs_tracked(s), 2);
    struct sent sent = {0};
    assert_int_equal(redis_subs_connected(s, collect, &sent), 2);
    assert_int_equal(sent.n, 2);
    bool seen_a = false, seen_b = false;
    for (size_t i = 0; i < sent.n; i++) {
        seen_a |= strcmp(sent.names[i], "a") == 0;
        seen_b |= strcmp(sent.names[i], "b") == 0;
    }
    assert_true(seen_a && seen_b);
    assert_int_equal(redis_subs_subscribed(s), 0); /* nothing confirmed yet */
    assert_int_equal(redis_subs_confirm(s, "a", 1, true), REDIS_SUBS_NONE);
    assert_true(redis_subs_is_subscribed(s, "a", 1));
    assert_false(redis_subs_is_subscribed(s, "b", 1));
    assert_int_equal(redis_subs_subscribed(s), 1);
    redis_subs_free(s);
}

/* One step of a scripted scenario on a connected table. */
enum op { WANT, UNWANT, CONFIRM_SUB, CONFIRM_UNSUB };

struct step {
    enum op op;
    int want_cmd;      /* what the call returns */
    size_t subscribed; /* redis_subs_subscribed() after it */
    bool is_wanted;    /* redis_subs_is_wanted("room") after it */
};

static void run_script(const char *what, const struct step *steps, size_t n)
{
    struct redis_subs *s = redis_subs_new();
    struct sent sent = {0};
    redis_subs_connected(s, collect, &sent);
    for (size_t i = 0; i < n; i++) {
        int got = 0;
        switch (steps[i].op) {
        case WANT:
            got = redis_subs_want(s, "room", 4, true);
            break;
        case UNWANT:
            got = redis_subs_want(s, "room", 4, false);
            break;
        case CONFIRM_SUB:
            got = (int)redis_subs_confirm(s, "room", 4, true);
            break;
        case CONFIRM_UNSUB:
            got = (int)redis_subs_confirm(s, "room", 4, false);
            break;
        }
        if (got != steps[i].want_cmd || redis_subs_subscribed(s) != steps[i].subscribed ||
            redis_subs_is_wanted(s, "room", 4) != steps[i].is_wanted)
            fail_msg("%s, step %zu: got cmd %d subscribed %zu wanted %d; want %d %zu %d", what, i,
                     got, redis_subs_subscribed(s), redis_subs_is_wanted(s, "room", 4),
                     steps[i].want_cmd, steps[i].subscribed, steps[i].is_wanted);
    }
    redis_subs_free(s);
}

#define SUB   REDIS_SUBS_SUBSCRIBE
#define UNSUB REDIS_SUBS_UNSUBSCRIBE
#define NONE  REDIS_SUBS_NONE

static void each_room_has_at_most_one_command_in_flight_whatever_its_members_do(void **state)
{
    (void)state;
    static const struct step plain[] = {
        {WANT, SUB, 0, true},      {CONFIRM_SUB, NONE, 1, true},
        {WANT, NONE, 1, true}, /* a second thread-local "first member" changes nothing */
        {UNWANT, UNSUB, 0, false}, {CONFIRM_UNSUB, NONE, 0, false},
    };
    run_script("fill then empty", plain, sizeof(plain) / sizeof(plain[0]));

    static const struct step empties_while_subscribing[] = {
        {WANT, SUB, 0, true},
        {UNWANT, NONE, 0, false},       /* SUBSCRIBE still in flight: wait for it */
        {CONFIRM_SUB, UNSUB, 0, false}, /* now undo it */
        {CONFIRM_UNSUB, NONE, 0, false},
    };
    run_script("empties while subscribing", empties_while_subscribing,
               sizeof(empties_while_subscribing) / sizeof(empties_while_subscribing[0]));

    static const struct step fills_while_unsubscribing[] = {
        {WANT, SUB, 0, true},          {CONFIRM_SUB, NONE, 1, true},
        {UNWANT, UNSUB, 0, false},     {WANT, NONE, 0, true}, /* UNSUBSCRIBE in flight */
        {CONFIRM_UNSUB, SUB, 0, true}, {CONFIRM_SUB, NONE, 1, true},
    };
    run_script("fills while unsubscribing", fills_while_unsubscribing,
               sizeof(fills_while_unsubscribing) / sizeof(fills_while_unsubscribing[0]));

    static const struct step flapping[] = {
        {WANT, SUB, 0, true},
        {UNWANT, NONE, 0, false},
        {WANT, NONE, 0, true},
        {UNWANT, NONE, 0, false},
        {WANT, NONE, 0, true},
        {CONFIRM_SUB, NONE, 1, true}, /* wanted again by the time Redis answered: stay */
    };
    run_script("flapping while subscribing", flapping, sizeof(flapping) / sizeof(flapping[0]));
}

static void stale_and_unknown_confirmations_change_nothing(void **state)
{
    (void)state;
    static const struct step stale[] = {
        {CONFIRM_SUB, NONE, 0, false},   /* unknown room */
        {CONFIRM_UNSUB, NONE, 0, false}, /* unknown room */
        {WANT, SUB, 0, true},
        {CONFIRM_UNSUB, NONE, 0, true}, /* not what is in flight */
        {CONFIRM_SUB, NONE, 1, true},
        {CONFIRM_SUB, NONE, 1, true}, /* a duplicate */
        {CONFIRM_UNSUB, NONE, 1, true},
    };
    run_script("stale confirmations", stale, sizeof(stale) / sizeof(stale[0]));
}

static void a_lost_connection_forgets_what_redis_held_and_unwanted_rooms(void **state)
{
    (void)state;
    struct redis_subs *s = redis_subs_new();
    struct sent sent = {0};
    redis_subs_connected(s, collect, &sent);
    assert_int_equal(redis_subs_want(s, "keep", 4, true), SUB);
    assert_int_equal(redis_subs_confirm(s, "keep", 4, true), NONE);
    assert_int_equal(redis_subs_want(s, "going", 5, true), SUB);
    assert_int_equal(redis_subs_want(s, "going", 5, false), NONE); /* SUBSCRIBE in flight */
    assert_int_equal(redis_subs_tracked(s), 2);
    redis_subs_disconnected(s);
    assert_false(redis_subs_is_connected(s));
    assert_int_equal(redis_subs_subscribed(s), 0);
    assert_false(redis_subs_is_subscribed(s, "keep", 4));
    assert_int_equal(redis_subs_tracked(s), 1); /* "going" is forgotten */
    /* Confirmations from the old connection are ignored. */
    assert_int_equal(redis_subs_confirm(s, "keep", 4, true), NONE);
    assert_int_equal(redis_subs_subscribed(s), 0);
    memset(&sent, 0, sizeof(sent));
    assert_int_equal(redis_subs_connected(s, collect, &sent), 1);
    assert_string_equal(sent.names[0], "keep");
    assert_int_equal(redis_subs_confirm(s, "keep", 4, true), NONE);
    assert_true(redis_subs_is_subscribed(s, "keep", 4));
    redis_subs_free(s);
}

static void rejects_empty_and_too_long_names(void **state)
{
    (void)state;
    struct redis_subs *s = redis_subs_new();
    char longest[REDIS_SUBS_NAME_MAX + 1];
    memset(longest, 'x', sizeof(longest));
    assert_int_equal(redis_subs_want(s, "", 0, true), -EINVAL);
    assert_int_equal(redis_subs_want(s, longest, sizeof(longest), true), -EINVAL);
    assert_int_equal(redis_subs_want(s, longest, REDIS_SUBS_NAME_MAX, true), NONE);
    assert_int_equal(redis_subs_tracked(s), 1);
    assert_int_equal(redis_subs_confirm(s, longest, sizeof(longest), true), NONE);
    assert_false(redis_subs_is_wanted(s, longest, sizeof(longest)));
    redis_subs_free(s);
}

/* ---- churn against a simulated Redis ------------------------------------------------------- */

#define ROOMS 40
#define STEPS 20000
#define QUEUE (ROOMS * 4)

/* The Redis side: commands in the order sent, applied when "answered". */
struct sim {
    struct redis_subs *s;
    struct {
        int room;
        bool is_sub;
    } q[QUEUE];
    size_t head, len;
    int in_flight[ROOMS];
    bool held[ROOMS];   /* what Redis has subscribed */
    bool wanted[ROOMS]; /* the model of local members */
    uint64_t rng;
};

static void room_name_of(int i, char *out, size_t *len)
{
    *len = (size_t)snprintf(out, 16, "r%d", i);
}

static int room_index(const char *name, size_t len)
{
    int v = 0;
    for (size_t i = 1; i < len; i++)
        v = v * 10 + (name[i] - '0');
    return v;
}

static void sim_send(struct sim *m, int room, int cmd)
{
    if (cmd == NONE)
        return;
    assert_true(cmd == SUB || cmd == UNSUB);
    assert_int_equal(m->in_flight[room], 0); /* the property under test */
    assert_true(m->len < QUEUE);
    m->q[(m->head + m->len) % QUEUE].room = room;
    m->q[(m->head + m->len) % QUEUE].is_sub = cmd == SUB;
    m->len++;
    m->in_flight[room]++;
}

static void sim_resubscribe(void *arg, const char *name, size_t len)
{
    sim_send(arg, room_index(name, len), SUB);
}

static void sim_answer_one(struct sim *m)
{
    int room = m->q[m->head].room;
    bool is_sub = m->q[m->head].is_sub;
    m->head = (m->head + 1) % QUEUE;
    m->len--;
    m->in_flight[room]--;
    m->held[room] = is_sub;
    char name[16];
    size_t len;
    room_name_of(room, name, &len);
    sim_send(m, room, (int)redis_subs_confirm(m->s, name, len, is_sub));
}

static uint64_t sim_random(struct sim *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

static void churn_ends_with_redis_holding_exactly_the_wanted_rooms(void **state)
{
    (void)state;
    static struct sim m;
    memset(&m, 0, sizeof(m));
    m.s = redis_subs_new();
    m.rng = 0x2545f4914f6cdd1dULL;
    redis_subs_connected(m.s, sim_resubscribe, &m);
    for (int step = 0; step < STEPS; step++) {
        uint64_t r = sim_random(&m) % 100;
        int room = (int)(sim_random(&m) % ROOMS);
        char name[16];
        size_t len;
        room_name_of(room, name, &len);
        if (r < 40) { /* a room's first member arrives or its last leaves */
            m.wanted[room] = !m.wanted[room];
            int cmd = redis_subs_want(m.s, name, len, m.wanted[room]);
            assert_true(cmd >= 0);
            if (redis_subs_is_connected(m.s))
                sim_send(&m, room, cmd);
            else
                assert_int_equal(cmd, NONE);
        } else if (r < 98) {
            if (m.len > 0 && redis_subs_is_connected(m.s))
                sim_answer_one(&m);
        } else if (redis_subs_is_connected(m.s)) { /* the connection drops */
            redis_subs_disconnected(m.s);
            m.head = m.len = 0;
            memset(m.in_flight, 0, sizeof(m.in_flight));
            memset(m.held, 0, sizeof(m.held));
        } else { /* and comes back */
            redis_subs_connected(m.s, sim_resubscribe, &m);
        }
    }
    if (!redis_subs_is_connected(m.s))
        redis_subs_connected(m.s, sim_resubscribe, &m);
    for (int guard = 0; m.len > 0 && guard < QUEUE * 4; guard++)
        sim_answer_one(&m);
    assert_int_equal(m.len, 0);
    size_t wanted = 0;
    for (int i = 0; i < ROOMS; i++) {
        char name[16];
        size_t len;
        room_name_of(i, name, &len);
        if (m.held[i] != m.wanted[i] || redis_subs_is_subscribed(m.s, name, len) != m.wanted[i])
            fail_msg("room %d: Redis holds %d, table says %d, wanted %d", i, m.held[i],
                     redis_subs_is_subscribed(m.s, name, len), m.wanted[i]);
        wanted += m.wanted[i];
    }
    assert_int_equal(redis_subs_subscribed(m.s), wanted);
    assert_int_equal(redis_subs_tracked(m.s), wanted); /* nothing else lingers */
    redis_subs_free(m.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            rooms_wanted_while_disconnected_are_subscribed_when_the_connection_comes_up),
        cmocka_unit_test(each_room_has_at_most_one_command_in_flight_whatever_its_members_do),
        cmocka_unit_test(stale_and_unknown_confirmations_change_nothing),
        cmocka_unit_test(a_lost_connection_forgets_what_redis_held_and_unwanted_rooms),
        cmocka_unit_test(rejects_empty_and_too_long_names),
        cmocka_unit_test(churn_ends_with_redis_holding_exactly_the_wanted_rooms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
