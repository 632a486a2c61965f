/* SPDX-License-Identifier: Apache-2.0 */
/* file_watch.c: stat-based change detection and whole-file reads for the token and labels files.
 * Does not: retry, log or interpret the bytes.
 * Threads: the caller's; no shared state. */
#include "file_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS_PER_S INT64_C(1000000000)

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * NS_PER_S + st->st_mtim.tv_nsec;
}

bool file_watch_is_changed(const struct file_watch *w, const char *path)
{
    struct stat st;
    if (!w->has_read || stat(path, &st) != 0)
        return true;
    return st.st_dev != w->dev || st.st_ino != w->ino || st.st_size != w->size ||
           mtime_ns(&st) != w->mtime_ns;
}

int file_watch_read(struct file_watch *w, const char *path, size_t max_bytes, char **data,
                    size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char *buf = NULL;
    int rc = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto out;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max_bytes) {
        rc = -EFBIG;
        goto out;
    }
    /* One byte more than the size, to notice a file that grew while being read. */
    size_t cap = (size_t)st.st_size + 1;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    size_t n = 0;
    while (n < cap) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n != (size_t)st.st_size) {
        rc = -EAGAIN; /* rewritten in place while being read: the next change check retries */
        goto out;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    *w = (struct file_watch){.has_read = true,
                             .dev = st.st_dev,
                             .ino = st.st_ino,
                             .size = st.st_size,
                             .mtime_ns = mtime_ns(&st)};
out:
    free(buf);
    close(fd);
    return rc;
}
