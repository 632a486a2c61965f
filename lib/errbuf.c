/* SPDX-License-Identifier: Apache-2.0 */
/* errbuf.c: vsnprintf into the caller's error buffer, guarded for a missing one.
 * Does not: allocate.
 * Threads: any; no shared state. */
#include "wsscale/errbuf.h"

#include <stdarg.h>
#include <stdio.h>

void wss_errbuf_printf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
