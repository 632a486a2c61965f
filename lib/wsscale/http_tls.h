/* SPDX-License-Identifier: Apache-2.0 */
/* http_tls.h: the HTTPS server's TLS material read from files (serving cert and key, named
 * client-CA bundles), validated as a whole; a stamp of those files to notice rotation; and
 * verification of a client's certificate chain against each bundle on its own. Does not: touch
 * sockets, MHD or the log; failures come back as messages. Threads: a loaded wss_http_tls is
 * immutable: verify from any number of threads at once. */
#ifndef WSSCALE_HTTP_TLS_H
#define WSSCALE_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

/* Named client-CA bundles one server can hold ("requestheader", "client", ...). */
#define WSS_HTTP_TLS_MAX_BUNDLES 4
/* Subject O values kept from a client certificate (Kubernetes groups); more are dropped. */
#define WSS_HTTP_TLS_MAX_ORGS 16
/* Buffer for one CN or O value, NUL included; a longer value is treated as absent. */
#define WSS_HTTP_TLS_NAME_LEN 256
/* Buffer for why a chain did not verify against one bundle, NUL included. */
#define WSS_HTTP_TLS_REASON_LEN 160
/* Certificates of a client chain looked at (leaf first); the rest are ignored. */
#define WSS_HTTP_TLS_MAX_CHAIN 8
/* A PEM file larger than this is refused as not plausibly a certificate or key. */
#define WSS_HTTP_TLS_MAX_FILE_BYTES (1024 * 1024)
/* Room for a load error message, NUL included. */
#define WSS_HTTP_TLS_ERR_LEN 512

/* One named bundle of PEM CA certificates. */
struct wss_http_ca_bundle {
    const char *name; /* borrowed; non-empty, unique in a config */
    const char *file; /* borrowed; path to PEM, read again on every load */
};

/* Which files make up the material. */
struct wss_http_tls_files {
    const char *cert_file;                    /* borrowed; PEM chain, leaf first */
    const char *key_file;                     /* borrowed; PEM private key matching the leaf */
    const struct wss_http_ca_bundle *bundles; /* borrowed; nbundles entries, may be 0 */
    size_t nbundles;
};

/* The identity of every file at one moment: a change in any one means "load again". */
struct wss_http_tls_stamp {
    size_t nfiles;
    struct {
        int stat_errno; /* 0, or why stat failed (a missing file is a state too) */
        uint64_t dev;
        uint64_t ino;
        int64_t mtime_ns;
        int64_t size;
    } files[2 + WSS_HTTP_TLS_MAX_BUNDLES];
};

/* What the server knows about a client's certificate. Public, read-only for handlers. */
struct wss_http_peer {
    bool is_presented; /* the client sent at least one certificate */
    size_t nbundles;   /* entries used in the two arrays below, in config order */
    bool is_verified[WSS_HTTP_TLS_MAX_BUNDLES]; /* the chain verifies to THAT bundle, for TLS client
                                                   auth, now */
    char reason[WSS_HTTP_TLS_MAX_BUNDLES][WSS_HTTP_TLS_REASON_LEN]; /* why not; "" when verified or
                                                                        nothing was presented */
    bool is_verified_any;           /* at least one bundle verified the chain */
    char cn[WSS_HTTP_TLS_NAME_LEN]; /* leaf subject CN (the last one, as Go reads it); set only
                                       when is_verified_any, else "" */
    char orgs[WSS_HTTP_TLS_MAX_ORGS][WSS_HTTP_TLS_NAME_LEN]; /* leaf subject O values, in order;
                                                                only when is_verified_any */
    size_t norgs;
};

/* Reads and validates all files: the key must match the certificate, every bundle must hold at
 * least one certificate, bundle names must be non-empty and unique. Returns NULL with a message in
 * err (errlen bytes; WSS_HTTP_TLS_ERR_LEN is enough) naming the file at fault. Free with
 * wss_http_tls_free(). Thread-safe (touches nothing shared). */
struct wss_http_tls *wss_http_tls_load(const struct wss_http_tls_files *files, char *err,
                                       size_t errlen);

/* Frees the material; accepts NULL. Not while anything still verifies with it. */
void wss_http_tls_free(struct wss_http_tls *t);

/* The serving certificate and key as loaded (PEM, NUL-terminated); borrowed from t. */
const char *wss_http_tls_cert_pem(const struct wss_http_tls *t);
const char *wss_http_tls_key_pem(const struct wss_http_tls *t);

/* All bundles concatenated (PEM): the pool the handshake asks client certificates for. NULL when
 * there are no bundles. Borrowed from t. */
const char *wss_http_tls_trust_pem(const struct wss_http_tls *t);

/* Number of bundles, and the index of a bundle by name (-1 if none). Thread-safe. */
size_t wss_http_tls_bundle_count(const struct wss_http_tls *t);
int wss_http_tls_bundle_index(const struct wss_http_tls *t, const char *name);

/* Verifies the client's chain (DER, leaf first, as gnutls_certificate_get_peers gives it) against
 * each bundle separately and fills out; ncerts == 0 means none was presented. Never fails: a chain
 * that does not parse is "presented, not verified" with the reason. Thread-safe. */
void wss_http_tls_verify_peer(const struct wss_http_tls *t, const gnutls_datum_t *certs,
                              unsigned ncerts, struct wss_http_peer *out);

/* Stats every file of files (following symlinks, as a rotated Kubernetes secret needs) into out.
 * Never fails: a file that cannot be stat'ed is recorded with its errno. Thread-safe. */
void wss_http_tls_stamp_take(const struct wss_http_tls_files *files,
                             struct wss_http_tls_stamp *out);

/* True when both stamps describe the same files in the same state. Thread-safe. */
bool wss_http_tls_stamp_equal(const struct wss_http_tls_stamp *a,
                              const struct wss_http_tls_stamp *b);

#endif
