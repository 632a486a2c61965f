/* SPDX-License-Identifier: Apache-2.0 */
/* serving_cert.h: the self-signed serving pair an aggregated apiserver makes for itself when no
 * --tls-cert-file / --tls-private-key-file are given: a CA and a serving certificate for
 * localhost, 127.0.0.1 and the pod's names, written to <cert-dir>/apiserver.{crt,key} and
 * reused on the next start while it is still valid for the same names.
 * Does not: rotate anything while serving (lib/http_server reloads changed files), or log.
 * Threads: call from main before serving; touches no shared state. */
#ifndef ADAPTER_SERVING_CERT_H
#define ADAPTER_SERVING_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVING_CERT_FILE      "apiserver.crt"     /* leaf then CA, PEM */
#define SERVING_KEY_FILE       "apiserver.key"     /* PKCS#8 PEM, mode 0600 */
#define SERVING_CERT_VALID_S   (365LL * 24 * 3600) /* lifetime of a generated pair */
#define SERVING_CERT_RENEW_S   (24LL * 3600)       /* a pair with less left than this is replaced */
#define SERVING_CERT_MAX_NAMES 16   /* DNS names and IP addresses in one certificate */
#define SERVING_CERT_PATH_LEN  4096 /* room for <dir>/apiserver.crt, NUL included */
#define SERVING_CERT_ERR_LEN   512  /* room for any error or reason, NUL included */

struct serving_cert_request {
    const char *dir;          /* --cert-dir; created (0700) when missing */
    const char *const *names; /* DNS names or IP literals the certificate must cover */
    size_t nnames;            /* at most SERVING_CERT_MAX_NAMES */
    int64_t now_unix_s;       /* the time validity is judged at; 0 = now */
};

/* What serving_cert_ensure did; paths are NUL-terminated. */
struct serving_cert_result {
    char cert_file[SERVING_CERT_PATH_LEN];
    char key_file[SERVING_CERT_PATH_LEN];
    bool is_generated;                        /* false: the pair on disk was reused */
    char why_generated[SERVING_CERT_ERR_LEN]; /* why the files on disk were not reused */
};

/* Checks a PEM chain and key: the chain parses, the key matches its leaf, the leaf is valid at
 * now_unix_s with at least SERVING_CERT_RENEW_S left, and covers every name. Returns true, or
 * false with the reason in why (whylen bytes). Pure. */
bool serving_cert_is_usable(const char *cert_pem, size_t cert_len, const char *key_pem,
                            size_t key_len, const char *const *names, size_t nnames,
                            int64_t now_unix_s, char *why, size_t whylen);

/* Makes sure <dir>/apiserver.crt and .key hold a usable pair for req->names: reuses them when
 * serving_cert_is_usable says so, else generates an ECDSA P-256 CA and serving certificate
 * (serverAuth, SANs = names) and writes both files atomically (temp file + rename). Returns 0
 * with *out filled, or -1 with err naming the file or step that failed (the files on disk are
 * then left as they were). Not thread-safe against another call for the same dir. */
int serving_cert_ensure(const struct serving_cert_request *req, struct serving_cert_result *out,
                        char *err, size_t errlen);

#endif
