/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: renders one event as a klog-style or JSON line and writes it with a single write(2).
 * Does not: allocate, lock, or block on anything but the write itself.
 * Threads: any. The settings below are the one process-wide state in lib/: written by
 * wss_log_configure() before threads start, read-only afterwards. */
#include "wsscale/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* A line longer than this is cut; the cut is marked so it is never mistaken for the whole. */
#define LOG_LINE_MAX 8192

static struct {
    enum wss_log_level min_level;
    enum wss_log_format format;
    int fd;
} log_settings = {WSS_LOG_INFO, WSS_LOG_FORMAT_TEXT, STDERR_FILENO};

struct line {
    char buf[LOG_LINE_MAX];
    size_t len;
};

static void put_bytes(struct line *l, const char *s, size_t n)
{
    size_t room = sizeof(l->buf) - 1 - l->len; /* keep one byte for the newline */
    if (n > room)
        n = room;
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

/* Writes s as a JSON string body (also used for klog's quoted values, which follow the same
 * escaping): quotes, backslashes and control bytes are escaped; other bytes pass through. */
static void put_quoted(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put_bytes(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        char esc[6] = {'\\', short_escape(*p), 0, 0, 0, 0};
        if (esc[1] != 0) {
            put_bytes(l, esc, 2);
            continue;
        }
        if (*p < 0x20 || *p == 0x7f) {
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 0xf];
            put_bytes(l, esc, 6);
        } else {
            put_bytes(l, (const char *)p, 1);
        }
    }
    put_bytes(l, "\"", 1);
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

static void render_text(struct line *l, enum wss_log_level level, const struct timespec *now,
                        const char *file, int lineno, const char *msg, const struct wss_log_kv *kvs,
                        size_t nkvs)
{
    static const char letters[] = "DIWE";
    struct tm tm;
    gmtime_r(&now->tv_sec, &tm);
    put_fmt(l, "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s:%d] ", letters[level], tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now->tv_nsec / 1000, (int)getpid(),
            base_name(file), lineno);
    put_quoted(l, msg);
    for (size_t i = 0; i < nkvs; i++) {
        if (kvs[i].kind == WSS_LOG_KV_NONE)
            continue;
        put_bytes(l, " ", 1);
        put_str(l, kvs[i].key);
        put_bytes(l, "=", 1);
        put_value(l, &kvs[i]);
    }
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
    char caller[128];
    snprintf(caller, sizeof(caller), "%s:%d", base_name(file), lineno);
    put_quoted(l, caller);
    put_str(l, ",\"msg\":");
    put_quoted(l, msg);
    for (size_t i = 0; i < nkvs; i++) {
        if (kvs[i].kind == WSS_LOG_KV_NONE)
            continue;
        put_bytes(l, ",", 1);
        put_quoted(l, kvs[i].key);
        put_bytes(l, ":", 1);
        put_value(l, &kvs[i]);
    }
    /* Room for the closing brace is kept even when the pairs were cut, so the line stays JSON
     * whenever the cut fell between pairs. */
    if (l->len > sizeof(l->buf) - 3)
        l->len = sizeof(l->buf) - 3;
    put_bytes(l, "}", 1);
}

void wss_log_emit(enum wss_log_level level, const char *file, int lineno, const char *msg,
                  const struct wss_log_kv *kvs, size_t nkvs)
{
    if (!wss_log_enabled(level))
        return;
    struct line l;
    l.len = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (log_settings.format == WSS_LOG_FORMAT_JSON)
        render_json(&l, level, &now, file, lineno, msg, kvs, nkvs);
    else
        render_text(&l, level, &now, file, lineno, msg, kvs, nkvs);
    l.buf[l.len++] = '\n';

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
