/* SPDX-License-Identifier: Apache-2.0 */
/* test_file_watch.c: whole-file reads and change detection: unchanged, rewritten in place (size),
 * replaced by rename (inode), touched (mtime), removed, too large, and a failed read leaving the
 * watch as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_watch.h"

struct dir {
    char path[256];
    char file[300];
};

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void read_expect(struct file_watch *w, const char *path, const char *want)
{
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(file_watch_read(w, path, 1024, &data, &len), 0);
    assert_int_equal(len, strlen(want));
    assert_string_equal(data, want);
    free(data);
}

static void changes_are_seen_and_unchanged_files_are_not(void **state)
{
    (void)state;
    struct dir d;
    const char *tmp = getenv("TMPDIR");
    snprintf(d.path, sizeof(d.path), "%s/test_file_watch.XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(d.path));
    snprintf(d.file, sizeof(d.file), "%s/token", d.path);

    struct file_watch w = {0};
    assert_true(file_watch_is_changed(&w, d.file)); /* never read */
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(file_watch_read(&w, d.file, 1024, &data, &len), -ENOENT);
    assert_true(file_watch_is_changed(&w, d.file));

    put(d.file, "token-1");
    read_expect(&w, d.file, "token-1");
    assert_false(file_watch_is_changed(&w, d.file));

    put(d.file, "token-22"); /* in place, another size */
    assert_true(file_watch_is_changed(&w, d.file));
    read_expect(&w, d.file, "token-22");
    assert_false(file_watch_is_changed(&w, d.file));

    char next[320];
    snprintf(next, sizeof(next), "%s.new", d.file);
    put(next, "token-33"); /* same size, new inode */
    assert_int_equal(rename(next, d.file), 0);
    assert_true(file_watch_is_changed(&w, d.file));
    read_expect(&w, d.file, "token-33");

    struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}}; /* same inode and size */
    assert_int_equal(utimensat(AT_FDCWD, d.file, times, 0), 0);
    assert_true(file_watch_is_changed(&w, d.file));
    read_expect(&w, d.file, "token-33");

    /* Too large: refused, and the watch still describes the last good read. */
    struct file_watch before = w;
    put(d.file, "0123456789");
    assert_int_equal(file_watch_read(&w, d.file, 4, &data, &len), -EFBIG);
    assert_memory_equal(&w, &before, sizeof(w));
    assert_true(file_watch_is_changed(&w, d.file));

    unlink(d.file);
    assert_true(file_watch_is_changed(&w, d.file));
    rmdir(d.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(changes_are_seen_and_unchanged_files_are_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
