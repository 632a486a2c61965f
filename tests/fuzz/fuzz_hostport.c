/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_hostport.c: libFuzzer target for wss_hostport_parse and the sockaddr helpers.
 * Does not: resolve names or open sockets.
 * Threads: libFuzzer's one thread. Invariants: consumed == len or INVALID with offset <= len;
 * the host points inside the input; a literal converts to a sockaddr whose text parses back to
 * the same address and port; a name never converts. */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_check.h"
#include "wsscale/hostport.h"

/* The address bytes of an AF_INET or AF_INET6 sockaddr, and their length. */
static const void *addr_bytes(const struct sockaddr_storage *ss, size_t *len)
{
    if (ss->ss_family == AF_INET) {
        *len = sizeof(struct in_addr);
        return &((const struct sockaddr_in *)ss)->sin_addr;
    }
    *len = sizeof(struct in6_addr);
    return &((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static void check_literal(const struct wss_hostport *hp)
{
    struct sockaddr_storage ss, back_ss;
    socklen_t len, back_len;
    CHECK(wss_hostport_to_sockaddr(hp, AF_INET6, &ss, &len) == 0);
    char text[WSS_HOSTPORT_TEXT_CAP];
    int n = wss_hostport_format_sockaddr((const struct sockaddr *)&ss, text, sizeof(text));
    CHECK(n > 0 && (size_t)n < sizeof(text));
    struct wss_hostport back;
    struct wss_parse_err err;
    CHECK(wss_hostport_parse(text, (size_t)n, &back, &err) == n);
    CHECK(back.port == hp->port);
    CHECK(back.kind == (hp->kind == WSS_HOST_ANY ? WSS_HOST_IPV6 : hp->kind));
    CHECK(wss_hostport_to_sockaddr(&back, AF_INET6, &back_ss, &back_len) == 0);
    size_t alen, blen;
    const void *a = addr_bytes(&ss, &alen), *b = addr_bytes(&back_ss, &blen);
    CHECK(len == back_len && alen == blen && memcmp(a, b, alen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct wss_hostport hp;
    struct wss_parse_err err;
    int rc = wss_hostport_parse(s, size, &hp, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= size);
        CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        return 0;
    }
    CHECK(rc >= 0 && (size_t)rc == size);
    CHECK(hp.host >= s && hp.host_len <= size && hp.host + hp.host_len <= s + size);
    CHECK(hp.host_len <= WSS_HOSTPORT_NAME_MAX + 1);
    CHECK((hp.kind == WSS_HOST_ANY) == (hp.host_len == 0));
    char host[WSS_HOSTPORT_HOST_CAP];
    CHECK(wss_hostport_host_cstr(&hp, host, sizeof(host)) == 0);
    CHECK(strlen(host) == hp.host_len);
    if (hp.kind == WSS_HOST_NAME) {
        struct sockaddr_storage ss;
        socklen_t len;
        CHECK(wss_hostport_to_sockaddr(&hp, AF_INET, &ss, &len) == -EINVAL);
        return 0;
    }
    check_literal(&hp);
    return 0;
}
