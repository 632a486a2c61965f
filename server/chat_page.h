/* SPDX-License-Identifier: Apache-2.0 */
/* chat_page.h: the chat page served at /, compiled in from chat_page.html at build time.
 * Does not: change at run time; the bytes are constant.
 * Threads: read-only data, any thread. */
#ifndef WSSCALE_SERVER_CHAT_PAGE_H
#define WSSCALE_SERVER_CHAT_PAGE_H

#include <stddef.h>

/* The page's bytes (UTF-8 HTML, not NUL-terminated) and their count. */
extern const unsigned char chat_page_html[];
extern const size_t chat_page_html_len;

#endif
