/* SPDX-License-Identifier: Apache-2.0 */
/* prom_name.c: the rules a metric or label name must pass before a family is registered:
 * Prometheus's grammar plus every name rule `promtool check metrics` lints, so that whatever
 * registers also lints clean. Also the UTF-8 check for help text and label values.
 * Does not: allocate, render, or know about families.
 * Threads: pure functions; any thread. */
#include "prom_internal.h"
#include "wsscale/utf8.h"

#include <stdint.h>
#include <string.h>

/* Sample-name suffixes a histogram adds; no family may end in them, which also keeps a
 * histogram's derived names from colliding with another family's name. */
static const char *const reserved_suffixes[] = {"_bucket", "_count", "_sum"};

/* Type names promtool rejects as a name segment after the first. */
static const char *const type_words[] = {"counter", "gauge", "histogram", "summary"};

/* Unit abbreviations promtool rejects as a name segment after the first (case-insensitive). */
static const char *const unit_abbreviations[] = {"s",  "ms", "us", "ns", "sec", "b", "kb",
                                                 "mb", "gb", "tb", "pb", "m",   "h", "d"};

/* Units promtool recognises in any segment, with the base unit it wants instead. A unit is
 * accepted only unprefixed and only when it is its own base. */
static const struct {
    const char *unit;
    const char *base;
} units[] = {
    {"amperes", "amperes"},    {"bytes", "bytes"},     {"celsius", "celsius"},
    {"grams", "grams"},        {"joules", "joules"},   {"kelvin", "kelvin"},
    {"meters", "meters"},      {"metres", "metres"},   {"seconds", "seconds"},
    {"volts", "volts"},        {"minutes", "seconds"}, {"hours", "seconds"},
    {"days", "seconds"},       {"weeks", "seconds"},   {"kelvins", "kelvin"},
    {"fahrenheit", "celsius"}, {"rankine", "celsius"}, {"inches", "meters"},
    {"yards", "meters"},       {"miles", "meters"},    {"bits", "bytes"},
    {"calories", "joules"},    {"pounds", "grams"},    {"ounces", "grams"},
};

static const char *const unit_prefixes[] = {
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo",
    "kibi", "mega", "mibi",  "giga",  "gibi",  "tera", "tebi", "peta",  "pebi",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
    return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Case-insensitive comparison of a segment with a lowercase word. */
static bool segment_is_word(const char *seg, size_t len, const char *word)
{
    if (strlen(word) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (to_lower(seg[i]) != word[i])
            return false;
    }
    return true;
}

static bool segment_equals(const char *seg, size_t len, const char *prefix, const char *unit)
{
    size_t np = strlen(prefix), nu = strlen(unit);
    return np + nu == len && memcmp(seg, prefix, np) == 0 && memcmp(seg + np, unit, nu) == 0;
}

/* Grammar shared by metric and label names (minus the colon, which we never allow), "__",
 * and camelCase. `what` is "metric" or "label". */
static int check_common(const char *name, const char *what, struct wss_parse_err *err)
{
    size_t len = strlen(name);
    if (len == 0)
        return wss_parse_fail(err, 0, "%s name is empty", what);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (is_lower(c) || is_upper(c) || c == '_' || (is_digit(c) && i > 0))
            continue;
        if (c == ':')
            return wss_parse_fail(
                err, i, "%s name has ':' at offset %zu; colons are reserved for recording rules",
                what, i);
        return wss_parse_fail(err, i, "%s name has invalid byte 0x%02x at offset %zu", what,
                              (unsigned)(unsigned char)c, i);
    }
    if (len >= 2 && name[0] == '_' && name[1] == '_')
        return wss_parse_fail(err, 0, "%s name \"%s\" starts with \"__\", which is reserved", what,
                              name);
    for (size_t i = 1; i < len; i++) {
        if (is_lower(name[i - 1]) && is_upper(name[i]))
            return wss_parse_fail(err, i, "%s name \"%s\" must be snake_case, not camelCase", what,
                                  name);
    }
    return 0;
}

/* Per-segment rules: type names, abbreviated units, non-base units. */
static int check_segments(const char *name, struct wss_parse_err *err)
{
    size_t index = 0;
    for (const char *seg = name;; index++) {
        const char *end = strchr(seg, '_');
        size_t len = end != NULL ? (size_t)(end - seg) : strlen(seg);
        size_t off = (size_t)(seg - name);
        for (size_t i = 0; index > 0 && i < COUNT(type_words); i++) {
            if (segment_is_word(seg, len, type_words[i]))
                return wss_parse_fail(err, off,
                                      "metric name \"%s\" must not contain its type (\"%s\")", name,
                                      type_words[i]);
        }
        for (size_t i = 0; index > 0 && i < COUNT(unit_abbreviations); i++) {
            if (segment_is_word(seg, len, unit_abbreviations[i]))
                return wss_parse_fail(
                    err, off,
                    "metric name \"%s\" has abbreviated unit \"%.*s\"; spell out the base unit",
                    name, (int)len, seg);
        }
        for (size_t u = 0; u < COUNT(units); u++) {
            bool is_base = strcmp(units[u].unit, units[u].base) == 0;
            if (is_base && segment_equals(seg, len, "", units[u].unit))
                continue;
            bool hit = segment_equals(seg, len, "", units[u].unit);
            for (size_t p = 0; !hit && p < COUNT(unit_prefixes); p++)
                hit = segment_equals(seg, len, unit_prefixes[p], units[u].unit);
            if (hit)
                return wss_parse_fail(
                    err, off, "metric name \"%s\" uses unit \"%.*s\"; use the base unit \"%s\"",
                    name, (int)len, seg, units[u].base);
        }
        if (end == NULL)
            return 0;
        seg = end + 1;
    }
}

int wss__prom_check_metric_name(const char *name, enum wss_prom_type type,
                                struct wss_parse_err *err)
{
    if (check_common(name, "metric", err) != 0)
        return WSS_PARSE_INVALID;
    size_t len = strlen(name);
    bool has_total = ends_with(name, len, "_total");
    if (type == WSS_PROM_COUNTER && !has_total)
        return wss_parse_fail(err, len, "counter name \"%s\" must end in \"_total\"", name);
    if (type != WSS_PROM_COUNTER && has_total)
        return wss_parse_fail(err, len - strlen("_total"),
                              "only counter names may end in \"_total\", not \"%s\"", name);
    for (size_t i = 0; i < COUNT(reserved_suffixes); i++) {
        if (ends_with(name, len, reserved_suffixes[i]))
            return wss_parse_fail(err, len - strlen(reserved_suffixes[i]),
                                  "metric name \"%s\" ends in \"%s\", which histograms reserve",
                                  name, reserved_suffixes[i]);
    }
    return check_segments(name, err);
}

int wss__prom_check_label_name(const char *name, struct wss_parse_err *err)
{
    if (check_common(name, "label", err) != 0)
        return WSS_PARSE_INVALID;
    if (strcmp(name, "le") == 0)
        return wss_parse_fail(err, 0, "label name \"le\" is reserved for histogram buckets");
    if (strcmp(name, "quantile") == 0)
        return wss_parse_fail(err, 0, "label name \"quantile\" is reserved for summaries");
    return 0;
}

bool wss__prom_is_utf8(const char *s, size_t len, size_t *bad_offset)
{
    struct wss_utf8 v = {0};
    size_t bad = len; /* text that stops inside a code point fails at its end */
    if (wss_utf8_feed(&v, (const uint8_t *)s, len, &bad) == WSS_UTF8_OK &&
        wss_utf8_finish(&v) == WSS_UTF8_OK)
        return true;
    /* Report where the broken sequence starts, not the byte that broke it: everything before the
     * offset is then whole text. A sequence is at most 4 bytes long. */
    size_t start = bad;
    while (start > 0 && bad - start < 4 && !wss_utf8_is_valid((const uint8_t *)s, start))
        start--;
    if (bad_offset != NULL)
        *bad_offset = start;
    return false;
}
