/* SPDX-License-Identifier: Apache-2.0 */
/* expo_parse.c: one line of Prometheus text format 0.0.4 at a time, with the grammar and escape
 * rules of the Go text parser Prometheus itself uses.
 * Does not: allocate, read sockets, log, or look at the locale (ASCII is tested by hand; strtod
 * sees only text already checked against the number grammar).
 * Threads: any; writes only the caller's parser state and outputs. */
#include "expo_parse.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/utf8.h"

/* Room for a reason before "line N: " is put in front of it. */
#define REASON_LEN 256
/* Bytes of a bad token a message quotes, and room for them written as \xNN plus "..." */
#define TOKEN_SHOWN    32
#define TOKEN_TEXT_LEN (TOKEN_SHOWN * 4 + 4)

/* One line being parsed: s[0..end) is the line without its '\n'. */
struct cur {
    const char *s;
    size_t i;
    size_t end;
    struct expo_line *out;
    size_t buf_used;
    const struct expo_parser *p;
    struct wss_parse_err *err;
};

static int fail(struct cur *c, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct cur *c, size_t at, const char *fmt, ...)
{
    char reason[REASON_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    c->out->nlabels = 0;
    return wss_parse_fail(c->err, c->p->offset + at, "line %zu: %s", c->p->line + 1, reason);
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static bool is_letter(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_metric_start(char ch)
{
    return is_letter(ch) || ch == '_' || ch == ':';
}

static bool is_metric_char(char ch)
{
    return is_metric_start(ch) || is_digit(ch);
}

static bool is_label_start(char ch)
{
    return is_letter(ch) || ch == '_';
}

static bool is_label_char(char ch)
{
    return is_label_start(ch) || is_digit(ch);
}

static bool at_end(const struct cur *c)
{
    return c->i >= c->end;
}

static void skip_blanks(struct cur *c)
{
    while (!at_end(c) && is_blank(c->s[c->i]))
        c->i++;
}

/* The byte at i as a message shows it. */
static const char *show(const struct cur *c, size_t i, char out[WSS_PARSE_BYTE_TEXT_LEN])
{
    wss_parse_describe_byte(c->s[i], out);
    return out;
}

/* Reads a metric name at c->i; returns its length (0 when none starts here). */
static size_t read_metric_name(struct cur *c)
{
    size_t start = c->i;
    if (at_end(c) || !is_metric_start(c->s[c->i]))
        return 0;
    while (!at_end(c) && is_metric_char(c->s[c->i]))
        c->i++;
    return c->i - start;
}

/* Reads a run of non-blank bytes; returns its length. */
static size_t read_token(struct cur *c)
{
    size_t start = c->i;
    while (!at_end(c) && !is_blank(c->s[c->i]))
        c->i++;
    return c->i - start;
}

/* Writes up to TOKEN_SHOWN bytes of tok for a message, non-printable bytes as \xNN, so the
 * message stays one line of plain text. */
static const char *show_token(const char *tok, size_t len, char out[TOKEN_TEXT_LEN])
{
    size_t k = 0;
    for (size_t i = 0; i < len && i < TOKEN_SHOWN; i++) {
        unsigned char ch = (unsigned char)tok[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
            out[k++] = (char)ch;
        else
            k += (size_t)snprintf(out + k, TOKEN_TEXT_LEN - k, "\\x%02x", ch);
    }
    if (len > TOKEN_SHOWN)
        k += (size_t)snprintf(out + k, TOKEN_TEXT_LEN - k, "...");
    out[k] = '\0';
    return out;
}

static bool token_is(const char *tok, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(tok, want, len) == 0;
}

/* Reads text up to the end of the line (help) or a closing quote (label value), undoing escapes:
 * \\ and \n everywhere, \" in label values. Text without escapes is returned in place; otherwise
 * it is copied into the caller's buf. Returns 0 or WSS_PARSE_INVALID. */
static int read_escaped(struct cur *c, bool is_label_value, const char **text, size_t *text_len)
{
    size_t start = c->i;
    bool has_escape = false;
    size_t n = 0;
    for (;;) {
        if (at_end(c)) {
            if (is_label_value)
                return fail(c, start - 1, "label value is missing its closing quote");
            break;
        }
        char ch = c->s[c->i];
        if (is_label_value && ch == '"')
            break;
        if (ch == '\\') {
            char e = c->i + 1 < c->end ? c->s[c->i + 1] : '\0';
            if (!(e == '\\' || e == 'n' || (is_label_value && e == '"'))) {
                char b[WSS_PARSE_BYTE_TEXT_LEN];
                if (c->i + 1 >= c->end)
                    return fail(c, c->i, "escape sequence cut short by the end of the line");
                return fail(c, c->i, "invalid escape sequence \\%s in %s", show(c, c->i + 1, b),
                            is_label_value ? "label value" : "help text");
            }
            has_escape = true;
            c->i += 2;
            n++;
            continue;
        }
        c->i++;
        n++;
    }
    size_t raw_len = c->i - start;
    if (!has_escape) {
        *text = c->s + start;
        *text_len = raw_len;
    } else {
        if (c->out->buf == NULL || c->out->buf_len - c->buf_used < n)
            return fail(c, start, "no room to unescape %s",
                        is_label_value ? "label value" : "help");
        char *dst = c->out->buf + c->buf_used;
        size_t k = 0;
        for (size_t j = start; j < c->i; j++) {
            char ch = c->s[j];
            if (ch == '\\') {
                j++;
                ch = c->s[j] == 'n' ? '\n' : c->s[j];
            }
            dst[k++] = ch;
        }
        c->buf_used += k;
        *text = dst;
        *text_len = k;
    }
    if (!wss_utf8_is_valid((const uint8_t *)*text, *text_len))
        return fail(c, start, "%s is not valid UTF-8",
                    is_label_value ? "label value" : "help text");
    return 0;
}

/* # HELP and # TYPE lines; anything else after '#' is a comment. */
static int parse_comment(struct cur *c)
{
    struct expo_line *out = c->out;
    out->kind = EXPO_LINE_COMMENT;
    c->i++; /* '#' */
    skip_blanks(c);
    const char *kw = c->s + c->i;
    size_t kw_len = read_token(c);
    bool is_help = token_is(kw, kw_len, "HELP");
    if (!is_help && !token_is(kw, kw_len, "TYPE"))
        return 0;
    skip_blanks(c);
    if (at_end(c))
        return 0; /* "# HELP" alone says nothing: a comment, as Prometheus reads it */
    size_t name_at = c->i;
    size_t name_len = read_metric_name(c);
    if (name_len == 0 || (!at_end(c) && !is_blank(c->s[c->i]))) {
        char b[WSS_PARSE_BYTE_TEXT_LEN];
        size_t bad = name_len == 0 ? name_at : c->i;
        return fail(c, bad, "invalid metric name in # %s line: unexpected %s",
                    is_help ? "HELP" : "TYPE", show(c, bad, b));
    }
    out->name = c->s + name_at;
    out->name_len = name_len;
    skip_blanks(c);
    if (is_help) {
        out->kind = EXPO_LINE_HELP;
        return read_escaped(c, false, &out->help, &out->help_len);
    }
    static const char *const types[] = {"untyped", "counter", "gauge", "histogram", "summary"};
    size_t type_at = c->i;
    const char *tok = c->s + c->i;
    size_t tok_len = read_token(c);
    if (tok_len == 0)
        return fail(c, type_at, "# TYPE line for %.*s names no type", (int)name_len, out->name);
    char shown[TOKEN_TEXT_LEN];
    size_t t = 0;
    while (t < sizeof(types) / sizeof(types[0]) && !token_is(tok, tok_len, types[t]))
        t++;
    if (t == sizeof(types) / sizeof(types[0]))
        return fail(c, type_at, "unknown metric type \"%s\"", show_token(tok, tok_len, shown));
    skip_blanks(c);
    if (!at_end(c))
        return fail(c, c->i, "text after the metric type");
    out->kind = EXPO_LINE_TYPE;
    out->type = (enum expo_type)t;
    return 0;
}

static int parse_labels(struct cur *c)
{
    struct expo_line *out = c->out;
    c->i++; /* '{' */
    for (;;) {
        skip_blanks(c);
        if (at_end(c))
            return fail(c, c->i, "label set is missing its closing brace");
        if (c->s[c->i] == '}') {
            c->i++;
            return 0;
        }
        char b[WSS_PARSE_BYTE_TEXT_LEN];
        size_t key_at = c->i;
        if (!is_label_start(c->s[c->i]))
            return fail(c, c->i, "invalid label name: unexpected %s", show(c, c->i, b));
        while (!at_end(c) && is_label_char(c->s[c->i]))
            c->i++;
        size_t key_len = c->i - key_at;
        skip_blanks(c);
        if (at_end(c) || c->s[c->i] != '=')
            return fail(c, c->i, "expected '=' after label name %.*s", (int)key_len, c->s + key_at);
        c->i++;
        skip_blanks(c);
        if (at_end(c) || c->s[c->i] != '"')
            return fail(c, c->i, "expected '\"' to open the value of label %.*s", (int)key_len,
                        c->s + key_at);
        c->i++;
        const char *value;
        size_t value_len;
        int rc = read_escaped(c, true, &value, &value_len);
        if (rc != 0)
            return rc;
        c->i++; /* closing '"' */
        for (size_t k = 0; k < out->nlabels; k++)
            if (out->labels[k].key_len == key_len &&
                memcmp(out->labels[k].key, c->s + key_at, key_len) == 0)
                return fail(c, key_at, "duplicate label name %.*s", (int)key_len, c->s + key_at);
        if (out->nlabels >= out->labels_cap)
            return fail(c, key_at, "more than %zu labels", out->labels_cap);
        out->labels[out->nlabels++] = (struct wss_label){
            .key = c->s + key_at, .key_len = key_len, .value = value, .value_len = value_len};
        skip_blanks(c);
        if (at_end(c))
            return fail(c, c->i, "label set is missing its closing brace");
        if (c->s[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->s[c->i] != '}')
            return fail(c, c->i, "expected ',' or '}' after a label, found %s", show(c, c->i, b));
    }
}

static bool ascii_equal_fold(const char *s, size_t len, const char *lower)
{
    if (len != strlen(lower))
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (ch != lower[i])
            return false;
    }
    return true;
}

/* True when tok is a decimal float as Go's ParseFloat takes it (hex and underscores aside):
 * [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]. */
static bool is_decimal(const char *tok, size_t len)
{
    size_t i = 0, mantissa = 0;
    if (i < len && (tok[i] == '+' || tok[i] == '-'))
        i++;
    while (i < len && is_digit(tok[i])) {
        i++;
        mantissa++;
    }
    if (i < len && tok[i] == '.') {
        i++;
        while (i < len && is_digit(tok[i])) {
            i++;
            mantissa++;
        }
    }
    if (mantissa == 0)
        return false;
    if (i < len && (tok[i] == 'e' || tok[i] == 'E')) {
        i++;
        if (i < len && (tok[i] == '+' || tok[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < len && is_digit(tok[i])) {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return false;
    }
    return i == len;
}

static int parse_value(struct cur *c, const char *tok, size_t len, size_t at)
{
    const char *mag = tok;
    size_t mag_len = len;
    double sign = 1;
    if (mag_len > 0 && (mag[0] == '+' || mag[0] == '-')) {
        sign = mag[0] == '-' ? -1 : 1;
        mag++;
        mag_len--;
    }
    if (ascii_equal_fold(mag, mag_len, "inf") || ascii_equal_fold(mag, mag_len, "infinity")) {
        c->out->value = sign * INFINITY;
        return 0;
    }
    if (mag_len == len && ascii_equal_fold(tok, len, "nan")) {
        c->out->value = NAN;
        return 0;
    }
    char shown[TOKEN_TEXT_LEN];
    if (len >= EXPO_NUMBER_MAX)
        return fail(c, at, "value is longer than %d bytes", EXPO_NUMBER_MAX - 1);
    if (!is_decimal(tok, len))
        return fail(c, at, "invalid value \"%s\"", show_token(tok, len, shown));
    char num[EXPO_NUMBER_MAX];
    memcpy(num, tok, len);
    num[len] = '\0';
    errno = 0;
    double v = strtod(num, NULL);
    if (errno == ERANGE && isinf(v))
        return fail(c, at, "value %s is out of range", num);
    c->out->value = v;
    return 0;
}

static int parse_timestamp(struct cur *c, const char *tok, size_t len, size_t at)
{
    char shown[TOKEN_TEXT_LEN];
    size_t i = 0;
    bool is_negative = false;
    if (len > 0 && (tok[0] == '+' || tok[0] == '-')) {
        is_negative = tok[0] == '-';
        i++;
    }
    if (i == len)
        return fail(c, at, "invalid timestamp \"%s\"", show_token(tok, len, shown));
    /* Accumulated negatively so INT64_MIN fits. */
    int64_t v = 0;
    for (; i < len; i++) {
        if (!is_digit(tok[i]))
            return fail(c, at, "invalid timestamp \"%s\"", show_token(tok, len, shown));
        int d = tok[i] - '0';
        if (v < (INT64_MIN + d) / 10)
            return fail(c, at, "timestamp is out of range");
        v = v * 10 - d;
    }
    if (!is_negative && v == INT64_MIN)
        return fail(c, at, "timestamp is out of range");
    c->out->has_timestamp = true;
    c->out->timestamp_ms = is_negative ? v : -v;
    return 0;
}

static int parse_sample(struct cur *c)
{
    struct expo_line *out = c->out;
    char b[WSS_PARSE_BYTE_TEXT_LEN];
    size_t name_at = c->i;
    size_t name_len = read_metric_name(c);
    if (name_len == 0)
        return fail(c, c->i, "invalid metric name: unexpected %s", show(c, c->i, b));
    out->kind = EXPO_LINE_SAMPLE;
    out->name = c->s + name_at;
    out->name_len = name_len;
    if (!at_end(c) && !is_blank(c->s[c->i]) && c->s[c->i] != '{')
        return fail(c, c->i, "unexpected %s after metric name", show(c, c->i, b));
    skip_blanks(c);
    if (!at_end(c) && c->s[c->i] == '{') {
        int rc = parse_labels(c);
        if (rc != 0)
            return rc;
        skip_blanks(c);
    }
    size_t value_at = c->i;
    const char *tok = c->s + c->i;
    size_t tok_len = read_token(c);
    if (tok_len == 0)
        return fail(c, value_at, "sample of %.*s has no value", (int)name_len, out->name);
    int rc = parse_value(c, tok, tok_len, value_at);
    if (rc != 0)
        return rc;
    skip_blanks(c);
    if (at_end(c))
        return 0;
    size_t ts_at = c->i;
    tok = c->s + c->i;
    tok_len = read_token(c);
    rc = parse_timestamp(c, tok, tok_len, ts_at);
    if (rc != 0)
        return rc;
    skip_blanks(c);
    if (!at_end(c))
        return fail(c, c->i, "text after the timestamp");
    return 0;
}

int expo_parse_line(struct expo_parser *p, const char *s, size_t len, bool is_eof,
                    struct expo_line *out, struct wss_parse_err *err)
{
    out->kind = EXPO_LINE_BLANK;
    out->name = NULL;
    out->name_len = 0;
    out->help = NULL;
    out->help_len = 0;
    out->type = EXPO_TYPE_UNTYPED;
    out->nlabels = 0;
    out->value = 0;
    out->has_timestamp = false;
    out->timestamp_ms = 0;
    if (len == 0)
        return is_eof ? 0 : WSS_PARSE_INCOMPLETE;
    const char *nl = memchr(s, '\n', len);
    if (nl == NULL && !is_eof)
        return WSS_PARSE_INCOMPLETE;
    size_t end = nl != NULL ? (size_t)(nl - s) : len;
    size_t consumed = nl != NULL ? end + 1 : len;
    if (consumed > INT_MAX)
        return wss_parse_fail(err, p->offset, "line %zu: longer than %d bytes", p->line + 1,
                              INT_MAX - 1);
    struct cur c = {.s = s, .end = end, .out = out, .p = p, .err = err};
    skip_blanks(&c);
    int rc = 0;
    if (!at_end(&c))
        rc = c.s[c.i] == '#' ? parse_comment(&c) : parse_sample(&c);
    if (rc != 0)
        return rc;
    p->line++;
    p->offset += consumed;
    return (int)consumed;
}

const char *expo_type_name(enum expo_type t)
{
    switch (t) {
    case EXPO_TYPE_COUNTER:
        return "counter";
    case EXPO_TYPE_GAUGE:
        return "gauge";
    case EXPO_TYPE_HISTOGRAM:
        return "histogram";
    case EXPO_TYPE_SUMMARY:
        return "summary";
    case EXPO_TYPE_UNTYPED:
        break;
    }
    return "untyped";
}
