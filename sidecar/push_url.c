/* SPDX-License-Identifier: Apache-2.0 */
/* push_url.c: adapter base URLs parsed with libcurl's URL API, and names resolved to every
 * address with getaddrinfo.
 * Does not: connect, log, or remember anything between calls.
 * Threads: any. */
#include "push_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

int push_url_parse(const char *text, struct push_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    CURLU *h = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (curl_url_set(h, CURLUPART_URL, text, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        snprintf(err, errlen, "adapter-url \"%s\" is not a URL", text);
        goto out;
    }
    if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
        snprintf(err, errlen, "adapter-url \"%s\" must be https:// (or http://)", text);
        goto out;
    }
    size_t base_len = strlen(text);
    while (base_len > 0 && text[base_len - 1] == '/')
        base_len--;
    if (strchr(text, '?') != NULL || strchr(text, '#') != NULL ||
        base_len + sizeof(PUSH_URL_INGEST_PATH) > sizeof(u->post_url) ||
        strlen(host) >= sizeof(u->host)) {
        snprintf(err, errlen, "adapter-url \"%s\" must be a base URL without query or fragment",
                 text);
        goto out;
    }
    snprintf(u->post_url, sizeof(u->post_url), "%.*s%s", (int)base_len, text, PUSH_URL_INGEST_PATH);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
        snprintf(u->host, sizeof(u->host), "%.*s", (int)(hl - 2), host + 1);
    else
        snprintf(u->host, sizeof(u->host), "%s", host);
    u->port = strtol(port, NULL, 10);
    unsigned char probe[sizeof(struct in6_addr)];
    u->is_name =
        inet_pton(AF_INET, u->host, probe) != 1 && inet_pton(AF_INET6, u->host, probe) != 1;
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(h);
    return rc;
}

int push_url_resolve(const char *host, char (*addrs)[PUSH_URL_ADDR_LEN], size_t cap, void *arg)
{
    (void)arg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return -1;
    size_t n = 0;
    for (struct addrinfo *ai = res; ai != NULL && n < cap; ai = ai->ai_next) {
        const void *a = ai->ai_family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            inet_ntop(ai->ai_family, a, addrs[n], PUSH_URL_ADDR_LEN) == NULL)
            continue;
        bool is_dup = false;
        for (size_t k = 0; k < n && !is_dup; k++)
            is_dup = strcmp(addrs[k], addrs[n]) == 0;
        if (!is_dup)
            n++;
    }
    freeaddrinfo(res);
    return (int)n;
}
