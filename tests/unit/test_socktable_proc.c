/* SPDX-License-Identifier: Apache-2.0 */
/* test_socktable_proc.c: /proc/net/tcp{,6} lines as the kernel prints them (IPv4 with its
 * padding, IPv6, IPv4-mapped), malformed lines with their error text, and counting a file fed
 * whole, byte by byte and in every chunk size, with the header and end-of-file rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "socktable_proc.h"

/* Lines captured from a 6.x kernel (tcp lines are space-padded to 149 characters). */
#define HEADER4                                                                                    \
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "  \
    "inode                                                     "
#define HEADER6                                                                                    \
    "  sl  local_address                         remote_address                        st "        \
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
#define LISTEN4                                                                                    \
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "  \
    "138742 1 000000000305805b 100 0 0 10 0                    "
#define ESTAB4                                                                                     \
    "   1: 0100007F:1F90 0100007F:B5D6 01 00000000:00000000 00:00000000 00000000     0        0 "  \
    "138750 1 00000000c0ffee00 20 4 30 10 -1                    "
#define CLIENT4                                                                                    \
    "   2: 0100007F:B5D6 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 "  \
    "138749 1 00000000c0ffee01 20 4 30 10 -1                    "
#define TIMEWAIT4                                                                                  \
    "   3: 0100007F:1F90 0100007F:B5D8 06 00000000:00000000 03:000016A2 00000000     0        0 "  \
    "0 3 0000000000000000                                       "
#define ESTAB6                                                                                     \
    "   0: 00000000000000000000000001000000:01BB 00000000000000000000000001000000:D3A4 01 "        \
    "00000000:00000000 00:00000000 00000000     0        0 140001 1 00000000deadbeef 20 4 31 10 "  \
    "-1"
#define MAPPED6                                                                                    \
    "  17: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 01 "        \
    "00000000:00000000 00:00000000 00000000  1000        0 140002 1 00000000deadbef0 20 4 31 10 "  \
    "-1"

static const uint16_t wanted[] = {8080, 443};

static void parses_kernel_lines_into_fields(void **state)
{
    (void)state;
    const struct {
        const char *line;
        uint32_t slot;
        size_t digits;
        const char *local;
        uint16_t local_port, remote_port;
        uint8_t st;
    } cases[] = {
        {LISTEN4, 0, 8, "0100007F", 8080, 0, 0x0A},
        {ESTAB4, 1, 8, "0100007F", 8080, 46550, 0x01},
        {TIMEWAIT4, 3, 8, "0100007F", 8080, 46552, 0x06},
        {ESTAB6, 0, 32, "00000000000000000000000001000000", 443, 54180, 0x01},
        {MAPPED6, 17, 32, "0000000000000000FFFF00000100007F", 8080, 50000, 0x01},
        {"12345: 0a00020f:abcd 0A00020F:00fF 0b", 12345, 8, "0a00020f", 0xabcd, 0xff, 0x0b},
        {"4294967295: 01020304:0001 01020304:0002 01", 4294967295u, 8, "01020304", 1, 2, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *s = cases[i].line;
        size_t len = strlen(s);
        struct socktable_proc_entry e;
        struct wss_parse_err err = {0};
        int rc = socktable_proc_parse_line(s, len, &e, &err);
        if (rc != (int)len)
            fail_msg("case %zu: rc %d: %s", i, rc, err.msg);
        assert_int_equal(e.slot, cases[i].slot);
        assert_int_equal(e.addr_digits, cases[i].digits);
        assert_true(e.local_addr >= s && e.local_addr + e.addr_digits <= s + len);
        assert_true(e.remote_addr > e.local_addr && e.remote_addr + e.addr_digits <= s + len);
        assert_memory_equal(e.local_addr, cases[i].local, cases[i].digits);
        assert_int_equal(e.local_port, cases[i].local_port);
        assert_int_equal(e.remote_port, cases[i].remote_port);
        assert_int_equal(e.state, cases[i].st);
    }
}

static void rejects_malformed_lines_with_reason_and_offset(void **state)
{
    (void)state;
    const struct {
        const char *line;
        size_t offset;
        const char *msg;
    } cases[] = {
        {"", 0, "expected the slot number, found end of line"},
        {"    ", 4, "expected the slot number, found end of line"},
        {"  x: 0100007F:1F90 0100007F:B5D6 01", 2, "expected the slot number, found 'x'"},
        {"  12345678901: 0100007F:1F90 0100007F:B5D6 01", 2, "slot number out of range"},
        {"  4294967296: 0100007F:1F90 0100007F:B5D6 01", 2, "slot number out of range"},
        {"  1 0100007F:1F90 0100007F:B5D6 01", 3, "expected ':' after the slot number, found ' '"},
        {"  1:0100007F:1F90 0100007F:B5D6 01", 4,
         "expected ' ' before the local address, found '0'"},
        {"  1: 0100007:1F90 0100007F:B5D6 01", 5, "local address has 7 hex digits, want 8 or 32"},
        {"  1: 0100007G:1F90 0100007F:B5D6 01", 5, "local address has 7 hex digits, want 8 or 32"},
        {"  1: 0100007F1F90 0100007F:B5D6 01", 5, "local address has 12 hex digits, want 8 or 32"},
        {"  1: 0100007F-1F90 0100007F:B5D6 01", 13, "expected ':' before the port, found '-'"},
        {"  1: 0100007F:1F9 0100007F:B5D6 01", 14, "local port: expected 4 hex digits"},
        {"  1: 0100007F:1F9Z 0100007F:B5D6 01", 14, "local port: expected 4 hex digits"},
        {"  1: 0100007F:1F90\t0100007F:B5D6 01", 18,
         "expected ' ' before the remote address, found \\x09"},
        {"  1: 0100007F:1F90 00000000000000000000000001000000:B5D6 01", 19,
         "remote address has 32 hex digits, the local one 8"},
        {"  1: 0100007F:1F90 0100007F:B5D 01", 28, "remote port: expected 4 hex digits"},
        {"  1: 0100007F:1F90 0100007F:B5D6", 32,
         "expected ' ' before the state, found end of line"},
        {"  1: 0100007F:1F90 0100007F:B5D6 1", 33, "state: expected 2 hex digits"},
        {"  1: 0100007F:1F90 0100007F:B5D6 0G", 33, "state: expected 2 hex digits"},
        {"  1: 0100007F:1F90 0100007F:B5D6 011", 35,
         "expected ' ' or the end of line after the state, found '1'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct socktable_proc_entry e;
        struct wss_parse_err err = {0};
        int rc = socktable_proc_parse_line(cases[i].line, strlen(cases[i].line), &e, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("case %zu (%s): rc %d, want invalid", i, cases[i].line, rc);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fail_msg("case %zu: got \"%s\" at %zu, want \"%s\" at %zu", i, err.msg, err.offset,
                     cases[i].msg, cases[i].offset);
    }
}

/* An IPv4 file: one listener, two wanted connections, the client end of one, one on another
 * port, and wanted ports in TIME_WAIT, CLOSING and SYN_RECV. */
static const char file4[] = HEADER4 "\n" LISTEN4 "\n" ESTAB4 "\n" CLIENT4 "\n" TIMEWAIT4 "\n"
                                    "   4: 0100007F:01BB 0100007F:9C40 01 00000000:00000000 "
                                    "00:00000000 00000000     0        0 1 1 0 20 4 30 10 -1\n"
                                    "   5: 0100007F:0050 0100007F:9C41 01 00000000:00000000 "
                                    "00:00000000 00000000     0        0 1 1 0 20 4 30 10 -1\n"
                                    "   6: 0100007F:1F90 0100007F:9C42 0B 00000000:00000000 "
                                    "00:00000000 00000000     0        0 1 1 0 20 4 30 10 -1\n"
                                    "   7: 0100007F:01BB 0100007F:9C43 03 00000000:00000000 "
                                    "00:00000000 00000000     0        0 1 1 0 20 4 30 10 -1\n";
#define FILE4_MATCHED 2
#define FILE4_ENTRIES 8

/* Feeds text in chunks of chunk bytes as source_socktable.c does (keeping the unconsumed tail),
 * and checks the end. Returns the count, or fails the test. */
static struct socktable_proc_count feed_in_chunks(const char *text, size_t len, size_t chunk)
{
    struct socktable_proc_count c = {0};
    char buf[2 * SOCKTABLE_PROC_LINE_MAX];
    size_t have = 0, fed = 0;
    struct wss_parse_err err;
    while (fed < len) {
        size_t n = len - fed < chunk ? len - fed : chunk;
        assert_true(have + n <= sizeof(buf));
        memcpy(buf + have, text + fed, n);
        have += n;
        fed += n;
        int rc = socktable_proc_feed(&c, buf, have, wanted, 2, &err);
        if (rc == WSS_PARSE_INVALID)
            fail_msg("chunk %zu: %s", chunk, err.msg);
        if (rc == WSS_PARSE_INCOMPLETE)
            continue;
        assert_true(rc > 0 && (size_t)rc <= have);
        assert_int_equal(buf[rc - 1], '\n');
        memmove(buf, buf + rc, have - (size_t)rc);
        have -= (size_t)rc;
    }
    assert_int_equal(socktable_proc_end(&c, have, &err), 0);
    return c;
}

static void counts_wanted_established_sockets_in_a_file(void **state)
{
    (void)state;
    struct socktable_proc_count c = {0};
    struct wss_parse_err err;
    size_t len = strlen(file4);
    assert_int_equal(socktable_proc_feed(&c, file4, len, wanted, 2, &err), (int)len);
    assert_int_equal(c.matched, FILE4_MATCHED);
    assert_int_equal(c.entries, FILE4_ENTRIES);
    assert_int_equal(socktable_proc_end(&c, 0, &err), 0);

    const uint16_t only_http[] = {80};
    struct socktable_proc_count c80 = {0};
    assert_int_equal(socktable_proc_feed(&c80, file4, len, only_http, 1, &err), (int)len);
    assert_int_equal(c80.matched, 1);
}

static void counts_ipv6_and_mapped_lines_once_each(void **state)
{
    (void)state;
    static const char file6[] = HEADER6 "\n" ESTAB6 "\n" MAPPED6 "\n";
    struct socktable_proc_count c = {0};
    struct wss_parse_err err;
    size_t len = strlen(file6);
    assert_int_equal(socktable_proc_feed(&c, file6, len, wanted, 2, &err), (int)len);
    assert_int_equal(c.matched, 2);
    assert_int_equal(c.entries, 2);
}

static void count_is_the_same_for_every_chunk_size(void **state)
{
    (void)state;
    size_t len = strlen(file4);
    for (size_t chunk = 1; chunk <= SOCKTABLE_PROC_LINE_MAX; chunk++) {
        struct socktable_proc_count c = feed_in_chunks(file4, len, chunk);
        if (c.matched != FILE4_MATCHED || c.entries != FILE4_ENTRIES)
            fail_msg("chunk %zu: matched %llu entries %llu", chunk, (unsigned long long)c.matched,
                     (unsigned long long)c.entries);
    }
}

static void partial_line_is_incomplete_until_its_newline(void **state)
{
    (void)state;
    struct socktable_proc_count c = {0};
    struct wss_parse_err err;
    assert_int_equal(socktable_proc_feed(&c, HEADER4, strlen(HEADER4), wanted, 2, &err),
                     WSS_PARSE_INCOMPLETE);
    assert_int_equal(socktable_proc_feed(&c, "", 0, wanted, 2, &err), WSS_PARSE_INCOMPLETE);
    assert_int_equal(c.lines, 0);
}

static void rejects_bad_files_naming_the_line(void **state)
{
    (void)state;
    static char long_line[SOCKTABLE_PROC_LINE_MAX + 2];
    memset(long_line, ' ', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 2] = '\n';
    static char long_tail[SOCKTABLE_PROC_LINE_MAX + 1];
    memset(long_tail, '0', sizeof(long_tail) - 1);
    static char header_then_long_tail[sizeof(HEADER4 "\n") + SOCKTABLE_PROC_LINE_MAX];
    snprintf(header_then_long_tail, sizeof(header_then_long_tail), "%s\n%s", HEADER4, long_tail);
    const struct {
        const char *text;
        size_t offset;
        const char *msg;
    } cases[] = {
        {LISTEN4 "\n", 0, "line 1: expected the header \"sl local_address ...\""},
        {"\n", 0, "line 1: expected the header \"sl local_address ...\""},
        {"  sl\n", 0, "line 1: expected the header \"sl local_address ...\""},
        {"  slx local_address\n", 0, "line 1: expected the header \"sl local_address ...\""},
        {HEADER4 "\n" ESTAB4 "\n   2: 0100007F:1F90 0100007F:B5D6 QQ\n",
         sizeof(HEADER4 "\n" ESTAB4 "\n") - 1 + 34, "line 3: state: expected 2 hex digits"},
        {HEADER4 "\n\n", sizeof(HEADER4 "\n") - 1,
         "line 2: expected the slot number, found end of line"},
        {long_line, 0, "line 1: longer than 512 bytes"},
        {long_tail, 0, "line 1: longer than 512 bytes"},
        {header_then_long_tail, sizeof(HEADER4 "\n") - 1, "line 2: longer than 512 bytes"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct socktable_proc_count c = {0};
        struct wss_parse_err err = {0};
        int rc = socktable_proc_feed(&c, cases[i].text, strlen(cases[i].text), wanted, 2, &err);
        if (rc != WSS_PARSE_INVALID)
            fail_msg("case %zu: rc %d, want invalid", i, rc);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fail_msg("case %zu: got \"%s\" at %zu, want \"%s\" at %zu", i, err.msg, err.offset,
                     cases[i].msg, cases[i].offset);
    }
}

static void end_of_file_needs_a_header_and_a_last_newline(void **state)
{
    (void)state;
    struct socktable_proc_count c = {0};
    struct wss_parse_err err = {0};
    assert_int_equal(socktable_proc_end(&c, 0, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "empty file: no header line");
    const char text[] = HEADER4 "\n" ESTAB4 "\n   2: 0100";
    int rc = socktable_proc_feed(&c, text, strlen(text), wanted, 2, &err);
    assert_int_equal(rc, (int)(sizeof(HEADER4 "\n" ESTAB4 "\n") - 1));
    assert_int_equal(socktable_proc_end(&c, strlen(text) - (size_t)rc, &err), WSS_PARSE_INVALID);
    assert_string_equal(err.msg, "line 3: file ends inside the line");
    assert_int_equal(socktable_proc_end(&c, 0, &err), 0);
    struct socktable_proc_count header_only = {0};
    assert_int_equal(
        socktable_proc_feed(&header_only, HEADER6 "\n", sizeof(HEADER6), wanted, 2, &err),
        (int)sizeof(HEADER6));
    assert_int_equal(socktable_proc_end(&header_only, 0, &err), 0);
    assert_int_equal(header_only.entries, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_kernel_lines_into_fields),
        cmocka_unit_test(rejects_malformed_lines_with_reason_and_offset),
        cmocka_unit_test(counts_wanted_established_sockets_in_a_file),
        cmocka_unit_test(counts_ipv6_and_mapped_lines_once_each),
        cmocka_unit_test(count_is_the_same_for_every_chunk_size),
        cmocka_unit_test(partial_line_is_incomplete_until_its_newline),
        cmocka_unit_test(rejects_bad_files_naming_the_line),
        cmocka_unit_test(end_of_file_needs_a_header_and_a_last_newline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
