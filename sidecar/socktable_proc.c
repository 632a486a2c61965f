/* SPDX-License-Identifier: Apache-2.0 */
/* socktable_proc.c: parses /proc/net/tcp{,6} lines and counts the wanted ESTABLISHED sockets
 * across read() chunks.
 * Does not: do I/O, allocate, or use the locale (hex and digits are tested as ASCII).
 * Threads: pure; the only state is the caller's struct socktable_proc_count. */
#include "socktable_proc.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* Columns are fixed-width in the kernel's format (seq_printf "%04X" and "%02X"). */
#define PORT_DIGITS  4
#define STATE_DIGITS 2
/* "sl" is a decimal int; more digits than UINT32_MAX has is not the kernel's. */
#define SLOT_DIGITS_MAX 10

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Reads exactly ndigits hex digits at s[pos]; false if the line ends or a digit is not hex. */
static bool read_hex(const char *s, size_t len, size_t pos, size_t ndigits, uint32_t *out)
{
    if (len - pos < ndigits)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < ndigits; i++) {
        int d = hex_value(s[pos + i]);
        if (d < 0)
            return false;
        v = (v << 4) | (uint32_t)d;
    }
    *out = v;
    return true;
}

static size_t count_hex(const char *s, size_t len, size_t pos)
{
    size_t n = 0;
    while (pos + n < len && hex_value(s[pos + n]) >= 0)
        n++;
    return n;
}

/* Fails with "expected <what>, found <the byte or end of line>". */
static int fail_expected(struct wss_parse_err *err, const char *s, size_t len, size_t pos,
                         const char *what)
{
    if (pos >= len)
        return wss_parse_fail(err, pos, "expected %s, found end of line", what);
    char b[WSS_PARSE_BYTE_TEXT_LEN];
    wss_parse_describe_byte(s[pos], b);
    return wss_parse_fail(err, pos, "expected %s, found %s", what, b);
}

static bool at(const char *s, size_t len, size_t pos, char c)
{
    return pos < len && s[pos] == c;
}

/* Parses "<addr>:<port>" at *pos; addr_digits 0 means "8 or 32, whichever is there". */
static int parse_endpoint(const char *s, size_t len, size_t *pos, const char *which,
                          size_t *addr_digits, const char **addr, uint16_t *port,
                          struct wss_parse_err *err)
{
    size_t n = count_hex(s, len, *pos);
    if (*addr_digits == 0 && n != SOCKTABLE_PROC_ADDR4_DIGITS && n != SOCKTABLE_PROC_ADDR6_DIGITS)
        return wss_parse_fail(err, *pos, "%s address has %zu hex digits, want %d or %d", which, n,
                              SOCKTABLE_PROC_ADDR4_DIGITS, SOCKTABLE_PROC_ADDR6_DIGITS);
    if (*addr_digits != 0 && n != *addr_digits)
        return wss_parse_fail(err, *pos, "%s address has %zu hex digits, the local one %zu", which,
                              n, *addr_digits);
    *addr_digits = n;
    *addr = s + *pos;
    *pos += n;
    if (!at(s, len, *pos, ':'))
        return fail_expected(err, s, len, *pos, "':' before the port");
    (*pos)++;
    uint32_t v;
    if (!read_hex(s, len, *pos, PORT_DIGITS, &v))
        return wss_parse_fail(err, *pos, "%s port: expected %d hex digits", which, PORT_DIGITS);
    *port = (uint16_t)v;
    *pos += PORT_DIGITS;
    return 0;
}

int socktable_proc_parse_line(const char *s, size_t len, struct socktable_proc_entry *out,
                              struct wss_parse_err *err)
{
    size_t pos = 0;
    while (pos < len && s[pos] == ' ')
        pos++;
    uint64_t slot = 0;
    size_t digits = 0;
    while (pos < len && s[pos] >= '0' && s[pos] <= '9' && digits < SLOT_DIGITS_MAX) {
        slot = slot * 10 + (uint64_t)(s[pos] - '0');
        pos++;
        digits++;
    }
    if (digits == 0)
        return fail_expected(err, s, len, pos, "the slot number");
    if (slot > UINT32_MAX || (pos < len && s[pos] >= '0' && s[pos] <= '9'))
        return wss_parse_fail(err, pos - digits, "slot number out of range");
    if (!at(s, len, pos, ':'))
        return fail_expected(err, s, len, pos, "':' after the slot number");
    pos++;
    if (!at(s, len, pos, ' '))
        return fail_expected(err, s, len, pos, "' ' before the local address");
    pos++;

    struct socktable_proc_entry e = {.slot = (uint32_t)slot};
    if (parse_endpoint(s, len, &pos, "local", &e.addr_digits, &e.local_addr, &e.local_port, err) !=
        0)
        return WSS_PARSE_INVALID;
    if (!at(s, len, pos, ' '))
        return fail_expected(err, s, len, pos, "' ' before the remote address");
    pos++;
    if (parse_endpoint(s, len, &pos, "remote", &e.addr_digits, &e.remote_addr, &e.remote_port,
                       err) != 0)
        return WSS_PARSE_INVALID;
    if (!at(s, len, pos, ' '))
        return fail_expected(err, s, len, pos, "' ' before the state");
    pos++;
    uint32_t st;
    if (!read_hex(s, len, pos, STATE_DIGITS, &st))
        return wss_parse_fail(err, pos, "state: expected %d hex digits", STATE_DIGITS);
    pos += STATE_DIGITS;
    if (pos < len && s[pos] != ' ')
        return fail_expected(err, s, len, pos, "' ' or the end of line after the state");
    e.state = (uint8_t)st;
    *out = e;
    return (int)len;
}

/* The header both files start with: "  sl  local_address ...". */
static bool is_header(const char *s, size_t len)
{
    static const char sl[] = "sl";
    static const char local[] = "local_address";
    size_t pos = 0;
    while (pos < len && s[pos] == ' ')
        pos++;
    if (len - pos < sizeof(sl) - 1 || memcmp(s + pos, sl, sizeof(sl) - 1) != 0)
        return false;
    pos += sizeof(sl) - 1;
    size_t spaces = 0;
    while (pos < len && s[pos] == ' ') {
        pos++;
        spaces++;
    }
    return spaces > 0 && len - pos >= sizeof(local) - 1 &&
           memcmp(s + pos, local, sizeof(local) - 1) == 0;
}

static bool is_wanted(uint16_t port, const uint16_t *ports, size_t nports)
{
    for (size_t i = 0; i < nports; i++) {
        if (ports[i] == port)
            return true;
    }
    return false;
}

int socktable_proc_feed(struct socktable_proc_count *c, const char *buf, size_t len,
                        const uint16_t *ports, size_t nports, struct wss_parse_err *err)
{
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "chunk of %zu bytes is too large", len);
    size_t off = 0;
    /* Every pass consumes one line of at least its newline, so this ends within len passes. */
    while (off < len) {
        const char *nl = memchr(buf + off, '\n', len - off);
        if (nl == NULL)
            break;
        size_t line_len = (size_t)(nl - (buf + off));
        if (line_len + 1 > SOCKTABLE_PROC_LINE_MAX)
            return wss_parse_fail(err, off, "line %llu: longer than %d bytes",
                                  (unsigned long long)c->lines + 1, SOCKTABLE_PROC_LINE_MAX);
        if (c->lines == 0) {
            if (!is_header(buf + off, line_len))
                return wss_parse_fail(err, off,
                                      "line 1: expected the header \"sl local_address ...\"");
        } else {
            struct socktable_proc_entry e;
            struct wss_parse_err line_err;
            if (socktable_proc_parse_line(buf + off, line_len, &e, &line_err) < 0) {
                /* Restate the message with its line number and an offset into buf. */
                return wss_parse_fail(err, off + line_err.offset, "line %llu: %s",
                                      (unsigned long long)c->lines + 1, line_err.msg);
            }
            c->entries++;
            if (e.state == SOCKTABLE_PROC_ESTABLISHED && is_wanted(e.local_port, ports, nports))
                c->matched++;
        }
        c->lines++;
        off += line_len + 1;
    }
    /* A tail this long can never end in time, however the file was cut into chunks. */
    if (len - off >= SOCKTABLE_PROC_LINE_MAX)
        return wss_parse_fail(err, off, "line %llu: longer than %d bytes",
                              (unsigned long long)c->lines + 1, SOCKTABLE_PROC_LINE_MAX);
    return off == 0 ? WSS_PARSE_INCOMPLETE : (int)off;
}

int socktable_proc_end(const struct socktable_proc_count *c, size_t leftover,
                       struct wss_parse_err *err)
{
    if (leftover > 0)
        return wss_parse_fail(err, 0, "line %llu: file ends inside the line",
                              (unsigned long long)c->lines + 1);
    if (c->lines == 0)
        return wss_parse_fail(err, 0, "empty file: no header line");
    return 0;
}
