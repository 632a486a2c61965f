/* SPDX-License-Identifier: Apache-2.0 */
/* quantity.c: parses Kubernetes Quantity text exactly (no floating point) and writes DecimalSI.
 * Does not: allocate, log, or accept what Kubernetes rejects; values that do not fit int64 fail.
 * Threads: any; all state lives on the caller's stack. */
#include "wsscale/quantity.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* Exact fixed-point scratch number, one decimal digit per byte, most significant first.
 * The integer part before the binary multiplier is below 10^19 (else it overflows int64 anyway)
 * and the largest multiplier, 2^60, is below 10^19, so 38 integer digits always suffice. */
#define INT_DIGITS 40
/* Fractional digits kept exactly; any non-zero digit past them only sets a sticky bit. Keeping
 * at least as many as the largest binary exponent (60) keeps the rounding exact: for x a
 * fraction truncated to t at this many digits, an integer m with t*2^b < m <= x*2^b would make
 * m/2^b (which has at most b decimal places) lie in (t, x], which truncation excludes. */
#define FRAC_DIGITS 64
#define ALL_DIGITS  (INT_DIGITS + FRAC_DIGITS)
/* Integer digits that can still fit int64 (9223372036854775807 has 19). */
#define INT64_MAX_DIGITS 19
/* Exponents past this magnitude cannot change the outcome for input shorter than INT_MAX bytes;
 * clamping to it keeps the position arithmetic far from int64 overflow. */
#define EXPONENT_CLAMP (1LL << 40)
/* Longest piece of the input quoted back in an error message. */
#define ERR_QUOTE_MAX 32
/* The binary suffixes step by 2^10; multiplying by 1024 per step keeps each carry small. */
#define BINARY_STEP_BITS 10
#define BINARY_STEP      1024

struct suffix_def {
    const char *text;
    int exp10; /* the suffix is 10^exp10 x 2^exp2 */
    int exp2;
};

static const struct suffix_def suffixes[] = {
    {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
    {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Copies up to ERR_QUOTE_MAX bytes of s for an error message, '?' for anything not printable
 * ASCII, so a message stays one line whatever the input holds. */
static void quote(char dst[ERR_QUOTE_MAX + 4], const char *s, size_t n)
{
    size_t k = 0;
    for (; k < n && k < ERR_QUOTE_MAX; k++)
        dst[k] = (s[k] >= 0x20 && s[k] <= 0x7e) ? s[k] : '?';
    if (n > ERR_QUOTE_MAX) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    dst[k] = '\0';
}

/* Reads the suffix s[0..n) into a power of ten and a power of two. */
static int parse_suffix(const char *s, size_t n, size_t offset, int64_t *exp10, int *exp2,
                        struct wss_parse_err *err)
{
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (strlen(suffixes[i].text) == n && memcmp(suffixes[i].text, s, n) == 0) {
            *exp10 = suffixes[i].exp10;
            *exp2 = suffixes[i].exp2;
            return 0;
        }
    }
    char q[ERR_QUOTE_MAX + 4];
    quote(q, s, n);
    if (s[0] == '.')
        return wss_parse_fail(err, offset, "more than one decimal point");
    /* "e" alone is no exponent and "E" alone is exa (matched above): the exponent needs digits. */
    if (n >= 2 && (s[0] == 'e' || s[0] == 'E')) {
        size_t i = 1;
        bool is_negative = false;
        if (s[i] == '+' || s[i] == '-') {
            is_negative = s[i] == '-';
            i++;
        }
        bool is_all_digits = i < n;
        for (size_t k = i; k < n; k++)
            is_all_digits = is_all_digits && is_digit(s[k]);
        if (is_all_digits) {
            int64_t e = 0;
            for (; i < n; i++) {
                int d = s[i] - '0';
                if (e > (INT64_MAX - d) / 10)
                    return wss_parse_fail(err, offset, "exponent \"%s\" out of range", q);
                e = e * 10 + d;
            }
            *exp10 = is_negative ? -e : e;
            *exp2 = 0;
            return 0;
        }
    }
    return wss_parse_fail(err, offset,
                          "unknown suffix \"%s\": want n u m k M G T P E, Ki Mi Gi Ti Pi Ei, "
                          "or e<integer>",
                          q);
}

/* The digits of the number part, integer digits then fractional ones, as one sequence. */
struct digits {
    const char *int_part;
    size_t n_int;
    const char *frac_part;
    size_t n_frac;
};

static char digit_at(const struct digits *d, size_t k)
{
    return k < d->n_int ? d->int_part[k] : d->frac_part[k - d->n_int];
}

/* Multiplies the fixed-point number by 2^exp2 (exp2 a multiple of BINARY_STEP_BITS). */
static void times_power_of_two(unsigned char num[ALL_DIGITS], int exp2)
{
    for (int step = 0; step < exp2 / BINARY_STEP_BITS; step++) {
        unsigned carry = 0;
        for (int i = ALL_DIGITS - 1; i >= 0; i--) {
            unsigned t = num[i] * BINARY_STEP + carry;
            num[i] = (unsigned char)(t % 10);
            carry = t / 10;
        }
        /* carry is 0 here: INT_DIGITS holds the largest product (see INT_DIGITS). */
    }
}

/* Computes the magnitude of digits x 10^exp10 x 2^exp2 in units of 10^scale, rounded up;
 * returns false when it exceeds INT64_MAX. */
static bool magnitude(const struct digits *d, int64_t exp10, int exp2, int scale, uint64_t *out)
{
    size_t n = d->n_int + d->n_frac;
    size_t first = 0;
    while (first < n && digit_at(d, first) == '0')
        first++;
    if (first == n) {
        *out = 0;
        return true;
    }
    if (exp10 > EXPONENT_CLAMP)
        exp10 = EXPONENT_CLAMP;
    if (exp10 < -EXPONENT_CLAMP)
        exp10 = -EXPONENT_CLAMP;
    /* Digit first+j is worth 10^(point - 1 - j) units; the leading digit is not zero, so a
     * point past 19 is at least 10^19. */
    int64_t point = (int64_t)d->n_int - (int64_t)first + exp10 - scale;
    if (point > INT64_MAX_DIGITS)
        return false;

    unsigned char num[ALL_DIGITS];
    memset(num, 0, sizeof(num));
    bool is_sticky = false;
    for (size_t j = 0; first + j < n; j++) {
        int64_t weight = point - 1 - (int64_t)j;
        char c = digit_at(d, first + j);
        if (weight < -FRAC_DIGITS) {
            if (c != '0') {
                is_sticky = true;
                break;
            }
            continue;
        }
        num[INT_DIGITS - 1 - weight] = (unsigned char)(c - '0');
    }
    times_power_of_two(num, exp2);

    uint64_t v = 0;
    for (int i = 0; i < INT_DIGITS; i++) {
        if (v > ((uint64_t)INT64_MAX - num[i]) / 10)
            return false;
        v = v * 10 + num[i];
    }
    bool has_fraction = is_sticky;
    for (int i = INT_DIGITS; i < ALL_DIGITS && !has_fraction; i++)
        has_fraction = num[i] != 0;
    if (has_fraction) {
        if (v == (uint64_t)INT64_MAX)
            return false;
        v++;
    }
    *out = v;
    return true;
}

int wss_quantity_parse(const char *s, size_t len, int scale, int64_t *out,
                       struct wss_parse_err *err)
{
    if (scale < WSS_QUANTITY_SCALE_NANO || scale > WSS_QUANTITY_SCALE_MAX)
        return wss_parse_fail(err, 0, "scale 10^%d outside 10^%d..10^%d", scale,
                              WSS_QUANTITY_SCALE_NANO, WSS_QUANTITY_SCALE_MAX);
    if (len == 0)
        return wss_parse_fail(err, 0, "empty quantity");
    if (len > INT_MAX)
        return wss_parse_fail(err, 0, "quantity longer than %d bytes", INT_MAX);

    size_t pos = 0;
    bool is_negative = false;
    if (s[0] == '+' || s[0] == '-') {
        is_negative = s[0] == '-';
        pos++;
    }
    struct digits d = {.int_part = s + pos};
    while (pos < len && is_digit(s[pos]))
        pos++;
    d.n_int = (size_t)(s + pos - d.int_part);
    bool has_point = pos < len && s[pos] == '.';
    d.frac_part = s + pos + (has_point ? 1 : 0);
    if (has_point) {
        pos++;
        while (pos < len && is_digit(s[pos]))
            pos++;
    }
    d.n_frac = (size_t)(s + pos - d.frac_part);

    /* Go's scanner reads "-", "." and a bare "k" as 0; its documented grammar, which we follow,
     * wants a digit. */
    if (d.n_int + d.n_frac == 0) {
        char q[ERR_QUOTE_MAX + 4];
        quote(q, s, len);
        if (pos == len && has_point)
            return wss_parse_fail(err, pos, "expected digits around the decimal point");
        if (pos == len)
            return wss_parse_fail(err, pos, "expected digits after the sign");
        return wss_parse_fail(err, pos, "expected a number at \"%s\"", q);
    }

    int64_t exp10 = 0;
    int exp2 = 0;
    if (parse_suffix(s + pos, len - pos, pos, &exp10, &exp2, err) != 0)
        return WSS_PARSE_INVALID;

    uint64_t mag;
    if (!magnitude(&d, exp10, exp2, scale, &mag))
        return wss_parse_fail(err, 0, "value out of range: more than %lld units of 10^%d",
                              (long long)INT64_MAX, scale);
    *out = is_negative ? -(int64_t)mag : (int64_t)mag;
    return (int)len;
}

int wss_quantity_parse_milli(const char *s, size_t len, int64_t *milli, struct wss_parse_err *err)
{
    return wss_quantity_parse(s, len, WSS_QUANTITY_SCALE_MILLI, milli, err);
}

/* The DecimalSI suffix for a power of ten that is a multiple of 3 in -9..18, else NULL. */
static const char *decimal_suffix(int exp10)
{
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (suffixes[i].exp2 == 0 && suffixes[i].exp10 == exp10)
            return suffixes[i].text;
    }
    return NULL;
}

int wss_quantity_format(int64_t value, int scale, char *buf, size_t cap)
{
    if (scale < WSS_QUANTITY_SCALE_NANO || scale > WSS_QUANTITY_SCALE_MAX)
        return -1;
    char out[WSS_QUANTITY_FORMAT_MAX];
    size_t n = 0;
    if (value == 0) {
        out[n++] = '0';
    } else {
        /* Canonical form: strip trailing zeros into the exponent, then lower the exponent to a
         * multiple of 3 by writing one or two zeros back. */
        uint64_t mag = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
        int exp10 = scale;
        while (mag % 10 == 0) {
            mag /= 10;
            exp10++;
        }
        int pad = ((exp10 % 3) + 3) % 3;
        exp10 -= pad;

        char rev[INT64_MAX_DIGITS + 1];
        size_t nrev = 0;
        do {
            rev[nrev++] = (char)('0' + mag % 10);
            mag /= 10;
        } while (mag != 0);
        if (value < 0)
            out[n++] = '-';
        while (nrev > 0)
            out[n++] = rev[--nrev];
        for (int i = 0; i < pad; i++)
            out[n++] = '0';
        const char *suffix = decimal_suffix(exp10);
        if (suffix != NULL) {
            size_t slen = strlen(suffix);
            memcpy(out + n, suffix, slen);
            n += slen;
        } else {
            /* Past E (10^18) DecimalSI has no letter; Go writes an exponent instead. */
            out[n++] = 'e';
            char digits[4];
            size_t nd = 0;
            for (int e = exp10; e > 0; e /= 10)
                digits[nd++] = (char)('0' + e % 10);
            while (nd > 0)
                out[n++] = digits[--nd];
        }
    }
    if (cap < n + 1)
        return -1;
    memcpy(buf, out, n);
    buf[n] = '\0';
    return (int)n;
}

int wss_quantity_format_milli(int64_t milli, char *buf, size_t cap)
{
    return wss_quantity_format(milli, WSS_QUANTITY_SCALE_MILLI, buf, cap);
}
