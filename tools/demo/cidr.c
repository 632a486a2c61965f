/* SPDX-License-Identifier: Apache-2.0 */
/* cidr.c: parses "A.B.C.D/P" strictly, and the mask and overlap arithmetic --netns needs.
 * Does not: allocate, do I/O, accept inet_aton's shorthands (octal, hex, fewer than 4 parts).
 * Threads: pure; no state. */
#include "cidr.h"

#include <stdio.h>

/* The most digits an octet (255) or a prefix length (32) can have. */
#define OCTET_DIGITS_MAX 3
#define OCTET_MAX        255
#define PREFIX_MAX       32
#define OCTETS           4

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Fails at s[pos] saying what was wanted and what was found there (or that the text ended). */
static int fail_want(const char *s, size_t len, size_t pos, struct wss_parse_err *err,
                     const char *want)
{
    if (pos >= len)
        return wss_parse_fail(err, pos, "want %s, got the end of the text", want);
    char got[WSS_PARSE_BYTE_TEXT_LEN];
    wss_parse_describe_byte(s[pos], got);
    return wss_parse_fail(err, pos, "want %s, got %s", want, got);
}

/* Reads a decimal number of at most OCTET_DIGITS_MAX digits without a leading zero at s[*pos];
 * what names it in messages ("octet"). Returns 0 with *value, or WSS_PARSE_INVALID. */
static int read_number(const char *s, size_t len, size_t *pos, unsigned max, const char *what,
                       unsigned *value, struct wss_parse_err *err)
{
    size_t start = *pos;
    if (start >= len || !is_digit(s[start])) {
        char want[64];
        snprintf(want, sizeof(want), "a decimal %s (0-%u)", what, max);
        return fail_want(s, len, start, err, want);
    }
    unsigned v = 0;
    size_t i = start;
    while (i < len && is_digit(s[i])) {
        if (i - start == OCTET_DIGITS_MAX)
            return wss_parse_fail(err, start, "%s has more than %d digits", what, OCTET_DIGITS_MAX);
        v = v * 10 + (unsigned)(s[i] - '0');
        i++;
    }
    if (s[start] == '0' && i - start > 1)
        return wss_parse_fail(err, start, "%s has a leading zero", what);
    if (v > max)
        return wss_parse_fail(err, start, "%s %u is over %u", what, v, max);
    *pos = i;
    *value = v;
    return 0;
}

int cidr_parse(const char *s, size_t len, struct cidr *out, struct wss_parse_err *err)
{
    if (len == 0)
        return wss_parse_fail(err, 0, "empty; want an IPv4 network such as 10.213.0.0/24");
    size_t pos = 0;
    uint32_t addr = 0;
    for (int i = 0; i < OCTETS; i++) {
        if (i > 0) {
            if (pos >= len || s[pos] != '.')
                return fail_want(s, len, pos, err, "'.' and the next octet");
            pos++;
        }
        unsigned octet = 0;
        if (read_number(s, len, &pos, OCTET_MAX, "octet", &octet, err) != 0)
            return WSS_PARSE_INVALID;
        addr = (addr << 8) | octet;
    }
    if (pos >= len || s[pos] != '/')
        return fail_want(s, len, pos, err, "'/' and a prefix length");
    pos++;
    unsigned prefix = 0;
    if (read_number(s, len, &pos, PREFIX_MAX, "prefix length", &prefix, err) != 0)
        return WSS_PARSE_INVALID;
    if (pos < len) {
        char got[WSS_PARSE_BYTE_TEXT_LEN];
        wss_parse_describe_byte(s[pos], got);
        return wss_parse_fail(err, pos, "unexpected %s after the prefix length", got);
    }
    if ((addr & ~cidr_mask(prefix)) != 0) {
        char given[CIDR_IP_TEXT_LEN];
        char network[CIDR_IP_TEXT_LEN];
        cidr_format_ip(addr, given);
        cidr_format_ip(addr & cidr_mask(prefix), network);
        return wss_parse_fail(err, 0, "host bits set: %s/%u is an address in %s/%u, not a network",
                              given, prefix, network, prefix);
    }
    out->addr = addr;
    out->prefix = prefix;
    return (int)len;
}

uint32_t cidr_mask(unsigned prefix)
{
    if (prefix == 0)
        return 0;
    if (prefix >= PREFIX_MAX)
        return UINT32_MAX;
    return UINT32_MAX << (PREFIX_MAX - prefix);
}

bool cidr_overlaps(struct cidr a, struct cidr b)
{
    /* Two aligned blocks overlap exactly when the larger one contains the smaller's start. */
    uint32_t mask = cidr_mask(a.prefix < b.prefix ? a.prefix : b.prefix);
    return (a.addr & mask) == (b.addr & mask);
}

void cidr_format_ip(uint32_t addr, char out[CIDR_IP_TEXT_LEN])
{
    snprintf(out, CIDR_IP_TEXT_LEN, "%u.%u.%u.%u", (unsigned)(addr >> 24),
             (unsigned)((addr >> 16) & 0xffu), (unsigned)((addr >> 8) & 0xffu),
             (unsigned)(addr & 0xffu));
}
