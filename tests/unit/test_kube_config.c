/* SPDX-License-Identifier: Apache-2.0 */
/* test_kube_config.c: kubeconfigs as kubectl, kind and kubeadm write them (inline data, relative
 * paths, JSON), every refusal with its exact message, and the in-cluster config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kube_config.h"

#define PATH_LEN 512

/* base64 of "CA PEM\n", "CERT PEM\n", "KEY PEM\n" */
#define CA_B64   "Q0EgUEVNCg=="
#define CERT_B64 "Q0VSVCBQRU0K"
#define KEY_B64  "S0VZIFBFTQo="

static char dir[PATH_LEN];
static char path[PATH_LEN + 32];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "%s/kube-config.XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/config", dir);
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[PATH_LEN + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_config(const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

static void assert_file_holds(const char *file, const char *want)
{
    char buf[256];
    FILE *fp = fopen(file, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_string_equal(buf, want);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void in_dir(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void kind_style_inline_data_is_written_to_private_files(void **state)
{
    (void)state;
    write_config("apiVersion: v1\n"
                 "clusters:\n"
                 "- cluster:\n"
                 "    certificate-authority-data: " CA_B64 "\n"
                 "    server: https://127.0.0.1:36443/\n"
                 "  name: kind-kind\n"
                 "contexts:\n"
                 "- context:\n"
                 "    cluster: kind-kind\n"
                 "    user: kind-kind\n"
                 "  name: kind-kind\n"
                 "current-context: kind-kind\n"
                 "kind: Config\n"
                 "preferences: {}\n"
                 "users:\n"
                 "- name: kind-kind\n"
                 "  user:\n"
                 "    client-certificate-data: " CERT_B64 "\n"
                 "    client-key-data: " KEY_B64 "\n");
    struct kube_config c;
    char err[KUBE_CONFIG_ERR_LEN] = "";
    assert_int_equal(kube_config_load_file(path, &c, err, sizeof(err)), 0);
    assert_string_equal(c.server, "https://127.0.0.1:36443");
    assert_non_null(c.scratch_dir);
    assert_file_holds(c.ca_file, "CA PEM\n");
    assert_file_holds(c.client_cert_file, "CERT PEM\n");
    assert_file_holds(c.client_key_file, "KEY PEM\n");
    assert_memory_equal(c.ca_file, c.scratch_dir, strlen(c.scratch_dir));
    assert_null(c.token);
    assert_null(c.token_file);
    assert_false(c.insecure_skip_tls_verify);
    char scratch[PATH_LEN];
    snprintf(scratch, sizeof(scratch), "%s", c.scratch_dir);
    kube_config_clear(&c);
    assert_int_equal(access(scratch, F_OK), -1);
    assert_null(c.server);
}

static void relative_paths_are_relative_to_the_kubeconfig(void **state)
{
    (void)state;
    write_config(
        "apiVersion: v1\nkind: Config\ncurrent-context: admin@k\n"
        "clusters: [{name: k, cluster: {server: 'https://[::1]:6443', "
        "certificate-authority: pki/ca.crt}}]\n"
        "users:\n"
        "- name: other\n  user: {token: not-this-one}\n"
        "- name: admin\n"
        "  user:\n"
        "    client-certificate: /etc/kubernetes/pki/admin.crt\n"
        "    client-key: admin.key\n"
        "    tokenFile: ./token\n"
        "contexts:\n- name: admin@k\n  context: {cluster: k, user: admin, namespace: x}\n");
    struct kube_config c;
    char err[KUBE_CONFIG_ERR_LEN] = "", want[PATH_LEN + 64];
    assert_int_equal(kube_config_load_file(path, &c, err, sizeof(err)), 0);
    assert_string_equal(c.server, "https://[::1]:6443");
    in_dir("pki/ca.crt", want, sizeof(want));
    assert_string_equal(c.ca_file, want);
    assert_string_equal(c.client_cert_file, "/etc/kubernetes/pki/admin.crt");
    in_dir("admin.key", want, sizeof(want));
    assert_string_equal(c.client_key_file, want);
    in_dir("./token", want, sizeof(want));
    assert_string_equal(c.token_file, want);
    assert_null(c.token);
    assert_null(c.scratch_dir);
    kube_config_clear(&c);
}

static void json_kubeconfig_reads_like_yaml(void **state)
{
    (void)state;
    write_config("{\n"
                 "    \"kind\": \"Config\",\n"
                 "    \"apiVersion\": \"v1\",\n"
                 "    \"preferences\": {},\n"
                 "    \"clusters\": [\n"
                 "        {\n"
                 "            \"name\": \"prod\",\n"
                 "            \"cluster\": {\n"
                 "                \"server\": \"https://api.example.test\",\n"
                 "                \"insecure-skip-tls-verify\": true\n"
                 "            }\n"
                 "        }\n"
                 "    ],\n"
                 "    \"users\": [{\"name\": \"bot\", \"user\": {\"token\": \"abc.def\"}}],\n"
                 "    \"contexts\": [{\"name\": \"p\", \"context\": {\"cluster\": \"prod\", "
                 "\"user\": \"bot\"}}],\n"
                 "    \"current-context\": \"p\"\n"
                 "}\n");
    struct kube_config c;
    char err[KUBE_CONFIG_ERR_LEN] = "";
    assert_int_equal(kube_config_load_file(path, &c, err, sizeof(err)), 0);
    assert_string_equal(c.server, "https://api.example.test");
    assert_true(c.insecure_skip_tls_verify);
    assert_string_equal(c.token, "abc.def");
    assert_null(c.ca_file);
    assert_null(c.client_cert_file);
    kube_config_clear(&c);
}

static void data_fields_win_over_file_fields_and_empty_means_unset(void **state)
{
    (void)state;
    write_config("current-context: c\n"
                 "clusters: [{name: k, cluster: {server: http://127.0.0.1:8080, "
                 "certificate-authority: ca.crt, certificate-authority-data: " CA_B64 "}}]\n"
                 "users: [{name: u, user: {token: '', tokenFile: ~}}]\n"
                 "contexts: [{name: c, context: {cluster: k, user: u}}]\n");
    struct kube_config c;
    char err[KUBE_CONFIG_ERR_LEN] = "";
    assert_int_equal(kube_config_load_file(path, &c, err, sizeof(err)), 0);
    assert_string_equal(c.server, "http://127.0.0.1:8080");
    assert_file_holds(c.ca_file, "CA PEM\n");
    assert_null(c.token);
    assert_null(c.token_file);
    kube_config_clear(&c);

    /* a context without a user has no credentials */
    write_config("current-context: c\n"
                 "clusters: [{name: k, cluster: {server: https://h:1}}]\n"
                 "contexts: [{name: c, context: {cluster: k}}]\n");
    assert_int_equal(kube_config_load_file(path, &c, err, sizeof(err)), 0);
    assert_null(c.client_cert_file);
    assert_null(c.token);
    kube_config_clear(&c);
}

/* Each bad kubeconfig and the message after "<path>: ". */
struct bad_case {
    const char *text;
    const char *want;
};

#define GOOD_CLUSTER "clusters: [{name: k, cluster: {server: https://h:6443}}]\n"
#define GOOD_CONTEXT "contexts: [{name: c, context: {cluster: k, user: u}}]\ncurrent-context: c\n"

static const struct bad_case bad_cases[] = {
    {"", "empty document"},
    {"- a\n- b\n", "not a kubeconfig: the top level is not a mapping"},
    {"{\"clusters\": [1, 2\n",
     "not YAML or JSON: did not find expected ',' or ']' at line 2 column 1"},
    {"kind: Config\n", "current-context: not set"},
    {GOOD_CLUSTER "current-context: nope\ncontexts: [{name: c, context: {cluster: k}}]\n",
     "current-context: no context named \"nope\" in contexts"},
    {"current-context: c\ncontexts: [{name: c, context: {user: u}}]\n",
     "contexts[\"c\"].context.cluster: not set"},
    {GOOD_CLUSTER "current-context: c\ncontexts: [{name: c}]\n",
     "contexts[\"c\"].context: not set"},
    {"current-context: c\ncontexts: [{name: c, context: {cluster: k2}}]\n" GOOD_CLUSTER,
     "contexts[\"c\"].context.cluster: no cluster named \"k2\" in clusters"},
    {GOOD_CLUSTER GOOD_CONTEXT, "contexts[\"c\"].context.user: no user named \"u\" in users"},
    {GOOD_CONTEXT "clusters: {k: 1}\n", "clusters: not a list"},
    {GOOD_CONTEXT "clusters: [x]\n", "clusters[0]: not a mapping"},
    {GOOD_CONTEXT "clusters: [{name: [1], cluster: {}}]\n", "clusters[0].name: not a string"},
    {GOOD_CONTEXT "clusters: [{name: k, cluster: {insecure-skip-tls-verify: true}}]\n",
     "clusters[\"k\"].cluster.server: not set"},
    {GOOD_CONTEXT "clusters: [{name: k, cluster: {server: 127.0.0.1:6443}}]\n",
     "clusters[\"k\"].cluster.server: \"127.0.0.1:6443\" is not an http:// or https:// URL"},
    {GOOD_CONTEXT "clusters: [{name: k, cluster: {server: https://h, certificate-authority-data: "
                  "'not base64!'}}]\n",
     "clusters[\"k\"].cluster.certificate-authority-data: not valid base64"},
    {GOOD_CONTEXT "clusters: [{name: k, cluster: {server: https://h, insecure-skip-tls-verify: "
                  "maybe}}]\n",
     "clusters[\"k\"].cluster.insecure-skip-tls-verify: not true or false"},
    {GOOD_CONTEXT "clusters: [{name: k, cluster: {server: https://h, insecure-skip-tls-verify: "
                  "true, certificate-authority: ca.crt}}]\n",
     "clusters[\"k\"].cluster.insecure-skip-tls-verify: a certificate authority may not be given "
     "with insecure-skip-tls-verify"},
    {GOOD_CLUSTER GOOD_CONTEXT "users: [{name: u, user: {exec: {apiVersion: "
                               "client.authentication.k8s.io/v1, command: aws}}}]\n",
     "users[\"u\"].user.exec: exec credential plugins are not supported"},
    {GOOD_CLUSTER GOOD_CONTEXT "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n",
     "users[\"u\"].user.auth-provider: auth-provider plugins are not supported"},
    {GOOD_CLUSTER GOOD_CONTEXT "users: [{name: u, user: {username: a, password: b}}]\n",
     "users[\"u\"].user.username: basic authentication is not supported"},
    {GOOD_CLUSTER GOOD_CONTEXT "users: [{name: u, user: {client-certificate-data: " CERT_B64
                               "}}]\n",
     "users[\"u\"].user: client-certificate given without client-key"},
    {GOOD_CLUSTER GOOD_CONTEXT "users: [{name: u, user: {client-key: k.key}}]\n",
     "users[\"u\"].user: client-key given without client-certificate"},
    {GOOD_CLUSTER GOOD_CONTEXT "users: [{name: u, user: {token: {a: b}}}]\n",
     "users[\"u\"].user.token: not a string"},
};

static void bad_kubeconfigs_name_the_file_and_the_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        write_config(bad_cases[i].text);
        struct kube_config c;
        char err[KUBE_CONFIG_ERR_LEN] = "", want[KUBE_CONFIG_ERR_LEN + PATH_LEN];
        snprintf(want, sizeof(want), "%s: %s", path, bad_cases[i].want);
        assert_int_equal(kube_config_load_file(path, &c, err, sizeof(err)), -1);
        if (strcmp(err, want) != 0)
            fail_msg("case %zu: got\n  %s\nwant\n  %s", i, err, want);
        assert_null(c.server);
        assert_null(c.scratch_dir);
    }
}

static void missing_file_is_named(void **state)
{
    (void)state;
    char missing[PATH_LEN + 32], want[2 * PATH_LEN];
    in_dir("no-such-config", missing, sizeof(missing));
    struct kube_config c;
    char err[KUBE_CONFIG_ERR_LEN] = "";
    assert_int_equal(kube_config_load_file(missing, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: No such file or directory", missing);
    assert_string_equal(err, want);
}

/* The parsing half takes a buffer and touches no file: the fuzzer's entry point. */
static void parse_keeps_inline_data_in_memory(void **state)
{
    (void)state;
    static const char text[] = "current-context: c\n" GOOD_CLUSTER
                               "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
                               "users: [{name: u, user: {client-certificate-data: " CERT_B64
                               ", client-key-data: " KEY_B64 "}}]\n";
    struct kube_config_doc d;
    char err[KUBE_CONFIG_ERR_LEN] = "";
    assert_int_equal(kube_config_parse(text, sizeof(text) - 1, "mem/config", &d, err, sizeof(err)),
                     0);
    assert_int_equal(d.client_cert_data_len, 9);
    assert_memory_equal(d.client_cert_data, "CERT PEM\n", 9);
    assert_memory_equal(d.client_key_data, "KEY PEM\n", 8);
    assert_null(d.client_cert_file);
    kube_config_doc_clear(&d);
    assert_null(d.server);
}

static void in_cluster_config_uses_the_service_env_and_account_files(void **state)
{
    (void)state;
    char sa[PATH_LEN + 32], file[PATH_LEN + 64], want[2 * PATH_LEN];
    in_dir("sa", sa, sizeof(sa));
    assert_int_equal(mkdir(sa, 0700), 0);
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    struct kube_config c;
    char err[KUBE_CONFIG_ERR_LEN] = "";

    assert_int_equal(kube_config_in_cluster(sa, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "in-cluster service account token %s/token: No such file or "
             "directory",
             sa);
    assert_string_equal(err, want);

    snprintf(file, sizeof(file), "%s/token", sa);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(kube_config_in_cluster(sa, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "in-cluster service account CA %s/ca.crt: No such file or "
             "directory",
             sa);
    assert_string_equal(err, want);

    snprintf(file, sizeof(file), "%s/ca.crt", sa);
    fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(kube_config_in_cluster(sa, &c, err, sizeof(err)), 0);
    assert_string_equal(c.server, "https://10.96.0.1:443");
    assert_string_equal(c.ca_file, file);
    snprintf(want, sizeof(want), "%s/token", sa);
    assert_string_equal(c.token_file, want);
    assert_null(c.token);
    kube_config_clear(&c);

    setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
    assert_int_equal(kube_config_in_cluster(sa, &c, err, sizeof(err)), 0);
    assert_string_equal(c.server, "https://[fd00:10:96::1]:443");
    kube_config_clear(&c);

    unsetenv("KUBERNETES_SERVICE_PORT");
    assert_int_equal(kube_config_in_cluster(sa, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "not in a cluster: KUBERNETES_SERVICE_HOST and "
                             "KUBERNETES_SERVICE_PORT must be set");
    unsetenv("KUBERNETES_SERVICE_HOST");
}

static void clear_accepts_an_all_zero_config(void **state)
{
    (void)state;
    struct kube_config c = {0};
    kube_config_clear(&c);
    struct kube_config_doc d = {0};
    kube_config_doc_clear(&d);
    assert_null(c.server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kind_style_inline_data_is_written_to_private_files),
        cmocka_unit_test(relative_paths_are_relative_to_the_kubeconfig),
        cmocka_unit_test(json_kubeconfig_reads_like_yaml),
        cmocka_unit_test(data_fields_win_over_file_fields_and_empty_means_unset),
        cmocka_unit_test(bad_kubeconfigs_name_the_file_and_the_field),
        cmocka_unit_test(missing_file_is_named),
        cmocka_unit_test(parse_keeps_inline_data_in_memory),
        cmocka_unit_test(in_cluster_config_uses_the_service_env_and_account_files),
        cmocka_unit_test(clear_accepts_an_all_zero_config),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
