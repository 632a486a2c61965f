/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ws_client_handshake.c: libFuzzer target for the client handshake. Even first bytes: the
 * rest is a server's answer; consumed bytes and borrowed pieces stay inside it, an accepted head
 * is a 101 ending in a blank line whose prefixes are unfinished. Odd first bytes: the rest is cut
 * into request fields; any request written passes the server's parser, and the server's 101 for
 * it passes the client's check (a round trip through both sides).
 * Does not: check which answers should pass; tests/unit/test_ws_client_handshake.c pins those.
 * Threads: libFuzzer's one thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/ws_client_handshake.h"
#include "wsscale/ws_handshake.h"

/* Room for requests and responses built from fields of a fuzz input. */
#define TEXT_CAP 16384
/* Request fields cut from the input at NUL bytes: host, path, query, origin, protocols. */
#define NFIELDS 5

static void check_span(const char *p, size_t n, const char *buf, size_t end)
{
    if (p == NULL) {
        CHECK(n == 0);
        return;
    }
    CHECK(p >= buf && p + n <= buf + end);
}

static const struct wss_ws_client_handshake answer_hs = {
    .host = "h",
    .host_len = 1,
    .protocols = "chat, v2",
    .protocols_len = 8,
    .nonce = "the sample nonce",
};

static void fuzz_answer(const uint8_t *data, size_t size)
{
    char *buf = malloc(size > 0 ? size : 1);
    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err err;
    int rc;

    CHECK(buf != NULL);
    memcpy(buf, data, size);
    memset(&err, 0, sizeof(err));
    rc = wss_ws_client_handshake_parse(buf, size, &answer_hs, &resp, &err);
    if (rc == WSS_PARSE_INCOMPLETE) {
        CHECK(size < WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD);
    } else if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= size);
        CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0] != '\0');
        CHECK(resp.status >= 0 && resp.status <= 999);
    } else {
        size_t end = (size_t)rc;
        CHECK(rc > 0 && end <= size && end <= WSS_WS_CLIENT_HANDSHAKE_MAX_HEAD);
        CHECK(end >= 4 && memcmp(buf + end - 4, "\r\n\r\n", 4) == 0);
        CHECK(resp.status == 101);
        check_span(resp.headers, resp.headers_len, buf, end);
        check_span(resp.protocol, resp.protocol_len, buf, end);
        CHECK(resp.protocol == NULL ||
              (resp.protocol_len == 4 && memcmp(resp.protocol, "chat", 4) == 0) ||
              (resp.protocol_len == 2 && memcmp(resp.protocol, "v2", 2) == 0));
        struct wss_ws_client_handshake_resp again;
        CHECK(wss_ws_client_handshake_parse(buf, end, &answer_hs, &again, NULL) == rc);
        CHECK(wss_ws_client_handshake_parse(buf, end - 1, &answer_hs, &again, NULL) ==
              WSS_PARSE_INCOMPLETE);
        CHECK(wss_ws_client_handshake_parse(buf, end / 2, &answer_hs, &again, NULL) ==
              WSS_PARSE_INCOMPLETE);
    }
    free(buf);
}

/* The first token of a valid protocol list, for the server to choose. */
static const char *first_token(const char *list, size_t n, size_t *len)
{
    size_t i = 0;
    while (i < n && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
        i++;
    size_t start = i;
    while (i < n && list[i] != ' ' && list[i] != '\t' && list[i] != ',')
        i++;
    *len = i - start;
    return list + start;
}

static void fuzz_round_trip(const uint8_t *data, size_t size)
{
    const char *field[NFIELDS] = {0};
    size_t field_len[NFIELDS] = {0};
    struct wss_ws_client_handshake hs;
    struct wss_ws_handshake_req req;
    struct wss_ws_handshake_err herr;
    struct wss_ws_client_handshake_resp resp;
    struct wss_parse_err err;
    static char req_text[TEXT_CAP], resp_text[TEXT_CAP];
    char chosen[TEXT_CAP];
    size_t nf = 0, start = 0;

    memset(&hs, 0, sizeof(hs));
    if (size < sizeof(hs.nonce))
        return;
    memcpy(hs.nonce, data, sizeof(hs.nonce));
    data += sizeof(hs.nonce);
    size -= sizeof(hs.nonce);
    for (size_t i = 0; i <= size && nf < NFIELDS; i++) {
        if (i == size || data[i] == '\0') {
            field[nf] = (const char *)data + start;
            field_len[nf++] = i - start;
            start = i + 1;
        }
    }
    hs.host = field[0];
    hs.host_len = field_len[0];
    hs.path = field[1];
    hs.path_len = field_len[1];
    /* An empty query, origin or protocol field means the header or '?' is left out. */
    hs.query = field_len[2] > 0 ? field[2] : NULL;
    hs.query_len = field_len[2];
    hs.origin = field_len[3] > 0 ? field[3] : NULL;
    hs.origin_len = field_len[3];
    hs.protocols = field_len[4] > 0 ? field[4] : NULL;
    hs.protocols_len = field_len[4];

    int n = wss_ws_client_handshake_write(req_text, sizeof(req_text), &hs);
    if (n < 0 || n >= WSS_WS_HANDSHAKE_MAX_HEAD)
        return; /* unwritable, or longer than any server takes */
    CHECK((size_t)n == strlen(req_text));
    CHECK(wss_ws_handshake_parse(req_text, (size_t)n, &req, &herr) == n);
    CHECK(req.kind == WSS_WS_HANDSHAKE_UPGRADE);
    CHECK(req.host_len == hs.host_len && memcmp(req.host, hs.host, hs.host_len) == 0);

    const char *proto = NULL;
    if (hs.protocols != NULL) {
        size_t plen;
        const char *p = first_token(hs.protocols, hs.protocols_len, &plen);
        CHECK(plen > 0 && plen < sizeof(chosen));
        memcpy(chosen, p, plen);
        chosen[plen] = '\0';
        CHECK(wss_ws_handshake_offers_protocol(&req, chosen));
        proto = chosen;
    }
    int m = wss_ws_handshake_write_101(resp_text, sizeof(resp_text), &req, proto);
    CHECK(m > 0);
    memset(&err, 0, sizeof(err));
    int rc = wss_ws_client_handshake_parse(resp_text, (size_t)m, &hs, &resp, &err);
    if (rc != m)
        fprintf(stderr, "round trip refused: %s\n", err.msg);
    CHECK(rc == m);
    CHECK((resp.protocol != NULL) == (proto != NULL));

    /* Another key's answer never passes. */
    hs.nonce[0] ^= 1;
    CHECK(wss_ws_client_handshake_parse(resp_text, (size_t)m, &hs, &resp, NULL) ==
          WSS_PARSE_INVALID);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0)
        fuzz_answer(data + 1, size - 1);
    else
        fuzz_round_trip(data + 1, size - 1);
    return 0;
}
