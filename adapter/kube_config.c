/* SPDX-License-Identifier: Apache-2.0 */
/* kube_config.c: the current context of a kubeconfig (YAML or JSON, through libyaml's document
 * API), or the in-cluster service account, turned into a server URL and credential files.
 * Does not: talk to the API, run exec/auth-provider plugins, or merge several kubeconfigs.
 * Threads: none shared; each call works on its own document and output. */
#include "kube_config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <yaml.h>

#include "wsscale/file_read.h"

#define KUBE_CONFIG_MAX_BYTES (4 * 1024 * 1024) /* a kubeconfig larger than this is refused */
#define IN_CLUSTER_DIR        "/var/run/secrets/kubernetes.io/serviceaccount"
#define SCRATCH_TEMPLATE      "wsscale-kube.XXXXXX"
#define SCRATCH_NFTW_FDS      8 /* directory depth nftw may hold open; ours is one level */
#define FIELD_LEN             256

/* One parse: the document, where it came from, and where the message goes. */
struct walk {
    yaml_document_t *doc;
    const char *path;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct walk *w, const char *field,
                                                      const char *fmt, ...)
{
    char what[KUBE_CONFIG_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (w->errlen > 0) {
        if (field != NULL && field[0] != '\0')
            snprintf(w->err, w->errlen, "%s: %s: %s", w->path, field, what);
        else
            snprintf(w->err, w->errlen, "%s: %s", w->path, what);
    }
    return -1;
}

/* A scalar that YAML reads as null, or an empty string: kubectl treats both as not set. */
static bool is_null_scalar(const yaml_node_t *n)
{
    if (n->data.scalar.length == 0)
        return true;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    return strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

static bool is_absent(const yaml_node_t *n)
{
    return n == NULL || (n->type == YAML_SCALAR_NODE && is_null_scalar(n));
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(key) &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* The string value of key in m: *out is NULL when absent, null or empty. */
static int get_string(struct walk *w, yaml_node_t *m, const char *key, const char *field,
                      const char **out)
{
    *out = NULL;
    yaml_node_t *n = map_get(w->doc, m, key);
    if (is_absent(n))
        return 0;
    if (n->type != YAML_SCALAR_NODE)
        return fail(w, field, "not a string");
    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) != NULL)
        return fail(w, field, "contains a NUL byte");
    *out = (const char *)n->data.scalar.value;
    return 0;
}

static int get_bool(struct walk *w, yaml_node_t *m, const char *key, const char *field, bool *out)
{
    *out = false;
    yaml_node_t *n = map_get(w->doc, m, key);
    if (is_absent(n))
        return 0;
    const char *v = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
        *out = true;
    else if (!(strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0))
        return fail(w, field, "not true or false");
    return 0;
}

/* The mapping under `inner` of the entry named name in list `list` of the root (kubectl's
 * clusters / contexts / users shape). *out NULL when there is no such entry. */
static int find_named(struct walk *w, yaml_node_t *root, const char *list, const char *name,
                      const char *inner, yaml_node_t **out)
{
    char field[FIELD_LEN];
    *out = NULL;
    yaml_node_t *l = map_get(w->doc, root, list);
    if (is_absent(l))
        return 0;
    if (l->type != YAML_SEQUENCE_NODE)
        return fail(w, list, "not a list");
    size_t i = 0;
    for (yaml_node_item_t *it = l->data.sequence.items.start; it < l->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *entry = yaml_document_get_node(w->doc, *it);
        snprintf(field, sizeof(field), "%s[%zu]", list, i);
        if (entry == NULL || entry->type != YAML_MAPPING_NODE)
            return fail(w, field, "not a mapping");
        const char *n;
        snprintf(field, sizeof(field), "%s[%zu].name", list, i);
        if (get_string(w, entry, "name", field, &n) != 0)
            return -1;
        if (n == NULL || strcmp(n, name) != 0)
            continue;
        yaml_node_t *v = map_get(w->doc, entry, inner);
        snprintf(field, sizeof(field), "%s[\"%s\"].%s", list, name, inner);
        if (is_absent(v))
            return fail(w, field, "not set");
        if (v->type != YAML_MAPPING_NODE)
            return fail(w, field, "not a mapping");
        *out = v;
        return 0;
    }
    return 0;
}

static int dup_to(struct walk *w, const char *s, char **out)
{
    if (s == NULL)
        return 0;
    *out = strdup(s);
    return *out == NULL ? fail(w, NULL, "out of memory") : 0;
}

/* A file named in the kubeconfig: relative to the kubeconfig's own directory, as kubectl reads. */
static int dup_path(struct walk *w, const char *file, char **out)
{
    if (file == NULL)
        return 0;
    const char *slash = strrchr(w->path, '/');
    if (file[0] == '/' || slash == NULL)
        return dup_to(w, file, out);
    int dirlen = (int)(slash - w->path);
    size_t n = (size_t)dirlen + 1 + strlen(file) + 1;
    *out = malloc(n);
    if (*out == NULL)
        return fail(w, NULL, "out of memory");
    snprintf(*out, n, "%.*s/%s", dirlen, w->path, file);
    return 0;
}

static int decode_base64(struct walk *w, const char *text, const char *field, unsigned char **out,
                         size_t *outlen)
{
    if (text == NULL)
        return 0;
    size_t len = strlen(text);
    unsigned char *buf = malloc(BASE64_DECODE_LENGTH(len) + 1);
    if (buf == NULL)
        return fail(w, NULL, "out of memory");
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t n = BASE64_DECODE_LENGTH(len) + 1;
    if (!base64_decode_update(&ctx, &n, buf, len, text) || !base64_decode_final(&ctx)) {
        free(buf);
        return fail(w, field, "not valid base64");
    }
    if (n == 0) {
        free(buf);
        return fail(w, field, "empty after base64 decoding");
    }
    *out = buf;
    *outlen = n;
    return 0;
}

static int parse_cluster(struct walk *w, yaml_node_t *cluster, const char *name,
                         struct kube_config_doc *out)
{
    char field[FIELD_LEN];
    const char *server, *ca, *ca_data;
    snprintf(field, sizeof(field), "clusters[\"%s\"].cluster.server", name);
    if (get_string(w, cluster, "server", field, &server) != 0)
        return -1;
    if (server == NULL)
        return fail(w, field, "not set");
    size_t slen = strlen(server);
    if (!(strncmp(server, "https://", 8) == 0 && slen > 8) &&
        !(strncmp(server, "http://", 7) == 0 && slen > 7))
        return fail(w, field, "\"%s\" is not an http:// or https:// URL", server);
    if (dup_to(w, server, &out->server) != 0)
        return -1;
    while (slen > 8 && out->server[slen - 1] == '/')
        out->server[--slen] = '\0';

    snprintf(field, sizeof(field), "clusters[\"%s\"].cluster.certificate-authority", name);
    if (get_string(w, cluster, "certificate-authority", field, &ca) != 0)
        return -1;
    snprintf(field, sizeof(field), "clusters[\"%s\"].cluster.certificate-authority-data", name);
    if (get_string(w, cluster, "certificate-authority-data", field, &ca_data) != 0)
        return -1;
    if (decode_base64(w, ca_data, field, &out->ca_data, &out->ca_data_len) != 0)
        return -1;
    if (ca_data == NULL && dup_path(w, ca, &out->ca_file) != 0)
        return -1;
    snprintf(field, sizeof(field), "clusters[\"%s\"].cluster.insecure-skip-tls-verify", name);
    if (get_bool(w, cluster, "insecure-skip-tls-verify", field, &out->insecure_skip_tls_verify) !=
        0)
        return -1;
    if (out->insecure_skip_tls_verify && (ca != NULL || ca_data != NULL))
        return fail(w, field,
                    "a certificate authority may not be given with "
                    "insecure-skip-tls-verify");
    return 0;
}

/* The user's key pair: the *-data field wins over the file field, as in client-go. */
static int parse_user_pem(struct walk *w, yaml_node_t *user, const char *name, const char *key,
                          char **file_out, unsigned char **data_out, size_t *data_len)
{
    char field[FIELD_LEN], data_key[64];
    const char *file, *data;
    snprintf(field, sizeof(field), "users[\"%s\"].user.%s", name, key);
    if (get_string(w, user, key, field, &file) != 0)
        return -1;
    snprintf(data_key, sizeof(data_key), "%s-data", key);
    snprintf(field, sizeof(field), "users[\"%s\"].user.%s", name, data_key);
    if (get_string(w, user, data_key, field, &data) != 0)
        return -1;
    if (decode_base64(w, data, field, data_out, data_len) != 0)
        return -1;
    return data == NULL ? dup_path(w, file, file_out) : 0;
}

static int parse_user(struct walk *w, yaml_node_t *user, const char *name,
                      struct kube_config_doc *out)
{
    char field[FIELD_LEN];
    static const char *const plugins[][2] = {
        {"exec", "exec credential plugins are not supported"},
        {"auth-provider", "auth-provider plugins are not supported"},
        {"username", "basic authentication is not supported"},
        {"password", "basic authentication is not supported"},
    };
    for (size_t i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++) {
        if (!is_absent(map_get(w->doc, user, plugins[i][0]))) {
            snprintf(field, sizeof(field), "users[\"%s\"].user.%s", name, plugins[i][0]);
            return fail(w, field, "%s", plugins[i][1]);
        }
    }
    if (parse_user_pem(w, user, name, "client-certificate", &out->client_cert_file,
                       &out->client_cert_data, &out->client_cert_data_len) != 0 ||
        parse_user_pem(w, user, name, "client-key", &out->client_key_file, &out->client_key_data,
                       &out->client_key_data_len) != 0)
        return -1;
    bool has_cert = out->client_cert_file != NULL || out->client_cert_data != NULL;
    bool has_key = out->client_key_file != NULL || out->client_key_data != NULL;
    snprintf(field, sizeof(field), "users[\"%s\"].user", name);
    if (has_cert && !has_key)
        return fail(w, field, "client-certificate given without client-key");
    if (has_key && !has_cert)
        return fail(w, field, "client-key given without client-certificate");

    const char *token, *token_file;
    snprintf(field, sizeof(field), "users[\"%s\"].user.token", name);
    if (get_string(w, user, "token", field, &token) != 0 || dup_to(w, token, &out->token) != 0)
        return -1;
    snprintf(field, sizeof(field), "users[\"%s\"].user.tokenFile", name);
    if (get_string(w, user, "tokenFile", field, &token_file) != 0 ||
        dup_path(w, token_file, &out->token_file) != 0)
        return -1;
    return 0;
}

static int parse_root(struct walk *w, yaml_node_t *root, struct kube_config_doc *out)
{
    char field[FIELD_LEN];
    if (root == NULL)
        return fail(w, NULL, "empty document");
    if (root->type != YAML_MAPPING_NODE)
        return fail(w, NULL, "not a kubeconfig: the top level is not a mapping");
    const char *current, *cluster_name, *user_name;
    if (get_string(w, root, "current-context", "current-context", &current) != 0)
        return -1;
    if (current == NULL)
        return fail(w, "current-context", "not set");
    yaml_node_t *ctx, *cluster, *user = NULL;
    if (find_named(w, root, "contexts", current, "context", &ctx) != 0)
        return -1;
    if (ctx == NULL)
        return fail(w, "current-context", "no context named \"%s\" in contexts", current);
    snprintf(field, sizeof(field), "contexts[\"%s\"].context.cluster", current);
    if (get_string(w, ctx, "cluster", field, &cluster_name) != 0)
        return -1;
    if (cluster_name == NULL)
        return fail(w, field, "not set");
    if (find_named(w, root, "clusters", cluster_name, "cluster", &cluster) != 0)
        return -1;
    if (cluster == NULL)
        return fail(w, field, "no cluster named \"%s\" in clusters", cluster_name);
    if (parse_cluster(w, cluster, cluster_name, out) != 0)
        return -1;
    snprintf(field, sizeof(field), "contexts[\"%s\"].context.user", current);
    if (get_string(w, ctx, "user", field, &user_name) != 0)
        return -1;
    if (user_name != NULL) {
        if (find_named(w, root, "users", user_name, "user", &user) != 0)
            return -1;
        if (user == NULL)
            return fail(w, field, "no user named \"%s\" in users", user_name);
    }
    return user != NULL ? parse_user(w, user, user_name, out) : 0;
}

int kube_config_parse(const char *text, size_t len, const char *path, struct kube_config_doc *out,
                      char *err, size_t errlen)
{
    struct walk w = {.path = path, .err = err, .errlen = errlen};
    *out = (struct kube_config_doc){0};
    if (errlen > 0)
        err[0] = '\0';
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return fail(&w, NULL, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = fail(&w, NULL, "not YAML or JSON: %s at line %zu column %zu",
                      parser.problem != NULL ? parser.problem : "parse error",
                      parser.problem_mark.line + 1, parser.problem_mark.column + 1);
        yaml_parser_delete(&parser);
        return rc;
    }
    w.doc = &doc;
    int rc = parse_root(&w, yaml_document_get_root_node(&doc), out);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != 0)
        kube_config_doc_clear(out);
    return rc;
}

void kube_config_doc_clear(struct kube_config_doc *d)
{
    free(d->server);
    free(d->ca_file);
    free(d->ca_data);
    free(d->client_cert_file);
    free(d->client_cert_data);
    free(d->client_key_file);
    free(d->client_key_data);
    free(d->token);
    free(d->token_file);
    *d = (struct kube_config_doc){0};
}

static int write_scratch(const char *dir, const char *name, const unsigned char *data, size_t len,
                         char **out, char *err, size_t errlen)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(n);
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(path, n, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t done = 0;
    while (fd >= 0 && done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int saved = errno;
    if (fd < 0 || done < len || close(fd) != 0) {
        snprintf(err, errlen, "write %s: %s", path, strerror(fd < 0 || done < len ? saved : errno));
        free(path);
        return -1;
    }
    *out = path;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void kube_config_remove_scratch(const char *dir)
{
    if (dir != NULL)
        nftw(dir, remove_entry, SCRATCH_NFTW_FDS, FTW_DEPTH | FTW_PHYS);
}

static int materialise(const char *path, struct kube_config_doc *d, struct kube_config *out,
                       char *err, size_t errlen)
{
    out->server = d->server;
    out->ca_file = d->ca_file;
    out->client_cert_file = d->client_cert_file;
    out->client_key_file = d->client_key_file;
    out->token = d->token;
    out->token_file = d->token_file;
    out->insecure_skip_tls_verify = d->insecure_skip_tls_verify;
    d->server = d->ca_file = d->client_cert_file = d->client_key_file = NULL;
    d->token = d->token_file = NULL;
    if (d->ca_data == NULL && d->client_cert_data == NULL && d->client_key_data == NULL)
        return 0;

    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    size_t n = strlen(tmp) + 1 + sizeof(SCRATCH_TEMPLATE);
    out->scratch_dir = malloc(n);
    if (out->scratch_dir == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(out->scratch_dir, n, "%s/%s", tmp, SCRATCH_TEMPLATE);
    if (mkdtemp(out->scratch_dir) == NULL) {
        snprintf(err, errlen, "%s: cannot make a directory for inline certificates: %s: %s", path,
                 out->scratch_dir, strerror(errno));
        free(out->scratch_dir);
        out->scratch_dir = NULL;
        return -1;
    }
    char why[KUBE_CONFIG_ERR_LEN];
    if ((d->ca_data != NULL && write_scratch(out->scratch_dir, "ca.crt", d->ca_data, d->ca_data_len,
                                             &out->ca_file, why, sizeof(why)) != 0) ||
        (d->client_cert_data != NULL &&
         write_scratch(out->scratch_dir, "client.crt", d->client_cert_data, d->client_cert_data_len,
                       &out->client_cert_file, why, sizeof(why)) != 0) ||
        (d->client_key_data != NULL &&
         write_scratch(out->scratch_dir, "client.key", d->client_key_data, d->client_key_data_len,
                       &out->client_key_file, why, sizeof(why)) != 0)) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

int kube_config_load_file(const char *path, struct kube_config *out, char *err, size_t errlen)
{
    *out = (struct kube_config){0};
    char *text = NULL;
    size_t len = 0;
    if (wss_file_read(path, KUBE_CONFIG_MAX_BYTES, &text, &len, NULL, err, errlen) != 0)
        return -1;
    struct kube_config_doc doc;
    int rc = kube_config_parse(text, len, path, &doc, err, errlen);
    free(text);
    if (rc != 0)
        return -1;
    rc = materialise(path, &doc, out, err, errlen);
    kube_config_doc_clear(&doc);
    if (rc != 0)
        kube_config_clear(out);
    return rc;
}

int kube_config_in_cluster(const char *dir, struct kube_config *out, char *err, size_t errlen)
{
    *out = (struct kube_config){0};
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0') {
        snprintf(err, errlen,
                 "not in a cluster: KUBERNETES_SERVICE_HOST and "
                 "KUBERNETES_SERVICE_PORT must be set");
        return -1;
    }
    if (dir == NULL)
        dir = IN_CLUSTER_DIR;
    bool is_v6 = strchr(host, ':') != NULL;
    size_t n = strlen("https://[]:") + strlen(host) + strlen(port) + 1;
    size_t fn = strlen(dir) + strlen("/ca.crt") + 1;
    out->server = malloc(n);
    out->token_file = malloc(fn);
    out->ca_file = malloc(fn);
    if (out->server == NULL || out->token_file == NULL || out->ca_file == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(out->server, n, is_v6 ? "https://[%s]:%s" : "https://%s:%s", host, port);
    snprintf(out->token_file, fn, "%s/token", dir);
    snprintf(out->ca_file, fn, "%s/ca.crt", dir);
    if (access(out->token_file, R_OK) != 0) {
        snprintf(err, errlen, "in-cluster service account token %s: %s", out->token_file,
                 strerror(errno));
        goto fail;
    }
    if (access(out->ca_file, R_OK) != 0) {
        snprintf(err, errlen, "in-cluster service account CA %s: %s", out->ca_file,
                 strerror(errno));
        goto fail;
    }
    return 0;
fail:
    kube_config_clear(out);
    return -1;
}

void kube_config_clear(struct kube_config *c)
{
    free(c->server);
    free(c->ca_file);
    free(c->client_cert_file);
    free(c->client_key_file);
    free(c->token);
    free(c->token_file);
    kube_config_remove_scratch(c->scratch_dir);
    free(c->scratch_dir);
    *c = (struct kube_config){0};
}
