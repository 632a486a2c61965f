/* SPDX-License-Identifier: Apache-2.0 */
/* http_tls.c: loads and checks serving cert/key and client-CA bundles with gnutls, stamps the
 * files, and verifies client chains against one bundle at a time. Does not: know about MHD or
 * sockets, or log; every failure becomes the caller's message. Threads: load/free on the caller's
 * thread; a loaded struct is only read afterwards, and gnutls trust lists may be verified against
 * from several threads at once. */
#include "wsscale/http_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/x509.h>

#include "wsscale/errbuf.h"
#include "wsscale/file_read.h"

struct bundle {
    char *name;                       /* owned */
    gnutls_x509_trust_list_t anchors; /* owned; this bundle's CAs only */
};

struct wss_http_tls {
    char *cert_pem;  /* owned, NUL-terminated */
    char *key_pem;   /* owned, NUL-terminated */
    char *trust_pem; /* owned; every bundle concatenated; NULL when there are none */
    struct bundle bundles[WSS_HTTP_TLS_MAX_BUNDLES];
    size_t nbundles;
};

/* Reads a whole PEM file into a NUL-terminated heap buffer; an empty file is an error. */
static char *read_pem(const char *what, const char *path, size_t *len, char *err, size_t errlen)
{
    char *buf = NULL;
    char why[WSS_HTTP_TLS_ERR_LEN];
    if (wss_file_read(path, WSS_HTTP_TLS_MAX_FILE_BYTES, &buf, len, NULL, why, sizeof(why)) != 0) {
        wss_errbuf_printf(err, errlen, "%s %s", what, why);
        return NULL;
    }
    if (*len == 0) {
        wss_errbuf_printf(err, errlen, "%s %s: empty file", what, path);
        free(buf);
        return NULL;
    }
    return buf;
}

void wss_http_tls_free(struct wss_http_tls *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nbundles; i++) {
        free(t->bundles[i].name);
        if (t->bundles[i].anchors != NULL)
            gnutls_x509_trust_list_deinit(t->bundles[i].anchors, 1);
    }
    /* The key is a secret: do not leave it in freed heap memory. */
    if (t->key_pem != NULL)
        explicit_bzero(t->key_pem, strlen(t->key_pem));
    free(t->key_pem);
    free(t->cert_pem);
    free(t->trust_pem);
    free(t);
}

/* Checks that the key parses and belongs to the certificate, as the handshake will need. */
static int check_pair(const struct wss_http_tls_files *f, const char *cert, size_t cert_len,
                      const char *key, size_t key_len, char *err, size_t errlen)
{
    gnutls_certificate_credentials_t cred;
    int rc = gnutls_certificate_allocate_credentials(&cred);
    if (rc < 0) {
        wss_errbuf_printf(err, errlen, "tls credentials: %s", gnutls_strerror(rc));
        return -1;
    }
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned)cert_len};
    gnutls_datum_t k = {(unsigned char *)key, (unsigned)key_len};
    rc = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_certificate_free_credentials(cred);
    if (rc < 0) {
        wss_errbuf_printf(err, errlen, "tls cert %s with key %s: %s", f->cert_file, f->key_file,
                          gnutls_strerror(rc));
        return -1;
    }
    return 0;
}

/* Appends src to the union PEM, with a newline so two files never run into each other. */
static int append_trust(struct wss_http_tls *t, size_t *len, const char *src, size_t n)
{
    char *grown = realloc(t->trust_pem, *len + n + 2);
    if (grown == NULL)
        return -1;
    t->trust_pem = grown;
    memcpy(t->trust_pem + *len, src, n);
    *len += n;
    t->trust_pem[(*len)++] = '\n';
    t->trust_pem[*len] = '\0';
    return 0;
}

struct wss_http_tls *wss_http_tls_load(const struct wss_http_tls_files *files, char *err,
                                       size_t errlen)
{
    if (files->cert_file == NULL || files->key_file == NULL) {
        wss_errbuf_printf(err, errlen, "tls needs both a cert file and a key file");
        return NULL;
    }
    if (files->nbundles > WSS_HTTP_TLS_MAX_BUNDLES) {
        wss_errbuf_printf(err, errlen, "at most %d client CA bundles", WSS_HTTP_TLS_MAX_BUNDLES);
        return NULL;
    }
    for (size_t i = 0; i < files->nbundles; i++) {
        const struct wss_http_ca_bundle *b = &files->bundles[i];
        if (b->name == NULL || b->name[0] == '\0' || b->file == NULL) {
            wss_errbuf_printf(err, errlen, "client CA bundle %zu needs a name and a file", i);
            return NULL;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(files->bundles[j].name, b->name) == 0) {
                wss_errbuf_printf(err, errlen, "client CA bundle name \"%s\" used twice", b->name);
                return NULL;
            }
        }
    }
    struct wss_http_tls *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        wss_errbuf_printf(err, errlen, "out of memory");
        return NULL;
    }
    size_t cert_len = 0, key_len = 0, trust_len = 0;
    t->cert_pem = read_pem("tls cert", files->cert_file, &cert_len, err, errlen);
    if (t->cert_pem == NULL)
        goto fail;
    t->key_pem = read_pem("tls key", files->key_file, &key_len, err, errlen);
    if (t->key_pem == NULL)
        goto fail;
    if (check_pair(files, t->cert_pem, cert_len, t->key_pem, key_len, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < files->nbundles; i++) {
        const struct wss_http_ca_bundle *b = &files->bundles[i];
        struct bundle *dst = &t->bundles[i];
        t->nbundles = i + 1; /* so that free() releases this slot, whatever happens below */
        dst->name = strdup(b->name);
        if (dst->name == NULL) {
            wss_errbuf_printf(err, errlen, "out of memory");
            goto fail;
        }
        size_t len = 0;
        char what[WSS_HTTP_TLS_ERR_LEN / 2];
        snprintf(what, sizeof(what), "client CA bundle \"%s\"", b->name);
        char *pem = read_pem(what, b->file, &len, err, errlen);
        if (pem == NULL)
            goto fail;
        int rc = gnutls_x509_trust_list_init(&dst->anchors, 0);
        if (rc >= 0) {
            gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
            rc = gnutls_x509_trust_list_add_trust_mem(dst->anchors, &d, NULL, GNUTLS_X509_FMT_PEM,
                                                      0, 0);
        } else {
            dst->anchors = NULL;
        }
        if (rc <= 0) {
            wss_errbuf_printf(err, errlen, "client CA bundle \"%s\" %s: %s", b->name, b->file,
                              rc == 0 ? "no certificates" : gnutls_strerror(rc));
            free(pem);
            goto fail;
        }
        int arc = append_trust(t, &trust_len, pem, len);
        free(pem);
        if (arc != 0) {
            wss_errbuf_printf(err, errlen, "out of memory");
            goto fail;
        }
    }
    return t;

fail:
    wss_http_tls_free(t);
    return NULL;
}

const char *wss_http_tls_cert_pem(const struct wss_http_tls *t)
{
    return t->cert_pem;
}

const char *wss_http_tls_key_pem(const struct wss_http_tls *t)
{
    return t->key_pem;
}

const char *wss_http_tls_trust_pem(const struct wss_http_tls *t)
{
    return t->trust_pem;
}

size_t wss_http_tls_bundle_count(const struct wss_http_tls *t)
{
    return t->nbundles;
}

int wss_http_tls_bundle_index(const struct wss_http_tls *t, const char *name)
{
    for (size_t i = 0; i < t->nbundles; i++) {
        if (strcmp(t->bundles[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* DN attributes of one kind looked at in a subject; no real certificate has more. */
#define DN_MAX_VALUES 32

enum dn_result {
    DN_ABSENT = -1,  /* no value at this index: stop looking */
    DN_UNUSABLE = 0, /* present but too long, not decodable, or with an embedded NUL */
    DN_OK = 1,
};

/* Copies the value of one DN attribute (index idx) into out. */
static enum dn_result dn_value(gnutls_x509_crt_t crt, const char *oid, unsigned idx, char *out,
                               size_t cap)
{
    size_t size = cap;
    int rc = gnutls_x509_crt_get_dn_by_oid(crt, oid, idx, 0, out, &size);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
        out[0] = '\0';
        return DN_ABSENT;
    }
    if (rc < 0 || size >= cap) {
        out[0] = '\0';
        return DN_UNUSABLE;
    }
    out[size] = '\0';
    /* An embedded NUL would make the name mean something else to strcmp than to the CA. */
    if (strlen(out) != size) {
        out[0] = '\0';
        return DN_UNUSABLE;
    }
    return DN_OK;
}

static void read_subject(gnutls_x509_crt_t leaf, struct wss_http_peer *out)
{
    /* Go's pkix.Name keeps the last CN when a subject has several; so do we. An unusable last CN
     * leaves cn empty rather than an earlier one standing in for it. */
    char tmp[WSS_HTTP_TLS_NAME_LEN];
    for (unsigned i = 0; i < DN_MAX_VALUES; i++) {
        enum dn_result r = dn_value(leaf, GNUTLS_OID_X520_COMMON_NAME, i, tmp, sizeof(tmp));
        if (r == DN_ABSENT)
            break;
        memcpy(out->cn, tmp, strlen(tmp) + 1);
    }
    for (unsigned i = 0; i < DN_MAX_VALUES && out->norgs < WSS_HTTP_TLS_MAX_ORGS; i++) {
        enum dn_result r = dn_value(leaf, GNUTLS_OID_X520_ORGANIZATION_NAME, i,
                                    out->orgs[out->norgs], sizeof(out->orgs[0]));
        if (r == DN_ABSENT)
            break;
        if (r == DN_OK)
            out->norgs++;
    }
}

static void set_reason(struct wss_http_peer *out, size_t i, const char *text)
{
    snprintf(out->reason[i], sizeof(out->reason[i]), "%s", text);
}

void wss_http_tls_verify_peer(const struct wss_http_tls *t, const gnutls_datum_t *certs,
                              unsigned ncerts, struct wss_http_peer *out)
{
    memset(out, 0, sizeof(*out));
    out->nbundles = t->nbundles;
    if (ncerts == 0)
        return;
    out->is_presented = true;
    gnutls_x509_crt_t chain[WSS_HTTP_TLS_MAX_CHAIN];
    unsigned n = 0;
    unsigned want = ncerts < WSS_HTTP_TLS_MAX_CHAIN ? ncerts : WSS_HTTP_TLS_MAX_CHAIN;
    for (; n < want; n++) {
        if (gnutls_x509_crt_init(&chain[n]) < 0)
            break;
        if (gnutls_x509_crt_import(chain[n], &certs[n], GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(chain[n]);
            break;
        }
    }
    if (n == 0) {
        for (size_t i = 0; i < t->nbundles; i++)
            set_reason(out, i, "client certificate does not parse");
        return;
    }
    /* Kubernetes accepts a client certificate only for TLS client auth (ExtKeyUsage clientAuth). */
    gnutls_typed_vdata_st purpose = {
        .type = GNUTLS_DT_KEY_PURPOSE_OID,
        .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
        .size = 0,
    };
    for (size_t i = 0; i < t->nbundles; i++) {
        unsigned status = 0;
        int rc = gnutls_x509_trust_list_verify_crt2(t->bundles[i].anchors, chain, n, &purpose, 1, 0,
                                                    &status, NULL);
        if (rc < 0) {
            set_reason(out, i, gnutls_strerror(rc));
        } else if (status != 0) {
            gnutls_datum_t text = {NULL, 0};
            if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) >=
                0) {
                set_reason(out, i, (const char *)text.data);
                gnutls_free(text.data);
            } else {
                set_reason(out, i, "certificate not trusted");
            }
        } else {
            out->is_verified[i] = true;
            out->is_verified_any = true;
        }
    }
    if (out->is_verified_any)
        read_subject(chain[0], out);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(chain[i]);
}

static void stamp_one(const char *path, size_t i, struct wss_http_tls_stamp *out)
{
    struct stat st;
    memset(&out->files[i], 0, sizeof(out->files[i]));
    if (path == NULL || stat(path, &st) != 0) {
        out->files[i].stat_errno = path == NULL ? ENOENT : errno;
        return;
    }
    out->files[i].dev = (uint64_t)st.st_dev;
    out->files[i].ino = (uint64_t)st.st_ino;
    out->files[i].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    out->files[i].size = (int64_t)st.st_size;
}

void wss_http_tls_stamp_take(const struct wss_http_tls_files *files, struct wss_http_tls_stamp *out)
{
    memset(out, 0, sizeof(*out));
    size_t nb =
        files->nbundles < WSS_HTTP_TLS_MAX_BUNDLES ? files->nbundles : WSS_HTTP_TLS_MAX_BUNDLES;
    stamp_one(files->cert_file, 0, out);
    stamp_one(files->key_file, 1, out);
    for (size_t i = 0; i < nb; i++)
        stamp_one(files->bundles[i].file, 2 + i, out);
    out->nfiles = 2 + nb;
}

bool wss_http_tls_stamp_equal(const struct wss_http_tls_stamp *a,
                              const struct wss_http_tls_stamp *b)
{
    if (a->nfiles != b->nfiles)
        return false;
    for (size_t i = 0; i < a->nfiles; i++) {
        if (a->files[i].stat_errno != b->files[i].stat_errno ||
            a->files[i].dev != b->files[i].dev || a->files[i].ino != b->files[i].ino ||
            a->files[i].mtime_ns != b->files[i].mtime_ns || a->files[i].size != b->files[i].size)
            return false;
    }
    return true;
}
