/* SPDX-License-Identifier: Apache-2.0 */
/* test_identity.c: the pod identity: missing and invalid names with the exact messages, the
 * labels file read, refused (missing, malformed) and re-read when the kubelet replaces it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "identity.h"

#define UID "0b5a2c1e-8f8e-4d55-9c3a-7e2f6d1b9a10"

static void missing_or_invalid_names_are_named(void **state)
{
    (void)state;
    static const struct {
        struct identity_config cfg;
        const char *msg; /* NULL: valid */
    } cases[] = {
        {{"default", "chat-1", UID, NULL}, NULL},
        {{"kube-system", "a.b-c", "x", NULL}, NULL},
        {{NULL, NULL, NULL, NULL},
         "missing pod identity: POD_NAMESPACE (--pod-namespace), POD_NAME (--pod-name), POD_UID "
         "(--pod-uid); set them from the downward API (fieldRef metadata.namespace, "
         "metadata.name, metadata.uid)"},
        {{"default", "", UID, NULL},
         "missing pod identity: POD_NAME (--pod-name); set them from the downward API (fieldRef "
         "metadata.namespace, metadata.name, metadata.uid)"},
        {{"Default", "chat-1", UID, NULL},
         "invalid POD_NAMESPACE \"Default\": a lowercase RFC 1123 label must consist of lower "
         "case alphanumeric characters or '-', and must start and end with an alphanumeric "
         "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
        {{"default", "chat_1", UID, NULL}, "invalid POD_NAME \"chat_1\": "},
        {{"default", "chat-1", "0b5a 2c1e", NULL},
         "invalid POD_UID \"0b5a 2c1e\": want 1-64 letters, digits and '-' (a UUID)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[IDENTITY_ERR_LEN] = "";
        int rc = identity_check(&cases[i].cfg, err, sizeof(err));
        if (cases[i].msg == NULL) {
            if (rc != 0)
                fail_msg("case %zu: %s", i, err);
            continue;
        }
        assert_int_equal(rc, -1);
        if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: \"%s\"", i, err);
        assert_null(strchr(err, '\n'));
    }
}

struct dir {
    char path[256];
    char file[300];
};

static void make_dir(struct dir *d)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(d->path, sizeof(d->path), "%s/test_identity.XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(d->path));
    snprintf(d->file, sizeof(d->file), "%s/labels", d->path);
}

/* Writes text as the kubelet does: to a new file renamed into place. */
static void write_labels(const struct dir *d, const char *text)
{
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s.new", d->file);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(rename(tmp, d->file), 0);
}

static void remove_dir(const struct dir *d)
{
    unlink(d->file);
    rmdir(d->path);
}

static void labels_are_read_and_reread_when_replaced(void **state)
{
    (void)state;
    struct dir d;
    make_dir(&d);
    write_labels(&d, "app=\"chat\"\npod-template-hash=\"7d9f\"\ntier=\"web \\\"a\\\"\"");
    struct identity_config cfg = {"default", "chat-1", UID, d.file};
    char err[IDENTITY_ERR_LEN];
    struct identity *id = identity_new(&cfg, err, sizeof(err));
    assert_non_null(id);
    struct report_identity v;
    identity_view(id, &v);
    assert_string_equal(v.ns, "default");
    assert_string_equal(v.pod, "chat-1");
    assert_string_equal(v.uid, UID);
    assert_int_equal(v.nlabels, 3);
    assert_string_equal(v.labels[0].key, "app");
    assert_string_equal(v.labels[0].value, "chat");
    assert_string_equal(v.labels[2].key, "tier");
    assert_string_equal(v.labels[2].value, "web \"a\"");

    bool is_changed = true;
    assert_int_equal(identity_refresh(id, &is_changed, err, sizeof(err)), 0);
    assert_false(is_changed);

    write_labels(&d, "app=\"chat\"\nversion=\"2\"\n");
    assert_int_equal(identity_refresh(id, &is_changed, err, sizeof(err)), 0);
    assert_true(is_changed);
    identity_view(id, &v);
    assert_int_equal(v.nlabels, 2);
    assert_string_equal(v.labels[1].key, "version");
    assert_string_equal(v.labels[1].value, "2");

    /* A broken rewrite keeps the labels last read. */
    write_labels(&d, "app=chat\n");
    assert_int_equal(identity_refresh(id, &is_changed, err, sizeof(err)), -1);
    assert_false(is_changed);
    assert_non_null(strstr(err, "labels file "));
    assert_non_null(strstr(err, ": line 1: "));
    unlink(d.file);
    assert_int_equal(identity_refresh(id, &is_changed, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ": No such file or directory"));
    identity_view(id, &v);
    assert_int_equal(v.nlabels, 2);
    assert_string_equal(v.labels[0].value, "chat");

    identity_free(id);
    remove_dir(&d);
}

static void missing_labels_file_at_start_is_an_error_naming_it(void **state)
{
    (void)state;
    struct dir d;
    make_dir(&d);
    struct identity_config cfg = {"default", "chat-1", UID, d.file};
    char err[IDENTITY_ERR_LEN], want[IDENTITY_ERR_LEN];
    assert_null(identity_new(&cfg, err, sizeof(err)));
    snprintf(want, sizeof(want),
             "labels file %s: No such file or directory (mount the downward-API labels there, "
             "or pass --labels-file= to send no labels)",
             d.file);
    assert_string_equal(err, want);

    write_labels(&d, "-bad=\"x\"\n");
    assert_null(identity_new(&cfg, err, sizeof(err)));
    snprintf(want, sizeof(want), "labels file %s: line 1: ", d.file);
    assert_memory_equal(err, want, strlen(want));
    remove_dir(&d);
}

static void empty_labels_file_path_sends_no_labels(void **state)
{
    (void)state;
    struct identity_config cfg = {"default", "chat-1", UID, ""};
    char err[IDENTITY_ERR_LEN];
    struct identity *id = identity_new(&cfg, err, sizeof(err));
    assert_non_null(id);
    struct report_identity v;
    identity_view(id, &v);
    assert_int_equal(v.nlabels, 0);
    bool is_changed = true;
    assert_int_equal(identity_refresh(id, &is_changed, err, sizeof(err)), 0);
    assert_false(is_changed);
    identity_free(id);
    identity_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_or_invalid_names_are_named),
        cmocka_unit_test(labels_are_read_and_reread_when_replaced),
        cmocka_unit_test(missing_labels_file_at_start_is_an_error_naming_it),
        cmocka_unit_test(empty_labels_file_path_sends_no_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
