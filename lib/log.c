/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: renders one event as a klog-style or JSON line and writes it with a single write(2).
 * Does not: allocate, lock, or block on anything but the write itself.
 * Threads: any. The settings below are the one process-wide state in lib/: written by
 * wss_log_configure() before threads start, read-only afterwards. */
#include "wsscale/log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* A line longer than this is cut; the cut is marked so it is never mistaken for the whole. */
#define LOG_LINE_MAX 8192
/* Room for "file.c:line" in JSON: a file name (at most NAME_MAX bytes), ':', an int, the NUL. */
#define CALLER_MAX (NAME_MAX + 16)
/* What a cut line ends with, after the last whole pair (JSON: before the closing brace). */
#define LOG_CUT_MARK_TEXT " truncated=true"
#define LOG_CUT_MARK_JSON ",\"truncated\":true"
/* Bytes kept free for the cut mark, the closing brace and the newline. */
#define LOG_TAIL_RESERVE (sizeof(LOG_CUT_MARK_JSON) + 2)

static struct {
    enum wss_log_level min_level;
    enum wss_log_format format;
    int fd;
} log_settings = {WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT, STDERR_FILENO};

struct line {
    char buf[LOG_LINE_MAX];
    size_t len;
    bool is_cut; /* something did not fit; nothing more is added but the mark */
};

/* Bytes still free before the reserved tail. */
static size_t room_of(const struct line *l)
{
    return sizeof(l->buf) - LOG_TAIL_RESERVE - l->len;
}

/* Appends n bytes, or as many as fit and marks the line cut. */
static void put_bytes(struct line *l, const char *s, size_t n)
{
    if (l->is_cut)
        return;
    if (n > room_of(l)) {
        n = room_of(l);
        l->is_cut = true;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* Appends into the reserved tail; only for the mark, the closing brace and the newline. */
static void put_tail(struct line *l, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof(l->buf) - l->len)
        n = sizeof(l->buf) - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_str(struct line *l, const char *s)
{
    put_bytes(l, s, strlen(s));
}

static void put_fmt(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(struct line *l, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put_bytes(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The letter after a backslash for bytes JSON escapes briefly, or 0. */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\t':
        return 't';
    default:
        return 0;
    }
}

/* Bytes of the UTF-8 sequence starting at p (1 for ASCII and for bytes that start none), so a
 * cut never splits a character; stops early at a byte that does not continue it. */
static size_t utf8_seq_len(const unsigned char *p)
{
    size_t want = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
    size_t n = 1;
    while (n < want && (p[n] & 0xc0) == 0x80)
        n++;
    return n;
}

/* Writes s as a JSON string (also used for klog's quoted values, which follow the same
 * escaping): quotes, backslashes and control bytes are escaped; other bytes pass through. A
 * string that does not fit is cut between characters and still closed, and the line is marked
 * cut; nothing is written to a line already cut. */
static void put_quoted(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (l->is_cut)
        return;
    if (room_of(l) < 2) {
        l->is_cut = true;
        return;
    }
    l->buf[l->len++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        char piece[6] = {'\\', short_escape(*p), 0, 0, 0, 0};
        size_t n = 2;
        size_t used = 1;
        if (piece[1] == 0 && (*p < 0x20 || *p == 0x7f)) {
            piece[1] = 'u';
            piece[2] = '0';
            piece[3] = '0';
            piece[4] = hex[*p >> 4];
            piece[5] = hex[*p & 0xf];
            n = 6;
        } else if (piece[1] == 0) {
            n = used = utf8_seq_len(p);
            memcpy(piece, p, n);
        }
        if (n + 1 > room_of(l)) { /* + 1: the closing quote */
            l->is_cut = true;
            break;
        }
        memcpy(l->buf + l->len, piece, n);
        l->len += n;
        p += used;
    }
    l->buf[l->len++] = '"';
}

static void put_value(struct line *l, const struct wss_log_kv *kv)
{
    switch (kv->kind) {
    case WSS_LOG_KV_STR:
        if (kv->v.s == NULL)
            put_str(l, "null");
        else
            put_quoted(l, kv->v.s);
        break;
    case WSS_LOG_KV_INT:
        put_fmt(l, "%lld", kv->v.i);
        break;
    case WSS_LOG_KV_UINT:
        put_fmt(l, "%llu", kv->v.u);
        break;
    case WSS_LOG_KV_DOUBLE:
        /* JSON has no NaN or infinities; print them as strings there and in text alike. */
        if (kv->v.d != kv->v.d)
            put_str(l, "\"NaN\"");
        else if (kv->v.d > 1e308 || kv->v.d < -1e308)
            put_str(l, kv->v.d > 0 ? "\"+Inf\"" : "\"-Inf\"");
        else
            put_fmt(l, "%.6g", kv->v.d);
        break;
    case WSS_LOG_KV_BOOL:
        put_str(l, kv->v.b ? "true" : "false");
        break;
    case WSS_LOG_KV_NONE:
        break;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static const char *level_name(enum wss_log_level level)
{
    switch (level) {
    case WSS_LOG_DEBUG:
        return "debug";
    case WSS_LOG_INFO:
        return "info";
    case WSS_LOG_WARN:
        return "warn";
    case WSS_LOG_ERROR:
        return "error";
    }
    return "info";
}

void wss_log_configure(enum wss_log_level min_level, enum wss_log_format format)
{
    log_settings.min_level = min_level;
    log_settings.format = format;
}

void wss_log_set_fd(int fd)
{
    log_settings.fd = fd;
}

bool wss_log_enabled(enum wss_log_level level)
{
    return level >= log_settings.min_level;
}

int wss_log_level_parse(const char *s, enum wss_log_level *out)
{
    static const enum wss_log_level all[] = {WSS_LOG_DEBUG, WSS_LOG_INFO, WSS_LOG_WARN,
                                             WSS_LOG_ERROR};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, level_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}

int wss_log_format_parse(const char *s, enum wss_log_format *out)
{
    if (strcmp(s, "text") == 0) {
        *out = WSS_LOG_FORMAT_TEXT;
        return 0;
    }
    if (strcmp(s, "json") == 0) {
        *out = WSS_LOG_FORMAT_JSON;
        return 0;
    }
    return -1;
}

/* Ends one key=value pair begun at mark. After a cut, the pair stays only if its key was whole
 * and its value is a string, which put_quoted cut and closed; a cut key or number is dropped. */
static void end_pair(struct line *l, const struct wss_log_kv *kv, size_t mark, bool is_key_whole,
                     size_t value_mark)
{
    bool is_string = kv->kind == WSS_LOG_KV_STR && kv->v.s != NULL;
    if (l->is_cut && !(is_key_whole && is_string && l->len > value_mark))
        l->len = mark;
}

static void render_text(struct line *l, enum wss_log_level level, const struct timespec *now,
                        const char *file, int lineno, const char *msg, const struct wss_log_kv *kvs,
                        size_t nkvs)
{
    static const char letters[] = "DIWE";
    struct tm tm;
    gmtime_r(&now->tv_sec, &tm);
    /* The file name goes in on its own: put_fmt's buffer is sized for numbers, not names. */
    put_fmt(l, "%c%02d%02d %02d:%02d:%02d.%06ld %7d ", letters[level], tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec, now->tv_nsec / 1000, (int)getpid());
    put_str(l, base_name(file));
    put_fmt(l, ":%d] ", lineno);
    put_quoted(l, msg);
    for (size_t i = 0; i < nkvs && !l->is_cut; i++) {
        if (kvs[i].kind == WSS_LOG_KV_NONE)
            continue;
        size_t mark = l->len;
        put_bytes(l, " ", 1);
        put_str(l, kvs[i].key);
        put_bytes(l, "=", 1);
        bool is_key_whole = !l->is_cut;
        size_t value_mark = l->len;
        put_value(l, &kvs[i]);
        end_pair(l, &kvs[i], mark, is_key_whole, value_mark);
    }
    if (l->is_cut)
        put_tail(l, LOG_CUT_MARK_TEXT);
}

static void render_json(struct line *l, enum wss_log_level level, const struct timespec *now,
                        const char *file, int lineno, const char *msg, const struct wss_log_kv *kvs,
                        size_t nkvs)
{
    struct tm tm;
    gmtime_r(&now->tv_sec, &tm);
    put_fmt(l, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now->tv_nsec / 1000);
    put_str(l, ",\"level\":\"");
    put_str(l, level_name(level));
    put_str(l, "\",\"caller\":");
    char caller[CALLER_MAX];
    snprintf(caller, sizeof(caller), "%s:%d", base_name(file), lineno);
    put_quoted(l, caller);
    put_str(l, ",\"msg\":");
    put_quoted(l, msg);
    for (size_t i = 0; i < nkvs && !l->is_cut; i++) {
        if (kvs[i].kind == WSS_LOG_KV_NONE)
            continue;
        size_t mark = l->len;
        put_bytes(l, ",", 1);
        put_quoted(l, kvs[i].key);
        put_bytes(l, ":", 1);
        bool is_key_whole = !l->is_cut;
        size_t value_mark = l->len;
        put_value(l, &kvs[i]);
        end_pair(l, &kvs[i], mark, is_key_whole, value_mark);
    }
    /* The tail was reserved, so a cut line still ends as JSON, and says it was cut. */
    if (l->is_cut)
        put_tail(l, LOG_CUT_MARK_JSON);
    put_tail(l, "}");
}

void wss_log_emit(enum wss_log_level level, const char *file, int lineno, const char *msg,
                  const struct wss_log_kv *kvs, size_t nkvs)
{
    if (!wss_log_enabled(level))
        return;
    struct line l;
    l.len = 0;
    l.is_cut = false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (log_settings.format == WSS_LOG_FORMAT_JSON)
        render_json(&l, level, &now, file, lineno, msg, kvs, nkvs);
    else
        render_text(&l, level, &now, file, lineno, msg, kvs, nkvs);
    put_tail(&l, "\n");

    /* One write keeps concurrent lines whole; a short write on a pipe is retried for the rest. */
    size_t off = 0;
    while (off < l.len) {
        ssize_t n = write(log_settings.fd, l.buf + off, l.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        off += (size_t)n;
    }
}
