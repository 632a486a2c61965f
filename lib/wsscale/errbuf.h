/* SPDX-License-Identifier: Apache-2.0 */
/* errbuf.h: the one-line error text a function leaves in its caller's (char *err, size_t errlen)
 * buffer, the convention of every start/create call that can fail for a reason worth printing.
 * Does not: log, or keep anything (parsers use struct wss_parse_err in parse.h instead).
 * Threads: touches only the caller's buffer. */
#ifndef WSSCALE_ERRBUF_H
#define WSSCALE_ERRBUF_H

#include <stddef.h>

/* Formats into err (errlen bytes, always NUL-terminated, cut short when longer); does nothing
 * when err is NULL or errlen is 0. Cannot fail. */
void wss_errbuf_printf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
