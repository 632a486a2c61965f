/* SPDX-License-Identifier: Apache-2.0 */
/* pki.c: three openssl runs (CA, client key and request, signature) with their output in
 * dir/openssl.log.
 * Does not: parse certificates or keep keys in memory.
 * Threads: main's thread only. */
#include "pki.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "proc.h"

/* Days the certificates are valid: a demo run takes minutes. */
#define DAYS "2"

/* Runs argv, waiting at most timeout_ms; 0 when it exited 0. */
static int run(char *const argv[], const char *log, int64_t timeout_ms)
{
    pid_t pid = proc_spawn(argv, NULL, log, NULL);
    if (pid < 0)
        return -1;
    int status = 0;
    if (proc_wait(pid, timeout_ms, &status) == 0) {
        proc_stop(pid, 0);
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int pki_make(struct pki *p, const char *openssl_bin, const char *dir, int64_t timeout_ms, char *err,
             size_t errlen)
{
    char ca_key[PKI_PATH_LEN], csr[PKI_PATH_LEN], ext[PKI_PATH_LEN], log[PKI_PATH_LEN];
    snprintf(p->ca_crt, sizeof(p->ca_crt), "%.400s/client-ca.crt", dir);
    snprintf(ca_key, sizeof(ca_key), "%.400s/client-ca.key", dir);
    snprintf(p->client_crt, sizeof(p->client_crt), "%.400s/client.crt", dir);
    snprintf(p->client_key, sizeof(p->client_key), "%.400s/client.key", dir);
    snprintf(csr, sizeof(csr), "%.400s/client.csr", dir);
    snprintf(ext, sizeof(ext), "%.400s/client.ext", dir);
    snprintf(log, sizeof(log), "%.400s/openssl.log", dir);
    FILE *f = fopen(ext, "w");
    if (f == NULL || fputs("extendedKeyUsage=clientAuth\n", f) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "%s: cannot write", ext);
        return -1;
    }
    char *bin = (char *)openssl_bin;
    char *ca[] = {bin,
                  "req",
                  "-x509",
                  "-newkey",
                  "ec",
                  "-pkeyopt",
                  "ec_paramgen_curve:P-256",
                  "-nodes",
                  "-keyout",
                  ca_key,
                  "-out",
                  p->ca_crt,
                  "-days",
                  DAYS,
                  "-subj",
                  "/CN=wsscale-demo-client-ca",
                  NULL};
    char *req[] = {bin,
                   "req",
                   "-newkey",
                   "ec",
                   "-pkeyopt",
                   "ec_paramgen_curve:P-256",
                   "-nodes",
                   "-keyout",
                   p->client_key,
                   "-out",
                   csr,
                   "-subj",
                   "/O=system:masters/CN=demo-user",
                   NULL};
    char *sign[] = {bin,    "x509",        "-req",   "-in",  csr,
                    "-CA",  p->ca_crt,     "-CAkey", ca_key, "-CAcreateserial",
                    "-out", p->client_crt, "-days",  DAYS,   "-extfile",
                    ext,    NULL};
    if (run(ca, log, timeout_ms) != 0 || run(req, log, timeout_ms) != 0 ||
        run(sign, log, timeout_ms) != 0) {
        snprintf(err, errlen, "openssl failed (see %s)", log);
        return -1;
    }
    return 0;
}
