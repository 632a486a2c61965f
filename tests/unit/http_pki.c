/* SPDX-License-Identifier: Apache-2.0 */
/* http_pki.c: makes the test PKI by running openssl through /bin/sh in a temporary directory.
 * Does not: check what openssl made; the tests using the files do that.
 * Threads: the test's main thread only. */
#include "http_pki.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* One shell script: three helpers (a CA, a leaf, a leaf with given dates), then every CA and
 * leaf. EC P-256 keys keep it fast. */
static const char script[] =
    "set -e\n"
    "ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
    "-keyout \"$1.key\" -out \"$1.crt\" -days 2 -subj \"/CN=$1\" 2>/dev/null; }\n"
    "leaf() { printf \"$4\\n\" > \"$1.ext\"; "
    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
    "-keyout \"$1.key\" -out \"$1.csr\" -subj \"$3\" 2>/dev/null; "
    "openssl x509 -req -in \"$1.csr\" -CA \"$2.crt\" -CAkey \"$2.key\" -CAcreateserial "
    "-out \"$1.crt\" -days 2 -extfile \"$1.ext\" 2>/dev/null; }\n"
    "dated() { printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=%s.db\\nserial=%s.srl\\n"
    "new_certs_dir=.\\ndefault_md=sha256\\npolicy=p\\n[p]\\ncommonName=supplied\\n[x]\\n"
    "extendedKeyUsage=clientAuth\\n' \"$1\" \"$1\" > \"$1.cnf\"; : > \"$1.db\"; "
    "echo 01 > \"$1.srl\"; "
    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
    "-keyout \"$1.key\" -out \"$1.csr\" -subj \"$3\" 2>/dev/null; "
    "openssl ca -batch -config \"$1.cnf\" -cert \"$2.crt\" -keyfile \"$2.key\" -in \"$1.csr\" "
    "-out \"$1.crt\" -startdate \"$4\" -enddate \"$5\" -extensions x -notext 2>/dev/null; }\n"
    "SRV='subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth'\n"
    "CLI='extendedKeyUsage=clientAuth'\n"
    "ca ca-srv; ca ca-a; ca ca-b; ca ca-c; ca ca-x\n"
    "leaf server-1 ca-srv /CN=server-1 \"$SRV\"\n"
    "leaf server-2 ca-srv /CN=server-2 \"$SRV\"\n"
    "leaf server-3 ca-srv /CN=server-3 \"$SRV\"\n"
    "leaf client-a ca-a '/O=system:masters/O=team-a/CN=front-proxy-client' \"$CLI\"\n"
    "leaf client-b ca-b /O=dev/CN=alice \"$CLI\"\n"
    "leaf client-c ca-c /CN=carol \"$CLI\"\n"
    "leaf client-x ca-x /CN=mallory \"$CLI\"\n"
    "leaf client-a-server ca-a /CN=not-a-client 'extendedKeyUsage=serverAuth'\n"
    "leaf client-a-any ca-a /CN=no-eku 'basicConstraints=CA:FALSE'\n"
    "INT='basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign'\n"
    "leaf int-a ca-a /CN=int-a \"$INT\"\n"
    "leaf int-a-server ca-a /CN=int-a-server \"$INT\\nextendedKeyUsage=serverAuth\"\n"
    "leaf client-via-int-a int-a /CN=via-intermediate \"$CLI\"\n"
    "leaf client-via-int-a-server int-a-server /CN=via-server-intermediate \"$CLI\"\n"
    "leaf client-via-leaf client-a /CN=via-leaf \"$CLI\"\n"
    "dated client-a-expired ca-a /CN=expired 20200101000000Z 20200102000000Z\n"
    "dated client-a-future ca-a /CN=future 20400101000000Z 20400102000000Z\n"
    "printf 'this is not a certificate\\n' > garbage.pem\n";

int http_pki_sh(const char *dir, const char *cmd)
{
    size_t n = strlen(dir) + strlen(cmd) + 32;
    char *line = malloc(n);
    if (line == NULL)
        return -1;
    snprintf(line, n, "cd '%s' && %s", dir, cmd);
    int rc = system(line);
    free(line);
    return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

int http_pki_make(char *dir, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, cap, "%s/wsscale-pki.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    char path[HTTP_PKI_PATH_LEN];
    FILE *f = fopen(http_pki_path(dir, "make.sh", path, sizeof(path)), "w");
    if (f == NULL || fputs(script, f) == EOF || fclose(f) != 0) {
        perror("write make.sh");
        return -1;
    }
    if (http_pki_sh(dir, "/bin/sh ./make.sh") != 0) {
        fprintf(stderr, "making the test PKI with openssl failed in %s\n", dir);
        return -1;
    }
    return 0;
}

const char *http_pki_path(const char *dir, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    return out;
}

void http_pki_remove(const char *dir)
{
    if (dir[0] == '\0')
        return;
    char line[HTTP_PKI_PATH_LEN + 16];
    snprintf(line, sizeof(line), "rm -rf '%s'", dir);
    if (system(line) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}
