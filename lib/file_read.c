/* SPDX-License-Identifier: Apache-2.0 */
/* file_read.c: whole-file reads with an EINTR-safe loop, a size cap and a regular-file check.
 * Does not: keep the file open, retry a changing file, or write anywhere but the caller's buffers.
 * Threads: the caller's; no shared state. */
#include "wsscale/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes "PATH: why" (why defaults to the errno text of -rc) and returns rc. */
static int fail(char *err, size_t errlen, const char *path, int rc, const char *why)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", path, why != NULL ? why : strerror(-rc));
    return rc;
}

static int too_large(char *err, size_t errlen, const char *path, size_t max_bytes)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: larger than %zu bytes", path, max_bytes);
    return -EFBIG;
}

int wss_file_read(const char *path, size_t max_bytes, char **data, size_t *len, struct stat *st,
                  char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO at the path must be refused below, not wait here for a writer. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fail(err, errlen, path, -errno, NULL);
    char *buf = NULL;
    int rc = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        rc = fail(err, errlen, path, -errno, NULL);
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = fail(err, errlen, path, S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL, "not a regular file");
        goto out;
    }
    if (sb.st_size < 0 || (unsigned long long)sb.st_size > max_bytes) {
        rc = too_large(err, errlen, path, max_bytes);
        goto out;
    }
    /* Read to EOF rather than trusting st_size: the file may be rewritten under us. One byte
     * more than the size notices growth without a second read call in the common case. */
    size_t cap = (size_t)sb.st_size + 1;
    size_t n = 0;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        rc = fail(err, errlen, path, -ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (n > max_bytes) {
                rc = too_large(err, errlen, path, max_bytes);
                goto out;
            }
            size_t grown_cap = cap > max_bytes / 2 ? max_bytes + 1 : cap * 2;
            char *grown = realloc(buf, grown_cap + 1);
            if (grown == NULL) {
                rc = fail(err, errlen, path, -ENOMEM, "out of memory");
                goto out;
            }
            buf = grown;
            cap = grown_cap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = fail(err, errlen, path, -errno, NULL);
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    if (st != NULL)
        *st = sb;
out:
    free(buf);
    close(fd);
    return rc;
}
