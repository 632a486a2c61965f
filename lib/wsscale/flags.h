/* SPDX-License-Identifier: Apache-2.0 */
/* flags.h: table-driven command-line parsing for every wsscale program: long flags, each with an
 * environment twin WSSCALE_<NAME>, typed destinations, generated --help and --version.
 * Does not: print, exit, or keep state of its own; main prints the help or the error line.
 * Threads: wss_flags_parse reads the environment and writes the destinations: call it from main
 * before starting threads. wss_flags_help and wss_flags_version only read the table. */
#ifndef WSSCALE_FLAGS_H
#define WSSCALE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/hostport.h"
#include "wsscale/strbuf.h"

enum wss_flag_type {
    WSS_FLAG_TYPE_STRING = 1, /* any text, empty included */
    WSS_FLAG_TYPE_INT,        /* decimal int64 within [min, max] */
    WSS_FLAG_TYPE_BOOL,       /* --x, --x=true|false (1|0 too, and any case) */
    WSS_FLAG_TYPE_DURATION,   /* wss_duration_parse text -> ms, within [min, max] (max 0: none) */
    WSS_FLAG_TYPE_HOSTPORT,   /* wss_hostport_parse text */
    WSS_FLAG_TYPE_PATH,       /* non-empty text */
    WSS_FLAG_TYPE_ENUM,       /* one of choices -> its index */
    WSS_FLAG_TYPE_LIST,       /* repeatable and comma-separated -> owned strings */
};

/* The items of a list flag. Zero-initialise it; wss_flags_free releases the items. */
struct wss_flag_list {
    char **items; /* owned: each item and the array; NUL-terminated, trimmed, never empty */
    size_t n;
};

/* Where a parsed value goes. Text values (string, path, hostport's host) are borrowed from argv,
 * the environment or the table's default, so do not setenv the twin while using them. */
union wss_flag_dest {
    const char **str; /* string, path */
    int64_t *i;       /* int */
    bool *b;          /* bool */
    int64_t *ms;      /* duration, in milliseconds */
    struct wss_hostport *hp;
    int *index; /* enum: index into choices */
    struct wss_flag_list *list;
};

/* One row of a program's flag table; the macros below fill the common fields. */
struct wss_flag {
    const char *name; /* "secure-port": lower-case letters, digits and '-', no leading dashes */
    enum wss_flag_type type;
    const char *def;  /* default as command-line text; NULL leaves the destination untouched */
    const char *help; /* one paragraph; --help wraps it */
    union wss_flag_dest dest;
    int64_t min, max;           /* int: inclusive bounds; duration: ms, max 0 means no limit */
    const char *const *choices; /* enum: NULL-terminated; see WSS_CHOICES */
    const char *env;            /* environment twin; NULL means WSSCALE_<NAME> */
    bool is_required;           /* no default; must come from the command line or environment */
};

/* A NULL-terminated list of enum choices for a table at file scope or a non-static local one
 * (inside a function it is an automatic compound literal, so not a constant). */
#define WSS_CHOICES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Table rows. The trailing arguments are the help text, then any extra designated
 * initialisers: WSS_FLAG_STRING("pod-name", &o.pod, NULL, "Pod name.", .env = "POD_NAME"). */
#define WSS_FLAG_STRING(n, d, def_, ...)                                                           \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_STRING, .dest.str = (d), .def = (def_),                 \
        .help = __VA_ARGS__                                                                        \
    }
#define WSS_FLAG_PATH(n, d, def_, ...)                                                             \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_PATH, .dest.str = (d), .def = (def_),                   \
        .help = __VA_ARGS__                                                                        \
    }
#define WSS_FLAG_INT(n, d, def_, lo, hi, ...)                                                      \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_INT, .dest.i = (d), .def = (def_), .min = (lo),         \
        .max = (hi), .help = __VA_ARGS__                                                           \
    }
#define WSS_FLAG_BOOL(n, d, def_, ...)                                                             \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_BOOL, .dest.b = (d), .def = (def_), .help = __VA_ARGS__ \
    }
#define WSS_FLAG_DURATION(n, d, def_, ...)                                                         \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_DURATION, .dest.ms = (d), .def = (def_),                \
        .help = __VA_ARGS__                                                                        \
    }
#define WSS_FLAG_HOSTPORT(n, d, def_, ...)                                                         \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_HOSTPORT, .dest.hp = (d), .def = (def_),                \
        .help = __VA_ARGS__                                                                        \
    }
#define WSS_FLAG_ENUM(n, d, def_, choices_, ...)                                                   \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_ENUM, .dest.index = (d), .def = (def_),                 \
        .choices = (choices_), .help = __VA_ARGS__                                                 \
    }
#define WSS_FLAG_LIST(n, d, def_, ...)                                                             \
    {                                                                                              \
        .name = (n), .type = WSS_FLAG_TYPE_LIST, .dest.list = (d), .def = (def_),                  \
        .help = __VA_ARGS__                                                                        \
    }

/* A program's whole command line. */
struct wss_flags {
    const char *program; /* "wsscale-sidecar": starts error lines, usage and --version */
    const char *summary; /* one paragraph under the usage line */
    const struct wss_flag *flags;
    size_t nflags;
};

enum wss_flags_result {
    WSS_FLAGS_OK = 0,
    WSS_FLAGS_HELP,    /* -h or --help: print wss_flags_help to stdout, exit 0 */
    WSS_FLAGS_VERSION, /* --version: print wss_flags_version to stdout, exit 0 */
    WSS_FLAGS_ERROR,   /* print err.msg to stderr, exit 2 */
};

/* Long enough for the program name, a flag, its env twin, a quoted value and the hint. */
#define WSS_FLAGS_ERR_LEN 512

struct wss_flags_err {
    char msg[WSS_FLAGS_ERR_LEN]; /* one line, no newline: "wsscale-sidecar: invalid value ..." */
};

/* Fills every destination: command line over environment over default; a repeated flag keeps
 * its last value, except lists, which collect. help and version win over errors. Returns a
 * wss_flags_result; on WSS_FLAGS_ERROR err says which flag, which source and what it wants
 * (a bad table is reported the same way). Call wss_flags_free afterwards, whatever the result.
 * Not thread-safe: reads the environment and writes the destinations. */
enum wss_flags_result wss_flags_parse(const struct wss_flags *fs, int argc, char *const argv[],
                                      struct wss_flags_err *err);

/* Releases what parsing allocated (list items); the lists are left empty. Accepts a table that
 * was never parsed if its lists are zeroed. Cannot fail; not thread-safe (writes the lists). */
void wss_flags_free(const struct wss_flags *fs);

/* Appends the --help text: usage, summary, then each flag with its type, help, default and env
 * twin, wrapped to 80 columns. Returns 0, or -1 when the buffer fails. Thread-safe (reads the
 * table). */
int wss_flags_help(const struct wss_flags *fs, struct wss_strbuf *out);

/* Appends "<program> <WSS_VERSION>\n". Returns 0, or -1 when the buffer fails. Thread-safe. */
int wss_flags_version(const struct wss_flags *fs, struct wss_strbuf *out);

#endif
