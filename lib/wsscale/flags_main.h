/* SPDX-License-Identifier: Apache-2.0 */
/* flags_main.h: what every program's main does with its flag table: parse, then print the help,
 * the version or the one-line error and say which exit code to use.
 * Does not: exit (main does), or print anything but those three texts.
 * Threads: call from main before starting threads, as wss_flags_parse. */
#ifndef WSSCALE_FLAGS_MAIN_H
#define WSSCALE_FLAGS_MAIN_H

#include "wsscale/flags.h"

/* Returned when main should go on running. */
#define WSS_FLAGS_MAIN_CONTINUE (-1)

/* Parses argv and the environment into fs's destinations. Returns WSS_FLAGS_MAIN_CONTINUE, or
 * the exit code main must return: 0 after printing --help or --version to stdout, 2 after
 * printing the error line to stderr, 1 when printing failed. Call wss_flags_free(fs) before
 * exiting either way. */
int wss_flags_main_parse(const struct wss_flags *fs, int argc, char *const argv[]);

/* The log settings every program takes; public fields, written by the WSS_LOG_FLAGS rows. */
struct wss_log_flags {
    int level;  /* enum wss_log_level: index into debug, info, warn, error */
    int format; /* enum wss_log_format: index into text, json */
};

/* The --log-level (default def_level) and --log-format (default text) table rows, writing *lf. */
#define WSS_LOG_FLAGS(lf, def_level)                                                               \
    WSS_FLAG_ENUM("log-level", &(lf)->level, (def_level),                                          \
                  WSS_CHOICES("debug", "info", "warn", "error"), "Least severe level logged."),    \
        WSS_FLAG_ENUM("log-format", &(lf)->format, "text", WSS_CHOICES("text", "json"),            \
                      "Log line format.")

/* Configures lib/log from parsed WSS_LOG_FLAGS values. Cannot fail. Call before threads start. */
void wss_log_flags_apply(const struct wss_log_flags *lf);

#endif
