/* SPDX-License-Identifier: Apache-2.0 */
/* push_url.h: an --adapter-url as the pusher uses it (the POST URL, the host with its port, and
 * whether the host is a name to resolve) and the default resolver listing every address of one.
 * Does not: send anything, cache answers, or choose which addresses to push to.
 * Threads: push_url_parse is pure; push_url_resolve blocks on DNS; both thread-safe. */
#ifndef SIDECAR_PUSH_URL_H
#define SIDECAR_PUSH_URL_H

#include <stdbool.h>
#include <stddef.h>

#define PUSH_URL_INGEST_PATH "/ingest/v1/reports"
/* Room for a POST URL, a host without brackets, and a numeric address as text (IPv6 too). */
#define PUSH_URL_LEN      2048
#define PUSH_URL_HOST_LEN 256
#define PUSH_URL_ADDR_LEN 64

struct push_url {
    char post_url[PUSH_URL_LEN];  /* the base URL without trailing '/', plus the ingest path */
    char host[PUSH_URL_HOST_LEN]; /* without the brackets of an IPv6 literal */
    long port;                    /* explicit, or the scheme's default */
    bool is_name;                 /* not an IP literal: resolve, and pin each address */
};

/* Parses a base URL ("https://wsscale-adapter.wsscale-system.svc:6443"): http or https, no query
 * or fragment. Returns 0, or -1 with a one-line message naming the URL in err. Pure. */
int push_url_parse(const char *text, struct push_url *out, char *err, size_t errlen);

/* Looks host up with getaddrinfo and writes up to cap distinct numeric addresses (IPv4 and IPv6,
 * no brackets) into addrs. Returns how many, or -1 when the name does not resolve. arg is
 * unused (the pusher's resolver callback shape). Thread-safe; blocks on DNS. */
int push_url_resolve(const char *host, char (*addrs)[PUSH_URL_ADDR_LEN], size_t cap, void *arg);

#endif
