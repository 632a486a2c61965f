/* SPDX-License-Identifier: Apache-2.0 */
/* flags.c: parses argv and the WSSCALE_* environment against a program's flag table, and
 * renders --help and --version from the same table.
 * Does not: print, exit, or interpret values itself beyond the types (duration.c and hostport.c
 * do those); the program's main decides what to show and how to exit.
 * Threads: one call from main before threads start (getenv, writes the destinations). */
#include "wsscale/flags.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/duration.h"
#include "wsscale/parse.h"
#include "wsscale/version.h"

#define ENV_PREFIX "WSSCALE_"

/* Longest flag name; it also sizes the rows of the edit distance behind "did you mean". */
#define NAME_LEN_MAX 64

/* Room for a derived environment name, WSSCALE_ plus the upper-cased flag name. */
#define ENV_NAME_CAP (sizeof(ENV_PREFIX) + NAME_LEN_MAX)

/* Longest part of a value echoed back in an error; escaping can make each byte four. */
#define QUOTE_MAX 64
#define QUOTE_CAP (QUOTE_MAX * 4 + 4)

/* Room for a "(want ...)" hint; enum hints list every choice and are cut if they do not fit. */
#define HINT_CAP 256

#define HELP_WIDTH  80
#define HELP_INDENT 6

#define HINT_DURATION "a duration such as 500ms, 1s or 2m"
#define HINT_HOSTPORT "host:port such as 0.0.0.0:8080, :9102 or [::1]:6443"

enum source {
    SRC_DEFAULT,
    SRC_ENV,
    SRC_CLI,
};

/* Where a value came from, for the error line. */
struct origin {
    enum source src;
    const char *env; /* the variable's name when src is SRC_ENV */
};

enum tok_kind {
    TOK_NONE,    /* nothing to apply ("--" at the end) */
    TOK_FLAG,    /* a known flag and its value */
    TOK_HELP,    /* -h, --help */
    TOK_VERSION, /* --version */
    TOK_BAD,     /* err says why */
};

struct tok {
    const struct wss_flag *flag;
    const char *value; /* NULL for a bare boolean */
};

static enum wss_flags_result fail(const struct wss_flags *fs, struct wss_flags_err *err,
                                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum wss_flags_result fail(const struct wss_flags *fs, struct wss_flags_err *err,
                                  const char *fmt, ...)
{
    int n = snprintf(err->msg, sizeof(err->msg), "%s: ", fs->program);
    if (n < 0 || (size_t)n >= sizeof(err->msg))
        return WSS_FLAGS_ERROR;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
    va_end(ap);
    return WSS_FLAGS_ERROR;
}

/* Escapes s for one line of text: '"' and '\' get a backslash, other bytes outside printable
 * ASCII become \xNN, and more than QUOTE_MAX bytes end in "...". */
static void escape(const char *s, size_t len, char out[QUOTE_CAP])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < len && i < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 0xf];
        } else {
            out[n++] = (char)c;
        }
    }
    if (len > QUOTE_MAX) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static bool is_name_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (ascii_lower(*a) != ascii_lower(*b))
            return false;
    }
    return *a == *b;
}

static void env_name(const struct wss_flag *f, char *buf, size_t cap)
{
    if (f->env != NULL) {
        snprintf(buf, cap, "%s", f->env);
        return;
    }
    size_t n = strlen(ENV_PREFIX);
    memcpy(buf, ENV_PREFIX, n);
    for (const char *p = f->name; *p != '\0' && n + 1 < cap; p++)
        buf[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    buf[n] = '\0';
}

/* "an integer from 1 to 65535" and the like; the part after "want". */
static void int_hint(const struct wss_flag *f, char *buf, size_t cap)
{
    if (f->min == INT64_MIN && f->max == INT64_MAX)
        snprintf(buf, cap, "an integer");
    else if (f->min == INT64_MIN)
        snprintf(buf, cap, "an integer <= %lld", (long long)f->max);
    else if (f->max == INT64_MAX)
        snprintf(buf, cap, "an integer >= %lld", (long long)f->min);
    else
        snprintf(buf, cap, "an integer from %lld to %lld", (long long)f->min, (long long)f->max);
}

static bool duration_has_bounds(const struct wss_flag *f)
{
    return f->min > 0 || f->max > 0;
}

static void duration_hint(const struct wss_flag *f, char *buf, size_t cap)
{
    char lo[WSS_DURATION_TEXT_MAX], hi[WSS_DURATION_TEXT_MAX];
    wss_duration_format(f->min, lo, sizeof(lo));
    wss_duration_format(f->max, hi, sizeof(hi));
    if (!duration_has_bounds(f))
        snprintf(buf, cap, "%s", HINT_DURATION);
    else if (f->max == 0)
        snprintf(buf, cap, "a duration of at least %s", lo);
    else if (f->min <= 0)
        snprintf(buf, cap, "a duration of at most %s", hi);
    else
        snprintf(buf, cap, "a duration from %s to %s", lo, hi);
}

static void enum_hint(const struct wss_flag *f, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "one of: ");
    for (size_t i = 0; f->choices[i] != NULL && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i > 0 ? ", " : "", f->choices[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* What a flag wants, for "(want ...)". */
static void want_hint(const struct wss_flag *f, char buf[HINT_CAP])
{
    switch (f->type) {
    case WSS_FLAG_TYPE_STRING:
        snprintf(buf, HINT_CAP, "a string");
        return;
    case WSS_FLAG_TYPE_INT:
        int_hint(f, buf, HINT_CAP);
        return;
    case WSS_FLAG_TYPE_BOOL:
        snprintf(buf, HINT_CAP, "true or false");
        return;
    case WSS_FLAG_TYPE_DURATION:
        duration_hint(f, buf, HINT_CAP);
        return;
    case WSS_FLAG_TYPE_HOSTPORT:
        snprintf(buf, HINT_CAP, "%s", HINT_HOSTPORT);
        return;
    case WSS_FLAG_TYPE_PATH:
        snprintf(buf, HINT_CAP, "a non-empty path");
        return;
    case WSS_FLAG_TYPE_ENUM:
        enum_hint(f, buf, HINT_CAP);
        return;
    case WSS_FLAG_TYPE_LIST:
        snprintf(buf, HINT_CAP, "a comma-separated list");
        return;
    }
    buf[0] = '\0';
}

/* The one error line for a value that does not fit its flag. detail may be NULL. */
static enum wss_flags_result fail_value(const struct wss_flags *fs, struct wss_flags_err *err,
                                        const struct wss_flag *f, const struct origin *o,
                                        const char *value, const char *detail)
{
    char quoted[QUOTE_CAP], hint[HINT_CAP];
    escape(value, strlen(value), quoted);
    want_hint(f, hint);
    const char *sep = detail != NULL ? ": " : "";
    detail = detail != NULL ? detail : "";
    if (o->src == SRC_ENV)
        return fail(fs, err, "invalid value \"%s\" in %s for --%s%s%s (want %s)", quoted, o->env,
                    f->name, sep, detail, hint);
    return fail(fs, err, "%s \"%s\" for --%s%s%s (want %s)",
                o->src == SRC_DEFAULT ? "invalid default" : "invalid value", quoted, f->name, sep,
                detail, hint);
}

static bool parse_int(const char *s, int64_t *out)
{
    bool is_negative = s[0] == '-';
    const char *p = s + (is_negative ? 1 : 0);
    uint64_t limit = is_negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (!is_negative)
        *out = (int64_t)v;
    else if (v == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (ascii_ieq(s, "true") || strcmp(s, "1") == 0) {
        *out = true;
        return true;
    }
    if (ascii_ieq(s, "false") || strcmp(s, "0") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static void list_clear(struct wss_flag_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int list_push(struct wss_flag_list *l, const char *s, size_t len)
{
    char **grown = realloc(l->items, (l->n + 1) * sizeof(*grown));
    if (grown == NULL)
        return -1;
    l->items = grown;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    l->items[l->n++] = copy;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Appends the comma-separated items of value, trimmed. An all-blank value adds nothing (so
 * "--x=" empties a list); otherwise an empty item is an error. */
static enum wss_flags_result list_add(const struct wss_flags *fs, struct wss_flags_err *err,
                                      const struct wss_flag *f, const struct origin *o,
                                      const char *value)
{
    const char *p = value;
    while (is_blank(*p))
        p++;
    if (*p == '\0')
        return WSS_FLAGS_OK;
    p = value;
    for (;;) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        const char *b = p, *e = end;
        while (b < e && is_blank(*b))
            b++;
        while (e > b && is_blank(e[-1]))
            e--;
        if (b == e)
            return fail_value(fs, err, f, o, value, "empty item in the list");
        if (list_push(f->dest.list, b, (size_t)(e - b)) != 0)
            return fail(fs, err, "out of memory reading --%s", f->name);
        if (*end == '\0')
            return WSS_FLAGS_OK;
        p = end + 1;
    }
}

/* Duration text that does not even start like a number gets only the hint: the parser's
 * "expected a number" would repeat it. */
static bool is_number_shaped(const char *s)
{
    return (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '+';
}

/* Stores one value (NULL only for a bare boolean) into f's destination. */
static enum wss_flags_result apply(const struct wss_flags *fs, struct wss_flags_err *err,
                                   const struct wss_flag *f, const struct origin *o,
                                   const char *value)
{
    struct wss_parse_err perr;
    switch (f->type) {
    case WSS_FLAG_TYPE_STRING:
        *f->dest.str = value;
        return WSS_FLAGS_OK;
    case WSS_FLAG_TYPE_PATH:
        if (value[0] == '\0')
            return fail_value(fs, err, f, o, value, NULL);
        *f->dest.str = value;
        return WSS_FLAGS_OK;
    case WSS_FLAG_TYPE_INT: {
        int64_t v;
        if (!parse_int(value, &v) || v < f->min || v > f->max)
            return fail_value(fs, err, f, o, value, NULL);
        *f->dest.i = v;
        return WSS_FLAGS_OK;
    }
    case WSS_FLAG_TYPE_BOOL: {
        bool v = true;
        if (value != NULL && !parse_bool(value, &v))
            return fail_value(fs, err, f, o, value, NULL);
        *f->dest.b = v;
        return WSS_FLAGS_OK;
    }
    case WSS_FLAG_TYPE_DURATION: {
        int64_t ms;
        if (wss_duration_parse(value, strlen(value), &ms, &perr) < 0)
            return fail_value(fs, err, f, o, value, is_number_shaped(value) ? perr.msg : NULL);
        if (ms < f->min || (f->max > 0 && ms > f->max))
            return fail_value(fs, err, f, o, value, NULL);
        *f->dest.ms = ms;
        return WSS_FLAGS_OK;
    }
    case WSS_FLAG_TYPE_HOSTPORT:
        if (wss_hostport_parse(value, strlen(value), f->dest.hp, &perr) < 0)
            return fail_value(fs, err, f, o, value, perr.msg);
        return WSS_FLAGS_OK;
    case WSS_FLAG_TYPE_ENUM:
        for (int i = 0; f->choices[i] != NULL; i++) {
            if (strcmp(f->choices[i], value) == 0) {
                *f->dest.index = i;
                return WSS_FLAGS_OK;
            }
        }
        return fail_value(fs, err, f, o, value, NULL);
    case WSS_FLAG_TYPE_LIST:
        return list_add(fs, err, f, o, value);
    }
    return fail(fs, err, "bad flag table: --%s has an unknown type", f->name);
}

static bool has_dest(const struct wss_flag *f)
{
    switch (f->type) {
    case WSS_FLAG_TYPE_STRING:
    case WSS_FLAG_TYPE_PATH:
        return f->dest.str != NULL;
    case WSS_FLAG_TYPE_INT:
        return f->dest.i != NULL;
    case WSS_FLAG_TYPE_BOOL:
        return f->dest.b != NULL;
    case WSS_FLAG_TYPE_DURATION:
        return f->dest.ms != NULL;
    case WSS_FLAG_TYPE_HOSTPORT:
        return f->dest.hp != NULL;
    case WSS_FLAG_TYPE_ENUM:
        return f->dest.index != NULL;
    case WSS_FLAG_TYPE_LIST:
        return f->dest.list != NULL;
    }
    return false;
}

/* Catches mistakes in a program's table at its first run, so every program's tests see them. */
static enum wss_flags_result check_table(const struct wss_flags *fs, struct wss_flags_err *err)
{
    for (size_t i = 0; i < fs->nflags; i++) {
        const struct wss_flag *f = &fs->flags[i];
        if (f->name == NULL)
            return fail(fs, err, "bad flag table: entry %zu has no name", i);
        size_t len = strlen(f->name);
        bool is_name_ok = len > 0 && len <= NAME_LEN_MAX && f->name[0] != '-';
        for (size_t j = 0; j < len && is_name_ok; j++)
            is_name_ok = is_name_byte(f->name[j]);
        char shown[QUOTE_CAP];
        escape(f->name, len, shown);
        if (!is_name_ok)
            return fail(fs, err, "bad flag table: \"%s\" is not a flag name ([a-z0-9-], 1-%d)",
                        shown, NAME_LEN_MAX);
        if (strcmp(f->name, "help") == 0 || strcmp(f->name, "version") == 0)
            return fail(fs, err, "bad flag table: --%s is built in", f->name);
        if (f->type < WSS_FLAG_TYPE_STRING || f->type > WSS_FLAG_TYPE_LIST || !has_dest(f))
            return fail(fs, err, "bad flag table: --%s needs a type and a destination", f->name);
        if (f->type == WSS_FLAG_TYPE_ENUM && (f->choices == NULL || f->choices[0] == NULL))
            return fail(fs, err, "bad flag table: --%s needs choices", f->name);
        if (f->is_required && f->def != NULL)
            return fail(fs, err, "bad flag table: --%s is required but has a default", f->name);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(fs->flags[j].name, f->name) == 0)
                return fail(fs, err, "bad flag table: --%s is declared twice", f->name);
        }
    }
    return WSS_FLAGS_OK;
}

static const struct wss_flag *find_flag(const struct wss_flags *fs, const char *name, size_t len)
{
    for (size_t i = 0; i < fs->nflags; i++) {
        const char *n = fs->flags[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return &fs->flags[i];
    }
    return NULL;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Edit distance counting an adjacent swap as one edit ("prot" -> "port"). Both strings are at
 * most NAME_LEN_MAX bytes. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t rows[3][NAME_LEN_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

/* How far a typed name is from a known one: the edit distance after folding case and '_' to
 * '-', or 1 when it is a prefix of at least 3 bytes ("--secure" for "--secure-port"). */
static size_t name_distance(const char *typed, size_t len, const char *known)
{
    char folded[NAME_LEN_MAX];
    for (size_t i = 0; i < len; i++)
        folded[i] = typed[i] == '_' ? '-' : ascii_lower(typed[i]);
    size_t klen = strlen(known);
    if (len >= 3 && len < klen && memcmp(folded, known, len) == 0)
        return 1;
    return edit_distance(folded, len, known, klen);
}

/* The known flag closest to an unknown name, or NULL when none is close enough to help. */
static const char *suggest(const struct wss_flags *fs, const char *typed, size_t len)
{
    static const char *const builtins[] = {"help", "version"};
    if (len == 0 || len > NAME_LEN_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < fs->nflags + 2; i++) {
        const char *known = i < fs->nflags ? fs->flags[i].name : builtins[i - fs->nflags];
        size_t d = name_distance(typed, len, known);
        size_t allowed = strlen(known) >= 6 ? 2 : 1;
        if (d <= allowed && d < best_d) {
            best = known;
            best_d = d;
        }
    }
    return best;
}

static enum tok_kind fail_unknown(const struct wss_flags *fs, struct wss_flags_err *err,
                                  const char *dashes, const char *name, size_t len)
{
    char shown[QUOTE_CAP];
    escape(name, len, shown);
    const char *best = suggest(fs, name, len);
    if (best != NULL)
        fail(fs, err, "unknown flag %s%s (did you mean --%s?)", dashes, shown, best);
    else if (dashes[1] == '\0')
        fail(fs, err, "unknown flag %s%s (flags start with \"--\"; see --help)", dashes, shown);
    else
        fail(fs, err, "unknown flag %s%s (see --help)", dashes, shown);
    return TOK_BAD;
}

static enum tok_kind fail_positional(const struct wss_flags *fs, struct wss_flags_err *err,
                                     const char *arg, const struct wss_flag *bare_bool)
{
    char shown[QUOTE_CAP];
    bool ignored;
    escape(arg, strlen(arg), shown);
    if (bare_bool != NULL && parse_bool(arg, &ignored))
        fail(fs, err, "unexpected argument \"%s\" (give a boolean its value as --%s=%s)", shown,
             bare_bool->name, shown);
    else
        fail(fs, err, "unexpected argument \"%s\" (this program takes only --flags)", shown);
    return TOK_BAD;
}

/* Reads the token at argv[*i] (and its value, if separate) and moves *i past them. bare_bool
 * is the boolean flag just before, if it had no value, for a better error. */
static enum tok_kind next_token(const struct wss_flags *fs, int argc, char *const argv[], int *i,
                                const struct wss_flag *bare_bool, struct tok *t,
                                struct wss_flags_err *err)
{
    const char *a = argv[(*i)++];
    if (strcmp(a, "--") == 0) {
        if (*i >= argc)
            return TOK_NONE;
        const char *rest = argv[*i];
        *i = argc;
        return fail_positional(fs, err, rest, NULL);
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
        return TOK_HELP;
    if (strcmp(a, "--version") == 0)
        return TOK_VERSION;
    if (a[0] != '-' || a[1] == '\0')
        return fail_positional(fs, err, a, bare_bool);
    if (a[1] != '-')
        return fail_unknown(fs, err, "-", a + 1, strlen(a + 1));

    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    if (eq != NULL && ((len == 4 && memcmp(name, "help", 4) == 0) ||
                       (len == 7 && memcmp(name, "version", 7) == 0))) {
        fail(fs, err, "--%.*s takes no value", (int)len, name);
        return TOK_BAD;
    }
    t->flag = find_flag(fs, name, len);
    if (t->flag == NULL)
        return fail_unknown(fs, err, "--", name, len);
    if (eq != NULL) {
        t->value = eq + 1;
    } else if (t->flag->type == WSS_FLAG_TYPE_BOOL) {
        t->value = NULL;
    } else if (*i < argc && strncmp(argv[*i], "--", 2) != 0) {
        t->value = argv[(*i)++];
    } else {
        char hint[HINT_CAP];
        want_hint(t->flag, hint);
        fail(fs, err, "missing value for --%s (want %s)", t->flag->name, hint);
        return TOK_BAD;
    }
    return TOK_FLAG;
}

static bool on_command_line(const struct wss_flags *fs, const struct wss_flag *f, int argc,
                            char *const argv[])
{
    struct wss_flags_err ignored;
    struct tok t = {0};
    for (int i = 1; i < argc;) {
        if (next_token(fs, argc, argv, &i, NULL, &t, &ignored) == TOK_FLAG && t.flag == f)
            return true;
    }
    return false;
}

/* The environment twin's value, or NULL when unset or empty (an empty variable is what a
 * template leaves behind, not a choice). */
static const char *env_value(const struct wss_flag *f, char name[ENV_NAME_CAP])
{
    env_name(f, name, ENV_NAME_CAP);
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Checks the syntax of the whole command line. -h/--help and --version win over any error. */
static enum wss_flags_result scan(const struct wss_flags *fs, int argc, char *const argv[],
                                  struct wss_flags_err *err)
{
    struct wss_flags_err later;
    bool has_error = false;
    const struct wss_flag *bare_bool = NULL;
    struct tok t;
    for (int i = 1; i < argc;) {
        enum tok_kind k = next_token(fs, argc, argv, &i, bare_bool, &t, has_error ? &later : err);
        if (k == TOK_HELP)
            return WSS_FLAGS_HELP;
        if (k == TOK_VERSION)
            return WSS_FLAGS_VERSION;
        has_error = has_error || k == TOK_BAD;
        bare_bool = k == TOK_FLAG && t.value == NULL ? t.flag : NULL;
    }
    return has_error ? WSS_FLAGS_ERROR : WSS_FLAGS_OK;
}

/* Defaults first, then the environment for flags the command line does not set. */
static enum wss_flags_result apply_defaults_and_env(const struct wss_flags *fs, int argc,
                                                    char *const argv[], struct wss_flags_err *err)
{
    for (size_t i = 0; i < fs->nflags; i++) {
        const struct wss_flag *f = &fs->flags[i];
        struct origin o = {.src = SRC_DEFAULT};
        if (f->def != NULL && apply(fs, err, f, &o, f->def) != WSS_FLAGS_OK)
            return WSS_FLAGS_ERROR;
        char name[ENV_NAME_CAP];
        const char *v = env_value(f, name);
        bool is_on_cli = on_command_line(fs, f, argc, argv);
        if (f->type == WSS_FLAG_TYPE_LIST && (is_on_cli || v != NULL))
            list_clear(f->dest.list); /* a higher source replaces the list, not extends it */
        if (is_on_cli || v == NULL)
            continue;
        o = (struct origin){.src = SRC_ENV, .env = name};
        if (apply(fs, err, f, &o, v) != WSS_FLAGS_OK)
            return WSS_FLAGS_ERROR;
    }
    return WSS_FLAGS_OK;
}

enum wss_flags_result wss_flags_parse(const struct wss_flags *fs, int argc, char *const argv[],
                                      struct wss_flags_err *err)
{
    err->msg[0] = '\0';
    if (check_table(fs, err) != WSS_FLAGS_OK)
        return WSS_FLAGS_ERROR;
    enum wss_flags_result r = scan(fs, argc, argv, err);
    if (r != WSS_FLAGS_OK)
        return r;
    wss_flags_free(fs);
    if (apply_defaults_and_env(fs, argc, argv, err) != WSS_FLAGS_OK)
        return WSS_FLAGS_ERROR;

    struct origin cli = {.src = SRC_CLI};
    struct tok t;
    for (int i = 1; i < argc;) {
        if (next_token(fs, argc, argv, &i, NULL, &t, err) != TOK_FLAG)
            continue;
        if (apply(fs, err, t.flag, &cli, t.value) != WSS_FLAGS_OK)
            return WSS_FLAGS_ERROR;
    }

    for (size_t i = 0; i < fs->nflags; i++) {
        const struct wss_flag *f = &fs->flags[i];
        char name[ENV_NAME_CAP];
        if (f->is_required && env_value(f, name) == NULL && !on_command_line(fs, f, argc, argv))
            return fail(fs, err, "missing required flag --%s (or environment variable %s)", f->name,
                        name);
    }
    err->msg[0] = '\0';
    return WSS_FLAGS_OK;
}

void wss_flags_free(const struct wss_flags *fs)
{
    for (size_t i = 0; i < fs->nflags; i++) {
        const struct wss_flag *f = &fs->flags[i];
        if (f->type == WSS_FLAG_TYPE_LIST && f->dest.list != NULL)
            list_clear(f->dest.list);
    }
}

/* Appends text word by word, breaking lines before HELP_WIDTH and indenting each by indent.
 * A word longer than a line gets a line of its own. */
static void wrap(struct wss_strbuf *out, const char *text, size_t indent)
{
    static const char spaces[] = "                ";
    size_t col = 0;
    bool is_line_start = true;
    const char *p = text;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (*p == '\0')
            break;
        const char *w = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        size_t wlen = (size_t)(p - w);
        if (!is_line_start && col + 1 + wlen > HELP_WIDTH) {
            wss_strbuf_append(out, "\n", 1);
            is_line_start = true;
        }
        if (is_line_start) {
            wss_strbuf_append(out, spaces, indent < sizeof(spaces) - 1 ? indent : 0);
            col = indent;
            is_line_start = false;
        } else {
            wss_strbuf_append(out, " ", 1);
            col++;
        }
        wss_strbuf_append(out, w, wlen);
        col += wlen;
    }
    if (!is_line_start)
        wss_strbuf_append(out, "\n", 1);
}

static void type_hint(const struct wss_flag *f, struct wss_strbuf *out)
{
    switch (f->type) {
    case WSS_FLAG_TYPE_STRING:
        wss_strbuf_puts(out, " string");
        return;
    case WSS_FLAG_TYPE_INT:
        wss_strbuf_puts(out, " int");
        return;
    case WSS_FLAG_TYPE_BOOL:
        return;
    case WSS_FLAG_TYPE_DURATION:
        wss_strbuf_puts(out, " duration");
        return;
    case WSS_FLAG_TYPE_HOSTPORT:
        wss_strbuf_puts(out, " host:port");
        return;
    case WSS_FLAG_TYPE_PATH:
        wss_strbuf_puts(out, " path");
        return;
    case WSS_FLAG_TYPE_ENUM:
        for (size_t i = 0; f->choices[i] != NULL; i++)
            wss_strbuf_printf(out, "%c%s", i == 0 ? ' ' : '|', f->choices[i]);
        return;
    case WSS_FLAG_TYPE_LIST:
        wss_strbuf_puts(out, " list");
        return;
    }
}

/* "(default 1s; from 1 to 65535; env WSSCALE_X)": the facts under a flag's help. */
static void facts(const struct wss_flag *f, struct wss_strbuf *line)
{
    char env[ENV_NAME_CAP], hint[HINT_CAP];
    wss_strbuf_puts(line, "(");
    if (f->def != NULL && f->def[0] != '\0')
        wss_strbuf_printf(line, "default %s; ", f->def);
    if (f->is_required)
        wss_strbuf_puts(line, "required; ");
    if (f->type == WSS_FLAG_TYPE_INT && (f->min != INT64_MIN || f->max != INT64_MAX)) {
        int_hint(f, hint, sizeof(hint));
        wss_strbuf_printf(line, "%s; ", hint);
    }
    if (f->type == WSS_FLAG_TYPE_DURATION && duration_has_bounds(f)) {
        duration_hint(f, hint, sizeof(hint));
        wss_strbuf_printf(line, "%s; ", hint);
    }
    if (f->type == WSS_FLAG_TYPE_LIST)
        wss_strbuf_puts(line, "repeatable, comma-separated; ");
    env_name(f, env, sizeof(env));
    wss_strbuf_printf(line, "env %s)", env);
}

int wss_flags_help(const struct wss_flags *fs, struct wss_strbuf *out)
{
    bool is_failed = false;
    wss_strbuf_printf(out, "Usage: %s [flags]\n\n", fs->program);
    if (fs->summary != NULL && fs->summary[0] != '\0') {
        wrap(out, fs->summary, 0);
        wss_strbuf_puts(out, "\n");
    }
    wss_strbuf_puts(out, "Flags:\n");
    for (size_t i = 0; i < fs->nflags; i++) {
        const struct wss_flag *f = &fs->flags[i];
        wss_strbuf_printf(out, "  --%s", f->name);
        type_hint(f, out);
        wss_strbuf_puts(out, "\n");
        if (f->help != NULL)
            wrap(out, f->help, HELP_INDENT);
        struct wss_strbuf line = {0};
        facts(f, &line);
        is_failed = is_failed || line.is_failed;
        if (!line.is_failed)
            wrap(out, line.data, HELP_INDENT);
        wss_strbuf_free(&line);
    }
    wss_strbuf_puts(out, "  -h, --help\n");
    wrap(out, "Show this help and exit.", HELP_INDENT);
    wss_strbuf_puts(out, "  --version\n");
    wrap(out, "Print the program name and version, then exit.", HELP_INDENT);
    return is_failed || out->is_failed ? -1 : 0;
}

int wss_flags_version(const struct wss_flags *fs, struct wss_strbuf *out)
{
    return wss_strbuf_printf(out, "%s %s\n", fs->program, WSS_VERSION);
}
