/* SPDX-License-Identifier: Apache-2.0 */
/* duration.c: parses and formats Go-style durations, exactly, in whole milliseconds.
 * Does not: allocate, use floating point (1.1s must be 1100ms, not 1099), or consult the locale.
 * Threads: any; only the caller's buffers are touched. */
#include "wsscale/duration.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS INT64_C(1000000)
#define MS_PER_S  1000
#define MS_PER_M  60000
#define MS_PER_H  3600000

/* Significant fraction digits beyond which no unit can give a whole nanosecond: the hour
 * (3.6e12 ns = 2^13 * 3^2 * 5^11) absorbs at most 13, and 10^18 still fits in int64_t. */
#define FRAC_DIGITS_MAX 18

/* Longest piece of the input quoted back in an error message. */
#define QUOTE_MAX 24

struct unit {
    const char *name;
    size_t len;
    int64_t ns;
};

static const struct unit units[] = {
    {"ns", 2, 1},
    {"us", 2, 1000},
    {"ms", 2, NS_PER_MS},
    {"s", 1, INT64_C(1000000000)},
    {"m", 1, INT64_C(60000000000)},
    {"h", 1, INT64_C(3600000000000)},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Quoted input is digits or letters only, so it needs no escaping, just a length cap. */
static int quote_len(size_t n)
{
    return (int)(n < QUOTE_MAX ? n : QUOTE_MAX);
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int fail_too_large(struct wss_parse_err *err, size_t offset)
{
    char max[WSS_DURATION_TEXT_MAX];
    wss_duration_format(WSS_DURATION_MAX_MS, max, sizeof(max));
    return wss_parse_fail(err, offset, "too large, the maximum is %s", max);
}

static int fail_too_fine(struct wss_parse_err *err, size_t offset)
{
    return wss_parse_fail(err, offset, "not a whole number of milliseconds");
}

static const struct unit *find_unit(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (units[i].len == len && memcmp(units[i].name, s, len) == 0)
            return &units[i];
    }
    return NULL;
}

/* The fraction digits s[0..n) as frac / 10^digits, trailing zeros dropped. Returns false when
 * more than FRAC_DIGITS_MAX significant digits remain. */
static bool read_fraction(const char *s, size_t n, int64_t *frac, int64_t *scale)
{
    while (n > 0 && s[n - 1] == '0')
        n--;
    if (n > FRAC_DIGITS_MAX)
        return false;
    *frac = 0;
    *scale = 1;
    for (size_t i = 0; i < n; i++) {
        *frac = *frac * 10 + (s[i] - '0');
        *scale *= 10;
    }
    return true;
}

int wss_duration_parse(const char *s, size_t len, int64_t *out_ms, struct wss_parse_err *err)
{
    if (len == 0)
        return wss_parse_fail(err, 0, "empty duration");
    if (s[0] == '-')
        return wss_parse_fail(err, 0, "negative durations are not allowed");
    if (s[0] == '+')
        return wss_parse_fail(err, 0, "unexpected '+': durations take no sign");
    if (len == 1 && s[0] == '0') {
        *out_ms = 0;
        return 1;
    }

    int64_t total_ns = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t start = pos;
        int64_t whole = 0;
        bool is_too_large = false;
        for (; pos < len && is_digit(s[pos]); pos++) {
            int d = s[pos] - '0';
            if (whole > (INT64_MAX - d) / 10)
                is_too_large = true;
            else
                whole = whole * 10 + d;
        }
        bool has_digits = pos > start;
        size_t frac_start = pos, frac_end = pos;
        if (pos < len && s[pos] == '.') {
            frac_start = ++pos;
            while (pos < len && is_digit(s[pos]))
                pos++;
            frac_end = pos;
            has_digits = has_digits || frac_end > frac_start;
        }
        char shown[WSS_PARSE_BYTE_TEXT_LEN];
        if (!has_digits) {
            wss_parse_describe_byte(s[start], shown);
            return wss_parse_fail(err, start, "expected a number at %s", shown);
        }

        size_t unit_start = pos;
        while (pos < len && is_letter(s[pos]))
            pos++;
        size_t unit_len = pos - unit_start;
        if (unit_len == 0) {
            if (pos == len)
                return wss_parse_fail(err, pos, "missing unit after \"%.*s\"",
                                      quote_len(pos - start), s + start);
            wss_parse_describe_byte(s[pos], shown);
            return wss_parse_fail(err, pos, "unexpected %s after \"%.*s\"", shown,
                                  quote_len(pos - start), s + start);
        }
        const struct unit *u = find_unit(s + unit_start, unit_len);
        if (u == NULL)
            return wss_parse_fail(err, unit_start, "unknown unit \"%.*s%s\"", quote_len(unit_len),
                                  s + unit_start, unit_len > QUOTE_MAX ? "..." : "");

        if (is_too_large || whole > INT64_MAX / u->ns)
            return fail_too_large(err, start);
        int64_t term = whole * u->ns;
        int64_t frac, scale;
        if (!read_fraction(s + frac_start, frac_end - frac_start, &frac, &scale))
            return fail_too_fine(err, start);
        if (frac != 0) {
            /* frac/scale of a unit is a whole number of ns only if scale/g divides frac. */
            int64_t g = gcd64(u->ns, scale);
            if (frac % (scale / g) != 0)
                return fail_too_fine(err, start);
            int64_t part = frac / (scale / g) * (u->ns / g); /* < u->ns: no overflow */
            if (part > INT64_MAX - term)
                return fail_too_large(err, start);
            term += part;
        }
        if (total_ns > INT64_MAX - term)
            return fail_too_large(err, start);
        total_ns += term;
    }
    if (total_ns % NS_PER_MS != 0)
        return fail_too_fine(err, 0);
    *out_ms = total_ns / NS_PER_MS;
    return (int)len;
}

/* Appends printf output to tmp at *n; tmp is sized for the longest text, so nothing is cut. */
static void put(char *tmp, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int wss_duration_format(int64_t ms, char *buf, size_t cap)
{
    char tmp[WSS_DURATION_TEXT_MAX];
    size_t n = 0;
    uint64_t v = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    if (ms < 0)
        tmp[n++] = '-';
    uint64_t h = v / MS_PER_H, m = v % MS_PER_H / MS_PER_M;
    uint64_t sec = v % MS_PER_M / MS_PER_S, frac = v % MS_PER_S;
    if (v == 0) {
        put(tmp, sizeof(tmp), &n, "0s");
    } else if (h == 0 && m == 0 && sec == 0) {
        put(tmp, sizeof(tmp), &n, "%llums", (unsigned long long)frac);
    } else {
        if (h != 0)
            put(tmp, sizeof(tmp), &n, "%lluh", (unsigned long long)h);
        if (m != 0)
            put(tmp, sizeof(tmp), &n, "%llum", (unsigned long long)m);
        if (frac != 0) {
            /* "1.5s" beats "1s500ms": seconds carry the milliseconds as a trimmed fraction. */
            put(tmp, sizeof(tmp), &n, "%llu.", (unsigned long long)sec);
            char digits[4];
            snprintf(digits, sizeof(digits), "%03u", (unsigned)frac);
            size_t nd = 3;
            while (digits[nd - 1] == '0')
                nd--;
            memcpy(tmp + n, digits, nd);
            n += nd;
            tmp[n++] = 's';
        } else if (sec != 0) {
            put(tmp, sizeof(tmp), &n, "%llus", (unsigned long long)sec);
        }
    }
    if (n + 1 > cap) {
        if (cap > 0)
            buf[0] = '\0';
        return -1;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return (int)n;
}

static void put(char *tmp, size_t cap, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(tmp + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n += (size_t)w < cap - *n ? (size_t)w : cap - *n - 1;
}
