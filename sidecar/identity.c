/* SPDX-License-Identifier: Apache-2.0 */
/* identity.c: the pod's identity: names checked with lib/k8s_names, labels read with
 * lib/labels_file and kept as NUL-terminated copies for the report.
 * Does not: log or exit; every problem comes back as a message.
 * Threads: one thread at a time (main's to build, then the pusher's). */
#include "identity.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_watch.h"
#include "wsscale/k8s_names.h"
#include "wsscale/labels_file.h"

/* A UID is a UUID in practice; this bound and alphabet are all the sidecar relies on. */
#define UID_MAX_BYTES 64

/* One labels file's worth of labels, as NUL-terminated strings. */
struct label_set {
    char *strings; /* owned: "key\0value\0" for each label */
    struct report_label labels[REPORT_MAX_LABELS];
    size_t nlabels;
};

struct identity {
    char *ns;          /* owned */
    char *pod;         /* owned */
    char *uid;         /* owned */
    char *labels_file; /* owned; NULL when no labels are sent */
    struct file_watch watch;
    struct label_set set;
};

static bool is_empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static bool uid_is_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > UID_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
    }
    return true;
}

int identity_check(const struct identity_config *cfg, char *err, size_t errlen)
{
    static const struct {
        size_t offset;
        const char *env;
        const char *flag;
    } fields[] = {
        {offsetof(struct identity_config, ns), "POD_NAMESPACE", "--pod-namespace"},
        {offsetof(struct identity_config, pod), "POD_NAME", "--pod-name"},
        {offsetof(struct identity_config, uid), "POD_UID", "--pod-uid"},
    };
    char missing[256] = "";
    size_t n = 0;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = *(const char *const *)(const void *)((const char *)cfg + fields[i].offset);
        if (!is_empty(v))
            continue;
        n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s (%s)", n > 0 ? ", " : "",
                              fields[i].env, fields[i].flag);
    }
    if (n > 0) {
        snprintf(err, errlen,
                 "missing pod identity: %s; set them from the downward API (fieldRef "
                 "metadata.namespace, metadata.name, metadata.uid)",
                 missing);
        return -1;
    }
    char why[WSS_K8S_NAMES_MSG_LEN];
    char quoted[2 * WSS_K8S_NAMES_DNS_SUBDOMAIN_MAX];
    if (wss_k8s_names_check_dns_label(cfg->ns, strlen(cfg->ns), why, sizeof(why)) != 0) {
        wss_k8s_names_quote(cfg->ns, strlen(cfg->ns), quoted, sizeof(quoted));
        snprintf(err, errlen, "invalid POD_NAMESPACE %s: %s", quoted, why);
        return -1;
    }
    if (wss_k8s_names_check_dns_subdomain(cfg->pod, strlen(cfg->pod), why, sizeof(why)) != 0) {
        wss_k8s_names_quote(cfg->pod, strlen(cfg->pod), quoted, sizeof(quoted));
        snprintf(err, errlen, "invalid POD_NAME %s: %s", quoted, why);
        return -1;
    }
    if (!uid_is_valid(cfg->uid)) {
        wss_k8s_names_quote(cfg->uid, strlen(cfg->uid), quoted, sizeof(quoted));
        snprintf(err, errlen, "invalid POD_UID %s: want 1-%d letters, digits and '-' (a UUID)",
                 quoted, UID_MAX_BYTES);
        return -1;
    }
    return 0;
}

/* Reads and parses the labels file into a fresh set; the watch is updated only on success. */
static int read_labels(const char *path, struct file_watch *watch, struct label_set *out, char *err,
                       size_t errlen)
{
    struct file_watch next = *watch;
    char *data = NULL;
    size_t len = 0;
    int rc = file_watch_read(&next, path, IDENTITY_MAX_FILE_BYTES, &data, &len);
    if (rc != 0) {
        snprintf(err, errlen, "labels file %s: %s", path, strerrordesc_np(-rc));
        return -1;
    }
    struct wss_label parsed[REPORT_MAX_LABELS];
    size_t nparsed = REPORT_MAX_LABELS;
    char *unescaped = malloc(len + 1);
    struct wss_parse_err perr;
    if (unescaped == NULL) {
        snprintf(err, errlen, "labels file %s: out of memory", path);
        free(data);
        return -1;
    }
    if (wss_labels_file_parse(data, len, parsed, &nparsed, unescaped, len + 1, &perr) < 0) {
        snprintf(err, errlen, "labels file %s: %s", path, perr.msg);
        free(unescaped);
        free(data);
        return -1;
    }
    size_t total = 1;
    for (size_t i = 0; i < nparsed; i++)
        total += parsed[i].key_len + parsed[i].value_len + 2;
    memset(out, 0, sizeof(*out));
    out->strings = malloc(total);
    if (out->strings == NULL) {
        snprintf(err, errlen, "labels file %s: out of memory", path);
        free(unescaped);
        free(data);
        return -1;
    }
    char *p = out->strings;
    for (size_t i = 0; i < nparsed; i++) {
        out->labels[i].key = p;
        memcpy(p, parsed[i].key, parsed[i].key_len);
        p += parsed[i].key_len;
        *p++ = '\0';
        out->labels[i].value = p;
        if (parsed[i].value_len > 0)
            memcpy(p, parsed[i].value, parsed[i].value_len);
        p += parsed[i].value_len;
        *p++ = '\0';
    }
    out->nlabels = nparsed;
    *watch = next;
    free(unescaped);
    free(data);
    return 0;
}

struct identity *identity_new(const struct identity_config *cfg, char *err, size_t errlen)
{
    if (identity_check(cfg, err, errlen) != 0)
        return NULL;
    struct identity *id = calloc(1, sizeof(*id));
    if (id == NULL)
        goto oom;
    id->ns = strdup(cfg->ns);
    id->pod = strdup(cfg->pod);
    id->uid = strdup(cfg->uid);
    if (id->ns == NULL || id->pod == NULL || id->uid == NULL)
        goto oom;
    if (!is_empty(cfg->labels_file)) {
        id->labels_file = strdup(cfg->labels_file);
        if (id->labels_file == NULL)
            goto oom;
        if (read_labels(id->labels_file, &id->watch, &id->set, err, errlen) != 0) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n,
                     " (mount the downward-API labels there, or pass "
                     "--labels-file= to send no labels)");
            identity_free(id);
            return NULL;
        }
    }
    return id;
oom:
    snprintf(err, errlen, "identity: out of memory");
    identity_free(id);
    return NULL;
}

int identity_refresh(struct identity *id, bool *is_changed, char *err, size_t errlen)
{
    *is_changed = false;
    if (id->labels_file == NULL || !file_watch_is_changed(&id->watch, id->labels_file))
        return 0;
    struct label_set next;
    if (read_labels(id->labels_file, &id->watch, &next, err, errlen) != 0)
        return -1;
    free(id->set.strings);
    id->set = next;
    *is_changed = true;
    return 0;
}

void identity_view(const struct identity *id, struct report_identity *out)
{
    *out = (struct report_identity){.ns = id->ns,
                                    .pod = id->pod,
                                    .uid = id->uid,
                                    .labels = id->set.labels,
                                    .nlabels = id->set.nlabels};
}

void identity_free(struct identity *id)
{
    if (id == NULL)
        return;
    free(id->ns);
    free(id->pod);
    free(id->uid);
    free(id->labels_file);
    free(id->set.strings);
    free(id);
}
