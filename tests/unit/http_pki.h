/* SPDX-License-Identifier: Apache-2.0 */
/* http_pki.h: a throwaway test PKI made with the openssl command for the http_tls and http_server
 * tests: CAs, serving certificates and client certificates in a fresh temporary directory.
 * Does not: reach the network or outlive the test (http_pki_remove deletes everything).
 * Threads: the test's main thread only. */
#ifndef WSSCALE_TEST_HTTP_PKI_H
#define WSSCALE_TEST_HTTP_PKI_H

#include <stddef.h>

/* Room for the directory path and for any file path inside it. */
#define HTTP_PKI_PATH_LEN 512

/* Every file made, as <name>.crt and <name>.key in the directory:
 *   ca-srv            signs the serving certificates
 *   server-1/2/3      CN=server-N, SAN IP:127.0.0.1 and DNS:localhost, serverAuth
 *   ca-a, ca-b, ca-c  client CAs ("requestheader", "client", and a rotation replacement)
 *   ca-x              a CA no test server trusts
 *   client-a          by ca-a: CN=front-proxy-client, O=system:masters, O=team-a, clientAuth
 *   client-b          by ca-b: CN=alice, O=dev, clientAuth
 *   client-c          by ca-c: CN=carol, clientAuth
 *   client-x          by ca-x: CN=mallory, clientAuth
 *   client-a-server   by ca-a: CN=not-a-client, serverAuth only
 *   client-a-any      by ca-a: CN=no-eku, no extended key usage at all (good for any purpose)
 *   int-a             by ca-a: an intermediate CA (CA:TRUE, keyCertSign)
 *   int-a-server      by ca-a: an intermediate CA restricted to serverAuth
 *   client-via-int-a  by int-a: CN=via-intermediate, clientAuth
 *   client-via-int-a-server  by int-a-server: CN=via-server-intermediate, clientAuth
 *   client-via-leaf   by client-a (not a CA): CN=via-leaf, clientAuth
 *   client-a-expired  by ca-a: CN=expired, valid only on 2020-01-01
 *   client-a-future   by ca-a: CN=future, valid only from 2040-01-01
 * Also garbage.pem: text that holds no certificate. */

/* Makes the PKI in a new directory under $TMPDIR (or /tmp) and writes its path to dir. Returns 0,
 * or -1 after printing what failed. Takes about a second (EC keys). */
int http_pki_make(char *dir, size_t cap);

/* Writes "<dir>/<name>" into out; returns out. */
const char *http_pki_path(const char *dir, const char *name, char *out, size_t cap);

/* Runs a shell command line with dir as the working directory; returns its exit status. */
int http_pki_sh(const char *dir, const char *cmd);

/* Deletes the directory and everything in it. */
void http_pki_remove(const char *dir);

#endif
