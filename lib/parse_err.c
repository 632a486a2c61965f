/* SPDX-License-Identifier: Apache-2.0 */
/* parse_err.c: fills the error record parsers hand back to their callers.
 * Does not: allocate, log or keep state.
 * Threads: any; writes only the caller's record. */
#include "wsscale/parse.h"

#include <stdarg.h>
#include <stdio.h>

int wss_parse_fail(struct wss_parse_err *err, size_t offset, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->offset = offset;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return WSS_PARSE_INVALID;
}

void wss_parse_describe_byte(char c, char out[WSS_PARSE_BYTE_TEXT_LEN])
{
    unsigned char u = (unsigned char)c;
    if (u >= 0x20 && u < 0x7f)
        snprintf(out, WSS_PARSE_BYTE_TEXT_LEN, "'%c'", c);
    else
        snprintf(out, WSS_PARSE_BYTE_TEXT_LEN, "\\x%02x", u);
}
