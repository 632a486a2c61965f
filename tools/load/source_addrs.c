/* SPDX-License-Identifier: Apache-2.0 */
/* source_addrs.c: parses --source-addrs items into socket addresses.
 * Does not: touch sockets or allocate.
 * Threads: any. */
#include "source_addrs.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Longest item text quoted back in an error message. */
#define QUOTE_MAX 48

static int quote_len(size_t n)
{
    return (int)(n < QUOTE_MAX ? n : QUOTE_MAX);
}

/* inet_pton on s[0..len), which need not be NUL-terminated; brackets around IPv6 are dropped. */
static int to_addr(const char *s, size_t len, struct sockaddr_storage *out)
{
    char buf[INET6_ADDRSTRLEN];
    bool is_bracketed = len >= 2 && s[0] == '[' && s[len - 1] == ']';
    if (is_bracketed) {
        s++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
    if (!is_bracketed && inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        return 0;
    }
    return -1;
}

int source_addrs_parse(const char *item, size_t len, struct sockaddr_storage *out, size_t cap,
                       size_t *n, struct wss_parse_err *err)
{
    struct sockaddr_storage first, last;
    const char *dash = memchr(item, '-', len);

    if (len == 0)
        return wss_parse_fail(err, 0, "empty source address");
    if (dash == NULL) {
        if (to_addr(item, len, &first) != 0)
            return wss_parse_fail(err, 0, "\"%.*s\" is not an IPv4 or IPv6 address", quote_len(len),
                                  item);
        if (*n >= cap)
            return wss_parse_fail(err, 0, "more than %zu source addresses", cap);
        out[(*n)++] = first;
        return (int)len;
    }
    size_t first_len = (size_t)(dash - item);
    if (to_addr(item, first_len, &first) != 0 || first.ss_family != AF_INET)
        return wss_parse_fail(err, 0, "range start \"%.*s\" is not an IPv4 address",
                              quote_len(first_len), item);
    if (to_addr(dash + 1, len - first_len - 1, &last) != 0 || last.ss_family != AF_INET)
        return wss_parse_fail(err, first_len + 1, "range end \"%.*s\" is not an IPv4 address",
                              quote_len(len - first_len - 1), dash + 1);
    uint32_t a = ntohl(((struct sockaddr_in *)&first)->sin_addr.s_addr);
    uint32_t b = ntohl(((struct sockaddr_in *)&last)->sin_addr.s_addr);
    if (b < a)
        return wss_parse_fail(err, first_len + 1, "range end is before its start");
    if ((uint64_t)b - a + 1 > cap - *n)
        return wss_parse_fail(err, 0, "more than %zu source addresses", cap);
    for (uint64_t v = a; v <= b; v++) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&out[*n];
        memset(&out[*n], 0, sizeof(out[*n]));
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl((uint32_t)v);
        (*n)++;
    }
    return (int)len;
}
