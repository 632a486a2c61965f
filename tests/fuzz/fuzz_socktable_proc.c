/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_socktable_proc.c: libFuzzer target for the /proc/net/tcp{,6} parser: the file fed whole
 * and in chunks must give the same answer, and every socket line that parses must format back
 * to a line that parses to the same fields.
 * Does not: judge error texts (the unit test does); it checks invariants on any input.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "socktable_proc.h"

static const uint16_t ports[] = {0x1F90, 0x01BB, 0xFFFF};
#define NPORTS (sizeof(ports) / sizeof(ports[0]))

struct outcome {
    int is_ok;
    struct socktable_proc_count c;
    char msg[WSS_PARSE_ERR_MSG_LEN];
};

/* Feeds text as source_socktable.c does, chunk bytes per read, keeping the unconsumed tail. */
static void run(const char *text, size_t len, size_t chunk, struct outcome *o)
{
    char buf[2 * SOCKTABLE_PROC_LINE_MAX];
    size_t have = 0, fed = 0;
    struct wss_parse_err err;
    memset(o, 0, sizeof(*o));
    while (fed < len) {
        size_t n = len - fed < chunk ? len - fed : chunk;
        CHECK(have + n <= sizeof(buf));
        memcpy(buf + have, text + fed, n);
        have += n;
        fed += n;
        memset(&err, 0, sizeof(err));
        int rc = socktable_proc_feed(&o->c, buf, have, ports, NPORTS, &err);
        if (rc == WSS_PARSE_INVALID) {
            CHECK(err.offset <= have);
            CHECK(strncmp(err.msg, "line ", 5) == 0);
            memcpy(o->msg, err.msg, sizeof(o->msg));
            return;
        }
        if (rc == WSS_PARSE_INCOMPLETE) {
            CHECK(memchr(buf, '\n', have) == NULL);
            CHECK(have < SOCKTABLE_PROC_LINE_MAX);
            continue;
        }
        CHECK(rc > 0 && (size_t)rc <= have);
        CHECK(buf[rc - 1] == '\n');
        CHECK(memchr(buf + rc, '\n', have - (size_t)rc) == NULL);
        memmove(buf, buf + rc, have - (size_t)rc);
        have -= (size_t)rc;
    }
    memset(&err, 0, sizeof(err));
    if (socktable_proc_end(&o->c, have, &err) != 0) {
        memcpy(o->msg, err.msg, sizeof(o->msg));
        return;
    }
    o->is_ok = 1;
    CHECK(o->c.matched <= o->c.entries && o->c.entries + 1 == o->c.lines);
}

/* Feeds the whole file in one call, then checks its end. */
static void run_whole(const char *text, size_t len, struct outcome *o)
{
    struct wss_parse_err err;
    memset(o, 0, sizeof(*o));
    memset(&err, 0, sizeof(err));
    int rc = socktable_proc_feed(&o->c, text, len, ports, NPORTS, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= len);
        memcpy(o->msg, err.msg, sizeof(o->msg));
        return;
    }
    size_t consumed = rc == WSS_PARSE_INCOMPLETE ? 0 : (size_t)rc;
    CHECK(consumed <= len);
    if (socktable_proc_end(&o->c, len - consumed, &err) != 0) {
        memcpy(o->msg, err.msg, sizeof(o->msg));
        return;
    }
    o->is_ok = 1;
}

static void check_same(const struct outcome *a, const struct outcome *b)
{
    CHECK(a->is_ok == b->is_ok);
    if (a->is_ok)
        CHECK(a->c.matched == b->c.matched && a->c.entries == b->c.entries &&
              a->c.lines == b->c.lines);
    else
        CHECK(strcmp(a->msg, b->msg) == 0);
}

/* Formats an entry as the kernel would and checks it parses to the same fields. */
static void check_round_trip(const struct socktable_proc_entry *e)
{
    char line[SOCKTABLE_PROC_LINE_MAX];
    int n =
        snprintf(line, sizeof(line), "%4u: %.*s:%04X %.*s:%04X %02X 00000000:00000000",
                 (unsigned)e->slot, (int)e->addr_digits, e->local_addr, (unsigned)e->local_port,
                 (int)e->addr_digits, e->remote_addr, (unsigned)e->remote_port, (unsigned)e->state);
    CHECK(n > 0 && (size_t)n < sizeof(line));
    struct socktable_proc_entry again;
    struct wss_parse_err err;
    CHECK(socktable_proc_parse_line(line, (size_t)n, &again, &err) == n);
    CHECK(again.slot == e->slot && again.addr_digits == e->addr_digits &&
          again.local_port == e->local_port && again.remote_port == e->remote_port &&
          again.state == e->state);
    CHECK(memcmp(again.local_addr, e->local_addr, e->addr_digits) == 0);
    CHECK(memcmp(again.remote_addr, e->remote_addr, e->addr_digits) == 0);
}

/* Runs the line parser on each line of the input alone. */
static void check_lines(const char *s, size_t len)
{
    size_t off = 0;
    while (off < len) {
        const char *nl = memchr(s + off, '\n', len - off);
        size_t line_len = nl != NULL ? (size_t)(nl - (s + off)) : len - off;
        struct socktable_proc_entry e;
        struct wss_parse_err err;
        memset(&err, 0, sizeof(err));
        int rc = socktable_proc_parse_line(s + off, line_len, &e, &err);
        if (rc >= 0) {
            CHECK((size_t)rc == line_len);
            const char *line = s + off;
            CHECK(e.addr_digits == SOCKTABLE_PROC_ADDR4_DIGITS ||
                  e.addr_digits == SOCKTABLE_PROC_ADDR6_DIGITS);
            CHECK(e.local_addr >= line && e.local_addr + e.addr_digits <= line + line_len);
            CHECK(e.remote_addr > e.local_addr && e.remote_addr + e.addr_digits <= line + line_len);
            check_round_trip(&e);
        } else {
            CHECK(rc == WSS_PARSE_INVALID);
            CHECK(err.offset <= line_len);
            size_t mlen = strnlen(err.msg, sizeof(err.msg));
            CHECK(mlen > 0 && mlen < sizeof(err.msg) && memchr(err.msg, '\n', mlen) == NULL);
        }
        off += line_len + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* The first byte picks the chunk size; the rest is the file. */
    size_t chunk = (size_t)data[0] % SOCKTABLE_PROC_LINE_MAX + 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    check_lines(text, len);

    /* Whole, in reads as large as a line can be, and in the input's own chunk size. */
    static struct outcome whole, big, small;
    run_whole(text, len, &whole);
    run(text, len, SOCKTABLE_PROC_LINE_MAX, &big);
    run(text, len, chunk, &small);
    check_same(&whole, &big);
    check_same(&whole, &small);
    return 0;
}
