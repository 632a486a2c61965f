/* SPDX-License-Identifier: Apache-2.0 */
/* flags_main.c: turns a flag parse result into what the user sees and the exit code main returns.
 * Does not: parse flags itself (flags.c) or exit.
 * Threads: main's thread, before others start. */
#include "wsscale/flags_main.h"

#include <stdio.h>

#include "wsscale/log.h"
#include "wsscale/strbuf.h"

/* Prints text to f; 0 or 1 (the exit code when the text could not be built or written). */
static int print_text(FILE *f, struct wss_strbuf *text, int built)
{
    int rc = built == 0 && text->data != NULL && fputs(text->data, f) >= 0 ? 0 : 1;
    wss_strbuf_free(text);
    return rc;
}

int wss_flags_main_parse(const struct wss_flags *fs, int argc, char *const argv[])
{
    struct wss_flags_err err;
    struct wss_strbuf text = {0};
    switch (wss_flags_parse(fs, argc, argv, &err)) {
    case WSS_FLAGS_OK:
        return WSS_FLAGS_MAIN_CONTINUE;
    case WSS_FLAGS_HELP:
        return print_text(stdout, &text, wss_flags_help(fs, &text));
    case WSS_FLAGS_VERSION:
        return print_text(stdout, &text, wss_flags_version(fs, &text));
    case WSS_FLAGS_ERROR:
        break;
    }
    fprintf(stderr, "%s\n", err.msg);
    return 2;
}

/* WSS_LOG_FLAGS lists the choices in enum order, so a parsed index is the enum value. */
_Static_assert(WSS_LOG_DEBUG == 0 && WSS_LOG_INFO == 1 && WSS_LOG_WARN == 2 && WSS_LOG_ERROR == 3,
               "log-level choices follow enum wss_log_level");
_Static_assert(WSS_LOG_FORMAT_TEXT == 0 && WSS_LOG_FORMAT_JSON == 1,
               "log-format choices follow enum wss_log_format");

void wss_log_flags_apply(const struct wss_log_flags *lf)
{
    wss_log_configure((enum wss_log_level)lf->level, (enum wss_log_format)lf->format);
}
