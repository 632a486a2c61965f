/* SPDX-License-Identifier: Apache-2.0 */
/* hostport_resolve.c: host:port to a socket address, with a getaddrinfo lookup for names.
 * Does not: parse text (hostport.c does), open sockets, or retry lookups.
 * Threads: any; getaddrinfo is thread-safe and nothing here is shared. */
#include "wsscale/hostport_resolve.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

int wss_hostport_resolve(const struct wss_hostport *hp, int any_family,
                         struct sockaddr_storage *out, socklen_t *out_len)
{
    char host[WSS_HOSTPORT_HOST_CAP];
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;

    if (hp->kind != WSS_HOST_NAME)
        return wss_hostport_to_sockaddr(hp, any_family, out, out_len);
    if (wss_hostport_host_cstr(hp, host, sizeof(host)) != 0)
        return -EINVAL;
    if (getaddrinfo(host, NULL, &hints, &ai) != 0 || ai == NULL)
        return -ENOENT;
    if (ai->ai_addrlen > sizeof(*out) || (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)) {
        freeaddrinfo(ai);
        return -EINVAL;
    }
    memset(out, 0, sizeof(*out));
    memcpy(out, ai->ai_addr, ai->ai_addrlen);
    *out_len = (socklen_t)ai->ai_addrlen;
    freeaddrinfo(ai);
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)out)->sin_port = htons(hp->port);
    else
        ((struct sockaddr_in6 *)out)->sin6_port = htons(hp->port);
    return 0;
}
