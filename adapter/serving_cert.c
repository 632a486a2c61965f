/* SPDX-License-Identifier: Apache-2.0 */
/* serving_cert.c: the self-signed CA + serving certificate of an apiserver started without TLS
 * files, made with GnuTLS, checked for reuse and written atomically.
 * Does not: serve, watch or rotate the files, or log; main reports what happened.
 * Threads: main's thread at start-up; no shared state (GnuTLS objects are local). */
#include "serving_cert.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "wsscale/file_read.h"

#define MAX_PEM_BYTES (64 * 1024) /* a chain of two certificates and a key is ~2 KiB */
#define MAX_CHAIN     8
#define KEY_ID_LEN    64
#define SERIAL_LEN    16
#define BACKDATE_S    3600 /* tolerate clocks slightly behind ours, as Kubernetes does */
#define DIR_MODE      0700
#define KEY_MODE      0600
#define CERT_MODE     0644

/* One IP literal parsed to network-order bytes; len 0 when the name is a DNS name. */
struct ip_name {
    unsigned char bytes[16];
    size_t len;
};

static void parse_ip(const char *name, struct ip_name *ip)
{
    ip->len = 0;
    if (inet_pton(AF_INET, name, ip->bytes) == 1)
        ip->len = 4;
    else if (inet_pton(AF_INET6, name, ip->bytes) == 1)
        ip->len = 16;
}

static bool covers(gnutls_x509_crt_t crt, const char *name)
{
    struct ip_name ip;
    parse_ip(name, &ip);
    if (ip.len > 0)
        return gnutls_x509_crt_check_ip(crt, ip.bytes, (unsigned)ip.len, 0) != 0;
    return gnutls_x509_crt_check_hostname2(crt, name, 0) != 0;
}

bool serving_cert_is_usable(const char *cert_pem, size_t cert_len, const char *key_pem,
                            size_t key_len, const char *const *names, size_t nnames,
                            int64_t now_unix_s, char *why, size_t whylen)
{
    gnutls_x509_crt_t chain[MAX_CHAIN];
    unsigned nchain = MAX_CHAIN;
    gnutls_x509_privkey_t key = NULL;
    bool ok = false;
    gnutls_datum_t cd = {(unsigned char *)cert_pem, (unsigned)cert_len};
    gnutls_datum_t kd = {(unsigned char *)key_pem, (unsigned)key_len};
    int rc = gnutls_x509_crt_list_import(chain, &nchain, &cd, GNUTLS_X509_FMT_PEM,
                                         GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
    if (rc <= 0) {
        snprintf(why, whylen, "%s: no certificate chain: %s", SERVING_CERT_FILE,
                 rc < 0 ? gnutls_strerror(rc) : "empty");
        return false;
    }
    nchain = (unsigned)rc;
    if (gnutls_x509_privkey_init(&key) < 0)
        goto out;
    if ((rc = gnutls_x509_privkey_import(key, &kd, GNUTLS_X509_FMT_PEM)) < 0) {
        snprintf(why, whylen, "%s: no private key: %s", SERVING_KEY_FILE, gnutls_strerror(rc));
        goto out;
    }
    unsigned char kid[KEY_ID_LEN], cid[KEY_ID_LEN];
    size_t klen = sizeof(kid), clen = sizeof(cid);
    if (gnutls_x509_privkey_get_key_id(key, 0, kid, &klen) < 0 ||
        gnutls_x509_crt_get_key_id(chain[0], 0, cid, &clen) < 0 || klen != clen ||
        memcmp(kid, cid, klen) != 0) {
        snprintf(why, whylen, "%s does not match the certificate", SERVING_KEY_FILE);
        goto out;
    }
    time_t from = gnutls_x509_crt_get_activation_time(chain[0]);
    time_t until = gnutls_x509_crt_get_expiration_time(chain[0]);
    if (from == (time_t)-1 || until == (time_t)-1 || now_unix_s < (int64_t)from ||
        now_unix_s + SERVING_CERT_RENEW_S > (int64_t)until) {
        snprintf(why, whylen, "the certificate is not valid long enough");
        goto out;
    }
    for (size_t i = 0; i < nnames; i++)
        if (!covers(chain[0], names[i])) {
            snprintf(why, whylen, "the certificate does not cover %s", names[i]);
            goto out;
        }
    ok = true;
out:
    gnutls_x509_privkey_deinit(key);
    for (unsigned i = 0; i < nchain; i++)
        gnutls_x509_crt_deinit(chain[i]);
    return ok;
}

/* The fields both certificates share: version, serial, validity, subject, key. */
static int fill_common(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn,
                       int64_t now)
{
    unsigned char serial[SERIAL_LEN];
    const char *errp = NULL;
    char dn[320];
    snprintf(dn, sizeof(dn), "CN=%s", cn);
    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)) < 0)
        return -1;
    serial[0] &= 0x7f; /* a positive INTEGER */
    serial[0] |= 0x01; /* and never a leading zero byte */
    if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
        gnutls_x509_crt_set_activation_time(crt, (time_t)(now - BACKDATE_S)) < 0 ||
        gnutls_x509_crt_set_expiration_time(crt, (time_t)(now + SERVING_CERT_VALID_S)) < 0 ||
        gnutls_x509_crt_set_dn(crt, dn, &errp) < 0 || gnutls_x509_crt_set_key(crt, key) < 0)
        return -1;
    unsigned char id[KEY_ID_LEN];
    size_t idlen = sizeof(id);
    if (gnutls_x509_crt_get_key_id(crt, 0, id, &idlen) < 0 ||
        gnutls_x509_crt_set_subject_key_id(crt, id, idlen) < 0)
        return -1;
    return 0;
}

static int new_key(gnutls_x509_privkey_t *key)
{
    if (gnutls_x509_privkey_init(key) < 0)
        return -1;
    return gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
                                        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0
               ? -1
               : 0;
}

static int add_names(gnutls_x509_crt_t crt, const char *const *names, size_t nnames)
{
    for (size_t i = 0; i < nnames; i++) {
        struct ip_name ip;
        parse_ip(names[i], &ip);
        int rc = ip.len > 0
                     ? gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip.bytes,
                                                            (unsigned)ip.len, GNUTLS_FSAN_APPEND)
                     : gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, names[i],
                                                            (unsigned)strlen(names[i]),
                                                            GNUTLS_FSAN_APPEND);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Makes the CA and the serving certificate; PEM text of the chain and the key into out. */
static int generate(const struct serving_cert_request *req, int64_t now, gnutls_datum_t *chain_pem,
                    gnutls_datum_t *key_pem, char *err, size_t errlen)
{
    gnutls_x509_privkey_t ca_key = NULL, key = NULL;
    gnutls_x509_crt_t ca = NULL, crt = NULL;
    gnutls_datum_t ca_pem = {NULL, 0}, leaf_pem = {NULL, 0};
    char cn[300];
    int rc = -1;
    const char *host = req->nnames > 0 ? req->names[0] : "localhost";
    if (new_key(&ca_key) != 0 || new_key(&key) != 0 || gnutls_x509_crt_init(&ca) < 0 ||
        gnutls_x509_crt_init(&crt) < 0) {
        snprintf(err, errlen, "cannot generate the serving keys");
        goto fail;
    }
    snprintf(cn, sizeof(cn), "%s-ca@%lld", host, (long long)now);
    if (fill_common(ca, ca_key, cn, now) != 0 ||
        gnutls_x509_crt_set_basic_constraints(ca, 1, 0) < 0 ||
        gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE) <
            0 ||
        gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0) {
        snprintf(err, errlen, "cannot make the self-signed CA");
        goto fail;
    }
    snprintf(cn, sizeof(cn), "%s@%lld", host, (long long)now);
    unsigned char ca_id[KEY_ID_LEN];
    size_t ca_idlen = sizeof(ca_id);
    if (fill_common(crt, key, cn, now) != 0 ||
        gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
        gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
        gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
        add_names(crt, req->names, req->nnames) != 0 ||
        gnutls_x509_crt_get_subject_key_id(ca, ca_id, &ca_idlen, NULL) < 0 ||
        gnutls_x509_crt_set_authority_key_id(crt, ca_id, ca_idlen) < 0 ||
        gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0) {
        snprintf(err, errlen, "cannot make the serving certificate");
        goto fail;
    }
    if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &leaf_pem) < 0 ||
        gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &ca_pem) < 0 ||
        gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                          key_pem) < 0) {
        snprintf(err, errlen, "cannot encode the serving certificate");
        goto fail;
    }
    chain_pem->size = leaf_pem.size + ca_pem.size;
    if ((chain_pem->data = gnutls_malloc(chain_pem->size)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    memcpy(chain_pem->data, leaf_pem.data, leaf_pem.size);
    memcpy(chain_pem->data + leaf_pem.size, ca_pem.data, ca_pem.size);
    rc = 0;
fail:
    gnutls_free(leaf_pem.data);
    gnutls_free(ca_pem.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_privkey_deinit(key);
    gnutls_x509_privkey_deinit(ca_key);
    return rc;
}

/* Writes data to path.tmp with mode, fsyncs it, then leaves it for rename. */
static int write_tmp(const char *path, const gnutls_datum_t *data, mode_t mode, char *err,
                     size_t errlen)
{
    char tmp[SERVING_CERT_PATH_LEN + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < data->size) {
        ssize_t n = write(fd, data->data + off, data->size - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s: %s", tmp, n < 0 ? strerror(errno) : "short write");
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)n;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0 || close(fd) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int commit_tmp(const char *path, char *err, size_t errlen)
{
    char tmp[SERVING_CERT_PATH_LEN + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* mkdir -p with DIR_MODE for every missing component. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char path[SERVING_CERT_PATH_LEN];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(path)) {
        snprintf(err, errlen, "--cert-dir: bad length");
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, DIR_MODE) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = c;
    }
    return 0;
}

/* Reads both files and says whether they can be reused; why says why not. */
static bool reusable(const struct serving_cert_request *req, const struct serving_cert_result *out,
                     int64_t now, char *why, size_t whylen)
{
    char *cert = NULL, *key = NULL;
    size_t clen = 0, klen = 0;
    bool ok = false;
    if (wss_file_read(out->cert_file, MAX_PEM_BYTES, &cert, &clen, NULL, why, whylen) == 0 &&
        wss_file_read(out->key_file, MAX_PEM_BYTES, &key, &klen, NULL, why, whylen) == 0)
        ok = serving_cert_is_usable(cert, clen, key, klen, req->names, req->nnames, now, why,
                                    whylen);
    free(cert);
    free(key);
    return ok;
}

int serving_cert_ensure(const struct serving_cert_request *req, struct serving_cert_result *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (req->dir == NULL || req->nnames > SERVING_CERT_MAX_NAMES) {
        snprintf(err, errlen, "--cert-dir: %s", req->dir == NULL ? "not set" : "too many names");
        return -1;
    }
    int64_t now = req->now_unix_s != 0 ? req->now_unix_s : (int64_t)time(NULL);
    int a = snprintf(out->cert_file, sizeof(out->cert_file), "%s/%s", req->dir, SERVING_CERT_FILE);
    int b = snprintf(out->key_file, sizeof(out->key_file), "%s/%s", req->dir, SERVING_KEY_FILE);
    if (a < 0 || b < 0 || (size_t)a >= sizeof(out->cert_file) ||
        (size_t)b >= sizeof(out->key_file)) {
        snprintf(err, errlen, "--cert-dir: path too long");
        return -1;
    }
    if (reusable(req, out, now, out->why_generated, sizeof(out->why_generated)))
        return 0;
    if (make_dirs(req->dir, err, errlen) != 0)
        return -1;
    gnutls_datum_t chain = {NULL, 0}, key = {NULL, 0};
    int rc = -1;
    if (generate(req, now, &chain, &key, err, errlen) != 0)
        goto out;
    /* Both temp files first, so a failure leaves the old pair whole; the key goes in first so
     * a reader never sees a new certificate beside the old key for long. */
    if (write_tmp(out->key_file, &key, KEY_MODE, err, errlen) != 0)
        goto out;
    if (write_tmp(out->cert_file, &chain, CERT_MODE, err, errlen) != 0) {
        char tmp[SERVING_CERT_PATH_LEN + 8];
        snprintf(tmp, sizeof(tmp), "%s.tmp", out->key_file);
        unlink(tmp);
        goto out;
    }
    if (commit_tmp(out->key_file, err, errlen) != 0 || commit_tmp(out->cert_file, err, errlen) != 0)
        goto out;
    out->is_generated = true;
    rc = 0;
out:
    gnutls_free(chain.data);
    if (key.data != NULL) {
        gnutls_memset(key.data, 0, key.size);
        gnutls_free(key.data);
    }
    return rc;
}
