/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_kube_config.c: libFuzzer target for kube_config_parse (YAML or JSON kubeconfigs).
 * Does not: write files (kube_config_load_file's second half); libyaml itself is the system
 * library and not instrumented, so coverage is of our walk over its document.
 * Threads: libFuzzer's one thread. Invariants: on success a server URL that came from the input,
 * certificate and key both or neither, data or file never both, relative paths under the
 * kubeconfig's directory, no CA with insecure-skip-tls-verify; on failure a message naming the
 * file and an all-zero result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "kube_config.h"

#define FUZZ_PATH "fuzz/config"

static void check_file(const char *file)
{
    if (file == NULL)
        return;
    CHECK(file[0] != '\0');
    CHECK(file[0] == '/' || strncmp(file, "fuzz/", 5) == 0);
}

static void check_pem(const char *file, const unsigned char *data, size_t len)
{
    CHECK(file == NULL || data == NULL);
    CHECK((data == NULL) == (len == 0));
    check_file(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kube_config_doc d;
    char err[KUBE_CONFIG_ERR_LEN];
    int rc = kube_config_parse((const char *)data, size, FUZZ_PATH, &d, err, sizeof(err));
    if (rc != 0) {
        CHECK(rc == -1);
        CHECK(memchr(err, '\0', sizeof(err)) != NULL);
        CHECK(strncmp(err, FUZZ_PATH ": ", strlen(FUZZ_PATH ": ")) == 0);
        CHECK(d.server == NULL && d.ca_file == NULL && d.ca_data == NULL && d.token == NULL &&
              d.token_file == NULL && d.client_cert_file == NULL && d.client_key_data == NULL);
        return 0;
    }
    CHECK(d.server != NULL);
    size_t slen = strlen(d.server);
    CHECK(slen <= size);
    CHECK(strncmp(d.server, "https://", 8) == 0 || strncmp(d.server, "http://", 7) == 0);
    CHECK(slen <= 8 || d.server[slen - 1] != '/');
    check_pem(d.ca_file, d.ca_data, d.ca_data_len);
    check_pem(d.client_cert_file, d.client_cert_data, d.client_cert_data_len);
    check_pem(d.client_key_file, d.client_key_data, d.client_key_data_len);
    bool has_cert = d.client_cert_file != NULL || d.client_cert_data != NULL;
    bool has_key = d.client_key_file != NULL || d.client_key_data != NULL;
    CHECK(has_cert == has_key);
    CHECK(!d.insecure_skip_tls_verify || (d.ca_file == NULL && d.ca_data == NULL));
    CHECK(d.ca_data_len <= size && d.client_cert_data_len <= size && d.client_key_data_len <= size);
    check_file(d.token_file);
    CHECK(d.token == NULL || (d.token[0] != '\0' && strlen(d.token) <= size));
    kube_config_doc_clear(&d);
    CHECK(d.server == NULL);
    return 0;
}
