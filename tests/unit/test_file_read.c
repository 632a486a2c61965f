/* SPDX-License-Identifier: Apache-2.0 */
/* test_file_read.c: whole-file reads: contents, NUL termination and fstat, empty files, the size
 * cap at and past the limit (also for a file whose size is stale), and the refusals (missing,
 * directory, FIFO) with their text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wsscale/file_read.h"

#define PATH_CAP 512
#define ERR_CAP  (PATH_CAP + 64)

struct dir {
    char path[PATH_CAP / 2];
};

static int make_dir(void **state)
{
    struct dir *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -1;
    snprintf(d->path, sizeof(d->path), "/tmp/test_file_read.XXXXXX");
    if (mkdtemp(d->path) == NULL) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static const char *const names[] = {"a.txt", "empty", "four", "five", "fifo", "sub"};

static int remove_dir(void **state)
{
    struct dir *d = *state;
    char p[PATH_CAP];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", d->path, names[i]);
        if (unlink(p) != 0)
            rmdir(p);
    }
    rmdir(d->path);
    free(d);
    return 0;
}

static void path_of(const struct dir *d, const char *name, char *out)
{
    snprintf(out, PATH_CAP, "%s/%s", d->path, name);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void reads_whole_file_nul_terminated_with_its_stat(void **state)
{
    struct dir *d = *state;
    char p[PATH_CAP], err[ERR_CAP] = "";
    path_of(d, "a.txt", p);
    put(p, "line one\nline two\n");
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    assert_int_equal(wss_file_read(p, 1024, &data, &len, &st, err, sizeof(err)), 0);
    assert_int_equal(len, 18);
    assert_string_equal(data, "line one\nline two\n");
    assert_int_equal(st.st_size, 18);
    assert_true(S_ISREG(st.st_mode));
    assert_string_equal(err, "");
    free(data);
}

static void reads_empty_file_as_empty_string(void **state)
{
    struct dir *d = *state;
    char p[PATH_CAP];
    path_of(d, "empty", p);
    put(p, "");
    char *data = NULL;
    size_t len = 99;
    assert_int_equal(wss_file_read(p, 16, &data, &len, NULL, NULL, 0), 0);
    assert_non_null(data);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    free(data);
}

static void accepts_file_of_exactly_max_bytes(void **state)
{
    struct dir *d = *state;
    char p[PATH_CAP];
    path_of(d, "four", p);
    put(p, "abcd");
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(wss_file_read(p, 4, &data, &len, NULL, NULL, 0), 0);
    assert_int_equal(len, 4);
    assert_string_equal(data, "abcd");
    free(data);
}

/* /proc files are regular with st_size 0, so the buffer must grow as the read goes on. */
static void reads_past_a_stale_size_up_to_the_cap(void **state)
{
    (void)state;
    char *data = NULL;
    size_t len = 0;
    char err[ERR_CAP];
    assert_int_equal(wss_file_read("/proc/self/status", 1 << 20, &data, &len, NULL, NULL, 0), 0);
    assert_true(len > 64);
    assert_int_equal(strlen(data), len);
    assert_non_null(strstr(data, "Pid:"));
    free(data);
    assert_int_equal(wss_file_read("/proc/self/status", 64, &data, &len, NULL, err, sizeof(err)),
                     -EFBIG);
    assert_string_equal(err, "/proc/self/status: larger than 64 bytes");
    assert_null(data);
}

static void refuses_missing_large_and_non_regular_files_with_reason(void **state)
{
    struct dir *d = *state;
    char p[PATH_CAP];
    path_of(d, "five", p);
    put(p, "abcde");
    path_of(d, "fifo", p);
    assert_int_equal(mkfifo(p, 0600), 0);
    path_of(d, "sub", p);
    assert_int_equal(mkdir(p, 0700), 0);
    static const struct {
        const char *name;
        int want_rc;
        const char *want_why;
    } cases[] = {
        {"missing", -ENOENT, "No such file or directory"},
        {"five", -EFBIG, "larger than 4 bytes"},
        {"sub", -EISDIR, "not a regular file"},
        {"fifo", -EINVAL, "not a regular file"}, /* and returns at once: no writer needed */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[ERR_CAP], want[ERR_CAP + PATH_CAP];
        char *data = (char *)"untouched";
        size_t len = 7;
        path_of(d, cases[i].name, p);
        assert_int_equal(wss_file_read(p, 4, &data, &len, NULL, err, sizeof(err)),
                         cases[i].want_rc);
        snprintf(want, sizeof(want), "%s: %s", p, cases[i].want_why);
        assert_string_equal(err, want);
        assert_null(data);
        assert_int_equal(len, 0);
        /* Without an error buffer the code is the same. */
        assert_int_equal(wss_file_read(p, 4, &data, &len, NULL, NULL, 0), cases[i].want_rc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_whole_file_nul_terminated_with_its_stat),
        cmocka_unit_test(reads_empty_file_as_empty_string),
        cmocka_unit_test(accepts_file_of_exactly_max_bytes),
        cmocka_unit_test(reads_past_a_stale_size_up_to_the_cap),
        cmocka_unit_test(refuses_missing_large_and_non_regular_files_with_reason),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
