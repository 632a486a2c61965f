/* SPDX-License-Identifier: Apache-2.0 */
/* test_http_tls.c: loading TLS material (and why it fails, in words), per-bundle verification of
 * client chains with subject names, and file stamps noticing a Kubernetes-style symlink swap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "http_pki.h"
#include "wsscale/http_tls.h"

static char pki[HTTP_PKI_PATH_LEN];

/* Paths into the PKI directory; a few at a time are enough for any one test. */
static char paths[8][HTTP_PKI_PATH_LEN];
static const char *p(int slot, const char *name)
{
    return http_pki_path(pki, name, paths[slot], sizeof(paths[slot]));
}

static int make_pki(void **state)
{
    (void)state;
    return http_pki_make(pki, sizeof(pki));
}

static int remove_pki(void **state)
{
    (void)state;
    http_pki_remove(pki);
    return 0;
}

/* requestheader = ca-a, client = ca-b, served as server-1. */
static struct wss_http_ca_bundle bundles[2];
static struct wss_http_tls_files files;

static void set_files(const char *cert, const char *key, const char *ca_a, const char *ca_b)
{
    bundles[0] = (struct wss_http_ca_bundle){"requestheader", p(2, ca_a)};
    bundles[1] = (struct wss_http_ca_bundle){"client", p(3, ca_b)};
    files = (struct wss_http_tls_files){p(0, cert), p(1, key), bundles, 2};
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *s = strstr(hay, needle); s != NULL; s = strstr(s + 1, needle))
        n++;
    return n;
}

static void loads_cert_key_and_named_bundles(void **state)
{
    (void)state;
    char err[WSS_HTTP_TLS_ERR_LEN] = "";
    set_files("server-1.crt", "server-1.key", "ca-a.crt", "ca-b.crt");
    struct wss_http_tls *t = wss_http_tls_load(&files, err, sizeof(err));
    if (t == NULL)
        fail_msg("load: %s", err);
    assert_int_equal(wss_http_tls_bundle_count(t), 2);
    assert_int_equal(wss_http_tls_bundle_index(t, "requestheader"), 0);
    assert_int_equal(wss_http_tls_bundle_index(t, "client"), 1);
    assert_int_equal(wss_http_tls_bundle_index(t, "Client"), -1);
    assert_int_equal(count(wss_http_tls_cert_pem(t), "BEGIN CERTIFICATE"), 1);
    assert_non_null(strstr(wss_http_tls_key_pem(t), "PRIVATE KEY"));
    /* the trust pool is both bundles, each whole */
    assert_int_equal(count(wss_http_tls_trust_pem(t), "BEGIN CERTIFICATE"), 2);
    assert_int_equal(count(wss_http_tls_trust_pem(t), "END CERTIFICATE"), 2);
    wss_http_tls_free(t);

    /* no bundles: no trust pool, so the handshake will not ask for client certificates */
    files.nbundles = 0;
    t = wss_http_tls_load(&files, err, sizeof(err));
    assert_non_null(t);
    assert_null(wss_http_tls_trust_pem(t));
    assert_int_equal(wss_http_tls_bundle_count(t), 0);
    wss_http_tls_free(t);
    wss_http_tls_free(NULL);
}

struct bad_load {
    const char *cert, *key, *ca_a, *ca_b;
    const char
        *want; /* "$D" stands for the PKI directory, "$E" for gnutls's words for gnutls_err */
    int gnutls_err;
};

/* Writes tmpl with $D replaced by the PKI directory and $E by e. */
static void expand(const char *tmpl, const char *e, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *t = tmpl; *t != '\0'; t++) {
        const char *put = NULL;
        char one[2] = {*t, '\0'};
        if (t[0] == '$' && t[1] == 'D')
            put = pki;
        else if (t[0] == '$' && t[1] == 'E')
            put = e;
        if (put != NULL)
            t++;
        else
            put = one;
        size_t n = strlen(put);
        assert_true(len + n < cap);
        memcpy(out + len, put, n + 1);
        len += n;
    }
}

static void load_failures_name_the_file_and_the_reason(void **state)
{
    (void)state;
    assert_int_equal(
        http_pki_sh(pki, "mkdir -p adir && : > empty.pem && rm -f fifo.pem && mkfifo fifo.pem"), 0);
    /* gnutls words some failures itself; the table names the code and asks gnutls for its words */
    const struct bad_load cases[] = {
        {"nope.crt", "server-1.key", "ca-a.crt", "ca-b.crt",
         "tls cert $D/nope.crt: No such file or directory", 0},
        {"server-1.crt", "nope.key", "ca-a.crt", "ca-b.crt",
         "tls key $D/nope.key: No such file or directory", 0},
        {"empty.pem", "server-1.key", "ca-a.crt", "ca-b.crt", "tls cert $D/empty.pem: empty file",
         0},
        {"adir", "server-1.key", "ca-a.crt", "ca-b.crt", "tls cert $D/adir: not a regular file", 0},
        /* open() on a FIFO would wait for a writer for ever: refused without blocking */
        {"server-1.crt", "fifo.pem", "ca-a.crt", "ca-b.crt",
         "tls key $D/fifo.pem: not a regular file", 0},
        {"server-1.crt", "server-2.key", "ca-a.crt", "ca-b.crt",
         "tls cert $D/server-1.crt with key $D/server-2.key: $E",
         GNUTLS_E_CERTIFICATE_KEY_MISMATCH},
        {"garbage.pem", "server-1.key", "ca-a.crt", "ca-b.crt",
         "tls cert $D/garbage.pem with key $D/server-1.key: $E", GNUTLS_E_BASE64_DECODING_ERROR},
        {"server-1.crt", "server-1.key", "garbage.pem", "ca-b.crt",
         "client CA bundle \"requestheader\" $D/garbage.pem: $E", GNUTLS_E_NO_CERTIFICATE_FOUND},
        {"server-1.crt", "server-1.key", "ca-a.crt", "nope.crt",
         "client CA bundle \"client\" $D/nope.crt: No such file or directory", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bad_load *c = &cases[i];
        char err[WSS_HTTP_TLS_ERR_LEN] = "";
        char want[WSS_HTTP_TLS_ERR_LEN * 2];
        expand(c->want, gnutls_strerror(c->gnutls_err), want, sizeof(want));
        set_files(c->cert, c->key, c->ca_a, c->ca_b);
        struct wss_http_tls *t = wss_http_tls_load(&files, err, sizeof(err));
        if (t != NULL)
            fail_msg("case %zu loaded", i);
        if (strcmp(err, want) != 0)
            fail_msg("case %zu:\n got  %s\n want %s", i, err, want);
    }
}

static void bundle_names_must_be_present_and_unique(void **state)
{
    (void)state;
    char err[WSS_HTTP_TLS_ERR_LEN];
    set_files("server-1.crt", "server-1.key", "ca-a.crt", "ca-b.crt");
    bundles[1].name = "requestheader";
    assert_null(wss_http_tls_load(&files, err, sizeof(err)));
    assert_string_equal(err, "client CA bundle name \"requestheader\" used twice");
    bundles[1].name = "";
    assert_null(wss_http_tls_load(&files, err, sizeof(err)));
    assert_string_equal(err, "client CA bundle 1 needs a name and a file");
    files.key_file = NULL;
    assert_null(wss_http_tls_load(&files, err, sizeof(err)));
    assert_string_equal(err, "tls needs both a cert file and a key file");
}

/* Reads a PEM certificate file and returns it as DER (gnutls-allocated; free with gnutls_free). */
static gnutls_datum_t der_of(const char *name)
{
    gnutls_datum_t pem = {NULL, 0}, der = {NULL, 0};
    gnutls_x509_crt_t crt;
    assert_int_equal(gnutls_load_file(p(7, name), &pem), 0);
    assert_int_equal(gnutls_x509_crt_init(&crt), 0);
    assert_int_equal(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM), 0);
    assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
    gnutls_x509_crt_deinit(crt);
    gnutls_free(pem.data);
    return der;
}

struct peer_case {
    const char *cert;
    bool verified[2];
    const char *cn;
    const char *orgs; /* comma-joined */
    const char *reason_has[2];
};

static void verifies_each_bundle_separately(void **state)
{
    (void)state;
    char err[WSS_HTTP_TLS_ERR_LEN];
    set_files("server-1.crt", "server-1.key", "ca-a.crt", "ca-b.crt");
    struct wss_http_tls *t = wss_http_tls_load(&files, err, sizeof(err));
    assert_non_null(t);
    const struct peer_case cases[] = {
        {"client-a.crt",
         {true, false},
         "front-proxy-client",
         "system:masters,team-a",
         {"", "NOT trusted"}},
        {"client-b.crt", {false, true}, "alice", "dev", {"NOT trusted", ""}},
        {"client-x.crt", {false, false}, "", "", {"issuer is unknown", "issuer is unknown"}},
        /* signed by ca-a but only for serverAuth: Kubernetes would refuse it as a client */
        {"client-a-server.crt", {false, false}, "", "", {"purpose", "NOT trusted"}},
        /* no extended key usage means any purpose, for gnutls as for Go */
        {"client-a-any.crt", {true, false}, "no-eku", "", {"", "NOT trusted"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct peer_case *c = &cases[i];
        gnutls_datum_t der = der_of(c->cert);
        struct wss_http_peer peer;
        wss_http_tls_verify_peer(t, &der, 1, &peer);
        gnutls_free(der.data);
        assert_true(peer.is_presented);
        assert_int_equal(peer.nbundles, 2);
        char orgs[256] = "";
        for (size_t k = 0; k < peer.norgs; k++) {
            strcat(orgs, k > 0 ? "," : "");
            strcat(orgs, peer.orgs[k]);
        }
        for (size_t b = 0; b < 2; b++) {
            if (peer.is_verified[b] != c->verified[b])
                fail_msg("case %s bundle %zu: verified %d (%s)", c->cert, b, peer.is_verified[b],
                         peer.reason[b]);
            if (strstr(peer.reason[b], c->reason_has[b]) == NULL ||
                (c->reason_has[b][0] == '\0' && peer.reason[b][0] != '\0'))
                fail_msg("case %s bundle %zu: reason \"%s\", want \"%s\"", c->cert, b,
                         peer.reason[b], c->reason_has[b]);
        }
        assert_int_equal(peer.is_verified_any, c->verified[0] || c->verified[1]);
        assert_string_equal(peer.cn, c->cn);
        assert_string_equal(orgs, c->orgs);
    }
    wss_http_tls_free(t);
}

/* A chain as the client sends it (leaf first, space-separated file names) against
 * requestheader = ca-a and client = ca-b. */
struct chain_case {
    const char *chain;
    bool verified[2];
    const char *cn;
    const char *reason_has[2];
};

static void chains_verify_through_intermediates_within_their_validity(void **state)
{
    (void)state;
    char err[WSS_HTTP_TLS_ERR_LEN];
    set_files("server-1.crt", "server-1.key", "ca-a.crt", "ca-b.crt");
    struct wss_http_tls *t = wss_http_tls_load(&files, err, sizeof(err));
    assert_non_null(t);
    const struct chain_case cases[] = {
        /* the intermediate the client sends completes the chain to ca-a, and to ca-a only */
        {"client-via-int-a.crt int-a.crt", {true, false}, "via-intermediate", {"", "NOT trusted"}},
        /* in any order, with unrelated certificates mixed in, as Go's intermediate pool allows */
        {"client-via-int-a.crt client-b.crt int-a.crt",
         {true, false},
         "via-intermediate",
         {"", "NOT trusted"}},
        /* without its intermediate the leaf chains to nothing */
        {"client-via-int-a.crt", {false, false}, "", {"issuer is unknown", "issuer is unknown"}},
        /* a client-CA certificate does not become requestheader by carrying ca-a along */
        {"client-b.crt ca-a.crt", {false, true}, "alice", {"NOT trusted", ""}},
        /* a leaf of ca-a cannot sign further certificates */
        {"client-via-leaf.crt client-a.crt", {false, false}, "", {"not a CA", "NOT trusted"}},
        /* an intermediate restricted to serverAuth cannot vouch for a client */
        {"client-via-int-a-server.crt int-a-server.crt",
         {false, false},
         "",
         {"purpose", "NOT trusted"}},
        /* outside its validity a certificate verifies nowhere */
        {"client-a-expired.crt", {false, false}, "", {"expired", "NOT trusted"}},
        {"client-a-future.crt", {false, false}, "", {"not yet valid", "NOT trusted"}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct chain_case *c = &cases[i];
        gnutls_datum_t ders[WSS_HTTP_TLS_MAX_CHAIN];
        unsigned n = 0;
        char names[256];
        snprintf(names, sizeof(names), "%s", c->chain);
        for (char *save = NULL, *tok = strtok_r(names, " ", &save); tok != NULL;
             tok = strtok_r(NULL, " ", &save))
            ders[n++] = der_of(tok);
        struct wss_http_peer peer;
        wss_http_tls_verify_peer(t, ders, n, &peer);
        for (unsigned k = 0; k < n; k++)
            gnutls_free(ders[k].data);
        for (size_t b = 0; b < 2; b++) {
            if (peer.is_verified[b] != c->verified[b])
                fail_msg("chain \"%s\" bundle %zu: verified %d (%s)", c->chain, b,
                         peer.is_verified[b], peer.reason[b]);
            if (strstr(peer.reason[b], c->reason_has[b]) == NULL ||
                (c->reason_has[b][0] == '\0' && peer.reason[b][0] != '\0'))
                fail_msg("chain \"%s\" bundle %zu: reason \"%s\", want \"%s\"", c->chain, b,
                         peer.reason[b], c->reason_has[b]);
        }
        if (strcmp(peer.cn, c->cn) != 0)
            fail_msg("chain \"%s\": cn \"%s\", want \"%s\"", c->chain, peer.cn, c->cn);
    }
    wss_http_tls_free(t);
}

static void nothing_presented_and_garbage_chains(void **state)
{
    (void)state;
    char err[WSS_HTTP_TLS_ERR_LEN];
    set_files("server-1.crt", "server-1.key", "ca-a.crt", "ca-b.crt");
    struct wss_http_tls *t = wss_http_tls_load(&files, err, sizeof(err));
    assert_non_null(t);
    struct wss_http_peer peer;
    wss_http_tls_verify_peer(t, NULL, 0, &peer);
    assert_false(peer.is_presented);
    assert_false(peer.is_verified_any);
    assert_false(peer.is_verified[0]);
    assert_string_equal(peer.reason[0], "");

    unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    gnutls_datum_t bad = {junk, sizeof(junk)};
    wss_http_tls_verify_peer(t, &bad, 1, &peer);
    assert_true(peer.is_presented);
    assert_false(peer.is_verified_any);
    assert_string_equal(peer.reason[0], "client certificate does not parse");
    assert_string_equal(peer.reason[1], "client certificate does not parse");
    assert_string_equal(peer.cn, "");
    wss_http_tls_free(t);
}

/* The layout the kubelet makes for a mounted secret: name -> ..data/name, ..data -> a dated dir. */
static void stamp_sees_symlink_swap_rewrite_and_removal(void **state)
{
    (void)state;
    assert_int_equal(http_pki_sh(pki, "rm -rf live && mkdir -p live/g1 live/g2 && "
                                      "cp server-1.crt live/g1/tls.crt && "
                                      "cp server-1.key live/g1/tls.key && "
                                      "cp server-2.crt live/g2/tls.crt && "
                                      "cp server-2.key live/g2/tls.key && "
                                      "cp ca-a.crt live/g1/ca.crt && cp ca-a.crt live/g2/ca.crt && "
                                      "ln -s g1 live/..data && "
                                      "ln -s ..data/tls.crt live/tls.crt && "
                                      "ln -s ..data/tls.key live/tls.key && "
                                      "ln -s ..data/ca.crt live/ca.crt"),
                     0);
    struct wss_http_ca_bundle b = {"client", p(2, "live/ca.crt")};
    struct wss_http_tls_files f = {p(0, "live/tls.crt"), p(1, "live/tls.key"), &b, 1};
    struct wss_http_tls_stamp s1, s2;
    wss_http_tls_stamp_take(&f, &s1);
    wss_http_tls_stamp_take(&f, &s2);
    assert_int_equal(s1.nfiles, 3);
    assert_int_equal(s1.files[0].stat_errno, 0);
    assert_true(wss_http_tls_stamp_equal(&s1, &s2));

    /* atomic swap of ..data, as the kubelet does: every file changes identity at once */
    assert_int_equal(http_pki_sh(pki, "ln -s g2 live/..tmp && mv -T live/..tmp live/..data"), 0);
    wss_http_tls_stamp_take(&f, &s2);
    assert_false(wss_http_tls_stamp_equal(&s1, &s2));
    /* the same content under a new inode (ca.crt) still counts as a change */
    assert_int_not_equal(s1.files[2].ino, s2.files[2].ino);

    /* rewritten in place, with another size */
    wss_http_tls_stamp_take(&f, &s1);
    assert_int_equal(http_pki_sh(pki, "printf x >> live/g2/ca.crt"), 0);
    wss_http_tls_stamp_take(&f, &s2);
    assert_false(wss_http_tls_stamp_equal(&s1, &s2));

    /* gone: recorded with its errno, and different from present */
    wss_http_tls_stamp_take(&f, &s1);
    assert_int_equal(http_pki_sh(pki, "rm live/g2/tls.key"), 0);
    wss_http_tls_stamp_take(&f, &s2);
    assert_int_equal(s2.files[1].stat_errno, ENOENT);
    assert_false(wss_http_tls_stamp_equal(&s1, &s2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_cert_key_and_named_bundles),
        cmocka_unit_test(load_failures_name_the_file_and_the_reason),
        cmocka_unit_test(bundle_names_must_be_present_and_unique),
        cmocka_unit_test(verifies_each_bundle_separately),
        cmocka_unit_test(chains_verify_through_intermediates_within_their_validity),
        cmocka_unit_test(nothing_presented_and_garbage_chains),
        cmocka_unit_test(stamp_sees_symlink_swap_rewrite_and_removal),
    };
    return cmocka_run_group_tests(tests, make_pki, remove_pki);
}
