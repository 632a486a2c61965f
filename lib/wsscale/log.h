/* SPDX-License-Identifier: Apache-2.0 */
/* log.h: structured, leveled logging to stderr, one line per event, as klog-style text or JSON.
 * Does not: buffer, rotate files, or format values with printf directives (values are typed).
 * Threads: every call is thread-safe; a line is written with one write(2) so lines never
 * interleave. */
#ifndef WSSCALE_LOG_H
#define WSSCALE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum wss_log_level {
    WSS_LOG_DEBUG = 0,
    WSS_LOG_INFO = 1,
    WSS_LOG_WARN = 2,
    WSS_LOG_ERROR = 3,
};

enum wss_log_format {
    WSS_LOG_FORMAT_TEXT = 0, /* klog-like: I1127 18:56:57.123456   4242 file.c:12] "msg" k="v" */
    WSS_LOG_FORMAT_JSON = 1, /* {"ts":"...","level":"info","caller":"file.c:12","msg":"...",...} */
};

enum wss_log_kv_kind {
    WSS_LOG_KV_NONE = 0, /* marks the unused first slot that WSS_LOG puts in every list */
    WSS_LOG_KV_STR,
    WSS_LOG_KV_INT,
    WSS_LOG_KV_UINT,
    WSS_LOG_KV_DOUBLE,
    WSS_LOG_KV_BOOL,
};

/* One key=value pair; build them with WSS_KV_* so the value's type travels with it. */
struct wss_log_kv {
    const char *key; /* borrowed; a literal in practice */
    enum wss_log_kv_kind kind;
    union {
        const char *s; /* borrowed; NULL prints as null */
        long long i;
        unsigned long long u;
        double d;
        bool b;
    } v;
};

#define WSS_KV_STR(k, x)    ((struct wss_log_kv){.key = (k), .kind = WSS_LOG_KV_STR, .v.s = (x)})
#define WSS_KV_INT(k, x)    ((struct wss_log_kv){.key = (k), .kind = WSS_LOG_KV_INT, .v.i = (x)})
#define WSS_KV_UINT(k, x)   ((struct wss_log_kv){.key = (k), .kind = WSS_LOG_KV_UINT, .v.u = (x)})
#define WSS_KV_DOUBLE(k, x) ((struct wss_log_kv){.key = (k), .kind = WSS_LOG_KV_DOUBLE, .v.d = (x)})
#define WSS_KV_BOOL(k, x)   ((struct wss_log_kv){.key = (k), .kind = WSS_LOG_KV_BOOL, .v.b = (x)})

/* The leading NONE slot lets the pair list be empty: WSS_LOG(WSS_LOG_INFO, "started") is valid. */
#define WSS__LOG_KVS(...) ((const struct wss_log_kv[]){{.kind = WSS_LOG_KV_NONE}, __VA_ARGS__})
#define WSS_LOG(level, msg, ...)                                                                   \
    wss_log_emit((level), __FILE__, __LINE__, (msg), WSS__LOG_KVS(__VA_ARGS__),                    \
                 sizeof(WSS__LOG_KVS(__VA_ARGS__)) / sizeof(struct wss_log_kv))

#define WSS_DEBUG(msg, ...) WSS_LOG(WSS_LOG_DEBUG, msg, __VA_ARGS__)
#define WSS_INFO(msg, ...)  WSS_LOG(WSS_LOG_INFO, msg, __VA_ARGS__)
#define WSS_WARN(msg, ...)  WSS_LOG(WSS_LOG_WARN, msg, __VA_ARGS__)
#define WSS_ERROR(msg, ...) WSS_LOG(WSS_LOG_ERROR, msg, __VA_ARGS__)

/* Sets the minimum level and the format for the whole process; call before starting threads. */
void wss_log_configure(enum wss_log_level min_level, enum wss_log_format format);

/* Sends lines to fd instead of stderr (tests); call before starting threads. */
void wss_log_set_fd(int fd);

/* True when a line at this level would be written; lets callers skip building costly values. */
bool wss_log_enabled(enum wss_log_level level);

/* Parses "debug" | "info" | "warn" | "error"; returns 0 or -1 for anything else. */
int wss_log_level_parse(const char *s, enum wss_log_level *out);

/* Parses "text" | "json"; returns 0 or -1 for anything else. */
int wss_log_format_parse(const char *s, enum wss_log_format *out);

/* Writes one line; use WSS_LOG and friends rather than calling this. Never fails visibly: a line
 * that cannot be written is dropped. A line is at most 8 KiB: a longer one is cut after the last
 * pair that fits (a long string value is cut between characters and kept), and then ends with
 * truncated=true, or "truncated":true inside the JSON object, which stays valid JSON. */
void wss_log_emit(enum wss_log_level level, const char *file, int line, const char *msg,
                  const struct wss_log_kv *kvs, size_t nkvs);

#endif
