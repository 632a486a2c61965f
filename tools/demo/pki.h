/* SPDX-License-Identifier: Apache-2.0 */
/* pki.h: the demo's client identity for kubectl: a throwaway CA and a client certificate signed by
 * it (CN demo-user, O system:masters), made with the openssl command; the adapter trusts the CA
 * through --client-ca-file, as an apiserver trusts its client CA.
 * Does not: make the adapter's serving certificate (the adapter generates its own).
 * Threads: main's thread only (it forks openssl). */
#ifndef DEMO_PKI_H
#define DEMO_PKI_H

#include <stddef.h>
#include <stdint.h>

/* Longest path kept. */
#define PKI_PATH_LEN 512

struct pki {
    char ca_crt[PKI_PATH_LEN], client_crt[PKI_PATH_LEN], client_key[PKI_PATH_LEN];
};

/* Writes dir/client-ca.{crt,key}, dir/client.{crt,key} with openssl_bin, each run bounded by
 * timeout_ms. 0, or -1 with the reason in err (errlen bytes). */
int pki_make(struct pki *p, const char *openssl_bin, const char *dir, int64_t timeout_ms, char *err,
             size_t errlen);

#endif
